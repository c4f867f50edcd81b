/*
 * folded.c - reading and writing folded stacks.
 */
#define _DEFAULT_SOURCE		/* MAP_PRIVATE */
#include <sys/mman.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "fg/error.h"
#include "fg/folded.h"
#include "internal.h"

#define QUOTE_MAX 40

static const struct fg_count zero_count = FG_COUNT_ZERO;

static inline int
blank(char c)
{
	return c == ' ' || c == '\t';
}

static inline int
isdigit_c(char c)
{
	return c >= '0' && c <= '9';
}

static int
bad_count(struct fg_diag *d, int rc, const char *p, size_t n, size_t col)
{
	char q[QUOTE_MAX * 4 + 16] = "";

	fg_diag_quote(q, sizeof(q), p, n, QUOTE_MAX);
	if (rc == FG_ERANGE)
		fg_diag_set(d, NULL, 0, col,
			    "count %s out of range (at most 18446744073709551615 and 18 decimal places)",
			    q);
	else
		fg_diag_set(d, NULL, 0, col, "invalid count %s", q);
	return rc;
}

int
fg_folded_parse_line(const char *p, size_t n, struct fg_folded_line *out,
		     struct fg_diag *d)
{
	size_t b = 0, e = n, k, k2;
	struct fg_count c0;
	unsigned d0;
	int rc;

	while (b < e && blank(p[b]))
		b++;
	if (b == e || p[b] == '#')
		return 0;
	/* Blanks after the count are dropped; those in the stack are kept. */
	while (e > b && blank(p[e - 1]))
		e--;
	/*
	 * The count is the last field. Scan back over what a count can be
	 * made of first: that is the whole field on any valid line, so a
	 * long stack is never walked twice.
	 */
	for (k = e; k > b && (isdigit_c(p[k - 1]) || p[k - 1] == '.'); k--)
		;
	if (k > b && !blank(p[k - 1]))
		for (; k > b && !blank(p[k - 1]); k--)
			;
	if (k == b) {
		char q[QUOTE_MAX * 4 + 16] = "";

		fg_diag_quote(q, sizeof(q), p + b, e - b, QUOTE_MAX);
		fg_diag_set(d, NULL, 0, e + 1, "missing count after %s", q);
		return FG_EPARSE;
	}
	rc = fg_count_parse(p + k, e - k, &out->count1, &out->decimals1);
	if (rc < 0)
		return bad_count(d, rc, p + k, e - k, k + 1);
	/*
	 * Exactly one blank separates the stack from its count, as in
	 * FlameGraph's scripts: a frame that ends in a space keeps it.
	 */
	if (k - 1 == 0) {
		fg_diag_set(d, NULL, 0, 1, "empty stack before the count");
		return FG_EPARSE;
	}
	out->stack = p;
	out->len1 = k - 1;
	out->has2 = false;
	for (k2 = k - 1; k2 > 0 && (isdigit_c(p[k2 - 1]) || p[k2 - 1] == '.');
	     k2--)
		;
	if (k2 > 1 && k2 < k - 1 && blank(p[k2 - 1]) &&
	    fg_count_parse(p + k2, k - 1 - k2, &c0, &d0) == FG_OK) {
		out->has2 = true;
		out->len2 = k2 - 1;
		out->count2[0] = c0;
		out->count2[1] = out->count1;
		out->decimals2 = d0 > out->decimals1 ? d0 : out->decimals1;
	}
	return 1;
}

/*
 * Splitting a stack's text into frames. The text is looked at 64 bytes
 * at a time: one pass marks every ';' in the block as a bit, and each
 * frame's end is then the next bit, so finding a frame does not wait
 * for the frame before it to be scanned and hashed (a loop that looks
 * for the next ';' stops at a different place for every name, which
 * the branch predictor cannot follow, and the next frame cannot start
 * until it has). A name of up to 32 bytes is hashed from four masked
 * words, with no loop either, when 32 bytes from it can be read: lim
 * is the end of what can be read, at or past the text's end.
 */

/* Bit i set where p[i] is ';', for i in 0 .. 63 (64 bytes readable). */
static FG_ALWAYS_INLINE uint64_t
semicolons64(const char *p)
{
#if defined(__SSE2__)
	const __m128i semi = _mm_set1_epi8(';');
	uint64_t m = 0;
	unsigned i;

	for (i = 0; i < 4; i++)
		m |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(
			     _mm_loadu_si128((const __m128i *)(const void *)
					     (p + 16 * i)), semi))
		     << (16 * i);
	return m;
#else
	uint64_t m = 0;
	unsigned i;

	for (i = 0; i < 8; i++) {
		uint64_t x = fg_load64((const unsigned char *)p + 8 * i) ^
			     0x3b3b3b3b3b3b3b3bULL;	/* ';' bytes -> 0 */
		/* exactly the zero bytes: their high bits */
		uint64_t z = ~(((x & 0x7f7f7f7f7f7f7f7fULL) +
				0x7f7f7f7f7f7f7f7fULL) | x) &
			     0x8080808080808080ULL;

		/* the eight high bits gathered into a byte */
		m |= ((z >> 7) * 0x0102040810204080ULL) >> 56 << (8 * i);
	}
	return m;
#endif
}

/* The ';' marks of the up to 64 bytes from p before end, read one by one. */
static uint64_t
semicolons_tail(const char *p, const char *end)
{
	uint64_t m = 0;
	size_t i;

	for (i = 0; i < 64 && p + i < end; i++)
		if (p[i] == ';')
			m |= 1ULL << i;
	return m;
}

/* fg_hash_name of the n bytes at p. */
static FG_ALWAYS_INLINE uint64_t
frame_hash(const char *p, size_t n, const char *lim)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (FG_LIKELY(n <= 32 && lim - p >= 32)) {
		const unsigned char *u = (const unsigned char *)p;
		const unsigned char *mk = fg_name_ones + 32 - n;

		return fg_hash_name_end(
			fg_hash_name32(fg_load64(u) & fg_load64(mk),
				       fg_load64(u + 8) & fg_load64(mk + 8),
				       fg_load64(u + 16) & fg_load64(mk + 16),
				       fg_load64(u + 24) & fg_load64(mk + 24)),
			n);
	}
#endif
	return fg_hash_name(p, n);
}

/*
 * Splits [p, end) into frames, interned into syms (and mapped through
 * o->map, if o is not NULL and has one) and stored from index k of
 * *raw and *ids (ids may be NULL: raw only), which grow with *cap.
 * Returns the number of frames in all, or what the map returned.
 */
static long
split_frames(struct fg_symtab *syms, const struct fg_folded_opts *o,
	     const char *p, const char *end, const char *lim, size_t k,
	     uint32_t **raw, uint32_t **ids, size_t *cap, struct fg_diag *d)
{
	const char *base = p;
	int rc;

	for (;;) {
		size_t left = (size_t)(end - base);
		uint64_t m = lim - base >= 64 ? semicolons64(base) :
						semicolons_tail(base, end);

		/* a ';' past end belongs to what follows; end ends a frame */
		if (left < 64)
			m = (m & ((1ULL << left) - 1)) | 1ULL << left;
		for (; m != 0; m &= m - 1) {
			const char *stop = base + __builtin_ctzll(m);
			size_t len = (size_t)(stop - p);
			uint32_t id = fg_intern_hashed(syms, p, len,
						       frame_hash(p, len, lim));

			if (k == *cap) {
				*cap = *cap ? *cap * 2 : 64;
				*raw = fg_xreallocarray(*raw, *cap,
							sizeof(**raw));
				if (ids != NULL)
					*ids = fg_xreallocarray(*ids, *cap,
								sizeof(**ids));
			}
			(*raw)[k] = id;
			if (ids != NULL) {
				(*ids)[k] = id;
				if (o != NULL && o->map != NULL &&
				    (rc = o->map(o->map_ctx, id, &(*ids)[k],
						 d)) < 0)
					return rc;
			}
			k++;
			if (stop == end)
				return (long)k;
			p = stop + 1;
		}
		base += 64;
	}
}

size_t
fg_folded_split(struct fg_symtab *syms, const char *s, size_t n,
		uint32_t **ids, size_t *cap)
{
	return (size_t)split_frames(syms, NULL, s, s + n, s + n, 0, ids, NULL,
				    cap, NULL);
}

/*
 * The frames of the previous stack line, kept so the next one can reuse
 * them: folded files often come sorted, so neighbours share long
 * prefixes. A frame of the previous line (not its last) whose name the
 * new text repeats, followed by ';', is the same frame; only the rest
 * is split, interned and mapped.
 */
struct prev {
	uint32_t *raw;		/* the ids as interned from the text */
	uint32_t *ids;		/* the ids as stored (after the map) */
	size_t n, cap;
};

/*
 * Splits s into frames, reusing the previous line's where it can, and
 * leaves the ids in prev->ids[0 .. prev->n). Returns FG_OK or what the
 * map returned.
 */
static int
split_reuse(struct fg_symtab *syms, const struct fg_folded_opts *o,
	    struct prev *pv, const char *s, size_t n, const char *lim,
	    struct fg_diag *d)
{
	const char *end = s + n, *p = s;
	size_t k = 0, len;
	long rc;

	while (k + 1 < pv->n) {
		const char *name = fg_sym_name(syms, pv->raw[k], &len);

		if ((size_t)(end - p) <= len || p[len] != ';' ||
		    !fg_bytes_eq(name, p, len))
			break;
		p += len + 1;
		k++;
	}
	rc = split_frames(syms, o, p, end, lim, k, &pv->raw, &pv->ids,
			  &pv->cap, d);
	if (rc < 0) {
		pv->n = 0;
		return (int)rc;
	}
	pv->n = (size_t)rc;
	return FG_OK;
}

/*
 * Lines are read in batches of up to READ_BATCH, all from the reader's
 * buffer at once (so their slices stay valid together), parsed and
 * hashed first. The loads a lookup will wait for (the slot, the entry,
 * the frames and counts) are then requested for the whole batch, a
 * level at a time, before the lines are added in order: in a table of
 * a million stacks each of those is a cache miss, and this way they
 * overlap instead of following one another.
 */
#define READ_BATCH 16

struct pending {
	struct fg_folded_line fl;
	struct fg_diag ld;	/* why the line is malformed */
	unsigned long lineno;
	int rc;			/* fg_folded_parse_line's */
	size_t hlen;		/* the stack length hashed, or SIZE_MAX */
	uint64_t h;
	size_t idx;		/* a likely index, for prefetching */
};

struct chunk;

struct reader {
	struct fg_lines *in;
	struct fg_stacks *dst;
	const struct fg_folded_opts *o;
	struct fg_folded_stats *st;
	struct fg_diag *d;
	unsigned nc;
	unsigned long base;	/* lines before in's first, in the file */
	struct prev pv;
	struct chunk *ck;	/* the chunk read, on a thread, or NULL */
};

static int chunk_tick(struct reader *r);
static const struct fg_stacks *chunk_shared(const struct chunk *ck);
static struct fg_count *chunk_hits(struct chunk *ck, size_t idx);

/* Records a malformed line; returns FG_EPARSE if it is to be fatal. */
static int
skip(struct reader *r, struct pending *b)
{
	b->ld.file = fg_lines_name(r->in);
	b->ld.line = b->lineno;
	if (r->st->bad++ == 0)
		r->st->first_bad = b->ld;
	if (r->o->strict) {
		if (r->d != NULL)
			*r->d = b->ld;
		return FG_EPARSE;
	}
	return FG_OK;
}

/* The counts per line a parsed line will be read with, 0 if unknown. */
static unsigned
line_counts(const struct reader *r, const struct pending *b)
{
	unsigned nc = r->nc ? r->nc : b->fl.has2 ? 2 : 1;

	return nc == 2 && !b->fl.has2 ? 0 : nc;
}

/* Adds one parsed line to the table. */
static int
add_line(struct reader *r, struct pending *b)
{
	const struct fg_folded_opts *o = r->o;
	struct fg_stacks *dst = r->dst;
	struct fg_folded_stats *st = r->st;
	const struct fg_count *counts;
	struct fg_count *cs;
	size_t len, idx, slot = 0;
	unsigned dec, c;
	int rc;

	st->lines++;
	if (b->rc == 0)
		return FG_OK;
	if (b->rc < 0)
		return skip(r, b);
	if (r->nc == 0) {
		r->nc = b->fl.has2 ? 2 : 1;
		if (r->nc > o->max_counts) {
			fg_diag_set(r->d, fg_lines_name(r->in), b->lineno, 0,
				    "line has two counts (a differential file?); expected one count per line");
			return FG_EFORMAT;
		}
		if (o->col + r->nc > fg_stacks_ncols(dst))
			return FG_EINVAL;
	}
	st->ncounts = r->nc;
	if (r->nc == 2) {
		if (!b->fl.has2) {
			fg_diag_set(&b->ld, NULL, 0, 0,
				    "expected two counts, found one");
			return skip(r, b);
		}
		len = b->fl.len2;
		counts = b->fl.count2;
		dec = b->fl.decimals2;
	} else {
		len = b->fl.len1;
		counts = &b->fl.count1;
		dec = b->fl.decimals1;
	}
	/*
	 * A stack seen before is found by its text, without splitting and
	 * interning its frames again. (A frame map changes the text, so
	 * then every line takes the long way.)
	 */
	idx = SIZE_MAX;
	if (o->map == NULL && b->hlen != len)
		b->h = fg_hash_text(b->fl.stack, len);
	if (r->ck != NULL && chunk_shared(r->ck) != NULL) {
		idx = fg_stacks_text_lookup(chunk_shared(r->ck), b->fl.stack,
					    len, b->h, &slot);
		if (idx != SIZE_MAX) {
			cs = chunk_hits(r->ck, idx);
			goto count;
		}
	}
	if (o->map == NULL)
		idx = fg_stacks_text_lookup(dst, b->fl.stack, len, b->h,
					    &slot);
	if (idx == SIZE_MAX) {
		rc = split_reuse(fg_stacks_symtab(dst), o, &r->pv, b->fl.stack,
				 len, fg_lines_limit(r->in), r->d);
		if (rc < 0) {
			if (r->d != NULL && r->d->line == 0) {
				r->d->file = fg_lines_name(r->in);
				r->d->line = b->lineno;
			}
			return rc;
		}
		if (o->map == NULL)
			idx = fg_stacks_insert(dst, r->pv.ids, r->pv.n, b->h,
					       slot, 1);
		else	/* adding 0 to a column in range cannot fail */
			(void)fg_stacks_add(dst, r->pv.ids, r->pv.n, o->col,
					    &zero_count, &idx);
	}
	cs = fg_stacks_counts_mut(dst, idx) + o->col;
count:
	for (c = 0; c < r->nc; c++) {
		if (fg_count_add(&cs[c], &counts[c]) < 0) {
			fg_diag_set(r->d, fg_lines_name(r->in), b->lineno, 0,
				    "the count of this stack overflows 64 bits");
			return FG_ERANGE;
		}
		if (fg_count_add(&st->total[c], &counts[c]) < 0)
			st->total_overflow = true;
	}
	if (dec > st->decimals)
		st->decimals = dec;
	st->stacks++;
	return FG_OK;
}

/* Requests what looking up the batch's stacks will read. */
static void
prefetch_batch(const struct fg_stacks *s, struct pending *b, size_t nb)
{
	size_t i;

	for (i = 0; i < nb; i++)
		if (b[i].hlen != SIZE_MAX)
			__builtin_prefetch(&s->slots[b[i].h & s->mask]);
	for (i = 0; i < nb; i++) {
		uint64_t v;

		b[i].idx = SIZE_MAX;
		if (b[i].hlen == SIZE_MAX)
			continue;
		v = s->slots[b[i].h & s->mask];
		if (v != 0 && v >> 32 == b[i].h >> 32) {
			b[i].idx = (uint32_t)v - 1;
			__builtin_prefetch(&s->entries[b[i].idx]);
		}
	}
	for (i = 0; i < nb; i++) {
		const struct fg_stack_entry *e;
		uint32_t k;

		if (b[i].idx == SIZE_MAX)
			continue;
		e = &s->entries[b[i].idx];
		for (k = 0; k < e->n; k += 16)
			__builtin_prefetch(e->ids + k);
		__builtin_prefetch(&s->counts[b[i].idx * s->ncols]);
	}
}

/*
 * Reads the lines of r->in into r->dst, in batches: the loop of
 * fg_folded_read, for one thread's share of a file or for all of it.
 */
static int
read_lines(struct reader *r)
{
	struct fg_lines *in = r->in;
	struct pending batch[READ_BATCH];
	size_t nb, i;
	int rc = FG_OK, eof = 0;

	while (!eof) {
		for (nb = 0; nb < READ_BATCH; nb++) {
			struct pending *b = &batch[nb];
			const char *p;
			size_t n;
			unsigned nc;

			/* a line that needs a read would move the others */
			if (nb > 0 && !fg_lines_ready(in))
				break;
			rc = fg_lines_next(in, &p, &n, r->d);
			if (rc < 0)
				return rc;
			if (rc == 0) {
				eof = 1;
				break;
			}
			b->lineno = r->base + fg_lines_lineno(in);
			fg_diag_clear(&b->ld);
			b->rc = fg_folded_parse_line(p, n, &b->fl, &b->ld);
			b->hlen = SIZE_MAX;
			if (b->rc == 1 && r->o->map == NULL &&
			    (nc = line_counts(r, b)) != 0) {
				b->hlen = nc == 2 ? b->fl.len2 : b->fl.len1;
				b->h = fg_hash_text(b->fl.stack, b->hlen);
			}
		}
		if (nb > 1)
			prefetch_batch(r->ck != NULL &&
				       chunk_shared(r->ck) != NULL ?
				       chunk_shared(r->ck) : r->dst,
				       batch, nb);
		for (i = 0; i < nb; i++)
			if ((rc = add_line(r, &batch[i])) < 0)
				return rc;
		if (r->ck != NULL && chunk_tick(r))
			break;
	}
	return FG_OK;
}

/*
 * Reading on several threads. A mapped regular file is cut at line
 * starts into one chunk per thread, each read into a table of its own
 * (into an empty dst, the first chunk is read into dst itself), and
 * those are merged into dst in file order. While they read, dst is not
 * written, so a chunk finds the stacks dst held already there, by their
 * text, and keeps their counts aside until its turn comes (the second
 * file of difffold is all such stacks). A merge keeps the order in
 * which stacks first appear, and interns names in the order a single
 * reader would meet them, so dst ends up as one thread would leave it.
 * Where that cannot be shown in advance (a chunk failed, or the counts
 * might overflow only once merged) the chunks from there on are read
 * again on the caller's thread, continuing from the state before them:
 * the diagnostic is the one a single reader gives.
 */

/* every chunk adds to the shared counts this often */
#define PROGRESS_EVERY (1u << 20)
/* a mapped chunk stays resident at most this much */
#define DROP_EVERY (4u << 20)
#define MAX_JOBS 64

struct par {
	struct fg_lines *in;		/* the caller's reader */
	atomic_ullong bytes;		/* read by every chunk so far */
	atomic_ulong lines;
	atomic_int stop;		/* the result is decided already */
};

struct chunk {
	const char *buf;
	size_t n;
	struct par *par;
	struct fg_folded_opts o;	/* the caller's, with counts fixed */
	struct fg_symtab *syms;		/* own (NULL: dst's) */
	struct fg_stacks *stacks;	/* own, or dst */
	const struct fg_stacks *shared;	/* dst, to look in, or NULL */
	size_t nshared;			/* the stacks dst held */
	struct fg_count *hits;		/* counts for those, nc a stack */
	struct fg_folded_stats st;
	struct fg_diag d;
	int rc;
	const char *dropped, *counted;	/* progress through buf */
	unsigned long lines_counted;
	bool reporter;			/* on the caller's thread */
	atomic_int finished;
	pthread_t tid;
	bool started;
};

static const struct fg_stacks *
chunk_shared(const struct chunk *ck)
{
	return ck->shared;
}

/* Where the chunk keeps its counts for dst's stack idx. */
static struct fg_count *
chunk_hits(struct chunk *ck, size_t idx)
{
	unsigned nc = (unsigned)ck->o.counts;

	if (ck->hits == NULL)
		ck->hits = fg_xzeroed(ck->nshared * nc, sizeof(*ck->hits));
	return &ck->hits[idx * nc];
}

/* Adds the counts the chunk kept for dst's stacks to dst. */
static int
add_hits(struct fg_stacks *dst, const struct chunk *ck)
{
	unsigned nc = (unsigned)ck->o.counts, c;
	size_t i;

	for (i = 0; ck->hits != NULL && i < ck->nshared; i++) {
		const struct fg_count *h = &ck->hits[i * nc];
		struct fg_count *cs = fg_stacks_counts_mut(dst, i) + ck->o.col;

		for (c = 0; c < nc; c++)
			if ((h[c].n | h[c].frac) != 0 &&
			    fg_count_add(&cs[c], &h[c]) < 0)
				return FG_ERANGE;
	}
	return FG_OK;
}

/* Adds what the chunk read since it last did to the shared counts. */
static void
chunk_count(struct chunk *ck, const char *pos, unsigned long lines)
{
	struct par *p = ck->par;
	unsigned long long b = (unsigned long long)(pos - ck->counted);
	unsigned long l = lines - ck->lines_counted;

	b += atomic_fetch_add(&p->bytes, b);
	l += atomic_fetch_add(&p->lines, l);
	ck->counted = pos;
	ck->lines_counted = lines;
	if (ck->reporter)
		fg_lines_report(p->in, b, l);
}

/*
 * Called after each batch of a chunk: gives back the mapped pages read,
 * reports progress. Returns 1 if the chunk's result is no longer needed.
 */
static int
chunk_tick(struct reader *r)
{
	struct chunk *ck = r->ck;
	const char *pos = fg_lines_cursor(r->in);

	if ((size_t)(pos - ck->dropped) >= DROP_EVERY) {
		fg_drop_pages(ck->dropped, pos);
		ck->dropped = pos;
	}
	if ((size_t)(pos - ck->counted) >= PROGRESS_EVERY)
		chunk_count(ck, pos, fg_lines_lineno(r->in));
	return atomic_load(&ck->par->stop);
}

/*
 * Reads buf[0 .. n) into dst with stats st (continued, not reset) as
 * lines base + 1 onwards; ck, if not NULL, is the chunk this is.
 */
static int
read_range(const char *buf, size_t n, const char *name, struct fg_stacks *dst,
	   const struct fg_folded_opts *o, struct fg_folded_stats *st,
	   struct fg_diag *d, unsigned long base, struct chunk *ck)
{
	struct reader r;
	int rc;

	r.in = fg_lines_from_mem(buf, n, name);
	r.dst = dst;
	r.o = o;
	r.st = st;
	r.d = d;
	r.nc = (unsigned)o->counts;
	r.base = base;
	r.pv = (struct prev){ NULL, NULL, 0, 0 };
	r.ck = ck;
	rc = read_lines(&r);
	if (ck != NULL) {
		const char *pos = fg_lines_cursor(r.in);

		chunk_count(ck, pos, fg_lines_lineno(r.in));
		fg_drop_pages(ck->dropped, pos);
	}
	free(r.pv.raw);
	free(r.pv.ids);
	fg_lines_close(r.in);
	return rc;
}

static void *
chunk_main(void *arg)
{
	struct chunk *ck = arg;

	ck->rc = read_range(ck->buf, ck->n, fg_lines_name(ck->par->in),
			    ck->stacks, &ck->o, &ck->st, &ck->d, 0, ck);
	atomic_store(&ck->finished, 1);
	return NULL;
}

/* Reports progress until the chunks 1 .. nw-1 are read. */
static void
wait_chunks(struct chunk *ck, unsigned nw)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	struct par *p = ck[0].par;
	unsigned i;

	for (;;) {
		for (i = 1; i < nw && atomic_load(&ck[i].finished); i++)
			;
		if (i == nw)
			break;
		fg_lines_report(p->in, atomic_load(&p->bytes),
				atomic_load(&p->lines));
		nanosleep(&ts, NULL);
	}
	fg_lines_report(p->in, atomic_load(&p->bytes), atomic_load(&p->lines));
}

/* The counts per line the first stack line of text decides, or 0. */
static unsigned
first_counts(const char *text, size_t n)
{
	const char *end = text + n, *nl;
	struct fg_folded_line fl;
	size_t len;

	for (; text < end; text = nl + 1) {
		nl = memchr(text, '\n', (size_t)(end - text));
		if (nl == NULL)
			nl = end;
		len = (size_t)(nl - text);
		if (len > 0 && text[len - 1] == '\r')
			len--;
		if (fg_folded_parse_line(text, len, &fl, NULL) == 1)
			return fl.has2 ? 2 : 1;
	}
	return 0;
}

/* The start of the line after the one holding pos (or end). */
static const char *
next_line(const char *pos, const char *end)
{
	const char *nl = memchr(pos, '\n', (size_t)(end - pos));

	return nl != NULL ? nl + 1 : end;
}

/* Adds b, whose lines follow a's, to a. */
static void
add_stats(struct fg_folded_stats *a, const struct fg_folded_stats *b)
{
	unsigned c;

	if (a->bad == 0 && b->bad > 0) {
		a->first_bad = b->first_bad;
		a->first_bad.line += a->lines;
	}
	a->lines += b->lines;
	a->stacks += b->stacks;
	a->bad += b->bad;
	if (b->ncounts > a->ncounts)
		a->ncounts = b->ncounts;
	if (b->decimals > a->decimals)
		a->decimals = b->decimals;
	for (c = 0; c < 2; c++)
		if (fg_count_add(&a->total[c], &b->total[c]) < 0)
			a->total_overflow = true;
	a->total_overflow |= b->total_overflow;
}

/*
 * Whether adding the chunks to dst could overflow a count: only if a
 * column's total could, that is what dst held before plus everything
 * read.
 */
static bool
may_overflow(const struct fg_count *before, const struct chunk *ck,
	     unsigned nw, unsigned nc)
{
	unsigned c, i;

	for (c = 0; c < nc; c++) {
		struct fg_count t = before[c];

		for (i = 0; i < nw; i++)
			if (ck[i].st.total_overflow ||
			    fg_count_add(&t, &ck[i].st.total[c]) < 0)
				return true;
	}
	return false;
}

/*
 * Reads the regular file of fd (size bytes, from offset off) on up to
 * nw threads. Returns 1 if it read nothing and the caller is to read
 * on its own (the file cannot be mapped, or what its first stack line
 * decides is for a single reader to report), else FG_OK or an error.
 */
static int
read_parallel(struct reader *r, int fd, off_t off, off_t size, unsigned nw)
{
	const struct fg_folded_opts *o = r->o;
	const char *name = fg_lines_name(r->in);
	struct fg_count before[2] = { FG_COUNT_ZERO, FG_COUNT_ZERO };
	struct fg_stacks *dst = r->dst;
	size_t nshared = fg_stacks_count(dst);
	struct chunk *ck;
	struct par par;
	void *map;
	const char *text, *end, *start;
	size_t n = (size_t)(size - off), all;
	unsigned nc = r->nc, i, k, c, threads = 1;
	bool redo = false;
	int rc;

	map = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return 1;
	text = (const char *)map + off;
	end = text + n;
	if (nc == 0)
		nc = first_counts(text, n);
	if (nc == 0 || nc > (o->counts ? 2 : o->max_counts) ||
	    o->col + nc > fg_stacks_ncols(dst)) {
		munmap(map, (size_t)size);
		return 1;
	}
	for (c = 0; c < nc && nshared > 0; c++)
		if (fg_stacks_total(dst, o->col + c, &before[c]) < 0)
			redo = true;	/* not provably safe to merge */

	par.in = r->in;
	atomic_init(&par.bytes, 0);
	atomic_init(&par.lines, 0);
	atomic_init(&par.stop, 0);
	ck = fg_xcalloc(nw, sizeof(*ck));
	for (i = 0, start = text; i < nw && (start < end || i == 0); i++) {
		const char *stop = end;

		if (i + 1 < nw) {
			stop = text + (size_t)((double)n * (i + 1) / nw);
			stop = next_line(stop < start ? start : stop - 1, end);
		}
		ck[i].buf = start;
		ck[i].n = (size_t)(stop - start);
		ck[i].par = &par;
		ck[i].o = *o;
		ck[i].o.counts = (enum fg_folded_counts)nc;
		ck[i].dropped = ck[i].counted = start;
		ck[i].reporter = i == 0;
		atomic_init(&ck[i].finished, 0);
		fg_diag_clear(&ck[i].d);
		if (i == 0 && nshared == 0) {
			ck[i].stacks = dst;
		} else {
			ck[i].syms = fg_symtab_new();
			ck[i].stacks = fg_stacks_new(ck[i].syms,
						     fg_stacks_ncols(dst));
			ck[i].shared = nshared > 0 ? dst : NULL;
			ck[i].nshared = nshared;
		}
		start = stop;
	}
	nw = i;
	for (i = 1; i < nw; i++) {
		ck[i].started = pthread_create(&ck[i].tid, NULL, chunk_main,
					       &ck[i]) == 0;
		threads += ck[i].started;
	}
	chunk_main(&ck[0]);
	/* into dst itself, the first chunk's failure is the result */
	rc = ck[0].stacks == dst ? ck[0].rc : FG_OK;
	if (rc < 0) {
		*r->st = ck[0].st;
		if (r->d != NULL)
			*r->d = ck[0].d;
		atomic_store(&par.stop, 1);
	}
	for (i = 1; i < nw; i++)
		if (!ck[i].started && rc == FG_OK) {
			ck[i].reporter = true;
			chunk_main(&ck[i]);
		}
	if (fg_lines_progress_on(r->in))
		wait_chunks(ck, nw);
	for (i = 1; i < nw; i++)
		if (ck[i].started)
			pthread_join(ck[i].tid, NULL);

	if (rc == FG_OK && may_overflow(before, ck, nw, nc))
		redo = true;
	for (i = 0, all = fg_stacks_count(dst); i < nw && !redo; i++)
		if (ck[i].stacks != dst)
			all += fg_stacks_count(ck[i].stacks);
	if (!redo)
		fg_stacks_reserve(dst, all);
	for (k = 0; k < nw && rc == FG_OK; k++) {
		if (ck[k].stacks == dst) {
			add_stats(r->st, &ck[k].st);
		} else if (!redo && ck[k].rc == FG_OK) {
			add_stats(r->st, &ck[k].st);
			rc = add_hits(dst, &ck[k]);
			if (rc == FG_OK)
				rc = fg_stacks_absorb(dst, o->col, ck[k].stacks,
						      o->col, nc);
		} else {
			redo = true;
			rc = read_range(ck[k].buf, ck[k].n, name, dst,
					&ck[k].o, r->st, r->d, r->st->lines,
					NULL);
		}
	}
	for (i = 0; i < nw; i++) {
		if (ck[i].stacks != dst) {
			fg_stacks_free(ck[i].stacks);
			fg_symtab_free(ck[i].syms);
		}
		free(ck[i].hits);
	}
	free(ck);
	if (rc == FG_ERANGE && r->d != NULL && r->d->msg[0] == '\0')
		fg_diag_set(r->d, name, 0, 0,
			    "a stack's count overflows 64 bits");
	if (rc == FG_OK)
		fg_lines_consumed(r->in, size, n, r->st->lines);
	munmap(map, (size_t)size);
	r->st->threads = threads;
	return rc;
}

int
fg_folded_read(struct fg_lines *in, struct fg_stacks *dst,
	       const struct fg_folded_opts *opts,
	       struct fg_folded_stats *st, struct fg_diag *d)
{
	static const struct fg_folded_opts defaults = FG_FOLDED_OPTS_INIT;
	struct fg_folded_stats local;
	struct reader r;
	off_t off, size;
	int rc, fd;

	r.in = in;
	r.dst = dst;
	r.o = opts ? opts : &defaults;
	r.st = st ? st : &local;
	r.d = d;
	r.nc = (unsigned)r.o->counts;
	r.base = 0;
	r.pv = (struct prev){ NULL, NULL, 0, 0 };
	r.ck = NULL;
	memset(r.st, 0, sizeof(*r.st));
	if (r.nc > 2 || (r.nc != 0 && r.o->col + r.nc > dst->ncols) ||
	    r.o->col >= dst->ncols)
		return FG_EINVAL;
	if (r.o->jobs > 1 && r.o->map == NULL &&
	    (fd = fg_lines_regular(in, &off, &size)) >= 0) {
		size_t min = r.o->min_chunk ? r.o->min_chunk :
					      FG_FOLDED_MIN_CHUNK;
		unsigned long long nw = (unsigned long long)(size - off) / min;

		if (nw > r.o->jobs)
			nw = r.o->jobs;
		if (nw > MAX_JOBS)
			nw = MAX_JOBS;
		if (nw > 1 &&
		    (rc = read_parallel(&r, fd, off, size, (unsigned)nw)) <= 0)
			return rc;
	}
	rc = read_lines(&r);
	r.st->threads = 1;
	free(r.pv.raw);
	free(r.pv.ids);
	return rc < 0 ? rc : FG_OK;
}

/*
 * An output buffer that goes to a FILE in large writes, or (fp NULL)
 * grows to hold a whole block of lines.
 */
struct out {
	FILE *fp;
	char *buf;
	size_t len, cap;
	int err;
};

static void
out_flush(struct out *o)
{
	if (o->len > 0 && !o->err &&
	    fwrite(o->buf, 1, o->len, o->fp) != o->len)
		o->err = errno ? errno : EIO;
	o->len = 0;
}

static void
out_room(struct out *o, const char *s, size_t n)
{
	if (o->fp == NULL) {
		while (o->cap - o->len < n)
			o->cap *= 2;
		o->buf = fg_xrealloc(o->buf, o->cap);
		memcpy(o->buf + o->len, s, n);
		o->len += n;
		return;
	}
	out_flush(o);
	if (n > o->cap) {
		if (!o->err && fwrite(s, 1, n, o->fp) != n)
			o->err = errno ? errno : EIO;
		return;
	}
	memcpy(o->buf, s, n);
	o->len = n;
}

static inline void
out_add(struct out *o, const char *s, size_t n)
{
	if (FG_UNLIKELY(o->cap - o->len < n)) {
		out_room(o, s, n);
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

int
fg_folded_write(const struct fg_stacks *s, FILE *fp)
{
	uint32_t *order = fg_stacks_sorted(s);
	int rc = fg_folded_write_sorted(s, order, fp);

	free(order);
	return rc;
}

/*
 * Fetches what writing stack idx will read: in sorted order the stacks
 * are scattered over the table, and waiting for each one's frames and
 * counts to arrive from memory would cost more than writing them.
 */
static inline void
prefetch_stack(const struct fg_stacks *s, uint32_t idx)
{
	const struct fg_stack_entry *e = &s->entries[idx];
	uint32_t k;

	for (k = 0; k < e->n; k += 16)
		__builtin_prefetch(e->ids + k);
	__builtin_prefetch(&s->counts[(size_t)idx * s->ncols]);
}

#define WRITE_AHEAD 8

/* Formats the stacks order[lo .. hi) into o. */
static void
format_lines(const struct fg_stacks *s, const uint32_t *order, size_t lo,
	     size_t hi, struct out *o)
{
	const struct fg_symtab *syms = s->syms;
	unsigned ncols = s->ncols, c;
	size_t i, j, len;
	char num[FG_COUNT_BUFSZ + 1];

	for (i = lo; i < hi && i < lo + WRITE_AHEAD; i++)
		__builtin_prefetch(&s->entries[order[i]]);
	for (i = lo; i < hi && !o->err; i++) {
		const struct fg_stack_entry *e = &s->entries[order[i]];
		const struct fg_count *counts =
			&s->counts[(size_t)order[i] * ncols];

		if (i + 2 * WRITE_AHEAD < hi)
			__builtin_prefetch(
				&s->entries[order[i + 2 * WRITE_AHEAD]]);
		if (i + WRITE_AHEAD < hi)
			prefetch_stack(s, order[i + WRITE_AHEAD]);
		for (j = 0; j < e->n; j++) {
			const char *name = fg_sym_name(syms, e->ids[j], &len);

			if (j > 0)
				out_add(o, ";", 1);
			out_add(o, name, len);
		}
		for (c = 0; c < ncols; c++) {
			num[0] = ' ';
			len = fg_count_format(&counts[c], num + 1);
			out_add(o, num, len + 1);
		}
		out_add(o, "\n", 1);
	}
}

static int
out_done(struct out *o)
{
	out_flush(o);
	free(o->buf);
	if (o->err) {
		errno = o->err;
		return FG_EIO;
	}
	return FG_OK;
}

int
fg_folded_write_sorted(const struct fg_stacks *s, const uint32_t *order,
		       FILE *fp)
{
	return fg_folded_write_sorted_jobs(s, order, fp, 1);
}

/*
 * Writing on several threads: the lines are cut into blocks of
 * WRITE_BLOCK stacks, block b formatted by thread b % jobs into one of
 * its two buffers, and the caller's thread, which formats its own
 * blocks straight to the FILE, writes the others' in order as they come.
 */
#define WRITE_BLOCK 4096
#define WRITE_PAR_MIN (4 * WRITE_BLOCK)

struct writer;

struct wblock {
	struct out o;
	int full;		/* formatted, not yet written */
};

struct wthread {
	struct writer *w;
	unsigned t;
	struct wblock buf[2];	/* blocks t, t + jobs, ... alternate */
	pthread_t tid;
	int started;
};

struct writer {
	const struct fg_stacks *s;
	const uint32_t *order;
	size_t n, nblocks;
	unsigned jobs;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;		/* the caller gave up (a write failed) */
	struct wthread *th;
};

static void *
wthread_main(void *arg)
{
	struct wthread *th = arg;
	struct writer *w = th->w;
	size_t b, k;
	int stop;

	for (b = th->t, k = 0; b < w->nblocks; b += w->jobs, k++) {
		struct wblock *wb = &th->buf[k % 2];
		size_t lo = b * WRITE_BLOCK;
		size_t hi = lo + WRITE_BLOCK < w->n ? lo + WRITE_BLOCK : w->n;

		pthread_mutex_lock(&w->mu);
		while (wb->full && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		stop = w->stop;
		pthread_mutex_unlock(&w->mu);
		if (stop)
			break;
		wb->o.len = 0;
		format_lines(w->s, w->order, lo, hi, &wb->o);
		pthread_mutex_lock(&w->mu);
		wb->full = 1;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
	}
	return NULL;
}

int
fg_folded_write_sorted_jobs(const struct fg_stacks *s, const uint32_t *order,
			    FILE *fp, unsigned jobs)
{
	struct out o = { fp, NULL, 0, 256 * 1024, 0 };
	struct writer w;
	size_t b, i;
	unsigned t;

	o.buf = fg_xmalloc(o.cap);
	if (jobs > 64)
		jobs = 64;
	if (jobs < 2 || s->n < WRITE_PAR_MIN) {
		format_lines(s, order, 0, s->n, &o);
		return out_done(&o);
	}
	w.s = s;
	w.order = order;
	w.n = s->n;
	w.nblocks = (s->n + WRITE_BLOCK - 1) / WRITE_BLOCK;
	w.jobs = jobs;
	w.stop = 0;
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	w.th = fg_xcalloc(jobs, sizeof(*w.th));
	for (t = 1; t < jobs; t++) {
		w.th[t].w = &w;
		w.th[t].t = t;
		for (i = 0; i < 2; i++)
			w.th[t].buf[i].o = (struct out){ NULL,
				fg_xmalloc(1024 * 1024), 0, 1024 * 1024, 0 };
		w.th[t].started = pthread_create(&w.th[t].tid, NULL,
						 wthread_main, &w.th[t]) == 0;
	}
	for (b = 0; b < w.nblocks && !o.err; b++) {
		size_t lo = b * WRITE_BLOCK;
		size_t hi = lo + WRITE_BLOCK < w.n ? lo + WRITE_BLOCK : w.n;
		struct wthread *th = &w.th[b % jobs];
		struct wblock *wb = &th->buf[(b / jobs) % 2];

		if (b % jobs == 0 || !th->started) {
			format_lines(s, order, lo, hi, &o);
			continue;
		}
		pthread_mutex_lock(&w.mu);
		while (!wb->full)
			pthread_cond_wait(&w.cv, &w.mu);
		pthread_mutex_unlock(&w.mu);
		out_add(&o, wb->o.buf, wb->o.len);
		pthread_mutex_lock(&w.mu);
		wb->full = 0;
		pthread_cond_broadcast(&w.cv);
		pthread_mutex_unlock(&w.mu);
	}
	pthread_mutex_lock(&w.mu);
	w.stop = 1;
	pthread_cond_broadcast(&w.cv);
	pthread_mutex_unlock(&w.mu);
	for (t = 1; t < jobs; t++) {
		if (w.th[t].started)
			pthread_join(w.th[t].tid, NULL);
		free(w.th[t].buf[0].o.buf);
		free(w.th[t].buf[1].o.buf);
	}
	free(w.th);
	pthread_mutex_destroy(&w.mu);
	pthread_cond_destroy(&w.cv);
	return out_done(&o);
}
