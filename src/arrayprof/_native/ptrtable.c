/*
 * The cold half of the pointer table (see ptrtable.h for the layout, policy and lock rule):
 * rehashing and freeing, which allocate and free with C calloc/free only.
 */
#include "ptrtable.h"

#include <stdlib.h>

int
ap_ptr_rehash(ap_ptr_table *t, size_t new_capacity)
{
    ap_ptr_entry *grown = calloc(new_capacity, sizeof(ap_ptr_entry));
    if (grown == NULL) {
        return -1;
    }
    size_t mask = new_capacity - 1;
    for (size_t i = 0; i < t->capacity; i++) {
        if (t->slots[i].ptr == NULL) {
            continue;
        }
        size_t j = ap_ptr_hash(t->slots[i].ptr) & mask;
        while (grown[j].ptr != NULL) {
            j = (j + 1) & mask;
        }
        grown[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = grown;
    t->capacity = new_capacity;
    return 0;
}

void
ap_ptr_release(ap_ptr_table *t)
{
    free(t->slots);
    t->slots = NULL;
    t->capacity = t->used = 0;
}
