/* colcache.c -- the analyzer's derived cache files (see colcache.h). */
/* realpath() is in POSIX's XSI part, which glibc declares only with _XOPEN_SOURCE (see forms/outfile.c). */
#define _XOPEN_SOURCE 700
/* madvise(MADV_DONTNEED), which glibc's posix_madvise ignores, is the system's own interface. */
#define _DEFAULT_SOURCE
#include "colcache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fingerprint.h"
#include "util.h"

#define CC_MAGIC "SANTECC3" /* the layout below; a change of layout or meaning changes it */

/* The header, then each column padded to 8 bytes: id, status, stratum, cell, the calibration categories, each
 * indicator's observations, then the distributions' categories, then the means' and ratios' a and b. sum is the
 * body's checksum (body_sum): a file whose bytes were changed in place, size kept, would otherwise be read as it
 * is, with other figures, or out-of-range territory indices that crash the estimates. */
typedef struct cc_header {
    char magic[8];
    char key[CC_KEY_LEN + 8];
    int64_t max_id, rows, audit_max, history_max;
    uint64_t n;
    uint32_t ndefs, nvars, ncats, nab;
    uint64_t sum;
} cc_header;

/* ------------------------------------------------------------------ checksum */

/* A running checksum over 8-byte words (the body's columns are each padded to 8 bytes). Not cryptographic: it
 * detects damage (a disk, a copy, a hand), not an attacker who may write the cache folder (0700, the user's). Each
 * step is a bijection of the state for a given word, so one changed word always changes the sum; about 20 ms for a
 * million answers. */
typedef struct cc_sum {
    uint64_t h;
} cc_sum;

static void sum_word(cc_sum *s, uint64_t w)
{
    uint64_t x = s->h ^ w;
    s->h = ((x << 29) | (x >> 35)) * 0x9E3779B97F4A7C15u;
}

/* Adds bytes of data followed by the zeros that pad them to 8 bytes. */
static void sum_add(cc_sum *s, const void *data, size_t bytes)
{
    const unsigned char *p = data;
    uint64_t w;
    for (; bytes >= 8; p += 8, bytes -= 8) {
        memcpy(&w, p, 8);
        sum_word(s, w);
    }
    if (bytes > 0) {
        w = 0;
        memcpy(&w, p, bytes);
        sum_word(s, w);
    }
}

static const char *cache_dir_opt; /* cc_set_dir */
static bool cache_on;

void cc_set_dir(const char *dir)
{
    cache_dir_opt = dir;
    cache_on = dir == NULL || dir[0] != '\0';
}

static int mkdir_p(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = mkdir(path, 0700);
        *p = '/';
        if (rc != 0 && errno != EEXIST)
            return -1;
    }
    return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

const char *cc_dir(char *buf, size_t len)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n;
    if (!cache_on)
        return NULL;
    if (cache_dir_opt)
        n = snprintf(buf, len, "%s", cache_dir_opt);
    else if (xdg && xdg[0] == '/')
        n = snprintf(buf, len, "%s/sante-analyzer", xdg);
    else if (home && home[0] == '/')
        n = snprintf(buf, len, "%s/.cache/sante-analyzer", home);
    else
        return NULL;
    if (n <= 0 || (size_t)n >= len || mkdir_p(buf) != 0)
        return NULL;
    return buf;
}

/* ------------------------------------------------------------------ key */

static void add_json(sbuf *b, const json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    sbuf_adds(b, s ? s : "null");
    sbuf_adds(b, "\n");
    free(s);
}

void cc_key(const col_source *src, char out[CC_KEY_LEN + 1])
{
    sbuf b = {0};
    const char *form_id = ind_form_id(src->defs);
    sbuf_addf(&b, "%s\nform %s\n", CC_MAGIC, form_id);
    for (size_t i = 0; i < catalog_count(src->cat); i++) {
        const form *f = catalog_at(src->cat, i);
        if (strcmp(f->id, form_id) != 0)
            continue;
        char fp[FINGERPRINT_HEX_LEN + 1];
        fingerprint_form(f, fp, NULL);
        sbuf_addf(&b, "version %s %s\n", f->version, fp);
    }
    const json_t *defs = ind_document(src->defs);
    add_json(&b, defs);
    add_json(&b, src->ts ? src->ts->doc : NULL);
    for (size_t v = 0; src->mg && v < src->mg->nvars; v++) {
        sbuf_addf(&b, "margin %s", src->mg->vars[v].question);
        for (size_t c = 0; c < src->mg->vars[v].ncat; c++)
            sbuf_addf(&b, " %s", src->mg->vars[v].codes[c]);
        sbuf_adds(&b, "\n");
    }
    sbuf_addf(&b, "cells %d\n", src->sc != NULL);
    /* A definition that reads today() gives another value tomorrow: the date is then part of what is derived. */
    char *text = json_dumps(defs, JSON_COMPACT);
    if (text && strstr(text, "today(")) {
        char today[11];
        if (src->today)
            snprintf(today, sizeof today, "%s", src->today);
        else
            util_today(today);
        sbuf_addf(&b, "today %s\n", today);
    }
    free(text);
    /* The code that derives the rows is part of what they mean: another build of the analyzer derives again. */
    struct stat st;
    if (stat("/proc/self/exe", &st) == 0)
        sbuf_addf(&b, "exe %lld %lld %ld\n", (long long)st.st_size, (long long)st.st_mtim.tv_sec,
                  (long)st.st_mtim.tv_nsec);
    fingerprint_of_text(b.data, out);
    sbuf_free(&b);
}

/* ------------------------------------------------------------------ content version */

static int64_t max_of(sqlite3 *db, const char *sql, const char *form_id, bool *ok)
{
    sqlite3_stmt *st = NULL;
    int64_t v = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        *ok = false;
        return 0;
    }
    if (form_id)
        sqlite3_bind_text(st, 1, form_id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    else
        *ok = false;
    sqlite3_finalize(st);
    return v;
}

int cc_content_version(const char *db_path, const char *form_id, cc_version *v, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    int rc = -1;
    bool ok = true;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "ouverture de %s : %s", db_path, db ? sqlite3_errmsg(db) : "mémoire");
        goto done;
    }
    sqlite3_busy_timeout(db, 5000);
    /* One read transaction: the four figures describe the same state of the database. */
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    v->max_id = max_of(db, "SELECT coalesce(max(id), 0) FROM submissions WHERE form_id = ?", form_id, &ok);
    v->rows = max_of(db, "SELECT count(*) FROM submissions WHERE form_id = ?", form_id, &ok);
    v->audit_max = max_of(db, "SELECT coalesce(max(id), 0) FROM audit", NULL, &ok);
    v->history_max = max_of(db, "SELECT coalesce(max(id), 0) FROM submission_history", NULL, &ok);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (!ok) {
        snprintf(err, errlen, "%s n'est pas une base du collecteur à jour (%s)", db_path, sqlite3_errmsg(db));
        goto done;
    }
    rc = 0;
done:
    sqlite3_close(db);
    return rc;
}

/* ------------------------------------------------------------------ files */

/* The file name's prefix for db: 16 hexadecimal digits of the SHA-256 of its real path. */
static int db_prefix(const char *db, char out[17])
{
    char real[PATH_MAX], fp[FINGERPRINT_HEX_LEN + 1];
    if (realpath(db, real) == NULL)
        return -1;
    fingerprint_of_text(real, fp);
    memcpy(out, fp, 16);
    out[16] = '\0';
    return 0;
}

int cc_path(char *buf, size_t len, const char *dir, const char *db, const char *form_id, const char *key)
{
    char prefix[17], name[64];
    if (db_prefix(db, prefix) != 0)
        return -1;
    size_t k = 0;
    for (const char *p = form_id; *p && k + 1 < sizeof name; p++) /* a form id is a file name here: keep it plain */
        name[k++] = (char)((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                                   *p == '_' || *p == '-'
                               ? *p
                               : '_');
    name[k] = '\0';
    int n = snprintf(buf, len, "%s/%s-%s-%.16s.cols", dir, prefix, name, key);
    return n > 0 && (size_t)n < len ? 0 : -1;
}

static size_t pad8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

/* The kinds of columns a set of definitions has. */
static void shape_of(const ind_set *defs, uint32_t *ncats, uint32_t *nab)
{
    *ncats = *nab = 0;
    for (size_t i = 0; i < ind_count(defs); i++) {
        ind_kind k = ind_at(defs, i)->kind;
        if (k == IND_DISTRIBUTION)
            (*ncats)++;
        else if (k == IND_MEAN || k == IND_RATIO)
            (*nab)++;
    }
}

/* The byte size of the file's body for n rows. */
static size_t body_size(uint64_t n, size_t ndefs, size_t nvars, uint32_t ncats, uint32_t nab)
{
    return pad8(n * 8) + pad8(n) + 2 * pad8(n * 4) + nvars * pad8(n * 4) + ndefs * pad8(n) + ncats * pad8(n * 8) +
           2 * (size_t)nab * pad8(n * 8);
}

int cc_load(const char *path, const char *key, const ind_set *defs, size_t nvars, cc_table *t)
{
    memset(t, 0, sizeof *t);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    cc_header h;
    uint32_t ncats, nab;
    size_t ndefs = ind_count(defs);
    shape_of(defs, &ncats, &nab);
    if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof h || read(fd, &h, sizeof h) != (ssize_t)sizeof h ||
        memcmp(h.magic, CC_MAGIC, 8) != 0 || strncmp(h.key, key, CC_KEY_LEN) != 0 || h.ndefs != ndefs ||
        h.nvars != nvars || h.ncats != ncats || h.nab != nab || h.n > (uint64_t)1 << 40 ||
        (size_t)st.st_size != pad8(sizeof h) + body_size(h.n, ndefs, nvars, ncats, nab)) {
        close(fd);
        return -1;
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return -1;
    cc_sum sum = {0};
    sum_add(&sum, (const char *)map + pad8(sizeof h), (size_t)st.st_size - pad8(sizeof h));
    if (sum.h != h.sum) { /* changed in place: derived again by the caller */
        munmap(map, (size_t)st.st_size);
        return -1;
    }
    /* The sum read every page: give them back, the gather reads each column again from the page cache, one at a
     * time (columns.c), so that the whole file is never held with the whole copy. */
    madvise(map, (size_t)st.st_size, MADV_DONTNEED);
    t->map = map, t->maplen = (size_t)st.st_size;
    t->version = (cc_version){h.max_id, h.rows, h.audit_max, h.history_max};
    t->ndefs = ndefs;
    columns *c = &t->col;
    c->n = c->cap = (size_t)h.n;
    c->obs = xcalloc(ndefs + 1, sizeof *c->obs);
    c->cats = xcalloc(ndefs + 1, sizeof *c->cats);
    c->a = xcalloc(ndefs + 1, sizeof *c->a);
    c->b = xcalloc(ndefs + 1, sizeof *c->b);
    size_t n = c->n;
    char *p = (char *)map + pad8(sizeof h);
#define TAKE(dst, bytes) ((dst) = (void *)p, p += pad8(bytes))
    TAKE(c->id, n * 8);
    TAKE(c->status, n);
    TAKE(c->stratum, n * 4);
    TAKE(c->cell, n * 4);
    for (size_t v = 0; v < nvars; v++)
        TAKE(c->mcat[v], n * 4);
    for (size_t i = 0; i < ndefs; i++)
        TAKE(c->obs[i], n);
    for (size_t i = 0; i < ndefs; i++)
        if (ind_at(defs, i)->kind == IND_DISTRIBUTION)
            TAKE(c->cats[i], n * 8);
    for (size_t i = 0; i < ndefs; i++)
        if (ind_at(defs, i)->kind == IND_MEAN || ind_at(defs, i)->kind == IND_RATIO) {
            TAKE(c->a[i], n * 8);
            TAKE(c->b[i], n * 8);
        }
#undef TAKE
    return 0;
}

/* Writes bytes of data padded to 8 bytes, and adds them to s (NULL: the header, not summed). */
static int put(FILE *f, cc_sum *s, const void *data, size_t bytes)
{
    static const char zeros[8];
    if (s)
        sum_add(s, data, bytes);
    if (bytes && fwrite(data, 1, bytes, f) != bytes)
        return -1;
    return fwrite(zeros, 1, pad8(bytes) - bytes, f) == pad8(bytes) - bytes ? 0 : -1;
}

typedef struct old_file {
    char name[300];
    time_t mtime;
} old_file;

static int by_mtime(const void *a, const void *b)
{
    const old_file *x = a, *y = b;
    return x->mtime < y->mtime ? 1 : x->mtime > y->mtime ? -1 : 0; /* newest first */
}

/* Removes the cache files of dir whose name starts with prefix (a database's; NULL: every database's): all of
 * them (keep 0), or all but the keep most recently written. */
static int prune(const char *dir, const char *prefix, size_t keep)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    old_file *files = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 22 || (prefix && strncmp(e->d_name, prefix, 16) != 0) || e->d_name[16] != '-' ||
            strcmp(e->d_name + len - 5, ".cols") != 0 || len >= sizeof files->name)
            continue;
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0)
            continue;
        files = xrealloc(files, (n + 1) * sizeof *files);
        snprintf(files[n].name, sizeof files[n].name, "%s", e->d_name);
        files[n++].mtime = st.st_mtime;
    }
    closedir(d);
    if (n > 1) /* qsort's array may not be NULL, even for no element (C11 7.22.5): a folder without files */
        qsort(files, n, sizeof *files, by_mtime);
    int removed = 0;
    for (size_t i = keep; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
        removed += unlink(path) == 0;
    }
    free(files);
    return removed;
}

int cc_save(const char *path, const char *key, const ind_set *defs, size_t nvars, const cc_table *t, char *err,
            size_t errlen)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    int fd = mkstemp(tmp); /* 0600: the file holds coded answers */
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (f == NULL) {
        snprintf(err, errlen, "cache : écriture de %s : %s", path, strerror(errno));
        if (fd >= 0)
            close(fd), unlink(tmp);
        return -1;
    }
    const columns *c = &t->col;
    size_t n = c->n, ndefs = ind_count(defs);
    cc_header h = {.max_id = t->version.max_id, .rows = t->version.rows, .audit_max = t->version.audit_max,
                   .history_max = t->version.history_max, .n = n, .ndefs = (uint32_t)ndefs,
                   .nvars = (uint32_t)nvars};
    memcpy(h.magic, CC_MAGIC, 8);
    memcpy(h.key, key, CC_KEY_LEN);
    shape_of(defs, &h.ncats, &h.nab);
    /* The header comes first but holds the body's sum: written once with a zero sum, then again at the end. */
    cc_sum sum = {0};
    int rc = put(f, NULL, &h, sizeof h);
    rc |= put(f, &sum, c->id, n * 8);
    rc |= put(f, &sum, c->status, n);
    rc |= put(f, &sum, c->stratum, n * 4);
    rc |= put(f, &sum, c->cell, n * 4);
    for (size_t v = 0; v < nvars; v++)
        rc |= put(f, &sum, c->mcat[v], n * 4);
    for (size_t i = 0; i < ndefs; i++)
        rc |= put(f, &sum, c->obs[i], n);
    for (size_t i = 0; i < ndefs; i++)
        if (ind_at(defs, i)->kind == IND_DISTRIBUTION)
            rc |= put(f, &sum, c->cats[i], n * 8);
    for (size_t i = 0; i < ndefs; i++)
        if (ind_at(defs, i)->kind == IND_MEAN || ind_at(defs, i)->kind == IND_RATIO) {
            rc |= put(f, &sum, c->a[i], n * 8);
            rc |= put(f, &sum, c->b[i], n * 8);
        }
    h.sum = sum.h;
    rc |= fseek(f, 0, SEEK_SET) != 0 || fwrite(&h, 1, sizeof h, f) != sizeof h;
    if (fclose(f) != 0 || rc != 0 || rename(tmp, path) != 0) {
        snprintf(err, errlen, "cache : écriture de %s : %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    /* The database's prefix is the file name's first 16 characters. */
    const char *base = strrchr(path, '/');
    char dir[4096];
    snprintf(dir, sizeof dir, "%.*s", base ? (int)(base - path) : 1, base ? path : ".");
    prune(dir, base ? base + 1 : path, CC_KEEP);
    prune(dir, NULL, CC_KEEP_ALL); /* databases that are gone (copies, tests) leave files nobody would remove */
    return 0;
}

int cc_clear(const char *dir, const char *db)
{
    char prefix[17];
    if (db_prefix(db, prefix) != 0)
        return -1;
    return prune(dir, prefix, 0);
}

void cc_release(cc_table *t)
{
    if (t->map) {
        munmap(t->map, t->maplen);
        free(t->col.obs);
        free(t->col.cats);
        free(t->col.a);
        free(t->col.b);
    } else {
        col_free(&t->col, t->ndefs);
    }
    memset(t, 0, sizeof *t);
}
