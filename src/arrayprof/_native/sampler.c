/* Time per line; see sampler.h for the design, the thread and GIL rules. */
#include "sampler.h"
#include "frames.h"
#include "tracker.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

/* CPython 3.11 and 3.12 decide whether a pending call wakes the eval loop in the thread that adds
 * it, and a thread other than the main one never does: the call would wait for the next GIL switch.
 * So the helper also sets the interpreter's eval breaker, as CPython's own signal handler does
 * (a spurious wake-up only makes the loop look at its pending work once).  3.13 wakes the main
 * thread itself. */
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030D0000
#define Py_BUILD_CORE 1
#undef _PyGC_FINALIZED /* the public headers' deprecated spelling; the internal one follows */
#include "internal/pycore_atomic.h"
#include "internal/pycore_interp.h"
#undef Py_BUILD_CORE
static void
wake_main_thread(PyInterpreterState *interp)
{
    _Py_atomic_store_relaxed(&interp->ceval.eval_breaker, 1);
}
#else
static void
wake_main_thread(PyInterpreterState *interp)
{
    (void)interp;
}
#endif

/* Where the profiled thread is when the helper wakes, read by the helper itself.  A sample runs at
 * the interpreter's next check between bytecodes, and a loop body without calls only checks at its
 * backward jump, which carries the body's *last* line: every sample of `for ...:\n a\n b` would
 * land on `b`.  So the helper reads the innermost frames of the profiled thread as they are at a
 * moment independent of the bytecode (as an out-of-process sampler does), with process_vm_readv on
 * its own process, which reports memory that went away (a frame popped meanwhile) as an error
 * instead of faulting.  It only copies pointers and offsets; the sample, with the GIL, uses an
 * entry only when the same frame still runs the same code object on the thread's stack now (so the
 * code object is alive) and it is the innermost cell frame among them.  Otherwise, or where
 * process_vm_readv is not allowed (some seccomp profiles), the sample uses the line it runs on. */
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030E0000
#define AP_ASYNC_FRAMES 1
#define Py_BUILD_CORE 1
#include "internal/pycore_frame.h"
#undef Py_BUILD_CORE
#include <sys/uio.h>
#include <unistd.h>
#define ASYNC_DEPTH 8
typedef struct {
    const void *frame, *code;
    Py_ssize_t offset; /* bytes into the code's instructions */
} async_entry;
static async_entry snapshot[ASYNC_DEPTH]; /* written by the helper before it asks for a sample */
static int snapshot_used;
static PyThreadState *sampled_tstate; /* the profiled (main) thread's state; lives as long */
static pid_t self_pid;
static atomic_int async_disabled;
static int64_t async_hits;
/* Cell code objects the samples found, so that the helper stops reading at the first of them
 * (each read is a system call): identities only, written by the sample, read by the helper. */
#define KNOWN_CODES 4
static _Atomic(const void *) known_codes[KNOWN_CODES];
static int known_next;

static int
is_known_code(const void *code)
{
    for (int i = 0; i < KNOWN_CODES; i++) {
        if (atomic_load_explicit(&known_codes[i], memory_order_relaxed) == code) {
            return 1;
        }
    }
    return 0;
}

static int
vm_read(void *to, const void *from, size_t n)
{
    struct iovec local = {to, n}, remote = {(void *)from, n};
    ssize_t got = process_vm_readv(self_pid, &local, 1, &remote, 1, 0);
    if (got < 0 && (errno == ENOSYS || errno == EPERM)) {
        atomic_store(&async_disabled, 1);
    }
    return got == (ssize_t)n ? 0 : -1;
}

#if PY_VERSION_HEX >= 0x030D0000
#define FRAME_CODE(f) ((f).f_executable)
#define FRAME_INSTR(f) ((f).instr_ptr)
#else
#define FRAME_CODE(f) ((f).f_code)
#define FRAME_INSTR(f) ((f).prev_instr)
#endif

/* Helper thread, no GIL: copy the innermost frames' (frame, code, offset). */
static void
async_snapshot(void)
{
    snapshot_used = 0;
    if (sampled_tstate == NULL || atomic_load(&async_disabled)) {
        return;
    }
    /* the thread state lives as long as the thread: its fields are read directly */
    _PyInterpreterFrame *frame = NULL;
#if PY_VERSION_HEX >= 0x030D0000
    frame = *(_PyInterpreterFrame *volatile *)&sampled_tstate->current_frame;
#else
    _PyCFrame *cframe = *(_PyCFrame *volatile *)&sampled_tstate->cframe;
    if (cframe == NULL ||
        vm_read(&frame, (char *)cframe + offsetof(_PyCFrame, current_frame), sizeof(frame))) {
        return;
    }
#endif
    for (int hops = 0; frame != NULL && snapshot_used < ASYNC_DEPTH && hops < 4 * ASYNC_DEPTH; hops++) {
        _PyInterpreterFrame copy;
        if (vm_read(&copy, frame, sizeof(copy))) {
            return;
        }
#if PY_VERSION_HEX >= 0x030C0000
        if (copy.owner == FRAME_OWNED_BY_CSTACK) {
            frame = copy.previous;
            continue;
        }
#endif
        const void *code = FRAME_CODE(copy);
        async_entry *e = &snapshot[snapshot_used++];
        e->frame = frame;
        e->code = code;
        /* address arithmetic only: the code object is not read here */
        e->offset = (const char *)FRAME_INSTR(copy) - (const char *)_PyCode_CODE((PyCodeObject *)code);
        if (is_known_code(code)) {
            return; /* the innermost cell frame, most likely: the sample checks */
        }
        frame = copy.previous;
    }
}

/* Sample, GIL held: is (frame, code) still on `tstate`'s stack? */
static int
still_running(PyThreadState *tstate, const void *frame, const void *code)
{
#if PY_VERSION_HEX >= 0x030D0000
    _PyInterpreterFrame *f = tstate->current_frame;
#else
    _PyInterpreterFrame *f = tstate->cframe != NULL ? tstate->cframe->current_frame : NULL;
#endif
    for (; f != NULL; f = f->previous) {
        if ((const void *)f == frame) {
            return (const void *)FRAME_CODE(*f) == code;
        }
    }
    return 0;
}

/* Sample, GIL held: the line of the innermost cell frame in the helper's snapshot, or 0. */
static int
async_line(PyThreadState *tstate)
{
    for (int i = 0; i < snapshot_used; i++) {
        const async_entry *e = &snapshot[i];
        if (!still_running(tstate, e->frame, e->code)) {
            return 0;
        }
        PyCodeObject *code = (PyCodeObject *)e->code;
        int base = PyCode_Check((PyObject *)code) ? ap_frames_code_base(code) : -1;
        if (base < 0) {
            continue;
        }
        if (e->offset < 0 || e->offset >= Py_SIZE(code) * (Py_ssize_t)sizeof(_Py_CODEUNIT)) {
            return 0;
        }
        int line = PyCode_Addr2Line(code, (int)e->offset);
        line = line > 0 ? base + line : 0;
        async_hits += line > 0;
        if (!is_known_code(code)) {
            atomic_store_explicit(&known_codes[known_next], (const void *)code, memory_order_relaxed);
            known_next = (known_next + 1) % KNOWN_CODES;
        }
        return line > 0 ? line : 0;
    }
    return 0;
}
#else
#define AP_ASYNC_FRAMES 0
static void
async_snapshot(void)
{
}
static int
async_line(PyThreadState *tstate)
{
    return 0;
}
static int64_t async_hits;
#endif

typedef struct {
    int64_t ns;       /* wall time charged to the line */
    int64_t numpy_ns; /* of which inside NumPy calls (exact) */
    int64_t samples;
} line_time;

/* ---- recording state: GIL held to read or write ---------------------------------------------- */
static line_time *times; /* [0]: no cell frame; [1..nlines]: the cell's lines */
static int32_t nlines;
static int active;                 /* a cell is recorded */
static int sampling;               /* ... and its thread is the main thread: samples run */
static unsigned long profiled_thread;
static int64_t start_ns, last_sample_ns;
static int64_t numpy_since_sample_ns; /* profiled thread's NumPy time since the last sample */
static int64_t call_start_ns;         /* its outermost NumPy call in progress, or 0 */
static int64_t numpy_total_ns, sampled_ns, unattributed_ns, nsamples, thread_samples;
#define MAX_BACKGROUND 256
static const PyThreadState *background[MAX_BACKGROUND]; /* threads alive at start */
static int nbackground, background_unknown;
static _Thread_local int depth; /* NumPy calls in progress on this thread */

/* ---- the helper thread: its own mutex and condition; never the GIL ------------------------------ */
static pthread_mutex_t helper_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t helper_cond;
static pthread_t helper_thread;
static int helper_started; /* GIL */
static int helper_wanted;  /* helper_lock: 1 while the helper should run */
static atomic_int outstanding;            /* a sample has been asked for and has not run yet */
static PyInterpreterState *main_interp;    /* set before the helper starts */

static inline int64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
is_background(const PyThreadState *t)
{
    if (background_unknown) {
        return 1;
    }
    for (int i = 0; i < nbackground; i++) {
        if (background[i] == t) {
            return 1;
        }
    }
    return 0;
}

static void
charge(int line, int64_t ns, int64_t samples)
{
    if (line <= 0 || line > nlines) {
        unattributed_ns += ns;
        return;
    }
    times[line].ns += ns;
    times[line].samples += samples;
}

/* A pending call: runs on the main thread between bytecodes, with the GIL.  Never raises. */
static int sample_now(void);

static int
sample(void *unused)
{
    sample_now();
    atomic_store(&outstanding, 0); /* after: the helper's snapshot is ours until then */
    return 0;
}

static int
sample_now(void)
{
    if (!active || !sampling || times == NULL || PyThread_get_thread_ident() != profiled_thread) {
        return 0;
    }
    int64_t now = now_ns();
    int64_t interval = now - last_sample_ns;
    /* NumPy time is charged exactly when its calls return; leave it out of the sampled share */
    int64_t covered = numpy_since_sample_ns;
    if (call_start_ns != 0) { /* Python code running inside a NumPy call (a callback) */
        covered += now - (call_start_ns > last_sample_ns ? call_start_ns : last_sample_ns);
    }
    int64_t own = interval - covered > 0 ? interval - covered : 0;
    last_sample_ns = now;
    numpy_since_sample_ns = 0;
    PyThreadState *me = PyThreadState_Get();
    int line = async_line(me);
    charge(line > 0 ? line : ap_frames_cell_line(me, 1, NULL, NULL), own, 1);
    sampled_ns += own;
    nsamples++;
    /* threads the cell started: their wall time on the line they are on */
    for (PyThreadState *t = PyInterpreterState_ThreadHead(PyThreadState_GetInterpreter(me));
         t != NULL; t = PyThreadState_Next(t)) {
        if (t == me || is_background(t)) {
            continue;
        }
        int line = ap_frames_cell_line(t, 1, NULL, NULL);
        if (line > 0 && line <= nlines) {
            charge(line, interval, 1);
            thread_samples++;
        }
    }
    return 0;
}

static void *
helper_main(void *unused)
{
    pthread_mutex_lock(&helper_lock);
    while (helper_wanted) {
        struct timespec deadline;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_nsec += AP_SAMPLE_PERIOD_NS;
        if (deadline.tv_nsec >= 1000000000) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000;
        }
        while (helper_wanted &&
               pthread_cond_timedwait(&helper_cond, &helper_lock, &deadline) != ETIMEDOUT) {
        }
        if (!helper_wanted || atomic_exchange(&outstanding, 1)) {
            continue; /* stopped, or the last sample has not run yet (a long C call) */
        }
        pthread_mutex_unlock(&helper_lock);
        async_snapshot();
        if (Py_AddPendingCall(sample, NULL) != 0) {
            atomic_store(&outstanding, 0); /* the queue is full: try again next period */
        }
        else {
            wake_main_thread(main_interp);
        }
        pthread_mutex_lock(&helper_lock);
    }
    pthread_mutex_unlock(&helper_lock);
    return NULL;
}

static pthread_condattr_t cond_attr;

static void
fork_child(void)
{
    /* only the forking thread exists in the child: no helper; the child records no time */
    pthread_mutex_init(&helper_lock, NULL);
    pthread_cond_init(&helper_cond, &cond_attr);
    helper_started = 0;
    helper_wanted = 0;
    active = 0;
    atomic_store(&outstanding, 0);
}

/* Start the helper (GIL held); 0, or -1 when it cannot (then nothing is sampled).  It runs only
 * while a cell is recorded: a process that forks outside a cell has no thread of arrayprof's (CPython
 * 3.12+ warns about forking a multi-threaded process, counting the OS's threads). */
static int
helper_start(void)
{
    if (helper_started) {
        return 0;
    }
    main_interp = PyInterpreterState_Main();
    static int cond_ready;
    if (!cond_ready) {
        pthread_condattr_init(&cond_attr);
        pthread_condattr_setclock(&cond_attr, CLOCK_MONOTONIC);
        if (pthread_cond_init(&helper_cond, &cond_attr) != 0) {
            return -1;
        }
        pthread_atfork(NULL, NULL, fork_child);
        cond_ready = 1;
    }
    pthread_mutex_lock(&helper_lock);
    helper_wanted = 1;
    pthread_mutex_unlock(&helper_lock);
    pthread_attr_t thread_attr;
    pthread_attr_init(&thread_attr);
    pthread_attr_setstacksize(&thread_attr, 64 * 1024);
    int rc = pthread_create(&helper_thread, &thread_attr, helper_main, NULL);
    pthread_attr_destroy(&thread_attr);
    if (rc != 0) {
        helper_wanted = 0;
        return -1;
    }
    helper_started = 1;
    return 0;
}

/* Stop the helper and wait for it (GIL held: the helper never needs it). */
static void
helper_stop(void)
{
    if (!helper_started) {
        return;
    }
    pthread_mutex_lock(&helper_lock);
    helper_wanted = 0;
    pthread_cond_signal(&helper_cond);
    pthread_mutex_unlock(&helper_lock);
    pthread_join(helper_thread, NULL);
    helper_started = 0;
}

/* os.register_at_fork hooks (tracker.py): no helper thread while the process forks, so a fork
 * inside a profiled cell is not a fork of a multi-threaded process either; sampling resumes in the
 * parent afterwards. */
PyObject *
ap_time_before_fork(PyObject *self, PyObject *noargs)
{
    helper_stop();
    Py_RETURN_NONE;
}

static int
restart_helper(void *unused)
{
    if (active && sampling && helper_start() != 0) {
        sampling = 0;
    }
    return 0;
}

/* Restarted from a pending call, once os.fork() has returned: CPython 3.13 counts the threads after
 * its after-fork hooks have run. */
PyObject *
ap_time_after_fork_parent(PyObject *self, PyObject *noargs)
{
    if (active && sampling && Py_AddPendingCall(restart_helper, NULL) != 0) {
        restart_helper(NULL);
    }
    Py_RETURN_NONE;
}

/* ---- NumPy calls -------------------------------------------------------------------------------- */

int64_t
ap_time_enter(void)
{
    if (!active || !ap_tracker_recording_now()) {
        return -1; /* nothing recorded, or arrayprof's own work inside the cell (paused) */
    }
    if (depth++ > 0) {
        return 0;
    }
    int64_t t = now_ns();
    if (PyThread_get_thread_ident() == profiled_thread) {
        call_start_ns = t;
    }
    return t;
}

void
ap_time_exit(int64_t token, int line)
{
    if (token < 0) {
        return;
    }
    depth--;
    if (token == 0) {
        return;
    }
    int64_t t = now_ns(), elapsed = t - token;
    int profiled = PyThread_get_thread_ident() == profiled_thread;
    if (profiled) {
        call_start_ns = 0;
    }
    if (!active || times == NULL || line == AP_TIME_FAILED) {
        return;
    }
    if (line == AP_TIME_LOOKUP) {
        line = ap_frames_cell_line(PyThreadState_Get(), 1, NULL, NULL);
    }
    if (line < 0 || line > nlines) {
        line = 0;
    }
    if (line == 0 && !profiled) {
        return; /* a thread running no cell code: not the cell's NumPy time */
    }
    numpy_total_ns += elapsed;
    times[line].numpy_ns += elapsed;
    if (profiled) {
        times[line].ns += elapsed; /* exact: the sampler leaves this time out */
        numpy_since_sample_ns += t - (token > last_sample_ns ? token : last_sample_ns);
    }
}

/* ---- Wrapped NumPy functions (array-function dispatchers) --------------------------------------
 * Their vectorcall slot is replaced, as observer.c does for ufuncs.  The table maps each wrapped
 * object (a strong reference, so its address stays its own) to its original vectorcall. */
typedef struct {
    PyObject *callable;
    vectorcallfunc original;
} wrapped_entry;
static wrapped_entry *wrapped;
static size_t wrapped_capacity, wrapped_used; /* power of two, at most half full */

static inline size_t
wrapped_slot(const PyObject *callable)
{
    return (size_t)(((uintptr_t)callable >> 4) * 0x9E3779B97F4A7C15ull);
}

static vectorcallfunc
original_of(PyObject *callable)
{
    for (size_t j = wrapped_slot(callable) & (wrapped_capacity - 1); wrapped[j].callable != NULL;
         j = (j + 1) & (wrapped_capacity - 1)) {
        if (wrapped[j].callable == callable) {
            return wrapped[j].original;
        }
    }
    return NULL;
}

static PyObject *
timed_vectorcall(PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    vectorcallfunc original = original_of(callable);
    if (original == NULL) { /* cannot happen: only wrapped objects point here */
        PyErr_SetString(PyExc_SystemError, "arrayprof: unknown wrapped function");
        return NULL;
    }
    int64_t token = ap_time_enter();
    PyObject *result = original(callable, args, nargsf, kwnames);
    ap_time_exit(token, result != NULL ? AP_TIME_LOOKUP : AP_TIME_FAILED);
    return result;
}

static int
wrapped_grow(void)
{
    size_t capacity = wrapped_capacity ? wrapped_capacity * 2 : 512;
    wrapped_entry *table = PyMem_RawCalloc(capacity, sizeof(wrapped_entry));
    if (table == NULL) {
        return -1;
    }
    for (size_t i = 0; i < wrapped_capacity; i++) {
        if (wrapped[i].callable != NULL) {
            size_t j = wrapped_slot(wrapped[i].callable) & (capacity - 1);
            while (table[j].callable != NULL) {
                j = (j + 1) & (capacity - 1);
            }
            table[j] = wrapped[i];
        }
    }
    PyMem_RawFree(wrapped);
    wrapped = table;
    wrapped_capacity = capacity;
    return 0;
}

/* time_observe(callables): wrap the vectorcall slot of each (NumPy's array-function dispatchers;
 * objects without a vectorcall slot are skipped).  Returns how many were wrapped. */
PyObject *
ap_time_observe(PyObject *self, PyObject *callables)
{
    PyObject *seq = PySequence_Fast(callables, "time_observe expects a sequence");
    if (seq == NULL) {
        return NULL;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq), done = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *obj = PySequence_Fast_GET_ITEM(seq, i);
        PyTypeObject *type = Py_TYPE(obj);
        if (!PyType_HasFeature(type, Py_TPFLAGS_HAVE_VECTORCALL) || type->tp_vectorcall_offset <= 0 ||
            PyCFunction_Check(obj) || PyFunction_Check(obj) || PyType_Check(obj)) {
            continue; /* builtins are called around their vectorcall by the specialising interpreter */
        }
        vectorcallfunc *slot = (vectorcallfunc *)((char *)obj + type->tp_vectorcall_offset);
        if (*slot == NULL || *slot == timed_vectorcall) {
            continue;
        }
        if (2 * (wrapped_used + 1) > wrapped_capacity && wrapped_grow() < 0) {
            Py_DECREF(seq);
            return PyErr_NoMemory();
        }
        size_t j = wrapped_slot(obj) & (wrapped_capacity - 1);
        while (wrapped[j].callable != NULL) {
            j = (j + 1) & (wrapped_capacity - 1);
        }
        wrapped[j].callable = Py_NewRef(obj);
        wrapped[j].original = *slot;
        wrapped_used++;
        *slot = timed_vectorcall;
        done++;
    }
    Py_DECREF(seq);
    return PyLong_FromSsize_t(done);
}

/* ---- Python API ------------------------------------------------------------------------------- */

/* time_start(nlines, sample): begin charging time to the `nlines` lines of the cell (the frames
 * target set by the tracker's start).  `sample`: run the sampler (the caller is the main thread).
 * Returns whether sampling runs. */
PyObject *
ap_time_start(PyObject *self, PyObject *args)
{
    int n, want_samples;
    if (!PyArg_ParseTuple(args, "ip:time_start", &n, &want_samples)) {
        return NULL;
    }
    if (n < 0) {
        n = 0;
    }
    line_time *table = PyMem_RawCalloc((size_t)n + 1, sizeof(line_time));
    if (table == NULL) {
        return PyErr_NoMemory();
    }
    PyMem_RawFree(times);
    times = table;
    nlines = n;
    PyThreadState *me = PyThreadState_Get();
    nbackground = 0;
    background_unknown = 0;
    for (PyThreadState *t = PyInterpreterState_ThreadHead(PyThreadState_GetInterpreter(me));
         t != NULL; t = PyThreadState_Next(t)) {
        if (t == me) {
            continue;
        }
        if (nbackground == MAX_BACKGROUND) {
            background_unknown = 1; /* then other threads are not sampled */
            break;
        }
        background[nbackground++] = t;
    }
    profiled_thread = PyThread_get_thread_ident();
#if AP_ASYNC_FRAMES
    sampled_tstate = want_samples ? me : NULL;
    self_pid = getpid();
    snapshot_used = 0;
    for (int i = 0; i < KNOWN_CODES; i++) {
        atomic_store(&known_codes[i], NULL);
    }
#endif
    async_hits = 0;
    numpy_total_ns = sampled_ns = unattributed_ns = nsamples = thread_samples = 0;
    numpy_since_sample_ns = 0;
    call_start_ns = 0;
    start_ns = last_sample_ns = now_ns();
    active = 1;
    sampling = want_samples;
    if (sampling && helper_start() != 0) {
        sampling = 0;
    }
    return PyBool_FromLong(sampling);
}

/* time_stop(): stop and return {"lines": [(lineno, seconds, numpy_seconds, samples)], ...} for the
 * lines that were charged anything; None when nothing was started. */
PyObject *
ap_time_stop(PyObject *self, PyObject *noargs)
{
    if (!active) {
        Py_RETURN_NONE;
    }
    active = 0;
    helper_stop();
    int64_t wall = now_ns() - start_ns;
    PyObject *lines = PyList_New(0);
    for (int32_t i = 1; lines != NULL && i <= nlines; i++) {
        const line_time *t = &times[i];
        if (t->ns == 0 && t->numpy_ns == 0 && t->samples == 0) {
            continue;
        }
        PyObject *row = Py_BuildValue("(iddL)", (int)i, t->ns / 1e9, t->numpy_ns / 1e9,
                                      (long long)t->samples);
        if (row == NULL || PyList_Append(lines, row) < 0) {
            Py_XDECREF(row);
            Py_CLEAR(lines);
            break;
        }
        Py_DECREF(row);
    }
    PyObject *out = NULL;
    if (lines != NULL) {
        out = Py_BuildValue("{sOsdsdsdsLsLsLsdsOsd}", "lines", lines, "numpy_seconds",
                            numpy_total_ns / 1e9, "sampled_seconds", sampled_ns / 1e9,
                            "unattributed_seconds", (unattributed_ns + times[0].numpy_ns) / 1e9,
                            "samples", (long long)nsamples, "async_samples", (long long)async_hits, "thread_samples",
                            (long long)thread_samples, "wall_seconds", wall / 1e9, "sampled",
                            sampling ? Py_True : Py_False, "period_seconds",
                            AP_SAMPLE_PERIOD_NS / 1e9);
        Py_DECREF(lines);
    }
    PyMem_RawFree(times);
    times = NULL;
    nlines = 0;
    sampling = 0;
    return out;
}
