/*
 * intern.h - string interning: a frame name becomes a dense 32-bit id.
 *
 * Each distinct byte string is stored once (in the table's arena, with a
 * NUL after it) and gets the next id, starting at 0. Ids are dense, so
 * callers can index their own arrays by id. Strings may contain any byte,
 * NUL included; they are compared by length and bytes.
 *
 * Pointers returned by fg_symtab_str() are borrowed: never modified, never
 * freed individually, valid until fg_symtab_free().
 */
#ifndef FG_INTERN_H
#define FG_INTERN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fg_symtab;

/* Returns a new, empty table (caller frees with fg_symtab_free). */
struct fg_symtab *fg_symtab_new(void);
/* Frees the table and every string in it. NULL is a no-op. */
void fg_symtab_free(struct fg_symtab *t);

/* The largest id; interning more distinct strings than this aborts. */
#define FG_SYMTAB_MAX_ID (UINT32_MAX - 1)

/*
 * Returns the id of the n bytes at s, adding them if they are new.
 */
uint32_t fg_intern(struct fg_symtab *t, const char *s, size_t n);

/*
 * Returns the id of the n bytes at s, or UINT32_MAX if they were never
 * interned. Does not change the table.
 */
uint32_t fg_symtab_find(const struct fg_symtab *t, const char *s, size_t n);

/* The number of distinct strings (so ids are 0 .. count - 1). */
size_t fg_symtab_count(const struct fg_symtab *t);

/*
 * The bytes of id (NUL-terminated), and their length in *len if len is
 * not NULL. id must be below fg_symtab_count().
 */
const char *fg_symtab_str(const struct fg_symtab *t, uint32_t id,
			  size_t *len);
size_t fg_symtab_len(const struct fg_symtab *t, uint32_t id);

/* Bytes of string storage used, for benchmarks. */
size_t fg_symtab_bytes(const struct fg_symtab *t);

#ifdef __cplusplus
}
#endif
#endif /* FG_INTERN_H */
