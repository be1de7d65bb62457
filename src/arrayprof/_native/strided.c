/* Strided-array inspector; see strided.h. */
#include "strided.h"

#define NPY_NO_DEPRECATED_API NPY_1_22_API_VERSION
#define NPY_TARGET_VERSION NPY_1_22_API_VERSION
#define NO_IMPORT_ARRAY
#define PY_ARRAY_UNIQUE_SYMBOL arrayprof_ARRAY_API
#include <numpy/arrayobject.h>

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifndef __SIZEOF_INT128__
#error "the strided inspector needs 128-bit integers (GCC or Clang)"
#endif

/* Offsets and counts in 128 bits: one extent (n - 1) * stride is below 2^126 in magnitude, and
 * the sum of all extents of an array is too (the sum of n - 1 over its dimensions is at most its
 * size, below 2^63), so no sum or product below overflows; the checks are kept anyway. */
typedef __int128 wide;
typedef unsigned __int128 uwide;

#define LINE 64
/* Interleaving layouts are walked element by element up to this many elements ... */
#define WALK_BUDGET ((wide)1 << 22)
/* ... and with a bitmap of at most this many cache lines (16 MB). */
#define BITMAP_BUDGET ((wide)1 << 27)
/* Work budget of the exact overlap test before it answers conservatively. */
#define MAX_OVERLAP_WORK ((npy_intp)1 << 24)

static wide
floor_div64(wide x)
{
    return x >= 0 ? x / LINE : -((-x + LINE - 1) / LINE);
}

static int
mod64(wide x)
{
    int m = (int)(x % LINE);
    return m < 0 ? m + LINE : m;
}

/* Cache lines touched by the bytes [r, r + len), len >= 1. */
static uwide
lines_of_range(wide r, wide len)
{
    return (uwide)(floor_div64(r + len - 1) - floor_div64(r) + 1);
}

static PyObject *
wide_to_py(wide v)
{
    if (v >= LLONG_MIN && v <= LLONG_MAX) {
        return PyLong_FromLongLong((long long)v);
    }
    /* v = high * 2^64 + low */
    PyObject *high = PyLong_FromLongLong((long long)(v >> 64));
    PyObject *low = PyLong_FromUnsignedLongLong((unsigned long long)v);
    PyObject *shift = PyLong_FromLong(64);
    PyObject *shifted = high && shift ? PyNumber_Lshift(high, shift) : NULL;
    PyObject *out = shifted && low ? PyNumber_Add(shifted, low) : NULL;
    Py_XDECREF(high);
    Py_XDECREF(low);
    Py_XDECREF(shift);
    Py_XDECREF(shifted);
    return out;
}

static PyObject *
uwide_to_py(uwide v)
{
    if (v <= (uwide)LLONG_MAX) {
        return PyLong_FromLongLong((long long)v);
    }
    return wide_to_py((wide)v); /* counts stay below 2^127 (see above) */
}

/* ---- geometry ------------------------------------------------------------------------------ */

typedef struct {
    int ndim;
    npy_intp dims[NPY_MAXDIMS], strides[NPY_MAXDIMS];
    npy_intp itemsize, size;
    wide data;      /* address of element 0 */
    wide low, high; /* byte offsets from `data`: [low, high) can be touched; 0, 0 when empty */
} geometry;

/* 0, or -1 when the array has more dimensions than this build knows or an offset overflows. */
static int
geometry_of(PyArrayObject *arr, geometry *g)
{
    g->ndim = PyArray_NDIM(arr);
    if (g->ndim > NPY_MAXDIMS) {
        return -1;
    }
    g->itemsize = PyArray_ITEMSIZE(arr);
    g->size = PyArray_SIZE(arr);
    g->data = (wide)(uintptr_t)PyArray_DATA(arr);
    g->low = g->high = 0;
    for (int i = 0; i < g->ndim; i++) {
        g->dims[i] = PyArray_DIM(arr, i);
        g->strides[i] = PyArray_STRIDE(arr, i);
    }
    if (g->size == 0) {
        return 0;
    }
    for (int i = 0; i < g->ndim; i++) {
        wide extent = (wide)(g->dims[i] - 1) * (wide)g->strides[i];
        wide *side = extent < 0 ? &g->low : &g->high;
        if (__builtin_add_overflow(*side, extent, side)) {
            return -1;
        }
    }
    return __builtin_add_overflow(g->high, (wide)g->itemsize, &g->high) ? -1 : 0;
}

/* ---- cache lines ---------------------------------------------------------------------------- */

/* sum over i in [0, n) of g[(r + i * s) mod 64]: the residues repeat with period 64 / gcd(s, 64),
 * so one period is summed and multiplied. */
static uwide
periodic_sum(const uwide g[LINE], int r, wide s, npy_intp n)
{
    if (n <= 0) {
        return 0;
    }
    int step = mod64(s);
    npy_intp period = step == 0 ? 1 : LINE / (step & -step);
    npy_intp first = n < period ? n : period, rem = n % period;
    uwide one = 0, part = 0;
    for (npy_intp i = 0, pos = r; i < first; i++, pos = (pos + step) & (LINE - 1)) {
        if (i == rem) {
            part = one;
        }
        one += g[pos];
    }
    return n < period ? one : (uwide)(n / period) * one + part;
}

typedef struct {
    npy_intp n;
    wide step; /* > 0 */
} dim_step;

/* The dimensions that change the set of bytes touched (size > 1, stride != 0), strides made
 * positive (mirroring a dimension leaves the set unchanged), smallest stride first. */
static int
reduced_steps(const geometry *g, dim_step *out)
{
    int k = 0;
    for (int i = 0; i < g->ndim; i++) {
        if (g->dims[i] > 1 && g->strides[i] != 0) {
            wide s = g->strides[i];
            dim_step d = {g->dims[i], s < 0 ? -s : s};
            int j = k++;
            for (; j > 0 && out[j - 1].step > d.step; j--) {
                out[j] = out[j - 1];
            }
            out[j] = d;
        }
    }
    return k;
}

/* Distinct lines by closed form, built up one dimension at a time from the smallest stride: a
 * "block" is the set of bytes of the dimensions so far, and f[r] the lines it touches when its
 * first byte sits r bytes into a line.  The next dimension repeats the block every `step` bytes:
 *  - gapless block, step <= its span: the copies merge into one gapless range;
 *  - step >= its span: the copies are disjoint and in order, so only the last line of one copy and
 *    the first of the next can coincide: f'[r] = sum f - sum shared, both periodic in the residue;
 *  - otherwise the copies interleave: 0 is returned (no closed form here).
 * Sets *out and returns 1 when exact. */
static int
distinct_closed(const geometry *g, uwide *out)
{
    dim_step steps[NPY_MAXDIMS];
    int k = reduced_steps(g, steps);
    wide span = g->itemsize;
    int gapless = 1;
    uwide f[LINE], next[LINE], shared[LINE];
    for (int r = 0; r < LINE; r++) {
        f[r] = lines_of_range(r, span);
    }
    for (int j = 0; j < k; j++) {
        npy_intp n = steps[j].n;
        wide s = steps[j].step, grown = (wide)(n - 1) * s + span;
        if (gapless && s <= span) {
            for (int r = 0; r < LINE; r++) {
                f[r] = lines_of_range(r, grown);
            }
        }
        else if (s >= span) {
            for (int r = 0; r < LINE; r++) {
                shared[r] = floor_div64(r + span - 1) == floor_div64(r + s);
            }
            for (int r = 0; r < LINE; r++) {
                next[r] = periodic_sum(f, r, s, n) - periodic_sum(shared, r, s, n - 1);
            }
            memcpy(f, next, sizeof(f));
            gapless = gapless && s == span;
        }
        else {
            return 0;
        }
        span = grown;
    }
    *out = f[mod64(g->data + g->low)];
    return 1;
}

/* Distinct lines by visiting every element, when the elements fit the budget: marked in a bitmap
 * over the span's lines when that is small enough, otherwise collected, sorted and counted.
 * 1: exact; 0: over budget; -1: out of memory. */
#define SORT_BUDGET ((wide)1 << 20)

static int
compare_wide(const void *a, const void *b)
{
    wide x = *(const wide *)a, y = *(const wide *)b;
    return x < y ? -1 : x > y;
}

static int
distinct_walk(const geometry *g, uwide *out)
{
    dim_step steps[NPY_MAXDIMS];
    int k = reduced_steps(g, steps);
    wide elements = 1;
    for (int j = 0; j < k; j++) {
        elements *= steps[j].n;
        if (elements > WALK_BUDGET) {
            return 0;
        }
    }
    int r0 = mod64(g->data + g->low);
    wide per_element = lines_of_range(LINE - 1, g->itemsize);
    wide nlines = floor_div64(r0 + (g->high - g->low) - 1) + 1;
    int use_bitmap = nlines <= BITMAP_BUDGET;
    if (use_bitmap ? elements * per_element > 4 * WALK_BUDGET : elements * per_element > SORT_BUDGET) {
        return 0;
    }
    uint8_t *seen = NULL;
    wide *collected = NULL;
    size_t ncollected = 0;
    if (use_bitmap) {
        seen = PyMem_RawCalloc((size_t)(nlines / 8 + 1), 1);
    }
    else {
        collected = PyMem_RawMalloc((size_t)(elements * per_element) * sizeof(wide));
    }
    if (seen == NULL && collected == NULL) {
        return -1;
    }
    npy_intp index[NPY_MAXDIMS] = {0};
    wide offset = r0; /* from the start of the first line */
    uwide distinct = 0;
    for (;;) {
        wide l1 = (offset + g->itemsize - 1) / LINE;
        for (wide l = offset / LINE; l <= l1; l++) {
            if (collected != NULL) {
                collected[ncollected++] = l;
            }
            else if (!(seen[l >> 3] & (1u << (l & 7)))) {
                seen[l >> 3] |= (uint8_t)(1u << (l & 7));
                distinct++;
            }
        }
        int j = 0;
        for (; j < k; j++) {
            if (++index[j] < steps[j].n) {
                offset += steps[j].step;
                break;
            }
            offset -= (wide)(index[j] - 1) * steps[j].step;
            index[j] = 0;
        }
        if (j == k) {
            break;
        }
    }
    if (collected != NULL) {
        qsort(collected, ncollected, sizeof(wide), compare_wide);
        for (size_t i = 0; i < ncollected; i++) {
            distinct += i == 0 || collected[i] != collected[i - 1];
        }
    }
    PyMem_RawFree(seen);
    PyMem_RawFree(collected);
    *out = distinct;
    return 1;
}

/* Line fetches of a pass in C index order (a fetch whenever the line differs from the last one
 * touched), by closed form for any strides: F[r] is the count for the block of the innermost
 * dimensions whose element 0 sits r bytes into a line; one more dimension repeats it `stride`
 * bytes apart (any sign, or 0), saving one fetch when a copy's last line is the next copy's
 * first. */
static uwide
fetches_closed(const geometry *g)
{
    uwide f[LINE], next[LINE], join[LINE];
    wide last = 0; /* offset of the block's last element from its element 0 */
    for (int r = 0; r < LINE; r++) {
        f[r] = lines_of_range(r, g->itemsize);
    }
    for (int d = g->ndim - 1; d >= 0; d--) {
        npy_intp n = g->dims[d];
        wide s = g->strides[d];
        if (n == 1) {
            continue;
        }
        for (int r = 0; r < LINE; r++) {
            join[r] = floor_div64(r + last + g->itemsize - 1) == floor_div64(r + s);
        }
        for (int r = 0; r < LINE; r++) {
            next[r] = periodic_sum(f, r, s, n) - periodic_sum(join, r, s, n - 1);
        }
        memcpy(f, next, sizeof(f));
        last += (wide)(n - 1) * s;
    }
    return f[mod64(g->data)];
}

PyObject *
ap_strided_layout(PyObject *self, PyObject *args)
{
    PyArrayObject *arr;
    int index_order = 0; /* accepted for older callers: the fetches are always computed now */
    if (!PyArg_ParseTuple(args, "O!|p:layout", &PyArray_Type, &arr, &index_order)) {
        return NULL;
    }
    geometry g;
    if (geometry_of(arr, &g) < 0) {
        return Py_BuildValue("{sOsOsOsOsOsO}", "span_bytes", Py_None, "low_offset", Py_None,
                             "high_offset", Py_None, "cache_lines", Py_None, "cache_lines_exact",
                             Py_False, "cache_line_fetches_index_order", Py_None);
    }
    uwide distinct = 0, fetches = 0;
    int exact = 1;
    if (g.size > 0 && g.itemsize > 0) {
        fetches = fetches_closed(&g);
        if (!distinct_closed(&g, &distinct)) {
            int walked = distinct_walk(&g, &distinct);
            if (walked < 0) {
                return PyErr_NoMemory();
            }
            if (walked == 0) {
                /* an upper bound: every distinct line is fetched at least once, and lies in the span */
                exact = 0;
                wide first = g.data + g.low;
                uwide spanned = lines_of_range(mod64(first), g.high - g.low);
                distinct = fetches < spanned ? fetches : spanned;
            }
        }
    }
    PyObject *values[5] = {wide_to_py(g.high - g.low), wide_to_py(g.low), wide_to_py(g.high),
                           uwide_to_py(distinct), uwide_to_py(fetches)};
    PyObject *out = NULL;
    if (values[0] && values[1] && values[2] && values[3] && values[4]) {
        out = Py_BuildValue("{sOsOsOsOsOsO}", "span_bytes", values[0], "low_offset", values[1],
                            "high_offset", values[2], "cache_lines", values[3], "cache_lines_exact",
                            exact ? Py_True : Py_False, "cache_line_fetches_index_order",
                            values[4]);
    }
    for (int i = 0; i < 5; i++) {
        Py_XDECREF(values[i]);
    }
    return out;
}

/* ---- overlap -------------------------------------------------------------------------------- */

/* Calls visit(offset, ctx) for every element's byte offset, in C index order; offsets stay within
 * the array's [low, high), which the caller checked fits npy_intp.
 * Returns 0, or -1 if visit asked to stop. */
typedef int (*offset_visitor)(npy_intp offset, void *ctx);

static int
walk_offsets(const geometry *g, offset_visitor visit, void *ctx)
{
    if (g->size == 0) {
        return 0;
    }
    if (g->ndim == 0) {
        return visit(0, ctx);
    }
    npy_intp index[NPY_MAXDIMS] = {0};
    npy_intp offset = 0;
    int ndim = g->ndim;
    npy_intp inner_n = g->dims[ndim - 1], inner_s = g->strides[ndim - 1];
    for (;;) {
        for (npy_intp k = 0; k < inner_n; k++) {
            if (visit(offset + k * inner_s, ctx) < 0) {
                return -1;
            }
        }
        int d = ndim - 2;
        for (; d >= 0; d--) {
            if (++index[d] < g->dims[d]) {
                offset += g->strides[d];
                break;
            }
            offset -= (index[d] - 1) * g->strides[d];
            index[d] = 0;
        }
        if (d < 0) {
            return 0;
        }
    }
}

typedef struct {
    wide origin; /* address of element 0 of `other` */
    int ndim;
    npy_intp dims[2], strides[2], itemsize;
    wide self_origin;
    npy_intp self_itemsize;
    npy_intp work;
    int found, gave_up;
} overlap_walk;

/* Is there an integer j in [0, n) with lo < j*s < hi?  Offsets relative to the origin. */
static int
exists_index(wide lo, wide hi, npy_intp n, wide s)
{
    if (n <= 0) {
        return 0;
    }
    if (s == 0) {
        return lo < 0 && 0 < hi;
    }
    if (s < 0) { /* mirror: j*s in (lo, hi)  <=>  j*(-s) in (-hi, -lo) */
        wide t = lo;
        lo = -hi;
        hi = -t;
        s = -s;
    }
    /* smallest j with j*s > lo */
    wide j = lo >= 0 ? lo / s + 1 : -((-lo) / s);
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
    wide x = w->self_origin + offset - w->origin;
    wide lo = x - w->itemsize, hi = x + w->self_itemsize;
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
            wide shift = (wide)i * w->strides[outer];
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

static int
fits_intp(const geometry *g)
{
    return g->low >= NPY_MIN_INTP && g->high <= NPY_MAX_INTP;
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
    geometry ga, gb;
    if (geometry_of(a, &ga) < 0 || geometry_of(b, &gb) < 0) {
        return Py_BuildValue("(OO)", Py_True, Py_False); /* not decided */
    }
    if (ga.data + ga.high <= gb.data + gb.low || gb.data + gb.high <= ga.data + ga.low) {
        return Py_BuildValue("(OO)", Py_False, Py_True);
    }
    if (!fits_intp(&ga) || !fits_intp(&gb)) {
        return Py_BuildValue("(OO)", Py_True, Py_False);
    }
    /* walk the array with fewer elements against the other, which must be at most 2-D */
    const geometry *walked = &ga, *other = &gb;
    if (gb.ndim > 2 || (ga.ndim <= 2 && ga.size > gb.size)) {
        walked = &gb;
        other = &ga;
    }
    if (other->ndim > 2) {
        return Py_BuildValue("(OO)", Py_True, Py_False); /* bounds overlap; not decided exactly */
    }
    overlap_walk w;
    memset(&w, 0, sizeof(w));
    w.origin = other->data;
    w.ndim = other->ndim;
    for (int i = 0; i < w.ndim; i++) {
        w.dims[i] = other->dims[i];
        w.strides[i] = other->strides[i];
    }
    w.itemsize = other->itemsize;
    w.self_origin = walked->data;
    w.self_itemsize = walked->itemsize;
    walk_offsets(walked, visit_overlap, &w);
    if (w.gave_up && !w.found) {
        return Py_BuildValue("(OO)", Py_True, Py_False);
    }
    return Py_BuildValue("(OO)", w.found ? Py_True : Py_False, Py_True);
}
