/*
 * scalene.c - Scalene JSON profiles to folded stacks (see scalene.h and
 * stackcollapse-scalene(1); the format is described in
 * docs/formats/scalene.md of the project's shared documents).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "fg/buf.h"
#include "fg/intern.h"
#include "fg/lineio.h"
#include "fg/scalene.h"
#include "internal.h"

/*
 * The top-level members that hold a source. Each is kept as compacted
 * text when read and parsed only when a collapse needs it, so a run pays
 * for the part of the profile it reads.
 */
enum { M_FILES, M_STACKS, M_COMBINED, M_MEMSTACKS, M_N };

static const char *const member_keys[M_N] = {
	"files", "stacks", "combined_stacks", "memory_stacks"
};

struct member {
	int kept;		/* the text was kept (the root holds 0) */
	struct fg_buf text;	/* until parsed */
	unsigned long line;	/* the input line it starts on */
	char first;		/* '{' or '[' */
	int empty;		/* nothing between the brackets */
	json_t *val;		/* once parsed */
};

struct fg_scalene {
	const char *name;
	json_t *root;
	struct member m[M_N];
	/* file key -> index into fidx, built on first use */
	struct fg_symtab *fnames;
	struct file_index **fidx;
	size_t nfidx;
};

/* One line of a file's line table, sorted by lineno. */
struct line_ent {
	long lineno;
	long sfl;		/* start_function_line, -1 when absent */
	const char *text;	/* the source line, NULL when absent */
	size_t textlen;
};

struct func_ent {
	const char *name;
	size_t len;
	long lineno;
};

struct file_index {
	const char *key;
	json_t *obj;		/* NULL: the file is not in "files" */
	struct line_ent *lines;
	size_t nlines;
	struct func_ent *funcs;
	size_t nfuncs;
};

/* ---- loading ---------------------------------------------------------- */

/*
 * A compactor copies JSON text for jansson, dropping what would only
 * cost time and memory:
 *   - the blanks between tokens (Scalene indents by four spaces, so they
 *     are half of a file, and each costs jansson's lexer a call), but not
 *     newlines, so that jansson's line numbers stay right;
 *   - the contents of the lists no metric uses, "cpu_samples_list",
 *     "memory_samples", "samples" and "combined_stacks_timeline" (sample
 *     timestamps and sparklines: most of a large profile), which become
 *     [] (keeping their newlines);
 * and turning Python's non-JSON tokens NaN, Infinity and -Infinity into
 * null. Strings are copied unchanged. It works chunk by chunk as the file
 * is read, so only the compacted text is ever held.
 */
struct compactor {
	struct fg_buf out;
	int in_str;		/* inside a string */
	char key[32];		/* the start of the string being read */
	size_t keylen;		/* its length; sizeof(key) when too long */
	int pending;		/* 1: a skipped list's key, 2: and its ':' */
	size_t depth;		/* inside a skipped list: nesting depth */
	int skip_str;		/* inside a string in a skipped list */
	size_t level;		/* nesting depth in the document */
	int member;		/* a member's key just read: its index + 1 */
	int cap;		/* keeping a member's text: its index + 1 */
	unsigned long lines;	/* newlines in the root's text */
	unsigned long cap_nl;	/* newlines in the member's text */
	struct member m[M_N];
};

static const char *const skipped_lists[] = {
	"cpu_samples_list", "memory_samples", "samples",
	"combined_stacks_timeline"
};

/* What the compactor does with a byte outside strings. */
enum { C_COPY = 0, C_BLANK, C_QUOTE, C_MAYBE, C_OPEN, C_CLOSE, C_NL };

static const unsigned char cls[256] = {
	[' '] = C_BLANK, ['\t'] = C_BLANK, ['\r'] = C_BLANK,
	['"'] = C_QUOTE,
	['N'] = C_MAYBE, ['I'] = C_MAYBE, ['-'] = C_MAYBE,	/* NaN, -Infinity */
	['['] = C_OPEN, ['{'] = C_OPEN, [']'] = C_CLOSE, ['}'] = C_CLOSE,
	['\n'] = C_NL
};

/* What a byte does inside a skipped list (outside its strings). */
static const unsigned char skipcls[256] = {
	['"'] = 1, ['['] = 2, ['{'] = 2, [']'] = 3, ['}'] = 3, ['\n'] = 4
};

/* The string just closed: is it the key of a skipped list? */
static int
skipped_key(const struct compactor *z)
{
	size_t t;

	if (z->keylen >= sizeof(z->key))
		return 0;
	for (t = 0; t < FG_ARRAY_SIZE(skipped_lists); t++)
		if (strlen(skipped_lists[t]) == z->keylen &&
		    memcmp(skipped_lists[t], z->key, z->keylen) == 0)
			return 1;
	return 0;
}

/* Writes a newline, counted for the text it belongs to. */
static void
count_nl(struct compactor *z, char **o)
{
	*(*o)++ = '\n';
	if (z->cap)
		z->cap_nl++;
	else
		z->lines++;
}

/* The string just closed: the key of a member kept apart? */
static int
member_key(const struct compactor *z)
{
	size_t t;

	if (z->level != 1 || z->keylen >= sizeof(z->key))
		return 0;
	for (t = 0; t < M_N; t++)
		if (strlen(member_keys[t]) == z->keylen &&
		    memcmp(member_keys[t], z->key, z->keylen) == 0)
			return (int)t + 1;
	return 0;
}

/*
 * Moves the output to buffer b: closes the length of the current one
 * (*cur), makes room for need bytes in b, and returns the write pointer.
 */
static char *
switch_out(struct fg_buf **cur, char *o, struct fg_buf *b, size_t need)
{
	(*cur)->len = (size_t)(o - (*cur)->buf);
	(*cur)->buf[(*cur)->len] = '\0';
	*cur = b;
	fg_buf_grow(b, need);
	return b->buf + b->len;
}

/*
 * Skips the contents of a list from s[i], up to and including the ']'
 * that closes it (then written as "]"); newlines are kept. Returns the
 * index reached: n, or less at the list's end, or at an escape cut by the
 * end of a chunk that is not the last.
 */
static size_t
skip_list(struct compactor *z, const char *s, size_t n, size_t i, char **o,
	  int final)
{
	while (i < n) {
		unsigned char c = (unsigned char)s[i++];

		if (z->skip_str) {
			if (c == '\\' && i < n)
				i++;
			else if (c == '\\' && !final)
				return i - 1;
			else if (c == '"')
				z->skip_str = 0;
			else if (c == '\n')
				count_nl(z, o);
			continue;
		}
		switch (skipcls[c]) {
		case 1:
			z->skip_str = 1;
			break;
		case 2:
			z->depth++;
			break;
		case 3:
			if (--z->depth == 0) {
				*(*o)++ = ']';
				return i;
			}
			break;
		case 4:
			count_nl(z, o);
			break;
		}
	}
	return i;
}

/*
 * Compacts s[0..n-1] onto z->out. Returns how many bytes were used: all
 * of them when final, else perhaps a few less (a token that may go on in
 * the next chunk), which the caller passes again with what follows.
 */
static size_t
compact_chunk(struct compactor *z, const char *s, size_t n, int final)
{
	static const struct {
		const char *tok;
		size_t len;
	} nonjson[] = { { "NaN", 3 }, { "Infinity", 8 }, { "-Infinity", 9 } };
	struct fg_buf *cur = z->cap ? &z->m[z->cap - 1].text : &z->out;
	size_t i = 0, k, t;
	char *o;

	/* "NaN" -> "null" is the only growth: at most 4/3 */
	fg_buf_grow(cur, n + n / 3 + 4);
	o = cur->buf + cur->len;
	while (i < n) {
		char c = s[i];
		int cl;

		if (z->depth > 0) {
			k = skip_list(z, s, n, i, &o, final);
			if (k == i)
				break;	/* an escape cut by the chunk's end */
			i = k;
			continue;
		}
		if (z->in_str) {
			for (k = i; k < n && s[k] != '"' && s[k] != '\\'; k++)
				;
			if (z->keylen + (k - i) < sizeof(z->key))
				memcpy(z->key + z->keylen, s + i, k - i);
			z->keylen = z->keylen + (k - i) < sizeof(z->key) ?
				z->keylen + (k - i) : sizeof(z->key);
			memcpy(o, s + i, k - i);
			o += k - i;
			i = k;
			if (i == n)
				break;
			if (s[i] == '"') {
				*o++ = '"';
				z->in_str = 0;
				z->pending = skipped_key(z);
				z->member = member_key(z);
				i++;
			} else if (i + 1 < n || final) {
				*o++ = s[i++];	/* an escape: copy two bytes */
				if (i < n)
					*o++ = s[i++];
				z->keylen = sizeof(z->key);
			} else {
				break;
			}
			continue;
		}
		cl = cls[(unsigned char)c];
		if (cl == C_BLANK) {
			while (++i < n && cls[(unsigned char)s[i]] == C_BLANK)
				;
			continue;
		}
		if (cl == C_NL) {
			count_nl(z, &o);
			i++;
			continue;
		}
		if (z->pending || z->member) {
			if (c == ':' && (z->pending == 1 || z->member > 0)) {
				z->pending = z->pending ? 2 : 0;
				if (z->member > 0) {
					/* a repeated key: the last one counts */
					z->m[z->member - 1].kept = 0;
					fg_buf_reset(&z->m[z->member - 1].text);
				}
				z->member = -z->member;	/* the ':' seen */
				*o++ = c;
				i++;
				continue;
			}
			if (c == '[' && z->pending == 2) {
				*o++ = c;
				i++;
				z->pending = 0;
				z->member = 0;
				z->depth = 1;
				continue;
			}
			if (cl == C_OPEN && z->member < 0 && !z->cap) {
				/* a member's value: keep its text apart */
				struct member *m = &z->m[-z->member - 1];

				z->cap = -z->member;
				z->member = 0;
				z->pending = 0;
				m->kept = 1;
				m->line = z->lines + 1;
				m->first = c;
				fg_buf_reset(&m->text);
				z->cap_nl = 0;
				o = switch_out(&cur, o, &m->text,
					       (n - i) + (n - i) / 3 + 4);
				/* the member's text is at level 0 of its own */
			}
			z->pending = 0;
			z->member = 0;
		}
		if (cl == C_OPEN) {
			z->level++;
			*o++ = c;
			i++;
			continue;
		}
		if (cl == C_CLOSE) {
			if (z->level > 0)
				z->level--;
			*o++ = c;
			i++;
			if (z->cap && z->level == 1) {
				/* the member's value ends: 0 stands for it */
				struct member *m = &z->m[z->cap - 1];
				size_t b;

				o = switch_out(&cur, o, &z->out,
					       z->cap_nl + 1 + (n - i) +
					       (n - i) / 3 + 4);
				m->empty = 1;
				for (b = 1; b + 1 < m->text.len && m->empty; b++)
					m->empty = m->text.buf[b] == '\n';
				*o++ = '0';
				for (; z->cap_nl > 0; z->cap_nl--) {
					*o++ = '\n';
					z->lines++;
				}
				z->cap = 0;
			}
			continue;
		}
		if (cl == C_COPY) {
			/* a run of plain bytes: numbers, ':', ',' */
			for (k = i + 1; k < n && cls[(unsigned char)s[k]] == C_COPY;
			     k++)
				;
			memcpy(o, s + i, k - i);
			o += k - i;
			i = k;
			continue;
		}
		if (c == '"') {
			z->in_str = 1;
			z->keylen = 0;
		}
		if (cl == C_MAYBE) {
			if (n - i < 9 && !final)
				break;
			for (t = 0; t < FG_ARRAY_SIZE(nonjson); t++)
				if (n - i >= nonjson[t].len &&
				    memcmp(s + i, nonjson[t].tok,
					   nonjson[t].len) == 0)
					break;
			if (t < FG_ARRAY_SIZE(nonjson)) {
				memcpy(o, "null", 4);
				o += 4;
				i += nonjson[t].len;
				continue;
			}
		}
		*o++ = c;
		i++;
	}
	cur->len = (size_t)(o - cur->buf);
	cur->buf[cur->len] = '\0';
	return i;
}

static void
compactor_init(struct compactor *z)
{
	size_t k;

	memset(z, 0, sizeof(*z));
	fg_buf_init(&z->out);
	for (k = 0; k < M_N; k++)
		fg_buf_init(&z->m[k].text);
}

static void
member_release(struct member *m)
{
	fg_buf_release(&m->text);
	json_decref(m->val);
	m->val = NULL;
}

static void
compactor_release(struct compactor *z)
{
	size_t k;

	fg_buf_release(&z->out);
	for (k = 0; k < M_N; k++)
		member_release(&z->m[k]);
}

/* Parses the compacted text of z (released here) into a profile. */
static struct fg_scalene *
load_compacted(struct compactor *z, const char *name, struct fg_diag *d)
{
	struct fg_scalene *p;
	json_error_t jerr;
	json_t *root;
	const char *why = NULL;

	if (z->cap) {
		/* the text ended inside a member: let jansson see it all */
		struct member *m = &z->m[z->cap - 1];

		fg_buf_add(&z->out, m->text.buf, m->text.len);
		fg_buf_reset(&m->text);
		m->kept = 0;
		z->cap = 0;
	}
	root = json_loadb(z->out.buf, z->out.len, 0, &jerr);
	fg_buf_release(&z->out);
	if (root == NULL) {
		compactor_release(z);
		fg_diag_set(d, name, jerr.line > 0 ? (unsigned long)jerr.line : 0,
			    0, "not valid JSON: %s", jerr.text);
		return NULL;
	}
	if (!json_is_object(root))
		why = "not a Scalene profile: the top level is not a JSON object";
	else if (json_is_true(json_object_get(root, "is_child")))
		why = "only a child process's marker ('is_child'): its samples are in the parent's profile";
	else if (json_object_size(root) > 0 &&
		 json_object_get(root, "files") == NULL &&
		 json_object_get(root, "elapsed_time_sec") == NULL)
		why = "not a Scalene profile: missing required field 'files'";
	if (why != NULL) {
		json_decref(root);
		compactor_release(z);
		fg_diag_set(d, name, 0, 0, "%s", why);
		return NULL;
	}
	p = fg_xcalloc(1, sizeof(*p));
	p->name = name;
	p->root = root;
	memcpy(p->m, z->m, sizeof(p->m));
	p->fnames = fg_symtab_new();
	return p;
}

#define READ_CHUNK (1 << 20)

struct fg_scalene *
fg_scalene_load(const char *path, struct fg_diag *d)
{
	struct compactor z;
	const char *name = path;
	char *chunk;
	size_t have = 0, used;
	int fd, eof = 0;

	if (path == NULL || strcmp(path, "-") == 0) {
		fd = STDIN_FILENO;
		name = FG_LINES_STDIN_NAME;
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fg_diag_set(d, path, 0, 0, "cannot open '%s': %s",
				    path, strerror(errno));
			return NULL;
		}
	}
	compactor_init(&z);
	chunk = fg_xmalloc(READ_CHUNK);
	while (!eof) {
		ssize_t r = read(fd, chunk + have, READ_CHUNK - have);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fg_diag_set(d, name, 0, 0, "read error: %s",
				    strerror(errno));
			if (fd != STDIN_FILENO)
				close(fd);
			free(chunk);
			compactor_release(&z);
			return NULL;
		}
		eof = r == 0;
		have += (size_t)r;
		fg_read_progress((size_t)r);
		used = compact_chunk(&z, chunk, have, eof);
		/* what is left is a token's first few bytes: keep them */
		memmove(chunk, chunk + used, have - used);
		have -= used;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	free(chunk);
	return load_compacted(&z, name, d);
}

/*
 * From memory the text goes through the compactor in small pieces, as a
 * file does in large ones, so that tests and the fuzzer see tokens cut at
 * every place.
 */
#define MEM_CHUNK 509

struct fg_scalene *
fg_scalene_load_mem(const void *data, size_t n, const char *name,
		    struct fg_diag *d)
{
	struct compactor z;
	char buf[MEM_CHUNK + 16];	/* a carried token is at most 9 bytes */
	size_t have = 0, off = 0, used, take;
	int eof;

	compactor_init(&z);
	do {
		take = n - off < MEM_CHUNK ? n - off : MEM_CHUNK;
		if (take > 0)
			memcpy(buf + have, (const char *)data + off, take);
		have += take;
		off += take;
		eof = off == n;
		used = compact_chunk(&z, buf, have, eof);
		memmove(buf, buf + used, have - used);
		have -= used;
	} while (!eof);
	return load_compacted(&z, name, d);
}

static void
file_index_free(struct file_index *fi)
{
	if (fi == NULL)
		return;
	free(fi->lines);
	free(fi->funcs);
	free(fi);
}

void
fg_scalene_free(struct fg_scalene *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nfidx; i++)
		file_index_free(p->fidx[i]);
	for (i = 0; i < M_N; i++)
		member_release(&p->m[i]);
	free(p->fidx);
	fg_symtab_free(p->fnames);
	json_decref(p->root);
	free(p);
}

const char *
fg_scalene_name(const struct fg_scalene *p)
{
	return p->name;
}

/* ---- members kept apart ----------------------------------------------- */

/* Member k's value: its parsed text, or what the root holds (or NULL). */
static json_t *
mget(const struct fg_scalene *p, int k)
{
	return p->m[k].kept ? p->m[k].val :
			      json_object_get(p->root, member_keys[k]);
}

/* Parses member k's text if it was kept and not parsed yet. */
static int
member_parse(struct fg_scalene *p, int k, struct fg_diag *d)
{
	struct member *m = &p->m[k];
	json_error_t jerr;

	if (!m->kept || m->val != NULL)
		return FG_OK;
	m->val = json_loadb(m->text.buf, m->text.len, 0, &jerr);
	if (m->val == NULL) {
		fg_diag_set(d, p->name,
			    jerr.line > 0 ? m->line + (unsigned long)jerr.line - 1 : 0,
			    0, "not valid JSON: %s", jerr.text);
		return FG_EPARSE;
	}
	fg_buf_release(&m->text);
	return FG_OK;
}

/* Whether member k is an object (object) or a non-empty array. */
static int
member_has(const struct fg_scalene *p, int k, int object)
{
	const struct member *m = &p->m[k];
	const json_t *v;

	if (m->kept)
		return object ? m->first == '{' : m->first == '[' && !m->empty;
	v = json_object_get(p->root, member_keys[k]);
	return object ? json_is_object(v) :
			json_is_array(v) && json_array_size(v) > 0;
}

/* ---- names ------------------------------------------------------------ */

static const char *const metric_names[] = {
	"cpu", "python", "native", "system", "memory", "copy", "gpu"
};
static const char *const source_names[] = {
	"auto", "lines", "stacks", "combined", "memory-stacks"
};
static const char *const unit_names[] = {
	"default", "ns", "us", "ms", "s", "B", "KiB", "MiB", "GiB", "samples"
};

const char *
fg_scalene_metric_name(enum fg_scalene_metric m)
{
	return (unsigned)m < FG_ARRAY_SIZE(metric_names) ? metric_names[m] : "?";
}

const char *
fg_scalene_source_name(enum fg_scalene_source s)
{
	return (unsigned)s < FG_ARRAY_SIZE(source_names) ? source_names[s] : "?";
}

const char *
fg_scalene_unit_name(enum fg_scalene_unit u)
{
	return (unsigned)u < FG_ARRAY_SIZE(unit_names) ? unit_names[u] : "?";
}

static int
lookup_name(const char *const *names, size_t n, const char *s, int nocase)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *a = names[i], *b = s;

		while (*a != '\0' && *b != '\0' &&
		       (nocase ? (*a | 0x20) == (*b | 0x20) : *a == *b)) {
			a++;
			b++;
		}
		if (*a == '\0' && *b == '\0')
			return (int)i;
	}
	return -1;
}

int
fg_scalene_metric_parse(const char *s)
{
	return lookup_name(metric_names, FG_ARRAY_SIZE(metric_names), s, 0);
}

int
fg_scalene_source_parse(const char *s)
{
	return lookup_name(source_names, FG_ARRAY_SIZE(source_names), s, 0);
}

int
fg_scalene_unit_parse(const char *s)
{
	int u = lookup_name(unit_names, FG_ARRAY_SIZE(unit_names), s, 1);

	if (u < 0 && (strcmp(s, "µs") == 0 || strcmp(s, "usec") == 0))
		return FG_SCALENE_UNIT_US;
	return u == FG_SCALENE_UNIT_DEFAULT ? -1 : u;
}

static int
unit_is_time(enum fg_scalene_unit u)
{
	return u >= FG_SCALENE_UNIT_NS && u <= FG_SCALENE_UNIT_S;
}

static int
unit_is_bytes(enum fg_scalene_unit u)
{
	return u >= FG_SCALENE_UNIT_B && u <= FG_SCALENE_UNIT_GIB;
}

static int
metric_is_bytes(enum fg_scalene_metric m)
{
	return m == FG_SCALENE_MEMORY || m == FG_SCALENE_COPY;
}

bool
fg_scalene_unit_fits(enum fg_scalene_unit unit, enum fg_scalene_metric metric,
		     enum fg_scalene_source source)
{
	if (unit == FG_SCALENE_UNIT_DEFAULT)
		return true;
	if (source == FG_SCALENE_SRC_STACKS || source == FG_SCALENE_SRC_COMBINED)
		return unit == FG_SCALENE_UNIT_SAMPLES;
	if (source == FG_SCALENE_SRC_MEMORY_STACKS)
		return unit_is_bytes(unit);
	return metric_is_bytes(metric) ? unit_is_bytes(unit) :
					 unit_is_time(unit);
}

/* ---- what the profile has --------------------------------------------- */

bool
fg_scalene_has_source(const struct fg_scalene *p,
		      enum fg_scalene_source source)
{
	switch (source) {
	case FG_SCALENE_SRC_AUTO:
		return true;
	case FG_SCALENE_SRC_LINES:
		return member_has(p, M_FILES, 1);
	case FG_SCALENE_SRC_STACKS:
		return member_has(p, M_STACKS, 0);
	case FG_SCALENE_SRC_COMBINED:
		return member_has(p, M_COMBINED, 0);
	case FG_SCALENE_SRC_MEMORY_STACKS:
		return member_has(p, M_MEMSTACKS, 0);
	}
	return false;
}

/*
 * Whether options o can be served from source; if not, returns
 * FG_EINVAL with d filled.
 */
static int
check_opts(const struct fg_scalene_opts *o, enum fg_scalene_source src,
	   struct fg_diag *d, const char *name)
{
	const char *sn = fg_scalene_source_name(src);
	const char *mn = fg_scalene_metric_name(o->metric);

	if ((unsigned)o->metric >= FG_ARRAY_SIZE(metric_names) ||
	    (unsigned)src >= FG_ARRAY_SIZE(source_names) ||
	    (unsigned)o->unit >= FG_ARRAY_SIZE(unit_names) ||
	    (o->frames != FG_SCALENE_FRAMES_FILE &&
	     o->frames != FG_SCALENE_FRAMES_PYSPY)) {
		fg_diag_set(d, name, 0, 0, "invalid options");
		return FG_EINVAL;
	}
	if (src == FG_SCALENE_SRC_STACKS || src == FG_SCALENE_SRC_COMBINED) {
		if (o->metric != FG_SCALENE_CPU) {
			fg_diag_set(d, name, 0, 0,
				    "source %s holds CPU sample counts only, not metric %s (the line table has it)",
				    sn, mn);
			return FG_EINVAL;
		}
	} else if (src == FG_SCALENE_SRC_MEMORY_STACKS) {
		if (o->metric != FG_SCALENE_MEMORY) {
			fg_diag_set(d, name, 0, 0,
				    "source memory-stacks holds memory only, not metric %s",
				    mn);
			return FG_EINVAL;
		}
	}
	if (src != FG_SCALENE_SRC_LINES) {
		if (o->split) {
			fg_diag_set(d, name, 0, 0,
				    "split needs the line table, not source %s",
				    sn);
			return FG_EINVAL;
		}
		if (o->frames == FG_SCALENE_FRAMES_PYSPY) {
			fg_diag_set(d, name, 0, 0,
				    "frames apply to the line table; source %s always names frames 'function (file:line)'",
				    sn);
			return FG_EINVAL;
		}
	}
	if (o->split && o->metric != FG_SCALENE_CPU) {
		fg_diag_set(d, name, 0, 0,
			    "split shows the parts of metric cpu, not of %s",
			    mn);
		return FG_EINVAL;
	}
	if ((o->no_native || o->drop_interp) && src != FG_SCALENE_SRC_COMBINED) {
		fg_diag_set(d, name, 0, 0,
			    "native frames are only in source combined, not %s",
			    sn);
		return FG_EINVAL;
	}
	if (!fg_scalene_unit_fits(o->unit, o->metric, src)) {
		fg_diag_set(d, name, 0, 0,
			    "unit %s does not measure metric %s from source %s",
			    fg_scalene_unit_name(o->unit), mn, sn);
		return FG_EINVAL;
	}
	return FG_OK;
}

int
fg_scalene_check_opts(const struct fg_scalene_opts *o, struct fg_diag *d)
{
	enum fg_scalene_source s;

	if (o->source != FG_SCALENE_SRC_AUTO)
		return check_opts(o, o->source, d, NULL);
	for (s = FG_SCALENE_SRC_LINES; s <= FG_SCALENE_SRC_MEMORY_STACKS; s++)
		if (check_opts(o, s, NULL, NULL) == FG_OK)
			return FG_OK;
	if (o->no_native || o->drop_interp)
		return check_opts(o, FG_SCALENE_SRC_COMBINED, d, NULL);
	return check_opts(o, FG_SCALENE_SRC_LINES, d, NULL);
}

enum fg_scalene_source
fg_scalene_auto_source(const struct fg_scalene *p,
		       const struct fg_scalene_opts *o)
{
	static const enum fg_scalene_source cpu_order[] = {
		FG_SCALENE_SRC_COMBINED, FG_SCALENE_SRC_STACKS
	};
	size_t i;

	if (o->metric == FG_SCALENE_CPU) {
		for (i = 0; i < FG_ARRAY_SIZE(cpu_order); i++)
			if (fg_scalene_has_source(p, cpu_order[i]) &&
			    check_opts(o, cpu_order[i], NULL, NULL) == FG_OK)
				return cpu_order[i];
		/* asked for native frames: only combined can have them */
		if (o->no_native || o->drop_interp)
			return FG_SCALENE_SRC_COMBINED;
	}
	if (o->metric == FG_SCALENE_MEMORY &&
	    fg_scalene_has_source(p, FG_SCALENE_SRC_MEMORY_STACKS) &&
	    check_opts(o, FG_SCALENE_SRC_MEMORY_STACKS, NULL, NULL) == FG_OK)
		return FG_SCALENE_SRC_MEMORY_STACKS;
	return FG_SCALENE_SRC_LINES;
}

/*
 * Grows the array a of *cap elements of size sz, zero-filling the new
 * ones, so that index idx is valid. Returns the (maybe moved) array.
 */
static void *
grow_zeroed(void *a, size_t *cap, size_t idx, size_t sz)
{
	size_t ncap = *cap ? *cap : 16;

	if (idx < *cap)
		return a;
	while (ncap <= idx)
		ncap *= 2;
	a = fg_xreallocarray(a, ncap, sz);
	memset((char *)a + *cap * sz, 0, (ncap - *cap) * sz);
	*cap = ncap;
	return a;
}

/* ---- the collapse context --------------------------------------------- */

struct ctx {
	struct fg_scalene *p;
	const struct fg_scalene_opts *o;
	struct fg_scalene_stats *st;
	struct fg_diag *d;
	struct fg_symtab *syms;
	struct fg_stacks *tmp;	/* distinct stacks, values in val[] */
	long double *val;
	size_t valcap;
	uint32_t *ids;		/* the stack being built */
	size_t nids, idcap;
	struct fg_buf fb;	/* the frame being built */
	/* where in the JSON, for messages: files["KEY"].lines[I], KEY[I] */
	const char *where_file;	/* a files key, or NULL */
	const char *where_list;	/* "lines" under a file, else a top key */
	size_t where_idx;	/* SIZE_MAX: the file itself */
	long double scale;	/* a base value (s or MB) -> the unit */
	double elapsed;
	int gpu_is_load;	/* n_gpu_percent is a mean load (1.5.43+) */
};

/*
 * A malformed entry: counted (the first one remembered), or, with strict,
 * fatal. Returns FG_OK to go on, FG_EPARSE to stop.
 */
static int bad(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
bad(struct ctx *c, const char *fmt, ...)
{
	char msg[FG_DIAG_MSG_MAX], where[FG_DIAG_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->where_file != NULL && c->where_idx == SIZE_MAX)
		snprintf(where, sizeof(where), "files[\"%s\"]", c->where_file);
	else if (c->where_file != NULL)
		snprintf(where, sizeof(where), "files[\"%s\"].%s[%zu]",
			 c->where_file, c->where_list, c->where_idx);
	else
		snprintf(where, sizeof(where), "%s[%zu]", c->where_list,
			 c->where_idx);
	c->st->bad++;
	if (c->st->bad == 1)
		fg_diag_set(&c->st->first_bad, c->p->name, 0, 0, "%s: %s",
			    where, msg);
	if (c->o->strict) {
		fg_diag_set(c->d, c->p->name, 0, 0, "%s: %s", where, msg);
		return FG_EPARSE;
	}
	return FG_OK;
}

/* Appends n bytes of s to the frame, turning ';' and line ends harmless. */
static void
frame_add(struct ctx *c, const char *s, size_t n)
{
	size_t i, start = c->fb.len;

	fg_buf_add(&c->fb, s, n);
	for (i = start; i < c->fb.len; i++) {
		if (c->fb.buf[i] == ';')
			c->fb.buf[i] = ':';
		else if (c->fb.buf[i] == '\n' || c->fb.buf[i] == '\r')
			c->fb.buf[i] = ' ';
	}
}

static void
frame_adds(struct ctx *c, const char *s)
{
	frame_add(c, s, strlen(s));
}

/* Interns the frame built in c->fb and pushes it on the stack. */
static void
frame_push(struct ctx *c)
{
	if (c->nids == c->idcap) {
		c->idcap = c->idcap ? c->idcap * 2 : 16;
		c->ids = fg_xreallocarray(c->ids, c->idcap, sizeof(*c->ids));
	}
	c->ids[c->nids++] = fg_intern(c->syms, c->fb.buf, c->fb.len);
	fg_buf_reset(&c->fb);
}

static void
push_text(struct ctx *c, const char *s)
{
	fg_buf_reset(&c->fb);
	frame_adds(c, s);
	frame_push(c);
}

/* Adds v (in the output unit) to the stack in c->ids[0 .. nids-1]. */
static int
stack_add(struct ctx *c, long double v)
{
	static const struct fg_count zero = FG_COUNT_ZERO;
	size_t idx;

	if (v == 0)
		return FG_OK;
	if (c->nids == 0)
		push_text(c, "[unknown]");
	fg_stacks_add(c->tmp, c->ids, c->nids, 0, &zero, &idx);
	c->val = grow_zeroed(c->val, &c->valcap, idx, sizeof(*c->val));
	c->val[idx] += v;
	return FG_OK;
}

/* A JSON number as a finite, non-negative value; 0 on success. */
static int
num_value(const json_t *v, long double *out)
{
	double x;

	if (!json_is_number(v))
		return -1;
	x = json_number_value(v);
	if (!isfinite(x) || x < 0)
		return -1;
	*out = x;
	return 0;
}

static int
get_num(const json_t *obj, const char *key, long double *out)
{
	return num_value(json_object_get(obj, key), out);
}

/* A JSON integer (or an integral real) as a long; 0 on success. */
static int
get_long(const json_t *v, long *out)
{
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);

		if (i < 0 || i > 0x7fffffffL)
			return -1;
		*out = (long)i;
		return 0;
	}
	if (json_is_real(v)) {
		double x = json_real_value(v);

		if (!(x >= 0 && x <= 0x7fffffffL) || x != floor(x))
			return -1;
		*out = (long)x;
		return 0;
	}
	return -1;
}

/* ---- the function of a line ------------------------------------------- */

static int
line_cmp(const void *a, const void *b)
{
	const struct line_ent *x = a, *y = b;

	return (x->lineno > y->lineno) - (x->lineno < y->lineno);
}

/* The index of a file in "files" (file_index.obj NULL if it is not). */
static struct file_index *
file_index(struct fg_scalene *p, const char *key, size_t keylen)
{
	uint32_t id = fg_intern(p->fnames, key, keylen);
	const json_t *files = mget(p, M_FILES);
	const json_t *lines, *funcs, *e;
	struct file_index *fi;
	size_t i, n;

	p->fidx = grow_zeroed(p->fidx, &p->nfidx, id, sizeof(*p->fidx));
	if (p->fidx[id] != NULL)
		return p->fidx[id];
	fi = fg_xcalloc(1, sizeof(*fi));
	p->fidx[id] = fi;
	fi->key = fg_symtab_str(p->fnames, id, NULL);
	fi->obj = json_object_getn(files, key, keylen);
	if (!json_is_object(fi->obj)) {
		fi->obj = NULL;
		return fi;
	}
	lines = json_object_get(fi->obj, "lines");
	n = json_is_array(lines) ? json_array_size(lines) : 0;
	fi->lines = fg_xreallocarray(NULL, n ? n : 1, sizeof(*fi->lines));
	json_array_foreach(lines, i, e) {
		struct line_ent *le = &fi->lines[fi->nlines];
		const json_t *t = json_object_get(e, "line");

		if (get_long(json_object_get(e, "lineno"), &le->lineno) < 0)
			continue;
		if (get_long(json_object_get(e, "start_function_line"),
			     &le->sfl) < 0)
			le->sfl = -1;
		le->text = json_is_string(t) ? json_string_value(t) : NULL;
		le->textlen = le->text ? json_string_length(t) : 0;
		fi->nlines++;
	}
	qsort(fi->lines, fi->nlines, sizeof(*fi->lines), line_cmp);
	funcs = json_object_get(fi->obj, "functions");
	n = json_is_array(funcs) ? json_array_size(funcs) : 0;
	fi->funcs = fg_xreallocarray(NULL, n ? n : 1, sizeof(*fi->funcs));
	json_array_foreach(funcs, i, e) {
		struct func_ent *fe = &fi->funcs[fi->nfuncs];
		const json_t *t = json_object_get(e, "line");

		if (!json_is_string(t) ||
		    get_long(json_object_get(e, "lineno"), &fe->lineno) < 0)
			continue;
		fe->name = json_string_value(t);
		fe->len = json_string_length(t);
		fi->nfuncs++;
	}
	return fi;
}

/* The entry of line lineno in fi, or NULL. */
static const struct line_ent *
find_line(const struct file_index *fi, long lineno)
{
	size_t lo = 0, hi = fi->nlines;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (fi->lines[mid].lineno < lineno)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < fi->nlines && fi->lines[lo].lineno == lineno ?
		&fi->lines[lo] : NULL;
}

/* Leading whitespace width (a tab to the next multiple of 8). */
static size_t
indent_of(const char *s, size_t n, size_t *skip)
{
	size_t i, w = 0;

	for (i = 0; i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\f'); i++)
		w = s[i] == '\t' ? (w / 8 + 1) * 8 : w + 1;
	*skip = i;
	return w;
}

/* A line with nothing but blanks or a comment. */
static int
is_blank(const char *s, size_t n)
{
	size_t i;

	indent_of(s, n, &i);
	return i == n || s[i] == '#' || s[i] == '\n' || s[i] == '\r';
}

static int
is_ident(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_' || ch >= 0x80;
}

/* "word" followed by a blank at s[i..]: returns the index after them. */
static size_t
keyword(const char *s, size_t n, size_t i, const char *word)
{
	size_t k = strlen(word);

	if (n - i <= k || memcmp(s + i, word, k) != 0 ||
	    (s[i + k] != ' ' && s[i + k] != '\t'))
		return 0;
	i += k;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

/*
 * If the source line s defines a function or class (def, async def,
 * class), sets *name and *len to its name and returns 1.
 */
static int
def_name(const char *s, size_t n, const char **name, size_t *len)
{
	size_t i, k;

	if (s == NULL)
		return 0;
	indent_of(s, n, &i);
	if ((k = keyword(s, n, i, "async")) != 0)
		i = k;
	if ((k = keyword(s, n, i, "def")) == 0 &&
	    (k = keyword(s, n, i, "class")) == 0)
		return 0;
	for (i = k; i < n && is_ident((unsigned char)s[i]); i++)
		;
	if (i == k)
		return 0;
	*name = s + k;
	*len = i - k;
	return 1;
}

static int
is_decorator(const char *s, size_t n)
{
	size_t i;

	if (s == NULL)
		return 0;
	indent_of(s, n, &i);
	return i < n && s[i] == '@';
}

/*
 * The qualified name functions[] gives the definition of name on line
 * defline: an entry whose last dotted part is name and whose lineno lies
 * between the first decorator line above defline and defline (Scalene
 * reports co_firstlineno, the decorator's line). Else name itself.
 */
static void
qualify(struct ctx *c, const struct file_index *fi, const char *name,
	size_t len, long defline)
{
	const struct line_ent *le;
	const struct func_ent *best = NULL;
	long lo = defline;
	size_t i;

	while ((le = find_line(fi, lo - 1)) != NULL &&
	       is_decorator(le->text, le->textlen))
		lo--;
	for (i = 0; i < fi->nfuncs; i++) {
		const struct func_ent *fe = &fi->funcs[i];
		const char *dot = NULL, *s;
		size_t k;

		if (fe->lineno < lo || fe->lineno > defline)
			continue;
		for (k = 0; k < fe->len; k++)
			if (fe->name[k] == '.')
				dot = fe->name + k;
		s = dot ? dot + 1 : fe->name;
		if ((size_t)(fe->name + fe->len - s) != len ||
		    memcmp(s, name, len) != 0)
			continue;
		if (best == NULL || fe->lineno > best->lineno)
			best = fe;
	}
	if (best != NULL)
		frame_add(c, best->name, best->len);
	else
		frame_add(c, name, len);
}

/* A decorator at le: the def or class below it, if the source says. */
static int
decorated(struct ctx *c, const struct file_index *fi,
	  const struct line_ent *le)
{
	long k = le->lineno;
	const struct line_ent *e = le;
	const char *name;
	size_t len;

	while (e != NULL && (is_decorator(e->text, e->textlen) ||
			     (e->text != NULL && is_blank(e->text, e->textlen))))
		e = find_line(fi, ++k);
	if (e == NULL || !def_name(e->text, e->textlen, &name, &len))
		return 0;
	qualify(c, fi, name, len, e->lineno);
	return 1;
}

/*
 * Appends to c->fb the function that line lineno of fi belongs to, by
 * the rules of stackcollapse-scalene(1): the function range Scalene
 * recorded (2.1+), else the indentation of the embedded source, else
 * the nearest function of functions[] that starts above; "<module>" when
 * none. Returns 0, or -1 if the file is not in the profile.
 */
static int
line_function(struct ctx *c, const struct file_index *fi, long lineno)
{
	const struct line_ent *le = find_line(fi, lineno), *e;
	const struct func_ent *best = NULL;
	const char *name;
	size_t len, skip, i;
	size_t ind;
	long k;

	if (fi->obj == NULL)
		return -1;
	if (le != NULL && le->sfl > 0) {
		e = find_line(fi, le->sfl);
		if (e != NULL && def_name(e->text, e->textlen, &name, &len)) {
			qualify(c, fi, name, len, e->lineno);
			return 0;
		}
	} else if (le != NULL && le->sfl == 0) {
		/* module level, or a decorator line of a definition */
		if (is_decorator(le->text, le->textlen) && decorated(c, fi, le))
			return 0;
		frame_adds(c, "<module>");
		return 0;
	}
	if (le != NULL && le->text != NULL) {
		if (def_name(le->text, le->textlen, &name, &len)) {
			qualify(c, fi, name, len, lineno);
			return 0;
		}
		if (is_decorator(le->text, le->textlen) && decorated(c, fi, le))
			return 0;
		ind = is_blank(le->text, le->textlen) ? (size_t)-1 :
			indent_of(le->text, le->textlen, &skip);
		for (k = lineno - 1; ind > 0; k--) {
			if (k < 1) {
				frame_adds(c, "<module>");
				return 0;
			}
			e = find_line(fi, k);
			if (e == NULL || e->text == NULL)
				break;	/* a gap: the source is not all there */
			if (is_blank(e->text, e->textlen))
				continue;
			if (indent_of(e->text, e->textlen, &skip) >= ind)
				continue;
			if (def_name(e->text, e->textlen, &name, &len)) {
				qualify(c, fi, name, len, k);
				return 0;
			}
			ind = indent_of(e->text, e->textlen, &skip);
		}
		if (ind == 0) {
			frame_adds(c, "<module>");
			return 0;
		}
	}
	for (i = 0; i < fi->nfuncs; i++)
		if (fi->funcs[i].lineno <= lineno &&
		    (best == NULL || fi->funcs[i].lineno > best->lineno))
			best = &fi->funcs[i];
	if (best != NULL)
		frame_add(c, best->name, best->len);
	else
		frame_adds(c, "<module>");
	return 0;
}

/* ---- the line table --------------------------------------------------- */

static const char *
basename_of(const char *s)
{
	const char *b = s, *q;

	for (q = s; *q != '\0'; q++)
		if (*q == '/' || *q == '\\')
			b = q + 1;
	return *b != '\0' ? b : s;
}

/* Pushes the frames of line lineno of file fi, in the chosen style. */
static void
push_line_frames(struct ctx *c, const struct file_index *fi, long lineno)
{
	char num[32];

	snprintf(num, sizeof(num), ":%ld", lineno);
	c->nids = 0;
	fg_buf_reset(&c->fb);
	if (c->o->frames == FG_SCALENE_FRAMES_PYSPY) {
		line_function(c, fi, lineno);
		frame_adds(c, " (");
		frame_adds(c, fi->key);
		frame_adds(c, num);
		frame_adds(c, ")");
		frame_push(c);
		return;
	}
	frame_adds(c, fi->key);
	frame_push(c);
	line_function(c, fi, lineno);
	frame_push(c);
	frame_adds(c, basename_of(fi->key));
	frame_adds(c, num);
	frame_push(c);
}

static const char *const cpu_fields[3] = {
	"n_cpu_percent_python", "n_cpu_percent_c", "n_sys_percent"
};
static const char *const split_leaf[3] = { "[python]", "[native]", "[system]" };

/* The value of one line entry, parts[] for split; 0 or bad()'s status. */
static int
line_value(struct ctx *c, const json_t *e, long double parts[3], int *ok)
{
	enum fg_scalene_metric m = c->o->metric;
	long double pct[3], x, cpu;
	const char *missing = NULL;
	int i;

	*ok = 0;
	parts[0] = parts[1] = parts[2] = 0;
	switch (m) {
	case FG_SCALENE_CPU:
	case FG_SCALENE_GPU:
		for (i = 0; i < 3; i++)
			if (get_num(e, cpu_fields[i], &pct[i]) < 0)
				missing = cpu_fields[i];
		if (missing != NULL)
			break;
		if (m == FG_SCALENE_CPU) {
			for (i = 0; i < 3; i++)
				parts[i] = pct[i] / 100 * c->elapsed * c->scale;
			break;
		}
		if (get_num(e, "n_gpu_percent", &x) < 0) {
			missing = "n_gpu_percent";
			break;
		}
		cpu = pct[0] + pct[1] + pct[2];
		parts[0] = c->gpu_is_load ?
			x / 100 * (cpu / 100 * c->elapsed) * c->scale :
			x / 100 * c->elapsed * c->scale;
		break;
	case FG_SCALENE_PYTHON:
	case FG_SCALENE_NATIVE:
	case FG_SCALENE_SYSTEM:
		i = m - FG_SCALENE_PYTHON;
		if (get_num(e, cpu_fields[i], &x) < 0)
			missing = cpu_fields[i];
		else
			parts[0] = x / 100 * c->elapsed * c->scale;
		break;
	case FG_SCALENE_MEMORY:
		if (get_num(e, "n_malloc_mb", &x) < 0)
			missing = "n_malloc_mb";
		else
			parts[0] = x * c->scale;
		break;
	case FG_SCALENE_COPY:
		if (get_num(e, "n_copy_mb_s", &x) < 0)
			missing = "n_copy_mb_s";
		else
			parts[0] = x * c->elapsed * c->scale;
		break;
	}
	if (missing != NULL)
		return bad(c, "no non-negative number '%s'", missing);
	*ok = 1;
	return FG_OK;
}

static int
do_lines(struct ctx *c)
{
	json_t *files = mget(c->p, M_FILES);
	const char *key;
	json_t *fobj;
	int rc;

	json_object_foreach(files, key, fobj) {
		const json_t *lines = json_object_get(fobj, "lines");
		const struct file_index *fi;
		size_t i;
		json_t *e;

		c->where_file = key;
		c->where_list = "lines";
		c->where_idx = SIZE_MAX;
		if (!json_is_object(fobj)) {
			if ((rc = bad(c, "not an object")) < 0)
				return rc;
			continue;
		}
		if (!json_is_array(lines)) {
			if ((rc = bad(c, "missing required field 'lines'")) < 0)
				return rc;
			continue;
		}
		fi = file_index(c->p, key, strlen(key));
		json_array_foreach(lines, i, e) {
			long double parts[3];
			long lineno;
			int ok, k;

			c->where_idx = i;
			c->st->entries++;
			if (!json_is_object(e)) {
				if ((rc = bad(c, "not an object")) < 0)
					return rc;
				continue;
			}
			if (get_long(json_object_get(e, "lineno"), &lineno) < 0) {
				if ((rc = bad(c, "missing required field 'lineno'")) < 0)
					return rc;
				continue;
			}
			if ((rc = line_value(c, e, parts, &ok)) < 0)
				return rc;
			if (!ok)
				continue;
			if (parts[0] + parts[1] + parts[2] == 0)
				continue;
			push_line_frames(c, fi, lineno);
			if (!c->o->split) {
				stack_add(c, parts[0] + parts[1] + parts[2]);
				continue;
			}
			for (k = 0; k < 3; k++) {
				if (parts[k] == 0)
					continue;
				c->nids = c->o->frames == FG_SCALENE_FRAMES_PYSPY ? 1 : 3;
				push_text(c, split_leaf[k]);
				stack_add(c, parts[k]);
			}
		}
	}
	return FG_OK;
}

/* ---- stacks ----------------------------------------------------------- */

/* Pushes "function (file:line)"; function from the line table if NULL. */
static void
push_py_frame(struct ctx *c, const char *file, size_t flen, const char *func,
	      size_t funclen, long line)
{
	char num[32];

	fg_buf_reset(&c->fb);
	if (func != NULL) {
		frame_add(c, func, funclen);
	} else if (line_function(c, file_index(c->p, file, flen), line) < 0) {
		frame_adds(c, "?");
	}
	frame_adds(c, " (");
	frame_add(c, file, flen);
	if (line >= 0) {
		snprintf(num, sizeof(num), ":%ld", line);
		frame_adds(c, num);
	}
	frame_adds(c, ")");
	frame_push(c);
}

/*
 * One frame of "stacks", in any of its shapes: [file, line] (1.5.26),
 * [file, function, line] (1.5.28) or "FILE FUNCTION:LINE;" (1.5.53).
 * Returns 0, or -1 (with *why) if the frame has none of these shapes.
 */
static int
stacks_frame(struct ctx *c, const json_t *f, const char **why)
{
	long line;

	if (json_is_string(f)) {
		const char *s = json_string_value(f);
		size_t n = json_string_length(f), colon, sp, k;

		/* from the right: ';', the line after ':', the name after ' ' */
		if (n > 0 && s[n - 1] == ';')
			n--;
		for (colon = n; colon > 0 && s[colon - 1] != ':'; colon--)
			;
		if (colon == 0 || colon == n) {
			*why = "a frame string without ':LINE'";
			return -1;
		}
		line = 0;
		for (k = colon; k < n; k++) {
			if (s[k] < '0' || s[k] > '9' || line > 0x7fffffffL / 10) {
				*why = "a frame string whose line is not a number";
				return -1;
			}
			line = line * 10 + (s[k] - '0');
		}
		colon--;
		for (sp = colon; sp > 0 && s[sp - 1] != ' '; sp--)
			;
		if (sp == 0) {
			*why = "a frame string without 'FILE FUNCTION'";
			return -1;
		}
		push_py_frame(c, s, sp - 1, s + sp, colon - sp, line);
		return 0;
	}
	if (json_is_array(f) && json_array_size(f) == 2 &&
	    json_is_string(json_array_get(f, 0)) &&
	    get_long(json_array_get(f, 1), &line) == 0) {
		const json_t *file = json_array_get(f, 0);

		push_py_frame(c, json_string_value(file),
			      json_string_length(file), NULL, 0, line);
		return 0;
	}
	if (json_is_array(f) && json_array_size(f) == 3 &&
	    json_is_string(json_array_get(f, 0)) &&
	    json_is_string(json_array_get(f, 1)) &&
	    get_long(json_array_get(f, 2), &line) == 0) {
		const json_t *file = json_array_get(f, 0);
		const json_t *fn = json_array_get(f, 1);

		push_py_frame(c, json_string_value(file),
			      json_string_length(file), json_string_value(fn),
			      json_string_length(fn), line);
		return 0;
	}
	*why = "a frame of unknown shape";
	return -1;
}

/* The weight of a "stacks" entry: n, [n, ...] or {"count": n, ...}. */
static int
stacks_count(const json_t *v, long double *out)
{
	if (json_is_array(v))
		v = json_array_get(v, 0);
	else if (json_is_object(v))
		v = json_object_get(v, "count");
	return num_value(v, out);
}

/* Whether a native frame belongs to the CPython runtime. */
static int
interp_frame(const char *name, const char *module)
{
	static const char *const prefixes[] = {
		"_PyEval_", "PyEval_", "PyObject_Vectorcall",
		"_PyObject_Vectorcall"
	};
	const char *b = basename_of(module);
	size_t i;

	if (name[0] == '\0')
		return 1;
	if (strncmp(b, "python", 6) == 0 || strncmp(b, "libpython", 9) == 0)
		return 1;
	for (i = 0; i < FG_ARRAY_SIZE(prefixes); i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

static const char *
str_or_empty(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : "";
}

/*
 * One frame object of combined_stacks or memory_stacks. Returns 0, or -1
 * if it is not an object.
 */
static int
object_frame(struct ctx *c, const json_t *f)
{
	const char *kind, *name, *mod;
	const json_t *ip;
	long line;
	char num[32];

	if (!json_is_object(f))
		return -1;
	kind = str_or_empty(f, "kind");
	name = str_or_empty(f, "display_name");
	mod = str_or_empty(f, "filename_or_module");
	if (strcmp(kind, "py") == 0) {
		if (get_long(json_object_get(f, "line"), &line) < 0)
			line = -1;
		push_py_frame(c, mod, strlen(mod), name[0] ? name : "?",
			      name[0] ? strlen(name) : 1, line);
		return 0;
	}
	if (c->o->no_native || (c->o->drop_interp && interp_frame(name, mod)))
		return 0;
	fg_buf_reset(&c->fb);
	ip = json_object_get(f, "ip");
	if (name[0] != '\0') {
		frame_adds(c, name);
	} else if (json_is_integer(ip)) {
		snprintf(num, sizeof(num), "0x%llx",
			 (unsigned long long)json_integer_value(ip));
		frame_adds(c, num);
	} else {
		frame_adds(c, "?");
	}
	frame_adds(c, " (");
	frame_adds(c, mod[0] ? basename_of(mod) : "?");
	frame_adds(c, ")");
	frame_push(c);
	return 0;
}

/* stacks, combined_stacks or memory_stacks: [[frames, weight], ...] */
static int
do_stacks(struct ctx *c, int member)
{
	const char *key = member_keys[member];
	const json_t *arr = mget(c->p, member);
	int is_stacks = member == M_STACKS;
	size_t i, k;
	json_t *e, *f;
	int rc;

	json_array_foreach(arr, i, e) {
		const json_t *frames = json_array_get(e, 0);
		const char *why = NULL;
		long double w;

		c->where_file = NULL;
		c->where_list = key;
		c->where_idx = i;
		c->st->entries++;
		if (!json_is_array(e) || json_array_size(e) != 2 ||
		    !json_is_array(frames)) {
			if ((rc = bad(c, "not a [frames, value] pair")) < 0)
				return rc;
			continue;
		}
		if ((is_stacks ? stacks_count(json_array_get(e, 1), &w) :
				 num_value(json_array_get(e, 1), &w)) < 0) {
			if ((rc = bad(c, is_stacks ? "no sample count" :
				      "no non-negative weight")) < 0)
				return rc;
			continue;
		}
		c->nids = 0;
		json_array_foreach(frames, k, f) {
			int frc = is_stacks ?
				stacks_frame(c, f, &why) : object_frame(c, f);

			if (frc < 0) {
				if (why == NULL)
					why = "a frame that is not an object";
				break;
			}
		}
		if (why != NULL) {
			if ((rc = bad(c, "frame %zu: %s", k, why)) < 0)
				return rc;
			continue;
		}
		stack_add(c, w * c->scale);
	}
	return FG_OK;
}

/* ---- rounding that keeps the total ------------------------------------ */

struct share {
	long double rem;
	uint32_t pos;		/* position in sorted order: the tie-break */
	uint32_t idx;
};

static int
share_cmp(const void *a, const void *b)
{
	const struct share *x = a, *y = b;

	if (x->rem != y->rem)
		return x->rem > y->rem ? -1 : 1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

/*
 * Turns the values of c->tmp into integers that add up to the rounded
 * total (largest remainders, ties in sorted order) and adds the non-zero
 * ones to dst.
 */
static int
apportion(struct ctx *c, struct fg_stacks *dst)
{
	size_t n = fg_stacks_count(c->tmp), i;
	uint32_t *order = fg_stacks_sorted(c->tmp);
	struct share *sh = fg_xreallocarray(NULL, n ? n : 1, sizeof(*sh));
	uint64_t *units = fg_xreallocarray(NULL, n ? n : 1, sizeof(*units));
	uint64_t sum = 0, total, left;
	long double exact = 0;
	int rc = FG_OK;

	for (i = 0; i < n; i++)
		exact += c->val[order[i]];
	c->st->exact = exact;
	/* below 2^64 by a margin that rounding cannot cross */
	if (!(exact < 18446744073709547520.0L)) {
		fg_diag_set(c->d, c->p->name, 0, 0,
			    "the total %.6Lg %s does not fit 64 bits",
			    exact, fg_scalene_unit_name(c->st->unit));
		rc = FG_ERANGE;
		goto out;
	}
	total = (uint64_t)roundl(exact);
	for (i = 0; i < n; i++) {
		long double v = c->val[order[i]], fl = floorl(v);

		units[i] = (uint64_t)fl;
		sum += units[i];
		sh[i] = (struct share){ v - fl, (uint32_t)i, (uint32_t)i };
	}
	/* sum <= exact < total + 1/2, so sum <= total */
	left = total > sum ? total - sum : 0;
	qsort(sh, n, sizeof(*sh), share_cmp);
	for (i = 0; i < left && i < n; i++)
		units[sh[i].idx]++;
	for (i = 0; i < n; i++) {
		struct fg_count cnt = FG_COUNT_ZERO;
		const uint32_t *ids;
		size_t nf;

		if (units[i] == 0)
			continue;
		cnt.n = units[i];
		ids = fg_stacks_frames(c->tmp, order[i], &nf);
		rc = fg_stacks_add(dst, ids, nf, 0, &cnt, NULL);
		if (rc < 0) {
			fg_diag_set(c->d, c->p->name, 0, 0,
				    "a stack's count exceeds 18446744073709551615");
			goto out;
		}
		c->st->stacks++;
		c->st->total += units[i];
	}
out:
	free(units);
	free(sh);
	free(order);
	return rc;
}

/* ---- collapse --------------------------------------------------------- */

/* Whether the profile has data for metric; if not, FG_EFORMAT. */
static int
check_metric(const struct fg_scalene *p, enum fg_scalene_metric m,
	     struct fg_diag *d)
{
	const json_t *flag;

	if (m == FG_SCALENE_GPU) {
		flag = json_object_get(p->root, "gpu");
		if (json_is_false(flag)) {
			fg_diag_set(d, p->name, 0, 0,
				    "the profile has no GPU data ('gpu' is false: Scalene found no GPU or ran with --no-gpu)");
			return FG_EFORMAT;
		}
	} else if (metric_is_bytes(m)) {
		flag = json_object_get(p->root, "memory");
		if (json_is_false(flag)) {
			fg_diag_set(d, p->name, 0, 0,
				    "the profile has no memory data ('memory' is false: Scalene ran with --cpu or --cpu-only)");
			return FG_EFORMAT;
		}
	}
	return FG_OK;
}

static int
check_source(const struct fg_scalene *p, enum fg_scalene_source s,
	     struct fg_diag *d)
{
	static const char *const keys[] = {
		"", "files", "stacks", "combined_stacks", "memory_stacks"
	};
	static const char *const why[] = {
		"", "", " (Scalene 1.5.26 and later write them with --stacks; 2.3 by default)",
		" (Scalene 2.3 and later write them)",
		" (Scalene 2.3 and later write them, with memory profiling)"
	};
	const json_t *v = json_object_get(p->root, keys[s]);

	if (fg_scalene_has_source(p, s))
		return FG_OK;
	if (s == FG_SCALENE_SRC_LINES)
		fg_diag_set(d, p->name, 0, 0, v == NULL ?
			    "missing required field 'files'" :
			    "'files' is not an object");
	else
		fg_diag_set(d, p->name, 0, 0, "the profile has %s '%s'%s",
			    v == NULL ? "no" : "an empty", keys[s], why[s]);
	return FG_EFORMAT;
}

static long double
unit_scale(enum fg_scalene_unit u)
{
	switch (u) {
	case FG_SCALENE_UNIT_NS:
		return 1e9L;
	case FG_SCALENE_UNIT_US:
		return 1e6L;
	case FG_SCALENE_UNIT_MS:
		return 1e3L;
	case FG_SCALENE_UNIT_B:
		return 1048576.0L;
	case FG_SCALENE_UNIT_KIB:
		return 1024.0L;
	case FG_SCALENE_UNIT_GIB:
		return 1.0L / 1024;
	default:
		return 1;
	}
}

/* The profile's own total for the line table, from other fields. */
static void
line_reference(struct ctx *c)
{
	json_t *files = mget(c->p, M_FILES);
	const json_t *ms = mget(c->p, M_MEMSTACKS);
	const char *key;
	long double sum = 0, x;
	json_t *v;
	size_t i;

	if (c->o->metric == FG_SCALENE_CPU) {
		json_object_foreach(files, key, v) {
			if (get_num(v, "percent_cpu_time", &x) < 0)
				return;
			sum += x;
		}
		c->st->ref = sum / 100 * c->elapsed * c->scale;
		c->st->ref_what = "sum of percent_cpu_time x elapsed_time_sec";
	} else if (c->o->metric == FG_SCALENE_MEMORY && json_is_array(ms) &&
		   json_array_size(ms) > 0) {
		json_array_foreach(ms, i, v) {
			const json_t *w = json_array_get(v, 1);

			if (!json_is_number(w))
				return;
			sum += json_number_value(w);
		}
		c->st->ref = sum * c->scale;
		c->st->ref_what = "sum of memory_stacks";
	}
}

/* Parses the members the source reads (the stacks' names may need files). */
static int
parse_needed(struct fg_scalene *p, const struct fg_scalene_opts *o,
	     enum fg_scalene_source src, struct fg_diag *d)
{
	int rc;

	switch (src) {
	case FG_SCALENE_SRC_LINES:
		rc = member_parse(p, M_FILES, d);
		if (rc == FG_OK && o->metric == FG_SCALENE_MEMORY &&
		    member_has(p, M_MEMSTACKS, 0))
			rc = member_parse(p, M_MEMSTACKS, d);
		return rc;
	case FG_SCALENE_SRC_STACKS:
		rc = member_parse(p, M_STACKS, d);
		if (rc == FG_OK && member_has(p, M_FILES, 1))
			rc = member_parse(p, M_FILES, d);
		return rc;
	case FG_SCALENE_SRC_COMBINED:
		return member_parse(p, M_COMBINED, d);
	default:
		return member_parse(p, M_MEMSTACKS, d);
	}
}

int
fg_scalene_collapse(struct fg_scalene *p, const struct fg_scalene_opts *o,
		    struct fg_stacks *dst, struct fg_scalene_stats *st,
		    struct fg_diag *d)
{
	struct ctx c;
	enum fg_scalene_source src;
	const json_t *el;
	int rc;

	memset(st, 0, sizeof(*st));
	fg_diag_clear(&st->first_bad);
	src = o->source == FG_SCALENE_SRC_AUTO ?
		fg_scalene_auto_source(p, o) : o->source;
	st->source = src;
	if ((rc = check_opts(o, src, d, p->name)) < 0)
		return rc;
	st->unit = o->unit;
	if (st->unit == FG_SCALENE_UNIT_DEFAULT) {
		if (src == FG_SCALENE_SRC_STACKS || src == FG_SCALENE_SRC_COMBINED)
			st->unit = FG_SCALENE_UNIT_SAMPLES;
		else if (metric_is_bytes(o->metric))
			st->unit = FG_SCALENE_UNIT_KIB;
		else
			st->unit = FG_SCALENE_UNIT_US;
	}
	if (json_object_size(p->root) == 0) {
		st->empty = true;
		return FG_OK;
	}
	if ((rc = check_metric(p, o->metric, d)) < 0 ||
	    (rc = check_source(p, src, d)) < 0 ||
	    (rc = parse_needed(p, o, src, d)) < 0)
		return rc;
	el = json_object_get(p->root, "elapsed_time_sec");
	if (json_is_number(el))
		st->elapsed = json_number_value(el);
	if (src == FG_SCALENE_SRC_LINES && o->metric != FG_SCALENE_MEMORY &&
	    (!json_is_number(el) || !isfinite(st->elapsed) || st->elapsed < 0)) {
		fg_diag_set(d, p->name, 0, 0, el == NULL ?
			    "missing required field 'elapsed_time_sec'" :
			    "'elapsed_time_sec' is not a non-negative number");
		return FG_EFORMAT;
	}

	memset(&c, 0, sizeof(c));
	c.p = p;
	c.o = o;
	c.st = st;
	c.d = d;
	c.syms = fg_stacks_symtab(dst);
	c.tmp = fg_stacks_new(c.syms, 1);
	fg_buf_init(&c.fb);
	c.scale = unit_scale(st->unit);
	c.elapsed = st->elapsed;
	c.gpu_is_load = json_object_get(p->root, "gpu_device") != NULL;

	switch (src) {
	case FG_SCALENE_SRC_LINES:
		line_reference(&c);
		rc = do_lines(&c);
		break;
	case FG_SCALENE_SRC_STACKS:
		rc = do_stacks(&c, M_STACKS);
		break;
	case FG_SCALENE_SRC_COMBINED:
		rc = do_stacks(&c, M_COMBINED);
		break;
	default:
		rc = do_stacks(&c, M_MEMSTACKS);
		break;
	}
	if (rc == FG_OK)
		rc = apportion(&c, dst);

	fg_buf_release(&c.fb);
	free(c.ids);
	free(c.val);
	fg_stacks_free(c.tmp);
	return rc;
}
