# Verdict — build, test, run.  See README.md.
#
#   make            library (build/libverdict.a, .so) and CLI (build/verdict)
#   make deps       install the Debian packages the build and tests need
#   make test       deps + build + unit tests (plain and ASan/UBSan) + conformance
#   make run        deps + build + serve the example policy on 127.0.0.1:8181
#   make bench      benchmarks on ../shared/bench
#   make bench-server  wrk against the decision server (rbac scenario)
#   make fuzz-smoke    the fuzz harnesses, deterministically (part of make test)
#   make fuzz          libFuzzer runs of the harnesses (tests/fuzz/README.md)

MAKEFLAGS += --no-print-directory   # so that `make test` ends with the test summary

CC      ?= cc
BUILD   ?= build
SHARED  ?= ../shared

WARN    := -std=c11 -Wall -Wextra -Werror -Wno-unused-parameter
DEFS    := -D_GNU_SOURCE
OPT     ?= -O2 -g
CFLAGS  += $(WARN) $(DEFS) $(OPT) -fPIC -Iinclude -I.
CXX     ?= c++
CXXFLAGS += -std=c++17 -Wall -Wextra -Werror -Wno-unused-parameter $(OPT) -fPIC -Iinclude -I.
LIBS    := -larchive -lre2 -lcrypto -lmpfr -lgmp -lxxhash -lyaml -lstdc++ -lm -lpthread
TESTLIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lrt -lm)

SONAME  := libverdict.so.0
LIB_SRC := $(wildcard rego/*.c engine/*.c engine/builtins/*.c bundle/*.c)
LIB_CXX := $(wildcard engine/builtins/*.cc)   # small C++ shims (RE2)
CLI_SRC := $(wildcard cli/*.c)
SERVER_SRC := $(wildcard server/*.c)   # verdict run --server (linked into the CLI only)
UNIT_SRC := $(wildcard tests/unit/*.c)
CONF_SRC := $(wildcard tests/conformance/*.c)

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(LIB_CXX:%.cc=$(BUILD)/obj/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
SERVER_OBJ := $(SERVER_SRC:%.c=$(BUILD)/obj/%.o)
SERVER_LIBS := -lwebsockets -lz
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/obj/%.o)
CONF_OBJ := $(CONF_SRC:%.c=$(BUILD)/obj/%.o)

ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
ASAN_LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/asan/%.o) $(LIB_CXX:%.cc=$(BUILD)/asan/%.o)
ASAN_UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/asan/%.o)
ASAN_CONF_OBJ := $(CONF_SRC:%.c=$(BUILD)/asan/%.o)

# ThreadSanitizer build of the library and unit tests; `make unit-tsan` runs the
# suites that share an engine between threads.
TSAN_FLAGS := -fsanitize=thread -fno-omit-frame-pointer
TSAN_LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/tsan/%.o) $(LIB_CXX:%.cc=$(BUILD)/tsan/%.o)
TSAN_UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/tsan/%.o)

DEBIAN_PKGS := build-essential pkg-config clang libclang-rt-14-dev check libsubunit-dev \
	libxxhash-dev libgmp-dev libmpfr-dev libyaml-dev libjansson-dev libarchive-dev \
	libssl-dev libwebsockets-dev libcurl4-openssl-dev libre2-dev hyperfine python3 time bc tzdata \
	zlib1g-dev curl wrk nodejs openssl

.PHONY: all deps test run bench clean unit unit-asan unit-tsan conformance conformance-asan install embed-test \
	server-test bench-server fuzz-smoke fuzz

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

$(BUILD)/tsan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(TSAN_FLAGS) -O1 -MMD -MP -c $< -o $@

$(BUILD)/tsan/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(TSAN_FLAGS) -O1 -MMD -MP -c $< -o $@

$(BUILD)/obj/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/asan/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(ASAN_FLAGS) -O1 -MMD -MP -c $< -o $@

$(BUILD)/libverdict.a: $(LIB_OBJ)
	@mkdir -p $(BUILD)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/libverdict.so: $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,$(SONAME) -o $@ $^ $(LIBS)

$(BUILD)/verdict: $(CLI_OBJ) $(SERVER_OBJ) $(BUILD)/libverdict.a
	$(CC) -o $@ $(CLI_OBJ) $(SERVER_OBJ) $(BUILD)/libverdict.a $(LIBS) $(SERVER_LIBS)

# Unit tests: every tests/unit/*.c may define `Suite *suite_<name>(void)`;
# the list of suites is generated so adding a file is enough.
$(BUILD)/gen/suites.h: $(UNIT_SRC)
	@mkdir -p $(dir $@)
	@grep -ho 'Suite \*suite_[a-z0-9_]*(void)' $(UNIT_SRC) | sed 's/Suite \*\(suite_[a-z0-9_]*\)(void)/X(\1)/' | sort -u > $@.tmp
	@cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp

UNIT_MAIN_OBJ := $(BUILD)/obj/tests/unit/main.o $(BUILD)/asan/tests/unit/main.o $(BUILD)/tsan/tests/unit/main.o
$(UNIT_MAIN_OBJ): $(BUILD)/gen/suites.h
$(UNIT_MAIN_OBJ): CFLAGS += -I$(BUILD)/gen

$(BUILD)/unit_tests: $(UNIT_OBJ) $(BUILD)/libverdict.a
	$(CC) -o $@ $(UNIT_OBJ) $(BUILD)/libverdict.a $(LIBS) $(TESTLIBS)

$(BUILD)/unit_tests_asan: $(ASAN_UNIT_OBJ) $(ASAN_LIB_OBJ)
	$(CC) $(ASAN_FLAGS) -o $@ $^ $(LIBS) $(TESTLIBS)

$(BUILD)/unit_tests_tsan: $(TSAN_UNIT_OBJ) $(TSAN_LIB_OBJ)
	$(CC) $(TSAN_FLAGS) -o $@ $^ $(LIBS) $(TESTLIBS)

$(BUILD)/conformance: $(CONF_OBJ) $(BUILD)/libverdict.a
	$(CC) -o $@ $(CONF_OBJ) $(BUILD)/libverdict.a $(LIBS)

$(BUILD)/conformance_asan: $(ASAN_CONF_OBJ) $(ASAN_LIB_OBJ)
	$(CC) $(ASAN_FLAGS) -o $@ $^ $(LIBS)

unit: $(BUILD)/unit_tests
	CK_FORK=no $(BUILD)/unit_tests

unit-asan: $(BUILD)/unit_tests_asan
	CK_FORK=no ASAN_OPTIONS=detect_leaks=1 $(BUILD)/unit_tests_asan

# Only the suites whose tests run threads: the rest are single-threaded and
# already covered by the plain and ASan runs.
unit-tsan: $(BUILD)/unit_tests_tsan
	CK_FORK=no CK_RUN_SUITE=threads TSAN_OPTIONS=halt_on_error=1 $(BUILD)/unit_tests_tsan

test: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) unit-asan
	$(MAKE) unit-tsan
	$(MAKE) fuzz-smoke
	$(MAKE) cli-test
	$(MAKE) test-cmd-test
	$(MAKE) server-test
	$(MAKE) embed-test
	$(MAKE) conformance-asan
	$(MAKE) conformance-eval
	$(MAKE) conformance

run: deps
	$(MAKE) all
	$(BUILD)/verdict run --server --addr 127.0.0.1:8181 --log-format text \
	  examples/rbac/policy.rego examples/rbac/data.json

# Conformance: OPA's YAML cases in $(SHARED)/opa-conformance, run through the
# public API; a failure not listed in $(CONF_KNOWN) fails the target, and
# listed cases that pass are reported.  CONF_FOLDERS are the folders whose
# pass rate issue 2 counts ("listed folders: ..." in the output).
CONF_ROOT  ?= $(SHARED)/opa-conformance
CONF_KNOWN ?= tests/conformance/known_failures.txt
CONF_FLAGS ?=
CONF_FOLDERS := aggregates all any arithmetic array assignments baseandvirtualdocs bitsand \
	bitsnegate bitsor bitsshiftleft bitsshiftright bitsxor casts comparisonexpr completedoc \
	compositebasedereference compositereferences comprehensions containskeyword dataderef \
	defaultkeyword disjunction elsekeyword embeddedvirtualdoc eqexpr evaltermexpr every example \
	fix1863 functionerrors functions helloworld indexing indirectreferences inputvalues \
	intersection negation nestedreferences partialdocconstants partialiter partialobjectdoc \
	partialsetdoc refheads sets subset topdowndynamicdispatch type typebuiltin typenamebuiltin \
	undos union varreferences virtualdocs withkeyword

.PHONY: cli-test conformance-eval

conformance: $(BUILD)/conformance
	$(BUILD)/conformance --root $(CONF_ROOT) --known $(CONF_KNOWN) --folders "$(CONF_FOLDERS)" $(CONF_FLAGS)

conformance-asan: $(BUILD)/conformance_asan
	ASAN_OPTIONS=detect_leaks=1 $(BUILD)/conformance_asan --root $(CONF_ROOT) --known $(CONF_KNOWN) \
	  --timeout 30 $(CONF_FLAGS)

# The same cases driven through `verdict eval --format json`, one process each,
# against the same list of known failures.
conformance-eval: $(BUILD)/verdict $(BUILD)/conformance
	python3 tests/conformance/eval_driver.py --verdict $(BUILD)/verdict --runner $(BUILD)/conformance \
	  --root $(CONF_ROOT) --known $(CONF_KNOWN) --folders "$(CONF_FOLDERS)"

cli-test: $(BUILD)/verdict
	python3 tests/cli/run_tests.py $(BUILD)/verdict

# `verdict test`: integration tests on fixture directories; and a benchmark
# (not a test) of 1,000 generated trivial tests run in one process.
.PHONY: test-cmd-test bench-test

test-cmd-test: $(BUILD)/verdict
	python3 tests/testcmd/run_tests.py $(BUILD)/verdict

bench-test: deps
	$(MAKE) all
	tests/testcmd/bench.sh $(BUILD)/verdict

# The decision server: integration tests over loopback (curl, a bundle
# service, OPA's npm client), the API section again under ASan/UBSan with
# leak checks; and a wrk benchmark (not a test).
SERVER_ASAN_OBJ := $(CLI_SRC:%.c=$(BUILD)/asan/%.o) $(SERVER_SRC:%.c=$(BUILD)/asan/%.o)

$(BUILD)/verdict_asan: $(SERVER_ASAN_OBJ) $(ASAN_LIB_OBJ)
	$(CC) $(ASAN_FLAGS) -o $@ $^ $(LIBS) $(SERVER_LIBS)

# npm is not in DEBIAN_PKGS: NodeSource's nodejs provides it and conflicts
# with Debian's package, so it is installed only where it is missing.
server-test: $(BUILD)/verdict $(BUILD)/verdict_asan
	@command -v npm >/dev/null || { echo "make server-test: installing npm"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null; }
	python3 tests/server/run_tests.py $(BUILD)/verdict --asan $(BUILD)/verdict_asan --npm-dir $(BUILD)/server-test-npm

bench-server: deps
	$(MAKE) all
	tests/server/bench.sh $(BUILD)/verdict $(SHARED)/bench/rbac

# Benchmarks (not tests): per-decision figures, JSON reading speed and
# whole-process cost of `verdict eval` on the scenarios of ../shared/bench.
$(BUILD)/bench: benchmarks/bench.c $(BUILD)/libverdict.a
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libverdict.a $(LIBS)

$(BUILD)/json_bench: benchmarks/json_bench.c $(BUILD)/libverdict.a
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libverdict.a $(LIBS)

$(BUILD)/embed_bench: benchmarks/embed_bench.c $(BUILD)/libverdict.a
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libverdict.a $(LIBS)

$(BUILD)/bundle_bench: benchmarks/bundle_bench.c $(BUILD)/libverdict.a
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libverdict.a $(LIBS)

bench: deps
	$(MAKE) all $(BUILD)/bench $(BUILD)/json_bench $(BUILD)/embed_bench $(BUILD)/bundle_bench
	$(BUILD)/bench --dir $(SHARED)/bench
	$(BUILD)/bench --dir benchmarks/scenarios
	$(BUILD)/json_bench $(SHARED)/bench/large-data/data.json
	$(BUILD)/embed_bench $(SHARED)/bench/rbac
	$(BUILD)/bundle_bench $(SHARED)/bench/large-data
	benchmarks/process.sh $(BUILD)/verdict $(SHARED)/bench

# Fuzzing (tests/fuzz/README.md).  One harness per input surface, written
# once: fuzz-smoke links them all into a deterministic driver under
# ASan/UBSan (seeds from real files, the regression corpus, a fixed-seed
# mutation loop); `make fuzz` builds one libFuzzer binary per harness with
# clang and runs each for FUZZ_SECONDS.
FUZZ_HARNESS_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES := $(FUZZ_HARNESS_SRC:tests/fuzz/fuzz_%.c=%)
# the request harness also takes the server's JSON scanner
FUZZ_SERVER_SRC := server/json.c server/buf.c server/chunked.c
ASAN_FUZZ_OBJ := $(FUZZ_HARNESS_SRC:%.c=$(BUILD)/asan/%.o) $(BUILD)/asan/tests/fuzz/common.o \
	$(BUILD)/asan/tests/fuzz/smoke.o $(BUILD)/asan/tests/conformance/cases.o $(FUZZ_SERVER_SRC:%.c=$(BUILD)/asan/%.o)

$(BUILD)/fuzz_smoke: $(ASAN_FUZZ_OBJ) $(ASAN_LIB_OBJ)
	$(CC) $(ASAN_FLAGS) -o $@ $^ $(LIBS)

fuzz-smoke: $(BUILD)/fuzz_smoke
	ASAN_OPTIONS=detect_leaks=1 $(BUILD)/fuzz_smoke --shared $(SHARED) --failures $(BUILD)/fuzz/failures

FUZZ_CC  ?= clang
FUZZ_CXX ?= clang++
FUZZ_SECONDS ?= 300
FUZZ_RUN ?= $(FUZZ_NAMES)
LIBFUZZER_FLAGS := $(ASAN_FLAGS) -fsanitize=fuzzer-no-link -O1 -g
LIBFUZZER_LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/libfuzzer/%.o) $(LIB_CXX:%.cc=$(BUILD)/libfuzzer/%.o)

$(BUILD)/libfuzzer/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(WARN) $(DEFS) -fPIC -Iinclude -I. $(LIBFUZZER_FLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libfuzzer/%.o: %.cc
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) -std=c++17 -Wall -Wextra -Werror -Wno-unused-parameter -fPIC -Iinclude -I. $(LIBFUZZER_FLAGS) \
	  -MMD -MP -c $< -o $@

# A harness's own object defines LLVMFuzzerTestOneInput.
$(BUILD)/libfuzzer/harness/fuzz_%.o: tests/fuzz/fuzz_%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(WARN) $(DEFS) -DFUZZ_LIBFUZZER -fPIC -Iinclude -I. $(LIBFUZZER_FLAGS) -MMD -MP -c $< -o $@

# (a static pattern rule, so that make keeps the objects between builds)
$(FUZZ_NAMES:%=$(BUILD)/fuzz-%): $(BUILD)/fuzz-%: $(BUILD)/libfuzzer/harness/fuzz_%.o \
	  $(BUILD)/libfuzzer/tests/fuzz/common.o $(FUZZ_SERVER_SRC:%.c=$(BUILD)/libfuzzer/%.o) $(LIBFUZZER_LIB_OBJ)
	$(FUZZ_CXX) $(ASAN_FLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS)

# make fuzz [FUZZ_RUN="module json"] [FUZZ_SECONDS=300]: corpora grow in
# $(BUILD)/fuzz/corpus/<harness>, crashes land in $(BUILD)/fuzz/artifacts/.
fuzz: deps
	$(MAKE) $(FUZZ_RUN:%=$(BUILD)/fuzz-%) $(BUILD)/fuzz_smoke
	$(BUILD)/fuzz_smoke --shared $(SHARED) --write-seeds $(BUILD)/fuzz/seeds
	@failed=""; for h in $(FUZZ_RUN); do \
	  case $$h in module|query) d=rego;; request) d=json;; *) d=$$h;; esac; \
	  mkdir -p $(BUILD)/fuzz/corpus/$$h $(BUILD)/fuzz/artifacts; \
	  echo "fuzz: $$h for $(FUZZ_SECONDS) s (log: $(BUILD)/fuzz/$$h.log)"; \
	  $(BUILD)/fuzz-$$h -max_total_time=$(FUZZ_SECONDS) -timeout=20 -rss_limit_mb=3072 -max_len=65536 \
	    -dict=tests/fuzz/$$d.dict -artifact_prefix=$(BUILD)/fuzz/artifacts/$$h- -print_final_stats=1 \
	    $(BUILD)/fuzz/corpus/$$h $(BUILD)/fuzz/seeds/$$h tests/fuzz/corpus/$$h >$(BUILD)/fuzz/$$h.log 2>&1 \
	    || failed="$$failed $$h"; \
	  grep -E '^(==|SUMMARY|stat::number_of_executed_units|Done)' $(BUILD)/fuzz/$$h.log | tail -n 4; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: failed:$$failed (inputs in $(BUILD)/fuzz/artifacts)"; exit 1; fi

# make install PREFIX=/opt/verdict: header, static and shared library (with
# soname), pkg-config file, the verdict command.
PREFIX  ?= /usr/local
VERSION := $(shell sed -n 's/^#define VERDICT_VERSION "\(.*\)"/\1/p' include/verdict.h)

install: all
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/bin
	install -m 644 include/verdict.h $(DESTDIR)$(PREFIX)/include/verdict.h
	install -m 644 $(BUILD)/libverdict.a $(DESTDIR)$(PREFIX)/lib/libverdict.a
	install -m 755 $(BUILD)/libverdict.so $(DESTDIR)$(PREFIX)/lib/libverdict.so.$(VERSION)
	ln -sf libverdict.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(PREFIX)/lib/libverdict.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' -e 's|@LIBS@|$(LIBS)|' verdict.pc.in \
	  > $(DESTDIR)$(PREFIX)/lib/pkgconfig/verdict.pc
	install -m 755 $(BUILD)/verdict $(DESTDIR)$(PREFIX)/bin/verdict

# The embedding example built against an installed copy with pkg-config.
embed-test: all
	rm -rf $(BUILD)/prefix && $(MAKE) install PREFIX=$(CURDIR)/$(BUILD)/prefix
	PKG_CONFIG_PATH=$(CURDIR)/$(BUILD)/prefix/lib/pkgconfig $(MAKE) -C examples/embed -B embed
	examples/embed/embed $(SHARED)/bench/rbac | tee $(BUILD)/embed.out
	grep -q '^decision: true$$' $(BUILD)/embed.out && echo "embed-test: 1 passed, 0 failed"

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
