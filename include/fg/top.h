/*
 * top.h - the summary of a profile by function: self and total counts,
 * for topfns(1).
 *
 * A summary is computed from a stack table (stacks.h) of one column (a
 * profile) or two (a differential "before after" profile). Each frame is
 * first mapped to a group key (fg_top_key: the frame itself, its
 * function, file or module), then for every key:
 *
 *   self    the sum of the counts of the stacks whose leaf has that key;
 *   total   the sum of the counts of the stacks that contain the key,
 *           each stack counted once however often the key recurs in it
 *           (pprof's rule: a recursive function is not counted twice);
 *   stacks  the number of distinct table stacks that contain the key.
 *
 * So the self counts add up to the grand total exactly, and a total is
 * never more than the grand total. Counts are exact (count.h).
 *
 * The stack transforms of flamekit-filters(7) are applied to the table
 * before it is summarised (filter.h). An edge pattern selects
 * keys whose callers and callees are collected, with the count along
 * each edge (again counted once per stack).
 *
 * Ownership: the summary owns its rows and names; pointers it returns
 * are borrowed until fg_top_free(). The stack table is only read, and
 * need not outlive fg_top_run().
 */
#ifndef FG_TOP_H
#define FG_TOP_H

#include <stddef.h>
#include <stdint.h>

#include "fg/buf.h"
#include "fg/count.h"
#include "fg/error.h"
#include "fg/stacks.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How frames are grouped into rows. */
enum fg_top_by {
	FG_TOP_BY_FUNCTION = 0,	/* the frame without a Python line number */
	FG_TOP_BY_FILE,		/* the source file, or a native library */
	FG_TOP_BY_MODULE,	/* the top-level Python module, or library */
	FG_TOP_BY_FRAME		/* the whole frame text */
};

/*
 * Writes to out (reset first) the group key of the frame s[0 .. n-1]:
 *
 * - Python frames "name (file:line)" (py-spy, Scalene, pstats) and
 *   "name (file)": function "name (file)", file "file", module the
 *   top-level module of file (the first path component after
 *   site-packages/, dist-packages/ or lib/pythonX.Y/, else of a relative
 *   path; the directory of any other absolute path; "importlib" for
 *   "<frozen importlib._bootstrap>"; ".py" dropped).
 * - perf's CPython trampolines "py::name:file" (with an optional "_[j]"
 *   annotation): function "py::name:file", file "file", module as above.
 * - Native frames: function is the frame text; file and module are
 *   "[kernel]" for a "_[k]" annotation, "[jit]" for "_[j]", the frame
 *   itself when it is a bracketed library such as "[libc.so.6]" or
 *   "[unknown]", and otherwise the frame text (the symbol).
 */
void fg_top_key(enum fg_top_by by, const char *s, size_t n,
		struct fg_buf *out);

/* Returns "function", "file", "module" or "frame". */
const char *fg_top_by_name(enum fg_top_by by);

struct fg_top;

/* Returns a new summary that groups frames by by. */
struct fg_top *fg_top_new(enum fg_top_by by);
void fg_top_free(struct fg_top *t);

/*
 * Collects the callers and callees of every key matching pattern (a
 * pcre2 pattern matched against the key, unanchored). Returns FG_OK, or
 * FG_EINVAL with d filled (the column is the offset of the error in the
 * pattern, from 1) if it does not compile.
 */
int fg_top_set_edges(struct fg_top *t, const char *pattern,
		     struct fg_diag *d);

/*
 * Summarises every stack of s, using its first ncols columns (1 or 2;
 * 0 means all of them). May be called once. Returns FG_OK; FG_ERANGE with d filled if a sum passed the range of a
 * count; FG_EDEP if pcre2 failed; FG_EINVAL if called twice or ncols is
 * more than s has.
 */
int fg_top_run(struct fg_top *t, const struct fg_stacks *s, unsigned ncols,
	       struct fg_diag *d);

struct fg_top_row {
	const char *name;	/* the key, NUL-terminated */
	size_t len;		/* its length (it may hold a NUL) */
	struct fg_count self[FG_STACKS_MAX_COLS];
	struct fg_count total[FG_STACKS_MAX_COLS];
	uint64_t stacks;	/* distinct table stacks containing the key */
};

/* Totals of a run. Every count has one entry per column. */
struct fg_top_stats {
	unsigned ncols;
	struct fg_count grand[FG_STACKS_MAX_COLS];	/* what is summarised */
	uint64_t stacks_in;	/* stacks in the table */
	uint64_t stacks_kept;	/* stacks summarised (those with a frame) */
};

const struct fg_top_stats *fg_top_stats(const struct fg_top *t);

/* The number of rows (distinct keys), and row i of them. */
size_t fg_top_count(const struct fg_top *t);
const struct fg_top_row *fg_top_row(const struct fg_top *t, size_t i);

enum fg_top_sort {
	FG_TOP_SORT_SELF = 0,	/* self (the last column), then total */
	FG_TOP_SORT_TOTAL,	/* total (the last column), then self */
	FG_TOP_SORT_NAME,	/* name, bytewise */
	FG_TOP_SORT_DELTA	/* |after - before| of self, then of total */
};

/*
 * Returns a new array (caller frees with free) of the fg_top_count()
 * row indexes, largest first, ties by name (bytewise, a prefix first).
 * FG_TOP_SORT_DELTA on a one-column summary sorts as FG_TOP_SORT_SELF.
 */
uint32_t *fg_top_sorted(const struct fg_top *t, enum fg_top_sort by);

/*
 * Sets *mag to |b - a| and returns -1, 0 or 1 as b is less than, equal
 * to or greater than a. Exact.
 */
int fg_top_delta(const struct fg_count *a, const struct fg_count *b,
		 struct fg_count *mag);

/* An edge between a matched key and a caller or callee: counts per column. */
struct fg_top_edge {
	uint32_t row;		/* the other end */
	struct fg_count count[FG_STACKS_MAX_COLS];
};

/* The rows (indexes) matching the edge pattern, in row order. */
size_t fg_top_matched(const struct fg_top *t, const uint32_t **rows);

/*
 * The callers (or callees) of matched row number m (an index into
 * fg_top_matched's array), largest count (last column) first, ties by
 * name. A stack counts once per edge however often the edge recurs in
 * it.
 */
const struct fg_top_edge *fg_top_callers(const struct fg_top *t, size_t m,
					 size_t *n);
const struct fg_top_edge *fg_top_callees(const struct fg_top *t, size_t m,
					 size_t *n);

#ifdef __cplusplus
}
#endif

#endif /* FG_TOP_H */
