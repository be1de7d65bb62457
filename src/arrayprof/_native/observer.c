/* The ufunc observer; see observer.h. */
#include "observer.h"
#include "frames.h"
#include "tracker.h"

#define NPY_NO_DEPRECATED_API NPY_1_22_API_VERSION
#define NPY_TARGET_VERSION NPY_1_22_API_VERSION
#define NO_IMPORT_ARRAY
#define PY_ARRAY_UNIQUE_SYMBOL arrayprof_ARRAY_API
#include <numpy/arrayobject.h>
#include <numpy/ufuncobject.h>

#include <string.h>

#define MAX_OPERANDS 3
#define MAX_DIMS 8

typedef enum { OP_UFUNC, OP_REDUCE, OP_ACCUMULATE, OP_REDUCEAT, OP_OUTER, OP_AT, OP_KINDS } op_kind;
static const char *const kind_names[OP_KINDS] = {"ufunc", "reduce", "accumulate", "reduceat", "outer", "at"};
static const char *const method_suffix[OP_KINDS] = {"", ".reduce", ".accumulate", ".reduceat", ".outer", ".at"};

/* What we keep of one operand or result: values only, never a reference to the array. */
typedef enum { VAL_NONE, VAL_ARRAY, VAL_SCALAR, VAL_PYTHON, VAL_OTHER } value_kind;
typedef struct {
    value_kind kind;
    int ndim; /* may exceed MAX_DIMS; then shape/strides hold the first MAX_DIMS */
    npy_intp shape[MAX_DIMS];
    npy_intp strides[MAX_DIMS];
    PyArray_Descr *dtype; /* strong reference, or NULL */
    npy_intp nbytes;
    int owns_data, c_contiguous, f_contiguous;
    const void *data;
} value_info;

typedef struct {
    int line, offset;
    PyObject *ufunc; /* strong reference */
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

/* originals */
static vectorcallfunc original_vectorcall;
typedef PyObject *(*fastcall_method)(PyObject *, PyObject *const *, Py_ssize_t, PyObject *);
static fastcall_method original_methods[OP_KINDS];
static int installed;

/* ---- capturing values ---------------------------------------------------------------------- */

static void
value_clear(value_info *v)
{
    Py_CLEAR(v->dtype);
    v->kind = VAL_NONE;
}

static void
value_capture(value_info *v, PyObject *obj)
{
    value_clear(v);
    memset(v, 0, sizeof(*v));
    if (obj == NULL) {
        return;
    }
    if (PyArray_Check(obj)) {
        PyArrayObject *arr = (PyArrayObject *)obj;
        v->kind = VAL_ARRAY;
        v->ndim = PyArray_NDIM(arr);
        for (int i = 0; i < v->ndim && i < MAX_DIMS; i++) {
            v->shape[i] = PyArray_DIM(arr, i);
            v->strides[i] = PyArray_STRIDE(arr, i);
        }
        v->dtype = PyArray_DESCR(arr);
        Py_INCREF(v->dtype);
        v->nbytes = PyArray_NBYTES(arr);
        v->owns_data = PyArray_CHKFLAGS(arr, NPY_ARRAY_OWNDATA);
        v->c_contiguous = PyArray_IS_C_CONTIGUOUS(arr);
        v->f_contiguous = PyArray_IS_F_CONTIGUOUS(arr);
        v->data = PyArray_DATA(arr);
        return;
    }
    v->c_contiguous = v->f_contiguous = 1;
    v->owns_data = 1;
    if (PyArray_IsScalar(obj, Generic)) {
        v->kind = VAL_SCALAR;
        v->dtype = PyArray_DescrFromScalar(obj); /* new reference */
    }
    else if (PyBool_Check(obj)) {
        v->kind = VAL_PYTHON;
        v->dtype = PyArray_DescrFromType(NPY_BOOL);
    }
    else if (PyLong_Check(obj)) {
        v->kind = VAL_PYTHON;
        v->dtype = PyArray_DescrFromType(NPY_LONG);
    }
    else if (PyFloat_Check(obj)) {
        v->kind = VAL_PYTHON;
        v->dtype = PyArray_DescrFromType(NPY_DOUBLE);
    }
    else if (PyComplex_Check(obj)) {
        v->kind = VAL_PYTHON;
        v->dtype = PyArray_DescrFromType(NPY_CDOUBLE);
    }
    else {
        v->kind = VAL_OTHER; /* lists and the like: converting them here would allocate */
        return;
    }
    if (v->dtype == NULL) {
        PyErr_Clear();
        v->kind = VAL_OTHER;
        return;
    }
    v->nbytes = PyDataType_ELSIZE(v->dtype);
}

/* ---- per-site records ---------------------------------------------------------------------- */

static op_record *
record_for(int line, int offset, PyObject *ufunc, op_kind kind)
{
    /* Linear search from the end: a cell has few sites and loops hit the same one repeatedly. */
    for (size_t i = records_used; i-- > 0;) {
        op_record *r = &records[i];
        if (r->line == line && r->offset == offset && r->ufunc == ufunc && r->kind == kind) {
            return r;
        }
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
    op_record *r = &records[records_used++];
    memset(r, 0, sizeof(*r));
    r->line = line;
    r->offset = offset;
    Py_INCREF(ufunc);
    r->ufunc = ufunc;
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
    for (int i = 0; i < result_loop && i + pad < MAX_DIMS && i < MAX_DIMS; i++) {
        if (operand->shape[i + pad] != result->shape[i]) {
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

static void
record_call(PyObject *ufunc, op_kind kind, PyObject *const *args, Py_ssize_t nargs,
            PyObject *kwnames, PyObject *result)
{
    int offset = -1, form = AP_FORM_CALL;
    int line = ap_tracker_current_line(&offset, &form);
    ap_tracker_note_line(line);
    op_record *r = record_for(line, offset, ufunc, kind);
    if (r == NULL) {
        return;
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
    case OP_AT:
        ninputs = 1; /* at(a, indices, b): `a` is the array operated on */
        break;
    default:
        ninputs = 1;
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
    for (Py_ssize_t i = ninputs; i < r->noperands; i++) {
        value_clear(&r->operands[i]);
    }
    r->noperands = (int)ninputs;
    (void)kwnames;

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
}

/* ---- the wrappers -------------------------------------------------------------------------- */

static PyObject *
observed_vectorcall(PyObject *ufunc, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    if (!ap_tracker_recording_here()) {
        return original_vectorcall(ufunc, args, nargsf, kwnames);
    }
    PyObject *result = original_vectorcall(ufunc, args, nargsf, kwnames);
    if (result != NULL) {
        record_call(ufunc, OP_UFUNC, args, PyVectorcall_NARGS(nargsf), kwnames, result);
    }
    return result;
}

#define OBSERVED_METHOD(fname, KIND)                                                              \
    static PyObject *fname(PyObject *ufunc, PyObject *const *args, Py_ssize_t nargs,             \
                           PyObject *kwnames)                                                     \
    {                                                                                             \
        PyObject *result = original_methods[KIND](ufunc, args, nargs, kwnames);                   \
        if (result != NULL && ap_tracker_recording_here()) {                                      \
            record_call(ufunc, KIND, args, nargs, kwnames, result);                               \
        }                                                                                         \
        return result;                                                                            \
    }

OBSERVED_METHOD(observed_reduce, OP_REDUCE)
OBSERVED_METHOD(observed_accumulate, OP_ACCUMULATE)
OBSERVED_METHOD(observed_reduceat, OP_REDUCEAT)
OBSERVED_METHOD(observed_outer, OP_OUTER)
OBSERVED_METHOD(observed_at, OP_AT)

static const fastcall_method observed_methods[OP_KINDS] = {
    NULL, observed_reduce, observed_accumulate, observed_reduceat, observed_outer, observed_at,
};

static void
patch_methods(PyTypeObject *ufunc_type)
{
    for (PyMethodDef *def = ufunc_type->tp_methods; def != NULL && def->ml_name != NULL; def++) {
        for (int kind = OP_REDUCE; kind < OP_KINDS; kind++) {
            if (strcmp(def->ml_name, kind_names[kind]) != 0) {
                continue;
            }
            /* Only the calling convention we know how to forward; otherwise leave it alone. */
            if (def->ml_flags != (METH_FASTCALL | METH_KEYWORDS)) {
                continue;
            }
            original_methods[kind] = (fastcall_method)(void (*)(void))def->ml_meth;
            def->ml_meth = (PyCFunction)(void (*)(void))observed_methods[kind];
        }
    }
}

/* ---- Python API ---------------------------------------------------------------------------- */

PyObject *
ap_observer_install(PyObject *self, PyObject *ufuncs)
{
    PyObject *seq = PySequence_Fast(ufuncs, "observe_ufuncs expects a sequence of ufuncs");
    if (seq == NULL) {
        return NULL;
    }
    Py_ssize_t hooked = 0;
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
        if (!PyObject_TypeCheck(item, Py_TYPE(PySequence_Fast_GET_ITEM(seq, 0)))) {
            continue;
        }
        PyUFuncObject *ufunc = (PyUFuncObject *)item;
        vectorcallfunc current = (vectorcallfunc)ufunc->vectorcall;
        if (current == observed_vectorcall) {
            continue;
        }
        if (original_vectorcall == NULL) {
            original_vectorcall = current;
        }
        if (current != original_vectorcall) {
            continue; /* a ufunc with its own call path: leave it alone */
        }
        ufunc->vectorcall = (void *)observed_vectorcall;
        hooked++;
    }
    if (!installed && PySequence_Fast_GET_SIZE(seq) > 0) {
        patch_methods(Py_TYPE(PySequence_Fast_GET_ITEM(seq, 0)));
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
            value_clear(&r->operands[k]);
        }
        value_clear(&r->result);
        Py_CLEAR(r->ufunc);
    }
    records_used = 0;
}

static PyObject *
int_list(const npy_intp *values, int n)
{
    if (n > MAX_DIMS) {
        n = MAX_DIMS;
    }
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
value_to_dict(const value_info *v, int with_result_fields)
{
    if (v->kind == VAL_NONE) {
        Py_RETURN_NONE;
    }
    PyObject *dtype = v->dtype ? PyObject_Str((PyObject *)v->dtype) : Py_NewRef(Py_None);
    PyObject *shape = v->kind == VAL_OTHER ? Py_NewRef(Py_None) : int_list(v->shape, v->ndim);
    PyObject *strides = v->kind == VAL_OTHER ? Py_NewRef(Py_None) : int_list(v->strides, v->ndim);
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
        PyObject *base_name = PyObject_GetAttrString(r->ufunc, "__name__");
        PyObject *name = base_name ? PyUnicode_FromFormat("%U%s", base_name, method_suffix[r->kind])
                                   : NULL;
        const char *kind = kind_names[r->kind];
        if (r->kind == OP_UFUNC && r->form == AP_FORM_BINOP) {
            kind = "binop";
        }
        else if (r->kind == OP_UFUNC && r->form == AP_FORM_UNARYOP) {
            kind = "unaryop";
        }
        PyObject *row = NULL;
        if (operands && result && name) {
            row = Py_BuildValue("{sisisLsssOsOsOsOsOsd}", "lineno", r->line, "offset", r->offset,
                                "count", r->count, "kind", kind, "name", name,
                                "operands", operands, "result", result, "broadcast",
                                r->broadcast ? Py_True : Py_False, "inplace",
                                r->inplace ? Py_True : Py_False, "expansion",
                                r->expansion > 1.0 ? r->expansion : 1.0);
        }
        Py_XDECREF(operands);
        Py_XDECREF(result);
        Py_XDECREF(base_name);
        Py_XDECREF(name);
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
