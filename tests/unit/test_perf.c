/*
 * test_perf.c - unit tests for perf.c, the perf script parser.
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

/* Folds text with o on nthreads (0: the line-by-line stream driver). */
static char *
fold_n(const char *text, size_t n, const struct fg_perf_opts *o,
       unsigned nthreads, struct fg_perf_stats *st, int *rcp)
{
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(syms, 1);
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_perf_stats st0;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;
	int rc;

	if (st == NULL)
		st = &st0;
	if (nthreads == 0) {
		struct fg_lines *in = fg_lines_from_mem(text, n, "test");

		rc = fg_perf_collapse(in, s, o, st, &d);
		fg_lines_close(in);
	} else {
		rc = fg_perf_collapse_mem(text, n, "test", nthreads, s, o, st,
					  &d);
	}
	if (rcp != NULL)
		*rcp = rc;
	else
		assert_int_equal(rc, FG_OK);
	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	assert_int_equal(fg_folded_write(s, fp), FG_OK);
	fclose(fp);
	fg_stacks_free(s);
	fg_symtab_free(syms);
	return buf;
}

static char *
fold(const char *text, const struct fg_perf_opts *o)
{
	return fold_n(text, strlen(text), o, 1, NULL, NULL);
}

static void
check_fold(const char *text, unsigned flags, const char *want)
{
	struct fg_perf_opts o = FG_PERF_OPTS_INIT;
	char *got;

	o.flags = flags;
	got = fold(text, &o);
	assert_string_equal(got, want);
	free(got);
}

static void
test_comm_from_timestamp(void **state)
{
	check_fold("pool 7 23230/23234 [000]   505.978467:    1001001 cpu-clock: \n"
		   "\t  1 crc_block+0x33 (/p/cthreads)\n\n"
		   "trig worker 123 23236 [000]   505.983391:    1001001 cpu-clock: \n"
		   "\t  2 f (/p/x)\n\n"
		   "GC Thread#0 10373  1179.908184:    1001001 cpu-clock:\n"
		   "\t  3 g (/p/x)\n",
		   0,
		   "GC_Thread#0;g 1001001\n"
		   "pool_7;crc_block 1001001\n"
		   "trig_worker_123;f 1001001\n");
	check_fold("pool 7 23230/23234 [000]   505.978467:    5 cpu-clock: \n"
		   "\t  1 f (/p/x)\n\n"
		   "solo 99  505.978468:    5 cpu-clock: \n"
		   "\t  1 f (/p/x)\n\n",
		   FG_PERF_TID,
		   "pool_7-23230/23234;f 5\nsolo-?/99;f 5\n");
	check_fold("pool 7 23230/23234 [000]   505.978467:    5 cpu-clock: \n"
		   "\t  1 f (/p/x)\n\n"
		   "solo 99  505.978468:    5 cpu-clock: \n"
		   "\t  1 f (/p/x)\n\n",
		   FG_PERF_PID, "pool_7-23230;f 5\nsolo-?;f 5\n");
	/* --ns, modifiers, a comm with ':' and ';' */
	check_fold("io:loop;x 14901  1324.840687614:    1001001 cpu-clock:uk: \n"
		   "\t1 f (/p/x)\n",
		   0, "io:loop:x;f 1001001\n");
}

static void
test_headers_without_timestamp(void **state)
{
	check_fold("func_ab 15294 cpu-clock:\n"
		   "\t400 func_a (/p/func_ab)\n\n"
		   "java 19983 cycles:\n"
		   "ffffffff8103d0ca native_write_msr_safe ([kernel.kallsyms])\n"
		   "7f722d12e1d4 LBusy;::main (/tmp/perf-19982.map)\n\n",
		   0, "func_ab;func_a 1\n");
}

static void
test_weights_and_events(void **state)
{
	const char *text =
		"a 1   1.000001:          3        page-faults: \n"
		"\t1 pf (/p/x)\n\n"
		"a 1   1.000002:    1001001          cpu-clock: \n"
		"\t1 cc (/p/x)\n\n"
		"a 1 [001]   1.000003: sched:sched_switch: prev_comm=a prev_pid=1 ==> next_comm=b\n"
		"\t1 sw (/p/x)\n\n"
		"a 1   1.000004:          4        page-faults: \n"
		"\t1 pf (/p/x)\n\n";
	struct fg_perf_opts o = FG_PERF_OPTS_INIT;
	struct fg_perf_stats st;
	char *got;

	got = fold_n(text, strlen(text), &o, 1, &st, NULL);
	assert_string_equal(got, "a;pf 7\n");
	free(got);
	assert_string_equal(st.event, "page-faults");
	assert_true(st.event_defaulted);
	assert_int_equal(st.samples, 4);
	assert_int_equal(st.kept, 2);
	assert_int_equal(st.weight.n, 7);
	assert_int_equal(st.nevents, 3);
	assert_string_equal(st.events[2].name, "sched:sched_switch");
	assert_int_equal(st.events[2].weight.n, 1);

	o.event = "sched:sched_switch";
	got = fold(text, &o);
	assert_string_equal(got, "a;sw 1\n");
	free(got);
	o.event = "cpu-clock";
	o.flags = FG_PERF_COUNT_SAMPLES;
	got = fold(text, &o);
	assert_string_equal(got, "a;cc 1\n");
	free(got);
	/* a name without ':' matches modifiers, not other events */
	o.flags = 0;
	o.event = "cycles";
	got = fold("a 1 1.000001: 10 cycles:u: \n\t1 f (/x)\n\n"
		   "a 1 1.000002: 10 cycles:ppp: \n\t1 f (/x)\n\n"
		   "a 1 1.000003: 10 cycles-ct: \n\t1 g (/x)\n\n", &o);
	assert_string_equal(got, "a;f 20\n");
	free(got);
}

static void
test_sideband_and_lost(void **state)
{
	const char *text =
		"swapper     0     0.000000: PERF_RECORD_MMAP -1/0: [0xffffffff81000000(0x120bb08) @ 0xffffffff81000000]: x [kernel.kallsyms]_text\n"
		"probe  7958  1081.418269: PERF_RECORD_LOST lost 5\n"
		"probe  7958  1081.421475:      50000 cpu-clock: \n"
		"\t  113c main+0x13 (/p/probe)\n"
		"probe  7958  1081.421476: PERF_RECORD_LOST_SAMPLES lost 2\n"
		"probe  7958  1081.421477:      50000 cpu-clock: \n"
		"\t  113c main+0x13 (/p/probe)\n"
		"probe  7958  1081.720168: PERF_RECORD_EXIT(7958:7958):(7956:7956)\n";
	struct fg_perf_opts o = FG_PERF_OPTS_INIT;
	struct fg_perf_stats st;
	char *got = fold_n(text, strlen(text), &o, 1, &st, NULL);

	assert_string_equal(got, "probe;main 100000\n");
	free(got);
	assert_int_equal(st.sideband, 4);
	assert_int_equal(st.lost_records, 2);
	assert_int_equal(st.lost, 7);
	assert_int_equal(st.bad, 0);
	assert_string_equal(st.event, "cpu-clock");
}

static void
test_no_callchain(void **state)
{
	const char *text =
		"# ========\n# header\n"
		"      crc-worker 16717   786.240319:    1001001 cpu-clock:      564d7382522c crc_block+0x33 (/p/cthreads)\n"
		" trig worker 123 16721   786.254232:    1001001 cpu-clock:      7f2a2b6cd2db __sin_fma+0x1b (/usr/lib/libm.so.6)\n"
		"      crc-worker 16717   786.240320:    1001001 cpu-clock:      564d7382522d crc_block+0x34 (/p/cthreads)\n";
	struct fg_perf_opts o = FG_PERF_OPTS_INIT;
	struct fg_perf_stats st;
	char *got = fold_n(text, strlen(text), &o, 1, &st, NULL);

	assert_string_equal(got, "crc-worker;crc_block 2002002\n"
			    "trig_worker_123;__sin_fma 1001001\n");
	free(got);
	assert_int_equal(st.nocallchain, 3);
}

static void
test_frame_forms(void **state)
{
	check_fold("t 1 1.000001: 1 c: \n"
		   "\t  1 (anonymous namespace)::VowelScorer::score+0x3f (/p/cpp)\n"
		   "\t  2 main+0xe (/p/odd dir (v2)/libodd.so)\n"
		   "\t  3  (/lib/libc-2.15.so)\n"
		   "\t  4 [unknown] (/usr/lib/libcrypto.so.3)\n"
		   "\t  5 [unknown] ([unknown])\n"
		   "\t  6\n"
		   "\t  7 StubRoutines (1)+0xc9 (/tmp/perf-10.map)\n"
		   "\t  8 void JWork.main(java.lang.String[])+0x83c (/tmp/perf-10.map)\n"
		   "\t  9 G1ParCopyClosure<(G1Barrier)1, false>::do_oop+0x4 (/p/libjvm.so)\n"
		   "\t  a net/http.(*Client).Do+0x1 (/p/go)\n"
		   "\t  b RegExp:[&<>\\\"\\'] (/tmp/perf-7539.map)\n"
		   "\t  c a;b+0x1 (/p/x)\n",
		   0,
		   "t;a:b;RegExp:[&<>\\\\];net/http.(*Client).Do;"
		   "G1ParCopyClosure<(G1Barrier)1, false>::do_oop;void JWork.main;"
		   "StubRoutines (1);0x6;[unknown];[libcrypto.so.3]; ;main;"
		   "(anonymous namespace)::VowelScorer::score 1\n");
	check_fold("t 1 1.000001: 1 c: \n"
		   "\t  0 [unknown] ([unknown])\n"
		   "\t  5 [unknown] (/usr/lib/libcrypto.so.3)\n"
		   "\t  6\n",
		   FG_PERF_ADDRS,
		   "t;0x6;[libcrypto.so.3 <5>];[unknown <0>] 1\n");
	check_fold("t 1 1.000001: 1 c: \n"
		   "\t  1 f(int) (/p/x)\n",
		   FG_PERF_NO_TIDY, "t;f(int) 1\n");
}

static void
test_annotations(void **state)
{
	const char *text =
		"java 1 1.000001: 1 c: \n"
		"\tffffffff81000130 entry_SYSCALL_64+0x76 ([kernel.kallsyms])\n"
		"\t1 Ljava/io/PrintStream;::println->Ljava/io/PrintStream;::print+0x0 (/tmp/perf-7.map)\n"
		"\t85 py::_digest:/p/pipeline.py+0x5 (/tmp/jitted-32037-612.so)\n"
		"\t2 do_x (/lib/modules/6.1/vmlinux)\n"
		"\t3 inl (inlined)\n"
		"\t4 [unknown] ([vdso])\n";
	struct fg_pyframe_opts py = FG_PYFRAME_OPTS_INIT;
	struct fg_perf_opts o = FG_PERF_OPTS_INIT;
	char *got;

	py.mode = FG_PY_OFF;
	o.py = &py;
	o.flags = FG_PERF_KERNEL | FG_PERF_JIT | FG_PERF_INLINE;
	got = fold(text, &o);
	assert_string_equal(got,
		"java;[[vdso]]_[k];inl_[i];do_x_[k];py::_digest:/p/pipeline.py_[j];"
		"java/io/PrintStream:::println_[j];"
		"java/io/PrintStream:::print_[i];entry_SYSCALL_64_[k] 1\n");
	free(got);
}

static void
test_records(void **state)
{
	/* CRLF, whitespace-only blank lines, no final newline */
	check_fold("c 1 1.000001: 10 cpu-clock: \r\n\t1 a+0x1 (/x)\r\n"
		   "\t2 b (/x)\r\n \t \r\n"
		   "c 1 1.000002: 10 cpu-clock: \r\n\t1 a (/x)",
		   0, "c;a 10\nc;b;a 10\n");
	/* a blank line between a header and its frames */
	check_fold("c 1 1.000001: 10 cpu-clock: \n\n\t1 a (/x)\n\n", 0,
		   "c;a 10\n");
	/* a header without frames, then another header */
	check_fold("c 1 1.000001: 10 cpu-clock: \nd 2 1.000002: 10 cpu-clock: \n"
		   "\t1 a (/x)\n", 0, "c 10\nd;a 10\n");
	/* old perf: frames in column 0 */
	check_fold("java 19983 cycles:\n"
		   "ffffffff8103d0ca native_write_msr_safe ([kernel.kallsyms])\n"
		   "7f722d12e1d4 LBusy;::main (/tmp/perf-19982.map)\n",
		   0, "java;LBusy:::main;native_write_msr_safe 1\n");
	check_fold("", 0, "");
}

static void
test_srcline(void **state)
{
	const char *text =
		"cwork 1   470.932051:    1001001 cpu-clock: \n"
		"\t 5c99d __find_specmb+0x59d\n"
		"  printf-parse.h:82 (inlined)\n"
		"\t 5c99d __vfprintf_internal+0x59d (/usr/lib/libc.so.6)\n"
		"  vfprintf-internal.c:1092\n"
		"\t  1120 _start+0x20 (/p/cwork)\n"
		"  ??:0\n";
	struct fg_perf_opts o = FG_PERF_OPTS_INIT;
	struct fg_perf_stats st;
	char *got;

	got = fold_n(text, strlen(text), &o, 1, &st, NULL);
	assert_string_equal(got, "cwork;_start;__vfprintf_internal;__find_specmb 1001001\n");
	assert_int_equal(st.srclines, 3);
	assert_int_equal(st.bad, 0);
	free(got);
	o.flags = FG_PERF_SRCLINE;
	got = fold(text, &o);
	assert_string_equal(got, "cwork;_start;__vfprintf_internal:vfprintf-internal.c:1092;"
			    "__find_specmb:printf-parse.h:82 1001001\n");
	free(got);
	o.flags = FG_PERF_CONTEXT;
	got = fold(text, &o);
	assert_string_equal(got, "cwork;_start;__vfprintf_internal;"
			    "__find_specmb:printf-parse.h:82_[i] 1001001\n");
	free(got);
	o.flags = FG_PERF_INLINE;
	got = fold(text, &o);
	assert_string_equal(got, "cwork;_start;__vfprintf_internal;"
			    "__find_specmb_[i] 1001001\n");
	free(got);
}

static void
test_bad_lines(void **state)
{
	const char *text =
		"j 1 1.000000: 1 cpu-clock:\n\t1 ok (/bin/j)\n"
		"this is not perf output\n\n"
		"\tdeadbeef stray (/x)\n"
		"\x89PNG\r\n\x1a\n"
		"j 1 1.000002: 1 cpu-clock:\n\t2 fine (/bin/j)\n";
	struct fg_perf_opts o = FG_PERF_OPTS_INIT;
	struct fg_perf_stats st;
	char *got;
	int rc;

	got = fold_n(text, strlen(text), &o, 1, &st, NULL);
	assert_string_equal(got, "j;fine 1\nj;ok 1\n");
	free(got);
	assert_int_equal(st.bad, 4);
	assert_int_equal(st.first_bad.line, 3);
	assert_non_null(strstr(st.first_bad.msg, "this is not perf output"));
	o.flags = FG_PERF_STRICT;
	got = fold_n(text, strlen(text), &o, 1, &st, &rc);
	assert_int_equal(rc, FG_EPARSE);
	free(got);
}

static void
test_big_symbol(void **state)
{
	size_t n = 1u << 20, i;
	const char *head = "big 1 1.000001: 1 c: \n\t1 ";
	char *text = malloc(strlen(head) + n + 32), *got, *p;

	assert_non_null(text);
	p = text + strlen(head);
	memcpy(text, head, strlen(head));
	for (i = 0; i < n; i++)
		p[i] = (char)('a' + i % 26);
	memcpy(p + n, "+0x1 (/x)\n", 11);
	got = fold(text, &(struct fg_perf_opts)FG_PERF_OPTS_INIT);
	assert_int_equal(strlen(got), 4 + n + 3);
	assert_memory_equal(got + 4, p, n);
	assert_string_equal(got + 4 + n, " 1\n");
	free(got);
	free(text);
}

static void
test_skip_after(void **state)
{
	const char *names[] = { "mid", "other" };
	struct fg_perf_opts o = FG_PERF_OPTS_INIT;
	char *got;

	o.skip_after = names;
	o.nskip_after = 2;
	o.flags = FG_PERF_KERNEL;
	got = fold("c 1 1.000001: 1 x: \n\t1 leaf (/x)\n\t2 mid ([kernel.kallsyms])\n"
		   "\t3 mid (/x)\n\t4 root (/x)\n\n"
		   "c 1 1.000002: 1 x: \n\t1 leaf (/x)\n\t4 root (/x)\n", &o);
	assert_string_equal(got, "c;root;leaf 1\nmid_[k];leaf 1\n");
	free(got);
}

static void
test_overflow(void **state)
{
	const char *text =
		"c 1 1.000001: 18446744073709551615 x: \n\t1 f (/x)\n\n"
		"c 1 1.000002: 1 x: \n\t1 f (/x)\n\n";
	struct fg_perf_opts o = FG_PERF_OPTS_INIT;
	char *got;
	int rc;

	got = fold_n(text, strlen(text), &o, 1, NULL, &rc);
	assert_int_equal(rc, FG_ERANGE);
	free(got);
}

static char *
read_fixture(const char *path, size_t *n)
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
	*n = (size_t)len;
	return buf;
}

/* The same stacks, statistics and totals for any number of threads. */
/* The progress callback's last report: every byte, and a rising count. */
struct progress_seen {
	unsigned long long last;
	unsigned calls;
	int backwards;
};

static void
seen_progress(void *ctx, unsigned long long bytes)
{
	struct progress_seen *ps = ctx;

	if (bytes < ps->last)
		ps->backwards = 1;
	ps->last = bytes;
	ps->calls++;
}

static void
test_progress(void **state)
{
	size_t n, k;
	char *text = read_fixture("fixtures/perf/16-java-perfmap.txt", &n);
	/* over 1 MiB a thread, so the workers report as they go */
	size_t big = n * 40;
	char *many = malloc(big + 1);
	unsigned j;

	assert_non_null(many);
	for (k = 0; k < 40; k++)
		memcpy(many + k * n, text, n);
	many[big] = '\0';
	for (j = 1; j <= 3; j++) {
		struct fg_perf_opts o = FG_PERF_OPTS_INIT;
		struct progress_seen ps = { 0, 0, 0 };
		char *with, *without;

		without = fold_n(many, big, &o, j, NULL, NULL);
		o.progress = seen_progress;
		o.progress_ctx = &ps;
		with = fold_n(many, big, &o, j, NULL, NULL);
		assert_string_equal(with, without);
		assert_true(ps.calls > 0);
		assert_false(ps.backwards);
		assert_int_equal(ps.last, big);
		free(with);
		free(without);
	}
	free(many);
	free(text);
}

static void
test_threads_and_totals(void **state)
{
	static const char *const files[] = {
		"fixtures/perf/01-c-fp.txt",
		"fixtures/perf/05-py312-Xperf-fp.txt",
		"fixtures/perf/08-c-threads-no-callchain-header.txt",
		"fixtures/perf/10-c-dwarf-inline-srcline.txt",
		"fixtures/perf/12-c-threads-mixed-events.txt",
		"fixtures/perf/15-lost-and-sideband-events.txt",
		"fixtures/perf/crafted/edge.txt",
		"fixtures/perf/crafted/garbage.txt",
		"fixtures/flamegraph-tests/perf-java-stacks-02.txt",
	};
	size_t f;

	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		struct fg_perf_opts o = FG_PERF_OPTS_INIT;
		struct fg_perf_stats st1, stn;
		size_t n, i;
		char *text = read_fixture(files[f], &n);
		char *one = fold_n(text, n, &o, 0, &st1, NULL);
		unsigned long long sum = 0;
		unsigned j;

		/* the output sums to the kept weight, the kept event's */
		for (i = 0; one[i] != '\0'; i++) {
			if (one[i] == '\n') {
				size_t k = i;

				while (k > 0 && one[k - 1] != ' ')
					k--;
				sum += strtoull(one + k, NULL, 10);
			}
		}
		assert_int_equal(sum, st1.weight.n);
		for (i = 0; i < st1.nevents; i++)
			if (strcmp(st1.events[i].name, st1.event) == 0)
				assert_int_equal(st1.events[i].weight.n, sum);
		for (j = 1; j <= 5; j++) {
			char *many = fold_n(text, n, &o, j, &stn, NULL);

			assert_string_equal(many, one);
			assert_int_equal(stn.lines, st1.lines);
			assert_int_equal(stn.samples, st1.samples);
			assert_int_equal(stn.kept, st1.kept);
			assert_int_equal(stn.sideband, st1.sideband);
			assert_int_equal(stn.lost, st1.lost);
			assert_int_equal(stn.bad, st1.bad);
			assert_int_equal(stn.first_bad.line, st1.first_bad.line);
			assert_int_equal(stn.nevents, st1.nevents);
			assert_string_equal(stn.event, st1.event);
			free(many);
		}
		free(one);
		free(text);
	}
}

static void
test_first_event(void **state)
{
	char ev[32];
	const char *t = "# c\nswapper 0 0.000000: PERF_RECORD_MMAP -1/0: x\n"
			"a 1 1.000001: 5 cycles:u: \n\t1 f (/x)\n";

	assert_true(fg_perf_first_event(t, strlen(t), ev, sizeof(ev)));
	assert_string_equal(ev, "cycles:u");
	assert_false(fg_perf_first_event("\t1 f (/x)\n", 10, ev, sizeof(ev)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_comm_from_timestamp),
		cmocka_unit_test(test_headers_without_timestamp),
		cmocka_unit_test(test_weights_and_events),
		cmocka_unit_test(test_sideband_and_lost),
		cmocka_unit_test(test_no_callchain),
		cmocka_unit_test(test_frame_forms),
		cmocka_unit_test(test_annotations),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_srcline),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_big_symbol),
		cmocka_unit_test(test_skip_after),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_threads_and_totals),
		cmocka_unit_test(test_progress),
		cmocka_unit_test(test_first_event),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
