/*
 * pngpixel - prints a PNG's size and the colour of pixels, for
 * tests/raster/run.sh: "pngpixel FILE [X,Y ...]" prints "W H" and then
 * "#rrggbb" per point (decoded by cairo, so no byte comparison is
 * needed). Exit status 1 if the file is not a PNG or a point is outside.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cairo.h>

int
main(int argc, char **argv)
{
	cairo_surface_t *s;
	const unsigned char *data;
	int w, h, stride, i, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: pngpixel FILE [X,Y ...]\n");
		return 2;
	}
	s = cairo_image_surface_create_from_png(argv[1]);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		fprintf(stderr, "pngpixel: %s: %s\n", argv[1],
			cairo_status_to_string(cairo_surface_status(s)));
		cairo_surface_destroy(s);
		return 1;
	}
	cairo_surface_flush(s);
	w = cairo_image_surface_get_width(s);
	h = cairo_image_surface_get_height(s);
	stride = cairo_image_surface_get_stride(s);
	data = cairo_image_surface_get_data(s);
	printf("%d %d\n", w, h);
	for (i = 2; i < argc; i++) {
		double x, y;
		uint32_t v;

		if (sscanf(argv[i], "%lf,%lf", &x, &y) != 2 || x < 0 || y < 0 ||
		    (int)x >= w || (int)y >= h) {
			fprintf(stderr, "pngpixel: bad point '%s'\n", argv[i]);
			rc = 1;
			continue;
		}
		memcpy(&v, data + (size_t)y * (size_t)stride + (size_t)x * 4, 4);
		printf("#%02x%02x%02x\n", (v >> 16) & 0xff, (v >> 8) & 0xff,
		       v & 0xff);
	}
	cairo_surface_destroy(s);
	return rc;
}
