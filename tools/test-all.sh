#!/usr/bin/env bash
# `make test`: host unit tests, a bounded fuzzing run, the QEMU matrix, and
# the check that -icount benchmark figures are deterministic.
# Every stage prints "NAME: N passed, N failed"; this script adds them up
# and ends with one line "N passed, N failed" (exit 0 only if nothing failed).
set -u
cd "$(dirname "$0")/.."

total_pass=0
total_fail=0
LOG=build/test-all.log
mkdir -p build
: >"$LOG"

run_stage() {
	local name=$1
	shift
	echo "== $name"
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" | tee -a "$LOG"
	local p f
	# Add up every "NAME: N passed, N failed" line the stage printed.
	read -r p f < <(printf '%s\n' "$out" |
		sed -nE 's/^[A-Za-z0-9_-]+: ([0-9]+) passed, ([0-9]+) failed.*/\1 \2/p' |
		awk '{p += $1; f += $2; n++} END {if (n) print p, f; else print 0, 1}')
	# A stage that failed without saying so still counts as one failure.
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
}

run_stage "host unit tests" make --no-print-directory host-test
run_stage "fuzz (host, bounded)" make --no-print-directory fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
run_stage "QEMU matrix" bash tools/qemu-matrix.sh
run_stage "mutants (fast subset: each must be killed)" python3 tools/mutants.py --fast
run_stage "benchmarks under -icount: deterministic" bash tools/bench-determinism.sh
run_stage "UEFI framebuffer console (screendump)" python3 tools/fb-check.py

echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
