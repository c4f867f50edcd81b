/*
 * test_scalene.c - unit tests for scalene.c: totals against the real
 * profiles' own sums, rounding that keeps totals, the function of a line,
 * the stack shapes, frame text and the errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fg/fg.h"

#define REAL "fixtures/scalene/real/"
#define SYNTH "fixtures/scalene/synthetic/"

static const char *const real_files[] = {
	"scalene-repo.gui-profile.2024-11.v1.5.4x",
	"code-challenge.gpu.v2.1",
	"crix-scraper.stacks-combined.v2.3",
};

/* A collapse into a fresh table; the folded text goes to *text. */
struct run {
	struct fg_symtab *syms;
	struct fg_stacks *s;
	struct fg_scalene_stats st;
	struct fg_diag d;
	char *text;
	size_t len;
	int rc;
};

static void
run_profile(struct run *r, struct fg_scalene *p,
	    const struct fg_scalene_opts *o)
{
	FILE *fp;

	memset(r, 0, sizeof(*r));
	r->syms = fg_symtab_new();
	r->s = fg_stacks_new(r->syms, 1);
	r->rc = fg_scalene_collapse(p, o, r->s, &r->st, &r->d);
	fp = open_memstream(&r->text, &r->len);
	assert_non_null(fp);
	assert_int_equal(fg_folded_write(r->s, fp), FG_OK);
	fclose(fp);
}

static void
run_free(struct run *r)
{
	free(r->text);
	fg_stacks_free(r->s);
	fg_symtab_free(r->syms);
}

/* Collapses the JSON text json with o; the profile is freed. */
static void
run_text(struct run *r, const char *json, const struct fg_scalene_opts *o)
{
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_scalene *p = fg_scalene_load_mem(json, strlen(json), "t.json",
						   &d);

	if (p == NULL)
		fail_msg("load: %s", d.msg);
	run_profile(r, p, o);
	fg_scalene_free(p);
}

/* The sum of the table's counts, which must equal st.total. */
static uint64_t
table_total(const struct run *r)
{
	struct fg_count t;

	assert_int_equal(fg_stacks_total(r->s, 0, &t), FG_OK);
	assert_int_equal(t.frac, 0);
	assert_int_equal(t.n, r->st.total);
	return t.n;
}

static double
totals_num(json_t *totals, const char *k1, const char *k2, const char *k3)
{
	json_t *v = json_object_get(totals, k1);

	if (k2 != NULL)
		v = json_object_get(v, k2);
	if (k3 != NULL)
		v = json_object_get(v, k3);
	assert_true(json_is_number(v));
	return json_number_value(v);
}

/*
 * Each real profile against its .totals.json: the line table's cpu and
 * memory totals are the rounded sums over all lines, and the stack
 * sources give the sums of their weights.
 */
static void
test_real_totals(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(real_files) / sizeof(real_files[0]); i++) {
		struct fg_scalene_opts o = FG_SCALENE_OPTS_INIT;
		char path[256], tpath[256];
		struct fg_diag d = FG_DIAG_INIT;
		json_error_t jerr;
		json_t *totals, *keys, *v;
		struct fg_scalene *p;
		struct run r;
		double el, want;
		const char *key;

		snprintf(path, sizeof(path), REAL "%s.json", real_files[i]);
		snprintf(tpath, sizeof(tpath), REAL "%s.totals.json",
			 real_files[i]);
		totals = json_load_file(tpath, 0, &jerr);
		assert_non_null(totals);
		p = fg_scalene_load(path, &d);
		assert_non_null(p);
		el = totals_num(totals, "elapsed_time_sec", NULL, NULL);

		o.source = FG_SCALENE_SRC_LINES;
		run_profile(&r, p, &o);
		assert_int_equal(r.rc, FG_OK);
		assert_int_equal(r.st.bad, 0);
		want = (totals_num(totals, "sum_over_lines", "n_cpu_percent_python", NULL) +
			totals_num(totals, "sum_over_lines", "n_cpu_percent_c", NULL) +
			totals_num(totals, "sum_over_lines", "n_sys_percent", NULL)) /
			100 * el * 1e6;
		assert_true(fabsl(r.st.exact - want) < 1e-6 * want);
		assert_int_equal(table_total(&r), (uint64_t)llround(want));
		assert_int_equal(r.st.entries,
				 (unsigned long)totals_num(totals, "n_lines", NULL, NULL));
		/* the file-level percent_cpu_time says the same */
		assert_non_null(r.st.ref_what);
		want = totals_num(totals, "sum_percent_cpu_time_over_files", NULL,
				  NULL) / 100 * el * 1e6;
		assert_true(fabsl(r.st.ref - want) < 1e-6 * want);
		assert_true(fabsl(r.st.ref - r.st.exact) < 1e-6 * want);
		run_free(&r);

		/* --split: the same total, in three parts */
		o.split = true;
		run_profile(&r, p, &o);
		assert_int_equal(r.rc, FG_OK);
		assert_int_equal(table_total(&r), (uint64_t)llround(want));
		run_free(&r);
		o.split = false;

		o.metric = FG_SCALENE_MEMORY;
		run_profile(&r, p, &o);
		assert_int_equal(r.rc, FG_OK);
		want = totals_num(totals, "sum_over_lines", "n_malloc_mb", NULL) * 1024;
		assert_true(fabsl(r.st.exact - want) < 1e-6 * want);
		assert_int_equal(table_total(&r), (uint64_t)llround(want));
		run_free(&r);

		keys = json_object_get(totals, "stacks_like_keys");
		json_object_foreach(keys, key, v) {
			double sum = totals_num(v, "sum_counts", NULL, NULL);

			o = (struct fg_scalene_opts)FG_SCALENE_OPTS_INIT;
			if (json_integer_value(json_object_get(v, "entries")) == 0)
				continue;
			if (strcmp(key, "stacks") == 0) {
				o.source = FG_SCALENE_SRC_STACKS;
			} else if (strcmp(key, "combined_stacks") == 0) {
				o.source = FG_SCALENE_SRC_COMBINED;
			} else if (strcmp(key, "memory_stacks") == 0) {
				o.source = FG_SCALENE_SRC_MEMORY_STACKS;
				o.metric = FG_SCALENE_MEMORY;
				sum *= 1024;
			} else {
				continue;
			}
			run_profile(&r, p, &o);
			assert_int_equal(r.rc, FG_OK);
			assert_int_equal(r.st.bad, 0);
			assert_int_equal(table_total(&r), (uint64_t)llround(sum));
			assert_int_equal(r.st.entries, json_integer_value(
				json_object_get(v, "entries")));
			run_free(&r);
		}
		json_decref(totals);
		fg_scalene_free(p);
	}
}

#define HEAD "{\"elapsed_time_sec\": 1.0, \"files\": {\"/p/a.py\": {\"lines\": ["
#define TAIL "]}}}"
#define LINE(n, text, py) \
	"{\"lineno\": " #n ", \"line\": \"" text "\", \"n_cpu_percent_python\": " \
	#py ", \"n_cpu_percent_c\": 0.0, \"n_sys_percent\": 0.0, " \
	"\"n_malloc_mb\": 0.0}"

/* Reads a folded file into a fresh table of syms. */
static struct fg_stacks *
read_folded(const char *path, struct fg_symtab *syms)
{
	struct fg_stacks *s = fg_stacks_new(syms, 1);
	struct fg_folded_opts fo = FG_FOLDED_OPTS_INIT;
	struct fg_folded_stats fst;
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_lines *in = fg_lines_open(path, &d);

	assert_non_null(in);
	fo.counts = FG_FOLDED_ONE;
	fo.strict = true;
	assert_int_equal(fg_folded_read(in, s, &fo, &fst, &d), FG_OK);
	fg_lines_close(in);
	return s;
}

/*
 * Against the reference outputs of the format notes (the research
 * implementation, fixtures/scalene/NAME/expected): the same stacks with
 * the same frame names, each count within 1 (the notes round each stack
 * on its own; this rounds the total once), and the total the unrounded
 * total rounded.
 */
static void
test_reference_outputs(void **state)
{
	static const struct {
		const char *dir, *name, *kind;
		enum fg_scalene_source source;
		enum fg_scalene_metric metric;
	} refs[] = {
		{ REAL, "code-challenge.gpu.v2.1", "cpu-lines", FG_SCALENE_SRC_LINES, FG_SCALENE_CPU },
		{ REAL, "code-challenge.gpu.v2.1", "memory-lines", FG_SCALENE_SRC_LINES, FG_SCALENE_MEMORY },
		{ REAL, "crix-scraper.stacks-combined.v2.3", "cpu-lines", FG_SCALENE_SRC_LINES, FG_SCALENE_CPU },
		{ REAL, "crix-scraper.stacks-combined.v2.3", "memory-lines", FG_SCALENE_SRC_LINES, FG_SCALENE_MEMORY },
		{ REAL, "crix-scraper.stacks-combined.v2.3", "stacks", FG_SCALENE_SRC_STACKS, FG_SCALENE_CPU },
		{ REAL, "crix-scraper.stacks-combined.v2.3", "combined", FG_SCALENE_SRC_COMBINED, FG_SCALENE_CPU },
		{ REAL, "crix-scraper.stacks-combined.v2.3", "memory_stacks", FG_SCALENE_SRC_MEMORY_STACKS, FG_SCALENE_MEMORY },
		{ REAL, "scalene-repo.gui-profile.2024-11.v1.5.4x", "cpu-lines", FG_SCALENE_SRC_LINES, FG_SCALENE_CPU },
		{ REAL, "scalene-repo.gui-profile.2024-11.v1.5.4x", "memory-lines", FG_SCALENE_SRC_LINES, FG_SCALENE_MEMORY },
		{ SYNTH, "scalene-v1.5.26.stacks-file-line", "cpu-lines", FG_SCALENE_SRC_LINES, FG_SCALENE_CPU },
		{ SYNTH, "scalene-v1.5.26.stacks-file-line", "memory-lines", FG_SCALENE_SRC_LINES, FG_SCALENE_MEMORY },
		{ SYNTH, "scalene-v1.5.26.stacks-file-line", "stacks", FG_SCALENE_SRC_STACKS, FG_SCALENE_CPU },
		{ SYNTH, "scalene-v1.5.40.stacks-tuple-values", "cpu-lines", FG_SCALENE_SRC_LINES, FG_SCALENE_CPU },
		{ SYNTH, "scalene-v1.5.40.stacks-tuple-values", "memory-lines", FG_SCALENE_SRC_LINES, FG_SCALENE_MEMORY },
		{ SYNTH, "scalene-v1.5.40.stacks-tuple-values", "stacks", FG_SCALENE_SRC_STACKS, FG_SCALENE_CPU },
		{ SYNTH, "scalene-v2.1.stacks-strings", "cpu-lines", FG_SCALENE_SRC_LINES, FG_SCALENE_CPU },
		{ SYNTH, "scalene-v2.1.stacks-strings", "memory-lines", FG_SCALENE_SRC_LINES, FG_SCALENE_MEMORY },
		{ SYNTH, "scalene-v2.1.stacks-strings", "stacks", FG_SCALENE_SRC_STACKS, FG_SCALENE_CPU },
	};
	size_t i, k;

	for (i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		struct fg_scalene_opts o = FG_SCALENE_OPTS_INIT;
		struct fg_diag d = FG_DIAG_INIT;
		char path[512];
		struct fg_scalene *p;
		struct fg_stacks *want;
		struct run r;

		snprintf(path, sizeof(path), "%s%s.json", refs[i].dir,
			 refs[i].name);
		p = fg_scalene_load(path, &d);
		assert_non_null(p);
		o.source = refs[i].source;
		o.metric = refs[i].metric;
		run_profile(&r, p, &o);
		assert_int_equal(r.rc, FG_OK);
		assert_true((long double)r.st.total == roundl(r.st.exact));
		snprintf(path, sizeof(path), "%sexpected/%s.%s.folded",
			 refs[i].dir, refs[i].name, refs[i].kind);
		want = read_folded(path, r.syms);
		assert_int_equal(fg_stacks_count(want), fg_stacks_count(r.s));
		for (k = 0; k < fg_stacks_count(want); k++) {
			size_t n, j;
			const uint32_t *ids = fg_stacks_frames(want, k, &n);
			uint64_t w = fg_stacks_counts(want, k)[0].n, g;

			j = fg_stacks_find(r.s, ids, n);
			if (j == SIZE_MAX)
				fail_msg("%s: a stack of the reference is missing",
					 path);
			g = fg_stacks_counts(r.s, j)[0].n;
			assert_true(g + 1 >= w && w + 1 >= g);
		}
		fg_stacks_free(want);
		run_free(&r);
		fg_scalene_free(p);
	}
}

/*
 * Three equal thirds of a unit: the total 1 goes to the stack that sorts
 * first, the others get nothing and are not written; nothing is lost.
 */
static void
test_rounding_keeps_total(void **state)
{
	struct fg_scalene_opts o = FG_SCALENE_OPTS_INIT;
	struct run r;

	o.unit = FG_SCALENE_UNIT_S;
	o.source = FG_SCALENE_SRC_LINES;
	run_text(&r, "{\"elapsed_time_sec\": 1.0, \"files\": {"
		 "\"/b.py\": {\"lines\": [" LINE(1, "x", 33.4) "]},"
		 "\"/a.py\": {\"lines\": [" LINE(1, "x", 33.3) "]},"
		 "\"/c.py\": {\"lines\": [" LINE(1, "x", 33.3) "]}}}", &o);
	assert_int_equal(r.rc, FG_OK);
	assert_int_equal(r.st.total, 1);
	assert_int_equal(r.st.stacks, 1);
	/* the largest remainder wins: b.py's 0.334 */
	assert_string_equal(r.text, "/b.py;<module>;b.py:1 1\n");
	run_free(&r);

	/* equal remainders: the first in sorted order */
	run_text(&r, "{\"elapsed_time_sec\": 3.0, \"files\": {"
		 "\"/b.py\": {\"lines\": [" LINE(1, "x", 50) "]},"
		 "\"/a.py\": {\"lines\": [" LINE(1, "x", 50) "]}}}", &o);
	assert_int_equal(r.st.total, 3);
	assert_string_equal(r.text, "/a.py;<module>;a.py:1 2\n"
			    "/b.py;<module>;b.py:1 1\n");
	run_free(&r);

	/* per-line rounding would give 0 + 0 + 0; the total 1.2 gives 1 */
	o.unit = FG_SCALENE_UNIT_US;
	run_text(&r, "{\"elapsed_time_sec\": 1e-6, \"files\": {"
		 "\"/a.py\": {\"lines\": [" LINE(1, "x", 40) "," LINE(2, "y", 40)
		 "," LINE(3, "z", 40) ", " LINE(4, "w", 0) "]}}}", &o);
	assert_int_equal(r.rc, FG_OK);
	assert_int_equal(r.st.total, 1);
	assert_int_equal(table_total(&r), 1);
	run_free(&r);
}

/* The enclosing function from the embedded source (no ranges). */
static void
test_function_by_indentation(void **state)
{
	struct fg_scalene_opts o = FG_SCALENE_OPTS_INIT;
	struct run r;

	o.source = FG_SCALENE_SRC_LINES;
	o.frames = FG_SCALENE_FRAMES_PYSPY;
	run_text(&r, HEAD
		 LINE(1, "import os\\n", 0) ","
		 LINE(2, "class K:\\n", 1) ","
		 LINE(3, "    n = 1\\n", 1) ","
		 LINE(4, "    @property\\n", 1) ","
		 LINE(5, "    def m(self):\\n", 1) ","
		 LINE(6, "        for i in x:\\n", 1) ","
		 LINE(7, "\\n", 1) ","
		 LINE(8, "            # c\\n", 0) ","
		 LINE(9, "            y = i\\n", 1) ","
		 LINE(10, "    async  def\\tg(self):\\n", 0) ","
		 LINE(11, "\\treturn 2\\n", 1) ","
		 LINE(12, "def definitely():\\n", 0) ","
		 LINE(13, "    pass\\n", 1) ","
		 LINE(14, "x = 2\\n", 1) ","
		 LINE(16, "    orphan()\\n", 1)
		 "], \"functions\": [{\"line\": \"K.m\", \"lineno\": 4},"
		 "{\"line\": \"K.g\", \"lineno\": 10}" TAIL, &o);
	assert_int_equal(r.rc, FG_OK);
	assert_string_equal(r.text,
		"<module> (/p/a.py:14) 10000\n"
		"K (/p/a.py:2) 10000\n"
		"K (/p/a.py:3) 10000\n"
		"K.g (/p/a.py:11) 10000\n"
		"K.g (/p/a.py:16) 10000\n"
		"K.m (/p/a.py:4) 10000\n"
		"K.m (/p/a.py:5) 10000\n"
		"K.m (/p/a.py:6) 10000\n"
		"K.m (/p/a.py:7) 10000\n"
		"K.m (/p/a.py:9) 10000\n"
		"definitely (/p/a.py:13) 10000\n");
	run_free(&r);
}

/* start_function_line (2.1+) and its special cases. */
#define RLINE(n, text, sfl) \
	"{\"lineno\": " #n ", \"line\": \"" text "\", \"start_function_line\": " \
	#sfl ", \"n_cpu_percent_python\": 1.0, \"n_cpu_percent_c\": 0.0, " \
	"\"n_sys_percent\": 0.0}"

static void
test_function_by_range(void **state)
{
	struct fg_scalene_opts o = FG_SCALENE_OPTS_INIT;
	struct run r;

	o.source = FG_SCALENE_SRC_LINES;
	run_text(&r, HEAD
		 RLINE(1, "@deco\\n", 0) ","
		 RLINE(2, "def f():\\n", 2) ","
		 RLINE(3, "    return 1\\n", 2) ","
		 RLINE(4, "f()\\n", 0) ","
		 RLINE(5, "    x\\n", 9)
		 "], \"functions\": [{\"line\": \"Outer.f\", \"lineno\": 1}" TAIL,
		 &o);
	assert_int_equal(r.rc, FG_OK);
	/*
	 * line 5's range points at a line that is not there: the source
	 * decides (line 4 above it is at module level)
	 */
	assert_string_equal(r.text,
		"/p/a.py;<module>;a.py:4 10000\n"
		"/p/a.py;<module>;a.py:5 10000\n"
		"/p/a.py;Outer.f;a.py:1 10000\n"
		"/p/a.py;Outer.f;a.py:2 10000\n"
		"/p/a.py;Outer.f;a.py:3 10000\n");
	run_free(&r);
}

/* Every shape of "stacks", and frame text that needs care. */
static void
test_stack_shapes(void **state)
{
	struct fg_scalene_opts o = FG_SCALENE_OPTS_INIT;
	struct run r;

	o.source = FG_SCALENE_SRC_STACKS;
	run_text(&r, "{\"elapsed_time_sec\": 1.0, \"files\": {\"/p/a.py\": "
		 "{\"lines\": [" RLINE(3, "def g():\\n", 3) "]}}, \"stacks\": ["
		 "[[\"/my dir/a b.py f:12;\"], {\"count\": 2}],"
		 "[[\"/x;y.py h\\nz:7\"], 3],"
		 "[[[\"/p/a.py\", 3]], [4, 0.1, 0.2, 0.3]],"
		 "[[[\"/q.py\", 5]], 5],"
		 "[[[\"/p/a.py\", \"w\", 9]], 6],"
		 "[[\"/my dir/a b.py f:12;\"], {\"count\": 1.0}]]}", &o);
	assert_int_equal(r.rc, FG_OK);
	assert_int_equal(r.st.bad, 0);
	assert_string_equal(r.text,
		"? (/q.py:5) 5\n"
		"f (/my dir/a b.py:12) 3\n"
		"g (/p/a.py:3) 4\n"
		"h z (/x:y.py:7) 3\n"
		"w (/p/a.py:9) 6\n");
	run_free(&r);

	/* the same profile read from the line table ignores them */
	o.source = FG_SCALENE_SRC_AUTO;
	o.metric = FG_SCALENE_PYTHON;
	run_text(&r, "{\"elapsed_time_sec\": 1.0, \"files\": {\"/p/a.py\": "
		 "{\"lines\": [" RLINE(3, "def g():\\n", 3) "]}}, \"stacks\": "
		 "[[[\"a f:1;\"], 1]]}", &o);
	assert_int_equal(r.st.source, FG_SCALENE_SRC_LINES);
	assert_string_equal(r.text, "/p/a.py;g;a.py:3 10000\n");
	run_free(&r);
}

/* Malformed entries: counted, the first one named, or fatal (strict). */
static void
test_malformed(void **state)
{
	static const char json[] = HEAD
		"{\"line\": \"x\", \"n_cpu_percent_python\": 1.0},"
		LINE(2, "y", 2.0) ","
		"{\"lineno\": 3, \"n_cpu_percent_python\": NaN, "
		"\"n_cpu_percent_c\": 0, \"n_sys_percent\": 0},"
		"{\"lineno\": 4, \"n_cpu_percent_python\": -Infinity, "
		"\"n_cpu_percent_c\": 0, \"n_sys_percent\": 0}" TAIL;
	struct fg_scalene_opts o = FG_SCALENE_OPTS_INIT;
	struct run r;

	run_text(&r, json, &o);
	assert_int_equal(r.rc, FG_OK);
	assert_int_equal(r.st.entries, 4);
	assert_int_equal(r.st.bad, 3);
	assert_string_equal(r.st.first_bad.file, "t.json");
	assert_string_equal(r.st.first_bad.msg,
			    "files[\"/p/a.py\"].lines[0]: missing required field 'lineno'");
	assert_string_equal(r.text, "/p/a.py;<module>;a.py:2 20000\n");
	run_free(&r);

	o.strict = true;
	run_text(&r, json, &o);
	assert_int_equal(r.rc, FG_EPARSE);
	assert_string_equal(r.d.msg,
			    "files[\"/p/a.py\"].lines[0]: missing required field 'lineno'");
	assert_int_equal(r.len, 0);
	run_free(&r);
}

/* Loading: errors with their codes, lines and messages. */
static void
test_load_errors(void **state)
{
	static const struct {
		const char *json;
		unsigned long line;
		const char *msg;
	} cases[] = {
		{ "{\n\"files\": {\n", 3, "not valid JSON: " },
		{ "", 1, "not valid JSON: " },
		{ "[]", 0, "not a Scalene profile: the top level is not a JSON object" },
		{ "{\"is_child\": true}", 0, "only a child process's marker" },
		{ "{\"x\": 1}", 0, "not a Scalene profile: missing required field 'files'" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fg_diag d = FG_DIAG_INIT;
		struct fg_scalene *p;

		p = fg_scalene_load_mem(cases[i].json, strlen(cases[i].json),
					"e.json", &d);
		assert_null(p);
		assert_string_equal(d.file, "e.json");
		assert_int_equal(d.line, cases[i].line);
		assert_memory_equal(d.msg, cases[i].msg, strlen(cases[i].msg));
	}
}

/* Collapse errors: what the profile lacks, and options that clash. */
static void
test_collapse_errors(void **state)
{
	struct fg_scalene_opts o = FG_SCALENE_OPTS_INIT;
	struct fg_diag d = FG_DIAG_INIT;
	struct run r;

	o.metric = FG_SCALENE_GPU;
	run_text(&r, "{\"gpu\": false, \"elapsed_time_sec\": 1, \"files\": {}}", &o);
	assert_int_equal(r.rc, FG_EFORMAT);
	assert_non_null(strstr(r.d.msg, "no GPU data"));
	run_free(&r);

	o.metric = FG_SCALENE_CPU;
	run_text(&r, "{\"files\": {}}", &o);
	assert_int_equal(r.rc, FG_EFORMAT);
	assert_string_equal(r.d.msg, "missing required field 'elapsed_time_sec'");
	run_free(&r);

	o.metric = FG_SCALENE_MEMORY;
	run_text(&r, "{\"files\": {}}", &o);
	assert_int_equal(r.rc, FG_OK);
	assert_int_equal(r.st.total, 0);
	run_free(&r);

	o.source = FG_SCALENE_SRC_COMBINED;
	assert_int_equal(fg_scalene_check_opts(&o, &d), FG_EINVAL);
	o.metric = FG_SCALENE_CPU;
	assert_int_equal(fg_scalene_check_opts(&o, &d), FG_OK);
	o.split = true;
	assert_int_equal(fg_scalene_check_opts(&o, &d), FG_EINVAL);
	o.source = FG_SCALENE_SRC_AUTO;
	assert_int_equal(fg_scalene_check_opts(&o, &d), FG_OK);
	o.metric = FG_SCALENE_COPY;
	assert_int_equal(fg_scalene_check_opts(&o, &d), FG_EINVAL);
	o.split = false;
	o.unit = FG_SCALENE_UNIT_MS;
	assert_int_equal(fg_scalene_check_opts(&o, &d), FG_EINVAL);
	o.unit = FG_SCALENE_UNIT_GIB;
	assert_int_equal(fg_scalene_check_opts(&o, &d), FG_OK);
	o.no_native = true;
	assert_int_equal(fg_scalene_check_opts(&o, &d), FG_EINVAL);

	/* a total past 64 bits is refused, not wrapped */
	o = (struct fg_scalene_opts)FG_SCALENE_OPTS_INIT;
	o.source = FG_SCALENE_SRC_LINES;
	run_text(&r, HEAD LINE(1, "x", 1e300) TAIL, &o);
	assert_int_equal(r.rc, FG_ERANGE);
	assert_non_null(strstr(r.d.msg, "does not fit 64 bits"));
	run_free(&r);
	run_text(&r, HEAD LINE(1, "x", 1.8e15) TAIL, &o);
	assert_int_equal(r.rc, FG_OK);
	assert_int_equal(r.st.total, 18000000000000000000ULL);
	run_free(&r);

	/* an empty profile is no error */
	o = (struct fg_scalene_opts)FG_SCALENE_OPTS_INIT;
	run_text(&r, " {\n} ", &o);
	assert_int_equal(r.rc, FG_OK);
	assert_true(r.st.empty);
	assert_int_equal(r.len, 0);
	run_free(&r);
}

/* combined_stacks: frame text and the two filters. */
static void
test_combined(void **state)
{
	static const char json[] = "{\"elapsed_time_sec\": 1, \"files\": {},"
		"\"combined_stacks\": [[["
		"{\"kind\": \"py\", \"display_name\": \"f\", \"filename_or_module\": \"/a.py\", \"line\": 3},"
		"{\"kind\": \"native\", \"display_name\": \"_PyEval_EvalFrameDefault\", \"filename_or_module\": \"/opt/bin/app\", \"ip\": 1},"
		"{\"kind\": \"native\", \"display_name\": \"PyList_New\", \"filename_or_module\": \"/usr/lib/libpython3.11.so.1.0\", \"ip\": 2},"
		"{\"kind\": \"native\", \"display_name\": \"\", \"filename_or_module\": \"/lib/libz.so.1\", \"ip\": 255},"
		"{\"kind\": \"native\", \"display_name\": \"\", \"filename_or_module\": \"\", \"ip\": null},"
		"{\"kind\": \"native\", \"display_name\": \"memcpy\", \"filename_or_module\": \"/lib/libc.so.6\", \"ip\": 3}"
		"], 7]]}";
	struct fg_scalene_opts o = FG_SCALENE_OPTS_INIT;
	struct run r;

	run_text(&r, json, &o);
	assert_int_equal(r.st.source, FG_SCALENE_SRC_COMBINED);
	assert_int_equal(r.st.unit, FG_SCALENE_UNIT_SAMPLES);
	assert_string_equal(r.text, "f (/a.py:3);_PyEval_EvalFrameDefault (app);"
			    "PyList_New (libpython3.11.so.1.0);0xff (libz.so.1);"
			    "? (?);memcpy (libc.so.6) 7\n");
	run_free(&r);
	o.drop_interp = true;
	run_text(&r, json, &o);
	assert_string_equal(r.text, "f (/a.py:3);memcpy (libc.so.6) 7\n");
	run_free(&r);
	o.no_native = true;
	run_text(&r, json, &o);
	assert_string_equal(r.text, "f (/a.py:3) 7\n");
	run_free(&r);
}

/* A synthetic profile whose numbers are known: 200 samples, 62.25 MB. */
static void
test_units(void **state)
{
	struct fg_scalene_opts o = FG_SCALENE_OPTS_INIT;
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_scalene *p;
	struct run r;

	p = fg_scalene_load(SYNTH "scalene-v2.1.stacks-strings.json", &d);
	assert_non_null(p);
	o.source = FG_SCALENE_SRC_LINES;
	o.unit = FG_SCALENE_UNIT_MS;
	run_profile(&r, p, &o);
	assert_int_equal(r.st.total, 2000);
	run_free(&r);
	o.unit = FG_SCALENE_UNIT_NS;
	run_profile(&r, p, &o);
	assert_int_equal(r.st.total, 2000000000);
	run_free(&r);
	o.metric = FG_SCALENE_MEMORY;
	o.unit = FG_SCALENE_UNIT_B;
	run_profile(&r, p, &o);
	assert_int_equal(r.st.total, 62.25 * 1048576);
	run_free(&r);
	o.unit = FG_SCALENE_UNIT_DEFAULT;
	run_profile(&r, p, &o);
	assert_int_equal(r.st.unit, FG_SCALENE_UNIT_KIB);
	assert_int_equal(r.st.total, 62.25 * 1024);
	run_free(&r);
	o = (struct fg_scalene_opts)FG_SCALENE_OPTS_INIT;
	run_profile(&r, p, &o);
	assert_int_equal(r.st.source, FG_SCALENE_SRC_STACKS);
	assert_int_equal(r.st.total, 200);
	run_free(&r);
	fg_scalene_free(p);
}

/*
 * The compactor: blanks, the skipped sample lists (with strings, escapes,
 * brackets and NaN inside), non-JSON tokens, newlines kept for jansson's
 * line numbers; the same result wherever the 509-byte pieces of
 * fg_scalene_load_mem cut the text.
 */
static void
test_compactor(void **state)
{
	static const char body[] =
		"{\"elapsed_time_sec\": 2.0, \"samples\": [[1, 2.5], [3, NaN]],\n"
		" \"combined_stacks_timeline\": [{\"t_sec\": 0, \"x\": \"]\\\"[{\"}],\n"
		" \"files\": {\"/a \\\"b\\\".py\": {\"lines\": [\n"
		"  {\"lineno\": 1, \"line\": \"def f(): # [ ] NaN\\\\\", \"memory_samples\": [[1,\n 2], [3, 4]],\n"
		"   \"cpu_samples_list\": [1.5, -Infinity, Infinity], \"n_cpu_percent_python\": 25.0,\n"
		"   \"n_cpu_percent_c\": 0.0, \"n_sys_percent\": -Infinity, \"start_function_line\": 1}, \n"
		"  {\"lineno\": 2, \"line\": \"samples\", \"n_cpu_percent_python\": 25, "
		"\"n_cpu_percent_c\": 0, \"n_sys_percent\": 0, \"x\": [\"samples\", 1]}]}}}";
	struct fg_scalene_opts o = FG_SCALENE_OPTS_INIT;
	char *json = malloc(sizeof(body) + 1200);
	size_t pad;

	assert_non_null(json);
	for (pad = 0; pad < 1100; pad += 7) {
		struct run r;

		memset(json, ' ', pad);
		memcpy(json + pad, body, sizeof(body));
		run_text(&r, json, &o);
		assert_int_equal(r.rc, FG_OK);
		assert_int_equal(r.st.bad, 1);	/* n_sys_percent: -Infinity */
		assert_string_equal(r.text,
				    "/a \"b\".py;<module>;a \"b\".py:2 500000\n");
		run_free(&r);
	}
	free(json);

	/*
	 * The members holding sources are parsed when a collapse reads
	 * them: an error in one is reported then, at its input line, and
	 * does not stop a collapse that reads another. A repeated member
	 * counts once, the last, as in jansson.
	 */
	{
		static const char members[] =
			"{\"elapsed_time_sec\": 1,\n\"files\": {\n\"/a.py\": "
			"{\"lines\": [1,,2]}\n},\n\"combined_stacks\": [[[], 3]],"
			"\"combined_stacks\": [[[{\"kind\": \"py\", \"display_name\": \"f\","
			"\"filename_or_module\": \"/b.py\", \"line\": 2}], 4]]}";
		struct run r;

		o.source = FG_SCALENE_SRC_LINES;
		run_text(&r, members, &o);
		assert_int_equal(r.rc, FG_EPARSE);
		assert_int_equal(r.d.line, 3);
		assert_memory_equal(r.d.msg, "not valid JSON: ", 16);
		run_free(&r);
		o.source = FG_SCALENE_SRC_AUTO;
		run_text(&r, members, &o);
		assert_int_equal(r.rc, FG_OK);
		assert_string_equal(r.text, "f (/b.py:2) 4\n");
		run_free(&r);
	}

	/* an error after a multi-line skipped list: the line is right */
	{
		static const char bad[] = "{\"samples\": [1,\n2,\n3],\n\"files\": x}";
		struct fg_diag d = FG_DIAG_INIT;

		assert_null(fg_scalene_load_mem(bad, strlen(bad), "b.json", &d));
		assert_int_equal(d.line, 4);
	}
}

static void
test_names(void **state)
{
	int i;

	for (i = FG_SCALENE_CPU; i <= FG_SCALENE_GPU; i++)
		assert_int_equal(fg_scalene_metric_parse(
			fg_scalene_metric_name((enum fg_scalene_metric)i)), i);
	for (i = FG_SCALENE_SRC_AUTO; i <= FG_SCALENE_SRC_MEMORY_STACKS; i++)
		assert_int_equal(fg_scalene_source_parse(
			fg_scalene_source_name((enum fg_scalene_source)i)), i);
	for (i = FG_SCALENE_UNIT_NS; i <= FG_SCALENE_UNIT_SAMPLES; i++)
		assert_int_equal(fg_scalene_unit_parse(
			fg_scalene_unit_name((enum fg_scalene_unit)i)), i);
	assert_int_equal(fg_scalene_unit_parse("kib"), FG_SCALENE_UNIT_KIB);
	assert_int_equal(fg_scalene_unit_parse("default"), -1);
	assert_int_equal(fg_scalene_metric_parse("CPU"), -1);
	assert_int_equal(fg_scalene_source_parse("memory_stacks"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_totals),
		cmocka_unit_test(test_reference_outputs),
		cmocka_unit_test(test_rounding_keeps_total),
		cmocka_unit_test(test_function_by_indentation),
		cmocka_unit_test(test_function_by_range),
		cmocka_unit_test(test_stack_shapes),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_collapse_errors),
		cmocka_unit_test(test_combined),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_compactor),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
