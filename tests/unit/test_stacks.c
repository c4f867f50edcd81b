/*
 * test_stacks.c - unit tests for stacks.c, the stack table: insert or
 * add, find, merge, totals, overflow, and the sorted order, which must
 * be that of LC_ALL=C sort(1) on the stacks' folded text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fg/buf.h"
#include "fg/count.h"
#include "fg/error.h"
#include "fg/intern.h"
#include "fg/stacks.h"
#include "../../lib/internal.h"

static const struct fg_count one = { 1, 0 };

static struct fg_count
cnt(uint64_t n, uint64_t frac)
{
	struct fg_count c = { n, frac };

	return c;
}

/* Interns each of the n names and writes their ids. */
static void
ids_of(struct fg_symtab *t, const char *const *names, size_t n, uint32_t *ids)
{
	size_t i;

	for (i = 0; i < n; i++)
		ids[i] = fg_intern(t, names[i], strlen(names[i]));
}

/* The folded text of stack idx: names joined with ';'. */
static void
text_of(const struct fg_stacks *s, size_t idx, struct fg_buf *b)
{
	const struct fg_symtab *t = fg_stacks_symtab(s);
	const uint32_t *ids;
	size_t n, k, len;

	fg_buf_reset(b);
	ids = fg_stacks_frames(s, idx, &n);
	for (k = 0; k < n; k++) {
		const char *name = fg_symtab_str(t, ids[k], &len);

		if (k > 0)
			fg_buf_addc(b, ';');
		fg_buf_add(b, name, len);
	}
}

static void
test_stacks_new(void **state)
{
	struct fg_symtab *t = fg_symtab_new();
	struct fg_stacks *s;

	assert_null(fg_stacks_new(t, 0));
	assert_null(fg_stacks_new(t, FG_STACKS_MAX_COLS + 1));
	assert_null(fg_stacks_new(NULL, 1));
	s = fg_stacks_new(t, 2);
	assert_non_null(s);
	assert_ptr_equal(fg_stacks_symtab(s), t);
	assert_int_equal(fg_stacks_ncols(s), 2);
	assert_int_equal(fg_stacks_count(s), 0);
	assert_true(fg_stacks_bytes(s) > 0);
	fg_stacks_free(s);
	fg_stacks_free(NULL);
	fg_symtab_free(t);
}

static void
test_stacks_add_find(void **state)
{
	static const char *const abc[] = { "a", "b", "c" };
	struct fg_symtab *t = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(t, 2);
	uint32_t ids[3], other[3];
	const uint32_t *fr;
	const struct fg_count *c;
	struct fg_count v;
	size_t idx = 99, n;

	ids_of(t, abc, 3, ids);
	v = cnt(3, 0);
	assert_int_equal(fg_stacks_add(s, ids, 3, 0, &v, &idx), FG_OK);
	assert_int_equal(idx, 0);
	assert_int_equal(fg_stacks_count(s), 1);
	/* the same stack again: the count grows, nothing is inserted */
	v = cnt(4, 500000000000000000ULL);
	assert_int_equal(fg_stacks_add(s, ids, 3, 0, &v, &idx), FG_OK);
	assert_int_equal(idx, 0);
	v = cnt(2, 0);
	assert_int_equal(fg_stacks_add(s, ids, 3, 1, &v, NULL), FG_OK);
	assert_int_equal(fg_stacks_count(s), 1);
	c = fg_stacks_counts(s, 0);
	assert_true(c[0].n == 7 && c[0].frac == 500000000000000000ULL);
	assert_true(c[1].n == 2 && c[1].frac == 0);

	/* a prefix of it, and the reverse, are other stacks */
	assert_int_equal(fg_stacks_add(s, ids, 2, 0, &one, &idx), FG_OK);
	assert_int_equal(idx, 1);
	other[0] = ids[2];
	other[1] = ids[1];
	other[2] = ids[0];
	assert_int_equal(fg_stacks_add(s, other, 3, 1, &one, &idx), FG_OK);
	assert_int_equal(idx, 2);
	/* the empty stack is a stack too */
	assert_int_equal(fg_stacks_add(s, ids, 0, 0, &one, &idx), FG_OK);
	assert_int_equal(idx, 3);
	assert_int_equal(fg_stacks_count(s), 4);

	assert_int_equal(fg_stacks_find(s, ids, 3), 0);
	assert_int_equal(fg_stacks_find(s, ids, 2), 1);
	assert_int_equal(fg_stacks_find(s, other, 3), 2);
	assert_int_equal(fg_stacks_find(s, ids, 0), 3);
	assert_true(fg_stacks_find(s, ids, 1) == SIZE_MAX);
	assert_true(fg_stacks_find(s, other, 2) == SIZE_MAX);
	/* find changes nothing */
	assert_int_equal(fg_stacks_count(s), 4);

	fr = fg_stacks_frames(s, 2, &n);
	assert_int_equal(n, 3);
	assert_memory_equal(fr, other, sizeof(other));
	fr = fg_stacks_frames(s, 3, &n);
	assert_int_equal(n, 0);
	/* a new stack starts at zero in every column */
	c = fg_stacks_counts(s, 2);
	assert_true(fg_count_is_zero(&c[0]) && c[1].n == 1);

	/* the caller's array is copied */
	ids[0] = ids[1];
	assert_true(fg_stacks_find(s, ids, 3) == SIZE_MAX);
	fr = fg_stacks_frames(s, 0, &n);
	assert_int_equal(fr[0], fg_symtab_find(t, "a", 1));

	/* a column out of range */
	assert_int_equal(fg_stacks_add(s, ids, 3, 2, &one, NULL), FG_EINVAL);
	assert_int_equal(fg_stacks_count(s), 4);

	/* writable counts */
	fg_stacks_counts_mut(s, 1)[1] = cnt(42, 0);
	assert_true(fg_stacks_counts(s, 1)[1].n == 42);

	fg_stacks_free(s);
	fg_symtab_free(t);
}

/* Stacks whose names hold ';' are kept apart from the split ones. */
static void
test_stacks_semicolon_names(void **state)
{
	struct fg_symtab *t = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(t, 1);
	uint32_t split[2], joined[1], empty[1];

	split[0] = fg_intern(t, "a", 1);
	split[1] = fg_intern(t, "b", 1);
	joined[0] = fg_intern(t, "a;b", 3);
	empty[0] = fg_intern(t, "", 0);
	assert_int_equal(fg_stacks_add(s, split, 2, 0, &one, NULL), FG_OK);
	assert_int_equal(fg_stacks_add(s, joined, 1, 0, &one, NULL), FG_OK);
	assert_int_equal(fg_stacks_add(s, empty, 1, 0, &one, NULL), FG_OK);
	assert_int_equal(fg_stacks_add(s, empty, 0, 0, &one, NULL), FG_OK);
	assert_int_equal(fg_stacks_count(s), 4);
	assert_int_equal(fg_stacks_find(s, split, 2), 0);
	assert_int_equal(fg_stacks_find(s, joined, 1), 1);
	assert_int_equal(fg_stacks_find(s, empty, 1), 2);
	assert_int_equal(fg_stacks_find(s, empty, 0), 3);
	fg_stacks_free(s);
	fg_symtab_free(t);
}

static void
test_stacks_overflow(void **state)
{
	struct fg_symtab *t = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(t, 1);
	uint32_t id = fg_intern(t, "x", 1);
	struct fg_count big = cnt(UINT64_MAX, 0), total;
	size_t idx = 99;

	assert_int_equal(fg_stacks_add(s, &id, 1, 0, &big, NULL), FG_OK);
	/* one more does not wrap; the count stays as it was */
	assert_int_equal(fg_stacks_add(s, &id, 1, 0, &one, &idx), FG_ERANGE);
	assert_int_equal(idx, 0);
	assert_true(fg_stacks_counts(s, 0)[0].n == UINT64_MAX);
	assert_int_equal(fg_stacks_total(s, 0, &total), FG_OK);
	assert_true(total.n == UINT64_MAX);

	/* a new stack whose first add overflows nothing is still inserted */
	id = fg_intern(t, "y", 1);
	assert_int_equal(fg_stacks_add(s, &id, 1, 0, &one, &idx), FG_OK);
	assert_int_equal(idx, 1);
	/* two stacks whose counts fit but whose total does not */
	assert_int_equal(fg_stacks_total(s, 0, &total), FG_ERANGE);
	assert_int_equal(fg_stacks_total(s, 1, &total), FG_EINVAL);
	fg_stacks_free(s);
	fg_symtab_free(t);
}

static void
test_stacks_total(void **state)
{
	struct fg_symtab *t = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(t, 2);
	struct fg_count total = { 9, 9 }, v;
	uint32_t ids[2];
	int i;

	/* an empty table totals 0 */
	assert_int_equal(fg_stacks_total(s, 0, &total), FG_OK);
	assert_true(fg_count_is_zero(&total));
	ids[0] = fg_intern(t, "root", 4);
	for (i = 0; i < 100; i++) {
		char name[16];
		int len = snprintf(name, sizeof(name), "f%d", i % 10);

		ids[1] = fg_intern(t, name, (size_t)len);
		v = cnt((uint64_t)i, 100000000000000000ULL);
		assert_int_equal(fg_stacks_add(s, ids, 2, 0, &v, NULL), FG_OK);
	}
	assert_int_equal(fg_stacks_count(s), 10);
	/* 0 + 1 + ... + 99 and 100 times 0.1 */
	assert_int_equal(fg_stacks_total(s, 0, &total), FG_OK);
	assert_true(total.n == 4960 && total.frac == 0);
	assert_int_equal(fg_stacks_total(s, 1, &total), FG_OK);
	assert_true(fg_count_is_zero(&total));
	fg_stacks_free(s);
	fg_symtab_free(t);
}

static void
test_stacks_merge(void **state)
{
	static const char *const p[] = { "main", "parse", "lex" };
	static const char *const q[] = { "main", "eval" };
	struct fg_symtab *t = fg_symtab_new(), *t2 = fg_symtab_new();
	struct fg_stacks *a = fg_stacks_new(t, 1), *b = fg_stacks_new(t, 1);
	struct fg_stacks *d = fg_stacks_new(t, 2), *x = fg_stacks_new(t2, 1);
	struct fg_count v, big = cnt(UINT64_MAX, 0);
	uint32_t pi[3], qi[2];
	size_t i;

	ids_of(t, p, 3, pi);
	ids_of(t, q, 2, qi);
	v = cnt(10, 0);
	fg_stacks_add(a, pi, 3, 0, &v, NULL);
	v = cnt(5, 0);
	fg_stacks_add(a, qi, 2, 0, &v, NULL);
	v = cnt(12, 0);
	fg_stacks_add(b, pi, 3, 0, &v, NULL);
	v = cnt(1, 250000000000000000ULL);
	fg_stacks_add(b, pi, 2, 0, &v, NULL);

	assert_int_equal(fg_stacks_merge(d, 0, a, 0), FG_OK);
	assert_int_equal(fg_stacks_merge(d, 1, b, 0), FG_OK);
	assert_int_equal(fg_stacks_count(d), 3);
	i = fg_stacks_find(d, pi, 3);
	assert_true(fg_stacks_counts(d, i)[0].n == 10);
	assert_true(fg_stacks_counts(d, i)[1].n == 12);
	i = fg_stacks_find(d, qi, 2);
	assert_true(fg_stacks_counts(d, i)[0].n == 5);
	assert_true(fg_count_is_zero(&fg_stacks_counts(d, i)[1]));
	i = fg_stacks_find(d, pi, 2);
	assert_true(fg_count_is_zero(&fg_stacks_counts(d, i)[0]));
	assert_true(fg_stacks_counts(d, i)[1].n == 1 &&
		    fg_stacks_counts(d, i)[1].frac == 250000000000000000ULL);
	/* merging again adds again */
	assert_int_equal(fg_stacks_merge(d, 0, a, 0), FG_OK);
	i = fg_stacks_find(d, pi, 3);
	assert_true(fg_stacks_counts(d, i)[0].n == 20);
	/* merging a table into itself doubles it */
	assert_int_equal(fg_stacks_merge(a, 0, a, 0), FG_OK);
	assert_int_equal(fg_stacks_count(a), 2);
	assert_true(fg_stacks_counts(a, 0)[0].n == 20);

	/* columns out of range (an empty table of another symtab is fine) */
	assert_int_equal(fg_stacks_merge(d, 0, x, 0), FG_OK);
	assert_int_equal(fg_stacks_count(d), 3);
	assert_int_equal(fg_stacks_merge(d, 2, a, 0), FG_EINVAL);
	assert_int_equal(fg_stacks_merge(d, 0, a, 1), FG_EINVAL);

	/* an overflowing merge is reported */
	fg_stacks_add(b, qi, 2, 0, &big, NULL);
	fg_stacks_add(a, qi, 2, 0, &one, NULL);
	assert_int_equal(fg_stacks_merge(a, 0, b, 0), FG_ERANGE);

	fg_stacks_free(a);
	fg_stacks_free(b);
	fg_stacks_free(d);
	fg_stacks_free(x);
	fg_symtab_free(t);
	fg_symtab_free(t2);
}

/*
 * Merging a table of another symtab: names are translated (only those
 * the stacks use are interned), names holding ';' and the empty stack
 * keep their identity, new stacks come in src's order, and the result
 * is the table fg_stacks_add would have built.
 */
static void
test_stacks_merge_symtabs(void **state)
{
	static const char *const p[] = { "main", "parse", "lex" };
	static const char *const r[] = { "lex", "main" };
	static const char *const semi[] = { "a;b", "c" };
	static const char *const plain[] = { "a", "b", "c" };
	struct fg_symtab *t = fg_symtab_new(), *t2 = fg_symtab_new();
	struct fg_stacks *d = fg_stacks_new(t, 2), *x = fg_stacks_new(t2, 1);
	struct fg_stacks *ref = fg_stacks_new(t, 2);
	struct fg_count v;
	uint32_t ids[3], unused;
	size_t i, n, nsyms;
	const uint32_t *f;

	(void)state;
	/* d: main;parse;lex = 1 in column 0 */
	ids_of(t, p, 3, ids);
	v = cnt(1, 0);
	assert_int_equal(fg_stacks_add(d, ids, 3, 0, &v, NULL), FG_OK);
	assert_int_equal(fg_stacks_add(ref, ids, 3, 0, &v, NULL), FG_OK);
	/* x, interned in another order: lex;main, a;b;c (2 frames), "" */
	unused = fg_intern(t2, "unused", 6);
	(void)unused;
	ids_of(t2, r, 2, ids);
	v = cnt(2, 0);
	assert_int_equal(fg_stacks_add(x, ids, 2, 0, &v, NULL), FG_OK);
	ids_of(t2, semi, 2, ids);
	v = cnt(3, 500000000000000000ULL);
	assert_int_equal(fg_stacks_add(x, ids, 2, 0, &v, NULL), FG_OK);
	v = cnt(4, 0);
	assert_int_equal(fg_stacks_add(x, ids, 0, 0, &v, NULL), FG_OK);
	ids_of(t2, p, 3, ids);
	v = cnt(5, 0);
	assert_int_equal(fg_stacks_add(x, ids, 3, 0, &v, NULL), FG_OK);

	nsyms = fg_symtab_count(t);
	assert_int_equal(fg_stacks_merge(d, 1, x, 0), FG_OK);
	/* a;b and c are new to t, "unused" is not interned */
	assert_int_equal(fg_symtab_count(t), nsyms + 2);
	assert_int_equal(fg_symtab_find(t, "unused", 6), UINT32_MAX);
	assert_int_equal(fg_stacks_count(d), 4);

	/* the reference, built by fg_stacks_add in t */
	ids_of(t, r, 2, ids);
	v = cnt(2, 0);
	fg_stacks_add(ref, ids, 2, 1, &v, NULL);
	ids_of(t, semi, 2, ids);
	v = cnt(3, 500000000000000000ULL);
	fg_stacks_add(ref, ids, 2, 1, &v, NULL);
	v = cnt(4, 0);
	fg_stacks_add(ref, ids, 0, 1, &v, NULL);
	ids_of(t, p, 3, ids);
	v = cnt(5, 0);
	fg_stacks_add(ref, ids, 3, 1, &v, NULL);
	assert_int_equal(fg_stacks_count(ref), 4);
	for (i = 0; i < 4; i++) {
		const uint32_t *g;
		size_t m;

		f = fg_stacks_frames(d, i, &n);
		g = fg_stacks_frames(ref, i, &m);
		assert_int_equal(n, m);
		assert_true(m == 0 || memcmp(f, g, m * sizeof(*f)) == 0);
		assert_int_equal(fg_count_cmp(&fg_stacks_counts(d, i)[0],
					      &fg_stacks_counts(ref, i)[0]), 0);
		assert_int_equal(fg_count_cmp(&fg_stacks_counts(d, i)[1],
					      &fg_stacks_counts(ref, i)[1]), 0);
		/* found again by its frames: its hash is the right one */
		assert_int_equal(fg_stacks_find(d, g, m), i);
	}
	/* a;b;c as three frames has the same text, but is another stack */
	ids_of(t, plain, 3, ids);
	assert_int_equal(fg_stacks_find(d, ids, 3), SIZE_MAX);
	v = cnt(1, 0);
	assert_int_equal(fg_stacks_add(d, ids, 3, 0, &v, NULL), FG_OK);
	assert_int_equal(fg_stacks_count(d), 5);

	fg_stacks_free(d);
	fg_stacks_free(x);
	fg_stacks_free(ref);
	fg_symtab_free(t);
	fg_symtab_free(t2);
}

/* Adds to s (in its symtab) random stacks over names n0 .. n7. */
static void
named_stacks(struct fg_stacks *s, unsigned seed, size_t count)
{
	struct fg_symtab *t = fg_stacks_symtab(s);
	unsigned ncols = fg_stacks_ncols(s), c;
	uint32_t ids[6];
	char name[4];
	size_t i, k;

	srand(seed);
	for (i = 0; i < count; i++) {
		size_t depth = (size_t)(rand() % 6);

		for (k = 0; k < depth; k++) {
			snprintf(name, sizeof(name), "n%d", rand() % 8);
			ids[k] = fg_intern(t, name, strlen(name));
		}
		for (c = 0; c < ncols; c++) {
			struct fg_count v = cnt((uint64_t)(rand() % 5),
						(uint64_t)(rand() % 3) * 7);

			assert_int_equal(fg_stacks_add(s, ids, depth, c, &v,
						       NULL), FG_OK);
		}
	}
}

/*
 * fg_stacks_absorb leaves dst as fg_stacks_merge leaves it, column by
 * column, with src's symtab another or the same; the frames it took
 * over outlive src.
 */
static void
test_stacks_absorb(void **state)
{
	unsigned seed;

	(void)state;
	for (seed = 1; seed <= 60; seed++) {
		bool same = seed % 3 == 0;
		struct fg_symtab *t = fg_symtab_new();
		struct fg_symtab *t2 = same ? t : fg_symtab_new();
		struct fg_stacks *d = fg_stacks_new(t, 2);
		struct fg_stacks *ref = fg_stacks_new(t, 2);
		struct fg_stacks *x = fg_stacks_new(t2, 2);
		/* both columns, or one into either column */
		unsigned ncols = seed % 4 == 0 ? 2 : 1;
		unsigned at = ncols == 2 ? 0 : seed / 4 % 2, from = seed % 2, c;
		size_t i, n, m;

		named_stacks(d, seed, 40);
		named_stacks(ref, seed, 40);
		/* src names its names in another order: n9 first */
		fg_intern(t2, "n9", 2);
		named_stacks(x, seed + 1000, 60);
		if (ncols == 2)
			from = 0;
		for (c = 0; c < ncols; c++)
			assert_int_equal(fg_stacks_merge(ref, at + c, x,
							 from + c), FG_OK);
		assert_int_equal(fg_stacks_absorb(d, at, x, from, ncols),
				 FG_OK);
		fg_stacks_free(x);
		assert_int_equal(fg_stacks_count(d), fg_stacks_count(ref));
		for (i = 0; i < fg_stacks_count(d); i++) {
			const uint32_t *f = fg_stacks_frames(d, i, &n);
			const uint32_t *g = fg_stacks_frames(ref, i, &m);

			assert_int_equal(n, m);
			assert_true(m == 0 || memcmp(f, g, m * sizeof(*f)) == 0);
			for (c = 0; c < 2; c++)
				assert_int_equal(fg_count_cmp(
					&fg_stacks_counts(d, i)[c],
					&fg_stacks_counts(ref, i)[c]), 0);
			assert_int_equal(fg_stacks_find(d, f, n), i);
		}
		assert_int_equal(fg_stacks_absorb(d, 1, d, 0, 2), FG_EINVAL);
		fg_stacks_free(d);
		fg_stacks_free(ref);
		if (!same)
			fg_symtab_free(t2);
		fg_symtab_free(t);
	}
}

/* Many stacks: the table grows, and every index stays put. */
static void
test_stacks_many(void **state)
{
	enum { N = 100000 };
	struct fg_symtab *t = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(t, 1);
	uint32_t ids[3];
	size_t i, idx, n;

	for (i = 0; i < 64; i++) {
		char name[8];
		int len = snprintf(name, sizeof(name), "n%zu", i);

		fg_intern(t, name, (size_t)len);
	}
	for (i = 0; i < N; i++) {
		struct fg_count v = cnt(i, 0);

		ids[0] = (uint32_t)(i % 64);
		ids[1] = (uint32_t)(i / 64 % 64);
		ids[2] = (uint32_t)(i / 4096 % 64);
		assert_int_equal(fg_stacks_add(s, ids, 3, 0, &v, &idx), FG_OK);
		assert_int_equal(idx, i);
	}
	assert_int_equal(fg_stacks_count(s), N);
	for (i = 0; i < N; i++) {
		const uint32_t *fr = fg_stacks_frames(s, i, &n);

		assert_int_equal(n, 3);
		assert_int_equal(fr[0], i % 64);
		assert_int_equal(fr[1], i / 64 % 64);
		assert_int_equal(fr[2], i / 4096 % 64);
		assert_true(fg_stacks_counts(s, i)[0].n == i);
		assert_int_equal(fg_stacks_find(s, fr, n), i);
	}
	fg_stacks_free(s);
	fg_symtab_free(t);
}

/*
 * The reference: LC_ALL=C sort(1) compares lines as unsigned bytes, a
 * line that is a prefix of another first.
 */
static struct fg_buf *texts;

static int
text_cmp(const void *a, const void *b)
{
	const struct fg_buf *x = &texts[*(const uint32_t *)a];
	const struct fg_buf *y = &texts[*(const uint32_t *)b];
	size_t m = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->buf, y->buf, m);

	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static uint64_t
next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Checks that fg_stacks_sorted orders s as text_cmp does and that
 * fg_stacks_cmp agrees with it. Returns the order (caller frees).
 */
static uint32_t *
check_sorted(const struct fg_stacks *s)
{
	size_t n = fg_stacks_count(s), i;
	uint32_t *order = fg_stacks_sorted(s);
	uint32_t *want = malloc((n ? n : 1) * sizeof(*want));

	assert_non_null(order);
	assert_non_null(want);
	texts = calloc(n ? n : 1, sizeof(*texts));
	assert_non_null(texts);
	for (i = 0; i < n; i++) {
		fg_buf_init(&texts[i]);
		text_of(s, i, &texts[i]);
		want[i] = (uint32_t)i;
	}
	qsort(want, n, sizeof(*want), text_cmp);
	for (i = 0; i < n; i++) {
		if (order[i] != want[i])
			fail_msg("position %zu: stack %u ('%s'), expected %u ('%s')",
				 i, order[i], texts[order[i]].buf, want[i],
				 texts[want[i]].buf);
		if (i > 0) {
			assert_true(fg_stacks_cmp(s, order[i - 1], order[i]) < 0);
			assert_true(fg_stacks_cmp(s, order[i], order[i - 1]) > 0);
		}
		assert_int_equal(fg_stacks_cmp(s, order[i], order[i]), 0);
	}
	for (i = 0; i < n; i++)
		fg_buf_release(&texts[i]);
	free(texts);
	texts = NULL;
	free(want);
	return order;
}

static void
test_stacks_sorted_small(void **state)
{
	/*
	 * The hard cases: a stack before the longer ones it prefixes;
	 * bytes below ';' (space, '!', '\x01') and above it, so that
	 * "a!" sorts before "a;b" although "a" < "a!"; a frame name that
	 * is a prefix of another; empty frames; bytes >= 0x80.
	 */
	static const char *const stacks[][4] = {
		{ "a", NULL }, { "a", "b", NULL }, { "a!", NULL },
		{ "a b", NULL }, { "a", "b", "c", NULL }, { "a ", "x", NULL },
		{ "a\x01", NULL }, { "a\xff", NULL }, { "a", "", NULL },
		{ "", "a", NULL }, { "", NULL }, { "a:", "b", NULL },
		{ "a<", NULL }, { "ab", NULL }, { "a", "b!", NULL },
		{ "a", "b c", NULL }, { "a", "b", "", NULL }, { "b", NULL },
		{ "A", NULL }, { "a", " ", NULL }, { "a!", "b", NULL },
		{ "\xc3\xa9", NULL }, { "a", "b", "c!", NULL },
	};
	struct fg_symtab *t = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(t, 1);
	size_t i, n;
	uint32_t ids[4], *order;

	/* in reverse, so the sort has work to do */
	for (i = sizeof(stacks) / sizeof(stacks[0]); i-- > 0;) {
		for (n = 0; stacks[i][n] != NULL; n++)
			;
		ids_of(t, stacks[i], n, ids);
		assert_int_equal(fg_stacks_add(s, ids, n, 0, &one, NULL),
				 FG_OK);
	}
	order = check_sorted(s);
	free(order);
	fg_stacks_free(s);
	/*
	 * The empty stack sorts first. (Its text is that of the stack of
	 * one empty frame, which is left out here: two stacks of equal
	 * text have no order of their own.)
	 */
	s = fg_stacks_new(t, 1);
	ids_of(t, stacks[1], 2, ids);
	fg_stacks_add(s, ids, 2, 0, &one, NULL);
	fg_stacks_add(s, ids, 1, 0, &one, NULL);
	fg_stacks_add(s, ids, 0, 0, &one, NULL);
	order = check_sorted(s);
	assert_int_equal(order[0], 2);
	assert_int_equal(order[1], 1);
	assert_int_equal(order[2], 0);
	free(order);
	fg_stacks_free(s);
	fg_symtab_free(t);
}

/* Fills s with random stacks over a small alphabet full of hard bytes. */
static void
random_stacks(struct fg_stacks *s, size_t count, unsigned maxdepth,
	      uint64_t seed, int printable)
{
	/* NUL included */
	static const char alpha[] = "ab !\x01:<\x7f\xc3\0";
	static const char palpha[] = "ab !:<A~";
	struct fg_symtab *t = fg_stacks_symtab(s);
	const char *al = printable ? palpha : alpha;
	size_t nal = printable ? sizeof(palpha) - 1 : sizeof(alpha) - 1;
	uint32_t names[200], ids[64];
	size_t i, k;

	assert_true(maxdepth <= 64);
	/* 200 names of 0 to 3 bytes (with repeats folded by interning) */
	for (i = 0; i < 200; i++) {
		char name[4];
		size_t len = (size_t)(next_rand(&seed) % 4);

		for (k = 0; k < len; k++)
			name[k] = al[next_rand(&seed) % nal];
		if (printable && len == 0)
			name[len++] = 'z';
		names[i] = fg_intern(t, name, len);
	}
	for (i = 0; i < count; i++) {
		size_t depth = 1 + (size_t)(next_rand(&seed) % maxdepth);

		/* shared prefixes, as in real profiles */
		for (k = 0; k < depth; k++)
			ids[k] = names[k < 2 ? next_rand(&seed) % 3 :
					   next_rand(&seed) % 200];
		assert_int_equal(fg_stacks_add(s, ids, depth, 0, &one, NULL),
				 FG_OK);
	}
}

static void
test_stacks_sorted_random(void **state)
{
	static const struct {
		size_t count;
		unsigned depth;
	} runs[] = {
		{ 2, 3 }, { 17, 3 }, { 100, 2 }, { 1000, 5 }, { 20000, 8 },
		{ 30000, 40 },
	};
	size_t r;

	for (r = 0; r < sizeof(runs) / sizeof(runs[0]); r++) {
		struct fg_symtab *t = fg_symtab_new();
		struct fg_stacks *s = fg_stacks_new(t, 1);
		uint32_t *order;

		random_stacks(s, runs[r].count, runs[r].depth, 7 + r, 0);
		order = check_sorted(s);
		free(order);
		fg_stacks_free(s);
		fg_symtab_free(t);
	}
}

/*
 * fg_stacks_sorted_by_rank against a plain comparison of rank arrays
 * (shorter prefix first), with ranks that reverse the ids, on random
 * tables and on one already in order; bad ranks give NULL.
 */
static const uint32_t *by_rank;
static const struct fg_stacks *by_rank_s;

static int
by_rank_cmp(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	size_t na, nb, i;
	const uint32_t *fa = fg_stacks_frames(by_rank_s, a, &na);
	const uint32_t *fb = fg_stacks_frames(by_rank_s, b, &nb);

	for (i = 0; i < na && i < nb; i++)
		if (fa[i] != fb[i])
			return by_rank[fa[i]] < by_rank[fb[i]] ? -1 : 1;
	return na < nb ? -1 : na > nb;
}

static void
test_stacks_sorted_by_rank(void **state)
{
	static const size_t counts[] = { 0, 1, 2, 17, 1000, 20000 };
	size_t r, i, n;

	(void)state;
	for (r = 0; r < sizeof(counts) / sizeof(counts[0]); r++) {
		struct fg_symtab *t = fg_symtab_new();
		struct fg_stacks *s = fg_stacks_new(t, 1);
		struct fg_stacks *s2 = fg_stacks_new(t, 1);
		uint32_t *rank, *order, *ref, *order2;
		size_t nsyms;

		random_stacks(s, counts[r], 6, 31 + r, 0);
		n = fg_stacks_count(s);
		nsyms = fg_symtab_count(t);
		rank = malloc((nsyms ? nsyms : 1) * sizeof(*rank));
		ref = malloc((n ? n : 1) * sizeof(*ref));
		assert_non_null(rank);
		assert_non_null(ref);
		for (i = 0; i < nsyms; i++)
			rank[i] = (uint32_t)(nsyms - 1 - i);
		for (i = 0; i < n; i++)
			ref[i] = (uint32_t)i;
		by_rank = rank;
		by_rank_s = s;
		qsort(ref, n, sizeof(*ref), by_rank_cmp);
		order = fg_stacks_sorted_by_rank(s, rank);
		assert_non_null(order);
		assert_true(n == 0 ||
			    memcmp(order, ref, n * sizeof(*ref)) == 0);
		/* the same stacks added in that order come out as added */
		for (i = 0; i < n; i++) {
			size_t k;
			const uint32_t *f = fg_stacks_frames(s, order[i], &k);

			fg_stacks_add(s2, f, k, 0, &one, NULL);
		}
		order2 = fg_stacks_sorted_by_rank(s2, rank);
		assert_non_null(order2);
		for (i = 0; i < n; i++)
			assert_int_equal(order2[i], i);
		if (nsyms > 0) {
			rank[0] = (uint32_t)nsyms;
			assert_null(fg_stacks_sorted_by_rank(s, rank));
		}
		free(order);
		free(order2);
		free(ref);
		free(rank);
		fg_stacks_free(s);
		fg_stacks_free(s2);
		fg_symtab_free(t);
	}
}

/*
 * Sorting on several threads gives the order one thread gives: random
 * tables above the size that shares the work, and one whose stacks all
 * begin with the same frames (the first levels split no work).
 */
static void
test_stacks_sorted_jobs(void **state)
{
	static const unsigned jobs[] = { 2, 3, 7 };
	size_t r, j, i, n, nsyms;

	(void)state;
	for (r = 0; r < 3; r++) {
		struct fg_symtab *t = fg_symtab_new();
		struct fg_stacks *s = fg_stacks_new(t, 1);
		uint32_t *ref, *order, *rank, *rref, *rorder;

		if (r < 2) {
			random_stacks(s, 130000 + 30000 * r, 12, 91 + r, 0);
		} else {
			uint32_t ids[7];
			uint64_t seed = 5;

			for (i = 0; i < 5; i++)
				ids[i] = fg_intern(t, "same", 4);
			for (i = 0; i < 80000; i++) {
				char name[16];
				int len = snprintf(name, sizeof(name), "f%u",
						   (unsigned)(next_rand(&seed) %
							      5000));

				ids[5] = fg_intern(t, name, (size_t)len);
				len = snprintf(name, sizeof(name), "g%u",
					       (unsigned)(i % 300));
				ids[6] = fg_intern(t, name, (size_t)len);
				fg_stacks_add(s, ids, 7, 0, &one, NULL);
			}
		}
		n = fg_stacks_count(s);
		nsyms = fg_symtab_count(t);
		assert_true(n >= 65536);
		ref = fg_stacks_sorted(s);
		rank = malloc(nsyms * sizeof(*rank));
		assert_non_null(rank);
		for (i = 0; i < nsyms; i++)
			rank[i] = (uint32_t)(nsyms - 1 - i);
		rref = fg_stacks_sorted_by_rank(s, rank);
		for (j = 0; j < sizeof(jobs) / sizeof(jobs[0]); j++) {
			order = fg_stacks_sorted_jobs(s, jobs[j]);
			assert_memory_equal(order, ref, n * sizeof(*ref));
			rorder = fg_stacks_sorted_by_rank_jobs(s, rank,
							       jobs[j]);
			assert_non_null(rorder);
			assert_memory_equal(rorder, rref, n * sizeof(*rref));
			free(order);
			free(rorder);
		}
		for (i = 1; i < n; i++)
			assert_true(fg_stacks_cmp(s, ref[i - 1], ref[i]) < 0);
		free(ref);
		free(rref);
		free(rank);
		fg_stacks_free(s);
		fg_symtab_free(t);
	}
}

/* Stacks added in sorted order (the fast path) come out the same. */
static void
test_stacks_sorted_presorted(void **state)
{
	struct fg_symtab *t = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(t, 1), *s2 = fg_stacks_new(t, 1);
	uint32_t *order, *order2;
	size_t i, n, k;

	random_stacks(s, 5000, 6, 99, 0);
	order = check_sorted(s);
	n = fg_stacks_count(s);
	for (i = 0; i < n; i++) {
		const uint32_t *fr = fg_stacks_frames(s, order[i], &k);

		fg_stacks_add(s2, fr, k, 0, &one, NULL);
	}
	order2 = check_sorted(s2);
	for (i = 0; i < n; i++)
		assert_int_equal(order2[i], i);
	free(order);
	free(order2);
	fg_stacks_free(s);
	fg_stacks_free(s2);
	fg_symtab_free(t);
}

/*
 * The order against sort(1) itself: the stacks' texts go through
 * LC_ALL=C sort and must come back in the table's order.
 */
static void
test_stacks_sorted_like_sort1(void **state)
{
	struct fg_symtab *t = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(t, 1);
	char in[] = "/tmp/test_stacks.XXXXXX", cmd[128];
	struct fg_buf b = FG_BUF_INIT, line = FG_BUF_INIT;
	uint32_t *order;
	size_t i, n;
	FILE *fp, *p;
	int fd, ch;

	random_stacks(s, 3000, 6, 1234, 1);
	n = fg_stacks_count(s);
	fd = mkstemp(in);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	/* written in insertion order, which is not sorted */
	for (i = 0; i < n; i++) {
		text_of(s, i, &b);
		fwrite(b.buf, 1, b.len, fp);
		fputc('\n', fp);
	}
	assert_int_equal(fclose(fp), 0);
	snprintf(cmd, sizeof(cmd), "LC_ALL=C sort %s", in);
	p = popen(cmd, "r");
	assert_non_null(p);
	order = fg_stacks_sorted(s);
	i = 0;
	while ((ch = fgetc(p)) != EOF) {
		if (ch != '\n') {
			fg_buf_addc(&line, (char)ch);
			continue;
		}
		assert_true(i < n);
		text_of(s, order[i], &b);
		assert_int_equal(line.len, b.len);
		assert_memory_equal(line.buf, b.buf, b.len);
		fg_buf_reset(&line);
		i++;
	}
	assert_int_equal(pclose(p), 0);
	assert_int_equal(i, n);
	unlink(in);
	free(order);
	fg_buf_release(&b);
	fg_buf_release(&line);
	fg_stacks_free(s);
	fg_symtab_free(t);
}

static void
test_stacks_sorted_empty(void **state)
{
	struct fg_symtab *t = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(t, 1);
	uint32_t *order = fg_stacks_sorted(s);
	uint32_t id;

	/* an empty table gives an array that can be freed */
	assert_non_null(order);
	free(order);
	id = fg_intern(t, "x", 1);
	fg_stacks_add(s, &id, 1, 0, &one, NULL);
	order = fg_stacks_sorted(s);
	assert_int_equal(order[0], 0);
	free(order);
	fg_stacks_free(s);
	fg_symtab_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stacks_new),
		cmocka_unit_test(test_stacks_add_find),
		cmocka_unit_test(test_stacks_semicolon_names),
		cmocka_unit_test(test_stacks_overflow),
		cmocka_unit_test(test_stacks_total),
		cmocka_unit_test(test_stacks_merge),
		cmocka_unit_test(test_stacks_merge_symtabs),
		cmocka_unit_test(test_stacks_absorb),
		cmocka_unit_test(test_stacks_many),
		cmocka_unit_test(test_stacks_sorted_small),
		cmocka_unit_test(test_stacks_sorted_random),
		cmocka_unit_test(test_stacks_sorted_presorted),
		cmocka_unit_test(test_stacks_sorted_by_rank),
		cmocka_unit_test(test_stacks_sorted_like_sort1),
		cmocka_unit_test(test_stacks_sorted_empty),
		cmocka_unit_test(test_stacks_sorted_jobs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
