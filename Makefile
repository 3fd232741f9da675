# Ronda — build, test, demo, bench.
#
#   make            build every program into build/bin/
#   make check      install missing deps, build (plain and ASan+UBSan), run every test
#   make demo       run the whole pipeline on one machine (embedded broker)
#   make bench      throughput benchmarks against baselines measured in the same run
#   make install    PREFIX=/usr/local DESTDIR=
#
# Variants: `make SAN=1` builds with AddressSanitizer + UndefinedBehaviorSanitizer
# into build/san/ (the tests run both).

PREFIX  ?= /usr/local
DESTDIR ?=
SAN     ?= 0
CC      ?= cc
V       ?= 0
Q       := $(if $(filter 1,$(V)),,@)

ifeq ($(SAN),1)
B       := build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT     := -O1 -g
else
B       := build
SANFLAGS :=
OPT     := -O2 -g
endif

# One line: tests/fuzz/run.sh reads it with sed. libcrypto (OpenSSL, a
# well-kept library): SHA-256 of web-root files through EVP (collector/webroot_walk.c).
PKGS    := libevent libevent_pthreads rdkafka sqlite3 libcjson yaml-0.1 libhs libpcre2-8 libsystemd libcurl libmaxminddb libcrypto
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

CFLAGS  ?=
CFLAGS  += -std=c11 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral -Wno-format-truncation \
           -D_GNU_SOURCE -DRONDA_VERSION='"$(VERSION)"' \
           -DRONDA_DATADIR='"$(PREFIX)/share/ronda"' \
           -Iinclude -Icollector -Icorrelator $(PKG_CFLAGS) $(OPT) $(SANFLAGS) -MMD -MP
LDFLAGS += $(SANFLAGS) -Wl,--as-needed
LDLIBS  := $(PKG_LIBS) -lm -lpthread

COMMON_SRC     := $(wildcard common/*.c)
COLLECTOR_SRC  := $(filter-out collector/main.c,$(wildcard collector/*.c))
CORRELATOR_SRC := $(filter-out correlator/main.c,$(wildcard correlator/*.c))

COMMON_OBJ     := $(COMMON_SRC:%.c=$(B)/obj/%.o)
COLLECTOR_OBJ  := $(COLLECTOR_SRC:%.c=$(B)/obj/%.o)
CORRELATOR_OBJ := $(CORRELATOR_SRC:%.c=$(B)/obj/%.o)

LIBCOMMON     := $(B)/lib/libronda_common.a
LIBCOLLECTOR  := $(B)/lib/libronda_collector.a
LIBCORRELATOR := $(B)/lib/libronda_correlator.a

# Programs: name -> main source. Each links the libraries it needs.
PROGRAMS := $(B)/bin/ronda-collector $(B)/bin/ronda-devbroker
ifneq ($(wildcard correlator/main.c),)
PROGRAMS += $(B)/bin/ronda-correlator
endif
TOOL_MAINS := $(filter-out tools/devbroker.c,$(wildcard tools/*.c))
PROGRAMS += $(patsubst tools/%.c,$(B)/bin/ronda-%,$(TOOL_MAINS))
# cli/ is the analysts' command line: its program is plain `ronda`.
PROGRAMS += $(B)/bin/ronda
# sim/ is the simulator and its scorer, ronda-sim.
PROGRAMS += $(B)/bin/ronda-sim

UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

ALL_LIBS := $(LIBCORRELATOR) $(LIBCOLLECTOR) $(LIBCOMMON)

.PHONY: all deps check check-build unit e2e demo bench accuracy install clean fuzz

all: $(PROGRAMS) $(UNIT_BINS)

deps:
	@scripts/deps.sh

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(LIBCOMMON): $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@; ar rcs $@ $^
$(LIBCOLLECTOR): $(COLLECTOR_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@; ar rcs $@ $^
$(LIBCORRELATOR): $(CORRELATOR_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@; ar rcs $@ $^

# The dashboard (web/) built into the correlator: scripts/embed_web.py turns
# its files into C arrays that correlator/dashboard.c includes.
WEB_SRC := $(sort $(wildcard web/*))
$(B)/gen/web_assets.inc: $(WEB_SRC) scripts/embed_web.py
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)python3 scripts/embed_web.py -o $@ $(WEB_SRC)
$(B)/obj/correlator/dashboard.o: $(B)/gen/web_assets.inc
$(B)/obj/correlator/dashboard.o: CFLAGS += -I$(B)/gen

$(B)/bin/ronda-collector: $(B)/obj/collector/main.o $(LIBCOLLECTOR) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/bin/ronda-correlator: $(B)/obj/correlator/main.o $(LIBCORRELATOR) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/bin/ronda-devbroker: $(B)/obj/tools/devbroker.o $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

CLI_SRC := $(wildcard cli/*.c)
CLI_OBJ := $(CLI_SRC:%.c=$(B)/obj/%.o)

$(B)/bin/ronda: $(CLI_OBJ) $(ALL_LIBS)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# ronda-sim needs only the common library (its score reads the store with SQLite).
SIM_SRC := $(wildcard sim/*.c)
SIM_OBJ := $(SIM_SRC:%.c=$(B)/obj/%.o)

$(B)/bin/ronda-sim: $(SIM_OBJ) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/bin/ronda-%: $(B)/obj/tools/%.o $(ALL_LIBS)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/test_%: $(B)/obj/tests/unit/test_%.o $(ALL_LIBS)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(LDLIBS)

# check: deps, both builds, then every test under both. The runner prints the
# closing `N passed, N failed` line and fails the target when anything failed.
check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory SAN=1 all
	@tests/run.sh

unit: all
	@tests/run.sh --unit-only

demo: deps
	@$(MAKE) --no-print-directory all
	@tools/demo.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@tools/bench.sh

accuracy: all
	@tools/accuracy.sh

fuzz:
	@tests/fuzz/run.sh $(FUZZ_SECONDS)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/ronda/rules \
	    $(DESTDIR)$(PREFIX)/share/ronda/schemas $(DESTDIR)$(PREFIX)/share/doc/ronda
	install -m 0755 $(PROGRAMS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 schemas/* $(DESTDIR)$(PREFIX)/share/ronda/schemas/
	if ls rules/*.yaml >/dev/null 2>&1; then install -m 0644 rules/*.yaml $(DESTDIR)$(PREFIX)/share/ronda/rules/; fi
	install -d $(DESTDIR)$(PREFIX)/share/ronda/rules/auth
	install -m 0644 rules/auth/*.yaml $(DESTDIR)$(PREFIX)/share/ronda/rules/auth/
	install -d $(DESTDIR)$(PREFIX)/share/ronda/rules/webroot
	install -m 0644 rules/webroot/*.yaml $(DESTDIR)$(PREFIX)/share/ronda/rules/webroot/
	install -d $(DESTDIR)$(PREFIX)/share/ronda/scenarios
	install -m 0644 tests/scenarios/*.yaml $(DESTDIR)$(PREFIX)/share/ronda/scenarios/
	install -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/ronda/
	if [ -d dist/systemd ]; then install -d $(DESTDIR)$(PREFIX)/lib/systemd/system && \
	    install -m 0644 dist/systemd/*.service $(DESTDIR)$(PREFIX)/lib/systemd/system/; fi

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
