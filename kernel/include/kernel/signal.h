/*
 * Signals, Linux x86-64 style: rt_sigframe with an XSAVE area on the user
 * stack or the altstack, handler PKRU policy, validated rt_sigreturn.  How
 * PKRU gets into and out of the frame is the active strategy's business
 * (policy hw: XSAVE component 9; soft: written by software with XCR0[9]=0;
 * none: absent, the kernel restores the interrupted value itself).
 */
#ifndef KERNEL_SIGNAL_H
#define KERNEL_SIGNAL_H

#include <asm/ptrace.h>
#include <asm/types.h>
#include <kernel/cmdline.h>
#include <kernel/sigframe.h>

#define SIG_DFL		0ull
#define SIG_IGN		1ull
#define SIG_NEST_MAX	8	/* a power of 2: the ring index is a mask */

struct k_sigaction {
	u64 handler;
	u64 flags;
	u64 restorer;
	u64 mask;
};

struct task_signals {
	struct k_sigaction action[NSIG_PKRULAB];
	u64 blocked, pending;
	struct siginfo64 info[NSIG_PKRULAB];
	u64 fault_vector[NSIG_PKRULAB];	/* sigcontext.trapno/err of a fault */
	u64 fault_error[NSIG_PKRULAB];
	u64 last_frame;			/* user address of the newest frame */
	u64 altstack_sp, altstack_size;
	u32 altstack_flags;
	u64 alarm_tick;			/* 0: none */
	/* PKRU at each delivery still on the stack (policy none restores it;
	 * sigreturn surveillance compares against it): the newest
	 * SIG_NEST_MAX, a ring, so a handler left by longjmp (depth never
	 * unwound) costs the record nothing but its oldest entries. */
	u32 depth;
	u32 delivered_pkru[SIG_NEST_MAX];
	u64 frame_pkru_changes;		/* surveillance counter */
	u64 delivered, returned;
};

#define SIGBIT(s)	(1ull << (s))
/*
 * Only the first SIGINFO_KEPT quadwords of a siginfo carry anything for
 * the signals pkrulab sends (signo, code, then kill.pid/uid or
 * fault.addr, addr_lsb, pkey); the frame gets zeros for the rest.
 */
#define SIGINFO_KEPT	5

struct task;

void signal_task_init(struct task *t);
/* Queue sig for t as kill() does (SI_USER from from_pid); -EINVAL for a bad number. */
int signal_queue(struct task *t, int sig, int from_pid);
/*
 * An exception in ring 3, turned into the signal Linux gives for it:
 * SIGSEGV (SEGV_PKUERR and si_pkey for a protection-key fault), SIGILL,
 * SIGTRAP, SIGBUS, SIGFPE; a #MF or #XM with no unmasked exception
 * pending is spurious and gives nothing.
 */
void signal_user_exception(struct pt_regs *regs);
/*
 * Linux's force_sig(SIGSEGV) (si_code SI_KERNEL) for a bad rt_sigreturn
 * frame or a signal frame that could not be written: the task's SIGSEGV
 * handler runs; blocked, ignored or none, the task ends with why.
 */
void signal_force_sigsegv(const char *why);
/* On the way back to ring 3: deliver what is pending. */
void signal_deliver_pending(struct pt_regs *regs);
/* Timer tick: fire due alarms. */
void signal_tick(u64 now);

long sys_sigaction(struct pt_regs *r);
long sys_sigaltstack(struct pt_regs *r);
long sys_sigprocmask(struct pt_regs *r);
long sys_rt_sigreturn(struct pt_regs *r);
long sys_kill_sig(struct pt_regs *r);
long sys_alarm(struct pt_regs *r);
long sys_sigstat(struct pt_regs *r);
long sys_sigreturn_fuzz(struct pt_regs *r);

/* rt_sigreturn's core: restore regs, FPU and PKRU from the frame at
 * uframe.  0 on success; otherwise *why says what was wrong and regs must
 * be discarded (the fuzzer calls it on corrupted frames with quiet set). */
int sigreturn_restore(struct pt_regs *regs, u64 uframe, const char **why, bool quiet);
const struct sigframe_limits *sigframe_limits_current(void);
/* The signal policies of kargs changed (pkru_guard= for one cell): work them out again. */
void signal_policy_changed(void);


#endif
