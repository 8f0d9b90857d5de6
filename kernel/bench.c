/* Benchmark runner and reporter (see <kernel/bench.h>). */
#include <asm/processor.h>
#include <asm/timing.h>
#include <kernel/bench.h>
#include <kernel/cmdline.h>
#include <kernel/console.h>
#include <asm/cpu.h>
#include <kernel/params.h>
#include <kernel/stats.h>
#include <kernel/strategy/strategy.h>

extern const struct benchmark __start_benchmarks[], __stop_benchmarks[];

static u64 samples[BENCH_MAX_SAMPLES];
static u64 overhead_min;

/* The empty measurement, the same way every benchmark is timed. */
static void measure_overhead(u32 iters)
{
	u64 f = irq_save();

	for (u32 i = 0; i < iters; i++) {
		u64 t0 = time_start();

		samples[i] = time_end() - t0;
	}
	irq_restore(f);
	stats_sort(samples, iters);
	overhead_min = samples[0];
}

static void print_x10(char *buf, size_t len, u64 x10)
{
	snprintf(buf, len, "%llu.%llu", x10 / 10, x10 % 10);
}

static void report(const struct benchmark *b, struct bench_ctx *ctx)
{
	const char *cfg = ctx->config >= 0 ? config_name(ctx->config) : "none";
	u64 overhead = ctx->own_overhead ? ctx->overhead : overhead_min;
	struct stats s;
	char mean[32];

	if (ctx->skip) {
		printk("# bench %s config=%s skipped: %s\n", b->name, cfg, ctx->skip);
		return;
	}
	stats_subtract(ctx->samples, ctx->n, overhead);
	s = stats_compute(ctx->samples, ctx->n);
	print_x10(mean, sizeof(mean), s.mean_x10);
	printk("# bench %s config=%s unit=%s n=%zu min=%llu p50=%llu p90=%llu p99=%llu "
	       "max=%llu mean=%s overhead=%llu\n", b->name, cfg, ctx->unit ? ctx->unit : time_unit_name(), s.n,
	       (u64)s.min, (u64)s.p50, (u64)s.p90, (u64)s.p99, (u64)s.max, mean, overhead);
}

static void run_one(const struct benchmark *b, int config)
{
	struct bench_ctx ctx = { .config = config, .samples = samples };
	const char *why = NULL;

	ctx.iters = kargs.bench_iters > BENCH_MAX_SAMPLES ? BENCH_MAX_SAMPLES : kargs.bench_iters;
	if (config >= 0 && !strategy_activate(config, &why)) {
		ctx.skip = why;
	} else {
		cpu_state_reset_keep_xcr0();
		b->run(&ctx);
	}
	if (config >= 0)
		strategy_deactivate();
	report(b, &ctx);
	cpu_state_reset();
}

void benchmarks_run(void)
{
	u32 iters = kargs.bench_iters > BENCH_MAX_SAMPLES ? BENCH_MAX_SAMPLES : kargs.bench_iters;

	if (!kargs.nbench)
		return;
	measure_overhead(iters);
	printk("# bench: unit=%s overhead=%llu (empty LFENCE;RDTSC..RDTSCP;LFENCE region, minimum of %u)"
	       " iterations=%u, interrupts off for ring-0 benchmarks\n",
	       time_unit_name(), overhead_min, iters, iters);
	for (const struct benchmark *b = __start_benchmarks; b < __stop_benchmarks; b++) {
		if (!kargs_bench_selected(&kargs, b->name))
			continue;
		if (!(b->flags & BENCH_PER_CONFIG)) {
			run_one(b, -1);
			continue;
		}
		for (int c = 0; c < NR_CONFIGS; c++)
			if (kargs.configs & (1u << c))
				run_one(b, c);
	}
}
