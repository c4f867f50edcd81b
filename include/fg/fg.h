/*
 * fg.h - the flamekit library (libfg): version and every module.
 */
#ifndef FG_FG_H
#define FG_FG_H

#define FG_VERSION "0.1.0"

#include "fg/arena.h"
#include "fg/buf.h"
#include "fg/count.h"
#include "fg/error.h"
#include "fg/filter.h"
#include "fg/folded.h"
#include "fg/intern.h"
#include "fg/layout.h"
#include "fg/lineio.h"
#include "fg/marshal.h"
#include "fg/palette.h"
#include "fg/perf.h"
#include "fg/pstats.h"
#include "fg/pyframe.h"
#include "fg/pyspy.h"
#include "fg/raster.h"
#include "fg/rewrite.h"
#include "fg/scalene.h"
#include "fg/speedscope.h"
#include "fg/stacks.h"
#include "fg/svg.h"
#include "fg/top.h"
#include "fg/tree.h"

#endif /* FG_FG_H */
