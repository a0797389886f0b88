# SPDX-License-Identifier: GPL-2.0
#
# gre_ka: developer entry points. The kernel's build system reads Kbuild,
# which takes precedence over this file, so `make -C <kdir> M=$PWD modules`
# works as for any out-of-tree module.
#
#   make [modules]      build gre_ka.ko here against KDIR
#   make check          the whole test suite (scripts/check.sh)
#   make vmtest         one kernel's VM tests: KERNEL=6.12 TESTS="t-00-basic"
#   make demo           boot a VM and show a GRE tunnel between two routers
#   make bench          benchmarks in a VM: table, out/bench/results.json, plot
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

demo:
	scripts/demo.sh

bench:
	scripts/bench.sh

debug-kernel:
	scripts/vm/build-debug-kernel.sh

deps:
	scripts/deps.sh

.PHONY: all modules clean check vmtest demo bench debug-kernel deps
