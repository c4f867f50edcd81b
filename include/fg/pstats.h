/*
 * pstats.h - Python profile files (cProfile and profile .pstats) to
 * folded stacks.
 *
 * A .pstats file is a marshalled dict (marshal.h):
 *
 *     { (file, line, name): (cc, nc, tt, ct, callers) }
 *     callers = { (file, line, name): (nc, cc, tt, ct) }    cProfile
 *             | { (file, line, name): calls }               profile
 *
 * It holds per-function and per-edge totals, not call paths. fg_pstats
 * merges any number of files (as pstats.Stats(a, b) does) and rebuilds
 * folded stacks from the edges so that:
 *
 *   1. the output total is the sum of every function's tt;
 *   2. each function's self time in the output is its tt;
 *   3. the time of each caller->callee edge between functions in different
 *      strongly connected components (SCCs) of the call graph is kept;
 *   4. recursion terminates: an SCC is expanded once per context, its
 *      members placed on a breadth-first spanning tree from the member
 *      that was called.
 *
 * A function reached from several contexts has its time split among them
 * in proportion to the time each context passes in; everything below such
 * a split is an estimate (see FG_PSTATS_MARK_SUFFIX). The contexts an
 * edge opens that are each smaller than FG_PSTATS_MERGE_FRACTION of the
 * total are merged into one (this keeps 1, 2 and 4, and 3 for that edge;
 * edges above the merged context can move by the merged time). Contexts smaller than opts.min_fraction of the
 * total are not expanded: their time is added to their caller's self
 * time, which keeps 1 and shifts 2 by that amount.
 * Section 6 of docs/formats/pstats.md describes the method.
 */
#ifndef FG_PSTATS_H
#define FG_PSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fg/count.h"
#include "fg/error.h"
#include "fg/stacks.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The contexts one edge opens that are each below this fraction of the
 * total are merged into one, placed where the largest of them was.
 */
#define FG_PSTATS_MERGE_FRACTION 1e-7

/*
 * The most frames the rebuilt stacks may hold (by default): past it,
 * the expansion starts again with a merge fraction ten times higher.
 */
#define FG_PSTATS_MAX_FRAMES ((size_t)1 << 22)

/* Appended to frames whose placement was estimated, with mark_guessed. */
#define FG_PSTATS_MARK_SUFFIX "_[?]"

/* The frame that holds the self time of profile's fake root frames. */
#define FG_PSTATS_PROFILE_FRAME "<profile>"

struct fg_pstats;

/* What reading one file found. */
struct fg_pstats_read {
	size_t entries;		/* functions read (before merging) */
	size_t edges;		/* caller entries read */
	size_t count_edges;	/* of which profile-style call counts */
	size_t bad;		/* malformed entries skipped */
	struct fg_diag first_bad;	/* where the first was, and why */
	bool flag_ref;		/* marshal version 3 or later */
	bool v5;		/* a version 5 object was seen */
};

struct fg_pstats *fg_pstats_new(void);
void fg_pstats_free(struct fg_pstats *ps);

/*
 * Decodes the pstats file in buf[0 .. n-1] and merges it into ps. name
 * is used in diagnostics (borrowed: it must outlive ps). A malformed
 * entry (a key, value or caller of the wrong shape, or a negative or
 * non-finite time) is skipped and counted in st, or is fatal (FG_EPARSE)
 * with strict. Returns FG_OK; FG_EPARSE with d filled ("byte N: ...") for
 * a corrupt stream; FG_EFORMAT if the object is not a dict of profile
 * entries.
 */
int fg_pstats_add(struct fg_pstats *ps, const void *buf, size_t n,
		  const char *name, bool strict, struct fg_pstats_read *st,
		  struct fg_diag *d);

enum fg_pstats_path {
	FG_PSTATS_PATH_BASE,	/* the file's base name (the default) */
	FG_PSTATS_PATH_FULL,	/* as recorded */
	FG_PSTATS_PATH_RELATIVE	/* relative to opts.relative_dir */
};

enum fg_pstats_unit {
	FG_PSTATS_NS,		/* integer nanoseconds */
	FG_PSTATS_US,		/* integer microseconds (the default) */
	FG_PSTATS_MS,		/* milliseconds, 3 decimals */
	FG_PSTATS_S		/* seconds, 6 decimals */
};

struct fg_pstats_opts {
	enum fg_pstats_path path;
	const char *relative_dir;	/* for FG_PSTATS_PATH_RELATIVE */
	bool no_lines;		/* "name (file)": merge entries by line */
	bool mark_guessed;	/* append FG_PSTATS_MARK_SUFFIX */
	enum fg_pstats_unit unit;
	double min_fraction;	/* 0 .. 1: prune smaller contexts */
	size_t max_frames;	/* 0: FG_PSTATS_MAX_FRAMES */
};

#define FG_PSTATS_OPTS_INIT \
	{ FG_PSTATS_PATH_BASE, NULL, false, false, FG_PSTATS_US, 0, 0 }

struct fg_pstats_result {
	size_t functions;	/* distinct functions (fake frames included) */
	size_t edges;		/* distinct caller->callee edges */
	size_t sccs;		/* strongly connected components */
	size_t recursive;	/* SCCs of more than one function */
	size_t roots;		/* SCCs expanded as roots */
	size_t contexts;	/* SCC expansions */
	size_t pruned;		/* contexts folded into their caller */
	size_t guessed;		/* expansions with an estimated share */
	bool estimated_edges;	/* profile-module edges split by calls */
	size_t merged;		/* contexts merged into a pending one */
	double merge_fraction;	/* the merge fraction used */
	bool raised;		/* raised to stay under max_frames */
	double total;		/* sum of tt, in the files' unit */
	struct fg_count out_total;	/* what was added to the stacks */
};

/*
 * Rebuilds the stacks of everything added so far into column 0 of out
 * (whose frame names are interned in its symtab), in opts->unit.
 * Returns FG_OK; FG_ERANGE if the total does not fit 64 bits in that
 * unit; FG_EINVAL for bad options.
 */
int fg_pstats_collapse(struct fg_pstats *ps, const struct fg_pstats_opts *o,
		       struct fg_stacks *out, struct fg_pstats_result *res,
		       struct fg_diag *d);

/* One function, as merged from the files. */
struct fg_pstats_func {
	const char *file, *name;	/* NUL-terminated */
	size_t file_len, name_len;
	int64_t line;
	double cc, nc, tt, ct;
	bool fake;		/* ('profile', 0, ...): profile's own frames */
	/* after fg_pstats_collapse: the frame id, or UINT32_MAX if none */
	uint32_t frame;
	/* after fg_pstats_collapse: its SCC, UINT32_MAX for a fake frame */
	uint32_t scc;
};

/* The number of functions; fg_pstats_func() fills *f for 0 .. n-1. */
size_t fg_pstats_count(const struct fg_pstats *ps);
void fg_pstats_func(const struct fg_pstats *ps, size_t i,
		    struct fg_pstats_func *f);

/* One caller->callee edge, as merged from the files. */
struct fg_pstats_edge {
	size_t caller, callee;	/* function indexes */
	double nc, cc, tt, ct;
	bool counts;		/* profile module: nc is all there is */
};

/* The number of edges; fg_pstats_edge() fills *e for 0 .. n-1. */
size_t fg_pstats_edge_count(const struct fg_pstats *ps);
void fg_pstats_edge(const struct fg_pstats *ps, size_t i,
		    struct fg_pstats_edge *e);

#ifdef __cplusplus
}
#endif
#endif /* FG_PSTATS_H */
