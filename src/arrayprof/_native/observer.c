/* The ufunc observer; see observer.h. */
#include "observer.h"
#include "frames.h"
#include "sampler.h"
#include "tracker.h"

#define NPY_NO_DEPRECATED_API NPY_1_22_API_VERSION
#define NPY_TARGET_VERSION NPY_1_22_API_VERSION
#define NO_IMPORT_ARRAY
#define PY_ARRAY_UNIQUE_SYMBOL arrayprof_ARRAY_API
#include <numpy/arrayobject.h>
#include <numpy/ufuncobject.h>

#include <stdint.h>
#include <string.h>

#define MAX_OPERANDS 3
#define INLINE_DIMS 8 /* shapes up to this many dimensions need no allocation */

typedef enum { OP_UFUNC, OP_REDUCE, OP_ACCUMULATE, OP_REDUCEAT, OP_OUTER, OP_AT, OP_KINDS } op_kind;
static const char *const kind_names[OP_KINDS] = {"ufunc", "reduce", "accumulate", "reduceat", "outer", "at"};
static const char *const method_suffix[OP_KINDS] = {"", ".reduce", ".accumulate", ".reduceat", ".outer", ".at"};

/* ---- dtypes without references ------------------------------------------------------------- */

/* NumPy's built-in dtype singletons (np.dtype('float64') is always the same object), held from
 * install on: a value whose dtype is one of them records only its type number, so recording never
 * changes a dtype's refcount.  Flexible and parametric dtypes (strings, void, datetimes) and
 * non-native byte orders are not singletons: their name is kept as text instead. */
#define BUILTIN_TYPES (NPY_HALF + 1) /* NPY_NTYPES_LEGACY on NumPy 2, NPY_NTYPES on 1.x */
static PyArray_Descr *builtin_descr[BUILTIN_TYPES];
static PyObject *builtin_name[BUILTIN_TYPES]; /* str(dtype), made when first reported */

static void
load_builtin_dtypes(void)
{
    for (int t = 0; t < BUILTIN_TYPES; t++) {
        if (PyTypeNum_ISFLEXIBLE(t) || PyTypeNum_ISDATETIME(t) || builtin_descr[t] != NULL) {
            continue;
        }
        builtin_descr[t] = PyArray_DescrFromType(t); /* kept for the life of the process */
        if (builtin_descr[t] == NULL) {
            PyErr_Clear();
        }
    }
}

static int
builtin_type_of(PyArray_Descr *descr)
{
    int t = descr->type_num;
    return t >= 0 && t < BUILTIN_TYPES && builtin_descr[t] == descr ? t : -1;
}

/* ---- what we keep of one operand or result: values only ------------------------------------ */

typedef enum { VAL_NONE, VAL_ARRAY, VAL_SCALAR, VAL_PYTHON, VAL_OTHER } value_kind;
typedef struct {
    value_kind kind;
    int ndim;
    /* shape and strides: in `inline_dims` up to INLINE_DIMS dimensions, else in `heap_dims`; found
     * by value_shape()/value_strides(), never kept as pointers (records move when they grow) */
    npy_intp inline_dims[2 * INLINE_DIMS];
    npy_intp *heap_dims; /* 2 * heap_capacity entries, for more than INLINE_DIMS dimensions */
    int heap_capacity;
    int type_num;           /* a built-in dtype: its type number; otherwise -1 */
    PyObject *dtype_text;   /* other dtypes: str(dtype) (strong reference to a str), or NULL */
    const void *dtype_seen; /* identity of the dtype `dtype_text` was made from; never read */
    npy_intp nbytes;
    int owns_data, c_contiguous, f_contiguous;
    const void *data;
} value_info;

static inline npy_intp *
value_shape(const value_info *v)
{
    return v->ndim > INLINE_DIMS ? v->heap_dims : (npy_intp *)v->inline_dims;
}

static inline npy_intp *
value_strides(const value_info *v)
{
    return v->ndim > INLINE_DIMS ? v->heap_dims + v->heap_capacity
                                 : (npy_intp *)v->inline_dims + INLINE_DIMS;
}

static void
value_free(value_info *v)
{
    Py_CLEAR(v->dtype_text);
    PyMem_RawFree(v->heap_dims);
    v->heap_dims = NULL;
    v->heap_capacity = 0;
    v->kind = VAL_NONE;
}

/* Room for `ndim` dimensions; 0, or -1 (then the shape is not kept) when out of memory. */
static int
value_reserve(value_info *v, int ndim)
{
    if (ndim <= INLINE_DIMS) {
        return 0;
    }
    if (ndim > v->heap_capacity) {
        npy_intp *grown = PyMem_RawRealloc(v->heap_dims, 2 * (size_t)ndim * sizeof(npy_intp));
        if (grown == NULL) {
            return -1;
        }
        v->heap_dims = grown;
        v->heap_capacity = ndim;
    }
    return 0;
}

static void
value_set_dtype(value_info *v, PyArray_Descr *descr)
{
    v->type_num = builtin_type_of(descr);
    if (v->type_num >= 0) {
        Py_CLEAR(v->dtype_text);
        v->dtype_seen = NULL;
        return;
    }
    if (v->dtype_text != NULL && v->dtype_seen == (const void *)descr) {
        return; /* the same dtype object as the last call at this site (loops) */
    }
    Py_CLEAR(v->dtype_text);
    v->dtype_seen = descr;
    v->dtype_text = PyObject_Str((PyObject *)descr);
    if (v->dtype_text == NULL) {
        PyErr_Clear();
        v->dtype_seen = NULL;
    }
}

static void
value_capture(value_info *v, PyObject *obj)
{
    v->kind = VAL_NONE;
    v->ndim = 0;
    v->nbytes = 0;
    v->data = NULL;
    v->type_num = -1;
    if (obj == NULL) {
        return;
    }
    v->c_contiguous = v->f_contiguous = v->owns_data = 1;
    if (PyArray_Check(obj)) {
        PyArrayObject *arr = (PyArrayObject *)obj;
        int ndim = PyArray_NDIM(arr);
        if (value_reserve(v, ndim) < 0) {
            v->kind = VAL_OTHER; /* out of memory: say nothing rather than something truncated */
            return;
        }
        v->kind = VAL_ARRAY;
        v->ndim = ndim;
        memcpy(value_shape(v), PyArray_DIMS(arr), (size_t)ndim * sizeof(npy_intp));
        memcpy(value_strides(v), PyArray_STRIDES(arr), (size_t)ndim * sizeof(npy_intp));
        value_set_dtype(v, PyArray_DESCR(arr));
        v->nbytes = PyArray_NBYTES(arr);
        v->owns_data = PyArray_CHKFLAGS(arr, NPY_ARRAY_OWNDATA);
        v->c_contiguous = PyArray_IS_C_CONTIGUOUS(arr);
        v->f_contiguous = PyArray_IS_F_CONTIGUOUS(arr);
        v->data = PyArray_DATA(arr);
        return;
    }
    if (PyArray_IsScalar(obj, Generic)) {
        PyArray_Descr *descr = PyArray_DescrFromScalar(obj); /* new reference, dropped below */
        if (descr == NULL) {
            PyErr_Clear();
            v->kind = VAL_OTHER;
            return;
        }
        v->kind = VAL_SCALAR;
        value_set_dtype(v, descr);
        v->nbytes = PyDataType_ELSIZE(descr);
        Py_DECREF(descr);
        return;
    }
    int type_num;
    if (PyBool_Check(obj)) {
        type_num = NPY_BOOL;
    }
    else if (PyLong_Check(obj)) {
        type_num = NPY_LONG;
    }
    else if (PyFloat_Check(obj)) {
        type_num = NPY_DOUBLE;
    }
    else if (PyComplex_Check(obj)) {
        type_num = NPY_CDOUBLE;
    }
    else {
        v->kind = VAL_OTHER; /* lists and the like: converting them here would allocate */
        return;
    }
    if (builtin_descr[type_num] == NULL) {
        v->kind = VAL_OTHER;
        return;
    }
    v->kind = VAL_PYTHON;
    v->type_num = type_num;
    Py_CLEAR(v->dtype_text);
    v->nbytes = PyDataType_ELSIZE(builtin_descr[type_num]);
}

/* ---- per-site records ---------------------------------------------------------------------- */

typedef struct {
    int line, offset;
    const void *ufunc; /* identity only: the ufunc may die before the records are taken */
    PyObject *name;    /* "add", "add.reduce" (strong reference to a str) */
    op_kind kind;
    int form; /* AP_FORM_*: how the cell reached a plain ufunc call (operator or call) */
    long long count;
    int noperands;
    value_info operands[MAX_OPERANDS];
    value_info result;
    int broadcast, inplace; /* of any call at this site */
    double expansion;       /* the largest seen at this site */
} op_record;

static op_record *records;
static size_t records_used, records_capacity;
/* Open addressing over record indices + 1 (0: empty); a power of two, at most half full. */
static uint32_t *site_index;
static size_t site_capacity;
static size_t last_site = SIZE_MAX; /* the site of the previous call: loops hit it again */
static int recording_call;          /* a call is being recorded (re-entry guard) */

/* originals */
static vectorcallfunc original_vectorcall;
typedef PyObject *(*fastcall_method)(PyObject *, PyObject *const *, Py_ssize_t, PyObject *);
static fastcall_method original_methods[OP_KINDS];
static PyCFunction original_at;
static PyTypeObject *ufunc_type;
static int installed;

static size_t
site_hash(int line, int offset, const void *ufunc, op_kind kind)
{
    uint64_t h = (uint64_t)(uintptr_t)ufunc * 0x9E3779B97F4A7C15ull;
    h ^= ((uint64_t)(uint32_t)line << 32 | (uint32_t)offset) * 0xC2B2AE3D27D4EB4Full;
    h ^= (uint64_t)kind * 0x165667B19E3779F9ull;
    return (size_t)(h ^ (h >> 29));
}

static int
site_matches(const op_record *r, int line, int offset, const void *ufunc, op_kind kind)
{
    return r->line == line && r->offset == offset && r->ufunc == ufunc && r->kind == kind;
}

static int
site_index_grow(void)
{
    size_t capacity = site_capacity ? site_capacity * 2 : 256;
    uint32_t *table = PyMem_RawCalloc(capacity, sizeof(uint32_t));
    if (table == NULL) {
        return -1;
    }
    for (size_t i = 0; i < records_used; i++) {
        op_record *r = &records[i];
        size_t slot = site_hash(r->line, r->offset, r->ufunc, r->kind) & (capacity - 1);
        while (table[slot] != 0) {
            slot = (slot + 1) & (capacity - 1);
        }
        table[slot] = (uint32_t)(i + 1);
    }
    PyMem_RawFree(site_index);
    site_index = table;
    site_capacity = capacity;
    return 0;
}

static PyObject *
site_name(PyObject *ufunc, op_kind kind)
{
    const char *name = ((PyUFuncObject *)ufunc)->name;
    PyObject *out = PyUnicode_FromFormat("%s%s", name ? name : "?", method_suffix[kind]);
    if (out == NULL) {
        PyErr_Clear();
    }
    return out;
}

static op_record *
record_for(int line, int offset, PyObject *ufunc, op_kind kind)
{
    if (last_site < records_used && site_matches(&records[last_site], line, offset, ufunc, kind)) {
        return &records[last_site];
    }
    size_t slot = 0;
    if (site_capacity != 0) {
        slot = site_hash(line, offset, ufunc, kind) & (site_capacity - 1);
        for (uint32_t i; (i = site_index[slot]) != 0; slot = (slot + 1) & (site_capacity - 1)) {
            if (site_matches(&records[i - 1], line, offset, ufunc, kind)) {
                last_site = i - 1;
                return &records[i - 1];
            }
        }
    }
    if (records_used >= UINT32_MAX - 1) {
        return NULL;
    }
    if (records_used == records_capacity) {
        size_t new_capacity = records_capacity ? records_capacity * 2 : 64;
        op_record *grown = PyMem_RawRealloc(records, new_capacity * sizeof(op_record));
        if (grown == NULL) {
            return NULL;
        }
        records = grown;
        records_capacity = new_capacity;
    }
    if (2 * (records_used + 1) > site_capacity) {
        if (site_index_grow() < 0) {
            return NULL;
        }
    }
    PyObject *name = site_name(ufunc, kind);
    if (name == NULL) {
        return NULL;
    }
    slot = site_hash(line, offset, ufunc, kind) & (site_capacity - 1);
    while (site_index[slot] != 0) {
        slot = (slot + 1) & (site_capacity - 1);
    }
    site_index[slot] = (uint32_t)(records_used + 1);
    last_site = records_used;
    op_record *r = &records[records_used++];
    memset(r, 0, sizeof(*r));
    r->line = line;
    r->offset = offset;
    r->ufunc = ufunc;
    r->name = name;
    r->kind = kind;
    return r;
}

/* Did this operand have to be stretched to reach the result's shape?  Scalars and 0-d operands
 * are not counted: every ufunc "broadcasts" those and nothing interesting grows from them.
 * `operand_core` and `result_core` are the trailing core dimensions of a generalized ufunc
 * (matmul's (n,k),(k,m)->(n,m)): only the loop dimensions in front of them broadcast. */
static int
stretched(const value_info *operand, const value_info *result, int operand_core, int result_core)
{
    if (operand->kind != VAL_ARRAY || result->kind != VAL_ARRAY || operand->ndim == 0) {
        return 0;
    }
    int operand_loop = operand->ndim - operand_core, result_loop = result->ndim - result_core;
    if (operand_loop < 0) {
        operand_loop = 0;
    }
    if (result_loop < 0) {
        result_loop = 0;
    }
    if (operand_loop < result_loop) {
        return 1;
    }
    int pad = operand_loop - result_loop;
    for (int i = 0; i < result_loop; i++) {
        if (value_shape(operand)[i + pad] != value_shape(result)[i]) {
            return 1;
        }
    }
    return 0;
}

/* Core dimensions of argument `i` (inputs first, then outputs) of a generalized ufunc; 0 for an
 * element-wise one. */
static int
core_dims(PyObject *ufunc, int i)
{
    PyUFuncObject *u = (PyUFuncObject *)ufunc;
    if (!u->core_enabled || u->core_num_dims == NULL || i >= u->nargs) {
        return 0;
    }
    return u->core_num_dims[i];
}

static PyObject *
first_result(PyObject *result)
{
    if (result != NULL && PyTuple_Check(result) && PyTuple_GET_SIZE(result) > 0) {
        return PyTuple_GET_ITEM(result, 0);
    }
    return result == Py_None ? NULL : result;
}

/* Record one call; returns the cell line it was charged to (AP_TIME_LOOKUP when not looked at). */
static int
record_call(PyObject *ufunc, op_kind kind, PyObject *const *args, Py_ssize_t nargs,
            PyObject *result)
{
    if (recording_call) {
        return AP_TIME_LOOKUP;
    }
    recording_call = 1;
    int offset = -1, form = AP_FORM_CALL;
    int line = ap_tracker_current_line(&offset, &form);
    ap_tracker_note_line(line);
    op_record *r = record_for(line, offset, ufunc, kind);
    if (r == NULL) {
        recording_call = 0;
        return line;
    }
    r->count++;
    if (kind == OP_UFUNC) {
        r->form = form; /* a site is one instruction: same form on every call */
    }

    Py_ssize_t ninputs;
    switch (kind) {
    case OP_UFUNC:
        ninputs = ((PyUFuncObject *)ufunc)->nin;
        break;
    case OP_OUTER:
        ninputs = 2;
        break;
    default:
        ninputs = 1; /* reduce(a, ...), at(a, indices, b): `a` is the array operated on */
    }
    if (ninputs > nargs) {
        ninputs = nargs; /* given by keyword: rare for inputs; we record what we saw */
    }
    if (ninputs > MAX_OPERANDS) {
        ninputs = MAX_OPERANDS;
    }
    for (Py_ssize_t i = 0; i < ninputs; i++) {
        value_capture(&r->operands[i], args[i]);
    }
    r->noperands = (int)ninputs;

    PyObject *out = kind == OP_AT ? (nargs > 0 ? args[0] : NULL) : first_result(result);
    value_capture(&r->result, out);

    npy_intp largest = 0;
    for (int i = 0; i < r->noperands; i++) {
        value_info *operand = &r->operands[i];
        if (operand->nbytes > largest) {
            largest = operand->nbytes;
        }
        if (kind == OP_UFUNC) {
            int nin = ((PyUFuncObject *)ufunc)->nin;
            r->broadcast |= stretched(operand, &r->result, core_dims(ufunc, i), core_dims(ufunc, nin));
        }
        else if (kind == OP_OUTER) {
            r->broadcast |= stretched(operand, &r->result, 0, 0);
        }
        if (operand->kind == VAL_ARRAY && r->result.kind == VAL_ARRAY &&
            operand->data == r->result.data && operand->nbytes > 0) {
            r->inplace = 1;
        }
    }
    if (kind == OP_AT) {
        r->inplace = 1;
    }
    if (largest > 0 && r->result.kind != VAL_NONE) {
        double expansion = (double)r->result.nbytes / (double)largest;
        if (expansion > r->expansion) {
            r->expansion = expansion;
        }
    }
    recording_call = 0;
    return line;
}

/* ---- the wrappers -------------------------------------------------------------------------- */

/* Each wrapper also reads the clock around the call for the line's NumPy time (sampler.h): one
 * branch when no cell is recorded. */
static PyObject *
observed_vectorcall(PyObject *ufunc, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    int64_t token = ap_time_enter();
    /* not `token < 0` as a shortcut: a tracker can record without the time sampler (a Dask
     * worker's per-task recording), and its calls are still observed */
    if (!ap_tracker_recording_here()) {
        PyObject *result = original_vectorcall(ufunc, args, nargsf, kwnames);
        ap_time_exit(token, result != NULL ? AP_TIME_LOOKUP : AP_TIME_FAILED);
        return result;
    }
    PyObject *result = original_vectorcall(ufunc, args, nargsf, kwnames);
    int line = AP_TIME_FAILED;
    if (result != NULL) {
        line = record_call(ufunc, OP_UFUNC, args, PyVectorcall_NARGS(nargsf), result);
    }
    ap_time_exit(token, line);
    return result;
}

/* Route a ufunc's calls through the observer, if it uses NumPy's own call path. */
static void
hook_ufunc(PyObject *obj)
{
    if (obj == NULL || ufunc_type == NULL || Py_TYPE(obj) != ufunc_type) {
        return;
    }
    PyUFuncObject *ufunc = (PyUFuncObject *)obj;
    if ((vectorcallfunc)ufunc->vectorcall == original_vectorcall) {
        ufunc->vectorcall = (void *)observed_vectorcall;
    }
}

#define OBSERVED_METHOD(fname, KIND)                                                              \
    static PyObject *fname(PyObject *ufunc, PyObject *const *args, Py_ssize_t nargs,             \
                           PyObject *kwnames)                                                     \
    {                                                                                             \
        int64_t token = ap_time_enter();                                                          \
        PyObject *result = original_methods[KIND](ufunc, args, nargs, kwnames);                   \
        int line = result != NULL ? AP_TIME_LOOKUP : AP_TIME_FAILED;                              \
        if (result != NULL && ap_tracker_recording_here()) {                                      \
            line = record_call(ufunc, KIND, args, nargs, result);                                 \
        }                                                                                         \
        ap_time_exit(token, line);                                                                \
        return result;                                                                            \
    }

OBSERVED_METHOD(observed_reduce, OP_REDUCE)
OBSERVED_METHOD(observed_accumulate, OP_ACCUMULATE)
OBSERVED_METHOD(observed_reduceat, OP_REDUCEAT)
OBSERVED_METHOD(observed_outer, OP_OUTER)

static const fastcall_method observed_methods[OP_KINDS] = {
    NULL, observed_reduce, observed_accumulate, observed_reduceat, observed_outer, NULL,
};

/* ufunc.at is METH_VARARGS: at(a, indices, b=None) */
static PyObject *
observed_at(PyObject *ufunc, PyObject *args)
{
    int64_t token = ap_time_enter();
    PyObject *result = original_at(ufunc, args);
    int line = result != NULL ? AP_TIME_LOOKUP : AP_TIME_FAILED;
    if (result != NULL && ap_tracker_recording_here() && PyTuple_Check(args)) {
        line = record_call(ufunc, OP_AT, &PyTuple_GET_ITEM(args, 0), PyTuple_GET_SIZE(args), result);
    }
    ap_time_exit(token, line);
    return result;
}

static void
patch_methods(PyTypeObject *type)
{
    for (PyMethodDef *def = type->tp_methods; def != NULL && def->ml_name != NULL; def++) {
        for (int kind = OP_REDUCE; kind < OP_KINDS; kind++) {
            if (strcmp(def->ml_name, kind_names[kind]) != 0 ||
                !ap_writable(&def->ml_meth, sizeof(def->ml_meth))) {
                continue;
            }
            /* Only the calling conventions we know how to forward; otherwise leave it alone. */
            if (kind == OP_AT && def->ml_flags == METH_VARARGS) {
                original_at = def->ml_meth;
                def->ml_meth = observed_at;
            }
            else if (kind != OP_AT && def->ml_flags == (METH_FASTCALL | METH_KEYWORDS)) {
                original_methods[kind] = (fastcall_method)(void (*)(void))def->ml_meth;
                def->ml_meth = (PyCFunction)(void (*)(void))observed_methods[kind];
            }
        }
    }
}

/* ---- ufuncs made after install ------------------------------------------------------------- */

/* The ufunc constructors of NumPy's ufunc C-API table (indices fixed by NumPy's ABI). */
typedef PyObject *(*from_func_and_data)(PyUFuncGenericFunction *, void *const *, const char *, int,
                                        int, int, int, const char *, const char *, int);
typedef PyObject *(*from_func_and_data_sig)(PyUFuncGenericFunction *, void *const *, const char *,
                                            int, int, int, int, const char *, const char *, int,
                                            const char *);
typedef PyObject *(*from_func_and_data_sig_id)(PyUFuncGenericFunction *, void *const *,
                                               const char *, int, int, int, int, const char *,
                                               const char *, int, const char *, PyObject *);
enum { API_FROM_FUNC = 1, API_FROM_FUNC_SIG = 31, API_FROM_FUNC_SIG_ID = 42 };
static from_func_and_data original_from_func;
static from_func_and_data_sig original_from_func_sig;
static from_func_and_data_sig_id original_from_func_sig_id;
static PyCFunctionWithKeywords original_frompyfunc;

static PyObject *
hooked_from_func(PyUFuncGenericFunction *func, void *const *data, const char *types, int ntypes,
                 int nin, int nout, int identity, const char *name, const char *doc, int unused)
{
    PyObject *u = original_from_func(func, data, types, ntypes, nin, nout, identity, name, doc,
                                     unused);
    hook_ufunc(u);
    return u;
}

static PyObject *
hooked_from_func_sig(PyUFuncGenericFunction *func, void *const *data, const char *types,
                     int ntypes, int nin, int nout, int identity, const char *name,
                     const char *doc, int unused, const char *signature)
{
    PyObject *u = original_from_func_sig(func, data, types, ntypes, nin, nout, identity, name, doc,
                                         unused, signature);
    hook_ufunc(u);
    return u;
}

static PyObject *
hooked_from_func_sig_id(PyUFuncGenericFunction *func, void *const *data, const char *types,
                        int ntypes, int nin, int nout, int identity, const char *name,
                        const char *doc, int unused, const char *signature, PyObject *identity_value)
{
    PyObject *u = original_from_func_sig_id(func, data, types, ntypes, nin, nout, identity, name,
                                            doc, unused, signature, identity_value);
    hook_ufunc(u);
    return u;
}

static PyObject *
hooked_frompyfunc(PyObject *self, PyObject *args, PyObject *kwds)
{
    PyObject *u = original_frompyfunc(self, args, kwds);
    hook_ufunc(u);
    return u;
}

static PyObject *
numpy_umath_module(void)
{
    PyObject *module = PyImport_ImportModule("numpy._core._multiarray_umath");
    if (module == NULL) {
        PyErr_Clear();
        module = PyImport_ImportModule("numpy.core._multiarray_umath"); /* NumPy 1.26 */
    }
    return module;
}

/* Wrap the constructors; on any surprise leave them alone (late ufuncs then go unobserved). */
static void
hook_constructors(void)
{
    PyObject *module = numpy_umath_module();
    if (module == NULL) {
        PyErr_Clear();
        return;
    }
    PyObject *capsule = PyObject_GetAttrString(module, "_UFUNC_API");
    void **table = capsule && PyCapsule_CheckExact(capsule) ? PyCapsule_GetPointer(capsule, NULL) : NULL;
    if (table != NULL && original_from_func == NULL &&
        ap_writable(&table[API_FROM_FUNC], sizeof(void *)) &&
        ap_writable(&table[API_FROM_FUNC_SIG], sizeof(void *)) &&
        ap_writable(&table[API_FROM_FUNC_SIG_ID], sizeof(void *))) {
        original_from_func = (from_func_and_data)table[API_FROM_FUNC];
        original_from_func_sig = (from_func_and_data_sig)table[API_FROM_FUNC_SIG];
        original_from_func_sig_id = (from_func_and_data_sig_id)table[API_FROM_FUNC_SIG_ID];
        table[API_FROM_FUNC] = (void *)hooked_from_func;
        table[API_FROM_FUNC_SIG] = (void *)hooked_from_func_sig;
        table[API_FROM_FUNC_SIG_ID] = (void *)hooked_from_func_sig_id;
    }
    Py_XDECREF(capsule);
    PyObject *frompyfunc = PyObject_GetAttrString(module, "frompyfunc");
    if (frompyfunc != NULL && PyCFunction_Check(frompyfunc) && original_frompyfunc == NULL) {
        PyMethodDef *def = ((PyCFunctionObject *)frompyfunc)->m_ml;
        if (def->ml_flags == (METH_VARARGS | METH_KEYWORDS) &&
            ap_writable(&def->ml_meth, sizeof(def->ml_meth))) {
            original_frompyfunc = (PyCFunctionWithKeywords)(void (*)(void))def->ml_meth;
            def->ml_meth = (PyCFunction)(void (*)(void))hooked_frompyfunc;
        }
    }
    Py_XDECREF(frompyfunc);
    Py_DECREF(module);
    PyErr_Clear();
}

/* ---- Python API ---------------------------------------------------------------------------- */

PyObject *
ap_observer_install(PyObject *self, PyObject *ufuncs)
{
    PyObject *seq = PySequence_Fast(ufuncs, "observe_ufuncs expects a sequence of ufuncs");
    if (seq == NULL) {
        return NULL;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    if (ufunc_type == NULL && n > 0) {
        PyObject *first = PySequence_Fast_GET_ITEM(seq, 0);
        ufunc_type = Py_TYPE(first);
        original_vectorcall = (vectorcallfunc)((PyUFuncObject *)first)->vectorcall;
    }
    Py_ssize_t hooked = 0;
    for (Py_ssize_t i = 0; i < n && ufunc_type != NULL; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
        if (Py_TYPE(item) != ufunc_type) {
            continue;
        }
        vectorcallfunc before = (vectorcallfunc)((PyUFuncObject *)item)->vectorcall;
        hook_ufunc(item); /* a ufunc with its own call path is left alone */
        hooked += before != (vectorcallfunc)((PyUFuncObject *)item)->vectorcall;
    }
    if (!installed && ufunc_type != NULL) {
        load_builtin_dtypes();
        patch_methods(ufunc_type);
        hook_constructors();
        installed = 1;
    }
    Py_DECREF(seq);
    return PyLong_FromSsize_t(hooked);
}

void
ap_observer_reset(void)
{
    for (size_t i = 0; i < records_used; i++) {
        op_record *r = &records[i];
        for (int k = 0; k < MAX_OPERANDS; k++) {
            value_free(&r->operands[k]);
        }
        value_free(&r->result);
        Py_CLEAR(r->name);
    }
    records_used = 0;
    last_site = SIZE_MAX;
    if (site_index != NULL) {
        memset(site_index, 0, site_capacity * sizeof(uint32_t));
    }
}

static PyObject *
int_list(const npy_intp *values, int n)
{
    PyObject *list = PyList_New(n);
    for (int i = 0; list != NULL && i < n; i++) {
        PyObject *item = PyLong_FromSsize_t(values[i]);
        if (item == NULL) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, i, item);
    }
    return list;
}

static PyObject *
dtype_name(const value_info *v)
{
    if (v->type_num >= 0 && v->type_num < BUILTIN_TYPES && builtin_descr[v->type_num] != NULL) {
        PyObject **name = &builtin_name[v->type_num];
        if (*name == NULL) {
            *name = PyObject_Str((PyObject *)builtin_descr[v->type_num]);
        }
        return Py_XNewRef(*name);
    }
    return Py_NewRef(v->dtype_text ? v->dtype_text : Py_None);
}

static PyObject *
value_to_dict(const value_info *v, int with_result_fields)
{
    if (v->kind == VAL_NONE) {
        Py_RETURN_NONE;
    }
    PyObject *dtype = v->kind == VAL_OTHER ? Py_NewRef(Py_None) : dtype_name(v);
    PyObject *shape = v->kind == VAL_OTHER ? Py_NewRef(Py_None) : int_list(value_shape(v), v->ndim);
    PyObject *strides = v->kind == VAL_OTHER ? Py_NewRef(Py_None) : int_list(value_strides(v), v->ndim);
    static const char *const value_kinds[] = {"none", "array", "scalar", "python", "other"};
    PyObject *d = NULL;
    if (dtype && shape && strides) {
        if (with_result_fields) {
            d = Py_BuildValue("{sOsOsOsnsOsOsOss}", "shape", shape, "dtype", dtype, "strides",
                              strides, "nbytes", v->nbytes, "is_view",
                              (v->kind == VAL_ARRAY && !v->owns_data) ? Py_True : Py_False,
                              "c_contiguous", v->c_contiguous ? Py_True : Py_False, "f_contiguous",
                              v->f_contiguous ? Py_True : Py_False, "value", value_kinds[v->kind]);
        }
        else {
            d = Py_BuildValue("{sOsOsOsnss}", "shape", shape, "dtype", dtype, "strides", strides,
                              "nbytes", v->nbytes, "value", value_kinds[v->kind]);
        }
    }
    Py_XDECREF(dtype);
    Py_XDECREF(shape);
    Py_XDECREF(strides);
    return d;
}

PyObject *
ap_observer_take(PyObject *self, PyObject *noargs)
{
    PyObject *out = PyList_New(0);
    for (size_t i = 0; out != NULL && i < records_used; i++) {
        op_record *r = &records[i];
        PyObject *operands = PyList_New(r->noperands);
        for (int k = 0; operands != NULL && k < r->noperands; k++) {
            PyObject *item = value_to_dict(&r->operands[k], 0);
            if (item == NULL) {
                Py_CLEAR(operands);
                break;
            }
            PyList_SET_ITEM(operands, k, item);
        }
        PyObject *result = value_to_dict(&r->result, 1);
        const char *kind = kind_names[r->kind];
        if (r->kind == OP_UFUNC && r->form == AP_FORM_BINOP) {
            kind = "binop";
        }
        else if (r->kind == OP_UFUNC && r->form == AP_FORM_UNARYOP) {
            kind = "unaryop";
        }
        PyObject *row = NULL;
        if (operands && result) {
            row = Py_BuildValue("{sisisLsssOsOsOsOsOsd}", "lineno", r->line, "offset", r->offset,
                                "count", r->count, "kind", kind, "name", r->name,
                                "operands", operands, "result", result, "broadcast",
                                r->broadcast ? Py_True : Py_False, "inplace",
                                r->inplace ? Py_True : Py_False, "expansion",
                                r->expansion > 1.0 ? r->expansion : 1.0);
        }
        Py_XDECREF(operands);
        Py_XDECREF(result);
        if (row == NULL || PyList_Append(out, row) < 0) {
            Py_XDECREF(row);
            Py_CLEAR(out);
            break;
        }
        Py_DECREF(row);
    }
    ap_observer_reset();
    return out;
}
