/*
 * A small extension the native-safety tests compile on the fly (tests/test_native_safety.py):
 *   - NEP 49 handlers "another library" might set: one in writable memory (arrayprof can hook it),
 *     one in read-only memory (it cannot), one that forwards to NumPy's default handler (its
 *     allocations must be counted once);
 *   - a native thread that allocates and frees through NumPy's default handler without the GIL in
 *     a tight loop, as NumPy's GIL-less sections do, only much more often.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define NPY_NO_DEPRECATED_API NPY_1_22_API_VERSION
#define NPY_TARGET_VERSION NPY_1_22_API_VERSION
#include <numpy/arrayobject.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

/* ---- foreign handlers: forward to the C library, counting what goes through them ------------- */

static atomic_long foreign_calls;

static void *
f_malloc(void *ctx, size_t size)
{
    (void)ctx;
    atomic_fetch_add(&foreign_calls, 1);
    return malloc(size);
}

static void *
f_calloc(void *ctx, size_t n, size_t size)
{
    (void)ctx;
    atomic_fetch_add(&foreign_calls, 1);
    return calloc(n, size);
}

static void *
f_realloc(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    atomic_fetch_add(&foreign_calls, 1);
    return realloc(ptr, size);
}

static void
f_free(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    (void)size;
    atomic_fetch_add(&foreign_calls, 1);
    free(ptr);
}

/* forwarding to the default handler, as a wrapper library would */
static PyDataMem_Handler *default_handler;

static void *
w_malloc(void *ctx, size_t size)
{
    PyDataMemAllocator *a = &default_handler->allocator;
    return a->malloc(a->ctx, size);
}

static void *
w_calloc(void *ctx, size_t n, size_t size)
{
    PyDataMemAllocator *a = &default_handler->allocator;
    return a->calloc(a->ctx, n, size);
}

static void *
w_realloc(void *ctx, void *ptr, size_t size)
{
    PyDataMemAllocator *a = &default_handler->allocator;
    return a->realloc(a->ctx, ptr, size);
}

static void
w_free(void *ctx, void *ptr, size_t size)
{
    PyDataMemAllocator *a = &default_handler->allocator;
    a->free(a->ctx, ptr, size);
}

static PyDataMem_Handler wrapping_handler = {
    "arrayprof_test_wrapping", 1, {NULL, w_malloc, w_calloc, w_realloc, w_free}};
static PyDataMem_Handler writable_handler = {
    "arrayprof_test_allocator", 1, {NULL, f_malloc, f_calloc, f_realloc, f_free}};
static PyDataMem_Handler late_handler = {
    "arrayprof_test_late", 1, {NULL, f_malloc, f_calloc, f_realloc, f_free}};
static const PyDataMem_Handler readonly_handler = {
    "arrayprof_test_readonly", 1, {NULL, f_malloc, f_calloc, f_realloc, f_free}};

/* set_handler(kind) -> the previous handler capsule; kind 0: writable, 1: read-only, 2: wrapping,
 * 3: writable, kept for one test (so that it is first hooked there) */
static PyObject *
set_handler(PyObject *self, PyObject *kind_obj)
{
    long kind = PyLong_AsLong(kind_obj);
    if (kind == -1 && PyErr_Occurred()) {
        return NULL;
    }
    void *handler = kind == 1   ? (void *)&readonly_handler
                    : kind == 2 ? (void *)&wrapping_handler
                    : kind == 3 ? (void *)&late_handler
                                : (void *)&writable_handler;
    PyObject *capsule = PyCapsule_New(handler, "mem_handler", NULL);
    if (capsule == NULL) {
        return NULL;
    }
    PyObject *old = PyDataMem_SetHandler(capsule);
    Py_DECREF(capsule);
    return old;
}

/* restore_handler(capsule) */
static PyObject *
restore_handler(PyObject *self, PyObject *capsule)
{
    PyObject *old = PyDataMem_SetHandler(capsule);
    if (old == NULL) {
        return NULL;
    }
    Py_DECREF(old);
    Py_RETURN_NONE;
}

static PyObject *
calls(PyObject *self, PyObject *noargs)
{
    return PyLong_FromLong(atomic_load(&foreign_calls));
}

/* ---- the hammer: GIL-less allocations through the default handler ---------------------------- */

static pthread_t hammer_thread;
static atomic_int hammer_running;
static atomic_long hammer_rounds;
static void *
hammer(void *arg)
{
    (void)arg;
    while (atomic_load(&hammer_running)) {
        PyDataMemAllocator *a = &default_handler->allocator;
        void *p = a->malloc(a->ctx, 64);
        a->free(a->ctx, p, 64);
        atomic_fetch_add(&hammer_rounds, 1);
    }
    return NULL;
}

static PyObject *
start_hammer(PyObject *self, PyObject *noargs)
{
    atomic_store(&hammer_running, 1);
    if (pthread_create(&hammer_thread, NULL, hammer, NULL) != 0) {
        atomic_store(&hammer_running, 0);
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    Py_RETURN_NONE;
}

static PyObject *
stop_hammer(PyObject *self, PyObject *noargs)
{
    if (atomic_exchange(&hammer_running, 0)) {
        Py_BEGIN_ALLOW_THREADS
        pthread_join(hammer_thread, NULL);
        Py_END_ALLOW_THREADS
    }
    return PyLong_FromLong(atomic_load(&hammer_rounds));
}

static PyMethodDef methods[] = {
    {"set_handler", set_handler, METH_O, NULL},
    {"restore_handler", restore_handler, METH_O, NULL},
    {"calls", calls, METH_NOARGS, NULL},
    {"start_hammer", start_hammer, METH_NOARGS, NULL},
    {"stop_hammer", stop_hammer, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "native_safety_ext", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC
PyInit_native_safety_ext(void)
{
    import_array();
    default_handler = PyCapsule_GetPointer(PyDataMem_DefaultHandler, "mem_handler");
    if (default_handler == NULL) {
        return NULL;
    }
    return PyModule_Create(&module);
}
