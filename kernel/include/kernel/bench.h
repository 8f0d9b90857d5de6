/*
 * Benchmarks: registered with BENCHMARK(), selected with bench=, run after
 * the scenarios with interrupts off (ring-0 ones) and reported one line
 * each, in the format the report tool and CI read:
 *   # bench NAME config=C unit=U n=N min= p50= p90= p99= max= mean= overhead=
 * Samples have the empty-measurement overhead (its minimum) subtracted;
 * overhead= is that minimum.  unit is core_cycles (PMU), tsc, or
 * instructions (QEMU -icount shift=0).
 */
#ifndef KERNEL_BENCH_H
#define KERNEL_BENCH_H

#include <asm/types.h>

#define BENCH_PER_CONFIG	(1u << 0)
#define BENCH_MAX_SAMPLES	100000

struct bench_ctx {
	int config;			/* enum pkru_config, or -1 */
	u32 iters;			/* samples wanted (bench_iters=) */
	u64 *samples;			/* room for BENCH_MAX_SAMPLES */
	u32 n;				/* samples taken */
	const char *skip;		/* reason, if it could not run */
	bool own_overhead;		/* timed with its own bracket (ring 3): */
	u64 overhead;			/* its empty-bracket minimum, subtracted instead */
	const char *unit;		/* NULL: the run's unit; else this one (the SMP ones: tsc) */
};

struct benchmark {
	const char *name;
	void (*run)(struct bench_ctx *ctx);
	u32 flags;
};

#define BENCHMARK(name_, fn, flags_)						\
	static const struct benchmark __bench_##fn				\
	__used __attribute__((section(".benchmarks"), aligned(8))) = {		\
		.name = name_, .run = fn, .flags = flags_,			\
	}

void benchmarks_run(void);

#endif
