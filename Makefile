# supportgw - email-driven support gateway.
#
#   make            build ./supportgw
#   make check      install what is missing, build, run every test
#   make asan       the same tests under AddressSanitizer + UBSan
#   make valgrind   parse and import the fixtures under valgrind
#   make bench      generate a corpus and measure import/deliver/parse
#   make demo       import sample mail into a fresh store and show the cases
#   make install    PREFIX=/usr/local DESTDIR=
#   make lint       grep the banned-function list
#   make fuzz       build libFuzzer targets (clang)

VERSION  := 0.1.0
PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    ?= build
CC       ?= cc

# libetpan is linked from its static archive: the parser uses only its
# RFC 5322/MIME/charset objects, which need none of the shared library's
# dependencies (GnuTLS, SASL, Berkeley DB).  Loading those cost `deliver`,
# one process per message, about 2 ms of its start-up.  SHA-256 comes from
# nettle (GnuTLS's own crypto library, no further dependency).
# libxml2 is only compiled against: parsers/html2text.c loads it with
# dlopen() on the first HTML body (it pulls ICU and libstdc++ in, another
# 2 ms that most messages never need).
#
# The network commands (fetch, run, accounts) live in a second program,
# supportgw-net, the way git keeps libcurl out of git in git-remote-https:
# IMAP over TLS needs libetpan's shared library with GnuTLS and SASL, whose
# loading and constructors cost 6 ms per process start (measured: 500 runs
# of an empty program, 0.6 ms without them, 6.7 ms with).  `supportgw
# fetch ...` execs supportgw-net, found beside the supportgw binary or in
# $(LIBEXECDIR); `deliver`, run once per message by the MTA, never loads it.
PKGS     := libpcre2-8 sqlite3 inih jansson nettle
PKG_CFLAGS := $(shell pkg-config --cflags libetpan libxml-2.0 gnutls $(PKGS) 2>/dev/null)
PKG_LIBS   := -Wl,-Bstatic -letpan -Wl,-Bdynamic $(shell pkg-config --libs $(PKGS) 2>/dev/null)
NET_LIBS   := $(shell pkg-config --libs libetpan gnutls libcurl $(PKGS) 2>/dev/null)
LIBEXECDIR ?= $(PREFIX)/libexec/supportgw
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
OPT      ?= -O2 -g
CFLAGS   ?=
CPPFLAGS_ALL := -Iinclude -DSUPPORTGW_VERSION='"$(VERSION)"' -DSUPPORTGW_LIBEXECDIR='"$(LIBEXECDIR)"' -DSUPPORTGW_DATADIR='"$(PREFIX)/share/supportgw"' -D_GNU_SOURCE $(PKG_CFLAGS)
CFLAGS_ALL   := -std=c11 $(OPT) $(WARN) $(CFLAGS)
LDLIBS_ALL   := $(PKG_LIBS) -lm

# The network side: only supportgw-net (and the tests of these) link it.
NET_SRCS := gateway/imap.c gateway/fetch.c gateway/daemon.c gateway/smtp.c \
	gateway/outbox.c gateway/cmd_outbox_flush.c \
	gateway/cmd_fetch.c gateway/cmd_accounts.c
NET_OBJS := $(NET_SRCS:%.c=$(BUILD)/%.o)
LIB_SRCS := $(wildcard lib/*.c) $(wildcard parsers/*.c) \
	$(filter-out gateway/main.c $(NET_SRCS),$(wildcard gateway/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRCS := $(wildcard fuzz/fuzz_*.c)
FUZZ_REPLAY := $(FUZZ_SRCS:fuzz/%.c=$(BUILD)/fuzz/%_replay)

.PHONY: all deps deps-test deps-demo check test asan valgrind bench demo install uninstall clean lint fuzz realmail

all: deps $(BUILD)/supportgw supportgw $(BUILD)/supportgw-net supportgw-net

deps:
	@sh scripts/install-deps.sh build
deps-test:
	@sh scripts/install-deps.sh test
deps-demo:
	@sh scripts/install-deps.sh demo

supportgw: $(BUILD)/supportgw
	@cp $< $@
supportgw-net: $(BUILD)/supportgw-net
	@cp $< $@

$(BUILD)/supportgw: $(BUILD)/gateway/main.o $(BUILD)/libsupportgw.a
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDFLAGS) $(LDLIBS_ALL)

$(BUILD)/supportgw-net: $(BUILD)/gateway/main-net.o $(BUILD)/libsupportgw-net.a $(BUILD)/libsupportgw.a
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDFLAGS) $(NET_LIBS) -lm

$(BUILD)/gateway/main-net.o: gateway/main.c $(wildcard include/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) -DSUPPORTGW_NET $(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/libsupportgw-net.a: $(NET_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libsupportgw.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c $(wildcard include/*.h) $(wildcard gateway/*.h parsers/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libsupportgw.a $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) -Itests/unit $(CFLAGS_ALL) -o $@ $< $(BUILD)/libsupportgw.a $(LDFLAGS) $(LDLIBS_ALL) $(CMOCKA_LIBS)

# Unit tests of the network side (tests/unit/test_net_*.c) link it too.
$(BUILD)/tests/test_net_%: tests/unit/test_net_%.c $(BUILD)/libsupportgw-net.a $(BUILD)/libsupportgw.a $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) -Itests/unit $(CFLAGS_ALL) -o $@ $< $(BUILD)/libsupportgw-net.a $(BUILD)/libsupportgw.a $(LDFLAGS) $(NET_LIBS) -lm $(CMOCKA_LIBS)

# Fuzz targets built with the ordinary compiler and a replay main, so that
# `make check` replays their seed corpora without needing clang.
$(BUILD)/fuzz/%_replay: fuzz/%.c fuzz/replay_main.c $(BUILD)/libsupportgw.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -o $@ $< fuzz/replay_main.c $(BUILD)/libsupportgw.a $(LDFLAGS) $(LDLIBS_ALL)

check: deps-test
	@$(MAKE) --no-print-directory supportgw supportgw-net test

# The tests use $(BUILD)'s binaries; the copies in the checkout stay the
# optimised ones (`make asan` must not leave sanitizer builds there).
test: $(BUILD)/supportgw $(BUILD)/supportgw-net $(UNIT_BINS) $(FUZZ_REPLAY)
	@sh tests/run.sh $(BUILD)

asan: deps-test
	@$(MAKE) --no-print-directory BUILD=build-asan \
		OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		LDFLAGS="-fsanitize=address,undefined" test

valgrind: deps-test $(BUILD)/supportgw
	@sh tests/valgrind.sh $(BUILD)/supportgw

bench: deps-test $(BUILD)/supportgw $(BUILD)/supportgw-net
	@sh bench/run.sh $(BUILD)/supportgw

demo: deps-demo $(BUILD)/supportgw $(BUILD)/supportgw-net
	@sh scripts/demo.sh $(BUILD)/supportgw

realmail: $(BUILD)/supportgw
	@sh tests/realmail.sh $(BUILD)/supportgw ../shared/realmail

lint:
	@sh scripts/lint.sh

# The targets exercise the parsers of untrusted input: lib/ and parsers/.
FUZZ_CC ?= clang
FUZZ_LIB_SRCS := $(wildcard lib/*.c) $(wildcard parsers/*.c)
fuzz: $(FUZZ_LIB_SRCS) $(FUZZ_SRCS)
	@mkdir -p $(BUILD)/fuzz-clang
	for f in $(FUZZ_SRCS); do \
		$(FUZZ_CC) $(CPPFLAGS_ALL) -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
			-o $(BUILD)/fuzz-clang/$$(basename $$f .c) $$f $(FUZZ_LIB_SRCS) $(LDLIBS_ALL) || exit 1; \
	done
	@echo "run e.g.: $(BUILD)/fuzz-clang/fuzz_message -max_total_time=600 fuzz/corpus/message"

install: $(BUILD)/supportgw $(BUILD)/supportgw-net
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/supportgw/templates \
		$(DESTDIR)$(PREFIX)/share/doc/supportgw
	install -d $(DESTDIR)$(LIBEXECDIR)
	install -m 755 $(BUILD)/supportgw $(DESTDIR)$(PREFIX)/bin/supportgw
	install -m 755 $(BUILD)/supportgw-net $(DESTDIR)$(LIBEXECDIR)/supportgw-net
	install -m 644 config/supportgw.ini $(DESTDIR)$(PREFIX)/share/doc/supportgw/supportgw.ini.example
	install -m 644 config/supportgw.service $(DESTDIR)$(PREFIX)/share/doc/supportgw/supportgw.service
	cp -R templates/. $(DESTDIR)$(PREFIX)/share/supportgw/templates/
	install -m 644 README.md $(DESTDIR)$(PREFIX)/share/doc/supportgw/README.md

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/supportgw
	rm -rf $(DESTDIR)$(LIBEXECDIR)
	rm -rf $(DESTDIR)$(PREFIX)/share/supportgw $(DESTDIR)$(PREFIX)/share/doc/supportgw

clean:
	rm -rf build build-asan supportgw supportgw-net bench/out tests/out
