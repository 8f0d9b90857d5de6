#!/usr/bin/env bash
# QEMU matrix for `make test`: boots the kernel under each CPU model and
# firmware the project claims to support and checks the exit status and
# the KTAP output of each run.  Ends with "qemu-matrix: N passed, N failed".
#
# Each case: NAME | expected run-qemu.sh status | run-qemu.sh arguments |
# checks, ';;'-separated (may be empty): each an expectation of
# `tools/pkrulog.py check` ("summary failed=0", "cell ID VERDICT [REASON]",
# "diag [CELL] TEXT", "meta TOPIC.KEY VALUE", ...: `tools/pkrulog.py check
# --help`), a leading "!" for one that must not hold, or stderr:TEXT, a
# fixed string run-qemu.sh's stderr must contain.  tools/matrix-lib.sh runs
# them: no pattern here is matched against a log by anything but
# tools/pkrulog.py.  The log of every case is kept in build/matrix/NAME.log.
set -u
set -f	# kernel arguments carry globs (tests=pku.*): never expand them here
cd "$(dirname "$0")/.."

OUT=build/matrix
mkdir -p "$OUT"
TIMEOUT=${PKRULAB_MATRIX_TIMEOUT:-120}
SUMMARY_OK='summary failed=0'
# What a CPU model's XSAVE features can change: the PKU and XSAVE semantics,
# the switch and signal paths, and the Linux programs that take PKRU from a
# signal frame.  (The full default run is LAVA's default job; under UEFI
# bare-uefi runs the kernel's suites without modules and uefi-max the
# Linux programs that use keys, signals and exec, in two designs.)
XSAVE_SET='pku.*,xsave.*,switch.*,signal.*,sigreturn.*,linux.pkey*'

# The Linux programs whose signals linux61 changes: those that take a
# signal with keys in play (the others never see a frame's PKRU; the
# default run has them all).
LINUX_SIGNAL_PROGS='linux.p*,linux.attack,linux.attack_guarded,linux.abi_sig,linux.threads'

CASES=(
"bios-max|0|--cpu max|$SUMMARY_OK;;!cell * SKIP '*not loaded (no module2 line)*';;cell pku.ad_blocks_read ok;;cell xsave.user_sees_pkru ok;;cell signal.pkey_fault[explicit] ok;;cell linux.pkey[explicit] ok;;cell linux.pkey[unmanaged] todo;;diag sigreturn.* 'sigreturn fuzz (seed 1): 10000 frames: * 0 invariant violations*';;cell linux.protection_keys[explicit] ok;;cell linux.pkey_sighandler_tests[hybrid] ok;;diag linux.protection_keys[*] '[protection_keys:*] done (all tests OK)*'"
"uefi-max|0|--uefi --cpu max -- tests=linux.p*,linux.hostile,linux.hello,linux.exec,linux.attack,sigreturn.* config=xsave,explicit|$SUMMARY_OK;;meta boot.firmware uefi;;cell linux.protection_keys[xsave] ok;;cell linux.hostile[explicit] ok"
"qemu64-no-pku|0|--cpu qemu64|$SUMMARY_OK;;cell pku.ad_blocks_read SKIP 'CPU has no PKU*';;cell xsave.pkru_roundtrip SKIP 'CPU has no XSAVE*'"
"max-no-xsaveopt|0|--cpu max,-xsaveopt -- tests=$XSAVE_SET|$SUMMARY_OK;;cell xsave.xsaveopt SKIP 'CPU has no XSAVEOPT*';;cell xsave.pkru_roundtrip ok"
"qemu64-pku-xsave|0|--cpu qemu64,+pku,+xsave,+xsaveopt -- tests=$XSAVE_SET|$SUMMARY_OK;;meta xsave.xcr0_supported 0x203;;cell pku.wd_blocks_write ok"
"max-no-pku|0|--cpu max,-pku|$SUMMARY_OK;;cell pku.error_code SKIP 'CPU has no PKU*';;cell xsave.init_loads_zero SKIP 'XCR0 cannot hold PKRU*'"
"skylake-server|0|--cpu Skylake-Server -- tests=$XSAVE_SET|$SUMMARY_OK;;meta xsave.xcr0_supported 0x2e7;;cell xsave.area_size ok"
"max-no-nx|0|--cpu max,-nx -- tests=pku.*,linux.nx*,linux.hello|$SUMMARY_OK;;cell linux.nx_stack[xsave] SKIP 'CPU has no NX*';;cell linux.hello[xsave] ok"
"nehalem-no-xsave|0|--cpu Nehalem|$SUMMARY_OK;;cell xsave.xcr0_legal SKIP 'CPU has no XSAVE*'"
"no-serial|0|--no-serial --cpu max -- tests=pku.*,xsave.*,switch.*,signal.*,sigreturn.*,linux.hello*|"
"bad-argument|2|--cpu max -- bogus=1|message 'bad kernel argument: *bogus*';;summary passed=0 failed=0 skipped=0"
"bad-value|2|--cpu max -- timer_hz=fast|message 'bad kernel argument: *timer_hz*'"
"tests-filter|0|--cpu max -- tests=xsave.area_size,pku.wrpkru_gp|summary passed=2 failed=0 skipped=0;;plan 2"
"xfail-mismatch|1|--cpu max -- tests=pku.wrpkru_gp xfail=pku.wrpkru_gp|cell 1 pku.wrpkru_gp MISMATCH 'expected to fail*';;summary passed=0 failed=1 skipped=0"
"no-serial-mismatch|1|--no-serial --cpu max -- tests=pku.wrpkru_gp xfail=pku.*|"
"switch-unmanaged-caught|0|--cpu max -- tests=switch.* config=unmanaged|$SUMMARY_OK;;cell switch.yield[unmanaged] todo 'negative control*';;cell switch.preempt[unmanaged] todo 'negative control*'"
"sigframe-none|0|--cpu max -- tests=signal.*,sigreturn.*,linux.* config=explicit sigframe_pkru=none|$SUMMARY_OK;;cell signal.frame_pkru[explicit] todo 'design finding*';;cell linux.pkey[explicit] todo 'design finding*';;cell signal.preserve[explicit] ok"
"handler-inherit|0|--cpu max -- tests=signal.* handler_pkru=inherit|$SUMMARY_OK;;cell signal.recover[xsave] todo 'design finding*';;cell signal.handler_pkru[xsave] ok"
"signal-abi-linux61|0|--cpu max -- tests=signal.*,sigreturn.*,$LINUX_SIGNAL_PROGS signal_abi=linux61 smp=1|$SUMMARY_OK;;meta signal.signal_abi linux61;;cell signal.recover[hybrid] DESIGN 'design finding: signal_abi=linux61*';;cell signal.altstack_denied[xsave] DESIGN 'design finding: signal_abi=linux61*';;cell signal.altstack_handler_key[explicit] DESIGN 'design finding: signal_abi=linux61*';;cell signal.preserve[xsave_deferred] ok;;cell linux.pkey[explicit] ok"
"mem-128m|0|--mem 128M --cpu max -- tests=pku.*,switch.yield,signal.frame_pkru|$SUMMARY_OK;;meta boot.memory 12?"
"mem-8g|0|--mem 8G --cpu max -- tests=pku.*,switch.yield,signal.frame_pkru|$SUMMARY_OK;;meta boot.memory 81??"
"smp-4|0|--smp 4 --cpu max -- tests=pku.*,switch.yield,signal.frame_pkru,smp.*,linux.pkey_sighandler_tests,linux.exec|$SUMMARY_OK;;diag - 'smp: cpu3 (APIC ID 3) online';;diag - 'smp: 4 CPUs in use of 4 listed in the MADT*';;cell smp.pkru_per_cpu ok '';;cell linux.pkey_sighandler_tests[xsave_deferred] ok;;diag linux.pkey_sighandler_tests[explicit] 'pkey_sighandler_tests: its threads and children were placed on cpu1 *, cpu3 *';;cell linux.exec[hybrid] ok"
"smp-uefi|0|--uefi --smp 3 --cpu max -- tests=smp.*,pku.ad_blocks_read|$SUMMARY_OK;;diag - 'smp: 3 CPUs in use of 3 listed*';;cell smp.pkru_per_cpu ok ''"
"exit-poweroff|2|--timeout 30 --cpu max -- tests=pku.wrpkru_gp exit=poweroff|diag 'exit=poweroff: ACPI S5 through PM1a_CNT*';;summary passed=1;;stderr:QEMU exited without isa-debug-exit status"
"exit-reboot|2|--timeout 30 --cpu max -- tests=pku.wrpkru_gp exit=reboot|summary passed=1;;stderr:QEMU exited without isa-debug-exit status"
"uefi-poweroff|2|--timeout 60 --uefi --cpu max -- tests=pku.wrpkru_gp exit=poweroff|diag 'exit=poweroff: ACPI S5*';;stderr:QEMU exited without isa-debug-exit status"
"smp-1|0|--smp 4 --cpu max -- tests=pku.wrpkru_gp,smp.* smp=1|$SUMMARY_OK;;diag - 'smp: 1 CPU in use (4 listed in the MADT, smp=1)';;!diag - 'smp: cpu1*';;cell smp.pkru_per_cpu SKIP 'one CPU in use*'"
"disk-bios|0|--disk --cpu max -- tests=pku.*,xsave.*|$SUMMARY_OK;;meta boot.firmware bios"
"disk-uefi|0|--disk --uefi --cpu max -- tests=pku.*,xsave.*|$SUMMARY_OK;;meta boot.firmware uefi"
"tests-none|0|--cpu max -- tests=none|summary passed=0 failed=0 skipped=0;;plan 0"
"program-user|0|--program $OUT/prog/my-enosys -- tests=linux.my-enosys config=xsave,explicit|$SUMMARY_OK;;cell 2 linux.my-enosys[explicit] ok;;diag linux.my-enosys[*] '[my-enosys] linux: syscall 163 (acct) not implemented*'"
"program-segv|1|--program $OUT/prog/segv -- tests=linux.segv config=hybrid|cell 1 linux.segv[hybrid] MISMATCH 'killed by SIGSEGV (signal 11) after 1 ok*';;stderr:the kernel reported a mismatch"
"program-int80|0|--program $OUT/prog/int80 --program $OUT/prog/my-enosys -- tests=linux.int80,linux.my-enosys config=xsave xfail=linux.int80*|$SUMMARY_OK;;diag linux.int80[xsave] 'FAIL: killed by SIGSEGV (signal 11) after 1 ok, 0 not ok: #GP general protection error=0x402 *';;cell 1 linux.int80[xsave] todo 'declared by xfail=*';;cell 2 linux.my-enosys[xsave] ok;;!diag '*FATAL*'"
"program-plan-short|0|--program $OUT/prog/plan-short --program $OUT/prog/brackets --program $OUT/prog/brackets-segv -- tests=linux.plan-short,linux.brackets* config=xsave xfail=linux.plan-short*,linux.brackets*|$SUMMARY_OK;;diag linux.plan-short[xsave] 'FAIL: exit status 0, but 1 of the 3 sub-tests its plan announced reported (output lost?)*';;cell 1 linux.plan-short[xsave] todo 'declared by xfail=*';;diag linux.brackets[xsave] 'FAIL: exit status 1, 1 of 2 sub-tests failed, the first: [FAIL] second: broke';;diag linux.brackets[xsave] 'brackets: 1 [SKIP] and 1 [WARN] lines of its own';;diag linux.brackets-segv[xsave] 'FAIL: killed by SIGSEGV (signal 11) after 1 ok, 0 not ok: * last ok: [OK] first; in [RUN] the fatal one'"
"program-not-elf|2|--program README.md|stderr:README.md: not an ELF file;;stderr:--program: not a static x86-64 executable"
"program-dynamic|2|--program /bin/true|stderr:/bin/true: dynamically linked"
"abi-linux|0|--cpu max -- tests=linux.abi* config=xsave|$SUMMARY_OK;;cell linux.abi_mem[xsave] ok;;cell linux.abi_sig[xsave] ok;;cell linux.abi_proc[xsave] ok"
"program-nonpie-far|2|--program $OUT/prog/far|stderr:far: a non-PIE executable (ET_EXEC) must be linked between 4 MiB and 32 MiB"
)

# Linux's x86 selftests (linux.x86_*, opt-in: a glob must begin with
# "linux.x86_"): every design, syscall_numbering apart (about 6.5 s a design
# here, 22 s under Linux 6.12), which runs in hybrid alone (all five:
# make stress).  The default run must not select them.  Every one passes
# but test_shadow_stack, whose exit 1 is Linux's own (a TODO row).
X86_BUT_NUMBERING='linux.x86_[!s]*,linux.x86_s[!y]*,linux.x86_sys[!c]*,linux.x86_syscall_[!n]*,linux.x86_syscall_nt'
CASES+=("x86-selftests|0|--cpu max -- tests=$X86_BUT_NUMBERING|$SUMMARY_OK;;summary passed=90 failed=0 skipped=10;;!cell * SKIP '*not loaded*';;cell linux.x86_check_initial_reg_state[hybrid] ok;;cell linux.x86_amx[xsave] SKIP 'the program skipped (exit 4): # no AMX support';;cell linux.x86_sigaltstack[unmanaged] ok;;cell linux.x86_sigaltstack[hybrid] ok;;cell linux.x86_corrupt_xstate_header[explicit] ok;;cell linux.x86_sigreturn[xsave_deferred] ok;;cell linux.x86_fsgsbase[xsave] ok;;cell linux.x86_iopl[hybrid] ok;;cell linux.x86_sysret_rip[xsave] ok;;!cell linux.x86_[!t]* todo;;!cell linux.x86_test_[!s]* todo;;cell linux.x86_test_shadow_stack[hybrid] todo 'as Linux 6.12 and 6.1*';;!cell linux.x86_syscall_numbering* ok,SKIP,not-ok")
# On one CPU: its PTRACE_SYSCALL ping-pong between two CPUs takes 22 s
# alone (10 s on one) and ran past the cell's deadline beside other cases.
CASES+=("x86-syscall-numbering|0|--cpu max -- tests=linux.x86_syscall_numbering config=hybrid smp=1|$SUMMARY_OK;;summary passed=1 failed=0 skipped=0")
CASES[0]+=";;!cell linux.x86_* ok,SKIP,not-ok"

# Linux's pkey_sighandler_tests, whole (in the image) and one test per
# process (pkey_sighandler_one1..5, which make builds): under
# the default delivery every cell passes in the four managed designs, under
# signal_abi=linux61 each of them gets Linux 6.1's result (the expectation
# rows check the reasons: SIGSEGV in the first test, the frame unwritable).
ST=build/linux/selftests
ST_ONE="pkey_sighandler_one1 pkey_sighandler_one2 pkey_sighandler_one3 pkey_sighandler_one4 pkey_sighandler_one5"
if [ -x "$ST/pkey_sighandler_tests" ] && [ -x "$ST/pkey_sighandler_one5" ]; then
	st_progs=""
	for p in $ST_ONE; do st_progs+=" --program $ST/$p"; done
	st_managed="xsave explicit hybrid xsave_deferred"
	st_def="$SUMMARY_OK;;summary passed=24 failed=0 skipped=0;;!cell * todo"
	st_61="$SUMMARY_OK;;summary passed=30 failed=0 skipped=0"
	for c in $st_managed unmanaged; do
		for p in pkey_sighandler_tests pkey_sighandler_one1 pkey_sighandler_one2 pkey_sighandler_one3 pkey_sighandler_one5; do
			st_61+=";;cell linux.${p}[$c] DESIGN 'design finding: signal_abi=linux61:*'"
		done
		st_61+=";;cell linux.pkey_sighandler_one4[$c] ok"
	done
	for c in $st_managed; do
		for p in pkey_sighandler_tests $ST_ONE; do
			st_def+=";;cell linux.${p}[$c] ok"
		done
	done
	CASES+=("selftests-default|0|--cpu max $st_progs -- tests=linux.pkey_sighandler_* config=${st_managed// /,}|$st_def")
	CASES+=("selftests-linux61|0|--cpu max $st_progs -- tests=linux.pkey_sighandler_* signal_abi=linux61|$st_61")
else
	echo "qemu-matrix: $ST/pkey_sighandler_* not built (make linux-selftests): selftests-default and selftests-linux61 not run" >&2
fi

# A grub.cfg of one hand-written entry, "multiboot2 /boot/pkrulab.elf
# exit=qemu", no module2 lines (make iso-bare), as a lab machine's own GRUB
# boots the ELF: everything runs but the linux.* cells, which SKIP naming
# their program.
# Built once here: the cases run side by side and must not race to build.
make --no-print-directory all >/dev/null || exit 1
make --no-print-directory iso-bare ISO_OUT="$OUT/bare.iso" KARGS=exit=qemu >/dev/null
BARE="$SUMMARY_OK;;cell linux.hello[xsave] SKIP 'program hello not loaded (no module2 line)'"
BARE+=";;cell linux.protection_keys[unmanaged] SKIP 'program protection_keys not loaded*'"
BARE+=";;cell switch.yield[xsave] ok;;cell signal.pkey_fault[hybrid] ok;;cell pku.ad_blocks_read ok"
BARE+=";;bench yield_roundtrip explicit;;!cell linux.*[*] ok ''"
# The suites it needs to see, not every one: the default run has them all.
BARE_TESTS='tests=pku.*,switch.yield,signal.pkey_fault,linux.*'
CASES+=("bare-bios|0|--iso $OUT/bare.iso -- $BARE_TESTS bench=all bench_iters=64|$BARE")
CASES+=("bare-uefi|0|--uefi --iso $OUT/bare.iso -- $BARE_TESTS bench=all bench_iters=64|$BARE")

# Programs for the --program cases: a built-in one under another name, one
# (non-PIE, as gcc -static makes it) that dies by SIGSEGV after its first
# "ok" line, and a non-PIE one linked at 1 GiB, outside the low window.
mkdir -p "$OUT/prog"
cp build/linux/progs/enosys "$OUT/prog/my-enosys"
printf '%s\n' '#include <stdio.h>' \
	'int main(void) { printf("ok 1 before the fault\n"); fflush(stdout); *(volatile int *)8 = 1; return 0; }' |
	${HOSTCC:-cc} -static -O2 -x c - -o "$OUT/prog/segv"
# A program that executes INT 0x80 with no handler: it alone dies (SIGSEGV,
# as under Linux without IA32 emulation), the run goes on to its summary.
printf '%s\n' '#include <stdio.h>' \
	'int main(void) { printf("ok 1 before int 0x80\n"); fflush(stdout); asm volatile("int $0x80" :: "a"(20)); return 0; }' |
	${HOSTCC:-cc} -static -O2 -x c - -o "$OUT/prog/int80"
# A program that announces 3 sub-tests, reports 1 and exits 0 (its other
# results lost): never a pass.  (Its case also runs brackets*, below.)
printf '%s\n' '#include <stdio.h>' 'int main(void) { printf("1..3\nok 1 the only one\n"); return 0; }' |
	${HOSTCC:-cc} -static -O2 -x c - -o "$OUT/prog/plan-short"
echo 'int main(void) { return 0; }' |
	${HOSTCC:-cc} -static -O2 -Wl,-Ttext-segment=0x40000000 -x c - -o "$OUT/prog/far"
# Linux's x86 selftests' way to report: "[RUN]", "[OK]", "[FAIL]", "[SKIP]",
# "[WARN]" lines and the exit status; the cell names the failing sub-test,
# and a death the sub-test it came in.
printf '%s\n' '#include <stdio.h>' 'int main(void) { printf("[RUN]\tfirst\n[OK]\tfirst\n[RUN]\tsecond\n'\
'[FAIL]\tsecond: broke\n[SKIP]\tthird\n[WARN]\tfourth\n"); return 1; }' |
	${HOSTCC:-cc} -static -O2 -x c - -o "$OUT/prog/brackets"
printf '%s\n' '#include <stdio.h>' 'int main(void) { printf("[RUN]\tfirst\n[OK]\tfirst\n'\
'[RUN]\tthe fatal one\n"); fflush(stdout); *(volatile int *)8 = 1; return 0; }' |
	${HOSTCC:-cc} -static -O2 -x c - -o "$OUT/prog/brackets-segv"

# One case per injected bug, straight from its declaration in
# kernel/inject_list.h: the run must match the expectation table (which
# says exactly which cells flip) and flip at least one cell, or the bug is
# not tested.
# A bug may need more arguments or checks of its own (INJECT_EXTRA_ARGS,
# INJECT_EXTRA_CHECKS): spin_irqs_off is a real lock-up, found after
# watchdog_s= seconds, and must end the run with the watchdog's report.
declare -A INJECT_EXTRA_ARGS=([spin_irqs_off]="watchdog_s=2")
# The bugs of the PKRU paths run in the four designs that switch PKRU:
# under unmanaged (the negative control) every cell they could flip is
# already an expected failure, so its fifth of the run sees nothing (the
# guard bugs, cheap, keep it: their unmanaged rows are checked there).
MANAGED=config=xsave,explicit,hybrid,xsave_deferred
for b in reset_zero no_wrpkru kthread_skip init_skip stale_sigreturn frame_pkru_live bv_clear; do
	INJECT_EXTRA_ARGS[$b]=$MANAGED
done
declare -A INJECT_EXTRA_CHECKS=([spin_irqs_off]=";;diag smp.lockup_detector 'watchdog: lock-up: cpu0 made no progress for 2 s, rip=0x* (kernel mode), reported by cpu1*';;diag - 'the run ends here: a lock-up*'")
# The bugs whose tests are not smp.* run on one CPU (smp=1): their
# expectation rows were measured there, and on several CPUs a bug of the
# switch path can also show in a Linux thread that an AP switches in from
# its idle task, or not, as the timing goes (kthread_skip flipped
# linux.threads[hybrid] once, pkey_sighandler_tests[hybrid] another time);
# a case must not depend on timing.  It also keeps the matrix's CPU time:
# two cases side by side with both vCPUs busy ran it twice as long.
while read -r _ name tests; do
	tests=${tests//\" \"/}	# "a," "b": C's adjacent literals, one string
	one_cpu=smp=1
	[[ $tests == *smp.* || $tests == *all* ]] && one_cpu=
	CASES+=("inject-${name//_/-}|0|--cpu max -- tests=${tests//\"/} inject=$name ${INJECT_EXTRA_ARGS[$name]:-} $one_cpu|$SUMMARY_OK;;cell * todo 'inject=$name:*'${INJECT_EXTRA_CHECKS[$name]:-}")
done < <(printf '#define INJECT(E, name, hooks, tests, help) INJECT_CASE name tests\n#include "kernel/inject_list.h"\n' |
	${CC:-gcc} -E -P -x c - | grep '^INJECT_CASE ')

# shellcheck source=tools/matrix-lib.sh
. tools/matrix-lib.sh
matrix_run qemu-matrix ./run-qemu.sh "$OUT" "$TIMEOUT"
