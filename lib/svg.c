/*
 * svg.c - the interactive SVG, through libxml2's xmlTextWriter. Names
 * reach the writer as valid UTF-8 without control characters (layout.c
 * sanitises them), and the writer escapes the rest, so the output is
 * well-formed XML whatever the input held.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "fg/buf.h"
#include "fg/count.h"
#include "fg/error.h"
#include "fg/layout.h"
#include "fg/palette.h"
#include "fg/svg.h"
#include "fg/tree.h"
#include "internal.h"

__extension__ typedef unsigned __int128 u128;

#define BAD(x) ((x) < 0)

void
fg_svg_opts_init(struct fg_svg_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->countname = "samples";
	o->nametype = "Function:";
	o->font_type = "Verdana";
	o->font_size = 12;
	o->font_width = 0.59;
	o->min_width = 0.1;
	o->frame_height = 16;
	o->bg_top = "#eeeeee";
	o->bg_bottom = "#eeeeb0";
	o->search_color = (struct fg_rgb){ 230, 0, 230 };
	o->factor_units = 1;
	o->jobs = 1;
}

struct ctx {
	xmlTextWriterPtr w;
	const struct fg_svg_opts *o;
	struct fg_diag *d;
	int rc;
	struct fg_buf tmp;
};

/* c times the factor, exactly (a remainder past 10^-18 rounds half up). */
static int
scaled(const struct fg_svg_opts *o, const struct fg_count *c, char *buf)
{
	struct fg_count r;
	u128 v, p, q, rem, div = 1;
	unsigned i;

	if (o->factor_units == 1 && o->factor_decimals == 0)
		return (int)fg_count_format(c, buf);
	v = (u128)c->n * FG_COUNT_FRAC_ONE + c->frac;
	if (o->factor_units != 0 && v > ~(u128)0 / o->factor_units)
		return FG_ERANGE;
	p = v * o->factor_units;
	for (i = 0; i < o->factor_decimals; i++)
		div *= 10;
	q = p / div;
	rem = p % div;
	if (rem * 2 >= div && rem != 0)
		q++;
	if (q / FG_COUNT_FRAC_ONE > UINT64_MAX)
		return FG_ERANGE;
	r.n = (uint64_t)(q / FG_COUNT_FRAC_ONE);
	r.frac = (uint64_t)(q % FG_COUNT_FRAC_ONE);
	return (int)fg_count_format(&r, buf);
}

static void
fail(struct ctx *c, int rc, const char *what)
{
	if (c->rc < 0)
		return;
	c->rc = rc;
	if (rc == FG_ERANGE)
		fg_diag_set(c->d, NULL, 0, 0,
			    "a count times --factor exceeds 18446744073709551615");
	else if (rc == FG_EIO)
		fg_diag_set(c->d, NULL, 0, 0, "write error: %s",
			    strerror(errno ? errno : EIO));
	else
		fg_diag_set(c->d, NULL, 0, 0, "libxml2: %s failed", what);
}

static void
start(struct ctx *c, const char *el)
{
	if (c->rc == 0 && BAD(xmlTextWriterStartElement(c->w, (const xmlChar *)el)))
		fail(c, FG_EIO, "start element");
}

static void
end(struct ctx *c)
{
	if (c->rc == 0 && BAD(xmlTextWriterEndElement(c->w)))
		fail(c, FG_EIO, "end element");
}

static void
raw(struct ctx *c, const char *s)
{
	if (c->rc == 0 && BAD(xmlTextWriterWriteRaw(c->w, (const xmlChar *)s)))
		fail(c, FG_EIO, "raw");
}

static void
attr(struct ctx *c, const char *name, const char *value)
{
	if (c->rc == 0 && BAD(xmlTextWriterWriteAttribute(c->w, (const xmlChar *)name,
							 (const xmlChar *)value)))
		fail(c, FG_EIO, "attribute");
}

/* A number attribute: prec decimals, or %g when prec is negative. */
static void
attrn(struct ctx *c, const char *name, int prec, double v)
{
	char buf[64];

	if (prec < 0)
		snprintf(buf, sizeof(buf), "%g", v);
	else
		snprintf(buf, sizeof(buf), "%.*f", prec, v);
	attr(c, name, buf);
}

static void
attr_count(struct ctx *c, const char *name, const struct fg_count *v)
{
	char buf[FG_COUNT_BUFSZ + 8];
	int len = scaled(c->o, v, buf);

	if (len < 0) {
		fail(c, len, "count");
		return;
	}
	attr(c, name, buf);
}

static void
text(struct ctx *c, const char *s, size_t n)
{
	if (c->rc == 0 && n > 0) {
		fg_buf_reset(&c->tmp);
		fg_buf_add(&c->tmp, s, n);
		if (BAD(xmlTextWriterWriteString(c->w, (const xmlChar *)c->tmp.buf)))
			fail(c, FG_EIO, "text");
	}
}

static void
text_s(struct ctx *c, const char *s)
{
	size_t need = fg_utf8_sanitize(s, strlen(s), NULL, 0);
	struct fg_buf b = FG_BUF_INIT;

	fg_buf_grow(&b, need + 1);
	fg_utf8_sanitize(s, strlen(s), b.buf, need + 1);
	b.len = need;
	text(c, b.buf, b.len);
	fg_buf_release(&b);
}

/* CDATA, split where the content holds "]]>". */
static void
cdata(struct ctx *c, const char *s)
{
	const char *p;

	while (c->rc == 0) {
		p = strstr(s, "]]>");
		fg_buf_reset(&c->tmp);
		fg_buf_add(&c->tmp, s, p == NULL ? strlen(s) : (size_t)(p - s) + 2);
		if (BAD(xmlTextWriterWriteCDATA(c->w, (const xmlChar *)c->tmp.buf)))
			fail(c, FG_EIO, "cdata");
		if (p == NULL)
			break;
		s = p + 2;
	}
}

static void
text_el(struct ctx *c, const char *id, double x, double y, const char *anchor,
	const char *s)
{
	start(c, "text");
	if (id != NULL)
		attr(c, "id", id);
	attrn(c, "x", 2, x);
	attrn(c, "y", 2, y);
	if (anchor != NULL)
		attr(c, "text-anchor", anchor);
	text_s(c, s);
	end(c);
}

static const char *
default_title(const struct fg_svg_opts *o)
{
	if (o->title != NULL)
		return o->title;
	if (o->flamechart)
		return "Flame Chart";
	if (o->inverted)
		return "Icicle Graph";
	return "Flame Graph";
}

static void
rgb_s(char *buf, size_t n, struct fg_rgb c)
{
	snprintf(buf, n, "rgb(%u,%u,%u)", c.r, c.g, c.b);
}

/* The document's root element, defs, style and script. */
static void
head(struct ctx *c, double width, double height, const char *classes,
     const struct fg_count *total, const char *truncate)
{
	const struct fg_svg_opts *o = c->o;
	char buf[128];

	if (c->rc == 0 && BAD(xmlTextWriterStartDocument(c->w, "1.0",
			o->encoding ? o->encoding : "UTF-8", "no")))
		fail(c, FG_EIO, "start document");
	if (o->notes != NULL && c->rc == 0) {
		size_t need = fg_utf8_sanitize(o->notes, strlen(o->notes), NULL, 0);
		struct fg_buf b = FG_BUF_INIT;
		char *p;

		fg_buf_grow(&b, need + 1);
		fg_utf8_sanitize(o->notes, strlen(o->notes), b.buf, need + 1);
		b.len = need;
		/* "--" may not appear in a comment */
		while ((p = strstr(b.buf, "--")) != NULL)
			p[1] = '=';
		if (b.len > 0 && b.buf[b.len - 1] == '-')
			b.buf[b.len - 1] = '=';
		if (BAD(xmlTextWriterWriteComment(c->w, (const xmlChar *)b.buf)))
			fail(c, FG_EIO, "comment");
		fg_buf_release(&b);
	}
	start(c, "svg");
	attr(c, "xmlns", "http://www.w3.org/2000/svg");
	attr(c, "xmlns:xlink", "http://www.w3.org/1999/xlink");
	attr(c, "version", "1.1");
	attrn(c, "width", 0, width);
	attrn(c, "height", 0, height);
	snprintf(buf, sizeof(buf), "0 0 %.0f %.0f", width, height);
	attr(c, "viewBox", buf);
	attr(c, "class", classes);
	attr(c, "font-family", o->font_type);
	attrn(c, "font-size", -1, o->font_size);
	if (total != NULL)
		attr_count(c, "data-total", total);
	else
		attr(c, "data-total", "0");
	attr(c, "data-unit", o->countname);
	attr(c, "data-nametype", o->nametype);
	attrn(c, "data-fontsize", -1, o->font_size);
	attrn(c, "data-fontwidth", -1, o->font_width);
	attrn(c, "data-frame-height", -1, o->frame_height);
	attrn(c, "data-xpad", -1, FG_LAYOUT_XPAD);
	attrn(c, "data-minwidth", -1, o->min_width);
	attr(c, "data-search", o->search ? o->search : "");
	rgb_s(buf, sizeof(buf), o->search_color);
	attr(c, "data-search-color", buf);
	attr(c, "data-truncate", truncate);

	start(c, "defs");
	start(c, "linearGradient");
	attr(c, "id", "background-gradient");
	attr(c, "y1", "0");
	attr(c, "y2", "1");
	attr(c, "x1", "0");
	attr(c, "x2", "0");
	start(c, "stop");
	attr(c, "stop-color", o->bg_top);
	attr(c, "offset", "5%");
	end(c);
	start(c, "stop");
	attr(c, "stop-color", o->bg_bottom);
	attr(c, "offset", "95%");
	end(c);
	end(c);
	end(c);

	/* style and script on lines of their own (tests filter them out) */
	raw(c, "\n");
	start(c, "style");
	attr(c, "type", "text/css");
	cdata(c, (const char *)fg_asset_css);
	fg_buf_reset(&c->tmp);
	{
		struct fg_buf extra = FG_BUF_INIT;

		fg_buf_addf(&extra, "\n#frames text { fill: rgb(0,0,0); }\n"
			    "#title { font-size: %gpx; }\n", o->font_size + 5);
		if (o->stroke)
			fg_buf_addf(&extra,
				    "#frames g.f > rect { stroke: rgb(%u,%u,%u); stroke-width: 0.5; }\n",
				    o->stroke_color.r, o->stroke_color.g,
				    o->stroke_color.b);
		cdata(c, extra.buf);
		fg_buf_release(&extra);
	}
	end(c);

	start(c, "script");
	attr(c, "type", "text/ecmascript");
	cdata(c, (const char *)fg_asset_js);
	end(c);
	raw(c, "\n");
}

static void
chrome(struct ctx *c, double width, double height, const char *title)
{
	const struct fg_svg_opts *o = c->o;
	double ypad2 = o->font_size * 2 + 10;

	start(c, "rect");
	attr(c, "id", "background");
	attr(c, "x", "0");
	attr(c, "y", "0");
	attrn(c, "width", 0, width);
	attrn(c, "height", 0, height);
	attr(c, "fill", "url(#background-gradient)");
	end(c);
	text_el(c, "title", width / 2, o->font_size * 2, "middle", title);
	if (o->subtitle != NULL)
		text_el(c, "subtitle", width / 2, o->font_size * 4, "middle",
			o->subtitle);
	start(c, "text");
	attr(c, "id", "unzoom");
	attr(c, "class", "hide");
	attr(c, "tabindex", "0");
	attrn(c, "x", 2, FG_LAYOUT_XPAD);
	attrn(c, "y", 2, o->font_size * 2);
	text_s(c, "Reset Zoom");
	end(c);
	start(c, "text");
	attr(c, "id", "search");
	attr(c, "tabindex", "0");
	attrn(c, "x", 2, width - FG_LAYOUT_XPAD - 100);
	attrn(c, "y", 2, o->font_size * 2);
	text_s(c, "Search");
	end(c);
	start(c, "text");
	attr(c, "id", "ignorecase");
	attr(c, "tabindex", "0");
	attrn(c, "x", 2, width - FG_LAYOUT_XPAD - 16);
	attrn(c, "y", 2, o->font_size * 2);
	text_s(c, "ic");
	end(c);
	text_el(c, "details", FG_LAYOUT_XPAD, height - ypad2 / 2, NULL, " ");
	text_el(c, "matched", width - FG_LAYOUT_XPAD - 100, height - ypad2 / 2,
		NULL, " ");
}

static int
finish(struct ctx *c)
{
	if (c->rc == 0 && BAD(xmlTextWriterEndDocument(c->w)))
		fail(c, FG_EIO, "end document");
	if (c->rc == 0 && BAD(xmlTextWriterFlush(c->w)))
		fail(c, FG_EIO, "flush");
	return c->rc;
}

/* d = a - b as text with its sign ("+3", "-2.5", "0"). */
static void
signed_diff(struct ctx *c, const struct fg_count *a, const struct fg_count *b,
	    char *buf)
{
	const struct fg_count *hi = a, *lo = b;
	struct fg_count r;
	int cmp = fg_count_cmp(a, b);
	char num[FG_COUNT_BUFSZ + 8];
	int len;

	if (cmp == 0) {
		memcpy(buf, "0", 2);
		return;
	}
	if (cmp < 0) {
		hi = b;
		lo = a;
	}
	if (hi->frac >= lo->frac) {
		r.frac = hi->frac - lo->frac;
		r.n = hi->n - lo->n;
	} else {
		r.frac = hi->frac + FG_COUNT_FRAC_ONE - lo->frac;
		r.n = hi->n - lo->n - 1;
	}
	len = scaled(c->o, &r, num);
	if (len < 0) {
		fail(c, len, "count");
		memcpy(buf, "0", 2);
		return;
	}
	buf[0] = cmp > 0 ? '+' : '-';
	memcpy(buf + 1, num, (size_t)len + 1);
}

static void
legend(struct ctx *c, double width, double top, double maxabs)
{
	const struct fg_svg_opts *o = c->o;
	double y = top - o->font_size * 2 + 3, h = o->font_size + 2;
	double sw = 24, x0;
	char fill[32], buf[160];
	int i, n = 11;

	x0 = width / 2 - (n * sw) / 2;
	start(c, "g");
	attr(c, "id", "legend");
	text_el(c, NULL, x0 - 6, y + h - 3, "end",
		o->negate ? "grew" : "shrank");
	for (i = 0; i < n; i++) {
		double v = maxabs * (double)(i - n / 2) / (n / 2);
		struct fg_rgb col = fg_palette_diff_color(v, maxabs, 0,
							   o->diff_cb);

		start(c, "rect");
		attrn(c, "x", 1, x0 + i * sw);
		attrn(c, "y", 1, y);
		attrn(c, "width", 1, sw);
		attrn(c, "height", 1, h);
		rgb_s(fill, sizeof(fill), col);
		attr(c, "fill", fill);
		end(c);
	}
	text_el(c, NULL, x0 + n * sw + 6, y + h - 3, NULL,
		o->negate ? "shrank" : "grew");
	{
		double shown = fg_svg_shown(o, maxabs);

		snprintf(buf, sizeof(buf),
			 shown < 1e15 && shown == (double)(long long)shown ?
			 "full colour: a change of %.0f %s or more%s" :
			 "full colour: a change of %.6g %s or more%s",
			 shown, o->countname,
			 o->diff_threshold > 0 ? "; below the threshold: neutral" : "");
	}
	text_el(c, NULL, x0 + n * sw + 80, y + h - 3, NULL, buf);
	end(c);
}

double
fg_svg_shown(const struct fg_svg_opts *o, double v)
{
	unsigned k;

	v *= (double)o->factor_units;
	for (k = 0; k < o->factor_decimals; k++)
		v /= 10;
	return v;
}

/* Appends v with prec decimals (v >= 0; a fixed-point rendering). */
static void
add_fixed(struct fg_buf *b, double v, int prec)
{
	static const double scale[] = { 1, 10, 100 };
	char tmp[32], *e = tmp + sizeof(tmp);
	unsigned long long r;
	int i;

	if (!(v >= 0) || v > 1e15) {
		fg_buf_addf(b, "%.*f", prec, v);
		return;
	}
	r = (unsigned long long)(v * scale[prec] + 0.5);
	for (i = 0; i < prec; i++) {
		*--e = (char)('0' + r % 10);
		r /= 10;
	}
	if (prec > 0)
		*--e = '.';
	do {
		*--e = (char)('0' + r % 10);
		r /= 10;
	} while (r > 0);
	fg_buf_add(b, e, (size_t)(tmp + sizeof(tmp) - e));
}

/* Appends the n bytes at s (valid UTF-8) escaped by libxml2. */
static void
add_escaped(struct ctx *c, struct fg_buf *b, const char *s, size_t n)
{
	xmlChar *e;

	fg_buf_reset(&c->tmp);
	fg_buf_add(&c->tmp, s, n);
	e = xmlEncodeSpecialChars(NULL, (const xmlChar *)c->tmp.buf);
	if (e == NULL) {
		fail(c, FG_EDEP, "escape");
		return;
	}
	fg_buf_adds(b, (const char *)e);
	xmlFree(e);
}

static void
add_count(struct ctx *c, struct fg_buf *b, const char *name,
	  const struct fg_count *v)
{
	char num[FG_COUNT_BUFSZ + 8];
	int len = scaled(c->o, v, num);

	if (len < 0) {
		fail(c, len, "count");
		return;
	}
	fg_buf_addc(b, ' ');
	fg_buf_adds(b, name);
	fg_buf_add(b, "=\"", 2);
	fg_buf_add(b, num, (size_t)len);
	fg_buf_addc(b, '"');
}

static void
add_rgb(struct fg_buf *b, struct fg_rgb c)
{
	fg_buf_adds(b, "rgb(");
	add_fixed(b, c.r, 0);
	fg_buf_addc(b, ',');
	add_fixed(b, c.g, 0);
	fg_buf_addc(b, ',');
	add_fixed(b, c.b, 0);
	fg_buf_addc(b, ')');
}

/*
 * The frames. Each frame's markup is put together here and handed to the
 * writer whole (xmlTextWriterWriteRaw): the numbers are digits, and every
 * text from the input goes through libxml2's xmlEncodeSpecialChars, so
 * the result is as safe as the writer's own escaping, and much faster
 * for a hundred thousand frames.
 */
struct frames_in {
	const struct fg_tree *t;
	const struct fg_layout *l;
	const struct fg_symtab *syms;
	const struct fg_rgb *cols;	/* by frame */
	bool diff;
	double total;
};

/* Appends frame i's markup to m; title is scratch. */
static void
frame_markup(struct ctx *c, const struct frames_in *in, size_t i,
	     struct fg_buf *m, struct fg_buf *title)
{
	const struct fg_svg_opts *o = c->o;
	const struct fg_layout_frame *f = fg_layout_frame(in->l, i);
	const struct fg_tree_node *nd = fg_tree_node(in->t, f->node);
	char num[FG_COUNT_BUFSZ + 8];
	double w = fg_count_to_double(&nd->width), total = in->total;
	int len;

	fg_buf_adds(m, "<g class=\"f\" tabindex=\"0\"");
	add_count(c, m, "data-x", &nd->x);
	add_count(c, m, "data-w", &nd->width);
	fg_buf_adds(m, " data-d=\"");
	add_fixed(m, nd->depth, 0);
	fg_buf_addc(m, '"');
	add_count(c, m, "data-self", &nd->self);
	if (in->diff) {
		add_count(c, m, "data-b", &nd->before);
		add_count(c, m, "data-a", &nd->after);
	}
	if (o->attrs != NULL && f->node != 0) {
		size_t nl;
		const char *raw_name = fg_symtab_str(in->syms, nd->name, &nl);
		const char *const *kv = o->attrs(o->attrs_ctx, raw_name, nl);

		for (; kv != NULL && kv[0] != NULL; kv += 2) {
			size_t need = fg_utf8_sanitize(kv[1], strlen(kv[1]),
						       NULL, 0);
			struct fg_buf v = FG_BUF_INIT;

			fg_buf_grow(&v, need + 1);
			fg_utf8_sanitize(kv[1], strlen(kv[1]), v.buf, need + 1);
			v.len = need;
			fg_buf_addf(m, " %s=\"", kv[0]);
			add_escaped(c, m, v.buf, v.len);
			fg_buf_addc(m, '"');
			fg_buf_release(&v);
		}
	}
	fg_buf_adds(m, "><title>");

	fg_buf_reset(title);
	fg_buf_add(title, f->name, f->name_len);
	len = scaled(o, &nd->width, num);
	if (len < 0) {
		fail(c, len, "count");
		return;
	}
	fg_buf_add(title, " (", 2);
	fg_buf_add(title, num, (size_t)len);
	fg_buf_addc(title, ' ');
	fg_buf_adds(title, o->countname);
	fg_buf_add(title, ", ", 2);
	add_fixed(title, total > 0 ? 100.0 * w / total : 0.0, 2);
	fg_buf_addc(title, '%');
	if (in->diff) {
		char bs[FG_COUNT_BUFSZ + 8], as[FG_COUNT_BUFSZ + 8];
		char ds[FG_COUNT_BUFSZ + 8];
		double b = fg_count_to_double(&nd->before);
		double a = fg_count_to_double(&nd->after);

		if (scaled(o, &nd->before, bs) < 0 ||
		    scaled(o, &nd->after, as) < 0) {
			fail(c, FG_ERANGE, "count");
			return;
		}
		signed_diff(c, &nd->after, &nd->before, ds);
		fg_buf_addf(title, "; before %s, after %s, %s / ", bs, as, ds);
		if (b > 0)
			fg_buf_addf(title, "%+.2f%%", 100.0 * (a - b) / b);
		else
			fg_buf_adds(title, a > 0 ? "new" : "none");
	}
	fg_buf_addc(title, ')');
	add_escaped(c, m, title->buf, title->len);

	fg_buf_adds(m, "</title><rect x=\"");
	add_fixed(m, f->x, 1);
	fg_buf_adds(m, "\" y=\"");
	add_fixed(m, f->y, 1);
	fg_buf_adds(m, "\" width=\"");
	add_fixed(m, f->w, 1);
	fg_buf_adds(m, "\" height=\"");
	add_fixed(m, f->h, 1);
	fg_buf_adds(m, "\" fill=\"");
	add_rgb(m, in->cols[i]);
	fg_buf_adds(m, "\" rx=\"2\" ry=\"2\"/><text x=\"");
	add_fixed(m, f->x + 3, 2);
	fg_buf_adds(m, "\" y=\"");
	add_fixed(m, f->y + f->h / 2 + o->font_size / 3 + 0.5, 2);
	fg_buf_adds(m, "\">");
	add_escaped(c, m, f->label, f->label_len);
	fg_buf_adds(m, "</text></g>");
}

/* below this many frames, they are put together on one thread */
#define FRAMES_PAR_MIN 4096
#define FRAMES_MAX_JOBS 16

/* One thread's share: frames lo .. hi - 1 into out. */
struct frames_part {
	struct ctx c;		/* its own scratch, failure and diagnostic */
	struct fg_diag d;
	const struct frames_in *in;
	size_t lo, hi;
	struct fg_buf out;
	pthread_t tid;
	bool started;
};

static void *
frames_part_main(void *arg)
{
	struct frames_part *fp = arg;
	struct fg_buf title = FG_BUF_INIT;
	size_t i;

	for (i = fp->lo; i < fp->hi && fp->c.rc == 0; i++)
		frame_markup(&fp->c, fp->in, i, &fp->out, &title);
	fg_buf_release(&title);
	return NULL;
}

/*
 * The colours are picked first, in frame order on the caller's thread
 * (a palette map or a random palette hands them out in order); then,
 * with o->jobs above 1 and no --nameattr callback, the markup of
 * consecutive shares of the frames is put together on that many
 * threads and written in order: the bytes are those of one thread.
 */
static void
frames(struct ctx *c, const struct fg_tree *t, const struct fg_layout *l,
       struct fg_palette *p)
{
	const struct fg_svg_opts *o = c->o;
	const struct fg_symtab *syms = fg_tree_symtab(t);
	size_t n = fg_layout_count(l), i;
	double maxabs = fg_tree_max_delta(t);
	struct frames_in in = { t, l, syms, NULL, fg_tree_is_diff(t),
				fg_layout_total(l) };
	double thr = o->diff_threshold * in.total / 100.0;
	struct fg_rgb *cols = fg_xreallocarray(NULL, n ? n : 1, sizeof(*cols));
	unsigned jobs = o->jobs > FRAMES_MAX_JOBS ? FRAMES_MAX_JOBS : o->jobs;

	for (i = 0; i < n; i++) {
		const struct fg_layout_frame *f = fg_layout_frame(l, i);
		const struct fg_tree_node *nd = fg_tree_node(t, f->node);

		if (in.diff) {
			double delta = fg_count_to_double(&nd->after) -
				       fg_count_to_double(&nd->before);

			cols[i] = fg_palette_diff_color(o->negate ? -delta :
							delta, maxabs, thr,
							o->diff_cb);
		} else if (f->node == 0) {
			cols[i] = fg_palette_color(p, "all", 3);
		} else {
			size_t nl;
			const char *raw_name = fg_symtab_str(syms, nd->name, &nl);

			cols[i] = fg_palette_color(p, raw_name, nl);
		}
	}
	in.cols = cols;

	start(c, "g");
	attr(c, "id", "frames");
	raw(c, "");
	if (jobs > 1 && n >= FRAMES_PAR_MIN && o->attrs == NULL) {
		struct frames_part part[FRAMES_MAX_JOBS];
		unsigned k;

		for (k = 0; k < jobs; k++) {
			part[k].c = *c;
			fg_buf_init(&part[k].c.tmp);
			fg_diag_clear(&part[k].d);
			part[k].c.d = &part[k].d;
			part[k].in = &in;
			part[k].lo = n * k / jobs;
			part[k].hi = n * (k + 1) / jobs;
			fg_buf_init(&part[k].out);
			part[k].started = k > 0 &&
				pthread_create(&part[k].tid, NULL,
					       frames_part_main, &part[k]) == 0;
		}
		for (k = 0; k < jobs; k++) {
			if (part[k].started)
				pthread_join(part[k].tid, NULL);
			else
				frames_part_main(&part[k]);
		}
		/* in order: the first failure is the one one thread meets */
		for (k = 0; k < jobs; k++) {
			if (part[k].c.rc < 0 && c->rc == 0) {
				c->rc = part[k].c.rc;
				if (c->d != NULL)
					*c->d = part[k].d;
			}
			if (part[k].out.len > 0)
				raw(c, part[k].out.buf);
			fg_buf_release(&part[k].out);
			fg_buf_release(&part[k].c.tmp);
		}
	} else {
		struct fg_buf title = FG_BUF_INIT, m = FG_BUF_INIT;

		for (i = 0; i < n && c->rc == 0; i++) {
			fg_buf_reset(&m);
			frame_markup(c, &in, i, &m, &title);
			if (c->rc == 0)
				raw(c, m.buf);
		}
		fg_buf_release(&title);
		fg_buf_release(&m);
	}
	end(c);
	free(cols);
}

static int
write_all(xmlTextWriterPtr w, const struct fg_tree *t,
	  const struct fg_layout *l, struct fg_palette *p,
	  const struct fg_svg_opts *o, struct fg_diag *d)
{
	struct ctx c = { w, o, d, 0, FG_BUF_INIT };
	const struct fg_count *total;
	char classes[64];
	double width = fg_layout_width(l), height = fg_layout_height(l);
	bool diff = fg_tree_is_diff(t);

	snprintf(classes, sizeof(classes), "flamegraph%s%s%s",
		 o->inverted ? " inverted" : "", diff ? " diff" : "",
		 o->flamechart ? " flamechart" : "");
	total = &fg_tree_node(t, 0)->width;
	if (o->total != NULL && fg_count_cmp(o->total, total) > 0)
		total = o->total;
	head(&c, width, height, classes, total,
	     o->truncate_right ? "right" : "left");
	chrome(&c, width, height, default_title(o));
	if (diff)
		legend(&c, width, fg_layout_top(l), fg_tree_max_delta(t));
	if (o->notes != NULL) {
		start(&c, "desc");
		attr(&c, "id", "notes");
		text_s(&c, o->notes);
		end(&c);
	}
	frames(&c, t, l, p);
	end(&c);
	finish(&c);
	fg_buf_release(&c.tmp);
	return c.rc;
}

int
fg_svg_write(const struct fg_tree *t, const struct fg_layout *l,
	     struct fg_palette *p, const struct fg_svg_opts *o, FILE *out,
	     struct fg_diag *d)
{
	xmlOutputBufferPtr ob = xmlOutputBufferCreateFile(out, NULL);
	xmlTextWriterPtr w;
	int rc;

	if (ob == NULL) {
		fg_diag_set(d, NULL, 0, 0, "libxml2: cannot create the output");
		return FG_EDEP;
	}
	w = xmlNewTextWriter(ob);
	if (w == NULL) {
		xmlOutputBufferClose(ob);
		fg_diag_set(d, NULL, 0, 0, "libxml2: cannot create a writer");
		return FG_EDEP;
	}
	rc = write_all(w, t, l, p, o, d);
	xmlFreeTextWriter(w);
	if (rc == 0 && (fflush(out) != 0 || ferror(out))) {
		fg_diag_set(d, NULL, 0, 0, "write error: %s", strerror(errno));
		rc = FG_EIO;
	}
	return rc;
}

int
fg_svg_write_mem(const struct fg_tree *t, const struct fg_layout *l,
		 struct fg_palette *p, const struct fg_svg_opts *o,
		 struct fg_buf *mem, struct fg_diag *d)
{
	xmlBufferPtr b = xmlBufferCreate();
	xmlTextWriterPtr w;
	int rc;

	if (b == NULL)
		return FG_EDEP;
	w = xmlNewTextWriterMemory(b, 0);
	if (w == NULL) {
		xmlBufferFree(b);
		return FG_EDEP;
	}
	rc = write_all(w, t, l, p, o, d);
	xmlFreeTextWriter(w);
	fg_buf_add(mem, xmlBufferContent(b), (size_t)xmlBufferLength(b));
	xmlBufferFree(b);
	return rc;
}

int
fg_svg_write_empty(const struct fg_svg_opts *o, double width, FILE *out,
		   struct fg_diag *d)
{
	xmlOutputBufferPtr ob = xmlOutputBufferCreateFile(out, NULL);
	xmlTextWriterPtr w;
	struct ctx c;
	double height = o->font_size * 5;

	if (ob == NULL)
		return FG_EDEP;
	w = xmlNewTextWriter(ob);
	if (w == NULL) {
		xmlOutputBufferClose(ob);
		return FG_EDEP;
	}
	memset(&c, 0, sizeof(c));
	c.w = w;
	c.o = o;
	c.d = d;
	fg_buf_init(&c.tmp);
	head(&c, width, height, "flamegraph empty", NULL,
	     o->truncate_right ? "right" : "left");
	chrome(&c, width, height, "ERROR: no stacks in the input");
	start(&c, "g");
	attr(&c, "id", "frames");
	end(&c);
	end(&c);
	finish(&c);
	fg_buf_release(&c.tmp);
	xmlFreeTextWriter(w);
	if (c.rc == 0 && (fflush(out) != 0 || ferror(out))) {
		fg_diag_set(d, NULL, 0, 0, "write error: %s", strerror(errno));
		c.rc = FG_EIO;
	}
	return c.rc;
}

int
fg_svg_count_text(const struct fg_svg_opts *o, const struct fg_count *c,
		  char *buf)
{
	return scaled(o, c, buf);
}

const char *
fg_svg_title(const struct fg_svg_opts *o)
{
	return default_title(o);
}

struct fg_rgb
fg_svg_frame_color(const struct fg_tree *t, uint32_t node,
		   struct fg_palette *p, const struct fg_svg_opts *o,
		   double maxabs, double threshold)
{
	const struct fg_tree_node *nd = fg_tree_node(t, node);
	size_t nl;
	const char *raw;

	if (fg_tree_is_diff(t)) {
		double delta = fg_count_to_double(&nd->after) -
			       fg_count_to_double(&nd->before);

		return fg_palette_diff_color(o->negate ? -delta : delta, maxabs,
					     threshold, o->diff_cb);
	}
	if (node == 0)
		return fg_palette_color(p, "all", 3);
	raw = fg_symtab_str(fg_tree_symtab(t), nd->name, &nl);
	return fg_palette_color(p, raw, nl);
}
