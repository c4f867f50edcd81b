/*
 * test_arena.c - unit tests for arena.c, the block arena.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg/arena.h"

#define MAXALIGN (alignof(max_align_t))

struct piece {
	unsigned char *p;
	size_t n;
	unsigned char fill;
};

/* Every piece still holds its own fill: no two pieces overlap. */
static void
check_pieces(const struct piece *pc, size_t npc)
{
	size_t i, j;

	for (i = 0; i < npc; i++)
		for (j = 0; j < pc[i].n; j++)
			assert_int_equal(pc[i].p[j], pc[i].fill);
}

static void
test_arena_init(void **state)
{
	struct fg_arena a = FG_ARENA_INIT, b;
	unsigned char *p;

	assert_null(a.head);
	assert_int_equal(a.used, 0);

	/* An arena set up with FG_ARENA_INIT works as is. */
	p = fg_arena_alloc(&a, 10);
	assert_non_null(p);
	memset(p, 1, 10);
	assert_int_equal(a.used, 10);
	fg_arena_release(&a);

	fg_arena_init(&b);
	assert_null(b.head);
	assert_int_equal(b.used, 0);
	p = fg_arena_alloc(&b, 1);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % MAXALIGN, 0);
	fg_arena_release(&b);

	/* Releasing an empty arena is fine. */
	fg_arena_release(&b);
	assert_null(b.head);
}

static void
test_arena_many_small(void **state)
{
	struct fg_arena a = FG_ARENA_INIT;
	enum { N = 20000 };
	struct piece *pc = calloc(N, sizeof(*pc));
	size_t i, total = 0;

	assert_non_null(pc);
	for (i = 0; i < N; i++) {
		size_t n = 1 + (i * 7) % 61;

		pc[i].p = fg_arena_alloc(&a, n);
		pc[i].n = n;
		pc[i].fill = (unsigned char)(i * 31 + 1);
		assert_non_null(pc[i].p);
		assert_int_equal((uintptr_t)pc[i].p % MAXALIGN, 0);
		memset(pc[i].p, pc[i].fill, n);
		total += n;
		assert_int_equal(a.used, total);
	}
	/* Well past the first 64 KiB block: several blocks in use. */
	assert_true(total > 4 * 64 * 1024);
	check_pieces(pc, N);
	/* Distinct pointers (with n >= 1 and no overlap this follows). */
	for (i = 1; i < N; i++)
		assert_ptr_not_equal(pc[i].p, pc[i - 1].p);
	free(pc);
	fg_arena_release(&a);
}

static void
test_arena_alloc4(void **state)
{
	struct fg_arena a = FG_ARENA_INIT;
	enum { N = 20000 };
	struct piece *pc = calloc(N, sizeof(*pc));
	size_t i;

	assert_non_null(pc);
	for (i = 0; i < N; i++) {
		size_t n;

		/* Odd-sized strings in between make offsets unaligned. */
		if (i % 3 == 0) {
			n = i % 5;
			pc[i].p = (unsigned char *)fg_arena_strndup(&a,
			    "abcdefg", n);
			pc[i].n = n + 1;
			pc[i].fill = 0;
			assert_memory_equal(pc[i].p, "abcdefg", n);
			memset(pc[i].p, 0, n + 1);
			continue;
		}
		n = 4 * (1 + i % 9);
		pc[i].p = fg_arena_alloc4(&a, n);
		pc[i].n = n;
		pc[i].fill = (unsigned char)(i | 1);
		assert_non_null(pc[i].p);
		assert_int_equal((uintptr_t)pc[i].p % 4, 0);
		memset(pc[i].p, pc[i].fill, n);
	}
	check_pieces(pc, N);
	free(pc);
	fg_arena_release(&a);
}

static void
test_arena_uint32_arrays(void **state)
{
	struct fg_arena a = FG_ARENA_INIT;
	uint32_t *arr[1000];
	size_t i, j;

	for (i = 0; i < 1000; i++) {
		(void)fg_arena_strndup(&a, "xyz", i % 4);
		arr[i] = fg_arena_alloc4(&a, (i % 17 + 1) * sizeof(uint32_t));
		for (j = 0; j <= i % 17; j++)
			arr[i][j] = (uint32_t)(i * 1000 + j);
	}
	for (i = 0; i < 1000; i++)
		for (j = 0; j <= i % 17; j++)
			assert_int_equal(arr[i][j], i * 1000 + j);
	fg_arena_release(&a);
}

static void
test_arena_mixed_alignment(void **state)
{
	struct fg_arena a = FG_ARENA_INIT;
	size_t i;

	for (i = 0; i < 5000; i++) {
		char *s = fg_arena_strndup(&a, "abc", 1 + i % 3);
		unsigned char *p = fg_arena_alloc(&a, 8);
		void *q = fg_arena_alloc4(&a, 4);

		assert_int_equal((uintptr_t)p % MAXALIGN, 0);
		assert_int_equal((uintptr_t)q % 4, 0);
		assert_true(p != (unsigned char *)s);
	}
	fg_arena_release(&a);
}

static void
test_arena_large(void **state)
{
	struct fg_arena a = FG_ARENA_INIT;
	size_t big = 3u * 1024 * 1024 + 17, i;
	unsigned char *small1, *large, *small2, *large2;

	/* A large request on an empty arena. */
	large = fg_arena_alloc(&a, big);
	assert_non_null(large);
	assert_int_equal((uintptr_t)large % MAXALIGN, 0);
	memset(large, 0x5a, big);
	small1 = fg_arena_alloc(&a, 100);
	memset(small1, 0x11, 100);

	/* A large request after small ones: the small ones are untouched. */
	large2 = fg_arena_alloc(&a, 2u * 1024 * 1024);
	assert_int_equal((uintptr_t)large2 % MAXALIGN, 0);
	memset(large2, 0x77, 2u * 1024 * 1024);
	small2 = fg_arena_alloc(&a, 100);
	memset(small2, 0x22, 100);

	for (i = 0; i < big; i++)
		if (large[i] != 0x5a)
			fail_msg("large[%zu] = %#x", i, large[i]);
	for (i = 0; i < 2u * 1024 * 1024; i++)
		if (large2[i] != 0x77)
			fail_msg("large2[%zu] = %#x", i, large2[i]);
	for (i = 0; i < 100; i++) {
		assert_int_equal(small1[i], 0x11);
		assert_int_equal(small2[i], 0x22);
	}
	assert_int_equal(a.used, big + 200 + 2u * 1024 * 1024);
	fg_arena_release(&a);
	assert_null(a.head);
	assert_int_equal(a.used, 0);
}

static void
test_arena_strndup(void **state)
{
	struct fg_arena a = FG_ARENA_INIT;
	char *p, *q, *e;

	p = fg_arena_strndup(&a, "ab\0cd", 5);
	assert_memory_equal(p, "ab\0cd", 6);
	assert_int_equal(p[5], '\0');

	/* Only n bytes are copied. */
	q = fg_arena_strndup(&a, "hello world", 5);
	assert_string_equal(q, "hello");

	e = fg_arena_strndup(&a, "", 0);
	assert_non_null(e);
	assert_string_equal(e, "");

	/* A copy, not the original. */
	assert_true(p != q && q != e && p != e);
	assert_memory_equal(p, "ab\0cd", 6);
	assert_string_equal(q, "hello");
	fg_arena_release(&a);
}

static void
test_arena_release_reuse(void **state)
{
	struct fg_arena a = FG_ARENA_INIT;
	int round;
	size_t i;

	for (round = 0; round < 3; round++) {
		char *names[500];

		for (i = 0; i < 500; i++) {
			char tmp[32];
			int k = snprintf(tmp, sizeof(tmp), "n%d-%zu", round, i);

			names[i] = fg_arena_strndup(&a, tmp, (size_t)k);
		}
		(void)fg_arena_alloc(&a, 2u * 1024 * 1024);
		for (i = 0; i < 500; i++) {
			char tmp[32];

			snprintf(tmp, sizeof(tmp), "n%d-%zu", round, i);
			assert_string_equal(names[i], tmp);
		}
		assert_true(a.used > 0);
		fg_arena_release(&a);
		assert_null(a.head);
		assert_int_equal(a.used, 0);
	}
}

static void
test_arena_zero_size(void **state)
{
	struct fg_arena a = FG_ARENA_INIT;
	unsigned char *p, *q;

	p = fg_arena_alloc(&a, 0);
	assert_non_null(p);
	q = fg_arena_alloc(&a, 16);
	assert_non_null(q);
	memset(q, 3, 16);
	assert_int_equal(a.used, 16);
	fg_arena_release(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena_init),
		cmocka_unit_test(test_arena_many_small),
		cmocka_unit_test(test_arena_alloc4),
		cmocka_unit_test(test_arena_uint32_arrays),
		cmocka_unit_test(test_arena_mixed_alignment),
		cmocka_unit_test(test_arena_large),
		cmocka_unit_test(test_arena_strndup),
		cmocka_unit_test(test_arena_release_reuse),
		cmocka_unit_test(test_arena_zero_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
