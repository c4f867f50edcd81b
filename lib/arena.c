/*
 * arena.c - a block arena: many small allocations, one free.
 */
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "fg/arena.h"
#include "fg/error.h"
#include "internal.h"

#define ARENA_FIRST (64u * 1024)
#define ARENA_MAX (1024u * 1024)

struct fg_arena_block {
	struct fg_arena_block *next;
	size_t size;
	size_t used;
	alignas(max_align_t) unsigned char data[];
};

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
	b = fg_xmalloc(sizeof(*b) + size);
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
