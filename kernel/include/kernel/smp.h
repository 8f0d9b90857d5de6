/*
 * Tasks on several CPUs (kernel/smp.c).
 *
 * The kernel is serialised by one lock, as Linux 2.0's was: a CPU holds it
 * from its entry from ring 3 (or from its idle halt) until it goes back,
 * and ring 3 runs on every CPU at once.  The global `current` is the lock
 * holder's task: each CPU's own is its run queue's curr, copied into
 * `current` when it takes the lock, so no kernel code needs to know which
 * CPU it is on, and the one-CPU paths (the SYSCALL fast path, the
 * strategies' switch code) are the same code with one CPU or eight.
 *
 * A task is placed on one CPU (task->cpu) and only that CPU's scheduler
 * picks it; a migration moves the placement and hands the task over while
 * the lock is held, so it is never on two CPUs.  While no task is placed
 * off CPU 0 nothing of this is in force: the entry paths are the one-CPU
 * ones and the APs halt.
 */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

#include <asm/pgtable.h>
#include <asm/smp.h>
#include <kernel/task.h>

/* Kept small (64 bytes): context_switch() indexes it at every switch. */
struct cpu_rq {
	struct task *curr;		/* what this CPU runs */
	struct task *idle;		/* its idle context (CPU 0's is tasks[0]) */
	/*
	 * Whose user FPU registers this CPU holds (Linux's
	 * fpu_fpregs_owner_ctx): with task->last_cpu == this CPU, the
	 * registers are still that task's and a deferred load may skip its
	 * XRSTOR.  NULL once anything else used them.
	 */
	struct task *fpu_owner;
	/* This CPU's user segment registers and LDT (sched.c). */
	bool user_segs;
	const u64 *ldt;
	u32 ldt_entries;
	/*
	 * Shootdown mailbox: a request is new while req != done; with a
	 * retired root, a CPU whose CR3 holds it loads the kernel's.
	 */
	volatile u32 flush_req, flush_done;
	pte_t *volatile flush_retired;
} __aligned(64);
_Static_assert(sizeof(struct cpu_rq) == 64, "one cache line per CPU");

extern struct cpu_rq cpu_rqs[MAX_CPUS];
/* Tasks may be placed off CPU 0 (smp_tasks_begin() to smp_tasks_end()). */
extern bool smp_tasks_active;

/* The run queue of the CPU current runs on: valid wherever current is. */
static inline struct cpu_rq *this_rq(void) { return &cpu_rqs[current->on_cpu]; }
static inline struct task *cpu_idle_task(u32 cpu) { return cpu_rqs[cpu].idle; }

/* The CPUs tasks may be placed on: 0 and every AP online (a count). */
u32 smp_task_cpus(void);
/* Tasks placed off CPU 0 start and stop running (tasks_run()). */
void smp_tasks_begin(void);
void smp_tasks_end(void);
/* The idle wait of a CPU's scheduler loop: halt until an interrupt,
 * without the kernel lock while halted. */
void smp_idle_wait(void);
/* Any task still on an AP (dead ones included, until they leave it)? */
bool smp_tasks_on_aps(void);
/* t's CPU should look at t now (a signal, a kill, a wake-up, a placement). */
void smp_kick(struct task *t);
static inline void task_kick(struct task *t)
{
	if (__builtin_expect(smp_tasks_active, 0))
		smp_kick(t);
}
/* A sleeping task becomes runnable, and its CPU hears of it now, not at its next tick. */
static inline void task_wake(struct task *t)
{
	t->state = TASK_RUNNABLE;
	task_kick(t);
}
/* Move current to cpu: returns running there (0), or -1 for a CPU not in use. */
int task_migrate(u32 cpu);
/* Move any task to cpu (current: task_migrate()); -1 for a CPU not in use. */
int task_move(struct task *t, u32 cpu);
/*
 * The run uses every CPU fit for tasks even if its first tasks are all
 * on CPU 0, and the tasks created during it are spread over them (the
 * Linux personality's clone and fork: smp_place_new()).  Set around a
 * tasks_run() by the cell.
 */
extern bool smp_spread_new_tasks;
/* The CPUs running tasks in this run, a bit each ({0} outside a run on several). */
u32 smp_task_cpu_mask(void);
/*
 * Where t, created now, goes: of the CPUs in allowed that run tasks, the
 * one with the fewest live tasks placed on it, of equals the next after
 * the one the last new task got (round robin); 0 if none.
 */
u32 smp_place_new(const struct task *t, u32 allowed);
/* Why cpu cannot run tasks (not online, its control state not the boot CPU's), or NULL. */
const char *smp_cpu_unfit(u32 cpu);
/* Place t (not yet run) on cpu: false for a CPU that cannot run tasks. */
bool task_place(struct task *t, u32 cpu);
/* CPU 0's tick: each AP with two runnable tasks or more ends its time slice. */
void smp_tick(void);
/* A task's first way to ring 3 (no entry frame to return through) drops the lock. */
void smp_first_entry_to_user(void);
/* The SYSCALL entry of each CPU while tasks run on several (syscall_entry.asm). */
void smp_syscall(struct pt_regs *regs);

#endif
