/* The array census; see census.h. */
#include "census.h"
#include "tracker.h"

#define NPY_NO_DEPRECATED_API NPY_1_22_API_VERSION
#define NPY_TARGET_VERSION NPY_1_22_API_VERSION
#define NO_IMPORT_ARRAY
#define PY_ARRAY_UNIQUE_SYMBOL arrayprof_ARRAY_API
#include <numpy/arrayobject.h>

#include <stdint.h>
#include <string.h>

static allocfunc original_alloc;
static destructor original_dealloc;

/* Objects created while recording and not yet classified: open addressing, linear probing,
 * backward-shift deletion (no tombstones, so a loop that makes and drops millions of views keeps
 * the table small and fast). */
typedef struct {
    PyObject *obj; /* borrowed: removed from the table when the object dies */
    int line;
} pending_entry;

static pending_entry *pending;
static size_t pending_capacity; /* power of two, or 0 */
static size_t pending_used;

typedef struct {
    int64_t views, owners;
} line_census;

static line_census *lines; /* lines[0]: no cell frame; lines[1..nlines]: cell lines */
static int nlines;
static int counting;

static inline size_t
slot_of(const PyObject *obj)
{
    uint64_t h = (uint64_t)(uintptr_t)obj >> 4;
    h *= 0x9E3779B97F4A7C15ull;
    return (size_t)(h ^ (h >> 32)) & (pending_capacity - 1);
}

static void
classify(PyObject *obj, int line)
{
    if (lines == NULL || line < 0 || line > nlines || PyArray_NDIM((PyArrayObject *)obj) == 0) {
        return; /* 0-d arrays are NumPy's internal scalar boxes, not views or copies anyone made */
    }
    if (PyArray_CHKFLAGS((PyArrayObject *)obj, NPY_ARRAY_OWNDATA)) {
        lines[line].owners++;
    }
    else {
        lines[line].views++;
    }
}

static int
pending_grow(void)
{
    size_t old_capacity = pending_capacity;
    pending_entry *old = pending;
    size_t new_capacity = old_capacity ? old_capacity * 2 : 1024;
    pending_entry *grown = PyMem_RawCalloc(new_capacity, sizeof(pending_entry));
    if (grown == NULL) {
        return -1;
    }
    pending = grown;
    pending_capacity = new_capacity;
    for (size_t i = 0; i < old_capacity; i++) {
        if (old[i].obj == NULL) {
            continue;
        }
        size_t j = slot_of(old[i].obj);
        while (pending[j].obj != NULL) {
            j = (j + 1) & (pending_capacity - 1);
        }
        pending[j] = old[i];
    }
    PyMem_RawFree(old);
    return 0;
}

static void
pending_add(PyObject *obj, int line)
{
    if ((pending_used + 1) * 2 > pending_capacity && pending_grow() < 0) {
        classify(obj, line); /* out of memory: classify now (flags may still be incomplete) */
        return;
    }
    size_t j = slot_of(obj);
    while (pending[j].obj != NULL) {
        j = (j + 1) & (pending_capacity - 1);
    }
    pending[j].obj = obj;
    pending[j].line = line;
    pending_used++;
}

/* Remove `obj` if pending; its line, or -1. */
static int
pending_take(PyObject *obj)
{
    size_t mask = pending_capacity - 1;
    size_t i = slot_of(obj);
    while (pending[i].obj != obj) {
        if (pending[i].obj == NULL) {
            return -1;
        }
        i = (i + 1) & mask;
    }
    int line = pending[i].line;
    /* backward-shift deletion: pull later members of the probe run into the hole */
    size_t hole = i;
    for (size_t j = (i + 1) & mask; pending[j].obj != NULL; j = (j + 1) & mask) {
        size_t home = slot_of(pending[j].obj);
        if (((j - home) & mask) >= ((j - hole) & mask)) {
            pending[hole] = pending[j];
            hole = j;
        }
    }
    pending[hole].obj = NULL;
    pending_used--;
    return line;
}

static PyObject *
census_alloc(PyTypeObject *type, Py_ssize_t nitems)
{
    PyObject *obj = original_alloc(type, nitems);
    if (obj != NULL && counting && ap_tracker_recording_here()) {
        int line = ap_tracker_current_line(NULL, NULL);
        pending_add(obj, line >= 0 && line <= nlines ? line : 0);
    }
    return obj;
}

static void
census_dealloc(PyObject *obj)
{
    if (pending_used > 0) {
        int line = pending_take(obj);
        if (line >= 0) {
            classify(obj, line);
        }
    }
    original_dealloc(obj);
}

int
ap_census_install(void)
{
    if (original_alloc != NULL) {
        return 0;
    }
    /* Never restored: objects allocated through the wrapper may outlive any "uninstall". */
    original_alloc = PyArray_Type.tp_alloc;
    original_dealloc = PyArray_Type.tp_dealloc;
    PyArray_Type.tp_alloc = census_alloc;
    PyArray_Type.tp_dealloc = census_dealloc;
    return 0;
}

static void
forget(void)
{
    PyMem_RawFree(pending);
    pending = NULL;
    pending_capacity = 0;
    pending_used = 0;
    PyMem_RawFree(lines);
    lines = NULL;
    nlines = 0;
    counting = 0;
}

int
ap_census_begin(int line_count)
{
    forget();
    lines = PyMem_RawCalloc((size_t)line_count + 1, sizeof(line_census));
    if (lines == NULL) {
        return -1;
    }
    nlines = line_count;
    counting = original_alloc != NULL;
    return 0;
}

PyObject *
ap_census_end(void)
{
    counting = 0;
    for (size_t i = 0; i < pending_capacity; i++) {
        if (pending[i].obj != NULL) {
            classify(pending[i].obj, pending[i].line); /* still alive: its flags are final */
        }
    }
    PyObject *out = PyList_New(0);
    for (int line = 0; out != NULL && lines != NULL && line <= nlines; line++) {
        const line_census *c = &lines[line];
        if (c->views == 0 && c->owners == 0) {
            continue;
        }
        PyObject *row = Py_BuildValue("(iLL)", line, (long long)c->views, (long long)c->owners);
        if (row == NULL || PyList_Append(out, row) < 0) {
            Py_XDECREF(row);
            Py_CLEAR(out);
            break;
        }
        Py_DECREF(row);
    }
    forget();
    return out;
}

size_t
ap_census_memory(void)
{
    return pending_capacity * sizeof(pending_entry) + (lines ? ((size_t)nlines + 1) * sizeof(line_census) : 0);
}
