/*
 * layout.c - rectangles and labels for a flame tree; text is measured
 * with cairo's toy font API on a 1x1 image surface, one advance per code
 * point, cached.
 */
#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <fontconfig/fontconfig.h>

#include "fg/buf.h"
#include "fg/error.h"
#include "fg/intern.h"
#include "fg/layout.h"
#include "fg/palette.h"
#include "fg/tree.h"
#include "internal.h"

struct glyph {
	uint32_t cp;	/* code point + 1; 0 is empty */
	double adv;
};

struct metrics {
	cairo_surface_t *surface;
	cairo_t *cr;
	double fixed;		/* > 0: every character is this wide */
	double ascii[128];
	struct glyph *cache;	/* open addressing, power of two */
	size_t mask, used;
};

struct fg_layout {
	struct fg_layout_frame *frames;
	size_t n;
	double width, height, top, total;
	struct fg_buf text;
};

void
fg_layout_opts_init(struct fg_layout_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->width = 1200;
	o->frame_height = 16;
	o->font_size = 12;
	o->font_type = "Verdana";
	o->min_width = 0.1;
}

double
fg_layout_min_count(const struct fg_layout_opts *o, double total)
{
	double avail = o->width - 2 * FG_LAYOUT_XPAD;

	if (o->total > total)
		total = o->total;
	if (o->min_width_pct)
		return total * o->min_width / 100.0;
	if (avail <= 0)
		return total;
	return o->min_width * total / avail;
}

size_t
fg_utf8_sanitize(const char *s, size_t n, char *out, size_t outsz)
{
	static const char rep[3] = { (char)0xef, (char)0xbf, (char)0xbd };
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0;

#define PUT(buf, len)                                                  \
	do {                                                           \
		if (o + (len) < outsz)                                 \
			memcpy(out + o, (buf), (len));                 \
		o += (len);                                            \
	} while (0)

	while (i < n) {
		unsigned c = p[i];
		size_t len = 0, k;
		uint32_t cp;

		if (c < 0x80) {
			if (c < 0x20 && c != '\t')
				PUT(rep, 3);
			else
				PUT(s + i, 1);
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
		} else {
			PUT(rep, 3);
			i++;
			continue;
		}
		if (i + len > n) {
			len = 0;
		} else {
			for (k = 1; k < len; k++) {
				if ((p[i + k] & 0xc0) != 0x80)
					break;
				cp = cp << 6 | (p[i + k] & 0x3f);
			}
			if (k == len && (cp == 0xfffe || cp == 0xffff)) {
				/* well-formed, but not an XML character */
				PUT(rep, 3);
				i += len;
				continue;
			}
			if (k < len ||
			    (len == 3 && cp < 0x800) ||
			    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
			    (cp >= 0xd800 && cp <= 0xdfff))
				len = 0;
		}
		if (len == 0) {
			PUT(rep, 3);
			i++;
			continue;
		}
		PUT(s + i, len);
		i += len;
	}
#undef PUT
	if (outsz > 0)
		out[o < outsz ? o : outsz - 1] = '\0';
	return o;
}

static int
metrics_init(struct metrics *m, const struct fg_layout_opts *o,
	     struct fg_diag *d)
{
	int c;

	memset(m, 0, sizeof(*m));
	if (o->font_width > 0) {
		m->fixed = o->font_width * o->font_size;
		return FG_OK;
	}
	m->surface = cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1);
	m->cr = cairo_create(m->surface);
	cairo_select_font_face(m->cr, o->font_type, CAIRO_FONT_SLANT_NORMAL,
			       CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(m->cr, o->font_size);
	if (cairo_status(m->cr) != CAIRO_STATUS_SUCCESS) {
		fg_diag_set(d, NULL, 0, 0, "cairo: %s",
			    cairo_status_to_string(cairo_status(m->cr)));
		return FG_EDEP;
	}
	for (c = 0; c < 128; c++) {
		char s[2] = { (char)c, '\0' };
		cairo_text_extents_t e;

		if (c < 0x20) {
			m->ascii[c] = 0;
			continue;
		}
		cairo_text_extents(m->cr, s, &e);
		m->ascii[c] = e.x_advance;
	}
	m->mask = 255;
	m->cache = fg_xcalloc(m->mask + 1, sizeof(*m->cache));
	return FG_OK;
}

static void
metrics_release(struct metrics *m)
{
	if (m->cr != NULL)
		cairo_destroy(m->cr);
	if (m->surface != NULL)
		cairo_surface_destroy(m->surface);
	free(m->cache);
}

/*
 * Metrics set up ahead, on a thread of their own: loading a font the
 * first time (fontconfig's configuration and caches) takes a few
 * milliseconds, which a tool can spend reading its input instead.
 */
static struct {
	pthread_t tid;
	bool started;		/* and not joined yet */
	bool ready;		/* m (or the failure in rc, d) is for o */
	char *font_type;
	double font_size, font_width;
	struct metrics m;
	struct fg_layout_opts o;
	struct fg_diag d;
	int rc;
} pre;

static void *
preload_main(void *arg)
{
	(void)arg;
	pre.rc = metrics_init(&pre.m, &pre.o, &pre.d);
	return NULL;
}

/*
 * A tool that exits early (a usage or input error, no stacks) waits for
 * the thread before the libraries go, and lets go of the font it loaded
 * as fg_layout_fonts_release would: leak checkers see no difference
 * from a run that never preloaded.
 */
static void
preload_atexit(void)
{
	if (pre.started) {
		pthread_join(pre.tid, NULL);
		pre.started = false;
	}
	if (pre.ready)
		fg_layout_fonts_release();
}

void
fg_layout_fonts_preload(const struct fg_layout_opts *o)
{
	static bool registered;

	if (pre.started || pre.ready || o->font_width > 0)
		return;
	if (!registered)
		registered = atexit(preload_atexit) == 0;
	if (!registered)
		return;
	pre.o = *o;
	pre.font_type = fg_xmalloc(strlen(o->font_type) + 1);
	memcpy(pre.font_type, o->font_type, strlen(o->font_type) + 1);
	pre.o.font_type = pre.font_type;
	fg_diag_clear(&pre.d);
	pre.started = pthread_create(&pre.tid, NULL, preload_main, NULL) == 0;
	pre.ready = pre.started;
	if (!pre.started) {
		free(pre.font_type);
		pre.font_type = NULL;
	}
}

/* Waits for the preload; whether its metrics are those o asks for. */
static bool
preload_take(const struct fg_layout_opts *o)
{
	if (pre.started) {
		pthread_join(pre.tid, NULL);
		pre.started = false;
	}
	return pre.ready && o->font_width <= 0 &&
	       o->font_size == pre.o.font_size &&
	       strcmp(o->font_type, pre.o.font_type) == 0;
}

static void
preload_drop(void)
{
	if (pre.started) {
		pthread_join(pre.tid, NULL);
		pre.started = false;
	}
	if (pre.ready)
		metrics_release(&pre.m);
	pre.ready = false;
	free(pre.font_type);
	pre.font_type = NULL;
}

/* metrics_init, or the preloaded metrics if they are for o. */
static int
metrics_get(struct metrics *m, const struct fg_layout_opts *o,
	    struct fg_diag *d)
{
	int rc;

	if (!preload_take(o)) {
		preload_drop();
		return metrics_init(m, o, d);
	}
	*m = pre.m;
	rc = pre.rc;
	if (rc < 0 && d != NULL)
		*d = pre.d;
	pre.ready = false;
	free(pre.font_type);
	pre.font_type = NULL;
	return rc;
}

/* The advance of the UTF-8 character at s (len bytes, valid). */
static double
advance(struct metrics *m, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	size_t h, k;
	char tmp[5];
	cairo_text_extents_t e;

	if (m->fixed > 0)
		return m->fixed;
	if (len == 1)
		return m->ascii[p[0] & 0x7f];
	cp = p[0] & (0xff >> (len + 1));
	for (k = 1; k < len; k++)
		cp = cp << 6 | (p[k] & 0x3f);
	h = (size_t)fg_mix64(cp) & m->mask;
	while (m->cache[h].cp != 0) {
		if (m->cache[h].cp == cp + 1)
			return m->cache[h].adv;
		h = (h + 1) & m->mask;
	}
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	cairo_text_extents(m->cr, tmp, &e);
	m->cache[h].cp = cp + 1;
	m->cache[h].adv = e.x_advance;
	if (++m->used * 2 > m->mask) {
		struct glyph *old = m->cache;
		size_t omask = m->mask, i;

		m->mask = 2 * m->mask + 1;
		m->cache = fg_xcalloc(m->mask + 1, sizeof(*m->cache));
		for (i = 0; i <= omask; i++) {
			if (old[i].cp == 0)
				continue;
			h = (size_t)fg_mix64(old[i].cp - 1) & m->mask;
			while (m->cache[h].cp != 0)
				h = (h + 1) & m->mask;
			m->cache[h] = old[i];
		}
		free(old);
	}
	return e.x_advance;
}

static size_t
u8len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c < 0xe0)
		return 2;
	if (c < 0xf0)
		return 3;
	return 4;
}

/*
 * Appends to text the label of name (valid UTF-8) for avail pixels; sets
 * *off and *len.
 */
static void
make_label(struct metrics *m, struct fg_buf *text, const char *name,
	   size_t n, double avail, bool right, size_t *off, size_t *len)
{
	double dots = 2 * advance(m, ".", 1), total = 0, acc = 0;
	size_t i, k, chars = 0, cut;

	for (i = 0; i < n; i += u8len((unsigned char)name[i]))
		total += advance(m, name + i, u8len((unsigned char)name[i]));
	*off = text->len;
	if (total <= avail) {
		fg_buf_add(text, name, n);
		fg_buf_addc(text, '\0');
		*len = n;
		return;
	}
	if (right) {
		for (i = 0; i < n; i += k) {
			k = u8len((unsigned char)name[i]);
			acc += advance(m, name + i, k);
			if (acc + dots > avail)
				break;
			chars++;
		}
		cut = i;
		if (chars < 2) {
			fg_buf_addc(text, '\0');
			*len = 0;
			return;
		}
		fg_buf_add(text, name, cut);
		fg_buf_add(text, "..", 3);
		*len = cut + 2;
		return;
	}
	/* keep the end: walk back over whole characters */
	i = n;
	while (i > 0) {
		size_t j = i - 1;

		while (j > 0 && ((unsigned char)name[j] & 0xc0) == 0x80)
			j--;
		acc += advance(m, name + j, i - j);
		if (acc + dots > avail)
			break;
		chars++;
		i = j;
	}
	if (chars < 2) {
		fg_buf_addc(text, '\0');
		*len = 0;
		return;
	}
	fg_buf_add(text, "..", 2);
	fg_buf_add(text, name + i, n - i);
	fg_buf_addc(text, '\0');
	*len = n - i + 2;
}

struct names {
	size_t *off;		/* by symtab id; SIZE_MAX: not made yet */
	size_t *len;
	size_t cap;
	iconv_t cd;
	struct fg_buf tmp;
};

/* The display name of frame id: converted, sanitised, annotation off. */
static void
display_name(struct names *nm, struct fg_buf *text, const struct fg_symtab *syms,
	     uint32_t id, size_t *off, size_t *len)
{
	const char *s;
	size_t n, need;

	if (id < nm->cap && nm->off[id] != SIZE_MAX) {
		*off = nm->off[id];
		*len = nm->len[id];
		return;
	}
	s = fg_symtab_str(syms, id, &n);
	if (fg_palette_annotation(s, n))
		n -= 4;
	if (nm->cd != (iconv_t)-1) {
		char *in = (char *)(uintptr_t)s, *outp;
		size_t inleft = n, outleft;

		fg_buf_reset(&nm->tmp);
		fg_buf_grow(&nm->tmp, 4 * n + 16);
		outp = nm->tmp.buf;
		outleft = 4 * n + 16;
		iconv(nm->cd, NULL, NULL, NULL, NULL);
		while (inleft > 0) {
			if (iconv(nm->cd, &in, &inleft, &outp, &outleft) !=
			    (size_t)-1)
				break;
			if (errno == E2BIG)
				break;
			/* an invalid byte: U+FFFD, go on after it */
			if (outleft >= 3) {
				memcpy(outp, "\xef\xbf\xbd", 3);
				outp += 3;
				outleft -= 3;
			}
			in++;
			inleft--;
		}
		nm->tmp.len = (size_t)(outp - nm->tmp.buf);
		s = nm->tmp.buf;
		n = nm->tmp.len;
	}
	need = fg_utf8_sanitize(s, n, NULL, 0);
	fg_buf_grow(text, need + 1);
	*off = text->len;
	fg_utf8_sanitize(s, n, text->buf + text->len, need + 1);
	text->len += need + 1;	/* keep the NUL */
	*len = need;
	if (id >= nm->cap) {
		size_t ncap = nm->cap ? nm->cap : 256, i;

		while (ncap <= id)
			ncap *= 2;
		nm->off = fg_xreallocarray(nm->off, ncap, sizeof(*nm->off));
		nm->len = fg_xreallocarray(nm->len, ncap, sizeof(*nm->len));
		for (i = nm->cap; i < ncap; i++)
			nm->off[i] = SIZE_MAX;
		nm->cap = ncap;
	}
	nm->off[id] = *off;
	nm->len[id] = *len;
}

struct fg_layout *
fg_layout_new(const struct fg_tree *t, const struct fg_layout_opts *o,
	      struct fg_diag *d)
{
	const struct fg_symtab *syms = fg_tree_symtab(t);
	struct fg_layout *l;
	struct metrics m;
	struct names nm;
	uint32_t *stack;
	size_t nstack = 0, i, *name_off, *label_off;
	double ypad1 = o->font_size * 3, ypad2 = o->font_size * 2 + 10;
	double fh = o->frame_height, wpc, avail;
	const struct fg_tree_node *root = fg_tree_node(t, 0);
	uint32_t c;

	memset(&nm, 0, sizeof(nm));
	nm.cd = (iconv_t)-1;
	fg_buf_init(&nm.tmp);
	if (o->encoding != NULL && strcmp(o->encoding, "UTF-8") != 0 &&
	    strcmp(o->encoding, "utf-8") != 0) {
		nm.cd = iconv_open("UTF-8", o->encoding);
		if (nm.cd == (iconv_t)-1) {
			fg_diag_set(d, NULL, 0, 0, "unknown encoding '%s'",
				    o->encoding);
			return NULL;
		}
	}
	if (metrics_get(&m, o, d) < 0) {
		metrics_release(&m);
		if (nm.cd != (iconv_t)-1)
			iconv_close(nm.cd);
		return NULL;
	}
	l = fg_xcalloc(1, sizeof(*l));
	fg_buf_init(&l->text);
	l->width = o->width;
	l->top = ypad1 + (o->subtitle ? o->font_size * 2 : 0) +
		 (o->legend ? o->font_size * 2 : 0);
	l->height = (fg_tree_max_depth(t) + 1) * fh + l->top + ypad2;
	l->total = fg_count_to_double(&root->width);
	if (o->total > l->total)
		l->total = o->total;
	avail = o->width - 2 * FG_LAYOUT_XPAD;
	wpc = l->total > 0 ? avail / l->total : 0;

	l->frames = fg_xreallocarray(NULL, fg_tree_count(t),
				     sizeof(*l->frames));
	name_off = fg_xreallocarray(NULL, fg_tree_count(t), sizeof(*name_off));
	label_off = fg_xreallocarray(NULL, fg_tree_count(t), sizeof(*label_off));
	stack = fg_xreallocarray(NULL, fg_tree_count(t), sizeof(*stack));
	stack[nstack++] = 0;
	while (nstack > 0) {
		uint32_t id = stack[--nstack];
		const struct fg_tree_node *nd = fg_tree_node(t, id);
		struct fg_layout_frame *f = &l->frames[l->n];
		size_t first = nstack, k;

		f->node = id;
		f->x = FG_LAYOUT_XPAD + fg_count_to_double(&nd->x) * wpc;
		f->w = id == 0 ? avail :
			fg_count_to_double(&nd->width) * wpc;
		f->h = fh - FG_LAYOUT_FRAMEPAD;
		if (o->inverted)
			f->y = l->top + nd->depth * fh;
		else
			f->y = l->height - ypad2 - (nd->depth + 1) * fh +
			       FG_LAYOUT_FRAMEPAD;
		if (id == 0) {
			name_off[l->n] = l->text.len;
			fg_buf_add(&l->text, "all", 4);
			f->name_len = 3;
		} else {
			display_name(&nm, &l->text, syms, nd->name,
				     &name_off[l->n], &f->name_len);
		}
		/* the name may move when text grows: label from a copy */
		fg_buf_reset(&nm.tmp);
		fg_buf_add(&nm.tmp, l->text.buf + name_off[l->n], f->name_len);
		make_label(&m, &l->text, nm.tmp.buf, nm.tmp.len, f->w - 3,
			   o->truncate_right, &label_off[l->n], &f->label_len);
		l->n++;
		for (c = nd->first_child; c != FG_TREE_NONE;
		     c = fg_tree_node(t, c)->next_sibling)
			stack[nstack++] = c;
		for (k = 0; k < (nstack - first) / 2; k++) {
			uint32_t tmp = stack[first + k];

			stack[first + k] = stack[nstack - 1 - k];
			stack[nstack - 1 - k] = tmp;
		}
	}
	for (i = 0; i < l->n; i++) {
		l->frames[i].name = l->text.buf + name_off[i];
		l->frames[i].label = l->text.buf + label_off[i];
	}
	free(stack);
	free(name_off);
	free(label_off);
	free(nm.off);
	free(nm.len);
	fg_buf_release(&nm.tmp);
	if (nm.cd != (iconv_t)-1)
		iconv_close(nm.cd);
	metrics_release(&m);
	return l;
}

void
fg_layout_free(struct fg_layout *l)
{
	if (l == NULL)
		return;
	free(l->frames);
	fg_buf_release(&l->text);
	free(l);
}

size_t
fg_layout_count(const struct fg_layout *l)
{
	return l->n;
}

const struct fg_layout_frame *
fg_layout_frame(const struct fg_layout *l, size_t i)
{
	return &l->frames[i];
}

double
fg_layout_width(const struct fg_layout *l)
{
	return l->width;
}

double
fg_layout_height(const struct fg_layout *l)
{
	return l->height;
}

double
fg_layout_top(const struct fg_layout *l)
{
	return l->top;
}

double
fg_layout_total(const struct fg_layout *l)
{
	return l->total;
}

void
fg_layout_fonts_release(void)
{
	preload_drop();
	cairo_debug_reset_static_data();
	FcFini();
}
