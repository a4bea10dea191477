# loft-harness: build, deps, test, test-asan, clean. `make test` is the whole set-up on a fresh
# Debian 12 machine: it installs missing packages (scripts/deps.sh) before it compiles anything.
CC      ?= gcc
PKGS     = openblas hdf5-serial
OPT     ?= -O2
SAN     ?=
BUILD   ?= build
# evaluated when a recipe runs, i.e. after the deps stamp exists
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
CFLAGS  = -std=c11 $(OPT) -g -fPIC -Wall -Wextra -Werror -D_GNU_SOURCE $(SAN) $(PKG_CFLAGS)
LDLIBS  = $(PKG_LIBS) -lm

REAL_SRC   = core/blas.c core/linalg.c core/init.c core/optim/adamw.c core/optim/loft.c \
             core/optim/optimizer.c core/adapters/lora.c core/adapters/dora.c core/tasks/mf.c
COMMON_SRC = core/rng.c core/io/h5data.c
OBJS = $(REAL_SRC:%.c=$(BUILD)/f32/%.o) $(REAL_SRC:%.c=$(BUILD)/f64/%.o) $(COMMON_SRC:%.c=$(BUILD)/common/%.o)
HDRS = $(wildcard core/*.h core/*/*.h)

TESTS = test_blas test_adapters_grad test_loft_identities test_mf test_golden test_float32
TEST_BINS = $(TESTS:%=$(BUILD)/tests/%)

.PHONY: all deps test test-asan golden clean
all: $(BUILD)/libloft.a $(BUILD)/libloft.so

deps: $(BUILD)/.deps
$(BUILD)/.deps: scripts/deps.sh
	@scripts/deps.sh
	@mkdir -p $(BUILD) && touch $@

$(BUILD)/f32/%.o: %.c $(HDRS) | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DLOFT_F32 -c $< -o $@
$(BUILD)/f64/%.o: %.c $(HDRS) | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@
$(BUILD)/common/%.o: %.c $(HDRS) | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libloft.a: $(OBJS)
	ar rcs $@ $^
# the shared object is the check that both precisions link side by side (see core/real.h)
$(BUILD)/libloft.so: $(OBJS)
	$(CC) $(SAN) -shared -o $@ $^ $(LDLIBS) -Wl,--no-undefined

$(BUILD)/tests/%: tests/%.c tests/check_util.h $(BUILD)/libloft.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Icore $< -o $@ $(BUILD)/libloft.a $(LDLIBS)

test: $(BUILD)/libloft.so $(TEST_BINS)
	@fail=0; for t in $(TEST_BINS); do echo "== $$t"; $$t || { echo "FAILED: $$t"; fail=1; }; done; \
	 if [ $$fail = 0 ]; then echo "all tests passed"; else echo "some tests FAILED"; exit 1; fi

# the same tests under AddressSanitizer + UBSan, in their own build folder
test-asan:
	$(MAKE) test BUILD=build-asan OPT=-O1 SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"

# regenerate the committed golden files (needs Debian's python3-torch + python3-h5py; not run by CI)
golden:
	/usr/bin/python3 tests/gen_golden.py tests/golden
	@echo "parity file: /usr/bin/python3 tests/gen_parity.py /path/to/tnurbek-loft-checkout tests/golden"

clean:
	rm -rf build build-asan
