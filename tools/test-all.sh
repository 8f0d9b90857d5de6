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
	printf '%s\n' "$out" | tee -a "$LOG"
	echo "   ($name: $((SECONDS - t0)) s)"
	local p f
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

run_stage "layers (nm -u per layer), function length" make --no-print-directory check-layers
run_stage "host unit tests" make --no-print-directory host-test
run_stage "fuzz (host, bounded)" make --no-print-directory fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
# make lava's default run is the matrix's bios-max run (-cpu max, BIOS, every
# cell): the matrix checks bios-max's patterns on its output instead of
# booting it again; its mismatch job is the matrix's xfail-switch-mismatch.
run_stage "LAVA jobs under lava-run (make lava)" make --no-print-directory lava
lava_reuse=""
[ -s build/lava/default/serial.log ] && lava_reuse="bios-max=build/lava/default/serial.log"
run_stage "QEMU matrix" env PKRULAB_MATRIX_REUSE="$lava_reuse" bash tools/qemu-matrix.sh
# The abi-linux case's log, line for line against Linux 6.12 (tools/testdata/abi-linux-6.12/).
run_stage "Linux ABI against Linux 6.12 (tools/abi_diff.py)" \
	"$PYTHON" tools/abi_diff.py check build/matrix/abi-linux.log
run_stage "native replays on this CPU (tools/hwref --short)" \
	bash -c "make --no-print-directory build/hwref >/dev/null && $PYTHON tools/hwref_check.py build/hwref build/pkrulab.elf"
run_stage "Bochs matrix" bash tools/bochs-matrix.sh
# The LAVA stage's default run is this tree's full run: the mutants' unmutated
# baseline of their default stage (one full run fewer).
mutants_baseline=()
[ -s build/lava/default/serial.log ] && mutants_baseline=(--baseline-log build/lava/default/serial.log)
run_stage "mutants (fast subset: each must be killed)" python3 tools/mutants.py --fast "${mutants_baseline[@]}"
run_stage "benchmarks under -icount: deterministic" bash tools/bench-determinism.sh
run_stage "UEFI framebuffer console (screendump)" "$PYTHON" tools/fb-check.py
run_stage "make install / uninstall, the /etc/grub.d menu, booted" bash tools/test-install.sh

echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
