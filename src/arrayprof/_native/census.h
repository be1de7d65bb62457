/*
 * The array census: how many ndarray objects each cell line created, split into views (arrays
 * that do not own their data: slices, transposes, reshapes, broadcast_to, ...) and owners (arrays
 * with a buffer of their own: operation results, copies, fancy-indexing results).  0-d arrays are
 * left out: NumPy makes them internally to box scalars (`a + 1` makes two).
 *
 * Mechanism: ndarray's tp_alloc and tp_dealloc slots are wrapped once per process.  While a cell
 * is recorded, tp_alloc notes the new object and the line that made it.  Its flags cannot be read
 * there (NumPy fills them in after allocating the object), so it is classified at the next
 * tp_alloc, at its own tp_dealloc, or when recording stops, whichever comes first: no table, one
 * pointer comparison per deallocation.
 * Only exact ndarray objects are counted (Python subclasses get CPython's own tp_alloc).
 *
 * GIL rules: ndarray objects are created and destroyed with the GIL held, so the census needs no
 * lock; every function here is called with the GIL.
 */
#ifndef ARRAYPROF_CENSUS_H
#define ARRAYPROF_CENSUS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Wrap ndarray's slots (once per process). */
int ap_census_install(void);

/* Begin counting for a cell of `nlines` lines; forgets an earlier cell.  0, or -1 when out of
 * memory (then nothing is counted). */
int ap_census_begin(int nlines);

/* Stop counting: classify the survivors and return [(line, views, owners), ...] for the lines
 * that created arrays (line 0: no cell frame on the stack), or NULL with an exception set. */
PyObject *ap_census_end(void);

/* Bytes held by the census's tables. */
size_t ap_census_memory(void);

#endif
