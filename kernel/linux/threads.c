/*
 * Threads of a Linux process: clone/clone3 with CLONE_VM | CLONE_THREAD |
 * CLONE_SIGHAND (what pthread_create and the pkey selftests' raw clone
 * ask for) make another pkrulab task in the same address space, starting
 * from the parent's registers with RAX = 0, its own stack and TLS, and
 * the parent's PKRU (Linux copies the FPU state, PKRU included, at clone).
 * futex WAIT blocks the thread until a WAKE, a signal (EINTR) or its
 * timeout; a thread's exit clears and wakes its clear_child_tid word;
 * exit_group or a fatal signal ends every thread of the process.  A clone
 * without CLONE_VM is fork: a new process (kernel/linux/process.c copies
 * its memory) whose first thread starts from the parent's registers with
 * RAX = 0, with the parent's FPU registers, PKRU, handlers, mask and
 * altstack, as Linux's copy_process() gives them.
 */
#include <asm/cpu.h>
#include <kernel/console.h>
#include <kernel/fpu.h>
#include <kernel/params.h>
#include <kernel/strategy/strategy.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include "proc.h"

#define CLONE_VM		0x00000100
#define CLONE_SIGHAND		0x00000800
#define CLONE_THREAD		0x00010000
#define CLONE_SETTLS		0x00080000
#define CLONE_PARENT_SETTID	0x00100000
#define CLONE_CHILD_CLEARTID	0x00200000
#define CLONE_CHILD_SETTID	0x01000000
#define CSIGNAL			0x000000ff	/* the exit signal of a new process */
#define CLONE_THREAD_FLAGS	(CLONE_VM | CLONE_SIGHAND | CLONE_THREAD)
#define CLONE_FORK_FLAGS	(CSIGNAL | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | \
				 CLONE_CHILD_CLEARTID)

#define FUTEX_WAIT		0
#define FUTEX_WAKE		1
#define FUTEX_WAIT_BITSET	9
#define FUTEX_WAKE_BITSET	10
#define FUTEX_CMD_MASK		0x7f
#define LX_ETIMEDOUT		110
#define NSEC_PER_SEC		1000000000ull

extern __noreturn void enter_user_regs(struct pt_regs *regs);

bool lx_same_process(const struct task *t, const struct linux_proc *p)
{
	return t->lx == p && t->state != TASK_UNUSED && t->state != TASK_DEAD;
}

/* ---- clone ------------------------------------------------------------------- */

/* fork: a new process; its first thread starts where the caller is, with RAX = 0. */
static long do_fork(struct pt_regs *r, u64 flags, u64 ptid, u64 ctid)
{
	struct linux_proc *p = lx_current(), *c;
	struct linux_thread *th;
	struct task *t;
	long err;
	int pid;

	if (flags & ~(u64)CLONE_FORK_FLAGS) {
		diag("[%s] linux: clone flags %#llx (a new process sharing some of its state) "
		     "not implemented: -ENOSYS", p->prog->name, flags);
		return -LX_ENOSYS;
	}
	c = lx_fork(&t, &err);
	if (!c)
		return err;
	pid = c->pid;
	c->exit_signal = flags & CSIGNAL;
	t->fs_base = rdmsr(MSR_FS_BASE);	/* the live one: a MOV to FS may have changed it */
	memcpy(t->sig.action, current->sig.action, sizeof(t->sig.action));
	t->sig.blocked = current->sig.blocked;
	t->sig.altstack_sp = current->sig.altstack_sp;
	t->sig.altstack_size = current->sig.altstack_size;
	t->sig.altstack_flags = current->sig.altstack_flags;
	/* pkrulab's sigreturn surveillance goes on counting: its log stays at the first few. */
	t->sig.frame_pkru_changes = current->sig.frame_pkru_changes;
	/* The registers are the caller's (it came from ring 3): they become the child's image. */
	fpu_save(t->xsave, fpu_xfeatures());
	if (pke_enabled())
		strategy->set_pkru(t, strategy->get_pkru(current));

	th = &c->thr[t->id];
	th->start = *r;
	th->start.rax = 0;
	th->start_from_regs = true;
	if (flags & CLONE_CHILD_CLEARTID)
		th->clear_child_tid = ctid;
	/* The child's copy of the word, written before it runs (Linux: schedule_tail). */
	if (flags & CLONE_CHILD_SETTID)
		lx_access_remote(c, ctid, &pid, sizeof(pid), true);
	if ((flags & CLONE_PARENT_SETTID) && copy_to_user(ptid, &pid, sizeof(pid)))
		return -LX_EFAULT;	/* Linux, too, has the child by then */
	return pid;
}

static long do_clone(struct pt_regs *r, u64 flags, u64 stack, u64 ptid, u64 ctid, u64 tls)
{
	struct linux_proc *p = lx_current();
	struct linux_thread *th;
	struct task *t;
	u32 tid;

	if (!(flags & CLONE_VM))
		return do_fork(r, flags, ptid, ctid);
	if ((flags & CLONE_THREAD_FLAGS) != CLONE_THREAD_FLAGS) {
		diag("[%s] linux: clone flags %#llx (shared memory without a shared process) "
		     "not implemented: -ENOSYS", p->prog->name, flags);
		return -LX_ENOSYS;
	}
	if ((flags & CLONE_SETTLS) && tls >= LINUX_TASK_SIZE)
		return -LX_EPERM;
	t = lx_task_create(p, 0);
	if (!t)
		return -LX_EAGAIN;	/* pkrulab's task table is full */
	tid = p->thr[t->id].tid;
	t->fs_base = (flags & CLONE_SETTLS) ? tls : rdmsr(MSR_FS_BASE);
	/* CLONE_SIGHAND: the same handlers; the mask is inherited. */
	memcpy(t->sig.action, current->sig.action, sizeof(t->sig.action));
	t->sig.blocked = current->sig.blocked;
	if (pke_enabled())
		strategy->set_pkru(t, strategy->get_pkru(current));

	th = &p->thr[t->id];
	th->start = *r;
	th->start.rax = 0;
	if (stack)
		th->start.rsp = stack;
	th->start_from_regs = true;
	if (flags & CLONE_CHILD_CLEARTID)
		th->clear_child_tid = ctid;
	if (((flags & CLONE_PARENT_SETTID) && copy_to_user(ptid, &tid, sizeof(tid))) ||
	    ((flags & CLONE_CHILD_SETTID) && copy_to_user(ctid, &tid, sizeof(tid)))) {
		t->state = TASK_UNUSED;
		return -LX_EFAULT;
	}
	return tid;
}

long sys_fork(struct pt_regs *r) { return do_fork(r, LINUX_SIGCHLD, 0, 0); }

long sys_clone(struct pt_regs *r)
{
	/* x86-64 order: flags, stack, parent_tid, child_tid, tls */
	return do_clone(r, r->rdi, r->rsi, r->rdx, r->r10, r->r8);
}

/* struct clone_args (include/uapi/linux/sched.h), the fields used here. */
struct clone_args {
	u64 flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

long sys_clone3(struct pt_regs *r)
{
	struct clone_args ca;

	if (r->rsi < sizeof(ca))
		return -LX_EINVAL;
	if (copy_from_user(&ca, r->rdi, sizeof(ca)))
		return -LX_EFAULT;
	return do_clone(r, ca.flags, ca.stack ? ca.stack + ca.stack_size : 0, ca.parent_tid,
			ca.child_tid, ca.tls);
}

void linux_task_first_run(struct task *t)
{
	struct linux_thread *th = &t->lx->thr[t->id];
	struct pt_regs regs;

	if (!th->start_from_regs)
		return;
	th->start_from_regs = false;
	/* The frame the interrupt return pops: below every live frame of this stack. */
	regs = th->start;
	exit_to_user_mode(&regs);
	enter_user_regs(&regs);
}

/* ---- futex --------------------------------------------------------------------- */

static long futex_wake(struct linux_proc *p, u64 uaddr, u32 n)
{
	long woken = 0;

	for (int i = 1; i < MAX_TASKS && (u32)woken < n; i++) {
		struct linux_thread *th = &p->thr[i];

		if (!lx_same_process(&tasks[i], p) || th->futex_uaddr != uaddr)
			continue;
		th->futex_uaddr = 0;
		th->futex_woken = true;
		if (tasks[i].state == TASK_SLEEPING)
			tasks[i].state = TASK_RUNNABLE;
		woken++;
	}
	return woken;
}

/* Timer ticks until a timeout (relative, or absolute on the clock_gettime clock). */
long lx_timeout_ticks(u64 uts, bool absolute, u64 *ticks)
{
	u64 ts[2], hz = kargs.timer_hz ? kargs.timer_hz : 1000, ns, now;

	if (copy_from_user(ts, uts, sizeof(ts)))
		return -LX_EFAULT;
	if (ts[1] >= NSEC_PER_SEC)
		return -LX_EINVAL;
	ns = ts[0] * NSEC_PER_SEC + ts[1];
	now = jiffies * (NSEC_PER_SEC / hz);
	if (absolute)
		ns = ns > now ? ns - now : 0;
	*ticks = ns / (NSEC_PER_SEC / hz) + 1;
	return 0;
}

static long futex_wait(struct linux_proc *p, u64 uaddr, u32 val, u64 uts, bool absolute)
{
	struct linux_thread *th = &p->thr[current->id];
	u64 ticks = 0;
	long err;
	u32 v;

	/* get_user with the caller's PKRU: a key-denied word is EFAULT. */
	if (copy_from_user(&v, uaddr, sizeof(v)))
		return -LX_EFAULT;
	if (v != val)
		return -LX_EAGAIN;
	if (uts && (err = lx_timeout_ticks(uts, absolute, &ticks)))
		return err;
	th->futex_uaddr = uaddr;
	th->futex_woken = false;
	current->wake_tick = uts ? jiffies + ticks : ~0ull;
	current->state = TASK_SLEEPING;
	schedule();
	th->futex_uaddr = 0;
	if (th->futex_woken)
		return 0;
	if (current->sig.pending & ~current->sig.blocked)
		return -LX_EINTR;
	return uts ? -LX_ETIMEDOUT : 0;
}

long sys_futex(struct pt_regs *r)
{
	struct linux_proc *p = lx_current();

	switch (r->rsi & FUTEX_CMD_MASK) {
	case FUTEX_WAIT:
		return futex_wait(p, r->rdi, (u32)r->rdx, r->r10, false);
	case FUTEX_WAIT_BITSET:
		return futex_wait(p, r->rdi, (u32)r->rdx, r->r10, true);
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		return futex_wake(p, r->rdi, (u32)r->rdx);
	}
	return -LX_ENOSYS;	/* minimal: no requeue, no PI futexes */
}

/* ---- exit ------------------------------------------------------------------------ */

void linux_task_exit(struct task *t)
{
	struct linux_proc *p = t->lx;
	struct linux_thread *th = &p->thr[t->id];
	u32 zero = 0;
	bool last = true;

	/* A fatal signal in any thread ends the whole process with it. */
	if (t->exit_code < 0 && !p->group_exit) {
		p->group_exit = true;
		p->group_exit_code = t->exit_code;
		snprintf(p->group_exit_reason, sizeof(p->group_exit_reason), "%s", t->exit_reason);
	}
	p->last_exit_code = t->exit_code;
	if (p->group_exit)
		lx_kill_threads(p, "the process exited (exit_group or a fatal signal)");
	if (th->clear_child_tid && !copy_to_user(th->clear_child_tid, &zero, sizeof(zero)))
		futex_wake(p, th->clear_child_tid, 1);
	th->clear_child_tid = 0;
	th->in_wait = false;
	for (int i = 1; i < MAX_TASKS; i++)
		if (&tasks[i] != t && lx_same_process(&tasks[i], p))
			last = false;
	if (last) {
		if (!p->group_exit)
			snprintf(p->group_exit_reason, sizeof(p->group_exit_reason), "%s", t->exit_reason);
		lx_proc_end(p);
	}
}

long sys_exit_thread(struct pt_regs *r)
{
	lx_console_flush(lx_current());
	task_exit((long)(r->rdi & 0xff), NULL);
}

long sys_exit_group(struct pt_regs *r)
{
	struct linux_proc *p = lx_current();

	lx_console_flush(p);
	p->group_exit = true;
	p->group_exit_code = (long)(r->rdi & 0xff);
	task_exit(p->group_exit_code, NULL);
}
