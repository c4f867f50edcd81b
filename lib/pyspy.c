/*
 * pyspy.c - py-spy frames mapped to output names, and the raw reader.
 */
#define _DEFAULT_SOURCE		/* madvise */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>

#include <pcre2.h>
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#include "fg/buf.h"
#include "fg/folded.h"
#include "fg/intern.h"
#include "fg/pyspy.h"
#include "internal.h"

/* thread (TID): NAME | thread (TID) | thread 0xADDR (py-spy <= 0.3.3) */
static const char thread_pattern[] =
	"^thread (?:\\([0-9A-Fa-fx]+\\)|0x[0-9A-Fa-f]+)(?:: (.*))?$";
static const char process_pattern[] = "^process [0-9]+:\".*\"$";
/* NAME (FILE:LINE) or NAME (FILE): the last " (" of a frame ending in ")" */
static const char frame_pattern[] = "^(.*) \\((.*?)(?::([0-9]+))?\\)$";
/*
 * Files of native frames: shared objects, C/C++/Rust/Cython sources from
 * debug information, the interpreter binary itself.
 */
static const char native_file_pattern[] =
	"(?:\\.(?:so(?:\\.[0-9]+)*|dylib|dll|pyd|exe|c|cc|cpp|cxx|h|hh|hpp|"
	"rs|pyx|pxd|pxi|s|S)|(?:^|/)(?:lib)?python[0-9.]*[dmu]?)$";
static const char native_name_pattern[] = "^0x[0-9A-Fa-f]+$";

enum {
	RE_THREAD,
	RE_PROCESS,
	RE_FRAME,
	RE_NATIVE_FILE,
	RE_NATIVE_NAME,
	RE_COUNT
};

struct fg_pyspy {
	struct fg_pyspy_opts o;
	struct fg_stacks *dst;
	struct fg_symtab *syms;
	bool identity;		/* raw text maps to itself */
	pcre2_code *re[RE_COUNT];
	pcre2_match_data *md;
	uint64_t *memo;		/* raw text id -> mapped id + 1, 0 unknown */
	size_t memo_cap;
	struct fg_buf scratch;
	uint32_t *ids;		/* fg_pyspy_add's filtered stack */
	size_t ids_cap;
	uint32_t empty_id;
	bool have_empty;
	struct fg_pyspy_totals totals;
};

static pcre2_code *
compile(const char *pattern)
{
	PCRE2_SIZE off;
	int err;
	pcre2_code *re;

	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
			   PCRE2_DOTALL, &err, &off, NULL);
	if (re == NULL)
		return NULL;
	/* see rewrite.c: no JIT under valgrind */
	if (!RUNNING_ON_VALGRIND)
		(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

struct fg_pyspy *
fg_pyspy_new(struct fg_stacks *dst, const struct fg_pyspy_opts *opts,
	     struct fg_diag *d)
{
	static const char *const patterns[RE_COUNT] = {
		thread_pattern, process_pattern, frame_pattern,
		native_file_pattern, native_name_pattern
	};
	struct fg_pyspy *p;
	size_t i;

	if (opts->path == FG_PYSPY_PATH_STRIP &&
	    (opts->strip_prefix == NULL || opts->strip_prefix[0] == '\0')) {
		fg_diag_set(d, NULL, 0, 0, "an empty prefix to strip");
		return NULL;
	}
	p = fg_xcalloc(1, sizeof(*p));
	p->o = *opts;
	p->dst = dst;
	p->syms = fg_stacks_symtab(dst);
	p->identity = !opts->no_threads && !opts->no_processes &&
		      !opts->merge_threads && !opts->no_native &&
		      opts->granularity == FG_PYSPY_LINE &&
		      opts->path == FG_PYSPY_PATH_FULL;
	for (i = 0; i < RE_COUNT; i++) {
		p->re[i] = compile(patterns[i]);
		if (p->re[i] == NULL) {
			fg_diag_set(d, NULL, 0, 0,
				    "cannot compile a built-in pattern");
			fg_pyspy_free(p);
			return NULL;
		}
	}
	p->md = pcre2_match_data_create(8, NULL);
	if (p->md == NULL)
		fg_xmalloc(SIZE_MAX);
	fg_buf_init(&p->scratch);
	return p;
}

void
fg_pyspy_free(struct fg_pyspy *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < RE_COUNT; i++)
		pcre2_code_free(p->re[i]);
	pcre2_match_data_free(p->md);
	free(p->memo);
	free(p->ids);
	fg_buf_release(&p->scratch);
	free(p);
}

const struct fg_pyspy_totals *
fg_pyspy_totals(const struct fg_pyspy *p)
{
	return &p->totals;
}

/* Matches re against s; returns true on a match (captures in p->md). */
static bool
match(struct fg_pyspy *p, int re, const char *s, size_t n)
{
	if (s == NULL)
		return false;
	return pcre2_match(p->re[re], (PCRE2_SPTR)s, n, 0, 0, p->md, NULL) >= 0;
}

/* Capture group g of the last match, or false if it did not take part. */
static bool
group(struct fg_pyspy *p, int g, const char *s, const char **gs, size_t *gn)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(p->md);

	if (ov[2 * g] == PCRE2_UNSET)
		return false;
	*gs = s + ov[2 * g];
	*gn = ov[2 * g + 1] - ov[2 * g];
	return true;
}

static bool
is_native(struct fg_pyspy *p, const struct fg_pyspy_frame *f)
{
	if (f->file != NULL && f->file_len > 0 &&
	    match(p, RE_NATIVE_FILE, f->file, f->file_len))
		return true;
	return match(p, RE_NATIVE_NAME, f->name, f->name_len);
}

enum fg_pyspy_kind
fg_pyspy_classify_parts(struct fg_pyspy *p, const struct fg_pyspy_frame *f)
{
	if (f->file == NULL || f->file_len == 0) {
		if (match(p, RE_THREAD, f->name, f->name_len))
			return FG_PYSPY_THREAD;
		if (match(p, RE_PROCESS, f->name, f->name_len))
			return FG_PYSPY_PROCESS;
		if (f->file == NULL || !is_native(p, f))
			return FG_PYSPY_OTHER;
	}
	return is_native(p, f) ? FG_PYSPY_NATIVE : FG_PYSPY_PYTHON;
}

/* Adds the file name of f to b as the path option says. */
static void
add_path(struct fg_pyspy *p, struct fg_buf *b, const struct fg_pyspy_frame *f)
{
	const char *s = f->file;
	size_t n = f->file_len, k;

	switch (p->o.path) {
	case FG_PYSPY_PATH_BASE:
		for (k = n; k > 0 && s[k - 1] != '/' && s[k - 1] != '\\'; k--)
			;
		/* keep a name that is only a directory, like "/" */
		if (k < n) {
			s += k;
			n -= k;
		}
		break;
	case FG_PYSPY_PATH_STRIP: {
		size_t pl = strlen(p->o.strip_prefix);

		if (pl < n && memcmp(s, p->o.strip_prefix, pl) == 0) {
			s += pl;
			n -= pl;
		}
		break;
	}
	case FG_PYSPY_PATH_FULL:
		break;
	}
	fg_buf_add(b, s, n);
}

/* The thread frame f, renamed "thread: NAME" (or "thread"). */
static uint32_t
merge_thread(struct fg_pyspy *p, const struct fg_pyspy_frame *f)
{
	const char *gs;
	size_t gn;

	fg_buf_reset(&p->scratch);
	fg_buf_adds(&p->scratch, "thread");
	if (match(p, RE_THREAD, f->name, f->name_len) &&
	    group(p, 1, f->name, &gs, &gn)) {
		fg_buf_adds(&p->scratch, ": ");
		fg_buf_add(&p->scratch, gs, gn);
	}
	return fg_intern(p->syms, p->scratch.buf, p->scratch.len);
}

uint32_t
fg_pyspy_map_parts(struct fg_pyspy *p, const struct fg_pyspy_frame *f,
		   enum fg_pyspy_kind kind)
{
	struct fg_buf *b = &p->scratch;
	bool file = f->file != NULL && f->file_len > 0;

	switch (kind) {
	case FG_PYSPY_THREAD:
		if (p->o.no_threads)
			return FG_PYSPY_DROP;
		if (p->o.merge_threads)
			return merge_thread(p, f);
		return fg_intern(p->syms, f->name, f->name_len);
	case FG_PYSPY_PROFILE:
		if (p->o.no_threads || p->o.merge_threads)
			return FG_PYSPY_DROP;
		return fg_intern(p->syms, f->name, f->name_len);
	case FG_PYSPY_PROCESS:
		if (p->o.no_processes)
			return FG_PYSPY_DROP;
		return fg_intern(p->syms, f->name, f->name_len);
	case FG_PYSPY_NATIVE:
		if (p->o.no_native)
			return FG_PYSPY_DROP;
		break;
	case FG_PYSPY_PYTHON:
	case FG_PYSPY_OTHER:
		break;
	}
	fg_buf_reset(b);
	if (!file) {
		fg_buf_add(b, f->name, f->name_len);
	} else if (p->o.granularity == FG_PYSPY_FILE) {
		add_path(p, b, f);
	} else {
		fg_buf_add(b, f->name, f->name_len);
		fg_buf_adds(b, " (");
		add_path(p, b, f);
		if (p->o.granularity == FG_PYSPY_LINE && f->line != NULL) {
			fg_buf_addc(b, ':');
			fg_buf_add(b, f->line, f->line_len);
		}
		fg_buf_addc(b, ')');
	}
	return fg_intern(p->syms, b->buf, b->len);
}

/* Splits a raw frame's text into parts and says what kind it is. */
static enum fg_pyspy_kind
parse_text(struct fg_pyspy *p, const char *s, size_t n,
	   struct fg_pyspy_frame *f)
{
	memset(f, 0, sizeof(*f));
	f->name = s;
	f->name_len = n;
	if (match(p, RE_THREAD, s, n))
		return FG_PYSPY_THREAD;
	if (match(p, RE_PROCESS, s, n))
		return FG_PYSPY_PROCESS;
	if (!match(p, RE_FRAME, s, n))
		return FG_PYSPY_OTHER;
	group(p, 1, s, &f->name, &f->name_len);
	group(p, 2, s, &f->file, &f->file_len);
	if (!group(p, 3, s, &f->line, &f->line_len))
		f->line = NULL;
	return is_native(p, f) ? FG_PYSPY_NATIVE : FG_PYSPY_PYTHON;
}

/* Makes p->memo hold index id. */
static void
memo_grow(struct fg_pyspy *p, size_t id)
{
	size_t cap = p->memo_cap ? p->memo_cap : 256;

	if (id < p->memo_cap)
		return;
	while (cap <= id)
		cap *= 2;
	p->memo = fg_xreallocarray(p->memo, cap, sizeof(*p->memo));
	memset(p->memo + p->memo_cap, 0, (cap - p->memo_cap) * sizeof(*p->memo));
	p->memo_cap = cap;
}

uint32_t
fg_pyspy_map_text(struct fg_pyspy *p, const char *s, size_t n)
{
	struct fg_pyspy_frame f;
	enum fg_pyspy_kind kind;
	uint32_t id, out;

	id = fg_intern(p->syms, s, n);
	if (p->identity)
		return id;
	memo_grow(p, id);
	if (p->memo[id] != 0)
		return (uint32_t)(p->memo[id] - 1);
	/* the symtab's storage is stable: s may be replaced by its copy */
	s = fg_symtab_str(p->syms, id, NULL);
	kind = parse_text(p, s, n, &f);
	out = fg_pyspy_map_parts(p, &f, kind);
	p->memo[id] = (uint64_t)out + 1;
	return out;
}

/* SIZE_MAX as a stack index: the stack was dropped (drop_empty). */
#define DROPPED SIZE_MAX

/* Adds c again to the stack fg_pyspy_add put at idx (or dropped). */
static int
add_again(struct fg_pyspy *p, size_t idx, const struct fg_count *c)
{
	int rc;

	p->totals.stacks_in++;
	rc = fg_count_add(&p->totals.in, c);
	if (rc < 0)
		return rc;
	if (idx == DROPPED) {
		p->totals.empty++;
		return fg_count_add(&p->totals.dropped, c);
	}
	return fg_count_add(&fg_stacks_counts_mut(p->dst, idx)[0], c);
}

/* fg_pyspy_add, saying in *idx where the stack went. */
static int
add_idx(struct fg_pyspy *p, const uint32_t *ids, size_t n,
	const struct fg_count *c, size_t *idx)
{
	size_t i, k = 0;
	int rc;

	*idx = DROPPED;

	if (n >= p->ids_cap) {
		p->ids_cap = n < 64 ? 64 : n * 2;
		p->ids = fg_xreallocarray(p->ids, p->ids_cap, sizeof(*p->ids));
	}
	for (i = 0; i < n; i++)
		if (ids[i] != FG_PYSPY_DROP)
			p->ids[k++] = ids[i];
	p->totals.stacks_in++;
	rc = fg_count_add(&p->totals.in, c);
	if (rc < 0)
		return rc;
	if (k == 0) {
		p->totals.empty++;
		if (p->o.drop_empty)
			return fg_count_add(&p->totals.dropped, c);
		if (!p->have_empty) {
			p->empty_id = fg_intern(p->syms, FG_PYSPY_EMPTY_FRAME,
						strlen(FG_PYSPY_EMPTY_FRAME));
			p->have_empty = true;
		}
		p->ids[k++] = p->empty_id;
	}
	return fg_stacks_add(p->dst, p->ids, k, 0, c, idx);
}

int
fg_pyspy_add(struct fg_pyspy *p, const uint32_t *ids, size_t n,
	     const struct fg_count *c)
{
	size_t idx;

	return add_idx(p, ids, n, c, &idx);
}

/*
 * The end of the frame starting at s (end: the end of the stack): the
 * next ';', except that a process frame runs to its closing '";'.
 */
static const char *
frame_end(const char *s, const char *end)
{
	static const char proc[] = "process ";
	const char *q, *semi;

	if ((size_t)(end - s) > sizeof(proc) && memcmp(s, proc, 8) == 0) {
		for (q = s + 8; q < end && *q >= '0' && *q <= '9'; q++)
			;
		if (q > s + 8 && end - q >= 2 && q[0] == ':' && q[1] == '"') {
			for (q += 2; q < end; q++) {
				q = memchr(q, '"', (size_t)(end - q));
				if (q == NULL)
					break;
				if (q + 1 == end || q[1] == ';')
					return q + 1;
			}
		}
	}
	semi = memchr(s, ';', (size_t)(end - s));
	return semi ? semi : end;
}

static inline bool
blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * An empty-stack line: blanks, then a count. Returns 1 and fills c if
 * s is one, 0 if not.
 */
static int
empty_line(const char *s, size_t n, struct fg_count *c)
{
	size_t b = 0, e = n;

	while (b < e && blank(s[b]))
		b++;
	if (b == 0 || b == e)
		return 0;
	while (e > b && blank(s[e - 1]))
		e--;
	return fg_count_parse(s + b, e - b, c, NULL) == FG_OK;
}

/*
 * The raw reader's memory of the stack lines it has seen: the stack text
 * of each distinct line (copied), keyed by its hash, with the index of
 * the stack it went to. A line seen before costs a hash of its text and
 * a comparison with the copy, not a split and a map per frame. A line is
 * found only if its bytes equal the copy's: equal hashes alone never
 * merge two lines.
 */
struct seen_line {
	const char *text;	/* in a chunk */
	size_t len;
	size_t idx;		/* the stack's index, or DROPPED */
	uint32_t hlo;		/* low half of the hash: the home slot */
};

/*
 * The copies of the texts go to chunks of their own, which grow to
 * SEEN_CHUNK bytes and, from SEEN_HUGE on, are aligned to and advised as
 * transparent huge pages where the system has them: a large file's
 * distinct lines are tens of megabytes written once each, which would
 * otherwise fault in 4 KiB at a time (a tenth of the reader's time).
 */
#define SEEN_FIRST_CHUNK ((size_t)64 << 10)
#define SEEN_HUGE ((size_t)2 << 20)
#define SEEN_CHUNK ((size_t)8 << 20)

struct seen_chunk {
	struct seen_chunk *next;	/* the texts follow */
};

struct seen {
	struct seen_chunk *chunks;
	char *free;		/* in the first chunk */
	size_t left, next_size;
	struct seen_line *lines;
	size_t n, cap;
	/* high half of the hash << 32 | line + 1; 0 is empty */
	uint64_t *slots;
	size_t mask;		/* slots has mask + 1 entries, a power of 2 */
};

/*
 * The hash lines are keyed by: fg_hash_text, unless a unit test sets
 * this to make lines collide (the test declares it; no header does).
 */
uint64_t (*fg_pyspy_line_hash)(const void *data, size_t n);

static inline uint64_t
line_hash(const char *s, size_t n)
{
	if (FG_UNLIKELY(fg_pyspy_line_hash != NULL))
		return fg_pyspy_line_hash(s, n);
	return fg_hash_text(s, n);
}

static void
seen_init(struct seen *t)
{
	memset(t, 0, sizeof(*t));
	t->next_size = SEEN_FIRST_CHUNK;
	t->mask = 1023;
	t->slots = fg_xcalloc(t->mask + 1, sizeof(*t->slots));
}

static void
seen_release(struct seen *t)
{
	while (t->chunks != NULL) {
		struct seen_chunk *c = t->chunks;

		t->chunks = c->next;
		free(c);
	}
	free(t->lines);
	free(t->slots);
}

/*
 * The slot of the line whose text is the n bytes at s (hash h), or the
 * empty slot where it belongs.
 */
static inline size_t
seen_slot(const struct seen *t, const char *s, size_t n, uint64_t h)
{
	uint64_t tag = h >> 32 << 32, v;
	size_t j = (uint32_t)h & t->mask;

	while ((v = t->slots[j]) != 0) {
		if ((v & 0xffffffff00000000ULL) == tag) {
			const struct seen_line *e = &t->lines[(uint32_t)v - 1];

			if (e->len == n && memcmp(e->text, s, n) == 0)
				return j;
		}
		j = (j + 1) & t->mask;
	}
	return j;
}

/* Room for n bytes of text. */
static char *
seen_alloc(struct seen *t, size_t n)
{
	const size_t head = sizeof(struct seen_chunk);
	size_t size = t->next_size;
	struct seen_chunk *c;
	void *m;

	if (t->chunks == NULL || n > t->left) {
		if (n > SIZE_MAX - SEEN_HUGE - head)
			fg_xmalloc(SIZE_MAX);
		if (size < SEEN_CHUNK)
			t->next_size *= 2;
		if (n + head > size)
			size = (n + head + SEEN_HUGE - 1) / SEEN_HUGE * SEEN_HUGE;
		if (size < SEEN_HUGE) {
			m = fg_xmalloc(size);
		} else {
			if (posix_memalign(&m, SEEN_HUGE, size) != 0)
				fg_xmalloc(SIZE_MAX);
#ifdef MADV_HUGEPAGE
			(void)madvise(m, size, MADV_HUGEPAGE);
#endif
		}
		c = m;
		c->next = t->chunks;
		t->chunks = c;
		t->free = (char *)m + head;
		t->left = size - head;
	}
	t->free += n;
	t->left -= n;
	return t->free - n;
}

/* Doubles the slots (the high halves of the hashes are in them). */
static void
seen_grow(struct seen *t)
{
	size_t mask = t->mask * 2 + 1, i, j;
	uint64_t *slots = fg_xcalloc(mask + 1, sizeof(*slots)), v;

	for (i = 0; i <= t->mask; i++) {
		if ((v = t->slots[i]) == 0)
			continue;
		j = t->lines[(uint32_t)v - 1].hlo & mask;
		while (slots[j] != 0)
			j = (j + 1) & mask;
		slots[j] = v;
	}
	free(t->slots);
	t->slots = slots;
	t->mask = mask;
}

/*
 * Remembers that the line whose text is the n bytes at s (hash h; not
 * found, slot j empty) went to stack idx.
 */
static void
seen_add(struct seen *t, size_t j, const char *s, size_t n, uint64_t h,
	 size_t idx)
{
	struct seen_line *e;
	char *copy;

	/* the slots name lines in 32 bits; the home slot takes 32 too */
	if (t->n >= UINT32_MAX - 1)
		fg_xmalloc(SIZE_MAX);
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 1024;
		t->lines = fg_xreallocarray(t->lines, t->cap,
					    sizeof(*t->lines));
	}
	copy = seen_alloc(t, n);
	memcpy(copy, s, n);
	e = &t->lines[t->n];
	e->text = copy;
	e->len = n;
	e->idx = idx;
	e->hlo = (uint32_t)h;
	t->slots[j] = h >> 32 << 32 | (uint64_t)(t->n + 1);
	t->n++;
	if (t->n * 2 > t->mask)
		seen_grow(t);
}

/*
 * Lines are read in batches of up to READ_BATCH, all from the reader's
 * buffer at once (so their slices stay valid together), parsed and
 * hashed first; then what finding each in the table will load (its
 * slot, the remembered line and its text, the stack's counts) is
 * requested for the whole batch, a level at a time, before the lines
 * are added in order: with tens of thousands of distinct lines each of
 * those loads misses the cache, and this way the misses overlap.
 */
#define READ_BATCH 16
/* how much of a remembered text to prefetch; the hardware streams on */
#define PREFETCH_TEXT 256

struct raw_line {
	const char *s;
	unsigned long lineno;
	/* 1 a stack, 2 an empty-stack line, 0 nothing, < 0 malformed */
	int rc;
	struct fg_folded_line fl;
	struct fg_count c;
	struct fg_diag ld;	/* why the line is malformed */
	uint64_t h;		/* of the stack text, if rc is 1 */
	size_t line;		/* a likely remembered line, or SIZE_MAX */
};

struct raw_reader {
	struct fg_pyspy *p;
	struct fg_lines *in;
	struct fg_pyspy_raw_stats *st;
	struct fg_diag *d;
	struct seen seen;
	uint32_t *ids;
	size_t cap;
};

/* Parses line number lineno, the n bytes at s, into b and hashes it. */
static void
raw_parse(struct raw_line *b, const char *s, size_t n, unsigned long lineno)
{
	b->s = s;
	b->lineno = lineno;
	fg_diag_clear(&b->ld);
	if (n > 0 && blank(s[0]) && empty_line(s, n, &b->c)) {
		b->rc = 2;
		return;
	}
	b->rc = fg_folded_parse_line(s, n, &b->fl, &b->ld);
	if (b->rc == 1) {
		b->c = b->fl.count1;
		b->h = line_hash(s, b->fl.len1);
	}
}

/* Requests what finding the batch's lines in the table will read. */
static void
raw_prefetch(const struct raw_reader *r, struct raw_line *b, size_t nb)
{
	const struct seen *t = &r->seen;
	const struct fg_stacks *dst = r->p->dst;
	size_t i, k;

	for (i = 0; i < nb; i++)
		if (b[i].rc == 1)
			__builtin_prefetch(&t->slots[(uint32_t)b[i].h & t->mask]);
	for (i = 0; i < nb; i++) {
		uint64_t v;

		b[i].line = SIZE_MAX;
		if (b[i].rc != 1)
			continue;
		v = t->slots[(uint32_t)b[i].h & t->mask];
		if (v != 0 && v >> 32 == b[i].h >> 32) {
			b[i].line = (uint32_t)v - 1;
			__builtin_prefetch(&t->lines[b[i].line]);
		}
	}
	for (i = 0; i < nb; i++) {
		const struct seen_line *e;

		if (b[i].line == SIZE_MAX)
			continue;
		e = &t->lines[b[i].line];
		for (k = 0; k < e->len && k < PREFETCH_TEXT; k += 64)
			__builtin_prefetch(e->text + k);
		if (e->idx != DROPPED)
			__builtin_prefetch(&dst->counts[e->idx * dst->ncols]);
	}
}

/*
 * raw_add_new where every frame maps to itself: if no frame is a process
 * frame (whose command line may hold a ';'), the stack is the line's
 * text split at every ';', found in the table by that text and the
 * line's hash. Returns 1 and adds the line if so, 0 if not.
 */
static int
raw_add_plain(struct raw_reader *r, const struct raw_line *b, size_t *idx,
	      int *rc)
{
	struct fg_pyspy *p = r->p;
	size_t len = b->fl.len1, k, i, nl, slot = 0;
	const char *name;
	uint64_t h;

	k = fg_folded_split(p->syms, b->s, len, &r->ids, &r->cap);
	for (i = 0; i < k; i++) {
		name = fg_sym_name(p->syms, r->ids[i], &nl);
		if (nl >= 8 && memcmp(name, "process ", 8) == 0)
			return 0;
	}
	h = fg_pyspy_line_hash == NULL ? b->h : fg_hash_text(b->s, len);
	*idx = fg_stacks_text_lookup(p->dst, b->s, len, h, &slot);
	if (*idx == SIZE_MAX)
		*idx = fg_stacks_insert(p->dst, r->ids, k, h, slot, 1);
	*rc = add_again(p, *idx, &b->c);
	return 1;
}

/* Splits a stack line into frames, maps them and adds the stack. */
static int
raw_add_new(struct raw_reader *r, const struct raw_line *b, size_t *idx)
{
	const char *s = b->s, *end = b->s + b->fl.len1, *fe;
	size_t k;
	int rc;

	if (r->p->identity && raw_add_plain(r, b, idx, &rc))
		return rc;
	for (k = 0;; s = fe + 1) {
		fe = frame_end(s, end);
		if (k == r->cap) {
			r->cap = r->cap ? r->cap * 2 : 64;
			r->ids = fg_xreallocarray(r->ids, r->cap,
						  sizeof(*r->ids));
		}
		r->ids[k++] = fg_pyspy_map_text(r->p, s, (size_t)(fe - s));
		if (fe == end)
			break;
	}
	return add_idx(r->p, r->ids, k, &b->c, idx);
}

/* Adds one parsed line. */
static int
raw_add(struct raw_reader *r, struct raw_line *b)
{
	struct fg_pyspy_raw_stats *st = r->st;
	size_t j, idx;
	int rc;

	st->lines++;
	if (b->rc == 0)
		return FG_OK;
	if (b->rc < 0) {
		b->ld.file = fg_lines_name(r->in);
		b->ld.line = b->lineno;
		if (st->bad++ == 0)
			st->first_bad = b->ld;
		if (r->p->o.strict) {
			if (r->d != NULL)
				*r->d = b->ld;
			return FG_EPARSE;
		}
		return FG_OK;
	}
	if (b->rc == 2) {
		rc = add_idx(r->p, NULL, 0, &b->c, &idx);
	} else {
		j = seen_slot(&r->seen, b->s, b->fl.len1, b->h);
		if (r->seen.slots[j] != 0) {
			idx = r->seen.lines[(uint32_t)r->seen.slots[j] - 1].idx;
			rc = add_again(r->p, idx, &b->c);
		} else {
			rc = raw_add_new(r, b, &idx);
			if (rc >= 0)
				seen_add(&r->seen, j, b->s, b->fl.len1, b->h,
					 idx);
		}
	}
	if (rc < 0) {
		fg_diag_set(r->d, fg_lines_name(r->in), b->lineno, 0,
			    "a stack's count exceeds 18446744073709551615");
		return rc;
	}
	st->stacks++;
	return FG_OK;
}

int
fg_pyspy_read_raw(struct fg_pyspy *p, struct fg_lines *in,
		  struct fg_pyspy_raw_stats *st, struct fg_diag *d)
{
	struct raw_line batch[READ_BATCH];
	struct raw_reader r = { .p = p, .in = in, .st = st, .d = d };
	struct fg_diag rd;
	const char *s;
	size_t n, nb, i;
	int rc = FG_OK, rrc = 1;

	memset(st, 0, sizeof(*st));
	seen_init(&r.seen);
	fg_diag_clear(&rd);
	while (rrc == 1) {
		for (nb = 0; nb < READ_BATCH; nb++) {
			/* a line that needs a read would move the others */
			if (nb > 0 && !fg_lines_ready(in))
				break;
			rrc = fg_lines_next(in, &s, &n, &rd);
			if (rrc != 1)
				break;
			raw_parse(&batch[nb], s, n, fg_lines_lineno(in));
		}
		if (nb > 1)
			raw_prefetch(&r, batch, nb);
		for (i = 0; i < nb; i++)
			if ((rc = raw_add(&r, &batch[i])) < 0)
				goto out;
	}
	/* the lines before a read error count, as they always did */
	if (rrc < 0) {
		rc = rrc;
		if (d != NULL)
			*d = rd;
	}
out:
	seen_release(&r.seen);
	free(r.ids);
	return rc < 0 ? rc : FG_OK;
}
