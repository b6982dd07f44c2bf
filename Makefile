# recsql — build, test, demo, bench, install.
#
#   make            build/recsql.so (load with .load ./build/recsql)
#   make static     build/librecsql.a and build/recsql.h
#   make test       installs missing packages, then unit + SQL tests, plain and
#                   under AddressSanitizer + UndefinedBehaviorSanitizer
#   make demo       installs missing packages, builds, runs examples/quickstart.sql
#   make bench      benchmarks against peers (prints figures, asserts nothing)
#   make curves-check  roc_curve, pr_curve, average_precision against scikit-learn
#   make install    PREFIX=/usr/local DESTDIR=
#   make format / make lint
#   make fuzz / fault / interrupt / crash   reliability tests (tests/reliability.mk)

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

SRC_C   := $(sort $(wildcard src/*.c))
EXT_C   := $(sort $(wildcard ext/*.c))
UNIT_C  := $(sort $(wildcard tests/unit/test_*.c))
SRC_O   := $(SRC_C:%.c=$(BUILD)/obj/%.o)
EXT_O   := $(EXT_C:%.c=$(BUILD)/obj/%.o)
UNIT_BIN:= $(UNIT_C:tests/unit/%.c=$(BUILD)/tests/%)

LIB     := $(BUILD)/recsql.so
STATIC  := $(BUILD)/librecsql.a

.PHONY: all static test check unit sql docs examples demo bench install format lint clean deps curves-check
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
	@echo "LD $@"; $(CC) $(CFLAGS_ALL) $(LDSAN) -o $@ $< $(SRC_O) -lcmocka $(LDLIBS_ALL)

deps:
	@scripts/setup.sh

# The whole suite, twice: plain, then sanitized in its own build directory.
test: deps
	$(MAKE) check
	$(MAKE) examples
	$(MAKE) BUILD=build/asan SANITIZE=1 OPT=-O1 check
	$(MAKE) interrupt
	$(MAKE) crash
	$(MAKE) fault
	$(MAKE) fuzz FUZZ_SECONDS=$(FUZZ_SHORT)

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

demo: deps $(LIB)
	@examples/run_quickstart.sh $(LIB)

# roc_curve, pr_curve and average_precision against scikit-learn (random cases, seeded)
curves-check: $(LIB)
	@$(PYTHON) tests/curves_check.py $(LIB) 400 17

bench: $(LIB)
	@bench/run_all.sh $(LIB)

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
