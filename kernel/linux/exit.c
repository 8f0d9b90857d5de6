/*
 * The end of a Linux process, and wait4.
 *
 * When the last thread of a process ends (exit, exit_group, a fatal
 * signal, SIGKILL from another process) its files and its whole address
 * space go at once, as Linux's exit_mm() and exit_files() do, and what is
 * left is its status.  With a parent still alive it becomes a zombie
 * until the parent's wait4 takes the status; the parent gets its exit
 * signal (SIGCHLD) and any of its threads asleep in wait4 wake up.  Its
 * own children go to "init" -- the cell, which records the status of each
 * process it reaps in the program's report (see struct linux_report): so
 * protection_keys, whose first process exits 0 after handing the rest of
 * the run to a child, is judged by that child too.  A tracer's end detaches
 * its tracees and resumes the ones it had stopped.
 */
#include <asm/pgtable.h>
#include <kernel/console.h>
#include <kernel/mm.h>
#include <kernel/smp.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include "proc.h"

/* wait4 options (include/uapi/linux/wait.h) */
#define WNOHANG		0x00000001
#define WUNTRACED	0x00000002
#define WCONTINUED	0x00000008
#define __WNOTHREAD	0x20000000
#define __WALL		0x40000000
#define __WCLONE	0x80000000u
#define SA_NOCLDWAIT	0x00000002u
#define RUSAGE_SIZE	144		/* struct rusage on x86-64: all zeros here */

/* Linux's wait status from a pkrulab exit code (>= 0 status, else signalled). */
static int wait_status(long code)
{
	if (code >= 0)
		return (int)((code & 0xff) << 8);
	return (int)((TASK_EXIT_SIGNALLED(0) - code) & 0x7f);
}

void lx_wake_waiters(struct linux_proc *p)
{
	for (int i = 1; i < MAX_TASKS; i++)
		if (lx_same_process(&tasks[i], p) && p->thr[i].in_wait &&
		    tasks[i].state == TASK_SLEEPING)
			task_wake(&tasks[i]);
}

void lx_proc_release(struct linux_proc *p)
{
	for (int i = 1; i < MAX_TASKS; i++)
		if (lx_proc(&tasks[i]) == p && tasks[i].state != TASK_RUNNABLE &&
		    tasks[i].state != TASK_SLEEPING)
			lx_detach(&tasks[i]);
	if (lx_proc(current) == p)
		lx_detach(current);	/* it is ending: nothing of p is used again */
	p->used = false;
}

/* The cell (init) takes p's status: into the report, and the slot is free. */
static void reap_by_init(struct linux_proc *p)
{
	lx_report_reaped(p, p->group_exit_code, p->group_exit_reason);
	lx_proc_release(p);
}

void lx_proc_end(struct linux_proc *p)
{
	pte_t *kernel_root = paging_kernel_root();

	if (!p->group_exit) {
		p->group_exit = true;
		p->group_exit_code = p->last_exit_code;
	}
	p->wait_status = wait_status(p->group_exit_code);
	lx_console_flush(p);
	lx_files_exit(p);
	lx_io_end(p);
	/* Off its page tables first: the thread ending here may still be on them. */
	if (paging_active_root() == (pte_t *)p->root)
		paging_switch(kernel_root);
	for (int i = 0; i < MAX_TASKS; i++)
		if (lx_proc(&tasks[i]) == p)
			tasks[i].root = (u64 *)kernel_root;
	lx_root_free(p->root);
	p->root = NULL;

	for (int i = 0; i < LINUX_MAX_PROCS; i++) {
		struct linux_proc *c = &lx_procs[i];

		if (!c->used || c == p)
			continue;
		if (c->tracer == p) {
			c->tracer = NULL;
			lx_ptrace_untrace(c);	/* no more syscall stops */
			if (c->stopped && !c->group_stop)
				lx_resume(c, 0);
		}
		if (c->parent == p) {
			c->parent = NULL;
			if (c->zombie)
				reap_by_init(c);
		}
	}
	if (p->parent) {
		const struct k_sigaction *ka = lx_proc_action(p->parent, LINUX_SIGCHLD);
		/*
		 * A parent that ignores SIGCHLD or set SA_NOCLDWAIT leaves no
		 * zombie: the child is reaped at once (do_notify_parent()); the
		 * cell still records its status.  Not for a traced child.
		 */
		bool autoreap = ka && p->exit_signal == LINUX_SIGCHLD && !p->tracer &&
				(ka->handler == SIG_IGN || (ka->flags & SA_NOCLDWAIT));

		if (p->exit_signal)
			lx_signal_proc(p->parent, p->exit_signal);
		lx_wake_waiters(p->parent);
		if (autoreap)
			reap_by_init(p);
		else
			p->zombie = true;
	} else {
		reap_by_init(p);
	}
}

void lx_kill_threads(struct linux_proc *p, const char *reason)
{
	for (int i = 1; i < MAX_TASKS; i++)
		if (&tasks[i] != current && lx_same_process(&tasks[i], p))
			task_kill(i, reason);
}

void lx_kill_proc(struct linux_proc *p, int sig, const char *reason)
{
	lx_kill_threads(p, reason);
	if (!p->group_exit) {
		p->group_exit = true;
		p->group_exit_code = TASK_EXIT_SIGNALLED(sig);
		snprintf(p->group_exit_reason, sizeof(p->group_exit_reason), "%s", reason);
	}
	if (p == lx_current())
		task_exit(TASK_EXIT_SIGNALLED(sig), reason);	/* the end comes from linux_task_exit */
	lx_proc_end(p);
}

static bool wait_matches(const struct linux_proc *c, const struct linux_proc *p, int pid,
			 u64 options)
{
	/* One process group for the whole program: 0 and -pgid mean any child. */
	if (pid > 0 && c->pid != pid)
		return false;
	/*
	 * A "clone" child (its exit signal is not SIGCHLD) only with __WCLONE,
	 * the others only without it; __WALL: both.  A tracer sees its
	 * tracees whatever (eligible_child()).
	 */
	if (c->tracer == p && c->parent != p)
		return true;
	return (options & __WALL) || ((c->exit_signal != LINUX_SIGCHLD) == !!(options & __WCLONE));
}

long sys_wait4(struct pt_regs *r)
{
	struct linux_proc *p = lx_current();
	int pid = (int)r->rdi, status = 0, found;
	u64 ustatus = r->rsi, options = r->rdx, urusage = r->r10;
	static const u8 zero_rusage[RUSAGE_SIZE];

	if (options & ~(u64)(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WALL | __WCLONE))
		return -LX_EINVAL;
	/* Children are the process's, not the thread's that made them. */
	if ((options & __WNOTHREAD) && lx_thread_count(p) > 1)
		return lx_refuse("wait4 __WNOTHREAD", -LX_EINVAL,
				 "wait4 flag __WNOTHREAD in a process with several threads");
	for (;;) {
		bool any = false;

		found = 0;
		for (int i = 0; i < LINUX_MAX_PROCS && !found; i++) {
			struct linux_proc *c = &lx_procs[i];

			if (!c->used || (c->parent != p && c->tracer != p) ||
			    !wait_matches(c, p, pid, options))
				continue;
			any = true;
			if (c->zombie && c->parent == p) {
				found = c->pid;
				status = c->wait_status;
				lx_proc_release(c);
			} else if (c->stopped && !c->stop_reported &&
				   (c->tracer == p || (options & WUNTRACED))) {
				/* A stop is reported once (WIFSTOPPED: 0x7f, the signal above it). */
				c->stop_reported = true;
				found = c->pid;
				status = (c->stop_sig << 8) | 0x7f;
			} else if (c->continued && (options & WCONTINUED) && c->parent == p) {
				c->continued = false;
				found = c->pid;
				status = 0xffff;	/* WIFCONTINUED */
			}
		}
		if (found)
			break;
		if (!any)
			return -LX_ECHILD;
		if (options & WNOHANG)
			return 0;
		if (current->sig.pending & ~current->sig.blocked)
			return -LX_ERESTARTSYS;
		lx_thread(current)->in_wait = true;
		current->wake_tick = ~0ull;
		current->state = TASK_SLEEPING;
		schedule();
		lx_thread(current)->in_wait = false;
	}
	if (ustatus && copy_to_user(ustatus, &status, sizeof(status)))
		return -LX_EFAULT;
	if (urusage && copy_to_user(urusage, zero_rusage, sizeof(zero_rusage)))
		return -LX_EFAULT;
	return found;
}
