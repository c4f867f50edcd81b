/*
 * speedscope.c - speedscope and Chrome trace JSON, walked with jansson
 * one value at a time, folded through a struct fg_pyspy.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "fg/buf.h"
#include "fg/intern.h"
#include "fg/lineio.h"
#include "fg/speedscope.h"
#include "fg/stacks.h"
#include "internal.h"

__extension__ typedef __int128 i128;

#define DETECT_BYTES 65536
#define JFLAGS (JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL)
/* Time is held in units of 10^-18 of the file's base unit (seconds). */
#define ATTO_DIGITS 18

static const char *const unit_names[] = {
	"auto", "samples", "us", "ms", "s", "weight"
};

const char *
fg_speedscope_unit_name(enum fg_speedscope_unit u)
{
	if ((unsigned)u >= FG_ARRAY_SIZE(unit_names))
		return "?";
	return unit_names[u];
}

/* ---- detection ---- */

static const char *
skip_ws(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
		s++;
	return s;
}

static bool
contains(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (; n >= k; s++, n--) {
		const char *q = memchr(s, needle[0], n - k + 1);

		if (q == NULL)
			return false;
		n -= (size_t)(q - s);
		s = q;
		if (memcmp(s, needle, k) == 0)
			return true;
	}
	return false;
}

enum fg_speedscope_kind
fg_speedscope_detect(const char *buf, size_t n)
{
	const char *end = buf + (n < DETECT_BYTES ? n : DETECT_BYTES);
	const char *s = buf;

	if (end - s >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	s = skip_ws(s, end);
	if (s == end || (*s != '{' && *s != '['))
		return FG_SPEEDSCOPE_NONE;
	if (*s == '{') {
		if (contains(s, (size_t)(end - s), "\"$schema\"") &&
		    contains(s, (size_t)(end - s), FG_SPEEDSCOPE_SCHEMA))
			return FG_SPEEDSCOPE_FILE;
		if (contains(s, (size_t)(end - s), "\"traceEvents\""))
			return FG_SPEEDSCOPE_CHROMETRACE;
		return FG_SPEEDSCOPE_OTHER_JSON;
	}
	s = skip_ws(s + 1, end);
	if (s < end && *s == ']')
		return FG_SPEEDSCOPE_CHROMETRACE;	/* no events at all */
	if (s < end && *s == '{' && contains(s, (size_t)(end - s), "\"ph\""))
		return FG_SPEEDSCOPE_CHROMETRACE;
	return FG_SPEEDSCOPE_OTHER_JSON;
}

/* ---- the walker ---- */

/* A place in the document: line and column from 1, in characters. */
struct jloc {
	unsigned long line, col;
};

/*
 * The walker's window on the document: the bytes from document offset
 * base, n of them, the cursor at pos. A document in memory is one window;
 * one read from a descriptor is read in pieces, and what lies before the
 * cursor is dropped when more is needed, so memory holds one value at a
 * time (the window doubles when a value does not fit).
 */
struct jw {
	const char *b;
	size_t n, pos;
	unsigned long long base;
	char *own;		/* the window's memory when reading fd */
	size_t cap;
	int fd;			/* -1: b is the whole document */
	bool eof;
	int err;		/* errno of a failed read, or 0 */
	struct jloc at0;	/* where b[0] is */
	unsigned long long memo_off;	/* a place located last ... */
	struct jloc memo;	/* ... and where it is */
	const char *name;
	struct fg_diag *d;
};

static size_t window_size = 256 * 1024;

void
fg_speedscope_set_window(size_t bytes)
{
	window_size = bytes > 0 ? bytes : 1;
}

/* Moves l over the n bytes at p. */
static void
advance(struct jloc *l, const char *p, size_t n)
{
	const char *end = p + n, *nl;

	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		l->line++;
		l->col = 1;
		p = nl + 1;
	}
	for (; p < end; p++)
		if (((unsigned char)*p & 0xc0) != 0x80)
			l->col++;
}

/* Where document offset off is (an offset still in the window). */
static struct jloc
jw_loc(struct jw *w, unsigned long long off)
{
	unsigned long long from;
	struct jloc l;

	if (off > w->base + w->n)
		off = w->base + w->n;
	if (off < w->base)
		return w->at0;
	if (w->memo_off >= w->base && w->memo_off <= off) {
		l = w->memo;
		from = w->memo_off;
	} else {
		l = w->at0;
		from = w->base;
	}
	advance(&l, w->b + (from - w->base), (size_t)(off - from));
	w->memo = l;
	w->memo_off = off;
	return l;
}

/* The document offset of the cursor. */
static unsigned long long
jw_off(const struct jw *w)
{
	return w->base + w->pos;
}

/*
 * Reads more of the document into the window, first dropping what lies
 * before the cursor. Returns 1 if bytes came, 0 at the end, FG_EIO.
 */
static int
refill(struct jw *w)
{
	ssize_t r;

	if (w->fd < 0 || w->eof)
		return 0;
	if (w->pos > 0) {
		advance(&w->at0, w->b, w->pos);
		memmove(w->own, w->own + w->pos, w->n - w->pos);
		w->base += w->pos;
		w->n -= w->pos;
		w->pos = 0;
	}
	if (w->n == w->cap) {
		w->cap *= 2;
		w->own = fg_xrealloc(w->own, w->cap);
		w->b = w->own;
	}
	do
		r = read(w->fd, w->own + w->n, w->cap - w->n);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		w->err = errno;
		w->eof = true;
		return FG_EIO;
	}
	if (r == 0) {
		w->eof = true;
		return 0;
	}
	fg_read_progress((size_t)r);
	w->n += (size_t)r;
	return 1;
}

static int jfail_loc(struct jw *w, int rc, struct jloc l, const char *fmt,
		     ...) __attribute__((format(printf, 4, 5)));

/*
 * Fills w->d with "column C: message" at l; returns rc. A read error
 * met on the way is what is reported instead.
 */
static int
jfail_loc(struct jw *w, int rc, struct jloc l, const char *fmt, ...)
{
	char msg[FG_DIAG_MSG_MAX];
	va_list ap;

	if (w->err != 0) {
		fg_diag_set(w->d, w->name, 0, 0, "read error: %s",
			    strerror(w->err));
		return FG_EIO;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fg_diag_set(w->d, w->name, l.line, l.col, "column %lu: %s", l.col,
		    msg);
	return rc;
}

#define jfail(w, rc, off, ...) jfail_loc(w, rc, jw_loc(w, off), __VA_ARGS__)

static int jfail_doc(struct jw *w, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Fills w->d with a message about the whole document; returns rc. */
static int
jfail_doc(struct jw *w, int rc, const char *fmt, ...)
{
	char msg[FG_DIAG_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fg_diag_set(w->d, w->name, 0, 0, "%s", msg);
	return rc;
}

static void
ws(struct jw *w)
{
	for (;;) {
		const char *s = w->b + w->pos;

		w->pos = (size_t)(skip_ws(s, w->b + w->n) - w->b);
		if (w->pos < w->n || refill(w) <= 0)
			return;
	}
}

/*
 * Decodes the next value at w->pos with jansson and moves past it. On a
 * syntax error the location is where jansson says, counted from the
 * start of the document.
 */
static int
jvalue(struct jw *w, json_t **v)
{
	json_error_t e;
	size_t start;
	int rc;

	for (;;) {
		bool more;

		ws(w);
		start = w->pos;
		*v = json_loadb(w->b + start, w->n - start, JFLAGS, &e);
		more = w->fd >= 0 && !w->eof;
		/*
		 * A value that reaches the end of the window may go on (a
		 * number cut in two, a premature end): read more and decode
		 * it again. An error well before the end is an error.
		 */
		if (*v != NULL && (!more || start + (size_t)e.position < w->n))
			break;
		if (*v == NULL && (!more || (size_t)e.position + 4 < w->n - start))
			break;
		json_decref(*v);
		rc = refill(w);
		if (rc < 0)
			return jfail_loc(w, rc, w->at0, "read error");
	}
	if (*v == NULL) {
		struct jloc l = jw_loc(w, w->base + start);

		if (w->err != 0)
			return jfail_loc(w, FG_EIO, l, "read error");
		if (e.line > 1) {
			l.line += (unsigned long)e.line - 1;
			l.col = e.column > 0 ? (unsigned long)e.column : 1;
		} else if (e.column > 0) {
			l.col += (unsigned long)e.column - 1;
		}
		return jfail_loc(w, FG_EPARSE, l, "invalid JSON: %s", e.text);
	}
	w->pos = start + (size_t)e.position;
	return FG_OK;
}

static int
jskip(struct jw *w)
{
	json_t *v;
	int rc = jvalue(w, &v);

	json_decref(v);
	return rc;
}

static int
jexpect(struct jw *w, char c, const char *what)
{
	ws(w);
	if (w->pos >= w->n || w->b[w->pos] != c)
		return jfail(w, FG_EPARSE, jw_off(w),
			     "invalid JSON: expected %s", what);
	w->pos++;
	return FG_OK;
}

/*
 * Steps through a container opened with jexpect: returns 1 when another
 * element follows (after its comma), 0 at the closing bracket, or
 * FG_EPARSE.
 */
static int
jnext(struct jw *w, char close, bool *first)
{
	ws(w);
	if (w->pos < w->n && w->b[w->pos] == close) {
		w->pos++;
		return 0;
	}
	if (!*first) {
		if (w->pos >= w->n || w->b[w->pos] != ',')
			return jfail(w, FG_EPARSE, jw_off(w),
				     "invalid JSON: expected ',' or '%c'",
				     close);
		w->pos++;
	}
	*first = false;
	return 1;
}

/* Reads an object key and its ':'; *key is borrowed from *kv. */
static int
jkey(struct jw *w, json_t **kv, const char **key)
{
	unsigned long long at;
	int rc;

	ws(w);
	at = jw_off(w);
	rc = jvalue(w, kv);
	if (rc < 0)
		return rc;
	if (!json_is_string(*kv)) {
		json_decref(*kv);
		*kv = NULL;
		return jfail(w, FG_EPARSE, at,
			     "invalid JSON: expected an object key");
	}
	*key = json_string_value(*kv);
	rc = jexpect(w, ':', "':'");
	if (rc < 0) {
		json_decref(*kv);
		*kv = NULL;
	}
	return rc;
}

/* ---- exact numbers ---- */

struct numcache {
	double v;
	uint64_t m;
	int e;
	bool valid;
};

/*
 * The shortest decimal m * 10^e that reads back as v (v >= 0, finite),
 * as Python's repr finds it.
 */
static void
shortest(double v, struct numcache *nc, uint64_t *m, int *e)
{
	char buf[40], *dot, *ex;
	int p;

	if (nc->valid && nc->v == v) {
		*m = nc->m;
		*e = nc->e;
		return;
	}
	if (v == floor(v) && v < 9007199254740992.0) {
		*m = (uint64_t)v;
		*e = 0;
	} else {
		for (p = 1; p <= 17; p++) {
			snprintf(buf, sizeof(buf), "%.*e", p - 1, v);
			if (strtod(buf, NULL) == v)
				break;
		}
		/* buf is D[.DDD]e[+-]XX */
		ex = strchr(buf, 'e');
		*e = atoi(ex + 1);
		*m = 0;
		dot = buf;
		for (dot = buf; dot < ex; dot++) {
			if (*dot == '.')
				continue;
			*m = *m * 10 + (uint64_t)(*dot - '0');
		}
		*e -= p - 1;
	}
	nc->v = v;
	nc->m = *m;
	nc->e = *e;
	nc->valid = true;
}

/* A JSON number kept without its json_t: an integer stays exact. */
struct num {
	double d;
	json_int_t i;
	bool is_int;
};

/* Copies the number v into *n; returns FG_EFORMAT if v is no number. */
static int
num_get(const json_t *v, struct num *n)
{
	n->is_int = json_is_integer(v);
	n->i = n->is_int ? json_integer_value(v) : 0;
	n->d = json_number_value(v);
	return json_is_number(v) ? FG_OK : FG_EFORMAT;
}

/*
 * The number v times 10^scale (the unit's power of ten) in units of
 * 10^-18. Returns FG_OK, FG_EFORMAT (negative, not finite) or FG_ERANGE
 * (too large, or finer than 10^-18).
 */
static int
to_atto(const struct num *v, int scale, struct numcache *nc, i128 *out)
{
	uint64_t m;
	int e, k;
	i128 r;

	if (v->is_int) {
		if (v->i < 0)
			return FG_EFORMAT;
		m = (uint64_t)v->i;
		e = 0;
	} else {
		if (!(v->d >= 0) || !isfinite(v->d))
			return FG_EFORMAT;
		shortest(v->d, nc, &m, &e);
	}
	if (m == 0) {
		*out = 0;
		return FG_OK;
	}
	e += scale + ATTO_DIGITS;
	r = m;
	if (e < 0) {
		for (k = 0; k < -e; k++) {
			if (r % 10 != 0)
				return FG_ERANGE;
			r /= 10;
		}
	} else {
		for (k = 0; k < e; k++) {
			if (r > ((i128)1 << 120) / 10)
				return FG_ERANGE;
			r *= 10;
		}
	}
	*out = r;
	return FG_OK;
}

/* v units of 10^-18 s (or of the weight) as a count in 10^unit_exp. */
static int
atto_count(i128 v, int unit_exp, struct fg_count *c)
{
	int dec = ATTO_DIGITS + unit_exp, k;
	i128 div = 1, n;
	uint64_t f;

	for (k = 0; k < dec; k++)
		div *= 10;
	n = v / div;
	if (n > (i128)UINT64_MAX)
		return FG_ERANGE;
	c->n = (uint64_t)n;
	f = (uint64_t)(v % div);
	for (k = dec; k < ATTO_DIGITS; k++)
		f *= 10;
	c->frac = f;
	return FG_OK;
}

static int
unit_exp(enum fg_speedscope_unit u)
{
	switch (u) {
	case FG_UNIT_MS:
		return -3;
	case FG_UNIT_US:
		return -6;
	default:
		return 0;
	}
}

/* ---- speedscope ---- */

enum punit { PU_UNKNOWN, PU_NONE, PU_NS, PU_US, PU_MS, PU_S, PU_BYTES };

static const char *const punit_names[] = {
	"", "none", "nanoseconds", "microseconds", "milliseconds", "seconds",
	"bytes"
};

static bool
punit_is_time(enum punit u)
{
	return u >= PU_NS && u <= PU_S;
}

/* The power of ten of a unit relative to seconds (or to 1). */
static int
punit_scale(enum punit u)
{
	switch (u) {
	case PU_NS:
		return -9;
	case PU_US:
		return -6;
	case PU_MS:
		return -3;
	default:
		return 0;
	}
}

struct event {
	struct num at;		/* as read; converted once the unit is known */
	uint32_t frame;
	char type;		/* 'O' or 'C' */
	struct jloc loc;	/* where it is, for messages */
};

struct profile {
	char *name;
	enum punit unit;
	bool evented;
	struct jloc loc;	/* where it starts */
	struct event *ev;
	size_t nev, evcap;
};

struct ss {
	struct jw w;
	struct fg_pyspy *p;
	struct fg_speedscope_stats *st;
	struct fg_symtab *dummy;	/* the key table's names: "0", "1" ... */
	uint32_t *id_value;		/* dummy id -> the index it names */
	size_t id_cap;
	uint32_t *kid_ids;		/* scratch: s->kids as dummy ids */
	struct fg_stacks *keys;		/* [profile, frame, frame, ...] */
	i128 *time;			/* per key: Σ weight in 10^-18 */
	uint64_t *samples;		/* per key: Σ weight / interval */
	size_t kcap;
	bool inexact;			/* some weight is no multiple */
	bool inexact_bytes;		/* ... because it is in bytes */
	struct jloc inexact_loc;
	unsigned long inexact_prof;
	struct profile *prof;
	size_t nprof, profcap;
	json_t *frames;			/* shared.frames */
	struct jloc frames_loc;
	uint32_t *kids;			/* scratch key */
	size_t kids_cap;
	struct numcache nc;
};

static void
key_grow(struct ss *s, size_t n)
{
	if (n > s->kids_cap) {
		s->kids_cap = n * 2;
		s->kids = fg_xreallocarray(s->kids, s->kids_cap,
					   sizeof(*s->kids));
	}
}

/*
 * The index of the key s->kids[0 .. n-1], added if new. The key table is
 * a stack table, whose frames must be ids of its symtab: each index is
 * interned in s->dummy as its decimal text, and id_value maps the id
 * back. (Indexes are checked against the frames only at the end, so
 * they can be anything below 2^32 until then.)
 */
static size_t
key_index(struct ss *s, size_t n)
{
	static const struct fg_count zero = FG_COUNT_ZERO;
	size_t idx, i;

	s->kid_ids = fg_xreallocarray(s->kid_ids, s->kids_cap ? s->kids_cap : 1,
				      sizeof(*s->kid_ids));
	for (i = 0; i < n; i++) {
		char num[16];
		int len = snprintf(num, sizeof(num), "%u", s->kids[i]);
		uint32_t id = fg_intern(s->dummy, num, (size_t)len);

		if (id >= s->id_cap) {
			s->id_cap = (size_t)id * 2 + 16;
			s->id_value = fg_xreallocarray(s->id_value, s->id_cap,
						       sizeof(*s->id_value));
		}
		s->id_value[id] = s->kids[i];
		s->kid_ids[i] = id;
	}
	fg_stacks_add(s->keys, s->kid_ids, n, 0, &zero, &idx);
	return idx;
}

/* Adds time t (and samples k) to key idx. */
static void
key_add(struct ss *s, size_t idx, i128 t, uint64_t k)
{
	if (idx >= s->kcap) {
		size_t cap = s->kcap ? s->kcap * 2 : 1024, old = s->kcap;

		while (cap <= idx)
			cap *= 2;
		s->time = fg_xreallocarray(s->time, cap, sizeof(*s->time));
		s->samples = fg_xreallocarray(s->samples, cap,
					      sizeof(*s->samples));
		memset(s->time + old, 0, (cap - old) * sizeof(*s->time));
		memset(s->samples + old, 0, (cap - old) * sizeof(*s->samples));
		s->kcap = cap;
	}
	s->time[idx] += t;
	s->samples[idx] += k;
}

static int
read_unit(struct ss *s, json_t *v, unsigned long long at,
	  struct profile *pr)
{
	size_t i;

	if (json_is_string(v))
		for (i = 1; i < FG_ARRAY_SIZE(punit_names); i++)
			if (strcmp(json_string_value(v), punit_names[i]) == 0) {
				pr->unit = (enum punit)i;
				return FG_OK;
			}
	return jfail(&s->w, FG_EFORMAT, at,
		     "profile %zu: \"unit\" is not one of none, nanoseconds, microseconds, milliseconds, seconds, bytes",
		     s->nprof);
}

/*
 * The length of the plain text of a value at p (up to end) made only of
 * the bytes in set, ending just before a byte of stop; 0 if the text is
 * not of that form. Byte-identical texts are the same JSON value, so such
 * a text can key a cache of what jansson made of it.
 */
static size_t
plain_len(const char *p, const char *end, const char *set, const char *stop,
	  bool through_stop)
{
	const char *q = p;

	while (q < end && *q != '\0' && strchr(set, *q) != NULL)
		q++;
	if (q == end || *q == '\0' || strchr(stop, *q) == NULL)
		return 0;
	return (size_t)(q - p) + (through_stop ? 1 : 0);
}

/* One sample (an array of frame indexes) as a key in s->kids. */
static int
read_sample(struct ss *s, size_t pidx, size_t *nk)
{
	json_t *v, *x;
	unsigned long long at;
	size_t i;
	int rc;

	ws(&s->w);
	at = jw_off(&s->w);
	rc = jvalue(&s->w, &v);
	if (rc < 0)
		return rc;
	if (!json_is_array(v)) {
		json_decref(v);
		return jfail(&s->w, FG_EFORMAT, at,
			     "profile %zu: a sample is not an array of frame indexes",
			     pidx);
	}
	key_grow(s, json_array_size(v) + 1);
	s->kids[0] = (uint32_t)pidx;
	json_array_foreach(v, i, x) {
		json_int_t f = json_integer_value(x);

		if (!json_is_integer(x) || f < 0 || f >= (json_int_t)UINT32_MAX) {
			json_decref(v);
			return jfail(&s->w, FG_EFORMAT, at,
				     "profile %zu: a sample holds something other than a frame index",
				     pidx);
		}
		s->kids[i + 1] = (uint32_t)f;
	}
	*nk = json_array_size(v) + 1;
	json_decref(v);
	return FG_OK;
}

/* Stores the sampled profile's samples and weights as keys. */
static int
finish_sampled(struct ss *s, struct profile *pr, size_t pidx,
	       const uint32_t *skeys, size_t nsamples,
	       const struct num *weights, size_t nweights, bool has_weights,
	       struct jloc woff)
{
	size_t i;
	i128 min = 0, *wt;
	int rc, scale = punit_scale(pr->unit);

	if (!has_weights)
		return jfail_loc(&s->w, FG_EFORMAT, pr->loc,
			     "profile %zu: sampled profile without \"weights\"",
			     pidx);
	if (nweights != nsamples)
		return jfail_loc(&s->w, FG_EFORMAT, woff,
			     "profile %zu: %zu weights for %zu samples", pidx,
			     nweights, nsamples);
	wt = fg_xreallocarray(NULL, nsamples ? nsamples : 1, sizeof(*wt));
	for (i = 0; i < nsamples; i++) {
		rc = to_atto(&weights[i], scale, &s->nc, &wt[i]);
		if (rc < 0) {
			free(wt);
			return jfail_loc(&s->w, rc, woff,
				     rc == FG_ERANGE ?
				     "profile %zu: weight %zu is too large or has more than 18 decimal places" :
				     "profile %zu: weight %zu is not a number >= 0",
				     pidx, i);
		}
		if (wt[i] > 0 && (min == 0 || wt[i] < min))
			min = wt[i];
	}
	/*
	 * The sampling interval: the smallest weight, except that weights
	 * without a unit are counts already (one unit, 10^18 here) and
	 * bytes are not samples at all.
	 */
	if (pr->unit == PU_NONE)
		min = (i128)FG_COUNT_FRAC_ONE;
	if (pr->unit == PU_BYTES && !s->inexact) {
		s->inexact = true;
		s->inexact_bytes = true;
		s->inexact_prof = pidx;
		s->inexact_loc = woff;
	}
	for (i = 0; i < nsamples; i++) {
		uint64_t k = 0;

		if (wt[i] == 0) {
			s->st->zero_weight++;
			continue;
		}
		if (wt[i] % min != 0) {
			if (!s->inexact) {
				s->inexact = true;
				s->inexact_prof = pidx;
				s->inexact_loc = woff;
			}
		} else {
			k = (uint64_t)(wt[i] / min);
		}
		key_add(s, skeys[i], wt[i], k);
	}
	free(wt);
	return FG_OK;
}

static int
read_events(struct ss *s, struct profile *pr, size_t pidx)
{
	bool first = true;
	int rc;

	rc = jexpect(&s->w, '[', "an array of events");
	while (rc >= 0 && (rc = jnext(&s->w, ']', &first)) == 1) {
		json_t *v, *t, *at, *fr;
		struct event *e;
		unsigned long long off;

		ws(&s->w);
		off = jw_off(&s->w);
		rc = jvalue(&s->w, &v);
		if (rc < 0)
			return rc;
		t = json_object_get(v, "type");
		at = json_object_get(v, "at");
		fr = json_object_get(v, "frame");
		if (!json_is_string(t) || !json_is_number(at) ||
		    !json_is_integer(fr) || json_integer_value(fr) < 0 ||
		    json_integer_value(fr) >= (json_int_t)UINT32_MAX ||
		    (strcmp(json_string_value(t), "O") != 0 &&
		     strcmp(json_string_value(t), "C") != 0)) {
			json_decref(v);
			return jfail(&s->w, FG_EFORMAT, off,
				     "profile %zu: an event is not {\"type\": \"O\" or \"C\", \"at\": number, \"frame\": index}",
				     pidx);
		}
		if (pr->nev == pr->evcap) {
			pr->evcap = pr->evcap ? pr->evcap * 2 : 256;
			pr->ev = fg_xreallocarray(pr->ev, pr->evcap,
						  sizeof(*pr->ev));
		}
		e = &pr->ev[pr->nev++];
		e->type = json_string_value(t)[0];
		e->frame = (uint32_t)json_integer_value(fr);
		num_get(at, &e->at);
		e->loc = jw_loc(&s->w, off);
		json_decref(v);
	}
	return rc;
}

static int
read_profile(struct ss *s)
{
	struct profile *pr;
	size_t pidx = s->nprof, nsamples = 0, scap = 0, nk = 0;
	unsigned long long at;
	struct jloc woff = { 0, 0 };
	bool has_weights = false;
	uint32_t *skeys = NULL;
	struct num *weights = NULL;
	size_t nweights = 0, wcap = 0, ntexts = 0, tcap = 0;
	struct fg_symtab *texts = fg_symtab_new();
	uint32_t *tmemo = NULL;
	json_t *kv, *v;
	const char *key;
	bool first = true, has_samples = false, has_events = false;
	bool has_type = false;
	int rc;

	if (s->nprof == s->profcap) {
		s->profcap = s->profcap ? s->profcap * 2 : 8;
		s->prof = fg_xreallocarray(s->prof, s->profcap,
					   sizeof(*s->prof));
	}
	pr = &s->prof[s->nprof++];
	memset(pr, 0, sizeof(*pr));
	ws(&s->w);
	pr->loc = jw_loc(&s->w, jw_off(&s->w));
	rc = jexpect(&s->w, '{', "a profile object");
	while (rc >= 0 && (rc = jnext(&s->w, '}', &first)) == 1) {
		rc = jkey(&s->w, &kv, &key);
		if (rc < 0)
			break;
		ws(&s->w);
		at = jw_off(&s->w);
		if (strcmp(key, "samples") == 0) {
			bool f2 = true;

			has_samples = true;
			rc = jexpect(&s->w, '[', "an array of samples");
			while (rc >= 0 && (rc = jnext(&s->w, ']', &f2)) == 1) {
				size_t idx, len;
				const char *t;
				uint32_t tid;

				/*
				 * A sample seen before in this profile is
				 * recognised by its text: "[1,2,3]".
				 */
				ws(&s->w);
				t = s->w.b + s->w.pos;
				len = s->w.pos < s->w.n && *t == '[' ?
				      plain_len(t + 1, s->w.b + s->w.n,
						"0123456789, \t\n\r", "]",
						true) : 0;
				tid = len > 0 ? fg_intern(texts, t, len + 1) :
					UINT32_MAX;
				if (tid != UINT32_MAX && tid < ntexts) {
					s->w.pos += len + 1;
					idx = tmemo[tid];
				} else {
					rc = read_sample(s, pidx, &nk);
					if (rc < 0)
						break;
					idx = key_index(s, nk);
					if (tid != UINT32_MAX) {
						if (tid >= tcap) {
							tcap = tid * 2 + 64;
							tmemo = fg_xreallocarray(
								tmemo, tcap,
								sizeof(*tmemo));
						}
						tmemo[tid] = (uint32_t)idx;
						ntexts = tid + 1;
					}
				}
				if (nsamples == scap) {
					scap = scap ? scap * 2 : 1024;
					skeys = fg_xreallocarray(skeys, scap,
								 sizeof(*skeys));
				}
				skeys[nsamples++] = (uint32_t)idx;
			}
		} else if (strcmp(key, "weights") == 0) {
			bool f2 = true;

			woff = jw_loc(&s->w, at);
			has_weights = true;
			nweights = 0;
			rc = jexpect(&s->w, '[', "an array of weights");
			char prev[32];
			size_t plen = 0;

			while (rc >= 0 && (rc = jnext(&s->w, ']', &f2)) == 1) {
				unsigned long long wat;
				size_t len;
				const char *t;

				ws(&s->w);
				wat = jw_off(&s->w);
				if (nweights == wcap) {
					wcap = wcap ? wcap * 2 : 1024;
					weights = fg_xreallocarray(weights, wcap,
								   sizeof(*weights));
				}
				/* the same text as the previous weight */
				t = s->w.b + s->w.pos;
				len = plain_len(t, s->w.b + s->w.n,
						"0123456789.eE+-",
						", \t\n\r]", false);
				if (len > 0 && len == plen &&
				    memcmp(t, prev, len) == 0) {
					weights[nweights] = weights[nweights - 1];
					nweights++;
					s->w.pos += len;
					continue;
				}
				rc = jvalue(&s->w, &v);
				if (rc < 0)
					break;
				plen = (size_t)(jw_off(&s->w) - wat);
				if (plen <= sizeof(prev))
					memcpy(prev, s->w.b + s->w.pos - plen, plen);
				else
					plen = 0;
				rc = num_get(v, &weights[nweights++]);
				json_decref(v);
				if (rc < 0)
					rc = jfail(&s->w, rc, wat,
						   "profile %zu: a weight is not a number",
						   pidx);
			}
		} else if (strcmp(key, "events") == 0) {
			has_events = true;
			rc = read_events(s, pr, pidx);
		} else {
			rc = jvalue(&s->w, &v);
			if (rc < 0) {
				json_decref(kv);
				break;
			}
			if (strcmp(key, "type") == 0) {
				has_type = true;
				if (json_is_string(v) &&
				    strcmp(json_string_value(v), "evented") == 0)
					pr->evented = true;
				else if (!json_is_string(v) ||
					 strcmp(json_string_value(v), "sampled") != 0)
					rc = jfail(&s->w, FG_EFORMAT, at,
						   "profile %zu: \"type\" is neither \"sampled\" nor \"evented\"",
						   pidx);
			} else if (strcmp(key, "name") == 0 &&
				   json_is_string(v)) {
				free(pr->name);
				pr->name = fg_xmalloc(json_string_length(v) + 1);
				memcpy(pr->name, json_string_value(v),
				       json_string_length(v) + 1);
			} else if (strcmp(key, "unit") == 0) {
				rc = read_unit(s, v, at, pr);
			}
			json_decref(v);
		}
		json_decref(kv);
	}
	if (rc >= 0) {
		if (!has_type)
			rc = jfail_loc(&s->w, FG_EFORMAT, pr->loc,
				   "profile %zu: no \"type\"", pidx);
		else if (pr->unit == PU_UNKNOWN)
			rc = jfail_loc(&s->w, FG_EFORMAT, pr->loc,
				   "profile %zu: no \"unit\"", pidx);
		else if (pr->evented && !has_events)
			rc = jfail_loc(&s->w, FG_EFORMAT, pr->loc,
				   "profile %zu: evented profile without \"events\"",
				   pidx);
		else if (!pr->evented && !has_samples)
			rc = jfail_loc(&s->w, FG_EFORMAT, pr->loc,
				   "profile %zu: sampled profile without \"samples\"",
				   pidx);
	}
	if (rc >= 0 && !pr->evented) {
		s->st->sampled++;
		s->st->samples += nsamples;
		rc = finish_sampled(s, pr, pidx, skeys, nsamples, weights,
				    nweights, has_weights, woff);
	} else if (rc >= 0) {
		s->st->evented++;
	}
	free(skeys);
	free(weights);
	free(tmemo);
	fg_symtab_free(texts);
	return rc;
}

/* The frame index f's name: for messages. */
static const char *
frame_name(struct ss *s, uint32_t f)
{
	const char *n = json_string_value(
		json_object_get(json_array_get(s->frames, f), "name"));

	return n ? n : "?";
}

/* Frame a equals frame b: the same index or the same name, file, line. */
static bool
frame_eq(struct ss *s, uint32_t a, uint32_t b)
{
	json_t *x = json_array_get(s->frames, a), *y = json_array_get(s->frames, b);

	if (a == b)
		return true;
	return json_equal(json_object_get(x, "name"), json_object_get(y, "name")) &&
	       json_equal(json_object_get(x, "file"), json_object_get(y, "file")) &&
	       json_equal(json_object_get(x, "line"), json_object_get(y, "line"));
}

/* Replays an evented profile: the time between events to the open stack. */
static int
replay(struct ss *s, struct profile *pr, size_t pidx)
{
	uint32_t *stk = NULL;
	size_t depth = 0, cap = 0, i, nf = json_array_size(s->frames);
	i128 last = 0, now;
	int rc = FG_OK, scale = punit_scale(pr->unit);

	for (i = 0; i < pr->nev; i++) {
		struct event *e = &pr->ev[i];
		rc = to_atto(&e->at, scale, &s->nc, &now);
		if (rc < 0) {
			rc = jfail_loc(&s->w, rc, e->loc,
				   "profile %zu: event time is negative, too large or has more than 18 decimal places",
				   pidx);
			break;
		}
		if (e->frame >= nf) {
			rc = jfail_loc(&s->w, FG_EFORMAT, e->loc,
				   "profile %zu: event names frame %u, but there are %zu frames",
				   pidx, e->frame, nf);
			break;
		}
		if (i > 0 && now < last) {
			rc = jfail_loc(&s->w, FG_EFORMAT, e->loc,
				   "profile %zu: events out of order: \"at\" goes back in time",
				   pidx);
			break;
		}
		if (depth > 0 && now > last) {
			key_grow(s, depth + 1);
			s->kids[0] = (uint32_t)pidx;
			memcpy(s->kids + 1, stk, depth * sizeof(*stk));
			key_add(s, key_index(s, depth + 1), now - last, 0);
		}
		last = now;
		s->st->events++;
		if (e->type == 'O') {
			if (depth == cap) {
				cap = cap ? cap * 2 : 64;
				stk = fg_xreallocarray(stk, cap, sizeof(*stk));
			}
			stk[depth++] = e->frame;
		} else if (depth == 0) {
			rc = jfail_loc(&s->w, FG_EFORMAT, e->loc,
				   "profile %zu: unbalanced events: frame '%s' closed but nothing is open",
				   pidx, frame_name(s, e->frame));
			break;
		} else if (!frame_eq(s, stk[depth - 1], e->frame)) {
			rc = jfail_loc(&s->w, FG_EFORMAT, e->loc,
				   "profile %zu: unbalanced events: frame '%s' closed while '%s' is open",
				   pidx, frame_name(s, e->frame),
				   frame_name(s, stk[depth - 1]));
			break;
		} else {
			depth--;
		}
	}
	if (rc >= 0 && depth > 0)
		rc = jfail_loc(&s->w, FG_EFORMAT, pr->loc,
			   "profile %zu: unbalanced events: %zu frames still open at the end ('%s' innermost)",
			   pidx, depth, frame_name(s, stk[depth - 1]));
	free(stk);
	return rc;
}

/*
 * Fills f from JSON parts: name (borrowed, n bytes), file (a string or
 * anything else: none), line (an integer > 0, else none; its digits go
 * to lbuf, of 32 bytes).
 */
static void
json_frame(struct fg_pyspy_frame *f, const char *name, size_t n,
	   const json_t *file, const json_t *line, char *lbuf)
{
	memset(f, 0, sizeof(*f));
	f->name = name;
	f->name_len = n;
	if (json_is_string(file)) {
		f->file = json_string_value(file);
		f->file_len = json_string_length(file);
	}
	lbuf[0] = '\0';
	if (json_is_integer(line) && json_integer_value(line) > 0) {
		f->line_len = (size_t)snprintf(lbuf, 32, "%lld",
					       (long long)json_integer_value(line));
		f->line = lbuf;
	}
}

/* Builds the output id of shared frame i. */
static int
map_frame(struct ss *s, size_t i, uint32_t *out)
{
	json_t *fr = json_array_get(s->frames, i), *name, *file, *line;
	struct fg_pyspy_frame f;
	char lbuf[32];

	name = json_object_get(fr, "name");
	file = json_object_get(fr, "file");
	line = json_object_get(fr, "line");
	if (!json_is_string(name) || (file && !json_is_string(file) &&
				      !json_is_null(file)) ||
	    (line && !json_is_integer(line) && !json_is_null(line)))
		return jfail_loc(&s->w, FG_EFORMAT, s->frames_loc,
			     "frame %zu is not {\"name\": string, \"file\"?: string, \"line\"?: integer}",
			     i);
	json_frame(&f, json_string_value(name), json_string_length(name),
		   file, line, lbuf);
	*out = fg_pyspy_map_parts(s->p, &f, fg_pyspy_classify_parts(s->p, &f));
	return FG_OK;
}

/* Decides the output unit from what the profiles allow. */
static int
choose_unit(struct ss *s, enum fg_speedscope_unit want,
	    enum fg_speedscope_unit *unit)
{
	bool time = true, same = true, evented = false;
	size_t i;

	for (i = 0; i < s->nprof; i++) {
		if (!punit_is_time(s->prof[i].unit))
			time = false;
		if (s->prof[i].unit != s->prof[0].unit)
			same = false;
		if (s->prof[i].evented)
			evented = true;
	}
	if (want == FG_UNIT_AUTO) {
		if (!evented && !s->inexact)
			*unit = FG_UNIT_SAMPLES;
		else if (time)
			*unit = FG_UNIT_US;
		else if (same)
			*unit = FG_UNIT_WEIGHT;
		else
			return jfail_doc(&s->w, FG_EFORMAT,
				     "profiles in different units cannot be added up");
		return FG_OK;
	}
	*unit = want;
	if (want == FG_UNIT_SAMPLES) {
		for (i = 0; i < s->nprof; i++)
			if (s->prof[i].evented)
				return jfail_loc(&s->w, FG_EFORMAT, s->prof[i].loc,
					     "profile %zu is evented: it has no samples to count (use --unit us, ms or s)",
					     i);
		if (s->inexact)
			return jfail_loc(&s->w, FG_EFORMAT, s->inexact_loc,
				     s->inexact_bytes ?
				     "profile %lu: weights in bytes are not samples" :
				     "profile %lu: weights are not whole multiples of one sampling interval (use --unit us, ms or s)",
				     s->inexact_prof);
	} else if (want == FG_UNIT_WEIGHT) {
		if (!same)
			return jfail_doc(&s->w, FG_EFORMAT,
				     "profiles in different units cannot be added up");
	} else if (!time) {
		for (i = 0; i < s->nprof && punit_is_time(s->prof[i].unit); i++)
			;
		return jfail_loc(&s->w, FG_EFORMAT, s->prof[i].loc,
			     "profile %zu is in %s, not in time: --unit %s does not apply",
			     i, punit_names[s->prof[i].unit],
			     fg_speedscope_unit_name(want));
	}
	return FG_OK;
}

/* Turns every key into an output stack. */
static int
emit(struct ss *s, enum fg_speedscope_unit unit)
{
	size_t nf = json_array_size(s->frames), i, j, n;
	uint32_t *fmap, *roots, *ids = NULL, *k = NULL;
	size_t idcap = 0;
	int rc = FG_OK;
	i128 total = 0;
	uint64_t total_samples = 0;

	fmap = fg_xreallocarray(NULL, nf ? nf : 1, sizeof(*fmap));
	for (i = 0; i < nf && rc >= 0; i++)
		rc = map_frame(s, i, &fmap[i]);
	roots = fg_xreallocarray(NULL, s->nprof ? s->nprof : 1,
				 sizeof(*roots));
	for (i = 0; i < s->nprof && rc >= 0; i++) {
		struct fg_pyspy_frame f;
		char buf[32];

		memset(&f, 0, sizeof(f));
		if (s->prof[i].name != NULL) {
			f.name = s->prof[i].name;
		} else {
			snprintf(buf, sizeof(buf), "profile %zu", i);
			f.name = buf;
		}
		f.name_len = strlen(f.name);
		roots[i] = fg_pyspy_map_parts(s->p, &f, FG_PYSPY_PROFILE);
	}
	for (i = 0; i < fg_stacks_count(s->keys) && rc >= 0; i++) {
		const uint32_t *kid = fg_stacks_frames(s->keys, i, &n);
		struct fg_count c;
		i128 t = i < s->kcap ? s->time[i] : 0;

		if (t == 0)
			continue;	/* a sample of weight 0 */
		if (n > idcap) {
			idcap = n * 2;
			ids = fg_xreallocarray(ids, idcap, sizeof(*ids));
			k = fg_xreallocarray(k, idcap, sizeof(*k));
		}
		for (j = 0; j < n; j++)
			k[j] = s->id_value[kid[j]];
		ids[0] = roots[k[0]];
		for (j = 1; j < n; j++) {
			if (k[j] >= nf) {
				rc = jfail_loc(&s->w, FG_EFORMAT, s->prof[k[0]].loc,
					   "profile %u: a sample names frame %u, but there are %zu frames",
					   k[0], k[j], nf);
				break;
			}
			ids[j] = fmap[k[j]];
		}
		if (rc < 0)
			break;
		if (unit == FG_UNIT_SAMPLES) {
			c.n = s->samples[i];
			c.frac = 0;
			total_samples += c.n;
		} else {
			rc = atto_count(t, unit_exp(unit), &c);
			total += t;
			if (rc < 0) {
				rc = jfail_doc(&s->w, rc,
					   "a stack's total exceeds 18446744073709551615");
				break;
			}
		}
		rc = fg_pyspy_add(s->p, ids, n, &c);
		if (rc < 0)
			rc = jfail_doc(&s->w, rc,
				   "a stack's total exceeds 18446744073709551615");
	}
	if (rc >= 0) {
		if (unit == FG_UNIT_SAMPLES) {
			s->st->total.n = total_samples;
			s->st->total.frac = 0;
		} else if (atto_count(total, unit_exp(unit), &s->st->total) < 0) {
			rc = jfail_doc(&s->w, FG_ERANGE,
				   "the total exceeds 18446744073709551615");
		}
	}
	free(ids);
	free(k);
	free(roots);
	free(fmap);
	return rc;
}

static void
ss_release(struct ss *s)
{
	size_t i;

	for (i = 0; i < s->nprof; i++) {
		free(s->prof[i].ev);
		free(s->prof[i].name);
	}
	free(s->prof);
	free(s->time);
	free(s->samples);
	free(s->kids);
	json_decref(s->frames);
	fg_stacks_free(s->keys);
	fg_symtab_free(s->dummy);
	free(s->id_value);
	free(s->kid_ids);
}

/*
 * A walker over the document in buf (fd < 0), or over what is read
 * from fd after the nhead bytes at head.
 */
static void
jw_init(struct jw *w, const char *buf, size_t n, int fd, const char *name,
	struct fg_diag *d)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->name = name;
	w->d = d;
	w->at0.line = 1;
	w->at0.col = 1;
	w->memo = w->at0;
	if (fd < 0) {
		w->b = buf;
		w->n = n;
		w->eof = true;
	} else {
		w->cap = n * 2 > window_size ? n * 2 : window_size;
		w->own = fg_xmalloc(w->cap);
		if (n > 0)
			memcpy(w->own, buf, n);
		w->b = w->own;
		w->n = n;
		while (w->n < 3 && refill(w) > 0)
			;
	}
	if (w->n >= 3 && memcmp(w->b, "\xef\xbb\xbf", 3) == 0)
		w->pos = 3;
}

static void
jw_release(struct jw *w)
{
	free(w->own);
	w->own = NULL;
}


/* After the document: only white space may follow. */
static int
jend(struct jw *w)
{
	ws(w);
	if (w->pos < w->n)
		return jfail(w, FG_EPARSE, jw_off(w),
			     "invalid JSON: text after the end of the document");
	return FG_OK;
}

static int
ss_run(struct jw *w, struct fg_pyspy *p, enum fg_speedscope_unit unit,
       struct fg_speedscope_stats *st)
{
	struct ss s;
	json_t *kv, *v;
	const char *key;
	bool first = true, schema = false;
	unsigned long long at;
	size_t i;
	int rc;

	memset(st, 0, sizeof(*st));
	memset(&s, 0, sizeof(s));
	s.w = *w;
	s.p = p;
	s.st = st;
	s.dummy = fg_symtab_new();
	s.keys = fg_stacks_new(s.dummy, 1);
	rc = jexpect(&s.w, '{', "a speedscope object");
	while (rc >= 0 && (rc = jnext(&s.w, '}', &first)) == 1) {
		rc = jkey(&s.w, &kv, &key);
		if (rc < 0)
			break;
		ws(&s.w);
		at = jw_off(&s.w);
		if (strcmp(key, "profiles") == 0) {
			bool f2 = true;

			rc = jexpect(&s.w, '[', "an array of profiles");
			while (rc >= 0 && (rc = jnext(&s.w, ']', &f2)) == 1)
				rc = read_profile(&s);
		} else {
			rc = jvalue(&s.w, &v);
			if (rc < 0) {
				json_decref(kv);
				break;
			}
			if (strcmp(key, "$schema") == 0) {
				schema = json_is_string(v) &&
					 strcmp(json_string_value(v),
						FG_SPEEDSCOPE_SCHEMA) == 0;
				if (!schema)
					rc = jfail(&s.w, FG_EFORMAT, at,
						   "\"$schema\" is not \"%s\"",
						   FG_SPEEDSCOPE_SCHEMA);
			} else if (strcmp(key, "shared") == 0) {
				json_decref(s.frames);
				s.frames = json_incref(json_object_get(v, "frames"));
				s.frames_loc = jw_loc(&s.w, at);
				if (!json_is_array(s.frames))
					rc = jfail(&s.w, FG_EFORMAT, at,
						   "\"shared\" has no \"frames\" array");
			}
			json_decref(v);
		}
		json_decref(kv);
	}
	if (rc >= 0)
		rc = jend(&s.w);
	if (rc >= 0 && !schema)
		rc = jfail_doc(&s.w, FG_EFORMAT,
			   "not a speedscope file: no \"$schema\": \"%s\"",
			   FG_SPEEDSCOPE_SCHEMA);
	if (rc >= 0 && s.frames == NULL)
		s.frames = json_array();
	for (i = 0; rc >= 0 && i < s.nprof; i++)
		if (s.prof[i].evented)
			rc = replay(&s, &s.prof[i], i);
	st->profiles = s.nprof;
	st->frames = json_array_size(s.frames);
	if (rc >= 0)
		rc = choose_unit(&s, unit, &st->unit);
	if (rc >= 0)
		rc = emit(&s, st->unit);
	*w = s.w;
	ss_release(&s);
	return rc < 0 ? rc : FG_OK;
}

int
fg_speedscope_read(struct fg_pyspy *p, const char *buf, size_t n,
		   const char *name, enum fg_speedscope_unit unit,
		   struct fg_speedscope_stats *st, struct fg_diag *d)
{
	struct jw w;

	jw_init(&w, buf, n, -1, name, d);
	return ss_run(&w, p, unit, st);
}

int
fg_speedscope_read_fd(struct fg_pyspy *p, int fd, const char *head,
		      size_t nhead, const char *name,
		      enum fg_speedscope_unit unit,
		      struct fg_speedscope_stats *st, struct fg_diag *d)
{
	struct jw w;
	int rc;

	jw_init(&w, head, nhead, fd, name, d);
	rc = ss_run(&w, p, unit, st);
	jw_release(&w);
	return rc;
}

/* ---- Chrome trace ---- */

struct thread {
	json_int_t pid, tid;
	uint32_t *keys;		/* open frames: ids in the key table */
	uint32_t *out;		/* and their mapped ids */
	size_t depth, cap;
	i128 last;
	bool started;
};

struct ct {
	struct jw w;
	struct fg_pyspy *p;
	struct fg_speedscope_stats *st;
	enum fg_speedscope_unit unit;
	struct fg_symtab *fkeys;	/* "name\0file\0line" per frame */
	uint32_t *fmap;			/* frame key -> mapped id */
	size_t fcap, nmapped;
	struct thread *th;
	size_t nth, thcap, lastth;
	struct numcache nc;
	i128 total;
	struct fg_buf kb;
};

static struct thread *
thread_of(struct ct *c, json_int_t pid, json_int_t tid)
{
	struct thread *t;
	size_t i;

	if (c->nth > 0 && c->th[c->lastth].pid == pid &&
	    c->th[c->lastth].tid == tid)
		return &c->th[c->lastth];
	for (i = 0; i < c->nth; i++)
		if (c->th[i].pid == pid && c->th[i].tid == tid) {
			c->lastth = i;
			return &c->th[i];
		}
	if (c->nth == c->thcap) {
		c->thcap = c->thcap ? c->thcap * 2 : 16;
		c->th = fg_xreallocarray(c->th, c->thcap, sizeof(*c->th));
	}
	t = &c->th[c->nth];
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->tid = tid;
	c->lastth = c->nth++;
	return t;
}

/* The key id of an event's frame, mapping it the first time. */
static uint32_t
event_frame(struct ct *c, const char *name, size_t nlen, json_t *args)
{
	json_t *file = json_object_get(args, "filename");
	json_t *line = json_object_get(args, "line");
	struct fg_pyspy_frame f;
	char lbuf[32];
	uint32_t k;

	json_frame(&f, name, nlen, file, line, lbuf);
	fg_buf_reset(&c->kb);
	fg_buf_add(&c->kb, name, nlen);
	fg_buf_addc(&c->kb, '\0');
	fg_buf_add(&c->kb, f.file ? f.file : "", f.file_len);
	fg_buf_addc(&c->kb, '\0');
	fg_buf_adds(&c->kb, lbuf);
	k = fg_intern(c->fkeys, c->kb.buf, c->kb.len);
	if (k >= c->fcap) {
		size_t cap = c->fcap ? c->fcap * 2 : 256;

		while (cap <= k)
			cap *= 2;
		c->fmap = fg_xreallocarray(c->fmap, cap, sizeof(*c->fmap));
		c->fcap = cap;
	}
	if (k >= c->nmapped) {
		/* a new key: ids are dense, so it is the next one */
		c->fmap[k] = fg_pyspy_map_parts(
			c->p, &f, fg_pyspy_classify_parts(c->p, &f));
		c->nmapped = k + 1;
	}
	return k;
}

static int
ct_event(struct ct *c, json_t *v, unsigned long long off)
{
	json_t *ph = json_object_get(v, "ph"), *ts, *name;
	json_t *pid = json_object_get(v, "pid"), *tid = json_object_get(v, "tid");
	struct thread *t;
	const char *phs;
	struct num tsn;
	i128 now;
	int rc;

	if (!json_is_object(v) || !json_is_string(ph))
		return jfail(&c->w, FG_EFORMAT, off,
			     "a trace event is not an object with a \"ph\" string");
	phs = json_string_value(ph);
	if (strcmp(phs, "X") == 0)
		return jfail(&c->w, FG_EFORMAT, off,
			     "'X' (complete) events are not supported, only 'B' and 'E'");
	if (strcmp(phs, "B") != 0 && strcmp(phs, "E") != 0) {
		c->st->other_events++;
		return FG_OK;
	}
	ts = json_object_get(v, "ts");
	name = json_object_get(v, "name");
	if ((pid && !json_is_integer(pid)) || (tid && !json_is_integer(tid)) ||
	    !json_is_number(ts) || (phs[0] == 'B' && !json_is_string(name)))
		return jfail(&c->w, FG_EFORMAT, off,
			     "a '%s' event without a number \"ts\", a \"name\" or integer \"pid\"/\"tid\"",
			     phs);
	num_get(ts, &tsn);
	rc = to_atto(&tsn, -6, &c->nc, &now);
	if (rc < 0)
		return jfail(&c->w, rc, off,
			     "\"ts\" is negative, too large or has more than 12 decimal places");
	t = thread_of(c, json_integer_value(pid), json_integer_value(tid));
	if (t->started && now < t->last)
		return jfail(&c->w, FG_EFORMAT, off,
			     "events of pid %lld tid %lld go back in time",
			     (long long)t->pid, (long long)t->tid);
	if (t->depth > 0 && now > t->last) {
		struct fg_count cnt;

		rc = atto_count(now - t->last, unit_exp(c->unit), &cnt);
		if (rc >= 0)
			rc = fg_pyspy_add(c->p, t->out, t->depth, &cnt);
		if (rc < 0)
			return jfail(&c->w, rc, off,
				     "a stack's total exceeds 18446744073709551615");
		c->total += now - t->last;
	}
	t->last = now;
	t->started = true;
	c->st->events++;
	if (phs[0] == 'B') {
		uint32_t k = event_frame(c, json_string_value(name),
					 json_string_length(name),
					 json_object_get(v, "args"));

		if (t->depth == t->cap) {
			t->cap = t->cap ? t->cap * 2 : 64;
			t->keys = fg_xreallocarray(t->keys, t->cap,
						   sizeof(*t->keys));
			t->out = fg_xreallocarray(t->out, t->cap,
						  sizeof(*t->out));
		}
		t->keys[t->depth] = k;
		t->out[t->depth++] = c->fmap[k];
		return FG_OK;
	}
	if (t->depth == 0)
		return jfail(&c->w, FG_EFORMAT, off,
			     "unbalanced events: 'E' in pid %lld tid %lld with nothing open",
			     (long long)t->pid, (long long)t->tid);
	if (json_is_string(name)) {
		const char *open = fg_symtab_str(c->fkeys,
						 t->keys[t->depth - 1], NULL);

		if (strcmp(open, json_string_value(name)) != 0)
			return jfail(&c->w, FG_EFORMAT, off,
				     "unbalanced events: 'E' for '%s' while '%s' is open (pid %lld tid %lld)",
				     json_string_value(name), open,
				     (long long)t->pid, (long long)t->tid);
	}
	t->depth--;
	return FG_OK;
}

static int
ct_run(struct jw *w, struct fg_pyspy *p, enum fg_speedscope_unit unit,
       struct fg_speedscope_stats *st)
{
	struct ct c;
	json_t *kv, *v;
	const char *key;
	bool first = true, obj = false, found = false;
	unsigned long long off;
	size_t i;
	int rc;

	memset(st, 0, sizeof(*st));
	memset(&c, 0, sizeof(c));
	c.w = *w;
	c.p = p;
	c.st = st;
	if (unit == FG_UNIT_AUTO)
		unit = FG_UNIT_US;
	if (unit != FG_UNIT_US && unit != FG_UNIT_MS && unit != FG_UNIT_S)
		return jfail_doc(w, FG_EFORMAT,
				 "a Chrome trace holds time only: --unit %s does not apply",
				 fg_speedscope_unit_name(unit));
	c.unit = unit;
	st->unit = unit;
	c.fkeys = fg_symtab_new();
	fg_buf_init(&c.kb);
	ws(&c.w);
	if (c.w.pos < c.w.n && c.w.b[c.w.pos] == '{') {
		/* {"traceEvents": [...], ...} */
		obj = true;
		rc = jexpect(&c.w, '{', "'{'");
		while (rc >= 0 && (rc = jnext(&c.w, '}', &first)) == 1) {
			rc = jkey(&c.w, &kv, &key);
			if (rc < 0)
				break;
			if (strcmp(key, "traceEvents") == 0 && !found) {
				found = true;
				json_decref(kv);
				break;
			}
			json_decref(kv);
			rc = jskip(&c.w);
		}
		if (rc >= 0 && !found)
			rc = jfail_doc(&c.w, FG_EFORMAT,
				   "not a Chrome trace: no \"traceEvents\"");
		first = true;
	} else {
		rc = FG_OK;
	}
	if (rc >= 0)
		rc = jexpect(&c.w, '[', "an array of trace events");
	while (rc >= 0 && (rc = jnext(&c.w, ']', &first)) == 1) {
		ws(&c.w);
		off = jw_off(&c.w);
		rc = jvalue(&c.w, &v);
		if (rc < 0)
			break;
		rc = ct_event(&c, v, off);
		json_decref(v);
	}
	if (rc >= 0 && obj) {
		/* the rest of the object */
		first = false;
		while (rc >= 0 && (rc = jnext(&c.w, '}', &first)) == 1) {
			rc = jkey(&c.w, &kv, &key);
			if (rc < 0)
				break;
			json_decref(kv);
			rc = jskip(&c.w);
		}
	}
	if (rc >= 0)
		rc = jend(&c.w);
	for (i = 0; rc >= 0 && i < c.nth; i++)
		if (c.th[i].depth > 0)
			rc = jfail(&c.w, FG_EFORMAT, jw_off(&c.w),
				   "unbalanced events: %zu frames of pid %lld tid %lld still open at the end ('%s' innermost)",
				   c.th[i].depth, (long long)c.th[i].pid,
				   (long long)c.th[i].tid,
				   fg_symtab_str(c.fkeys,
						 c.th[i].keys[c.th[i].depth - 1],
						 NULL));
	st->threads = c.nth;
	if (rc >= 0 && atto_count(c.total, unit_exp(unit), &st->total) < 0)
		rc = jfail_doc(&c.w, FG_ERANGE,
			   "the total exceeds 18446744073709551615");
	for (i = 0; i < c.nth; i++) {
		free(c.th[i].keys);
		free(c.th[i].out);
	}
	free(c.th);
	free(c.fmap);
	fg_buf_release(&c.kb);
	fg_symtab_free(c.fkeys);
	*w = c.w;
	return rc < 0 ? rc : FG_OK;
}

int
fg_speedscope_read_chrometrace(struct fg_pyspy *p, const char *buf,
			       size_t n, const char *name,
			       enum fg_speedscope_unit unit,
			       struct fg_speedscope_stats *st,
			       struct fg_diag *d)
{
	struct jw w;

	jw_init(&w, buf, n, -1, name, d);
	return ct_run(&w, p, unit, st);
}

int
fg_speedscope_read_chrometrace_fd(struct fg_pyspy *p, int fd,
				  const char *head, size_t nhead,
				  const char *name,
				  enum fg_speedscope_unit unit,
				  struct fg_speedscope_stats *st,
				  struct fg_diag *d)
{
	struct jw w;
	int rc;

	jw_init(&w, head, nhead, fd, name, d);
	rc = ct_run(&w, p, unit, st);
	jw_release(&w);
	return rc;
}
