/* commitq.h -- group commit: one writer thread stores submissions in batches, one fsync per batch.
 *
 * Many phones posting at once must not mean one fsync each. Jobs pushed while a commit runs wait, and the
 * writer takes them all (up to COMMITQ_MAX_BATCH) into the next transaction. A job is handed back through the
 * done callback only after the commit that holds it has returned, so an answer acknowledged to a client is on
 * disk. The event loop never touches the disk for writes: it pushes and is called back.
 *
 * Ownership: the caller allocates a job, fills job->sub, and pushes it; the queue gives it back, exactly once,
 * through done (called on the writer thread), after which the caller owns it again.
 */
#ifndef COLLECTOR_COMMITQ_H
#define COLLECTOR_COMMITQ_H

#include <stddef.h>

#include "store.h"

#define COMMITQ_MAX_BATCH 512    /* submissions in one transaction */
#define COMMITQ_MAX_PENDING 8192 /* jobs waiting; beyond, push fails and the client is told to retry */
#define COMMITQ_LINGER_US 1000   /* longest wait for expected jobs before a transaction (commitq_expect) */

typedef struct commitq_job commitq_job;

/* What the writer does with a job inside the batch transaction: 0 when done (the job records its own outcome),
 * -1 on a database error, which fails the whole batch. NULL stores job->sub as a submission. */
typedef int (*commitq_apply_fn)(store *s, commitq_job *job, char *err, size_t errlen);

struct commitq_job {
    store_sub sub;               /* with apply == NULL; other jobs embed what they need (paper entries) */
    commitq_apply_fn apply;
    void (*finish)(commitq_job *job); /* called by the server on its loop thread once the job is handed back */
    void *user;                  /* the caller's context (the HTTP request) */
    commitq_job *next;           /* private to the queue */
};

typedef void (*commitq_done_fn)(commitq_job *job, void *arg);

typedef struct commitq commitq;

/* Opens the database at db_path for writing (migrating it) and starts the writer thread. Returns NULL with a
 * message in err. */
commitq *commitq_start(const char *db_path, commitq_done_fn done, void *arg, char *err, size_t errlen);

/* Queues job. Returns 0, or -1 when the queue is full or stopping (the job is not taken). Thread-safe. */
int commitq_push(commitq *q, commitq_job *job);

/* A job is on its way (being parsed on another thread): until it is pushed with commitq_push_expected, or
 * given up with commitq_unexpect, the writer may wait a little before its next transaction, so that the job
 * shares its fsync (COMMITQ_LINGER_US at most). Thread-safe. */
void commitq_expect(commitq *q);
void commitq_unexpect(commitq *q);

/* commitq_push for a job announced with commitq_expect (which is then no longer expected, pushed or not). */
int commitq_push_expected(commitq *q, commitq_job *job);

/* Number of jobs queued or being committed. */
size_t commitq_pending(commitq *q);

/* Commits what is queued, hands every job back, stops the thread and closes the database.
 * commitq_stop(NULL) does nothing. */
void commitq_stop(commitq *q);

/* Statistics for benchmarks and logs: batches committed and submissions in them. */
void commitq_stats(commitq *q, unsigned long *batches, unsigned long *items);

#endif /* COLLECTOR_COMMITQ_H */
