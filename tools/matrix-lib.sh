# tools/matrix-lib.sh: the case loop shared by qemu-matrix.sh and
# bochs-matrix.sh (sourced, not run).
#
# matrix_run NAME RUNNER OUT TIMEOUT: runs every entry of the caller's
# CASES array, "NAME | expected exit status | runner arguments | checks",
# as `RUNNER --timeout TIMEOUT --log OUT/NAME.log ARGS`, keeping the log and
# the runner's stderr (OUT/NAME.err).  Checks are ';;'-separated; each is an
# expectation of `tools/pkrulog.py check` (see `pkrulog.py check --help`:
# "summary failed=0", "cell pku.wrpkru_gp ok", "!diag '*FATAL*'", ...),
# all of one case's checked by one pkrulog.py process, except "stderr:TEXT":
# the runner's stderr (its own messages, not the kernel's log) must contain
# TEXT, a fixed string (grep -F).  No check here reads the log itself.
# Prints one line per case with its wall time, then
# "NAME: N passed, N failed"; returns 1 if a case failed.
# PKRULAB_MATRIX_ONLY=ERE runs only the cases whose name matches it, and
# PKRULAB_MATRIX_FAILFAST=1 stops at the first failed case (tools/mutants.py
# and tools/stress.py use both; it runs one case at a time);
# PKRULAB_MATRIX_JOBS=N runs N cases side by side (default: 2 where there
# are 2 CPUs or more).  PKRULAB_MATRIX_REUSE="NAME=LOG" checks case NAME's
# expectations against LOG, the serial output of the same run made elsewhere
# (make test: bios-max is the LAVA default run of `make lava`), without a boot;
# its status is 0 when LOG's summary line counts no failure (pkrulog.py
# verdict), else 1.

# Why the case failed, or "" (globals log, err, patterns, rc, want).
matrix_check() {
	local rest item out expects=()
	[ "$rc" = "$want" ] || { echo "exit status $rc, want $want"; return; }
	rest=$patterns
	while [ -n "$rest" ]; do
		item=${rest%%;;*}
		[ "$item" = "$rest" ] && rest="" || rest=${rest#*;;}
		if [ "${item#stderr:}" != "$item" ]; then
			grep -qF -- "${item#stderr:}" "$err" ||
				{ echo "$err does not say '${item#stderr:}'"; return; }
		else
			expects+=("$item")
		fi
	done
	[ "${#expects[@]}" = 0 ] && return
	out=$("${PYTHON:-python3}" tools/pkrulog.py check "$log" -- "${expects[@]}" 2>&1) && return
	out=${out//$'\n'/; }
	echo "${out:-tools/pkrulog.py check failed without a word}"
}

# One case, run in the background by matrix_run: its report (the line
# matrix_run prints, then for a failure the log's and stderr's tails) goes
# to OUT/NAME.result.
matrix_case() {
	local runner=$1 out=$2 timeout=$3 name=$4 args=$5
	local log="$out/$name.log" err="$out/$name.err" start secs why
	start=$(date +%s.%N)
	local reuse=${PKRULAB_MATRIX_REUSE:-}
	if [ -n "$reuse" ] && [ "${reuse%%=*}" = "$name" ]; then
		args="$args, checked on ${reuse#*=}"
		if cp -- "${reuse#*=}" "$log" 2>"$err"; then
			rc=1
			"${PYTHON:-python3}" tools/pkrulog.py verdict "$log" >/dev/null && rc=0
		else
			rc=2
		fi
	else
		# shellcheck disable=SC2086  # args is a word list on purpose
		$runner --timeout "$timeout" --log "$log" $args >/dev/null 2>"$err" </dev/null
		rc=$?
	fi
	secs=$(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)")
	why=$(matrix_check)
	if [ -z "$why" ]; then
		printf 'ok   %-20s %5ss  (%s)\n' "$name" "$secs" "$args"
	else
		printf 'FAIL %-20s %5ss  (%s): %s\n' "$name" "$secs" "$args" "$why"
		tail -n 15 "$log" | sed 's/^/    | /'
		sed 's/^/    ! /' "$err" | tail -n 5
	fi >"$out/$name.result"
}

# Cases run PKRULAB_MATRIX_JOBS at a time (default: one per CPU, at most
# 2), reported in their order.  A run on several vCPUs keeps about one
# host core busy: its idle vCPUs halt, and so do its waiters for the
# kernel lock (kernel/smp.c), which once spun and made two runs side by
# side eight times slower.
matrix_run() {
	local title=$1 runner=$2 out=$3 timeout=$4
	local c name want args patterns passed=0 failed=0 jobs names=()

	jobs=${PKRULAB_MATRIX_JOBS:-$(nproc 2>/dev/null || echo 1)}
	[ "$jobs" -gt 2 ] && [ -z "${PKRULAB_MATRIX_JOBS:-}" ] && jobs=2
	[ "${PKRULAB_MATRIX_FAILFAST:-0}" = 1 ] && jobs=1
	mkdir -p "$out"
	for c in "${CASES[@]}"; do
		IFS='|' read -r name want args patterns <<<"$c"
		if [ -n "${PKRULAB_MATRIX_ONLY:-}" ] && ! [[ $name =~ $PKRULAB_MATRIX_ONLY ]]; then
			continue
		fi
		rm -f "$out/$name.result"
		names+=("$name")
		while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
			wait -n
		done
		matrix_case "$runner" "$out" "$timeout" "$name" "$args" &
		if [ "$jobs" = 1 ]; then
			wait
			if [ "${PKRULAB_MATRIX_FAILFAST:-0}" = 1 ] && ! grep -q '^ok ' "$out/$name.result"; then
				break
			fi
		fi
	done
	wait
	for name in "${names[@]}"; do
		if [ ! -f "$out/$name.result" ]; then
			continue	# not run: an earlier case failed fast
		fi
		cat "$out/$name.result"
		if grep -q '^ok ' "$out/$name.result"; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
		fi
	done
	echo "$title: $passed passed, $failed failed"
	[ "$failed" = 0 ]
}
