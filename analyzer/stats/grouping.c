/* grouping.c -- dense ids for keys of identical records (see grouping.h): open addressing with linear probing
 * on a 64-bit mix of the key, the table kept under half full. */
#include "grouping.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

typedef struct slot {
    uint64_t key[4];
    size_t id; /* SIZE_MAX: empty */
} slot;

struct grp_map {
    slot *slots;
    size_t cap; /* power of two */
    size_t n;
    size_t *rep;
    double *count;
    size_t repcap;
};

static uint64_t mix(const uint64_t k[4])
{
    uint64_t h = 0x9E3779B97F4A7C15u;
    for (int i = 0; i < 4; i++) {
        h ^= k[i] + 0x9E3779B97F4A7C15u + (h << 6) + (h >> 2);
        h *= 0xBF58476D1CE4E5B9u;
        h ^= h >> 31;
    }
    return h;
}

static void alloc_slots(grp_map *g, size_t cap)
{
    g->cap = cap;
    g->slots = xmalloc(cap * sizeof *g->slots);
    for (size_t i = 0; i < cap; i++)
        g->slots[i].id = SIZE_MAX;
}

grp_map *grp_new(void)
{
    grp_map *g = xcalloc(1, sizeof *g);
    alloc_slots(g, 1024);
    return g;
}

static slot *find(grp_map *g, const uint64_t key[4])
{
    size_t mask = g->cap - 1, i = (size_t)mix(key) & mask;
    while (g->slots[i].id != SIZE_MAX && memcmp(g->slots[i].key, key, sizeof g->slots[i].key) != 0)
        i = (i + 1) & mask;
    return &g->slots[i];
}

static void grow(grp_map *g)
{
    slot *old = g->slots;
    size_t oldcap = g->cap;
    alloc_slots(g, 2 * oldcap);
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].id != SIZE_MAX)
            *find(g, old[i].key) = old[i];
    free(old);
}

size_t grp_add(grp_map *g, const uint64_t key[4], size_t i)
{
    slot *s = find(g, key);
    if (s->id == SIZE_MAX) {
        if (2 * (g->n + 1) > g->cap) {
            grow(g);
            s = find(g, key);
        }
        if (g->n == g->repcap) {
            g->repcap = g->repcap ? 2 * g->repcap : 1024;
            g->rep = xrealloc(g->rep, g->repcap * sizeof *g->rep);
            g->count = xrealloc(g->count, g->repcap * sizeof *g->count);
        }
        memcpy(s->key, key, sizeof s->key);
        s->id = g->n;
        g->rep[g->n] = i;
        g->count[g->n] = 0;
        g->n++;
    }
    g->count[s->id] += 1;
    return s->id;
}

size_t grp_count(const grp_map *g)
{
    return g->n;
}

const size_t *grp_reps(const grp_map *g)
{
    return g->rep;
}

const double *grp_counts(const grp_map *g)
{
    return g->count;
}

void grp_reset(grp_map *g)
{
    for (size_t i = 0; i < g->cap; i++)
        g->slots[i].id = SIZE_MAX;
    g->n = 0;
}

void grp_free(grp_map *g)
{
    if (g == NULL)
        return;
    free(g->slots);
    free(g->rep);
    free(g->count);
    free(g);
}
