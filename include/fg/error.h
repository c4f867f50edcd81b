/*
 * error.h - status codes, diagnostics and the allocation policy of libfg.
 *
 * The library never prints and never exits. A function that can fail
 * returns an int: FG_OK (0) on success or a negative enum fg_status.
 * Where a failure has a location (a file, a line, a column), the caller
 * passes a struct fg_diag and the library fills it, as jansson fills
 * json_error_t.
 *
 * Running out of memory is not an error code: fg_xmalloc() and friends
 * call the handler set with fg_set_oom_handler(), then write
 * "out of memory" to standard error and abort(). These are pipeline
 * tools; threading ENOMEM through every parser would be noise.
 */
#ifndef FG_ERROR_H
#define FG_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum fg_status {
	FG_OK = 0,
	FG_ENOMEM = -1,		/* allocation failed (only where not fatal) */
	FG_EIO = -2,		/* read or write failed; errno-based message */
	FG_EPARSE = -3,		/* malformed input */
	FG_ERANGE = -4,		/* a number does not fit (count overflow) */
	FG_EFORMAT = -5,	/* well-formed, but not the format expected */
	FG_EDEP = -6,		/* libxml2, cairo, pcre2 or jansson failed */
	FG_EINVAL = -7		/* the caller passed an invalid argument */
};

/*
 * Returns a static, lowercase description of status (one of enum
 * fg_status), or "unknown error" for anything else. Never NULL.
 */
const char *fg_strerror(int status);

#define FG_DIAG_MSG_MAX 256

/*
 * Where and what went wrong. file is borrowed from the caller (usually
 * the name given to the line reader); it may be NULL when the problem
 * has no file. line and col count from 1; 0 means unknown.
 */
struct fg_diag {
	const char *file;
	unsigned long line;
	unsigned long col;
	char msg[FG_DIAG_MSG_MAX];
};

#define FG_DIAG_INIT { NULL, 0, 0, { 0 } }

/* Resets d to FG_DIAG_INIT. d may be NULL. */
void fg_diag_clear(struct fg_diag *d);

/*
 * Fills d (which may be NULL: then nothing happens) with a location and a
 * printf-style message. A message longer than FG_DIAG_MSG_MAX - 1 bytes
 * is cut at a character boundary that keeps it valid C text.
 */
void fg_diag_set(struct fg_diag *d, const char *file, unsigned long line,
		 unsigned long col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/*
 * Appends to buf (of size bufsz, always NUL-terminated on return) a quoted,
 * printable rendering of the n bytes at s, at most max bytes of it:
 * 'text', with bytes outside printable ASCII as \xNN and a trailing "..."
 * when cut. Used to quote offending input in messages.
 */
void fg_diag_quote(char *buf, size_t bufsz, const char *s, size_t n,
		   size_t max);

/*
 * Allocation that never returns NULL. On failure the handler set by
 * fg_set_oom_handler (if any) runs, then "out of memory" is written to
 * standard error and the process aborts. fg_xrealloc(NULL, n) is malloc;
 * a request of 0 bytes returns a unique non-NULL pointer.
 */
void *fg_xmalloc(size_t n);
void *fg_xcalloc(size_t nmemb, size_t size);
void *fg_xrealloc(void *p, size_t n);
/* fg_xrealloc for an array; aborts as above if nmemb * size overflows. */
void *fg_xreallocarray(void *p, size_t nmemb, size_t size);

void fg_set_oom_handler(void (*handler)(void));

#ifdef __cplusplus
}
#endif
#endif /* FG_ERROR_H */
