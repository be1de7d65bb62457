/*
 * Strided-array facts computed from shape, strides and the real data address: the byte span an
 * array can touch, how many 64-byte cache lines its elements occupy (distinct, i.e. one pass in
 * memory order) and how many line fetches a pass in index (C) order makes, and whether two arrays
 * can overlap.  Pure functions of their arguments; GIL held (they are called from Python).
 *
 * Safe for any shape and strides NumPy accepts (as_strided views whose extents overflow npy_intp,
 * negative and zero strides, 0-size arrays, NPY_MAXDIMS dimensions): offsets are computed in
 * 128-bit integers, and every answer is exact or says it is not.
 *
 * Bounded work whatever the size: the span, the index-order fetches and, for every layout whose
 * rows do not interleave (contiguous, sliced, transposed, broadcast, sliding windows, ...), the
 * distinct lines come from closed forms over the 64 possible line offsets of each dimension
 * (O(ndim * 64 * 64)).  Only interleaving layouts are walked element by element, within a budget;
 * past it the distinct count is an upper bound flagged `cache_lines_exact: False`.
 */
#ifndef ARRAYPROF_STRIDED_H
#define ARRAYPROF_STRIDED_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

PyObject *ap_strided_layout(PyObject *self, PyObject *args);
PyObject *ap_strided_may_overlap(PyObject *self, PyObject *args);

#endif
