/*
 * folded.h - the folded stack format, read and written.
 *
 *     frame;frame;...;leaf COUNT
 *     frame;frame;...;leaf COUNT1 COUNT2     (the differential form)
 *
 * A count is the last field after a space or tab; frames may contain
 * spaces. Counts are exact (count.h). Blank lines and lines whose first
 * non-blank byte is '#' are ignored. Spaces and tabs after the last count
 * are dropped; exactly one space or tab separates the stack from its
 * count (and two counts from each other), and every other byte belongs
 * to the stack, as in FlameGraph's scripts: "a;b  5" is the stack "a;b "
 * with count 5. See folded(5) for the whole description.
 */
#ifndef FG_FOLDED_H
#define FG_FOLDED_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fg/count.h"
#include "fg/error.h"
#include "fg/lineio.h"
#include "fg/stacks.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * One parsed line. A line that ends in two numbers can be read both ways:
 * as a one-count line whose leaf frame ends in " N", or as a differential
 * line. Both readings are returned; the reader picks one per file.
 */
struct fg_folded_line {
	const char *stack;	/* borrowed from the input line */
	size_t len1;		/* stack length when read with one count */
	struct fg_count count1;
	unsigned decimals1;
	bool has2;		/* the two-count reading exists */
	size_t len2;		/* stack length when read with two counts */
	struct fg_count count2[2];
	unsigned decimals2;	/* the larger of the two counts' decimals */
};

/*
 * Parses one line (without its newline). out->stack points at the
 * start of the line. Returns 1 for a stack line, 0
 * for a line to ignore (blank or comment), or FG_EPARSE / FG_ERANGE with
 * d->msg and d->col saying what is wrong (d->file and d->line are left to
 * the caller).
 */
int fg_folded_parse_line(const char *p, size_t n, struct fg_folded_line *out,
			 struct fg_diag *d);

/*
 * Splits the stack text s[0..n-1] at ';' and interns each frame, writing
 * the ids to *ids (grown with fg_xrealloc as needed; *cap is its size).
 * Returns the number of frames.
 */
size_t fg_folded_split(struct fg_symtab *syms, const char *s, size_t n,
		       uint32_t **ids, size_t *cap);

/*
 * A frame map: called for each distinct frame id the reader sees, it
 * returns in *out the id to store instead (for example the name with its
 * hexadecimal addresses replaced). Returns FG_OK or a negative status and
 * fills d.
 */
typedef int (*fg_frame_map_fn)(void *ctx, uint32_t id, uint32_t *out,
			       struct fg_diag *d);

enum fg_folded_counts {
	FG_FOLDED_AUTO = 0,	/* decided by the file's first stack line */
	FG_FOLDED_ONE = 1,
	FG_FOLDED_TWO = 2
};

struct fg_folded_opts {
	unsigned col;		/* first table column to add to */
	enum fg_folded_counts counts;
	/*
	 * With FG_FOLDED_AUTO: the most counts per line accepted. A file
	 * whose first line has more fails with FG_EFORMAT.
	 */
	unsigned max_counts;
	bool strict;		/* the first malformed line is fatal */
	fg_frame_map_fn map;	/* optional */
	void *map_ctx;
	/*
	 * Threads to read with (0 and 1: the caller's alone). More are
	 * used only for a regular file read from its start or its current
	 * offset, without a map, in chunks of at least min_chunk bytes
	 * (0: FG_FOLDED_MIN_CHUNK); the result is the same as one thread's.
	 */
	unsigned jobs;
	size_t min_chunk;
};

#define FG_FOLDED_MIN_CHUNK (4u << 20)

#define FG_FOLDED_OPTS_INIT { 0, FG_FOLDED_AUTO, 2, false, NULL, NULL, 1, 0 }

struct fg_folded_stats {
	unsigned long lines;	/* lines read */
	unsigned long stacks;	/* stack lines added */
	unsigned long bad;	/* malformed lines skipped */
	struct fg_diag first_bad;	/* where the first one was, and why */
	unsigned ncounts;	/* counts per line: 1 or 2 (0: no stack line) */
	unsigned decimals;	/* most significant decimals seen in a count */
	struct fg_count total[2];	/* sum of each count column */
	bool total_overflow;	/* a total passed UINT64_MAX (not fatal) */
	unsigned threads;	/* the threads that read the file (jobs) */
};

/*
 * Reads every line of in into dst: the counts of a one-count file go to
 * column opts->col, those of a two-count file to opts->col and the next.
 * Malformed lines are skipped and counted in st (with the first one's
 * location and reason), or are fatal with opts->strict.
 *
 * With opts->jobs > 1 a regular file is mapped and its chunks read on
 * that many threads into tables of their own, merged into dst in file
 * order: the stacks, their order, the frame ids, the stats and any
 * diagnostic are those of reading it on one thread. (in then counts
 * the whole file as read.)
 *
 * Returns FG_OK; FG_EPARSE (strict) with d filled; FG_EFORMAT (the file
 * has more counts than opts allow) with d filled; FG_ERANGE if a stack's
 * count overflowed; FG_EIO; FG_EINVAL if the columns do not fit dst; or
 * what opts->map returned.
 */
int fg_folded_read(struct fg_lines *in, struct fg_stacks *dst,
		   const struct fg_folded_opts *opts,
		   struct fg_folded_stats *st, struct fg_diag *d);

/*
 * Writes every stack of s in sorted order, one line each, with all its
 * count columns: "a;b;c 3" or "a;b;c 3 5". Returns FG_OK or FG_EIO (errno
 * says why) if writing to out failed.
 */
int fg_folded_write(const struct fg_stacks *s, FILE *out);

/*
 * As fg_folded_write, in the order given: order holds every stack index
 * once, as fg_stacks_sorted() returns them.
 */
int fg_folded_write_sorted(const struct fg_stacks *s, const uint32_t *order,
			   FILE *out);
/* The same, the lines formatted on up to jobs threads for a large table. */
int fg_folded_write_sorted_jobs(const struct fg_stacks *s,
				const uint32_t *order, FILE *out,
				unsigned jobs);

#ifdef __cplusplus
}
#endif
#endif /* FG_FOLDED_H */
