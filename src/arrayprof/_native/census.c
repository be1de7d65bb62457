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

typedef struct {
    int64_t views, owners;
} line_census;

static line_census *lines; /* lines[0]: no cell frame; lines[1..nlines]: cell lines */
static int nlines;
static int counting;

/* The newest object, not yet classified: NumPy sets OWNDATA after tp_alloc returns, so an object
 * is classified when the next one is made, when it dies, or when recording stops, whichever comes
 * first.  NumPy finishes building an ndarray before it makes another, so its flags are final by
 * then; and an object that died was classified in tp_dealloc, so `newest` is always alive. */
static PyObject *newest; /* borrowed */
static int newest_line;

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

static inline void
classify_newest(void)
{
    if (newest != NULL) {
        classify(newest, newest_line);
        newest = NULL;
    }
}

static PyObject *
census_alloc(PyTypeObject *type, Py_ssize_t nitems)
{
    PyObject *obj = original_alloc(type, nitems);
    if (obj != NULL && counting && ap_tracker_recording_here()) {
        classify_newest();
        int line = ap_tracker_current_line(NULL, NULL);
        newest = obj;
        newest_line = line >= 0 && line <= nlines ? line : 0;
        ap_tracker_note_line(newest_line); /* a line that only makes views still sees live bytes */
    }
    return obj;
}

static void
census_dealloc(PyObject *obj)
{
    if (obj == newest) {
        classify_newest();
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
    newest = NULL;
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
    classify_newest();
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
    return lines ? ((size_t)nlines + 1) * sizeof(line_census) : 0;
}
