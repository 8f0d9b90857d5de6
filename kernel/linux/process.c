/*
 * Linux processes: the process table, pids and tids, a process's threads
 * as pkrulab tasks, and fork (a copy of the process with its own address
 * space: kernel/linux/memory.c).  A program's first process comes from
 * exec (kernel/linux/exec.c); ends and wait4 are in kernel/linux/exit.c.
 */
#include <kernel/smp.h>
#include <kernel/string.h>
#include "proc.h"

struct linux_proc lx_procs[LINUX_MAX_PROCS];
static int next_id;

int lx_new_id(void) { return next_id++; }

struct linux_proc *lx_proc_by_pid(int pid)
{
	for (int i = 0; i < LINUX_MAX_PROCS; i++)
		if (lx_procs[i].used && lx_procs[i].pid == pid)
			return &lx_procs[i];
	return NULL;
}

struct task *lx_task_by_tid(int tid)
{
	for (int i = 1; i < MAX_TASKS; i++)
		if (lx_proc(&tasks[i]) && lx_same_process(&tasks[i], lx_proc(&tasks[i])) &&
		    lx_proc(&tasks[i])->thr[i].tid == tid)
			return &tasks[i];
	return NULL;
}

static struct linux_proc *proc_alloc(void)
{
	for (int i = 0; i < LINUX_MAX_PROCS; i++)
		if (!lx_procs[i].used) {
			memset(&lx_procs[i], 0, sizeof(lx_procs[i]));
			lx_procs[i].used = true;
			lx_procs[i].pid = lx_new_id();
			lx_report_process(&lx_procs[i]);
			return &lx_procs[i];
		}
	return NULL;
}

/*
 * A dead task's slot can be taken again once it is on no CPU (its stack
 * is idle): current is on this one, and a thread killed on another runs
 * there until it enters the kernel.
 */
static bool task_slot_free(void)
{
	for (int i = 1; i < MAX_TASKS; i++) {
		if (tasks[i].state == TASK_DEAD && tasks[i].on_cpu == NO_CPU) {
			lx_detach(&tasks[i]);
			tasks[i].state = TASK_UNUSED;
		}
		if (tasks[i].state == TASK_UNUSED)
			return true;
	}
	return false;
}

struct linux_proc *lx_proc_first(void)
{
	next_id = 1;
	return proc_alloc();
}

struct task *lx_task_create(struct linux_proc *p, int tid)
{
	/* The creator's mask comes along (Linux copies cpus_mask at fork and clone). */
	u32 allowed = lx_current()->thr[current->id].cpus_allowed;
	struct task *t;

	if (!task_slot_free())
		return NULL;
	t = task_create_user(current->name, 0, 0, 0);
	lx_attach(t, p);
	t->root = p->root;
	lx_io_task(t, p);
	memset(&p->thr[t->id], 0, sizeof(p->thr[t->id]));
	p->thr[t->id].tid = tid ? tid : lx_new_id();
	p->thr[t->id].cpus_allowed = allowed;
	/* Spread: the least loaded CPU (kernel/linux/cpu.c); kicked there once runnable. */
	t->cpu = smp_place_new(t, allowed ? allowed : ~0u);
	lx_report_placed(t->cpu);
	task_kick(t);
	return t;
}

struct linux_proc *lx_fork(struct task **child_task, long *err)
{
	struct linux_proc *parent = lx_current(), *c;
	u64 need = lx_root_copy_pages(parent->root);
	struct task *t;
	int pid;

	if (!lx_pages_available(need)) {
		*err = -LX_ENOMEM;
		return NULL;
	}
	/* Both tables first: nothing is copied for a fork that cannot happen. */
	if (!task_slot_free() || !(c = proc_alloc())) {
		*err = -LX_EAGAIN;
		return NULL;
	}
	pid = c->pid;
	/* The process's own state comes along: memory layout, keys, files, real-time signals. */
	*c = *parent;
	c->pid = pid;
	c->parent = parent;
	c->tracer = NULL;
	c->syscall_trace = false;	/* PTRACE_SYSCALL is not inherited (no PTRACE_O_TRACEFORK) */
	c->stopped = c->stop_reported = c->group_stop = c->continued = false;
	c->stopped_task = NULL;
	c->group_exit = false;
	c->group_exit_code = c->last_exit_code = 0;
	c->group_exit_reason[0] = 0;
	c->line_len = 0;
	memset(c->thr, 0, sizeof(c->thr));
	c->root = lx_root_copy(parent->root);
	lx_files_fork(c, parent);

	t = lx_task_create(c, pid);	/* a free slot was checked above */
	c->task = t;
	*child_task = t;
	return c;
}
