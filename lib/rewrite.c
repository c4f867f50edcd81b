/*
 * rewrite.c - s/pattern/replacement/g on frame names, with pcre2.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "fg/error.h"
#include "fg/rewrite.h"
#include "internal.h"

struct fg_rewrite {
	pcre2_code *re;
	pcre2_match_data *md;
	char *replacement;
	size_t rlen;
};

struct fg_rewrite *
fg_rewrite_new(const char *pattern, const char *replacement,
	       struct fg_diag *d)
{
	struct fg_rewrite *rw;
	PCRE2_SIZE off;
	int err;
	pcre2_code *re;

	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0,
			   &err, &off, NULL);
	if (re == NULL) {
		PCRE2_UCHAR msg[160];

		pcre2_get_error_message(err, msg, sizeof(msg));
		fg_diag_set(d, NULL, 0, (unsigned long)off + 1,
			    "invalid regular expression '%s': %s", pattern,
			    (const char *)msg);
		return NULL;
	}
	/*
	 * Without JIT pcre2 still matches, only slower. Under valgrind the
	 * JIT's generated code draws false "uninitialised value" reports
	 * that no suppression can single out (it has no symbols and no
	 * unwind information), so the interpreter is used there instead.
	 */
	if (!RUNNING_ON_VALGRIND)
		(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	rw = fg_xcalloc(1, sizeof(*rw));
	rw->re = re;
	rw->md = pcre2_match_data_create_from_pattern(re, NULL);
	if (rw->md == NULL)
		fg_xmalloc(SIZE_MAX);
	rw->rlen = strlen(replacement);
	rw->replacement = fg_xmalloc(rw->rlen + 1);
	memcpy(rw->replacement, replacement, rw->rlen + 1);
	return rw;
}

void
fg_rewrite_free(struct fg_rewrite *rw)
{
	if (rw == NULL)
		return;
	pcre2_match_data_free(rw->md);
	pcre2_code_free(rw->re);
	free(rw->replacement);
	free(rw);
}

int
fg_rewrite_apply(struct fg_rewrite *rw, const char *s, size_t n,
		 struct fg_buf *out, struct fg_diag *d)
{
	PCRE2_SIZE outlen;
	int rc;

	fg_buf_reset(out);
	fg_buf_grow(out, n + 64);
	for (;;) {
		outlen = out->alloc;
		rc = pcre2_substitute(rw->re, (PCRE2_SPTR)(n ? s : ""), n, 0,
				      PCRE2_SUBSTITUTE_GLOBAL |
				      PCRE2_SUBSTITUTE_LITERAL |
				      PCRE2_SUBSTITUTE_OVERFLOW_LENGTH,
				      rw->md, NULL,
				      (PCRE2_SPTR)rw->replacement, rw->rlen,
				      (PCRE2_UCHAR *)out->buf, &outlen);
		if (rc != PCRE2_ERROR_NOMEMORY)
			break;
		/* outlen is now the length needed, without the NUL */
		fg_buf_grow(out, outlen + 1);
	}
	if (rc < 0) {
		PCRE2_UCHAR msg[160];

		pcre2_get_error_message(rc, msg, sizeof(msg));
		out->buf[0] = '\0';
		fg_diag_set(d, NULL, 0, 0, "regular expression failed: %s",
			    (const char *)msg);
		return FG_EDEP;
	}
	out->len = outlen;
	return rc;
}

void
fg_rewrite_memo_init(struct fg_rewrite_memo *m, struct fg_rewrite *rw,
		     struct fg_symtab *syms)
{
	m->rw = rw;
	m->syms = syms;
	m->ids = NULL;
	m->cap = 0;
	fg_buf_init(&m->scratch);
}

void
fg_rewrite_memo_release(struct fg_rewrite_memo *m)
{
	free(m->ids);
	fg_buf_release(&m->scratch);
	m->ids = NULL;
	m->cap = 0;
}

int
fg_rewrite_map(void *ctx, uint32_t id, uint32_t *out, struct fg_diag *d)
{
	struct fg_rewrite_memo *m = ctx;
	const char *s;
	size_t n;
	int rc;

	if (id >= m->cap) {
		size_t ncap = m->cap ? m->cap : 256;

		while (ncap <= id)
			ncap *= 2;
		m->ids = fg_xreallocarray(m->ids, ncap, sizeof(*m->ids));
		memset(m->ids + m->cap, 0xff, (ncap - m->cap) * sizeof(*m->ids));
		m->cap = ncap;
	}
	if (m->ids[id] != UINT32_MAX) {
		*out = m->ids[id];
		return FG_OK;
	}
	s = fg_symtab_str(m->syms, id, &n);
	rc = fg_rewrite_apply(m->rw, s, n, &m->scratch, d);
	if (rc < 0)
		return rc;
	*out = rc == 0 ? id : fg_intern(m->syms, m->scratch.buf,
					m->scratch.len);
	m->ids[id] = *out;
	return FG_OK;
}
