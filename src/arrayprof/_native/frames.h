/*
 * Line attribution: which line of the profiled cell is running right now?
 *
 * The allocation hook and the operation observer both ask this question on every event, so it has
 * to be cheap: walk the current thread's interpreter frames from the innermost outwards and stop at
 * the first frame whose code was compiled from the profiled source (same co_filename).  That frame's
 * (code object, instruction offset) is turned into a line once per site and cached.  Under pytest the
 * profiled source is several files (a test and the code under test), each with a base: line n of a
 * file is line base + n, so the tracker's one dense line table holds them all.
 *
 * GIL rules: ap_frames_cell_line() needs the GIL when `have_gil` is true (it may create a cache
 * entry and take a strong reference to a code object).  With have_gil false it only reads this
 * thread's own frames, which no other thread mutates while we run, and never touches a refcount
 * (3.11 to 3.13; on other versions it answers 0: the allocation is charged to no line).
 */
#ifndef ARRAYPROF_FRAMES_H
#define ARRAYPROF_FRAMES_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Set what makes up "the cell" and clear every cache.  GIL held.  `target` is a filename (str:
 * line n of its code is line n), or a dict {filename: base} (a test and the code under test: line
 * n of a file is line base + n; the caller keeps the files' line ranges apart).  -1 with an
 * exception set when the dict is malformed or memory runs out. */
int ap_frames_set_target(PyObject *target);

/* Drop the caches and the references they hold.  GIL held. */
void ap_frames_clear(void);

/* Line (1-based, in the profiled source) of the innermost cell frame of `tstate`, or 0 when no
 * frame belongs to the cell.  `offset_out` (may be NULL) receives the instruction offset in that
 * frame.  `form_out` (may be NULL; only filled with the GIL) receives how the cell reached the C
 * code now running: AP_FORM_BINOP / AP_FORM_UNARYOP when the cell frame is the innermost Python
 * frame and is executing an operator instruction (`a + b`, `a < b`, `a @= b`, `-a`, `~a`),
 * AP_FORM_CALL otherwise (a call, or code reached inside a library function). */
enum { AP_FORM_CALL = 0, AP_FORM_BINOP = 1, AP_FORM_UNARYOP = 2 };
int ap_frames_cell_line(PyThreadState *tstate, int have_gil, int *offset_out, int *form_out);

/* The base of `code`'s lines when it is compiled from the cell (0 for a cell; a file's base under
 * pytest: its line n is line base + n), or -1 when it is not.  GIL held (the sampler asks about
 * code objects it found on the profiled thread's stack). */
int ap_frames_code_base(PyCodeObject *code);

/* Bytes held by the caches, for the profiler's own memory figure. */
size_t ap_frames_memory(void);

#endif
