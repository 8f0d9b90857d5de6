/*
 * The injected bugs, one declaration each:
 *   INJECT(ENUM, name, hooks, tests, help)
 * ENUM gives INJECT_<ENUM>; name is the inject= value; hooks (INJECT_HOOK_*
 * in cmdline.h) the kernel paths it breaks, which decide where the kernel
 * switches to its injectable variants; tests the tests= globs that must see
 * it (tools/qemu-matrix.sh runs one case per line with them and wants at
 * least one cell flipped); help one line for the reader.  Each also needs
 * an expectation row in tests/expect.c for the cells it flips.  No include
 * guard: includers define INJECT().  Host-compiled too (cmdline.c).
 */
/*
 * The Linux programs a PKRU bug can reach: the ones that use keys, signals
 * with PKRU in the frame, threads, fork and ptrace's regset.  The others
 * (hello, enosys, oom, nx, nx_stack, hostile, abi_*) use key 0 alone and
 * pass under every injected bug, as the README says; left out here, they
 * cost the matrix no time.
 */
#ifndef INJECT_LINUX_PROGS
#define INJECT_LINUX_PROGS "linux.p*,linux.threads,linux.fork,linux.shared"
#endif
/*
 * The same without Linux's two pkey selftests, for the bugs the README's
 * table measured them blind to (reset_zero, kthread_skip: "nothing flips",
 * 2026-12-01): pkrulab's own cells see those bugs, and protection_keys
 * alone would take half of each case's time.  ./run-qemu.sh -- tests=linux.p*
 * inject=NAME still runs them.  On several CPUs kthread_skip can flip
 * pkey_sighandler_tests after all (seen once, in hybrid: a thread on an
 * AP switched in from that AP's idle task ran with the PKRU its CPU
 * held), but not every time: no cell of a case may depend on timing.
 */
#ifndef INJECT_LINUX_PROGS_OWN
#define INJECT_LINUX_PROGS_OWN "linux.pkey,linux.pkey_uaccess,linux.ptrace,linux.threads,linux.fork,linux.shared"
#endif
INJECT(INIT_SKIP, init_skip, INJECT_HOOK_SWITCH_IN | INJECT_HOOK_SIGRETURN,
       "switch.*,signal.*," INJECT_LINUX_PROGS,
       "a PKRU image with XSTATE_BV[9]=0 is read as \"no PKRU\" instead of 0")
INJECT(RESET_ZERO, reset_zero, INJECT_HOOK_FPU_RESET, "switch.*,signal.*," INJECT_LINUX_PROGS_OWN,
       "the FPU reset XRSTOR includes PKRU and loads 0")
INJECT(NO_WRPKRU, no_wrpkru, INJECT_HOOK_SWITCH_IN, "switch.*,signal.*,sigreturn.*," INJECT_LINUX_PROGS,
       "switch-in never writes the incoming task's PKRU")
INJECT(KTHREAD_SKIP, kthread_skip, INJECT_HOOK_SWITCH_IN, "switch.*," INJECT_LINUX_PROGS_OWN,
       "the PKRU write is skipped when switching from a kernel-only task")
INJECT(STALE_SIGRETURN, stale_sigreturn, INJECT_HOOK_SIGRETURN, "signal.*,sigreturn.*," INJECT_LINUX_PROGS,
       "sigreturn ignores the frame's PKRU and keeps the handler's")
INJECT(FRAME_PKRU_LIVE, frame_pkru_live, INJECT_HOOK_SIGFRAME, "signal.*," INJECT_LINUX_PROGS,
       "the signal frame gets the handler's PKRU instead of the interrupted one")
INJECT(BV_CLEAR, bv_clear, INJECT_HOOK_SIGFRAME, "signal.*," INJECT_LINUX_PROGS,
       "the signal frame is written with XSTATE_BV[9]=0")
INJECT(EXEC_KEEPS_PKRU, exec_keeps_pkru, INJECT_HOOK_FPU_RESET, "linux.exec",
       "execve skips the PKRU reset: the new program runs with the old one's PKRU")
INJECT(EXEC_KEEPS_FPU, exec_keeps_fpu, INJECT_HOOK_FPU_RESET, "linux.exec",
       "execve skips the FPU reset: the new program starts with the old one's registers")
INJECT(KFPU_NOSAVE, kfpu_nosave, INJECT_HOOK_KERNEL_FPU, "switch.kernel_fpu",
       "kernel_fpu_begin() does not save the task's user FPU state before kernel SIMD use")
INJECT(AP_NO_PKE, ap_no_pke, INJECT_HOOK_CPU_SETUP, "smp.*",
       "the application processors start without CR4.PKE (the boot CPU's CR4 is not copied whole)")
/*
 * Register ownership on several CPUs (issue 22): the deferred load's
 * bookkeeping.  Only xsave_deferred skips loads, so only it can be hurt.
 */
INJECT(FPU_OWNER_ONLY, fpu_owner_only, INJECT_HOOK_SWITCH_IN, "smp.migrate,smp.remote_write",
       "the deferred FPU load trusts the CPU's owner alone, not the task's last CPU "
       "(CPU0 -> CPU1 -> CPU0 comes back to stale registers)")
INJECT(FPU_INVALIDATE_LOCAL, fpu_invalidate_local, INJECT_HOOK_SWITCH_IN, "smp.remote_write",
       "a write to a task's saved FPU image drops this CPU's ownership only, not the "
       "task's last CPU (Linux's 2023 exec() bug)")
INJECT(KFPU_KEEP_OWNER, kfpu_keep_owner, INJECT_HOOK_KERNEL_FPU, "switch.kernel_fpu,smp.migrate",
       "kernel_fpu_begin() saves the user state but leaves the CPU's owner: the clobbered "
       "registers are taken for the task's")
INJECT(PKRU_PER_CPU, pkru_per_cpu, INJECT_HOOK_SWITCH_IN, "smp.migrate",
       "PKRU kept per CPU, not per task: a task that moves gets the value it left on its new "
       "CPU (or had when created), not the one it had when it left the old")
INJECT(NO_SHOOTDOWN, no_shootdown, INJECT_HOOK_TEST, "smp.shootdown",
       "a PTE change (pkey_mprotect's key) flushes this CPU's TLB only: another CPU keeps "
       "using the old key")
/* Harness self-checks: break what the CPU-semantics scenarios rely on. */
INJECT(SPIN_IRQS_OFF, spin_irqs_off, INJECT_HOOK_TEST, "smp.lockup_detector",
       "smp.lockup_detector hangs cpu0 for real (interrupts off, the detector not told): "
       "the watchdog must fail the cell and end the run with the summary")
INJECT(NO_PKE, no_pke, INJECT_HOOK_CPU_SETUP, "all",
       "CR4.PKE is left clear (PKRU neither writable nor enforced)")
INJECT(PKRU_OFFSET, pkru_offset, INJECT_HOOK_TEST, "xsave.*",
       "the xsave.* buffer checks assume Zen 3's PKRU offset 2432, not CPUID's")
/*
 * pkru_guard= (issue 23): each disables one guard's check.  The cells that
 * see them are linux.attack_guarded's, which run with every guard on, and
 * for force linux.attack_forced's: the doors a disabled guard closed open
 * again.
 */
INJECT(NO_GUARD_SIGRETURN, no_guard_sigreturn, INJECT_HOOK_NO_GUARD(PKRU_GUARD_SIGRETURN),
       "linux.attack_guarded", "pkru_guard=sigreturn's check is skipped")
INJECT(NO_GUARD_ALTSTACK, no_guard_altstack, INJECT_HOOK_NO_GUARD(PKRU_GUARD_ALTSTACK),
       "linux.attack_guarded", "pkru_guard=altstack's check is skipped")
INJECT(NO_GUARD_REKEY, no_guard_rekey, INJECT_HOOK_NO_GUARD(PKRU_GUARD_REKEY),
       "linux.attack_guarded", "pkru_guard=rekey's check is skipped")
INJECT(NO_GUARD_PKEY_FREE, no_guard_pkey_free, INJECT_HOOK_NO_GUARD(PKRU_GUARD_PKEY_FREE),
       "linux.attack_guarded", "pkru_guard=pkey_free's check is skipped")
INJECT(NO_GUARD_PTRACE, no_guard_ptrace, INJECT_HOOK_NO_GUARD(PKRU_GUARD_PTRACE),
       "linux.attack_guarded", "pkru_guard=ptrace's check is skipped")
INJECT(NO_GUARD_REMOTE, no_guard_remote, INJECT_HOOK_NO_GUARD(PKRU_GUARD_REMOTE),
       "linux.attack_guarded", "pkru_guard=remote's check is skipped")
INJECT(NO_GUARD_FORCE, no_guard_force, INJECT_HOOK_NO_GUARD(PKRU_GUARD_FORCE),
       "linux.attack_forced,linux.guard_force",
       "pkru_guard=force's checks are skipped (PKRU is the user's again)")
