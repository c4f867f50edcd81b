/*
 * scalene.h - Scalene JSON profiles (every version from 1.4 to 2.3) to
 * folded stacks, one metric at a time.
 *
 * A profile is loaded once (jansson) and can then be collapsed several
 * times, with different metrics and sources, into a stack table:
 *
 *   - the line table (every version): one stack per source line,
 *     FILE;FUNCTION;BASENAME:LINE, the function found from the profile's
 *     own function ranges, its embedded source and its functions[] list;
 *   - "stacks" (1.5.26+, four shapes), "combined_stacks" (2.3+: Python
 *     then native frames) and "memory_stacks" (2.3+): sampled call
 *     stacks, frames named "function (file:line)" as py-spy names them.
 *
 * Scalene reports CPU as percentages and memory in MB. Values become
 * integers in the chosen unit so that the total is kept: each stack's
 * value is computed in extended precision, the profile total is that sum
 * rounded to the nearest integer, every stack gets the floor of its
 * value and the units left over go one each to the stacks with the
 * largest fractional parts (ties broken by sorted stack order). The
 * counts then add up to the rounded total exactly and no stack is off by
 * a whole unit. Stacks left with 0 are not added.
 *
 * Behaviour is keyed on the fields present, never on a version string
 * (the JSON has none). Unknown fields are ignored.
 */
#ifndef FG_SCALENE_H
#define FG_SCALENE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fg/error.h"
#include "fg/stacks.h"

#ifdef __cplusplus
extern "C" {
#endif

struct fg_scalene;

enum fg_scalene_metric {
	FG_SCALENE_CPU = 0,	/* python + native + system time */
	FG_SCALENE_PYTHON,	/* n_cpu_percent_python */
	FG_SCALENE_NATIVE,	/* n_cpu_percent_c */
	FG_SCALENE_SYSTEM,	/* n_sys_percent */
	FG_SCALENE_MEMORY,	/* n_malloc_mb: sampled allocation */
	FG_SCALENE_COPY,	/* n_copy_mb_s x elapsed: bytes copied */
	FG_SCALENE_GPU		/* n_gpu_percent as time (see the man page) */
};

enum fg_scalene_source {
	FG_SCALENE_SRC_AUTO = 0,
	FG_SCALENE_SRC_LINES,
	FG_SCALENE_SRC_STACKS,
	FG_SCALENE_SRC_COMBINED,
	FG_SCALENE_SRC_MEMORY_STACKS
};

enum fg_scalene_frames {
	FG_SCALENE_FRAMES_FILE = 0,	/* FILE;FUNCTION;BASENAME:LINE */
	FG_SCALENE_FRAMES_PYSPY		/* FUNCTION (FILE:LINE) */
};

enum fg_scalene_unit {
	FG_SCALENE_UNIT_DEFAULT = 0,	/* us for time, KiB for bytes */
	FG_SCALENE_UNIT_NS,
	FG_SCALENE_UNIT_US,
	FG_SCALENE_UNIT_MS,
	FG_SCALENE_UNIT_S,
	FG_SCALENE_UNIT_B,
	FG_SCALENE_UNIT_KIB,
	FG_SCALENE_UNIT_MIB,
	FG_SCALENE_UNIT_GIB,
	FG_SCALENE_UNIT_SAMPLES	/* the counts of stacks, combined_stacks */
};

struct fg_scalene_opts {
	enum fg_scalene_metric metric;
	enum fg_scalene_source source;
	enum fg_scalene_frames frames;	/* line table only */
	enum fg_scalene_unit unit;
	bool split;		/* a [python] [native] [system] leaf per line */
	bool no_native;		/* combined_stacks: drop native frames */
	bool drop_interp;	/* combined_stacks: drop CPython runtime frames */
	bool strict;		/* the first malformed entry is fatal */
};

#define FG_SCALENE_OPTS_INIT { FG_SCALENE_CPU, FG_SCALENE_SRC_AUTO, \
	FG_SCALENE_FRAMES_FILE, FG_SCALENE_UNIT_DEFAULT, false, false, \
	false, false }

/* What a collapse did. */
struct fg_scalene_stats {
	enum fg_scalene_source source;	/* the source used (never AUTO) */
	enum fg_scalene_unit unit;	/* the unit of the counts */
	bool empty;		/* the profile is {} (Scalene saw no samples) */
	unsigned long entries;	/* lines or stack entries read */
	unsigned long bad;	/* malformed entries skipped */
	struct fg_diag first_bad;	/* where the first one was, and why */
	unsigned long stacks;	/* stacks added (count > 0) */
	uint64_t total;		/* the sum of the counts added */
	long double exact;	/* the unrounded sum, in the same unit */
	/*
	 * The profile's own total for the metric, in the same unit, from
	 * fields other than the ones summed (see fg_scalene_collapse), and
	 * what it is; ref_what is NULL when the profile has none.
	 */
	long double ref;
	const char *ref_what;
	double elapsed;		/* elapsed_time_sec, 0 if absent */
};

/*
 * Loads the Scalene profile at path (standard input when path is NULL or
 * "-"; name is then FG_LINES_STDIN_NAME). The path string is borrowed for
 * diagnostics and must outlive the profile. Returns a new profile (free
 * with fg_scalene_free) or NULL with d filled: the file cannot be read,
 * is not JSON (d->line is the line), is JSON but not a Scalene profile,
 * or is only a child process's marker.
 *
 * The text is compacted as it is read: blanks between tokens are
 * dropped, the lists no metric uses (cpu_samples_list, memory_samples,
 * samples, combined_stacks_timeline) become [], and Python's NaN,
 * Infinity and -Infinity, which are not JSON, become null. The members
 * that hold a source (files, stacks, combined_stacks, memory_stacks) are
 * kept as text and parsed by the first collapse that reads them.
 */
struct fg_scalene *fg_scalene_load(const char *path, struct fg_diag *d);

/* As fg_scalene_load, from n bytes at p (copied); name for diagnostics. */
struct fg_scalene *fg_scalene_load_mem(const void *p, size_t n,
				       const char *name, struct fg_diag *d);

void fg_scalene_free(struct fg_scalene *p);

/* The name given at load. */
const char *fg_scalene_name(const struct fg_scalene *p);

/*
 * Whether the profile has data for source (AUTO: any) and metric. The
 * line table is there when "files" is; the stack sources when their key
 * holds at least one entry.
 */
bool fg_scalene_has_source(const struct fg_scalene *p,
			   enum fg_scalene_source source);

/*
 * Whether the options go together (see FG_EINVAL below), before any
 * profile is read: with source AUTO, whether some source could serve
 * them. Returns FG_OK or FG_EINVAL with d filled (d->file NULL).
 */
int fg_scalene_check_opts(const struct fg_scalene_opts *o, struct fg_diag *d);

/*
 * The source AUTO stands for with these options: for metric cpu without
 * split, combined_stacks, else stacks, when the profile has them; for
 * memory, memory_stacks when there; otherwise the line table.
 */
enum fg_scalene_source fg_scalene_auto_source(const struct fg_scalene *p,
					      const struct fg_scalene_opts *o);

/*
 * Adds the stacks of one metric to column 0 of dst, whose symtab is used
 * for frame names. Returns FG_OK (st filled), or a negative status with d
 * filled:
 *   FG_EINVAL   the options do not go together: a stack source with a
 *               metric it does not carry (stacks and combined_stacks are
 *               cpu sample counts, memory_stacks is memory), split
 *               without cpu from the line table, a unit of another kind;
 *   FG_EFORMAT  the profile lacks the source or the metric (memory or
 *               GPU profiling was off), or a field every entry needs
 *               ("files", "elapsed_time_sec"): the message names it;
 *   FG_EPARSE   the member the source reads is not valid JSON (d->line
 *               is its line in the input); or, with o->strict, the first
 *               malformed entry (an entry lacking a field, or of an
 *               unknown shape); without strict such entries are skipped
 *               and counted in st;
 *   FG_ERANGE   a value does not fit 64 bits.
 * The reference total in st is, for the line table: cpu, Σ over files of
 * percent_cpu_time × elapsed; memory, Σ memory_stacks when present; for
 * stacks, the sum of the counts as read.
 */
int fg_scalene_collapse(struct fg_scalene *p,
			const struct fg_scalene_opts *o, struct fg_stacks *dst,
			struct fg_scalene_stats *st, struct fg_diag *d);

/* Names as on the command line ("cpu", "memory-stacks", "KiB", ...). */
const char *fg_scalene_metric_name(enum fg_scalene_metric m);
const char *fg_scalene_source_name(enum fg_scalene_source s);
const char *fg_scalene_unit_name(enum fg_scalene_unit u);
/* The value named s, or -1. Unit names are matched without case. */
int fg_scalene_metric_parse(const char *s);
int fg_scalene_source_parse(const char *s);
int fg_scalene_unit_parse(const char *s);

/*
 * Whether unit can measure metric read from source (AUTO: the unit's
 * kind must fit the metric): time units for cpu, python, native, system
 * and gpu; byte units for memory and copy; samples for stacks and
 * combined_stacks.
 */
bool fg_scalene_unit_fits(enum fg_scalene_unit unit,
			  enum fg_scalene_metric metric,
			  enum fg_scalene_source source);

#ifdef __cplusplus
}
#endif
#endif /* FG_SCALENE_H */
