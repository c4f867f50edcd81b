/*
 * stacks.h - the stack table: unique stack -> count(s).
 *
 * A stack is an array of frame ids (see intern.h), root first. The table
 * keeps each distinct stack once, with ncols counts (1 for a profile, 2
 * for a differential "before after" pair). Adding a stack that is already
 * there adds to its count, so a table is the merge of everything put in.
 *
 * Stacks are numbered 0 .. fg_stacks_count() - 1 in the order they were
 * first added; those indexes are stable for the life of the table.
 * Pointers returned here are borrowed, valid until the next add or
 * fg_stacks_free().
 *
 * Sorted order is the order of the stacks' folded text
 * ("frame;frame;...;leaf") compared bytewise, a stack sorting before any
 * longer stack it is a prefix of: the order of Perl's sort on the stack
 * strings and of LC_ALL=C sort(1) on the stack field.
 */
#ifndef FG_STACKS_H
#define FG_STACKS_H

#include <stddef.h>
#include <stdint.h>

#include "fg/count.h"
#include "fg/intern.h"

#ifdef __cplusplus
extern "C" {
#endif

struct fg_stacks;

#define FG_STACKS_MAX_COLS 2

/*
 * Returns a new, empty table whose frame ids come from syms (borrowed: it
 * must outlive the table), with ncols counts per stack (1 or 2). Returns
 * NULL if ncols is out of range.
 */
struct fg_stacks *fg_stacks_new(struct fg_symtab *syms, unsigned ncols);
void fg_stacks_free(struct fg_stacks *s);

struct fg_symtab *fg_stacks_symtab(const struct fg_stacks *s);
unsigned fg_stacks_ncols(const struct fg_stacks *s);
/* The number of distinct stacks. */
size_t fg_stacks_count(const struct fg_stacks *s);

/*
 * Adds c to column col of the stack ids[0 .. n-1], inserting the stack
 * with zero counts first if it is new. n may be 0 (the empty stack).
 * If idx is not NULL it receives the stack's index.
 * Returns FG_OK, FG_ERANGE if the count would overflow (the table is left
 * unchanged but for the insertion), or FG_EINVAL if col is out of range.
 */
int fg_stacks_add(struct fg_stacks *s, const uint32_t *ids, size_t n,
		  unsigned col, const struct fg_count *c, size_t *idx);

/* Returns the index of a stack, or SIZE_MAX if absent. */
size_t fg_stacks_find(const struct fg_stacks *s, const uint32_t *ids,
		      size_t n);

/* The frames of stack idx (borrowed) and their number in *n. */
const uint32_t *fg_stacks_frames(const struct fg_stacks *s, size_t idx,
				 size_t *n);
/* The ncols counts of stack idx (borrowed; writable through _mut). */
const struct fg_count *fg_stacks_counts(const struct fg_stacks *s,
					size_t idx);
struct fg_count *fg_stacks_counts_mut(struct fg_stacks *s, size_t idx);

/*
 * Adds every stack of src, column src_col, into dst, column dst_col, in
 * src's order (stacks new to dst are appended in that order). The tables
 * may have different symtabs (say, filled on different threads): the
 * names src's stacks use are then interned into dst's symtab. Returns
 * FG_OK, FG_EINVAL (a column out of range) or FG_ERANGE (a count
 * overflowed; dst then holds part of src).
 */
int fg_stacks_merge(struct fg_stacks *dst, unsigned dst_col,
		    const struct fg_stacks *src, unsigned src_col);

/*
 * Sums column col into *total. Returns FG_OK or FG_ERANGE if the sum
 * does not fit (then *total is not meaningful).
 */
int fg_stacks_total(const struct fg_stacks *s, unsigned col,
		    struct fg_count *total);

/*
 * Returns a new array (caller frees with free) of the fg_stacks_count()
 * stack indexes in sorted order (see the top of this file).
 */
uint32_t *fg_stacks_sorted(const struct fg_stacks *s);
/* The same, sorted on up to jobs threads for a large table. */
uint32_t *fg_stacks_sorted_jobs(const struct fg_stacks *s, unsigned jobs);

/*
 * The indexes of all stacks ordered by their frames' ranks, frame by
 * frame, a stack before every longer one it is a prefix of: rank gives
 * each symtab id its place, as a name order would. rank must be a
 * permutation of 0 .. fg_symtab_count() - 1 (else NULL is returned). The
 * caller frees the array. The _jobs form sorts on up to jobs threads.
 */
uint32_t *fg_stacks_sorted_by_rank(const struct fg_stacks *s,
				   const uint32_t *rank);
uint32_t *fg_stacks_sorted_by_rank_jobs(const struct fg_stacks *s,
					const uint32_t *rank, unsigned jobs);

/* Compares two stacks of the table in sorted order: <0, 0 or >0. */
int fg_stacks_cmp(const struct fg_stacks *s, size_t a, size_t b);

/* Bytes of memory held, for benchmarks. */
size_t fg_stacks_bytes(const struct fg_stacks *s);

#ifdef __cplusplus
}
#endif
#endif /* FG_STACKS_H */
