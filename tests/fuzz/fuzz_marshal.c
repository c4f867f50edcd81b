/*
 * fuzz_marshal - libFuzzer target for the marshal decoder.
 *
 * The input is a marshal stream. It is decoded with fg_marshal_load;
 * then the object tree is walked (every item, every code object's
 * fields), which would trip the sanitizers on a dangling or wild
 * pointer.
 *
 * Invariants (abort() when broken):
 *   - the result is FG_OK with an object, or FG_EPARSE with a message
 *     "byte N: ..." whose N lies within the input (N = size for a
 *     truncation) and d.col = N + 1;
 *   - every string of the tree lies inside the input;
 *   - at least one object was decoded on success;
 *   - decoding the same bytes twice, with the same decoder, gives the
 *     same result.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg/marshal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_marshal: %s:%d: check failed: %s\n", \
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

static const uint8_t *lo, *hi;

/* Walks o; returns the number of nodes visited (shared ones again). */
static size_t
walk(const struct fg_mobj *o, unsigned depth, size_t budget)
{
	size_t n = 1, k;

	CHECK(o != NULL);
	CHECK(depth <= FG_MARSHAL_MAX_DEPTH);
	CHECK(o->off < (size_t)(hi - lo));
	if (budget == 0)
		return 0;
	switch (o->type) {
	case FG_M_STR:
	case FG_M_BYTES:
		CHECK((const uint8_t *)o->u.str.p >= lo);
		CHECK((const uint8_t *)o->u.str.p + o->u.str.n <= hi);
		break;
	case FG_M_TUPLE:
	case FG_M_LIST:
	case FG_M_SET:
	case FG_M_FROZENSET:
	case FG_M_DICT:
	case FG_M_SLICE:
		if (o->type == FG_M_DICT)
			CHECK(o->u.seq.n % 2 == 0);
		if (o->type == FG_M_SLICE)
			CHECK(o->u.seq.n == 3);
		for (k = 0; k < o->u.seq.n && n < budget; k++)
			n += walk(o->u.seq.items[k], depth + 1, budget - n);
		break;
	case FG_M_CODE:
		n += walk(o->u.code->filename, depth + 1, budget - n);
		n += walk(o->u.code->name, depth + 1, budget - n);
		if (o->u.code->qualname != NULL)
			n += walk(o->u.code->qualname, depth + 1, budget - n);
		break;
	default:
		break;
	}
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fg_marshal *m = fg_marshal_new();
	struct fg_diag d = FG_DIAG_INIT, d2 = FG_DIAG_INIT;
	const struct fg_mobj *o = NULL, *o2 = NULL;
	const struct fg_marshal_stats *st;
	int rc, rc2;

	lo = data;
	hi = data + size;
	rc = fg_marshal_load(m, data, size, &o, &d);
	CHECK(rc == FG_OK || rc == FG_EPARSE);
	st = fg_marshal_stats(m);
	if (rc == FG_OK) {
		CHECK(o != NULL);
		CHECK(st->objects >= 1);
		/* shared objects can make the tree exponential: bound it */
		walk(o, 0, 100000);
	} else {
		unsigned long long off;

		CHECK(sscanf(d.msg, "byte %llu: ", &off) == 1);
		CHECK(off <= size);
		CHECK(d.col == off + 1);
		CHECK(strlen(d.msg) > 6);
	}
	rc2 = fg_marshal_load(m, data, size, &o2, &d2);
	CHECK(rc2 == rc);
	if (rc < 0)
		CHECK(strcmp(d.msg, d2.msg) == 0);
	fg_marshal_free(m);
	return 0;
}
