/*
 * The NEP 49 allocation tracker.
 *
 * Installed once for the life of the process by patching the allocator inside NumPy's *default*
 * handler capsule: every array made with the default handler (before or after the install, in any
 * thread) allocates and frees through it, so frees of old buffers are seen too.  Handlers other
 * libraries set are found at start/stop and hooked the same way where safe (else reported as not
 * seen).  Recording is switched on and off per cell; when it is off the hooks only forward (one
 * relaxed atomic load).  A fork() child starts with recording off and the lock free.  The lock and
 * GIL rules are written at the top of tracker.c.
 */
#ifndef ARRAYPROF_TRACKER_H
#define ARRAYPROF_TRACKER_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Python-visible functions (module.c puts them in the method table). */
PyObject *ap_tracker_install(PyObject *self, PyObject *noargs);
PyObject *ap_tracker_start(PyObject *self, PyObject *args);
PyObject *ap_tracker_stop(PyObject *self, PyObject *noargs);
PyObject *ap_tracker_is_recording(PyObject *self, PyObject *noargs);
PyObject *ap_tracker_memory(PyObject *self, PyObject *noargs);
PyObject *ap_tracker_live_lookup(PyObject *self, PyObject *args);
PyObject *ap_tracker_live_release(PyObject *self, PyObject *args);
PyObject *ap_tracker_pause(PyObject *self, PyObject *noargs);
PyObject *ap_tracker_resume(PyObject *self, PyObject *noargs);

/* Shared with the operation observer and the array census: is the calling thread the one being
 * profiled, and which cell line is it on (see ap_frames_cell_line for the outputs)?  GIL held. */
int ap_tracker_recording_here(void);

/* Whether a cell is being recorded and not paused (on any thread): the sampler's NumPy clocks
 * stop while arrayprof's own work runs inside a cell (pause()).  Any thread, no lock. */
int ap_tracker_recording_now(void);
int ap_tracker_current_line(int *offset_out, int *form_out);

/* The profiled thread ran an operation on `line`: its peak is at least the live bytes now. */
void ap_tracker_note_line(int line);

/* Can `size` bytes at `addr` be written?  Asked of the kernel, without a fault (a pipe), before
 * patching memory NumPy owns (handlers, its C-API table, method tables).  Any thread. */
int ap_writable(void *addr, size_t size);

#endif
