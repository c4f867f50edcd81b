/*
 * fuzz_perf - libFuzzer target for the perf script parser.
 *
 * The input is perf script text. Its first byte picks options (pid/tid,
 * annotations, --addrs, srcline modes, sample counting, the Python
 * decoder and its modes); the rest is parsed three ways: line by line
 * through fg_perf_collapse, and through fg_perf_collapse_mem on 1 and on
 * 3 threads.
 *
 * Invariants (abort() when broken):
 *   - the three parses give the same stacks, counts and statistics;
 *   - the output sums to the kept weight, which is the chosen event's
 *     weight in the per-event table (when it did not overflow);
 *   - kept <= samples, the events table is consistent, bad lines have a
 *     location inside the input;
 *   - no frame name is empty unless it is the empty-symbol " " or a comm,
 *     and none holds ';' or '\n'.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg/fg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_perf: %s:%d: check failed: %s\n", \
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

static char *
dump(const struct fg_stacks *s, size_t *len)
{
	char *buf = NULL;
	FILE *fp = open_memstream(&buf, len);

	CHECK(fp != NULL);
	CHECK(fg_folded_write(s, fp) == FG_OK);
	CHECK(fclose(fp) == 0);
	return buf;
}

static void
check_names(const struct fg_stacks *s)
{
	const struct fg_symtab *syms = fg_stacks_symtab(s);
	size_t i, j, n, len;

	for (i = 0; i < fg_stacks_count(s); i++) {
		const uint32_t *f = fg_stacks_frames(s, i, &n);

		for (j = 0; j < n; j++) {
			const char *name = fg_symtab_str(syms, f[j], &len);

			CHECK(memchr(name, ';', len) == NULL);
			CHECK(memchr(name, '\n', len) == NULL);
		}
	}
}

struct run {
	char *out;
	size_t len;
	int rc;
	struct fg_perf_stats st;
	struct fg_count total;
	int total_rc;
};

static void
run(const char *text, size_t n, const struct fg_perf_opts *o, int mode,
    struct run *r)
{
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(syms, 1);
	struct fg_diag d = FG_DIAG_INIT;

	if (mode == 0) {
		struct fg_lines *in = fg_lines_from_mem(text, n, "fuzz");

		r->rc = fg_perf_collapse(in, s, o, &r->st, &d);
		fg_lines_close(in);
	} else {
		r->rc = fg_perf_collapse_mem(text, n, "fuzz", (unsigned)mode, s,
					     o, &r->st, &d);
	}
	CHECK(r->rc == FG_OK || r->rc == FG_EPARSE || r->rc == FG_ERANGE);
	if (r->rc < 0)
		CHECK(d.msg[0] != '\0');
	check_names(s);
	r->total_rc = fg_stacks_total(s, 0, &r->total);
	r->out = dump(s, &r->len);
	fg_stacks_free(s);
	fg_symtab_free(syms);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned flagset[] = {
		0, FG_PERF_PID, FG_PERF_TID, FG_PERF_KERNEL | FG_PERF_JIT,
		FG_PERF_ADDRS, FG_PERF_SRCLINE, FG_PERF_CONTEXT,
		FG_PERF_COUNT_SAMPLES | FG_PERF_NO_TIDY,
	};
	struct fg_pyframe_opts py = FG_PYFRAME_OPTS_INIT;
	struct fg_perf_opts o = FG_PERF_OPTS_INIT;
	const char *skip[] = { "main" };
	struct run r[3];
	const char *text;
	size_t n, i, k;
	uint8_t sel;

	if (size == 0)
		return 0;
	sel = data[0];
	text = (const char *)data + 1;
	n = size - 1;
	o.flags = flagset[sel & 7];
	if (sel & 0x08)
		o.flags |= FG_PERF_STRICT;
	py.mode = (sel >> 4) & 1 ? FG_PY_OFF : FG_PY_AUTO;
	py.py_self = (sel >> 5) & 1;
	py.fold_interp = (sel >> 6) & 1;
	py.keep_root = (sel >> 7) & 1;
	o.py = &py;
	if (sel & 0x80) {
		o.skip_after = skip;
		o.nskip_after = 1;
	}
	for (k = 0; k < 3; k++)
		run(text, n, &o, k == 0 ? 0 : k == 1 ? 1 : 3, &r[k]);
	for (k = 1; k < 3; k++) {
		CHECK(r[k].rc == r[0].rc);
		if (r[0].rc < 0)
			continue;
		CHECK(r[k].len == r[0].len &&
		      memcmp(r[k].out, r[0].out, r[0].len) == 0);
		CHECK(r[k].st.lines == r[0].st.lines);
		CHECK(r[k].st.samples == r[0].st.samples);
		CHECK(r[k].st.kept == r[0].st.kept);
		CHECK(r[k].st.bad == r[0].st.bad);
		CHECK(r[k].st.first_bad.line == r[0].st.first_bad.line);
		CHECK(r[k].st.lost == r[0].st.lost);
		CHECK(r[k].st.sideband == r[0].st.sideband);
		CHECK(fg_count_cmp(&r[k].st.weight, &r[0].st.weight) == 0);
	}
	if (r[0].rc == FG_OK) {
		const struct fg_perf_stats *st = &r[0].st;

		CHECK(st->kept <= st->samples);
		CHECK(st->nevents <= FG_PERF_MAX_EVENTS);
		CHECK(r[0].total_rc == FG_OK);
		CHECK(fg_count_cmp(&r[0].total, &st->weight) == 0);
		if (st->bad > 0)
			CHECK(st->first_bad.line >= 1 &&
			      st->first_bad.line <= st->lines);
		for (i = 0; i < st->nevents; i++) {
			if (st->events[i].len == st->event_len &&
			    st->event_len < sizeof(st->event) &&
			    memcmp(st->events[i].name, st->event,
				   st->event_len) == 0 &&
			    !(o.flags & FG_PERF_COUNT_SAMPLES))
				CHECK(fg_count_cmp(&st->events[i].weight,
						   &st->weight) == 0);
		}
	}
	for (k = 0; k < 3; k++)
		free(r[k].out);
	return 0;
}
