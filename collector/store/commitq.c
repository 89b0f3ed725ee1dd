/* commitq.c -- the group-commit writer thread (see commitq.h). */
#include "commitq.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

struct commitq {
    store *db;
    commitq_done_fn done;
    void *arg;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    commitq_job *head, *tail;  /* waiting jobs, in arrival order */
    size_t waiting, in_commit;
    size_t expected;           /* jobs announced by commitq_expect and not yet pushed */
    bool stopping;
    unsigned long batches, items;
};

/* Takes up to COMMITQ_MAX_BATCH waiting jobs; called with the lock held. */
static size_t take_batch(commitq *q, commitq_job **batch)
{
    size_t n = 0;
    while (q->head != NULL && n < COMMITQ_MAX_BATCH) {
        batch[n++] = q->head;
        q->head = q->head->next;
    }
    if (q->head == NULL)
        q->tail = NULL;
    q->waiting -= n;
    q->in_commit = n;
    return n;
}

/* Runs every job of the batch in one transaction; when it cannot commit, every job is marked unavailable
 * (nothing of the batch is stored, every client is told to retry). */
static int commit_batch(store *db, commitq_job **batch, size_t n, char *err, size_t errlen)
{
    if (store_begin(db, err, errlen) < 0)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        int rc = batch[i]->apply ? batch[i]->apply(db, batch[i], err, errlen)
                                 : store_insert(db, &batch[i]->sub, err, errlen);
        if (rc < 0) {
            store_rollback(db);
            goto fail;
        }
    }
    if (store_commit(db, err, errlen) < 0)
        goto fail;
    return 0;
fail:
    for (size_t i = 0; i < n; i++) {
        batch[i]->sub.outcome = STORE_UNAVAILABLE;
        batch[i]->sub.receipt[0] = '\0';
    }
    return -1;
}

static void *writer_main(void *arg)
{
    commitq *q = arg;
    commitq_job **batch = xmalloc(COMMITQ_MAX_BATCH * sizeof *batch);
    for (;;) {
        pthread_mutex_lock(&q->lock);
        while (q->head == NULL && !q->stopping)
            pthread_cond_wait(&q->wake, &q->lock);
        if (q->head == NULL && q->stopping) {
            pthread_mutex_unlock(&q->lock);
            break;
        }
        /* Jobs on their way (parsed on another thread) would otherwise miss this transaction and wait for the
         * whole of the next one: a short wait lets them share this one's fsync, which costs the same for a few
         * more rows. At 64 connections the batches grew from about 22 rows to 32, and the submissions per second
         * by 15 to 40 % (scripts/bench-collector, 2 cores). */
        if (q->expected > 0 && !q->stopping) {
            struct timespec until;
            clock_gettime(CLOCK_MONOTONIC, &until);
            until.tv_nsec += COMMITQ_LINGER_US * 1000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            while (q->expected > 0 && q->waiting < COMMITQ_MAX_BATCH && !q->stopping)
                if (pthread_cond_timedwait(&q->wake, &q->lock, &until) == ETIMEDOUT)
                    break;
        }
        size_t n = take_batch(q, batch);
        pthread_mutex_unlock(&q->lock);

        char err[256];
        if (commit_batch(q->db, batch, n, err, sizeof err) < 0)
            fprintf(stderr, "collector: écriture refusée (%zu réponses non enregistrées, le client réessaiera) : "
                    "%s\n", n, err);
        pthread_mutex_lock(&q->lock);
        q->batches++;
        q->items += n;
        q->in_commit = 0;
        pthread_mutex_unlock(&q->lock);
        /* Hand back only now: the batch is committed (or known not to be). */
        for (size_t i = 0; i < n; i++)
            q->done(batch[i], q->arg);
    }
    free(batch);
    return NULL;
}

commitq *commitq_start(const char *db_path, commitq_done_fn done, void *arg, char *err, size_t errlen)
{
    commitq *q = xcalloc(1, sizeof *q);
    q->db = store_open(db_path, false, err, errlen);
    if (q->db == NULL) {
        free(q);
        return NULL;
    }
    q->done = done;
    q->arg = arg;
    pthread_mutex_init(&q->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC); /* the linger's deadline must not move with the clock */
    pthread_cond_init(&q->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (pthread_create(&q->thread, NULL, writer_main, q) != 0) {
        snprintf(err, errlen, "création du fil d'écriture impossible");
        store_close(q->db);
        pthread_mutex_destroy(&q->lock);
        pthread_cond_destroy(&q->wake);
        free(q);
        return NULL;
    }
    return q;
}

void commitq_expect(commitq *q)
{
    pthread_mutex_lock(&q->lock);
    q->expected++;
    pthread_mutex_unlock(&q->lock);
}

void commitq_unexpect(commitq *q)
{
    pthread_mutex_lock(&q->lock);
    q->expected--;
    pthread_cond_signal(&q->wake); /* the writer may be waiting for this one */
    pthread_mutex_unlock(&q->lock);
}

/* Queues job, one fewer expected when expected is true. */
static int push(commitq *q, commitq_job *job, bool expected)
{
    int rc = -1;
    pthread_mutex_lock(&q->lock);
    if (expected)
        q->expected--;
    if (!q->stopping && q->waiting < COMMITQ_MAX_PENDING) {
        job->next = NULL;
        if (q->tail)
            q->tail->next = job;
        else
            q->head = job;
        q->tail = job;
        q->waiting++;
        rc = 0;
    }
    pthread_cond_signal(&q->wake);
    pthread_mutex_unlock(&q->lock);
    return rc;
}

int commitq_push(commitq *q, commitq_job *job)
{
    return push(q, job, false);
}

int commitq_push_expected(commitq *q, commitq_job *job)
{
    return push(q, job, true);
}

size_t commitq_pending(commitq *q)
{
    pthread_mutex_lock(&q->lock);
    size_t n = q->waiting + q->in_commit;
    pthread_mutex_unlock(&q->lock);
    return n;
}

void commitq_stats(commitq *q, unsigned long *batches, unsigned long *items)
{
    pthread_mutex_lock(&q->lock);
    *batches = q->batches;
    *items = q->items;
    pthread_mutex_unlock(&q->lock);
}

void commitq_stop(commitq *q)
{
    if (q == NULL)
        return;
    pthread_mutex_lock(&q->lock);
    q->stopping = true;
    pthread_cond_signal(&q->wake);
    pthread_mutex_unlock(&q->lock);
    pthread_join(q->thread, NULL);
    store_close(q->db);
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->wake);
    free(q);
}
