# recsql — build, test, demo, bench, install.
#
#   make            build/recsql.so (load with .load ./build/recsql)
#   make static     build/librecsql.a and build/recsql.h
#   make test       installs missing packages, then unit + SQL tests, plain and
#                   under AddressSanitizer + UndefinedBehaviorSanitizer
#   make packages   the Python (pip install .) and Node (npm pack + install) packages, tested
#   make demo       installs missing packages, builds, runs examples/quickstart.sql
#   make bench      benchmarks against peers (prints figures, asserts nothing)
#   make curves-check  roc_curve, pr_curve, average_precision against scikit-learn
#   make install    PREFIX=/usr/local DESTDIR=
#   make format / make lint
#   make fuzz / fault / interrupt / crash   reliability tests (tests/reliability.mk)
#   make load       load test: 2 processes x 4 threads + a writer on one WAL database
#   make knn-share  knn_index shared by connections and threads, written by another process
#   make tsan       ThreadSanitizer build (build/tsan): parallel unit tests, knn-share, load test
#   make scale      synthetic 1M and 10M interactions: time and peak RSS per step
#                   (SCALE_SIZES="1000000 10000000 100000000"; not part of make test)

BUILD    ?= build
CC       ?= cc
OPT      ?= -O3
PREFIX   ?= /usr/local
SANITIZE ?=
PYTHON   ?= /usr/bin/python3

CFLAGS_ALL = -std=c11 -g $(OPT) -fno-math-errno -fno-trapping-math -fPIC -pthread -Wall -Wextra -D_GNU_SOURCE -MMD -MP $(CFLAGS)
LDLIBS_ALL = -lopenblas -lm -lpthread
ifeq ($(SANITIZE),1)
CFLAGS_ALL += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDSAN = -fsanitize=address,undefined
endif
ifeq ($(SANITIZE),thread)
CFLAGS_ALL += -fsanitize=thread -fno-omit-frame-pointer -DRECSQL_NO_CLONES # ifunc resolvers run before the TSan runtime
LDSAN = -fsanitize=thread
endif

SRC_C   := $(sort $(wildcard src/*.c))
EXT_C   := $(sort $(wildcard ext/*.c))
UNIT_C  := $(sort $(wildcard tests/unit/test_*.c))
SRC_O   := $(SRC_C:%.c=$(BUILD)/obj/%.o)
EXT_O   := $(EXT_C:%.c=$(BUILD)/obj/%.o)
UNIT_BIN:= $(UNIT_C:tests/unit/%.c=$(BUILD)/tests/%)

LIB     := $(BUILD)/recsql.so
STATIC  := $(BUILD)/librecsql.a

.PHONY: all static test check unit sql docs examples packages demo bench install format lint clean deps load knn-share tsan scale bench-blas curves-check
all: $(LIB)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "CC $<"; $(CC) $(CFLAGS_ALL) -c $< -o $@

$(LIB): $(SRC_O) $(EXT_O)
	$(CC) -shared $(LDSAN) -o $@ $^ $(LDLIBS_ALL)

static: $(STATIC) $(BUILD)/recsql.h $(BUILD)/recsql.pc
$(STATIC): $(SRC_O) $(EXT_O)
	rm -f $@
	ar rcs $@ $^
$(BUILD)/recsql.h: ext/recsql.h
	cp $< $@
$(BUILD)/recsql.pc: scripts/recsql.pc.in
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(shell sed -n 's/.*RECSQL_VERSION "\(.*\)"/\1/p' ext/recsql.h)|g' $< > $@

$(BUILD)/tests/test_%: tests/unit/test_%.c $(SRC_O)
	@mkdir -p $(dir $@)
	@echo "LD $@"; $(CC) $(CFLAGS_ALL) $(LDSAN) -o $@ $< $(SRC_O) -lcmocka -lsqlite3 $(LDLIBS_ALL)

deps:
	@scripts/setup.sh

# The whole suite, twice: plain, then sanitized in its own build directory.
test: deps
	$(MAKE) check
	$(MAKE) examples
	$(MAKE) packages
	$(MAKE) BUILD=build/asan SANITIZE=1 OPT=-O1 check
	$(MAKE) interrupt
	$(MAKE) crash
	$(MAKE) fault
	$(MAKE) fuzz FUZZ_SECONDS=$(FUZZ_SHORT)
	$(MAKE) load LOAD_SECONDS=4
	$(MAKE) knn-share
	$(MAKE) tsan TSAN_LOAD_SECONDS=6
	$(MAKE) curves-check

check: unit sql docs

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

sql: $(LIB)
	@SANITIZE=$(SANITIZE) tests/run_sql.sh $(LIB)

# the SQL examples of docs/*.md, run and compared with the printed output
docs: $(LIB)
	@SANITIZE=$(SANITIZE) $(PYTHON) tests/run_docs.py $(LIB)

examples: $(LIB) static
	@tests/run_examples.sh

# pip install . into build/pyenv and npm install of the packed package into build/node, then their tests
packages: $(LIB)
	@tests/run_packages.sh

demo: deps $(LIB)
	@examples/run_quickstart.sh $(LIB)

# roc_curve, pr_curve and average_precision against scikit-learn (random cases, seeded)
curves-check: $(LIB)
	@$(PYTHON) tests/curves_check.py $(LIB) 400 17

bench: $(LIB)
	@bench/run_all.sh $(LIB)

# ---- operations: load, ThreadSanitizer, scale (docs/operations.md) ----
LOAD_SECONDS ?= 20
LOAD_PROCS   ?= 2
LOAD_THREADS ?= 4
$(BUILD)/tests/load_test: tests/load/load_test.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -g $(OPT) -Wall -Wextra -D_GNU_SOURCE -pthread $(LDSAN) -o $@ $< -lsqlite3

load: $(LIB) $(BUILD)/tests/load_test
	LOAD_DB=$(BUILD)/load_test.db $(BUILD)/tests/load_test $(abspath $(LIB)) $(LOAD_SECONDS) $(LOAD_PROCS) $(LOAD_THREADS)

# knn_index shared by connections and threads, written by another process
$(BUILD)/tests/knn_share_test: tests/knn_share/knn_share_test.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -g $(OPT) -Wall -Wextra -D_GNU_SOURCE -pthread $(LDSAN) -o $@ $< -lsqlite3

# (sanitized builds: KNN_SHARE_SHELL_LIB=$(CURDIR)/build/recsql.so for the shell's process)
KNN_SHARE_SHELL_LIB ?= $(abspath $(LIB))
knn-share: $(LIB) $(BUILD)/tests/knn_share_test
	$(BUILD)/tests/knn_share_test $(abspath $(LIB)) $(abspath $(BUILD)) $(KNN_SHARE_SHELL_LIB)

# the modules that run threads, and the load test, under ThreadSanitizer;
# tests/tsan.supp documents any suppression. hnsw runs only its threaded
# test there (its others are single-threaded: 40 s instead of 120 s)
TSAN_UNIT = parallel blas lru bpr contrastive mips swing itemcf hnsw sampler pointwise triplet skipgram eges
TSAN_LOAD_SECONDS ?= 30
tsan:
	$(MAKE) build/recsql.so
	$(MAKE) BUILD=build/tsan SANITIZE=thread OPT=-O1 build/tsan/recsql.so \
	  $(TSAN_UNIT:%=build/tsan/tests/test_%) build/tsan/tests/load_test build/tsan/tests/knn_share_test
	@set -e; export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(CURDIR)/tests/tsan.supp"; \
	for t in $(TSAN_UNIT); do echo "== tsan test_$$t"; f=""; \
	  case $$t in hnsw) f=clone_and_threads;; esac; UNIT_FILTER=$$f build/tsan/tests/test_$$t; done; \
	echo "== tsan knn_share_test"; build/tsan/tests/knn_share_test $(CURDIR)/build/tsan/recsql.so \
	  $(CURDIR)/build/tsan $(CURDIR)/build/recsql.so; \
	echo "== tsan load_test"; LOAD_DB=build/tsan/load_test.db build/tsan/tests/load_test \
	  $(CURDIR)/build/tsan/recsql.so $(TSAN_LOAD_SECONDS) 2 4

# recsql's product kernels against OpenBLAS (set OPENBLAS_CORETYPE to compare cores)
$(BUILD)/bench/bench_blas: bench/blas/bench_blas.c $(BUILD)/obj/src/blas.o $(BUILD)/obj/src/parallel.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)
bench-blas: $(BUILD)/bench/bench_blas
	$(BUILD)/bench/bench_blas

SCALE_SIZES ?= 1000000 10000000
$(BUILD)/bench/scale_gen: bench/scale/gen.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -Wall -Wextra -D_GNU_SOURCE -o $@ $< -lsqlite3 -lm
scale: $(LIB) $(BUILD)/bench/scale_gen
	bench/scale/run.sh $(abspath $(LIB)) $(BUILD)/bench/scale_gen $(SCALE_SIZES)

install: static $(LIB)
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 $(STATIC) $(DESTDIR)$(PREFIX)/lib/librecsql.a
	install -m 755 $(LIB) $(DESTDIR)$(PREFIX)/lib/recsql.so
	install -m 644 ext/recsql.h $(DESTDIR)$(PREFIX)/include/recsql.h
	install -m 644 $(BUILD)/recsql.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/recsql.pc

format:
	clang-format -i src/*.c src/*.h ext/*.c ext/*.h tests/unit/*.c

lint:
	clang-format --dry-run --Werror src/*.c src/*.h ext/*.c ext/*.h tests/unit/*.c
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --std=c11 \
	  --suppress=missingIncludeSystem -I src src ext

clean:
	rm -rf build

include tests/reliability.mk

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
