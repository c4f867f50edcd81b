/*
 * test_count.c - unit tests for count.c, exact counts: parsing, sums,
 * formatting, the 64-bit and 18-decimal limits, and units.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg/count.h"
#include "fg/error.h"

#define U64MAX_STR "18446744073709551615"

static int
parse(const char *s, struct fg_count *c, unsigned *dec)
{
	return fg_count_parse(s, strlen(s), c, dec);
}

/* Parses s, which must be valid, and checks the parts and decimals. */
static void
check_parse(const char *s, uint64_t n, uint64_t frac, unsigned dec)
{
	struct fg_count c = { 12345, 678 };
	unsigned d = 99;

	assert_int_equal(parse(s, &c, &d), FG_OK);
	assert_true(c.n == n);
	assert_true(c.frac == frac);
	assert_int_equal(d, dec);
}

static void
test_count_parse_integers(void **state)
{
	struct fg_count c;

	check_parse("0", 0, 0, 0);
	check_parse("1", 1, 0, 0);
	check_parse("31", 31, 0, 0);
	check_parse("007", 7, 0, 0);
	check_parse("4294967296", 4294967296ULL, 0, 0);
	check_parse(U64MAX_STR, UINT64_MAX, 0, 0);
	check_parse("00000000000000000000000" U64MAX_STR, UINT64_MAX, 0, 0);
	/* decimals may be NULL */
	assert_int_equal(parse("42", &c, NULL), FG_OK);
	assert_true(c.n == 42 && c.frac == 0);
}

static void
test_count_parse_fractions(void **state)
{
	check_parse("2.5", 2, 500000000000000000ULL, 1);
	check_parse("2.50", 2, 500000000000000000ULL, 1);
	check_parse("0.000125", 0, 125000000000000ULL, 6);
	check_parse("5.", 5, 0, 0);
	check_parse("5.000", 5, 0, 0);
	check_parse("0.1", 0, 100000000000000000ULL, 1);
	/* the 18th place is the last one held */
	check_parse("0.000000000000000001", 0, 1, 18);
	check_parse("0.999999999999999999", 0, 999999999999999999ULL, 18);
	/* zeros past the 18th place change nothing */
	check_parse("1.000000000000000001000000", 1, 1, 18);
	check_parse("3.5000000000000000000000000000", 3,
		    500000000000000000ULL, 1);
	check_parse(U64MAX_STR ".999999999999999999", UINT64_MAX,
		    999999999999999999ULL, 18);
}

static void
test_count_parse_invalid(void **state)
{
	static const char *const bad[] = {
		"", ".", ".5", "-1", "+1", "1e5", "1E5", "0x10", "1.2.3",
		"1..", " 1", "1 ", "1,5", "one", "1.5x", "nan", "inf",
		"1\n", "\t2",
	};
	struct fg_count c = { 7, 7 };
	unsigned d = 7;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i], &c, &d), FG_EPARSE);
		/* nothing is written on failure */
		assert_true(c.n == 7 && c.frac == 7 && d == 7);
	}
	/* a NUL inside the n bytes is not a digit */
	assert_int_equal(fg_count_parse("1\0002", 3, &c, &d), FG_EPARSE);
	/* malformed beats out of range: the text is not a count at all */
	assert_int_equal(parse("99999999999999999999x", &c, &d), FG_EPARSE);
	assert_int_equal(parse("1.0000000000000000001y", &c, &d),
			 FG_EPARSE);
}

static void
test_count_parse_range(void **state)
{
	struct fg_count c = { 7, 7 };
	unsigned d = 7;

	/* 2^64 and beyond: never wrapped */
	assert_int_equal(parse("18446744073709551616", &c, &d), FG_ERANGE);
	assert_int_equal(parse("18446744073709551620", &c, &d), FG_ERANGE);
	assert_int_equal(parse("36893488147419103232", &c, &d), FG_ERANGE);
	assert_int_equal(parse("184467440737095516150", &c, &d), FG_ERANGE);
	assert_int_equal(parse("99999999999999999999999999", &c, &d),
			 FG_ERANGE);
	assert_int_equal(parse("18446744073709551616.5", &c, &d),
			 FG_ERANGE);
	/* a significant 19th decimal place */
	assert_int_equal(parse("0.0000000000000000001", &c, &d), FG_ERANGE);
	assert_int_equal(parse("1.1234567890123456789", &c, &d), FG_ERANGE);
	assert_int_equal(parse("0.0000000000000000000001", &c, &d),
			 FG_ERANGE);
	assert_true(c.n == 7 && c.frac == 7 && d == 7);
}

static void
test_count_parse_length(void **state)
{
	struct fg_count c;
	unsigned d;

	/* only the n bytes given are read: no NUL needed */
	assert_int_equal(fg_count_parse("123456", 3, &c, &d), FG_OK);
	assert_true(c.n == 123 && c.frac == 0);
	assert_int_equal(fg_count_parse("2.5;x", 3, &c, &d), FG_OK);
	assert_true(c.n == 2 && c.frac == 500000000000000000ULL && d == 1);
	assert_int_equal(fg_count_parse("7", 0, &c, &d), FG_EPARSE);
}

static void
test_count_add(void **state)
{
	struct fg_count acc = FG_COUNT_ZERO, v;

	v = (struct fg_count){ 1, 0 };
	assert_int_equal(fg_count_add(&acc, &v), FG_OK);
	v = (struct fg_count){ 2, 0 };
	assert_int_equal(fg_count_add(&acc, &v), FG_OK);
	assert_true(acc.n == 3 && acc.frac == 0);

	/* a carry out of the fraction */
	v = (struct fg_count){ 0, 500000000000000000ULL };
	assert_int_equal(fg_count_add(&acc, &v), FG_OK);
	assert_int_equal(fg_count_add(&acc, &v), FG_OK);
	assert_true(acc.n == 4 && acc.frac == 0);
	acc = (struct fg_count){ 0, FG_COUNT_FRAC_ONE - 1 };
	v = (struct fg_count){ 0, 1 };
	assert_int_equal(fg_count_add(&acc, &v), FG_OK);
	assert_true(acc.n == 1 && acc.frac == 0);
	acc = (struct fg_count){ 5, FG_COUNT_FRAC_ONE - 1 };
	v = (struct fg_count){ 0, FG_COUNT_FRAC_ONE - 1 };
	assert_int_equal(fg_count_add(&acc, &v), FG_OK);
	assert_true(acc.n == 6 && acc.frac == FG_COUNT_FRAC_ONE - 2);

	/* 0.1 + 0.2 is 0.3 exactly */
	acc = (struct fg_count)FG_COUNT_ZERO;
	assert_int_equal(parse("0.1", &v, NULL), FG_OK);
	assert_int_equal(fg_count_add(&acc, &v), FG_OK);
	assert_int_equal(parse("0.2", &v, NULL), FG_OK);
	assert_int_equal(fg_count_add(&acc, &v), FG_OK);
	assert_true(acc.n == 0 && acc.frac == 300000000000000000ULL);

	/* adding zero, and adding to itself */
	v = (struct fg_count)FG_COUNT_ZERO;
	assert_int_equal(fg_count_add(&acc, &v), FG_OK);
	assert_true(acc.n == 0 && acc.frac == 300000000000000000ULL);
	assert_int_equal(fg_count_add(&acc, &acc), FG_OK);
	assert_true(acc.n == 0 && acc.frac == 600000000000000000ULL);
}

static void
test_count_add_overflow(void **state)
{
	struct fg_count acc, v;

	/* up to UINT64_MAX exactly */
	acc = (struct fg_count){ UINT64_MAX - 1, 0 };
	v = (struct fg_count){ 1, 0 };
	assert_int_equal(fg_count_add(&acc, &v), FG_OK);
	assert_true(acc.n == UINT64_MAX);
	/* one more overflows, and acc is left as it was */
	assert_int_equal(fg_count_add(&acc, &v), FG_ERANGE);
	assert_true(acc.n == UINT64_MAX && acc.frac == 0);
	v = (struct fg_count){ UINT64_MAX, 0 };
	assert_int_equal(fg_count_add(&acc, &v), FG_ERANGE);
	assert_true(acc.n == UINT64_MAX && acc.frac == 0);

	/* fractions up to just below UINT64_MAX + 1 */
	acc = (struct fg_count){ UINT64_MAX, 500000000000000000ULL };
	v = (struct fg_count){ 0, 499999999999999999ULL };
	assert_int_equal(fg_count_add(&acc, &v), FG_OK);
	assert_true(acc.n == UINT64_MAX &&
		    acc.frac == FG_COUNT_FRAC_ONE - 1);
	/* the carry out of the fraction overflows */
	v = (struct fg_count){ 0, 1 };
	assert_int_equal(fg_count_add(&acc, &v), FG_ERANGE);
	assert_true(acc.n == UINT64_MAX &&
		    acc.frac == FG_COUNT_FRAC_ONE - 1);
	/* whole parts that fit but a carry that does not */
	acc = (struct fg_count){ UINT64_MAX - 3, 600000000000000000ULL };
	v = (struct fg_count){ 3, 400000000000000000ULL };
	assert_int_equal(fg_count_add(&acc, &v), FG_ERANGE);
	assert_true(acc.n == UINT64_MAX - 3 &&
		    acc.frac == 600000000000000000ULL);
}

static void
check_format(uint64_t n, uint64_t frac, const char *want)
{
	struct fg_count c = { n, frac };
	char buf[FG_COUNT_BUFSZ];
	size_t len;

	memset(buf, 'x', sizeof(buf));
	len = fg_count_format(&c, buf);
	assert_string_equal(buf, want);
	assert_int_equal(len, strlen(want));
}

static void
test_count_format(void **state)
{
	check_format(0, 0, "0");
	check_format(31, 0, "31");
	check_format(10, 0, "10");
	check_format(UINT64_MAX, 0, U64MAX_STR);
	check_format(2, 500000000000000000ULL, "2.5");
	check_format(0, 125000000000000ULL, "0.000125");
	check_format(0, 1, "0.000000000000000001");
	check_format(0, 100000000000000000ULL, "0.1");
	check_format(7, 10, "7.00000000000000001");
	/* the longest: 20 digits, '.', 18 digits */
	check_format(UINT64_MAX, FG_COUNT_FRAC_ONE - 1,
		     U64MAX_STR ".999999999999999999");
	assert_true(strlen(U64MAX_STR ".999999999999999999") <
		    FG_COUNT_BUFSZ);
}

/* A small xorshift generator, so the test is the same on every run. */
static uint64_t
next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void
test_count_format_parse_roundtrip(void **state)
{
	uint64_t seed = 0x1234567887654321ULL;
	int i;

	for (i = 0; i < 20000; i++) {
		struct fg_count c, back;
		char buf[FG_COUNT_BUFSZ];
		unsigned dec, sig = 0, k;
		size_t len;

		c.n = next_rand(&seed) >> (next_rand(&seed) % 64);
		switch (i % 4) {
		case 0:
			c.frac = 0;
			break;
		case 1:
			c.frac = next_rand(&seed) % FG_COUNT_FRAC_ONE;
			break;
		default:
			/* few decimals, as in real files */
			c.frac = (next_rand(&seed) % 1000) *
				 1000000000000000ULL;
			break;
		}
		len = fg_count_format(&c, buf);
		assert_int_equal(len, strlen(buf));
		assert_int_equal(fg_count_parse(buf, len, &back, &dec), FG_OK);
		assert_true(back.n == c.n && back.frac == c.frac);
		/* the decimals reported are the ones printed */
		if (strchr(buf, '.') != NULL)
			sig = (unsigned)(len - (size_t)(strchr(buf, '.') - buf) - 1);
		assert_int_equal(dec, sig);
		/* shortest form: never a trailing zero after the point */
		if (sig > 0)
			assert_true(buf[len - 1] != '0');
		for (k = 0; k < len; k++)
			assert_true((buf[k] >= '0' && buf[k] <= '9') ||
				    buf[k] == '.');
	}
}

static void
test_count_cmp(void **state)
{
	struct fg_count a = { 1, 0 }, b = { 1, 1 }, c = { 2, 0 };
	struct fg_count m = { UINT64_MAX, FG_COUNT_FRAC_ONE - 1 };
	struct fg_count z = FG_COUNT_ZERO;

	assert_true(fg_count_cmp(&a, &b) < 0);
	assert_true(fg_count_cmp(&b, &a) > 0);
	assert_true(fg_count_cmp(&b, &c) < 0);
	assert_true(fg_count_cmp(&c, &b) > 0);
	assert_int_equal(fg_count_cmp(&a, &a), 0);
	assert_true(fg_count_cmp(&z, &a) < 0);
	assert_true(fg_count_cmp(&m, &c) > 0);
	assert_int_equal(fg_count_cmp(&m, &m), 0);

	assert_true(fg_count_is_zero(&z));
	assert_false(fg_count_is_zero(&a));
	b = (struct fg_count){ 0, 1 };
	assert_false(fg_count_is_zero(&b));
}

static void
test_count_to_double(void **state)
{
	struct fg_count c = { 2, 500000000000000000ULL };

	assert_true(fg_count_to_double(&c) == 2.5);
	c = (struct fg_count)FG_COUNT_ZERO;
	assert_true(fg_count_to_double(&c) == 0.0);
	c = (struct fg_count){ 1000, 0 };
	assert_true(fg_count_to_double(&c) == 1000.0);
	c = (struct fg_count){ 0, 125000000000000ULL };
	assert_true(fg_count_to_double(&c) > 0.000124999 &&
		    fg_count_to_double(&c) < 0.000125001);
	c = (struct fg_count){ UINT64_MAX, 0 };
	assert_true(fg_count_to_double(&c) > 1.8e19);
}

static void
test_count_units(void **state)
{
	struct fg_count c, back;
	uint64_t u = 99;

	assert_int_equal(parse("2.5", &c, NULL), FG_OK);
	assert_int_equal(fg_count_to_units(&c, 1, &u), FG_OK);
	assert_true(u == 25);
	assert_int_equal(fg_count_to_units(&c, 3, &u), FG_OK);
	assert_true(u == 2500);
	assert_int_equal(fg_count_to_units(&c, 18, &u), FG_OK);
	assert_true(u == 2500000000000000000ULL);
	/* 2.5 is no whole number of units */
	u = 99;
	assert_int_equal(fg_count_to_units(&c, 0, &u), FG_EINVAL);
	assert_true(u == 99);
	/* more than 18 decimals is no unit at all */
	assert_int_equal(fg_count_to_units(&c, 19, &u), FG_EINVAL);
	/* 2.5 in units of 10^-18 overflows at 18.45 */
	c = (struct fg_count){ 19, 0 };
	assert_int_equal(fg_count_to_units(&c, 18, &u), FG_ERANGE);
	c = (struct fg_count){ 18, 446744073709551615ULL };
	assert_int_equal(fg_count_to_units(&c, 18, &u), FG_OK);
	assert_true(u == UINT64_MAX);
	c = (struct fg_count){ 18, 446744073709551616ULL };
	assert_int_equal(fg_count_to_units(&c, 18, &u), FG_ERANGE);
	c = (struct fg_count){ UINT64_MAX, 0 };
	assert_int_equal(fg_count_to_units(&c, 0, &u), FG_OK);
	assert_true(u == UINT64_MAX);
	assert_int_equal(fg_count_to_units(&c, 1, &u), FG_ERANGE);
	assert_int_equal(parse("1844674407370955161.5", &c, NULL), FG_OK);
	assert_int_equal(fg_count_to_units(&c, 1, &u), FG_OK);
	assert_true(u == UINT64_MAX);
	assert_int_equal(parse("1844674407370955161.6", &c, NULL), FG_OK);
	assert_int_equal(fg_count_to_units(&c, 1, &u), FG_ERANGE);

	fg_count_from_units(25, 1, &back);
	assert_true(back.n == 2 && back.frac == 500000000000000000ULL);
	fg_count_from_units(7, 0, &back);
	assert_true(back.n == 7 && back.frac == 0);
	fg_count_from_units(UINT64_MAX, 18, &back);
	assert_true(back.n == 18 && back.frac == 446744073709551615ULL);
	fg_count_from_units(0, 5, &back);
	assert_true(fg_count_is_zero(&back));
	fg_count_from_units(1, 18, &back);
	assert_true(back.n == 0 && back.frac == 1);
}

static void
test_count_units_roundtrip(void **state)
{
	uint64_t seed = 42, u;
	unsigned dec;
	int i;

	for (i = 0; i < 5000; i++) {
		uint64_t units = next_rand(&seed);
		struct fg_count c;

		dec = (unsigned)(next_rand(&seed) % (FG_COUNT_DECIMALS + 1));
		fg_count_from_units(units, dec, &c);
		assert_true(c.frac < FG_COUNT_FRAC_ONE);
		assert_int_equal(fg_count_to_units(&c, dec, &u), FG_OK);
		assert_true(u == units);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_parse_integers),
		cmocka_unit_test(test_count_parse_fractions),
		cmocka_unit_test(test_count_parse_invalid),
		cmocka_unit_test(test_count_parse_range),
		cmocka_unit_test(test_count_parse_length),
		cmocka_unit_test(test_count_add),
		cmocka_unit_test(test_count_add_overflow),
		cmocka_unit_test(test_count_format),
		cmocka_unit_test(test_count_format_parse_roundtrip),
		cmocka_unit_test(test_count_cmp),
		cmocka_unit_test(test_count_to_double),
		cmocka_unit_test(test_count_units),
		cmocka_unit_test(test_count_units_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
