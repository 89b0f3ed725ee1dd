/* arena.c -- blocks of one reserved region for the JSON trees of submissions (see arena.h). */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS and MAP_NORESERVE are not POSIX */
#include "arena.h"

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "util.h"

/* A complete resident submission (1.6 KB of JSON) takes about 20 KB of tree; the blocks are reserved, not
 * allocated: only the pages a tree touches are ever backed by memory. */
#define ARENA_BLOCK_SIZE (64 * 1024)
#define ARENA_BLOCKS 4096
#define ARENA_ALIGN 16

struct arena {
    char *mem;
    size_t used;
    arena *next; /* in the free list */
};

static char *region;         /* ARENA_BLOCKS * ARENA_BLOCK_SIZE bytes, or NULL */
static arena *blocks;
static arena *free_list;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local arena *current;

static void *arena_malloc(size_t size)
{
    arena *a = current;
    size_t need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (a == NULL || need < size || need > ARENA_BLOCK_SIZE - a->used)
        return malloc(size);
    void *p = a->mem + a->used;
    a->used += need;
    return p;
}

/* Memory of the region is given back with its block; the rest is malloc's. */
static void arena_free(void *p)
{
    if (region != NULL && (uintptr_t)p - (uintptr_t)region < (uintptr_t)ARENA_BLOCKS * ARENA_BLOCK_SIZE)
        return;
    free(p);
}

int arena_setup(void)
{
    if (region != NULL)
        return 0;
    void *r = mmap(NULL, (size_t)ARENA_BLOCKS * ARENA_BLOCK_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED)
        return -1;
    blocks = xcalloc(ARENA_BLOCKS, sizeof *blocks);
    /* Pushed from the last, so that the first blocks are used first and reused most (fewer pages touched). */
    for (size_t i = ARENA_BLOCKS; i-- > 0;) {
        blocks[i].mem = (char *)r + i * ARENA_BLOCK_SIZE;
        blocks[i].next = free_list;
        free_list = &blocks[i];
    }
    region = r;
    json_set_alloc_funcs(arena_malloc, arena_free);
    return 0;
}

arena *arena_take(void)
{
    pthread_mutex_lock(&lock);
    arena *a = free_list;
    if (a != NULL)
        free_list = a->next;
    pthread_mutex_unlock(&lock);
    if (a != NULL)
        a->used = 0;
    return a;
}

void arena_give(arena *a)
{
    if (a == NULL)
        return;
    pthread_mutex_lock(&lock);
    a->next = free_list;
    free_list = a;
    pthread_mutex_unlock(&lock);
}

void arena_enter(arena *a)
{
    current = a;
}

void arena_leave(void)
{
    current = NULL;
}
