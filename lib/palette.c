/*
 * palette.c - frame colours, after flamegraph.pl's color() and inferno's
 * palettes (behaviour only: the rules are restated here, not copied).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg/buf.h"
#include "fg/error.h"
#include "fg/intern.h"
#include "fg/palette.h"
#include "internal.h"

static const char *const names[FG_PAL_COUNT] = {
	"hot", "mem", "io", "wakeup", "chain", "java", "js", "perl", "python",
	"rust", "red", "green", "blue", "aqua", "yellow", "purple", "orange",
	"diff-cb"
};

struct mapent {
	uint32_t id;		/* name in syms */
	struct fg_rgb c;
};

struct fg_palette {
	enum fg_palette_id id;
	enum fg_color_mode mode;
	uint64_t rng;
	bool use_map;
	struct fg_symtab *syms;	/* names of the map */
	struct mapent *map;	/* indexed by name id */
	bool *have;
	size_t cap;
};

int
fg_palette_lookup(const char *name, enum fg_palette_id *out)
{
	int i;

	for (i = 0; i < FG_PAL_COUNT; i++) {
		if (strcmp(names[i], name) == 0) {
			*out = (enum fg_palette_id)i;
			return FG_OK;
		}
	}
	return FG_EINVAL;
}

const char *
fg_palette_name(enum fg_palette_id id)
{
	return id < FG_PAL_COUNT ? names[id] : "?";
}

static bool
contains(const char *s, size_t n, const char *needle)
{
	size_t m = strlen(needle), i;

	if (m > n)
		return false;
	for (i = 0; i + m <= n; i++)
		if (memcmp(s + i, needle, m) == 0)
			return true;
	return false;
}

static bool
starts(const char *s, size_t n, const char *p)
{
	size_t m = strlen(p);

	return n >= m && memcmp(s, p, m) == 0;
}

int
fg_palette_annotation(const char *s, size_t n)
{
	if (n >= 4 && s[n - 4] == '_' && s[n - 3] == '[' && s[n - 1] == ']' &&
	    strchr("kjiw", s[n - 2]) != NULL && s[n - 2] != '\0')
		return s[n - 2];
	return 0;
}

/* Java: annotations first, then C++/Objective-C, then Java-looking names. */
static enum fg_palette_id
resolve_java(const char *s, size_t n)
{
	int a = fg_palette_annotation(s, n);
	const char *j = s;
	size_t jn = n;

	if (a == 'k')
		return FG_PAL_ORANGE;
	if (a == 'i')
		return FG_PAL_AQUA;
	if (a == 'j')
		return FG_PAL_GREEN;
	if (jn > 0 && j[0] == 'L') {
		j++;
		jn--;
	}
	if (contains(s, n, "::") || starts(s, n, "-[") || starts(s, n, "+["))
		return FG_PAL_YELLOW;
	if (memchr(j, '/', jn) != NULL ||
	    (memchr(j, '.', jn) != NULL && !(jn > 0 && j[0] == '[')) ||
	    (jn > 0 && j[0] >= 'A' && j[0] <= 'Z'))
		return FG_PAL_GREEN;
	return FG_PAL_RED;
}

static enum fg_palette_id
resolve_js(const char *s, size_t n)
{
	int a = fg_palette_annotation(s, n);
	const char *slash;
	size_t i;
	bool blank = n > 0;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			blank = false;
	if (blank)
		return FG_PAL_GREEN;
	if (a == 'k')
		return FG_PAL_ORANGE;
	if (a == 'j')
		return memchr(s, '/', n) != NULL ? FG_PAL_GREEN : FG_PAL_AQUA;
	if (contains(s, n, "::"))
		return FG_PAL_YELLOW;
	if (memchr(s, ':', n) != NULL)
		return FG_PAL_AQUA;
	slash = memchr(s, '/', n);
	if (slash != NULL && contains(slash, n - (size_t)(slash - s), ".js"))
		return FG_PAL_GREEN;
	return FG_PAL_RED;
}

static enum fg_palette_id
resolve_perl(const char *s, size_t n)
{
	if (fg_palette_annotation(s, n) == 'k')
		return FG_PAL_ORANGE;
	if (contains(s, n, "Perl") || contains(s, n, ".pl"))
		return FG_PAL_GREEN;
	if (contains(s, n, "::"))
		return FG_PAL_YELLOW;
	return FG_PAL_RED;
}

/*
 * Python: third-party code (a site-packages or dist-packages directory)
 * aqua, the standard library (a pythonX.Y directory, <frozen ...>,
 * <built-in ...>) yellow, kernel orange, other Python code green (a .py
 * file or a py:: frame), native code red.
 */
static enum fg_palette_id
resolve_python(const char *s, size_t n)
{
	size_t i;

	if (fg_palette_annotation(s, n) == 'k')
		return FG_PAL_ORANGE;
	/* stackcollapse-scalene --split: where a line's time went */
	if (n == 8 && memcmp(s, "[python]", 8) == 0)
		return FG_PAL_GREEN;
	if (n == 8 && memcmp(s, "[native]", 8) == 0)
		return FG_PAL_BLUE;
	if (n == 8 && memcmp(s, "[system]", 8) == 0)
		return FG_PAL_ORANGE;
	if (contains(s, n, "site-packages") || contains(s, n, "dist-packages"))
		return FG_PAL_AQUA;
	if (contains(s, n, "<frozen") || contains(s, n, "<built-in"))
		return FG_PAL_YELLOW;
	for (i = 0; i + 8 <= n; i++) {
		if (memcmp(s + i, "/python", 7) == 0 && s[i + 7] >= '0' &&
		    s[i + 7] <= '9')
			return FG_PAL_YELLOW;
	}
	if (contains(s, n, ".py") || starts(s, n, "py::"))
		return FG_PAL_GREEN;
	return FG_PAL_RED;
}

static enum fg_palette_id
resolve_rust(const char *s, size_t n)
{
	if (starts(s, n, "core::") || starts(s, n, "std::") ||
	    starts(s, n, "alloc::") || contains(s, n, "as core::") ||
	    contains(s, n, "as std::") || contains(s, n, "as alloc::"))
		return FG_PAL_ORANGE;
	if (contains(s, n, "::"))
		return FG_PAL_YELLOW;
	return FG_PAL_RED;
}

enum fg_palette_id
fg_palette_resolve(enum fg_palette_id id, const char *s, size_t n)
{
	switch (id) {
	case FG_PAL_JAVA:
		return resolve_java(s, n);
	case FG_PAL_JS:
		return resolve_js(s, n);
	case FG_PAL_PERL:
		return resolve_perl(s, n);
	case FG_PAL_PYTHON:
		return resolve_python(s, n);
	case FG_PAL_RUST:
		return resolve_rust(s, n);
	case FG_PAL_WAKEUP:
		return FG_PAL_AQUA;
	case FG_PAL_CHAIN:
		return fg_palette_annotation(s, n) == 'w' ? FG_PAL_AQUA :
							    FG_PAL_BLUE;
	case FG_PAL_DIFF_CB:
		return FG_PAL_HOT;
	default:
		return id;
	}
}

struct fg_palette *
fg_palette_new(enum fg_palette_id id, enum fg_color_mode mode, uint64_t seed)
{
	struct fg_palette *p = fg_xcalloc(1, sizeof(*p));

	p->id = id;
	p->mode = mode;
	p->rng = seed ? seed : 0x9e3779b97f4a7c15ULL;
	return p;
}

void
fg_palette_free(struct fg_palette *p)
{
	if (p == NULL)
		return;
	fg_symtab_free(p->syms);
	free(p->map);
	free(p->have);
	free(p);
}

/*
 * flamegraph.pl's namehash: the first three characters (after a module
 * prefix ending in '`', if any) weighted 1, 0.7, 0.49.
 */
static double
namehash(const unsigned char *s, size_t n)
{
	double vector = 0, weight = 1, max = 1;
	unsigned mod = 10;
	size_t i, start = 0;

	if (n > 1) {
		const void *q = memchr(s + 1, '`', n - 1);

		if (q != NULL)
			start = (size_t)((const unsigned char *)q - s) + 1;
	}
	for (i = start; i < n && i < start + 3; i++) {
		vector += (double)(s[i] % mod) / (double)(mod - 1) * weight;
		mod++;
		max += weight;
		weight *= 0.70;
	}
	return 1 - vector / max;
}

static double
namehash_reversed(const char *s, size_t n)
{
	unsigned char *r = fg_xmalloc(n ? n : 1);
	double v;
	size_t i;

	for (i = 0; i < n; i++)
		r[i] = (unsigned char)s[n - 1 - i];
	v = namehash(r, n);
	free(r);
	return v;
}

static uint64_t
xorshift(uint64_t *st)
{
	uint64_t x = *st;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*st = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static double
unit(uint64_t v)
{
	return (double)(v >> 11) / 9007199254740992.0;	/* 2^53 */
}

static struct fg_rgb
rgb(int r, int g, int b)
{
	struct fg_rgb c = { (uint8_t)r, (uint8_t)g, (uint8_t)b };

	return c;
}

static struct fg_rgb
base_color(enum fg_palette_id id, double v1, double v2, double v3)
{
	switch (id) {
	case FG_PAL_HOT:
		return rgb(205 + (int)(50 * v3), (int)(230 * v1), (int)(55 * v2));
	case FG_PAL_MEM:
		return rgb(0, 190 + (int)(50 * v2), (int)(210 * v1));
	case FG_PAL_IO:
		return rgb(80 + (int)(60 * v1), 80 + (int)(60 * v1),
			   190 + (int)(55 * v2));
	case FG_PAL_RED:
		return rgb(200 + (int)(55 * v1), 50 + (int)(80 * v1),
			   50 + (int)(80 * v1));
	case FG_PAL_GREEN:
		return rgb(50 + (int)(60 * v1), 200 + (int)(55 * v1),
			   50 + (int)(60 * v1));
	case FG_PAL_BLUE:
		return rgb(80 + (int)(60 * v1), 80 + (int)(60 * v1),
			   205 + (int)(50 * v1));
	case FG_PAL_YELLOW:
		return rgb(175 + (int)(55 * v1), 175 + (int)(55 * v1),
			   50 + (int)(20 * v1));
	case FG_PAL_PURPLE:
		return rgb(190 + (int)(65 * v1), 80 + (int)(60 * v1),
			   190 + (int)(65 * v1));
	case FG_PAL_AQUA:
		return rgb(50 + (int)(60 * v1), 165 + (int)(55 * v1),
			   165 + (int)(55 * v1));
	case FG_PAL_ORANGE:
		return rgb(190 + (int)(65 * v1), 90 + (int)(65 * v1), 0);
	default:
		return rgb(0, 0, 0);
	}
}

static struct fg_rgb
compute(struct fg_palette *p, const char *s, size_t n)
{
	double v1, v2, v3;

	switch (p->mode) {
	case FG_COLOR_HASH:
		v1 = namehash((const unsigned char *)s, n);
		v2 = v3 = namehash_reversed(s, n);
		break;
	case FG_COLOR_RANDOM:
		v1 = unit(xorshift(&p->rng));
		v2 = unit(xorshift(&p->rng));
		v3 = unit(xorshift(&p->rng));
		break;
	default: {
		uint64_t h = 0xcbf29ce484222325ULL;
		size_t i;

		for (i = 0; i < n; i++) {
			h ^= (unsigned char)s[i];
			h *= 0x100000001b3ULL;
		}
		v1 = unit(fg_mix64(h));
		v2 = unit(fg_mix64(h ^ 0x5bd1e995ULL));
		v3 = unit(fg_mix64(h ^ 0x27d4eb2f165667c5ULL));
		break;
	}
	}
	return base_color(fg_palette_resolve(p->id, s, n), v1, v2, v3);
}

static void
map_put(struct fg_palette *p, uint32_t id, struct fg_rgb c)
{
	if (id >= p->cap) {
		size_t ncap = p->cap ? p->cap : 64;

		while (ncap <= id)
			ncap *= 2;
		p->map = fg_xreallocarray(p->map, ncap, sizeof(*p->map));
		p->have = fg_xreallocarray(p->have, ncap, sizeof(*p->have));
		memset(p->have + p->cap, 0, (ncap - p->cap) * sizeof(*p->have));
		p->cap = ncap;
	}
	p->map[id].id = id;
	p->map[id].c = c;
	p->have[id] = true;
}

struct fg_rgb
fg_palette_color(struct fg_palette *p, const char *s, size_t n)
{
	struct fg_rgb c;
	uint32_t id;

	if (n == 2 && memcmp(s, "--", 2) == 0)
		return rgb(160, 160, 160);
	if (n == 1 && s[0] == '-')
		return rgb(200, 200, 200);
	if (!p->use_map)
		return compute(p, s, n);
	id = fg_intern(p->syms, s, n);
	if (id < p->cap && p->have[id])
		return p->map[id].c;
	c = compute(p, s, n);
	map_put(p, id, c);
	return c;
}

static int
parse_rgb(const char *s, size_t n, struct fg_rgb *out)
{
	char tmp[64];
	int r, g, b, end = 0;

	if (n >= sizeof(tmp))
		return FG_EPARSE;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (sscanf(tmp, "rgb(%d,%d,%d)%n", &r, &g, &b, &end) != 3 ||
	    (size_t)end != n || r < 0 || r > 255 || g < 0 || g > 255 ||
	    b < 0 || b > 255)
		return FG_EPARSE;
	*out = rgb(r, g, b);
	return FG_OK;
}

int
fg_palette_map_read(struct fg_palette *p, const char *path, struct fg_diag *d)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long lineno = 0;
	int rc = FG_OK;

	p->use_map = true;
	if (p->syms == NULL)
		p->syms = fg_symtab_new();
	f = fopen(path, "r");
	if (f == NULL) {
		if (errno == ENOENT)
			return FG_OK;
		fg_diag_set(d, path, 0, 0, "cannot open: %s", strerror(errno));
		return FG_EIO;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		size_t n = (size_t)len, k;
		struct fg_rgb c;
		bool found = false;

		lineno++;
		if (line[n - 1] == '\n')
			n--;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n == 0)
			continue;
		for (k = n - 1; k >= 1; k--) {
			if (line[k - 1] == '-' && line[k] == '>') {
				found = true;
				break;
			}
		}
		if (!found || parse_rgb(line + k + 1, n - k - 1, &c) < 0) {
			fg_diag_set(d, path, lineno, 0,
				    "expected 'name->rgb(r,g,b)'");
			rc = FG_EPARSE;
			break;
		}
		map_put(p, fg_intern(p->syms, line, k - 1), c);
	}
	if (rc == FG_OK && ferror(f)) {
		fg_diag_set(d, path, 0, 0, "read error: %s", strerror(errno));
		rc = FG_EIO;
	}
	free(line);
	fclose(f);
	return rc;
}

static const struct fg_symtab *cmp_syms;

static int
map_cmp(const void *a, const void *b)
{
	size_t la, lb;
	const char *sa = fg_symtab_str(cmp_syms, *(const uint32_t *)a, &la);
	const char *sb = fg_symtab_str(cmp_syms, *(const uint32_t *)b, &lb);
	int c = memcmp(sa, sb, la < lb ? la : lb);

	return c != 0 ? c : (la < lb ? -1 : la > lb);
}

int
fg_palette_map_write(const struct fg_palette *p, FILE *out)
{
	size_t n = 0, i;
	uint32_t *ids;

	ids = fg_xreallocarray(NULL, p->cap ? p->cap : 1, sizeof(*ids));
	for (i = 0; i < p->cap; i++)
		if (p->have[i])
			ids[n++] = (uint32_t)i;
	cmp_syms = p->syms;
	qsort(ids, n, sizeof(*ids), map_cmp);
	for (i = 0; i < n; i++) {
		size_t len;
		const char *s = fg_symtab_str(p->syms, ids[i], &len);
		struct fg_rgb c = p->map[ids[i]].c;

		fwrite(s, 1, len, out);
		fprintf(out, "->rgb(%u,%u,%u)\n", c.r, c.g, c.b);
	}
	free(ids);
	return ferror(out) ? FG_EIO : FG_OK;
}

struct fg_rgb
fg_palette_diff_color(double delta, double maxabs, double threshold, bool cb)
{
	double v;

	if (delta == 0 || maxabs <= 0 || (delta < 0 ? -delta : delta) < threshold)
		return cb ? rgb(247, 247, 247) : rgb(250, 250, 250);
	v = (delta < 0 ? -delta : delta) / maxabs;
	if (v > 1)
		v = 1;
	if (cb) {
		/* from light grey to orange (grew) or purple (shrank) */
		if (delta > 0)
			return rgb(247 - (int)(v * (247 - 230)),
				   247 - (int)(v * (247 - 97)),
				   247 - (int)(v * (247 - 1)));
		return rgb(247 - (int)(v * (247 - 94)),
			   247 - (int)(v * (247 - 60)),
			   247 - (int)(v * (247 - 153)));
	}
	if (delta > 0)
		return rgb(255, 250 - (int)(v * 190), 250 - (int)(v * 190));
	return rgb(250 - (int)(v * 190), 250 - (int)(v * 190), 255);
}

int
fg_palette_parse_hex(const char *s, struct fg_rgb *out)
{
	unsigned v[3];
	int i;

	if (strlen(s) != 7 || s[0] != '#')
		return FG_EINVAL;
	for (i = 0; i < 3; i++) {
		char h[3] = { s[1 + 2 * i], s[2 + 2 * i], '\0' };
		char *end;

		if (strchr("0123456789abcdefABCDEF", h[0]) == NULL ||
		    strchr("0123456789abcdefABCDEF", h[1]) == NULL)
			return FG_EINVAL;
		v[i] = (unsigned)strtoul(h, &end, 16);
	}
	*out = rgb((int)v[0], (int)v[1], (int)v[2]);
	return FG_OK;
}

int
fg_palette_background(const char *spec, enum fg_palette_id id, char top[8],
		      char bottom[8])
{
	static const struct {
		const char *name, *a, *b;
	} bg[] = {
		{ "yellow", "#eeeeee", "#eeeeb0" },
		{ "blue", "#eeeeee", "#e0e0ff" },
		{ "green", "#eef2ee", "#e0ffe0" },
		{ "grey", "#f8f8f8", "#e8e8e8" },
	};
	struct fg_rgb c;
	size_t i;

	if (spec == NULL) {
		switch (id) {
		case FG_PAL_MEM:
			spec = "green";
			break;
		case FG_PAL_IO: case FG_PAL_WAKEUP: case FG_PAL_CHAIN:
			spec = "blue";
			break;
		case FG_PAL_RED: case FG_PAL_GREEN: case FG_PAL_BLUE:
		case FG_PAL_AQUA: case FG_PAL_YELLOW: case FG_PAL_PURPLE:
		case FG_PAL_ORANGE: case FG_PAL_DIFF_CB:
			spec = "grey";
			break;
		default:
			spec = "yellow";
		}
	}
	for (i = 0; i < FG_ARRAY_SIZE(bg); i++) {
		if (strcmp(spec, bg[i].name) == 0) {
			memcpy(top, bg[i].a, 8);
			memcpy(bottom, bg[i].b, 8);
			return FG_OK;
		}
	}
	if (fg_palette_parse_hex(spec, &c) < 0)
		return FG_EINVAL;
	snprintf(top, 8, "#%02x%02x%02x", c.r, c.g, c.b);
	memcpy(bottom, top, 8);
	return FG_OK;
}
