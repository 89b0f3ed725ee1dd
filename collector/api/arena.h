/* arena.h -- the memory of one submission's JSON tree, taken as one block and given back at once.
 *
 * Parsing a complete submission makes jansson allocate a few hundred small pieces (a node, a key, a hash table
 * per object), and freeing the tree as many again, from another thread than the one that allocated them: with
 * malloc, a quarter of a submission's cost. An arena is a block of a region reserved at start-up; while a thread
 * has entered one, jansson's allocations on that thread are carved from it, and frees of them do nothing: the
 * whole block is given back with the submission.
 *
 * jansson has one allocator for the process (json_set_alloc_funcs): arena_setup installs one that is plain
 * malloc and free for everything outside an arena, on every thread, so that the rest of the program (which
 * frees json_dumps results with free) is unaffected. Inside an arena, only what the tree holds may be
 * allocated: never a json_dumps result, whose caller would free() memory of the region. When no block is free,
 * or a block is full, allocations fall back to malloc.
 *
 * Memory: a block's pages, once touched, stay with the process; blocks are reused last given, first taken, so
 * what stays is about what the most submissions ever in flight at once needed (about 20 KB each).
 *
 * Ownership: the tree allocated in an arena must be released (json_decref) before arena_give; nothing of it may
 * be kept beyond.
 */
#ifndef COLLECTOR_ARENA_H
#define COLLECTOR_ARENA_H

typedef struct arena arena;

/* Reserves the region and installs the allocator. Returns 0, or -1 when the region cannot be reserved (then
 * arena_take always returns NULL and jansson keeps malloc). Call once, before the threads start. */
int arena_setup(void);

/* A free block, or NULL when there is none (or no region): entering NULL changes nothing. Thread-safe. */
arena *arena_take(void);

/* Gives a back (NULL does nothing). Thread-safe. */
void arena_give(arena *a);

/* Until arena_leave, this thread's jansson allocations come from a (NULL: from malloc). */
void arena_enter(arena *a);
void arena_leave(void);

#endif /* COLLECTOR_ARENA_H */
