/* pool.c -- the threads that run tasks beside the event loop (see pool.h). */
#include "pool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "util.h"

#define POOL_MAX_THREADS 16

struct pool {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pool_task *head, *tail; /* waiting tasks, in arrival order */
    bool stopping;
    int nthreads;
    pthread_t threads[POOL_MAX_THREADS];
};

/* Takes tasks until the pool stops and nothing waits any more. */
static void *pool_main(void *arg)
{
    pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        while (p->head == NULL && !p->stopping)
            pthread_cond_wait(&p->wake, &p->lock);
        pool_task *t = p->head;
        if (t != NULL) {
            p->head = t->next;
            if (p->head == NULL)
                p->tail = NULL;
        }
        pthread_mutex_unlock(&p->lock);
        if (t == NULL)
            return NULL; /* stopping, and nothing left */
        t->run(t);
    }
}

pool *pool_new(int nthreads)
{
    pool *p = xcalloc(1, sizeof *p);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    if (nthreads > POOL_MAX_THREADS)
        nthreads = POOL_MAX_THREADS;
    for (int i = 0; i < nthreads; i++) {
        if (pthread_create(&p->threads[p->nthreads], NULL, pool_main, p) != 0)
            break;
        p->nthreads++;
    }
    if (p->nthreads == 0) {
        pool_free(p);
        return NULL;
    }
    return p;
}

void pool_push(pool *p, pool_task *task)
{
    task->next = NULL;
    pthread_mutex_lock(&p->lock);
    if (p->tail)
        p->tail->next = task;
    else
        p->head = task;
    p->tail = task;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
}

void pool_free(pool *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    p->stopping = true;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->wake);
    free(p);
}
