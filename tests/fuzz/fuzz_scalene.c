/*
 * fuzz_scalene - libFuzzer target for the Scalene JSON reader.
 *
 * The input is loaded with fg_scalene_load_mem. When it loads, it is
 * collapsed with every source and metric and a spread of options (frame
 * styles, split, the native-frame filters, units); the low bit of the
 * first byte makes all of them strict.
 *
 * Invariants (abort() when broken):
 *   - load: a NULL profile comes with a message; FG_EPARSE-like errors
 *     name the input;
 *   - collapse returns FG_OK, FG_EFORMAT, FG_EINVAL, FG_ERANGE or
 *     FG_EPARSE (only with strict, or for JSON that is not valid in a
 *     source member, which is parsed when first read), and a message
 *     with every failure; with strict, FG_OK means nothing was skipped;
 *   - on FG_OK: the table's total equals st.total, which is the unrounded
 *     total rounded to the nearest integer (the totals rule), and every
 *     stack has a count of at least 1; the source used is never AUTO;
 *   - the table writes out and reads back as folded text with the same
 *     number of stacks and the same total.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg/fg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_scalene: %s:%d: check failed: %s\n", \
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

/* Writes s and reads it back: the same stacks and total. */
static void
check_roundtrip(const struct fg_stacks *s, uint64_t total)
{
	struct fg_symtab *syms2 = fg_symtab_new();
	struct fg_stacks *s2 = fg_stacks_new(syms2, 1);
	struct fg_folded_opts fo = FG_FOLDED_OPTS_INIT;
	struct fg_folded_stats fst;
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_lines *in;
	struct fg_count t;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	CHECK(fp != NULL);
	CHECK(fg_folded_write(s, fp) == FG_OK);
	CHECK(fclose(fp) == 0);
	in = fg_lines_from_mem(buf, len, "roundtrip");
	fo.counts = FG_FOLDED_ONE;
	fo.strict = true;
	CHECK(fg_folded_read(in, s2, &fo, &fst, &d) == FG_OK);
	CHECK(fg_stacks_count(s2) == fg_stacks_count(s));
	CHECK(fg_stacks_total(s2, 0, &t) == FG_OK);
	CHECK(t.n == total && t.frac == 0);
	fg_lines_close(in);
	free(buf);
	fg_stacks_free(s2);
	fg_symtab_free(syms2);
}

static void
collapse(struct fg_scalene *p, const struct fg_scalene_opts *o)
{
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(syms, 1);
	struct fg_scalene_stats st;
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_count t;
	size_t i;
	int rc;

	rc = fg_scalene_collapse(p, o, s, &st, &d);
	/*
	 * Without strict, a malformed entry is skipped, never fatal; but a
	 * source member is parsed only when a collapse reads it, and JSON
	 * that is not valid there is fatal either way.
	 */
	CHECK(rc == FG_OK || rc == FG_EFORMAT || rc == FG_EINVAL ||
	      rc == FG_ERANGE || (rc == FG_EPARSE &&
	      (o->strict || strncmp(d.msg, "not valid JSON", 14) == 0)));
	if (rc < 0) {
		CHECK(d.msg[0] != '\0');
		goto out;
	}
	CHECK(st.source != FG_SCALENE_SRC_AUTO);
	CHECK(st.unit != FG_SCALENE_UNIT_DEFAULT);
	if (o->strict)
		CHECK(st.bad == 0);
	if (st.bad > 0)
		CHECK(st.first_bad.msg[0] != '\0');
	CHECK(fg_stacks_total(s, 0, &t) == FG_OK);
	CHECK(t.frac == 0 && t.n == st.total);
	CHECK(st.stacks == fg_stacks_count(s));
	if (!st.empty)
		CHECK((long double)st.total == roundl(st.exact));
	for (i = 0; i < fg_stacks_count(s); i++) {
		const struct fg_count *c = fg_stacks_counts(s, i);
		size_t n;

		CHECK(c[0].n >= 1 && c[0].frac == 0);
		CHECK(fg_stacks_frames(s, i, &n) != NULL && n > 0);
	}
	check_roundtrip(s, st.total);
out:
	fg_stacks_free(s);
	fg_symtab_free(syms);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct {
		enum fg_scalene_metric metric;
		enum fg_scalene_source source;
		enum fg_scalene_frames frames;
		enum fg_scalene_unit unit;
		bool split, no_native, drop_interp;
	} runs[] = {
		{ FG_SCALENE_CPU, FG_SCALENE_SRC_AUTO, 0, 0, 0, 0, 0 },
		{ FG_SCALENE_CPU, FG_SCALENE_SRC_LINES, FG_SCALENE_FRAMES_PYSPY, 0, 1, 0, 0 },
		{ FG_SCALENE_PYTHON, FG_SCALENE_SRC_LINES, 0, FG_SCALENE_UNIT_NS, 0, 0, 0 },
		{ FG_SCALENE_SYSTEM, FG_SCALENE_SRC_AUTO, 0, FG_SCALENE_UNIT_S, 0, 0, 0 },
		{ FG_SCALENE_MEMORY, FG_SCALENE_SRC_AUTO, 0, 0, 0, 0, 0 },
		{ FG_SCALENE_MEMORY, FG_SCALENE_SRC_LINES, 0, FG_SCALENE_UNIT_B, 0, 0, 0 },
		{ FG_SCALENE_COPY, FG_SCALENE_SRC_LINES, 0, 0, 0, 0, 0 },
		{ FG_SCALENE_GPU, FG_SCALENE_SRC_LINES, 0, FG_SCALENE_UNIT_MS, 0, 0, 0 },
		{ FG_SCALENE_CPU, FG_SCALENE_SRC_STACKS, 0, 0, 0, 0, 0 },
		{ FG_SCALENE_CPU, FG_SCALENE_SRC_COMBINED, 0, 0, 0, 1, 0 },
		{ FG_SCALENE_CPU, FG_SCALENE_SRC_COMBINED, 0, 0, 0, 0, 1 },
		{ FG_SCALENE_MEMORY, FG_SCALENE_SRC_MEMORY_STACKS, 0, FG_SCALENE_UNIT_GIB, 0, 0, 0 },
		{ FG_SCALENE_NATIVE, FG_SCALENE_SRC_STACKS, 0, 0, 0, 0, 0 },
	};
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_scalene *p;
	size_t i;

	p = fg_scalene_load_mem(data, size, "fuzz", &d);
	if (p == NULL) {
		CHECK(d.msg[0] != '\0');
		CHECK(d.file != NULL && strcmp(d.file, "fuzz") == 0);
		return 0;
	}
	for (i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		struct fg_scalene_opts o = FG_SCALENE_OPTS_INIT;

		o.metric = runs[i].metric;
		o.source = runs[i].source;
		o.frames = runs[i].frames;
		o.unit = runs[i].unit;
		o.split = runs[i].split;
		o.no_native = runs[i].no_native;
		o.drop_interp = runs[i].drop_interp;
		o.strict = size > 0 && (data[0] & 1);
		collapse(p, &o);
	}
	fg_scalene_free(p);
	return 0;
}
