/*
 * count.c - exact decimal counts: a 64-bit whole part and 18 decimals.
 */
#include <string.h>

#include "fg/count.h"
#include "fg/error.h"
#include "internal.h"

static const uint64_t pow10[FG_COUNT_DECIMALS + 1] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
	10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
	100000000000ULL, 1000000000000ULL, 10000000000000ULL,
	100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL
};

int
fg_count_parse(const char *s, size_t n, struct fg_count *out,
	       unsigned *decimals)
{
	uint64_t whole = 0, frac = 0;
	size_t i = 0;
	unsigned nd = 0, sig = 0;
	int range = 0;

	if (n == 0 || s[0] < '0' || s[0] > '9')
		return FG_EPARSE;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		if (__builtin_mul_overflow(whole, 10, &whole) ||
		    __builtin_add_overflow(whole, (uint64_t)(s[i] - '0'),
					   &whole))
			range = 1;
	}
	if (i < n && s[i] == '.') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			if (nd < FG_COUNT_DECIMALS) {
				frac = frac * 10 + (uint64_t)(s[i] - '0');
				nd++;
				if (s[i] != '0')
					sig = nd;
			} else if (s[i] != '0') {
				range = 1;
			}
		}
	}
	if (i != n)
		return FG_EPARSE;
	if (range)
		return FG_ERANGE;
	out->n = whole;
	out->frac = frac * pow10[FG_COUNT_DECIMALS - nd];
	if (decimals != NULL)
		*decimals = sig;
	return FG_OK;
}

int
fg_count_add(struct fg_count *acc, const struct fg_count *v)
{
	uint64_t n, frac = acc->frac + v->frac;

	if (__builtin_add_overflow(acc->n, v->n, &n))
		return FG_ERANGE;
	if (frac >= FG_COUNT_FRAC_ONE) {
		frac -= FG_COUNT_FRAC_ONE;
		if (__builtin_add_overflow(n, 1, &n))
			return FG_ERANGE;
	}
	acc->n = n;
	acc->frac = frac;
	return FG_OK;
}

size_t
fg_count_format(const struct fg_count *c, char *buf)
{
	char tmp[24];
	size_t len = 0, k = 0;
	uint64_t v = c->n;

	do {
		tmp[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (k > 0)
		buf[len++] = tmp[--k];
	if (c->frac != 0) {
		uint64_t f = c->frac;
		int d;

		buf[len++] = '.';
		for (d = FG_COUNT_DECIMALS - 1; d >= 0 && f != 0; d--) {
			buf[len++] = (char)('0' + f / pow10[d]);
			f %= pow10[d];
		}
	}
	buf[len] = '\0';
	return len;
}

int
fg_count_cmp(const struct fg_count *a, const struct fg_count *b)
{
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	if (a->frac != b->frac)
		return a->frac < b->frac ? -1 : 1;
	return 0;
}

bool
fg_count_is_zero(const struct fg_count *c)
{
	return c->n == 0 && c->frac == 0;
}

double
fg_count_to_double(const struct fg_count *c)
{
	return (double)c->n + (double)c->frac / (double)FG_COUNT_FRAC_ONE;
}

int
fg_count_to_units(const struct fg_count *c, unsigned decimals,
		  uint64_t *units)
{
	uint64_t scale, u;

	if (decimals > FG_COUNT_DECIMALS)
		return FG_EINVAL;
	scale = pow10[FG_COUNT_DECIMALS - decimals];
	if (c->frac % scale != 0)
		return FG_EINVAL;
	if (__builtin_mul_overflow(c->n, pow10[decimals], &u) ||
	    __builtin_add_overflow(u, c->frac / scale, &u))
		return FG_ERANGE;
	*units = u;
	return FG_OK;
}

void
fg_count_from_units(uint64_t units, unsigned decimals, struct fg_count *out)
{
	if (decimals > FG_COUNT_DECIMALS)
		decimals = FG_COUNT_DECIMALS;
	out->n = units / pow10[decimals];
	out->frac = (units % pow10[decimals]) *
		    pow10[FG_COUNT_DECIMALS - decimals];
}
