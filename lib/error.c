/*
 * error.c - status strings, diagnostics, and allocation that never fails.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fg/error.h"
#include "internal.h"

const char *
fg_strerror(int status)
{
	switch (status) {
	case FG_OK:
		return "success";
	case FG_ENOMEM:
		return "out of memory";
	case FG_EIO:
		return "input/output error";
	case FG_EPARSE:
		return "malformed input";
	case FG_ERANGE:
		return "number out of range";
	case FG_EFORMAT:
		return "unexpected input format";
	case FG_EDEP:
		return "library failure";
	case FG_EINVAL:
		return "invalid argument";
	}
	return "unknown error";
}

void
fg_diag_clear(struct fg_diag *d)
{
	if (d == NULL)
		return;
	d->file = NULL;
	d->line = 0;
	d->col = 0;
	d->msg[0] = '\0';
}

/*
 * vsnprintf cuts at a byte count. If that split a UTF-8 sequence at the
 * end of s, drop the incomplete sequence so the message stays valid text.
 */
static void
cut_utf8_tail(char *s)
{
	size_t len = strlen(s), start = len, need;
	unsigned char lead;

	while (start > 0 && len - start < 4 &&
	       ((unsigned char)s[start - 1] & 0xc0) == 0x80)
		start--;
	if (start == 0)
		return;
	lead = (unsigned char)s[start - 1];
	if (lead < 0xc0)
		return;		/* ASCII or a stray continuation byte */
	need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
	if (len - (start - 1) < need)
		s[start - 1] = '\0';
}

void
fg_diag_set(struct fg_diag *d, const char *file, unsigned long line,
	    unsigned long col, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (d == NULL)
		return;
	d->file = file;
	d->line = line;
	d->col = col;
	va_start(ap, fmt);
	r = vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	if (r >= (int)sizeof(d->msg))
		cut_utf8_tail(d->msg);
}

void
fg_diag_quote(char *buf, size_t bufsz, const char *s, size_t n, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = strlen(buf), i;

	/* Leave room for the closing quote, "..." and the NUL. */
	if (bufsz < o + 6)
		return;
	buf[o++] = '\'';
	for (i = 0; i < n && i < max; i++) {
		unsigned char c = (unsigned char)s[i];

		if (o + 4 + 5 >= bufsz)
			break;
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	buf[o++] = '\'';
	if (i < n) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
}

static void (*oom_handler)(void);

void
fg_set_oom_handler(void (*handler)(void))
{
	oom_handler = handler;
}

static void
oom(void)
{
	static const char msg[] = "out of memory\n";

	if (oom_handler != NULL)
		oom_handler();
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		abort();
	abort();
}

void *
fg_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
fg_xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	p = calloc(nmemb, size);
	if (p == NULL)
		oom();
	return p;
}

void *
fg_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom();
	return q;
}

void *
fg_xreallocarray(void *p, size_t nmemb, size_t size)
{
	size_t n;

	if (__builtin_mul_overflow(nmemb, size, &n))
		oom();
	return fg_xrealloc(p, n);
}
