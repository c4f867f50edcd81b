/*
 * arena.c - a block arena: many small allocations, one free.
 */
#define _DEFAULT_SOURCE		/* madvise */
#include <sys/mman.h>

#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "fg/arena.h"
#include "fg/error.h"
#include "internal.h"

/*
 * Blocks double from ARENA_FIRST to ARENA_MAX bytes. From ARENA_HUGE on
 * (as every fg_xbig array) they are aligned to it and advised as
 * transparent huge pages where the system has them: a big table's
 * frames are tens of megabytes written once each, which would
 * otherwise fault in 4 KiB at a time.
 */
#define ARENA_FIRST ((size_t)64 << 10)
#define ARENA_HUGE ((size_t)2 << 20)
#define ARENA_MAX ((size_t)8 << 20)

struct fg_arena_block {
	struct fg_arena_block *next;
	size_t size;
	size_t used;
	alignas(max_align_t) unsigned char data[];
};

void *
fg_xbig(size_t nmemb, size_t size)
{
	size_t n;
	void *m;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if (__builtin_mul_overflow(nmemb, size, &n))
		fg_xmalloc(SIZE_MAX);	/* reports running out */
	if (n < ARENA_HUGE)
		return fg_xmalloc(n);
	if (posix_memalign(&m, ARENA_HUGE, n) != 0)
		fg_xmalloc(SIZE_MAX);
#ifdef MADV_HUGEPAGE
	(void)madvise(m, n, MADV_HUGEPAGE);
#endif
	return m;
}

void
fg_arena_init(struct fg_arena *a)
{
	a->head = NULL;
	a->next_size = ARENA_FIRST;
	a->used = 0;
}

void
fg_arena_release(struct fg_arena *a)
{
	struct fg_arena_block *b = a->head, *next;

	while (b != NULL) {
		next = b->next;
		free(b);
		b = next;
	}
	fg_arena_init(a);
}

void
fg_arena_adopt(struct fg_arena *dst, struct fg_arena *src)
{
	struct fg_arena_block *last = src->head;

	if (last == NULL)
		return;
	while (last->next != NULL)
		last = last->next;
	/* behind dst's head, whose free space stays in use */
	if (dst->head != NULL) {
		last->next = dst->head->next;
		dst->head->next = src->head;
	} else {
		dst->head = src->head;
		dst->next_size = src->next_size;
	}
	dst->used += src->used;
	fg_arena_init(src);
}

static void *
arena_alloc(struct fg_arena *a, size_t n, size_t align)
{
	struct fg_arena_block *b = a->head;
	size_t off, size;

	if (a->next_size == 0)
		a->next_size = ARENA_FIRST;
	if (b != NULL) {
		off = (b->used + align - 1) & ~(align - 1);
		if (off <= b->size && b->size - off >= n) {
			b->used = off + n;
			a->used += n;
			return b->data + off;
		}
	}
	if (n > a->next_size / 4) {
		/*
		 * A large request gets a block of its own, put behind the
		 * head so the head's free space is not thrown away.
		 */
		if (n > SIZE_MAX - sizeof(*b))
			fg_xmalloc(SIZE_MAX);
		b = fg_xmalloc(sizeof(*b) + n);
		b->size = b->used = n;
		if (a->head != NULL) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = NULL;
			a->head = b;
		}
		a->used += n;
		return b->data;
	}
	size = a->next_size;
	if (a->next_size < ARENA_MAX)
		a->next_size *= 2;
	if (size >= ARENA_HUGE)
		size -= sizeof(*b);	/* the block fills its huge pages */
	b = fg_xbig(1, sizeof(*b) + size);
	b->size = size;
	b->used = n;
	b->next = a->head;
	a->head = b;
	a->used += n;
	return b->data;
}

void *
fg_arena_alloc(struct fg_arena *a, size_t n)
{
	return arena_alloc(a, n, alignof(max_align_t));
}

void *
fg_arena_alloc4(struct fg_arena *a, size_t n)
{
	return arena_alloc(a, n, 4);
}

char *
fg_arena_strndup(struct fg_arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1, 1);

	if (n > 0)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}
