/* outfile.h -- writing a file that holds answers or figures from them to a path a user gave (`analyzer -o`,
 * `collector backup`), safely on a machine shared with other local users.
 *
 * The content goes first into a fresh temporary file of mode 0600 (owner only, whatever the umask), created by
 * mkstemp in the target's own folder under an unpredictable name, so that no link planted by someone else is ever
 * followed; it is then flushed, synced and renamed over the target, so that the target is either the previous
 * file or the whole new one, never half-written. A link at the target itself is replaced, not followed.
 */
#ifndef FORMS_OUTFILE_H
#define FORMS_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

typedef struct outfile outfile;

/* Creates the temporary for target path, which must be a regular file or not exist yet (a link to a regular file
 * is fine: it is replaced). Returns NULL with a French message naming the path in err when the target is a
 * folder, a device or a pipe, or when its folder cannot hold the temporary (missing, not writable). Pair with
 * outfile_commit or outfile_discard. */
outfile *outfile_open(const char *path, char *err, size_t errlen);

/* The temporary's path, for a library that opens files by name (SQLite): still valid until commit or discard. */
const char *outfile_temp_path(const outfile *o);

/* A stdio stream writing to the temporary, made on the first call and owned by o; NULL if it cannot be made. */
FILE *outfile_stream(outfile *o);

/* Flushes the stream, syncs the temporary to disk, checks that the temporary's name still leads to the very file
 * created (not a file or link put in its place), and renames it over the target. Frees o in every case. Returns 0,
 * or -1 with a French message naming the target and the system's error in err, the temporary removed. */
int outfile_commit(outfile *o, char *err, size_t errlen);

/* Closes and removes the temporary and frees o, leaving the target as it was; outfile_discard(NULL) does
 * nothing. */
void outfile_discard(outfile *o);

#endif /* FORMS_OUTFILE_H */
