/*
 * marshal.h - a decoder for Python's marshal format, as far as profile
 * files need it.
 *
 * A .pstats file is one marshalled object (see the pstats(5)-like notes in
 * stackcollapse-pstats(1)). This module reads such a stream from a memory
 * buffer into a tree of struct fg_mobj: every type code that Python 2.7
 * (marshal version 2) and Python 3.4 to 3.13 (version 4) write, and the
 * slice of version 5 (Python 3.14). Shared objects (the 0x80 reference flag
 * and 'r' back-references of version 3+, the 't' interned strings and 'R'
 * string references of version 2) come back as the same struct fg_mobj,
 * pointed to from several places.
 *
 * Every read is bounds-checked. A truncated or corrupt stream is an error
 * whose message names the byte offset, never a crash; nesting deeper than
 * FG_MARSHAL_MAX_DEPTH and decoding that would take more than a fixed
 * budget of steps per input byte are errors too.
 *
 * Strings are not copied: str.p points into the input buffer, which must
 * outlive the decoder. Everything else lives in the decoder's arena and is
 * freed by fg_marshal_free().
 */
#ifndef FG_MARSHAL_H
#define FG_MARSHAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fg/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* CPython's own limit is 2000; profile files nest 5 deep outside code. */
#define FG_MARSHAL_MAX_DEPTH 1000

enum fg_mtype {
	FG_M_NONE,		/* N */
	FG_M_BOOL,		/* F T: i is 0 or 1 */
	FG_M_STOPITER,		/* S */
	FG_M_ELLIPSIS,		/* . */
	FG_M_INT,		/* i I l: i, or f when big */
	FG_M_FLOAT,		/* g f: f */
	FG_M_COMPLEX,		/* y x: f and imag */
	FG_M_STR,		/* u t a A z Z (and R): text, UTF-8 or ASCII */
	FG_M_BYTES,		/* s: bytes (Python 2 str) */
	FG_M_TUPLE,		/* ( ) */
	FG_M_LIST,		/* [ */
	FG_M_SET,		/* < */
	FG_M_FROZENSET,		/* > */
	FG_M_DICT,		/* { ... 0: items holds key, value, key, ... */
	FG_M_CODE,		/* c */
	FG_M_SLICE		/* : (version 5): items holds start, stop, step */
};

/* Which layout a code object was read with (see code.layout). */
enum fg_mcode_layout {
	FG_MCODE_PY27,		/* 4 header ints */
	FG_MCODE_PY30,		/* 3.0-3.7: 5 header ints */
	FG_MCODE_PY38,		/* 3.8-3.10: 6 header ints */
	FG_MCODE_PY311		/* 3.11-3.14: 5 ints, qualname, exception table */
};

/* The fields of a code object that name it. */
struct fg_mcode {
	const struct fg_mobj *filename;	/* STR or BYTES */
	const struct fg_mobj *name;	/* STR or BYTES */
	const struct fg_mobj *qualname;	/* NULL before 3.11 */
	int64_t firstlineno;
	enum fg_mcode_layout layout;
};

/* One decoded object: 32 bytes, as profile files hold millions. */
struct fg_mobj {
	enum fg_mtype type;
	unsigned char code;	/* the type code on the wire, without 0x80 */
	bool big;		/* FG_M_INT only: beyond int64, value in f */
	size_t off;		/* byte offset of the type byte */
	union {
		int64_t i;				/* INT, BOOL */
		double f;				/* FLOAT, big INT */
		struct { double re, im; } c;		/* COMPLEX */
		struct { const char *p; size_t n; } str; /* STR, BYTES */
		struct {
			struct fg_mobj **items;
			size_t n;	/* items (for DICT: 2 x pairs) */
		} seq;		/* TUPLE LIST SET FROZENSET DICT SLICE */
		const struct fg_mcode *code;		/* CODE */
	} u;
};

/* The decoder's statistics, for tests and diagnostics. */
struct fg_marshal_stats {
	size_t objects;		/* objects decoded (references not counted) */
	size_t refs;		/* slots reserved by the 0x80 flag */
	size_t backrefs;	/* 'r' and 'R' read */
	size_t interned;	/* 't' strings (the version 2 list) */
	bool flag_ref;		/* the 0x80 flag was seen (version 3 or later) */
	bool v4;		/* a version 4 code was seen: a A z Z ) */
	bool v5;		/* a version 5 code was seen: the slice */
};

struct fg_marshal;

struct fg_marshal *fg_marshal_new(void);
/* Frees the decoder and every object it returned. NULL is a no-op. */
void fg_marshal_free(struct fg_marshal *m);

/*
 * Decodes the one object held in buf[0 .. n-1] (borrowed: it must
 * outlive m's objects). Returns FG_OK with *out set, or FG_EPARSE (with
 * d->msg "byte N: what is wrong", d->col = N + 1) for a truncated or
 * corrupt stream, bytes left after the object, nesting beyond
 * FG_MARSHAL_MAX_DEPTH or too much work. d->file is left to the caller.
 * The objects of an earlier call are freed: they are valid until the
 * next fg_marshal_load() or fg_marshal_free().
 */
int fg_marshal_load(struct fg_marshal *m, const void *buf, size_t n,
		    const struct fg_mobj **out, struct fg_diag *d);

/* The statistics of the last fg_marshal_load(). */
const struct fg_marshal_stats *fg_marshal_stats(const struct fg_marshal *m);

/*
 * The number of obj as a double: INT (big or not), FLOAT, BOOL. Returns
 * false (and leaves *v alone) for other types.
 */
bool fg_mobj_number(const struct fg_mobj *obj, double *v);

/* A static lowercase name of a type, for messages: "tuple", "str" ... */
const char *fg_mtype_name(enum fg_mtype t);

#ifdef __cplusplus
}
#endif
#endif /* FG_MARSHAL_H */
