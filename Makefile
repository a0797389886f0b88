# SPDX-License-Identifier: GPL-2.0
#
# gre_ka: developer entry points. The kernel's build system reads Kbuild,
# which takes precedence over this file, so `make -C <kdir> M=$PWD modules`
# works as for any out-of-tree module.
#
#   make [modules]      build gre_ka.ko here against KDIR
#   make tools          build the gre-ka command (.build/tools/gre-ka; libmnl)
#   make tools-test     the gre-ka command's unit tests (no kernel needed)
#   make deb            the Debian packages gre-ka-dkms and gre-ka, in out/deb/
#   make version-check  include/gre_ka_version.h, dkms.conf and
#                       debian/changelog give the same version
#   make check          the whole test suite (scripts/check.sh)
#   make vmtest         one kernel's VM tests: KERNEL=6.12 TESTS="t-00-basic"
#   make soak           the fuzz and stress tests, long, on the debug kernel
#                       (SOAK_TESTS="t-20-reflect ..." for any others):
#                       SOAK_KERNEL=debug GRE_KA_FUZZ_COUNT=... GRE_KA_STRESS_SECS=...
#                       KERNELS="7.2 7.3": every test (or SOAK_TESTS) on each
#   make kernels        refresh scripts/vm/kernels.list (Debian's newer
#                       kernels) to the newest each suite publishes, and
#                       download and prepare them
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

# The version lives in include/gre_ka_version.h; dkms.conf and
# debian/changelog repeat it (make version-check).
VERSION := $(shell sed -n 's/^\#define GRE_KA_VERSION[[:space:]]*"\(.*\)"/\1/p' \
	$(CURDIR)/include/gre_ka_version.h)
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
# CFLAGS, CPPFLAGS and LDFLAGS come from the environment or the command
# line (a distribution's hardening flags); a developer's build fails on
# any warning, a distribution's (WERROR=) does not.
CFLAGS ?= -O2 -g
WERROR ?= -Werror
TOOLS_WARN = -Wall -Wextra $(WERROR)
TOOL_SRCS = $(wildcard tools/*.c)
TOOL_HDRS = $(wildcard tools/*.h) include/uapi/gre_ka.h include/gre_ka_version.h
GRE_KA_TOOL = .build/tools/gre-ka
GRE_KA_TOOL_TEST = .build/tools/gre-ka-test
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
DOC_FILES = README Documentation/gre_ka.rst Documentation/monitoring.rst \
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

$(GRE_KA_TOOL): $(TOOL_SRCS) $(TOOL_HDRS)
	@if [ ! -f /usr/include/libmnl/libmnl.h ] && \
		! pkg-config --exists libmnl 2>/dev/null; then \
		echo "error: libmnl is missing (apt-get install libmnl-dev)" >&2; exit 1; fi
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Iinclude $(CFLAGS) $(TOOLS_WARN) $(LDFLAGS) -o $@ \
		$(TOOL_SRCS) -lmnl

# The command's parts against canned kernel messages: multipoint peers
# split over messages, interrupted dumps, every output format, the file
# parser (tools/test/unit.c; libmnl's socket calls are wrapped).
$(GRE_KA_TOOL_TEST): $(TOOL_SRCS) $(TOOL_HDRS) tools/test/unit.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Iinclude -Itools $(CFLAGS) $(TOOLS_WARN) $(LDFLAGS) -o $@ \
		$(filter-out tools/gre-ka.c,$(TOOL_SRCS)) tools/test/unit.c -lmnl \
		-Wl,--wrap=mnl_socket_sendto,--wrap=mnl_socket_recvfrom,--wrap=mnl_socket_setsockopt

tools-test: $(GRE_KA_TOOL_TEST)
	$(GRE_KA_TOOL_TEST)
	@command -v promtool >/dev/null || { \
		echo "error: promtool is missing (make deps: prometheus)" >&2; exit 1; }
	$(GRE_KA_TOOL_TEST) prometheus | promtool check metrics
	@echo "promtool check metrics: the multipoint metrics pass"

install-tools: tools
	install -D -m 0755 $(GRE_KA_TOOL) $(DESTDIR)$(SBINDIR)/gre-ka
	install -D -m 0644 man/gre-ka.8 $(DESTDIR)$(MANDIR)/man8/gre-ka.8
	install -D -m 0644 man/gre_ka.7 $(DESTDIR)$(MANDIR)/man7/gre_ka.7
	install -D -m 0644 tools/completion/gre-ka.bash $(DESTDIR)$(BASHCOMPDIR)/gre-ka
	install -d $(DESTDIR)$(DOCDIR)
	install -m 0644 $(DOC_FILES) $(DESTDIR)$(DOCDIR)/

uninstall: uninstall-tools
	rm -f $(DESTDIR)/lib/modules/$(KREL)/$(INSTALL_MOD_DIR)/gre_ka.ko*
	$(if $(DESTDIR),,depmod -a $(KREL))

uninstall-tools:
	rm -f $(DESTDIR)$(SBINDIR)/gre-ka $(DESTDIR)$(MANDIR)/man8/gre-ka.8 \
		$(DESTDIR)$(MANDIR)/man7/gre_ka.7 $(DESTDIR)$(BASHCOMPDIR)/gre-ka
	rm -rf $(DESTDIR)$(DOCDIR)

dkms-install: install-tools
	@command -v dkms >/dev/null || { echo "error: dkms is not installed (apt-get install dkms)" >&2; exit 1; }
	if dkms status -m gre_ka -v $(VERSION) | grep -q .; then \
		dkms remove -m gre_ka -v $(VERSION) --all; fi
	rm -rf $(DKMS_SRC)
	$(MAKE) install-dkms-src
	dkms add -m gre_ka -v $(VERSION)
	dkms install -m gre_ka -v $(VERSION) -k $(KREL)

# The module's sources as DKMS wants them, under $(DESTDIR)/usr/src.
install-dkms-src: version-check
	mkdir -p $(DESTDIR)$(DKMS_SRC)
	cp --parents $(SRC_FILES) $(DESTDIR)$(DKMS_SRC)/

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
# are printed at the end and kept in $(SOAK_OUT). With KERNELS, on each of
# them in turn, in out/soak-<kernel>, every test unless SOAK_TESTS is given.
ifneq ($(KERNELS),)
soak:
	@rc=0; for k in $(KERNELS); do \
		$(MAKE) --no-print-directory soak KERNELS= SOAK_KERNEL=$$k SOAK_OUT=out/soak-$$k \
			SOAK_TESTS="$(if $(filter file,$(origin SOAK_TESTS)),,$(SOAK_TESTS))" || rc=1; \
	done; exit $$rc
else
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
endif

demo:
	scripts/demo.sh

bench:
	scripts/bench.sh

kernels:
	scripts/vm/kernels.sh --refresh

debug-kernel:
	scripts/vm/build-debug-kernel.sh

deps:
	scripts/deps.sh

# --- Debian packages ----------------------------------------------------------
# The packages are built from a copy of the tree as git sees it (tracked
# and untracked files that are not ignored), so that dpkg-buildpackage's
# products land in out/deb/ and nothing is built in the checkout.
DEB_OUT = out/deb

version-check:
	@v_dkms=$$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf); \
	v_deb=$$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' debian/changelog); \
	if [ -z "$(VERSION)" ] || [ "$$v_dkms" != "$(VERSION)" ] || \
		[ "$$v_deb" != "$(VERSION)" ]; then \
		echo "error: versions differ: include/gre_ka_version.h '$(VERSION)'," \
			"dkms.conf '$$v_dkms', debian/changelog '$$v_deb'" >&2; exit 1; fi

deb: version-check
	rm -rf $(DEB_OUT)
	mkdir -p $(DEB_OUT)/gre-ka-$(VERSION)
	git ls-files -co --exclude-standard -z | \
		tar --null --ignore-failed-read -T - -cf - 2>/dev/null | \
		tar -xf - -C $(DEB_OUT)/gre-ka-$(VERSION)
	cd $(DEB_OUT)/gre-ka-$(VERSION) && dpkg-buildpackage -us -uc -b
	rm -rf $(DEB_OUT)/gre-ka-$(VERSION)
	@ls $(DEB_OUT)/*.deb
	@if command -v lintian >/dev/null; then \
		echo "lintian (warnings and errors fail; overrides in debian/):"; \
		lintian --fail-on error,warning --info $(DEB_OUT)/*.changes; \
	else echo "lintian is not installed (make deps)" >&2; exit 1; fi

.PHONY: all modules tools clean check vmtest soak demo bench debug-kernel kernels deps \
	install install-tools uninstall uninstall-tools dkms-install \
	dkms-uninstall install-dkms-src tools-test deb version-check
