/*
 * speedscope.h - the JSON profile formats py-spy writes, folded: speedscope
 * (sampled and evented profiles, from py-spy, pyinstrument or any other
 * writer) and Chrome trace event arrays (py-spy -f chrometrace).
 *
 * The document is walked value by value with jansson, from a buffer or
 * through a window on a descriptor: each sample, weight and event is
 * decoded on its own, so memory holds one of them at a time plus the
 * distinct stacks, never the whole tree. Frames go through a struct fg_pyspy
 * (pyspy.h), which applies the frame options and adds the stacks.
 *
 * Units. A sampled profile's weights divided by its smallest positive
 * weight are its sample counts (exact for py-spy, whose weights are all
 * 1/rate). Time is kept as an exact decimal (the shortest decimal that
 * reads back as the JSON number), so totals are exact.
 */
#ifndef FG_SPEEDSCOPE_H
#define FG_SPEEDSCOPE_H

#include <stddef.h>

#include "fg/count.h"
#include "fg/error.h"
#include "fg/pyspy.h"

#ifdef __cplusplus
extern "C" {
#endif

enum fg_speedscope_kind {
	FG_SPEEDSCOPE_NONE = 0,		/* not recognised as JSON profile */
	FG_SPEEDSCOPE_FILE,		/* {"$schema": ".../file-format-schema.json"} */
	FG_SPEEDSCOPE_CHROMETRACE,	/* [{"ph": ...}, ...] or {"traceEvents": ...} */
	FG_SPEEDSCOPE_OTHER_JSON	/* starts like JSON, neither of those */
};

/* The speedscope schema URL every speedscope file names in "$schema". */
#define FG_SPEEDSCOPE_SCHEMA "https://www.speedscope.app/file-format-schema.json"

/* Says what the n bytes at buf look like, from their first 64 KiB. */
enum fg_speedscope_kind fg_speedscope_detect(const char *buf, size_t n);

enum fg_speedscope_unit {
	FG_UNIT_AUTO = 0,	/* samples if every profile allows, else µs */
	FG_UNIT_SAMPLES,	/* weight / sampling interval */
	FG_UNIT_US,
	FG_UNIT_MS,
	FG_UNIT_S,
	FG_UNIT_WEIGHT		/* weights as written (unit none, bytes) */
};

/* Returns "samples", "us", "ms", "s" or "weight" (AUTO: "auto"). */
const char *fg_speedscope_unit_name(enum fg_speedscope_unit u);

struct fg_speedscope_stats {
	unsigned long profiles;		/* speedscope profiles */
	unsigned long sampled, evented;
	unsigned long samples;		/* sample entries */
	unsigned long zero_weight;	/* samples of weight 0 (ignored) */
	unsigned long events;		/* O/C or B/E events replayed */
	unsigned long other_events;	/* chrome events without time (M, i, C ...) */
	unsigned long frames;		/* shared frames */
	unsigned long threads;		/* chrome (pid, tid) pairs */
	enum fg_speedscope_unit unit;	/* the unit the counts are in */
	struct fg_count total;		/* the input's total in that unit */
};

/*
 * Reads the speedscope document buf[0 .. n-1] (name for diagnostics)
 * into p, the counts in unit (FG_UNIT_AUTO: samples when every profile
 * is sampled with weights that are whole multiples of its interval, else
 * microseconds for time units, else the weights as written). Each
 * profile's name becomes a root frame (FG_PYSPY_PROFILE: dropped by the
 * thread options). Returns FG_OK; FG_EPARSE (bad JSON, with the line and
 * column) or FG_EFORMAT (valid JSON but not a valid profile, or the unit
 * cannot be had) with d filled; FG_ERANGE (a number does not fit).
 */
int fg_speedscope_read(struct fg_pyspy *p, const char *buf, size_t n,
		       const char *name, enum fg_speedscope_unit unit,
		       struct fg_speedscope_stats *st, struct fg_diag *d);

/*
 * Reads a Chrome trace (an array of events, or an object with
 * "traceEvents") into p: the B/E events of each (pid, tid) are replayed
 * and the time between events goes to the open stack, in microseconds
 * (FG_UNIT_AUTO, FG_UNIT_US), ms or s. X (complete) events are refused.
 * Returns as fg_speedscope_read.
 */
int fg_speedscope_read_chrometrace(struct fg_pyspy *p, const char *buf,
				   size_t n, const char *name,
				   enum fg_speedscope_unit unit,
				   struct fg_speedscope_stats *st,
				   struct fg_diag *d);

/*
 * As the two above, reading the document from the descriptor fd (not
 * closed) after the nhead bytes at head (what was already read from it
 * to recognise it; may be 0). The document is read through a window
 * (see fg_speedscope_set_window) from which what has been decoded is
 * dropped, so memory does not grow with its size. A read error returns
 * FG_EIO.
 */
int fg_speedscope_read_fd(struct fg_pyspy *p, int fd, const char *head,
			  size_t nhead, const char *name,
			  enum fg_speedscope_unit unit,
			  struct fg_speedscope_stats *st, struct fg_diag *d);
int fg_speedscope_read_chrometrace_fd(struct fg_pyspy *p, int fd,
				      const char *head, size_t nhead,
				      const char *name,
				      enum fg_speedscope_unit unit,
				      struct fg_speedscope_stats *st,
				      struct fg_diag *d);

/*
 * The initial size of the window the _fd readers read through (256 KiB;
 * it doubles when one value does not fit). For tests and benchmarks.
 */
void fg_speedscope_set_window(size_t bytes);

#ifdef __cplusplus
}
#endif
#endif /* FG_SPEEDSCOPE_H */
