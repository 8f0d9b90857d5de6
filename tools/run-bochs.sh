#!/usr/bin/env bash
# tools/run-bochs.sh: boot pkrulab in Bochs and turn the kernel's verdict
# into an exit status, like run-qemu.sh does for QEMU.
#
# Usage: tools/run-bochs.sh [OPTIONS] [--] [KERNEL ARGS...]
#
#   --cpu MODEL    Bochs CPU model (default: tigerlake; `bochs -help cpu`
#                  lists them), e.g. corei7_haswell_4770 (XSAVE, no PKU)
#   --timeout S    kill Bochs after S seconds (default 600, 0 = no limit)
#   --mem MIB      guest memory in MiB (default 256)
#   --smp N        number of CPUs (default 1; Debian's Bochs has SMP support)
#   --log FILE     also write the serial output to FILE
#   --keep DIR     keep the generated bochsrc, ISO and Bochs's own log in DIR
#   --unlist ID    boot a kernel built without ID in its known-deviation
#                  table (make UNLIST_DEVIATION=ID, in build/unlist-ID/):
#                  shows that an unlisted deviation fails the run
#   -h, --help     this text
#
# Bochs has no fw_cfg, so the kernel arguments reach the kernel through the
# GRUB configuration of an ISO built for this run (`make iso-args`): the
# menu boots at once with "config=all tests=all exit=poweroff ARGS" (later
# keys win).  exit=poweroff (ACPI S5) ends Bochs.  Bochs runs headless
# (display library rfb with timeout=0: nobody needs to connect), its
# debugger is told to continue at once, the serial port (COM1) is a file
# that is streamed to stdout while the kernel runs.
#
# Exit status, as run-qemu.sh: 0 every cell matched its expectation (the
# summary line says 0 failed), 1 a cell did not, 2 the run itself failed
# (bad option, build failure, Bochs error, timeout, triple fault, no
# summary line, harness error).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=run-bochs.sh
BIOS=/usr/share/bochs/BIOS-bochs-latest
VGABIOS=/usr/share/vgabios/vgabios.bin

usage() {
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

die() {
	echo "$PROG: $*" >&2
	exit 2
}

cpu=tigerlake
timeout_s=600
mem=256
smp=1
log=""
keep=""
unlist=""
kargs=()

set_opt() {
	local opt=$1 val=$2
	case $opt in
	--cpu)
		[[ $val =~ ^[a-z0-9_]+$ ]] || die "--cpu wants a Bochs model name, not '$val'"
		cpu=$val ;;
	--timeout)
		[[ $val =~ ^[0-9]+$ ]] || die "--timeout wants whole seconds, not '$val'"
		timeout_s=$((10#$val)) ;;
	--mem)
		[[ $val =~ ^[1-9][0-9]*$ ]] || die "--mem wants MiB as a number, not '$val'"
		mem=$val ;;
	--smp)
		[[ $val =~ ^[1-9][0-9]*$ ]] || die "--smp wants a CPU count, not '$val'"
		smp=$val ;;
	--log)
		[ -n "$val" ] || die "--log needs a file name"
		log=$val ;;
	--keep)
		[ -n "$val" ] || die "--keep needs a directory"
		keep=$val ;;
	--unlist)
		[[ $val =~ ^[a-z0-9_]+\.[a-z0-9_.]+$ ]] || die "--unlist wants a deviation id such as pku.wd_supervisor, not '$val'"
		unlist=$val ;;
	esac
}

while [ $# -gt 0 ]; do
	case $1 in
	--cpu | --timeout | --mem | --smp | --log | --keep | --unlist)
		[ $# -ge 2 ] || die "option $1 needs a value (try --help)"
		set_opt "$1" "$2"
		shift 2 ;;
	--cpu=* | --timeout=* | --mem=* | --smp=* | --log=* | --keep=* | --unlist=*)
		set_opt "${1%%=*}" "${1#*=}"
		shift ;;
	-h | --help) usage; exit 0 ;;
	--) shift; kargs+=("$@"); break ;;
	-*) die "unknown option '$1' (try --help)" ;;
	*) kargs+=("$1"); shift ;;
	esac
done

for a in "${kargs[@]}"; do
	# The arguments end up inside single quotes in grub.cfg.
	[[ $a =~ ^[A-Za-z0-9_.,*?=:+/@%-]+$ ]] ||
		die "kernel argument '$a' has a character grub.cfg cannot carry (allowed: letters, digits, _ . , * ? = : + / @ % -)"
done

bash "$ROOT/tools/install-deps.sh" || die "required host tools are missing (see above)"
[ -f "$BIOS" ] || die "Bochs BIOS not found at $BIOS (package bochsbios)"
[ -f "$VGABIOS" ] || die "VGA BIOS not found at $VGABIOS (package vgabios)"

if [ -n "$keep" ]; then
	mkdir -p -- "$keep" || die "cannot create '$keep'"
	work=$(cd "$keep" && pwd)
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/pkrulab-bochs.XXXXXX")
fi
bpid=""
tpid=""
cleanup() {
	if [ -n "$tpid" ]; then
		kill "$tpid" 2>/dev/null || true
	fi
	if [ -n "$bpid" ]; then
		# TERM to timeout(1) reaches Bochs too; KILL would orphan it.
		kill -TERM "$bpid" 2>/dev/null || true
		wait "$bpid" 2>/dev/null || true
	fi
	if [ -z "$keep" ]; then
		rm -rf -- "$work"
	fi
}
trap cleanup EXIT
trap 'echo "$PROG: interrupted" >&2; exit 2' INT TERM HUP

iso=$work/pkrulab.iso
# A run whose tests= selects no linux.* cell gets an image without the
# Linux programs (ISO_ARGS_PROGS empty): under Bochs reading their 20 MB
# costs 3.3 s of a 7.4 s tests=pku.* run (tools/programs-family.sh).
# shellcheck source=tools/programs-family.sh
. "$ROOT/tools/programs-family.sh"
no_progs=()
if [ "$(programs_family ${kargs[@]+"${kargs[@]}"})" = pkrulab-no-programs ]; then
	no_progs=(ISO_ARGS_PROGS=)
fi
make -s --no-print-directory -C "$ROOT" iso-args ISO_OUT="$iso" ${unlist:+UNLIST_DEVIATION="$unlist"} \
	"${no_progs[@]}" KARGS="config=all tests=all exit=poweroff ${kargs[*]}" >&2 || die "build failed"

# COM1 writes straight into --log FILE (kept even if Bochs dies), else a temporary file.
serial=$work/serial.log
if [ -n "$log" ]; then
	{ : >"$log"; } 2>/dev/null || die "cannot write the log file '$log'"
	serial=$(cd "$(dirname "$log")" && pwd)/$(basename "$log")
fi
: >"$serial"

# reset_on_triple_fault=0: a triple fault ends Bochs with a panic that
# names it, instead of a silent reboot into the BIOS.
cat >"$work/bochsrc" <<EOF
megs: $mem
cpu: model=$cpu, count=$smp, reset_on_triple_fault=0
romimage: file=$BIOS
vgaromimage: file=$VGABIOS
pci: enabled=1, chipset=i440fx
ata0-master: type=cdrom, path=$iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=$serial
display_library: rfb, options="timeout=0"
speaker: enabled=0
sound: driver=dummy
clock: sync=none
log: $work/bochs.log
panic: action=fatal
error: action=report
info: action=report
EOF
echo c >"$work/debugger.rc"

limit=()
[ "$timeout_s" = 0 ] || limit=(timeout --kill-after=10 "$timeout_s")
"${limit[@]}" bochs -q -f "$work/bochsrc" -rc "$work/debugger.rc" \
	</dev/null >"$work/bochs.out" 2>&1 &
bpid=$!
# Stream the serial console while Bochs runs; tail stops with Bochs.
tail -n +1 --pid="$bpid" -f "$serial" &
tpid=$!
rc=0
wait "$bpid" || rc=$?
bpid=""
wait "$tpid" 2>/dev/null || true
tpid=""

# The last lines of Bochs's own output and log (not the kernel's serial log)
# that say why it stopped.
tail_bochs() {
	grep -E '>>PANIC<<|exception\(\)|triple|Bochs is exiting' "$work/bochs.out" "$work/bochs.log" 2>/dev/null |
		tail -n 5 | sed 's/^/    | /' >&2 || true
}

if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	die "timeout after $timeout_s s"
fi
# The kernel's verdict, from its summary and harness-error lines: tools/pkrulog.py reads them.
vrc=0
verdict=$("${PYTHON:-python3}" "$ROOT/tools/pkrulog.py" verdict "$serial") || vrc=$?
case $vrc in
0) exit 0 ;;
1)
	echo "$PROG: the kernel reported a mismatch ($verdict)" >&2
	exit 1 ;;
2) die "the kernel reported a harness error (bad argument or broken test run)" ;;
3)
	tail_bochs
	die "Bochs ended (status $rc) without the kernel's summary line (crash, triple fault or no boot?)" ;;
*) die "tools/pkrulog.py verdict failed (status $vrc) on $serial" ;;
esac
