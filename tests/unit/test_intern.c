/*
 * test_intern.c - unit tests for intern.c: names to dense ids, any
 * bytes, many strings, growth, stable pointers; and the inline helpers
 * of lib/internal.h it rests on (the byte comparison, the probe with a
 * hash given by the caller, as the folded reader calls it).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg/intern.h"
#include "../../lib/internal.h"

static void
test_intern_basic(void **state)
{
	struct fg_symtab *t = fg_symtab_new();
	const char *s;
	size_t len = 99;

	assert_non_null(t);
	assert_int_equal(fg_symtab_count(t), 0);
	assert_int_equal(fg_symtab_find(t, "a", 1), UINT32_MAX);
	assert_int_equal(fg_intern(t, "main", 4), 0);
	assert_int_equal(fg_intern(t, "parse", 5), 1);
	assert_int_equal(fg_intern(t, "main", 4), 0);
	assert_int_equal(fg_intern(t, "parse", 5), 1);
	assert_int_equal(fg_symtab_count(t), 2);
	assert_int_equal(fg_symtab_find(t, "parse", 5), 1);
	assert_int_equal(fg_symtab_find(t, "pars", 4), UINT32_MAX);
	assert_int_equal(fg_symtab_find(t, "parsed", 6), UINT32_MAX);
	/* find does not add */
	assert_int_equal(fg_symtab_count(t), 2);

	s = fg_symtab_str(t, 1, &len);
	assert_int_equal(len, 5);
	assert_string_equal(s, "parse");
	assert_int_equal(fg_symtab_len(t, 0), 4);
	s = fg_symtab_str(t, 0, NULL);
	assert_string_equal(s, "main");
	/* only the n bytes given are interned */
	assert_int_equal(fg_intern(t, "mainly", 4), 0);
	assert_true(fg_symtab_bytes(t) > 0);
	fg_symtab_free(t);
	fg_symtab_free(NULL);
}

static void
test_intern_any_bytes(void **state)
{
	struct fg_symtab *t = fg_symtab_new();
	uint32_t e, z, a, anb, anc, nul, nul2, hi;
	const char *s;
	size_t len;

	e = fg_intern(t, "", 0);
	z = fg_intern(t, "", 0);
	assert_int_equal(e, z);
	s = fg_symtab_str(t, e, &len);
	assert_int_equal(len, 0);
	assert_int_equal(s[0], '\0');

	a = fg_intern(t, "a", 1);
	anb = fg_intern(t, "a\0b", 3);
	anc = fg_intern(t, "a\0c", 3);
	nul = fg_intern(t, "\0", 1);
	nul2 = fg_intern(t, "\0\0", 2);
	hi = fg_intern(t, "\xff\xfe;\x01 x", 6);
	assert_int_not_equal(a, anb);
	assert_int_not_equal(anb, anc);
	assert_int_not_equal(nul, e);
	assert_int_not_equal(nul, nul2);
	assert_int_equal(fg_symtab_count(t), 7);
	assert_int_equal(fg_intern(t, "a\0b", 3), anb);
	assert_int_equal(fg_symtab_find(t, "a\0c", 3), anc);
	assert_int_equal(fg_symtab_find(t, "a\0d", 3), UINT32_MAX);
	s = fg_symtab_str(t, anb, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(s, "a\0b", 4);	/* and a NUL after it */
	s = fg_symtab_str(t, hi, &len);
	assert_int_equal(len, 6);
	assert_memory_equal(s, "\xff\xfe;\x01 x", 7);
	fg_symtab_free(t);
}

/*
 * Every string of length 0 to 12 over two letters: names that differ in
 * one byte at every position, including the short tails that the hash
 * and the comparison read with overlapping loads.
 */
static void
test_intern_all_short(void **state)
{
	struct fg_symtab *t = fg_symtab_new();
	char buf[16];
	uint32_t next = 0, len, bits, k;

	for (len = 0; len <= 12; len++) {
		for (bits = 0; bits < (1u << len); bits++) {
			for (k = 0; k < len; k++)
				buf[k] = (bits >> k & 1) ? 'b' : 'a';
			assert_int_equal(fg_intern(t, buf, len), next);
			next++;
		}
	}
	assert_int_equal(fg_symtab_count(t), next);
	/* all found again, with their own bytes */
	next = 0;
	for (len = 0; len <= 12; len++) {
		for (bits = 0; bits < (1u << len); bits++) {
			const char *s;
			size_t n;

			for (k = 0; k < len; k++)
				buf[k] = (bits >> k & 1) ? 'b' : 'a';
			assert_int_equal(fg_symtab_find(t, buf, len), next);
			s = fg_symtab_str(t, next, &n);
			assert_int_equal(n, len);
			assert_memory_equal(s, buf, len);
			next++;
		}
	}
	fg_symtab_free(t);
}

/* Many strings: the table grows; ids stay dense, pointers stay put. */
static void
test_intern_many(void **state)
{
	enum { N = 300000 };
	struct fg_symtab *t = fg_symtab_new();
	const char **ptr = calloc(N, sizeof(*ptr));
	char buf[64];
	size_t i;

	assert_non_null(ptr);
	for (i = 0; i < N; i++) {
		int n = snprintf(buf, sizeof(buf), "frame_%zu_%.*s", i,
				 (int)(i % 40), "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");

		assert_int_equal(fg_intern(t, buf, (size_t)n), i);
		ptr[i] = fg_symtab_str(t, (uint32_t)i, NULL);
	}
	assert_int_equal(fg_symtab_count(t), N);
	for (i = 0; i < N; i++) {
		int n = snprintf(buf, sizeof(buf), "frame_%zu_%.*s", i,
				 (int)(i % 40), "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");

		/* the pointer handed out first is still the string */
		assert_ptr_equal(fg_symtab_str(t, (uint32_t)i, NULL), ptr[i]);
		assert_string_equal(ptr[i], buf);
		assert_int_equal(fg_symtab_len(t, (uint32_t)i), n);
		assert_int_equal(fg_intern(t, buf, (size_t)n), i);
	}
	assert_int_equal(fg_symtab_count(t), N);
	assert_true(fg_symtab_bytes(t) > (size_t)N * 8);
	free(ptr);
	fg_symtab_free(t);
}

/* Long names, longer than an arena block. */
static void
test_intern_long(void **state)
{
	enum { LEN = 3 * 1024 * 1024 };
	struct fg_symtab *t = fg_symtab_new();
	char *a = malloc(LEN), *b = malloc(LEN);
	const char *s;
	size_t len;
	uint32_t ia, ib;

	assert_non_null(a);
	assert_non_null(b);
	memset(a, 'q', LEN);
	memcpy(b, a, LEN);
	b[LEN - 1] = 'r';
	ia = fg_intern(t, a, LEN);
	ib = fg_intern(t, b, LEN);
	assert_int_not_equal(ia, ib);
	assert_int_equal(fg_intern(t, a, LEN), ia);
	assert_int_equal(fg_intern(t, a, LEN - 1), 2);
	s = fg_symtab_str(t, ib, &len);
	assert_int_equal(len, LEN);
	assert_memory_equal(s, b, LEN);
	assert_int_equal(s[LEN], '\0');
	free(a);
	free(b);
	fg_symtab_free(t);
}

/*
 * fg_bytes_eq against memcmp, for every length to 300 and starts at every
 * alignment: equal copies, and a difference at each position (one bit,
 * or the byte's every bit). The buffers are allocated to the exact size,
 * so that ASan and valgrind see any read past either end.
 */
static void
test_bytes_eq(void **state)
{
	size_t n, off, k;

	for (n = 0; n <= 300; n++) {
		for (off = 0; off < 8; off++) {
			unsigned char *a = malloc(n + off + 1);
			unsigned char *b = malloc(n + 8 - off);
			unsigned char *x = a + off, *y = b + (7 - off);

			assert_non_null(a);
			assert_non_null(b);
			for (k = 0; k < n; k++)
				x[k] = (unsigned char)('a' + (k * 7 + n) % 26);
			memcpy(y, x, n);
			assert_true(fg_bytes_eq(x, y, n));
			for (k = 0; k < n; k++) {
				y[k] ^= 1;
				assert_false(fg_bytes_eq(x, y, n));
				assert_false(fg_bytes_eq(y, x, n));
				y[k] ^= 0xff;
				assert_false(fg_bytes_eq(x, y, n));
				y[k] ^= 0xfe;
				/* the bytes before k still compare equal */
				assert_true(fg_bytes_eq(x, y, k));
			}
			assert_true(fg_bytes_eq(x, y, n));
			free(a);
			free(b);
		}
	}
}

static const size_t lengths[] = {
	0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 49,
	63, 64, 65, 95, 96, 127, 128, 129, 200, 1000, 4097,
};

/* Byte k of the name of length len: a letter; variants put '#' at p. */
static void
make_name(char *buf, size_t len, size_t p)
{
	size_t k;

	for (k = 0; k < len; k++)
		buf[k] = (char)('a' + (k * 5 + k / 26) % 26);
	if (p < len)
		buf[p] = '#';
}

/* Whether the name of length len gets a variant with '#' at p. */
static int
has_variant(size_t len, size_t p)
{
	return len <= 200 || p < 2 || p == len / 2 || p + 17 >= len;
}

/*
 * Interns, with h(name) as its hash, the names of every length above
 * and those of each that differ from it in one byte (all of them share
 * the name's other bytes: prefixes, suffixes), then checks that ids are
 * dense in first-seen order and stable, and the bytes kept.
 */
static void
check_lengths(struct fg_symtab *t, uint64_t (*h)(const char *, size_t))
{
	char *buf = malloc(4097);
	uint32_t next = 0, pass;
	size_t i, p;

	assert_non_null(buf);
	for (pass = 0; pass < 2; pass++) {
		next = 0;
		for (i = 0; i < FG_ARRAY_SIZE(lengths); i++) {
			size_t len = lengths[i];

			for (p = 0; p <= len; p++) {
				const char *s;
				size_t n;

				if (p < len && !has_variant(len, p))
					continue;
				make_name(buf, len, p);
				/* a second pass finds every id again */
				assert_int_equal(fg_intern_hashed(t, buf, len,
								  h(buf, len)),
						 next);
				s = fg_symtab_str(t, next, &n);
				assert_int_equal(n, len);
				assert_memory_equal(s, buf, len);
				assert_int_equal(s[len], '\0');
				next++;
			}
		}
		assert_int_equal(fg_symtab_count(t), next);
	}
	free(buf);
}

static uint64_t
real_hash(const char *s, size_t n)
{
	return fg_hash_name(s, n);
}

/* Every name in one slot's cluster: the same hash, home and tag. */
static uint64_t
same_hash(const char *s, size_t n)
{
	(void)s;
	(void)n;
	return 0x0123456789abcdefULL;
}

static void
test_intern_lengths(void **state)
{
	struct fg_symtab *t = fg_symtab_new();
	char buf[4097];

	check_lengths(t, real_hash);
	/* fg_intern and fg_symtab_find agree with fg_intern_hashed */
	make_name(buf, 33, 32);
	assert_int_equal(fg_symtab_find(t, buf, 33),
			 fg_intern(t, buf, 33));
	make_name(buf, 4097, 4096);
	assert_int_equal(fg_intern(t, buf, 4097),
			 fg_intern_hashed(t, buf, 4097,
					  fg_hash_name(buf, 4097)));
	fg_symtab_free(t);

	/* all hashes equal: only the lengths and bytes tell names apart */
	t = fg_symtab_new();
	check_lengths(t, same_hash);
	fg_symtab_free(t);
}

/*
 * Names of one length, differing in one byte, whose hashes are forced
 * to share their home slot, and half of them their tag too: the probe
 * walks one long cluster, through the table's growth, and must tell
 * them apart by their bytes.
 */
static void
test_intern_collisions(void **state)
{
	enum { N = 3000, LEN = 40 };
	struct fg_symtab *t = fg_symtab_new();
	const char **ptr = calloc(N, sizeof(*ptr));
	char buf[LEN + 1];
	uint32_t i, pass;

	assert_non_null(ptr);
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < N; i++) {
			uint64_t h = 0x5555aaaa00001234ULL |
				     (uint64_t)(i & 1) << 40;

			snprintf(buf, sizeof(buf),
				 "%020u_the_same_suffix_too", i);
			assert_int_equal(fg_intern_hashed(t, buf, LEN, h), i);
			if (pass == 0)
				ptr[i] = fg_symtab_str(t, i, NULL);
			/* grown or not, the string has not moved */
			assert_ptr_equal(fg_symtab_str(t, i, NULL), ptr[i]);
			assert_memory_equal(ptr[i], buf, LEN + 1);
		}
		assert_int_equal(fg_symtab_count(t), N);
	}
	/* same bytes, another hash's tag: not the same slot's name */
	memcpy(buf, ptr[0], LEN);
	assert_int_equal(fg_intern_hashed(t, buf, LEN,
					  0x5555aaab00001234ULL), N);
	free(ptr);
	fg_symtab_free(t);
}

/* Two tables are independent. */
static void
test_intern_two_tables(void **state)
{
	struct fg_symtab *t = fg_symtab_new(), *u = fg_symtab_new();

	assert_int_equal(fg_intern(t, "x", 1), 0);
	assert_int_equal(fg_intern(u, "y", 1), 0);
	assert_int_equal(fg_intern(u, "x", 1), 1);
	assert_int_equal(fg_symtab_find(t, "y", 1), UINT32_MAX);
	fg_symtab_free(t);
	fg_symtab_free(u);
}

/*
 * The name and text hashes, over exactly sized buffers of every length
 * to 300 bytes (AddressSanitizer sees a read past one): any one byte
 * changed, or the length, changes the hash.
 */
static void
test_hashes_every_byte(void **state)
{
	size_t n, i;
	unsigned which;

	(void)state;
	srand(5);
	for (which = 0; which < 2; which++) {
		for (n = 0; n <= 300; n++) {
			unsigned char *b = malloc(n ? n : 1);
			uint64_t h0, h;

			for (i = 0; i < n; i++)
				b[i] = (unsigned char)(rand() % 256);
			h0 = which ? fg_hash_text(b, n) : fg_hash_name(b, n);
			if (n > 0) {
				h = which ? fg_hash_text(b, n - 1) :
					    fg_hash_name(b, n - 1);
				assert_true(h != h0);
			}
			for (i = 0; i < n; i++) {
				b[i] ^= (unsigned char)(1u << (i % 8));
				h = which ? fg_hash_text(b, n) :
					    fg_hash_name(b, n);
				assert_true(h != h0);
				b[i] ^= (unsigned char)(1u << (i % 8));
			}
			free(b);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intern_basic),
		cmocka_unit_test(test_intern_any_bytes),
		cmocka_unit_test(test_intern_all_short),
		cmocka_unit_test(test_intern_many),
		cmocka_unit_test(test_intern_long),
		cmocka_unit_test(test_intern_two_tables),
		cmocka_unit_test(test_bytes_eq),
		cmocka_unit_test(test_intern_lengths),
		cmocka_unit_test(test_hashes_every_byte),
		cmocka_unit_test(test_intern_collisions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
