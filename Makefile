# flamekit - one non-recursive GNU Makefile. Everything it builds goes
# under $(BUILD) (build/ by default; build-asan/ and build-fuzz/ for the
# sanitizer and fuzzing builds), so the builds live side by side.
#
# make            build every tool          make check     all tests
# make asan       check under ASan+UBSan    make valgrind  golden tests under valgrind
# make fuzz-smoke every fuzz target, briefly make bench    the benchmarks
# make deps       install the Debian packages the project needs
# make install / uninstall (PREFIX, DESTDIR)   make list   every target

PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
COMPDIR    ?= $(PREFIX)/share/bash-completion/completions
PKG_CONFIG ?= pkg-config
INSTALL    ?= install
BUILD      ?= build
CFLAGS     ?= -O2 -g
FUZZ_SECONDS ?= 60
-include config.mk

.DEFAULT_GOAL := all

# The Debian packages flamekit needs, to build, test and fuzz: the one
# list. The pkg-config modules and commands below are what `make deps`
# is run for when one of them is missing.
DEBIAN_PACKAGES = make gcc libc6-dev pkg-config \
	libxml2-dev libcairo2-dev libpcre2-dev libjansson-dev \
	libcmocka-dev fonts-dejavu-core libfontconfig-dev \
	mandoc valgrind clang libclang-rt-14-dev time libxml2-utils
PC_MODULES = libxml-2.0 cairo libpcre2-8 jansson cmocka fontconfig
DEP_COMMANDS = mandoc valgrind clang /usr/bin/time xmllint
# flamegraph's PNG and PDF tests: pdfinfo and pdftotext.
DEBIAN_PACKAGES += poppler-utils
DEP_COMMANDS += pdfinfo pdftotext
# The browser tests (tests/browser/): Debian's chromium, driven from Node
# by playwright-core (npm, pinned in tests/browser/package-lock.json).
# nodejs and npm come from Debian only when `node` or `npm` is missing.
DEBIAN_PACKAGES += chromium
NODE_PACKAGES = nodejs npm
DEP_COMMANDS += node npm /usr/bin/chromium

WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wpointer-arith -Wformat=2 -Wwrite-strings -Wvla -Wcast-qual \
       -Wundef -Wno-unused-parameter
ifdef WERROR
WARN += -Werror
endif
ifdef SANITIZE
SAN_FLAGS = -fsanitize=$(SANITIZE) -fno-sanitize-recover=all \
	    -fno-omit-frame-pointer
endif

# Quiet by default; V=1 shows the commands.
Q = @
ifeq ($(V),1)
Q =
endif

# $(BUILD)/config.mk holds what pkg-config says. Making it first makes
# sure the dependencies are there (installing them with `make deps` if
# not), and make re-reads it before building anything.
NODEPS_GOALS = clean deps help list uninstall
ifneq ($(filter-out $(NODEPS_GOALS),$(or $(MAKECMDGOALS),all)),)
-include $(BUILD)/config.mk
endif

$(BUILD)/config.mk: Makefile
	$(Q)missing=; \
	for m in $(PC_MODULES); do \
		$(PKG_CONFIG) --exists $$m 2>/dev/null || missing="$$missing $$m"; \
	done; \
	for c in $(DEP_COMMANDS); do \
		command -v $$c >/dev/null 2>&1 || missing="$$missing $$c"; \
	done; \
	if command -v dpkg-query >/dev/null 2>&1; then \
		missing="$$missing $$(dpkg-query -W -f='$${db:Status-Abbrev} $${Package}\n' \
			$(DEBIAN_PACKAGES) 2>&1 | grep -v '^ii ' | sed 's/.* //' | tr '\n' ' ')"; \
	fi; \
	missing=$$(echo $$missing); \
	if [ -n "$$missing" ]; then \
		echo "missing: $$missing; running make deps"; \
		$(MAKE) --no-print-directory deps || exit 1; \
	fi
	$(Q)mkdir -p $(BUILD)
	$(Q){ \
	echo "XML_CFLAGS = $$($(PKG_CONFIG) --cflags libxml-2.0)"; \
	echo "XML_LIBS = $$($(PKG_CONFIG) --libs libxml-2.0)"; \
	echo "CAIRO_CFLAGS = $$($(PKG_CONFIG) --cflags cairo)"; \
	echo "CAIRO_LIBS = $$($(PKG_CONFIG) --libs cairo)"; \
	echo "PCRE_CFLAGS = $$($(PKG_CONFIG) --cflags libpcre2-8)"; \
	echo "PCRE_LIBS = $$($(PKG_CONFIG) --libs libpcre2-8)"; \
	echo "JSON_CFLAGS = $$($(PKG_CONFIG) --cflags jansson)"; \
	echo "JSON_LIBS = $$($(PKG_CONFIG) --libs jansson)"; \
	echo "CMOCKA_CFLAGS = $$($(PKG_CONFIG) --cflags cmocka)"; \
	echo "CMOCKA_LIBS = $$($(PKG_CONFIG) --libs cmocka)"; \
	} > $@.tmp && mv $@.tmp $@

## deps: install the Debian packages flamekit needs (as root; else print the command)
deps:
	$(Q)if [ "$$(id -u)" = 0 ]; then \
		for i in 1 2 3; do apt-get update -q && break; sleep 10; done; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends $(DEBIAN_PACKAGES); \
		{ command -v node && command -v npm; } >/dev/null 2>&1 || \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends $(NODE_PACKAGES); \
	else \
		echo "run as root:"; \
		echo "  apt-get install -y $(DEBIAN_PACKAGES)"; \
		{ command -v node && command -v npm; } >/dev/null 2>&1 || \
		echo "  apt-get install -y $(NODE_PACKAGES)"; \
		exit 1; \
	fi
	$(Q)cd tests/browser && npm ci --no-audit --no-fund --loglevel=error

ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -pthread -Iinclude $(WARN) \
	     $(XML_CFLAGS) $(CAIRO_CFLAGS) $(PCRE_CFLAGS) $(JSON_CFLAGS) \
	     $(SAN_FLAGS) $(EXTRA_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS = -pthread $(SAN_FLAGS) $(EXTRA_LDFLAGS) $(LDFLAGS)

LIB_SRC  = $(sort $(wildcard lib/*.c))
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB      = $(BUILD)/libfg.a
TOOLS    = $(filter-out tool,$(basename $(notdir $(wildcard tools/*.c))))
TOOL_BIN = $(TOOLS:%=$(BUILD)/%)
MAN1     = $(sort $(wildcard man/man1/*.1))
MAN5     = $(sort $(wildcard man/man5/*.5))
MAN7     = $(sort $(wildcard man/man7/*.7))

# Each tool links only what it uses, and tool.c's stack transforms
# (flamekit-filters(7)) need pcre2 in every tool.
TOOL_LIBS = $(PCRE_LIBS)
LIBS_difffold =
LIBS_topfns = $(JSON_LIBS)
LIBS_stackcollapse-pyspy = $(JSON_LIBS)
LIBS_stackcollapse-perf =
LIBS_stackcollapse-scalene = $(JSON_LIBS)
# fontconfig: cairo measures text through it; fg_layout_fonts_release()
# frees its caches so valgrind sees no leak.
FONT_LIBS = $(shell $(PKG_CONFIG) --libs fontconfig 2>/dev/null)
LIBS_flamegraph = $(XML_LIBS) $(CAIRO_LIBS) $(FONT_LIBS)
UNIT_LIBS_EXTRA = $(FONT_LIBS)

# The SVG's script and style sheet, embedded in the library as C arrays.
ASSETS = lib/assets/flamegraph.js lib/assets/flamegraph.css
LIB_OBJ += $(BUILD)/gen/assets.o
$(BUILD)/gen/assets.c: $(ASSETS)
	@mkdir -p $(@D)
	$(Q){ echo '/* generated from $(ASSETS) by the Makefile */'; \
	echo '#include "fg/svg.h"'; \
	for a in js css; do \
		echo "const unsigned char fg_asset_$$a[] = {"; \
		od -An -v -tx1 lib/assets/flamegraph.$$a | \
			sed 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
		echo '0 };'; \
	done; } > $@.tmp && mv $@.tmp $@
$(BUILD)/gen/assets.o: $(BUILD)/gen/assets.c
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

UNIT_SRC = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN = $(UNIT_SRC:%.c=$(BUILD)/%)
UNIT_LIBS = $(CMOCKA_LIBS) $(PCRE_LIBS) $(XML_LIBS) $(CAIRO_LIBS) \
	    $(JSON_LIBS) $(UNIT_LIBS_EXTRA) -lm

## all: build the library and every tool (the default)
all: $(TOOL_BIN)

$(BUILD)/%.o: %.c $(BUILD)/config.mk
	@mkdir -p $(@D)
	@[ -n "$(Q)" ] && echo "  CC      $<" || true
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(LIB_OBJ)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(TOOL_BIN): $(BUILD)/%: $(BUILD)/tools/%.o $(BUILD)/tools/tool.o $(LIB)
	@[ -n "$(Q)" ] && echo "  LINK    $@" || true
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_$*) $(TOOL_LIBS) -lm

$(BUILD)/tests/unit/%.o: tests/unit/%.c $(BUILD)/config.mk
	@mkdir -p $(@D)
	@[ -n "$(Q)" ] && echo "  CC      $<" || true
	$(Q)$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -MMD -MP -c -o $@ $<

$(UNIT_BIN): $(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(LIB)
	@[ -n "$(Q)" ] && echo "  LINK    $@" || true
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(UNIT_LIBS)

# tests/raster/run.sh reads PNG pixels back through cairo with pngpixel.
PNGPIXEL = $(BUILD)/tests/raster/pngpixel
$(PNGPIXEL): $(BUILD)/tests/raster/pngpixel.o
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CAIRO_LIBS)

## check: build, then run the unit, golden and man-page tests
check: all $(UNIT_BIN) $(PNGPIXEL)
	$(Q)BUILD=$(BUILD) sh tests/check.sh

## bless: rewrite the golden expectations from current output (review the diff)
bless: all
	$(Q)FG_BLESS=1 BUILD=$(BUILD) sh tests/golden/run.sh

## asan: the whole check under AddressSanitizer and UBSan, in build-asan/
asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan \
		SANITIZE=address,undefined CFLAGS='-O1 -g' check

## valgrind: the golden tests under valgrind (memcheck, leaks), and the
## unit tests of threaded reading, sorting, tree building, font loading
## and SVG writing (memcheck, helgrind)
VALGRIND = valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,possible --errors-for-leak-kinds=definite,possible
VALGRIND_UNIT = test_folded test_stacks test_tree test_layout test_svg
valgrind: all $(VALGRIND_UNIT:%=$(BUILD)/tests/unit/%)
	$(Q)BUILD=$(BUILD) WRAP='$(VALGRIND)' sh tests/golden/run.sh
	@# the threads, which the small golden inputs never reach:
	@# memcheck, then helgrind for data races
	$(Q)for t in $(VALGRIND_UNIT); do \
		$(VALGRIND) $(BUILD)/tests/unit/$$t >/dev/null && \
		valgrind -q --tool=helgrind --error-exitcode=99 \
			$(BUILD)/tests/unit/$$t >/dev/null || \
		{ echo "valgrind: $$t failed"; exit 1; }; \
		echo "valgrind: $$t ok"; \
	done

# libFuzzer: the library built again with clang and coverage hooks.
FUZZ_SRC = $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN = $(FUZZ_SRC:%.c=$(BUILD)/%)
FUZZ_LIBS = $(PCRE_LIBS) $(XML_LIBS) $(CAIRO_LIBS) $(JSON_LIBS) $(FONT_LIBS) -lm

$(FUZZ_BIN): $(BUILD)/tests/fuzz/%: $(BUILD)/tests/fuzz/%.o $(LIB)
	@[ -n "$(Q)" ] && echo "  LINK    $@" || true
	$(Q)$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(FUZZ_LIBS)

fuzz-bins: $(FUZZ_BIN)

## fuzz: build every fuzz target in build-fuzz/
fuzz:
	$(Q)$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang \
		SANITIZE=address,undefined CFLAGS='-O1 -g' \
		EXTRA_CFLAGS=-fsanitize=fuzzer-no-link fuzz-bins

## fuzz-smoke: run every fuzz target for FUZZ_SECONDS (60) from its seed corpus
fuzz-smoke: fuzz
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) BUILD=build-fuzz sh tests/fuzz/smoke.sh

## bench: build the benchmark helpers and run tests/bench/*.sh
BENCH_SRC = $(sort $(wildcard tests/bench/*.c))
BENCH_BIN = $(BENCH_SRC:%.c=$(BUILD)/%)
$(BENCH_BIN): $(BUILD)/tests/bench/%: $(BUILD)/tests/bench/%.o
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^
# readfolded measures the library's folded reader, so it links libfg.
$(BUILD)/tests/bench/readfolded: $(LIB)

bench: all $(BENCH_BIN)
	$(Q)for b in tests/bench/*.sh; do \
		[ $$b = tests/bench/lib.sh ] || BUILD=$(BUILD) sh $$b || exit 1; \
	done

## demo: draw the recordings in fixtures/ into $(BUILD)/demo/ (installs what is missing, builds)
demo: all
	$(Q)BUILD=$(BUILD) sh demo/demo.sh

.PHONY: demo

## install: install the tools and man pages under $(DESTDIR)$(PREFIX)
install: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7
	$(INSTALL) -m 755 $(TOOL_BIN) $(DESTDIR)$(BINDIR)
	$(if $(MAN1),$(INSTALL) -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1)
	$(if $(MAN5),$(INSTALL) -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5)
	$(if $(MAN7),$(INSTALL) -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7)
	$(INSTALL) -d $(DESTDIR)$(COMPDIR)
	for t in $(TOOLS); do \
		$(INSTALL) -m 644 completion/flamekit.bash $(DESTDIR)$(COMPDIR)/$$t || exit 1; \
	done

## uninstall: remove what install installed
uninstall:
	rm -f $(TOOLS:%=$(DESTDIR)$(BINDIR)/%)
	rm -f $(MAN1:man/man1/%=$(DESTDIR)$(MANDIR)/man1/%)
	rm -f $(MAN5:man/man5/%=$(DESTDIR)$(MANDIR)/man5/%)
	rm -f $(MAN7:man/man7/%=$(DESTDIR)$(MANDIR)/man7/%)
	rm -f $(TOOLS:%=$(DESTDIR)$(COMPDIR)/%)

## clean: remove every build directory
clean:
	rm -rf build build-asan build-fuzz build-clang build-bench

## list: print the targets and what they do
list help:
	@sed -n 's/^## //p' Makefile

.PHONY: all check bless asan valgrind fuzz fuzz-bins fuzz-smoke bench \
	deps install uninstall clean list help

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
