/*
 * lineio.h - a chunked line reader.
 *
 * Reads a file, standard input or a memory buffer in large chunks and
 * hands out one line at a time as a slice (pointer and length) into its
 * own buffer: no copy, no NUL, no newline. A slice is valid until the
 * next call to fg_lines_next() or fg_lines_close().
 *
 * Lines may be of any length (the buffer grows to hold the longest one).
 * A final line without a newline is still a line. A carriage return just
 * before the newline (CRLF) is removed. Line numbers count from 1.
 */
#ifndef FG_LINEIO_H
#define FG_LINEIO_H

#include <stddef.h>

#include "fg/error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct fg_lines;

/* The name fg_lines_open() gives standard input in diagnostics. */
#define FG_LINES_STDIN_NAME "<stdin>"

/*
 * Opens path for reading, or standard input when path is NULL or "-".
 * Returns a new reader (free with fg_lines_close) or NULL with d filled
 * (FG_EIO, the message says why). The path string is borrowed for
 * diagnostics and must outlive the reader.
 */
struct fg_lines *fg_lines_open(const char *path, struct fg_diag *d);

/* A reader over an open descriptor, which fg_lines_close() won't close. */
struct fg_lines *fg_lines_from_fd(int fd, const char *name);

/* A reader over n bytes at p (borrowed; they must outlive the reader). */
struct fg_lines *fg_lines_from_mem(const void *p, size_t n, const char *name);

/*
 * Reads the next line into *p and *n. Returns 1 for a line, 0 at end of
 * input, or FG_EIO with d filled if reading failed.
 */
int fg_lines_next(struct fg_lines *l, const char **p, size_t *n,
		  struct fg_diag *d);

/* The number of the line last returned (0 before the first). */
unsigned long fg_lines_lineno(const struct fg_lines *l);
/* The name given at open ("<stdin>" for standard input). */
const char *fg_lines_name(const struct fg_lines *l);
/* Total bytes read so far. */
unsigned long long fg_lines_bytes(const struct fg_lines *l);

/*
 * Has fn(ctx, l) called after every chunk read from a file or a
 * descriptor (not for a memory reader), for progress reports: it may
 * call fg_lines_bytes() and fg_lines_lineno(). fn NULL turns it off.
 */
typedef void (*fg_lines_progress_fn)(void *ctx, const struct fg_lines *l);
void fg_lines_set_progress(struct fg_lines *l, fg_lines_progress_fn fn,
			   void *ctx);

/*
 * Progress of the readers that read a whole file at once instead of line
 * by line (the Scalene and speedscope/Chrome JSON readers): a hook for
 * the whole process, as fg_set_oom_handler is. fg_read_progress_set()
 * sets fn (NULL: none) and starts the count at 0; those readers call
 * fg_read_progress() after each read with the bytes it returned, and fn
 * gets the bytes read since the hook was set.
 */
typedef void (*fg_read_progress_fn)(void *ctx, unsigned long long bytes);
void fg_read_progress_set(fg_read_progress_fn fn, void *ctx);
void fg_read_progress(size_t n);

/* Closes the file (not a descriptor it was given) and frees l. */
void fg_lines_close(struct fg_lines *l);

#ifdef __cplusplus
}
#endif
#endif /* FG_LINEIO_H */
