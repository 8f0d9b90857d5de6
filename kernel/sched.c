/*
 * Round-robin scheduler and the timer tick.  The kernel itself is not
 * preemptible (system calls run with interrupts off); the timer preempts
 * ring-3 code and kernel-only tasks.  Every switch goes through the active
 * PKRU strategy; which design is in force is all that differs between
 * configurations.
 */
#include <asm/apic.h>
#include <asm/desc.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/timing.h>
#include <asm/traps.h>
#include <asm/msr-index.h>
#include <kernel/abi.h>
#include <kernel/console.h>
#include <kernel/fpu.h>
#include <kernel/signal.h>
#include <kernel/smp.h>
#include <asm/cpu.h>
#include <kernel/strategy/strategy.h>
#include <kernel/task.h>
#include <kernel/uaccess.h>

extern void switch_stack(u64 *prev_ksp, u64 next_ksp);

volatile u64 jiffies;
volatile u64 timer_switches;

static u32 tick_hz, oneshot_min, oneshot_max;
/* Only CPU 0's tick preempts, under the kernel lock: one flag is enough. */
static bool in_timer_irq;
static volatile u32 *stop_flag;
static u64 stop_after;
static struct task *stop_task;
static u64 tick_stamp_user;
static u64 run_deadline = ~0ull;	/* tasks_run()'s, in jiffies; ~0: none */

void sched_stamp_ticks(u64 uaddr) { tick_stamp_user = uaddr; }
static u64 prng_state = 0x9e3779b97f4a7c15ull;

void prng_seed(u64 seed) { prng_state = seed ? seed : 0x9e3779b97f4a7c15ull; }

u64 prng_next(void)
{
	/* xorshift64*: reproducible from seed= */
	prng_state ^= prng_state >> 12;
	prng_state ^= prng_state << 25;
	prng_state ^= prng_state >> 27;
	return prng_state * 0x2545f4914f6cdd1dull;
}

/* Round robin over the task ids in use (1..task_max_id); idle if none. */
static struct task *pick_next_up(void)
{
	unsigned id = current->id;

	for (int n = 0; n < task_max_id; n++) {
		id = id >= (unsigned)task_max_id ? 1 : id + 1;
		if (tasks[id].state == TASK_RUNNABLE)
			return &tasks[id];
	}
	return &tasks[0];
}

/*
 * The same while tasks run on several CPUs: only those placed on this CPU
 * and not still running elsewhere (one that migrates here may not have
 * left its old CPU yet); this CPU's idle context if none.
 */
static struct task *pick_next_smp(void)
{
	unsigned id = current->id;
	u32 me = current->on_cpu;

	for (int n = 0; n < task_max_id; n++) {
		struct task *t;

		id = id >= (unsigned)task_max_id ? 1 : id + 1;
		t = &tasks[id];
		if (t->state == TASK_RUNNABLE && t->cpu == me &&
		    (t->on_cpu == NO_CPU || t == current))
			return t;
	}
	return cpu_idle_task(me);
}

/*
 * User segment state: the data selectors, the FS and GS bases and the
 * LDT.  Only a foreign-ABI task (a Linux process) has any of its own:
 * its ring 3 may load any selector, write either base (WRFSBASE, or
 * arch_prctl) and its process may have an LDT (modify_ldt).  Such a
 * task's state is read back from the registers when it leaves the CPU,
 * as Linux does with FSGSBASE, and loaded when it comes back, out of
 * line.  pkrulab's own tasks run with null selectors, zero bases and no
 * LDT: a switch between two of them tests one flag and one pointer.
 * The kernel itself uses none of it (see <asm/segment.h>).  Each CPU's
 * run queue says whether its registers may hold a foreign task's state
 * (user_segs) and which LDT it has loaded.
 */
static void cpu_ldt_set(const u64 *ldt, u32 entries)
{
	struct cpu_rq *rq = this_rq();

	if (ldt != rq->ldt || entries != rq->ldt_entries) {
		ldt_load(ldt, ldt ? entries : 0);
		rq->ldt = ldt;
		rq->ldt_entries = entries;
	}
}

static void user_segs_save(struct task *t)
{
	user_selectors_save(&t->sel);
	t->fs_base = rdmsr(MSR_FS_BASE);
	t->gs_base = rdmsr(MSR_GS_BASE);
}

/* The LDT first: a selector may name one of its entries; the bases last
 * (a selector load sets the base from the descriptor). */
static void user_segs_load(const struct task *t)
{
	cpu_ldt_set(t->ldt, t->ldt_entries);
	user_selectors_load(&t->sel);
	wrmsr(MSR_FS_BASE, t->fs_base);
	wrmsr(MSR_GS_BASE, t->gs_base);
	this_rq()->user_segs = true;
}

static void user_segs_clear(void)
{
	static const struct user_selectors null_selectors;

	cpu_ldt_set(NULL, 0);
	user_selectors_load(&null_selectors);
	wrmsr(MSR_FS_BASE, 0);
	wrmsr(MSR_GS_BASE, 0);
	this_rq()->user_segs = false;
}

static __attribute__((noinline, cold)) void user_segs_switch(struct task *prev, struct task *next)
{
	if (task_abi_foreign(prev) && task_abi(prev)->fs_base_user && prev->state != TASK_DEAD)
		user_segs_save(prev);
	if (task_abi_foreign(next) && task_abi(next)->fs_base_user)
		user_segs_load(next);
	else
		user_segs_clear();
}

/* As Linux's arch_prctl: the selector becomes null, then the base is written. */
void task_set_fs_base(u64 base)
{
	asm volatile("mov %0, %%fs" :: "r"(0));
	current->fs_base = base;
	wrmsr(MSR_FS_BASE, base);
}

void task_set_gs_base(u64 base)
{
	asm volatile("mov %0, %%gs" :: "r"(0));
	current->gs_base = base;
	wrmsr(MSR_GS_BASE, base);
}

void task_copy_user_segs(struct task *dst)
{
	user_segs_save(dst);
	dst->ldt = current->ldt;
	dst->ldt_entries = current->ldt_entries;
}

void task_set_ldt(struct task *t, const u64 *ldt, u32 entries)
{
	t->ldt = ldt;
	t->ldt_entries = entries;
	if (t == current)
		cpu_ldt_set(ldt, entries);
}

void fs_base_reset(void)
{
	if (this_rq()->user_segs || this_rq()->ldt)
		user_segs_clear();
}

static void context_switch(struct task *prev, struct task *next)
{
	u32 me = prev->on_cpu;
	struct cpu_rq *rq = &cpu_rqs[me];

	if (!prev->kthread && prev->state != TASK_DEAD)
		strategy->switch_out(prev);
	if (!next->kthread)
		strategy->switch_in(next, prev);
	next->switches_in++;
	if (in_timer_irq && !prev->kthread && !next->kthread)
		timer_switches++;
	in_timer_irq = false;
	if (__builtin_expect(rq->user_segs | task_abi_foreign(next), 0))
		user_segs_switch(prev, next);
	/*
	 * Only a Linux process has an address space of its own, and only a
	 * process has I/O port rights (ioperm, iopl: the same for all its
	 * threads), so they change only where the address space does.
	 */
	if (__builtin_expect(next->root != prev->root, 0)) {
		paging_switch(next->root);
		if (__builtin_expect(next->io_bitmap != tss_io_bitmap_owner(me), 0))
			tss_io_bitmap_switch(me, next->io_bitmap, next->io_bitmap_bytes);
	}
	if (next->kstack_top)
		set_kernel_stack(me, (u64)next->kstack_top);
	/* The kernel lock is held across the switch: no other CPU can pick
	 * prev up before its registers are on its stack. */
	prev->on_cpu = NO_CPU;
	next->on_cpu = me;
	rq->curr = next;
	current = next;
	switch_stack(&prev->ksp, next->ksp);
}

/* schedule() while tasks run on several CPUs: out of line, the one-CPU path stays as short. */
static __attribute__((noinline)) void schedule_smp(struct task *prev)
{
	struct task *next = pick_next_smp();

	/* Nothing else to run here: keep going, unless prev moved away. */
	if (next == prev || (next == cpu_idle_task(prev->on_cpu) &&
			     prev->state == TASK_RUNNABLE && prev->cpu == prev->on_cpu))
		return;
	/* Placed elsewhere (a migration): its new CPU picks it up once it is off this one. */
	if (prev->cpu != prev->on_cpu && prev->state == TASK_RUNNABLE)
		smp_send_ipi(prev->cpu, VEC_IPI_RESCHED);
	context_switch(prev, next);
}

void schedule(void)
{
	struct task *prev = current, *next;

	if (__builtin_expect(smp_tasks_active, 0)) {
		schedule_smp(prev);
		return;
	}
	next = pick_next_up();
	if (next == prev)
		return;
	if (next == &tasks[0] && prev->state == TASK_RUNNABLE)
		return;		/* nothing else to run: keep going */
	context_switch(prev, next);
}

void yield(void)
{
	u64 f = irq_save();

	schedule();
	irq_restore(f);
}

void sleep_ticks(u64 n)
{
	current->wake_tick = jiffies + n;
	current->state = TASK_SLEEPING;
	schedule();
}

static void wake_sleepers(void)
{
	for (int i = 1; i < MAX_TASKS; i++)
		if (tasks[i].state == TASK_SLEEPING && jiffies >= tasks[i].wake_tick)
			task_wake(&tasks[i]);
}

/*
 * The stop word lives in a user page and the tick may land while a task
 * runs with a PKRU that denies its key: open every key for the write.
 * This is harness plumbing, not one of the designs under test.
 */
static void poke_user(u64 uaddr, const void *src, u64 n)
{
	u32 saved = pke_enabled() ? rdpkru() : 0;

	if (pke_enabled())
		wrpkru(0);
	copy_to_user(uaddr, src, n);
	if (pke_enabled())
		wrpkru(saved);
}

static void raise_stop_flag(void)
{
	u32 one = 1;

	poke_user((u64)stop_flag, &one, sizeof(one));
}

static void rearm(void)
{
	if (!tick_hz && oneshot_max)
		apic_timer_oneshot(oneshot_min + prng_next() % (oneshot_max - oneshot_min + 1));
}

static void timer_irq(struct pt_regs *r)
{
	/* Benchmarks: when did this tick start (preemptive switch latency)? */
	if (tick_stamp_user) {
		u64 now = time_start();

		poke_user(tick_stamp_user, &now, sizeof(now));
	}
	jiffies++;
	apic_eoi();
	smp_tick();
	rearm();
	wake_sleepers();
	signal_tick(jiffies);
	/*
	 * A ring-3 task that never blocks keeps the idle loop, which checks
	 * the deadline, from running: end the tasks from here too.
	 */
	if (jiffies > run_deadline && user_mode(r)) {
		for (int i = 1; i < MAX_TASKS; i++)
			if (&tasks[i] != current)
				task_kill(i, "timeout: still running at the scenario deadline");
		task_kill(current->id, "timeout: still running at the scenario deadline");
	}
	if (stop_flag && ((stop_after && timer_switches >= stop_after) ||
			  (stop_task && stop_task->state == TASK_DEAD)))
		raise_stop_flag();
	/* Preempt ring 3 and kernel-only tasks, never a system call. */
	if (user_mode(r) || current->kthread) {
		in_timer_irq = true;
		schedule();
		in_timer_irq = false;
	}
}

void sched_stop_when(volatile u32 *flag, u64 switches)
{
	stop_flag = flag;
	stop_after = switches;
	stop_task = NULL;
}

void sched_stop_on_exit(volatile u32 *flag, struct task *t)
{
	stop_flag = flag;
	stop_after = 0;
	stop_task = t;
}

void sched_timer_config(u32 hz, u32 min_ticks, u32 max_ticks)
{
	tick_hz = hz;
	oneshot_min = min_ticks;
	oneshot_max = max_ticks;
}

void tasks_run(u32 timeout_ms)
{
	u64 hz = tick_hz, deadline;
	bool alive;

	irq_register(VEC_TIMER, timer_irq);
	jiffies = 0;
	timer_switches = 0;
	if (tick_hz)
		apic_timer_periodic(tick_hz);
	else
		rearm();
	/* With random one-shot periods, estimate ticks per second from the mean. */
	if (!hz)
		hz = apic_timer_hz() / ((oneshot_min + oneshot_max) / 2 + 1);
	deadline = (u64)timeout_ms * hz / 1000;
	run_deadline = deadline;
	/* The scenario's own code may have used the registers since the last run. */
	cpu_rqs[0].fpu_owner = NULL;
	smp_tasks_begin();
	for (;;) {
		cli();
		alive = false;
		for (int i = 1; i < MAX_TASKS; i++)
			alive |= tasks[i].state == TASK_RUNNABLE || tasks[i].state == TASK_SLEEPING;
		if (!alive && !smp_tasks_on_aps())
			break;
		if (alive && jiffies > deadline) {
			for (int i = 1; i < MAX_TASKS; i++)
				if (tasks[i].state == TASK_RUNNABLE || tasks[i].state == TASK_SLEEPING)
					task_kill(i, "timeout: still running at the scenario deadline");
			continue;	/* the dead leave the APs at their next kernel entry */
		}
		if (jiffies > deadline + hz) {
			printk("# smp: a task still holds an AP %llu ticks after the deadline: "
			       "going on without it\n", jiffies - deadline);
			break;
		}
		schedule();
		/* Nothing runnable (all asleep): wait for the tick. */
		smp_idle_wait();
	}
	smp_tasks_end();
	run_deadline = ~0ull;
	apic_timer_stop();
	/* Kernel-only context from here: drop whatever PKRU the last task left. */
	if (pke_enabled())
		wrpkru(0);
	cpu_rqs[0].fpu_owner = NULL;
	sti();
	cli();
}
