#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian 12 packages needed to build gre_ka, run its tests in
# qemu virtual machines and run the static checks. Idempotent: installs only
# what is missing (runs `apt-get update` first when something is).
set -euo pipefail

packages=(
	# building the module and the debug kernel
	build-essential flex bison bc cpio kmod libelf-dev libssl-dev
	xz-utils zstd git perl
	# the gre-ka command (tools/gre-ka.c)
	libmnl-dev
	# make deb: the Debian packages (gre-ka-dkms, gre-ka) and lintian;
	# ifupdown for their hook (t-52), promtool and node_exporter for the
	# metrics (t-43, make tools-test)
	debhelper dh-dkms lintian ifupdown prometheus prometheus-node-exporter
	# make check proves that DKMS builds the module (scripts/dkms-check.sh)
	dkms
	# kernels to test on, their headers, and the debug kernel's source
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64 linux-source-6.12
	# Debian's newer kernels, fetched from the archive by
	# scripts/vm/kernels.sh (its own apt lists, checked with this keyring)
	debian-archive-keyring
	# virtual machines
	qemu-system-x86 busybox-static
	# static checks (checkpatch.pl comes from the debug kernel's source)
	sparse
	# tools used by the tests inside the guest (host root is shared)
	python3 python3-scapy tcpdump iproute2 nftables iperf3 ethtool
	procps iputils-ping gnuplot-nox udev
	# the kernel's YNL tool drives the netlink family from its spec (t-41)
	python3-yaml
	# routing daemons for the routing tests (t-70, t-71) and make bench's frr section
	frr bird2
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg -s "$p" 2>/dev/null | grep -qx 'Status: install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#packages[@]} packages installed"
	exit 0
fi

echo "deps: installing ${missing[*]}"
sudo=()
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || {
		echo "deps: not root and no sudo; install: ${missing[*]}" >&2
		exit 1
	}
	sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y \
	--no-install-recommends "${missing[@]}"
