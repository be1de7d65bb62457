/*
 * One open-addressed hash table keyed by buffer pointer, shared by tracker.c (the cell's live
 * buffers) and tasks.c (each Dask task's live buffers).  The allocation hot path: every NumPy
 * allocation and free goes through it, so the probe and the removal are inline here.
 *
 * Layout and policy: a power-of-two array of entries, an entry with `ptr == NULL` is empty;
 * the pointer's bits above the 16-byte alignment are hashed by a Fibonacci multiply (ap_ptr_hash);
 * linear probing; removal by backward shift (probe chains stay intact without tombstones, so a
 * long run of allocations and frees never slows the lookups); growth to load <= 1/2, doubling
 * from 1024 slots (ap_ptr_reserve); shrinking to a quarter when a table of 2^16 slots or more is
 * less than 1/8 full (ap_ptr_maybe_shrink), so its memory follows the buffers alive.
 *
 * Lock rule: this module takes no lock and calls no Python.  The caller holds its own lock
 * around every call (tracker.c's state_lock, tasks.c's tasks_lock: its rules 1-5 apply
 * unchanged) or otherwise owns the table.  It allocates only with C calloc/free, the raw
 * allocator both callers use under their spinlocks, never Python's object or memory allocator
 * (which may run a garbage collection and release the GIL; tracker.c's rule 1).  On allocation
 * failure a table is left as it was and the caller decides what to drop.
 */
#ifndef ARRAYPROF_PTRTABLE_H
#define ARRAYPROF_PTRTABLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    void *ptr; /* NULL: an empty slot */
    size_t size;
    union {               /* the caller's tag */
        int32_t line;     /* tracker.c: the allocating cell line, or OTHER_THREAD_LINE */
        uint64_t task;    /* tasks.c: the allocating task's id */
    };
} ap_ptr_entry;

/* A table the caller owns; all zero is an empty table with no slots. */
typedef struct {
    ap_ptr_entry *slots;
    size_t capacity, used; /* capacity: 0 or a power of two */
} ap_ptr_table;

#define AP_PTR_MIN_CAPACITY 1024
#define AP_PTR_SHRINK_FROM (1u << 16)

static inline size_t
ap_ptr_hash(const void *ptr)
{
    uint64_t h = (uint64_t)(uintptr_t)ptr >> 4;
    h *= 0x9E3779B97F4A7C15ull;
    return (size_t)(h ^ (h >> 32));
}

/* The slot holding `ptr`, else the empty slot where it would go.  `capacity` a power of two,
 * with at least one empty slot. */
static inline size_t
ap_ptr_find(const ap_ptr_entry *slots, size_t capacity, const void *ptr)
{
    size_t mask = capacity - 1;
    size_t j = ap_ptr_hash(ptr) & mask;
    while (slots[j].ptr != NULL && slots[j].ptr != ptr) {
        j = (j + 1) & mask;
    }
    return j;
}

/* Start loading the slot `ptr` hashes to (a hint: never faults, whatever the table is by then). */
static inline void
ap_ptr_prefetch(const ap_ptr_entry *slots, size_t capacity, const void *ptr)
{
#if defined(__GNUC__) || defined(__clang__)
    if (capacity != 0) {
        __builtin_prefetch(&slots[ap_ptr_hash(ptr) & (capacity - 1)], 1);
    }
#else
    (void)slots;
    (void)capacity;
    (void)ptr;
#endif
}

/* Remove `ptr` from `slots` (backward-shift deletion); 1 and *out filled when it was there,
 * `*used` then one less. */
static inline int
ap_ptr_remove_slots(ap_ptr_entry *slots, size_t capacity, size_t *used, const void *ptr,
                    ap_ptr_entry *out)
{
    if (*used == 0) {
        return 0;
    }
    size_t mask = capacity - 1;
    size_t j = ap_ptr_hash(ptr) & mask;
    while (slots[j].ptr != ptr) {
        if (slots[j].ptr == NULL) {
            return 0;
        }
        j = (j + 1) & mask;
    }
    *out = slots[j];
    size_t hole = j;
    for (size_t k = (j + 1) & mask; slots[k].ptr != NULL; k = (k + 1) & mask) {
        size_t home = ap_ptr_hash(slots[k].ptr) & mask;
        if (((k - home) & mask) >= ((k - hole) & mask)) {
            slots[hole] = slots[k];
            hole = k;
        }
    }
    slots[hole].ptr = NULL;
    (*used)--;
    return 1;
}

static inline int
ap_ptr_remove(ap_ptr_table *t, const void *ptr, ap_ptr_entry *out)
{
    return ap_ptr_remove_slots(t->slots, t->capacity, &t->used, ptr, out);
}

/* Rehash into `new_capacity` slots (a power of two, more than twice the entries); -1 when out of
 * memory (the table is then unchanged).  Cold path: ptrtable.c. */
int ap_ptr_rehash(ap_ptr_table *t, size_t new_capacity);

/* Room for at least `entries` at load <= 1/2; -1 when the table cannot grow. */
static inline int
ap_ptr_reserve(ap_ptr_table *t, size_t entries)
{
    if (entries * 2 <= t->capacity) {
        return 0;
    }
    size_t new_capacity = t->capacity ? t->capacity : AP_PTR_MIN_CAPACITY;
    while (entries * 2 > new_capacity) {
        new_capacity *= 2;
    }
    return ap_ptr_rehash(t, new_capacity);
}

/* After a removal: a large table mostly emptied by frees shrinks (to load 1/2), the work done by
 * the frees that emptied it (amortised, like the growth).  Failure to shrink changes nothing. */
static inline void
ap_ptr_maybe_shrink(ap_ptr_table *t)
{
    if (t->capacity >= AP_PTR_SHRINK_FROM && t->used * 8 < t->capacity) {
        (void)ap_ptr_rehash(t, t->capacity / 4);
    }
}

/* Room reserved.  Enter `*e`; an entry for the same pointer is replaced, and returned in
 * *replaced (1) so the caller can uncount it; 0 when the pointer was new. */
static inline int
ap_ptr_put(ap_ptr_table *t, const ap_ptr_entry *e, ap_ptr_entry *replaced)
{
    size_t j = ap_ptr_find(t->slots, t->capacity, e->ptr);
    int was_there = t->slots[j].ptr != NULL;
    if (was_there) {
        *replaced = t->slots[j];
    }
    else {
        t->used++;
    }
    t->slots[j] = *e;
    return was_there;
}

/* Free the slots; the table is then empty with no slots. */
void ap_ptr_release(ap_ptr_table *t);

#endif
