/* Strided-array inspector; see strided.h. */
#include "strided.h"

#define NPY_NO_DEPRECATED_API NPY_1_22_API_VERSION
#define NPY_TARGET_VERSION NPY_1_22_API_VERSION
#define NO_IMPORT_ARRAY
#define PY_ARRAY_UNIQUE_SYMBOL arrayprof_ARRAY_API
#include <numpy/arrayobject.h>

#include <stdint.h>
#include <string.h>

#define CACHE_LINE 64
/* Past this many elements a strided array's cache lines are not enumerated (reported as -1). */
#define MAX_WALK ((npy_intp)1 << 26)
/* Work budget of the exact overlap test before it answers conservatively. */
#define MAX_OVERLAP_WORK ((npy_intp)1 << 24)

typedef struct {
    npy_intp low, high; /* byte offsets from the data pointer: [low, high) can be touched */
} byte_bounds;

static byte_bounds
bounds_of(PyArrayObject *arr)
{
    byte_bounds b = {0, 0};
    if (PyArray_SIZE(arr) == 0) {
        return b;
    }
    for (int i = 0; i < PyArray_NDIM(arr); i++) {
        npy_intp extent = (PyArray_DIM(arr, i) - 1) * PyArray_STRIDE(arr, i);
        if (extent < 0) {
            b.low += extent;
        }
        else {
            b.high += extent;
        }
    }
    b.high += PyArray_ITEMSIZE(arr);
    return b;
}

/* Calls visit(offset, ctx) for every element's byte offset, in C index order.
 * Returns 0, or -1 if visit asked to stop. */
typedef int (*offset_visitor)(npy_intp offset, void *ctx);

static int
walk_offsets(PyArrayObject *arr, offset_visitor visit, void *ctx)
{
    int ndim = PyArray_NDIM(arr);
    npy_intp size = PyArray_SIZE(arr);
    if (size == 0) {
        return 0;
    }
    if (ndim == 0) {
        return visit(0, ctx);
    }
    npy_intp index[NPY_MAXDIMS] = {0};
    npy_intp offset = 0;
    npy_intp inner_n = PyArray_DIM(arr, ndim - 1), inner_s = PyArray_STRIDE(arr, ndim - 1);
    for (;;) {
        for (npy_intp k = 0; k < inner_n; k++) {
            if (visit(offset + k * inner_s, ctx) < 0) {
                return -1;
            }
        }
        int d = ndim - 2;
        for (; d >= 0; d--) {
            if (++index[d] < PyArray_DIM(arr, d)) {
                offset += PyArray_STRIDE(arr, d);
                break;
            }
            offset -= (index[d] - 1) * PyArray_STRIDE(arr, d);
            index[d] = 0;
        }
        if (d < 0) {
            return 0;
        }
    }
}

typedef struct {
    uintptr_t base;      /* address of the lowest byte */
    uint64_t first_line; /* cache line of `base` */
    npy_intp itemsize;
    uint8_t *seen;        /* bitmap over the lines of the span, or NULL */
    uint64_t distinct;    /* lines set in `seen` */
    uint64_t fetches;     /* line changes in index order */
    uint64_t last_line;
    int have_last;
} line_walk;

static int
visit_lines(npy_intp offset, void *ctx)
{
    line_walk *w = ctx;
    uintptr_t start = w->base + (uintptr_t)offset;
    uint64_t l0 = start / CACHE_LINE, l1 = (start + (uintptr_t)w->itemsize - 1) / CACHE_LINE;
    for (uint64_t l = l0; l <= l1; l++) {
        if (!w->have_last || l != w->last_line) {
            w->fetches++;
            w->last_line = l;
            w->have_last = 1;
        }
        if (w->seen != NULL) {
            uint64_t bit = l - w->first_line;
            if (!(w->seen[bit >> 3] & (1u << (bit & 7)))) {
                w->seen[bit >> 3] |= (uint8_t)(1u << (bit & 7));
                w->distinct++;
            }
        }
    }
    return 0;
}

PyObject *
ap_strided_layout(PyObject *self, PyObject *args)
{
    PyArrayObject *arr;
    int index_order = 0;
    if (!PyArg_ParseTuple(args, "O!|p:layout", &PyArray_Type, &arr, &index_order)) {
        return NULL;
    }
    byte_bounds b = bounds_of(arr);
    npy_intp span = b.high - b.low;
    npy_intp size = PyArray_SIZE(arr);
    long long distinct = 0, fetches = 0;
    if (size > 0) {
        uintptr_t lowest = (uintptr_t)PyArray_DATA(arr) + (uintptr_t)b.low;
        uint64_t first_line = lowest / CACHE_LINE;
        uint64_t last_line = (lowest + (uintptr_t)span - 1) / CACHE_LINE;
        int contiguous = PyArray_IS_C_CONTIGUOUS(arr) || PyArray_IS_F_CONTIGUOUS(arr);
        if (contiguous) {
            distinct = (long long)(last_line - first_line + 1);
        }
        if (PyArray_IS_C_CONTIGUOUS(arr)) {
            fetches = distinct; /* index order is memory order: no walk needed */
        }
        else if (size > MAX_WALK || (contiguous && !index_order)) {
            fetches = -1; /* not computed (too large, or not asked for) */
            if (!contiguous) {
                distinct = -1;
            }
        }
        else {
            line_walk w = {lowest - (uintptr_t)b.low, first_line, PyArray_ITEMSIZE(arr), NULL, 0, 0, 0, 0};
            if (!contiguous) {
                w.seen = PyMem_RawCalloc((size_t)((last_line - first_line) / 8 + 1), 1);
                if (w.seen == NULL) {
                    return PyErr_NoMemory();
                }
            }
            walk_offsets(arr, visit_lines, &w);
            if (!contiguous) {
                distinct = (long long)w.distinct;
            }
            fetches = (long long)w.fetches;
            PyMem_RawFree(w.seen);
        }
    }
    return Py_BuildValue("{snsnsnsLsL}", "span_bytes", span, "low_offset", b.low, "high_offset",
                         b.high, "cache_lines", distinct, "cache_line_fetches_index_order", fetches);
}

/* ---- overlap -------------------------------------------------------------------------------- */

typedef struct {
    uintptr_t origin; /* address of element 0 of `other` */
    int ndim;
    npy_intp dims[2], strides[2], itemsize;
    uintptr_t self_origin;
    npy_intp self_itemsize;
    npy_intp work;
    int found, gave_up;
} overlap_walk;

/* Is there an integer j in [0, n) with lo < j*s < hi (s != 0)?  Offsets relative to the origin. */
static int
exists_index(npy_intp lo, npy_intp hi, npy_intp n, npy_intp s)
{
    if (n <= 0) {
        return 0;
    }
    if (s == 0) {
        return lo < 0 && 0 < hi;
    }
    if (s < 0) { /* mirror: j*s in (lo, hi)  <=>  j*(-s) in (-hi, -lo) */
        npy_intp t = lo;
        lo = -hi;
        hi = -t;
        s = -s;
    }
    /* smallest j with j*s > lo */
    npy_intp j = lo >= 0 ? lo / s + 1 : -((-lo) / s);
    if (j * s <= lo) {
        j++;
    }
    if (j < 0) {
        j = 0;
    }
    return j < n && j * s < hi;
}

static int
visit_overlap(npy_intp offset, void *ctx)
{
    overlap_walk *w = ctx;
    /* element of self covers [x, x + self_itemsize); an element of other at y overlaps when
     * y < x + self_itemsize and y + itemsize > x, i.e. y in (x - itemsize, x + self_itemsize) */
    npy_intp x = (npy_intp)(w->self_origin + (uintptr_t)offset - w->origin);
    npy_intp lo = x - w->itemsize, hi = x + w->self_itemsize;
    if (w->ndim == 0) {
        w->found = lo < 0 && 0 < hi;
    }
    else if (w->ndim == 1) {
        w->found = exists_index(lo, hi, w->dims[0], w->strides[0]);
    }
    else {
        /* loop over the shorter dimension, solve the other exactly */
        int outer = w->dims[0] <= w->dims[1] ? 0 : 1, inner = 1 - outer;
        for (npy_intp i = 0; i < w->dims[outer] && !w->found; i++) {
            npy_intp shift = i * w->strides[outer];
            w->found = exists_index(lo - shift, hi - shift, w->dims[inner], w->strides[inner]);
        }
        w->work += w->dims[outer];
    }
    if (++w->work > MAX_OVERLAP_WORK) {
        w->gave_up = 1;
        return -1;
    }
    return w->found ? -1 : 0;
}

PyObject *
ap_strided_may_overlap(PyObject *self, PyObject *args)
{
    PyArrayObject *a, *b;
    if (!PyArg_ParseTuple(args, "O!O!:may_overlap", &PyArray_Type, &a, &PyArray_Type, &b)) {
        return NULL;
    }
    if (PyArray_SIZE(a) == 0 || PyArray_SIZE(b) == 0) {
        return Py_BuildValue("(OO)", Py_False, Py_True);
    }
    byte_bounds ba = bounds_of(a), bb = bounds_of(b);
    uintptr_t a_lo = (uintptr_t)PyArray_DATA(a) + (uintptr_t)ba.low;
    uintptr_t a_hi = (uintptr_t)PyArray_DATA(a) + (uintptr_t)ba.high;
    uintptr_t b_lo = (uintptr_t)PyArray_DATA(b) + (uintptr_t)bb.low;
    uintptr_t b_hi = (uintptr_t)PyArray_DATA(b) + (uintptr_t)bb.high;
    if (a_hi <= b_lo || b_hi <= a_lo) {
        return Py_BuildValue("(OO)", Py_False, Py_True);
    }
    /* walk the array with fewer elements against the other, which must be at most 2-D */
    PyArrayObject *walked = a, *other = b;
    if (PyArray_NDIM(b) > 2 || (PyArray_NDIM(a) <= 2 && PyArray_SIZE(a) > PyArray_SIZE(b))) {
        walked = b;
        other = a;
    }
    if (PyArray_NDIM(other) > 2) {
        return Py_BuildValue("(OO)", Py_True, Py_False); /* bounds overlap; not decided exactly */
    }
    overlap_walk w;
    memset(&w, 0, sizeof(w));
    w.origin = (uintptr_t)PyArray_DATA(other);
    w.ndim = PyArray_NDIM(other);
    for (int i = 0; i < w.ndim; i++) {
        w.dims[i] = PyArray_DIM(other, i);
        w.strides[i] = PyArray_STRIDE(other, i);
    }
    w.itemsize = PyArray_ITEMSIZE(other);
    w.self_origin = (uintptr_t)PyArray_DATA(walked);
    w.self_itemsize = PyArray_ITEMSIZE(walked);
    walk_offsets(walked, visit_overlap, &w);
    if (w.gave_up && !w.found) {
        return Py_BuildValue("(OO)", Py_True, Py_False);
    }
    return Py_BuildValue("(OO)", w.found ? Py_True : Py_False, Py_True);
}
