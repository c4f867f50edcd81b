/*
 * flamegraph - folded stacks in, an interactive SVG flame graph out.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "fg/fg.h"
#include "fg/layout.h"
#include "fg/palette.h"
#include "fg/raster.h"
#include "fg/svg.h"
#include "fg/tree.h"
#include "tool.h"

static const char synopsis[] =
	"usage: flamegraph [-hiV] [-c palette] [-j jobs] [-o file] [option ...]\n"
	"                  [transforms] [file ...]\n";

static void
usage(void)
{
	printf("%s", synopsis);
	printf("\n"
"Draw folded stacks (the files, or standard input) as an interactive SVG\n"
"flame graph, or a PNG or PDF; lines with two counts ('stack before after',\n"
"as difffold writes) make a differential graph. flamegraph(1) has them all.\n"
"\n"
"Text:    --title T  --subtitle T  --notes T  --countname T  --nametype T\n"
"         --encoding NAME\n"
"Size:    --width PX (1200)  --height PX (16)  --minwidth PX|N%% (0.1)\n"
"         --fonttype F  --fontsize N  --fontwidth N  --truncate-text-right\n"
"Shape:   -i/--inverted  --reverse  --flamechart  --no-sort  --base FRAME\n"
"         --sort=alpha|weight  --total N  --factor N\n"
"Colours: -c/--colors hot|mem|io|wakeup|chain|java|js|perl|python|rust|red|\n"
"           green|blue|aqua|yellow|purple|orange|diff-cb\n"
"         --bgcolors C  --hash  --random  --deterministic  --cp\n"
"         --search-color C  --stroke-color C  --nameattr FILE\n"
"Diff:    --negate  --diff-width=after|before|max  --diff-threshold PCT\n"
"Output:  -o/--output FILE  --format svg|png|pdf (default: -o's extension)\n"
"         --scale N  --theme light|dark  --page-fit a4|letter\n"
"         --search REGEX  --strict  -h/--help  -V/--version\n"
"Threads: -j/--jobs N (to read a regular file, build the tree and\n"
"         the SVG; default: CPUs)\n"
"\n"
TOOL_COMMON_HELP
"\n"
"Example: perf script | stackcollapse-perf | flamegraph -o perf.svg\n");
}

enum {
	OPT_TITLE = 256, OPT_SUBTITLE, OPT_NOTES, OPT_COUNTNAME, OPT_NAMETYPE,
	OPT_ENCODING, OPT_WIDTH, OPT_HEIGHT, OPT_MINWIDTH, OPT_FONTTYPE,
	OPT_FONTSIZE, OPT_FONTWIDTH, OPT_TRUNC_RIGHT, OPT_REVERSE,
	OPT_FLAMECHART, OPT_NO_SORT, OPT_SORT, OPT_BASE, OPT_TOTAL,
	OPT_FACTOR, OPT_BGCOLORS, OPT_HASH, OPT_RANDOM, OPT_DETERMINISTIC,
	OPT_CP, OPT_SEARCH_COLOR, OPT_STROKE_COLOR, OPT_NAMEATTR, OPT_NEGATE,
	OPT_DIFF_WIDTH, OPT_DIFF_THRESHOLD, OPT_SEARCH, OPT_STRICT,
	OPT_FORMAT, OPT_SCALE, OPT_THEME, OPT_PAGE_FIT
};

#define PALETTE_MAP "palette.map"

static double
parse_num(const char *arg, const char *what, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (end == arg || *end != '\0' || errno != 0 || !isfinite(v))
		tool_usage_error(synopsis, "%s is not a number: '%s'", what, arg);
	if (v < min || v > max)
		tool_usage_error(synopsis, "%s is out of range (%g to %g): '%s'",
				 what, min, max, arg);
	return v;
}

/* ---- PNG and PDF (lib/raster.c): --format, --scale, --theme, --page-fit ---- */

struct raster_args {
	const char *format;	/* --format, NULL: from -o's extension */
	const char *scale, *theme, *page_fit;	/* as given, NULL: not */
	bool fonttype;		/* --fonttype given */
};

/* The output format: --format, else -o's extension, else SVG. */
static int
raster_format(const struct raster_args *ra, const char *output)
{
	const char *f = ra->format, *dot;

	if (f == NULL && output != NULL && (dot = strrchr(output, '.')) != NULL &&
	    strchr(dot, '/') == NULL)
		f = dot + 1;
	if (f == NULL || strcasecmp(f, "svg") == 0)
		return -1;
	if (strcasecmp(f, "png") == 0)
		return FG_RASTER_PNG;
	if (strcasecmp(f, "pdf") == 0)
		return FG_RASTER_PDF;
	if (ra->format != NULL)
		tool_usage_error(synopsis, "--format takes svg, png or pdf: '%s'",
				 ra->format);
	return -1;	/* another extension: SVG, as before */
}

/*
 * Checks the raster options against the format and fills ro; returns
 * true when the output is PNG or PDF. Options that only one format can
 * honour are usage errors with the others, never silently ignored.
 */
static bool
raster_setup(const struct raster_args *ra, const char *output,
	     struct fg_raster_opts *ro, struct fg_layout_opts *lo,
	     struct fg_svg_opts *so, const char *bgcolors,
	     const char *nameattr, bool fontwidth)
{
	int fmt = raster_format(ra, output);

	fg_raster_opts_init(ro);
	if (fmt != FG_RASTER_PNG && ra->scale != NULL)
		tool_usage_error(synopsis, "--scale is for PNG output");
	if (fmt != FG_RASTER_PDF && ra->page_fit != NULL)
		tool_usage_error(synopsis, "--page-fit is for PDF output");
	if (fmt < 0 && ra->theme != NULL)
		tool_usage_error(synopsis,
				 "--theme is for PNG and PDF output (the SVG follows the viewer's light or dark setting)");
	if (fmt < 0)
		return false;
	if (nameattr != NULL)
		tool_usage_error(synopsis, "--nameattr is for SVG output");
	if (fmt == FG_RASTER_PNG && so->notes != NULL)
		tool_usage_error(synopsis,
				 "--notes is for SVG and PDF output");
	if (fontwidth)
		tool_warn("--fontwidth: PNG and PDF labels are measured in the font");
	if (strcmp(so->nametype, "Function:") != 0)
		tool_warn("--nametype: PNG and PDF have no details line to label");
	ro->format = (enum fg_raster_format)fmt;
	if (ra->scale != NULL)
		ro->scale = parse_num(ra->scale, "scale", 0.1, 16);
	if (ra->theme != NULL) {
		if (strcmp(ra->theme, "dark") == 0)
			ro->dark = true;
		else if (strcmp(ra->theme, "light") != 0)
			tool_usage_error(synopsis,
					 "--theme takes light or dark: '%s'",
					 ra->theme);
	}
	if (ra->page_fit != NULL) {
		if (strcasecmp(ra->page_fit, "a4") == 0)
			ro->page = FG_RASTER_PAGE_A4;
		else if (strcasecmp(ra->page_fit, "letter") == 0)
			ro->page = FG_RASTER_PAGE_LETTER;
		else
			tool_usage_error(synopsis,
					 "--page-fit takes a4 or letter: '%s'",
					 ra->page_fit);
	}
	ro->bg_given = bgcolors != NULL;
	if (!ra->fonttype)
		lo->font_type = so->font_type = FG_RASTER_DEFAULT_FONT;
	/* labels are fitted by the renderer in the font itself */
	lo->font_width = 0;
	return true;
}

/* ---- end of PNG and PDF ---- */

/* --nameattr: name TAB key=value TAB key=value ... */
struct nameattr {
	struct fg_symtab *names;
	char ***attrs;		/* by id: NULL-terminated key, value pairs */
	size_t n;
};

static bool
attr_name_ok(const char *k)
{
	const char *p;

	if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || *k == '_'))
		return false;
	for (p = k; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		      *p == '.'))
			return strncmp(k, "xlink:", 6) == 0 && p - k == 5 ?
				true : false;
	return strcmp(k, "class") != 0 && strcmp(k, "tabindex") != 0 &&
	       strncmp(k, "data-", 5) != 0 && strcmp(k, "id") != 0;
}

static void
nameattr_read(struct nameattr *na, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long lineno = 0;

	if (f == NULL)
		tool_die(TOOL_EXIT_FAIL, "%s: %s", path, strerror(errno));
	na->names = fg_symtab_new();
	while ((len = getline(&line, &cap, f)) > 0) {
		char *tab, *field, *save = NULL;
		char **kv = NULL;
		size_t nkv = 0;
		uint32_t id;

		lineno++;
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (len == 0)
			continue;
		tab = strchr(line, '\t');
		if (tab == NULL)
			tool_die(TOOL_EXIT_FAIL,
				 "%s:%lu: expected 'name<TAB>attr=value ...'",
				 path, lineno);
		*tab = '\0';
		id = fg_intern(na->names, line, (size_t)(tab - line));
		for (field = strtok_r(tab + 1, "\t", &save); field != NULL;
		     field = strtok_r(NULL, "\t", &save)) {
			char *eq = strchr(field, '=');

			if (eq == NULL)
				tool_die(TOOL_EXIT_FAIL,
					 "%s:%lu: expected attr=value: '%s'",
					 path, lineno, field);
			*eq = '\0';
			if (!attr_name_ok(field))
				tool_die(TOOL_EXIT_FAIL,
					 "%s:%lu: attribute name not allowed: '%s'",
					 path, lineno, field);
			kv = fg_xreallocarray(kv, nkv + 3, sizeof(*kv));
			kv[nkv++] = strdup(field);
			kv[nkv++] = strdup(eq + 1);
			kv[nkv] = NULL;
		}
		if (id >= na->n) {
			na->attrs = fg_xreallocarray(na->attrs, id + 1,
						     sizeof(*na->attrs));
			memset(na->attrs + na->n, 0,
			       (id + 1 - na->n) * sizeof(*na->attrs));
			na->n = id + 1;
		}
		na->attrs[id] = kv;
	}
	free(line);
	fclose(f);
}

static const char *const *
nameattr_get(void *ctx, const char *name, size_t len)
{
	struct nameattr *na = ctx;
	uint32_t id = fg_symtab_find(na->names, name, len);

	if (id == UINT32_MAX || id >= na->n)
		return NULL;
	return (const char *const *)na->attrs[id];
}

static void
nameattr_free(struct nameattr *na)
{
	size_t i, k;

	for (i = 0; i < na->n; i++) {
		for (k = 0; na->attrs[i] != NULL && na->attrs[i][k] != NULL; k++)
			free(na->attrs[i][k]);
		free(na->attrs[i]);
	}
	free(na->attrs);
	fg_symtab_free(na->names);
}

/* Reads one file into s; returns its number of counts per line (0: none). */
static unsigned
read_file(const char *path, struct fg_stacks *s, bool strict, unsigned jobs,
	  unsigned long *bad)
{
	struct fg_folded_opts o = FG_FOLDED_OPTS_INIT;
	struct fg_folded_stats st;
	struct fg_lines *in;

	o.col = 0;
	o.counts = FG_FOLDED_AUTO;
	o.max_counts = 2;
	o.strict = strict;
	o.jobs = jobs;
	in = tool_read_folded(path, s, &o, &st);
	if (tool_verbose)
		tool_warn("%s: %llu bytes, %lu lines, %lu stack lines, %lu malformed, %u count%s a line; read on %u thread%s",
			  fg_lines_name(in), fg_lines_bytes(in), st.lines,
			  st.stacks, st.bad, st.ncounts,
			  st.ncounts == 1 ? "" : "s", st.threads,
			  st.threads == 1 ? "" : "s");
	*bad += st.bad;
	fg_lines_close(in);
	return st.ncounts;
}

/* The total of the width column, as a double: for the pruning threshold. */
static double
width_total(const struct fg_stacks *s, bool diff, enum fg_tree_width wm)
{
	size_t n = fg_stacks_count(s), i;
	double t = 0;

	for (i = 0; i < n; i++) {
		const struct fg_count *c = fg_stacks_counts(s, i);
		double a = fg_count_to_double(&c[0]), b;

		if (!diff) {
			t += a;
			continue;
		}
		b = fg_count_to_double(&c[1]);
		t += wm == FG_TREE_WIDTH_BEFORE ? a :
		     wm == FG_TREE_WIDTH_AFTER ? b : (a > b ? a : b);
	}
	return t;
}

static const char *const sort_names[] = { "alpha", "weight" };
static const char *const width_names[] = { "after", "before", "max" };

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "base", required_argument, NULL, OPT_BASE },
		{ "bgcolors", required_argument, NULL, OPT_BGCOLORS },
		{ "colors", required_argument, NULL, 'c' },
		{ "countname", required_argument, NULL, OPT_COUNTNAME },
		{ "cp", no_argument, NULL, OPT_CP },
		{ "deterministic", no_argument, NULL, OPT_DETERMINISTIC },
		{ "diff-threshold", required_argument, NULL, OPT_DIFF_THRESHOLD },
		{ "diff-width", required_argument, NULL, OPT_DIFF_WIDTH },
		{ "encoding", required_argument, NULL, OPT_ENCODING },
		{ "factor", required_argument, NULL, OPT_FACTOR },
		{ "flamechart", no_argument, NULL, OPT_FLAMECHART },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "fontsize", required_argument, NULL, OPT_FONTSIZE },
		{ "fonttype", required_argument, NULL, OPT_FONTTYPE },
		{ "fontwidth", required_argument, NULL, OPT_FONTWIDTH },
		{ "hash", no_argument, NULL, OPT_HASH },
		{ "height", required_argument, NULL, OPT_HEIGHT },
		{ "inverted", no_argument, NULL, 'i' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "minwidth", required_argument, NULL, OPT_MINWIDTH },
		{ "nameattr", required_argument, NULL, OPT_NAMEATTR },
		{ "nametype", required_argument, NULL, OPT_NAMETYPE },
		{ "negate", no_argument, NULL, OPT_NEGATE },
		{ "no-sort", no_argument, NULL, OPT_NO_SORT },
		{ "notes", required_argument, NULL, OPT_NOTES },
		{ "page-fit", required_argument, NULL, OPT_PAGE_FIT },
		{ "random", no_argument, NULL, OPT_RANDOM },
		{ "reverse", no_argument, NULL, OPT_REVERSE },
		{ "scale", required_argument, NULL, OPT_SCALE },
		{ "search", required_argument, NULL, OPT_SEARCH },
		{ "search-color", required_argument, NULL, OPT_SEARCH_COLOR },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "stroke-color", required_argument, NULL, OPT_STROKE_COLOR },
		{ "subtitle", required_argument, NULL, OPT_SUBTITLE },
		{ "theme", required_argument, NULL, OPT_THEME },
		{ "title", required_argument, NULL, OPT_TITLE },
		{ "total", required_argument, NULL, OPT_TOTAL },
		{ "truncate-text-right", no_argument, NULL, OPT_TRUNC_RIGHT },
		{ "width", required_argument, NULL, OPT_WIDTH },
		TOOL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct fg_layout_opts lo;
	struct fg_svg_opts so;
	struct fg_raster_opts ro;
	struct raster_args ra = { NULL, NULL, NULL, NULL, false };
	bool raster;
	struct fg_tree_opts to = FG_TREE_OPTS_INIT;
	struct fg_tree_rewrite rw = { false, NULL, 0, false };
	enum fg_palette_id pal = FG_PAL_HOT;
	enum fg_color_mode mode = FG_COLOR_NAME;
	unsigned jobs = tool_jobs_online();
	bool strict = false, cp = false, deterministic = false, diff_width = false;
	bool no_sort = false, sort_given = false, fontwidth_given = false;
	const char *output = NULL, *bgcolors = NULL, *nameattr_path = NULL;
	const char *min_width_arg = "0.1";
	const char **bases = NULL;
	size_t nbases = 0, i;
	struct nameattr na;
	struct fg_symtab *syms;
	struct fg_stacks *s, *s2;
	struct fg_filter *filter = NULL;
	struct fg_tree *tree;
	struct fg_layout *layout;
	struct fg_palette *palette;
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_count total;
	char bg1[8], bg2[8];
	unsigned long bad = 0;
	unsigned ncounts = 0;
	bool diff;
	double wtotal;
	uint64_t seed;
	FILE *out;
	int ch, rc;

	tool_init("flamegraph");
	fg_layout_opts_init(&lo);
	fg_svg_opts_init(&so);
	memset(&na, 0, sizeof(na));
	while ((ch = getopt_long(argc, argv, ":c:hij:o:V", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			if (fg_palette_lookup(optarg, &pal) < 0)
				tool_usage_error(synopsis, "unknown palette: '%s'",
						 optarg);
			break;
		case 'h':
			usage();
			tool_output_close();
			return TOOL_EXIT_OK;
		case 'i':
			lo.inverted = so.inverted = true;
			break;
		case 'j':
			jobs = tool_jobs_parse(synopsis, optarg);
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_TITLE:
			so.title = optarg;
			break;
		case OPT_SUBTITLE:
			so.subtitle = optarg;
			lo.subtitle = true;
			break;
		case OPT_NOTES:
			so.notes = optarg;
			break;
		case OPT_COUNTNAME:
			so.countname = optarg;
			break;
		case OPT_NAMETYPE:
			so.nametype = optarg;
			break;
		case OPT_ENCODING:
			lo.encoding = so.encoding = optarg;
			break;
		case OPT_WIDTH:
			lo.width = parse_num(optarg, "width", 30, 1e7);
			break;
		case OPT_HEIGHT:
			lo.frame_height = so.frame_height =
				parse_num(optarg, "height", 2, 1000);
			break;
		case OPT_MINWIDTH: {
			size_t n = strlen(optarg);
			char *tmp = strdup(optarg);

			min_width_arg = optarg;
			if (n > 0 && tmp[n - 1] == '%') {
				tmp[n - 1] = '\0';
				lo.min_width_pct = true;
			}
			lo.min_width = parse_num(tmp, "minwidth", 0,
						 lo.min_width_pct ? 100 : 1e7);
			free(tmp);
			break;
		}
		case OPT_FONTTYPE:
			lo.font_type = so.font_type = optarg;
			ra.fonttype = true;
			break;
		case OPT_FONTSIZE:
			lo.font_size = so.font_size =
				parse_num(optarg, "fontsize", 1, 500);
			break;
		case OPT_FONTWIDTH:
			lo.font_width = so.font_width =
				parse_num(optarg, "fontwidth", 0.01, 10);
			fontwidth_given = true;
			break;
		case OPT_TRUNC_RIGHT:
			lo.truncate_right = so.truncate_right = true;
			break;
		case OPT_REVERSE:
			rw.reverse = true;
			break;
		case OPT_FLAMECHART:
			so.flamechart = true;
			break;
		case OPT_NO_SORT:
			no_sort = true;
			break;
		case OPT_SORT:
			/* in the order of enum fg_tree_sort */
			to.sort = (enum fg_tree_sort)
				tool_choice(synopsis, optarg, sort_names, 2,
					    "--sort takes alpha or weight: '%s'");
			sort_given = true;
			break;
		case OPT_BASE:
			bases = fg_xreallocarray(bases, nbases + 1,
						 sizeof(*bases));
			bases[nbases++] = optarg;
			break;
		case OPT_TOTAL:
			if (fg_count_parse(optarg, strlen(optarg), &total,
					   NULL) < 0)
				tool_usage_error(synopsis,
						 "total must be a decimal number: '%s'",
						 optarg);
			lo.total = fg_count_to_double(&total);
			so.total = &total;
			break;
		case OPT_FACTOR: {
			struct fg_count f;
			unsigned dec;

			if (fg_count_parse(optarg, strlen(optarg), &f, &dec) < 0 ||
			    fg_count_to_units(&f, dec, &so.factor_units) < 0 ||
			    so.factor_units == 0)
				tool_usage_error(synopsis,
						 "factor must be a positive decimal number: '%s'",
						 optarg);
			so.factor_decimals = dec;
			break;
		}
		case OPT_BGCOLORS:
			if (fg_palette_background(optarg, pal, bg1, bg2) < 0)
				tool_usage_error(synopsis,
						 "unknown background: '%s'", optarg);
			bgcolors = optarg;
			break;
		case OPT_HASH:
			mode = FG_COLOR_HASH;
			break;
		case OPT_RANDOM:
			mode = FG_COLOR_RANDOM;
			break;
		case OPT_DETERMINISTIC:
			deterministic = true;
			break;
		case OPT_CP:
			cp = true;
			break;
		case OPT_SEARCH_COLOR:
			if (fg_palette_parse_hex(optarg, &so.search_color) < 0)
				tool_usage_error(synopsis,
						 "search colour must be #rrggbb: '%s'",
						 optarg);
			break;
		case OPT_STROKE_COLOR:
			if (strcmp(optarg, "none") == 0) {
				so.stroke = false;
			} else if (fg_palette_parse_hex(optarg,
							&so.stroke_color) < 0) {
				tool_usage_error(synopsis,
						 "stroke colour must be #rrggbb or none: '%s'",
						 optarg);
			} else {
				so.stroke = true;
			}
			break;
		case OPT_NAMEATTR:
			nameattr_path = optarg;
			break;
		case OPT_NEGATE:
			so.negate = true;
			break;
		case OPT_DIFF_WIDTH:
			/* in the order of enum fg_tree_width */
			to.width = (enum fg_tree_width)
				tool_choice(synopsis, optarg, width_names, 3,
					    "--diff-width takes after, before or max: '%s'");
			diff_width = true;
			break;
		case OPT_DIFF_THRESHOLD:
			so.diff_threshold = parse_num(optarg, "diff-threshold",
						      0, 100);
			break;
		case OPT_SEARCH: {
			int err;
			PCRE2_SIZE off;
			pcre2_code *re = pcre2_compile((PCRE2_SPTR)optarg,
						       PCRE2_ZERO_TERMINATED,
						       PCRE2_UTF, &err, &off, NULL);

			if (re == NULL) {
				PCRE2_UCHAR msg[128];

				pcre2_get_error_message(err, msg, sizeof(msg));
				tool_usage_error(synopsis,
						 "bad --search expression at %zu: %s",
						 (size_t)off, (char *)msg);
			}
			pcre2_code_free(re);
			so.search = optarg;
			break;
		}
		case OPT_STRICT:
			strict = true;
			break;
		case OPT_FORMAT:
			ra.format = optarg;
			break;
		case OPT_SCALE:
			ra.scale = optarg;
			break;
		case OPT_THEME:
			ra.theme = optarg;
			break;
		case OPT_PAGE_FIT:
			ra.page_fit = optarg;
			break;
		default:
			tool_other_option(&filter, ch, optarg, synopsis, argv);
		}
	}
	argc -= optind;
	argv += optind;
	raster = raster_setup(&ra, output, &ro, &lo, &so, bgcolors,
			      nameattr_path, fontwidth_given);
	if (raster)
		ro.min_width = min_width_arg;
	if (so.flamechart && rw.reverse)
		tool_usage_error(synopsis,
				 "--flamechart and --reverse cannot be combined");
	if (so.flamechart || no_sort) {
		if (sort_given)
			tool_usage_error(synopsis,
					 "--sort cannot be combined with --flamechart or --no-sort");
		to.sort = FG_TREE_SORT_INPUT;
	}
	if (!fontwidth_given)
		lo.font_width = 0;
	/* the script wants pixels: a percentage of the frames' width */
	so.min_width = lo.min_width_pct ?
		lo.min_width / 100 * (lo.width - 2 * FG_LAYOUT_XPAD) :
		lo.min_width;
	if (mode == FG_COLOR_RANDOM)
		seed = deterministic ? 1234 :
			(uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	else
		seed = 1234;
	if (nameattr_path != NULL) {
		nameattr_read(&na, nameattr_path);
		so.attrs = nameattr_get;
		so.attrs_ctx = &na;
	}

	/* the font loads while the input is read */
	fg_layout_fonts_preload(&lo);
	syms = fg_symtab_new();
	s = fg_stacks_new(syms, 2);
	if (argc == 0) {
		ncounts = read_file(NULL, s, strict, jobs, &bad);
	} else {
		const char *first2 = NULL, *first1 = NULL;

		for (i = 0; i < (size_t)argc; i++) {
			unsigned k = read_file(argv[i], s, strict, jobs, &bad);

			if (k == 2 && first2 == NULL)
				first2 = argv[i];
			if (k == 1 && first1 == NULL)
				first1 = argv[i];
		}
		if (first1 != NULL && first2 != NULL)
			tool_die(TOOL_EXIT_FAIL,
				 "%s has two counts per line (differential) but %s has one: they cannot be merged",
				 first2, first1);
		ncounts = first2 != NULL ? 2 : first1 != NULL ? 1 : 0;
	}
	diff = ncounts == 2;
	/* the transforms see the stacks as read, before --reverse and --base */
	tool_filter_apply(filter, &s, diff ? 2 : 1, NULL);
	fg_filter_free(filter);
	to.one_col = !diff;
	to.jobs = jobs;
	so.jobs = jobs;
	if (diff && so.negate && !diff_width)
		to.width = FG_TREE_WIDTH_BEFORE;
	if (pal == FG_PAL_DIFF_CB) {
		if (diff)
			so.diff_cb = true;
		else
			tool_warn("--colors diff-cb is for differential input; using hot");
	}
	if (pal == FG_PAL_CHAIN)
		rw.chain = true;
	if (nbases > 0) {
		uint32_t *ids = fg_xreallocarray(NULL, nbases, sizeof(*ids));
		size_t k = 0;

		for (i = 0; i < nbases; i++) {
			uint32_t id = fg_symtab_find(syms, bases[i],
						     strlen(bases[i]));

			if (id != UINT32_MAX)
				ids[k++] = id;
		}
		rw.base = ids;
		rw.nbase = k;
		if (k == 0) {
			/* no stack holds a base frame: nothing is left */
			fg_stacks_free(s);
			s = fg_stacks_new(syms, 2);
		}
	}
	if (rw.reverse || rw.chain || rw.nbase > 0) {
		s2 = fg_tree_rewrite(s, &rw, &d);
		if (s2 == NULL)
			tool_die_diag(&d);
		fg_stacks_free(s);
		s = s2;
	}
	free((void *)(uintptr_t)rw.base);
	free(bases);

	if (fg_palette_background(bgcolors, so.diff_cb ? FG_PAL_DIFF_CB : pal,
				  bg1, bg2) < 0)
		tool_usage_error(synopsis, "unknown background: '%s'", bgcolors);
	so.bg_top = bg1;
	so.bg_bottom = bg2;

	out = tool_output_open(output);
	wtotal = width_total(s, diff, to.width);
	if (wtotal <= 0) {
		tool_warn("no stack counts found");
		rc = raster ? fg_raster_write_empty(&so, &ro, lo.width, out, &d) :
			fg_svg_write_empty(&so, lo.width, out, &d);
		fg_layout_fonts_release();
		if (rc < 0)
			tool_die_diag(&d);
		tool_output_close();
		fg_stacks_free(s);
		fg_symtab_free(syms);
		if (nameattr_path != NULL)
			nameattr_free(&na);
		return TOOL_EXIT_FAIL;
	}
	if (lo.total > 0 && lo.total < wtotal) {
		tool_warn("--total %g is less than the actual total %g; ignored",
			  lo.total, wtotal);
		lo.total = 0;
		so.total = NULL;
	}
	to.min_count = fg_layout_min_count(&lo, wtotal);
	tree = fg_tree_build(s, &to, &rc, &d);
	if (tree == NULL)
		tool_die_diag(&d);
	/* the tree holds what is drawn: room for the SVG's markup */
	fg_stacks_free(s);
	s = NULL;
	lo.legend = diff;
	layout = fg_layout_new(tree, &lo, &d);
	if (layout == NULL)
		tool_die_diag(&d);
	palette = fg_palette_new(pal, mode, seed);
	if (cp && fg_palette_map_read(palette, PALETTE_MAP, &d) < 0)
		tool_die_diag(&d);
	rc = raster ? fg_raster_write(tree, layout, palette, &so, &ro, out, &d) :
		fg_svg_write(tree, layout, palette, &so, out, &d);
	if (rc < 0) {	/* exiting removes the temporary file */
		fg_layout_fonts_release();
		/* a failed write is reported as such, and exits */
		if (ferror(out))
			tool_output_close();
		tool_die_diag(&d);
	}
	tool_output_close();
	if (cp) {
		char tmp[64];
		int fd;
		FILE *pf;

		/* beside it, then renamed over it: never half written */
		snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", PALETTE_MAP,
			 (long)getpid());
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
		pf = fd < 0 ? NULL : fdopen(fd, "w");

		if (pf == NULL ||
		    fg_palette_map_write(palette, pf) < 0 || fclose(pf) != 0 ||
		    rename(tmp, PALETTE_MAP) != 0) {
			int e = errno;

			if (fd >= 0)
				unlink(tmp);
			tool_die(TOOL_EXIT_FAIL, "%s: %s", PALETTE_MAP,
				 strerror(e));
		}
	}

	fg_palette_free(palette);
	fg_layout_free(layout);
	fg_layout_fonts_release();
	fg_tree_free(tree);
	fg_symtab_free(syms);
	if (nameattr_path != NULL)
		nameattr_free(&na);
	return bad ? TOOL_EXIT_FAIL : TOOL_EXIT_OK;
}
