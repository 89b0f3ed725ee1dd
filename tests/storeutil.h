/* storeutil.h -- what the store's unit tests share: a fresh database path per test (removed with its WAL and
 * shared-memory files afterwards), opening it, and a web submission to fill in. Include after cmocka.h. */
#ifndef TESTS_STOREUTIL_H
#define TESTS_STOREUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

static char dbpath[64];

/* A new, unused path /tmp/PREFIX_XXXXXX for this test's database. */
static inline void su_new_path(const char *prefix)
{
    snprintf(dbpath, sizeof dbpath, "/tmp/%s_XXXXXX", prefix);
    int fd = mkstemp(dbpath);
    close(fd);
    unlink(dbpath);
}

/* Removes the database and its WAL and shared-memory files. */
static inline void su_remove(void)
{
    char p[96];
    unlink(dbpath);
    snprintf(p, sizeof p, "%s-wal", dbpath);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", dbpath);
    unlink(p);
}

static inline store *open_store(void)
{
    char err[256];
    store *s = store_open(dbpath, false, err, sizeof err);
    if (s == NULL)
        fail_msg("store_open: %s", err);
    return s;
}

/* A web submission of resident version 1 in QN09399A with these answers (borrowed). */
static inline void fill(store_sub *sub, const char *uuid, const char *answers)
{
    memset(sub, 0, sizeof *sub);
    sub->uuid = uuid;
    sub->form_id = "resident";
    sub->form_version = "1";
    sub->lang = "fr";
    sub->channel = "web";
    sub->territory = "QN09399A";
    sub->answers_json = answers;
    store_sha256(answers, strlen(answers), sub->hash);
}

#endif /* TESTS_STOREUTIL_H */
