#!/usr/bin/env bash
# Bochs matrix for `make test`: boots the kernel under Bochs 2.7 (a second
# x86 implementation, with XSAVEC, XSAVES, XGETBV(1) init tracking and the
# MXCSR #GP that QEMU TCG lacks, and with deviations of its own) and checks
# the exit status and the KTAP output of each run, like qemu-matrix.sh.
# Ends with "bochs-matrix: N passed, N failed".
#
# Each case: NAME | expected run-bochs.sh status | run-bochs.sh arguments |
# checks (';;'-separated): expectations of `tools/pkrulog.py check`, as in
# qemu-matrix.sh; one written !CHECK must not hold (tools/matrix-lib.sh
# runs the cases).  Logs are kept in build/bochs-matrix/.
#
# The full default run (every suite, every configuration) takes a few
# seconds of wall time under Bochs here, so it runs whole: no subset.
set -u
set -f	# kernel arguments carry globs (tests=pku.*): never expand them here
cd "$(dirname "$0")/.."

OUT=build/bochs-matrix
TIMEOUT=${PKRULAB_BOCHS_TIMEOUT:-600}
SUMMARY_OK='summary failed=0'
# A "DEVIATION not in the known-deviation table" result is an unlisted deviation.
UNLISTED="!cell * not-ok 'DEVIATION not in the known-deviation table*'"

CASES=(
"tigerlake-full|0|--cpu tigerlake --smp 2|$SUMMARY_OK;;diag - 'platform: bochs *';;diag - 'apic: x2apic *';;diag - 'smp: 2 CPUs in use of 2 listed*';;cell smp.pkru_per_cpu ok '';;cell smp.concurrent[explicit] ok '';;cell smp.migrate[explicit] ok '';;cell smp.remote_write[explicit] ok '';;cell smp.shootdown[explicit] ok '';;cell smp.remote_kill[explicit] ok '';;$UNLISTED;;deviation pku.ring0_ignores_ad;;deviation pku.wd_supervisor;;deviation xsave.cpuid_pkru_component;;deviation pku.pk_user_to_supervisor;;deviation xsave.compacted_pkru_not_stored;;cell pku.supervisor_unaffected DEVIATION 'pku.wd_supervisor*';;cell xsave.mxcsr_reserved ok;;cell pku.pke_enable_flush ok;;cell pku.ring3_keys ok;;cell xsave.xinuse ok;;note xsave.init_tracking 'init state tracked*';;cell switch.yield[explicit] ok;;cell signal.preserve[explicit] ok;;diag sigreturn.* 'sigreturn fuzz (seed 1): 10000 frames: * 0 invariant violations*';;cell linux.hostile_static[explicit] ok;;diag linux.hostile* 'traps: single-step trap in ring 0 at rip=*';;diag linux.hostile* 'task hostile killed: #GP general protection error=0x0 rip=0x8000000000000000*'"
"haswell-no-pku|0|--cpu corei7_haswell_4770|summary failed=0 deviations=0;;cell pku.ad_blocks_read SKIP 'CPU has no PKU*';;!cell pku.* ok,MISMATCH '';;!cell pku.* not-ok;;!cell switch.* ok '';;!cell signal.* ok '';;!cell sigreturn.* ok '';;cell xsave.mxcsr_reserved ok"
"tigerlake-bench|0|--cpu tigerlake -- tests=none bench=all|summary passed=0 failed=0 skipped=0;;bench xsavec explicit tsc;;bench xsaves unmanaged tsc;;bench xsave xsave skipped 'CPUID(0xD,9) contradicts*'"
"inject-no-pke|0|--cpu tigerlake -- tests=pku.*,xsave.* inject=no_pke|$SUMMARY_OK;;diag 'quirks: not probed*';;cell pku.ad_blocks_read todo 'inject=no_pke*';;cell pku.supervisor_unaffected todo 'inject=no_pke*';;!deviation pku.*"
"bad-argument|2|--cpu tigerlake -- bogus=1|message 'bad kernel argument: *bogus*'"
"unlisted-deviation|1|--cpu tigerlake --unlist pku.wd_supervisor -- tests=pku.*|summary failed>0;;cell pku.supervisor_unaffected MISMATCH 'DEVIATION not in the known-deviation table for bochs: pku.wd_supervisor*';;deviation pku.ring0_ignores_ad"
)

# shellcheck source=tools/matrix-lib.sh
. tools/matrix-lib.sh
matrix_run bochs-matrix tools/run-bochs.sh "$OUT" "$TIMEOUT"
