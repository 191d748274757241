# SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE.
# lchat - build, test, install, run.
#
#   make            build the programs into build/bin/
#   make check      unit and end-to-end tests, then the same under ASan+UBSan
#   make torture    the long hardening suite: attacks, faults, fuzzing, soak
#   make run        start lchatd in the foreground with sockets under ./run/
#   make bench      lchat against redis pub/sub and ngircd (docs/performance.md)
#   make install    PREFIX=/usr/local DESTDIR= (binaries, config, man pages, unit)
#   make deb        the Debian package lchat_VERSION_ARCH.deb (debian/)
#   make package-check  build, install, exercise and purge the package (root)

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system

CC      ?= cc
PKGS     = libconfuse
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lconfuse)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt -lpthread)

# snprintf truncating an over-long error message is intended, not a bug.
WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-format-truncation
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) -D_GNU_SOURCE -Icommon $(PKG_CFLAGS) -MMD -MP
LDLIBS   = $(PKG_LIBS) -lpthread
# The daemon alone sends through io_uring and loads seccomp filters.
DAEMON_LIBS = -luring -lseccomp
# Full RELRO: every symbol is bound at start, in the daemon, before it forks.
# Lazy binding made each handler write its own copy of lchatd's GOT page
# and run the resolver on a deeper stack (8 KiB per user; docs/performance.md).
LINK_FLAGS = -Wl,-z,relro,-z,now

# The sanitizer build lives beside the normal one and is built by make check.
SAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

B ?= build

COMMON_SRC = $(sort $(wildcard common/*.c))
DAEMON_SRC = $(sort $(wildcard daemon/*.c))
CLIENT_SRC = $(sort $(wildcard client/*.c))
ADMIN_SRC  = $(sort $(wildcard admin/*.c))
UNIT_SRC   = $(sort $(wildcard tests/unit/check_*.c))
E2E_SRC    = $(sort $(wildcard tests/e2e/test_*.c))
E2E_LIB    = $(filter-out $(E2E_SRC),$(sort $(wildcard tests/e2e/*.c)))
TORTURE_SRC = $(sort $(wildcard tests/torture/torture_*.c))

COMMON_OBJ = $(COMMON_SRC:%.c=$(B)/obj/%.o)
DAEMON_OBJ = $(DAEMON_SRC:%.c=$(B)/obj/%.o)
CLIENT_OBJ = $(CLIENT_SRC:%.c=$(B)/obj/%.o)
ADMIN_OBJ  = $(ADMIN_SRC:%.c=$(B)/obj/%.o)
E2E_LIBOBJ = $(E2E_LIB:%.c=$(B)/obj/%.o)
UNIT_BIN   = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
E2E_BIN    = $(E2E_SRC:tests/e2e/%.c=$(B)/tests/%)
TORTURE_BIN = $(TORTURE_SRC:tests/torture/%.c=$(B)/tests/%)
# LD_PRELOAD shims that end-to-end tests give lchatd.
E2E_PRELOAD = $(patsubst tests/e2e/preload/%.c,$(B)/tests/%.so,$(wildcard tests/e2e/preload/*.c))

PROGRAMS   = $(B)/bin/lchatd $(if $(CLIENT_SRC),$(B)/bin/lchat) $(if $(ADMIN_SRC),$(B)/bin/lchat-admin)

# The client's line editor (GNU readline, for its callback interface), and
# libunistring for the Unicode line-breaking rules (wrap.c; Debian's
# libunistring-dev has no pkg-config file).
CLIENT_LIBS := $(shell pkg-config --libs readline 2>/dev/null || echo -lreadline) -lunistring

.PHONY: bench wake-bench textcheck-micro fuzz torture torture-tests torture-fuzz
.PHONY: check-valgrind check-valgrind-daemon deb package-check
.PHONY: all check check-unit check-e2e check-asan run install uninstall clean deps deps-check tests
all: $(PROGRAMS)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/bin/lchatd: $(DAEMON_OBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LINK_FLAGS) $(LDFLAGS) -o $@ $^ $(DAEMON_LIBS) $(LDLIBS)

$(B)/bin/lchat: $(CLIENT_OBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LINK_FLAGS) $(LDFLAGS) -o $@ $^ $(CLIENT_LIBS) $(LDLIBS)

$(B)/bin/lchat-admin: $(ADMIN_OBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LINK_FLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Unit tests link the shared code and one program's modules except its main:
# check_client_*.c the client's, check_admin_*.c the admin tool's, the rest
# the daemon's.
DAEMON_LIBOBJ = $(filter-out $(B)/obj/daemon/main.o,$(DAEMON_OBJ))
CLIENT_LIBOBJ = $(filter-out $(B)/obj/client/main.o,$(CLIENT_OBJ))
ADMIN_LIBOBJ  = $(filter-out $(B)/obj/admin/main.o,$(ADMIN_OBJ))
$(B)/tests/check_client_%: $(B)/obj/tests/unit/check_client_%.o $(CLIENT_LIBOBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LINK_FLAGS) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(CLIENT_LIBS) $(LDLIBS)

$(B)/tests/check_admin_%: $(B)/obj/tests/unit/check_admin_%.o $(ADMIN_LIBOBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LINK_FLAGS) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

$(B)/tests/check_%: $(B)/obj/tests/unit/check_%.o $(DAEMON_LIBOBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LINK_FLAGS) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(DAEMON_LIBS) $(LDLIBS)

$(B)/tests/test_%: $(B)/obj/tests/e2e/test_%.o $(E2E_LIBOBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LINK_FLAGS) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

# The long hardening programs link like the end-to-end ones.
$(B)/tests/torture_%: $(B)/obj/tests/torture/torture_%.o $(E2E_LIBOBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LINK_FLAGS) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

$(B)/obj/tests/%.o: ALL_CFLAGS += $(CHECK_CFLAGS) -Itests/e2e -Idaemon -Iclient -Iadmin
$(B)/obj/daemon/%.o: ALL_CFLAGS += -Idaemon
$(B)/obj/client/%.o: ALL_CFLAGS += -Iclient
$(B)/obj/admin/%.o:  ALL_CFLAGS += -Iadmin

tests: $(PROGRAMS) $(UNIT_BIN) $(E2E_BIN) $(E2E_PRELOAD)

# Each test program prints Check's summary; tests/run-tests runs them all,
# says which failed, and ends with "checks: N passed, N failed".
export LCHAT_RESULTS
check-unit: $(UNIT_BIN)
	@tests/run-tests $(UNIT_BIN)

# LD_PRELOAD shims (E2E_PRELOAD) are never sanitized: the tests tell ASan
# not to insist on coming first.
$(B)/tests/%.so: tests/e2e/preload/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN) -O2 -fPIC -shared -o $@ $<

check-e2e: $(PROGRAMS) $(E2E_BIN) $(E2E_PRELOAD)
	@LCHAT_BIN=$(abspath $(B)/bin) tests/run-tests $(E2E_BIN)

check-asan:
	$(MAKE) B=build/asan CFLAGS="$(SAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" check-unit check-e2e

# make check: every test twice, plain and under ASan+UBSan; the last line
# adds up every check that ran.
check: deps-check
	@rm -f build/results
	$(MAKE) LCHAT_RESULTS=$(abspath build/results) check-unit check-e2e
	$(MAKE) LCHAT_RESULTS=$(abspath build/results) check-asan
	@tests/summarize build/results

# Unit tests under valgrind (memcheck, leaks), one process per program.
# Not part of make check (slow).
check-valgrind: $(UNIT_BIN)
	@for t in $(UNIT_BIN); do \
		echo "=== valgrind $$t"; \
		CK_FORK=no valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
			--error-exitcode=99 $$t > /dev/null || exit 1; \
	done; echo "valgrind: all unit test programs clean"

# Every process of lchatd under valgrind through a session
# (tests/valgrind-daemon), in a build of its own that loads no seccomp
# filter (valgrind cannot run one). Not part of make check either.
check-valgrind-daemon:
	$(MAKE) B=build/valgrind CFLAGS="-O1 -g -DLCHAT_VALGRIND" all
	tests/valgrind-daemon build/valgrind/bin

deps-check:
	@scripts/install-deps --check

deps:
	scripts/install-deps

# make run: a private room under ./run/, no root needed.
RUN_DIR = $(CURDIR)/run
run: deps-check
	@$(MAKE) --no-print-directory all
	@scripts/make-run-config "$(RUN_DIR)" > "$(RUN_DIR).conf.tmp" && mkdir -p "$(RUN_DIR)" && chmod go-w "$(RUN_DIR)" && mv "$(RUN_DIR).conf.tmp" "$(RUN_DIR)/lchat.conf"
	@echo "lchatd: room at $(RUN_DIR)/lchat.sock, control at $(RUN_DIR)/control.sock"
	@echo "lchatd: chat with:  $(B)/bin/lchat -s $(RUN_DIR)/lchat.sock   (Ctrl-C here stops the daemon)"
	@echo "lchatd: IRC (irssi: /connect $(RUN_DIR)/irc.sock; weechat: scripts/weechat-lchat $(RUN_DIR)/irc.sock) on $(RUN_DIR)/irc.sock"
	@echo "lchatd: administer with:  $(B)/bin/lchat-admin -s $(RUN_DIR)/control.sock status"
	$(B)/bin/lchatd -f -c "$(RUN_DIR)/lchat.conf"

# Benchmarks print figures; they are not tests and not part of make check.
$(B)/bin/wake-bench: bench/wake-bench.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN) -O2 -g -D_GNU_SOURCE -o $@ $<

$(B)/bin/lchat-bench: bench/lchat-bench.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN) -O2 -g -D_GNU_SOURCE -o $@ $<

wake-bench: $(B)/bin/wake-bench
	$(B)/bin/wake-bench 100 20000

# The handler's per-line text work (bench/textcheck-micro.c), against this
# tree's daemon and common objects.
$(B)/bin/textcheck-micro: bench/textcheck-micro.c $(filter-out $(B)/obj/daemon/main.o,$(DAEMON_OBJ)) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Icommon -Idaemon $(LINK_FLAGS) $(LDFLAGS) -o $@ $^ $(DAEMON_LIBS) $(LDLIBS)

textcheck-micro: $(B)/bin/textcheck-micro
	$(B)/bin/textcheck-micro

# make bench: lchat against redis pub/sub and ngircd (bench/run-bench);
# BENCH_QUICK=1 for fewer points. Installs redis-server and ngircd if missing.
bench: $(PROGRAMS) $(B)/bin/lchat-bench
	@scripts/install-deps --check --bench
	bench/run-bench

# Fuzzing: each tests/fuzz/fuzz_NAME.c is a libFuzzer target linked with
# the shared code, run from its seed corpus tests/fuzz/corpus/NAME under
# ASan+UBSan. make fuzz runs every target for FUZZ_SECONDS (default 60).
# Needs clang and its runtime (Debian: clang, libclang-rt-14-dev).
FUZZ_SECONDS ?= 60
FUZZ_SRC   = $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN   = $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_FLAGS = -std=gnu11 -g -O1 -D_GNU_SOURCE -Icommon $(PKG_CFLAGS) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(COMMON_SRC)
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -o $@ $^ $(PKG_LIBS) -lpthread

fuzz: $(FUZZ_BIN)
	@set -e; for f in $(FUZZ_BIN); do \
		n=$${f#build/fuzz/fuzz_}; mkdir -p build/fuzz/corpus-$$n; \
		echo "=== fuzz $$n for $(FUZZ_SECONDS) s (log: build/fuzz/$$n.log)"; \
		if ! $$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1 \
			build/fuzz/corpus-$$n tests/fuzz/corpus/$$n > build/fuzz/$$n.log 2>&1; then \
			tail -n 80 build/fuzz/$$n.log; echo "fuzz $$n: FAILED"; exit 1; \
		fi; \
		grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' build/fuzz/$$n.log; \
	done

# make torture: the long part of the hardening suite (docs/hardening.md):
# the torture_* programs plainly and under ASan+UBSan, then every fuzz
# target for TORTURE_FUZZ_SECONDS each. make check runs the fast part.
TORTURE_FUZZ_SECONDS ?= 60
torture-tests: $(PROGRAMS) $(TORTURE_BIN)
	@LCHAT_BIN=$(abspath $(B)/bin) tests/run-tests $(TORTURE_BIN)

torture-fuzz:
	@scripts/install-deps --check --fuzz
	$(MAKE) FUZZ_SECONDS=$(TORTURE_FUZZ_SECONDS) fuzz

torture: deps-check
	@rm -f build/torture-results
	$(MAKE) LCHAT_RESULTS=$(abspath build/torture-results) torture-tests
	$(MAKE) B=build/asan CFLAGS="$(SAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" \
		LCHAT_RESULTS=$(abspath build/torture-results) torture-tests
	$(MAKE) torture-fuzz
	@tests/summarize build/torture-results

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR) $(DESTDIR)$(UNITDIR)
	install -m 0755 $(B)/bin/lchatd $(DESTDIR)$(SBINDIR)/lchatd
	install -m 0755 $(B)/bin/lchat $(DESTDIR)$(BINDIR)/lchat
	install -m 0755 $(B)/bin/lchat-admin $(DESTDIR)$(BINDIR)/lchat-admin
	install -m 0644 docs/lchat.1 $(DESTDIR)$(MANDIR)/man1/lchat.1
	install -m 0644 docs/lchat.conf.5 $(DESTDIR)$(MANDIR)/man5/lchat.conf.5
	install -m 0644 docs/lchatd.8 docs/lchat-admin.8 $(DESTDIR)$(MANDIR)/man8/
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g' conf/lchatd.service > $(DESTDIR)$(UNITDIR)/lchatd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/lchatd.service
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/lchat.conf ]; then \
		echo "keeping existing $(DESTDIR)$(SYSCONFDIR)/lchat.conf"; \
	else install -m 0644 conf/lchat.conf $(DESTDIR)$(SYSCONFDIR)/lchat.conf; fi

# make deb: dpkg-buildpackage from debian/ (debian/rules calls make install
# with PREFIX=/usr) in a copy of the tree under build/deb/, so that nothing
# is written beside the work tree; the .deb is copied here. Needs debhelper
# and the Build-Depends of debian/control.
deb:
	rm -rf build/deb && mkdir -p build/deb/lchat
	tar --exclude=./build --exclude=./.git --exclude=./run --exclude='./*.deb' -cf - . | tar -xf - -C build/deb/lchat
	cd build/deb/lchat && dpkg-buildpackage -us -uc -b
	rm -f lchat_*.deb && cp build/deb/lchat_*.deb .

# make package-check: scripts/ci-package (root; CI runs it).
package-check:
	scripts/ci-package

# The configuration is left in place: it may hold the administrator's edits.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/lchatd $(DESTDIR)$(BINDIR)/lchat $(DESTDIR)$(BINDIR)/lchat-admin \
	      $(DESTDIR)$(MANDIR)/man1/lchat.1 $(DESTDIR)$(MANDIR)/man5/lchat.conf.5 \
	      $(DESTDIR)$(MANDIR)/man8/lchatd.8 $(DESTDIR)$(MANDIR)/man8/lchat-admin.8 \
	      $(DESTDIR)$(UNITDIR)/lchatd.service

clean:
	rm -rf build run

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
