/*
 * test_pstats.c - unit tests for pstats.c: exact outputs of small
 * hand-made profiles, the options, malformed input, and the invariants on
 * every real fixture: the output total is the profile's total_tt and each
 * function's self time is its tt (to 1 us), per its .expect.json.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fg/fg.h"
#include "slurp.h"

/* Adds fixtures/pstats/NAME.pstats to ps; returns fg_pstats_add's code. */
static int
add_file(struct fg_pstats *ps, const char *name, bool strict,
	 struct fg_pstats_read *st, struct fg_diag *d)
{
	char path[512];
	unsigned char *buf;
	size_t n;
	int rc;

	snprintf(path, sizeof(path), "fixtures/pstats/%s.pstats", name);
	buf = slurp(path, &n);
	rc = fg_pstats_add(ps, buf, n, name, strict, st, d);
	free(buf);
	return rc;
}

/* The folded text of the files, collapsed with o (NULL: defaults). */
static char *
folded(const char *const *names, const struct fg_pstats_opts *o,
       struct fg_pstats_result *res)
{
	struct fg_pstats_opts def = FG_PSTATS_OPTS_INIT;
	struct fg_pstats *ps = fg_pstats_new();
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(syms, 1);
	struct fg_pstats_result r;
	struct fg_pstats_read st;
	struct fg_diag d = FG_DIAG_INIT;
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	for (; *names != NULL; names++)
		if (add_file(ps, *names, true, &st, &d) != FG_OK)
			fail_msg("%s: %s", *names, d.msg);
	if (fg_pstats_collapse(ps, o ? o : &def, s, res ? res : &r, &d) !=
	    FG_OK)
		fail_msg("collapse: %s", d.msg);
	fp = open_memstream(&text, &len);
	assert_int_equal(fg_folded_write(s, fp), FG_OK);
	fclose(fp);
	fg_stacks_free(s);
	fg_symtab_free(syms);
	fg_pstats_free(ps);
	return text;
}

static void
assert_folded(const char *name, const struct fg_pstats_opts *o,
	      const char *want)
{
	const char *names[] = { name, NULL };
	char *got = folded(names, o, NULL);

	assert_string_equal(got, want);
	free(got);
}

static void
test_chain(void **state)
{
	struct fg_pstats_result res;
	const char *names[] = { "chain", NULL };
	char *got = folded(names, NULL, &res);

	assert_string_equal(got,
		"main (app.py:1) 1000\n"
		"main (app.py:1);a (app.py:10) 2000\n"
		"main (app.py:1);a (app.py:10);b (lib.py:5) 4000\n"
		"main (app.py:1);a (app.py:10);b (lib.py:5);"
		"<built-in method builtins.len> 3000\n");
	free(got);
	assert_int_equal(res.functions, 4);
	assert_int_equal(res.edges, 3);
	assert_int_equal(res.sccs, 4);
	assert_int_equal(res.recursive, 0);
	assert_int_equal(res.roots, 1);
	assert_int_equal(res.guessed, 0);
	assert_false(res.estimated_edges);
}

static void
test_diamond(void **state)
{
	struct fg_pstats_opts o = FG_PSTATS_OPTS_INIT;

	/* c's 3 ms split 1:2 by its edges' ct; d follows c */
	assert_folded("diamond", NULL,
		"main (app.py:1) 1000\n"
		"main (app.py:1);a (app.py:10) 1000\n"
		"main (app.py:1);a (app.py:10);c (lib.py:20) 1000\n"
		"main (app.py:1);a (app.py:10);c (lib.py:20);d (lib.py:30) 1000\n"
		"main (app.py:1);b (lib.py:5) 1000\n"
		"main (app.py:1);b (lib.py:5);c (lib.py:20) 2000\n"
		"main (app.py:1);b (lib.py:5);c (lib.py:20);d (lib.py:30) 2000\n");
	o.mark_guessed = true;
	assert_folded("diamond", &o,
		"main (app.py:1) 1000\n"
		"main (app.py:1);a (app.py:10) 1000\n"
		"main (app.py:1);a (app.py:10);c (lib.py:20)_[?] 1000\n"
		"main (app.py:1);a (app.py:10);c (lib.py:20)_[?];d (lib.py:30)_[?] 1000\n"
		"main (app.py:1);b (lib.py:5) 1000\n"
		"main (app.py:1);b (lib.py:5);c (lib.py:20)_[?] 2000\n"
		"main (app.py:1);b (lib.py:5);c (lib.py:20)_[?];d (lib.py:30)_[?] 2000\n");
}

static void
test_recursion(void **state)
{
	struct fg_pstats_opts o = FG_PSTATS_OPTS_INIT;
	struct fg_pstats_result res;
	const char *names[] = { "recursion", NULL };
	char *got;

	o.mark_guessed = true;
	got = folded(names, &o, &res);
	/* fib's self-recursion folds into one frame; walk <-> walk_children
	 * is one SCC, walk_children placed under walk (an estimate) */
	assert_string_equal(got,
		"main (app.py:1) 1000\n"
		"main (app.py:1);fib (rec.py:3) 5000\n"
		"main (app.py:1);walk (rec.py:10) 2000\n"
		"main (app.py:1);walk (rec.py:10);walk_children (rec.py:20)_[?] 3000\n");
	free(got);
	assert_int_equal(res.sccs, 3);
	assert_int_equal(res.recursive, 1);
}

static void
test_counts(void **state)
{
	struct fg_pstats_result res;
	const char *names[] = { "counts", NULL };
	char *got = folded(names, NULL, &res);

	/* helper's 8 ms: 3 calls from a, 1 from b; the fake frames' own
	 * 0.5 ms goes to <profile> */
	assert_string_equal(got,
		"<profile> 500\n"
		"main (app.py:1) 1000\n"
		"main (app.py:1);a (app.py:10) 2000\n"
		"main (app.py:1);a (app.py:10);helper (lib.py:40) 6000\n"
		"main (app.py:1);b (lib.py:5) 2000\n"
		"main (app.py:1);b (lib.py:5);helper (lib.py:40) 2000\n");
	free(got);
	assert_true(res.estimated_edges);
}

static void
test_merge(void **state)
{
	const char *names[] = { "chain", "chain", NULL };
	char *got = folded(names, NULL, NULL);

	assert_string_equal(got,
		"main (app.py:1) 2000\n"
		"main (app.py:1);a (app.py:10) 4000\n"
		"main (app.py:1);a (app.py:10);b (lib.py:5) 8000\n"
		"main (app.py:1);a (app.py:10);b (lib.py:5);"
		"<built-in method builtins.len> 6000\n");
	free(got);
}

static void
test_units(void **state)
{
	struct fg_pstats_opts o = FG_PSTATS_OPTS_INIT;

	o.unit = FG_PSTATS_NS;
	assert_folded("recursion", &o,
		"main (app.py:1) 1000000\n"
		"main (app.py:1);fib (rec.py:3) 5000000\n"
		"main (app.py:1);walk (rec.py:10) 2000000\n"
		"main (app.py:1);walk (rec.py:10);walk_children (rec.py:20) 3000000\n");
	o.unit = FG_PSTATS_MS;
	assert_folded("recursion", &o,
		"main (app.py:1) 1\n"
		"main (app.py:1);fib (rec.py:3) 5\n"
		"main (app.py:1);walk (rec.py:10) 2\n"
		"main (app.py:1);walk (rec.py:10);walk_children (rec.py:20) 3\n");
	o.unit = FG_PSTATS_S;
	assert_folded("counts", &o,
		"<profile> 0.0005\n"
		"main (app.py:1) 0.001\n"
		"main (app.py:1);a (app.py:10) 0.002\n"
		"main (app.py:1);a (app.py:10);helper (lib.py:40) 0.006\n"
		"main (app.py:1);b (lib.py:5) 0.002\n"
		"main (app.py:1);b (lib.py:5);helper (lib.py:40) 0.002\n");
}

static void
test_paths(void **state)
{
	struct fg_pstats_opts o = FG_PSTATS_OPTS_INIT;

	o.path = FG_PSTATS_PATH_FULL;
	o.no_lines = true;
	assert_folded("chain", &o,
		"main (/src/app.py) 1000\n"
		"main (/src/app.py);a (/src/app.py) 2000\n"
		"main (/src/app.py);a (/src/app.py);b (/src/lib.py) 4000\n"
		"main (/src/app.py);a (/src/app.py);b (/src/lib.py);"
		"<built-in method builtins.len> 3000\n");
	o.path = FG_PSTATS_PATH_RELATIVE;
	o.relative_dir = "/src/";
	o.no_lines = false;
	assert_folded("chain", &o,
		"main (app.py:1) 1000\n"
		"main (app.py:1);a (app.py:10) 2000\n"
		"main (app.py:1);a (app.py:10);b (lib.py:5) 4000\n"
		"main (app.py:1);a (app.py:10);b (lib.py:5);"
		"<built-in method builtins.len> 3000\n");
	/* a file outside the directory keeps its full name */
	o.relative_dir = "/sr";
	assert_folded("recursion", &o,
		"main (/src/app.py:1) 1000\n"
		"main (/src/app.py:1);fib (/src/rec.py:3) 5000\n"
		"main (/src/app.py:1);walk (/src/rec.py:10) 2000\n"
		"main (/src/app.py:1);walk (/src/rec.py:10);walk_children (/src/rec.py:20) 3000\n");
}

/* --no-lines merges same-named functions of a file by their frames. */
static void
test_no_lines_merges(void **state)
{
	struct fg_pstats_opts o = FG_PSTATS_OPTS_INIT;
	struct fg_pstats_result r1, r2;
	const char *names[] = { "workload-cprofile-py3.13", NULL };
	char *a = folded(names, NULL, &r1), *b;

	o.no_lines = true;
	b = folded(names, &o, &r2);
	assert_true(strlen(b) < strlen(a));
	assert_null(strstr(b, ".py:"));
	assert_int_equal(fg_count_cmp(&r1.out_total, &r2.out_total), 0);
	free(a);
	free(b);
}

static void
test_min_percent(void **state)
{
	struct fg_pstats_opts o = FG_PSTATS_OPTS_INIT;
	struct fg_pstats_result r1, r2;
	const char *names[] = { "workload-cprofile-py3.11", NULL };
	char *a = folded(names, NULL, &r1), *b;
	size_t la = 0, lb = 0;
	const char *p;

	o.min_fraction = 0.01;
	b = folded(names, &o, &r2);
	for (p = a; *p; p++)
		la += *p == '\n';
	for (p = b; *p; p++)
		lb += *p == '\n';
	assert_true(lb < la / 4);
	assert_true(r2.pruned > 0);
	/* totals do not change */
	assert_int_equal(fg_count_cmp(&r1.out_total, &r2.out_total), 0);
	free(a);
	free(b);
	/*
	 * diamond (9 ms) at 25 %: c under a (2 ms) folds into a, d under
	 * c under b (2 ms) into that c; c under b (4 ms) stays.
	 */
	o.min_fraction = 0.25;
	assert_folded("diamond", &o,
		"main (app.py:1) 1000\n"
		"main (app.py:1);a (app.py:10) 3000\n"
		"main (app.py:1);b (lib.py:5) 1000\n"
		"main (app.py:1);b (lib.py:5);c (lib.py:20) 4000\n");
}

static void
test_malformed(void **state)
{
	struct fg_pstats *ps = fg_pstats_new();
	struct fg_pstats_read st;
	struct fg_diag d = FG_DIAG_INIT;

	assert_int_equal(add_file(ps, "malformed", false, &st, &d), FG_OK);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.bad, 4);
	assert_non_null(strstr(st.first_bad.msg, "value is a list, not"));
	assert_true(strncmp(st.first_bad.msg, "byte ", 5) == 0);
	fg_pstats_free(ps);

	ps = fg_pstats_new();
	assert_int_equal(add_file(ps, "malformed", true, &st, &d), FG_EPARSE);
	assert_non_null(strstr(d.msg, "value is a list"));
	fg_pstats_free(ps);

	ps = fg_pstats_new();
	assert_int_equal(add_file(ps, "notdict", false, &st, &d), FG_EFORMAT);
	assert_non_null(strstr(d.msg, "is a list, not a dict"));
	assert_int_equal(add_file(ps, "truncated", false, &st, &d), FG_EPARSE);
	assert_string_equal(d.file, "truncated");
	assert_non_null(strstr(d.msg, "byte 1000: truncated"));
	fg_pstats_free(ps);
}

static void
test_overflow(void **state)
{
	struct fg_pstats *ps = fg_pstats_new();
	struct fg_pstats_opts o = FG_PSTATS_OPTS_INIT;
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(syms, 1);
	struct fg_pstats_result res;
	struct fg_pstats_read st;
	struct fg_diag d = FG_DIAG_INIT;

	/* an integer timer's 4.2e10 "seconds" are 4.2e19 ns */
	assert_int_equal(add_file(ps, "inttimer-profile-py3.13", true, &st, &d),
			 FG_OK);
	o.unit = FG_PSTATS_NS;
	assert_int_equal(fg_pstats_collapse(ps, &o, s, &res, &d), FG_ERANGE);
	assert_non_null(strstr(d.msg, "is more than 2^64 - 1 nanoseconds"));
	o.path = FG_PSTATS_PATH_RELATIVE;
	o.relative_dir = "";
	assert_int_equal(fg_pstats_collapse(ps, &o, s, &res, &d), FG_EINVAL);
	fg_stacks_free(s);
	fg_symtab_free(syms);
	fg_pstats_free(ps);
}

/*
 * Property 3 on one collapsed fixture: for each cProfile edge between
 * different SCCs whose two functions have frames of their own, the time
 * of the stacks in which the caller's frame is directly followed by the
 * callee's is the edge's ct, to 1 unit per such stack and 20 more (for
 * the stacks rounded to nothing). A profile with such edges must have
 * some checked.
 */
static void
check_edges(const char *name, const struct fg_pstats *ps,
	    const struct fg_stacks *s, double scale, unsigned dec)
{
	const struct fg_symtab *syms = fg_stacks_symtab(s);
	size_t nsyms = fg_symtab_count(syms), nf = fg_pstats_count(ps);
	size_t ne = fg_pstats_edge_count(ps), i, j, checked = 0, timed = 0;
	unsigned *owners = calloc(nsyms, sizeof(unsigned));
	uint32_t *frame = malloc(nf * sizeof(uint32_t));
	uint32_t *scc = malloc(nf * sizeof(uint32_t));

	for (i = 0; i < nf; i++) {
		struct fg_pstats_func f;

		fg_pstats_func(ps, i, &f);
		frame[i] = f.frame;
		scc[i] = f.scc;
		if (f.frame != UINT32_MAX)
			owners[f.frame]++;
	}
	for (j = 0; j < ne; j++) {
		struct fg_pstats_edge e;
		double sum = 0;
		size_t nstacks = 0;

		fg_pstats_edge(ps, j, &e);
		if (e.counts || scc[e.caller] == UINT32_MAX ||
		    scc[e.callee] == UINT32_MAX ||
		    scc[e.caller] == scc[e.callee])
			continue;
		timed++;
		if (owners[frame[e.caller]] != 1 || owners[frame[e.callee]] != 1)
			continue;
		for (i = 0; i < fg_stacks_count(s); i++) {
			size_t n, k;
			const uint32_t *f = fg_stacks_frames(s, i, &n);
			uint64_t u;

			for (k = 0; k + 1 < n; k++)
				if (f[k] == frame[e.caller] &&
				    f[k + 1] == frame[e.callee])
					break;
			if (k + 1 >= n)
				continue;
			fg_count_to_units(&fg_stacks_counts(s, i)[0], dec, &u);
			sum += (double)u;
			nstacks++;
		}
		if (fabs(sum - e.ct * scale) > (double)nstacks + 20)
			fail_msg("%s: edge %s -> %s: %.0f units in %zu stacks, ct %.3f",
				 name, fg_symtab_str(syms, frame[e.caller], NULL),
				 fg_symtab_str(syms, frame[e.callee], NULL), sum,
				 nstacks, e.ct * scale);
		checked++;
	}
	if (timed > 0 && checked == 0)
		fail_msg("%s: no edge checked", name);
	free(owners);
	free(frame);
	free(scc);
}

/*
 * The invariants on one fixture: the output total is total_tt (rounded
 * to 1 us) and each frame's self time is the tt of the functions that
 * have that frame, to 1 us per function; edges keep their time.
 */
static void
check_invariants(const char *name)
{
	char path[512];
	json_error_t jerr;
	json_t *ej, *funcs, *fn;
	struct fg_pstats *ps = fg_pstats_new();
	struct fg_pstats_opts o = FG_PSTATS_OPTS_INIT;
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(syms, 1);
	struct fg_pstats_result res;
	struct fg_pstats_read st;
	struct fg_diag d = FG_DIAG_INIT;
	size_t i, nsyms, nf, matched = 0;
	double *self, *want, scale = 1e6, total_tt;
	unsigned *nfun;
	uint64_t total;
	bool inttimer = strstr(name, "inttimer") != NULL;

	snprintf(path, sizeof(path), "fixtures/pstats/%s.expect.json", name);
	ej = json_load_file(path, 0, &jerr);
	if (ej == NULL)
		fail_msg("%s: %s", path, jerr.text);
	funcs = json_object_get(ej, "functions");
	total_tt = json_number_value(json_object_get(ej, "total_tt"));
	if (add_file(ps, name, true, &st, &d) != FG_OK)
		fail_msg("%s: %s", name, d.msg);
	o.path = FG_PSTATS_PATH_FULL;
	/* integer timer ticks are taken as seconds: print them as such */
	if (inttimer)
		o.unit = FG_PSTATS_S;
	assert_int_equal(fg_pstats_collapse(ps, &o, s, &res, &d), FG_OK);
	assert_int_equal(res.pruned, 0);
	/* the total */
	assert_int_equal(fg_count_to_units(&res.out_total, inttimer ? 6 : 0,
					   &total), FG_OK);
	assert_true(fabs((double)total - nearbyint(total_tt * scale)) < 0.5);
	assert_true(fabs(res.total - total_tt) <= 1e-9 * total_tt);

	/* self time per frame */
	nsyms = fg_symtab_count(syms);
	self = calloc(nsyms, sizeof(double));
	want = calloc(nsyms, sizeof(double));
	nfun = calloc(nsyms, sizeof(unsigned));
	for (i = 0; i < fg_stacks_count(s); i++) {
		size_t n;
		const uint32_t *f = fg_stacks_frames(s, i, &n);
		uint64_t u;

		fg_count_to_units(&fg_stacks_counts(s, i)[0],
				  inttimer ? 6 : 0, &u);
		self[f[n - 1]] += (double)u;
	}
	/* every expect.json function is found in ps with the same tt */
	nf = fg_pstats_count(ps);
	json_array_foreach(funcs, i, fn) {
		const char *file = json_string_value(json_object_get(fn, "file"));
		const char *func = json_string_value(json_object_get(fn, "func"));
		json_int_t line = json_integer_value(json_object_get(fn, "line"));
		double tt = json_number_value(json_object_get(fn, "tt"));
		size_t k;

		for (k = 0; k < nf; k++) {
			struct fg_pstats_func pf;

			fg_pstats_func(ps, k, &pf);
			if (strcmp(pf.file, file) != 0 || pf.line != line)
				continue;
			/* code-object names are compared by their file */
			if (func != NULL && strcmp(pf.name, func) != 0)
				continue;
			if (func == NULL) {
				json_t *co = json_object_get(json_object_get(fn, "func"),
							     "__code_object__");
				char want_name[300];

				snprintf(want_name, sizeof(want_name),
					 "<code object %s, file \"%s\"",
					 json_string_value(json_object_get(co, "co_name")),
					 json_string_value(json_object_get(co, "co_filename")));
				if (strncmp(pf.name, want_name, strlen(want_name)) != 0)
					continue;
			}
			if (pf.tt != tt)
				fail_msg("%s: %s:%lld %s: tt %.17g, expected %.17g",
					 name, file, (long long)line, pf.name,
					 pf.tt, tt);
			if (pf.fake) {
				uint32_t id = fg_symtab_find(syms, "<profile>", 9);

				if (id != UINT32_MAX) {
					want[id] += tt * scale;
					nfun[id]++;
				}
			} else {
				want[pf.frame] += tt * scale;
				nfun[pf.frame]++;
			}
			matched++;
			break;
		}
		if (k == nf)
			fail_msg("%s: %s:%lld %s not found", name, file,
				 (long long)line, func ? func : "(code)");
	}
	assert_int_equal(matched, json_array_size(funcs));
	assert_int_equal(matched, nf);
	for (i = 0; i < nsyms; i++) {
		double tol = nfun[i] ? nfun[i] : 1;

		if (fabs(self[i] - want[i]) > tol)
			fail_msg("%s: frame %s: self %.3f us, tt %.3f us", name,
				 fg_symtab_str(syms, (uint32_t)i, NULL),
				 self[i], want[i]);
	}
	free(self);
	free(want);
	free(nfun);
	/*
	 * Edges in nanoseconds: in microseconds, the many sub-unit stacks
	 * of a widely shared callee round to nothing and leave the output.
	 */
	if (!inttimer) {
		struct fg_symtab *syms2 = fg_symtab_new();
		struct fg_stacks *s2 = fg_stacks_new(syms2, 1);

		o.unit = FG_PSTATS_NS;
		assert_int_equal(fg_pstats_collapse(ps, &o, s2, &res, &d), FG_OK);
		check_edges(name, ps, s2, 1e9, 0);
		fg_stacks_free(s2);
		fg_symtab_free(syms2);
	}
	json_decref(ej);
	fg_stacks_free(s);
	fg_symtab_free(syms);
	fg_pstats_free(ps);
}

static void
test_invariants_all_fixtures(void **state)
{
	glob_t g;
	size_t i, n = 0;

	assert_int_equal(glob("fixtures/pstats/*.expect.json", 0, NULL, &g), 0);
	for (i = 0; i < g.gl_pathc; i++) {
		char name[256];
		const char *base = strrchr(g.gl_pathv[i], '/') + 1;
		size_t len = strlen(base) - strlen(".expect.json");

		memcpy(name, base, len);
		name[len] = '\0';
		check_invariants(name);
		n++;
	}
	globfree(&g);
	/* 8 shared files, 11 made here, 5 hand-made, 1 merged */
	assert_true(n >= 25);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_diamond),
		cmocka_unit_test(test_recursion),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_no_lines_merges),
		cmocka_unit_test(test_min_percent),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_invariants_all_fixtures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
