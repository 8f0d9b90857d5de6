# tools/matrix-lib.sh: the case loop shared by qemu-matrix.sh and
# bochs-matrix.sh (sourced, not run).
#
# matrix_run NAME RUNNER OUT TIMEOUT: runs every entry of the caller's
# CASES array, "NAME | expected exit status | runner arguments | patterns",
# as `RUNNER --timeout TIMEOUT --log OUT/NAME.log ARGS`, keeping the log and
# the runner's stderr (OUT/NAME.err).  Patterns are ';;'-separated extended
# regexes that must each match a line of the log; "stderr:RE" is matched
# against the runner's stderr instead; "!RE" must match no line of the log.
# Prints one line per case with its wall time, then
# "NAME: N passed, N failed"; returns 1 if a case failed.
# PKRULAB_MATRIX_ONLY=ERE runs only the cases whose name matches it, and
# PKRULAB_MATRIX_FAILFAST=1 stops at the first failed case (tools/mutants.py
# and tools/stress.py use both).

# Why the case failed, or "" (globals log, err, patterns, rc, want).
matrix_check() {
	local rest pat src hit
	[ "$rc" = "$want" ] || { echo "exit status $rc, want $want"; return; }
	rest=$patterns
	while [ -n "$rest" ]; do
		pat=${rest%%;;*}
		[ "$pat" = "$rest" ] && rest="" || rest=${rest#*;;}
		src=$log
		if [ "${pat#stderr:}" != "$pat" ]; then
			src=$err
			pat=${pat#stderr:}
		fi
		if [ "${pat#!}" != "$pat" ]; then
			hit=$(tr -d '\r' <"$src" | grep -E -m1 -- "${pat#!}")
			[ -z "$hit" ] || { echo "a line of $src matches /${pat#!}/, none may: $hit"; return; }
		else
			tr -d '\r' <"$src" | grep -Eq -- "$pat" || { echo "no line of $src matches /$pat/"; return; }
		fi
	done
}

matrix_run() {
	local title=$1 runner=$2 out=$3 timeout=$4
	local c name want args patterns log err start rc secs why passed=0 failed=0

	mkdir -p "$out"
	for c in "${CASES[@]}"; do
		IFS='|' read -r name want args patterns <<<"$c"
		if [ -n "${PKRULAB_MATRIX_ONLY:-}" ] && ! [[ $name =~ $PKRULAB_MATRIX_ONLY ]]; then
			continue
		fi
		log="$out/$name.log"
		err="$out/$name.err"
		start=$(date +%s.%N)
		# shellcheck disable=SC2086  # args is a word list on purpose
		$runner --timeout "$timeout" --log "$log" $args >/dev/null 2>"$err" </dev/null
		rc=$?
		secs=$(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)")
		why=$(matrix_check)
		if [ -z "$why" ]; then
			passed=$((passed + 1))
			printf 'ok   %-20s %5ss  (%s)\n' "$name" "$secs" "$args"
		else
			failed=$((failed + 1))
			printf 'FAIL %-20s %5ss  (%s): %s\n' "$name" "$secs" "$args" "$why"
			tail -n 15 "$log" | sed 's/^/    | /'
			sed 's/^/    ! /' "$err" | tail -n 5
			[ "${PKRULAB_MATRIX_FAILFAST:-0}" = 1 ] && break
		fi
	done
	echo "$title: $passed passed, $failed failed"
	[ "$failed" = 0 ]
}
