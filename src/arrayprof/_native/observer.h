/*
 * The operation observer: records every ufunc call the profiled thread makes while a cell is being
 * recorded, aggregated per call site (cell line, instruction offset, ufunc, method).
 *
 * Mechanism: each ufunc object's `vectorcall` slot and the C functions behind ufunc.reduce,
 * .accumulate, .reduceat, .outer (METH_FASTCALL) and .at (METH_VARARGS) are replaced by thin
 * wrappers that call the original and then look at its arguments and result.  Every ufunc is
 * caught whatever made it: those that exist at install (NumPy's, and any module already
 * imported), and every one made later, because the three constructors in NumPy's ufunc C-API
 * table (which SciPy, Cython and every extension call) and `np.frompyfunc` (which NumPy's own
 * `vectorize` calls) are wrapped to hook the object they return.
 *
 * The wrappers add no Python frame and keep no reference to any array or dtype: an operand is
 * kept as values (shape, strides up to NPY_MAXDIMS, flags, and its dtype as a type number, or as
 * the text of its name for dtypes that are not NumPy's built-in singletons), so NumPy's temporary
 * elision (refcount 1, interpreter as caller) and refcounts stay as without them.  A site is found
 * through a hash table (O(1) per call); when no cell is being recorded the cost is one branch.
 *
 * GIL rules: ufuncs are always called with the GIL held, so the records need no lock.  A ufunc
 * called while a call is being recorded (from a dtype's __str__) is not recorded.
 */
#ifndef ARRAYPROF_OBSERVER_H
#define ARRAYPROF_OBSERVER_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

PyObject *ap_observer_install(PyObject *self, PyObject *ufuncs);
PyObject *ap_observer_take(PyObject *self, PyObject *noargs);

/* Drop the records of an earlier cell.  GIL held. */
void ap_observer_reset(void);

#endif
