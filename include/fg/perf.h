/*
 * perf.h - `perf script` text to folded stacks.
 *
 * A parser reads perf script output line by line (header lines, frame
 * lines, srcline lines, side-band PERF_RECORD_* lines, comments) and adds
 * one stack per sample of the chosen event to a stack table, root first:
 * the comm (optionally with pid/tid), then the callchain reversed. Frame
 * names are interned once in the table's symtab; a frame line seen before
 * costs one hash lookup.
 *
 * Headers are parsed from the timestamp outwards, so comm names with
 * spaces and number-only words ("pool 7") are kept whole; see
 * stackcollapse-perf(1) for every rule, and for where the result differs
 * from FlameGraph's stackcollapse-perf.pl.
 *
 * Two drivers sit on the line parser: fg_perf_collapse() for a stream
 * (standard input, a pipe), and fg_perf_collapse_mem() for a buffer (an
 * mmapped regular file), which can split the buffer at record boundaries
 * across threads, each with its own tables, and merges the results; its
 * output is the same as with one thread.
 */
#ifndef FG_PERF_H
#define FG_PERF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fg/count.h"
#include "fg/error.h"
#include "fg/lineio.h"
#include "fg/pyframe.h"
#include "fg/stacks.h"

#ifdef __cplusplus
extern "C" {
#endif

enum fg_perf_flags {
	FG_PERF_PID = 1 << 0,		/* root frame comm-PID */
	FG_PERF_TID = 1 << 1,		/* root frame comm-PID/TID */
	FG_PERF_KERNEL = 1 << 2,	/* kernel frames get _[k] */
	FG_PERF_JIT = 1 << 3,		/* perf-PID.map / jitted-*.so get _[j] */
	FG_PERF_ADDRS = 1 << 4,		/* unknown symbols show their address */
	FG_PERF_COUNT_SAMPLES = 1 << 5,	/* weight 1 per sample, not period */
	FG_PERF_INLINE = 1 << 6,	/* perf's inlined frames get _[i] */
	FG_PERF_CONTEXT = 1 << 7,	/* inlined frames get :file:line */
	FG_PERF_SRCLINE = 1 << 8,	/* every frame gets :file:line */
	FG_PERF_STRICT = 1 << 9,	/* the first bad line is fatal */
	FG_PERF_NO_TIDY = 1 << 10,	/* keep argument lists and quotes */
	/*
	 * fg_perf_collapse_mem: the buffer is a private read-only mapping
	 * of a file, so pages already parsed may be dropped from memory
	 * (madvise MADV_DONTNEED) to keep the resident set small.
	 */
	FG_PERF_MMAPPED = 1 << 11,
	/* the event filter matches the exact name only (no modifiers) */
	FG_PERF_EVENT_EXACT = 1 << 12
};

struct fg_perf_opts {
	unsigned flags;			/* enum fg_perf_flags */
	/*
	 * The event whose samples are kept (NULL: the first sample event
	 * of the input). A name without ':' also matches that name with
	 * modifiers ("cycles" matches "cycles:u").
	 */
	const char *event;
	/* inferno's --skip-after: a stack starts at the leaf-most of these */
	const char *const *skip_after;
	size_t nskip_after;
	/* the CPython decoder's options, or NULL for none */
	const struct fg_pyframe_opts *py;
	/*
	 * fg_perf_collapse_mem only: called now and then (at most every
	 * 50 ms while the threads work, and every 1 MiB a thread parses)
	 * with the bytes parsed so far, always from the calling thread.
	 * NULL: none.
	 */
	void (*progress)(void *ctx, unsigned long long bytes);
	void *progress_ctx;
};

#define FG_PERF_OPTS_INIT { 0, NULL, NULL, 0, NULL, NULL, NULL }

/*
 * The most distinct events counted by name; more go to one bucket.
 * Events are told apart by length and their first 127 bytes.
 */
#define FG_PERF_MAX_EVENTS 64

struct fg_perf_event_stat {
	char name[128];			/* cut at 127 bytes; may hold NULs */
	size_t len;			/* the whole name's length */
	unsigned long long samples;
	struct fg_count weight;
};

struct fg_perf_stats {
	unsigned long long lines;	/* lines read */
	unsigned long long samples;	/* sample records, every event */
	unsigned long long kept;	/* samples of the chosen event */
	struct fg_count weight;		/* their weight: what the output sums to */
	unsigned long long nocallchain;	/* kept samples without a callchain */
	unsigned long long sideband;	/* PERF_RECORD_* lines */
	unsigned long long lost_records; /* PERF_RECORD_LOST(_SAMPLES) lines */
	unsigned long long lost;	/* samples they say were lost */
	unsigned long long srclines;	/* srcline lines (-F +srcline) */
	unsigned long long py_decoded;	/* stacks with py:: frames decoded */
	unsigned long long py_interp;	/* interpreter frames, no py:: frame */
	unsigned long long bad;		/* lines skipped as unparseable */
	struct fg_diag first_bad;	/* where the first was, and why */
	char event[128];		/* the chosen event ("" if none), cut */
	size_t event_len;		/* its whole length */
	bool event_defaulted;		/* chosen as the first event seen */
	size_t nevents;			/* entries used in events[] */
	struct fg_perf_event_stat events[FG_PERF_MAX_EVENTS + 1];
	unsigned long long other_events; /* samples past the table */
};

struct fg_perf;

/*
 * A parser adding to dst (borrowed; its symtab receives the frame names).
 * name is used in diagnostics (borrowed). Returns NULL with d filled if
 * the options are invalid (a --py-glue pattern that does not compile).
 */
struct fg_perf *fg_perf_new(struct fg_stacks *dst, const char *name,
			    const struct fg_perf_opts *o, struct fg_diag *d);
void fg_perf_free(struct fg_perf *p);

/*
 * Parses one line (without its newline; a trailing CR is ignored).
 * Returns FG_OK, FG_EPARSE (strict mode: a bad line, d filled) or
 * FG_ERANGE (a count overflowed, d filled).
 */
int fg_perf_line(struct fg_perf *p, const char *s, size_t n,
		 struct fg_diag *d);

/* Ends the input: the last record is added. Same returns. */
int fg_perf_finish(struct fg_perf *p, struct fg_diag *d);

/* The statistics so far (borrowed, valid until fg_perf_free). */
const struct fg_perf_stats *fg_perf_stats(const struct fg_perf *p);

/*
 * Reads every line of in (then fg_perf_finish) into dst. st receives the
 * statistics. Returns FG_OK or a negative status with d filled.
 */
int fg_perf_collapse(struct fg_lines *in, struct fg_stacks *dst,
		     const struct fg_perf_opts *o, struct fg_perf_stats *st,
		     struct fg_diag *d);

/*
 * As fg_perf_collapse over the n bytes at buf, split at record
 * boundaries into up to nthreads chunks (0 or 1: one, on this thread),
 * each parsed on its own thread into its own tables and merged in order.
 * The result (stacks, statistics, the first bad line) is the same for
 * any nthreads. Callers should keep chunks to a few MiB or more: a
 * thread costs its own frame caches.
 */
int fg_perf_collapse_mem(const char *buf, size_t n, const char *name,
			 unsigned nthreads, struct fg_stacks *dst,
			 const struct fg_perf_opts *o,
			 struct fg_perf_stats *st, struct fg_diag *d);

/*
 * The first sample event in the n bytes at buf, copied to out (size
 * outsz). Returns true if one was found.
 */
bool fg_perf_first_event(const char *buf, size_t n, char *out, size_t outsz);

#ifdef __cplusplus
}
#endif
#endif /* FG_PERF_H */
