/*
 * internal.h - helpers shared by the library's modules; not installed.
 */
#ifndef FG_INTERNAL_H
#define FG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Whether the code runs under valgrind: pcre2's JIT is not used there,
 * as its generated code draws false "uninitialised value" reports that
 * no suppression can single out (it has no symbols).
 */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#define FG_LIKELY(x) __builtin_expect(!!(x), 1)
#define FG_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* The murmur3 finaliser: every input bit affects every output bit. */
static inline uint64_t
fg_mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static inline uint64_t
fg_load64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t
fg_load32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * The bytes of p[0 .. n-1] (n at most 8) as a number, read with at most
 * two fixed-size loads that may overlap: no loop and no call for the
 * short tails of names.
 */
static inline uint64_t
fg_load_tail(const unsigned char *p, size_t n)
{
	if (n >= 4)
		return (uint64_t)fg_load32(p) |
		       (uint64_t)fg_load32(p + n - 4) << 32;
	if (n > 0)
		return (uint64_t)p[0] | (uint64_t)p[n / 2] << 8 |
		       (uint64_t)p[n - 1] << 16;
	return 0;
}

/*
 * A fast byte-string hash: eight bytes a step, mixed by multiplication,
 * finalised with fg_mix64. Not for adversarial input; the tables that use
 * it stay correct (only slower) under collisions.
 */
static inline uint64_t
fg_hash_bytes(const void *data, size_t n)
{
	const unsigned char *p = data;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ (n * 0x100000001b3ULL);
	size_t len = n;

	while (len > 8) {
		h = (h ^ fg_load64(p)) * 0x9fb21c651e98df25ULL;
		h ^= h >> 29;
		p += 8;
		len -= 8;
	}
	h = (h ^ fg_load_tail(p, len)) * 0x9fb21c651e98df25ULL;
	return fg_mix64(h);
}

/* memcmp(a, b, n) == 0, inline: names are short. */
static inline int
fg_bytes_eq(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	while (n > 8) {
		if (fg_load64(x) != fg_load64(y))
			return 0;
		x += 8;
		y += 8;
		n -= 8;
	}
	if (n >= 4)
		return fg_load32(x) == fg_load32(y) &&
		       fg_load32(x + n - 4) == fg_load32(y + n - 4);
	while (n > 0) {
		if (*x++ != *y++)
			return 0;
		n--;
	}
	return 1;
}

static inline uint64_t
fg_hash_ids(const uint32_t *ids, size_t n)
{
	uint64_t h = 0x2545f4914f6cdd1dULL ^ n;
	size_t i;

	for (i = 0; i + 1 < n; i += 2) {
		uint64_t v = (uint64_t)ids[i] | ((uint64_t)ids[i + 1] << 32);

		h = (h ^ v) * 0x9fb21c651e98df25ULL;
		h ^= h >> 29;
	}
	if (i < n)
		h = (h ^ ids[i]) * 0x9fb21c651e98df25ULL;
	return fg_mix64(h);
}

/* git's banned.h: these are too easy to misuse. */
#undef strcpy
#define strcpy(x, y) sorry_strcpy_is_banned
#undef strcat
#define strcat(x, y) sorry_strcat_is_banned
#undef sprintf
#define sprintf(...) sorry_sprintf_is_banned
#undef strtok
#define strtok(x, y) sorry_strtok_is_banned

#endif /* FG_INTERNAL_H */
