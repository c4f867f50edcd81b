/*
 * test_marshal.c - unit tests for marshal.c: one case per type code, the
 * reference bookkeeping of versions 2 and 4, code objects of every
 * layout, errors with their byte offsets, and the real profile files.
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

#include "fg/marshal.h"
#include "slurp.h"

/* Decodes the n bytes at p; fails the test if that fails. */
static const struct fg_mobj *
load(struct fg_marshal *m, const void *p, size_t n)
{
	struct fg_diag d = FG_DIAG_INIT;
	const struct fg_mobj *o = NULL;
	int rc = fg_marshal_load(m, p, n, &o, &d);

	if (rc != FG_OK)
		fail_msg("load failed: %s", d.msg);
	assert_non_null(o);
	return o;
}

#define LOAD(m, lit) load((m), (lit), sizeof(lit) - 1)

/* Expects decoding to fail with a message starting "byte OFF: " + what. */
static void
load_fails(const void *p, size_t n, size_t off, const char *what)
{
	struct fg_marshal *m = fg_marshal_new();
	struct fg_diag d = FG_DIAG_INIT;
	const struct fg_mobj *o = NULL;
	char want[64];

	assert_int_equal(fg_marshal_load(m, p, n, &o, &d), FG_EPARSE);
	snprintf(want, sizeof(want), "byte %zu: ", off);
	if (strncmp(d.msg, want, strlen(want)) != 0 ||
	    strstr(d.msg, what) == NULL)
		fail_msg("got '%s', want '%s...%s...'", d.msg, want, what);
	assert_int_equal(d.col, off + 1);
	fg_marshal_free(m);
}

#define FAILS(lit, off, what) load_fails((lit), sizeof(lit) - 1, (off), (what))

static void
assert_str(const struct fg_mobj *o, const char *s)
{
	assert_true(o->type == FG_M_STR || o->type == FG_M_BYTES);
	assert_int_equal(o->u.str.n, strlen(s));
	assert_memory_equal(o->u.str.p, s, strlen(s));
}

static void
test_singletons(void **state)
{
	struct fg_marshal *m = fg_marshal_new();

	assert_int_equal(LOAD(m, "N")->type, FG_M_NONE);
	assert_int_equal(LOAD(m, "F")->type, FG_M_BOOL);
	assert_int_equal(LOAD(m, "F")->u.i, 0);
	assert_int_equal(LOAD(m, "T")->u.i, 1);
	assert_int_equal(LOAD(m, "S")->type, FG_M_STOPITER);
	assert_int_equal(LOAD(m, ".")->type, FG_M_ELLIPSIS);
	fg_marshal_free(m);
}

static void
test_ints(void **state)
{
	struct fg_marshal *m = fg_marshal_new();
	const struct fg_mobj *o;
	double v;

	o = LOAD(m, "i\x9e\x01\x00\x00");
	assert_int_equal(o->type, FG_M_INT);
	assert_int_equal(o->u.i, 414);
	assert_int_equal(LOAD(m, "i\xff\xff\xff\xff")->u.i, -1);
	assert_int_equal(LOAD(m, "i\x00\x00\x00\x80")->u.i, INT32_MIN);
	/* I: int64, as Python 2 writes ints beyond 32 bits */
	o = LOAD(m, "I\x00\xe4\x0b\x54\x02\x00\x00\x00");
	assert_int_equal(o->u.i, 10000000000LL);
	assert_true(fg_mobj_number(o, &v));
	assert_true(v == 1e10);
	assert_int_equal(LOAD(m, "I\xff\xff\xff\xff\xff\xff\xff\xff")->u.i,
			 -1);
	fg_marshal_free(m);
}

static void
test_longs(void **state)
{
	struct fg_marshal *m = fg_marshal_new();
	const struct fg_mobj *o;
	double v;

	/* 2^31 = 2 * 2^30: digits 0, 0, 2 */
	o = LOAD(m, "l\x03\x00\x00\x00\x00\x00\x00\x00\x02\x00");
	assert_int_equal(o->type, FG_M_INT);
	assert_false(o->big);
	assert_int_equal(o->u.i, 2147483648LL);
	/* negative: -(1 + 1 * 2^15) */
	o = LOAD(m, "l\xfe\xff\xff\xff\x01\x00\x01\x00");
	assert_int_equal(o->u.i, -32769);
	/* zero has no digits */
	assert_int_equal(LOAD(m, "l\x00\x00\x00\x00")->u.i, 0);
	/* 2^64: digits 0 0 0 0 16: beyond int64, kept as a double */
	o = LOAD(m, "l\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x10\x00");
	assert_true(o->big);
	assert_true(fg_mobj_number(o, &v));
	assert_true(v == ldexp(1, 64));
	/* INT64_MAX = 2^63 - 1: 4 full digits then 7 */
	o = LOAD(m, "l\x05\x00\x00\x00\xff\x7f\xff\x7f\xff\x7f\xff\x7f\x07\x00");
	assert_false(o->big);
	assert_int_equal(o->u.i, INT64_MAX);
	/* INT64_MIN = -2^63: digits 0 0 0 0 8, negative */
	o = LOAD(m, "l\xfb\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00\x08\x00");
	assert_false(o->big);
	assert_true(o->u.i == INT64_MIN);
	FAILS("l\x01\x00\x00\x00\x00\x80", 5, "digit 32768 out of range");
	FAILS("l\x01\x00\x00\x00\x00\x00", 5, "unnormalized");
	FAILS("l\x02\x00\x00\x00\x01\x00", 1, "exceeds");
	FAILS("l\x00\x00\x00\x80", 1, "exceeds");
	fg_marshal_free(m);
}

static void
test_floats(void **state)
{
	struct fg_marshal *m = fg_marshal_new();
	const struct fg_mobj *o;

	/* 1.5 as a little-endian double */
	o = LOAD(m, "g\x00\x00\x00\x00\x00\x00\xf8\x3f");
	assert_int_equal(o->type, FG_M_FLOAT);
	assert_true(o->u.f == 1.5);
	o = LOAD(m, "f\x0b" "1.25000e-05");
	assert_int_equal(o->type, FG_M_FLOAT);
	assert_true(o->u.f == 1.25e-05);
	FAILS("f\x03" "1.x", 1, "invalid text float '1.x'");
	FAILS("f\x00", 1, "invalid text float");
	FAILS("g\x00\x00\x00", 1, "truncated binary float");
	o = LOAD(m, "y\x00\x00\x00\x00\x00\x00\xf0\x3f\x00\x00\x00\x00\x00\x00\x00\x40");
	assert_int_equal(o->type, FG_M_COMPLEX);
	assert_true(o->u.c.re == 1.0 && o->u.c.im == 2.0);
	o = LOAD(m, "x\x03" "0.5" "\x02" "-3");
	assert_true(o->u.c.re == 0.5 && o->u.c.im == -3.0);
	fg_marshal_free(m);
}

static void
test_strings(void **state)
{
	struct fg_marshal *m = fg_marshal_new();
	const struct fg_mobj *o;

	o = LOAD(m, "s\x03\x00\x00\x00" "a\0b");
	assert_int_equal(o->type, FG_M_BYTES);
	assert_int_equal(o->u.str.n, 3);
	assert_memory_equal(o->u.str.p, "a\0b", 3);
	o = LOAD(m, "t\x04\x00\x00\x00" "hash");
	assert_int_equal(o->type, FG_M_STR);
	assert_str(o, "hash");
	assert_int_equal(fg_marshal_stats(m)->interned, 1);
	assert_str(LOAD(m, "u\x03\x00\x00\x00\xc3\xbc" "x"), "\xc3\xbc" "x");
	assert_str(LOAD(m, "a\x02\x00\x00\x00" "ab"), "ab");
	assert_str(LOAD(m, "A\x02\x00\x00\x00" "cd"), "cd");
	assert_str(LOAD(m, "z\x03" "abc"), "abc");
	o = LOAD(m, "Z\x00");
	assert_int_equal(o->type, FG_M_STR);
	assert_int_equal(o->u.str.n, 0);
	assert_true(fg_marshal_stats(m)->v4);
	FAILS("z\x05" "abc", 2, "truncated short string");
	FAILS("s\xff\xff\xff\xff", 1, "negative bytes");
	FAILS("u\x10\x00\x00\x00" "ab", 1, "exceeds the 2 bytes left");
	FAILS("a\x01\x00", 1, "truncated");
	fg_marshal_free(m);
}

static void
test_containers(void **state)
{
	struct fg_marshal *m = fg_marshal_new();
	const struct fg_mobj *o;

	o = LOAD(m, "(\x02\x00\x00\x00" "i\x01\x00\x00\x00" "N");
	assert_int_equal(o->type, FG_M_TUPLE);
	assert_int_equal(o->u.seq.n, 2);
	assert_int_equal(o->u.seq.items[0]->u.i, 1);
	assert_int_equal(o->u.seq.items[1]->type, FG_M_NONE);
	o = LOAD(m, ")\x00");
	assert_int_equal(o->type, FG_M_TUPLE);
	assert_int_equal(o->u.seq.n, 0);
	assert_int_equal(LOAD(m, "[\x01\x00\x00\x00" "T")->type, FG_M_LIST);
	assert_int_equal(LOAD(m, "<\x01\x00\x00\x00" "T")->type, FG_M_SET);
	assert_int_equal(LOAD(m, ">\x00\x00\x00\x00")->type, FG_M_FROZENSET);
	o = LOAD(m, "{z\x01" "ki\x07\x00\x00\x00" "Ni\x08\x00\x00\x00" "0");
	assert_int_equal(o->type, FG_M_DICT);
	assert_int_equal(o->u.seq.n, 4);
	assert_str(o->u.seq.items[0], "k");
	assert_int_equal(o->u.seq.items[1]->u.i, 7);
	assert_int_equal(o->u.seq.items[2]->type, FG_M_NONE);
	assert_int_equal(o->u.seq.items[3]->u.i, 8);
	assert_int_equal(LOAD(m, "{0")->u.seq.n, 0);
	/* version 5: a slice (start, stop, step) */
	o = LOAD(m, ":Ni\x02\x00\x00\x00N");
	assert_int_equal(o->type, FG_M_SLICE);
	assert_int_equal(o->u.seq.items[1]->u.i, 2);
	assert_true(fg_marshal_stats(m)->v5);

	FAILS("{N", 2, "truncated dict value");
	FAILS("{N0", 2, "dict key without a value");
	FAILS("{i\x01\x00\x00\x00", 6, "truncated dict value");
	FAILS("(\x05\x00\x00\x00" "NN", 1, "item count 5 exceeds");
	FAILS(")\x03" "NN", 4, "truncated object");
	FAILS("0", 0, "unexpected NULL");
	FAILS("(\x01\x00\x00\x00" "0", 5, "unexpected NULL");
	fg_marshal_free(m);
}

static void
test_refs_v4(void **state)
{
	struct fg_marshal *m = fg_marshal_new();
	const struct fg_mobj *o;
	const struct fg_marshal_stats *st;

	/*
	 * {+R (ref 0) ; key )+R (ref 1) of Z+R "f" (ref 2), i+R 5 (ref 3),
	 * r 2 ; value ) of r 3, r 1, r 0 is an error (the dict is still
	 * being read), so the value refers to 1 and 3 only.
	 */
	o = LOAD(m, "\xfb" "\xa9\x03" "\xda\x01" "f" "\xe9\x05\x00\x00\x00"
		    "r\x02\x00\x00\x00"
		    ")\x02" "r\x03\x00\x00\x00" "r\x01\x00\x00\x00" "0");
	assert_int_equal(o->type, FG_M_DICT);
	assert_int_equal(o->u.seq.n, 2);
	{
		const struct fg_mobj *k = o->u.seq.items[0];
		const struct fg_mobj *v = o->u.seq.items[1];

		assert_int_equal(k->type, FG_M_TUPLE);
		assert_ptr_equal(k->u.seq.items[0], k->u.seq.items[2]);
		assert_str(k->u.seq.items[0], "f");
		assert_int_equal(k->u.seq.items[1]->u.i, 5);
		assert_ptr_equal(v->u.seq.items[0], k->u.seq.items[1]);
		/* the container's slot was taken before its items */
		assert_ptr_equal(v->u.seq.items[1], k);
	}
	st = fg_marshal_stats(m);
	assert_int_equal(st->refs, 4);
	assert_int_equal(st->backrefs, 3);
	assert_true(st->flag_ref);

	/* A flag on a singleton takes no slot, as in CPython. */
	o = LOAD(m, ")\x03" "\xce" "\xe9\x01\x00\x00\x00" "r\x00\x00\x00\x00");
	assert_int_equal(o->u.seq.items[2]->u.i, 1);

	FAILS("r\x00\x00\x00\x00", 0, "reference 0, but only 0 objects");
	FAILS("\xa9\x01" "r\x00\x00\x00\x00", 2, "still being read");
	FAILS(")\x02" "\xe9\x01\x00\x00\x00" "r\x01\x00\x00\x00", 7,
	      "reference 1, but only 1 objects");
	FAILS("r\x00\x00", 1, "truncated reference");
	fg_marshal_free(m);
}

static void
test_refs_v2(void **state)
{
	struct fg_marshal *m = fg_marshal_new();
	const struct fg_mobj *o;

	/* ( t "a", s "b", t "c", R 0, R 1 ): R indexes 't' strings only */
	o = LOAD(m, "(\x05\x00\x00\x00" "t\x01\x00\x00\x00" "a"
		    "s\x01\x00\x00\x00" "b" "t\x01\x00\x00\x00" "c"
		    "R\x00\x00\x00\x00" "R\x01\x00\x00\x00");
	assert_ptr_equal(o->u.seq.items[3], o->u.seq.items[0]);
	assert_ptr_equal(o->u.seq.items[4], o->u.seq.items[2]);
	assert_false(fg_marshal_stats(m)->flag_ref);
	FAILS("(\x02\x00\x00\x00" "t\x01\x00\x00\x00" "a" "R\x01\x00\x00\x00",
	      11, "string reference 1, but only 1 interned");
	fg_marshal_free(m);
}

/* Builds a code object of the given layout into buf; returns its size. */
static size_t
make_code(unsigned char *buf, int layout, const char *name, int line)
{
	size_t n = 0, k, nints;
	const char *file = "f.py";

#define PUT(s, len) do { memcpy(buf + n, (s), (len)); n += (len); } while (0)
#define PUT_I32(v) do { uint32_t u_ = (uint32_t)(v); \
	buf[n++] = u_ & 0xff; buf[n++] = u_ >> 8 & 0xff; \
	buf[n++] = u_ >> 16 & 0xff; buf[n++] = u_ >> 24; } while (0)
	buf[n++] = 0xe3;	/* c with FLAG_REF */
	nints = layout == 311 ? 5 : layout == 38 ? 6 : layout == 30 ? 5 : 4;
	for (k = 0; k < nints; k++)
		PUT_I32(k == nints - 1 ? 0x43 : 0);
	PUT("s\x01\x00\x00\x00\x97", 6);			/* code */
	PUT(")\x01\xda\x03" "abc", 7);			/* consts: ref */
	PUT(")\x00", 2);				/* names */
	if (layout == 311) {
		PUT(")\x00", 2);			/* localsplusnames */
		PUT("s\x00\x00\x00\x00", 5);		/* localspluskinds */
	} else {
		PUT(")\x00)\x00)\x00", 6);	/* varnames, free, cell */
	}
	buf[n++] = 'z';
	buf[n++] = (unsigned char)strlen(file);
	PUT(file, strlen(file));
	buf[n++] = 'z';
	buf[n++] = (unsigned char)strlen(name);
	PUT(name, strlen(name));
	if (layout == 311)
		PUT("r\x01\x00\x00\x00", 5);	/* qualname: the const */
	PUT_I32(line);
	PUT("s\x00\x00\x00\x00", 5);			/* line table */
	if (layout == 311)
		PUT("s\x00\x00\x00\x00", 5);		/* exception table */
#undef PUT
#undef PUT_I32
	return n;
}

static void
test_code_layouts(void **state)
{
	static const int layouts[] = { 311, 38, 30, 27 };
	static const enum fg_mcode_layout ids[] = {
		FG_MCODE_PY311, FG_MCODE_PY38, FG_MCODE_PY30, FG_MCODE_PY27
	};
	unsigned char buf[512];
	size_t k;

	for (k = 0; k < 4; k++) {
		struct fg_marshal *m = fg_marshal_new();
		const struct fg_mobj *o, *c;
		size_t n = 0;

		/* ( code, r 2 ): the ref made inside the code object counts */
		memcpy(buf, "(\x02\x00\x00\x00", 5);
		n = 5 + make_code(buf + 5, layouts[k], "<module>", 7);
		memcpy(buf + n, "r\x01\x00\x00\x00", 5);
		n += 5;
		o = load(m, buf, n);
		c = o->u.seq.items[0];
		assert_int_equal(c->type, FG_M_CODE);
		assert_int_equal(c->u.code->layout, ids[k]);
		assert_int_equal(c->u.code->firstlineno, 7);
		assert_str(c->u.code->name, "<module>");
		assert_str(c->u.code->filename, "f.py");
		if (layouts[k] == 311)
			assert_str(c->u.code->qualname, "abc");
		else
			assert_null(c->u.code->qualname);
		assert_str(o->u.seq.items[1], "abc");
		fg_marshal_free(m);
	}
}

static void
test_code_errors(void **state)
{
	unsigned char buf[512];
	size_t n = make_code(buf, 311, "f", 1);

	/* Cut inside the exception table: every layout fails. */
	load_fails(buf, n - 3, n - 4, "truncated bytes");
	/* Too short for 5 header ints: the error of the furthest try, the first of equals. */
	FAILS("c\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	      "N", 17, "truncated code object header");
}

static void
test_errors(void **state)
{
	FAILS("", 0, "truncated object");
	FAILS("i\x01\x00", 1, "truncated int: 4 bytes needed, 2 left");
	FAILS("NN", 1, "1 bytes after the end");
	FAILS("?", 0, "unknown object");
	FAILS("q", 0, "unknown type code 'q' (0x71)");
	FAILS("\xf1", 0, "unknown type code 'q' (0xf1)");
	FAILS("\x01", 0, "unknown type code 0x01");
	FAILS("I\x01\x02", 1, "truncated int64");
}

static void
test_depth_limit(void **state)
{
	size_t depth = FG_MARSHAL_MAX_DEPTH + 5, k;
	unsigned char *buf = malloc(2 * depth + 1);
	struct fg_marshal *m = fg_marshal_new();
	struct fg_diag d = FG_DIAG_INIT;
	const struct fg_mobj *o;

	for (k = 0; k < depth; k++) {
		buf[2 * k] = ')';
		buf[2 * k + 1] = 1;
	}
	buf[2 * depth] = 'N';
	assert_int_equal(fg_marshal_load(m, buf, 2 * depth + 1, &o, &d),
			 FG_EPARSE);
	assert_non_null(strstr(d.msg, "nested more than 1000 deep"));
	/* Just under the limit decodes. */
	o = load(m, buf + 2 * 6, 2 * (depth - 6) + 1);
	assert_int_equal(o->type, FG_M_TUPLE);
	fg_marshal_free(m);
	free(buf);
}

static void
test_number(void **state)
{
	struct fg_marshal *m = fg_marshal_new();
	double v = 42;

	assert_false(fg_mobj_number(LOAD(m, "N"), &v));
	assert_true(v == 42);
	assert_true(fg_mobj_number(LOAD(m, "T"), &v));
	assert_true(v == 1);
	assert_string_equal(fg_mtype_name(FG_M_DICT), "dict");
	assert_string_equal(fg_mtype_name(FG_M_CODE), "code object");
	fg_marshal_free(m);
}

/*
 * The real files: the outer dict has the entry count of pstats.md 3.4,
 * and what each version writes is seen (t/R in 2.7, the flag in 3.x, a
 * code object in the profile file, longs in the int-timer file).
 */
static void
test_real_files(void **state)
{
	static const struct {
		const char *name;
		size_t entries;
		bool flag_ref, code, big;
	} files[] = {
		{ "workload-cprofile-py2.7", 95, false, false, false },
		{ "workload-cprofile-py3.8", 217, true, false, false },
		{ "workload-cprofile-py3.11", 220, true, false, false },
		{ "workload-cprofile-py3.12", 221, true, false, false },
		{ "workload-cprofile-py3.13", 222, true, false, false },
		{ "edge-cprofile-py3.10", 204, true, false, false },
		{ "workload-profile-py3.11", 220, true, true, false },
		{ "inttimer-profile-py3.13", 41, true, false, true },
	};
	size_t k, i;

	for (k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
		struct fg_marshal *m = fg_marshal_new();
		char path[256];
		size_t n;
		unsigned char *buf;
		const struct fg_mobj *o;
		bool code = false, lng = false;

		snprintf(path, sizeof(path), "fixtures/pstats/%s.pstats",
			 files[k].name);
		buf = slurp(path, &n);
		o = load(m, buf, n);
		assert_int_equal(o->type, FG_M_DICT);
		assert_int_equal(o->u.seq.n / 2, files[k].entries);
		assert_int_equal(fg_marshal_stats(m)->flag_ref,
				 files[k].flag_ref);
		for (i = 0; i < o->u.seq.n; i += 2) {
			const struct fg_mobj *key = o->u.seq.items[i];
			const struct fg_mobj *val = o->u.seq.items[i + 1];

			assert_int_equal(key->u.seq.n, 3);
			assert_int_equal(val->u.seq.n, 5);
			if (key->u.seq.items[2]->type == FG_M_CODE)
				code = true;
			if (val->u.seq.items[2]->code == 'l')
				lng = true;
		}
		assert_int_equal(code, files[k].code);
		assert_int_equal(lng, files[k].big);
		fg_marshal_free(m);
		free(buf);
	}
}

/* Every prefix of a real file fails cleanly, at or before its end. */
static void
test_truncations(void **state)
{
	size_t n, cut;
	unsigned char *buf = slurp("fixtures/pstats/workload-profile-py3.11.pstats",
				   &n);

	for (cut = 0; cut < n; cut += 97) {
		struct fg_marshal *m = fg_marshal_new();
		struct fg_diag d = FG_DIAG_INIT;
		const struct fg_mobj *o;
		unsigned char *copy = malloc(cut + 1);

		memcpy(copy, buf, cut);
		assert_int_equal(fg_marshal_load(m, copy, cut, &o, &d),
				 FG_EPARSE);
		assert_true(d.col >= 1 && d.col <= cut + 1);
		free(copy);
		fg_marshal_free(m);
	}
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_singletons),
		cmocka_unit_test(test_ints),
		cmocka_unit_test(test_longs),
		cmocka_unit_test(test_floats),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_containers),
		cmocka_unit_test(test_refs_v4),
		cmocka_unit_test(test_refs_v2),
		cmocka_unit_test(test_code_layouts),
		cmocka_unit_test(test_code_errors),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_number),
		cmocka_unit_test(test_real_files),
		cmocka_unit_test(test_truncations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
