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
#include "fg/folded.h"
#include "fg/intern.h"
#include "fg/lineio.h"
#include "fg/marshal.h"
#include "fg/pstats.h"
#include "fg/rewrite.h"
#include "fg/stacks.h"

#endif /* FG_FG_H */
