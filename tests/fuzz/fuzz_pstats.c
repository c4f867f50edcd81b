/*
 * fuzz_pstats - libFuzzer target for the pstats reader and the stack
 * rebuilding.
 *
 * The input is a pstats file. It is added to a fg_pstats twice (the
 * second time merging into the first, as two files would), then
 * collapsed with the default options and with ns units, --no-lines,
 * --mark-guessed, --min-percent 1 and full paths, with a small frame
 * limit so that graphs with very many paths stay quick.
 *
 * Invariants (abort() when broken):
 *   - fg_pstats_add returns FG_OK, FG_EPARSE or FG_EFORMAT, with a
 *     message on failure; strict mode fails exactly when lax mode
 *     skipped entries; skipped + read entries never exceed the dict;
 *   - collapsing returns FG_OK or FG_ERANGE (a total beyond 64 bits);
 *   - on FG_OK, the stacks add up to out_total, out_total is the total
 *     time rounded to units (to a unit and a relative 1e-12 of float
 *     error), every stack is non-empty, and the frame count stayed
 *     within the limit.
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
			fprintf(stderr, "fuzz_pstats: %s:%d: check failed: %s\n", \
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

static void
collapse(struct fg_pstats *ps, const struct fg_pstats_opts *o)
{
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(syms, 1);
	struct fg_pstats_result res;
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_count total;
	unsigned dec = o->unit == FG_PSTATS_MS ? 3 :
		       o->unit == FG_PSTATS_S ? 6 : 0;
	double scale = o->unit == FG_PSTATS_NS ? 1e9 : 1e6;
	uint64_t units;
	size_t i, n;
	int rc;

	rc = fg_pstats_collapse(ps, o, s, &res, &d);
	CHECK(rc == FG_OK || rc == FG_ERANGE);
	if (rc == FG_OK) {
		CHECK(fg_stacks_total(s, 0, &total) == FG_OK);
		CHECK(fg_count_cmp(&total, &res.out_total) == 0);
		CHECK(fg_count_to_units(&total, dec, &units) == FG_OK);
		CHECK(fabs((double)units - nearbyint(res.total * scale)) <=
		      1 + 1e-12 * res.total * scale);
		for (i = 0; i < fg_stacks_count(s); i++) {
			CHECK(fg_stacks_frames(s, i, &n) != NULL);
			CHECK(n > 0);
		}
	} else {
		CHECK(d.msg[0] != '\0');
	}
	fg_stacks_free(s);
	fg_symtab_free(syms);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fg_pstats *ps = fg_pstats_new(), *strict = fg_pstats_new();
	struct fg_pstats_opts o = FG_PSTATS_OPTS_INIT;
	struct fg_pstats_read st, st2;
	struct fg_diag d = FG_DIAG_INIT;
	int rc, rc2;

	rc = fg_pstats_add(ps, data, size, "fuzz", false, &st, &d);
	CHECK(rc == FG_OK || rc == FG_EPARSE || rc == FG_EFORMAT);
	if (rc < 0)
		CHECK(d.msg[0] != '\0');
	rc2 = fg_pstats_add(strict, data, size, "fuzz", true, &st2, &d);
	if (rc == FG_OK)
		CHECK((rc2 == FG_OK) == (st.bad == 0));
	if (rc == FG_OK) {
		CHECK(fg_pstats_add(ps, data, size, "fuzz", false, &st2, &d) ==
		      FG_OK);
		CHECK(st2.entries == st.entries && st2.bad == st.bad);
		o.max_frames = 20000;
		collapse(ps, &o);
		o.unit = FG_PSTATS_NS;
		o.no_lines = true;
		o.mark_guessed = true;
		o.min_fraction = 0.01;
		o.path = FG_PSTATS_PATH_FULL;
		collapse(ps, &o);
		o.unit = FG_PSTATS_S;
		o.path = FG_PSTATS_PATH_RELATIVE;
		o.relative_dir = "/";
		collapse(ps, &o);
	}
	fg_pstats_free(ps);
	fg_pstats_free(strict);
	return 0;
}
