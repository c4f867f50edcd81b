/*
 * palette.h - frame colours: flamegraph.pl's palettes, the differential
 * scales, background gradients and the palette.map file.
 *
 * A palette turns a frame name into an RGB colour. The base palettes
 * (hot, mem, io, red, green, blue, aqua, yellow, purple, orange) draw
 * from a fixed range; the semantic ones (java, js, perl, python, rust,
 * wakeup, chain) first pick a base palette from the name (kernel "_[k]",
 * JIT "_[j]", inlined "_[i]", waker "_[w]" annotations, C++ "::", Java
 * package paths ...), as flamegraph.pl and inferno do.
 *
 * Where in its range a colour falls comes from three numbers in [0, 1]:
 *   FG_COLOR_NAME    a hash of the name (FNV-1a): same name, same colour
 *                    in every graph (the default);
 *   FG_COLOR_HASH    flamegraph.pl's --hash: a hash that weights the first
 *                    characters, so similar names get similar colours;
 *   FG_COLOR_RANDOM  a xorshift generator started from the seed.
 * With a palette map (--cp) a name that has a colour keeps it, and a new
 * name's colour is added to the map.
 */
#ifndef FG_PALETTE_H
#define FG_PALETTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fg/error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum fg_palette_id {
	FG_PAL_HOT = 0, FG_PAL_MEM, FG_PAL_IO, FG_PAL_WAKEUP, FG_PAL_CHAIN,
	FG_PAL_JAVA, FG_PAL_JS, FG_PAL_PERL, FG_PAL_PYTHON, FG_PAL_RUST,
	FG_PAL_RED, FG_PAL_GREEN, FG_PAL_BLUE, FG_PAL_AQUA, FG_PAL_YELLOW,
	FG_PAL_PURPLE, FG_PAL_ORANGE,
	FG_PAL_DIFF_CB,		/* differential only: colour-blind-safe scale */
	FG_PAL_COUNT
};

enum fg_color_mode {
	FG_COLOR_NAME = 0,
	FG_COLOR_HASH,
	FG_COLOR_RANDOM
};

struct fg_rgb {
	uint8_t r, g, b;
};

/* Looks a palette up by name; returns 0, or FG_EINVAL if unknown. */
int fg_palette_lookup(const char *name, enum fg_palette_id *out);
/* The palette's name ("hot" ...). */
const char *fg_palette_name(enum fg_palette_id id);

/*
 * The base palette a semantic palette gives the name s[0..n-1] (a base
 * palette returns itself).
 */
enum fg_palette_id fg_palette_resolve(enum fg_palette_id id, const char *s,
				      size_t n);

/* Which annotation the name ends with: 'k', 'j', 'i', 'w', or 0. */
int fg_palette_annotation(const char *s, size_t n);

struct fg_palette;

struct fg_palette *fg_palette_new(enum fg_palette_id id,
				  enum fg_color_mode mode, uint64_t seed);
void fg_palette_free(struct fg_palette *p);

/* The colour of a frame (separator frames "-" and "--" are grey). */
struct fg_rgb fg_palette_color(struct fg_palette *p, const char *s, size_t n);

/*
 * Reads a palette map ("name->rgb(r,g,b)" per line; the last "->" splits)
 * into p. A missing file is an empty map. Returns FG_OK, or FG_EIO /
 * FG_EPARSE with d filled.
 */
int fg_palette_map_read(struct fg_palette *p, const char *path,
			struct fg_diag *d);
/*
 * Writes every colour of the map (the ones read and the ones given out
 * since), sorted by name, to out. Returns FG_OK or FG_EIO.
 */
int fg_palette_map_write(const struct fg_palette *p, FILE *out);

/*
 * The colour of a differential frame: delta is after - before (already
 * negated for --negate), maxabs the scale's end (the largest |delta|).
 * Changes with |delta| below threshold are drawn neutral. Red is growth,
 * blue shrinkage, saturation grows with |delta| / maxabs; with cb (the
 * diff-cb palette) orange and purple instead, safe for the common kinds of
 * colour blindness.
 */
struct fg_rgb fg_palette_diff_color(double delta, double maxabs,
				    double threshold, bool cb);

/*
 * The background gradient for --bgcolors spec (yellow, blue, green, grey
 * or #rrggbb; NULL: the palette's default), as two "#rrggbb" strings
 * (a flat colour gives the same string twice). Returns FG_OK or FG_EINVAL.
 */
int fg_palette_background(const char *spec, enum fg_palette_id id,
			  char top[8], char bottom[8]);

/* Parses "#rrggbb"; returns FG_OK or FG_EINVAL. */
int fg_palette_parse_hex(const char *s, struct fg_rgb *out);

#ifdef __cplusplus
}
#endif
#endif /* FG_PALETTE_H */
