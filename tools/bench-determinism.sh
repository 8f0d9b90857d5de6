#!/usr/bin/env bash
# Boot the benchmarks twice under QEMU -icount shift=0 and check that every
# p50 is identical: instruction counts are deterministic, so a difference
# means the measurement itself is broken (interrupt noise, a clock that is
# not the instruction counter, uninitialised state).  Then check the
# benchmark issue's path-length targets on the first run
# (tools/pkrulab_report.py targets): a change that makes a hot path longer
# fails here.  Prints "bench-determinism: N passed, N failed" and
# "bench-targets: N passed, N failed".
set -u
set -f
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
OUT=build/bench
mkdir -p "$OUT"
ARGS=(--icount --timeout 300 -- tests=none bench=all
      bench_iters=200)

for run in 1 2; do
	if ! ./run-qemu.sh --log "$OUT/determinism-$run.log" "${ARGS[@]}" >/dev/null 2>"$OUT/determinism-$run.err"; then
		echo "run $run failed:" >&2
		cat "$OUT/determinism-$run.err" >&2
		echo "bench-determinism: 0 passed, 1 failed"
		exit 1
	fi
	"$PYTHON" tools/pkrulog.py p50 --unit instructions "$OUT/determinism-$run.log" >"$OUT/determinism-$run.p50"
done
lines=$(wc -l <"$OUT/determinism-1.p50")
if [ "$lines" -lt 10 ]; then
	echo "only $lines benchmark lines in unit=instructions" >&2
	echo "bench-determinism: 0 passed, 1 failed"
	exit 1
fi
if ! diff -u "$OUT/determinism-1.p50" "$OUT/determinism-2.p50" >&2; then
	echo "bench-determinism: 0 passed, 1 failed"
	exit 1
fi
echo "bench-determinism: 1 passed, 0 failed ($lines p50s identical across two --icount runs)"

"$PYTHON" tools/pkrulab_report.py targets "$OUT/determinism-1.log" >"$OUT/targets.md" 2>&1
rc=$?
# "M of N targets met" is pkrulab_report.py's own last line, not the kernel's log.
read -r met of < <(sed -nE 's/^([0-9]+) of ([0-9]+) targets met$/\1 \2/p' "$OUT/targets.md")
met=${met:-0}
missed=$(( ${of:-0} - met ))
if [ "$rc" != 0 ] || [ "$met" = 0 ]; then
	cat "$OUT/targets.md" >&2
	[ "$missed" = 0 ] && missed=1
fi
echo "bench-targets: $met passed, $missed failed (path-length targets, see $OUT/targets.md)"
[ "$rc" = 0 ]
