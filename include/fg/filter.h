/*
 * filter.h - stack transforms shared by every tool (flamekit-filters(7)).
 *
 * A filter is a chain of transforms applied, in the order they were
 * added, to every stack between the parser and the output:
 *
 *   include RE     keep only stacks with a frame matching RE
 *   exclude RE     drop stacks with a frame matching RE
 *   focus RE       keep stacks through a matching frame; the first
 *                  (outermost) match becomes the root
 *   show-from RE   as focus, but the frames above the match are kept,
 *                  joined into one root frame ("a > b > c")
 *   hide RE        remove matching frames; the stack keeps its count
 *   prune-below RE cut the frames below (callees of) the first match;
 *                  their counts become the match's self count
 *   collapse-recursion      a;a;a -> a (direct recursion)
 *   collapse-recursion=all  a frame already on the stack takes the stack
 *                  back to its first occurrence: a;b;a;b -> a;b
 *   simplify-templates      C++ template and Rust generic arguments
 *                  emptied (vector<int> -> vector<>), Rust hashes
 *                  (::h0123456789abcdef) removed
 *   rename RE=REPL pcre2 substitution on frame names, every match,
 *                  with $1 ... ${name} in REPL
 *
 * Only include, exclude, focus and show-from remove counts; every other
 * transform keeps the sum of counts unchanged. A stack whose frames are
 * all hidden becomes the one frame "[hidden]" so its count is kept.
 *
 * New frame names (rename, simplify-templates, show-from) are interned in
 * the symtab the stacks' ids come from. A regular expression is tested
 * once per distinct frame name and the answer remembered by id (for one
 * symtab at a time: passing another one starts the memory afresh).
 */
#ifndef FG_FILTER_H
#define FG_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fg/count.h"
#include "fg/error.h"
#include "fg/intern.h"
#include "fg/stacks.h"

#ifdef __cplusplus
extern "C" {
#endif

enum fg_filter_op {
	FG_FILTER_INCLUDE,
	FG_FILTER_EXCLUDE,
	FG_FILTER_FOCUS,
	FG_FILTER_SHOW_FROM,
	FG_FILTER_HIDE,
	FG_FILTER_PRUNE_BELOW,
	FG_FILTER_COLLAPSE_RECURSION,
	FG_FILTER_COLLAPSE_RECURSION_ALL,
	FG_FILTER_SIMPLIFY_TEMPLATES,
	FG_FILTER_RENAME
};

/* The frame that replaces a stack whose every frame was hidden. */
#define FG_FILTER_HIDDEN_FRAME "[hidden]"
/* What joins the frames above a --show-from match into one frame. */
#define FG_FILTER_JOIN " > "

struct fg_filter;

/* A new, empty chain. */
struct fg_filter *fg_filter_new(void);
void fg_filter_free(struct fg_filter *f);

/*
 * Appends a transform. arg is the regular expression (NUL-terminated),
 * "REGEX=REPLACEMENT" for FG_FILTER_RENAME (split at the last '=' not
 * preceded by a backslash; "\=" in the replacement stands for '='), and
 * NULL for the transforms that take none. Returns FG_OK, or FG_EINVAL
 * with d filled (the message quotes the pattern and pcre2's reason, the
 * column is the offset in the pattern, from 1).
 */
int fg_filter_add(struct fg_filter *f, enum fg_filter_op op, const char *arg,
		  struct fg_diag *d);

/* The number of transforms in the chain. */
size_t fg_filter_count(const struct fg_filter *f);

/*
 * Transform i as its option would be written ("--hide=^_Py"), for
 * messages; "" when i is out of range.
 */
const char *fg_filter_describe(const struct fg_filter *f, size_t i);

/*
 * Runs the chain on one stack (ids[0 .. n-1] of syms, root first).
 * Returns 1 and
 * sets *out and *out_n to the transformed stack (borrowed from the
 * filter: valid until the next call), 0 when a transform dropped the
 * stack (*dropped_by, if not NULL, receives its position in the chain),
 * or FG_EDEP with d filled when pcre2 failed.
 */
int fg_filter_stack(struct fg_filter *f, struct fg_symtab *syms,
		    const uint32_t *ids, size_t n,
		    const uint32_t **out, size_t *out_n, size_t *dropped_by,
		    struct fg_diag *d);

/* What one transform removed, for --verbose. */
struct fg_filter_removed {
	unsigned long stacks;
	struct fg_count count[FG_STACKS_MAX_COLS];
};

/*
 * Runs the chain on every stack of src and adds the results into dst
 * (same symtab and number of columns; stacks that become equal merge).
 * removed, if not NULL, is an array of fg_filter_count(f) entries that
 * receives what each transform dropped. Returns FG_OK, FG_EINVAL
 * (tables that do not fit), FG_ERANGE (a merged count overflowed) or
 * FG_EDEP, with d filled.
 */
int fg_filter_table(struct fg_filter *f, const struct fg_stacks *src,
		    struct fg_stacks *dst, struct fg_filter_removed *removed,
		    struct fg_diag *d);

/*
 * Applies the chain to *s in place when it has transforms: the table is
 * replaced by a filtered copy. Returns as fg_filter_table.
 */
int fg_filter_apply(struct fg_filter *f, struct fg_stacks **s,
		    struct fg_filter_removed *removed, struct fg_diag *d);

/*
 * simplify-templates on one name: writes the simplified bytes of s[0..n-1]
 * to out (at least n bytes) and returns their length.
 */
size_t fg_filter_simplify_name(const char *s, size_t n, char *out);

#ifdef __cplusplus
}
#endif

#endif /* FG_FILTER_H */
