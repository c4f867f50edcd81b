/*
 * pyspy.h - py-spy's frames and its raw (folded) output.
 *
 * A struct fg_pyspy turns py-spy frames into the frame names of the
 * output table, as the options say: pseudo frames ("thread (TID): NAME",
 * "process PID:\"CMDLINE\"") kept, renamed or dropped, native frames kept
 * or dropped, and each Python frame rebuilt at line, function or file
 * granularity with its file path full, cut to its base name or stripped
 * of a prefix. Frames come either as text (the raw format: "NAME
 * (FILE:LINE)", "NAME (FILE)", "NAME") or in parts (the JSON formats, see
 * speedscope.h). The readers add whole stacks through fg_pyspy_add(),
 * which handles the empty stack and keeps the totals.
 *
 * Raw input is folded text, one "FRAME;FRAME;...;LEAF COUNT" per stack,
 * in any order, possibly with repeated stacks; the empty stack is
 * " COUNT". A process frame's command line may contain "; ": a frame that
 * starts with `process PID:"` runs to the next `";` (or the end).
 */
#ifndef FG_PYSPY_H
#define FG_PYSPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fg/count.h"
#include "fg/error.h"
#include "fg/lineio.h"
#include "fg/stacks.h"

#ifdef __cplusplus
extern "C" {
#endif

enum fg_pyspy_granularity {
	FG_PYSPY_LINE = 0,	/* NAME (FILE:LINE) */
	FG_PYSPY_FUNCTION,	/* NAME (FILE): a function's lines merge */
	FG_PYSPY_FILE		/* FILE */
};

enum fg_pyspy_path {
	FG_PYSPY_PATH_FULL = 0,	/* the file name as recorded */
	FG_PYSPY_PATH_BASE,	/* its last component */
	FG_PYSPY_PATH_STRIP	/* without a leading strip_prefix */
};

/* The frame an empty stack gets unless drop_empty is set. */
#define FG_PYSPY_EMPTY_FRAME "[no Python frames]"

struct fg_pyspy_opts {
	bool no_threads;	/* drop "thread (TID): NAME" (and profile roots) */
	bool no_processes;	/* drop "process PID:\"CMDLINE\"" */
	bool merge_threads;	/* "thread (TID): NAME" -> "thread: NAME" */
	bool no_native;		/* drop native (non-Python) frames */
	bool drop_empty;	/* drop empty stacks instead of naming them */
	bool strict;		/* the first malformed raw line is fatal */
	enum fg_pyspy_granularity granularity;
	enum fg_pyspy_path path;
	const char *strip_prefix;	/* for FG_PYSPY_PATH_STRIP (borrowed) */
};

#define FG_PYSPY_OPTS_INIT { false, false, false, false, false, false, \
			     FG_PYSPY_LINE, FG_PYSPY_PATH_FULL, NULL }

/* What fg_pyspy_add() saw: counts in = out + dropped. */
struct fg_pyspy_totals {
	struct fg_count in;		/* every count added */
	struct fg_count dropped;	/* of empty stacks, with drop_empty */
	unsigned long stacks_in;	/* calls to fg_pyspy_add */
	unsigned long empty;		/* of which were empty (after mapping) */
};

/* A frame in parts. file NULL: no file; line NULL: no line. */
struct fg_pyspy_frame {
	const char *name;
	size_t name_len;
	const char *file;
	size_t file_len;
	const char *line;	/* decimal digits */
	size_t line_len;
};

/* What kind of frame a frame is (fg_pyspy_classify). */
enum fg_pyspy_kind {
	FG_PYSPY_PYTHON = 0,
	FG_PYSPY_NATIVE,	/* a file that is not Python source */
	FG_PYSPY_THREAD,	/* thread (TID): NAME, thread (TID), thread 0x.. */
	FG_PYSPY_PROCESS,	/* process PID:"CMDLINE" */
	FG_PYSPY_PROFILE,	/* a speedscope profile name used as root */
	FG_PYSPY_OTHER		/* a bare name */
};

struct fg_pyspy;

/*
 * Returns a mapper adding to dst (borrowed), with the options copied, or
 * NULL with d filled if opts are invalid (FG_PYSPY_PATH_STRIP without a
 * prefix). Free with fg_pyspy_free.
 */
struct fg_pyspy *fg_pyspy_new(struct fg_stacks *dst,
			      const struct fg_pyspy_opts *opts,
			      struct fg_diag *d);
void fg_pyspy_free(struct fg_pyspy *p);

/* FG_PYSPY_DROP: a mapped frame id meaning "leave this frame out". */
#define FG_PYSPY_DROP UINT32_MAX

/*
 * Maps one frame given as raw text (s[0 .. n-1]) to its output id in
 * dst's symtab, or FG_PYSPY_DROP. Results are remembered per distinct
 * text, so a frame is parsed once.
 */
uint32_t fg_pyspy_map_text(struct fg_pyspy *p, const char *s, size_t n);

/*
 * Maps a frame given in parts (kind: as fg_pyspy_classify_parts says, or
 * FG_PYSPY_PROFILE for a profile root). Not remembered: callers map each
 * distinct frame once.
 */
uint32_t fg_pyspy_map_parts(struct fg_pyspy *p, const struct fg_pyspy_frame *f,
			    enum fg_pyspy_kind kind);

/* The kind of a frame in parts (a pseudo frame has an empty or no file). */
enum fg_pyspy_kind fg_pyspy_classify_parts(struct fg_pyspy *p,
					   const struct fg_pyspy_frame *f);

/*
 * Adds count c to the stack ids[0 .. n-1] (root first) of mapped ids;
 * FG_PYSPY_DROP entries are skipped. A stack left empty becomes
 * FG_PYSPY_EMPTY_FRAME, or is dropped (and counted) with drop_empty.
 * Returns FG_OK or FG_ERANGE (a count overflowed).
 */
int fg_pyspy_add(struct fg_pyspy *p, const uint32_t *ids, size_t n,
		 const struct fg_count *c);

const struct fg_pyspy_totals *fg_pyspy_totals(const struct fg_pyspy *p);

struct fg_pyspy_raw_stats {
	unsigned long lines;	/* lines read */
	unsigned long stacks;	/* stack lines added */
	unsigned long bad;	/* malformed lines skipped */
	struct fg_diag first_bad;
};

/*
 * Reads py-spy raw text from in into p's table. Malformed lines (no
 * count, a bad count) are skipped and counted in st, or are fatal with
 * opts.strict (FG_EPARSE, d filled). Returns FG_OK, FG_EPARSE, FG_ERANGE
 * (a count overflowed; d filled) or FG_EIO.
 */
int fg_pyspy_read_raw(struct fg_pyspy *p, struct fg_lines *in,
		      struct fg_pyspy_raw_stats *st, struct fg_diag *d);

#ifdef __cplusplus
}
#endif
#endif /* FG_PYSPY_H */
