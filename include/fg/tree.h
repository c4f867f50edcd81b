/*
 * tree.h - the flame tree: a stack table merged into frames.
 *
 * Every distinct path from the root ("all") to a frame is one node. A
 * node's width is the sum of the width counts of every stack that passes
 * through it (inclusive); its self count is the part of that from stacks
 * that end at it. For a differential table (two count columns, "before
 * after") each node also carries its inclusive before and after sums, so
 * a parent's change is the change of everything under it.
 *
 * Counts are exact (count.h). Nodes narrower than opts.min_count are
 * never made: their counts stay part of their parent's width (not of its
 * self count), and the tree holds only what can be drawn, which is what
 * makes huge profiles cheap.
 *
 * Siblings are in the order asked for:
 *   FG_TREE_SORT_ALPHA   by name, bytewise (flamegraph.pl's order); a
 *                        frame's self part lies left of its children;
 *   FG_TREE_SORT_WEIGHT  widest first (ties by name), packed from the left;
 *   FG_TREE_SORT_INPUT   stacks taken in table order (the order they were
 *                        first read), and only neighbouring stacks merge:
 *                        a flame chart (--flamechart, --no-sort).
 *
 * Node 0 is the root; every node comes after its parent. The tree borrows
 * nothing from the table once built, except the frame ids' symtab.
 */
#ifndef FG_TREE_H
#define FG_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fg/count.h"
#include "fg/error.h"
#include "fg/stacks.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FG_TREE_NONE UINT32_MAX

struct fg_tree_node {
	uint32_t name;		/* frame id in the symtab; FG_TREE_NONE: root */
	uint32_t parent;	/* FG_TREE_NONE for the root */
	uint32_t first_child;	/* FG_TREE_NONE if none */
	uint32_t next_sibling;	/* FG_TREE_NONE if none */
	uint32_t depth;		/* 0 for the root */
	struct fg_count x;	/* start, in width counts, from the root's left */
	struct fg_count width;	/* inclusive width count */
	struct fg_count self;	/* width count of the stacks that end here */
	struct fg_count before;	/* differential: inclusive first column */
	struct fg_count after;	/* differential: inclusive second column */
};

enum fg_tree_sort {
	FG_TREE_SORT_ALPHA = 0,
	FG_TREE_SORT_WEIGHT,
	FG_TREE_SORT_INPUT
};

/* Which count of a differential table sets the widths. */
enum fg_tree_width {
	FG_TREE_WIDTH_AFTER = 0,	/* the second column (the default) */
	FG_TREE_WIDTH_BEFORE,		/* the first column */
	FG_TREE_WIDTH_MAX		/* per stack, the larger of the two */
};

struct fg_tree_opts {
	enum fg_tree_sort sort;
	enum fg_tree_width width;	/* ignored for one-column tables */
	double min_count;	/* nodes narrower than this are not made */
	bool one_col;		/* use only the first column of the table */
	unsigned jobs;		/* threads to build with (1: the caller's only) */
	/*
	 * 0, or the most stacks a range may hold for a thread to build it
	 * alone (tests set it to make small tables use several threads).
	 */
	size_t task_items;
};

#define FG_TREE_OPTS_INIT \
	{ FG_TREE_SORT_ALPHA, FG_TREE_WIDTH_AFTER, 0.0, false, 1, 0 }

struct fg_tree;

/*
 * Builds the tree of every stack in s. Stacks with a zero width count add
 * nothing to the widths (in a differential table they still add to
 * before/after of the frames drawn). Returns NULL with d filled
 * (FG_ERANGE) if a sum overflows; *status (if not NULL) gets the code.
 */
struct fg_tree *fg_tree_build(const struct fg_stacks *s,
			      const struct fg_tree_opts *opts, int *status,
			      struct fg_diag *d);
void fg_tree_free(struct fg_tree *t);

size_t fg_tree_count(const struct fg_tree *t);
const struct fg_tree_node *fg_tree_node(const struct fg_tree *t, uint32_t i);
/* The deepest node's depth. */
uint32_t fg_tree_max_depth(const struct fg_tree *t);
/* True when built from a two-column (differential) table. */
bool fg_tree_is_diff(const struct fg_tree *t);
struct fg_symtab *fg_tree_symtab(const struct fg_tree *t);
/* Largest inclusive |after - before| over the nodes but the root. */
double fg_tree_max_delta(const struct fg_tree *t);
/*
 * How many frames were not made for being narrower than min_count (not
 * counting the frames beneath them, which were never looked at).
 */
size_t fg_tree_pruned(const struct fg_tree *t);

/*
 * Stack rewrites done before the tree is built; each returns a new table
 * on the same symtab (caller frees), or NULL with d filled (FG_ERANGE).
 *
 * reverse: each stack's frames in reverse order (leaf first: --reverse).
 * base, nbase: keep only the stacks that hold one of these frame ids, cut
 *   so that the first (outermost) such frame becomes the bottom frame
 *   (inferno's --base); stacks made equal by the cut merge.
 * chain: frames after a "--" frame get "_[w]" appended (waker frames of
 *   flamegraph.pl's chain graphs); new names are interned in the symtab.
 */
struct fg_tree_rewrite {
	bool reverse;
	const uint32_t *base;
	size_t nbase;
	bool chain;
};

struct fg_stacks *fg_tree_rewrite(const struct fg_stacks *s,
				  const struct fg_tree_rewrite *rw,
				  struct fg_diag *d);

#ifdef __cplusplus
}
#endif
#endif /* FG_TREE_H */
