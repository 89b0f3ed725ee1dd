/* outfile.c -- a file written through a private temporary renamed over the target (see outfile.h). */

/* realpath() is POSIX.1-2008 too, but in its XSI part, which glibc declares only with _XOPEN_SOURCE: this file
 * alone asks for it (the build defines _POSIX_C_SOURCE=200809L, which 700 implies). */
#define _XOPEN_SOURCE 700

#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

struct outfile {
    char *target;
    char *temp;    /* REALDIR/.NAME.XXXXXX, beside the target so that rename() never crosses file systems */
    size_t dirlen; /* length of the target's folder in target, '/' included; 0 for the current folder */
    int fd;        /* the temporary, open from creation to commit (owned by stream once it exists) */
    FILE *stream;
    dev_t dev; /* what mkstemp created, to recognise it at commit time */
    ino_t ino;
};

outfile *outfile_open(const char *path, char *err, size_t errlen)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
        snprintf(err, errlen, "%s : un nom de fichier est attendu, pas un dossier", path);
        return NULL;
    }
    /* rename() would replace a device, a pipe or a link to one (-o /dev/stdout as root replaced /dev/stdout): only
     * a regular file, or nothing yet, may be the target. */
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s : pas un fichier ordinaire (dossier, périphérique ou tube) : rien n'a été écrit",
                 path);
        return NULL;
    }
    outfile *o = xcalloc(1, sizeof *o);
    o->fd = -1;
    o->target = xstrdup(path);
    o->dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    /* The temporary is named through the folder's resolved path, so that its name holds no link at all and a
     * library opening it by name can refuse every link (SQLITE_OPEN_NOFOLLOW refuses links anywhere in a path). */
    char *dir = o->dirlen ? xstrndup(path, o->dirlen) : xstrdup(".");
    char *real = realpath(dir, NULL);
    free(dir);
    if (real == NULL) {
        snprintf(err, errlen, "%s : %s", path, strerror(errno));
        outfile_discard(o);
        return NULL;
    }
    sbuf name = {0};
    sbuf_addf(&name, "%s%s.%s.XXXXXX", real, strcmp(real, "/") == 0 ? "" : "/", base);
    free(real);
    o->temp = name.data;
    /* mkstemp opens with O_CREAT | O_EXCL: it never follows a link, and never reuses a file that exists. */
    o->fd = mkstemp(o->temp);
    /* mkstemp's 0600 is masked by the umask: set it exactly, so that the owner can also reopen it by name. */
    if (o->fd < 0 || fstat(o->fd, &st) != 0 || fchmod(o->fd, S_IRUSR | S_IWUSR) != 0) {
        snprintf(err, errlen, "%s : %s", path, strerror(errno));
        outfile_discard(o); /* removes the temporary when mkstemp made one */
        return NULL;
    }
    o->dev = st.st_dev;
    o->ino = st.st_ino;
    return o;
}

const char *outfile_temp_path(const outfile *o)
{
    return o->temp;
}

FILE *outfile_stream(outfile *o)
{
    if (o->stream == NULL)
        o->stream = fdopen(o->fd, "w");
    return o->stream;
}

/* Closes the temporary's descriptor or stream; returns 0, or -1 with errno when a buffered write fails. */
static int close_temp(outfile *o)
{
    int rc = 0;
    if (o->stream != NULL)
        rc = fclose(o->stream);
    else if (o->fd >= 0)
        rc = close(o->fd);
    o->stream = NULL;
    o->fd = -1;
    return rc == 0 ? 0 : -1;
}

/* Syncs the target's folder so that the rename itself survives a crash; best effort (some file systems refuse). */
static void sync_folder(const outfile *o)
{
    char *dir = o->dirlen ? xstrndup(o->target, o->dirlen) : xstrdup(".");
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

int outfile_commit(outfile *o, char *err, size_t errlen)
{
    struct stat st;
    int rc = -1;
    if (o->stream != NULL && fflush(o->stream) != 0)
        goto done;
    if (fsync(o->fd) != 0 || close_temp(o) != 0)
        goto done;
    /* The temporary's name must still lead to the file created: another user able to write in that folder
     * could otherwise swap in a file (or a link) of their choosing between creation and rename. */
    if (lstat(o->temp, &st) != 0)
        goto done;
    if (!S_ISREG(st.st_mode) || st.st_dev != o->dev || st.st_ino != o->ino) {
        errno = EEXIST;
        goto done;
    }
    if (rename(o->temp, o->target) != 0)
        goto done;
    sync_folder(o);
    rc = 0;
done:
    if (rc != 0) {
        snprintf(err, errlen, "écriture de %s impossible : %s", o->target, strerror(errno));
        close_temp(o);
        unlink(o->temp);
    }
    free(o->temp);
    free(o->target);
    free(o);
    return rc;
}

void outfile_discard(outfile *o)
{
    if (o == NULL)
        return;
    if (o->fd >= 0) {
        close_temp(o);
        unlink(o->temp);
    }
    free(o->temp);
    free(o->target);
    free(o);
}
