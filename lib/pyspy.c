/*
 * pyspy.c - py-spy frames mapped to output names, and the raw reader.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <stdlib.h>
#include <string.h>

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

/* Records a malformed line; returns FG_EPARSE if it is to be fatal. */
static int
skip_line(struct fg_pyspy *p, struct fg_lines *in,
	  struct fg_pyspy_raw_stats *st, struct fg_diag *ld, struct fg_diag *d)
{
	ld->file = fg_lines_name(in);
	ld->line = fg_lines_lineno(in);
	if (st->bad++ == 0)
		st->first_bad = *ld;
	if (p->o.strict) {
		if (d != NULL)
			*d = *ld;
		return FG_EPARSE;
	}
	return FG_OK;
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

int
fg_pyspy_read_raw(struct fg_pyspy *p, struct fg_lines *in,
		  struct fg_pyspy_raw_stats *st, struct fg_diag *d)
{
	struct fg_folded_line fl;
	struct fg_diag ld;
	struct fg_count c;
	uint32_t *ids = NULL, tid;
	size_t cap = 0, k, *where = NULL, nwhere = 0, wcap = 0, idx;
	const char *s, *end, *fe;
	size_t n;
	int rc;
	bool remember;
	/*
	 * The text of every distinct stack line, remembered with where its
	 * stack went: a line seen before costs one hash, not one per frame.
	 */
	struct fg_symtab *texts = fg_symtab_new();

	memset(st, 0, sizeof(*st));
	while ((rc = fg_lines_next(in, &s, &n, d)) == 1) {
		st->lines++;
		fg_diag_clear(&ld);
		remember = false;
		if (n > 0 && blank(s[0]) && empty_line(s, n, &c)) {
			k = 0;
		} else {
			rc = fg_folded_parse_line(s, n, &fl, &ld);
			if (rc == 0)
				continue;
			if (rc < 0) {
				rc = skip_line(p, in, st, &ld, d);
				if (rc < 0)
					goto out;
				continue;
			}
			c = fl.count1;
			tid = fg_intern(texts, s, fl.len1);
			if (tid < nwhere) {
				rc = add_again(p, where[tid], &c);
				goto added;
			}
			remember = true;
			end = s + fl.len1;
			for (k = 0;; s = fe + 1) {
				fe = frame_end(s, end);
				if (k == cap) {
					cap = cap ? cap * 2 : 64;
					ids = fg_xreallocarray(ids, cap,
							       sizeof(*ids));
				}
				ids[k++] = fg_pyspy_map_text(p, s,
							     (size_t)(fe - s));
				if (fe == end)
					break;
			}
		}
		rc = add_idx(p, ids, k, &c, &idx);
		if (remember) {
			if (nwhere == wcap) {
				wcap = wcap ? wcap * 2 : 1024;
				where = fg_xreallocarray(where, wcap,
							 sizeof(*where));
			}
			where[nwhere++] = idx;
		}
added:
		if (rc < 0) {
			fg_diag_set(d, fg_lines_name(in), fg_lines_lineno(in),
				    0, "a stack's count exceeds 18446744073709551615");
			goto out;
		}
		st->stacks++;
	}
out:
	free(where);
	fg_symtab_free(texts);
	free(ids);
	return rc < 0 ? rc : FG_OK;
}
