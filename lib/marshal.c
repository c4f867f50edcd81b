/*
 * marshal.c - Python's marshal format (versions 2 to 5), decoded from a
 * memory buffer with bounds checks on every read.
 *
 * The wire format, per object: one type byte whose low 7 bits are the
 * type code and whose 0x80 bit (FLAG_REF, version 3+) asks the reader to
 * remember the object in the reference table, in pre-order (a container
 * reserves its slot before its items are read); then a payload that
 * depends on the code. Integers are little-endian. Version 2 streams
 * instead remember every 't' string in an "interned" list that 'R'
 * indexes. Both mechanisms are always honoured, so no version sniffing
 * is needed.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg/arena.h"
#include "fg/error.h"
#include "fg/marshal.h"
#include "internal.h"

#define FLAG_REF 0x80

/*
 * Objects decoded per input byte before the decoder gives up. Every
 * object takes at least one byte, so only the layout trials of code
 * objects can go past 1; the real files need at most 1 (checked on all
 * the fixtures). Crafted nests of code objects could otherwise take
 * time exponential in their depth.
 */
#define STEP_BUDGET_PER_BYTE 8
#define STEP_BUDGET_MIN 4096

struct objvec {
	struct fg_mobj **v;
	size_t n, cap;
};

struct fg_marshal {
	struct fg_arena arena;
	struct fg_marshal_stats st;
	/* the state of one load */
	const unsigned char *buf;
	size_t len, pos;
	struct objvec refs;	/* FLAG_REF table; NULL while being read */
	struct objvec interned;	/* version 2 't' strings */
	unsigned depth;
	size_t steps, budget;
	/* the first error of the current attempt */
	bool failed;
	size_t err_off;
	char err[FG_DIAG_MSG_MAX];
};

static void
vec_push(struct objvec *v, struct fg_mobj *o)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 64;
		v->v = fg_xreallocarray(v->v, v->cap, sizeof(*v->v));
	}
	v->v[v->n++] = o;
}

static void fail(struct fg_marshal *m, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
fail(struct fg_marshal *m, size_t off, const char *fmt, ...)
{
	va_list ap;

	if (m->failed)
		return;
	m->failed = true;
	m->err_off = off;
	va_start(ap, fmt);
	vsnprintf(m->err, sizeof(m->err), fmt, ap);
	va_end(ap);
}

static bool
need(struct fg_marshal *m, size_t n, const char *what)
{
	if (m->len - m->pos >= n)
		return true;
	fail(m, m->pos, "truncated %s: %zu byte%s needed, %zu left", what, n,
	     n == 1 ? "" : "s", m->len - m->pos);
	return false;
}

static uint32_t
get_u32(struct fg_marshal *m)
{
	const unsigned char *p = m->buf + m->pos;

	m->pos += 4;
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t
get_u64(struct fg_marshal *m)
{
	uint64_t lo = get_u32(m);

	return lo | (uint64_t)get_u32(m) << 32;
}

static bool
read_i32(struct fg_marshal *m, int32_t *v, const char *what)
{
	uint32_t u;

	if (!need(m, 4, what))
		return false;
	u = get_u32(m);
	memcpy(v, &u, sizeof(*v));
	return true;
}

/* A size: int32, 0 .. INT32_MAX, and at most the bytes left / unit. */
static bool
read_size(struct fg_marshal *m, size_t unit, size_t *n, const char *what)
{
	size_t off = m->pos;
	int32_t v;

	if (!read_i32(m, &v, what))
		return false;
	if (v < 0) {
		fail(m, off, "negative %s %ld", what, (long)v);
		return false;
	}
	if ((size_t)v > (m->len - m->pos) / unit) {
		fail(m, off, "%s %ld exceeds the %zu bytes left", what,
		     (long)v, m->len - m->pos);
		return false;
	}
	*n = (size_t)v;
	return true;
}

static bool
read_double(struct fg_marshal *m, double *f)
{
	uint64_t u;

	if (!need(m, 8, "binary float"))
		return false;
	u = get_u64(m);
	memcpy(f, &u, sizeof(*f));
	return true;
}

/* A version 0/1 float: a length byte and the text of the number. */
static bool
read_text_double(struct fg_marshal *m, double *f)
{
	char tmp[257], *end;
	size_t off = m->pos, n;

	if (!need(m, 1, "text float length"))
		return false;
	n = m->buf[m->pos++];
	if (!need(m, n, "text float"))
		return false;
	memcpy(tmp, m->buf + m->pos, n);
	tmp[n] = '\0';
	m->pos += n;
	errno = 0;
	*f = strtod(tmp, &end);
	if (n == 0 || end != tmp + n) {
		char q[64] = "";

		fg_diag_quote(q, sizeof(q), tmp, n, 40);
		fail(m, off, "invalid text float %s", q);
		return false;
	}
	return true;
}

/* 'l': a signed digit count, then |count| base-2^15 digits, low first. */
static bool
read_long(struct fg_marshal *m, struct fg_mobj *o)
{
	size_t off = m->pos, nd, k;
	int32_t n;
	uint64_t acc = 0;
	bool fits = true;
	double f = 0;

	if (!read_i32(m, &n, "long digit count"))
		return false;
	nd = n < 0 ? (size_t)(-(int64_t)n) : (size_t)n;
	if (nd > (m->len - m->pos) / 2) {
		fail(m, off, "long of %zu digits exceeds the %zu bytes left",
		     nd, m->len - m->pos);
		return false;
	}
	for (k = 0; k < nd; k++) {
		unsigned d = m->buf[m->pos] | (unsigned)m->buf[m->pos + 1] << 8;

		if (d > 0x7fff) {
			fail(m, m->pos, "long digit %u out of range", d);
			return false;
		}
		if (k == nd - 1 && d == 0) {
			fail(m, m->pos, "unnormalized long (top digit 0)");
			return false;
		}
		m->pos += 2;
		f += ldexp((double)d, (int)(15 * k));
		if (15 * k >= 64 || (k > 0 && (uint64_t)d >> (64 - 15 * k)))
			fits = fits && d == 0;
		else
			acc |= (uint64_t)d << (15 * k);
	}
	if (fits && n >= 0 && acc <= (uint64_t)INT64_MAX) {
		o->u.i = (int64_t)acc;
	} else if (fits && n < 0 && acc <= (uint64_t)INT64_MAX + 1) {
		o->u.i = acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN :
							   -(int64_t)acc;
	} else {
		o->big = true;
		o->u.f = n < 0 ? -f : f;
	}
	return true;
}

static struct fg_mobj *read_obj(struct fg_marshal *m);

static struct fg_mobj *
new_obj(struct fg_marshal *m, enum fg_mtype t, unsigned char code,
	size_t off)
{
	struct fg_mobj *o = fg_arena_alloc(&m->arena, sizeof(*o));

	memset(o, 0, sizeof(*o));
	o->type = t;
	o->code = code;
	o->off = off;
	m->st.objects++;
	return o;
}

/* Reads n items into o->u.seq (arena memory). */
static bool
read_items(struct fg_marshal *m, struct fg_mobj *o, size_t n)
{
	size_t k;

	o->u.seq.items = fg_arena_alloc(&m->arena,
					(n ? n : 1) * sizeof(*o->u.seq.items));
	o->u.seq.n = n;
	for (k = 0; k < n; k++) {
		o->u.seq.items[k] = read_obj(m);
		if (o->u.seq.items[k] == NULL)
			return false;
	}
	return true;
}

static bool
read_dict(struct fg_marshal *m, struct fg_mobj *o)
{
	struct objvec kv = { NULL, 0, 0 };
	bool ok = false;

	for (;;) {
		struct fg_mobj *k, *v;

		if (!need(m, 1, "dict key (or its end)"))
			goto out;
		if ((m->buf[m->pos] & ~FLAG_REF) == '0') {
			m->pos++;
			break;
		}
		k = read_obj(m);
		if (k == NULL)
			goto out;
		if (!need(m, 1, "dict value"))
			goto out;
		if ((m->buf[m->pos] & ~FLAG_REF) == '0') {
			fail(m, m->pos, "dict key without a value");
			goto out;
		}
		v = read_obj(m);
		if (v == NULL)
			goto out;
		vec_push(&kv, k);
		vec_push(&kv, v);
	}
	o->u.seq.n = kv.n;
	o->u.seq.items = fg_arena_alloc(&m->arena,
					(kv.n ? kv.n : 1) * sizeof(*kv.v));
	if (kv.n)
		memcpy(o->u.seq.items, kv.v, kv.n * sizeof(*kv.v));
	ok = true;
out:
	free(kv.v);
	return ok;
}

/* The shape of one code-object layout. */
struct code_layout {
	enum fg_mcode_layout id;
	unsigned nints;		/* header int32 fields */
	unsigned nobjs;		/* objects before firstlineno */
	unsigned filename_at, name_at, qualname_at; /* indexes; 0: none */
	unsigned nafter;	/* objects after firstlineno (all bytes) */
	const char *kinds;	/* per object: b bytes, t tuple, s str */
	/* (b and s both accept str and bytes; the tuples tell layouts apart) */
};

/* Tried in this order; the first that fits wins. */
static const struct code_layout code_layouts[] = {
	{ FG_MCODE_PY311, 5, 8, 5, 6, 7, 2, "btttbsss" },
	{ FG_MCODE_PY38, 6, 8, 6, 7, 0, 1, "btttttss" },
	{ FG_MCODE_PY30, 5, 8, 6, 7, 0, 1, "btttttss" },
	{ FG_MCODE_PY27, 4, 8, 6, 7, 0, 1, "btttttss" },
};

static bool
kind_ok(const struct fg_mobj *o, char kind)
{
	switch (kind) {
	case 't':
		return o->type == FG_M_TUPLE;
	default:	/* b, s: Python 2 may write interned bytes as 't' */
		return o->type == FG_M_STR || o->type == FG_M_BYTES;
	}
}

static bool
read_code_as(struct fg_marshal *m, struct fg_mobj *o,
	     const struct code_layout *L)
{
	struct fg_mcode *c;
	struct fg_mobj *objs[8];
	int64_t firstlineno;
	int32_t v;
	unsigned k;

	for (k = 0; k < L->nints; k++)
		if (!read_i32(m, &v, "code object header"))
			return false;
	for (k = 0; k < L->nobjs; k++) {
		size_t off = m->pos;

		objs[k] = read_obj(m);
		if (objs[k] == NULL)
			return false;
		if (!kind_ok(objs[k], L->kinds[k])) {
			fail(m, off, "code object field %u is a %s", k,
			     fg_mtype_name(objs[k]->type));
			return false;
		}
	}
	if (!read_i32(m, &v, "code object first line"))
		return false;
	firstlineno = v;
	for (k = 0; k < L->nafter; k++) {
		size_t off = m->pos;
		struct fg_mobj *b = read_obj(m);

		if (b == NULL)
			return false;
		if (b->type != FG_M_BYTES && b->type != FG_M_STR) {
			fail(m, off, "code object line table is a %s",
			     fg_mtype_name(b->type));
			return false;
		}
	}
	c = fg_arena_alloc(&m->arena, sizeof(*c));
	c->filename = objs[L->filename_at];
	c->name = objs[L->name_at];
	c->qualname = L->qualname_at ? objs[L->qualname_at] : NULL;
	c->firstlineno = firstlineno;
	c->layout = L->id;
	o->u.code = c;
	return true;
}

/*
 * A code object: the stream does not say which Python wrote it, so each
 * layout is tried in turn from the same position, with the reference
 * table and the interned list rolled back after a failed try (references
 * made inside a code object are used later in the file, so it must be
 * parsed, not skipped). When none fits, the error of the try that got
 * furthest is reported.
 */
static bool
read_code(struct fg_marshal *m, struct fg_mobj *o)
{
	size_t pos = m->pos, nrefs = m->refs.n, nint = m->interned.n;
	size_t best_off = 0;
	char best[FG_DIAG_MSG_MAX] = "";
	bool have = false;
	size_t k;

	for (k = 0; k < FG_ARRAY_SIZE(code_layouts); k++) {
		m->failed = false;
		if (read_code_as(m, o, &code_layouts[k]))
			return true;
		if (m->steps > m->budget)
			return false;	/* the budget error stands */
		if (!have || m->err_off > best_off) {
			best_off = m->err_off;
			memcpy(best, m->err, sizeof(best));
			have = true;
		}
		m->pos = pos;
		m->refs.n = nrefs;
		m->interned.n = nint;
	}
	m->failed = true;
	m->err_off = best_off;
	memcpy(m->err, best, sizeof(best));
	return false;
}

static bool
read_str(struct fg_marshal *m, struct fg_mobj *o, bool short_len,
	 const char *what)
{
	size_t n;

	if (short_len) {
		if (!need(m, 1, what))
			return false;
		n = m->buf[m->pos++];
		if (!need(m, n, what))
			return false;
	} else if (!read_size(m, 1, &n, what)) {
		return false;
	}
	o->u.str.p = (const char *)m->buf + m->pos;
	o->u.str.n = n;
	m->pos += n;
	return true;
}

static struct fg_mobj *
read_body(struct fg_marshal *m, unsigned char code, bool flag, size_t off)
{
	struct fg_mobj *o = NULL;
	size_t slot = SIZE_MAX, n;
	int32_t i32;
	uint32_t idx;

	/* Containers reserve their reference slot before their items. */
	switch (code) {
	case '(': case ')': case '[': case '<': case '>': case '{': case 'c':
	case ':':
		if (flag) {
			slot = m->refs.n;
			vec_push(&m->refs, NULL);
			m->st.refs++;
		}
		break;
	}

	switch (code) {
	case '0':
		fail(m, off, "unexpected NULL object");
		return NULL;
	case 'N':
		return new_obj(m, FG_M_NONE, code, off);
	case 'F':
	case 'T':
		o = new_obj(m, FG_M_BOOL, code, off);
		o->u.i = code == 'T';
		return o;
	case 'S':
		return new_obj(m, FG_M_STOPITER, code, off);
	case '.':
		return new_obj(m, FG_M_ELLIPSIS, code, off);
	case 'i':
		if (!read_i32(m, &i32, "int"))
			return NULL;
		o = new_obj(m, FG_M_INT, code, off);
		o->u.i = i32;
		break;
	case 'I':
		if (!need(m, 8, "int64"))
			return NULL;
		o = new_obj(m, FG_M_INT, code, off);
		o->u.i = (int64_t)get_u64(m);
		break;
	case 'l':
		o = new_obj(m, FG_M_INT, code, off);
		if (!read_long(m, o))
			return NULL;
		break;
	case 'g':
		o = new_obj(m, FG_M_FLOAT, code, off);
		if (!read_double(m, &o->u.f))
			return NULL;
		break;
	case 'f':
		o = new_obj(m, FG_M_FLOAT, code, off);
		if (!read_text_double(m, &o->u.f))
			return NULL;
		break;
	case 'y':
		o = new_obj(m, FG_M_COMPLEX, code, off);
		if (!read_double(m, &o->u.c.re) || !read_double(m, &o->u.c.im))
			return NULL;
		break;
	case 'x':
		o = new_obj(m, FG_M_COMPLEX, code, off);
		if (!read_text_double(m, &o->u.c.re) ||
		    !read_text_double(m, &o->u.c.im))
			return NULL;
		break;
	case 's':
		o = new_obj(m, FG_M_BYTES, code, off);
		if (!read_str(m, o, false, "bytes"))
			return NULL;
		break;
	case 't':
	case 'u':
	case 'a':
	case 'A':
		o = new_obj(m, FG_M_STR, code, off);
		if (!read_str(m, o, false, "string"))
			return NULL;
		if (code == 't') {
			vec_push(&m->interned, o);
			m->st.interned++;
		}
		if (code == 'a' || code == 'A')
			m->st.v4 = true;
		break;
	case 'z':
	case 'Z':
		o = new_obj(m, FG_M_STR, code, off);
		if (!read_str(m, o, true, "short string"))
			return NULL;
		m->st.v4 = true;
		break;
	case 'R':
		if (!need(m, 4, "string reference"))
			return NULL;
		idx = get_u32(m);
		m->st.backrefs++;
		if (idx >= m->interned.n) {
			fail(m, off, "string reference %lu, but only %zu interned strings",
			     (unsigned long)idx, m->interned.n);
			return NULL;
		}
		return m->interned.v[idx];
	case 'r':
		if (!need(m, 4, "reference"))
			return NULL;
		idx = get_u32(m);
		m->st.backrefs++;
		if (idx >= m->refs.n) {
			fail(m, off, "reference %lu, but only %zu objects remembered",
			     (unsigned long)idx, m->refs.n);
			return NULL;
		}
		if (m->refs.v[idx] == NULL) {
			fail(m, off, "reference %lu to an object still being read",
			     (unsigned long)idx);
			return NULL;
		}
		return m->refs.v[idx];
	case '(':
	case ')':
	case '[':
	case '<':
	case '>':
		if (code == ')') {
			if (!need(m, 1, "small tuple size"))
				return NULL;
			n = m->buf[m->pos++];
			m->st.v4 = true;
		} else if (!read_size(m, 1, &n, "item count")) {
			return NULL;
		}
		o = new_obj(m, code == '[' ? FG_M_LIST :
			       code == '<' ? FG_M_SET :
			       code == '>' ? FG_M_FROZENSET : FG_M_TUPLE,
			    code, off);
		if (!read_items(m, o, n))
			return NULL;
		break;
	case '{':
		o = new_obj(m, FG_M_DICT, code, off);
		if (!read_dict(m, o))
			return NULL;
		break;
	case ':':
		o = new_obj(m, FG_M_SLICE, code, off);
		m->st.v5 = true;
		if (!read_items(m, o, 3))
			return NULL;
		break;
	case 'c':
		o = new_obj(m, FG_M_CODE, code, off);
		if (!read_code(m, o))
			return NULL;
		break;
	case '?':
		fail(m, off, "unknown object (type code '?')");
		return NULL;
	default:
		if (code >= 0x20 && code < 0x7f)
			fail(m, off, "unknown type code '%c' (0x%02x)", code,
			     code | (flag ? FLAG_REF : 0));
		else
			fail(m, off, "unknown type code 0x%02x",
			     code | (flag ? FLAG_REF : 0));
		return NULL;
	}
	if (slot != SIZE_MAX)
		m->refs.v[slot] = o;
	else if (flag) {
		vec_push(&m->refs, o);
		m->st.refs++;
	}
	return o;
}

static struct fg_mobj *
read_obj(struct fg_marshal *m)
{
	struct fg_mobj *o;
	size_t off = m->pos;
	unsigned char b;

	if (!need(m, 1, "object"))
		return NULL;
	if (++m->steps > m->budget) {
		fail(m, off, "too much work for a file of %zu bytes (deeply nested code objects?)",
		     m->len);
		return NULL;
	}
	if (m->depth >= FG_MARSHAL_MAX_DEPTH) {
		fail(m, off, "objects nested more than %d deep",
		     FG_MARSHAL_MAX_DEPTH);
		return NULL;
	}
	b = m->buf[m->pos++];
	if (b & FLAG_REF)
		m->st.flag_ref = true;
	m->depth++;
	o = read_body(m, b & ~FLAG_REF, (b & FLAG_REF) != 0, off);
	m->depth--;
	return o;
}

struct fg_marshal *
fg_marshal_new(void)
{
	struct fg_marshal *m = fg_xcalloc(1, sizeof(*m));

	fg_arena_init(&m->arena);
	return m;
}

void
fg_marshal_free(struct fg_marshal *m)
{
	if (m == NULL)
		return;
	fg_arena_release(&m->arena);
	free(m->refs.v);
	free(m->interned.v);
	free(m);
}

int
fg_marshal_load(struct fg_marshal *m, const void *buf, size_t n,
		const struct fg_mobj **out, struct fg_diag *d)
{
	struct fg_mobj *o;

	fg_arena_release(&m->arena);
	memset(&m->st, 0, sizeof(m->st));
	m->buf = buf;
	m->len = n;
	m->pos = 0;
	m->refs.n = 0;
	m->interned.n = 0;
	m->depth = 0;
	m->steps = 0;
	m->budget = n > (SIZE_MAX - STEP_BUDGET_MIN) / STEP_BUDGET_PER_BYTE ?
			    SIZE_MAX :
			    n * STEP_BUDGET_PER_BYTE + STEP_BUDGET_MIN;
	m->failed = false;
	o = read_obj(m);
	if (o != NULL && m->pos != m->len)
		fail(m, m->pos, "%zu bytes after the end of the object",
		     m->len - m->pos);
	if (o == NULL || m->failed) {
		fg_diag_set(d, NULL, 0, m->err_off + 1, "byte %zu: %s",
			    m->err_off, m->err);
		return FG_EPARSE;
	}
	*out = o;
	return FG_OK;
}

const struct fg_marshal_stats *
fg_marshal_stats(const struct fg_marshal *m)
{
	return &m->st;
}

bool
fg_mobj_number(const struct fg_mobj *obj, double *v)
{
	switch (obj->type) {
	case FG_M_INT:
		*v = obj->big ? obj->u.f : (double)obj->u.i;
		return true;
	case FG_M_BOOL:
		*v = (double)obj->u.i;
		return true;
	case FG_M_FLOAT:
		*v = obj->u.f;
		return true;
	default:
		return false;
	}
}

const char *
fg_mtype_name(enum fg_mtype t)
{
	static const char *const names[] = {
		"None", "bool", "StopIteration", "Ellipsis", "int", "float",
		"complex", "str", "bytes", "tuple", "list", "set", "frozenset",
		"dict", "code object", "slice"
	};

	if ((unsigned)t < FG_ARRAY_SIZE(names))
		return names[t];
	return "object";
}
