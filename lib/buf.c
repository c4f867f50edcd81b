/*
 * buf.c - a growable byte buffer, always NUL-terminated.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg/buf.h"
#include "fg/error.h"
#include "internal.h"

char fg_buf_empty[1];

void
fg_buf_init(struct fg_buf *b)
{
	b->buf = fg_buf_empty;
	b->len = 0;
	b->alloc = 0;
}

void
fg_buf_release(struct fg_buf *b)
{
	if (b->alloc)
		free(b->buf);
	fg_buf_init(b);
}

void
fg_buf_grow(struct fg_buf *b, size_t extra)
{
	size_t want;

	if (__builtin_add_overflow(b->len, extra, &want) ||
	    __builtin_add_overflow(want, 1, &want))
		fg_xmalloc(SIZE_MAX);	/* reports out of memory */
	if (want <= b->alloc)
		return;
	if (want < b->alloc * 2)
		want = b->alloc * 2;
	if (want < 64)
		want = 64;
	if (b->alloc == 0) {
		b->buf = fg_xmalloc(want);
		b->buf[0] = '\0';
	} else {
		b->buf = fg_xrealloc(b->buf, want);
	}
	b->alloc = want;
}

void
fg_buf_reset(struct fg_buf *b)
{
	b->len = 0;
	if (b->alloc)
		b->buf[0] = '\0';
}

void
fg_buf_add(struct fg_buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	fg_buf_grow(b, n);
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

void
fg_buf_addc(struct fg_buf *b, char c)
{
	fg_buf_grow(b, 1);
	b->buf[b->len++] = c;
	b->buf[b->len] = '\0';
}

void
fg_buf_adds(struct fg_buf *b, const char *s)
{
	fg_buf_add(b, s, strlen(s));
}

void
fg_buf_addf(struct fg_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	fg_buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}
