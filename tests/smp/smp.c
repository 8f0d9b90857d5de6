/*
 * smp.* -- what several CPUs add to the PKRU argument.
 *
 * pkru_per_cpu: PKRU is state of each logical processor (SDM vol. 3,
 * 2.7 and 4.6.2), and so are CR4.PKE and XCR0: every design's correctness
 * on SMP rests on each CPU being set up like the boot CPU and on a WRPKRU
 * on one CPU leaving the others alone.  For every application processor
 * online: the boot CPU holds one PKRU while the AP writes another and
 * reads it back; the AP's CR4.PKE and XCR0 must equal the boot CPU's; and
 * on the AP a ring-0 read of a user page whose key its PKRU denies must
 * end as the same read does on the boot CPU (a #PF with the PK bit, or,
 * on Bochs, its known deviation pku.ring0_ignores_ad, which pku.* judges)
 * while the read with the key open must not fault: keys enforced there,
 * with its own PKRU.  inject=ap_no_pke
 * (an AP started without CR4.PKE) must make it fail.  With one CPU in use
 * (smp=1, or a MADT that lists one) it SKIPs.
 *
 * lockup_detector: cpu0 spins with interrupts off, printing nothing, and
 * the watchdog on cpu1 (kernel/watchdog.c) must notice within its limit
 * (shortened to 500 ms for this cell) and say where cpu0 was, by NMI.
 * inject=spin_irqs_off spins without telling the watchdog it is a test:
 * the real lock-up path must then fail this cell and end the run with the
 * summary line.
 */
#include <asm/apic.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <asm/safe.h>
#include <asm/smp.h>
#include <asm/traps.h>
#include <kernel/params.h>
#include <kernel/sigframe.h>
#include <kernel/smp.h>
#include <kernel/strategy/strategy.h>
#include <kernel/string.h>
#include <kernel/task.h>
#include <kernel/usermem.h>
#include <kernel/watchdog.h>
#include "../lib/testlib.h"
#include "smp.h"

SUITE(smp, 90, "several CPUs: per-CPU PKRU, tasks on two CPUs at once, migration, shootdown");

#define AP_TIMEOUT_US	500000
#define BSP_PKRU	0x0000000cu	/* key 1 denied (AD|WD) on the boot CPU */
#define AP_KEY		3

/* What the AP saw, for the boot CPU to judge. */
struct ap_report {
	volatile u8 *page;		/* a user page with key AP_KEY */
	u64 cr4, xcr0;
	int xgetbv_fault, wr_fault, rd_fault;	/* PROBE_NO_FAULT or the vector */
	u32 pkru_after;
	int denied_fault, open_fault;	/* the reads of page */
	u64 denied_ec;
};

static void ap_probe(void *arg)
{
	struct ap_report *r = arg;
	u8 v;

	r->cr4 = read_cr4();
	r->xcr0 = 0;
	r->xgetbv_fault = (r->cr4 & X86_CR4_OSXSAVE) ? safe_xgetbv(0, &r->xcr0) : PROBE_NO_FAULT;
	/* The boot CPU changed the page's key: this CPU may still cache the old PTE. */
	invlpg((const void *)r->page);
	r->wr_fault = safe_wrpkru_regs(PKRU_AD_BIT(AP_KEY), 0, 0);
	r->rd_fault = safe_rdpkru_ecx(0, &r->pkru_after);
	r->denied_fault = safe_read8(r->page, &v);
	r->denied_ec = probe_trap.error_code;
	safe_wrpkru_regs(0, 0, 0);
	r->open_fault = safe_read8(r->page, &v);
}

/* The denied read on the boot CPU: what every AP must match. */
struct bsp_ref {
	u64 xcr0;
	int denied_fault;
	u64 denied_ec;
};

static void judge(struct scenario_ctx *ctx, u32 cpu, const struct ap_report *r,
		  const struct bsp_ref *b)
{
	u32 id = smp_cpu_apic_id(cpu);

	check(ctx, (r->cr4 & X86_CR4_PKE) == (read_cr4() & X86_CR4_PKE),
	      "cpu%u (APIC ID %u): CR4.PKE %s, the boot CPU's %s", cpu, id,
	      r->cr4 & X86_CR4_PKE ? "set" : "clear", read_cr4() & X86_CR4_PKE ? "set" : "clear");
	check(ctx, r->xgetbv_fault == PROBE_NO_FAULT && r->xcr0 == b->xcr0,
	      "cpu%u: XCR0 %#llx, the boot CPU's %#llx", cpu, r->xcr0, b->xcr0);
	if (!check(ctx, r->wr_fault == PROBE_NO_FAULT && r->rd_fault == PROBE_NO_FAULT,
		   "cpu%u: WRPKRU/RDPKRU raised %s/%s", cpu,
		   r->wr_fault == PROBE_NO_FAULT ? "nothing" : exception_name(r->wr_fault),
		   r->rd_fault == PROBE_NO_FAULT ? "nothing" : exception_name(r->rd_fault)))
		return;
	check(ctx, r->pkru_after == PKRU_AD_BIT(AP_KEY), "cpu%u: PKRU %#x after WRPKRU %#x",
	      cpu, r->pkru_after, PKRU_AD_BIT(AP_KEY));
	check(ctx, r->denied_fault == b->denied_fault &&
		   (r->denied_fault != VEC_PF || (r->denied_ec & PF_PK) == (b->denied_ec & PF_PK)),
	      "cpu%u: ring-0 read of a key-%d user page with AD set: %s (error %#llx), "
	      "on the boot CPU %s (error %#llx)", cpu, AP_KEY,
	      r->denied_fault == PROBE_NO_FAULT ? "no fault" : exception_name(r->denied_fault),
	      r->denied_ec,
	      b->denied_fault == PROBE_NO_FAULT ? "no fault" : exception_name(b->denied_fault),
	      b->denied_ec);
	check(ctx, r->open_fault == PROBE_NO_FAULT, "cpu%u: the same read with PKRU 0: %s", cpu,
	      r->open_fault == PROBE_NO_FAULT ? "no fault" : exception_name(r->open_fault));
}

static enum outcome pkru_per_cpu(struct scenario_ctx *ctx)
{
	const char *why = need_pku();
	struct ap_report r;
	struct bsp_ref b = { 0 };
	u32 n = smp_cpus_online(), bsp;
	u8 v;

	if (why)
		return skip(ctx, "%s", why);
	if (n < 2)
		return skip(ctx, "one CPU in use (smp=1, or the MADT lists one)");
	if (read_cr4() & X86_CR4_OSXSAVE)
		b.xcr0 = xgetbv(0);
	r.page = user_slot_map(0, AP_KEY, 0);
	if (set_pkru(ctx, PKRU_AD_BIT(AP_KEY))) {
		b.denied_fault = safe_read8(r.page, &v);
		b.denied_ec = probe_trap.error_code;
	}
	for (u32 cpu = 1; cpu < MAX_CPUS; cpu++) {
		int rc;

		if (smp_cpu_apic_id(cpu) == ~0u)
			break;
		if (!set_pkru(ctx, BSP_PKRU))
			break;
		rc = smp_call(cpu, ap_probe, &r, AP_TIMEOUT_US);
		if (rc == -1)
			continue;		/* never came up: reported at boot */
		if (!check(ctx, rc == 0, "cpu%u (APIC ID %u) did not finish in %u ms: stopped or hung",
			   cpu, smp_cpu_apic_id(cpu), AP_TIMEOUT_US / 1000))
			continue;
		bsp = get_pkru(ctx);
		check(ctx, bsp == BSP_PKRU,
		      "the boot CPU's PKRU is %#x after cpu%u's WRPKRU, want %#x", bsp, cpu, BSP_PKRU);
		judge(ctx, cpu, &r, &b);
	}
	set_pkru(ctx, 0);
	user_slot_unmap(0);
	return verdict(ctx);
}
SCENARIO(smp, pkru_per_cpu, pkru_per_cpu,
	 "each CPU has its own PKRU, the boot CPU's CR4.PKE and XCR0, and enforces keys", 0);

#define LOCKUP_TEST_MS	500
#define LOCKUP_GIVE_UP_MS 20000

extern char __kernel_start[], __ktext_end[];

static enum outcome lockup_detector(struct scenario_ctx *ctx)
{
	u64 rip = 0, flags;
	bool seen = false;

	if (!watchdog_running())
		return skip(ctx, "no lock-up detector: one CPU in use (smp=1, or the MADT lists one)");
	flags = irq_save();
	if (inject_active(INJECT_SPIN_IRQS_OFF))
		for (;;)
			cpu_relax();
	watchdog_expect(true, LOCKUP_TEST_MS);
	/* No tick, no console line, no new cell: only the 1 ms PIT waits go by. */
	for (u32 ms = 0; ms < LOCKUP_GIVE_UP_MS && !(seen = watchdog_seen(&rip)); ms++)
		pit_delay_us(1000);
	watchdog_expect(false, 0);
	irq_restore(flags);
	if (check(ctx, seen, "cpu0 spun %u ms with interrupts off and no lock-up was reported",
		  LOCKUP_GIVE_UP_MS))
		check(ctx, rip >= (u64)__kernel_start && rip < (u64)__ktext_end,
		      "the lock-up NMI reported rip=%#llx, not in the kernel's text", rip);
	return verdict(ctx);
}
SCENARIO(smp, lockup_detector, lockup_detector,
	 "cpu1's watchdog notices cpu0 stuck with interrupts off, by NMI, and says where", 0);

/*
 * ---- tasks on two CPUs ----
 *
 * The cells below run pkrulab's ring-3 tasks (tests/smp/smp.user.c) on
 * CPU 0 and CPU 1 at once (kernel/smp.c), in every configuration:
 *
 * concurrent    two tasks per CPU, four different PKRUs, 10,000 checks
 *               each of PKRU, XMM0, getpid and the CPU, with yields: the
 *               kernel lock, each CPU's current and each CPU's switching
 *               (how often both CPUs were seen in ring 3 at once is a
 *               diagnostic: it depends on the host);
 * migrate       CPU0 -> CPU1 -> CPU0 around each path that changes FPU
 *               state (none, FPU reset, signal and sigreturn, kernel SIMD
 *               use, a kernel PKRU write), PKRU and XMM0 checked at each
 *               step: the deferred design's register ownership must not
 *               skip a load it needs (inject=fpu_owner_only);
 * remote_write  a task's PKRU written (as ptrace's SETREGSET does) from
 *               CPU 0 while it sleeps on CPU 1: it must wake with the new
 *               one (inject=fpu_invalidate_local);
 * shootdown     a page re-keyed from CPU 0 to a key the task spinning on
 *               it on CPU 1 denies: its next access faults with
 *               SEGV_PKUERR and that key (inject=no_shootdown);
 * remote_kill   a signal and then SIGKILL to a task spinning in ring 3 on
 *               the other CPU: the handler runs and the task ends without
 *               waiting for it to enter the kernel;
 * preempt       two tasks on CPU 1 that never enter the kernel, with
 *               different PKRUs: only CPU 0's tick can end a slice there
 *               (an AP's own timer is the watchdog's), and every switch
 *               it makes must keep each one's PKRU and XMM0.
 *
 * With one CPU in use each SKIPs.  Every check but the CPU placement is
 * one the negative control (unmanaged) or an injected bug must break; the
 * expectation table says which.
 */
#define SMP_SLOT_SHARED	0
#define SMP_SLOT_OWN	8	/* + task index */
#define SMP_SLOT_STACK	16	/* + task index */
#define SMP_SLOT_PAGE	24
#define SMP_TASKS	4
#define SMP_RUN_MS	10000
#define SMP_KEY(i)	(1 + (i))	/* task i's own key */

struct smp_spec {
	enum smp_program prog;
	u32 cpu;
	int peer;			/* index of its peer in the spec */
	u32 pkru, pkru2;
	int key, key2;
	u64 iterations;
};

struct smp_shared {
	u32 flag, stop;
	u64 count[SMP_TASKS];
	struct smp_params params[SMP_TASKS];
	struct smp_result res[SMP_TASKS];
};

struct smp_run {
	struct smp_shared *sh;
	struct task *t[SMP_TASKS];
	int n;
};

static const char *smp_setup(struct scenario_ctx *ctx)
{
	static char unfit[128];
	const char *why = need_pku();

	if (why)
		return why;
	if (smp_task_cpus() < 2)
		return "one CPU in use (smp=1, or the MADT lists one)";
	why = smp_cpu_unfit(1);
	if (why) {
		snprintf(unfit, sizeof(unfit), "cpu1 cannot run tasks: %s", why);
		return unfit;
	}
	if (!apic_timer_hz())
		return "no calibrated local APIC timer: tasks need the tick";
	if (ctx->config >= 0 && !strategy_activate(ctx->config, &why))
		return why;
	return NULL;
}

static void smp_start(struct smp_run *run, const struct smp_spec *spec, int n)
{
	struct smp_shared *sh = user_slot_map(SMP_SLOT_SHARED, 0, 0);

	memset(run, 0, sizeof(*run));
	run->sh = sh;
	run->n = n;
	for (int i = 0; i < n; i++) {
		struct smp_params *p = &sh->params[i];
		char name[8] = { 'A' + i, 0 };

		p->program = spec[i].prog;
		p->cpu = spec[i].cpu;
		p->pkru = spec[i].pkru;
		p->pkru2 = spec[i].pkru2;
		p->key = spec[i].key;
		p->key2 = spec[i].key2;
		p->iterations = spec[i].iterations;
		p->own_page = (u64)user_slot_map(SMP_SLOT_OWN + i, spec[i].key, 0);
		p->page = (u64)user_slot_va(SMP_SLOT_PAGE);
		p->count = &sh->count[i];
		p->peer_count = &sh->count[spec[i].peer];
		p->flag = &sh->flag;
		p->stop = &sh->stop;
		p->res = &sh->res[i];
		user_slot_map(SMP_SLOT_STACK + i, 0, 0);
		run->t[i] = task_create_user(name, (u64)USER_SYM(smp_user_main),
					     (u64)user_slot_va(SMP_SLOT_STACK + i) + PAGE_SIZE - 8,
					     (u64)p);
		p->id = run->t[i]->id;
		task_place(run->t[i], spec[i].cpu);
	}
	for (int i = 0; i < n; i++)
		sh->params[i].peer = spec[i].prog == SMP_MIGRATE ? spec[i].peer
								 : run->t[spec[i].peer]->id;
}

static void smp_finish(struct smp_run *run)
{
	tasks_reset();
	for (int i = 0; i < run->n; i++) {
		user_slot_unmap(SMP_SLOT_OWN + i);
		user_slot_unmap(SMP_SLOT_STACK + i);
	}
	user_slot_unmap(SMP_SLOT_SHARED);
	strategy_deactivate();
}

/* Two tasks, set up, started and run to the end: NULL, or why the cell SKIPs. */
static const char *smp_run_pair(struct scenario_ctx *ctx, const struct smp_spec *spec,
				struct smp_run *run)
{
	const char *why = smp_setup(ctx);

	if (why)
		return why;
	smp_start(run, spec, 2);
	tasks_run(SMP_RUN_MS);
	return NULL;
}

static void check_exit(struct scenario_ctx *ctx, const struct task *t, long want)
{
	check(ctx, t->exit_code == want, "task %s (cpu%u) ended with %ld (%s), want %ld", t->name,
	      t->cpu, t->exit_code, t->exit_reason[0] ? t->exit_reason : "no reason", want);
}

static enum outcome smp_concurrent(struct scenario_ctx *ctx)
{
	struct smp_spec spec[SMP_TASKS];
	const char *why = smp_setup(ctx);
	struct smp_run run;
	u64 overlap[2] = { 0, 0 };

	if (why)
		return skip(ctx, "%s", why);
	/*
	 * A and B on CPU 0, C and D on CPU 1; each watches a peer on the other
	 * CPU.  Each denies the others' keys and write-protects one of its own
	 * choosing (key 8 + i), so no two PKRUs are alike.
	 */
	for (int i = 0; i < SMP_TASKS; i++) {
		u32 pkru = PKRU_WD_BIT(8 + i);

		for (int j = 0; j < SMP_TASKS; j++)
			if (j != i)
				pkru |= PKRU_AD_BIT(SMP_KEY(j)) | PKRU_WD_BIT(SMP_KEY(j));
		spec[i] = (struct smp_spec){ SMP_CONCURRENT, i / 2, (i + 2) % SMP_TASKS, pkru, 0,
					     SMP_KEY(i), 0, 10000 };
	}
	smp_start(&run, spec, SMP_TASKS);
	tasks_run(SMP_RUN_MS);
	for (int i = 0; i < SMP_TASKS; i++) {
		const struct smp_result *r = &run.sh->res[i];
		const struct task *t = run.t[i];

		check_exit(ctx, t, 0);
		check(ctx, r->pkru_bad == 0, "task %s (cpu%u, PKRU %#x) saw a foreign PKRU %llu times "
		      "in %llu iterations, first %#x", t->name, t->cpu, spec[i].pkru, r->pkru_bad,
		      r->iterations, r->first_bad);
		check(ctx, r->xmm_bad == 0, "task %s found XMM0 not its own %llu times", t->name,
		      r->xmm_bad);
		check(ctx, r->pid_bad == 0, "task %s: getpid named another task %llu times: the "
		      "kernel ran its system call as another CPU's task", t->name, r->pid_bad);
		check(ctx, r->cpu_bad == 0, "task %s placed on cpu%u ran elsewhere %llu times",
		      t->name, t->cpu, r->cpu_bad);
		overlap[i / 2] += r->overlap;
	}
	/*
	 * Evidence, not a verdict: how often the two CPUs were seen in ring 3
	 * at the same moment depends on the host's cores (under QEMU each
	 * vCPU is a host thread that a loaded host may not run at once).  The
	 * placement checks above are the verdict.
	 */
	diag("overlap windows (the peer on the other CPU moved meanwhile): cpu0 %llu, cpu1 %llu "
	     "of %u each", overlap[0], overlap[1], 2 * 10000);
	smp_finish(&run);
	return verdict(ctx);
}
SCENARIO(smp, concurrent, smp_concurrent,
	 "four tasks, two per CPU, run at once: each keeps its PKRU, XMM0, pid and CPU",
	 SCN_PER_CONFIG | CHECKS(PROMISE_TASK_PKRU));

static const char *const path_names[NR_PATHS] = {
	"nothing", "FPU reset", "signal + sigreturn", "kernel SIMD use", "kernel PKRU write",
};

static enum outcome smp_migrate(struct scenario_ctx *ctx)
{
	/* The task starts on CPU 1 ("home") and visits CPU 0 ("away": .peer). */
	static const struct smp_spec spec[] = {
		{ SMP_MIGRATE, 1, 0, 0x55555550u & 0x0ffffff0u, 0x00003c00, 0, 0, 20 },
	};
	const char *why = smp_setup(ctx);
	struct smp_run run;
	const struct smp_result *r;

	if (why)
		return skip(ctx, "%s", why);
	smp_start(&run, spec, 1);
	tasks_run(SMP_RUN_MS);
	r = &run.sh->res[0];
	check_exit(ctx, run.t[0], 0);
	check(ctx, r->cpu_bad == 0, "%llu migrations did not land on the CPU asked for",
	      r->cpu_bad);
	for (int p = 0; p < NR_PATHS; p++)
		check(ctx, r->path_bad[p] == 0, "around %s: PKRU or XMM0 wrong %s%s%s in %llu of %llu "
		      "round trips", path_names[p], r->path_bad[p] & 1 ? "[after cpu1 -> cpu0]" : "",
		      r->path_bad[p] & 2 ? "[after the path]" : "",
		      r->path_bad[p] & 4 ? "[back on cpu1]" : "", r->v[1 + p], spec[0].iterations);
	smp_finish(&run);
	return verdict(ctx);
}
SCENARIO(smp, migrate, smp_migrate,
	 "CPU1 -> CPU0 -> CPU1 around each FPU-changing path keeps PKRU and XMM0",
	 SCN_PER_CONFIG | CHECKS(PROMISE_TASK_PKRU));

static enum outcome smp_remote_write(struct scenario_ctx *ctx)
{
	static const struct smp_spec spec[] = {
		{ SMP_SLEEPER, 1, 1, 0x0000000c, 0x00000030, 0, 0, 0 },
		{ SMP_WRITER, 0, 0, 0x00000000, 0x00000030, 0, 0, 0 },
	};
	struct smp_run run;
	const char *why = smp_run_pair(ctx, spec, &run);
	const struct smp_result *s, *w;

	if (why)
		return skip(ctx, "%s", why);
	s = &run.sh->res[0];
	w = &run.sh->res[1];
	check_exit(ctx, run.t[0], 0);
	check_exit(ctx, run.t[1], 0);
	if (check(ctx, w->v[0] == 0, "the write of the sleeper's PKRU from cpu0 returned %ld",
		  (long)w->v[0]))
		check(ctx, s->pkru_bad == 0, "the sleeper woke on cpu1 with PKRU %#llx, not the %#x "
		      "written from cpu0 while it slept", s->v[0], spec[0].pkru2);
	check(ctx, s->xmm_bad == 0, "the sleeper's XMM0 was not its own after the wake-up");
	diag("the write from cpu0 found the sleeper running %llu times first", w->v[1]);
	smp_finish(&run);
	return verdict(ctx);
}
SCENARIO(smp, remote_write, smp_remote_write,
	 "a task's PKRU written from CPU0 while it sleeps on CPU1 is the one it wakes with",
	 SCN_PER_CONFIG | CHECKS(PROMISE_TASK_PKRU));

#define SHOOT_KEY	4
#define SHOOT_KEY2	5

static enum outcome smp_shootdown(struct scenario_ctx *ctx)
{
	static const struct smp_spec spec[] = {
		{ SMP_REKEYER, 0, 1, 0, 0, SHOOT_KEY, SHOOT_KEY2, 0 },
		{ SMP_SPINNER, 1, 0, PKRU_AD_BIT(SHOOT_KEY2), 0, SHOOT_KEY, SHOOT_KEY2, 0 },
	};
	struct smp_run run;
	const char *why;
	const struct smp_result *k, *s;

	user_slot_map(SMP_SLOT_PAGE, SHOOT_KEY, 0);
	why = smp_run_pair(ctx, spec, &run);
	if (why) {
		user_slot_unmap(SMP_SLOT_PAGE);
		return skip(ctx, "%s", why);
	}
	k = &run.sh->res[0];
	s = &run.sh->res[1];
	check_exit(ctx, run.t[0], 0);
	check_exit(ctx, run.t[1], 0);
	if (check(ctx, k->v[0] == 0, "SMPOP_PKEY_SET returned %ld", (long)k->v[0]) &&
	    check(ctx, s->v[3], "the page re-keyed to key %d on cpu0 never faulted for the task "
		  "spinning on it on cpu1 (%llu reads after the change returned): its TLB kept "
		  "key %d", SHOOT_KEY2, run.sh->count[1] - k->v[1], SHOOT_KEY)) {
		check(ctx, s->v[0] == SEGV_PKUERR && s->v[1] == SHOOT_KEY2,
		      "the fault was si_code %lld si_pkey %lld, want SEGV_PKUERR (%d) and %d",
		      s->v[0], s->v[1], SEGV_PKUERR, SHOOT_KEY2);
		check(ctx, s->v[2] <= k->v[1] + 1, "%llu reads succeeded after the key change "
		      "returned on cpu0", s->v[2] - k->v[1]);
	}
	smp_finish(&run);
	user_slot_unmap(SMP_SLOT_PAGE);
	return verdict(ctx);
}
SCENARIO(smp, shootdown, smp_shootdown,
	 "a key change made on CPU0 is in force on CPU1 when the call returns (TLB shootdown)",
	 SCN_PER_CONFIG);

static enum outcome smp_remote_kill(struct scenario_ctx *ctx)
{
	static const struct smp_spec spec[] = {
		{ SMP_KILLER, 0, 1, 0, 0, 0, 0, 0 },
		{ SMP_VICTIM, 1, 0, 0, 0, 0, 0, 0 },
	};
	struct smp_run run;
	const char *why = smp_run_pair(ctx, spec, &run);
	const struct smp_result *k, *v;

	if (why)
		return skip(ctx, "%s", why);
	k = &run.sh->res[0];
	v = &run.sh->res[1];
	check_exit(ctx, run.t[0], 0);
	check_exit(ctx, run.t[1], TASK_EXIT_SIGNALLED(SIGKILL));
	check(ctx, v->v[0] == 1, "the SIGUSR1 handler of the task spinning on cpu1 ran %llu times, "
	      "want 1", v->v[0]);
	if (check(ctx, k->v[2] < SMP_WAIT_TICKS, "the task spinning on cpu1 was still on it "
		  "%d ticks after SIGKILL: nothing brought it into the kernel", SMP_WAIT_TICKS))
		check(ctx, k->v[1] == 0, "the task on cpu1 still ran after it left the CPU");
	diag("cross-CPU SIGUSR1: the handler had run after %llu ticks of sleep; SIGKILL: off "
	     "cpu1 after %llu", k->v[0], k->v[2]);
	smp_finish(&run);
	return verdict(ctx);
}
SCENARIO(smp, remote_kill, smp_remote_kill,
	 "a signal and SIGKILL reach a task spinning in ring 3 on the other CPU",
	 SCN_PER_CONFIG);

/* Turns of the peer each task waits for, and the fewest that pass. */
#define PREEMPT_TURNS		20
#define PREEMPT_TURNS_MIN	5

static enum outcome smp_preempt(struct scenario_ctx *ctx)
{
	/* A denies B's key 2 and write-protects key 8; B denies key 1, write-protects 9. */
	static const struct smp_spec spec[] = {
		{ SMP_PREEMPTED, 1, 1, 0x00020030, 0, SMP_KEY(0), 0, PREEMPT_TURNS },
		{ SMP_PREEMPTED, 1, 0, 0x0008000c, 0, SMP_KEY(1), 0, PREEMPT_TURNS },
	};
	struct smp_run run;
	const char *why = smp_run_pair(ctx, spec, &run);

	if (why)
		return skip(ctx, "%s", why);
	for (int i = 0; i < 2; i++) {
		const struct smp_result *r = &run.sh->res[i];
		const struct task *t = run.t[i];

		check_exit(ctx, t, 0);
		check(ctx, r->cpu_bad == 0, "task %s placed on cpu1 ran elsewhere", t->name);
		check(ctx, r->v[0] >= PREEMPT_TURNS_MIN, "task %s saw its peer on cpu1 run %llu times "
		      "in %llu turns of its loop, want %d or more: nothing ended its time slice",
		      t->name, r->v[0], r->iterations, PREEMPT_TURNS_MIN);
		check(ctx, r->pkru_bad == 0, "task %s (PKRU %#x) saw a foreign PKRU %llu times in "
		      "%llu turns, first %#x", t->name, spec[i].pkru, r->pkru_bad, r->iterations,
		      r->first_bad);
		check(ctx, r->xmm_bad == 0, "task %s found XMM0 not its own %llu times", t->name,
		      r->xmm_bad);
	}
	diag("preemptive switches on cpu1: A saw B run %llu times, B saw A %llu times",
	     run.sh->res[0].v[0], run.sh->res[1].v[0]);
	smp_finish(&run);
	return verdict(ctx);
}
SCENARIO(smp, preempt, smp_preempt,
	 "two tasks that never enter the kernel share CPU1: the tick switches them, PKRU and XMM0 kept",
	 SCN_PER_CONFIG | CHECKS(PROMISE_TASK_PKRU));
