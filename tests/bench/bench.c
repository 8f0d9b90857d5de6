/*
 * The benchmark set: PKRU instructions, the
 * XSAVE family with and without PKRU in RFBM (clean and dirty AVX state),
 * and round trips through the kernel under each configuration: null
 * system call, yield between two tasks (clean and dirty AVX), preemptive
 * switch (timer interrupt entry in one task to the first instruction of
 * the other), signal delivery + sigreturn, PK fault -> handler -> retry.
 * Ring-0 benchmarks run with interrupts off; ring-3 ones in real tasks,
 * timed in ring 3 (timer ticks can land in a sample: see p99/max, p50 is
 * robust).  Warm-up: a tenth of the iterations, at least 10.
 */
#include <asm/apic.h>
#include <asm/cpufeature.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <asm/timing.h>
#include <asm/xstate.h>
#include <kernel/bench.h>
#include <asm/cpu.h>
#include <kernel/params.h>
#include <kernel/signal.h>
#include <kernel/smp.h>
#include <kernel/strategy/strategy.h>
#include <kernel/string.h>
#include <kernel/task.h>
#include <kernel/usermem.h>
#include "../lib/testlib.h"
#include "bench.h"

#define USER_MAX_SAMPLES 16384
#define SLOT_SHARED	0
#define SLOT_KEYED	8
#define SLOT_STACK	16
#define SLOT_SAMPLES	32	/* USER_MAX_SAMPLES * 8 bytes = 32 pages */
#define BENCH_KEY	3

static u8 area[XSTATE_BUF_MAX] __aligned(64);

static u32 warmup_of(u32 iters) { return iters / 10 > 10 ? iters / 10 : 10; }

static bool need_pke(struct bench_ctx *ctx)
{
	if (!pke_enabled())
		ctx->skip = need_pku() ? need_pku() : "CR4.PKE is off (inject=no_pke)";
	return !ctx->skip;
}

static bool need_xsave(struct bench_ctx *ctx)
{
	if (!xstate.enabled)
		ctx->skip = "CPU has no XSAVE";
	return !ctx->skip;
}

/* Time one instruction sequence `op` iters times with interrupts off. */
#define TIME_RING0(ctx, setup, op)						\
	do {									\
		u64 f_ = irq_save();						\
		u32 w_ = warmup_of((ctx)->iters);				\
		for (u32 i_ = 0; i_ < (ctx)->iters + w_; i_++) {		\
			u64 t0_, t1_;						\
			setup;							\
			t0_ = time_start();					\
			op;							\
			t1_ = time_end();					\
			if (i_ >= w_)						\
				(ctx)->samples[(ctx)->n++] = t1_ - t0_;		\
		}								\
		irq_restore(f_);						\
	} while (0)

static void b_rdpkru(struct bench_ctx *ctx)
{
	volatile u32 v;

	if (need_pke(ctx))
		TIME_RING0(ctx, , v = rdpkru());
	(void)v;
}
BENCHMARK("rdpkru", b_rdpkru, 0);

static void b_wrpkru_same(struct bench_ctx *ctx)
{
	if (need_pke(ctx))
		TIME_RING0(ctx, , wrpkru(0));
}
BENCHMARK("wrpkru_same", b_wrpkru_same, 0);

static void b_wrpkru_diff(struct bench_ctx *ctx)
{
	if (need_pke(ctx))
		TIME_RING0(ctx, u32 pk = (i_ & 1) ? 0xc : 0x30, wrpkru(pk));
	wrpkru(0);
}
BENCHMARK("wrpkru_diff", b_wrpkru_diff, 0);

static bool need_feature(struct bench_ctx *ctx, enum x86_feature f, const char *why)
{
	if (!need_xsave(ctx))
		return false;
	if (!cpu_has(f))
		ctx->skip = why;
	return !ctx->skip;
}

/* Read once, outside the timed region: XGETBV is not what is measured. */
static u64 rfbm_all(void) { return xcr0_read(); }
static u64 rfbm_nopkru(void) { return xcr0_read() & ~XFEATURE_MASK_PKRU; }

static void dirty_avx(void)
{
	if (cpu_has(X86_FEATURE_AVX))
		asm volatile("vpcmpeqb %%ymm0, %%ymm0, %%ymm0" ::: "memory");
}

enum xs_op { XS_XSAVE, XS_XSAVEOPT, XS_XSAVEC, XS_XSAVES, XS_XRSTOR, XS_NR };

/*
 * One XSAVE-family instruction on the `area` image, RFBM = XCR0 with or
 * without PKRU, YMM dirtied before each sample or not.  The image is first
 * made valid for this XCR0 (standard format): XRSTOR reads it, and
 * XSAVEOPT's modified optimisation wants one it saved or loaded itself.
 */
static void time_xstate(struct bench_ctx *ctx, enum xs_op op, bool nopkru, bool dirty)
{
	static const struct { enum x86_feature f; const char *why; } needs[XS_NR] = {
		[XS_XSAVEOPT] = { X86_FEATURE_XSAVEOPT, "CPU has no XSAVEOPT" },
		[XS_XSAVEC] = { X86_FEATURE_XSAVEC, "CPU has no XSAVEC" },
		[XS_XSAVES] = { X86_FEATURE_XSAVES, "CPU has no XSAVES" },
	};
	const u64 rfbm = nopkru ? rfbm_nopkru() : rfbm_all();

	if (needs[op].why ? !need_feature(ctx, needs[op].f, needs[op].why) : !need_xsave(ctx))
		return;
	memset(area, 0, sizeof(area));
	xsave(area, rfbm_all());
	xrstor(area, rfbm_all());
	/* One timing loop per instruction: no dispatch inside the bracket. */
#define XS_CASE(op_, insn)							\
	case op_:								\
		TIME_RING0(ctx, if (dirty) dirty_avx(), insn(area, rfbm));	\
		break
	switch (op) {
	XS_CASE(XS_XSAVE, xsave);
	XS_CASE(XS_XSAVEOPT, xsaveopt);
	XS_CASE(XS_XSAVEC, xsavec);
	XS_CASE(XS_XSAVES, xsaves);
	XS_CASE(XS_XRSTOR, xrstor);
	case XS_NR:
		break;
	}
#undef XS_CASE
}

#define XSTATE_BENCH(name, op, nopkru, dirty)					\
	static void b_##name(struct bench_ctx *ctx) { time_xstate(ctx, op, nopkru, dirty); }	\
	BENCHMARK(#name, b_##name, BENCH_PER_CONFIG)

XSTATE_BENCH(xsave, XS_XSAVE, false, false);
XSTATE_BENCH(xsave_nopkru, XS_XSAVE, true, false);
XSTATE_BENCH(xsave_dirty_avx, XS_XSAVE, false, true);
XSTATE_BENCH(xsave_nopkru_dirty_avx, XS_XSAVE, true, true);
XSTATE_BENCH(xsaveopt, XS_XSAVEOPT, false, false);
XSTATE_BENCH(xsaveopt_nopkru, XS_XSAVEOPT, true, false);
XSTATE_BENCH(xsaveopt_dirty_avx, XS_XSAVEOPT, false, true);
XSTATE_BENCH(xsaveopt_nopkru_dirty_avx, XS_XSAVEOPT, true, true);
XSTATE_BENCH(xsavec, XS_XSAVEC, false, false);
XSTATE_BENCH(xsavec_nopkru, XS_XSAVEC, true, false);
XSTATE_BENCH(xsavec_dirty_avx, XS_XSAVEC, false, true);
XSTATE_BENCH(xsavec_nopkru_dirty_avx, XS_XSAVEC, true, true);
XSTATE_BENCH(xsaves, XS_XSAVES, false, false);
XSTATE_BENCH(xsaves_nopkru, XS_XSAVES, true, false);
XSTATE_BENCH(xsaves_dirty_avx, XS_XSAVES, false, true);
XSTATE_BENCH(xsaves_nopkru_dirty_avx, XS_XSAVES, true, true);
XSTATE_BENCH(xrstor, XS_XRSTOR, false, false);
XSTATE_BENCH(xrstor_nopkru, XS_XRSTOR, true, false);

/* ---- ring-3 round trips ------------------------------------------------- */

/* The shared page (stop word, then the tasks' parameters), the samples, the keyed page. */
static struct bn_params *bench_slots_map(u32 **stop, u64 **us)
{
	*stop = user_slot_map(SLOT_SHARED, 0, 0);
	for (int i = 0; i < USER_MAX_SAMPLES * 8 / (int)PAGE_SIZE; i++)
		user_slot_map(SLOT_SAMPLES + i, 0, 0);
	*us = user_slot_va(SLOT_SAMPLES);
	user_slot_map(SLOT_KEYED, BENCH_KEY, 0);
	return (struct bn_params *)(*stop + 16);
}

/* The tasks gone, and every page of the benchmark with them. */
static void bench_slots_unmap(u32 ntasks)
{
	tasks_reset();
	for (u32 t = 0; t < ntasks; t++)
		user_slot_unmap(SLOT_STACK + t);
	for (int i = 0; i < USER_MAX_SAMPLES * 8 / (int)PAGE_SIZE; i++)
		user_slot_unmap(SLOT_SAMPLES + i);
	user_slot_unmap(SLOT_KEYED);
	user_slot_unmap(SLOT_SHARED);
}

/* Task t of a benchmark ("bench", then its peers), with the parameters all programs use. */
static struct task *bench_task(struct bn_params *p, u32 t, enum bn_program prog, u32 pkru,
			       u32 iters, u64 *us, u32 *stop)
{
	p->program = prog;
	p->pkru = pkru;
	p->key = BENCH_KEY;
	p->iters = iters;
	p->warmup = warmup_of(iters);
	p->page = (u64)user_slot_va(SLOT_KEYED);
	p->samples = us;
	p->stop = stop;
	user_slot_map(SLOT_STACK + t, 0, 0);
	return task_create_user(t ? "peer" : "bench", (u64)USER_SYM(bn_user_main),
				(u64)user_slot_va(SLOT_STACK + t) + PAGE_SIZE - 8, (u64)p);
}

/* The timed task's samples into ctx (own: with its own bracket's overhead), or why none. */
static bool bench_collect(struct bench_ctx *ctx, const struct bn_params *p0, const u64 *us,
			  u32 iters, bool own)
{
	if (!p0->done) {
		ctx->skip = "benchmark task did not finish";
		return false;
	}
	for (u32 i = 0; i < iters; i++)
		ctx->samples[ctx->n++] = us[i];
	if (own) {
		ctx->own_overhead = true;
		ctx->overhead = p0->overhead;
	}
	return true;
}

static void user_bench(struct bench_ctx *ctx, enum bn_program prog, bool peer, bool avx)
{
	struct bn_params *pp;
	u32 *stop;
	u64 *us;
	u32 iters = ctx->iters > USER_MAX_SAMPLES ? USER_MAX_SAMPLES : ctx->iters;

	if (!apic_timer_hz()) {
		ctx->skip = "no calibrated local APIC timer";
		return;
	}
	if (avx && !cpu_has(X86_FEATURE_AVX)) {
		ctx->skip = "CPU has no AVX";
		return;
	}
	pp = bench_slots_map(&stop, &us);
	for (int t = 0; t < (peer ? 2 : 1); t++) {
		struct bn_params *p = &pp[t];

		bench_task(p, t, t ? (prog == BN_PREEMPT ? BN_PREEMPT_PEER : BN_YIELD_PEER) : prog,
			   t ? 0x30 : 0xc, iters, us, stop);
		p->use_pmc = time_unit == UNIT_CORE_CYCLES;
		p->dirty_avx = avx;
		p->tick_stamp = (volatile u64 *)(stop + 8);
	}
	if (prog == BN_PREEMPT) {
		/* Random one-shot periods of 50..200 us: many timer switches. */
		u64 hz = apic_timer_hz();

		sched_timer_config(0, hz / 20000 ? hz / 20000 : 1, hz / 5000 ? hz / 5000 : 2);
		sched_stamp_ticks((u64)(stop + 8));
	} else {
		/* A slow tick: as few interrupts inside the samples as possible. */
		sched_timer_config(TIMER_HZ_MIN, 0, 0);
	}
	tasks_run(60000);
	sched_stamp_ticks(0);
	sched_timer_config(kargs.timer_hz, 0, 0);
	/* The preemption samples are stamped by the kernel: ring-0 bracket. */
	bench_collect(ctx, &pp[0], us, iters, prog != BN_PREEMPT);
	bench_slots_unmap(2);
}

/* ---- several CPUs ---------------------------------------------------------- */

/*
 * The timed task on CPU 0, and peers spinning in ring 3 on CPUs 1..peers:
 * awake, so that a flush or a signal has to interrupt ring 3 there.
 * Exactly cpus CPUs must be in use (smp=), each fit to run tasks.
 */
struct smp_bench_task {
	enum bn_program prog;
	u32 cpu;
};

static void smp_bench(struct bench_ctx *ctx, const struct smp_bench_task *spec, u32 ntasks,
		      u32 cpus)
{
	struct bn_params *pp;
	u32 *stop, iters = ctx->iters > USER_MAX_SAMPLES ? USER_MAX_SAMPLES : ctx->iters;
	u64 *us;

	/*
	 * Under -icount QEMU runs one vCPU at a time, switching about every
	 * millisecond of virtual time: a step that waits for another CPU
	 * measures that slice (999,914 "instructions" per migration round
	 * trip in every design, 2026-12-07), not the kernel.
	 */
	if (time_unit == UNIT_INSTRUCTIONS) {
		ctx->skip = "under -icount one vCPU runs at a time: a cross-CPU step would time QEMU's "
			    "round-robin slice (README: Several CPUs)";
		return;
	}
	if (!apic_timer_hz()) {
		ctx->skip = "no calibrated local APIC timer";
		return;
	}
	if (smp_task_cpus() != cpus) {
		ctx->skip = cpus == 2 ? "needs exactly 2 CPUs in use (smp=2)" :
					"needs exactly 4 CPUs in use (--smp 4)";
		return;
	}
	for (u32 c = 1; c < cpus; c++)
		if ((ctx->skip = smp_cpu_unfit(c)))
			return;
	pp = bench_slots_map(&stop, &us);
	for (u32 t = 0; t < ntasks; t++) {
		struct bn_params *p = &pp[t];

		task_place(bench_task(p, t, spec[t].prog, 0, iters, us, stop), spec[t].cpu);
		p->cpu = spec[t].cpu;
		p->away = 1;
		p->peer = 2;			/* the first peer's task id */
		p->handler_tsc = (volatile u64 *)(stop + 8);
		p->peers_ready = stop + 12;
	}
	/* The timed task starts once every peer spins in ring 3. */
	pp[0].npeers = ntasks - 1;
	sched_timer_config(TIMER_HZ_MIN, 0, 0);
	smp_spread_new_tasks = true;	/* a lone task on CPU 0 still runs on several */
	tasks_run(60000);
	smp_spread_new_tasks = false;
	sched_timer_config(kargs.timer_hz, 0, 0);
	if (bench_collect(ctx, &pp[0], us, iters, true))
		ctx->unit = "tsc";
	bench_slots_unmap(ntasks);
}

static void b_smp_migrate(struct bench_ctx *ctx)
{
	static const struct smp_bench_task t[] = { { BN_MIGRATE, 0 } };

	smp_bench(ctx, t, 1, 2);
}
BENCHMARK("smp_migrate_roundtrip", b_smp_migrate, BENCH_PER_CONFIG);

static void b_smp_signal(struct bench_ctx *ctx)
{
	static const struct smp_bench_task t[] = { { BN_XSIGNAL, 0 }, { BN_XSIGNAL_PEER, 1 } };

	smp_bench(ctx, t, 2, 2);
}
BENCHMARK("smp_signal_latency", b_smp_signal, BENCH_PER_CONFIG);

static void b_smp_shootdown1(struct bench_ctx *ctx)
{
	static const struct smp_bench_task t[] = { { BN_SHOOTDOWN, 0 }, { BN_SPIN_PEER, 1 } };

	smp_bench(ctx, t, 2, 2);
}
BENCHMARK("smp_shootdown_1", b_smp_shootdown1, BENCH_PER_CONFIG);

static void b_smp_shootdown3(struct bench_ctx *ctx)
{
	static const struct smp_bench_task t[] = {
		{ BN_SHOOTDOWN, 0 }, { BN_SPIN_PEER, 1 }, { BN_SPIN_PEER, 2 }, { BN_SPIN_PEER, 3 },
	};

	smp_bench(ctx, t, 4, 4);
}
BENCHMARK("smp_shootdown_3", b_smp_shootdown3, BENCH_PER_CONFIG);

/*
 * yield_roundtrip on CPU 0 while a second pair yields on CPU 1: what the
 * one kernel lock costs a switch when the other CPU switches too (against
 * yield_roundtrip, where CPU 0 is alone).
 */
static void b_smp_yield(struct bench_ctx *ctx)
{
	static const struct smp_bench_task t[] = {
		{ BN_YIELD, 0 }, { BN_YIELD_PEER, 0 }, { BN_YIELD_PEER, 1 }, { BN_YIELD_PEER, 1 },
	};

	smp_bench(ctx, t, 4, 2);
}
BENCHMARK("smp_yield_contended", b_smp_yield, BENCH_PER_CONFIG);

static void b_null_syscall(struct bench_ctx *ctx) { user_bench(ctx, BN_NULL_SYSCALL, false, false); }
BENCHMARK("null_syscall", b_null_syscall, BENCH_PER_CONFIG);

static void b_yield(struct bench_ctx *ctx) { user_bench(ctx, BN_YIELD, true, false); }
BENCHMARK("yield_roundtrip", b_yield, BENCH_PER_CONFIG);

static void b_yield_avx(struct bench_ctx *ctx) { user_bench(ctx, BN_YIELD, true, true); }
BENCHMARK("yield_roundtrip_dirty_avx", b_yield_avx, BENCH_PER_CONFIG);

static void b_preempt(struct bench_ctx *ctx) { user_bench(ctx, BN_PREEMPT, true, false); }
BENCHMARK("preempt_switch", b_preempt, BENCH_PER_CONFIG);

static void b_signal(struct bench_ctx *ctx) { user_bench(ctx, BN_SIGNAL, false, false); }
BENCHMARK("signal_roundtrip", b_signal, BENCH_PER_CONFIG);

static void b_pkfault(struct bench_ctx *ctx)
{
	/* The handler opens the key through the frame: no frame PKRU, no retry. */
	if (strategy_sigframe_policy(ctx->config) == SIGFRAME_PKRU_NONE) {
		ctx->skip = "sigframe_pkru=none: the handler cannot open the key (no PKRU in the frame)";
		return;
	}
	user_bench(ctx, BN_PKFAULT, false, false);
}
BENCHMARK("pkfault_roundtrip", b_pkfault, BENCH_PER_CONFIG);
