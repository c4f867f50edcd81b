/*
 * intern.c - frame names to dense ids, in an open-addressing table.
 */
#include <stdlib.h>
#include <string.h>

#include "fg/arena.h"
#include "fg/error.h"
#include "fg/intern.h"
#include "internal.h"

#define SMALL_SLOTS (64u * 1024)

struct fg_symtab *
fg_symtab_new(void)
{
	struct fg_symtab *t = fg_xcalloc(1, sizeof(*t));

	fg_arena_init(&t->arena);
	t->mask = 1023;
	t->slots = fg_xcalloc(t->mask + 1, sizeof(*t->slots));
	return t;
}

void
fg_symtab_free(struct fg_symtab *t)
{
	if (t == NULL)
		return;
	fg_arena_release(&t->arena);
	free(t->syms);
	free(t->slots);
	free(t);
}

static void
grow(struct fg_symtab *t)
{
	size_t nmask = t->mask * 2 + 1, i;
	uint64_t *ns = fg_xzeroed(nmask + 1, sizeof(*ns));

	for (i = 0; i <= t->mask; i++) {
		uint64_t v = t->slots[i];
		size_t j;

		if (v == 0)
			continue;
		j = t->syms[(uint32_t)v - 1].hlo & nmask;
		while (ns[j] != 0)
			j = (j + 1) & nmask;
		ns[j] = v;
	}
	free(t->slots);
	t->slots = ns;
	t->mask = nmask;
}

uint32_t
fg_intern(struct fg_symtab *t, const char *s, size_t n)
{
	return fg_intern_hashed(t, s, n, fg_hash_name(s, n));
}

uint32_t
fg_symtab_add(struct fg_symtab *t, const char *s, size_t n, uint64_t h,
	      size_t j)
{
	struct fg_sym *y;

	if (t->nsyms >= FG_SYMTAB_MAX_ID || n > UINT32_MAX - 1)
		fg_xmalloc(SIZE_MAX);	/* beyond what ids can name */
	if (t->nsyms == t->symcap) {
		t->symcap = t->symcap ? t->symcap * 2 : 256;
		t->syms = fg_xreallocarray(t->syms, t->symcap,
					   sizeof(*t->syms));
	}
	y = &t->syms[t->nsyms];
	y->str = fg_arena_strndup(&t->arena, s, n);
	y->len = (uint32_t)n;
	y->hlo = (uint32_t)h;
	t->slots[j] = (h >> 32 << 32) | (uint64_t)++t->nsyms;
	/*
	 * At most half full; at most a quarter while the slots take up to
	 * 512 KiB, where the memory is little and the shorter probes are
	 * felt on every frame of every line.
	 */
	if (t->nsyms * (t->mask < SMALL_SLOTS ? 4 : 2) > t->mask)
		grow(t);
	return (uint32_t)(t->nsyms - 1);
}

uint32_t
fg_symtab_find(const struct fg_symtab *t, const char *s, size_t n)
{
	size_t j = fg_symtab_probe(t, s, n, fg_hash_name(s, n));

	return t->slots[j] ? (uint32_t)t->slots[j] - 1 : UINT32_MAX;
}

size_t
fg_symtab_count(const struct fg_symtab *t)
{
	return t->nsyms;
}

const char *
fg_symtab_str(const struct fg_symtab *t, uint32_t id, size_t *len)
{
	if (len != NULL)
		*len = t->syms[id].len;
	return t->syms[id].str;
}

size_t
fg_symtab_len(const struct fg_symtab *t, uint32_t id)
{
	return t->syms[id].len;
}

size_t
fg_symtab_bytes(const struct fg_symtab *t)
{
	return t->arena.used + t->symcap * sizeof(*t->syms) +
	       (t->mask + 1) * sizeof(*t->slots);
}
