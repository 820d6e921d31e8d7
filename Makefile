# siklus: customer-lifecycle analytics as composable Unix filters.
# Plain make.  `make` builds build/std/libsiklus.a from lib/ and the
# programs in bin/.  lib/ is cut by layer: record/ (formats, reading,
# tables, writing, numbers, dates, options), model/ (transaction and spend
# models, fitting, scoring, model files), crm/ (summary, stages, RFM,
# cohorts, win-back, value, cross-sell), report/ (HTML, SVG).

PREFIX ?= /usr/local
DESTDIR ?=
PROGRAM_PREFIX ?=
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man
# Shell completion: bash-completion loads completions/NAME on first use of NAME.
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR = $(PREFIX)/share/zsh/site-functions

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
LIBS = -lcsv -ljansson -lgsl -lgslcblas -lz -lzstd -lbz2 -llzma -lm
# libgomp linked statically so that lib/record/util.c can choose passive
# waiting before libgomp reads its environment (see passive_waits there).
OMPLIB = -Wl,-Bstatic -lgomp -Wl,-Bdynamic
LDFLAGS ?=

PROGS = $(sort $(basename $(notdir $(wildcard cmd/*.c))))
LIBSRC = $(wildcard lib/*/*.c)
LIBHDR = $(wildcard lib/*.h lib/*/*.h)
LIBOBJ = $(LIBSRC:lib/%.c=$(BUILD)/lib/%.o)
LIBA = $(BUILD)/libsiklus.a
BINS = $(PROGS:%=bin/%)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BINS = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
MANS = $(wildcard man/*.1 man/*.7)

DEB_PKGS = gcc make libc6-dev libcsv-dev libjansson-dev libgsl-dev zlib1g-dev libzstd-dev libbz2-dev liblzma-dev bzip2 xz-utils tzdata mandoc time jq miller valgrind parallel openssh-client openssh-server

.PHONY: all check unit golden examples manlint manhelp psql deps demo bench bounds accuracy crosscut install uninstall clean fuzz fuzz-replay browser badinput props ssh

all: $(BINS)

# Programs always land in bin/; the SAN build keeps its objects apart and
# relinks bin/ so tests run what was asked for.
$(BUILD)/lib/%.o: lib/%.c $(LIBHDR)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIBA): $(LIBOBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/cmd/%.o: cmd/%.c $(LIBHDR) | $(BUILD)/cmd
	$(CC) $(ALL_CFLAGS) -c $< -o $@

bin/%: $(BUILD)/cmd/%.o $(LIBA) $(BUILD)/stamp | bin
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIBA) $(LIBS) $(OMPLIB)

# bin/ is shared by both builds: relink when switching.
$(BUILD)/stamp: | $(BUILD)
	rm -f build/*/stamp
	touch $@

$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(LIBA) | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIBA) $(LIBS) $(OMPLIB)

$(BUILD) $(BUILD)/cmd $(BUILD)/tests $(BUILD)/fuzz bin:
	mkdir -p $@

# A fresh machine: install what is missing, build, then every suite.
check:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory manlint manhelp unit fuzz-replay examples golden badinput props ssh

unit: $(UNIT_BINS)
	@sh tests/run-unit.sh $(UNIT_BINS)

golden: all
	@sh tests/run-cases.sh

examples: all
	@sh tests/run-examples.sh

# Every program over the shared bad-input corpus (tests/badinput/).
badinput: all
	@sh tests/run-badinput.sh

# examples/sharded.sh across two ssh "hosts" (an sshd on 127.0.0.1 that
# the test starts and stops; skipped when it cannot start).
ssh: all
	@sh tests/run-ssh.sh

# Conservation, determinism and row-order independence over random logs.
props: all $(BUILD)/tests/props-gen
	@sh tests/run-props.sh $(BUILD)/tests/props-gen

$(BUILD)/tests/props-gen: tests/props/gen.c | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $<

# The nightly report rendered in headless Chromium (installs chromium).
browser: all
	@sh tests/deps.sh chromium poppler-utils
	@sh tests/browser/render.sh

# --help, man page and shell completion agree for every program.
manhelp: all
	@sh tests/run-manhelp.sh

# A round trip through PostgreSQL (\copy out, summarize | churn, \copy in)
# on a throwaway cluster (installs postgresql).
psql: all
	@sh tests/deps.sh postgresql
	@sh tests/psql/roundtrip.sh

manlint:
	@for m in $(MANS); do mandoc -Tlint -W warning $$m || exit 1; done; \
	echo "manlint: $(words $(MANS)) pages clean"

# Fuzzing (libFuzzer, clang): make fuzz FUZZ_SECONDS=600 runs every target
# for that long from its seed corpus; inputs that crash are written to
# tests/fuzz/regress/, which fuzz-replay (part of make check) runs with the
# sanitizers ever after.  An input the library rejects is abandoned by a
# longjmp and leaks what its call held (the programs exit there); fork
# mode restarts the fuzzing process when those leaks add up
# (-ignore_ooms), while crashes and sanitizer reports still stop it.
FUZZ_TARGETS = reader date model rules
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -g -O1 -fopenmp -Ilib \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
REPLAY_BINS = $(FUZZ_TARGETS:%=$(BUILD)/fuzz/replay-%)

$(BUILD)/fuzz/replay-%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz.h $(LIBA) | $(BUILD)/fuzz
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ tests/fuzz/fuzz_$*.c tests/fuzz/replay.c $(LIBA) $(LIBS) $(OMPLIB)

fuzz-replay: $(REPLAY_BINS)
	@pass=0; fail=0; for t in $(FUZZ_TARGETS); do \
		for f in tests/fuzz/corpus/$$t/* tests/fuzz/regress/$$t-*; do \
			[ -f "$$f" ] || continue; \
			if ASAN_OPTIONS=detect_leaks=0 $(BUILD)/fuzz/replay-$$t "$$f" 2>/dev/null; then pass=$$((pass + 1)); \
			else echo "FAIL fuzz $$t $$f"; fail=$$((fail + 1)); fi; \
		done; \
	done; echo "fuzz-replay: $$pass passed, $$fail failed"; [ $$fail -eq 0 ]

fuzz:
	@mkdir -p build/fuzz/obj tests/fuzz/regress
	@for f in $(LIBSRC); do o=build/fuzz/obj/$$(basename $$f .c).o; \
		[ $$o -nt $$f ] || clang $(FUZZ_CFLAGS) -c $$f -o $$o || exit 1; done
	@for t in $(FUZZ_TARGETS); do \
		clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o build/fuzz/fuzz-$$t tests/fuzz/fuzz_$$t.c \
			build/fuzz/obj/*.o $(LIBS) || exit 1; \
		mkdir -p build/fuzz/corpus-$$t; \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
		ASAN_OPTIONS=detect_leaks=0 build/fuzz/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) -detect_leaks=0 -max_len=65536 -rss_limit_mb=2048 -fork=1 -ignore_ooms=1 \
			-close_fd_mask=1 -artifact_prefix=tests/fuzz/regress/$$t- -print_final_stats=1 \
			build/fuzz/corpus-$$t tests/fuzz/corpus/$$t > build/fuzz/log-$$t 2>&1; rc=$$?; \
		grep -E 'stat::number_of_executed_units|stat::new_units_added|ERROR|SUMMARY' build/fuzz/log-$$t; \
		[ $$rc -eq 0 ] || { echo "fuzz: $$t found a crash (see build/fuzz/log-$$t)"; exit 1; }; \
	done

deps:
	@sh tests/deps.sh $(DEB_PKGS)

demo:
	@$(MAKE) -s --no-print-directory deps
	@echo "demo: building siklus (make all) ..."
	@$(MAKE) -s --no-print-directory all >/dev/null
	@sh examples/demo.sh

bench: all
	@sh bench/run.sh

# Decisions judged on the real data sets of ../shared/data (DATA=DIR for
# another copy): one table of AUC, calibration, holdout error, win-back
# and clv rank correlation; skipped when the data is absent.
accuracy: all $(BUILD)/bench/acceval
	@ACCEVAL=$(BUILD)/bench/acceval sh bench/accuracy.sh

# The same targets at other splits of the real data (bench/crosscut.sh).
crosscut: all $(BUILD)/bench/acceval
	@ACCEVAL=$(BUILD)/bench/acceval sh bench/crosscut.sh

$(BUILD)/bench/acceval: bench/acceval.c $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIBA) $(LIBS) $(OMPLIB)

# Resource bounds (a 100 MB field, 10M customers, a 1 GB log): minutes and
# GBs of disk, so not part of check; KEEP=1 keeps the generated files.
bounds: all
	@sh bench/bounds.sh

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7
	for p in $(PROGS); do install -m 755 bin/$$p $(DESTDIR)$(BINDIR)/$(PROGRAM_PREFIX)$$p; done
	for p in $(PROGS); do [ -f man/$$p.1 ] || continue; install -m 644 man/$$p.1 $(DESTDIR)$(MANDIR)/man1/$(PROGRAM_PREFIX)$$p.1; done
	install -m 644 man/siklus.7 $(DESTDIR)$(MANDIR)/man7/siklus.7
	mkdir -p $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	for p in $(PROGS); do install -m 644 completion/siklus.bash $(DESTDIR)$(BASHCOMPDIR)/$(PROGRAM_PREFIX)$$p; done
	install -m 644 completion/_siklus $(DESTDIR)$(ZSHCOMPDIR)/_siklus

uninstall:
	for p in $(PROGS); do rm -f $(DESTDIR)$(BINDIR)/$(PROGRAM_PREFIX)$$p $(DESTDIR)$(MANDIR)/man1/$(PROGRAM_PREFIX)$$p.1; done
	rm -f $(DESTDIR)$(MANDIR)/man7/siklus.7
	for p in $(PROGS); do rm -f $(DESTDIR)$(BASHCOMPDIR)/$(PROGRAM_PREFIX)$$p; done
	rm -f $(DESTDIR)$(ZSHCOMPDIR)/_siklus

clean:
	rm -rf build bin
.SECONDARY: $(LIBOBJ) $(PROGS:%=$(BUILD)/cmd/%.o)
