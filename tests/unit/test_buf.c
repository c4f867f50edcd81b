/*
 * test_buf.c - unit tests for buf.c, the growable byte buffer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg/buf.h"

/* The invariants every buffer keeps. */
static void
check_invariants(const struct fg_buf *b)
{
	assert_non_null(b->buf);
	assert_int_equal(b->buf[b->len], '\0');
	if (b->alloc != 0)
		assert_true(b->len < b->alloc);
	else
		assert_int_equal(b->len, 0);
}

static void
test_buf_init(void **state)
{
	struct fg_buf a = FG_BUF_INIT, b;

	check_invariants(&a);
	assert_int_equal(a.len, 0);
	assert_string_equal(a.buf, "");

	fg_buf_init(&b);
	check_invariants(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.alloc, 0);
	assert_string_equal(b.buf, "");

	/* Releasing a buffer that never allocated is fine. */
	fg_buf_release(&a);
	fg_buf_release(&b);
	check_invariants(&a);
	check_invariants(&b);
}

static void
test_buf_add(void **state)
{
	struct fg_buf b = FG_BUF_INIT;

	fg_buf_add(&b, "hello", 5);
	check_invariants(&b);
	assert_int_equal(b.len, 5);
	assert_string_equal(b.buf, "hello");

	/* Bytes may include NULs; buf[len] is still a NUL. */
	fg_buf_add(&b, "\0x\0", 3);
	check_invariants(&b);
	assert_int_equal(b.len, 8);
	assert_memory_equal(b.buf, "hello\0x\0", 9);

	/* Adding nothing changes nothing. */
	fg_buf_add(&b, "zzz", 0);
	check_invariants(&b);
	assert_int_equal(b.len, 8);
	fg_buf_release(&b);
}

static void
test_buf_add_zero_to_empty(void **state)
{
	struct fg_buf b = FG_BUF_INIT;

	fg_buf_add(&b, "abc", 0);
	check_invariants(&b);
	assert_int_equal(b.len, 0);
	fg_buf_adds(&b, "");
	check_invariants(&b);
	assert_int_equal(b.len, 0);
	/* The shared empty string was not written to. */
	assert_int_equal(fg_buf_empty[0], '\0');
	fg_buf_release(&b);
}

static void
test_buf_addc(void **state)
{
	struct fg_buf b = FG_BUF_INIT;

	fg_buf_addc(&b, 'a');
	check_invariants(&b);
	fg_buf_addc(&b, 'b');
	fg_buf_addc(&b, '\0');
	fg_buf_addc(&b, 'c');
	check_invariants(&b);
	assert_int_equal(b.len, 4);
	assert_memory_equal(b.buf, "ab\0c", 5);
	fg_buf_release(&b);
}

static void
test_buf_adds(void **state)
{
	struct fg_buf b = FG_BUF_INIT;

	fg_buf_adds(&b, "main");
	fg_buf_adds(&b, ";");
	fg_buf_adds(&b, "");
	fg_buf_adds(&b, "foo");
	check_invariants(&b);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.buf, "main;foo");
	fg_buf_release(&b);
}

static void
test_buf_addf(void **state)
{
	struct fg_buf b = FG_BUF_INIT;
	char big[5000];

	fg_buf_addf(&b, "%d-%s-%c", 42, "x", 'y');
	check_invariants(&b);
	assert_string_equal(b.buf, "42-x-y");
	assert_int_equal(b.len, 6);

	fg_buf_addf(&b, " %05.1f|%lu", 2.5, 4000000000UL);
	check_invariants(&b);
	assert_string_equal(b.buf, "42-x-y 002.5|4000000000");

	/* An empty expansion adds nothing. */
	fg_buf_addf(&b, "%s", "");
	check_invariants(&b);
	assert_string_equal(b.buf, "42-x-y 002.5|4000000000");

	/* A long expansion grows the buffer. */
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	fg_buf_reset(&b);
	fg_buf_addf(&b, "<%s>", big);
	check_invariants(&b);
	assert_int_equal(b.len, sizeof(big) + 1);
	assert_int_equal(b.buf[0], '<');
	assert_memory_equal(b.buf + 1, big, sizeof(big) - 1);
	assert_int_equal(b.buf[b.len - 1], '>');
	fg_buf_release(&b);
}

static void
test_buf_addf_empty_buffer(void **state)
{
	struct fg_buf b = FG_BUF_INIT;

	/* Nothing to add to a never-allocated buffer. */
	fg_buf_addf(&b, "%s", "");
	check_invariants(&b);
	assert_int_equal(b.len, 0);
	fg_buf_addf(&b, "%s", "ok");
	check_invariants(&b);
	assert_string_equal(b.buf, "ok");
	fg_buf_release(&b);
}

static void
test_buf_reset(void **state)
{
	struct fg_buf b = FG_BUF_INIT;
	size_t alloc;
	char *p;

	/* Reset of an unallocated buffer. */
	fg_buf_reset(&b);
	check_invariants(&b);
	assert_int_equal(b.len, 0);

	fg_buf_adds(&b, "some text");
	alloc = b.alloc;
	p = b.buf;
	fg_buf_reset(&b);
	check_invariants(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.buf, "");
	/* The allocation is kept. */
	assert_int_equal(b.alloc, alloc);
	assert_ptr_equal(b.buf, p);

	fg_buf_adds(&b, "new");
	check_invariants(&b);
	assert_string_equal(b.buf, "new");
	assert_ptr_equal(b.buf, p);
	fg_buf_release(&b);
}

static void
test_buf_release(void **state)
{
	struct fg_buf b = FG_BUF_INIT;

	fg_buf_adds(&b, "data");
	assert_true(b.alloc > 0);
	fg_buf_release(&b);
	check_invariants(&b);
	assert_ptr_equal(b.buf, fg_buf_empty);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.alloc, 0);

	/* A released buffer is ready for reuse. */
	fg_buf_adds(&b, "again");
	check_invariants(&b);
	assert_string_equal(b.buf, "again");
	fg_buf_release(&b);
	fg_buf_release(&b);
	check_invariants(&b);
}

static void
test_buf_grow(void **state)
{
	struct fg_buf b = FG_BUF_INIT;

	fg_buf_adds(&b, "keep");
	fg_buf_grow(&b, 10000);
	check_invariants(&b);
	assert_true(b.alloc >= 4 + 10000 + 1);
	assert_int_equal(b.len, 4);
	assert_string_equal(b.buf, "keep");

	/* grow(0) on an empty buffer still gives a real allocation. */
	fg_buf_release(&b);
	fg_buf_grow(&b, 0);
	check_invariants(&b);
	assert_true(b.alloc >= 1);
	assert_int_equal(b.len, 0);
	fg_buf_release(&b);
}

static void
test_buf_growth_many(void **state)
{
	struct fg_buf b = FG_BUF_INIT;
	char *expect;
	size_t n = 0, i, cap = 2000000;

	expect = malloc(cap);
	assert_non_null(expect);
	for (i = 0; i < 100000; i++) {
		char tmp[32];
		int k;

		switch (i % 4) {
		case 0:
			fg_buf_addc(&b, (char)('a' + i % 26));
			expect[n++] = (char)('a' + i % 26);
			break;
		case 1:
			fg_buf_add(&b, "x\0y", 3);
			memcpy(expect + n, "x\0y", 3);
			n += 3;
			break;
		case 2:
			fg_buf_adds(&b, "frame;");
			memcpy(expect + n, "frame;", 6);
			n += 6;
			break;
		default:
			fg_buf_addf(&b, "%zu", i);
			k = snprintf(tmp, sizeof(tmp), "%zu", i);
			memcpy(expect + n, tmp, (size_t)k);
			n += (size_t)k;
			break;
		}
		assert_int_equal(b.len, n);
		assert_int_equal(b.buf[b.len], '\0');
	}
	check_invariants(&b);
	assert_memory_equal(b.buf, expect, n);
	free(expect);
	fg_buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_init),
		cmocka_unit_test(test_buf_add),
		cmocka_unit_test(test_buf_add_zero_to_empty),
		cmocka_unit_test(test_buf_addc),
		cmocka_unit_test(test_buf_adds),
		cmocka_unit_test(test_buf_addf),
		cmocka_unit_test(test_buf_addf_empty_buffer),
		cmocka_unit_test(test_buf_reset),
		cmocka_unit_test(test_buf_release),
		cmocka_unit_test(test_buf_grow),
		cmocka_unit_test(test_buf_growth_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
