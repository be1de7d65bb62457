/*
 * The operation observer: records every ufunc call the profiled thread makes while a cell is being
 * recorded, aggregated per call site (cell line, instruction offset, ufunc, method).
 *
 * Mechanism: each ufunc object's `vectorcall` slot and the C functions behind ufunc.reduce,
 * .accumulate, .reduceat, .outer and .at are replaced by thin wrappers that call the original and
 * then look at its arguments and result.  The wrappers add no Python frame and keep no reference to
 * any array, so NumPy's temporary elision (which needs refcount 1 and the interpreter as caller)
 * works exactly as without them.  When no cell is being recorded they cost one branch.
 *
 * GIL rules: ufuncs are always called with the GIL held, so the records need no lock.
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
