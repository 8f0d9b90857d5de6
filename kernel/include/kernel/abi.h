/*
 * A task's ABI: the system calls it makes, and what the core kernel must
 * ask of the personality behind them.  Every task points at one constant
 * description.  pkrulab's own ABI (pkrulab_abi, kernel/syscall.c) is the
 * default and has no hooks; a personality (the Linux one, kernel/linux/)
 * fills in those it needs.  The core never names a personality: it calls
 * these hooks, and check-layers keeps it that way.
 *
 * Cost: the core asks task_abi_foreign() before it looks at any hook.
 * That is one compare of the task's abi pointer with a link-time constant,
 * as cheap as the NULL test it replaced, so pkrulab's own tasks (every
 * scenario and benchmark) pay nothing for the hooks they do not have.
 */
#ifndef KERNEL_ABI_H
#define KERNEL_ABI_H

#include <asm/ptrace.h>
#include <asm/types.h>
#include <kernel/task.h>

struct sigframe_limits;

struct task_abi {
	const char *name;
	/* The table SYSCALL dispatches through.  The entry code reads the
	 * task's copy (struct task's syscall_table), one load shorter. */
	long (*const *syscall_table)(struct pt_regs *);
	u64 nr_syscalls;
	/*
	 * Ring 3 can change its FS base without a system call (MOV to FS):
	 * the scheduler reads the MSR back when such a task leaves the CPU.
	 */
	bool fs_base_user;
	/*
	 * PKRU is the kernel's (pkru_guard=force): rt_sigreturn may not
	 * change it, a frame that does kills the task.
	 */
	bool pkru_owned;

	/* Hooks; NULL: nothing to do. */
	/* Before a task's first entry to ring 3 (may enter it itself). */
	void (*first_run)(struct task *t);
	/* The task is ending (from task_exit, interrupts off). */
	void (*exit)(struct task *t);
	/* A ring-3 fault, before its signal (addr: CR2 for #PF, else 0);
	 * true when the ABI has handled it (emulated): no signal. */
	bool (*fault_check)(struct pt_regs *regs, u64 addr);
	/* addr is none of the task's memory (a #PF there is SEGV_MAPERR). */
	bool (*unmapped)(const struct task *t, u64 addr);
	/* A signal is about to be taken: returns the signal to deliver
	 * (maybe another), or 0 for none. */
	int (*signal_filter)(struct pt_regs *regs, int sig);
	/* regs return from a system call a signal interrupted; handler:
	 * a handler runs now (sa_restart: with SA_RESTART). */
	void (*syscall_restart)(struct pt_regs *regs, bool handler, bool sa_restart);
	/* rt_sigreturn's limits for the current task: lim or its own copy. */
	const struct sigframe_limits *(*sigframe_limits)(const struct sigframe_limits *lim);
	/* Is [uaddr, uaddr + n) the current task's, below USER_IMAGE_VA? */
	bool (*access_ok_low)(u64 uaddr, u64 n);
};

extern const struct task_abi pkrulab_abi;

/* Does t have an ABI other than pkrulab's own (and so maybe hooks)? */
static inline bool task_abi_foreign(const struct task *t)
{
	return __builtin_expect(t->abi != &pkrulab_abi, 0);
}

/*
 * t's ABI, for its hooks: read again where they are used, so that the
 * compiler cannot keep the pointer of the foreign test in a register for
 * the cold path -- that costs the hot path a load.
 */
static inline const struct task_abi *task_abi(const struct task *t)
{
	return *(const struct task_abi *const volatile *)&t->abi;
}

/* t's ABI has this hook (the foreign test first: pkrulab's tasks pay one compare). */
#define task_abi_has(t, hook) (task_abi_foreign(t) && task_abi(t)->hook)

/* addr is none of t's memory as its ABI sees it (pkrulab's own: all is). */
static inline bool task_unmapped(const struct task *t, u64 addr)
{
	return task_abi_has(t, unmapped) && task_abi(t)->unmapped(t, addr);
}

/* Give t its ABI (at creation, or when a personality takes it over). */
static inline void task_set_abi(struct task *t, const struct task_abi *abi)
{
	t->abi = abi;
	t->syscall_table = abi->syscall_table;
	t->nr_syscalls = abi->nr_syscalls;
}

#endif
