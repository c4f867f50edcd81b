/*
 * fuzz_top - libFuzzer target for the summary (top.c) and its frame
 * name parser, fg_top_key.
 *
 * The input is a folded file, read with fg_folded_read (one or two
 * counts, as topfns reads). The first byte picks the grouping key
 * (bits 0-1), whether the stack transforms --hide "^[a-c]" (bit 2) and
 * --focus "b" (bit 3) run on the table first, as topfns runs them, and
 * whether edges of keys matching "a" are collected (bit 4). Each line's
 * frames also go through fg_top_key with every key.
 *
 * Invariants (abort() when broken), when no sum overflowed:
 *   - the self counts of the rows add up to the grand total, column by
 *     column, exactly;
 *   - no total is above the grand total, no self above its total, and
 *     each row's stack count is at most the stacks summarised;
 *   - grand is the (transformed) table's total, and every stack with
 *     a frame is summarised (when that fits);
 *   - a sorted order is a permutation of the rows;
 *   - an edge's count is at most the total of both of its ends;
 *   - fg_top_key leaves a NUL after its output, which is never longer
 *     than the frame plus the longest fixed name ("[kernel]").
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
			fprintf(stderr, "fuzz_top: %s:%d: check failed: %s\n", \
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

static void
check_keys(const char *s, size_t n)
{
	struct fg_buf b = FG_BUF_INIT;
	int by;

	for (by = FG_TOP_BY_FUNCTION; by <= FG_TOP_BY_FRAME; by++) {
		fg_top_key((enum fg_top_by)by, s, n, &b);
		CHECK(b.buf[b.len] == '\0');
		CHECK(b.len <= n + 8);
	}
	fg_buf_release(&b);
}

static void
check_summary(const struct fg_top *t, const struct fg_stacks *s,
	      unsigned ncols)
{
	const struct fg_top_stats *st = fg_top_stats(t);
	struct fg_count sum[2] = { FG_COUNT_ZERO, FG_COUNT_ZERO };
	size_t i, n = fg_top_count(t), k;
	uint32_t *order;
	uint8_t *seen;
	unsigned c;

	for (c = 0; c < ncols; c++) {
		struct fg_count all, acc = st->grand[c];

		if (fg_stacks_total(s, c, &all) != FG_OK)
			continue;	/* the table's own total overflowed */
		CHECK(fg_count_cmp(&acc, &all) == 0);
	}
	CHECK(st->stacks_kept == st->stacks_in);
	for (i = 0; i < n; i++) {
		const struct fg_top_row *r = fg_top_row(t, i);

		CHECK(r->name[r->len] == '\0');
		CHECK(r->stacks >= 1 && r->stacks <= st->stacks_kept);
		for (c = 0; c < ncols; c++) {
			CHECK(fg_count_add(&sum[c], &r->self[c]) == FG_OK);
			CHECK(fg_count_cmp(&r->self[c], &r->total[c]) <= 0);
			CHECK(fg_count_cmp(&r->total[c], &st->grand[c]) <= 0);
		}
	}
	for (c = 0; c < ncols; c++)
		CHECK(fg_count_cmp(&sum[c], &st->grand[c]) == 0);
	for (k = 0; k <= FG_TOP_SORT_DELTA; k++) {
		order = fg_top_sorted(t, (enum fg_top_sort)k);
		seen = calloc(n + 1, 1);
		CHECK(seen != NULL);
		for (i = 0; i < n; i++) {
			CHECK(order[i] < n && !seen[order[i]]);
			seen[order[i]] = 1;
		}
		free(seen);
		free(order);
	}
	{
		const uint32_t *m;
		size_t nm = fg_top_matched(t, &m), j, ne;

		for (i = 0; i < nm; i++) {
			const struct fg_top_edge *e;
			int dir;

			for (dir = 0; dir < 2; dir++) {
				e = dir ? fg_top_callees(t, i, &ne) :
					  fg_top_callers(t, i, &ne);
				for (j = 0; j < ne; j++)
					for (c = 0; c < ncols; c++) {
						CHECK(fg_count_cmp(&e[j].count[c],
							&fg_top_row(t, m[i])->total[c]) <= 0);
						CHECK(fg_count_cmp(&e[j].count[c],
							&fg_top_row(t, e[j].row)->total[c]) <= 0);
					}
			}
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fg_folded_opts o = FG_FOLDED_OPTS_INIT;
	struct fg_folded_stats st;
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_symtab *syms;
	struct fg_stacks *s;
	struct fg_lines *l;
	struct fg_top *t;
	unsigned flags = size ? data[0] : 0, ncols;
	size_t i, start = 0;
	int rc;

	for (i = 0; i <= size; i++)
		if (i == size || data[i] == '\n' || data[i] == ';') {
			check_keys((const char *)data + start, i - start);
			start = i + 1;
		}

	syms = fg_symtab_new();
	s = fg_stacks_new(syms, 2);
	l = fg_lines_from_mem(data, size, "fuzz");
	rc = fg_folded_read(l, s, &o, &st, &d);
	fg_lines_close(l);
	ncols = st.ncounts ? st.ncounts : 1;
	if (rc == FG_OK && (flags & 12)) {
		struct fg_filter *f = fg_filter_new();

		if (flags & 4)
			CHECK(fg_filter_add(f, FG_FILTER_HIDE, "^[a-c]", &d) == 0);
		if (flags & 8)
			CHECK(fg_filter_add(f, FG_FILTER_FOCUS, "b", &d) == 0);
		rc = fg_filter_apply(f, &s, NULL, &d);
		CHECK(rc == FG_OK || rc == FG_ERANGE);
		fg_filter_free(f);
	}
	if (rc == FG_OK) {
		t = fg_top_new((enum fg_top_by)(flags & 3));
		if (flags & 16)
			CHECK(fg_top_set_edges(t, "a", &d) == 0);
		rc = fg_top_run(t, s, ncols, &d);
		CHECK(rc == FG_OK || rc == FG_ERANGE);
		if (rc == FG_OK)
			check_summary(t, s, ncols);
		fg_top_free(t);
	}
	fg_stacks_free(s);
	fg_symtab_free(syms);
	return 0;
}
