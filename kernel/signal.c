/*
 * Signals (see <kernel/signal.h>): queueing them (kill, alarm, and the
 * signal a ring-3 exception becomes, with Linux's si_code) and the signal
 * system calls.  Taking a signal -- writing its frame, starting the
 * handler -- and rt_sigreturn are in kernel/signal_frame.c.
 */
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <asm/traps.h>
#include <kernel/abi.h>
#include <kernel/signal.h>
#include <kernel/smp.h>
#include <kernel/strategy/strategy.h>
#include <kernel/string.h>
#include <kernel/syscall.h>
#include <kernel/task.h>
#include <kernel/uaccess.h>

void signal_task_init(struct task *t)
{
	memset(&t->sig, 0, sizeof(t->sig));
	t->sig.altstack_flags = SS_DISABLE;
}

/* Record a signal: its siginfo's first SIGINFO_KEPT quadwords, all written. */
_Static_assert(offsetof(struct siginfo64, u.kill.pid) == 16 &&
	       offsetof(struct siginfo64, u.fault.addr) == 16 &&
	       offsetof(struct siginfo64, u.fault.addr_lsb) == 24 &&
	       offsetof(struct siginfo64, u.fault.pkey) == 32, "siginfo layout");

static void sig_record(struct task *t, int sig, int code, u64 w2, u64 w3, u64 w4,
		       u64 vector, u64 error)
{
	struct task_signals *s = &t->sig;
	u64 *q = (u64 *)&s->info[sig];

	q[0] = (u32)sig;	/* si_signo; si_errno 0 */
	q[1] = (u32)code;	/* si_code; padding */
	q[2] = w2;
	q[3] = w3;
	q[4] = w4;
	s->fault_vector[sig] = vector;
	s->fault_error[sig] = error;
	s->pending |= SIGBIT(sig);
	t->work |= TASK_WORK_SIGNAL;	/* on another CPU: see smp_kick_signalled() */
}

/*
 * SIGKILL, and a sleeper woken by a signal: out of line and reached by
 * tail calls, so that sending to a running task (signal_roundtrip) stays
 * a leaf with no frame.  With task_wake() inlined (its call of
 * smp_kick()), GCC set up the frame ahead of every path: 3 instructions
 * more per signal.
 */
static __attribute__((noinline)) long signal_kill(struct task *t)
{
	task_kill(t->id, "SIGKILL");
	return 0;
}

static __attribute__((noinline)) long signal_wake(struct task *t)
{
	task_wake(t);
	return 0;
}

/* Queue a signal (kill, alarm).  Returns -EINVAL for a bad signal number. */
static long signal_send(struct task *t, int sig, int code, int from_pid)
{
	if (sig <= 0 || sig >= NSIG_PKRULAB)
		return -EINVAL;
	if (sig == SIGKILL)
		return signal_kill(t);
	/* kill.pid, kill.uid 0 */
	sig_record(t, sig, code, (u32)from_pid, 0, 0, 0, 0);
	if (t->state == TASK_SLEEPING)
		return signal_wake(t);
	return 0;
}

int signal_queue(struct task *t, int sig, int from_pid)
{
	return signal_send(t, sig, SI_USER, from_pid);
}

/* A fault in ring 3: deliver it, or kill the task if it cannot be. */
static void signal_force_fault(struct pt_regs *r, int sig, int code, u64 addr, u32 pkey)
{
	struct task_signals *s = &current->sig;

	/* A fault nobody can handle ends the task, as Linux's force_sig would. */
	if ((s->blocked & SIGBIT(sig)) || s->action[sig].handler <= SIG_IGN)
		task_fault(r, sig);
	/* fault.addr; addr_lsb and padding 0; fault.pkey */
	sig_record(current, sig, code, addr, 0, pkey, r->vector, r->error_code);
}

/*
 * Linux's force_sig(SIGSEGV) for what the kernel itself found wrong in the
 * task's doing (a bad rt_sigreturn frame, a signal frame that could not be
 * written): a SIGSEGV handler runs (si_code SI_KERNEL, as SEND_SIG_PRIV
 * gives); one that is blocked or ignored, or none, and the task dies of
 * SIGSEGV with the reason -- Linux resets such a handler to SIG_DFL and
 * unblocks it, and the default action kills.
 */
void signal_force_sigsegv(const char *why)
{
	struct task_signals *s = &current->sig;

	if ((s->blocked & SIGBIT(SIGSEGV)) || s->action[SIGSEGV].handler <= SIG_IGN)
		task_exit(TASK_EXIT_SIGNALLED(SIGSEGV), why);
	sig_record(current, SIGSEGV, SI_KERNEL, 0, 0, 0, 0, 0);
}

/*
 * SIGFPE's si_code for a #MF (x87) or #XM (SSE) from ring 3: the first of
 * the exceptions both flagged and unmasked, in Linux's order; 0 when none
 * is (a spurious trap: no signal).  The task's registers are still live.
 */
static int fp_exception_code(int vector)
{
	u32 pending;

	if (vector == VEC_XM) {
		u32 mxcsr = stmxcsr();

		pending = mxcsr & ~(mxcsr >> 7) & 0x3f;
	} else {
		pending = fnstsw() & ~fnstcw() & 0x3f;
	}
	if (pending & 0x01)
		return FPE_FLTINV;
	if (pending & 0x04)
		return FPE_FLTDIV;
	if (pending & 0x08)
		return FPE_FLTOVF;
	if (pending & 0x12)
		return FPE_FLTUND;
	if (pending & 0x20)
		return FPE_FLTRES;
	return 0;
}

void signal_user_exception(struct pt_regs *r)
{
	u64 cr2, dr6;
	int code;

	if (task_abi_has(current, fault_check) &&
	    task_abi(current)->fault_check(r, r->vector == VEC_PF ? read_cr2() : 0))
		return;
	switch (r->vector) {
	case VEC_PF:
		cr2 = read_cr2();
		/*
		 * Outside a task's memory (as its ABI sees it) there is nothing
		 * to protect: Linux finds no VMA and says SEGV_MAPERR before it
		 * looks at keys (and a CPU that flags PK on a supervisor page
		 * must not change that).
		 */
		if ((r->error_code & PF_PK) && !task_unmapped(current, cr2))
			signal_force_fault(r, SIGSEGV, SEGV_PKUERR, cr2, page_pkey(cr2));
		else
			signal_force_fault(r, SIGSEGV, (r->error_code & PF_P) &&
					   !task_unmapped(current, cr2) ? SEGV_ACCERR : SEGV_MAPERR,
					   cr2, 0);
		break;
	case VEC_DE:
		signal_force_fault(r, SIGFPE, FPE_INTDIV, r->rip, 0);
		break;
	case VEC_UD:
		signal_force_fault(r, SIGILL, ILL_ILLOPN, r->rip, 0);
		break;
	case VEC_DB:
		/* TF (TRAP_TRACE), a DR0-3 hit, or ICEBP (INT1: no condition bit). */
		dr6 = read_dr6();
		write_dr6(DR6_RESERVED);
		signal_force_fault(r, SIGTRAP, dr6 & DR6_BS ? TRAP_TRACE :
				   dr6 & DR6_TRAP_BITS ? TRAP_HWBKPT : TRAP_BRKPT, r->rip, 0);
		break;
	case VEC_BP:
		signal_force_fault(r, SIGTRAP, SI_KERNEL, 0, 0);
		break;
	case VEC_NP:
	case VEC_SS:
		signal_force_fault(r, SIGBUS, SI_KERNEL, 0, 0);
		break;
	case VEC_AC:
		signal_force_fault(r, SIGBUS, BUS_ADRALN, 0, 0);
		break;
	case VEC_MF:
	case VEC_XM:
		code = fp_exception_code(r->vector);
		if (code)
			signal_force_fault(r, SIGFPE, code, r->rip, 0);
		break;
	default:
		/* #GP (INT n through a DPL-0 gate, privileged instructions), #OF, #TS... */
		signal_force_fault(r, SIGSEGV, SI_KERNEL, 0, 0);
		break;
	}
}

void signal_tick(u64 now)
{
	for (int i = 1; i < MAX_TASKS; i++) {
		struct task *t = &tasks[i];

		if ((t->state == TASK_RUNNABLE || t->state == TASK_SLEEPING) &&
		    t->sig.alarm_tick && now >= t->sig.alarm_tick) {
			t->sig.alarm_tick = 0;
			signal_send(t, SIGALRM, SI_KERNEL, 0);
		}
	}
}

long sys_sigaction(struct pt_regs *r)
{
	struct task_signals *s = &current->sig;
	int sig = (int)r->rdi;
	struct k_sigaction ka;

	if (sig <= 0 || sig >= NSIG_PKRULAB || sig == SIGKILL)
		return -EINVAL;
	if (r->rdx && copy_to_user(r->rdx, &s->action[sig], sizeof(ka)))
		return -EFAULT;
	if (r->rsi) {
		if (copy_from_user(&ka, r->rsi, sizeof(ka)))
			return -EFAULT;
		s->action[sig] = ka;
	}
	return 0;
}

long sys_sigaltstack(struct pt_regs *r)
{
	struct task_signals *s = &current->sig;
	struct stack64 ss, old = { s->altstack_sp, (int)s->altstack_flags, 0, s->altstack_size };

	if (r->rsi && copy_to_user(r->rsi, &old, sizeof(old)))
		return -EFAULT;
	if (!r->rdi)
		return 0;
	if (copy_from_user(&ss, r->rdi, sizeof(ss)))
		return -EFAULT;
	if (ss.ss_flags & SS_DISABLE) {
		s->altstack_flags = SS_DISABLE;
		s->altstack_sp = s->altstack_size = 0;
		return 0;
	}
	if (ss.ss_flags || ss.ss_size < MINSIGSTKSZ || !access_ok(ss.ss_sp, ss.ss_size))
		return -EINVAL;
	s->altstack_sp = ss.ss_sp;
	s->altstack_size = ss.ss_size;
	s->altstack_flags = 0;
	return 0;
}

long sys_sigprocmask(struct pt_regs *r)
{
	struct task_signals *s = &current->sig;
	u64 set;

	if (r->rdx && copy_to_user(r->rdx, &s->blocked, sizeof(u64)))
		return -EFAULT;
	if (!r->rsi)
		return 0;
	if (copy_from_user(&set, r->rsi, sizeof(set)))
		return -EFAULT;
	set &= ~SIGBIT(SIGKILL);
	switch (r->rdi) {
	case SIG_BLOCK: s->blocked |= set; break;
	case SIG_UNBLOCK: s->blocked &= ~set; break;
	case SIG_SETMASK: s->blocked = set; break;
	default: return -EINVAL;
	}
	return 0;
}

long sys_kill_sig(struct pt_regs *r)
{
	int id = (int)r->rdi, sig = (int)r->rsi;

	if (id <= 0 || id >= MAX_TASKS || tasks[id].state == TASK_UNUSED ||
	    tasks[id].state == TASK_DEAD || tasks[id].kthread)
		return -ESRCH;
	return signal_send(&tasks[id], sig, SI_USER, current->id);
}

long sys_alarm(struct pt_regs *r)
{
	current->sig.alarm_tick = r->rdi ? jiffies + r->rdi : 0;
	return 0;
}

long sys_sigstat(struct pt_regs *r)
{
	switch (r->rdi) {
	case SIGSTAT_FRAME_PKRU_CHANGES: return current->sig.frame_pkru_changes;
	case SIGSTAT_DELIVERED: return current->sig.delivered;
	case SIGSTAT_POLICY: return strategy_sigframe_policy(strategy->config);
	}
	return -EINVAL;
}
