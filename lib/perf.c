/*
 * perf.c - perf script text to folded stacks: the line parser, the frame
 * name rules, and the streaming and threaded drivers.
 */
#define _DEFAULT_SOURCE		/* madvise */
#include <sys/mman.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include "fg/arena.h"
#include "fg/buf.h"
#include "fg/error.h"
#include "fg/intern.h"
#include "fg/perf.h"
#include "fg/pyframe.h"
#include "fg/stacks.h"
#include "internal.h"

#define UNSET UINT32_MAX	/* raw line not yet mapped */
#define MULTI (UINT32_MAX - 1)	/* raw line gives several frames */
#define NO_DSO UINT32_MAX

enum { REC_NONE, REC_OPEN };

/*
 * The frame lines seen, each with a dense index into the raw_* arrays.
 * Most lines of a profile repeat, so this is the hot path: the hash
 * reads a line's first 16, middle 8 and last 16 bytes (the address, the
 * symbol, the DSO) rather than all of it; a full compare settles every
 * match.
 */
struct lc_slot {
	uint64_t h;			/* 0: empty */
	const char *s;
	uint32_t len;
	uint32_t idx;
};

struct linecache {
	struct fg_arena arena;
	struct lc_slot *slots;
	size_t mask;
	size_t n;
};

struct fg_perf {
	struct fg_stacks *dst;
	struct fg_symtab *syms;		/* dst's symtab: frame names */
	struct fg_symtab *dsos;		/* DSO names */
	struct linecache raw;		/* frame lines seen */
	uint32_t *raw_frame[2];		/* raw id -> frame id (not java, java) */
	uint32_t *raw_dso;		/* raw id -> DSO id */
	size_t raw_cap;
	const char *name;
	unsigned flags;
	bool event_set;			/* a filter is in force */
	bool event_base;		/* the filter has no ':' */
	char *event;			/* the filter (may hold any byte) */
	size_t event_len;
	char **skip;			/* --skip-after names */
	size_t nskip;
	unsigned char *skipflag;	/* by frame id: 0 unknown, 1 no, 2 yes */
	size_t skipcap;
	struct fg_pyframe *py;

	/* the record being read */
	int state;
	bool keep;			/* its event is the chosen one */
	bool java;			/* comm starts with "java" */
	uint32_t root;
	uint64_t weight;
	unsigned long rec_lines;	/* frame lines in it */
	uint32_t *fr, *fd;		/* frames (leaf first) and DSOs */
	size_t nfr, frcap;
	size_t last_n;			/* frames pushed by the last frame line */
	bool last_frame;		/* the previous line was a frame line */
	bool last_inlined;		/* ... and it was an inlined entry */
	struct fg_buf lastline;		/* a copy of it (srcline options) */
	struct fg_buf tmp, tmp2;
	uint32_t *stk, *sdso;
	size_t stkcap;
	size_t last_ev;			/* index of the last event matched */

	struct fg_perf_stats st;
};

/* Character classes, without locale. */
static inline bool
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static inline bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline bool
is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The length of the leading whitespace: perf pads addresses with spaces. */
static inline size_t
skip_ws(const char *s, size_t n)
{
	size_t i = n > 0 && s[0] == '\t';

	while (i + 8 <= n &&
	       fg_load64((const unsigned char *)s + i) == 0x2020202020202020ULL)
		i += 8;
	while (i < n && is_ws((unsigned char)s[i]))
		i++;
	return i;
}

static bool
is_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_ws((unsigned char)s[i]))
			return false;
	return true;
}

static bool
has_prefix(const char *s, size_t n, const char *pre)
{
	size_t m = strlen(pre);

	return n >= m && memcmp(s, pre, m) == 0;
}

static bool
has_suffix(const char *s, size_t n, const char *suf)
{
	size_t m = strlen(suf);

	return n >= m && memcmp(s + n - m, suf, m) == 0;
}

/* The first occurrence of the m bytes at w in s[0..n-1], or NULL. */
static const char *
find_bytes(const char *s, size_t n, const char *w, size_t m)
{
	const char *end = s + n, *q = s;

	while (q + m <= end) {
		q = memchr(q, w[0], (size_t)(end - q));
		if (q == NULL || q + m > end)
			return NULL;
		if (memcmp(q, w, m) == 0)
			return q;
		q++;
	}
	return NULL;
}

static char *
dup_bytes(const char *s, size_t n)
{
	char *d = fg_xmalloc(n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static bool
all_digits(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (!is_digit((unsigned char)s[i]))
			return false;
	return true;
}

/* "123", "-1" or "123/456" */
static bool
is_pid_token(const char *s, size_t n)
{
	const char *slash = memchr(s, '/', n);

	if (slash != NULL)
		return all_digits(s, (size_t)(slash - s)) &&
		       all_digits(slash + 1, n - (size_t)(slash - s) - 1);
	if (n > 1 && s[0] == '-')
		return all_digits(s + 1, n - 1);
	return all_digits(s, n);
}

/* "[001]" */
static bool
is_cpu_token(const char *s, size_t n)
{
	return n >= 3 && s[0] == '[' && s[n - 1] == ']' &&
	       all_digits(s + 1, n - 2);
}

/* ---------------------------------------------------------------- */
/* Header lines */

struct hdr {
	const char *comm;
	size_t comm_len;
	const char *pid, *tid;		/* pid NULL: only one number */
	size_t pid_len, tid_len;
	bool has_period;
	uint64_t period;
	const char *ev;
	size_t ev_len;
	const char *rest;		/* after the event: payload or ip sym */
	size_t rest_len;
	bool sideband;
	bool lost_rec;			/* PERF_RECORD_LOST(_SAMPLES) */
	unsigned long long lost;	/* ... lost N */
};

/*
 * Finds the timestamp "DIGITS.DIGITS{6,9}:" standing alone (after the
 * start or whitespace, before whitespace or the end). Returns its start,
 * and in *after the position just past its colon.
 */
static const char *
find_timestamp(const char *s, size_t n, const char **after)
{
	const char *end = s + n, *q = s;

	while (q < end && (q = memchr(q, '.', (size_t)(end - q))) != NULL) {
		const char *a = q, *b = q + 1;

		while (a > s && is_digit((unsigned char)a[-1]))
			a--;
		while (b < end && is_digit((unsigned char)*b))
			b++;
		if (a < q && (a == s || is_ws((unsigned char)a[-1])) &&
		    b - q - 1 >= 6 && b - q - 1 <= 9 && b < end && *b == ':' &&
		    (b + 1 == end || is_ws((unsigned char)b[1]))) {
			*after = b + 1;
			return a;
		}
		q++;
	}
	return NULL;
}

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && is_ws((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_ws((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

/* The last whitespace-separated token of s[0..*n-1] (trailing ws gone). */
static const char *
last_token(const char *s, size_t *n, size_t *tlen)
{
	const char *e, *b;

	while (*n > 0 && is_ws((unsigned char)s[*n - 1]))
		(*n)--;
	e = s + *n;
	b = e;
	while (b > s && !is_ws((unsigned char)b[-1]))
		b--;
	*tlen = (size_t)(e - b);
	return b;
}

static void
set_pid(struct hdr *h, const char *t, size_t tl)
{
	const char *slash = memchr(t, '/', tl);

	if (slash != NULL) {
		h->pid = t;
		h->pid_len = (size_t)(slash - t);
		h->tid = slash + 1;
		h->tid_len = tl - h->pid_len - 1;
	} else {
		h->pid = NULL;
		h->tid = t;
		h->tid_len = tl;
	}
}

/* comm [pid/]tid [cpu] from the left part of a header. */
static void
parse_left(const char *s, size_t n, struct hdr *h)
{
	const char *t;
	size_t tl;

	t = last_token(s, &n, &tl);
	if (is_cpu_token(t, tl)) {
		n = (size_t)(t - s);
		t = last_token(s, &n, &tl);
	}
	h->tid = NULL;
	h->tid_len = 0;
	h->pid = NULL;
	if (tl > 0 && (size_t)(t - s) > 0 && is_pid_token(t, tl)) {
		set_pid(h, t, tl);
		n = (size_t)(t - s);
	}
	h->comm = s;
	h->comm_len = n;
	trim(&h->comm, &h->comm_len);
}

static unsigned long long
parse_lost(const char *s, size_t n)
{
	const char *q = find_bytes(s, n, "lost ", 5);
	unsigned long long v = 0;

	if (q == NULL)
		return 0;
	q += 5;
	while (q < s + n && is_digit((unsigned char)*q)) {
		unsigned d = (unsigned)(*q - '0');

		if (v > (~0ULL - d) / 10)
			return ~0ULL;
		v = v * 10 + d;
		q++;
	}
	return v;
}

static bool
parse_u64(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	return true;
}

/* After the timestamp: [PERIOD] EVENT: [rest], or PERF_RECORD_... */
static bool
parse_right(const char *r, const char *end, struct hdr *h)
{
	const char *q, *colon;
	size_t n;

	while (r < end && is_ws((unsigned char)*r))
		r++;
	if (has_prefix(r, (size_t)(end - r), "PERF_RECORD_")) {
		h->sideband = true;
		if (has_prefix(r, (size_t)(end - r), "PERF_RECORD_LOST")) {
			h->lost_rec = true;
			h->lost = parse_lost(r, (size_t)(end - r));
		}
		return true;
	}
	q = r;
	while (q < end && is_digit((unsigned char)*q))
		q++;
	if (q > r && q < end && is_ws((unsigned char)*q)) {
		if (!parse_u64(r, (size_t)(q - r), &h->period))
			return false;
		h->has_period = true;
		r = q;
		while (r < end && is_ws((unsigned char)*r))
			r++;
	}
	n = (size_t)(end - r);
	colon = find_bytes(r, n, ": ", 2);
	if (colon == NULL) {
		colon = find_bytes(r, n, ":\t", 2);
	}
	if (colon == NULL) {
		while (n > 0 && is_ws((unsigned char)r[n - 1]))
			n--;
		if (n > 0 && r[n - 1] == ':') {
			colon = r + n - 1;
		} else {
			h->ev = r;
			h->ev_len = n;
			h->rest = end;
			h->rest_len = 0;
			return true;
		}
	}
	h->ev = r;
	h->ev_len = (size_t)(colon - r);
	h->rest = colon + 1;
	h->rest_len = (size_t)(end - h->rest);
	trim(&h->rest, &h->rest_len);
	trim(&h->ev, &h->ev_len);
	return true;
}

/*
 * An old or -F header without a timestamp: "comm pid [cpu] [period]
 * event:", column 0. Returns false if the line is not of that form.
 */
static bool
parse_notime(const char *s, size_t n, struct hdr *h)
{
	const char *t, *t2;
	size_t tl, tl2, m;

	if (n == 0 || is_ws((unsigned char)s[0]))
		return false;
	t = last_token(s, &n, &tl);
	if (tl < 2 || t[tl - 1] != ':' || t == s)
		return false;
	h->ev = t;
	h->ev_len = tl - 1;
	h->rest = s + n;
	h->rest_len = 0;
	m = (size_t)(t - s);
	t = last_token(s, &m, &tl);
	if (t == s || tl == 0)
		return false;
	/* a number before another number or [cpu] is the period */
	if (all_digits(t, tl)) {
		size_t m2 = (size_t)(t - s);

		t2 = last_token(s, &m2, &tl2);
		if (t2 > s && (is_pid_token(t2, tl2) || is_cpu_token(t2, tl2))) {
			if (!parse_u64(t, tl, &h->period))
				return false;
			h->has_period = true;
			m = m2;
			t = t2;
			tl = tl2;
		}
	}
	if (is_cpu_token(t, tl)) {
		m = (size_t)(t - s);
		t = last_token(s, &m, &tl);
		if (t == s)
			return false;
	}
	if (!is_pid_token(t, tl))
		return false;
	set_pid(h, t, tl);
	h->comm = s;
	h->comm_len = (size_t)(t - s);
	trim(&h->comm, &h->comm_len);
	return h->comm_len > 0;
}

/* Returns true if s[0..n-1] is a header line, filling h. */
static bool
parse_header(const char *s, size_t n, struct hdr *h)
{
	const char *ts, *after;

	memset(h, 0, sizeof(*h));
	ts = find_timestamp(s, n, &after);
	if (ts == NULL)
		return parse_notime(s, n, h);
	parse_left(s, (size_t)(ts - s), h);
	if (!parse_right(after, s + n, h))
		return false;
	if (h->comm_len == 0) {
		h->comm = "?";
		h->comm_len = 1;
	}
	return true;
}

/* ---------------------------------------------------------------- */
/* Frame lines */

struct frame {
	const char *ip;
	size_t ip_len;
	const char *sym;		/* NULL: address only */
	size_t sym_len;
	const char *dso;		/* NULL: none printed */
	size_t dso_len;
};

/* A frame line starts (after whitespace) with a hex ip and a blank. */
static bool
is_frame_line(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && is_ws((unsigned char)s[i]))
		i++;
	if (i == n || !is_hex((unsigned char)s[i]))
		return false;
	while (i < n && is_hex((unsigned char)s[i]))
		i++;
	return i == n || is_ws((unsigned char)s[i]);
}

/*
 * Splits "ip [sym[+0xoff]] [(dso)]" (leading whitespace removed). The
 * DSO is the left-most " (" whose remainder ends the line with ")" and
 * starts with '/', '[' or is "inlined)"; else the right-most " (" with a
 * ")" at the end.
 */
static void
split_frame(const char *s, size_t n, struct frame *f)
{
	const char *end, *r, *q, *best = NULL;
	size_t i = 0;

	while (i < n && !is_ws((unsigned char)s[i]))
		i++;
	f->ip = s;
	f->ip_len = i;
	while (i < n && is_ws((unsigned char)s[i]))
		i++;
	r = s + i;
	end = s + n;
	while (end > r && is_ws((unsigned char)end[-1]))
		end--;
	f->dso = NULL;
	f->dso_len = 0;
	if (r == end) {
		f->sym = NULL;
		f->sym_len = 0;
		return;
	}
	if (end[-1] == ')') {
		q = r;
		while ((q = find_bytes(q, (size_t)(end - q), " (", 2)) != NULL) {
			const char *d = q + 2;

			if (d < end - 1 && (*d == '/' || *d == '[' ||
			    (end - d == 8 && memcmp(d, "inlined)", 8) == 0))) {
				best = q;
				break;
			}
			best = q;	/* the right-most so far, as fallback */
			q++;
		}
		if (best != NULL) {
			f->dso = best + 2;
			f->dso_len = (size_t)(end - 1 - f->dso);
			end = best;
		} else if (*r == '(' && end - r > 2 &&
			   (r[1] == '/' || r[1] == '[')) {
			/* an empty symbol: "ip  (dso)" */
			f->dso = r + 1;
			f->dso_len = (size_t)(end - 1 - f->dso);
			end = r;
		}
	}
	f->sym = r;
	f->sym_len = (size_t)(end - r);
	/* strip one "+0xOFF" */
	if (f->sym_len > 3) {
		const char *e = r + f->sym_len, *h = e;

		while (h > r && is_hex((unsigned char)h[-1]))
			h--;
		if (h < e && h - r >= 3 && h[-1] == 'x' && h[-2] == '0' &&
		    h[-3] == '+')
			f->sym_len = (size_t)(h - 3 - r);
	}
}

static bool
dso_is_kernel(const char *d, size_t n)
{
	return n > 0 && (d[0] == '[' || has_suffix(d, n, "vmlinux")) &&
	       find_bytes(d, n, "unknown", 7) == NULL;
}

/* /tmp/perf-PID.map, or a jitdump ELF .../jitted-PID-N.so */
static bool
dso_is_jit(const char *d, size_t n)
{
	const char *q = find_bytes(d, n, "/tmp/perf-", 10);

	if (q != NULL) {
		const char *p = q + 10, *e = d + n;

		if (p < e && is_digit((unsigned char)*p)) {
			while (p < e && is_digit((unsigned char)*p))
				p++;
			if (has_prefix(p, (size_t)(e - p), ".map"))
				return true;
		}
	}
	q = find_bytes(d, n, "/jitted-", 8);
	return q != NULL && has_suffix(d, n, ".so");
}

/*
 * Where FlameGraph's argument stripping cuts name s[0..n-1], adjusted:
 * at the first '(' outside <>, {} and [] that does not follow a blank
 * and does not open "(anonymous namespace)". Go method names
 * ("pkg.(*T).M") are not cut. Returns n for no cut.
 */
static size_t
args_cut(const char *s, size_t n)
{
	static const char anon[] = "(anonymous namespace)";
	size_t i, first = n;
	long depth = 0;
	const char *go = find_bytes(s, n, ".(", 2);

	if (go != NULL && find_bytes(go + 2, n - (size_t)(go + 2 - s),
				     ").", 2) != NULL)
		return n;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (i >= 8 && memcmp(s + i - 8, "operator", 8) == 0) {
			if (has_prefix(s + i, n - i, "()") ||
			    has_prefix(s + i, n - i, "[]")) {
				i++;
				continue;
			}
			while (i < n && strchr("<>=!+-*/%&|^~,", s[i]) != NULL &&
			       s[i] != '\0')
				i++;
			if (i >= n)
				break;
			c = s[i];
		}
		if (c == '<' || c == '{' || c == '[') {
			depth++;
		} else if (c == '>' || c == '}' || c == ']') {
			depth--;
		} else if (c == '(') {
			if (has_prefix(s + i, n - i, anon)) {
				i += sizeof(anon) - 2;
				continue;
			}
			if (i > 0 && is_ws((unsigned char)s[i - 1]))
				continue;
			if (first == n)
				first = i;
			if (depth == 0)
				return i;
		}
	}
	/* brackets unbalanced ("operator<" forms): the first '(' */
	return depth != 0 ? first : n;
}

/* Appends the tidied name: ';' -> ':', quotes deleted, arguments cut. */
static void
add_tidy(struct fg_buf *b, const char *s, size_t n, bool tidy, bool java)
{
	size_t i, cut = n;
	bool py = has_prefix(s, n, "py::");

	if (py)
		tidy = false;
	if (tidy) {
		cut = args_cut(s, n);
		if (java && memchr(s, '/', cut) != NULL && cut > 0 &&
		    s[0] == 'L') {
			s++;
			cut--;
		}
	}
	fg_buf_grow(b, cut);
	for (i = 0; i < cut; i++) {
		char c = s[i];

		if (c == ';')
			c = ':';
		else if (tidy && (c == '"' || c == '\''))
			continue;
		else if (c == '\n')
			c = ' ';
		b->buf[b->len++] = c;
	}
	b->buf[b->len] = '\0';
}

static void
push(struct fg_perf *p, uint32_t id, uint32_t dso)
{
	if (p->nfr == p->frcap) {
		p->frcap = p->frcap ? p->frcap * 2 : 64;
		p->fr = fg_xreallocarray(p->fr, p->frcap, sizeof(*p->fr));
		p->fd = fg_xreallocarray(p->fd, p->frcap, sizeof(*p->fd));
	}
	p->fr[p->nfr] = id;
	p->fd[p->nfr] = dso;
	p->nfr++;
}

/*
 * Computes the frame(s) of a frame line (leading whitespace removed) and
 * pushes them, leaf first. srcline (may be NULL) is appended as
 * ":file:line"; inlined says the srcline line marked the entry inlined.
 * Returns how many frames were pushed; *dso_out gets the DSO id.
 */
static size_t
compute_frame(struct fg_perf *p, const char *s, size_t n, bool java,
	      const char *srcline, size_t srcline_len, bool inlined,
	      uint32_t *dso_out)
{
	struct fg_buf *b = &p->tmp;
	struct frame f;
	uint32_t dso = NO_DSO;
	bool tidy = !(p->flags & FG_PERF_NO_TIDY);
	bool kernel, jit, addrs = p->flags & FG_PERF_ADDRS;
	const char *parts[64];
	size_t plen[64], np = 0, k, pushed = 0;

	split_frame(s, n, &f);
	if (f.dso != NULL) {
		dso = fg_intern(p->dsos, f.dso, f.dso_len);
		if (f.dso_len == 7 && memcmp(f.dso, "inlined", 7) == 0)
			inlined = true;
	}
	*dso_out = dso;
	kernel = (p->flags & FG_PERF_KERNEL) && f.dso != NULL &&
		 dso_is_kernel(f.dso, f.dso_len);
	jit = (p->flags & FG_PERF_JIT) && f.dso != NULL &&
	      dso_is_jit(f.dso, f.dso_len);

	if (f.sym == NULL) {
		/* an address alone (perf script -F ip): all there is */
		fg_buf_reset(b);
		fg_buf_add(b, "0x", 2);
		fg_buf_add(b, f.ip, f.ip_len);
		parts[0] = NULL;
		np = 1;
	} else if (f.sym_len == 0 && f.dso != NULL) {
		/* "ip  (dso)": FlameGraph and inferno name it " " */
		fg_buf_reset(b);
		fg_buf_addc(b, ' ');
		parts[0] = NULL;
		np = 1;
	} else if (f.sym_len == 0 ||
		   (f.sym_len == 9 && memcmp(f.sym, "[unknown]", 9) == 0)) {
		const char *base = "unknown";
		size_t blen = 7;

		if (f.dso != NULL && f.dso_len > 0 &&
		    !(f.dso_len == 9 && memcmp(f.dso, "[unknown]", 9) == 0)) {
			const char *sl = f.dso + f.dso_len;

			while (sl > f.dso && sl[-1] != '/')
				sl--;
			base = sl;
			blen = (size_t)(f.dso + f.dso_len - sl);
		}
		fg_buf_reset(b);
		fg_buf_addc(b, '[');
		add_tidy(b, base, blen, false, false);
		if (addrs) {
			fg_buf_add(b, " <", 2);
			fg_buf_add(b, f.ip, f.ip_len);
			fg_buf_addc(b, '>');
		}
		fg_buf_addc(b, ']');
		parts[0] = NULL;
		np = 1;
	} else {
		/* perf-map-agent's unfolded inlining: a->b->c */
		const char *q = f.sym, *e = f.sym + f.sym_len, *arrow;

		while (np < FG_ARRAY_SIZE(parts) - 1 &&
		       (arrow = find_bytes(q, (size_t)(e - q), "->", 2)) != NULL &&
		       !has_prefix(f.sym, f.sym_len, "py::") && arrow > q) {
			parts[np] = q;
			plen[np++] = (size_t)(arrow - q);
			q = arrow + 2;
		}
		parts[np] = q;
		plen[np++] = (size_t)(e - q);
	}
	/* pushed leaf first: the last part is the innermost */
	for (k = np; k-- > 0;) {
		if (parts[0] != NULL) {
			fg_buf_reset(b);
			add_tidy(b, parts[k], plen[k], tidy, java);
		}
		if (srcline != NULL && srcline_len > 0 &&
		    ((p->flags & FG_PERF_SRCLINE) ||
		     ((p->flags & FG_PERF_CONTEXT) && inlined))) {
			fg_buf_addc(b, ':');
			add_tidy(b, srcline, srcline_len, false, false);
		}
		if (k > 0) {
			if (find_bytes(b->buf, b->len, "_[i]", 4) == NULL)
				fg_buf_add(b, "_[i]", 4);
		} else if (kernel) {
			fg_buf_add(b, "_[k]", 4);
		} else if (jit) {
			if (find_bytes(b->buf, b->len, "_[j]", 4) == NULL)
				fg_buf_add(b, "_[j]", 4);
		} else if (inlined && (p->flags & FG_PERF_INLINE)) {
			fg_buf_add(b, "_[i]", 4);
		}
		push(p, fg_intern(p->syms, b->buf, b->len), dso);
		pushed++;
	}
	return pushed;
}

static inline uint64_t
line_hash(const unsigned char *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ (n * 0x100000001b3ULL);

	if (n >= 16) {
		h = (h ^ fg_load64(p)) * 0x9fb21c651e98df25ULL;
		h = (h ^ (h >> 29) ^ fg_load64(p + 8)) * 0x9fb21c651e98df25ULL;
		h = (h ^ (h >> 29) ^ fg_load64(p + n / 2 - 4)) *
		    0x9fb21c651e98df25ULL;
		h = (h ^ (h >> 29) ^ fg_load64(p + n - 16)) *
		    0x9fb21c651e98df25ULL;
		h = (h ^ (h >> 29) ^ fg_load64(p + n - 8)) *
		    0x9fb21c651e98df25ULL;
	} else if (n >= 8) {
		h = (h ^ fg_load64(p)) * 0x9fb21c651e98df25ULL;
		h = (h ^ (h >> 29) ^ fg_load64(p + n - 8)) *
		    0x9fb21c651e98df25ULL;
	} else {
		h = (h ^ fg_load_le(p, n)) * 0x9fb21c651e98df25ULL;
	}
	h = fg_mix64(h);
	return h ? h : 1;
}

static void
lc_init(struct linecache *c)
{
	fg_arena_init(&c->arena);
	c->mask = 4095;
	c->slots = fg_xcalloc(c->mask + 1, sizeof(*c->slots));
	c->n = 0;
}

static void
lc_release(struct linecache *c)
{
	fg_arena_release(&c->arena);
	free(c->slots);
}

static void
lc_grow(struct linecache *c)
{
	size_t nmask = c->mask * 2 + 1, i;
	struct lc_slot *ns = fg_xcalloc(nmask + 1, sizeof(*ns));

	for (i = 0; i <= c->mask; i++) {
		size_t j;

		if (c->slots[i].h == 0)
			continue;
		j = c->slots[i].h & nmask;
		while (ns[j].h != 0)
			j = (j + 1) & nmask;
		ns[j] = c->slots[i];
	}
	free(c->slots);
	c->slots = ns;
	c->mask = nmask;
}

/* The index of the line s[0..n-1], added if new (*added set). */
static inline uint32_t
lc_find(struct linecache *c, const char *s, size_t n, bool *added)
{
	uint64_t h = line_hash((const unsigned char *)s, n);
	size_t j = h & c->mask;
	struct lc_slot *e;

	while ((e = &c->slots[j])->h != 0) {
		if (e->h == h && e->len == n && fg_bytes_eq(e->s, s, n)) {
			*added = false;
			return e->idx;
		}
		j = (j + 1) & c->mask;
	}
	if (c->n >= UINT32_MAX - 2 || n > UINT32_MAX)
		fg_xmalloc(SIZE_MAX);	/* beyond what indexes can name */
	e->h = h;
	e->s = fg_arena_strndup(&c->arena, s, n);
	e->len = (uint32_t)n;
	e->idx = (uint32_t)c->n++;
	*added = true;
	if (c->n * 2 > c->mask) {
		uint32_t idx = (uint32_t)(c->n - 1);

		lc_grow(c);
		return idx;
	}
	return e->idx;
}

static void
raw_grow(struct fg_perf *p, size_t need)
{
	size_t ncap = p->raw_cap ? p->raw_cap : 1024, i;

	while (ncap < need)
		ncap *= 2;
	for (i = 0; i < 2; i++) {
		p->raw_frame[i] = fg_xreallocarray(p->raw_frame[i], ncap,
						   sizeof(uint32_t));
		memset(p->raw_frame[i] + p->raw_cap, 0xff,
		       (ncap - p->raw_cap) * sizeof(uint32_t));
	}
	p->raw_dso = fg_xreallocarray(p->raw_dso, ncap, sizeof(uint32_t));
	p->raw_cap = ncap;
}

/* A frame line of the open record (s: after the leading whitespace). */
static void
frame_line(struct fg_perf *p, const char *s, size_t n)
{
	uint32_t id, *slot, dso;
	bool added;

	p->rec_lines++;
	p->last_frame = true;
	p->last_inlined = false;
	if (!p->keep)
		return;
	if (p->flags & (FG_PERF_SRCLINE | FG_PERF_CONTEXT | FG_PERF_INLINE)) {
		fg_buf_reset(&p->lastline);
		fg_buf_add(&p->lastline, s, n);
	}
	id = lc_find(&p->raw, s, n, &added);
	if (id >= p->raw_cap)
		raw_grow(p, (size_t)id + 1);
	slot = &p->raw_frame[p->java][id];
	if (FG_LIKELY(*slot < MULTI)) {
		push(p, *slot, p->raw_dso[id]);
		p->last_n = 1;
		return;
	}
	p->last_n = compute_frame(p, s, n, p->java, NULL, 0, false, &dso);
	p->raw_dso[id] = dso;
	if (*slot == UNSET)
		*slot = p->last_n == 1 ? p->fr[p->nfr - 1] : MULTI;
}

/* A srcline line after a frame line: "  file.c:NN[ (inlined)]". */
static void
srcline_line(struct fg_perf *p, const char *s, size_t n)
{
	bool inlined = false;
	uint32_t dso;

	p->st.srclines++;
	p->last_frame = false;
	if (!p->keep)
		return;
	trim(&s, &n);
	if (has_suffix(s, n, " (inlined)")) {
		inlined = true;
		n -= 10;
		trim(&s, &n);
	}
	if (n >= 2 && s[0] == '?' && s[1] == '?')
		n = 0;		/* ??:0, ??:? : nothing known */
	if (!(p->flags & (FG_PERF_SRCLINE | FG_PERF_CONTEXT | FG_PERF_INLINE)))
		return;
	if (!inlined && !(p->flags & FG_PERF_SRCLINE))
		return;
	if (n == 0 && !(inlined && (p->flags & FG_PERF_INLINE)))
		return;
	/* recompute the previous frame with what this line adds */
	p->nfr -= p->last_n;
	p->last_n = compute_frame(p, p->lastline.buf, p->lastline.len,
				  p->java, s, n, inlined, &dso);
}

/* ---------------------------------------------------------------- */
/* Records */

static int
bad_line(struct fg_perf *p, const char *s, size_t n, const char *why,
	 struct fg_diag *d)
{
	char q[96];

	q[0] = '\0';
	fg_diag_quote(q, sizeof(q), s, n, 60);
	p->st.bad++;
	p->last_frame = false;
	if (p->st.bad == 1)
		fg_diag_set(&p->st.first_bad, p->name,
			    (unsigned long)p->st.lines, 0, "%s: %s", why, q);
	if (p->flags & FG_PERF_STRICT) {
		fg_diag_set(d, p->name, (unsigned long)p->st.lines, 0,
			    "%s: %s", why, q);
		return FG_EPARSE;
	}
	return FG_OK;
}

static bool
skip_match(struct fg_perf *p, uint32_t id)
{
	size_t len, i;
	const char *s;

	if (id >= p->skipcap) {
		size_t ncap = p->skipcap ? p->skipcap : 256;

		while (ncap <= id)
			ncap *= 2;
		p->skipflag = fg_xrealloc(p->skipflag, ncap);
		memset(p->skipflag + p->skipcap, 0, ncap - p->skipcap);
		p->skipcap = ncap;
	}
	if (p->skipflag[id] == 0) {
		s = fg_symtab_str(p->syms, id, &len);
		/* compare without an annotation suffix */
		if (len >= 4 && s[len - 4] == '_' && s[len - 3] == '[' &&
		    s[len - 1] == ']')
			len -= 4;
		p->skipflag[id] = 1;
		for (i = 0; i < p->nskip; i++)
			if (strlen(p->skip[i]) == len &&
			    memcmp(p->skip[i], s, len) == 0)
				p->skipflag[id] = 2;
	}
	return p->skipflag[id] == 2;
}

/* Adds the open record's stack to the table. */
static int
end_record(struct fg_perf *p, struct fg_diag *d)
{
	size_t len, i, start = 0;
	struct fg_count c = FG_COUNT_ZERO;
	int rc;

	if (p->state != REC_OPEN)
		return FG_OK;
	p->state = REC_NONE;
	p->last_frame = false;
	if (!p->keep)
		return FG_OK;
	if (p->nfr + 1 > p->stkcap) {
		p->stkcap = (p->nfr + 1) * 2;
		p->stk = fg_xreallocarray(p->stk, p->stkcap, sizeof(*p->stk));
		p->sdso = fg_xreallocarray(p->sdso, p->stkcap,
					   sizeof(*p->sdso));
	}
	p->stk[0] = p->root;
	p->sdso[0] = NO_DSO;
	for (i = 0; i < p->nfr; i++) {
		p->stk[1 + i] = p->fr[p->nfr - 1 - i];
		p->sdso[1 + i] = p->fd[p->nfr - 1 - i];
	}
	len = p->nfr;
	if (p->py != NULL) {
		int r = fg_pyframe_apply(p->py, p->stk + 1, p->sdso + 1, &len);

		if (r == FG_PY_DECODED)
			p->st.py_decoded++;
		else if (r == FG_PY_INTERP)
			p->st.py_interp++;
	}
	len++;
	if (p->nskip > 0) {
		for (i = len; i-- > 1;) {
			if (skip_match(p, p->stk[i])) {
				start = i;
				break;
			}
		}
	}
	c.n = (p->flags & FG_PERF_COUNT_SAMPLES) ? 1 : p->weight;
	rc = fg_stacks_add(p->dst, p->stk + start, len - start, 0, &c, NULL);
	if (rc == FG_OK)
		rc = fg_count_add(&p->st.weight, &c);
	if (rc < 0) {
		fg_diag_set(d, p->name, (unsigned long)p->st.lines, 0,
			    "a count exceeds 18446744073709551615");
		return rc;
	}
	p->st.kept++;
	return FG_OK;
}

static bool
event_matches(const struct fg_perf *p, const char *ev, size_t n)
{
	if (n == p->event_len && memcmp(ev, p->event, n) == 0)
		return true;
	/* "cycles" matches "cycles:u", "cycles:ppp" */
	if (p->event_base && n > p->event_len && ev[p->event_len] == ':' &&
	    memcmp(ev, p->event, p->event_len) == 0) {
		size_t i;

		for (i = p->event_len + 1; i < n; i++)
			if (strchr("ukhIGHpPSDWeb", ev[i]) == NULL ||
			    ev[i] == '\0')
				return false;
		return true;
	}
	return false;
}

static void
set_event(struct fg_perf *p, const char *ev, size_t n)
{
	size_t m = n < sizeof(p->st.event) ? n : sizeof(p->st.event) - 1;

	free(p->event);
	p->event = dup_bytes(ev, n);
	p->event_len = n;
	p->event_set = true;
	p->event_base = memchr(ev, ':', n) == NULL;
	memcpy(p->st.event, ev, m);
	p->st.event[m] = '\0';
	p->st.event_len = n;
}

static bool
same_event(const struct fg_perf_event_stat *e, const char *ev, size_t n)
{
	size_t m = n < sizeof(e->name) ? n : sizeof(e->name) - 1;

	return e->len == n && memcmp(e->name, ev, m) == 0;
}

static int
count_event(struct fg_perf *p, const char *ev, size_t n, uint64_t w,
	    struct fg_diag *d)
{
	struct fg_perf_stats *st = &p->st;
	struct fg_perf_event_stat *e = NULL;
	struct fg_count c = FG_COUNT_ZERO;
	size_t i, m = n < sizeof(e->name) ? n : sizeof(e->name) - 1;

	if (p->last_ev < st->nevents && same_event(&st->events[p->last_ev],
						   ev, n)) {
		e = &st->events[p->last_ev];
	} else {
		for (i = 0; i < st->nevents; i++) {
			if (same_event(&st->events[i], ev, n)) {
				e = &st->events[i];
				p->last_ev = i;
				break;
			}
		}
	}
	if (e == NULL) {
		if (st->nevents == FG_PERF_MAX_EVENTS) {
			st->other_events++;
			return FG_OK;
		}
		e = &st->events[st->nevents];
		p->last_ev = st->nevents++;
		memcpy(e->name, ev, m);
		e->name[m] = '\0';
		e->len = n;
	}
	e->samples++;
	c.n = w;
	if (fg_count_add(&e->weight, &c) < 0) {
		fg_diag_set(d, p->name, (unsigned long)st->lines, 0,
			    "the weight of event '%s' exceeds 18446744073709551615",
			    e->name);
		return FG_ERANGE;
	}
	return FG_OK;
}

static uint32_t
root_frame(struct fg_perf *p, const struct hdr *h)
{
	struct fg_buf *b = &p->tmp2;
	size_t i;

	fg_buf_reset(b);
	fg_buf_add(b, h->comm, h->comm_len);
	for (i = 0; i < b->len; i++) {
		if (b->buf[i] == ' ' || b->buf[i] == '\t')
			b->buf[i] = '_';
		else if (b->buf[i] == ';')
			b->buf[i] = ':';
		else if (b->buf[i] == '\n')
			b->buf[i] = '_';
	}
	if (p->flags & (FG_PERF_PID | FG_PERF_TID)) {
		fg_buf_addc(b, '-');
		if (h->pid != NULL)
			fg_buf_add(b, h->pid, h->pid_len);
		else
			fg_buf_addc(b, '?');
		if (p->flags & FG_PERF_TID) {
			fg_buf_addc(b, '/');
			fg_buf_add(b, h->tid, h->tid_len);
		}
	}
	return fg_intern(p->syms, b->buf, b->len);
}

/* A sample header: ends the open record and opens this one. */
static int
header(struct fg_perf *p, const struct hdr *h, struct fg_diag *d)
{
	uint64_t w = h->has_period ? h->period : 1;
	int rc;

	rc = end_record(p, d);
	if (rc < 0)
		return rc;
	p->st.samples++;
	rc = count_event(p, h->ev, h->ev_len, w, d);
	if (rc < 0)
		return rc;
	if (!p->event_set) {
		/* the first event seen is matched exactly */
		set_event(p, h->ev, h->ev_len);
		p->event_base = false;
		p->st.event_defaulted = true;
	}
	p->state = REC_OPEN;
	p->keep = event_matches(p, h->ev, h->ev_len);
	p->weight = w;
	p->nfr = 0;
	p->rec_lines = 0;
	p->last_frame = false;
	if (!p->keep) {
		if (h->rest_len > 0 && is_frame_line(h->rest, h->rest_len))
			p->state = REC_NONE;
		return FG_OK;
	}
	p->java = h->comm_len >= 4 && memcmp(h->comm, "java", 4) == 0;
	p->root = root_frame(p, h);
	if (h->rest_len > 0 && is_frame_line(h->rest, h->rest_len)) {
		/* no callchain: ip sym (dso) on the header line */
		uint32_t dso;

		compute_frame(p, h->rest, h->rest_len, p->java, NULL, 0,
			      false, &dso);
		p->st.nocallchain++;
		return end_record(p, d);
	}
	return FG_OK;
}

int
fg_perf_line(struct fg_perf *p, const char *s, size_t n, struct fg_diag *d)
{
	struct hdr h;

	size_t i;

	p->st.lines++;
	if (n > 0 && s[n - 1] == '\r')
		n--;
	i = skip_ws(s, n);
	if (i == n) {
		/* a blank line between a header and its frames is no end */
		if (p->state == REC_OPEN && p->rec_lines == 0)
			return FG_OK;
		return end_record(p, d);
	}
	if (i > 0) {
		if (p->state == REC_OPEN) {
			if (FG_LIKELY(is_frame_line(s + i, n - i))) {
				frame_line(p, s + i, n - i);
				return FG_OK;
			}
			if (p->last_frame) {
				srcline_line(p, s + i, n - i);
				return FG_OK;
			}
		}
		if (parse_header(s, n, &h) && !h.sideband)
			return header(p, &h, d);
		return bad_line(p, s, n, p->state == REC_OPEN ?
				"unrecognised line in a sample" :
				"frame line outside a sample", d);
	}
	if (s[0] == '#')
		return FG_OK;
	if (parse_header(s, n, &h)) {
		int rc = end_record(p, d);

		if (rc < 0)
			return rc;
		if (h.sideband) {
			p->st.sideband++;
			if (h.lost_rec) {
				p->st.lost_records++;
				p->st.lost = p->st.lost > ~0ULL - h.lost ?
					     ~0ULL : p->st.lost + h.lost;
			}
			return FG_OK;
		}
		return header(p, &h, d);
	}
	/* very old perf: frame lines in column 0 */
	if (p->state == REC_OPEN && is_frame_line(s, n)) {
		struct frame f;

		split_frame(s, n, &f);
		if (f.dso != NULL) {
			frame_line(p, s, n);
			return FG_OK;
		}
	}
	return bad_line(p, s, n, "unrecognised line", d);
}

int
fg_perf_finish(struct fg_perf *p, struct fg_diag *d)
{
	return end_record(p, d);
}

const struct fg_perf_stats *
fg_perf_stats(const struct fg_perf *p)
{
	return &p->st;
}

struct fg_perf *
fg_perf_new(struct fg_stacks *dst, const char *name,
	    const struct fg_perf_opts *o, struct fg_diag *d)
{
	struct fg_perf *p = fg_xcalloc(1, sizeof(*p));
	size_t i;

	p->dst = dst;
	p->syms = fg_stacks_symtab(dst);
	p->dsos = fg_symtab_new();
	lc_init(&p->raw);
	p->name = name;
	p->flags = o->flags;
	if (p->flags & FG_PERF_CONTEXT)
		p->flags |= FG_PERF_INLINE;
	if (o->event != NULL) {
		set_event(p, o->event, strlen(o->event));
		if (o->flags & FG_PERF_EVENT_EXACT)
			p->event_base = false;
	}
	if (o->nskip_after > 0) {
		p->skip = fg_xreallocarray(NULL, o->nskip_after,
					   sizeof(*p->skip));
		for (i = 0; i < o->nskip_after; i++) {
			size_t m = strlen(o->skip_after[i]);

			p->skip[i] = fg_xmalloc(m + 1);
			memcpy(p->skip[i], o->skip_after[i], m + 1);
		}
		p->nskip = o->nskip_after;
	}
	fg_buf_init(&p->lastline);
	fg_buf_init(&p->tmp);
	fg_buf_init(&p->tmp2);
	if (o->py != NULL && o->py->mode != FG_PY_OFF) {
		p->py = fg_pyframe_new(p->syms, p->dsos, o->py, d);
		if (p->py == NULL) {
			fg_perf_free(p);
			return NULL;
		}
	}
	raw_grow(p, 1024);
	return p;
}

void
fg_perf_free(struct fg_perf *p)
{
	size_t i;

	if (p == NULL)
		return;
	fg_pyframe_free(p->py);
	fg_symtab_free(p->dsos);
	lc_release(&p->raw);
	free(p->raw_frame[0]);
	free(p->raw_frame[1]);
	free(p->raw_dso);
	for (i = 0; i < p->nskip; i++)
		free(p->skip[i]);
	free(p->skip);
	free(p->skipflag);
	free(p->fr);
	free(p->fd);
	free(p->stk);
	free(p->sdso);
	fg_buf_release(&p->lastline);
	fg_buf_release(&p->tmp);
	fg_buf_release(&p->tmp2);
	free(p->event);
	free(p);
}

/* ---------------------------------------------------------------- */
/* Drivers */

int
fg_perf_collapse(struct fg_lines *in, struct fg_stacks *dst,
		 const struct fg_perf_opts *o, struct fg_perf_stats *st,
		 struct fg_diag *d)
{
	struct fg_perf *p = fg_perf_new(dst, fg_lines_name(in), o, d);
	const char *s;
	size_t n;
	int rc;

	if (p == NULL)
		return FG_EINVAL;
	while ((rc = fg_lines_next(in, &s, &n, d)) > 0) {
		rc = fg_perf_line(p, s, n, d);
		if (rc < 0)
			break;
	}
	if (rc == 0)
		rc = fg_perf_finish(p, d);
	*st = p->st;
	fg_perf_free(p);
	return rc < 0 ? rc : FG_OK;
}

/*
 * The event the line parser would choose: parse until its first sample
 * header. *ev is a copy (caller frees).
 */
static bool
first_event(const char *buf, size_t n, char **ev, size_t *evlen)
{
	struct fg_perf_opts o = FG_PERF_OPTS_INIT;
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(syms, 1);
	struct fg_perf *p = fg_perf_new(s, "", &o, NULL);
	const char *q = buf, *end = buf + n;
	struct fg_diag d = FG_DIAG_INIT;
	bool found;

	while (q < end && !p->event_set) {
		const char *nl = memchr(q, '\n', (size_t)(end - q));
		size_t len = nl ? (size_t)(nl - q) : (size_t)(end - q);

		if (fg_perf_line(p, q, len, &d) < 0)
			break;
		q = nl ? nl + 1 : end;
	}
	found = p->event_set;
	if (found) {
		*ev = dup_bytes(p->event, p->event_len);
		*evlen = p->event_len;
	}
	fg_perf_free(p);
	fg_stacks_free(s);
	fg_symtab_free(syms);
	return found;
}

bool
fg_perf_first_event(const char *buf, size_t n, char *out, size_t outsz)
{
	char *ev;
	size_t len, m;

	if (outsz == 0 || !first_event(buf, n, &ev, &len))
		return false;
	m = len < outsz - 1 ? len : outsz - 1;
	memcpy(out, ev, m);
	out[m] = '\0';
	free(ev);
	return true;
}

struct worker {
	const char *buf;
	size_t n;
	const char *ev;			/* the event chosen for all, or NULL */
	size_t ev_len;
	const char *name;
	const struct fg_perf_opts *o;
	bool drop_pages;
	struct fg_symtab *syms;
	struct fg_stacks *stacks;
	struct fg_perf_stats st;
	struct fg_diag d;
	int rc;
	atomic_ullong *done;		/* bytes parsed by every worker */
	atomic_int finished;		/* this worker has returned */
	bool reporter;			/* runs on the caller's thread */
};

/* every worker adds to the shared byte count this often */
#define PROGRESS_EVERY (1u << 20)

/* a mapped input stays resident at most this much per thread */
#define DROP_EVERY (4u << 20)

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct fg_perf *p = fg_perf_new(w->stacks, w->name, w->o, &w->d);
	const char *s = w->buf, *end = w->buf + w->n, *dropped = w->buf;
	const char *counted = w->buf;

	if (p == NULL) {
		w->rc = FG_EINVAL;
		atomic_store(&w->finished, 1);
		return NULL;
	}
	if (w->ev != NULL) {
		set_event(p, w->ev, w->ev_len);
		p->event_base = false;
		p->st.event_defaulted = true;
	}
	w->rc = FG_OK;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);

		w->rc = fg_perf_line(p, s, len, &w->d);
		if (w->rc < 0)
			break;
		s = nl ? nl + 1 : end;
		if (w->drop_pages && (size_t)(s - dropped) >= DROP_EVERY) {
			fg_drop_pages(dropped, s);
			dropped = s;
		}
		if (w->done != NULL && (size_t)(s - counted) >= PROGRESS_EVERY) {
			unsigned long long all = atomic_fetch_add(
				w->done, (unsigned long long)(s - counted)) +
				(unsigned long long)(s - counted);

			counted = s;
			if (w->reporter)
				w->o->progress(w->o->progress_ctx, all);
		}
	}
	if (w->done != NULL)
		atomic_fetch_add(w->done, (unsigned long long)(s - counted));
	if (w->rc == FG_OK)
		w->rc = fg_perf_finish(p, &w->d);
	w->st = p->st;
	fg_perf_free(p);
	atomic_store(&w->finished, 1);
	return NULL;
}

/* Reports progress while the workers 1 .. nw-1 finish. */
static void
wait_reporting(struct worker *w, unsigned nw, atomic_ullong *done,
	       const struct fg_perf_opts *o)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	unsigned i;

	for (;;) {
		for (i = 1; i < nw && atomic_load(&w[i].finished); i++)
			;
		if (i == nw)
			break;
		o->progress(o->progress_ctx, atomic_load(done));
		nanosleep(&ts, NULL);
	}
	o->progress(o->progress_ctx, atomic_load(done));
}

/* The start of the line after the one holding s (or end). */
static const char *
next_line(const char *s, const char *end)
{
	const char *nl = memchr(s, '\n', (size_t)(end - s));

	return nl ? nl + 1 : end;
}

/*
 * A record boundary at or after pos: the start of a line, after a blank
 * line, that parses as a header in column 0. A blank line ends any open
 * record, so the parser is in the same state there whatever came before;
 * a header right after it starts the next record. (Inputs without blank
 * lines, such as samples without callchains, have no boundary and are
 * parsed on one thread: a guess at their records could split one.)
 * Returns end if there is none before limit.
 */
static const char *
boundary(const char *pos, const char *end, const char *limit)
{
	const char *line = next_line(pos, end);
	bool prev_blank = false;
	struct hdr h;

	while (line < end && line < limit) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t len = nl ? (size_t)(nl - line) : (size_t)(end - line);
		bool blank;

		if (len > 0 && line[len - 1] == '\r')
			len--;
		blank = is_blank(line, len);
		if (prev_blank && len > 0 && !is_ws((unsigned char)line[0]) &&
		    line[0] != '#' && parse_header(line, len, &h))
			return line;
		prev_blank = blank;
		line = nl ? nl + 1 : end;
	}
	return end;
}

static void
merge_stats(struct fg_perf_stats *a, const struct fg_perf_stats *b)
{
	size_t i, j;

	a->samples += b->samples;
	a->kept += b->kept;
	fg_count_add(&a->weight, &b->weight);
	a->nocallchain += b->nocallchain;
	a->sideband += b->sideband;
	a->lost_records += b->lost_records;
	a->lost = a->lost > ~0ULL - b->lost ? ~0ULL : a->lost + b->lost;
	a->srclines += b->srclines;
	a->py_decoded += b->py_decoded;
	a->py_interp += b->py_interp;
	a->other_events += b->other_events;
	for (i = 0; i < b->nevents; i++) {
		const struct fg_perf_event_stat *e = &b->events[i];

		for (j = 0; j < a->nevents; j++)
			if (same_event(&a->events[j], e->name, e->len))
				break;
		if (j == a->nevents) {
			if (a->nevents == FG_PERF_MAX_EVENTS) {
				a->other_events += e->samples;
				continue;
			}
			a->events[a->nevents++] = *e;
			continue;
		}
		a->events[j].samples += e->samples;
		fg_count_add(&a->events[j].weight, &e->weight);
	}
}

int
fg_perf_collapse_mem(const char *buf, size_t n, const char *name,
		     unsigned nthreads, struct fg_stacks *dst,
		     const struct fg_perf_opts *o, struct fg_perf_stats *st,
		     struct fg_diag *d)
{
	char *ev = NULL;
	size_t ev_len = 0;
	struct worker *w;
	pthread_t *tids;
	const char *end = buf + n, *start = buf;
	unsigned nw = 0, i, started = 0;
	unsigned long long lines = 0;
	atomic_ullong done;
	int rc = FG_OK;

	atomic_init(&done, 0);

	if (nthreads < 1)
		nthreads = 1;
	/* every chunk must keep the event the first sample has */
	if (nthreads > 1 && o->event == NULL &&
	    !first_event(buf, n, &ev, &ev_len))
		ev = NULL;
	w = fg_xcalloc(nthreads, sizeof(*w));
	tids = fg_xcalloc(nthreads, sizeof(*tids));
	for (i = 0; i < nthreads && (start < end || i == 0); i++) {
		const char *stop = end;

		if (i + 1 < nthreads) {
			const char *nominal = buf + (size_t)((double)n *
					      (i + 1) / nthreads);

			if (nominal < start)
				nominal = start;
			stop = boundary(nominal, end,
					nominal + (n / nthreads));
		}
		w[nw].buf = start;
		w[nw].n = (size_t)(stop - start);
		w[nw].name = name;
		w[nw].o = o;
		w[nw].ev = ev;
		w[nw].ev_len = ev_len;
		w[nw].drop_pages = (o->flags & FG_PERF_MMAPPED) != 0;
		w[nw].syms = nw == 0 ? fg_stacks_symtab(dst) : fg_symtab_new();
		w[nw].stacks = nw == 0 ? dst : fg_stacks_new(w[nw].syms, 1);
		w[nw].done = o->progress != NULL ? &done : NULL;
		w[nw].reporter = nw == 0;
		atomic_init(&w[nw].finished, 0);
		fg_diag_clear(&w[nw].d);
		nw++;
		start = stop;
	}
	for (i = 1; i < nw; i++) {
		if (pthread_create(&tids[i], NULL, work, &w[i]) != 0)
			break;
		started = i;
	}
	/* this thread takes the first chunk, and any that did not start */
	work(&w[0]);
	for (i = started + 1; i < nw; i++) {
		w[i].reporter = true;
		work(&w[i]);
	}
	if (o->progress != NULL)
		wait_reporting(w, nw, &done, o);
	for (i = 1; i <= started; i++)
		pthread_join(tids[i], NULL);

	for (i = 0; i < nw; i++) {
		if (rc == FG_OK && w[i].rc < 0) {
			rc = w[i].rc;
			*d = w[i].d;
			if (d->line > 0)
				d->line += (unsigned long)lines;
		}
		if (i == 0) {
			*st = w[0].st;
		} else {
			if (st->bad == 0 && w[i].st.bad > 0) {
				st->first_bad = w[i].st.first_bad;
				st->first_bad.line += (unsigned long)lines;
			}
			st->bad += w[i].st.bad;
			merge_stats(st, &w[i].st);
			if (rc == FG_OK)
				rc = fg_stacks_merge(dst, 0, w[i].stacks, 0);
			fg_stacks_free(w[i].stacks);
			fg_symtab_free(w[i].syms);
		}
		lines += w[i].st.lines;
	}
	st->lines = lines;
	if (rc == FG_ERANGE && d->msg[0] == '\0')
		fg_diag_set(d, name, 0, 0, "a count exceeds 18446744073709551615");
	free(ev);
	free(w);
	free(tids);
	return rc;
}
