/*
 * Tasks: ring-3 tasks (their own user stack, XSAVE area and PKRU as the
 * active strategy keeps it) and kernel-only tasks (no user state at all).
 * Task 0 is the boot context: it runs the scenarios and idles while the
 * tasks it started run.
 */
#ifndef KERNEL_TASK_H
#define KERNEL_TASK_H

#include <asm/ptrace.h>
#include <asm/segment.h>
#include <asm/smp.h>
#include <asm/types.h>
#include <kernel/signal.h>

#define MAX_TASKS	8
#define KSTACK_SIZE	16384

enum task_state { TASK_UNUSED, TASK_RUNNABLE, TASK_SLEEPING, TASK_DEAD };

/* The exit code of a task a signal ended (a kill, an unhandled fault), as a shell shows it negated. */
#define TASK_EXIT_SIGNALLED(sig) (-128 - (long)(sig))

/*
 * Work to do before a task returns to user mode (struct task's work word,
 * kernel/entry.c).  The SYSCALL fast exit leaves only when it is 0.
 */
#define TASK_WORK_SIGNAL	(1u << 0)	/* a signal is pending (maybe blocked) */
#define TASK_WORK_FPU_LOAD	(1u << 1)	/* the strategy deferred the FPU/PKRU load */

struct task_abi;

struct task {
	u32 work;			/* TASK_WORK_*: read by the entry code */
	int id;
	char name[16];
	enum task_state state;
	bool kthread;			/* no user state: never saved or restored */
	u64 ksp;			/* saved kernel stack pointer while switched out */
	u8 *kstack_top;
	void *xsave;			/* XSAVE area, 64-byte aligned, XSTATE_BUF_MAX */
	u32 pkru;			/* explicit/hybrid: PKRU while switched out */
	bool pkru_in_image;		/* explicit/hybrid: not yet taken from the XSAVE image */
	bool fpu_loaded;		/* xsave_deferred: registers hold this task's state */
	/*
	 * CPUs (<kernel/smp.h>): the one it is placed on (it runs nowhere
	 * else; a migration changes it), the one it runs on now (NO_CPU:
	 * none), and the one whose registers last held its user FPU state
	 * (Linux's fpu->last_cpu; NO_CPU once its saved image changed).
	 */
	u32 cpu, on_cpu, last_cpu;
	/* inject=pkru_per_cpu only: the PKRU it left on each CPU, where it ran last (kernel/fpu.c). */
	u32 pkru_on_cpu[MAX_CPUS], pkru_cpu;
	u64 wake_tick;
	u64 sleep_uptr;			/* user address written at wake-up (nanosleep-style) */
	long sleep_result;
	long exit_code;			/* >= 0: exit status; else TASK_EXIT_SIGNALLED() */
	char exit_reason[96];
	void (*kfn)(void *arg);		/* kernel-only task body */
	void *karg;
	u64 uentry, ustack, uarg;	/* ring-3 entry */
	u64 switches_in;
	struct task_signals sig;
	/* The entry code's copy of abi->syscall_table and nr_syscalls. */
	long (*const *syscall_table)(struct pt_regs *);
	u64 nr_syscalls;
	u64 fs_base;			/* MSR_FS_BASE while it runs (arch_prctl) */
	/* A foreign-ABI task's other user segment state while switched out
	 * (the registers hold it while it runs): see sched.c. */
	u64 gs_base;
	struct user_selectors sel;
	const u64 *ldt;			/* its process's LDT (NULL: none) */
	u32 ldt_entries;
	u64 *root;			/* its address space: the PML4 CR3 gets (pte_t *) */
	/* Ports ring 3 may use (<asm/desc.h>): NULL none; switched with root. */
	const u8 *io_bitmap;
	u32 io_bitmap_bytes;
	/* Its ABI (<kernel/abi.h>): pkrulab's own, or a personality's with
	 * that personality's state for it (Linux: the process), else NULL. */
	const struct task_abi *abi;
	void *abi_state;
};

extern struct task tasks[MAX_TASKS];
extern struct task *current;
extern int task_max_id;			/* highest task id in use */

/*
 * Do the task's pending work before it returns to user mode: the deferred
 * FPU load first (signal delivery saves the live registers), then signal
 * delivery onto regs (NULL on a task's first entry: no frame to build).
 */
void exit_to_user_mode_work(struct pt_regs *regs);
/* The check every C return path to user mode makes (the SYSCALL exit makes it in asm). */
static inline void exit_to_user_mode(struct pt_regs *regs)
{
	if (current->work)
		exit_to_user_mode_work(regs);
}

void tasks_init(void);
struct task *task_create_user(const char *name, u64 entry, u64 user_stack_top, u64 arg);
struct task *task_create_kthread(const char *name, void (*fn)(void *), void *arg);
/* Run the created tasks until all have ended or timeout_ms passed. */
void tasks_run(u32 timeout_ms);
/* Forget every task (after tasks_run()). */
void tasks_reset(void);
__noreturn void task_exit(long code, const char *reason);
int task_kill(int id, const char *reason);
void schedule(void);
void yield(void);
/* Block the current task for n timer ticks. */
void sleep_ticks(u64 n);
/* Kill the current ring-3 task for an exception it raised (sig: what it maps to). */
__noreturn void task_fault(struct pt_regs *regs, int sig);

/* The current task's FS base (its TLS), written now. */
void task_set_fs_base(u64 base);
void task_set_gs_base(u64 base);
/* dst (not running) gets the current task's live user segment state. */
void task_copy_user_segs(struct task *dst);
/* t's process LDT changed (or is new): loaded at once if t is current. */
void task_set_ldt(struct task *t, const u64 *ldt, u32 entries);
/* Null selectors, zero FS/GS bases, no LDT on this CPU again (once the tasks that had them are gone). */
void fs_base_reset(void);

/* Scheduler statistics for scenarios. */
extern volatile u64 jiffies;
extern volatile u64 timer_switches;	/* switches forced by the timer */
/* Timer control while tasks run: periodic at hz, or random one-shot
 * periods drawn from [min_ticks, max_ticks] APIC ticks when hz == 0. */
void sched_timer_config(u32 hz, u32 min_ticks, u32 max_ticks);
/* Set *flag (a user-visible stop word) after n timer switches, or once
 * task t has ended; NULL turns it off. */
void sched_stop_when(volatile u32 *flag, u64 n);
void sched_stop_on_exit(volatile u32 *flag, struct task *t);
/* Write the clock at every timer interrupt's start to a user address. */
void sched_stamp_ticks(u64 uaddr);
u64 prng_next(void);
void prng_seed(u64 seed);

#endif
