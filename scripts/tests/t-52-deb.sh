#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernels: 6.12
# timeout: 900
#
# The Debian packages (make deb: out/deb/) on a router: gre-ka-dkms and
# gre-ka are installed with dpkg into overlays over the guest's read-only
# /usr, /etc and /var; DKMS builds the module for the running kernel;
# its version is the packages' and gre-ka's; gre-ka loads it on demand
# (the netlink family's module alias). Then each packaged way of
# configuring a tunnel: the udev rule applies /etc/gre-ka/DEV.conf, the
# defaults of /etc/gre-ka.conf, also to a tunnel made before the module
# was loaded, and again to one made anew; keepalives then run over the
# tunnel; a bad file changes nothing and names its line; the systemd
# units pass systemd-analyze verify and gre-ka@.service's command applies
# its tunnel's file (systemd itself does not run in the guest); ifup applies an
# iface stanza's keepalive options (the package's hook), and fails,
# changing nothing, on a refused one. Last, both packages are purged:
# no file, DKMS tree or module is left (nothing in the overlays' upper
# directories but dpkg's own records).
#
# Only on 6.12: DKMS builds for the running kernel and the newest, which
# on 6.1 would be two builds under emulation. The overlays are in the
# guest's initial mount namespace, so that the kernel's request_module()
# (which runs modprobe in PID 1's) sees the module DKMS installed.
. "$(dirname "$0")/lib.sh"

DEBS=${GRE_KA_DEB_DIR:-$GRE_KA_REPO/out/deb}
OVL=/run/gre_ka-t52
UDEVD=/lib/systemd/systemd-udevd
UL=ka-ul0
KVER=$(uname -r)
udevd_pid=
mounted=()

# conf DEV: "enabled period_ms retries up_count reflect auth passive" (sysfs).
conf() {
	local f v out=''
	for f in enabled period_ms retries up_count reflect auth passive; do
		read -r v <"/sys/class/net/$1/keepalive/$f" || return 1
		out+="${out:+ }$v"
	done
	echo "$out"
}

conf_is() {
	[ "$(conf "$1" 2>/dev/null)" = "$2" ]
}

debs_built() {
	local f
	for f in "$DEBS"/gre-ka-dkms_*_all.deb "$DEBS"/gre-ka_*_amd64.deb; do
		[ -f "$f" ] || {
			echo "no $f: run make deb"
			return 1
		}
	done
}

# overlay DIR: a writable layer over the read-only DIR, undone at exit.
overlay() {
	local d=$OVL/${1//\//_}
	mkdir -p "$d/upper" "$d/work" &&
		mount -t overlay overlay -o "lowerdir=$1,upperdir=$d/upper,workdir=$d/work" "$1" &&
		mounted+=("$1")
}

start_udevd() {
	SYSTEMD_LOG_TARGET=console "$UDEVD" --debug >"$GRE_KA_OUT/t-52-udevd.log" 2>&1 &
	udevd_pid=$!
	bg_register "$udevd_pid"
	wait_for 10 "udevd control socket" udevadm control --ping
}

t52_cleanup() {
	local m i
	[ -n "$udevd_pid" ] && udevadm control --exit 2>/dev/null
	for m in gre1 gre2 gre3 gre4 gre5 gre10 "$UL"; do
		ip link del "$m" 2>/dev/null
	done
	rm -rf /run/gre-ka /run/network
	cleanup
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount -l "${mounted[i]}" 2>/dev/null || echo "# cleanup: umount ${mounted[i]} failed"
	done
	rm -rf "$OVL"
}
trap t52_cleanup EXIT

# tunnel DEV N: a GRE tunnel over $UL to 198.51.100.N.
tunnel() {
	ip link add "$1" type gre local 198.51.100.1 remote "198.51.100.$2" ttl 255
}

# leftovers: what the packages left in the overlays' upper directories
# (anything named gre-ka or gre_ka), and DKMS's and modprobe's view.
leftovers() {
	find "$OVL"/*/upper -iname '*gre[-_]ka*' 2>/dev/null
	[ -e "/usr/src/gre_ka-$VER" ] && echo "/usr/src/gre_ka-$VER"
	[ -e /var/lib/dkms/gre_ka ] && echo /var/lib/dkms/gre_ka
	dkms status gre_ka 2>/dev/null
	modinfo -k "$KVER" -F filename gre_ka 2>/dev/null
	grep -l gre_ka "/lib/modules/$KVER/modules.dep" 2>/dev/null
	return 0
}

check "the packages are built" debs_built
VER=$(dpkg-deb -f "$DEBS"/gre-ka_*_amd64.deb Version)
check_eq "the packages' version is include/gre_ka_version.h's" \
	"$(sed -n 's/^#define GRE_KA_VERSION[[:space:]]*"\(.*\)"/\1/p' "$GRE_KA_REPO/include/gre_ka_version.h")" "$VER"
check "headers for the running kernel" test -f "/lib/modules/$KVER/build/Makefile"
check "nothing of gre_ka installed yet" test -z "$(leftovers)"
for d in /usr /etc /var; do
	check "an overlay over $d" overlay "$d"
done

# --- Install: DKMS builds the module --------------------------------------------
t0=$(date +%s)
check "dpkg installs gre-ka-dkms and gre-ka" sh -c \
	"dpkg -i '$DEBS'/gre-ka-dkms_${VER}_all.deb '$DEBS'/gre-ka_${VER}_amd64.deb >'$GRE_KA_OUT/t-52-dpkg.log' 2>&1"
diag "dpkg -i (with the DKMS build): $(($(date +%s) - t0)) s"
tail -n 15 "$GRE_KA_OUT/t-52-dpkg.log" | while IFS= read -r l; do diag "dpkg: $l"; done
check "DKMS built and installed gre_ka $VER for $KVER" sh -c \
	"dkms status gre_ka/$VER -k $KVER | grep -q ': installed'"
check "modprobe finds it in updates/dkms" sh -c \
	"modinfo -k $KVER -F filename gre_ka | grep -q '/updates/dkms/gre_ka.ko'"
check_eq "the module's version (MODULE_VERSION) is the packages'" \
	"$VER" "$(modinfo -k "$KVER" -F version gre_ka 2>&1)"
check_eq "gre-ka --version: the same" "gre-ka $VER" "$(gre-ka --version | head -n 1)"
check "the command, man pages, completion and units are in place" sh -c \
	'for f in /usr/sbin/gre-ka /usr/share/man/man8/gre-ka.8.gz /usr/share/man/man7/gre_ka.7.gz \
		/usr/share/bash-completion/completions/gre-ka /lib/udev/rules.d/90-gre-ka.rules \
		/lib/systemd/system/gre-ka@.service /lib/systemd/system/gre-ka-metrics.timer \
		/etc/network/if-up.d/gre-ka /usr/libexec/gre-ka/apply; do
		[ -e "$f" ] || { echo "missing $f"; exit 1; }; done'

# --- Loaded on demand ---------------------------------------------------------------
check "gre_ka not loaded yet" test ! -d /sys/module/gre_ka
out=$(gre-ka show 2>&1)
check "gre-ka show loads the module (its netlink family's alias)" test -d /sys/module/gre_ka
[ -d /sys/module/gre_ka ] && _GK_MODULE_LOADED=1
diag "gre-ka show: $out"
check_eq "gre-ka --version names the loaded module" \
	"gre_ka module $VER, netlink family version 1" "$(gre-ka --version | sed -n 2p)"
check "rmmod, for the tests of loading later" unload_module

# --- udev: the files of /etc/gre-ka ----------------------------------------------
check "netns r2" ns_create r2
check "underlay: $UL to r2's eth0" sh -c "ip link add $UL type veth peer name eth0 netns r2 &&
	ip addr add 198.51.100.1/24 dev $UL && ip link set $UL up &&
	ip -n r2 addr add 198.51.100.2/24 dev eth0 && ip -n r2 link set eth0 up"
check "/etc/gre-ka.conf (defaults), /etc/gre-ka/gre1.conf, a bad gre2.conf" sh -c '
	printf "keepalive 2 4\n" >/etc/gre-ka.conf &&
	printf "# gre1\nkeepalive 1 3\npassive on\nup_count 2\n" >/etc/gre-ka/gre1.conf &&
	printf "period_ms 1000\nretries 0\n" >/etc/gre-ka/gre2.conf'
check "systemd-udevd runs with the packaged rule" start_udevd
check "gre10 made before the module is loaded" tunnel gre10 110
check "udev settles" udevadm settle -t 20
check "modprobe gre_ka (installed by DKMS)" modprobe gre_ka
_GK_MODULE_LOADED=1
check "gre10: the defaults, applied when gre_ka attached (change event)" \
	wait_for 20 "2000 ms, 4 retries" conf_is gre10 "1 2000 4 1 1 1 0"
check "gre1 made" tunnel gre1 2
check "gre1: its own file" wait_for 20 "gre1.conf" conf_is gre1 "1 1000 3 2 1 1 1"
check "gre1 deleted and made again" sh -c "ip link del gre1 && ip link add gre1 type gre \
	local 198.51.100.1 remote 198.51.100.2 ttl 255"
check "gre1 made again: its file again" wait_for 20 "gre1.conf" conf_is gre1 "1 1000 3 2 1 1 1"
check "gre2 (its file refused by the kernel: retries 0) made" tunnel gre2 3
check "udev settles" udevadm settle -t 20
check "gre2: nothing changed" conf_is gre2 "0 10000 3 1 1 1 0"
err=$(/usr/libexec/gre-ka/apply gre2 2>&1)
rc=$?
check_eq "apply gre2 by hand: exit 3 (refused)" 3 "$rc"
check "... naming the line and the reason" text_has "$err" \
	"^gre-ka: /etc/gre-ka/gre2.conf:2: gre2: setting keepalive failed: retries: .*out of range \(valid: 1\.\.255\)$"
check "gre2.conf with a bad word" sh -c 'printf "period_ms 1000\nretries three\n" >/etc/gre-ka/gre2.conf'
err=$(/usr/libexec/gre-ka/apply gre2 2>&1)
rc=$?
check_eq "apply gre2: exit 2 (a bad file)" 2 "$rc"
check "... naming its line" text_has "$err" \
	"^gre-ka: /etc/gre-ka/gre2.conf:2: bad value 'three' for retries: expected a whole number$"
check "gre2: still nothing changed" conf_is gre2 "0 10000 3 1 1 1 0"

# --- The systemd units (no systemd in the guest: checked, their command run) -----
# --man=no: man would leave a formatted page in /var/cache/man (the man
# pages are checked above).
out=$(systemd-analyze verify --man=no gre-ka-metrics.timer gre-ka-metrics.service \
	gre-ka@gre5.service 2>&1)
check_eq "systemd-analyze verify: the packaged units, no finding" "" "$out"
check "gre5 made (no file of its own: the defaults)" tunnel gre5 6
check "gre5: the defaults" wait_for 20 "2000 ms, 4 retries" conf_is gre5 "1 2000 4 1 1 1 0"
check "/etc/gre-ka/gre5.conf" sh -c 'printf "keepalive 3 5\n" >/etc/gre-ka/gre5.conf'
cmd=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/gre-ka@.service)
# shellcheck disable=SC2086 # a command line, split into its words
check "gre-ka@gre5.service's ExecStart ($cmd, %I = gre5)" ${cmd//%I/gre5}
check "gre5: its file" conf_is gre5 "1 3000 5 1 1 1 0"

# --- Keepalives over gre1, configured by its file ---------------------------------
check "the far end of gre1 in r2" sh -c "ip -n r2 link add gre1 type gre local 198.51.100.2 \
	remote 198.51.100.1 ttl 255 && ip -n r2 link set gre1 up && ip link set gre1 up"
check "keepalive on r2's end" gre-ka -n r2 keepalive gre1 1 3
check "gre1's keepalives are answered" wait_for 20 "rx >= 2" sh -c \
	'[ "$(cat /sys/class/net/gre1/keepalive/statistics/rx)" -ge 2 ] &&
	 [ "$(cat /sys/class/net/gre1/keepalive/state)" = up ]'
diag "$(gre-ka show gre1)"

# --- ifupdown: the stanza's options, by the packaged hook --------------------------
check "ifupdown's state directory" mkdir -p /run/network
cat >/etc/network/interfaces.d/t52 <<'EOF'
iface gre3 inet tunnel
	mode gre
	local 198.51.100.1
	endpoint 198.51.100.4
	ttl 255
	address 10.255.3.1
	netmask 255.255.255.252
	keepalive 0.5 2
	keepalive-passive on
	keepalive-up-count 2

iface gre4 inet tunnel
	mode gre
	local 198.51.100.1
	endpoint 198.51.100.5
	ttl 255
	address 10.255.4.1
	netmask 255.255.255.252
	keepalive 0.5 2
	keepalive-up-count 0
EOF
check "ifup gre3" ifup -i /etc/network/interfaces.d/t52 gre3
check "udev settles" udevadm settle -t 20
check "gre3: the stanza's options (not the defaults)" conf_is gre3 "1 500 2 2 1 1 1"
check "gre3: kept in /run/gre-ka/gre3.conf for udev" grep -qx 'keepalive 0.5 2' /run/gre-ka/gre3.conf
check "udev re-applies them (change event)" udevadm trigger --settle --action=change /sys/class/net/gre3
check "gre3: still the stanza's" conf_is gre3 "1 500 2 2 1 1 1"
err=$(ifup -i /etc/network/interfaces.d/t52 gre4 2>&1)
rc=$?
check "ifup gre4 (keepalive-up-count 0) fails" test "$rc" != 0
check "... saying why" text_has "$err" "gre4: setting keepalive failed: up_count: .*\(valid: 1\.\.255\)"
diag "$err"
check "udev settles" udevadm settle -t 20
check "gre4: the defaults (udev), none of the stanza's" conf_is gre4 "1 2000 4 1 1 1 0"
check "ifdown gre3" ifdown -i /etc/network/interfaces.d/t52 gre3
check "ifdown removes /run/gre-ka/gre3.conf" test ! -e /run/gre-ka/gre3.conf
ifdown -i /etc/network/interfaces.d/t52 --force gre4 >/dev/null 2>&1
ip link del gre4 2>/dev/null

# --- Purge: nothing left ----------------------------------------------------------------
check "udevd stops" udevadm control --exit
udevd_pid=
check "tunnels deleted, rmmod" sh -c "for d in gre1 gre2 gre5 gre10; do ip link del \$d; done; rmmod gre_ka"
_GK_MODULE_LOADED=0
check "the files the test made removed" rm -f /etc/gre-ka/gre1.conf /etc/gre-ka/gre2.conf /etc/gre-ka/gre5.conf \
	/etc/gre-ka.conf /etc/network/interfaces.d/t52
check "dpkg --purge gre-ka gre-ka-dkms" sh -c \
	"dpkg --purge gre-ka gre-ka-dkms >>'$GRE_KA_OUT/t-52-dpkg.log' 2>&1"
left=$(leftovers)
check_eq "no file, DKMS tree or module left behind" "" "$left"
test_done
