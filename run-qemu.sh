#!/usr/bin/env bash
# run-qemu.sh: boot pkrulab in QEMU and turn the kernel's verdict into an
# exit status.
#
# Usage: ./run-qemu.sh [OPTIONS] [--] [KERNEL ARGS...]
#
#   --cpu MODEL    QEMU CPU model (default: max; with --kvm: host), e.g.
#                  "qemu64,+pku,+xsave,+xsaveopt" or "max,-pku"
#   --uefi         boot through OVMF (UEFI) instead of SeaBIOS
#   --icount       -icount shift=0,sleep=off: deterministic instruction counts
#   --kvm          use KVM (needs a usable /dev/kvm and a host CPU with PKU)
#   --timeout S    kill QEMU after S seconds (default 180, 0 = no limit)
#   --smp N        number of CPUs (default 2: the boot CPU and one AP; smp=N
#                  in the kernel arguments uses fewer)
#   --mem SIZE     guest memory (default 256M)
#   --no-serial    no serial port at all; the verdict comes from the exit status
#   --log FILE     also write the serial output to FILE
#   --iso PATH     boot this ISO instead of building build/pkrulab.iso
#   --disk         attach the ISO as a raw hard disk instead of a CD: how a
#                  USB stick written with dd looks to the firmware
#   --program FILE put the static x86-64 Linux executable FILE (a static PIE,
#                  or non-PIE linked between 4 and 32 MiB: gcc -static's
#                  0x400000) into a per-run ISO under build/ and run it as the cells
#                  linux.NAME[CONFIG] (NAME: its file name); repeatable.  A
#                  file that is not one is refused by name (exit 2)
#   -h, --help     this text
#
# Kernel arguments (e.g. tests=pku.*,xsave.* config=xsave,hybrid) reach the
# kernel through the QEMU fw_cfg file opt/pkrulab/cmdline as "exit=qemu ARGS";
# the kernel appends them to the GRUB command line, later keys win.  The
# SMBIOS product "pkrulab-auto" makes the ISO's GRUB menu boot at once.
#
# The serial console goes to stdout; build output and messages go to stderr.
# QEMU never reads stdin, so this works without a terminal (CI).
# PKRULAB_VERBOSE=1 prints the QEMU command line on stderr.
#
# Exit status: 0 every cell matched its expectation, 1 a cell did not,
# 2 the run itself failed (bad option, build failure, QEMU error, timeout,
# crash, reboot or power-off without a verdict, harness error).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROG=run-qemu.sh
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd

usage() {
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

die() {
	echo "$PROG: $*" >&2
	exit 2
}

# QEMU's option parser ends a value at a comma; a literal comma is ",,".
qemu_escape() {
	printf '%s' "${1//,/,,}"
}

# ---- options ---------------------------------------------------------------
cpu=""
uefi=0
icount=0
kvm=0
timeout_s=180
smp=2
mem=256M
serial=1
log=""
iso=""
disk=0
programs=()
kargs=()

set_opt() {
	local opt=$1 val=$2
	case $opt in
	--cpu)
		[ -n "$val" ] || die "--cpu needs a model name"
		cpu=$val ;;
	--timeout)
		[[ $val =~ ^[0-9]+$ ]] || die "--timeout wants whole seconds, not '$val'"
		timeout_s=$((10#$val)) ;;
	--smp)
		[[ $val =~ ^[1-9][0-9]*$ ]] || die "--smp wants a CPU count, not '$val'"
		smp=$val ;;
	--mem)
		[[ $val =~ ^[1-9][0-9]*[KMGTkmgt]?$ ]] || die "--mem wants a size such as 256M or 1G, not '$val'"
		mem=$val ;;
	--log)
		[ -n "$val" ] || die "--log needs a file name"
		log=$val ;;
	--iso)
		[ -n "$val" ] || die "--iso needs a path"
		iso=$val ;;
	--program)
		[ -n "$val" ] || die "--program needs a file name"
		programs+=("$val") ;;
	esac
}

while [ $# -gt 0 ]; do
	case $1 in
	--cpu | --timeout | --smp | --mem | --log | --iso | --program)
		[ $# -ge 2 ] || die "option $1 needs a value (try --help)"
		set_opt "$1" "$2"
		shift 2 ;;
	--cpu=* | --timeout=* | --smp=* | --mem=* | --log=* | --iso=* | --program=*)
		set_opt "${1%%=*}" "${1#*=}"
		shift ;;
	--uefi) uefi=1; shift ;;
	--disk) disk=1; shift ;;
	--icount) icount=1; shift ;;
	--kvm) kvm=1; shift ;;
	--no-serial) serial=0; shift ;;
	-h | --help) usage; exit 0 ;;
	--) shift; kargs+=("$@"); break ;;
	-*) die "unknown option '$1' (try --help)" ;;
	*) kargs+=("$1"); shift ;;
	esac
done

# ---- checks, build ---------------------------------------------------------
accel=tcg
if [ "$kvm" = 1 ]; then
	[ "$icount" = 0 ] || die "--icount needs TCG; it cannot be combined with --kvm"
	if [ ! -e /dev/kvm ]; then
		die "--kvm: /dev/kvm does not exist (no KVM on this host, or the kvm module is not loaded)"
	fi
	if ! { : <>/dev/kvm; } 2>/dev/null; then
		die "--kvm: /dev/kvm cannot be opened read-write by $(id -un) (add the user to group '$(stat -c %G /dev/kvm)'?)"
	fi
	if ! grep -qw pku /proc/cpuinfo; then
		die "--kvm: the host CPU has no PKU (no 'pku' flag in /proc/cpuinfo), so KVM cannot offer it to the guest; run without --kvm (TCG emulates PKU)"
	fi
	accel=kvm
	cpu=${cpu:-host}
fi
cpu=${cpu:-max}

# The Linux programs of --program: checked by name before anything is built.
# The kernel keeps 64 boot modules (MB2_MAX_MODULES); the image's own
# programs take some.
declare -A program_names=() builtin=()
if [ "${#programs[@]}" -gt 0 ]; then
	for b in $(make -s --no-print-directory -C "$ROOT" print-linux-progs); do builtin[$b]=1; done
	MAX_PROGRAMS=$((64 - ${#builtin[@]}))
	[ -z "$iso" ] || die "--program builds its own ISO: it cannot be combined with --iso"
	[ "${#programs[@]}" -le "$MAX_PROGRAMS" ] || die "--program: at most $MAX_PROGRAMS programs per run"
	for f in "${programs[@]}"; do
		[ -f "$f" ] || die "--program: '$f' is not a file"
		[ -r "$f" ] || die "--program: '$f' cannot be read"
		name=$(basename -- "$f")
		[[ $name =~ ^[A-Za-z0-9][A-Za-z0-9_.+-]{0,30}$ ]] ||
			die "--program: '$f': its name must be 1 to 31 letters, digits, '_', '.', '+' or '-' (the cell is linux.NAME)"
		[ -z "${builtin[$name]:-}" ] ||
			die "--program: '$f': the image's own program linux.$name has that name already"
		[ -z "${program_names[$name]:-}" ] || die "--program: two programs are named '$name'"
		program_names[$name]=1
	done
fi

bash "$ROOT/tools/install-deps.sh" || die "required host tools are missing (see above)"

if [ -z "$iso" ]; then
	# Build messages go to stderr: stdout carries only the serial console.
	make -s --no-print-directory -C "$ROOT" >&2 || die "build failed"
	iso=$ROOT/build/pkrulab.iso
fi
[ -f "$iso" ] || die "no ISO image at '$iso'"

tmpvars=""
tmpdisk=""
piso=""
cleanup() {
	if [ -n "$tmpvars" ]; then
		rm -f -- "$tmpvars"
	fi
	if [ -n "$tmpdisk" ]; then
		rm -f -- "$tmpdisk"
	fi
	if [ -n "$piso" ]; then
		rm -rf -- "$piso"
	fi
}
trap cleanup EXIT

# --program: the kernel's own ELF check (build/host/elfcheck), then a copy
# of the ISO tree with the programs added as modules.
if [ "${#programs[@]}" -gt 0 ]; then
	"$ROOT/build/host/elfcheck" "${programs[@]}" ||
		die "--program: not a static x86-64 executable that pkrulab can run (see above)"
	piso=$(mktemp -d "$ROOT/build/program-iso.XXXXXX")
	cp -r "$ROOT/build/iso" "$piso/iso"
	for f in "${programs[@]}"; do
		name=$(basename -- "$f")
		cp -- "$f" "$piso/iso/boot/linux/$name"
		echo "module2 /boot/linux/$name prog $name" >>"$piso/iso/boot/grub/programs.cfg"
	done
	grub-mkrescue -o "$piso/pkrulab.iso" "$piso/iso" 2>"$piso/grub-mkrescue.log" ||
		{ cat "$piso/grub-mkrescue.log" >&2; rm -rf -- "$piso"; die "--program: grub-mkrescue failed"; }
	iso=$piso/pkrulab.iso
fi

if [ "$uefi" = 1 ]; then
	if [ ! -f "$OVMF_CODE" ] || [ ! -f "$OVMF_VARS" ]; then
		die "--uefi: OVMF firmware not found ($OVMF_CODE, $OVMF_VARS)"
	fi
fi

if [ -n "$log" ]; then
	# Fails early (rather than inside QEMU) if FILE cannot be written.
	{ : >"$log"; } 2>/dev/null || die "cannot write the log file '$log'"
fi

# ---- QEMU command line -----------------------------------------------------

cmdline="exit=qemu"
if [ "${#kargs[@]}" -gt 0 ]; then
	cmdline+=" ${kargs[*]}"
fi

# The SMBIOS family tells the image's GRUB which Linux programs to load:
# Linux's x86 selftests (opt-in cells) only for a tests= glob that begins
# with "linux.x86_", none of them for a tests= that selects no linux.* cell
# (tools/programs-family.sh; a BIOS boot of tests=none 2.9 s -> 0.9 s).
# shellcheck source=tools/programs-family.sh
. "$ROOT/tools/programs-family.sh"
family=$(programs_family ${kargs[@]+"${kargs[@]}"})

# shellcheck disable=SC2054  # the commas belong to QEMU option values
qemu=(qemu-system-x86_64
	-accel "$accel" -cpu "$cpu" -m "$mem" -smp "$smp"
	-display none -no-reboot -nic none
	-device isa-debug-exit,iobase=0xf4,iosize=0x04
	-smbios "type=1,product=pkrulab-auto,family=$family"
	-fw_cfg "name=opt/pkrulab/cmdline,string=$(qemu_escape "$cmdline")")
if [ "$uefi" = 1 ]; then
	# OVMF writes its variable store: give it a private copy.
	tmpvars=$(mktemp "${TMPDIR:-/tmp}/pkrulab-ovmf-vars.XXXXXX")
	cp -- "$OVMF_VARS" "$tmpvars"
	qemu+=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$(qemu_escape "$OVMF_CODE")"
		-drive "if=pflash,format=raw,unit=1,file=$(qemu_escape "$tmpvars")")
fi
if [ "$icount" = 1 ]; then
	qemu+=(-icount "shift=0,sleep=off")
	# Tells the kernel its TSC now counts instructions (bench unit).
	qemu+=(-fw_cfg "name=opt/pkrulab/icount,string=1")
fi
if [ "$disk" = 1 ]; then
	# A copy: QEMU may not write to the build's ISO, and the firmware sees
	# the same bytes a USB stick written with dd would hold.
	tmpdisk=$(mktemp "${TMPDIR:-/tmp}/pkrulab-disk.XXXXXX")
	cp "$iso" "$tmpdisk"
	qemu+=(-drive "if=ide,index=0,media=disk,format=raw,file=$(qemu_escape "$tmpdisk")" -boot c)
else
	qemu+=(-cdrom "$iso" -boot d)
fi

if [ "$serial" = 0 ]; then
	serial_opts=(-serial none)
elif [ -n "$log" ]; then
	serial_opts=(-chardev "stdio,id=serial0,logfile=$(qemu_escape "$log")" -serial chardev:serial0)
else
	serial_opts=(-serial stdio)
fi

cmd=("${qemu[@]}" "${serial_opts[@]}" -monitor none)
# PKRULAB_QEMU_ARGS: extra QEMU options, split at spaces (e.g. "-d exec -D q.log"
# for tools/pathprof.py, or "-s -S" to wait for gdb).
if [ -n "${PKRULAB_QEMU_ARGS:-}" ]; then
	read -r -a extra <<<"$PKRULAB_QEMU_ARGS"
	cmd+=("${extra[@]}")
fi
if [ "${PKRULAB_VERBOSE:-0}" = 1 ]; then
	line=""
	for word in "${cmd[@]}"; do
		# Quote (for copying into a shell) only where needed.
		if [[ $word =~ ^[A-Za-z0-9_./:=,+-]+$ ]]; then
			line+=" $word"
		else
			line+=" ${word@Q}"
		fi
	done
	echo "$PROG: QEMU command:$line" >&2
fi

# ---- run -------------------------------------------------------------------
# QEMU runs in the background so that a signal to this script (Ctrl-C, CI
# cancelling the job) can be passed on; `timeout --foreground` keeps it in
# our process group (terminal signals reach it, no SIGTTOU) and still kills
# it after the time limit (TERM, then KILL 10 s later).
caught=""
qpid=""
# shellcheck disable=SC2317  # called from the traps below
on_signal() {
	caught=$1
	if [ -n "$qpid" ]; then
		kill -TERM "$qpid" 2>/dev/null || true
	fi
}
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP

timeout --foreground --kill-after=10 "$timeout_s" "${cmd[@]}" </dev/null &
qpid=$!
while :; do
	rc=0
	wait "$qpid" || rc=$?
	# wait returns early (>128) when a trapped signal arrives: wait again.
	if [ -z "$caught" ] || ! kill -0 "$qpid" 2>/dev/null; then
		break
	fi
done

if [ -n "$caught" ]; then
	echo "$PROG: interrupted by SIG$caught" >&2
	cleanup
	trap - "$caught" EXIT
	kill -s "$caught" $$
	exit 2
fi

# isa-debug-exit makes QEMU exit with (value << 1) | 1; the kernel writes
# 0x10 + its status: 0 (all matched), 1 (a mismatch), 2 (harness error).
# The offset keeps the verdicts clear of QEMU's own exit status 1 (bad
# option, unknown CPU model).
case $rc in
33) exit 0 ;;
35)
	echo "$PROG: the kernel reported a mismatch (exit status 1)" >&2
	exit 1 ;;
37) die "the kernel reported a harness error (bad argument or broken test run)" ;;
1) die "QEMU failed to start (bad option, CPU model or image? see its message above)" ;;
0) die "QEMU exited without isa-debug-exit status (crash, reboot or power-off?)" ;;
124) die "timeout after $timeout_s s" ;;
137) die "QEMU was killed with SIGKILL (did not stop within 10 s of the timeout after $timeout_s s, or out of memory)" ;;
125 | 126 | 127) die "could not run QEMU (timeout exit status $rc)" ;;
*)
	if [ "$rc" -gt 128 ]; then
		die "QEMU was killed by signal $((rc - 128))"
	elif [ $((rc & 1)) = 1 ]; then
		die "the kernel wrote the unexpected value $(((rc >> 1) - 16)) to isa-debug-exit"
	fi
	die "QEMU failed with exit status $rc" ;;
esac
