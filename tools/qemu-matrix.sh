#!/usr/bin/env bash
# QEMU matrix for `make test`: boots the kernel under each CPU model and
# firmware the project claims to support and checks the exit status and
# the KTAP output of each run.  Ends with "qemu-matrix: N passed, N failed".
#
# Each case: NAME | expected run-qemu.sh status | run-qemu.sh arguments |
# regexes that must all appear in the serial log (';;'-separated, may be
# empty; a regex written stderr:RE is matched against run-qemu.sh's stderr).  The log of every case is kept in build/matrix/NAME.log.
set -u
set -f	# kernel arguments carry globs (tests=pku.*): never expand them here
cd "$(dirname "$0")/.."

OUT=build/matrix
mkdir -p "$OUT"
TIMEOUT=${PKRULAB_MATRIX_TIMEOUT:-120}
SUMMARY_OK='^pkrulab: [0-9]+ passed, 0 failed, [0-9]+ skipped'

CASES=(
"bios-max|0|--cpu max|$SUMMARY_OK;;^    ok [0-9]+ pku.ad_blocks_read\$;;^    ok [0-9]+ xsave.user_sees_pkru\$;;^    ok [0-9]+ signal.pkey_fault\\[explicit\\]\$;;sigreturn fuzz \\(seed 1\\): 10000 frames: .* 0 invariant violations"
"uefi-max|0|--uefi --cpu max|$SUMMARY_OK;;firmware=uefi;;^    ok [0-9]+ pku.ring3_keys\$"
"qemu64-no-pku|0|--cpu qemu64|$SUMMARY_OK;;pku.ad_blocks_read # SKIP CPU has no PKU;;xsave.pkru_roundtrip # SKIP CPU has no XSAVE"
"max-no-xsaveopt|0|--cpu max,-xsaveopt|$SUMMARY_OK;;xsave.xsaveopt # SKIP CPU has no XSAVEOPT;;^    ok [0-9]+ xsave.pkru_roundtrip\$"
"qemu64-pku-xsave|0|--cpu qemu64,+pku,+xsave,+xsaveopt|$SUMMARY_OK;;xcr0_supported=0x203;;^    ok [0-9]+ pku.wd_blocks_write\$"
"max-no-pku|0|--cpu max,-pku|$SUMMARY_OK;;pku.error_code # SKIP CPU has no PKU;;xsave.init_loads_zero # SKIP XCR0 cannot hold PKRU"
"skylake-server|0|--cpu Skylake-Server|$SUMMARY_OK;;xcr0_supported=0x2e7;;^    ok [0-9]+ xsave.area_size\$"
"nehalem-no-xsave|0|--cpu Nehalem|$SUMMARY_OK;;xsave.xcr0_legal # SKIP CPU has no XSAVE"
"no-serial|0|--no-serial --cpu max|"
"bad-argument|2|--cpu max -- bogus=1|bad kernel argument: .*bogus;;^pkrulab: 0 passed, 0 failed, 0 skipped"
"bad-value|2|--cpu max -- timer_hz=fast|bad kernel argument: .*timer_hz"
"inject-no-pke|0|--cpu max -- inject=no_pke|$SUMMARY_OK;;not ok [0-9]+ pku.ad_blocks_read # TODO;;not ok [0-9]+ xsave.pkru_roundtrip # TODO"
"inject-pkru-offset|0|--cpu max -- inject=pkru_offset|$SUMMARY_OK;;not ok [0-9]+ xsave.pkru_roundtrip # TODO;;not ok [0-9]+ xsave.user_sees_pkru # TODO"
"tests-filter|0|--cpu max -- tests=xsave.area_size,pku.wrpkru_gp|^pkrulab: 2 passed, 0 failed, 0 skipped;;^1\\.\\.2\$"
"xfail-mismatch|1|--cpu max -- tests=pku.wrpkru_gp xfail=pku.wrpkru_gp|not ok 1 pku.wrpkru_gp # expected to fail;;^pkrulab: 0 passed, 1 failed, 0 skipped"
"no-serial-mismatch|1|--no-serial --cpu max -- tests=pku.wrpkru_gp xfail=pku.*|"
"switch-unmanaged-caught|0|--cpu max -- tests=switch.* config=unmanaged|$SUMMARY_OK;;not ok [0-9]+ switch.yield\\[unmanaged\\] # TODO negative control;;not ok [0-9]+ switch.preempt\\[unmanaged\\] # TODO negative control"
"inject-init-skip|0|--cpu max -- tests=switch.*,signal.* inject=init_skip|$SUMMARY_OK;;not ok [0-9]+ switch.init_state\\[explicit\\] # TODO inject=init_skip;;^    ok [0-9]+ switch.init_state\\[xsave\\]\$;;not ok [0-9]+ signal.frame_init_state\\[xsave\\] # TODO inject=init_skip"
"inject-stale-sigreturn|0|--cpu max -- tests=signal.*,sigreturn.* inject=stale_sigreturn|$SUMMARY_OK;;not ok [0-9]+ signal.override\\[xsave\\] # TODO inject=stale_sigreturn;;^    ok [0-9]+ signal.frame_pkru\\[hybrid\\]\$"
"inject-frame-pkru-live|0|--cpu max -- tests=signal.* inject=frame_pkru_live|$SUMMARY_OK;;not ok [0-9]+ signal.frame_pkru\\[hybrid\\] # TODO inject=frame_pkru_live;;^    ok [0-9]+ signal.override\\[xsave\\]\$"
"inject-bv-clear|0|--cpu max -- tests=signal.* inject=bv_clear|$SUMMARY_OK;;not ok [0-9]+ signal.preserve\\[explicit\\] # TODO inject=bv_clear;;^    ok [0-9]+ signal.handler_pkru\\[xsave\\]\$"
"sigframe-none|0|--cpu max -- tests=signal.*,sigreturn.* config=explicit sigframe_pkru=none|$SUMMARY_OK;;not ok [0-9]+ signal.frame_pkru\\[explicit\\] # TODO design finding;;^    ok [0-9]+ signal.preserve\\[explicit\\]\$"
"handler-inherit|0|--cpu max -- tests=signal.* handler_pkru=inherit|$SUMMARY_OK;;not ok [0-9]+ signal.recover\\[xsave\\] # TODO design finding;;^    ok [0-9]+ signal.handler_pkru\\[xsave\\]\$"
"inject-reset-zero|0|--cpu max -- tests=switch.*,signal.* inject=reset_zero|$SUMMARY_OK;;not ok [0-9]+ switch.fpu_reset\\[xsave\\] # TODO inject=reset_zero;;^    ok [0-9]+ switch.fpu_reset\\[explicit\\]\$"
"inject-no-wrpkru|0|--cpu max -- tests=switch.*,signal.*,sigreturn.* inject=no_wrpkru|$SUMMARY_OK;;not ok [0-9]+ switch.yield\\[explicit\\] # TODO inject=no_wrpkru;;^    ok [0-9]+ switch.yield\\[xsave\\]\$"
"inject-kthread-skip|0|--cpu max -- tests=switch.* inject=kthread_skip|$SUMMARY_OK;;not ok [0-9]+ switch.kthread\\[hybrid\\] # TODO inject=kthread_skip;;^    ok [0-9]+ switch.kthread\\[xsave\\]\$"
"xfail-switch-mismatch|1|--cpu max -- tests=switch.yield config=xsave xfail=switch.yield*|expected to fail .* but passed"
"mem-128m|0|--mem 128M --cpu max -- tests=pku.*,switch.yield,signal.frame_pkru|$SUMMARY_OK;;memory=12[0-9] MiB"
"mem-8g|0|--mem 8G --cpu max -- tests=pku.*,switch.yield,signal.frame_pkru|$SUMMARY_OK;;memory=81[0-9][0-9] MiB"
"smp-4|0|--smp 4 --cpu max -- tests=pku.*,switch.yield,signal.frame_pkru|$SUMMARY_OK"
"exit-poweroff|2|--timeout 30 --cpu max -- tests=pku.wrpkru_gp exit=poweroff|exit=poweroff: ACPI S5 through PM1a_CNT;;^pkrulab: 1 passed;;stderr:QEMU exited without isa-debug-exit status"
"exit-reboot|2|--timeout 30 --cpu max -- tests=pku.wrpkru_gp exit=reboot|^pkrulab: 1 passed;;stderr:QEMU exited without isa-debug-exit status"
"uefi-poweroff|2|--timeout 60 --uefi --cpu max -- tests=pku.wrpkru_gp exit=poweroff|exit=poweroff: ACPI S5;;stderr:QEMU exited without isa-debug-exit status"
"smp-4-parked|0|--smp 4 --cpu max -- tests=pku.wrpkru_gp|MADT: 4 CPUs \\(3 parked, not started\\)"
"disk-bios|0|--disk --cpu max -- tests=pku.*,xsave.*|$SUMMARY_OK;;firmware=bios"
"disk-uefi|0|--disk --uefi --cpu max -- tests=pku.*,xsave.*|$SUMMARY_OK;;firmware=uefi"
"tests-none|0|--cpu max -- tests=none|^pkrulab: 0 passed, 0 failed, 0 skipped;;^1\\.\\.0\$"
)

# PKRULAB_MATRIX_ONLY=ERE runs only the cases whose name matches it, and
# PKRULAB_MATRIX_FAILFAST=1 stops at the first failed case (tools/mutants.py
# and tools/stress.py use both).
only=${PKRULAB_MATRIX_ONLY:-}
passed=0
failed=0
for c in "${CASES[@]}"; do
	IFS='|' read -r name want args patterns <<<"$c"
	if [ -n "$only" ] && ! [[ $name =~ $only ]]; then
		continue
	fi
	log="$OUT/$name.log"
	start=$(date +%s.%N)
	# shellcheck disable=SC2086  # args is a word list on purpose
	./run-qemu.sh --timeout "$TIMEOUT" --log "$log" $args >/dev/null 2>"$OUT/$name.err" </dev/null
	rc=$?
	secs=$(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)")
	why=""
	[ "$rc" = "$want" ] || why="exit status $rc, want $want"
	if [ -z "$why" ] && [ -n "$patterns" ]; then
		rest=$patterns
		while [ -n "$rest" ]; do
			pat=${rest%%;;*}
			[ "$pat" = "$rest" ] && rest="" || rest=${rest#*;;}
			src=$log
			if [ "${pat#stderr:}" != "$pat" ]; then
				src="$OUT/$name.err"
				pat=${pat#stderr:}
			fi
			tr -d '\r' <"$src" | grep -Eq -- "$pat" || { why="no line of $src matches /$pat/"; break; }
		done
	fi
	if [ -z "$why" ]; then
		passed=$((passed + 1))
		printf 'ok   %-20s %5ss  (%s)\n' "$name" "$secs" "$args"
	else
		failed=$((failed + 1))
		printf 'FAIL %-20s %5ss  (%s): %s\n' "$name" "$secs" "$args" "$why"
		tail -n 15 "$log" | sed 's/^/    | /'
		sed 's/^/    ! /' "$OUT/$name.err" | tail -n 5
		[ "${PKRULAB_MATRIX_FAILFAST:-0}" = 1 ] && break
	fi
done
echo "qemu-matrix: $passed passed, $failed failed"
[ "$failed" = 0 ]
