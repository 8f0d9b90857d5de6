/*
 * Tasks on several CPUs: the kernel lock, each CPU's scheduler loop, the
 * IPIs, migration and the TLB shootdown (see <kernel/smp.h>).
 *
 * Why one lock.  Every structure here (tasks, signals, address spaces,
 * the strategies' state) was written for one CPU; a lock taken at every
 * entry from ring 3 keeps all of it correct, as Linux 2.0's kernel_flag
 * did, while ring 3 -- where PKRU matters -- runs on every CPU at once.
 * What a design must get right on SMP is then exactly what the PKRU
 * argument is about: per-CPU registers (PKRU, FPU ownership), state that
 * migrates with a task, and TLBs that cache protection keys.
 *
 * The lock's rules:
 *  - a CPU takes it when it enters the kernel from ring 3 (SYSCALL,
 *    interrupt, exception) or from its idle halt, and drops it on the way
 *    back; a context switch happens with it held, so a task leaves one
 *    CPU completely before another can pick it up;
 *  - the vectors that only touch this CPU's own hardware (NMI, #DF, #MC,
 *    the AP mailbox call, the watchdog tick, the TLB flush IPI) never
 *    take it, so the lock-up detector and a shootdown work while another
 *    CPU holds it;
 *  - a CPU spinning for it still answers shootdowns (it polls its
 *    mailbox: the holder may be waiting for exactly that), and one that
 *    waits BKL_WAIT_S seconds reports which CPU holds it and ends the run
 *    through the watchdog's lock-up path.
 */
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/cpufeature.h>
#include <asm/desc.h>
#include <asm/msr-index.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <asm/timing.h>
#include <asm/traps.h>
#include <kernel/abi.h>
#include <kernel/console.h>
#include <kernel/panic.h>
#include <kernel/params.h>
#include <kernel/smp.h>
#include <kernel/string.h>
#include <kernel/syscall.h>
#include <kernel/uaccess.h>
#include <kernel/watchdog.h>

#define BKL_WAIT_S		5
#define AP_LEAVE_S		5	/* an AP back in its mailbox loop after the run */
#define FLUSH_WAIT_S		2
#define FIRST_EXTERNAL_VECTOR	32	/* below: exceptions, which need no EOI */

struct cpu_rq cpu_rqs[MAX_CPUS] = { [0] = { .idle = &tasks[0] } };
static struct task ap_idle_tasks[MAX_CPUS];
bool smp_tasks_active;

/*
 * A ticket lock: CPUs get it in the order they asked.  A test-and-set
 * lock starved a CPU for good under QEMU: a thread calling a system call
 * in a loop on one CPU took the lock back each time before the waiter
 * saw it free.
 */
static volatile u32 bkl_next, bkl_serving;	/* the next ticket; the one served */
static volatile u32 bkl_owner = NO_CPU;		/* who holds it, for the checks and reports */
static void *volatile bkl_taken_at;	/* the holder's caller of bkl_lock(): for the report */
static u32 task_cpu_mask;		/* CPUs running their scheduler loop */
static volatile bool run_done;		/* the APs leave their loops */
static bool spin_pause = true;		/* PAUSE in the lock and flush waits */
static u64 run_xcr0;			/* CPU 0's XCR0 for this run (the strategy's) */
bool smp_spread_new_tasks;

extern void syscall_entry(void);
extern void *const syscall_entry_smp[MAX_CPUS];	/* syscall_entry.asm */

u32 smp_task_cpus(void) { return smp_cpus_online(); }

/* The control bits every design relies on: a CPU without them cannot run tasks. */
#define CR4_TASK_BITS	(X86_CR4_PKE | X86_CR4_OSXSAVE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT)

const char *smp_cpu_unfit(u32 cpu)
{
	if (cpu == 0)
		return NULL;
	if (cpu >= MAX_CPUS || !smp_cpu_usable(cpu))
		return "not online";
	if ((smp_cpu_cr4(cpu) ^ read_cr4()) & CR4_TASK_BITS)
		return "its CR4 (PKE, OSXSAVE, OSFXSR) is not the boot CPU's: see smp.pkru_per_cpu";
	return NULL;
}

static bool cpu_runs_tasks(u32 cpu) { return cpu < MAX_CPUS && (task_cpu_mask & (1u << cpu)); }

/*
 * One turn of a wait for another CPU.  PAUSE on hardware (a sibling
 * thread gets the core, and no memory-order flush when the wait ends);
 * not under QEMU's TCG, where each PAUSE leaves the vCPU's translated
 * code and takes the emulator's global lock, which the CPU being waited
 * for needs for its own interrupts and APIC writes: with PAUSE,
 * protection_keys on 2 CPUs took 19 s a design, without it 5 s, as on
 * one CPU (2026-12-08).
 */
static inline void spin_relax(void)
{
	if (spin_pause)
		cpu_relax();
	else
		barrier();
}

/* A shootdown request to this CPU, answered: drop every non-global translation. */
static void flush_poll(u32 me)
{
	struct cpu_rq *rq = &cpu_rqs[me];

	if (rq->flush_req != rq->flush_done) {
		u64 cr3 = read_cr3();

		if (rq->flush_retired && cr3 == (u64)rq->flush_retired)
			cr3 = (u64)paging_kernel_root();
		write_cr3(cr3);
		rq->flush_done = rq->flush_req;
	}
}

/* For a lock-up report: what each CPU running tasks was doing. */
static void smp_dump_cpus(void)
{
	static const char *const states[] = { "unused", "runnable", "sleeping", "dead" };

	for (u32 cpu = 0; cpu < MAX_CPUS; cpu++) {
		const struct cpu_rq *rq = &cpu_rqs[cpu];

		if (!cpu_runs_tasks(cpu))
			continue;
		printk("# smp: cpu%u runs %s (task %d, %s), shootdowns asked %u answered %u\n", cpu,
		       rq->curr ? rq->curr->name : "-", rq->curr ? rq->curr->id : -1,
		       rq->curr ? states[rq->curr->state & 3] : "-", rq->flush_req,
		       rq->flush_done);
	}
}

/*
 * A lock wait ran out.  The first CPU to see it reports, after an NMI
 * that makes the holder say where it is (traps.c prints its RIP); the
 * others, waiting for the same holder, stay quiet.
 */
static __attribute__((noreturn, cold)) void bkl_stuck(u32 me)
{
	static volatile u32 reporter = NO_CPU;
	u32 holder = bkl_owner;
	char why[128];

	if (!__sync_bool_compare_and_swap(&reporter, NO_CPU, me))
		for (;;)
			cpu_relax();
	if (holder < MAX_CPUS) {
		apic_send_ipi(smp_cpu_apic_id(holder), APIC_DM_NMI);
		for (u64 t = rdtsc(); rdtsc() - t < tsc_hz / 10;)
			cpu_relax();
	}
	smp_dump_cpus();
	snprintf(why, sizeof(why), "cpu%u waited %u s for the kernel lock, held by cpu%u "
		 "(taken at %p)", me, BKL_WAIT_S, holder, bkl_taken_at);
	watchdog_lockup(why);
	for (;;)
		cpu_relax();
}

/*
 * A waiter that has spun BKL_SPIN_US without its turn halts until the
 * unlocker's VEC_IPI_LOCK_WAKE, as paravirtual spinlocks do (Linux's
 * pv_wait()/pv_kick()).  A vCPU that spins holds a host core: with two
 * QEMUs of two vCPUs each on a two-core host, the spinners took the
 * cores the lock holder and the next in line needed, and every hand-over
 * waited for the host scheduler (protection_keys on 2 CPUs: 7 s alone,
 * 31 s beside another run, 2026-12-08).  A halted vCPU gives its core
 * back.  While halted the TPR holds off every vector whose handler takes
 * the lock (they would take a second ticket behind their own CPU's
 * first); the lock-free ones of class 15 -- the shootdown, the wake, the
 * watchdog tick -- and NMIs still come in.
 */
#define BKL_SPIN_US		20
#define BKL_SPIN_TURNS		4096	/* without a TSC frequency */

static volatile u32 bkl_sleepers;		/* CPUs halted in bkl_lock(), a bit each */
static volatile u32 bkl_sleep_ticket[MAX_CPUS];	/* the ticket each of them waits for */
static volatile u64 bkl_sleep_since[MAX_CPUS];	/* and since when (TSC) */

static void bkl_sleep(u32 me, u32 ticket)
{
	u32 tpr = apic_get_tpr();

	bkl_sleep_ticket[me] = ticket;
	bkl_sleep_since[me] = rdtsc();
	/* A locked OR orders it before the load of bkl_serving (bkl_unlock() mirrors it). */
	__atomic_or_fetch(&bkl_sleepers, 1u << me, __ATOMIC_SEQ_CST);
	apic_set_tpr(TPR_LOCK_WAIT);
	/* STI's shadow: a wake sent after this load still ends the HLT. */
	if (__atomic_load_n(&bkl_serving, __ATOMIC_SEQ_CST) != ticket)
		asm volatile("sti; hlt; cli" ::: "memory");
	__atomic_and_fetch(&bkl_sleepers, ~(1u << me), __ATOMIC_SEQ_CST);
	apic_set_tpr(tpr);
}

/*
 * The watchdog CPU's tick (10 Hz): a waiter halted for a second or more
 * wakes to look at the clock, so that a lock never given back is still
 * reported after BKL_WAIT_S, whoever waits for it.  Not sooner: a lost
 * wake-up must stay a bug that shows (each would cost a second), not one
 * that this poke hides.
 */
static void bkl_poke_sleepers(void)
{
	u32 me = smp_processor_id(), sleepers = bkl_sleepers;
	u64 now = rdtsc();

	for (u32 cpu = 0; sleepers; cpu++, sleepers >>= 1)
		if ((sleepers & 1) && cpu != me && now - bkl_sleep_since[cpu] > tsc_hz)
			smp_send_ipi(cpu, VEC_IPI_LOCK_WAKE);
}

static void lock_wake_irq(struct pt_regs *r)
{
	(void)r;
	apic_eoi();
}

static __attribute__((noinline)) void bkl_lock(u32 me)
{
	u64 start = 0, spin = tsc_hz ? tsc_hz / (1000000 / BKL_SPIN_US) : 0;
	u32 turns = 0, ticket;
	char why[128];

	if (bkl_owner == me) {
		snprintf(why, sizeof(why), "cpu%u takes the kernel lock it already holds", me);
		watchdog_lockup(why);
	}
	ticket = __atomic_fetch_add(&bkl_next, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&bkl_serving, __ATOMIC_ACQUIRE) != ticket) {
		flush_poll(me);
		if (!start)
			start = rdtsc();
		if (spin ? rdtsc() - start > spin : ++turns > BKL_SPIN_TURNS)
			bkl_sleep(me, ticket);
		else
			spin_relax();
		if (tsc_hz && rdtsc() - start > BKL_WAIT_S * tsc_hz)
			bkl_stuck(me);
	}
	bkl_owner = me;
	bkl_taken_at = __builtin_return_address(0);
	/*
	 * A CPU that was still on its way in (a late kick) when the run
	 * ended gets the lock after CPU 0 gave it up for good: `current` is
	 * CPU 0's again by then, and stays so.
	 */
	if (smp_tasks_active)
		current = cpu_rqs[me].curr;
}

static void bkl_unlock(u32 me)
{
	char why[96];
	u32 next, sleepers;

	if (bkl_owner != me) {
		snprintf(why, sizeof(why), "cpu%u drops the kernel lock, held by cpu%u", me,
			 bkl_owner);
		watchdog_lockup(why);
	}
	bkl_owner = NO_CPU;
	next = bkl_serving + 1;
	/* XCHG: the store is ordered before the load of the sleepers. */
	__atomic_exchange_n(&bkl_serving, next, __ATOMIC_SEQ_CST);
	sleepers = bkl_sleepers;
	for (u32 cpu = 0; sleepers; cpu++, sleepers >>= 1)
		if ((sleepers & 1) && bkl_sleep_ticket[cpu] == next)
			smp_send_ipi(cpu, VEC_IPI_LOCK_WAKE);
}

/*
 * current was killed by another CPU while it ran in ring 3: it goes now.
 * An interrupt that brought it here is acknowledged first: its handler
 * never runs, and an unacknowledged vector would block every vector of
 * its priority class (the kicks, the mailbox) on this CPU for good.
 */
static void enter_from_user(u32 me, const struct pt_regs *r)
{
	bkl_lock(me);
	if (current->state == TASK_DEAD) {
		if (r && r->vector >= FIRST_EXTERNAL_VECTOR)
			apic_eoi();
		schedule();
	}
}

/*
 * A task running in ring 3 on another CPU with a signal pending hears of
 * it now, not at its next entry: every kernel exit while tasks run on
 * several CPUs kicks such CPUs.  Done here rather than where the signal
 * is queued, so that the one-CPU signal path pays nothing (CPU 0's tick
 * kicks the APs too, for a signal queued from an interrupt).
 */
static void smp_kick_signalled(u32 me)
{
	for (int i = 1; i < MAX_TASKS; i++) {
		const struct task *t = &tasks[i];

		if ((t->work & TASK_WORK_SIGNAL) && t->on_cpu != NO_CPU && t->on_cpu != me)
			smp_send_ipi(t->on_cpu, VEC_IPI_RESCHED);
	}
}

void smp_syscall(struct pt_regs *r)
{
	u32 nr = (u32)r->rax;
	struct task *t;

	enter_from_user(smp_processor_id(), NULL);
	t = current;
	/* As the one-CPU entry: EAX is the number, a table of none takes all. */
	if (nr < t->nr_syscalls)
		r->rax = t->syscall_table[nr](r);
	else if (!t->nr_syscalls)
		r->rax = t->syscall_table[0](r);
	else
		r->rax = -ENOSYS;
	exit_to_user_mode(r);
	smp_kick_signalled(current->on_cpu);
	/* It may have migrated: the lock is the CPU's it returns from. */
	bkl_unlock(current->on_cpu);
}

void smp_first_entry_to_user(void)
{
	if (smp_tasks_active)
		bkl_unlock(current->on_cpu);
}

static bool vector_needs_lock(u64 vec)
{
	return !(vec == VEC_NMI || vec == VEC_DF || vec == VEC_MC || vec == VEC_IPI_CALL ||
		 vec == VEC_WATCHDOG || vec == VEC_IPI_FLUSH || vec == VEC_IPI_LOCK_WAKE ||
		 vec == VEC_SPURIOUS);
}

static void smp_trap(struct pt_regs *r)
{
	u32 me = smp_processor_id();
	bool took;

	if (!vector_needs_lock(r->vector)) {
		trap_handle_nolock(r);
		return;
	}
	took = bkl_owner != me;
	if (took) {
		if (user_mode(r))
			enter_from_user(me, r);
		else
			bkl_lock(me);
		if (!smp_tasks_active) {
			/* A kick that came in as the run ended: nothing left to do. */
			if (r->vector >= FIRST_EXTERNAL_VECTOR)
				apic_eoi();
			bkl_unlock(me);
			return;
		}
	}
	trap_dispatch_locked(r);
	if (took) {
		smp_kick_signalled(current->on_cpu);
		bkl_unlock(current->on_cpu);
	}
}

/*
 * A kick: current's work word, a kill or a new placement is to be looked
 * at.  Ring 3 and kernel-only tasks give the CPU up (round robin: an AP's
 * timer is the watchdog's, so CPU 0's tick kicks the APs instead).
 */
static void resched_irq(struct pt_regs *r)
{
	apic_eoi();
	/* A late kick to an AP back in its mailbox loop: not ours to act on. */
	if (!smp_tasks_active)
		return;
	if (user_mode(r) || (current->kthread && current != cpu_idle_task(current->on_cpu)))
		schedule();
}

static void flush_irq(struct pt_regs *r)
{
	(void)r;
	apic_eoi();
	flush_poll(smp_processor_id());
}

static void flush_others(const pte_t *root, bool retire)
{
	u32 me = smp_processor_id();
	u64 start = rdtsc();
	u32 sent = 0;
	char why[96];

	if (inject_active(INJECT_NO_SHOOTDOWN))
		return;
	for (u32 cpu = 0; cpu < MAX_CPUS; cpu++) {
		const struct task *curr = cpu_rqs[cpu].curr;

		if (cpu == me || !cpu_runs_tasks(cpu))
			continue;
		/* Lazy TLB: a CPU in another address space holds none of root's. */
		if (!retire && root && curr && (const pte_t *)curr->root != root)
			continue;
		cpu_rqs[cpu].flush_retired = retire ? (pte_t *)root : NULL;
		barrier();	/* the root before the request that names it */
		cpu_rqs[cpu].flush_req++;
		sent |= 1u << cpu;
		smp_send_ipi(cpu, VEC_IPI_FLUSH);
	}
	for (u32 cpu = 0; cpu < MAX_CPUS; cpu++) {
		struct cpu_rq *rq = &cpu_rqs[cpu];

		if (!(sent & (1u << cpu)))
			continue;
		while (rq->flush_done != rq->flush_req) {
			spin_relax();
			if (tsc_hz && rdtsc() - start > FLUSH_WAIT_S * tsc_hz) {
				apic_send_ipi(smp_cpu_apic_id(cpu), APIC_DM_NMI);
				for (u64 t = rdtsc(); rdtsc() - t < tsc_hz / 10;)
					cpu_relax();
				smp_dump_cpus();
				snprintf(why, sizeof(why), "cpu%u did not answer a TLB shootdown from "
					 "cpu%u in %u s", cpu, me, FLUSH_WAIT_S);
				watchdog_lockup(why);
			}
		}
	}
}

void smp_kick(struct task *t)
{
	u32 where;

	where = t->on_cpu != NO_CPU ? t->on_cpu : t->cpu;
	if (where != current->on_cpu)
		smp_send_ipi(where, VEC_IPI_RESCHED);
}

/* A kick to each AP in which that runs its scheduler loop. */
static void kick_aps(u32 which)
{
	for (u32 cpu = 1; cpu < MAX_CPUS; cpu++)
		if (cpu_runs_tasks(cpu) && (which & (1u << cpu)))
			smp_send_ipi(cpu, VEC_IPI_RESCHED);
}

/*
 * CPU 0's tick: an AP with a time slice to end, that is with two runnable
 * tasks placed on it or more, looks at its queue.  Nothing else needs
 * the tick there: a wake-up, a placement, a kill and a signal each kick
 * the task's CPU when they happen (task_wake(), smp_kick(),
 * smp_kick_signalled(), which also covers the signals this tick queues).
 * A kick a tick to an AP running one task cost two lock hand-overs a
 * millisecond: with two QEMUs sharing two host cores, each hand-over
 * could wait for the host to run the other vCPU, and protection_keys on
 * 2 CPUs took 63 s instead of 7 (2026-12-08).
 */
void smp_tick(void)
{
	u32 queued[MAX_CPUS] = { 0 }, slice = 0;

	if (!smp_tasks_active)
		return;
	for (int i = 1; i < MAX_TASKS; i++) {
		const struct task *t = &tasks[i];

		if (t->state == TASK_RUNNABLE && t->cpu < MAX_CPUS && ++queued[t->cpu] == 2)
			slice |= 1u << t->cpu;
	}
	kick_aps(slice);
}

int task_migrate(u32 cpu)
{
	struct task *t = current;

	if (!smp_tasks_active || !cpu_runs_tasks(cpu))
		return -1;
	if (cpu == t->on_cpu)
		return 0;
	t->cpu = cpu;
	schedule();		/* kicks cpu; returns running there */
	return 0;
}

int task_move(struct task *t, u32 cpu)
{
	if (t == current)
		return task_migrate(cpu);
	if (!smp_tasks_active || !cpu_runs_tasks(cpu))
		return -1;
	t->cpu = cpu;
	/*
	 * Running elsewhere: its CPU gives it up at the kick, and schedule()
	 * kicks the new one then.  Switched out: the new CPU picks it.
	 */
	smp_kick(t);
	return 0;
}

u32 smp_task_cpu_mask(void)
{
	return smp_tasks_active ? task_cpu_mask : 1;
}

static u32 place_rotor;	/* the CPU the last new task went to */

u32 smp_place_new(const struct task *t, u32 allowed)
{
	u32 mask = smp_task_cpu_mask() & allowed, load[MAX_CPUS] = { 0 }, best = NO_CPU;

	if (!mask)
		return 0;
	for (int i = 1; i < MAX_TASKS; i++)
		if (&tasks[i] != t && tasks[i].cpu < MAX_CPUS &&
		    (tasks[i].state == TASK_RUNNABLE || tasks[i].state == TASK_SLEEPING))
			load[tasks[i].cpu]++;
	/* The least loaded; of equals, the first after the last one chosen. */
	for (u32 i = 1; i <= MAX_CPUS; i++) {
		u32 cpu = (place_rotor + i) % MAX_CPUS;

		if ((mask & (1u << cpu)) && (best == NO_CPU || load[cpu] < load[best]))
			best = cpu;
	}
	place_rotor = best;
	return best;
}

void smp_idle_wait(void)
{
	u32 me;

	if (!smp_tasks_active) {
		asm volatile("sti; hlt; cli" ::: "memory");
		return;
	}
	me = current->on_cpu;
	bkl_unlock(me);
	/* STI's shadow: a kick sent after the unlock still ends the HLT. */
	asm volatile("sti; hlt; cli" ::: "memory");
	bkl_lock(me);
}

bool smp_tasks_on_aps(void)
{
	if (!smp_tasks_active)
		return false;
	for (int i = 1; i < MAX_TASKS; i++)
		if (tasks[i].on_cpu != NO_CPU && tasks[i].on_cpu != 0)
			return true;
	return false;
}

/* SYSCALL as CPU 0 has it (EFER.SCE, STAR, CSTAR, FMASK), into this CPU's stub. */
static void syscall_msrs(u32 cpu)
{
	if (cpu)
		syscall_init();
	wrmsr(MSR_LSTAR, (u64)syscall_entry_smp[cpu]);
}

static void idle_task_init(u32 cpu)
{
	struct task *idle = &ap_idle_tasks[cpu];

	cpu_rqs[cpu].idle = idle;
	memset(idle, 0, sizeof(*idle));
	snprintf(idle->name, sizeof(idle->name), "idle%u", cpu);
	idle->state = TASK_RUNNABLE;
	idle->kthread = true;
	idle->root = paging_kernel_root();
	idle->cpu = idle->on_cpu = cpu;
	idle->last_cpu = NO_CPU;
	task_set_abi(idle, &pkrulab_abi);
}

/* What an AP does while tasks run: schedule what is placed on it. */
static void ap_sched_loop(void *arg)
{
	u32 me = smp_processor_id();
	struct cpu_rq *rq = &cpu_rqs[me];
	bool osxsave = read_cr4() & X86_CR4_OSXSAVE;
	u64 xcr0 = osxsave ? xgetbv(0) : 0;

	(void)arg;
	rq->fpu_owner = NULL;
	if (osxsave)
		xsetbv(0, run_xcr0);	/* the strategy's XCR0[9] */
	syscall_msrs(me);
	/*
	 * Between runs CPU 0 maps and unmaps user pages with no shootdown
	 * (nobody else runs ring 3 then): whatever this CPU's TLB still
	 * holds from the last run may name freed pages.  Found on Bochs,
	 * whose TLB kept a previous run's shared page: a task read its old
	 * program number from it.
	 */
	flush_tlb_all();
	bkl_lock(me);
	while (!run_done) {
		schedule();
		smp_idle_wait();
	}
	/* Nothing of a task stays in this CPU's registers. */
	fs_base_reset();
	if (pke_enabled())
		wrpkru(0);
	if (osxsave)
		xsetbv(0, xcr0);	/* as the boot CPU's goes back after the run */
	rq->fpu_owner = NULL;
	rq->curr = rq->idle;
	bkl_unlock(me);
}

void smp_tasks_begin(void)
{
	bool placed = false;

	for (int i = 1; i < MAX_TASKS; i++)
		placed |= tasks[i].state != TASK_UNUSED && tasks[i].cpu != 0;
	if (!placed && !(smp_spread_new_tasks && smp_task_cpus() > 1))
		return;
	run_done = false;
	place_rotor = 0;
	spin_pause = !cpu_is_qemu_tcg();
	run_xcr0 = (read_cr4() & X86_CR4_OSXSAVE) ? xgetbv(0) : 0;
	irq_register(VEC_IPI_RESCHED, resched_irq);
	irq_register(VEC_IPI_FLUSH, flush_irq);
	irq_register(VEC_IPI_LOCK_WAKE, lock_wake_irq);
	watchdog_set_tick_hook(bkl_poke_sleepers);
	cpu_rqs[0].curr = current;
	/*
	 * Every AP's run queue names its idle task before the run is on: a
	 * kick may reach an AP still in its mailbox loop (the higher vector
	 * first), and the lock hands it rq->curr as current.
	 */
	for (u32 cpu = 1; cpu < MAX_CPUS; cpu++) {
		idle_task_init(cpu);
		cpu_rqs[cpu].curr = cpu_rqs[cpu].idle;
	}
	task_cpu_mask = 1;
	smp_tasks_active = true;
	trap_smp_hook = smp_trap;
	paging_flush_others = flush_others;
	bkl_lock(0);
	syscall_msrs(0);
	for (u32 cpu = 1; cpu < MAX_CPUS; cpu++)
		if (!smp_cpu_unfit(cpu) && smp_call_async(cpu, ap_sched_loop, NULL) == 0)
			task_cpu_mask |= 1u << cpu;
}

/*
 * Wait for cpu to finish its scheduler loop.  A spin on the TSC, not the
 * PIT: under QEMU every PIT read is an I/O exit that takes the emulator's
 * global lock, which the AP needs too to get its wake-up IPI.
 */
static bool wait_ap_left(u32 cpu)
{
	u64 start = rdtsc();

	while (!smp_call_done(cpu)) {
		cpu_relax();
		if (tsc_hz && rdtsc() - start > AP_LEAVE_S * tsc_hz)
			return false;
	}
	return true;
}

void smp_tasks_end(void)
{
	if (!smp_tasks_active)
		return;
	run_done = true;
	kick_aps(~0u);		/* out of their halts, to see run_done */
	bkl_unlock(0);
	for (u32 cpu = 1; cpu < MAX_CPUS; cpu++)
		if (cpu_runs_tasks(cpu) && !wait_ap_left(cpu)) {
			/* Still in its loop: it must never run it again without the lock rules. */
			printk("# smp: cpu%u did not leave its scheduler loop in %u s: left out from now on\n",
			       cpu, AP_LEAVE_S);
			apic_send_ipi(smp_cpu_apic_id(cpu), APIC_DM_NMI);	/* it says where it is */
			for (u64 t = rdtsc(); rdtsc() - t < tsc_hz / 10;)
				cpu_relax();
			smp_cpu_lose(cpu);
		}
	bkl_lock(0);		/* current is CPU 0's again */
	watchdog_set_tick_hook(NULL);
	trap_smp_hook = NULL;
	paging_flush_others = NULL;
	smp_tasks_active = false;
	task_cpu_mask = 0;
	wrmsr(MSR_LSTAR, (u64)syscall_entry);
	bkl_unlock(0);
}

bool task_place(struct task *t, u32 cpu)
{
	if (smp_cpu_unfit(cpu))
		return false;
	t->cpu = cpu;
	return true;
}
