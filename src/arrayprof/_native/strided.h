/*
 * Strided-array facts computed from shape, strides and the real data address: the byte span an
 * array can touch, how many 64-byte cache lines its elements occupy (distinct, i.e. one pass in
 * memory order) and how many line fetches a pass in index (C) order makes, and whether two arrays
 * can overlap.  Pure functions of their arguments; GIL held (they are called from Python).
 */
#ifndef ARRAYPROF_STRIDED_H
#define ARRAYPROF_STRIDED_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

PyObject *ap_strided_layout(PyObject *self, PyObject *args);
PyObject *ap_strided_may_overlap(PyObject *self, PyObject *args);

#endif
