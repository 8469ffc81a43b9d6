# Verdict — build, test, run.  See README.md.
#
#   make            library (build/libverdict.a, .so) and CLI (build/verdict)
#   make deps       install the Debian packages the build and tests need
#   make test       deps + build + unit tests (plain and ASan/UBSan) + conformance
#   make run        deps + build + evaluate the example policy
#   make bench      benchmarks on ../shared/bench

CC      ?= cc
BUILD   ?= build
SHARED  ?= ../shared

WARN    := -std=c11 -Wall -Wextra -Werror -Wno-unused-parameter
DEFS    := -D_GNU_SOURCE
OPT     ?= -O2 -g
CFLAGS  += $(WARN) $(DEFS) $(OPT) -fPIC -Iinclude -I.
LIBS    := -lmpfr -lgmp -lxxhash -lyaml -lm -lpthread
TESTLIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lrt -lm)

SONAME  := libverdict.so.0
LIB_SRC := $(wildcard rego/*.c engine/*.c engine/builtins/*.c)
CLI_SRC := $(wildcard cli/*.c)
UNIT_SRC := $(wildcard tests/unit/*.c)
CONF_SRC := $(wildcard tests/conformance/*.c)

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/obj/%.o)
CONF_OBJ := $(CONF_SRC:%.c=$(BUILD)/obj/%.o)

ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
ASAN_LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/asan/%.o)
ASAN_UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/asan/%.o)
ASAN_CONF_OBJ := $(CONF_SRC:%.c=$(BUILD)/asan/%.o)

DEBIAN_PKGS := build-essential pkg-config clang libclang-rt-14-dev check libsubunit-dev \
	libxxhash-dev libgmp-dev libmpfr-dev libyaml-dev libjansson-dev libarchive-dev \
	libssl-dev libwebsockets-dev libcurl4-openssl-dev libre2-dev hyperfine

.PHONY: all deps test run bench clean unit unit-asan conformance conformance-asan

all: $(BUILD)/libverdict.a $(BUILD)/libverdict.so $(BUILD)/verdict

# Installs only what is missing, so a second run is quiet and fast.
deps:
	@missing=""; for p in $(DEBIAN_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	fi

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(ASAN_FLAGS) -O1 -MMD -MP -c $< -o $@

$(BUILD)/libverdict.a: $(LIB_OBJ)
	@mkdir -p $(BUILD)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/libverdict.so: $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,$(SONAME) -o $@ $^ $(LIBS)

$(BUILD)/verdict: $(CLI_OBJ) $(BUILD)/libverdict.a
	$(CC) -o $@ $(CLI_OBJ) $(BUILD)/libverdict.a $(LIBS)

# Unit tests: every tests/unit/*.c may define `Suite *suite_<name>(void)`;
# the list of suites is generated so adding a file is enough.
$(BUILD)/gen/suites.h: $(UNIT_SRC)
	@mkdir -p $(dir $@)
	@grep -ho 'Suite \*suite_[a-z0-9_]*(void)' $(UNIT_SRC) | sed 's/Suite \*\(suite_[a-z0-9_]*\)(void)/X(\1)/' | sort -u > $@.tmp
	@cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp

$(BUILD)/obj/tests/unit/main.o $(BUILD)/asan/tests/unit/main.o: $(BUILD)/gen/suites.h
$(BUILD)/obj/tests/unit/main.o $(BUILD)/asan/tests/unit/main.o: CFLAGS += -I$(BUILD)/gen

$(BUILD)/unit_tests: $(UNIT_OBJ) $(BUILD)/libverdict.a
	$(CC) -o $@ $(UNIT_OBJ) $(BUILD)/libverdict.a $(LIBS) $(TESTLIBS)

$(BUILD)/unit_tests_asan: $(ASAN_UNIT_OBJ) $(ASAN_LIB_OBJ)
	$(CC) $(ASAN_FLAGS) -o $@ $^ $(LIBS) $(TESTLIBS)

$(BUILD)/conformance: $(CONF_OBJ) $(BUILD)/libverdict.a
	$(CC) -o $@ $(CONF_OBJ) $(BUILD)/libverdict.a $(LIBS)

$(BUILD)/conformance_asan: $(ASAN_CONF_OBJ) $(ASAN_LIB_OBJ)
	$(CC) $(ASAN_FLAGS) -o $@ $^ $(LIBS)

unit: $(BUILD)/unit_tests
	CK_FORK=no $(BUILD)/unit_tests

unit-asan: $(BUILD)/unit_tests_asan
	CK_FORK=no ASAN_OPTIONS=detect_leaks=1 $(BUILD)/unit_tests_asan

test: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) unit-asan

run: deps
	$(MAKE) all
	$(BUILD)/verdict eval --format pretty -d examples/rbac -i examples/rbac/input.json data.rbac.allow

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
