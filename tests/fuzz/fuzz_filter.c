/*
 * fuzz_filter - libFuzzer target for the stack transforms (filter.c).
 *
 * The input's first line is a pattern, the rest a folded file. The
 * folded part is read into a one-column table; then every transform is
 * run on it alone (the pattern for those that take one, "PATTERN=x$1"
 * for --rename), and all of them chained, through fg_filter_apply. A
 * pattern pcre2 refuses must fail with FG_EINVAL and a message, and
 * nothing else. fg_filter_simplify_name runs on the whole input too.
 *
 * Invariants (abort() when broken):
 *   - every transform but include, exclude, focus and show-from keeps
 *     the table's total; those four keep it too once what they report
 *     as removed is added back;
 *   - no stack comes out empty (a fully hidden one is [hidden]);
 *   - simplify never makes a name longer, and is idempotent.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg/fg.h"
#include "fg/filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_filter: %s:%d: check failed: %s\n", \
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

static struct fg_stacks *
load(struct fg_symtab *syms, const uint8_t *p, size_t n)
{
	struct fg_folded_opts o = FG_FOLDED_OPTS_INIT;
	struct fg_folded_stats st;
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_stacks *s = fg_stacks_new(syms, 1);
	struct fg_lines *in = fg_lines_from_mem(p, n, "fuzz");

	o.max_counts = 1;
	(void)fg_folded_read(in, s, &o, &st, &d);
	fg_lines_close(in);
	return s;
}

static void
check_kept(struct fg_stacks *s, const struct fg_count *before,
	   const struct fg_filter_removed *rm, size_t nrm)
{
	struct fg_count t, sum;
	size_t i, n;

	if (fg_stacks_total(s, 0, &t) < 0)
		return;
	sum = t;
	for (i = 0; i < nrm; i++)
		if (fg_count_add(&sum, &rm[i].count[0]) < 0)
			return;
	CHECK(fg_count_cmp(&sum, before) == 0);
	for (i = 0; i < fg_stacks_count(s); i++) {
		fg_stacks_frames(s, i, &n);
		CHECK(n > 0);
	}
}

static void
run_chain(struct fg_symtab *syms, const uint8_t *p, size_t n,
	  const enum fg_filter_op *ops, size_t nops, const char *pat,
	  const char *rename)
{
	struct fg_filter *f = fg_filter_new();
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_filter_removed rm[16];
	struct fg_stacks *s;
	struct fg_count before;
	size_t i;
	int rc;

	for (i = 0; i < nops; i++) {
		const char *arg = ops[i] == FG_FILTER_RENAME ? rename : pat;

		if (ops[i] == FG_FILTER_COLLAPSE_RECURSION ||
		    ops[i] == FG_FILTER_COLLAPSE_RECURSION_ALL ||
		    ops[i] == FG_FILTER_SIMPLIFY_TEMPLATES)
			arg = NULL;
		rc = fg_filter_add(f, ops[i], arg, &d);
		if (rc < 0) {
			CHECK(rc == FG_EINVAL && d.msg[0] != '\0');
			fg_filter_free(f);
			return;
		}
	}
	s = load(syms, p, n);
	if (fg_stacks_total(s, 0, &before) == FG_OK) {
		rc = fg_filter_apply(f, &s, rm, &d);
		/* pcre2 may give up (match limits), never otherwise fail */
		CHECK(rc == FG_OK || rc == FG_EDEP || rc == FG_ERANGE);
		if (rc == FG_OK)
			check_kept(s, &before, rm, nops);
	}
	fg_stacks_free(s);
	fg_filter_free(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum fg_filter_op all[] = {
		FG_FILTER_INCLUDE, FG_FILTER_EXCLUDE, FG_FILTER_FOCUS,
		FG_FILTER_SHOW_FROM, FG_FILTER_HIDE, FG_FILTER_PRUNE_BELOW,
		FG_FILTER_COLLAPSE_RECURSION, FG_FILTER_COLLAPSE_RECURSION_ALL,
		FG_FILTER_SIMPLIFY_TEMPLATES, FG_FILTER_RENAME
	};
	const uint8_t *nl = memchr(data, '\n', size);
	size_t plen = nl ? (size_t)(nl - data) : size, i;
	char *pat, *rename, *a, *b;
	struct fg_symtab *syms;
	size_t na, nb;

	if (plen > 256)
		return 0;
	pat = malloc(plen + 1);
	memcpy(pat, data, plen);
	pat[plen] = '\0';
	if (strlen(pat) != plen) {	/* a NUL in the pattern: not a C string */
		free(pat);
		return 0;
	}
	rename = malloc(plen + 4);
	snprintf(rename, plen + 4, "%s=x$1", pat);

	syms = fg_symtab_new();
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		run_chain(syms, nl ? nl + 1 : data + size,
			  nl ? size - plen - 1 : 0, &all[i], 1, pat, rename);
	run_chain(syms, nl ? nl + 1 : data + size, nl ? size - plen - 1 : 0,
		  all, sizeof(all) / sizeof(all[0]), pat, rename);
	fg_symtab_free(syms);

	a = malloc(size + 1);
	b = malloc(size + 1);
	na = fg_filter_simplify_name((const char *)data, size, a);
	CHECK(na <= size);
	nb = fg_filter_simplify_name(a, na, b);
	CHECK(nb == na && memcmp(a, b, na) == 0);
	free(a);
	free(b);
	free(pat);
	free(rename);
	return 0;
}
