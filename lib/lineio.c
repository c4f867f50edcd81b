/*
 * lineio.c - a chunked line reader handing out zero-copy slices.
 */
#define _DEFAULT_SOURCE		/* madvise */
#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fg/error.h"
#include "fg/lineio.h"
#include "internal.h"

#define LINES_CHUNK (1024u * 1024)

struct fg_lines {
	int fd;			/* -1 for a memory reader */
	int own_fd;
	const char *name;
	char *buf;		/* NULL for a memory reader */
	const char *data;	/* buf, or the memory given */
	size_t cap, start, end;	/* unread bytes are data[start .. end) */
	size_t nl;		/* a newline fg_lines_ready found, or SIZE_MAX */
	int eof;
	unsigned long lineno;
	unsigned long long bytes;
	fg_lines_progress_fn progress;
	void *progress_ctx;
};

static struct fg_lines *
lines_new(int fd, int own, const char *name)
{
	struct fg_lines *l = fg_xcalloc(1, sizeof(*l));

	l->fd = fd;
	l->own_fd = own;
	l->name = name;
	l->cap = LINES_CHUNK;
	l->nl = SIZE_MAX;
	l->buf = fg_xmalloc(l->cap);
	l->data = l->buf;
	return l;
}

struct fg_lines *
fg_lines_open(const char *path, struct fg_diag *d)
{
	int fd;

	if (path == NULL || strcmp(path, "-") == 0)
		return lines_new(STDIN_FILENO, 0, FG_LINES_STDIN_NAME);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fg_diag_set(d, path, 0, 0, "cannot open '%s': %s", path,
			    strerror(errno));
		return NULL;
	}
	return lines_new(fd, 1, path);
}

struct fg_lines *
fg_lines_from_fd(int fd, const char *name)
{
	return lines_new(fd, 0, name);
}

struct fg_lines *
fg_lines_from_mem(const void *p, size_t n, const char *name)
{
	struct fg_lines *l = fg_xcalloc(1, sizeof(*l));

	l->fd = -1;
	l->nl = SIZE_MAX;
	l->name = name;
	l->data = p;
	l->end = n;
	l->eof = 1;
	l->bytes = n;
	return l;
}

/* Reads more input after what is buffered; returns 0, or FG_EIO. */
static int
fill(struct fg_lines *l, struct fg_diag *d)
{
	ssize_t r;

	if (l->start > 0) {
		memmove(l->buf, l->buf + l->start, l->end - l->start);
		l->end -= l->start;
		l->start = 0;
	}
	if (l->end == l->cap) {
		if (l->cap > SIZE_MAX / 2)
			fg_xmalloc(SIZE_MAX);
		l->cap *= 2;
		l->buf = fg_xrealloc(l->buf, l->cap);
		l->data = l->buf;
	}
	do
		r = read(l->fd, l->buf + l->end, l->cap - l->end);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		fg_diag_set(d, l->name, l->lineno + 1, 0, "read error: %s",
			    strerror(errno));
		return FG_EIO;
	}
	if (r == 0)
		l->eof = 1;
	l->end += (size_t)r;
	l->bytes += (unsigned long long)r;
	if (l->progress != NULL)
		l->progress(l->progress_ctx, l);
	return FG_OK;
}

int
fg_lines_next(struct fg_lines *l, const char **p, size_t *n,
	      struct fg_diag *d)
{
	size_t scanned = 0;
	const char *nl;
	size_t len;

	for (;;) {
		const char *s = l->data + l->start + scanned;

		if (l->nl != SIZE_MAX) {
			nl = l->data + l->nl;
			l->nl = SIZE_MAX;
			break;
		}
		nl = memchr(s, '\n', l->end - l->start - scanned);
		if (nl != NULL)
			break;
		if (l->eof) {
			if (l->start == l->end)
				return 0;
			nl = l->data + l->end;	/* the final unterminated line */
			break;
		}
		scanned = l->end - l->start;
		if (fill(l, d) < 0)
			return FG_EIO;
	}
	*p = l->data + l->start;
	len = (size_t)(nl - *p);
	l->start += len + (nl < l->data + l->end);
	if (len > 0 && (*p)[len - 1] == '\r')
		len--;
	*n = len;
	l->lineno++;
	return 1;
}

int
fg_lines_ready(struct fg_lines *l)
{
	const char *nl;

	if (l->start == l->end)
		return 0;
	if (l->nl != SIZE_MAX)
		return 1;
	nl = memchr(l->data + l->start, '\n', l->end - l->start);
	if (nl != NULL) {
		/* fg_lines_next will not look for it again */
		l->nl = (size_t)(nl - l->data);
		return 1;
	}
	return l->eof;
}

unsigned long
fg_lines_lineno(const struct fg_lines *l)
{
	return l->lineno;
}

const char *
fg_lines_name(const struct fg_lines *l)
{
	return l->name;
}

unsigned long long
fg_lines_bytes(const struct fg_lines *l)
{
	return l->bytes;
}

static fg_read_progress_fn read_progress_fn;
static void *read_progress_ctx;
static unsigned long long read_progress_bytes;

void
fg_read_progress_set(fg_read_progress_fn fn, void *ctx)
{
	read_progress_fn = fn;
	read_progress_ctx = ctx;
	read_progress_bytes = 0;
}

void
fg_read_progress(size_t n)
{
	read_progress_bytes += n;
	if (read_progress_fn != NULL)
		read_progress_fn(read_progress_ctx, read_progress_bytes);
}

void
fg_lines_set_progress(struct fg_lines *l, fg_lines_progress_fn fn, void *ctx)
{
	l->progress = fn;
	l->progress_ctx = ctx;
}

void
fg_lines_close(struct fg_lines *l)
{
	if (l == NULL)
		return;
	if (l->own_fd)
		close(l->fd);
	free(l->buf);
	free(l);
}

int
fg_lines_regular(const struct fg_lines *l, off_t *off, off_t *size)
{
	struct stat sb;

	if (l->fd < 0 || l->bytes > 0 || l->eof || l->start != l->end ||
	    fstat(l->fd, &sb) < 0 || !S_ISREG(sb.st_mode))
		return -1;
	*off = lseek(l->fd, 0, SEEK_CUR);
	if (*off < 0 || *off > sb.st_size)
		return -1;
	*size = sb.st_size;
	return l->fd;
}

const char *
fg_lines_cursor(const struct fg_lines *l)
{
	return l->data + l->start;
}

const char *
fg_lines_limit(const struct fg_lines *l)
{
	return l->data + l->end;
}

void
fg_lines_report(struct fg_lines *l, unsigned long long bytes,
		unsigned long lines)
{
	l->bytes = bytes;
	l->lineno = lines;
	if (l->progress != NULL)
		l->progress(l->progress_ctx, l);
}

void
fg_lines_consumed(struct fg_lines *l, off_t end, unsigned long long bytes,
		  unsigned long lines)
{
	(void)lseek(l->fd, end, SEEK_SET);
	l->start = l->end = 0;
	l->nl = SIZE_MAX;
	l->eof = 1;
	fg_lines_report(l, bytes, lines);
}

int
fg_lines_progress_on(const struct fg_lines *l)
{
	return l->progress != NULL;
}

void
fg_drop_pages(const char *from, const char *to)
{
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = ((uintptr_t)from + pg - 1) & ~(pg - 1);
	uintptr_t b = (uintptr_t)to & ~(pg - 1);

	if (b > a)
		madvise((void *)a, b - a, MADV_DONTNEED);
}
