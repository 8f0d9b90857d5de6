#!/usr/bin/env bash
# `make test`: host unit tests, a bounded fuzzing run, the QEMU and Bochs
# matrices, and the check that -icount benchmark figures are deterministic.
# Every stage prints "NAME: N passed, N failed"; this script adds them up
# and ends with one line "N passed, N failed" (exit 0 only if nothing failed).
set -u
cd "$(dirname "$0")/.."

total_pass=0
total_fail=0
LOG=build/test-all.log
# Debian's python3 (where apt puts python3-matplotlib), as the Makefile does.
if [ -z "${PYTHON:-}" ]; then
	PYTHON=python3
	[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
fi
export PYTHON
mkdir -p build
: >"$LOG"

run_stage() {
	local name=$1
	shift
	echo "== $name"
	local out rc t0=$SECONDS
	out=$("$@" 2>&1)
	rc=$?
	stage_account "$name" "$out" "$rc" $((SECONDS - t0))
}

# stage_account NAME OUTPUT STATUS SECONDS: print a stage's output and time
# (into the log too) and add its stage lines to the totals.
stage_account() {
	local name=$1 out=$2 rc=$3 secs=$4 p f
	printf '%s\n' "$out" | tee -a "$LOG"
	echo "   ($name: $secs s)"
	# Add up every "NAME: N passed, N failed" line the stage printed
	# (none at all counts as one failure).
	read -r p f < <(printf '%s\n' "$out" | "$PYTHON" tools/pkrulog.py stage-total)
	# A stage that failed without saying so still counts as one failure.
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
}

# Stages that run side by side (in "lanes", below) write their output to
# $STAGE_DIR/ID.out, then ID.secs and last ID.rc; stage_report prints them in
# the order of this script, each whole, as run_stage would have.
STAGE_DIR=build/test-all.stages
rm -rf "$STAGE_DIR"
mkdir -p "$STAGE_DIR"

# stage_bg ID CMD...: one stage of a lane (a lane runs its stages in turn).
stage_bg() {
	local id=$1 t0=$SECONDS rc
	shift
	"$@" >"$STAGE_DIR/$id.out" 2>&1 </dev/null
	rc=$?
	echo $((SECONDS - t0)) >"$STAGE_DIR/$id.secs"
	echo "$rc" >"$STAGE_DIR/$id.rc.tmp" && mv "$STAGE_DIR/$id.rc.tmp" "$STAGE_DIR/$id.rc"
}

# stage_report ID NAME: wait for stage ID to end, then report it as NAME.
stage_report() {
	local id=$1 name=$2
	while [ ! -f "$STAGE_DIR/$id.rc" ]; do
		if [ -z "$(jobs -rp)" ] && [ ! -f "$STAGE_DIR/$id.rc" ]; then
			# Its lane is gone without a word (killed): a failure.
			echo "test-all.sh: stage $id ended without a status" >>"$STAGE_DIR/$id.out"
			echo 0 >"$STAGE_DIR/$id.secs"
			echo 1 >"$STAGE_DIR/$id.rc"
			break
		fi
		sleep 1
	done
	echo "== $name"
	stage_account "$name" "$(cat "$STAGE_DIR/$id.out")" "$(cat "$STAGE_DIR/$id.rc")" \
		"$(cat "$STAGE_DIR/$id.secs")"
}

# lane FUNCTION: run it in the background, or in the foreground with
# PKRULAB_TEST_SERIAL=1 (every stage alone: its own time, unshared).
lane() {
	if [ "${PKRULAB_TEST_SERIAL:-0}" = 1 ]; then
		"$@"
	else
		"$@" &
	fi
}

run_stage "layers (nm -u per layer), function length" make --no-print-directory check-layers
run_stage "host unit tests" make --no-print-directory host-test
run_stage "fuzz (host, bounded)" make --no-print-directory fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
# make lava's default run is the matrix's bios-max run (-cpu max, BIOS, every
# cell): the matrix checks bios-max's patterns on its output instead of
# booting it again; its mismatch job is the matrix's xfail-switch-mismatch.
# The two --icount benchmark runs (one core, one run after the other) run
# beside the LAVA jobs, which leave a core idle while their default run
# goes on alone; reported in their place below.  -icount counts are
# the same whatever else the machine does (that is what the stage checks).
lane stage_bg bench bash tools/bench-determinism.sh
run_stage "LAVA jobs under lava-run (make lava)" make --no-print-directory lava
lava_reuse=""
[ -s build/lava/default/serial.log ] && lava_reuse="bios-max=build/lava/default/serial.log"
run_stage "QEMU matrix" env PKRULAB_MATRIX_REUSE="$lava_reuse" bash tools/qemu-matrix.sh

# The stages after the QEMU matrix run in two lanes side by side: the Bochs
# matrix (two Bochs at a time, one of them its 60-90 s full run) beside the
# ABI diff, hwref, the mutants (one build or one boot at a time), the UEFI
# screendump and the install boots, each of which keeps one core busy.  On
# 2 cores that saves about a minute against running them in turn.  Each
# stage's output and stage lines are what they were, reported in this
# order; only the wall time is shared (PKRULAB_TEST_SERIAL=1: one stage
# at a time).
# The LAVA stage's default run is this tree's full run: the mutants' unmutated
# baseline of their default stage (one full run fewer).
mutants_baseline=()
[ -s build/lava/default/serial.log ] && mutants_baseline=(--baseline-log build/lava/default/serial.log)
# The abi-linux case's log is checked line for line against Linux 6.12
# (tools/testdata/abi-linux-6.12/).
mutants_lane() {
	stage_bg abi "$PYTHON" tools/abi_diff.py check build/matrix/abi-linux.log
	stage_bg hwref bash -c "make --no-print-directory build/hwref >/dev/null && $PYTHON tools/hwref_check.py build/hwref build/pkrulab.elf"
	stage_bg mutants python3 tools/mutants.py --fast "${mutants_baseline[@]}"
	stage_bg fb "$PYTHON" tools/fb-check.py
	stage_bg install bash tools/test-install.sh
}
lanes_t0=$SECONDS
echo "== side by side: the Bochs matrix | ABI, hwref, mutants, screendump, install"
lane stage_bg bochs bash tools/bochs-matrix.sh
lane mutants_lane
stage_report abi "Linux ABI against Linux 6.12 (tools/abi_diff.py)"
stage_report hwref "native replays on this CPU (tools/hwref --short)"
stage_report bochs "Bochs matrix"
stage_report mutants "mutants (fast subset: each must be killed)"
stage_report bench "benchmarks under -icount: deterministic"
stage_report fb "UEFI framebuffer console (screendump)"
stage_report install "make install / uninstall, the /etc/grub.d menu, booted"
wait
echo "   (the two lanes: $((SECONDS - lanes_t0)) s)"

echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
