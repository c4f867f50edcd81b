/*
 * stacks.c - the stack table: an open-addressing hash of frame-id arrays,
 * keyed by the hash of their folded text (so the folded reader finds a
 * stack from its text alone), and the sort that puts stacks in
 * folded-text order.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fg/arena.h"
#include "fg/error.h"
#include "fg/stacks.h"
#include "internal.h"

static const uint32_t no_ids[1];

struct fg_stacks *
fg_stacks_new(struct fg_symtab *syms, unsigned ncols)
{
	struct fg_stacks *s;

	if (syms == NULL || ncols < 1 || ncols > FG_STACKS_MAX_COLS)
		return NULL;
	s = fg_xcalloc(1, sizeof(*s));
	s->syms = syms;
	s->ncols = ncols;
	fg_arena_init(&s->arena);
	fg_buf_init(&s->text);
	s->mask = 1023;
	s->slots = fg_xcalloc(s->mask + 1, sizeof(*s->slots));
	return s;
}

void
fg_stacks_free(struct fg_stacks *s)
{
	if (s == NULL)
		return;
	fg_arena_release(&s->arena);
	fg_buf_release(&s->text);
	free(s->entries);
	free(s->counts);
	free(s->slots);
	free(s);
}

struct fg_symtab *
fg_stacks_symtab(const struct fg_stacks *s)
{
	return s->syms;
}

unsigned
fg_stacks_ncols(const struct fg_stacks *s)
{
	return s->ncols;
}

size_t
fg_stacks_count(const struct fg_stacks *s)
{
	return s->n;
}

static void
grow_slots(struct fg_stacks *s)
{
	size_t nmask = s->mask * 2 + 1, i;
	uint64_t *ns = fg_xzeroed(nmask + 1, sizeof(*ns));

	for (i = 0; i <= s->mask; i++) {
		uint64_t v = s->slots[i];
		size_t j;

		if (v == 0)
			continue;
		j = s->entries[(uint32_t)v - 1].hlo & nmask;
		while (ns[j] != 0)
			j = (j + 1) & nmask;
		ns[j] = v;
	}
	free(s->slots);
	s->slots = ns;
	s->mask = nmask;
}

/*
 * Builds the folded text of ids in b and returns its hash; *plain
 * says whether the text splits back into exactly these frames (no name
 * holds a ';', and the stack is not the empty one, whose text "" would
 * split into one empty frame).
 */
static uint64_t
hash_ids(const struct fg_symtab *syms, struct fg_buf *b, const uint32_t *ids,
	 size_t n, int *plain)
{
	size_t k, len, semis = 0;
	const char *p, *end;

	fg_buf_reset(b);
	for (k = 0; k < n; k++) {
		const char *name = fg_sym_name(syms, ids[k], &len);

		if (k > 0)
			fg_buf_addc(b, ';');
		fg_buf_add(b, name, len);
	}
	for (p = b->buf, end = b->buf + b->len;
	     (p = memchr(p, ';', (size_t)(end - p))) != NULL; p++)
		semis++;
	*plain = n > 0 && semis == n - 1;
	return fg_hash_text(b->buf, b->len);
}

/* Whether the folded text of e is the n bytes at text. */
static int
text_eq(const struct fg_symtab *syms, const struct fg_stack_entry *e,
	const char *text, size_t n)
{
	size_t k, pos = 0, len;

	for (k = 0; k < e->n; k++) {
		const char *name = fg_sym_name(syms, e->ids[k], &len);

		if (k > 0) {
			if (pos >= n || text[pos] != ';')
				return 0;
			pos++;
		}
		if (n - pos < len || !fg_bytes_eq(name, text + pos, len))
			return 0;
		pos += len;
	}
	return pos == n;
}

/* What a lookup looks for: frame ids, or (ids NULL) a folded text. */
struct key {
	const uint32_t *ids;
	const char *text;
	size_t n;		/* frames, or bytes of text */
};

/* Returns the slot holding the stack, or the empty slot where it goes. */
static inline size_t
lookup(const struct fg_stacks *s, const struct key *k, uint64_t h)
{
	uint64_t tag = h >> 32 << 32;
	size_t j = (uint32_t)h & s->mask;
	uint64_t v;

	while ((v = s->slots[j]) != 0) {
		if ((v & 0xffffffff00000000ULL) == tag) {
			const struct fg_stack_entry *e =
				&s->entries[(uint32_t)v - 1];

			if (k->ids != NULL ?
			    e->n == k->n && fg_bytes_eq(e->ids, k->ids,
							k->n * sizeof(*k->ids)) :
			    e->plain && text_eq(s->syms, e, k->text, k->n))
				return j;
		}
		j = (j + 1) & s->mask;
	}
	return j;
}

size_t
fg_stacks_text_lookup(const struct fg_stacks *s, const char *text, size_t n,
		      uint64_t h, size_t *slot)
{
	struct key k = { NULL, text, n };
	size_t j = lookup(s, &k, h);

	if (s->slots[j] != 0)
		return (uint32_t)s->slots[j] - 1;
	*slot = j;
	return SIZE_MAX;
}

void
fg_stacks_reserve(struct fg_stacks *s, size_t n)
{
	if (n > s->cap) {
		s->cap = n;
		s->entries = fg_xreallocarray(s->entries, s->cap,
					      sizeof(*s->entries));
		s->counts = fg_xreallocarray(s->counts, s->cap * s->ncols,
					     sizeof(*s->counts));
	}
	while (n * 2 > s->mask)
		grow_slots(s);
}

/* fg_stacks_insert of frames already where they are to stay. */
static size_t
insert_stored(struct fg_stacks *s, const uint32_t *stored, size_t n,
	      uint64_t h, size_t j, int plain)
{
	struct fg_stack_entry *e;

	if (n > FG_STACKS_MAX_DEPTH || s->n >= UINT32_MAX - 1)
		fg_xmalloc(SIZE_MAX);	/* more than indexes can name */
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->entries = fg_xreallocarray(s->entries, s->cap,
					      sizeof(*s->entries));
		s->counts = fg_xreallocarray(s->counts, s->cap * s->ncols,
					     sizeof(*s->counts));
	}
	e = &s->entries[s->n];
	e->ids = stored;
	e->n = (uint32_t)n;
	e->plain = plain != 0;
	e->hlo = (uint32_t)h;
	memset(&s->counts[s->n * s->ncols], 0,
	       s->ncols * sizeof(*s->counts));
	s->slots[j] = (h >> 32 << 32) | (uint64_t)(s->n + 1);
	s->n++;
	if (s->n * 2 > s->mask)
		grow_slots(s);
	return s->n - 1;
}

size_t
fg_stacks_insert(struct fg_stacks *s, const uint32_t *ids, size_t n,
		 uint64_t h, size_t j, int plain)
{
	const uint32_t *stored = no_ids;

	if (n > 0) {
		uint32_t *copy = fg_arena_alloc4(&s->arena, n * sizeof(*ids));

		memcpy(copy, ids, n * sizeof(*ids));
		stored = copy;
	}
	return insert_stored(s, stored, n, h, j, plain);
}

int
fg_stacks_add(struct fg_stacks *s, const uint32_t *ids, size_t n,
	      unsigned col, const struct fg_count *c, size_t *idx)
{
	struct key k = { ids, NULL, n };
	uint64_t h;
	size_t j, i;
	int plain;

	if (col >= s->ncols)
		return FG_EINVAL;
	h = hash_ids(s->syms, &s->text, ids, n, &plain);
	j = lookup(s, &k, h);
	if (s->slots[j] != 0)
		i = (uint32_t)s->slots[j] - 1;
	else
		i = fg_stacks_insert(s, ids, n, h, j, plain);
	if (idx != NULL)
		*idx = i;
	return fg_count_add(&s->counts[i * s->ncols + col], c);
}

size_t
fg_stacks_find(const struct fg_stacks *s, const uint32_t *ids, size_t n)
{
	struct fg_buf text = FG_BUF_INIT;
	struct key k = { ids, NULL, n };
	int plain;
	size_t j = lookup(s, &k, hash_ids(s->syms, &text, ids, n, &plain));

	fg_buf_release(&text);
	return s->slots[j] ? (uint32_t)s->slots[j] - 1 : SIZE_MAX;
}

const uint32_t *
fg_stacks_frames(const struct fg_stacks *s, size_t idx, size_t *n)
{
	*n = s->entries[idx].n;
	return s->entries[idx].ids;
}

const struct fg_count *
fg_stacks_counts(const struct fg_stacks *s, size_t idx)
{
	return &s->counts[idx * s->ncols];
}

struct fg_count *
fg_stacks_counts_mut(struct fg_stacks *s, size_t idx)
{
	return &s->counts[idx * s->ncols];
}

/*
 * The full text hash of every stack of s, by index: the low half is in
 * the entry, the high half in the stack's slot.
 */
static uint64_t *
full_hashes(const struct fg_stacks *s)
{
	uint64_t *h = fg_xreallocarray(NULL, s->n ? s->n : 1, sizeof(*h));
	size_t j;

	for (j = 0; j <= s->mask; j++) {
		uint64_t v = s->slots[j];

		if (v != 0)
			h[(uint32_t)v - 1] = (v & 0xffffffff00000000ULL) |
					     s->entries[(uint32_t)v - 1].hlo;
	}
	return h;
}

#define MERGE_AHEAD 8

/*
 * The n frames at in, ids of from, as ids of to into out (which may be
 * in): map (UINT32_MAX where not known yet) takes each name of from to
 * its id in to, interned the first time it is met.
 */
static void
renumber(const struct fg_symtab *from, struct fg_symtab *to, uint32_t *map,
	 const uint32_t *in, uint32_t *out, size_t n)
{
	size_t f;

	for (f = 0; f < n; f++) {
		uint32_t id = in[f];

		if (map[id] == UINT32_MAX) {
			size_t len;
			const char *name = fg_sym_name(from, id, &len);

			map[id] = fg_intern(to, name, len);
		}
		out[f] = map[id];
	}
}

/*
 * The stacks' hashes are of their text, the same in any table, so a
 * merge reuses src's instead of joining and hashing each stack again;
 * across symtabs, each name src uses is interned into dst's once and
 * the frames are translated through that map.
 */
int
fg_stacks_merge(struct fg_stacks *dst, unsigned dst_col,
		const struct fg_stacks *src, unsigned src_col)
{
	const bool same = dst->syms == src->syms;
	uint32_t *map = NULL, *ids = NULL;
	uint64_t *h;
	size_t i, n = src->n, nsyms, cap = 0;
	int rc = FG_OK;

	if (dst_col >= dst->ncols || src_col >= src->ncols)
		return FG_EINVAL;
	h = full_hashes(src);
	if (!same) {
		nsyms = fg_symtab_count(src->syms);
		map = fg_xreallocarray(NULL, nsyms ? nsyms : 1, sizeof(*map));
		memset(map, 0xff, (nsyms ? nsyms : 1) * sizeof(*map));
	}
	for (i = 0; i < n && rc == FG_OK; i++) {
		const struct fg_stack_entry *e = &src->entries[i];
		struct key k = { e->ids, NULL, e->n };
		size_t j, at;

		/* the slots a lookup reads are scattered: ask ahead */
		if (i + MERGE_AHEAD < n) {
			__builtin_prefetch(&dst->slots[h[i + MERGE_AHEAD] &
						       dst->mask]);
			__builtin_prefetch(src->entries[i + MERGE_AHEAD].ids);
		}

		if (!same) {
			if (e->n > cap) {
				cap = e->n;
				ids = fg_xreallocarray(ids, cap, sizeof(*ids));
			}
			renumber(src->syms, dst->syms, map, e->ids, ids, e->n);
			k.ids = e->n > 0 ? ids : e->ids;
		}
		j = lookup(dst, &k, h[i]);
		if (dst->slots[j] != 0)
			at = (uint32_t)dst->slots[j] - 1;
		else
			at = fg_stacks_insert(dst, k.ids, e->n, h[i], j,
					      e->plain);
		rc = fg_count_add(&dst->counts[at * dst->ncols + dst_col],
				  &src->counts[i * src->ncols + src_col]);
	}
	free(h);
	free(map);
	free(ids);
	return rc < 0 ? FG_ERANGE : FG_OK;
}

int
fg_stacks_absorb(struct fg_stacks *dst, unsigned dst_col,
		 struct fg_stacks *src, unsigned src_col, unsigned ncols)
{
	uint32_t *map = NULL;
	uint64_t *h;
	size_t i, n = src->n, nsyms;
	unsigned c;
	int rc = FG_OK;

	if (ncols == 0 || dst_col + ncols > dst->ncols ||
	    src_col + ncols > src->ncols)
		return FG_EINVAL;
	h = full_hashes(src);
	if (dst->syms != src->syms) {
		/* names are interned in the order the stacks use them */
		nsyms = fg_symtab_count(src->syms);
		map = fg_xreallocarray(NULL, nsyms ? nsyms : 1, sizeof(*map));
		memset(map, 0xff, (nsyms ? nsyms : 1) * sizeof(*map));
		for (i = 0; i < n; i++) {
			const struct fg_stack_entry *e = &src->entries[i];
			/* src's own frames, in its arena: renumbered */
			uint32_t *ids = (uint32_t *)(uintptr_t)e->ids;

			renumber(src->syms, dst->syms, map, ids, ids, e->n);
		}
	}
	for (i = 0; i < n && rc == FG_OK; i++) {
		const struct fg_stack_entry *e = &src->entries[i];
		struct key k = { e->ids, NULL, e->n };
		size_t j, at;

		if (i + MERGE_AHEAD < n)
			__builtin_prefetch(&dst->slots[h[i + MERGE_AHEAD] &
						       dst->mask]);
		j = lookup(dst, &k, h[i]);
		if (dst->slots[j] != 0)
			at = (uint32_t)dst->slots[j] - 1;
		else
			at = insert_stored(dst, e->ids, e->n, h[i], j,
					   e->plain);
		for (c = 0; c < ncols && rc == FG_OK; c++)
			if (fg_count_add(&dst->counts[at * dst->ncols +
						      dst_col + c],
					 &src->counts[i * src->ncols +
						      src_col + c]) < 0)
				rc = FG_ERANGE;
	}
	/* dst holds src's frames from here on, even after a failure */
	fg_arena_adopt(&dst->arena, &src->arena);
	free(h);
	free(map);
	return rc;
}

int
fg_stacks_total(const struct fg_stacks *s, unsigned col,
		struct fg_count *total)
{
	struct fg_count t = FG_COUNT_ZERO;
	size_t i;

	if (col >= s->ncols)
		return FG_EINVAL;
	for (i = 0; i < s->n; i++)
		if (fg_count_add(&t, &s->counts[i * s->ncols + col]) < 0)
			return FG_ERANGE;
	*total = t;
	return FG_OK;
}

size_t
fg_stacks_bytes(const struct fg_stacks *s)
{
	return s->arena.used + s->cap * sizeof(*s->entries) +
	       s->cap * s->ncols * sizeof(*s->counts) +
	       (s->mask + 1) * sizeof(*s->slots) + s->text.alloc;
}

/* A byte-by-byte walk over a stack's folded text, for fg_stacks_cmp. */
struct cursor {
	const struct fg_symtab *syms;
	const struct fg_stack_entry *e;
	size_t frame, pos, len;
	const char *name;
};

static void
cursor_init(struct cursor *c, const struct fg_symtab *syms,
	    const struct fg_stack_entry *e)
{
	c->syms = syms;
	c->e = e;
	c->frame = 0;
	c->pos = 0;
	c->len = 0;
	c->name = "";
	if (e->n > 0)
		c->name = fg_symtab_str(syms, e->ids[0], &c->len);
}

/* The next byte (0 .. 255), or -1 at the end of the text. */
static int
cursor_next(struct cursor *c)
{
	if (c->pos < c->len)
		return (unsigned char)c->name[c->pos++];
	if (c->frame + 1 >= c->e->n)
		return -1;
	c->frame++;
	c->name = fg_symtab_str(c->syms, c->e->ids[c->frame], &c->len);
	c->pos = 0;
	return ';';
}

/*
 * The reference order: the stacks' folded texts compared bytewise. The
 * fast sort below must agree with it (the unit tests check that).
 */
int
fg_stacks_cmp(const struct fg_stacks *s, size_t a, size_t b)
{
	struct cursor ca, cb;
	int x, y;

	cursor_init(&ca, s->syms, &s->entries[a]);
	cursor_init(&cb, s->syms, &s->entries[b]);
	do {
		x = cursor_next(&ca);
		y = cursor_next(&cb);
	} while (x == y && x != -1);
	return x < y ? -1 : x > y;
}

/*
 * The fast sort. Each frame of a stack is a token: its name followed by
 * ';' when more frames follow, or by an end mark (below every byte) when
 * it is the leaf. Ranking every distinct token once turns the comparison
 * of two folded texts into the comparison of two arrays of ranks: at the
 * first frame where two stacks differ, their tokens differ, and the
 * tokens' byte order is exactly where the texts first differ. (A name
 * that itself contains ';' would blur that; names read from folded text
 * cannot.) Ranks start at 1 so that 0 means "no more frames".
 *
 * The stacks are then sorted MSD-first: by the ranks of frames d and
 * d+1 packed in one 64-bit key (an LSD radix sort over a flat array, so
 * the stacks' frames are touched once per level), and each run of equal
 * keys again from frame d+2. Small runs finish with an insertion sort.
 */
struct sorter {
	const struct fg_stacks *s;
	uint32_t *rank_mid;	/* by id: rank of "name;" */
	uint32_t *rank_last;	/* by id: rank of "name" + end */
};

static uint32_t
token(const struct sorter *so, const struct fg_stack_entry *e, size_t k)
{
	if (k >= e->n)
		return 0;
	if (k + 1 == e->n)
		return so->rank_last[e->ids[k]];
	return so->rank_mid[e->ids[k]];
}

/* Tokens as (id << 1 | leaf) compared as their bytes. */
static int
token_cmp(const struct fg_symtab *syms, uint32_t a, uint32_t b)
{
	size_t la, lb, m;
	const char *na = fg_symtab_str(syms, a >> 1, &la);
	const char *nb = fg_symtab_str(syms, b >> 1, &lb);
	int c, ta = (a & 1) ? -1 : ';', tb = (b & 1) ? -1 : ';';

	m = la < lb ? la : lb;
	c = memcmp(na, nb, m);
	if (c != 0)
		return c;
	if (la == lb)
		return ta < tb ? -1 : ta > tb;
	if (la < lb) {
		c = (unsigned char)nb[la];
		return ta < c ? -1 : ta > c ? 1 : -1;
	}
	c = (unsigned char)na[lb];
	return c < tb ? -1 : c > tb ? 1 : 1;
}

static void
msort_tokens(const struct fg_symtab *syms, uint32_t *a, uint32_t *tmp,
	     size_t n)
{
	size_t h, i, j, k;

	if (n < 2)
		return;
	if (n <= 16) {
		for (i = 1; i < n; i++) {
			uint32_t v = a[i];

			for (j = i; j > 0 && token_cmp(syms, a[j - 1], v) > 0;
			     j--)
				a[j] = a[j - 1];
			a[j] = v;
		}
		return;
	}
	h = n / 2;
	msort_tokens(syms, a, tmp, h);
	msort_tokens(syms, a + h, tmp, n - h);
	memcpy(tmp, a, h * sizeof(*a));
	i = 0;
	j = h;
	k = 0;
	while (i < h && j < n)
		a[k++] = token_cmp(syms, a[j], tmp[i]) < 0 ? a[j++] : tmp[i++];
	while (i < h)
		a[k++] = tmp[i++];
}

static void
rank_tokens(struct sorter *so)
{
	const struct fg_symtab *syms = so->s->syms;
	size_t nsyms = fg_symtab_count(syms), ntok = nsyms * 2, i;
	uint32_t *tok = fg_xreallocarray(NULL, ntok, sizeof(*tok));
	uint32_t *tmp = fg_xreallocarray(NULL, ntok, sizeof(*tmp));

	for (i = 0; i < ntok; i++)
		tok[i] = (uint32_t)i;
	msort_tokens(syms, tok, tmp, ntok);
	so->rank_mid = fg_xreallocarray(NULL, nsyms, sizeof(uint32_t));
	so->rank_last = fg_xreallocarray(NULL, nsyms, sizeof(uint32_t));
	for (i = 0; i < ntok; i++) {
		if (tok[i] & 1)
			so->rank_last[tok[i] >> 1] = (uint32_t)i + 1;
		else
			so->rank_mid[tok[i] >> 1] = (uint32_t)i + 1;
	}
	free(tok);
	free(tmp);
}

/* Compares two stacks from frame d on, by ranks. */
static int
rank_cmp(const struct sorter *so, uint32_t a, uint32_t b, size_t d)
{
	const struct fg_stack_entry *ea = &so->s->entries[a];
	const struct fg_stack_entry *eb = &so->s->entries[b];

	for (;; d++) {
		uint32_t x = token(so, ea, d), y = token(so, eb, d);

		if (x != y)
			return x < y ? -1 : 1;
		if (x == 0)
			return 0;
	}
}

struct kv {
	uint64_t key;
	uint32_t idx;
};

static void
radix_kv(struct kv *a, struct kv *b, size_t n, unsigned bits)
{
	size_t count[256], i;
	unsigned shift;

	for (shift = 0; shift < bits; shift += 8) {
		size_t sum = 0;

		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[(a[i].key >> shift) & 255]++;
		for (i = 0; i < 256; i++) {
			size_t c = count[i];

			count[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			b[count[(a[i].key >> shift) & 255]++] = a[i];
		memcpy(a, b, n * sizeof(*a));
	}
}

struct job {
	size_t lo, hi, d;
};

struct jobs {
	struct job *v;
	size_t n, cap;
};

static void
push_job(struct jobs *js, size_t lo, size_t hi, size_t d)
{
	if (js->n == js->cap) {
		js->cap = js->cap ? js->cap * 2 : 64;
		js->v = fg_xreallocarray(js->v, js->cap, sizeof(*js->v));
	}
	js->v[js->n++] = (struct job){ lo, hi, d };
}

/* Sorts the stacks in idx[j.lo .. j.hi) by their tokens from j.d on:
 * a small range at once, a larger one by the two tokens at j.d, leaving
 * the runs of equal keys in js for the tokens after. */
static void
sort_level(const struct sorter *so, uint32_t *idx, struct job j,
	   struct kv *kv, struct kv *tmp, unsigned rbits, struct jobs *js)
{
	size_t m = j.hi - j.lo, run, i;
	uint32_t *g = idx + j.lo;

	if (m <= 16) {
		for (i = 1; i < m; i++) {
			uint32_t v = g[i];
			size_t k;

			for (k = i; k > 0 && rank_cmp(so, g[k - 1], v, j.d) > 0;
			     k--)
				g[k] = g[k - 1];
			g[k] = v;
		}
		return;
	}
	for (i = 0; i < m; i++) {
		const struct fg_stack_entry *e = &so->s->entries[g[i]];

		/* below the first level the stacks are scattered */
		if (i + 16 < m)
			__builtin_prefetch(&so->s->entries[g[i + 16]]);
		if (i + 8 < m) {
			const struct fg_stack_entry *f =
				&so->s->entries[g[i + 8]];

			if (j.d < f->n)
				__builtin_prefetch(f->ids + j.d);
		}
		kv[i].key = (uint64_t)token(so, e, j.d) << rbits |
			    token(so, e, j.d + 1);
		kv[i].idx = g[i];
	}
	radix_kv(kv, tmp, m, rbits * 2);
	for (i = 0; i < m; i = run) {
		for (run = i + 1; run < m && kv[run].key == kv[i].key; run++)
			;
		/*
		 * Equal keys share two tokens; a leaf token ends the
		 * stack, so a run of two or more goes on past frame d + 1.
		 */
		if (run - i > 1)
			push_job(js, j.lo + i, j.lo + run, j.d + 2);
	}
	for (i = 0; i < m; i++)
		g[i] = kv[i].idx;
}

/* One thread's share of the sort: the ranges of its jobs, to the end. */
struct share {
	const struct sorter *so;
	uint32_t *idx;
	struct jobs js;
	unsigned rbits;
	pthread_t tid;
	int started;
};

static void *
run_share(void *arg)
{
	struct share *sh = arg;
	struct kv *kv = NULL, *tmp = NULL;
	size_t i, most = 1;

	for (i = 0; i < sh->js.n; i++)
		if (sh->js.v[i].hi - sh->js.v[i].lo > most)
			most = sh->js.v[i].hi - sh->js.v[i].lo;
	kv = fg_xreallocarray(NULL, most, sizeof(*kv));
	tmp = fg_xreallocarray(NULL, most, sizeof(*tmp));
	while (sh->js.n > 0) {
		struct job j = sh->js.v[--sh->js.n];

		sort_level(sh->so, sh->idx, j, kv, tmp, sh->rbits, &sh->js);
	}
	free(kv);
	free(tmp);
	return NULL;
}

/* below this many stacks a sort stays on one thread */
#define SORT_PAR_MIN 65536

/*
 * Sorts idx[0 .. n). On several threads, the caller's sorts the first
 * levels until no run of equal keys is more than a fraction of a
 * thread's share, and the runs, disjoint ranges of idx, are then dealt
 * to the threads, each next one to the least loaded.
 */
static void
sort_all(const struct sorter *so, uint32_t *idx, size_t n, unsigned jobs)
{
	struct jobs first = { NULL, 0, 0 };
	struct share *sh;
	size_t nranks, i, most, total;
	size_t *load;
	unsigned rbits = 1, t;

	nranks = fg_symtab_count(so->s->syms) * 2 + 1;
	while (rbits < 32 && ((size_t)1 << rbits) < nranks)
		rbits++;
	if (jobs > 64)
		jobs = 64;
	if (jobs < 2 || n < SORT_PAR_MIN)
		jobs = 1;
	sh = fg_xcalloc(jobs, sizeof(*sh));
	load = fg_xcalloc(jobs, sizeof(*load));
	for (t = 0; t < jobs; t++) {
		sh[t].so = so;
		sh[t].idx = idx;
		sh[t].rbits = rbits;
	}
	push_job(&first, 0, n, 0);
	if (jobs > 1) {
		struct kv *kv = fg_xreallocarray(NULL, n, sizeof(*kv));
		struct kv *tmp = fg_xreallocarray(NULL, n, sizeof(*tmp));

		for (;;) {
			struct job j;

			for (i = 1, most = 0; i < first.n; i++)
				if (first.v[i].hi - first.v[i].lo >
				    first.v[most].hi - first.v[most].lo)
					most = i;
			j = first.v[most];
			if (first.n == 0 || j.hi - j.lo <= 16 ||
			    j.hi - j.lo <= n / jobs / 8)
				break;
			first.v[most] = first.v[--first.n];
			sort_level(so, idx, j, kv, tmp, rbits, &first);
		}
		free(kv);
		free(tmp);
	}
	for (i = 0; i < first.n; i++) {
		for (t = 0, most = 0; t < jobs; t++)
			if (load[t] < load[most])
				most = t;
		total = first.v[i].hi - first.v[i].lo;
		push_job(&sh[most].js, first.v[i].lo, first.v[i].hi,
			 first.v[i].d);
		load[most] += total;
	}
	for (t = 1; t < jobs; t++)
		sh[t].started = sh[t].js.n > 0 &&
				pthread_create(&sh[t].tid, NULL, run_share,
					       &sh[t]) == 0;
	run_share(&sh[0]);
	for (t = 1; t < jobs; t++) {
		if (sh[t].started)
			pthread_join(sh[t].tid, NULL);
		else
			run_share(&sh[t]);
		free(sh[t].js.v);
	}
	free(sh[0].js.v);
	free(first.v);
	free(load);
	free(sh);
}

uint32_t *
fg_stacks_sorted(const struct fg_stacks *s)
{
	return fg_stacks_sorted_jobs(s, 1);
}

uint32_t *
fg_stacks_sorted_jobs(const struct fg_stacks *s, unsigned jobs)
{
	uint32_t *idx = fg_xreallocarray(NULL, s->n ? s->n : 1, sizeof(*idx));
	struct sorter so = { s, NULL, NULL };
	size_t i;

	for (i = 0; i < s->n; i++)
		idx[i] = (uint32_t)i;
	if (s->n < 2)
		return idx;
	rank_tokens(&so);
	/* Stacks read from a sorted file are often in order already. */
	for (i = 1; i < s->n; i++)
		if (rank_cmp(&so, (uint32_t)i - 1, (uint32_t)i, 0) > 0)
			break;
	if (i < s->n)
		sort_all(&so, idx, s->n, jobs);
	free(so.rank_mid);
	free(so.rank_last);
	return idx;
}

uint32_t *
fg_stacks_sorted_by_rank(const struct fg_stacks *s, const uint32_t *rank)
{
	return fg_stacks_sorted_by_rank_jobs(s, rank, 1);
}

uint32_t *
fg_stacks_sorted_by_rank_jobs(const struct fg_stacks *s, const uint32_t *rank,
			      unsigned jobs)
{
	uint32_t *idx = fg_xreallocarray(NULL, s->n ? s->n : 1, sizeof(*idx));
	size_t nsyms = fg_symtab_count(s->syms), i;
	struct sorter so = { s, NULL, NULL };
	uint32_t *r1;

	for (i = 0; i < s->n; i++)
		idx[i] = (uint32_t)i;
	/* the same sort, with every token of a name ranked rank + 1 */
	r1 = fg_xreallocarray(NULL, nsyms ? nsyms : 1, sizeof(*r1));
	for (i = 0; i < nsyms; i++) {
		if (rank[i] >= nsyms) {
			free(r1);
			free(idx);
			return NULL;
		}
		r1[i] = rank[i] + 1;
	}
	so.rank_mid = so.rank_last = r1;
	for (i = 1; i < s->n; i++)
		if (rank_cmp(&so, (uint32_t)i - 1, (uint32_t)i, 0) > 0)
			break;
	if (i < s->n)
		sort_all(&so, idx, s->n, jobs);
	free(r1);
	return idx;
}
