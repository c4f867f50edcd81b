/*
 * buf.h - a growable byte buffer.
 *
 * Invariants (as git's strbuf): buf is never NULL and always has a NUL
 * byte at buf[len], so it can be used as a C string when it holds no NUL
 * of its own. alloc is private. Initialise with FG_BUF_INIT or
 * fg_buf_init(); free with fg_buf_release().
 */
#ifndef FG_BUF_H
#define FG_BUF_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fg_buf {
	char *buf;
	size_t len;
	size_t alloc;
};

extern char fg_buf_empty[];
#define FG_BUF_INIT { fg_buf_empty, 0, 0 }

void fg_buf_init(struct fg_buf *b);
/* Frees the contents and leaves b as after fg_buf_init(). */
void fg_buf_release(struct fg_buf *b);
/* Makes room for at least extra more bytes (plus the NUL). */
void fg_buf_grow(struct fg_buf *b, size_t extra);
/* Sets len to 0, keeping the allocation. */
void fg_buf_reset(struct fg_buf *b);
void fg_buf_add(struct fg_buf *b, const void *p, size_t n);
void fg_buf_addc(struct fg_buf *b, char c);
void fg_buf_adds(struct fg_buf *b, const char *s);
void fg_buf_addf(struct fg_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif
#endif /* FG_BUF_H */
