/*
 * rewrite.h - regular-expression substitution on frame names (pcre2).
 *
 * A rewrite replaces every match of a pattern in a name, as Perl's
 * s/PATTERN/REPLACEMENT/g does. Patterns are compiled once, byte-wise
 * (names need not be valid UTF-8), and JIT-compiled where pcre2 can.
 *
 * fg_rewrite_map() adapts a rewrite to the folded reader's frame map
 * (folded.h): each distinct frame is rewritten once and the result
 * remembered by id.
 */
#ifndef FG_REWRITE_H
#define FG_REWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "fg/buf.h"
#include "fg/error.h"
#include "fg/intern.h"

#ifdef __cplusplus
extern "C" {
#endif

struct fg_rewrite;

/* FlameGraph's difffolded.pl -s: s/0x[0-9a-fA-F]+/0x.../g */
#define FG_REWRITE_HEX_PATTERN "0x[0-9a-fA-F]+"
#define FG_REWRITE_HEX_REPLACEMENT "0x..."

/*
 * Compiles pattern (a NUL-terminated pcre2 pattern). replacement is
 * literal text ('$' has no special meaning). Returns a new rewrite, or
 * NULL with d filled (the column is the offset of the error in pattern,
 * counting from 1).
 */
struct fg_rewrite *fg_rewrite_new(const char *pattern,
				  const char *replacement, struct fg_diag *d);
void fg_rewrite_free(struct fg_rewrite *rw);

/*
 * Rewrites the n bytes at s into out (reset first). Returns the number of
 * replacements made (0: out holds a copy of s), or FG_EDEP with d filled
 * if pcre2 failed.
 */
int fg_rewrite_apply(struct fg_rewrite *rw, const char *s, size_t n,
		     struct fg_buf *out, struct fg_diag *d);

/* A remembered rewrite of every id of one symtab: the ctx of fg_rewrite_map. */
struct fg_rewrite_memo {
	struct fg_rewrite *rw;		/* borrowed */
	struct fg_symtab *syms;		/* borrowed */
	uint32_t *ids;			/* private */
	size_t cap;			/* private */
	struct fg_buf scratch;		/* private */
};

void fg_rewrite_memo_init(struct fg_rewrite_memo *m, struct fg_rewrite *rw,
			  struct fg_symtab *syms);
void fg_rewrite_memo_release(struct fg_rewrite_memo *m);

/* An fg_frame_map_fn; ctx is a struct fg_rewrite_memo. */
int fg_rewrite_map(void *ctx, uint32_t id, uint32_t *out, struct fg_diag *d);

#ifdef __cplusplus
}
#endif
#endif /* FG_REWRITE_H */
