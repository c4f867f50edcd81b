/*
 * arena.h - a block arena for many small objects that live and die
 * together.
 *
 * Memory comes from a chain of blocks (64 KiB first, doubling up to
 * 1 MiB; a larger request gets a block of its own). There is no per-object
 * free: fg_arena_release() frees everything at once. This is the
 * ownership rule of the whole library: an object owns everything
 * allocated from its arena, and pointers into it are borrowed until that
 * object is freed.
 */
#ifndef FG_ARENA_H
#define FG_ARENA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fg_arena_block;

struct fg_arena {
	struct fg_arena_block *head;	/* private */
	size_t next_size;		/* private */
	size_t used;			/* bytes handed out, for statistics */
};

#define FG_ARENA_INIT { NULL, 0, 0 }

void fg_arena_init(struct fg_arena *a);
/* Frees every block; a is ready for reuse as after fg_arena_init(). */
void fg_arena_release(struct fg_arena *a);

/*
 * Returns n bytes aligned for any object type (max_align_t), valid until
 * fg_arena_release(). Never NULL (out of memory aborts, see error.h).
 */
void *fg_arena_alloc(struct fg_arena *a, size_t n);
/* As fg_arena_alloc, aligned to 4 bytes only: for uint32_t arrays. */
void *fg_arena_alloc4(struct fg_arena *a, size_t n);
/* Copies n bytes of s and adds a NUL; s may contain NULs. */
char *fg_arena_strndup(struct fg_arena *a, const char *s, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* FG_ARENA_H */
