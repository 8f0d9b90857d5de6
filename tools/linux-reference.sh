#!/usr/bin/env bash
# tools/linux-reference.sh: the same Linux pkey selftest binaries that
# pkrulab runs, under Debian's own Linux 6.12 and 6.1 kernels in the same
# QEMU (TCG), for the README's side-by-side table.  `make linux-reference`.
#
# Usage: tools/linux-reference.sh [OPTIONS]
#
#   --kernels LIST  comma-separated series (default 6.12,6.1); each is the
#                   newest linux-image-SERIES.*-amd64-unsigned apt knows
#   --cpu MODEL     QEMU CPU model (default max, as run-qemu.sh)
#   --uid N         the uid the programs run as (default 1000: pkrulab's
#                   AT_UID, so that protection_keys takes the same non-root
#                   path, skipping hugetlb; 0 runs them as root)
#   --timeout S     limit for one boot, all programs included (default 600)
#   --mem SIZE      guest memory (default 512M)
#   --append ARGS   more kernel arguments (e.g. "loglevel=7" for the boot
#                   messages that "quiet" hides)
#   --out DIR       logs and results (default build/linux-reference)
#   --cache DIR     downloaded kernels (default ~/.cache/pkrulab/linux-reference)
#   --offline       no apt: use the newest kernel of each series in the cache
#   --x86           run Linux's x86 selftests instead (the image's x86_NAME
#                   programs and nx_stack, build/linux/selftests, each with
#                   a limit of 120 s; out default build/linux-reference-x86)
#   -h, --help      this text
#
# Each kernel boots from its vmlinuz (apt-get download + dpkg-deb -x of
# Debian's package; nothing is installed into /boot) with an initramfs
# holding a static init (tools/linux-reference/init.c), the selftests
# built by `make linux-selftests` (build/linux/selftests/, unmodified) and
# pkey_sighandler_tests-one (tools/linux-reference/one-test.c: one entry
# of that selftest's test table per process).  init runs, as uid N:
# protection_keys, pkey_sighandler_tests, then pkey_sighandler_tests-one
# 1..5, then pkrulab's own hostile and hostile_static (build/linux/progs:
# the hostile-instruction table; its output is kept as
# tools/testdata/hostile-linux-6.12.txt) and abi_mem, abi_sig, abi_proc
# (kept as tools/testdata/abi-linux-6.12/NAME.txt: `tools/abi_diff.py extract
# DIR/linux-6.12.*.log tools/testdata/abi-linux-6.12 abi_mem abi_sig abi_proc`),
# attack, and exec (execve of /bin/exec: tools/testdata/exec-linux-6.12.txt),
# and powers off.  Written to DIR: linux-LABEL.log (the serial
# console), results.txt (one tab-separated line per cell: status,
# processes, ok / not ok counts, sub-results, last line), table.md; one
# line per cell and the boot+run wall times are printed.
#
# With --x86 init runs only the x86 selftests, in the Makefile's order
# (README "Linux's x86 selftests"; upstream runs them as root: --uid 0).
#
# Exit status: 0 every kernel booted and ran every program to its end
# (whatever the programs' verdicts), 1 a download, build or boot failed
# (a kernel panic or a hang is named), 2 usage error.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=linux-reference.sh
PYTHON=${PYTHON:-python3}
[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
ST_DIR=$ROOT/build/linux/selftests
ST_SRC=$ST_DIR/src/linux-source-6.12/tools/testing/selftests/mm
SELFTESTS=(protection_keys pkey_sighandler_tests)
# pkrulab's own programs whose output must equal Linux's (build/linux/progs).
OWN=(hostile hostile_static abi_mem abi_sig abi_proc attack exec)
ONE_TESTS=5                       # entries in pkey_sighandler_tests' pkey_tests[]
# Per-program limits inside the guest (init kills a run that exceeds its own).
RUN_LIMIT_S=300
ONE_LIMIT_S=60
X86_LIMIT_S=120
# Under Linux 6.12 in QEMU TCG sysret_ss_attrs oopses (an emulator effect:
# the guest kernel faults on the SYSRET path) and its process never ends:
# it runs last, and init gives up on it sooner.
X86_LAST=x86_sysret_ss_attrs
X86_LAST_LIMIT_S=20

usage() {
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

die() {
	echo "$PROG: $*" >&2
	exit 1
}

usage_error() {
	echo "$PROG: $* (try --help)" >&2
	exit 2
}

kernels=6.12,6.1
cpu=max
uid=1000
timeout_s=600
mem=512M
extra_append=""
out=$ROOT/build/linux-reference
cache=${XDG_CACHE_HOME:-$HOME/.cache}/pkrulab/linux-reference
offline=0
x86=0
out_set=0

while [ $# -gt 0 ]; do
	opt=$1
	case $opt in
	--offline) offline=1; shift; continue ;;
	--x86) x86=1; shift; continue ;;
	-h | --help) usage; exit 0 ;;
	--kernels | --cpu | --uid | --timeout | --mem | --append | --out | --cache)
		[ $# -ge 2 ] || usage_error "$opt needs a value"
		val=$2
		shift 2 ;;
	--*=*) opt=${1%%=*}; val=${1#*=}; shift ;;
	*) usage_error "unknown argument '$1'" ;;
	esac
	case $opt in
	--kernels) kernels=$val ;;
	--cpu) cpu=$val ;;
	--uid) uid=$val ;;
	--timeout) timeout_s=$val ;;
	--mem) mem=$val ;;
	--append) extra_append=$val ;;
	--out) out=$val; out_set=1 ;;
	--cache) cache=$val ;;
	*) usage_error "unknown option '$opt'" ;;
	esac
done
if ! [[ $uid =~ ^[0-9]+$ ]] || [ "$uid" -gt 65535 ]; then
	usage_error "--uid wants a number 0..65535, not '$uid'"
fi
[[ $timeout_s =~ ^[1-9][0-9]*$ ]] || usage_error "--timeout wants a positive number of seconds, not '$timeout_s'"
IFS=, read -r -a series <<<"$kernels"
[ "${#series[@]}" -gt 0 ] || usage_error "--kernels is empty"
for s in "${series[@]}"; do
	[[ $s =~ ^[0-9]+\.[0-9]+$ ]] || usage_error "--kernels: '$s' is not a series like 6.12"
done

for tool in qemu-system-x86_64 gcc timeout "$PYTHON"; do
	command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found: run tools/install-deps.sh"
done
if [ "$offline" = 0 ]; then
	for tool in apt-cache apt-get dpkg-deb; do
		command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found: this needs Debian's apt (or --offline with a filled cache)"
	done
fi
if [ "$x86" = 1 ]; then
	[ "$out_set" = 1 ] || out=$ROOT/build/linux-reference-x86
	X86=()
	for t in $(make -s --no-print-directory -C "$ROOT" print-linux-progs); do
		case $t in "$X86_LAST") ;; x86_* | nx_stack) X86+=("$t") ;; esac
	done
	X86+=("$X86_LAST")
	for t in "${X86[@]}"; do
		[ -x "$ST_DIR/$t" ] || die "$ST_DIR/$t is missing: run 'make' first"
	done
else
	for t in "${SELFTESTS[@]}"; do
		[ -x "$ST_DIR/$t" ] || die "$ST_DIR/$t is missing: run 'make linux-selftests' first (make linux-reference does)"
	done
	[ -f "$ST_SRC/pkey_sighandler_tests.c" ] || die "$ST_SRC/pkey_sighandler_tests.c is missing: run 'make linux-selftests' first"
fi

mkdir -p "$out" "$cache" || die "cannot create $out or $cache"
# Absolute: the selftest driver is built from the selftest's directory.
out=$(cd "$out" && pwd)
cache=$(cd "$cache" && pwd)
work=$out/work
rm -rf -- "$work"
mkdir -p "$work"

# ---- the kernels -----------------------------------------------------------

# The newest linux-image-SERIES.*-amd64-unsigned package in apt's lists
# (6.1: linux-image-6.1.0-NN-amd64-unsigned; 6.12:
# linux-image-6.12.NNN+deb12-amd64-unsigned), "" if none.
newest_package() {
	local re="^linux-image-${1//./\\.}\\.[0-9]+(-[0-9]+|\\+deb[0-9]+)-amd64-unsigned\$"
	apt-cache search --names-only "$re" 2>/dev/null | awk '{print $1}' | sort -V | tail -n 1
}

apt_updated=0
# Sets pkg and kdir (the cache directory holding vmlinuz and version) for series $1.
fetch_kernel() {
	local s=$1 deb
	if [ "$offline" = 1 ]; then
		pkg=$(cd "$cache" && for d in linux-image-"$s".*-amd64-unsigned; do
			if [ -f "$d/vmlinuz" ]; then echo "$d"; fi; done | sort -V | tail -n 1)
		[ -n "$pkg" ] || die "--offline: no Linux $s kernel in $cache"
		kdir=$cache/$pkg
		return
	fi
	pkg=$(newest_package "$s")
	if [ -z "$pkg" ] && [ "$apt_updated" = 0 ] && [ "$(id -u)" = 0 ]; then
		echo "$PROG: no Linux $s image in apt's lists; running apt-get update" >&2
		apt_updated=1
		apt-get update </dev/null >"$work/apt-update.log" 2>&1 ||
			die "apt-get update failed (no network?); see $work/apt-update.log"
		pkg=$(newest_package "$s")
	fi
	[ -n "$pkg" ] || die "apt knows no linux-image-$s.*-amd64-unsigned package (is this Debian 12 with bookworm-security, and apt-get update done?)"
	kdir=$cache/$pkg
	[ -f "$kdir/vmlinuz" ] && [ -f "$kdir/version" ] && return
	echo "$PROG: downloading $pkg" >&2
	rm -rf -- "$kdir" "$cache/debs"
	mkdir -p "$cache/debs"
	(cd "$cache/debs" && apt-get download "$pkg" </dev/null) >"$work/apt-download.log" 2>&1 ||
		die "apt-get download $pkg failed (no network?); see $work/apt-download.log"
	deb=""
	for f in "$cache/debs/${pkg}"_*.deb; do
		[ -f "$f" ] && deb=$f
	done
	[ -n "$deb" ] || die "apt-get download $pkg left no .deb in $cache/debs"
	mkdir -p "$kdir.tmp"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$kdir.tmp" --wildcards './boot/vmlinuz-*' ||
		die "$deb: no boot/vmlinuz-* in the package"
	mv "$kdir.tmp"/boot/vmlinuz-* "$kdir.tmp/vmlinuz"
	dpkg-deb -f "$deb" Version >"$kdir.tmp/version"
	rm -rf -- "$kdir.tmp/boot" "$cache/debs"
	mv "$kdir.tmp" "$kdir"
}

# ---- the initramfs ---------------------------------------------------------

echo "$PROG: building init" >&2
gcc -static -O2 -Wall -Wextra -Werror "$ROOT/tools/linux-reference/init.c" -o "$work/init" ||
	die "building tools/linux-reference/init.c failed"
if [ "$x86" = 1 ]; then
	{
		echo "# LABEL TIMEOUT_S PROGRAM [ARG...] (tools/linux-reference/init.c)"
		for t in "${X86[@]}"; do
			if [ "$t" = "$X86_LAST" ]; then
				echo "$t $X86_LAST_LIMIT_S $t"
			else
				echo "$t $X86_LIMIT_S $t"
			fi
		done
	} >"$work/ref-runs"
	progs=()
	for t in "${X86[@]}"; do
		progs+=(--program "$t=$ST_DIR/$t")
	done
	"$PYTHON" "$ROOT/tools/linux_reference.py" initramfs "$work/initramfs.cpio" --init "$work/init" \
		--runs "$work/ref-runs" "${progs[@]}" || die "writing the initramfs failed"
	progs_meta="${X86[*]} (build/linux/selftests)"
else
	# The selftest's own flags and directory, as the Makefile builds it.
	(cd "$ST_SRC" && gcc -static-pie -mxsave -O2 -std=gnu99 -pthread -I. \
		"$ROOT/tools/linux-reference/one-test.c" -o "$work/pkey_sighandler_tests-one") ||
		die "building tools/linux-reference/one-test.c failed"

	{
		echo "# LABEL TIMEOUT_S PROGRAM [ARG...] (tools/linux-reference/init.c)"
		for t in "${SELFTESTS[@]}"; do
			echo "$t $RUN_LIMIT_S $t"
		done
		for n in $(seq 1 "$ONE_TESTS"); do
			echo "pkey_sighandler_tests/test$n $ONE_LIMIT_S pkey_sighandler_tests-one $n"
		done
		for t in "${OWN[@]}"; do
			echo "$t $RUN_LIMIT_S $t"
		done
	} >"$work/ref-runs"
	progs=()
	for t in "${SELFTESTS[@]}"; do
		progs+=(--program "$t=$ST_DIR/$t")
	done
	for t in "${OWN[@]}"; do
		[ -x "$ROOT/build/linux/progs/$t" ] || die "build/linux/progs/$t missing: run make first"
		progs+=(--program "$t=$ROOT/build/linux/progs/$t")
	done
	"$PYTHON" "$ROOT/tools/linux_reference.py" initramfs "$work/initramfs.cpio" --init "$work/init" \
		--runs "$work/ref-runs" "${progs[@]}" \
		--program "pkey_sighandler_tests-one=$work/pkey_sighandler_tests-one" ||
		die "writing the initramfs failed"
	progs_meta="${SELFTESTS[*]} (build/linux/selftests), pkey_sighandler_tests-one 1..$ONE_TESTS, ${OWN[*]} (build/linux/progs)"
fi

# ---- the boots -------------------------------------------------------------

append="console=ttyS0 quiet panic=-1 refuid=$uid${extra_append:+ $extra_append}"
runs=()
meta=("linux-reference.sh $(date -u +%Y-%m-%dT%H:%MZ) on $(uname -n), $(nproc) CPUs"
	"$(qemu-system-x86_64 --version | head -n 1), -accel tcg -cpu $cpu -m $mem -smp 1"
	"kernel command line: $append"
	"programs: $progs_meta, as uid $uid")
for s in "${series[@]}"; do
	fetch_kernel "$s"
	version=$(cat "$kdir/version")
	label=linux-${version%%-*}
	log=$out/$label.log
	meta+=("$label: $pkg $version")
	echo "$PROG: booting $label ($pkg $version), limit $timeout_s s" >&2
	t0=$(date +%s.%N)
	rc=0
	timeout --kill-after=10 "$timeout_s" qemu-system-x86_64 \
		-accel tcg -cpu "$cpu" -m "$mem" -smp 1 \
		-display none -no-reboot -nic none -monitor none \
		-kernel "$kdir/vmlinuz" -initrd "$work/initramfs.cpio" -append "$append" \
		-serial "file:$log" </dev/null 2>"$work/$label.qemu.err" || rc=$?
	wall=$(echo "$(date +%s.%N) - $t0" | bc)
	if [ -s "$work/$label.qemu.err" ]; then
		sed "s/^/$PROG: $label: qemu: /" "$work/$label.qemu.err" >&2
	fi
	runs+=(--run "$label,$log,$wall,$rc")
done

margs=()
for m in "${meta[@]}"; do
	margs+=(--meta "$m")
done
rc=0
"$PYTHON" "$ROOT/tools/linux_reference.py" report --results "$out/results.txt" \
	--markdown "$out/table.md" "${margs[@]}" "${runs[@]}" || rc=$?
echo "$PROG: results in ${out#"$ROOT"/}/results.txt, table.md and the serial logs linux-*.log" >&2
exit "$rc"
