# siklus: customer-lifecycle analytics as composable Unix filters.
# Plain make.  `make` builds lib/libsiklus.a and the programs in bin/.

PREFIX ?= /usr/local
DESTDIR ?=
PROGRAM_PREFIX ?=
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man

CC ?= cc
CFLAGS ?= -O2
WARN = -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE
OMP = -fopenmp
ifeq ($(SAN),1)
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
BUILD = build/san
else
BUILD = build/std
endif
ALL_CFLAGS = $(WARN) $(CFLAGS) $(OMP) $(SANFLAGS) -Ilib
LIBS = -lcsv -ljansson -lgsl -lgslcblas -lm
LDFLAGS ?=

PROGS = $(sort $(basename $(notdir $(wildcard cmd/*.c))))
LIBSRC = $(wildcard lib/*.c)
LIBOBJ = $(LIBSRC:lib/%.c=$(BUILD)/lib/%.o)
LIBA = $(BUILD)/libsiklus.a
BINS = $(PROGS:%=bin/%)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BINS = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
MANS = $(wildcard man/*.1 man/*.7)

DEB_PKGS = gcc make libc6-dev libcsv-dev libjansson-dev libgsl-dev mandoc time jq miller valgrind parallel

.PHONY: all check unit golden examples manlint deps demo bench install uninstall clean

all: $(BINS)

# Programs always land in bin/; the SAN build keeps its objects apart and
# relinks bin/ so tests run what was asked for.
$(BUILD)/lib/%.o: lib/%.c $(wildcard lib/*.h) | $(BUILD)/lib
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIBA): $(LIBOBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/cmd/%.o: cmd/%.c $(wildcard lib/*.h) | $(BUILD)/cmd
	$(CC) $(ALL_CFLAGS) -c $< -o $@

bin/%: $(BUILD)/cmd/%.o $(LIBA) $(BUILD)/stamp | bin
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIBA) $(LIBS)

# bin/ is shared by both builds: relink when switching.
$(BUILD)/stamp: | $(BUILD)
	rm -f build/*/stamp
	touch $@

$(BUILD)/tests/%: tests/unit/%.c $(LIBA) | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIBA) $(LIBS)

$(BUILD) $(BUILD)/lib $(BUILD)/cmd $(BUILD)/tests bin:
	mkdir -p $@

# A fresh machine: install what is missing, build, then every suite.
check:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory manlint unit examples golden

unit: $(UNIT_BINS)
	@sh tests/run-unit.sh $(UNIT_BINS)

golden: all
	@sh tests/run-cases.sh

examples: all
	@sh tests/run-examples.sh

manlint:
	@for m in $(MANS); do mandoc -Tlint -W warning $$m || exit 1; done; \
	echo "manlint: $(words $(MANS)) pages clean"

deps:
	@sh tests/deps.sh $(DEB_PKGS)

demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@sh examples/demo.sh

bench: all
	@sh bench/run.sh

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7
	for p in $(PROGS); do install -m 755 bin/$$p $(DESTDIR)$(BINDIR)/$(PROGRAM_PREFIX)$$p; done
	for p in $(PROGS); do [ -f man/$$p.1 ] || continue; install -m 644 man/$$p.1 $(DESTDIR)$(MANDIR)/man1/$(PROGRAM_PREFIX)$$p.1; done
	install -m 644 man/siklus.7 $(DESTDIR)$(MANDIR)/man7/siklus.7

uninstall:
	for p in $(PROGS); do rm -f $(DESTDIR)$(BINDIR)/$(PROGRAM_PREFIX)$$p $(DESTDIR)$(MANDIR)/man1/$(PROGRAM_PREFIX)$$p.1; done
	rm -f $(DESTDIR)$(MANDIR)/man7/siklus.7

clean:
	rm -rf build bin
.SECONDARY: $(LIBOBJ) $(PROGS:%=$(BUILD)/cmd/%.o)
