/* pool.h -- a few threads that run tasks beside the event loop.
 *
 * The loop thread reads requests and writes replies; work that needs no connection (parsing and checking a
 * submission's JSON) can run here instead, on another core, while the loop serves the next request. A task never
 * touches libevent: it hands its result back to the loop itself (server_hand_back).
 *
 * Ownership: the caller owns each task, which must stay valid until its run function has returned; the pool
 * only links it (pool_task.next) while it waits.
 */
#ifndef COLLECTOR_POOL_H
#define COLLECTOR_POOL_H

#include <stddef.h>

typedef struct pool_task {
    void (*run)(struct pool_task *task); /* called once, on one of the pool's threads */
    struct pool_task *next;              /* private to the pool */
} pool_task;

typedef struct pool pool;

/* Starts nthreads threads (at least 1). Returns NULL when none could be started. */
pool *pool_new(int nthreads);

/* Queues task, to be run by the first free thread, in arrival order. Thread-safe. */
void pool_push(pool *p, pool_task *task);

/* Runs every task still queued, stops the threads and frees the pool; pool_free(NULL) does nothing. */
void pool_free(pool *p);

#endif /* COLLECTOR_POOL_H */
