/*
 * Signals between Linux processes, and what Linux does around delivery
 * that pkrulab's own signal code (kernel/signal.c) has no need for:
 *  - kill, tkill and tgkill by Linux pid and tid; SIGKILL ends the whole
 *    target process at once; a process-directed signal goes to its first
 *    thread that does not block it;
 *  - the default actions other than "terminate": ignore (SIGCHLD, SIGCONT,
 *    SIGURG, SIGWINCH) and stop (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU) until
 *    SIGCONT;
 *  - ptrace's signal-delivery stop: a traced process stops before any
 *    signal but SIGKILL, its tracer's wait4 sees it, and the tracer's
 *    PTRACE_CONT/DETACH says which signal, if any, goes on;
 *  - restarting a system call that a signal interrupted, with Linux's
 *    -ERESTART* codes: the call is made again (RIP back over SYSCALL, RAX
 *    its number again) unless a handler runs, and an interrupted sleep
 *    goes on through restart_syscall with the time it had left.
 * Real-time signals (32..64) are kept per process but never sent (minimal).
 */
#include <asm/traps.h>
#include <kernel/console.h>
#include <kernel/params.h>
#include <kernel/signal.h>
#include <kernel/smp.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include "linux-syscalls.h"	/* build/gen: __NR_restart_syscall */
#include "proc.h"
#include <kernel/sigframe.h>	/* struct rt_sigframe64: the frame's uc_stack */

#define SIGTSTP		20
#define SIGTTIN		21
#define SIGTTOU		22
#define SIGURG		23
#define SIGWINCH	28
#define LINUX_NSIG	64
#define SYSCALL_INSN_LEN 2		/* 0f 05 */
#define CLOCK_REALTIME	0
#define CLOCK_MONOTONIC	1
#define CLOCK_BOOTTIME	7
#define TIMER_ABSTIME	1
#define NSEC_PER_SEC	1000000000ull

#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID	3
#define CLOCK_MONOTONIC_RAW	4
#define CLOCK_REALTIME_COARSE	5
#define CLOCK_MONOTONIC_COARSE	6
#define CLOCK_REALTIME_ALARM	8
#define CLOCK_BOOTTIME_ALARM	9
#define CLOCK_TAI	11
#define SA_NOCLDSTOP	0x00000001u
#define SA_RESETHAND	0x80000000u
#define SS_AUTODISARM	(1u << 31)

#define SIGMASK(s)	(1ull << (s))
#define DEFAULT_IGNORED	(SIGMASK(LINUX_SIGCHLD) | SIGMASK(LINUX_SIGCONT) | SIGMASK(SIGURG) | \
			 SIGMASK(SIGWINCH))
#define DEFAULT_STOPS	(SIGMASK(LINUX_SIGSTOP) | SIGMASK(SIGTSTP) | SIGMASK(SIGTTIN) | \
			 SIGMASK(SIGTTOU))

/* ---- sending -------------------------------------------------------------- */

/*
 * SIGCHLD for a child's stop or continue: not when the parent ignores it
 * or set SA_NOCLDSTOP (do_notify_parent_cldstop()).
 */
const struct k_sigaction *lx_proc_action(struct linux_proc *p, int sig)
{
	for (int i = 1; i < MAX_TASKS; i++)
		if (lx_same_process(&tasks[i], p))
			return &tasks[i].sig.action[sig];	/* shared (CLONE_SIGHAND) */
	return NULL;
}

void lx_notify_parent_stop(struct linux_proc *parent)
{
	const struct k_sigaction *ka = lx_proc_action(parent, LINUX_SIGCHLD);

	if (!ka)
		return;
	if (ka->handler == SIG_IGN || (ka->flags & SA_NOCLDSTOP))
		return;
	lx_signal_proc(parent, LINUX_SIGCHLD);
}

long lx_send_signal(struct task *t, int sig)
{
	struct linux_proc *p = lx_proc(t), *from = lx_current();
	char why[64];

	if (sig < 0 || sig > LINUX_NSIG)
		return -LX_EINVAL;
	/* Real-time signals (32..64) have handlers here but are never queued: refused. */
	if (sig >= NSIG_PKRULAB)
		return lx_refuse("kill rt", -LX_EINVAL, "sending signal %d (a real-time signal)", sig);
	if (sig == 0)
		return 0;		/* only "does it exist" */
	if (sig == SIGKILL) {
		snprintf(why, sizeof(why), "SIGKILL from process %d", from ? from->pid : 0);
		lx_kill_proc(p, SIGKILL, why);
		return 0;
	}
	if (sig == LINUX_SIGCONT && p->stopped && p->group_stop) {
		lx_resume(p, 0);
		/* wait4's WCONTINUED and the parent's SIGCHLD (CLD_CONTINUED), as Linux. */
		p->continued = true;
		if (p->parent) {
			lx_notify_parent_stop(p->parent);
			lx_wake_waiters(p->parent);
		}
	}
	return signal_queue(t, sig, from ? from->pid : 0) ? -LX_EINVAL : 0;
}

/* A process-directed signal: to the first thread that does not block it. */
long lx_signal_proc(struct linux_proc *p, int sig)
{
	struct task *any = NULL;

	for (int i = 1; i < MAX_TASKS; i++) {
		if (!lx_same_process(&tasks[i], p))
			continue;
		if (sig > 0 && sig < NSIG_PKRULAB && !(tasks[i].sig.blocked & SIGMASK(sig)))
			return lx_send_signal(&tasks[i], sig);
		if (!any)
			any = &tasks[i];
	}
	return any ? lx_send_signal(any, sig) : -LX_ESRCH;
}

long sys_kill(struct pt_regs *r)
{
	int pid = (int)r->rdi, sig = (int)r->rsi;
	struct linux_proc *c, *self = lx_current();
	long err = -LX_ESRCH;	/* until one process takes it */

	if (pid > 0) {
		c = lx_proc_by_pid(pid);
		/* A zombie still exists for kill (Linux finds it, and nothing happens). */
		if (!c)
			return -LX_ESRCH;
		return c->zombie ? 0 : lx_signal_proc(c, sig);
	}
	/*
	 * 0, -1 and -pgid: the program is one process group, so every live
	 * process of it; the caller last (SIGKILL to itself does not return).
	 */
	if (sig < 0 || sig > LINUX_NSIG)
		return -LX_EINVAL;
	for (int i = 0; i < LINUX_MAX_PROCS; i++) {
		c = &lx_procs[i];
		if (c->used && !c->zombie && c != self && !lx_signal_proc(c, sig))
			err = 0;
	}
	/* -1: every process but init and the caller (kill_something_info()). */
	if (pid == -1)
		return err;
	return lx_signal_proc(self, sig) ? err : 0;
}

long sys_tkill(struct pt_regs *r)
{
	struct task *t = lx_task_by_tid((int)r->rdi);

	if ((int)r->rdi <= 0)
		return -LX_EINVAL;
	return t ? lx_send_signal(t, (int)r->rsi) : -LX_ESRCH;
}

long sys_tgkill(struct pt_regs *r)
{
	struct task *t = lx_task_by_tid((int)r->rsi);

	if ((int)r->rdi <= 0 || (int)r->rsi <= 0)
		return -LX_EINVAL;
	if (!t || lx_proc(t)->pid != (int)r->rdi)
		return -LX_ESRCH;
	return lx_send_signal(t, (int)r->rdx);
}

/* ---- stops ------------------------------------------------------------------ */

void lx_resume(struct linux_proc *p, int sig)
{
	p->stopped = false;
	p->resume_sig = sig;
	if (p->stopped_task && p->stopped_task->state == TASK_SLEEPING)
		task_wake(p->stopped_task);
}

/*
 * The current thread stops until resumed (SIGKILL ends it where it sleeps);
 * who is told: the tracer for a ptrace stop, the parent for a job-control
 * stop.  Returns the signal it resumes with.
 */
static int stop_here(struct linux_proc *p, int sig, bool group)
{
	struct linux_proc *told = group ? p->parent : p->tracer;

	p->stopped = true;
	p->continued = false;
	p->group_stop = group;
	p->stop_sig = sig;
	p->stop_reported = false;
	p->resume_sig = 0;
	p->stopped_task = current;
	if (told) {
		lx_wake_waiters(told);
		lx_notify_parent_stop(told);
	}
	while (p->stopped) {
		current->wake_tick = ~0ull;
		current->state = TASK_SLEEPING;
		schedule();
	}
	p->stopped_task = NULL;
	/*
	 * A deferred design left its registers to the way out: load them now,
	 * before a signal frame saves them (and after the tracer's SETREGSET).
	 */
	exit_to_user_mode_work(NULL);
	return p->resume_sig;
}

/* A ptrace stop of the current thread with sig (a syscall stop: SIGTRAP). */
int lx_ptrace_stop(int sig)
{
	return stop_here(lx_current(), sig, false);
}

int linux_signal_filter(struct pt_regs *regs, int sig)
{
	struct linux_proc *p = lx_proc(current);
	u64 handler;

	if (p->tracer) {
		sig = stop_here(p, sig, false);
		if (sig <= 0 || sig >= NSIG_PKRULAB)
			return 0;
	}
	handler = current->sig.action[sig].handler;
	if (sig == LINUX_SIGSTOP || (handler == SIG_DFL && (DEFAULT_STOPS & SIGMASK(sig)))) {
		stop_here(p, sig, true);
		return 0;
	}
	if (handler == SIG_DFL && (DEFAULT_IGNORED & SIGMASK(sig)))
		return 0;
	/*
	 * SA_RESETHAND: this delivery uses the action as it is; afterwards
	 * (linux_syscall_restart(), once the frame is written) the handler
	 * goes back to SIG_DFL for the process, flags and mask kept (Linux's
	 * get_signal(), SA_ONESHOT).  Nothing is added to kernel/signal.c.
	 */
	if (handler > SIG_IGN && (current->sig.action[sig].flags & SA_RESETHAND))
		lx_thread(current)->oneshot_sig = sig;
	return sig;
}

/* SA_RESETHAND's reset, after the delivery linux_signal_filter() let through. */
static void oneshot_reset(void)
{
	struct linux_thread *th = lx_thread(current);
	int sig = th->oneshot_sig;

	th->oneshot_sig = 0;
	for (int i = 1; i < MAX_TASKS; i++)
		if (lx_same_process(&tasks[i], lx_proc(current)))
			tasks[i].sig.action[sig].handler = SIG_DFL;
}

/* ---- rt_sigreturn's limits ---------------------------------------------------- */

const struct sigframe_limits *linux_sigframe_limits(const struct sigframe_limits *lim)
{
	static struct sigframe_limits lx;

	lx = *lim;
	lx.frame_selectors = true;
	if (lx_proc(current)->low_window)
		lx.user_lo = LINUX_EXEC_LO;
	return &lx;
}

/* ---- fault loops ---------------------------------------------------------- */

#define FAULT_LOOP_MAX	10000	/* protection_keys' runs never repeat one fault twice */

bool linux_fault_check(struct pt_regs *regs, u64 addr)
{
	struct linux_thread *th = lx_thread(current);
	char why[96];

	if (lx_vsyscall_emulate(regs, addr))
		return true;
	if (regs->rip != th->fault_rip || addr != th->fault_addr ||
	    regs->error_code != th->fault_error) {
		th->fault_rip = regs->rip;
		th->fault_addr = addr;
		th->fault_error = regs->error_code;
		th->fault_repeats = 1;
		return false;
	}
	if (++th->fault_repeats < FAULT_LOOP_MAX)
		return false;
	snprintf(why, sizeof(why), "fault loop: %s at rip=%#llx addr=%#llx %d times in a row",
		 exception_name(regs->vector), regs->rip, addr, FAULT_LOOP_MAX);
	diag("[%s] linux: %s (its handler never repairs it): the process is killed",
	     lx_proc(current)->prog->name, why);
	task_exit(TASK_EXIT_SIGNALLED(SIGKILL), why);
}

/* ---- restarts ---------------------------------------------------------------- */

void linux_syscall_restart(struct pt_regs *regs, bool handler, bool sa_restart)
{
	long rc = (long)regs->rax;

	/* The last call of a delivery (signal_deliver_pending()): the frame is written. */
	if (!handler && lx_thread(current)->oneshot_sig)
		oneshot_reset();

	if (regs->vector != VEC_SYSCALL || rc < -LX_ERESTART_RESTARTBLOCK || rc > -LX_ERESTARTSYS)
		return;
	switch (-rc) {
	case LX_ERESTARTSYS:
		if (handler && !sa_restart) {
			regs->rax = -LX_EINTR;
			return;
		}
		break;
	case LX_ERESTARTNOINTR:
		break;
	case LX_ERESTARTNOHAND:
	case LX_ERESTART_RESTARTBLOCK:
		if (handler) {
			regs->rax = -LX_EINTR;
			return;
		}
		break;
	default:
		return;
	}
	/* The SYSCALL entry keeps the number in the error-code slot (Linux's orig_ax). */
	regs->rax = -rc == LX_ERESTART_RESTARTBLOCK ? __NR_restart_syscall : regs->error_code;
	regs->rip -= SYSCALL_INSN_LEN;
}

/* ---- sleeping ------------------------------------------------------------------ */

static u64 ns_per_tick(void)
{
	return NSEC_PER_SEC / (kargs.timer_hz ? kargs.timer_hz : 1000);
}

/* Sleep until tick wake; a signal interrupts it, with the rest in urem (if any). */
static long sleep_until(u64 wake, u64 urem)
{
	struct linux_thread *th = lx_thread(current);

	while (jiffies < wake) {
		if (current->sig.pending & ~current->sig.blocked) {
			u64 ns = (wake - jiffies) * ns_per_tick();
			u64 rem[2] = { ns / NSEC_PER_SEC, ns % NSEC_PER_SEC };

			th->restart_wake = wake;
			th->restart_rem = urem;
			if (urem && copy_to_user(urem, rem, sizeof(rem)))
				return -LX_EFAULT;
			return -LX_ERESTART_RESTARTBLOCK;
		}
		current->wake_tick = wake;
		current->state = TASK_SLEEPING;
		schedule();
	}
	return 0;
}

static long do_nanosleep(long clock, u64 flags, u64 ureq, u64 urem)
{
	u64 ticks;
	long err;

	/* Every wall clock here is the tick count (TAI too: the same "now" as clock_gettime). */
	switch (clock) {
	case CLOCK_REALTIME: case CLOCK_MONOTONIC: case CLOCK_BOOTTIME: case CLOCK_TAI:
		break;
	case CLOCK_PROCESS_CPUTIME_ID:
		return lx_refuse("clock_nanosleep cpu", -LX_EINVAL,
				 "clock_nanosleep clock CLOCK_PROCESS_CPUTIME_ID (CPU time)");
	case CLOCK_REALTIME_ALARM: case CLOCK_BOOTTIME_ALARM:
		return -LX_EPERM;	/* CAP_WAKE_ALARM, which uid 1000 lacks */
	case CLOCK_THREAD_CPUTIME_ID:
	case CLOCK_MONOTONIC_RAW: case CLOCK_REALTIME_COARSE: case CLOCK_MONOTONIC_COARSE:
		return -LX_EOPNOTSUPP;	/* Linux: these clocks cannot sleep */
	default:
		return -LX_EINVAL;	/* SGI_CYCLE, unknown ones */
	}
	/* Other flag bits: ignored by Linux's clock_nanosleep (only TIMER_ABSTIME counts). */
	err = lx_timeout_ticks(ureq, flags & TIMER_ABSTIME, &ticks);
	if (err)
		return err;
	/* An absolute sleep has nothing to give back (Linux writes no remainder). */
	return sleep_until(jiffies + ticks, (flags & TIMER_ABSTIME) ? 0 : urem);
}

/*
 * pause(): asleep until a signal comes that is not ignored.  Its handler
 * makes it EINTR; a stop and SIGCONT, or a signal whose default action is
 * to go on, restart it (-ERESTARTNOHAND, as Linux's sys_pause()).
 */
long sys_pause(struct pt_regs *r)
{
	(void)r;
	while (!(current->sig.pending & ~current->sig.blocked)) {
		current->wake_tick = ~0ull;
		current->state = TASK_SLEEPING;
		schedule();
	}
	return -LX_ERESTARTNOHAND;
}

long sys_nanosleep(struct pt_regs *r) { return do_nanosleep(CLOCK_MONOTONIC, 0, r->rdi, r->rsi); }

/*
 * alarm(2): SIGALRM after the given seconds (0 cancels), on the calling
 * thread's timer (pkrulab's task alarm, kernel/signal.c); returns the
 * seconds left of the previous one, rounded to nearest, at least 1 if one
 * was pending, as Linux's alarm_setitimer().
 */
long sys_lx_alarm(struct pt_regs *r)
{
	u64 secs = (u32)r->rdi, old = current->sig.alarm_tick, left = 0;
	u64 tps = NSEC_PER_SEC / ns_per_tick();

	if (old > jiffies) {
		left = ((old - jiffies) * ns_per_tick() + NSEC_PER_SEC / 2) / NSEC_PER_SEC;
		left = left ? left : 1;
	}
	current->sig.alarm_tick = secs ? jiffies + secs * tps : 0;
	return left;
}

long sys_clock_nanosleep(struct pt_regs *r)
{
	return do_nanosleep((long)(int)r->rdi, r->rsi, r->rdx, r->r10);
}

long sys_restart_syscall(struct pt_regs *r)
{
	struct linux_thread *th = lx_thread(current);
	u64 wake = th->restart_wake;

	th->restart_wake = 0;
	if (!wake)
		return -LX_EINTR;	/* nothing to restart: Linux's do_no_restart_syscall() */
	return sleep_until(wake, th->restart_rem);
}

/* ---- sigaltstack, as Linux's do_sigaltstack() ------------------------------------ */

/* ss: a stack_t read already (ss_sp, ss_flags (int, padded), ss_size), or NULL. */
static long do_sigaltstack(struct pt_regs *r, const u64 *ss, u64 uoss)
{
	struct task_signals *s = &current->sig;
	u64 sp = r->rsp;
	bool on = s->altstack_size && sp > s->altstack_sp && sp - s->altstack_sp <= s->altstack_size;
	u64 old[3] = { s->altstack_sp, !s->altstack_size ? SS_DISABLE : on ? SS_ONSTACK : 0,
		       s->altstack_size };
	u32 mode;

	if (ss) {
		if (on)
			return -LX_EPERM;
		mode = (u32)ss[1] & ~SS_AUTODISARM;
		if (mode != SS_DISABLE && mode != SS_ONSTACK && mode != 0)
			return -LX_EINVAL;
		/* Disarming on delivery (and re-arming at sigreturn) is not here. */
		if ((u32)ss[1] & SS_AUTODISARM)
			return lx_refuse("sigaltstack SS_AUTODISARM", -LX_EINVAL,
					 "sigaltstack flag SS_AUTODISARM");
		if (mode == SS_DISABLE) {
			s->altstack_flags = SS_DISABLE;
			s->altstack_sp = s->altstack_size = 0;
		} else {
			if (ss[2] < MINSIGSTKSZ)
				return -LX_ENOMEM;
			s->altstack_sp = ss[0];
			s->altstack_size = ss[2];
			s->altstack_flags = 0;
		}
	}
	if (uoss && copy_to_user(uoss, old, sizeof(old)))
		return -LX_EFAULT;
	return 0;
}

long sys_lx_sigaltstack(struct pt_regs *r)
{
	u64 ss[3];

	if (r->rdi && copy_from_user(ss, r->rdi, sizeof(ss)))
		return -LX_EFAULT;
	return do_sigaltstack(r, r->rdi ? ss : NULL, r->rsi);
}

/*
 * rt_sigreturn of a Linux process: pkrulab's (kernel/signal.c), then the
 * frame's uc_stack becomes the altstack again, as Linux's restore_altstack()
 * does after the registers (its errors ignored; an unreadable frame is
 * rt_sigreturn's own bad frame).
 */
long sys_lx_rt_sigreturn(struct pt_regs *r)
{
	u64 ss[3], uss = r->rsp - 8 + offsetof(struct rt_sigframe64, uc) +
			 offsetof(struct ucontext64, uc_stack);
	/* Read with the handler's PKRU, which wrote the frame; an unreadable one: the frame is bad. */
	bool have = !copy_from_user(ss, uss, sizeof(ss));
	long rax = sys_rt_sigreturn(r);

	if (have)
		do_sigaltstack(r, ss, 0);
	return rax;
}
