# SPDX-License-Identifier: GPL-2.0
#
# gre_ka: developer entry points. The kernel's build system reads Kbuild,
# which takes precedence over this file, so `make -C <kdir> M=$PWD modules`
# works as for any out-of-tree module.
#
#   make [modules]      build gre_ka.ko here against KDIR
#   make tools          build the gre-ka command (.build/tools/gre-ka; libmnl)
#   make check          the whole test suite (scripts/check.sh)
#   make vmtest         one kernel's VM tests: KERNEL=6.12 TESTS="t-00-basic"
#   make soak           the fuzz and stress tests, long, on the debug kernel
#                       (SOAK_TESTS="t-20-reflect ..." for any others):
#                       SOAK_KERNEL=debug GRE_KA_FUZZ_COUNT=... GRE_KA_STRESS_SECS=...
#   make demo           boot a VM and show a GRE tunnel between two routers
#   make bench          benchmarks in a VM: table, out/bench/results.json, plot
#   make debug-kernel   build (or reuse) the debug kernel
#   make deps           install the Debian packages needed
#   make install        install the module (modules_install into KDIR's
#                       kernel, updates/), run depmod, install the gre-ka
#                       command and the docs; make uninstall undoes it
#   make dkms-install   the same through DKMS: sources to /usr/src, rebuilt
#                       for every new kernel; make dkms-uninstall
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
# Any VM tests, e.g. those make check leaves off the debug kernel.
SOAK_TESTS ?= t-30-fuzz t-31-stress

# The version lives in dkms.conf only.
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' $(CURDIR)/dkms.conf)
# The release of the kernel at KDIR, which modules_install installs for:
# the directory name for /lib/modules/<release>/build (Debian's 6.1
# headers have an upstream version in include/config/kernel.release).
KREL = $(if $(filter /lib/modules/%/build,$(KDIR)),$(patsubst /lib/modules/%/build,%,$(KDIR)),$(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null))
DESTDIR ?=
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
DOCDIR ?= $(PREFIX)/share/doc/gre_ka
INSTALL_MOD_DIR ?= updates
DKMS_SRC = /usr/src/gre_ka-$(VERSION)
# What DKMS needs to build the module (no build products).
SRC_FILES = Kbuild Makefile dkms.conf $(filter-out %.mod.c,$(wildcard *.c)) $(wildcard *.h) \
	$(shell find include kunit -name '*.[ch]' ! -name '*.mod.c' 2>/dev/null)
# The gre-ka command, a user-space program over the gre_ka netlink family.
TOOLS_CFLAGS ?= -O2 -Wall -Wextra -Werror
GRE_KA_TOOL = .build/tools/gre-ka
DOC_FILES = README Documentation/gre_ka.rst \
	Documentation/ABI/testing/sysfs-class-net-keepalive

all: modules

modules:
	@if [ -n "$(KDIR_NOTE)" ]; then \
		echo "note: $(KDIR_NOTE); using $(or $(KDIR),nothing) (set KDIR= to choose)"; fi
	@if [ ! -f "$(KDIR)/Makefile" ]; then \
		echo "error: no kernel build tree at '$(KDIR)': set KDIR= or run 'make deps'" >&2; \
		exit 1; fi
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

install: modules install-tools
	$(MAKE) -C $(KDIR) M=$(CURDIR) KERNELRELEASE=$(KREL) INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	$(if $(DESTDIR),@echo "DESTDIR set: not running depmod",depmod -a $(KREL))

tools: $(GRE_KA_TOOL)

$(GRE_KA_TOOL): tools/gre-ka.c include/uapi/gre_ka.h
	@if [ ! -f /usr/include/libmnl/libmnl.h ] && \
		! pkg-config --exists libmnl 2>/dev/null; then \
		echo "error: libmnl is missing (apt-get install libmnl-dev)" >&2; exit 1; fi
	@mkdir -p $(dir $@)
	$(CC) $(TOOLS_CFLAGS) $(CPPFLAGS) -Iinclude $(LDFLAGS) -o $@ tools/gre-ka.c -lmnl

install-tools: tools
	install -D -m 0755 $(GRE_KA_TOOL) $(DESTDIR)$(SBINDIR)/gre-ka
	install -d $(DESTDIR)$(DOCDIR)
	install -m 0644 $(DOC_FILES) $(DESTDIR)$(DOCDIR)/

uninstall: uninstall-tools
	rm -f $(DESTDIR)/lib/modules/$(KREL)/$(INSTALL_MOD_DIR)/gre_ka.ko*
	$(if $(DESTDIR),,depmod -a $(KREL))

uninstall-tools:
	rm -f $(DESTDIR)$(SBINDIR)/gre-ka
	rm -rf $(DESTDIR)$(DOCDIR)

dkms-install: install-tools
	@command -v dkms >/dev/null || { echo "error: dkms is not installed (apt-get install dkms)" >&2; exit 1; }
	if dkms status -m gre_ka -v $(VERSION) | grep -q .; then \
		dkms remove -m gre_ka -v $(VERSION) --all; fi
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	cp --parents $(SRC_FILES) $(DKMS_SRC)/
	dkms add -m gre_ka -v $(VERSION)
	dkms install -m gre_ka -v $(VERSION) -k $(KREL)

dkms-uninstall: uninstall-tools
	if dkms status -m gre_ka -v $(VERSION) | grep -q .; then \
		dkms remove -m gre_ka -v $(VERSION) --all; fi
	rm -rf $(DKMS_SRC)

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
		scripts/tests/run-all.sh $(SOAK_TESTS); \
	rc=$$?; echo "soak figures ($(SOAK_KERNEL)):"; \
	cat $(SOAK_OUT)/results $(SOAK_OUT)/fuzz-figures $(SOAK_OUT)/stress-figures 2>/dev/null; \
	exit $$rc

demo:
	scripts/demo.sh

bench:
	scripts/bench.sh

debug-kernel:
	scripts/vm/build-debug-kernel.sh

deps:
	scripts/deps.sh

.PHONY: all modules tools clean check vmtest soak demo bench debug-kernel deps \
	install install-tools uninstall uninstall-tools dkms-install \
	dkms-uninstall
