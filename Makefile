# memspike: build, test, bench, install.
#   make            build build/memspike
#   make run        run the default config (Brunel network); installs deps
#   make test       all tests (CUnit, end-to-end, replay, MPI, monitor); installs deps
#   make monitor    the live monitor's tests (tests/monitor.sh)
#   make bench      benchmarks against Brian2 (prints figures)
#   make install PREFIX=/usr/local
#   make SANITIZE=address,undefined test
#   make layers     the include rules (tools/check_layers.sh)
#   make pynn       the PyNN backend's tests (tests/pynn.sh; PYNN_SRC=<PyNN 0.10.1
#                   source> for PyNN's own scenarios and examples)
#   make pynn-install   pyNN.memspike (and libmemspike.so) into PREFIX
#   make fuzz FUZZ_SECONDS=N   each reader's libFuzzer harness for N s
#                   (clang; build-fuzz/, ASan + UBSan); `make test` runs
#                   each for FUZZ_SHORT seconds
#   make BUILD=build-san SANITIZE=address,undefined unit   a second build dir
#   make WERROR=1   warnings are errors (CI)
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ifeq ($(WERROR),1)
WARN    += -Werror
endif

# Libraries through pkg-config.  `make deps` installs what is missing; a
# build that lacks one stops at once naming it and its Debian package.
# msgpack-c 6 calls itself msgpack-c, Debian 12's 4.0 msgpack.
PKG_CONFIG ?= pkg-config
PC_MSGPACK := $(shell $(PKG_CONFIG) --exists msgpack-c 2>/dev/null && echo msgpack-c || echo msgpack)
PC_LIBS    := inih $(PC_MSGPACK) libevent zlib hdf5 jansson
PC_MPI     := ompi-c
PC_TEST    := cunit
DEB_inih      := libinih-dev
DEB_msgpack   := libmsgpack-dev
DEB_msgpack-c := libmsgpack-c-dev
DEB_libevent  := libevent-dev
DEB_zlib      := zlib1g-dev
DEB_hdf5      := libhdf5-dev
DEB_jansson   := libjansson-dev
WHAT_jansson  := jansson: JSON output
WHAT_hdf5     := HDF5: the SONATA spike export
DEB_ompi-c    := libopenmpi-dev openmpi-bin
DEB_cunit     := libcunit1-dev
WHAT_ompi-c   := MPI
WHAT_cunit    := CUnit: the unit tests
HAVE_PKG_CONFIG := $(shell command -v $(PKG_CONFIG) 2>/dev/null)
pc_missing = $(if $(HAVE_PKG_CONFIG),$(foreach p,$(1),$(if $(shell $(PKG_CONFIG) --exists $(p) 2>/dev/null && echo y),,$(p))),$(1))
MISSING_LIBS := $(strip $(call pc_missing,$(PC_LIBS) $(PC_MPI)))
MISSING_TEST := $(strip $(call pc_missing,$(PC_TEST)))
# Flags of the third-party headers go only to the files that may include
# them (tools/check_layers.sh): io/ (and tests/, whose fixture_*.c write
# malformed files with msgpack and zlib), mpi/, tests/.
IO_CFLAGS   := $(shell $(PKG_CONFIG) --cflags $(PC_LIBS) 2>/dev/null)
MPI_CFLAGS  := $(shell $(PKG_CONFIG) --cflags $(PC_MPI) 2>/dev/null)
TEST_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PC_TEST) 2>/dev/null)
LIB_LIBS    := $(shell $(PKG_CONFIG) --libs $(PC_LIBS) 2>/dev/null)
MPI_LIBS    := $(shell $(PKG_CONFIG) --libs $(PC_MPI) 2>/dev/null)
TEST_LIBS   := $(shell $(PKG_CONFIG) --libs $(PC_TEST) 2>/dev/null)
# Vectorize loops as -O3 would; no FP trap semantics (results are the same
# IEEE values: this only lets select-heavy neuron loops be if-converted).
VECFLAGS := -fno-trapping-math -fvect-cost-model=dynamic
ALL_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) $(CFLAGS) $(VECFLAGS) -MMD -MP
LDLIBS  := $(LIB_LIBS) $(MPI_LIBS) -lm -pthread
PREFIX  ?= /usr/local
# Installed data (presets, energy constants, models, configs, docs, Python
# tools); compiled into io/io_datadir.c, so that an installed memspike
# finds its presets from any directory.
DATADIR ?= $(PREFIX)/share/memspike
BUILD   ?= build
PYTHON  := /usr/bin/python3
CONFIG  ?= configs/brunel_delta.ini

# A sanitizer finding fails the run (UBSan alone would print and go on).
ifdef SANITIZE
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS    += -fsanitize=$(SANITIZE)
endif

CORE_SRC := core/sim_error.c core/sim_alloc.c core/sim_clock.c core/sim_names.c core/sim_rng.c core/sim_queue.c \
            core/sim_syn.c core/sim_exchange.c core/sim_parse.c \
            core/sim_engine.c core/sim_engine_ckpt.c core/sim_ckpt.c core/sim_records.c
NRN_SRC  := neurons/nrn_model.c neurons/nrn_iaf_psc_delta.c neurons/nrn_iaf_psc_exp.c \
            neurons/nrn_parrot.c neurons/nrn_izhikevich.c neurons/nrn_if_soft_reset.c neurons/nrn_hnno.c \
            neurons/nrn_poisson.c neurons/nrn_spike_generator.c
SYN_SRC  := synapses/syn_device.c synapses/syn_rule.c synapses/syn_rule_linear.c \
            synapses/syn_rule_softbounds.c synapses/syn_rule_expstep.c synapses/syn_rule_pcm.c \
            synapses/syn_spec.c synapses/syn_store.c \
            synapses/syn_static.c synapses/syn_store_kind.c synapses/syn_store_ckpt.c synapses/syn_layer.c \
            synapses/syn_hnno.c
NET_SRC  := network/net_desc.c network/net_partition.c network/net_connect.c \
            network/net_rules.c network/net_build.c network/net_model.c network/net_cnn.c network/net_cnn_run.c \
            network/net_cnn_device.c network/net_cnn_remap.c network/net_cnn_cores.c network/net_cnn_train.c network/net_cnn_engine.c network/net_cnn_coding.c network/net_cnn_ttfs.c network/net_cnn_pct.c \
            network/net_energy.c network/net_mem.c network/net_act.c network/net_act_vo2.c
IO_SRC   := io/io_ini.c io/io_file.c io/io_mpscan.c io/io_preset.c io/io_config.c io/io_config_value.c \
            io/io_config_pop.c io/io_config_proj.c io/io_config_rec.c \
            io/io_log_write.c io/io_log_read.c io/io_log_records.c io/io_log_index.c io/io_replay.c io/io_replay_seg.c \
            io/io_replay_out.c io/io_replay_stats.c io/io_stats.c io/io_sonata.c io/io_model.c io/io_idx.c \
            io/io_energy.c io/io_act.c io/io_recorder.c io/io_datadir.c \
            io/io_source.c io/io_log_source.c io/io_ckpt.c io/io_json.c io/io_monitor.c
MPI_SRC  := mpi/comm.c
API_SRC  := api/ms_sim.c api/ms_pop.c api/ms_rec.c api/ms_proj.c api/ms_gather.c
LIB_SRC  := $(CORE_SRC) $(NRN_SRC) $(SYN_SRC) $(NET_SRC) $(IO_SRC) $(MPI_SRC) $(API_SRC)
CLI_SRC  := tools/memspike.c tools/replay_cmd.c tools/plot.c tools/convert.c tools/cim.c tools/convert_report.c tools/convert_energy.c \
            tools/convert_act.c tools/image_cmd.c \
            tools/run_stats.c tools/run_report.c tools/run_mem.c tools/checkpoint.c \
            tools/monitor.c tools/monitor_doc.c
TEST_SRC := tests/test_main.c tests/test_rng.c tests/test_queue.c \
            tests/test_neuron.c tests/test_connect.c tests/test_config.c \
            tests/test_config_errors.c tests/fixture_config.c \
            tests/test_log.c tests/test_log_read.c tests/test_log_v2.c tests/fixture_log.c tests/fixture_digest.c tests/test_engine.c tests/test_device.c tests/test_device_var.c tests/fixture_device.c \
            tests/test_preset.c \
            tests/test_stdp.c tests/test_energy.c tests/test_model.c tests/test_idx.c \
            tests/fixture_format.c \
            tests/test_cnn.c tests/test_cnn_pct.c tests/test_cnn_coding.c tests/test_cnn_cores.c tests/test_cnn_fix.c tests/test_cnn_remap.c tests/test_izhikevich.c tests/test_if_soft_reset.c \
            tests/test_cli.c tests/test_kernel.c tests/test_parrot.c tests/test_fuzzfix.c tests/test_record_kinds.c \
            tests/test_memest.c tests/test_log_source.c tests/test_stats.c tests/test_replay.c \
            tests/test_capi.c tests/test_ckpt.c tests/test_json.c tests/test_hnno.c tests/test_act.c \
            tests/test_defer.c

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/io/io_monitor_page.o
# The shared library's objects: the same sources compiled position-
# independent in their own directory, so that the static library and the
# memspike binary keep their non-PIC code.
PIC_OBJ  := $(LIB_SRC:%.c=$(BUILD)/pic/%.o) $(BUILD)/pic/io/io_monitor_page.o
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)
# The CLI's steps, without main, for tests/test_cli.c.
CLI_STEP_OBJ := $(filter-out $(BUILD)/tools/memspike.o,$(CLI_OBJ))

.PHONY: pynn pynn-install examples
.PHONY: all lib capi-example deps run test unit e2e replay-e2e mpi checkpoint mem monitor fuzz fuzz-short fuzz-build layers layers-test bench install install-test clean FORCE \
        need-libs need-test-libs

all: $(BUILD)/memspike lib

# libmemspike: static, shared (soname libmemspike.so.MAJOR; only the ms_
# functions of include/memspike.h are exported, api/libmemspike.map) and
# its pkg-config file.
MS_VERSION_STR := $(shell sed -n 's/^\#define MS_VERSION "\(.*\)"/\1/p' include/memspike.h)
MS_MAJOR := $(firstword $(subst ., ,$(MS_VERSION_STR)))
LIBDIR  ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
lib: $(BUILD)/libmemspike.a $(BUILD)/libmemspike.so $(BUILD)/memspike.pc

# Stop before compiling anything when a library is missing.
need-libs:
	@$(if $(MISSING_LIBS),$(call no_pkgs,$(MISSING_LIBS)),:)
need-test-libs:
	@$(if $(MISSING_TEST),$(call no_pkgs,$(MISSING_TEST)),:)
no_pkgs = echo "memspike: cannot build: $(if $(HAVE_PKG_CONFIG),pkg-config finds no,there is no $(PKG_CONFIG) to find) $(foreach p,$(1),$(p)$(if $(WHAT_$(p)), ($(WHAT_$(p))))). Run 'make deps' or: apt-get install $(if $(HAVE_PKG_CONFIG),,pkg-config )$(foreach p,$(1),$(DEB_$(p)))" >&2; exit 1
$(LIB_OBJ) $(PIC_OBJ) $(CLI_OBJ) $(TEST_OBJ): | need-libs
$(TEST_OBJ): | need-test-libs

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(if $(filter mpi/%,$<),$(MPI_CFLAGS)) \
	  $(if $(filter io/% tests/%,$<),$(IO_CFLAGS)) $(if $(filter tests/%,$<),$(TEST_CFLAGS)) -c $< -o $@

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC $(if $(filter mpi/%,$<),$(MPI_CFLAGS)) $(if $(filter io/%,$<),$(IO_CFLAGS)) -c $< -o $@

# The data directory is compiled in: rebuild io_datadir.o when it changes.
$(BUILD)/datadir.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(DATADIR)' | cmp -s - $@ || echo '$(DATADIR)' > $@
$(BUILD)/io/io_datadir.o $(BUILD)/pic/io/io_datadir.o: $(BUILD)/datadir.stamp
$(BUILD)/io/io_datadir.o $(BUILD)/pic/io/io_datadir.o: ALL_CFLAGS += -DMEMSPIKE_DATADIR='"$(DATADIR)"'
FORCE:

# The monitor's page (io/monitor_page.html) as a C string, made at build
# time: backslashes, quotes and question marks (trigraphs) escaped.
$(BUILD)/io/io_monitor_page.c: io/monitor_page.html
	@mkdir -p $(dir $@)
	{ echo '/* generated from io/monitor_page.html by the Makefile */'; \
	  echo '#include "io/io_monitor.h"'; echo 'const char io_monitor_page[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/^/"/' -e 's/$$/\\n"/' $<; \
	  echo ';'; } > $@
$(BUILD)/io/io_monitor_page.o: $(BUILD)/io/io_monitor_page.c
	$(CC) $(ALL_CFLAGS) -I. -c $< -o $@
$(BUILD)/pic/io/io_monitor_page.o: $(BUILD)/io/io_monitor_page.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -I. -c $< -o $@

$(BUILD)/libmemspike.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/libmemspike.so.$(MS_MAJOR): $(PIC_OBJ) api/libmemspike.map
	$(CC) $(LDFLAGS) -shared -Wl,-soname,libmemspike.so.$(MS_MAJOR) \
	  -Wl,--version-script=api/libmemspike.map -o $@ $(PIC_OBJ) $(LDLIBS)

$(BUILD)/libmemspike.so: $(BUILD)/libmemspike.so.$(MS_MAJOR)
	ln -sf libmemspike.so.$(MS_MAJOR) $@

# The pkg-config file for PREFIX (rewritten when PREFIX changes).
$(BUILD)/memspike.pc: tools/memspike.pc.in FORCE
	@mkdir -p $(dir $@)
	@sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	  -e 's|@VERSION@|$(MS_VERSION_STR)|' -e 's|@LIBS_PRIVATE@|$(strip $(LDLIBS))|' $< > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

# The first program of docs/c-api.md, compiled against the built library
# (static and shared) and run (tests/capi_example.sh).
capi-example: lib
	BUILD=$(BUILD) CC="$(CC)" LDLIBS="$(LDLIBS)" sh tests/capi_example.sh

$(BUILD)/memspike: $(CLI_OBJ) $(BUILD)/libmemspike.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/test_memspike: $(TEST_OBJ) $(CLI_STEP_OBJ) $(BUILD)/libmemspike.a
	$(CC) $(LDFLAGS) -o $@ $^ $(TEST_LIBS) $(LDLIBS)

deps:
	@sh tools/deps.sh

run: deps
	@$(MAKE) --no-print-directory $(BUILD)/memspike
	$(BUILD)/memspike run $(CONFIG)

unit: $(BUILD)/test_memspike
	$(BUILD)/test_memspike

e2e: $(BUILD)/memspike
	BIN=$(BUILD)/memspike sh tests/e2e.sh
	BIN=$(BUILD)/memspike sh tests/coding.sh

mpi: $(BUILD)/memspike
	BIN=$(BUILD)/memspike sh tests/mpi.sh

# The worked examples of published systems (examples/NAME.sh,
# docs/examples/NAME.md), each at its small size (tests/example_NAME.sh).
examples: $(BUILD)/memspike
	BIN=$(BUILD)/memspike sh tests/examples.sh

# replay --stats against numpy (tests/check_stats.py), filters, SONATA via
# h5py, sample CSVs, bad flags, 1 and 2 ranks (docs/replay.md).
replay-e2e: $(BUILD)/memspike
	BIN=$(BUILD)/memspike sh tests/replay.sh

# Checkpoints and resumed runs: bit-identical at 1, 2, 4 ranks and across
# rank counts, --until, signals, refusals (docs/checkpoint-format.md).
checkpoint: $(BUILD)/memspike
	BIN=$(BUILD)/memspike sh tests/checkpoint.sh

# The live monitor with the real parts: curl, promtool, a Prometheus
# server, headless Chromium, the abuse list (docs/monitor.md).
monitor: $(BUILD)/memspike
	BIN=$(BUILD)/memspike sh tests/monitor.sh

# The memory estimate against measured peak RSS, and refusals (exit 2).
mem: $(BUILD)/memspike
	BIN=$(BUILD)/memspike sh tests/mem.sh

# Fuzzing: one libFuzzer harness per reader (tests/fuzz/fuzz_*.c), the
# library built again with clang under ASan and UBSan in FUZZ_BUILD, seeds
# in tests/fuzz/corpus/READER/ (new inputs go to FUZZ_BUILD/corpus/).
# tools/fuzz.sh runs them and prints executions, exec/s and findings.
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_SHORT   ?= 3
FUZZ_READERS := config preset energy log model
fuzz-build:
	@sh tools/deps.sh --fuzz
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang CFLAGS="-O1 -g" VECFLAGS= \
	  SANITIZE=address,undefined,fuzzer-no-link $(FUZZ_READERS:%=$(FUZZ_BUILD)/fuzz_%)

$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(BUILD)/libmemspike.a
	$(CC) $(ALL_CFLAGS) $(IO_CFLAGS) -fsanitize=fuzzer $< $(BUILD)/libmemspike.a $(LDLIBS) -o $@

fuzz: fuzz-build
	sh tools/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_READERS)

fuzz-short: fuzz-build
	sh tools/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SHORT) $(FUZZ_READERS)

# The include rules on this checkout (docs/architecture.md); `make test`
# runs it first.
layers:
	sh tools/check_layers.sh

# The checker's own test: every rule, deliberately broken, fails.
layers-test:
	sh tests/layers.sh

# After deps everything is installed, so a skipped check is a failure.
test: deps
	@$(MAKE) --no-print-directory pynn-install
	@MEMSPIKE_TEST_STRICT=1 $(MAKE) --no-print-directory layers unit capi-example e2e replay-e2e mpi checkpoint mem monitor fuzz-short layers-test install-test pynn examples

bench:
	@sh tools/deps.sh --bench
	@$(MAKE) --no-print-directory $(BUILD)/memspike $(BUILD)/bench_log
	sh bench/run.sh

# The event log benchmark's reader side (bench/log_bench.py).
$(BUILD)/bench_log: bench/bench_log.c $(BUILD)/libmemspike.a
	$(CC) $(ALL_CFLAGS) $< $(BUILD)/libmemspike.a $(LDLIBS) -o $@

# Python finds the package memspike_log in PYTHONDIR: the first directory on its path
# under PREFIX/lib (/usr/local/lib/python3.X/dist-packages on Debian),
# else PREFIX/lib/pythonX.Y/site-packages (then add it to PYTHONPATH).
PYTHONDIR ?= $(shell $(PYTHON) -c 'import sys; p = "$(PREFIX)/lib/"; print(next((d for d in sys.path if d.startswith(p)), p + "python%d.%d/site-packages" % sys.version_info[:2]))' 2>/dev/null)
INSTALL_DATA := configs/*.ini configs/devices/*.ini configs/energy/*.ini configs/neurons/*.ini configs/models/* \
                configs/replay/*.ini docs/*.md README.md tools/*.py tools/song2000.sh \
                tools/replay_devices.sh python/memspike_log/*.py
install: $(BUILD)/memspike lib pynn-install
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 755 $(BUILD)/memspike $(DESTDIR)$(PREFIX)/bin/memspike
	install -m 644 include/memspike.h $(DESTDIR)$(INCLUDEDIR)/memspike.h
	install -m 644 $(BUILD)/libmemspike.a $(DESTDIR)$(LIBDIR)/libmemspike.a
	install -m 755 $(BUILD)/libmemspike.so.$(MS_MAJOR) $(DESTDIR)$(LIBDIR)/libmemspike.so.$(MS_MAJOR)
	ln -sf libmemspike.so.$(MS_MAJOR) $(DESTDIR)$(LIBDIR)/libmemspike.so
	install -m 644 $(BUILD)/memspike.pc $(DESTDIR)$(LIBDIR)/pkgconfig/memspike.pc
	@echo "memspike: C API in $(INCLUDEDIR)/memspike.h, $(LIBDIR)/libmemspike.{a,so}, pkg-config memspike"
	@for f in $(wildcard $(INSTALL_DATA)); do \
	  install -d $(DESTDIR)$(DATADIR)/$$(dirname $$f) && \
	  install -m 644 $$f $(DESTDIR)$(DATADIR)/$$f || exit 1; done
	chmod 755 $(DESTDIR)$(DATADIR)/tools/*.py $(DESTDIR)$(DATADIR)/tools/*.sh
	@echo "memspike: data in $(DATADIR)"
	@if [ -n "$(PYTHONDIR)" ]; then \
	  install -d $(DESTDIR)$(PYTHONDIR)/memspike_log && \
	  install -m 644 python/memspike_log/*.py $(DESTDIR)$(PYTHONDIR)/memspike_log/ && \
	  echo "memspike: Python package memspike_log in $(PYTHONDIR)"; fi

# pyNN.memspike (python/pynn_memspike, docs/python.md "PyNN"): the package
# in PYTHONDIR beside memspike_log, found as pyNN.memspike through
# memspike_pynn.pth (Debian's pyNN is a regular package elsewhere), and
# libmemspike.so in LIBDIR, whose path the package records.  `make
# test` runs this first (PREFIX=/usr/local), so `import pyNN.memspike`
# works after the test command.
pynn-install: $(BUILD)/libmemspike.so
	@test -n "$(PYTHONDIR)" || { echo "memspike: no Python directory for $(PREFIX) ($(PYTHON))" >&2; exit 1; }
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PYTHONDIR)/pynn_memspike/standardmodels
	install -m 755 $(BUILD)/libmemspike.so.$(MS_MAJOR) $(DESTDIR)$(LIBDIR)/libmemspike.so.$(MS_MAJOR)
	ln -sf libmemspike.so.$(MS_MAJOR) $(DESTDIR)$(LIBDIR)/libmemspike.so
	install -m 644 python/pynn_memspike/*.py $(DESTDIR)$(PYTHONDIR)/pynn_memspike/
	install -m 644 python/pynn_memspike/standardmodels/*.py $(DESTDIR)$(PYTHONDIR)/pynn_memspike/standardmodels/
	install -m 644 python/memspike_pynn_hook.py $(DESTDIR)$(PYTHONDIR)/memspike_pynn_hook.py
	echo 'import memspike_pynn_hook' > $(DESTDIR)$(PYTHONDIR)/memspike_pynn.pth
	echo 'LIBRARY = "$(LIBDIR)/libmemspike.so.$(MS_MAJOR)"' > $(DESTDIR)$(PYTHONDIR)/pynn_memspike/_libpath.py
	@echo "memspike: pyNN.memspike in $(PYTHONDIR), libmemspike.so in $(LIBDIR)"

# The backend against PyNN's scenarios and examples, Brian2 and 1 / 2 ranks.
pynn: $(BUILD)/libmemspike.so $(BUILD)/memspike
	BUILD=$(BUILD) sh tests/pynn.sh

# Install into a temporary prefix and run from another directory.
install-test: $(BUILD)/memspike
	sh tests/install.sh

clean:
	rm -rf $(BUILD)

-include $(LIB_OBJ:.o=.d) $(PIC_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_OBJ:.o=.d)
