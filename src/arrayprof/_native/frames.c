/* Frame walking for line attribution; see frames.h for the contract and the GIL rules. */
#include "frames.h"

#include <opcode.h>
#include <stdint.h>
#include <string.h>

/* CPython 3.11 and 3.12 keep interpreter frames in a private linked list that can be walked without
 * materialising frame objects (which would allocate on every event).  Other versions use the public
 * API, which is correct but slower and needs the GIL. */
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030D0000
#define AP_FAST_FRAMES 1
#define Py_BUILD_CORE 1
#include "internal/pycore_frame.h"
#undef Py_BUILD_CORE
#else
#define AP_FAST_FRAMES 0
#endif

/* CPython 3.13: with the GIL, the public API below.  Without it (NumPy released the GIL around an
 * allocation, e.g. the buffer growth in np.fromstring(sep=...)), the public API cannot be used, so
 * the calling thread's *own* interpreter frames are read directly, as 3.11/3.12 do: the thread is
 * inside C code, so nothing changes its frames, and each frame holds a strong reference to its
 * code.  Only reads, no refcount, no cache update.  (Remembering the last cell line the thread
 * was seen at with the GIL would charge the allocation to the wrong line after a call returned.) */
#if PY_VERSION_HEX >= 0x030D0000 && PY_VERSION_HEX < 0x030E0000
#define AP_OWN_FRAMES_313 1
#define Py_BUILD_CORE 1
#include "internal/pycore_frame.h"
#undef Py_BUILD_CORE
#else
#define AP_OWN_FRAMES_313 0
#endif

static PyObject *target_filename; /* strong reference, or NULL */

/* Several files (a test and the code it exercises): each file's lines are numbered from its own
 * base, so "line" base + n is line n of that file, and one dense line table serves them all.
 * `target_map` (filename -> base, a private dict) answers with the GIL; `target_files` (the same
 * pairs, strong references) without it, by plain comparison (no hashing, no allocation). */
typedef struct {
    PyObject *filename;
    int base;
} target_file;
static PyObject *target_map;
static target_file *target_files;
static Py_ssize_t ntarget_files;

/* ---- verdict cache: is this code object part of the cell? --------------------------------------
 * Direct-mapped on the code object's address; the entry also remembers the filename object it was
 * judged with, so a code object freed and replaced at the same address is judged again. */
#define VERDICT_SLOTS 256
typedef struct {
    const void *code;
    const void *filename;
    int base_plus_one; /* 0: not the cell's; otherwise its file's base + 1 */
} verdict_entry;
static verdict_entry verdicts[VERDICT_SLOTS];

/* The base of `filename`'s lines (0 for the single cell file), or -1 when it is not a target. */
static int
filename_base(PyObject *filename, int have_gil)
{
    if (filename == NULL || !PyUnicode_Check(filename)) {
        return -1;
    }
    if (target_filename != NULL) {
        /* Comparing two exact str objects cannot fail or allocate. */
        return (filename == target_filename || PyUnicode_Compare(filename, target_filename) == 0)
                   ? 0 : -1;
    }
    if (have_gil && target_map != NULL) {
        PyObject *base = PyDict_GetItemWithError(target_map, filename); /* borrowed */
        if (base == NULL) {
            PyErr_Clear();
            return -1;
        }
        return (int)PyLong_AsLong(base);
    }
    for (Py_ssize_t i = 0; i < ntarget_files; i++) {
        if (target_files[i].filename == filename ||
            PyUnicode_Compare(filename, target_files[i].filename) == 0) {
            return target_files[i].base;
        }
    }
    return -1;
}

static inline int
code_base(PyCodeObject *code, int have_gil)
{
    PyObject *filename = code->co_filename;
    if (filename == target_filename) {
        return 0;
    }
    verdict_entry *slot = &verdicts[((uintptr_t)code >> 4) & (VERDICT_SLOTS - 1)];
    if (slot->code == code && slot->filename == filename) {
        return slot->base_plus_one - 1;
    }
    int base = filename_base(filename, have_gil);
    if (have_gil) {
        slot->code = code;
        slot->filename = filename;
        slot->base_plus_one = base + 1;
    }
    return base;
}

/* ---- site cache: (code, instruction offset) -> line ---------------------------------------------
 * Open addressing with linear probing.  Each entry holds a strong reference to its code object so
 * that the address cannot be reused by another code object while the cache lives (IPython compiles
 * every top-level statement of a cell separately and frees the code when it finishes). */
typedef struct {
    PyCodeObject *code;
    int offset;
    int line;
    int form; /* AP_FORM_* of the instruction at `offset` */
} site_entry;

static site_entry *sites;
static size_t sites_capacity; /* power of two, 0 when unallocated */
static size_t sites_used;

static inline size_t
site_hash(const PyCodeObject *code, int offset)
{
    uint64_t h = ((uint64_t)(uintptr_t)code >> 4) ^ ((uint64_t)(uint32_t)offset * 0x9E3779B97F4A7C15ull);
    h ^= h >> 29;
    return (size_t)(h * 0xBF58476D1CE4E5B9ull);
}

static int
sites_grow(void)
{
    size_t new_capacity = sites_capacity ? sites_capacity * 2 : 256;
    site_entry *grown = PyMem_RawCalloc(new_capacity, sizeof(site_entry));
    if (grown == NULL) {
        return -1;
    }
    for (size_t i = 0; i < sites_capacity; i++) {
        if (sites[i].code == NULL) {
            continue;
        }
        size_t j = site_hash(sites[i].code, sites[i].offset) & (new_capacity - 1);
        while (grown[j].code != NULL) {
            j = (j + 1) & (new_capacity - 1);
        }
        grown[j] = sites[i];
    }
    PyMem_RawFree(sites);
    sites = grown;
    sites_capacity = new_capacity;
    return 0;
}

static inline int
line_of(PyCodeObject *code, int offset)
{
    int line = PyCode_Addr2Line(code, offset < 0 ? 0 : offset);
    return line < 0 ? 0 : line;
}

/* Is the instruction at `offset` an operator?  Reads the unspecialised bytecode (PyCode_GetCode
 * undoes the interpreter's quickening), so it is done once per site.  GIL held. */
static int
form_of(PyCodeObject *code, int offset)
{
#if PY_VERSION_HEX >= 0x030B0000
    PyObject *bytecode = PyCode_GetCode(code);
    if (bytecode == NULL) {
        PyErr_Clear();
        return AP_FORM_CALL;
    }
    int form = AP_FORM_CALL;
    if (offset >= 0 && offset < PyBytes_GET_SIZE(bytecode)) {
        switch ((unsigned char)PyBytes_AS_STRING(bytecode)[offset]) {
        case BINARY_OP:
        case COMPARE_OP:
            form = AP_FORM_BINOP;
            break;
        case UNARY_NEGATIVE:
        case UNARY_INVERT:
#ifdef UNARY_POSITIVE
        case UNARY_POSITIVE:
#endif
            form = AP_FORM_UNARYOP;
            break;
        default:
            break;
        }
    }
    Py_DECREF(bytecode);
    return form;
#else
    (void)code;
    (void)offset;
    return AP_FORM_CALL;
#endif
}

/* The cached entry for (code, offset), created on first sight; NULL when out of memory.  GIL held.
 * A code object has one filename, so its base is fixed and cached with the line. */
static const site_entry *
site_of(PyCodeObject *code, int offset, int base)
{
    if (sites_capacity) {
        size_t j = site_hash(code, offset) & (sites_capacity - 1);
        while (sites[j].code != NULL) {
            if (sites[j].code == code && sites[j].offset == offset) {
                return &sites[j];
            }
            j = (j + 1) & (sites_capacity - 1);
        }
    }
    if ((sites_used + 1) * 2 > sites_capacity && sites_grow() < 0) {
        return NULL;
    }
    size_t j = site_hash(code, offset) & (sites_capacity - 1);
    while (sites[j].code != NULL) {
        j = (j + 1) & (sites_capacity - 1);
    }
    Py_INCREF(code);
    sites[j].code = code;
    sites[j].offset = offset;
    sites[j].line = base + line_of(code, offset);
    sites[j].form = form_of(code, offset);
    sites_used++;
    return &sites[j];
}

/* Line and form of a cell site, from the cache when the GIL allows it. */
static int
site_answer(PyCodeObject *code, int offset, int base, int have_gil, int innermost, int *form_out)
{
    if (!have_gil) {
        return base + line_of(code, offset);
    }
    const site_entry *site = site_of(code, offset, base);
    if (form_out != NULL) {
        *form_out = (site != NULL && innermost) ? site->form : AP_FORM_CALL;
    }
    return site != NULL ? site->line : base + line_of(code, offset);
}

static void memo_clear(void);

void
ap_frames_clear(void)
{
    memo_clear();
    for (size_t i = 0; i < sites_capacity; i++) {
        Py_XDECREF(sites[i].code);
    }
    PyMem_RawFree(sites);
    sites = NULL;
    sites_capacity = 0;
    sites_used = 0;
    memset(verdicts, 0, sizeof(verdicts));
    Py_CLEAR(target_filename);
    for (Py_ssize_t i = 0; i < ntarget_files; i++) {
        Py_DECREF(target_files[i].filename);
    }
    PyMem_RawFree(target_files);
    target_files = NULL;
    ntarget_files = 0;
    Py_CLEAR(target_map);
}

int
ap_frames_set_target(PyObject *target)
{
    ap_frames_clear();
    if (target == NULL || PyUnicode_Check(target)) {
        Py_XINCREF(target);
        target_filename = target;
        return 0;
    }
    if (!PyDict_Check(target)) {
        PyErr_SetString(PyExc_TypeError, "the cell must be a filename or a dict {filename: base}");
        return -1;
    }
    /* a private copy: the caller's dict may change while we record */
    Py_ssize_t n = PyDict_GET_SIZE(target), pos = 0, i = 0;
    PyObject *map = PyDict_New();
    target_file *files = PyMem_RawCalloc(n ? (size_t)n : 1, sizeof(target_file));
    if (map == NULL || files == NULL) {
        Py_XDECREF(map);
        PyMem_RawFree(files);
        PyErr_NoMemory();
        return -1;
    }
    PyObject *key, *value;
    while (PyDict_Next(target, &pos, &key, &value)) {
        long base = PyLong_Check(value) ? PyLong_AsLong(value) : -1;
        if (!PyUnicode_CheckExact(key) || base < 0 || base > INT32_MAX / 2) {
            PyErr_Clear();
            PyErr_SetString(PyExc_ValueError, "the cell map needs str filenames and bases >= 0");
            goto fail;
        }
        if (PyDict_SetItem(map, key, value) < 0) {
            goto fail;
        }
        Py_INCREF(key);
        files[i].filename = key;
        files[i].base = (int)base;
        i++;
    }
    target_map = map;
    target_files = files;
    ntarget_files = i;
    return 0;
fail:
    for (Py_ssize_t j = 0; j < i; j++) {
        Py_DECREF(files[j].filename);
    }
    PyMem_RawFree(files);
    Py_DECREF(map);
    return -1;
}

int
ap_frames_code_base(PyCodeObject *code)
{
    return code != NULL ? code_base(code, 1) : -1;
}

size_t
ap_frames_memory(void)
{
    return sites_capacity * sizeof(site_entry) + sizeof(verdicts) +
           (size_t)ntarget_files * sizeof(target_file);
}

#if AP_FAST_FRAMES

/* Recent answers for innermost cell frames, direct-mapped on the instruction address.  The
 * allocation hook, the census and the observer ask about the same few instructions over and over
 * (in `for ...: t = np.empty(3)` the call makes an array object and its buffer, the store frees
 * the previous one), so this saves most site-cache lookups.  An entry is only trusted when frame,
 * instruction and code all match; it is valid while the site cache holds a reference to the code
 * (entries are only made from site-cache entries, and both are cleared together). */
#define MEMO_SLOTS 64
typedef struct {
    const _PyInterpreterFrame *frame;
    const _Py_CODEUNIT *instr;
    const PyCodeObject *code;
    int line, offset, form;
} memo_entry;
static memo_entry memo[MEMO_SLOTS];

static inline memo_entry *
memo_slot(const _Py_CODEUNIT *instr)
{
    return &memo[((uintptr_t)instr >> 1) & (MEMO_SLOTS - 1)];
}

static void
memo_clear(void)
{
    memset(memo, 0, sizeof(memo));
}

int
ap_frames_cell_line(PyThreadState *tstate, int have_gil, int *offset_out, int *form_out)
{
    if (tstate == NULL || tstate->cframe == NULL || (target_filename == NULL && target_map == NULL)) {
        return 0;
    }
    const _PyInterpreterFrame *top = tstate->cframe->current_frame;
    if (have_gil && top != NULL) {
        const memo_entry *hit = memo_slot(top->prev_instr);
        if (hit->frame == top && hit->instr == top->prev_instr && hit->code == top->f_code) {
            if (offset_out != NULL) {
                *offset_out = hit->offset;
            }
            if (form_out != NULL) {
                *form_out = hit->form;
            }
            return hit->line;
        }
    }
    int innermost = 1;
    for (_PyInterpreterFrame *frame = tstate->cframe->current_frame; frame != NULL;
         frame = frame->previous) {
#if PY_VERSION_HEX >= 0x030C0000
        if (frame->owner == FRAME_OWNED_BY_CSTACK) {
            continue; /* 3.12 shim frames carry no user code */
        }
#endif
        PyCodeObject *code = frame->f_code;
        int base = code == NULL ? -1 : code_base(code, have_gil);
        if (base < 0) {
            innermost = 0;
            continue;
        }
        int offset = (int)((frame->prev_instr - _PyCode_CODE(code)) * (Py_ssize_t)sizeof(_Py_CODEUNIT));
        if (offset_out != NULL) {
            *offset_out = offset;
        }
        if (!have_gil || !innermost) {
            return site_answer(code, offset, base, have_gil, innermost, form_out);
        }
        const site_entry *site = site_of(code, offset, base);
        if (site == NULL) {
            return site_answer(code, offset, base, have_gil, innermost, form_out);
        }
        if (form_out != NULL) {
            *form_out = site->form;
        }
        memo_entry *slot = memo_slot(frame->prev_instr);
        slot->frame = frame;
        slot->instr = frame->prev_instr;
        slot->code = code;
        slot->line = site->line;
        slot->offset = offset;
        slot->form = site->form;
        return site->line;
    }
    return 0;
}

#else /* public API: materialises frame objects, so only with the GIL */

static void
memo_clear(void)
{
}

#if AP_OWN_FRAMES_313
/* The calling thread's own frames, without the GIL (see the top of this file). */
static int
own_frames_line(PyThreadState *tstate, int *offset_out)
{
    for (_PyInterpreterFrame *frame = tstate->current_frame; frame != NULL;
         frame = frame->previous) {
        if (frame->owner == FRAME_OWNED_BY_CSTACK || !PyCode_Check(frame->f_executable)) {
            continue; /* shim frames carry no user code */
        }
        PyCodeObject *code = (PyCodeObject *)frame->f_executable;
        int base = code_base(code, 0);
        if (base < 0) {
            continue;
        }
        int offset = (int)((frame->instr_ptr - _PyCode_CODE(code)) * (Py_ssize_t)sizeof(_Py_CODEUNIT));
        if (offset_out != NULL) {
            *offset_out = offset;
        }
        return base + line_of(code, offset);
    }
    return 0;
}
#endif

int
ap_frames_cell_line(PyThreadState *tstate, int have_gil, int *offset_out, int *form_out)
{
    if (tstate == NULL || (target_filename == NULL && target_map == NULL)) {
        return 0;
    }
    if (!have_gil) {
#if AP_OWN_FRAMES_313
        return own_frames_line(tstate, offset_out);
#else
        return 0;
#endif
    }
    PyFrameObject *frame = PyThreadState_GetFrame(tstate);
    int line = 0, innermost = 1;
    while (frame != NULL) {
        PyCodeObject *code = PyFrame_GetCode(frame);
        int base = code_base(code, 1);
        if (base >= 0) {
            int offset = PyFrame_GetLasti(frame);
            if (offset_out != NULL) {
                *offset_out = offset;
            }
            line = site_answer(code, offset, base, 1, innermost, form_out);
            Py_DECREF(code);
            Py_DECREF(frame);
            break;
        }
        Py_DECREF(code);
        innermost = 0;
        PyFrameObject *back = PyFrame_GetBack(frame);
        Py_DECREF(frame);
        frame = back;
    }
    return line;
}

#endif
