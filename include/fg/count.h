/*
 * count.h - sample counts: exact integers up to 2^64 - 1 and exact
 * decimal fractions to 18 places.
 *
 * Folded files carry counts such as 31, 2.5 or 0.000125. A count is held
 * as a whole part and a fractional part in units of 10^-18, so a sum of
 * decimal counts is exact (no binary floating point on the way) and a sum
 * of integers is exact to UINT64_MAX. Every operation that could go past
 * that reports FG_ERANGE instead of wrapping.
 */
#ifndef FG_COUNT_H
#define FG_COUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FG_COUNT_DECIMALS 18
#define FG_COUNT_FRAC_ONE 1000000000000000000ULL	/* 10^18 */

struct fg_count {
	uint64_t n;	/* whole part */
	uint64_t frac;	/* fractional part, 0 .. FG_COUNT_FRAC_ONE - 1 */
};

#define FG_COUNT_ZERO { 0, 0 }

/* Room for the longest formatted count: 20 digits, '.', 18 digits, NUL. */
#define FG_COUNT_BUFSZ 40

/*
 * Parses the n bytes at s as DIGITS or DIGITS.DIGITS* (a trailing point
 * is allowed, as in "5."; no sign, no exponent, no leading point).
 * Returns FG_OK and fills *out, and *decimals (if not NULL) with the
 * number of significant decimal places (trailing zeros do not count).
 * Returns FG_EPARSE if s is not of that form, FG_ERANGE if the whole part
 * exceeds UINT64_MAX or a non-zero digit stands after the 18th decimal
 * place.
 */
int fg_count_parse(const char *s, size_t n, struct fg_count *out,
		   unsigned *decimals);

/*
 * Adds v to *acc. Returns FG_OK, or FG_ERANGE (leaving *acc unchanged) if
 * the sum exceeds UINT64_MAX + 1 - 10^-18.
 */
int fg_count_add(struct fg_count *acc, const struct fg_count *v);

/*
 * Writes c to buf (at least FG_COUNT_BUFSZ bytes) in the shortest exact
 * decimal form: "31", "2.5", "0.000125". Returns the length written
 * (without the NUL).
 */
size_t fg_count_format(const struct fg_count *c, char *buf);

/* Returns <0, 0 or >0 as a is less than, equal to or greater than b. */
int fg_count_cmp(const struct fg_count *a, const struct fg_count *b);

bool fg_count_is_zero(const struct fg_count *c);

/* The nearest double; for display and layout, never for sums. */
double fg_count_to_double(const struct fg_count *c);

/*
 * Converts c to an integer number of units of 10^-decimals (decimals at
 * most 18). Returns FG_OK, FG_ERANGE if the result exceeds UINT64_MAX,
 * or FG_EINVAL if c has more significant decimals than that.
 */
int fg_count_to_units(const struct fg_count *c, unsigned decimals,
		      uint64_t *units);
/* The inverse of fg_count_to_units; always exact. */
void fg_count_from_units(uint64_t units, unsigned decimals,
			 struct fg_count *out);

#ifdef __cplusplus
}
#endif
#endif /* FG_COUNT_H */
