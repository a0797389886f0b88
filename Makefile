# SPDX-License-Identifier: GPL-2.0
#
# gre_ka: developer entry points. The kernel's build system reads Kbuild,
# which takes precedence over this file, so `make -C <kdir> M=$PWD modules`
# works as for any out-of-tree module.
#
#   make [modules]      build gre_ka.ko here against KDIR
#   make check          the whole test suite (scripts/check.sh)
#   make vmtest         one kernel's VM tests: KERNEL=6.12 TESTS="t-00-basic"
#   make soak           the fuzz and stress tests, long, on the debug kernel:
#                       SOAK_KERNEL=debug GRE_KA_FUZZ_COUNT=... GRE_KA_STRESS_SECS=...
#   make demo           boot a VM and show a GRE tunnel between two routers
#   make debug-kernel   build (or reuse) the debug kernel
#   make deps           install the Debian packages needed
#   make clean

KVER ?= $(shell uname -r)

# Without KDIR, build against the running kernel; if it has no headers (e.g.
# a development machine running its own kernel), against the newest Debian
# 6.12 headers installed.
ifeq ($(origin KDIR),undefined)
KDIR := /lib/modules/$(KVER)/build
ifeq ($(origin KVER),file)
ifeq ($(wildcard $(KDIR)/Makefile),)
KDIR_NOTE := no kernel headers for the running kernel $(KVER)
KDIR := $(shell for d in /lib/modules/6.12.*/build; do \
	[ -f "$$d/Makefile" ] && echo "$$d"; done | sort -V | tail -n 1)
endif
endif
endif

KERNEL ?= 6.12
TESTS ?=
SOAK_KERNEL ?= debug
SOAK_OUT ?= out/soak-$(SOAK_KERNEL)

all: modules

modules:
	@if [ -n "$(KDIR_NOTE)" ]; then \
		echo "note: $(KDIR_NOTE); using $(or $(KDIR),nothing) (set KDIR= to choose)"; fi
	@if [ ! -f "$(KDIR)/Makefile" ]; then \
		echo "error: no kernel build tree at '$(KDIR)': set KDIR= or run 'make deps'" >&2; \
		exit 1; fi
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	@if [ -f "$(KDIR)/Makefile" ]; then \
		$(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	rm -rf .build out

check:
	scripts/check.sh

vmtest:
	scripts/vm/build-module.sh $(KERNEL) >/dev/null
	scripts/vm/run.sh --kernel $(KERNEL) --out out/vmtest-$(KERNEL) -- \
		scripts/tests/run-all.sh $(TESTS)

# The tests' own timeouts are scaled up (GRE_KA_TIMEOUT_SCALE) and the VM's
# is 4 hours; the figures (packets, packets/s, counters, churn iterations)
# are printed at the end and kept in $(SOAK_OUT).
soak:
	scripts/vm/build-module.sh $(SOAK_KERNEL) >/dev/null
	scripts/vm/run.sh --kernel $(SOAK_KERNEL) --out $(SOAK_OUT) --timeout 14400 -- \
		env GRE_KA_SOAK=1 GRE_KA_TIMEOUT_SCALE=40 \
		$(if $(GRE_KA_FUZZ_COUNT),GRE_KA_FUZZ_COUNT=$(GRE_KA_FUZZ_COUNT)) \
		$(if $(GRE_KA_STRESS_SECS),GRE_KA_STRESS_SECS=$(GRE_KA_STRESS_SECS)) \
		$(if $(KINDS),KINDS="$(KINDS)") \
		scripts/tests/run-all.sh t-30-fuzz t-31-stress; \
	rc=$$?; echo "soak figures ($(SOAK_KERNEL)):"; \
	cat $(SOAK_OUT)/results $(SOAK_OUT)/fuzz-figures $(SOAK_OUT)/stress-figures 2>/dev/null; \
	exit $$rc

demo:
	scripts/demo.sh

debug-kernel:
	scripts/vm/build-debug-kernel.sh

deps:
	scripts/deps.sh

.PHONY: all modules clean check vmtest soak demo debug-kernel deps
