/*
 * internal.h - helpers shared by the library's modules; not installed.
 */
#ifndef FG_INTERNAL_H
#define FG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "fg/arena.h"
#include "fg/buf.h"
#include "fg/count.h"
#include "fg/error.h"
#include "fg/intern.h"
#include "fg/lineio.h"
#include "fg/stacks.h"

#define FG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Whether the code runs under valgrind: pcre2's JIT is not used there,
 * as its generated code draws false "uninitialised value" reports that
 * no suppression can single out (it has no symbols).
 */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

/*
 * fg_xcalloc for a large table that is read before it is written (a
 * hash table's slots): the zeros are written now. calloc's fresh pages
 * would first map the shared zero page on the read, and the first
 * write to each would then copy it and flush the TLB of every thread
 * of the process, an interrupt per page to each other CPU.
 */
static inline void *
fg_xzeroed(size_t nmemb, size_t size)
{
	void *p = fg_xreallocarray(NULL, nmemb ? nmemb : 1, size ? size : 1);

	memset(p, 0, (nmemb ? nmemb : 1) * (size ? size : 1));
	return p;
}

/*
 * An array of nmemb * size bytes for free(), uninitialised; from 2 MiB
 * on in transparent huge pages where the system has them (arena.c).
 */
void *fg_xbig(size_t nmemb, size_t size);

/* Moves src's blocks to dst, which frees them; src is left empty. */
void fg_arena_adopt(struct fg_arena *dst, struct fg_arena *src);

#define FG_LIKELY(x) __builtin_expect(!!(x), 1)
#define FG_UNLIKELY(x) __builtin_expect(!!(x), 0)
/* For the helpers of hot loops, which gcc would sometimes call. */
#define FG_ALWAYS_INLINE inline __attribute__((always_inline))

/* The murmur3 finaliser: every input bit affects every output bit. */
static inline uint64_t
fg_mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static inline uint64_t
fg_load64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t
fg_load32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * The n bytes at p (n below 8) as a little-endian number, zero-padded:
 * at most two fixed-size loads, which may overlap.
 */
static inline uint64_t
fg_load_le(const unsigned char *p, size_t n)
{
	if (n >= 4) {
		uint64_t hi = fg_load32(p + n - 4);

		return (uint64_t)fg_load32(p) | hi >> (8 * (8 - n)) << 32;
	}
	if (n == 0)
		return 0;
	return (uint64_t)p[0] | (uint64_t)p[n / 2] << (8 * (n / 2)) |
	       (uint64_t)p[n - 1] << (8 * (n - 1));
}

/* A 64 x 64 -> 128-bit product, its halves folded: a fast mixer. */
static FG_ALWAYS_INLINE uint64_t
fg_mum(uint64_t a, uint64_t b)
{
	unsigned __int128 r = (unsigned __int128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/*
 * 32 bytes of 0xff then 32 of 0: the 8 bytes at fg_name_ones + 32 - n +
 * 8 * i mask the word at byte 8 * i of a name n <= 32 bytes long, with
 * no branch on n.
 */
static const unsigned char fg_name_ones[64] = {
	255, 255, 255, 255, 255, 255, 255, 255,
	255, 255, 255, 255, 255, 255, 255, 255,
	255, 255, 255, 255, 255, 255, 255, 255,
	255, 255, 255, 255, 255, 255, 255, 255,
};

#define FG_NAME_K0 0xa0761d6478bd642fULL
#define FG_NAME_K1 0xe7037ed1a0b428dbULL
#define FG_NAME_K2 0x8ebc6af09c88c6e3ULL
#define FG_NAME_K3 0x589965cc75374cc3ULL
#define FG_NAME_K4 0x1d8e4e27c47d124fULL

/*
 * The first 32 bytes of a name, zero-padded, as words w0 .. w3, into
 * a hash: two independent products, so that a name of up to 32 bytes
 * is hashed with no loop and no branch (folded.c loads the words
 * straight from the text). fg_hash_name_end finishes it.
 */
static FG_ALWAYS_INLINE uint64_t
fg_hash_name32(uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3)
{
	return fg_mum(w0 ^ FG_NAME_K0, w1 ^ FG_NAME_K1) ^
	       fg_mum(w2 ^ FG_NAME_K2, w3 ^ FG_NAME_K3);
}

static FG_ALWAYS_INLINE uint64_t
fg_hash_name_end(uint64_t acc, size_t n)
{
	return fg_mum(acc ^ n, FG_NAME_K4);
}

/* The word at p + off of a name n bytes long, zero-padded. */
static FG_ALWAYS_INLINE uint64_t
fg_name_word(const unsigned char *p, size_t n, size_t off)
{
	if (off >= n)
		return 0;
	return n - off >= 8 ? fg_load64(p + off) : fg_load_le(p + off, n - off);
}

/*
 * A fast hash of a name: its first 32 bytes by fg_hash_name32, then
 * 16 bytes a step, then the length. Not for adversarial input; the
 * tables that use it stay correct (only slower) under collisions.
 */
static inline uint64_t
fg_hash_name(const void *data, size_t n)
{
	const unsigned char *p = data;
	uint64_t acc = fg_hash_name32(fg_name_word(p, n, 0),
				      fg_name_word(p, n, 8),
				      fg_name_word(p, n, 16),
				      fg_name_word(p, n, 24));
	size_t off;

	for (off = 32; off < n; off += 16)
		acc = fg_mum(acc ^ fg_name_word(p, n, off) ^ FG_NAME_K0,
			     fg_name_word(p, n, off + 8) ^ FG_NAME_K1);
	return fg_hash_name_end(acc, n);
}

/*
 * The differing bits of the 16 bytes at a + o1 and b + o1 and of those
 * at a + o2 and b + o2; 0 if both are equal.
 */
static FG_ALWAYS_INLINE uint64_t
fg_diff16x2(const unsigned char *a, const unsigned char *b, size_t o1,
	    size_t o2)
{
	return (fg_load64(a + o1) ^ fg_load64(b + o1)) |
	       (fg_load64(a + o1 + 8) ^ fg_load64(b + o1 + 8)) |
	       (fg_load64(a + o2) ^ fg_load64(b + o2)) |
	       (fg_load64(a + o2 + 8) ^ fg_load64(b + o2 + 8));
}

/*
 * memcmp(a, b, n) == 0, inline: names are short. Up to 64 bytes, a few
 * overlapping words (never past a + n or b + n) are compared and their
 * differences or'ed, so the only branches are on n's range: a loop that
 * stops at the first differing word stops at a different word for
 * every name, which the branch predictor cannot follow.
 */
static FG_ALWAYS_INLINE int
fg_bytes_eq(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	if (n >= 16) {
		if (FG_LIKELY(n <= 32))
			return fg_diff16x2(x, y, 0, n - 16) == 0;
		while (FG_UNLIKELY(n > 64)) {
			if (fg_diff16x2(x, y, 0, 16) | fg_diff16x2(x, y, 32, 48))
				return 0;
			x += 64;
			y += 64;
			n -= 64;
			if (n < 32) {	/* the last 32 bytes cover the rest */
				x -= 32 - n;
				y -= 32 - n;
				n = 32;
			}
		}
		return (fg_diff16x2(x, y, 0, 16) |
			fg_diff16x2(x, y, n - 32, n - 16)) == 0;
	}
	if (n >= 8)
		return ((fg_load64(x) ^ fg_load64(y)) |
			(fg_load64(x + n - 8) ^ fg_load64(y + n - 8))) == 0;
	if (n >= 4)
		return ((fg_load32(x) ^ fg_load32(y)) |
			(fg_load32(x + n - 4) ^ fg_load32(y + n - 4))) == 0;
	return fg_load_le(x, n) == fg_load_le(y, n);
}

/*
 * A hash for long byte strings (a stack's whole folded text): four
 * independent lanes of 16 bytes, each one 128-bit product a step, so
 * that the products overlap; then 16 bytes a step, and the last 16
 * bytes (which may overlap what came before) with the length. Not for
 * adversarial input either.
 */
static inline uint64_t
fg_hash_text(const void *data, size_t n)
{
	const unsigned char *p = data;
	uint64_t a = FG_NAME_K0 ^ n, b = FG_NAME_K1, c = FG_NAME_K2;
	uint64_t d = FG_NAME_K3, x, y;
	size_t len = n;

	while (len > 64) {
		a = fg_mum(fg_load64(p) ^ FG_NAME_K0, fg_load64(p + 8) ^ a);
		b = fg_mum(fg_load64(p + 16) ^ FG_NAME_K1, fg_load64(p + 24) ^ b);
		c = fg_mum(fg_load64(p + 32) ^ FG_NAME_K2, fg_load64(p + 40) ^ c);
		d = fg_mum(fg_load64(p + 48) ^ FG_NAME_K3, fg_load64(p + 56) ^ d);
		p += 64;
		len -= 64;
	}
	a ^= c;
	b ^= d;
	while (len > 16) {
		a = fg_mum(fg_load64(p) ^ FG_NAME_K2, fg_load64(p + 8) ^ a);
		p += 16;
		len -= 16;
	}
	if (n >= 16) {
		x = fg_load64(p + len - 16);
		y = fg_load64(p + len - 8);
	} else if (n >= 8) {
		x = fg_load64(p);
		y = fg_load64(p + n - 8);
	} else {
		x = fg_load_le(p, n);
		y = 0;
	}
	return fg_mum(x ^ FG_NAME_K3 ^ b, y ^ FG_NAME_K4 ^ a);
}

/*
 * The symbol table (intern.c) and the stack table (stacks.c), defined
 * here so that the library's hot loops (the folded reader and writer,
 * the sort) read names and frames inline. Outside lib/ they are opaque.
 */
struct fg_sym {
	const char *str;
	uint32_t len;		/* names are capped at 4 GiB - 1 bytes */
	uint32_t hlo;		/* low half of the hash: the home slot */
};

struct fg_symtab {
	struct fg_arena arena;
	struct fg_sym *syms;	/* by id */
	size_t nsyms, symcap;
	/* high half of the hash << 32 | id + 1; 0 is empty */
	uint64_t *slots;
	size_t mask;		/* slots has mask + 1 entries, a power of 2 */
};

/*
 * Returns the slot of t holding the n bytes at s, of hash h, or the
 * empty slot where they go.
 */
static FG_ALWAYS_INLINE size_t
fg_symtab_probe(const struct fg_symtab *t, const char *s, size_t n,
		uint64_t h)
{
	size_t j = (uint32_t)h & t->mask;
	uint64_t v;

	while ((v = t->slots[j]) != 0) {
		if ((v ^ h) >> 32 == 0) {
			const struct fg_sym *y = &t->syms[(uint32_t)v - 1];

			if (y->len == n && fg_bytes_eq(y->str, s, n))
				return j;
		}
		j = (j + 1) & t->mask;
	}
	return j;
}

/* Adds the new name s to t at the empty slot j; returns its id. */
uint32_t fg_symtab_add(struct fg_symtab *t, const char *s, size_t n,
		       uint64_t h, size_t j);

/*
 * fg_intern with h = fg_hash_name(s, n) already computed by the caller;
 * inline, as the folded reader calls it for every frame.
 */
static inline uint32_t
fg_intern_hashed(struct fg_symtab *t, const char *s, size_t n, uint64_t h)
{
	size_t j = fg_symtab_probe(t, s, n, h);

	if (FG_LIKELY(t->slots[j] != 0))
		return (uint32_t)t->slots[j] - 1;
	return fg_symtab_add(t, s, n, h, j);
}

static inline const char *
fg_sym_name(const struct fg_symtab *t, uint32_t id, size_t *len)
{
	*len = t->syms[id].len;
	return t->syms[id].str;
}

struct fg_stack_entry {
	const uint32_t *ids;	/* in the arena */
	uint32_t n : 31;	/* at most FG_STACKS_MAX_DEPTH */
	/* the folded text splits at ';' into exactly these frames */
	uint32_t plain : 1;
	uint32_t hlo;		/* low half of the hash: the home slot */
};

#define FG_STACKS_MAX_DEPTH 0x7fffffffu

/*
 * The table is keyed by fg_hash_text of each stack's folded text (its
 * names joined with ';'); equal stacks are those with equal ids.
 */
struct fg_stacks {
	struct fg_symtab *syms;
	unsigned ncols;
	struct fg_arena arena;
	struct fg_stack_entry *entries;	/* by index, in insertion order */
	struct fg_count *counts;	/* ncols per entry */
	size_t n, cap;
	/* high half of the hash << 32 | index + 1; 0 is empty */
	uint64_t *slots;
	size_t mask;
	struct fg_buf text;	/* scratch: a stack's folded text */
};

/*
 * Whether fg_lines_next() can return the next line from what is already
 * buffered, without reading (which would invalidate the slices it
 * returned before).
 */
int fg_lines_ready(struct fg_lines *l);

/*
 * For the folded reader's threads. fg_lines_regular: if l reads a
 * regular file and has read nothing yet, its descriptor, with the
 * file's offset and size; otherwise -1. fg_lines_cursor: where a memory
 * reader's next line starts. fg_lines_report: sets what l counts as
 * read (for its progress callback, which it calls). fg_lines_consumed:
 * the same, and leaves l at the end of its file, at offset end.
 */
int fg_lines_regular(const struct fg_lines *l, off_t *off, off_t *size);
const char *fg_lines_cursor(const struct fg_lines *l);
void fg_lines_report(struct fg_lines *l, unsigned long long bytes,
		     unsigned long lines);
void fg_lines_consumed(struct fg_lines *l, off_t end,
		       unsigned long long bytes, unsigned long lines);
/* Whether l has a progress callback. */
int fg_lines_progress_on(const struct fg_lines *l);
/*
 * The end of the bytes l holds: every line fg_lines_next gave since the
 * last read of input can be read on up to there, past its own end.
 */
const char *fg_lines_limit(const struct fg_lines *l);

/*
 * Gives the whole pages of a read-only private mapping between from and
 * to back to the kernel: a mapped input that has been read need not
 * stay resident (touching it again reads it again).
 */
void fg_drop_pages(const char *from, const char *to);

/*
 * For the folded reader: returns the index of the stack whose folded
 * text is the n bytes at text (h = fg_hash_text of them) and that the
 * text splits into, or SIZE_MAX and in *slot where fg_stacks_insert
 * puts such a stack, valid until the table next changes.
 */
size_t fg_stacks_text_lookup(const struct fg_stacks *s, const char *text,
			     size_t n, uint64_t h, size_t *slot);
/*
 * Makes room for n stacks in all, so that adding up to that many (as a
 * merge does) moves and rehashes nothing on the way.
 */
void fg_stacks_reserve(struct fg_stacks *s, size_t n);

/*
 * fg_stacks_merge of the ncols columns from src_col of src into those
 * from dst_col of dst, for a src the caller frees next and uses no
 * more: src's frames are renumbered in place into dst's names, and dst
 * takes them over instead of copying them.
 */
int fg_stacks_absorb(struct fg_stacks *dst, unsigned dst_col,
		     struct fg_stacks *src, unsigned src_col, unsigned ncols);

/*
 * Inserts the new stack ids[0 .. n-1], of text hash h, at the slot given
 * by fg_stacks_text_lookup, with zero counts; plain as in the entry.
 * Returns its index.
 */
size_t fg_stacks_insert(struct fg_stacks *s, const uint32_t *ids, size_t n,
			uint64_t h, size_t slot, int plain);

/* git's banned.h: these are too easy to misuse. */
#undef strcpy
#define strcpy(x, y) sorry_strcpy_is_banned
#undef strcat
#define strcat(x, y) sorry_strcat_is_banned
#undef sprintf
#define sprintf(...) sorry_sprintf_is_banned
#undef strtok
#define strtok(x, y) sorry_strtok_is_banned

/*
 * A count as the SVG and raster writers show it: times --factor (o's
 * factor_units in units of 10^-factor_decimals), as a double.
 */
struct fg_svg_opts;
double fg_svg_shown(const struct fg_svg_opts *o, double v);

#endif /* FG_INTERNAL_H */
