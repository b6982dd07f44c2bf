# Reliability targets, included by the Makefile (see docs/reliability.md).
#
#   make fuzz [FUZZ_SECONDS=60]   libFuzzer harnesses of tests/fuzz, each for FUZZ_SECONDS
#   make fuzz-merge               minimizes the new inputs of build/fuzz/corpus into tests/fuzz/corpus
#   make fault                    fails the Nth allocation, for every N along a run of every object
#   make interrupt                sqlite3_interrupt during long statements: latency, no partial tables
#   make crash [CRASH_ITERS=6]    SIGKILL during knn_index inserts (journal, WAL): integrity and committed rows
#
# The fuzzers and the fault harness compile src/ and ext/ again, with their
# own flags, into build/fuzz and build/fault.

FUZZ_CC      ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_SHORT   ?= 10
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=c11 -g -O1 -pthread -Wall -Wextra -D_GNU_SOURCE -MMD -MP $(FUZZ_SAN)
FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS    := $(FUZZ_NAMES:%=$(FUZZ_DIR)/fuzz_%)
FUZZ_OBJ     := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(SRC_C) $(EXT_C) tests/fuzz/fuzz.c)

FAULT_DIR    := $(BUILD)/fault
FAULT_CFLAGS := -std=c11 -g -O1 -pthread -Wall -Wextra -D_GNU_SOURCE -MMD -MP \
                -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FAULT_OBJ    := $(patsubst %.c,$(FAULT_DIR)/obj/%.o,$(SRC_C) $(EXT_C))

.PHONY: fuzz fuzz-build fuzz-merge fault interrupt crash
.SECONDARY: $(FUZZ_OBJ) $(FAULT_OBJ)

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "CC (fuzz) $<"; $(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJ)
	@echo "LD $@"; $(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ) -lsqlite3 $(LDLIBS_ALL)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_NAMES)

fuzz-merge: fuzz-build
	@set -e; for h in $(FUZZ_NAMES); do mkdir -p tests/fuzz/corpus/$$h; \
	  $(FUZZ_DIR)/fuzz_$$h -merge=1 tests/fuzz/corpus/$$h $(FUZZ_DIR)/corpus/$$h; done

# The engine's malloc/calloc/realloc/free are wrapped at link time
# (-Wl,--wrap, see tests/fault/fault.c); SQLite's allocator at run time.
$(FAULT_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "CC (fault) $<"; $(CC) $(FAULT_CFLAGS) -c $< -o $@

FAULT_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free
$(FAULT_DIR)/fault_test: tests/fault/fault_test.c tests/fault/fault.c tests/fault/fault_api.h $(FAULT_OBJ)
	@echo "LD $@"; $(CC) $(FAULT_CFLAGS) $(FAULT_WRAP) -o $@ tests/fault/fault_test.c tests/fault/fault.c $(FAULT_OBJ) -lsqlite3 $(LDLIBS_ALL)

fault: $(FAULT_DIR)/fault_test
	@ASAN_OPTIONS=detect_leaks=1 OPENBLAS_NUM_THREADS=1 $(FAULT_DIR)/fault_test

$(BUILD)/interrupt_test: tests/interrupt/interrupt_test.c $(STATIC)
	@echo "LD $@"; $(CC) -std=c11 -g -O2 -pthread -Wall -Wextra -D_GNU_SOURCE -o $@ $< $(STATIC) -lsqlite3 $(LDLIBS_ALL)

interrupt: $(BUILD)/interrupt_test
	@$(BUILD)/interrupt_test tests/data/gowalla_sample/train.txt

-include $(shell find $(FUZZ_DIR)/obj $(FAULT_DIR)/obj -name '*.d' 2>/dev/null)

# crash: a child process inserting into knn_index is SIGKILLed; the parent reopens
$(BUILD)/crash_test: tests/crash/crash_test.c $(STATIC)
	@echo "LD $@"; $(CC) -std=c11 -g -O2 -pthread -Wall -Wextra -D_GNU_SOURCE -o $@ $< $(STATIC) -lsqlite3 $(LDLIBS_ALL)

CRASH_ITERS ?= 6
crash: $(BUILD)/crash_test
	@$(BUILD)/crash_test $(CRASH_ITERS)
