/*
 * test_speedscope.c - unit tests for speedscope.c: speedscope and Chrome
 * trace JSON folded, units, exact totals and errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg/fg.h"

#define SCHEMA "{\"$schema\":\"" FG_SPEEDSCOPE_SCHEMA "\","

struct result {
	char *text;
	int rc;
	struct fg_speedscope_stats st;
	struct fg_diag d;
	char total[FG_COUNT_BUFSZ];
};

/* Folds the JSON doc (chrome: as a Chrome trace) in unit with opts. */
static void
fold_json(const char *doc, size_t n, bool chrome, enum fg_speedscope_unit unit,
	  const struct fg_pyspy_opts *o, struct result *r)
{
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(syms, 1);
	struct fg_pyspy *p;
	size_t len = 0;
	FILE *fp;

	memset(r, 0, sizeof(*r));
	p = fg_pyspy_new(s, o, &r->d);
	assert_non_null(p);
	if (chrome)
		r->rc = fg_speedscope_read_chrometrace(p, doc, n, "t.json",
						       unit, &r->st, &r->d);
	else
		r->rc = fg_speedscope_read(p, doc, n, "t.json", unit, &r->st,
					   &r->d);
	fg_count_format(&r->st.total, r->total);
	fp = open_memstream(&r->text, &len);
	assert_non_null(fp);
	assert_int_equal(fg_folded_write(s, fp), FG_OK);
	fclose(fp);
	fg_pyspy_free(p);
	fg_stacks_free(s);
	fg_symtab_free(syms);
}

static void
fold_doc(const char *doc, enum fg_speedscope_unit unit, struct result *r)
{
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;

	fold_json(doc, strlen(doc), false, unit, &o, r);
}

static void
test_detect(void **state)
{
	const char *ss = "\xef\xbb\xbf  " SCHEMA "\"profiles\":[]}";

	assert_int_equal(fg_speedscope_detect(ss, strlen(ss)),
			 FG_SPEEDSCOPE_FILE);
	assert_int_equal(fg_speedscope_detect("[{\"ph\":\"B\"}]", 12),
			 FG_SPEEDSCOPE_CHROMETRACE);
	assert_int_equal(fg_speedscope_detect("{\"traceEvents\":[]}", 18),
			 FG_SPEEDSCOPE_CHROMETRACE);
	assert_int_equal(fg_speedscope_detect("[]", 2),
			 FG_SPEEDSCOPE_CHROMETRACE);
	assert_int_equal(fg_speedscope_detect("{\"a\":1}", 7),
			 FG_SPEEDSCOPE_OTHER_JSON);
	assert_int_equal(fg_speedscope_detect("[1,2]", 5),
			 FG_SPEEDSCOPE_OTHER_JSON);
	assert_int_equal(fg_speedscope_detect("a;b 1\n", 6),
			 FG_SPEEDSCOPE_NONE);
	assert_int_equal(fg_speedscope_detect("", 0), FG_SPEEDSCOPE_NONE);
}

static void
test_sampled_duplicate_frames(void **state)
{
	struct result r;

	/* frames 0 and 2 are equal by value: their stacks merge */
	fold_doc(SCHEMA "\"profiles\":[{\"type\":\"sampled\",\"name\":\"T\","
		 "\"unit\":\"seconds\",\"startValue\":0,\"endValue\":0.04,"
		 "\"samples\":[[0,1],[2,1],[0],[]],"
		 "\"weights\":[0.01,0.01,0.01,0.01]}],"
		 "\"shared\":{\"frames\":[{\"name\":\"m\",\"file\":\"/a.py\",\"line\":1},"
		 "{\"name\":\"f\",\"file\":\"/a.py\",\"line\":null,\"col\":null},"
		 "{\"name\":\"m\",\"file\":\"/a.py\",\"line\":1}]}}",
		 FG_UNIT_AUTO, &r);
	assert_int_equal(r.rc, FG_OK);
	assert_string_equal(r.text, "T 1\nT;m (/a.py:1) 1\n"
				    "T;m (/a.py:1);f (/a.py) 2\n");
	assert_int_equal(r.st.unit, FG_UNIT_SAMPLES);
	assert_string_equal(r.total, "4");
	assert_int_equal(r.st.samples, 4);
	assert_int_equal(r.st.frames, 3);
	free(r.text);
}

static void
test_units_exact(void **state)
{
	const char *doc = SCHEMA "\"shared\":{\"frames\":[{\"name\":\"a\"},{\"name\":\"b\"}]},"
		"\"profiles\":[{\"type\":\"sampled\",\"name\":\"P\",\"unit\":\"milliseconds\","
		"\"samples\":[[0],[0,1],[0]],\"weights\":[0.1,0.2,0.3]}]}";
	struct result r;

	/* 0.1 is no divisor of 0.2 + 0.3 in doubles, but it is in decimals */
	fold_doc(doc, FG_UNIT_AUTO, &r);
	assert_int_equal(r.rc, FG_OK);
	assert_int_equal(r.st.unit, FG_UNIT_SAMPLES);
	assert_string_equal(r.text, "P;a 4\nP;a;b 2\n");
	free(r.text);
	fold_doc(doc, FG_UNIT_US, &r);
	assert_string_equal(r.text, "P;a 400\nP;a;b 200\n");
	assert_string_equal(r.total, "600");
	free(r.text);
	fold_doc(doc, FG_UNIT_S, &r);
	assert_string_equal(r.text, "P;a 0.0004\nP;a;b 0.0002\n");
	assert_string_equal(r.total, "0.0006");
	free(r.text);
}

static void
test_inexact_weights(void **state)
{
	const char *doc = SCHEMA "\"shared\":{\"frames\":[{\"name\":\"a\"}]},"
		"\"profiles\":[{\"type\":\"sampled\",\"name\":\"P\",\"unit\":\"seconds\","
		"\"samples\":[[0],[0],[0]],\"weights\":[2,3,0]}]}";
	struct result r;

	fold_doc(doc, FG_UNIT_AUTO, &r);
	assert_int_equal(r.rc, FG_OK);
	assert_int_equal(r.st.unit, FG_UNIT_US);
	assert_string_equal(r.text, "P;a 5000000\n");
	assert_int_equal(r.st.zero_weight, 1);
	free(r.text);
	fold_doc(doc, FG_UNIT_SAMPLES, &r);
	assert_int_equal(r.rc, FG_EFORMAT);
	assert_non_null(strstr(r.d.msg, "multiples"));
	free(r.text);
}

static void
test_unitless_and_bytes(void **state)
{
	const char *none = SCHEMA "\"shared\":{\"frames\":[{\"name\":\"a\"}]},"
		"\"profiles\":[{\"type\":\"sampled\",\"name\":\"P\",\"unit\":\"none\","
		"\"samples\":[[0],[0]],\"weights\":[4,2]}]}";
	const char *bytes = SCHEMA "\"shared\":{\"frames\":[{\"name\":\"a\"}]},"
		"\"profiles\":[{\"type\":\"sampled\",\"name\":\"P\",\"unit\":\"bytes\","
		"\"samples\":[[0],[0]],\"weights\":[4,2]}]}";
	struct result r;

	/* unitless weights are counts already: not divided by the smallest */
	fold_doc(none, FG_UNIT_AUTO, &r);
	assert_int_equal(r.rc, FG_OK);
	assert_int_equal(r.st.unit, FG_UNIT_SAMPLES);
	assert_string_equal(r.text, "P;a 6\n");
	free(r.text);
	fold_doc(bytes, FG_UNIT_AUTO, &r);
	assert_int_equal(r.rc, FG_OK);
	assert_int_equal(r.st.unit, FG_UNIT_WEIGHT);
	assert_string_equal(r.text, "P;a 6\n");
	free(r.text);
	fold_doc(bytes, FG_UNIT_SAMPLES, &r);
	assert_int_equal(r.rc, FG_EFORMAT);
	assert_non_null(strstr(r.d.msg, "bytes"));
	free(r.text);
}

static void
test_evented(void **state)
{
	struct result r;
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;
	const char *doc = SCHEMA "\"shared\":{\"frames\":[{\"name\":\"a\"},{\"name\":\"b\",\"file\":\"x.py\",\"line\":3}]},"
		"\"profiles\":[{\"type\":\"evented\",\"name\":\"E\",\"unit\":\"nanoseconds\","
		"\"startValue\":0,\"endValue\":10,\"events\":["
		"{\"type\":\"O\",\"at\":0,\"frame\":0},{\"type\":\"O\",\"at\":2.5,\"frame\":1},"
		"{\"type\":\"C\",\"at\":4,\"frame\":1},{\"type\":\"C\",\"at\":10,\"frame\":0},"
		"{\"type\":\"O\",\"at\":12,\"frame\":0},{\"type\":\"C\",\"at\":13,\"frame\":0}]}]}";

	fold_doc(doc, FG_UNIT_AUTO, &r);
	assert_int_equal(r.rc, FG_OK);
	assert_int_equal(r.st.unit, FG_UNIT_US);
	assert_string_equal(r.text, "E;a 0.0095\nE;a;b (x.py:3) 0.0015\n");
	assert_int_equal(r.st.events, 6);
	free(r.text);
	o.merge_threads = true;
	fold_json(doc, strlen(doc), false, FG_UNIT_AUTO, &o, &r);
	assert_string_equal(r.text, "a 0.0095\na;b (x.py:3) 0.0015\n");
	free(r.text);
	fold_doc(doc, FG_UNIT_SAMPLES, &r);
	assert_int_equal(r.rc, FG_EFORMAT);
	assert_non_null(strstr(r.d.msg, "evented"));
	free(r.text);
}

static void
test_evented_unbalanced(void **state)
{
	struct result r;

	fold_doc(SCHEMA "\"shared\":{\"frames\":[{\"name\":\"a\"},{\"name\":\"b\"}]},\n"
		 "\"profiles\":[{\"type\":\"evented\",\"name\":\"E\",\"unit\":\"none\",\"events\":[\n"
		 "{\"type\":\"O\",\"at\":0,\"frame\":0},\n"
		 "  {\"type\":\"C\",\"at\":1,\"frame\":1}]}]}", FG_UNIT_AUTO, &r);
	assert_int_equal(r.rc, FG_EFORMAT);
	assert_int_equal(r.d.line, 4);
	assert_int_equal(r.d.col, 3);
	assert_non_null(strstr(r.d.msg, "unbalanced"));
	free(r.text);
	fold_doc(SCHEMA "\"shared\":{\"frames\":[{\"name\":\"a\"}]},"
		 "\"profiles\":[{\"type\":\"evented\",\"name\":\"E\",\"unit\":\"none\",\"events\":["
		 "{\"type\":\"O\",\"at\":0,\"frame\":0}]}]}", FG_UNIT_AUTO, &r);
	assert_int_equal(r.rc, FG_EFORMAT);
	assert_non_null(strstr(r.d.msg, "still open"));
	free(r.text);
	fold_doc(SCHEMA "\"shared\":{\"frames\":[{\"name\":\"a\"}]},"
		 "\"profiles\":[{\"type\":\"evented\",\"name\":\"E\",\"unit\":\"none\",\"events\":["
		 "{\"type\":\"O\",\"at\":5,\"frame\":0},{\"type\":\"C\",\"at\":4,\"frame\":0}]}]}",
		 FG_UNIT_AUTO, &r);
	assert_int_equal(r.rc, FG_EFORMAT);
	assert_non_null(strstr(r.d.msg, "order"));
	free(r.text);
}

static void
test_json_errors(void **state)
{
	struct result r;

	fold_doc(SCHEMA "\n\"profiles\": [{\"type\":\"sampled\",\n  \"samples\":[[0],[0 0]]}]}",
		 FG_UNIT_AUTO, &r);
	assert_int_equal(r.rc, FG_EPARSE);
	assert_int_equal(r.d.line, 3);
	assert_non_null(strstr(r.d.msg, "invalid JSON"));
	assert_string_equal(r.d.file, "t.json");
	free(r.text);
	fold_doc(SCHEMA "\"profiles\":[]} x", FG_UNIT_AUTO, &r);
	assert_int_equal(r.rc, FG_EPARSE);
	assert_non_null(strstr(r.d.msg, "after the end"));
	free(r.text);
	fold_doc("{\"profiles\":[]}", FG_UNIT_AUTO, &r);
	assert_int_equal(r.rc, FG_EFORMAT);
	assert_non_null(strstr(r.d.msg, "$schema"));
	free(r.text);
	fold_doc(SCHEMA "\"shared\":{\"frames\":[]},\"profiles\":[{\"type\":\"sampled\","
		 "\"unit\":\"none\",\"samples\":[[3]],\"weights\":[1]}]}",
		 FG_UNIT_AUTO, &r);
	assert_int_equal(r.rc, FG_EFORMAT);
	assert_non_null(strstr(r.d.msg, "frame 3"));
	free(r.text);
	fold_doc(SCHEMA "\"profiles\":[{\"type\":\"sampled\",\"unit\":\"none\","
		 "\"samples\":[[0]],\"weights\":[-1]}]}", FG_UNIT_AUTO, &r);
	assert_int_equal(r.rc, FG_EFORMAT);
	free(r.text);
	fold_doc(SCHEMA "\"profiles\":[{\"type\":\"sampled\",\"unit\":\"parsecs\","
		 "\"samples\":[],\"weights\":[]}]}", FG_UNIT_AUTO, &r);
	assert_int_equal(r.rc, FG_EFORMAT);
	assert_non_null(strstr(r.d.msg, "unit"));
	free(r.text);
}

static void
test_mixed_units(void **state)
{
	const char *doc = SCHEMA "\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":["
		"{\"type\":\"sampled\",\"name\":\"A\",\"unit\":\"bytes\",\"samples\":[[0]],\"weights\":[3]},"
		"{\"type\":\"evented\",\"name\":\"B\",\"unit\":\"seconds\",\"events\":["
		"{\"type\":\"O\",\"at\":0,\"frame\":0},{\"type\":\"C\",\"at\":1,\"frame\":0}]}]}";
	struct result r;

	fold_doc(doc, FG_UNIT_AUTO, &r);
	assert_int_equal(r.rc, FG_EFORMAT);
	assert_non_null(strstr(r.d.msg, "different units"));
	free(r.text);
	fold_doc(doc, FG_UNIT_MS, &r);
	assert_int_equal(r.rc, FG_EFORMAT);
	assert_non_null(strstr(r.d.msg, "bytes"));
	free(r.text);
}

static void
test_chrometrace(void **state)
{
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;
	const char *doc =
		"[{\"args\":{\"filename\":\"/a.py\",\"line\":1},\"name\":\"m\",\"ph\":\"B\",\"pid\":1,\"tid\":5,\"ts\":10},"
		"{\"args\":{\"filename\":\"/a.py\",\"line\":2},\"name\":\"f\",\"ph\":\"B\",\"pid\":1,\"tid\":5,\"ts\":15},"
		"{\"name\":\"m\",\"ph\":\"B\",\"pid\":1,\"tid\":6,\"ts\":15},"
		"{\"name\":\"x\",\"ph\":\"M\",\"pid\":1,\"tid\":6},"
		"{\"args\":{\"filename\":\"/a.py\",\"line\":2},\"name\":\"f\",\"ph\":\"E\",\"pid\":1,\"tid\":5,\"ts\":40},"
		"{\"args\":{\"filename\":\"/a.py\",\"line\":1},\"name\":\"m\",\"ph\":\"E\",\"pid\":1,\"tid\":5,\"ts\":41.5},"
		"{\"name\":\"m\",\"ph\":\"E\",\"pid\":1,\"tid\":6,\"ts\":17}]";
	struct result r;

	fold_json(doc, strlen(doc), true, FG_UNIT_AUTO, &o, &r);
	assert_int_equal(r.rc, FG_OK);
	assert_string_equal(r.text, "m 2\nm (/a.py:1) 6.5\nm (/a.py:1);f (/a.py:2) 25\n");
	assert_string_equal(r.total, "33.5");
	assert_int_equal(r.st.threads, 2);
	assert_int_equal(r.st.other_events, 1);
	free(r.text);
	fold_json(doc, strlen(doc), true, FG_UNIT_MS, &o, &r);
	assert_string_equal(r.total, "0.0335");
	free(r.text);
	fold_json(doc, strlen(doc), true, FG_UNIT_SAMPLES, &o, &r);
	assert_int_equal(r.rc, FG_EFORMAT);
	free(r.text);
}

static void
test_chrometrace_errors(void **state)
{
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;
	struct result r;
	const char *x = "[{\"name\":\"a\",\"ph\":\"X\",\"ts\":1,\"dur\":2}]";
	const char *back = "[{\"name\":\"a\",\"ph\":\"B\",\"ts\":5},{\"name\":\"a\",\"ph\":\"E\",\"ts\":4}]";
	const char *open = "{\"traceEvents\":[{\"name\":\"a\",\"ph\":\"B\",\"ts\":5}]}";
	const char *e = "[{\"name\":\"a\",\"ph\":\"E\",\"ts\":5}]";

	fold_json(x, strlen(x), true, FG_UNIT_AUTO, &o, &r);
	assert_int_equal(r.rc, FG_EFORMAT);
	assert_non_null(strstr(r.d.msg, "'X'"));
	free(r.text);
	fold_json(back, strlen(back), true, FG_UNIT_AUTO, &o, &r);
	assert_int_equal(r.rc, FG_EFORMAT);
	assert_non_null(strstr(r.d.msg, "back in time"));
	free(r.text);
	fold_json(open, strlen(open), true, FG_UNIT_AUTO, &o, &r);
	assert_int_equal(r.rc, FG_EFORMAT);
	assert_non_null(strstr(r.d.msg, "still open"));
	free(r.text);
	fold_json(e, strlen(e), true, FG_UNIT_AUTO, &o, &r);
	assert_int_equal(r.rc, FG_EFORMAT);
	assert_non_null(strstr(r.d.msg, "nothing open"));
	free(r.text);
}

/* Reads a whole file of the fixtures. */
static char *
slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long len;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	buf[len] = '\0';
	*n = (size_t)len;
	return buf;
}

/*
 * The real py-spy file against its .totals: samples (weight / interval)
 * and the exact decimal sum of the weights in seconds.
 */
static void
test_totals_file(void **state)
{
	static const char base[] =
		"fixtures/pyspy/voronoi-pp.py-spy-0.4.1.py311.speedscope";
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;
	char path[256], line[512], name[128], wsum[64];
	unsigned long samples = 0, empty, by_weight = 0, idx;
	struct result r;
	size_t n;
	char *doc;
	FILE *fp;

	snprintf(path, sizeof(path), "%s.totals", base);
	fp = fopen(path, "r");
	assert_non_null(fp);
	wsum[0] = '\0';
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '#')
			continue;
		assert_int_equal(sscanf(line, "%lu\t%127[^\t]\t%*s\t%*s\t%lu\t%lu\t%63s\t%lu",
					&idx, name, &samples, &empty, wsum,
					&by_weight), 6);
	}
	fclose(fp);
	assert_true(samples > 0);
	snprintf(path, sizeof(path), "%s.json", base);
	doc = slurp(path, &n);
	fold_json(doc, n, false, FG_UNIT_AUTO, &o, &r);
	assert_int_equal(r.rc, FG_OK);
	assert_int_equal(r.st.samples, samples);
	assert_int_equal(r.st.total.n, by_weight);
	free(r.text);
	fold_json(doc, n, false, FG_UNIT_S, &o, &r);
	assert_int_equal(r.rc, FG_OK);
	assert_string_equal(r.total, wsum);
	free(r.text);
	free(doc);
}

/* Folds doc as fold_json does, but read from a file through a window. */
static void
fold_fd(const char *doc, size_t n, bool chrome, size_t window,
	struct result *r)
{
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(syms, 1);
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;
	struct fg_pyspy *p;
	FILE *tmp = tmpfile(), *fp;
	size_t len = 0, nhead = n < 5 ? n : 5;

	assert_non_null(tmp);
	/* the first bytes come as the head, the rest from the file */
	assert_int_equal(fwrite(doc + nhead, 1, n - nhead, tmp), n - nhead);
	fflush(tmp);
	rewind(tmp);
	memset(r, 0, sizeof(*r));
	p = fg_pyspy_new(s, &o, &r->d);
	fg_speedscope_set_window(window);
	if (chrome)
		r->rc = fg_speedscope_read_chrometrace_fd(p, fileno(tmp), doc,
							  nhead, "t.json",
							  FG_UNIT_AUTO, &r->st,
							  &r->d);
	else
		r->rc = fg_speedscope_read_fd(p, fileno(tmp), doc, nhead,
					      "t.json", FG_UNIT_AUTO, &r->st,
					      &r->d);
	fg_speedscope_set_window(256 * 1024);
	fg_count_format(&r->st.total, r->total);
	fp = open_memstream(&r->text, &len);
	assert_non_null(fp);
	assert_int_equal(fg_folded_write(s, fp), FG_OK);
	fclose(fp);
	fclose(tmp);
	fg_pyspy_free(p);
	fg_stacks_free(s);
	fg_symtab_free(syms);
}

/*
 * Every fixture, read from a descriptor through windows from 1 byte up,
 * gives what it gives from memory: the same stacks, totals and errors
 * (with the same line and column).
 */
static void
test_window_matches_memory(void **state)
{
	static const char *const files[] = {
		"fixtures/pyspy/speedscope-default.json",
		"fixtures/pyspy/speedscope-threads-idle.json",
		"fixtures/pyspy/speedscope-weights.json",
		"fixtures/pyspy/speedscope-unbalanced.json",
		"fixtures/pyspy/speedscope-bad-json.json",
		"fixtures/pyspy/speedscope-mismatch.json",
		"fixtures/pyspy/chrometrace-default.json",
		"fixtures/pyspy/chrometrace-object.json",
		"fixtures/pyspy/chrometrace-unbalanced.json",
		"fixtures/speedscope/pyinstrument-evented.molehill.speedscope.json",
		"fixtures/speedscope/speedscope_0.0.1_simple.speedscope.json",
		"fixtures/speedscope/speedscope_0.6.0_two-sampled.speedscope.json",
	};
	static const size_t windows[] = { 1, 2, 7, 100, 4096 };
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;
	size_t i, k, n;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *doc = slurp(files[i], &n);
		bool chrome = strstr(files[i], "chrometrace") != NULL;
		struct result a, b;

		fold_json(doc, n, chrome, FG_UNIT_AUTO, &o, &a);
		for (k = 0; k < sizeof(windows) / sizeof(windows[0]); k++) {
			fold_fd(doc, n, chrome, windows[k], &b);
			assert_int_equal(b.rc, a.rc);
			assert_string_equal(b.text, a.text);
			assert_string_equal(b.total, a.total);
			assert_int_equal(b.d.line, a.d.line);
			assert_int_equal(b.d.col, a.d.col);
			assert_string_equal(b.d.msg, a.d.msg);
			free(b.text);
		}
		free(a.text);
		free(doc);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_sampled_duplicate_frames),
		cmocka_unit_test(test_units_exact),
		cmocka_unit_test(test_inexact_weights),
		cmocka_unit_test(test_unitless_and_bytes),
		cmocka_unit_test(test_evented),
		cmocka_unit_test(test_evented_unbalanced),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_mixed_units),
		cmocka_unit_test(test_chrometrace),
		cmocka_unit_test(test_chrometrace_errors),
		cmocka_unit_test(test_totals_file),
		cmocka_unit_test(test_window_matches_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
