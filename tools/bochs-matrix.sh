#!/usr/bin/env bash
# Bochs matrix for `make test`: boots the kernel under Bochs 2.7 (a second
# x86 implementation, with XSAVEC, XSAVES, XGETBV(1) init tracking and the
# MXCSR #GP that QEMU TCG lacks, and with deviations of its own) and checks
# the exit status and the KTAP output of each run, like qemu-matrix.sh.
# Ends with "bochs-matrix: N passed, N failed".
#
# Each case: NAME | expected run-bochs.sh status | run-bochs.sh arguments |
# regexes (';;'-separated) that must all appear in the serial log; one
# written !RE must match no line (tools/matrix-lib.sh runs the cases).  Logs
# are kept in build/bochs-matrix/.
#
# The full default run (every suite, every configuration) takes a few
# seconds of wall time under Bochs here, so it runs whole: no subset.
set -u
set -f	# kernel arguments carry globs (tests=pku.*): never expand them here
cd "$(dirname "$0")/.."

OUT=build/bochs-matrix
TIMEOUT=${PKRULAB_BOCHS_TIMEOUT:-600}
SUMMARY_OK='^pkrulab: [0-9]+ passed, 0 failed, [0-9]+ skipped'
UNLISTED='!DEVIATION not in the known-deviation table'

CASES=(
"tigerlake-full|0|--cpu tigerlake|$SUMMARY_OK;;^# platform: bochs ;;$UNLISTED;;DEVIATION\\[pku.ring0_ignores_ad\\];;DEVIATION\\[pku.wd_supervisor\\];;DEVIATION\\[xsave.cpuid_pkru_component\\];;DEVIATION\\[pku.pk_user_to_supervisor\\];;DEVIATION\\[xsave.compacted_pkru_not_stored\\];;not ok [0-9]+ pku.supervisor_unaffected # DEVIATION: pku.wd_supervisor;;^    ok [0-9]+ xsave.mxcsr_reserved\$;;^    ok [0-9]+ pku.pke_enable_flush\$;;^    ok [0-9]+ pku.ring3_keys\$;;^    ok [0-9]+ xsave.xinuse\$;;NOTE\\[xsave.init_tracking\\]: init state tracked;;^    ok [0-9]+ switch.yield\\[explicit\\]\$;;^    ok [0-9]+ signal.preserve\\[explicit\\]\$;;sigreturn fuzz \\(seed 1\\): 10000 frames: .* 0 invariant violations;;^    ok [0-9]+ linux.hostile_static\\[explicit\\]\$;;^# traps: single-step trap in ring 0 at rip=;;task hostile killed: #GP general protection error=0x0 rip=0x8000000000000000"
"haswell-no-pku|0|--cpu corei7_haswell_4770|^pkrulab: [0-9]+ passed, 0 failed, [0-9]+ skipped, 0 deviations;;pku.ad_blocks_read # SKIP CPU has no PKU;;!^ +(not )?ok [0-9]+ pku\\.[a-z0-9_]+\$;;!^ +not ok [0-9]+ pku\\.;;!^ +ok [0-9]+ (switch|signal|sigreturn)\\.[^ ]*\$;;^    ok [0-9]+ xsave.mxcsr_reserved\$"
"tigerlake-bench|0|--cpu tigerlake -- tests=none bench=all|^pkrulab: 0 passed, 0 failed, 0 skipped;;^# bench xsavec config=explicit unit=tsc n=[0-9]+ min=;;^# bench xsaves config=unmanaged unit=tsc n=[0-9]+ min=;;^# bench xsave config=xsave skipped: CPUID\\(0xD,9\\) contradicts"
"inject-no-pke|0|--cpu tigerlake -- tests=pku.*,xsave.* inject=no_pke|$SUMMARY_OK;;# quirks: not probed;;not ok [0-9]+ pku.ad_blocks_read # TODO inject=no_pke;;not ok [0-9]+ pku.supervisor_unaffected # TODO inject=no_pke;;!DEVIATION\\[pku\\."
"bad-argument|2|--cpu tigerlake -- bogus=1|bad kernel argument: .*bogus"
"unlisted-deviation|1|--cpu tigerlake --unlist pku.wd_supervisor -- tests=pku.*|^pkrulab: [0-9]+ passed, [1-9][0-9]* failed;;not ok [0-9]+ pku.supervisor_unaffected # DEVIATION not in the known-deviation table for bochs: pku.wd_supervisor;;DEVIATION\\[pku.ring0_ignores_ad\\]"
)

# shellcheck source=tools/matrix-lib.sh
. tools/matrix-lib.sh
matrix_run bochs-matrix tools/run-bochs.sh "$OUT" "$TIMEOUT"
