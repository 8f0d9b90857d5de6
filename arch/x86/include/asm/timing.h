/*
 * Timing for benchmarks: the PMU fixed counter for unhalted core cycles
 * where the CPU has one (architectural perfmon v2+), else the TSC; under
 * QEMU -icount shift=0 the TSC counts retired instructions, and figures are
 * reported as such.  Reads are fenced the usual way: LFENCE;RDTSC before,
 * RDTSCP;LFENCE after, so the measured code neither starts early nor ends
 * late.
 */
#ifndef ASM_TIMING_H
#define ASM_TIMING_H

#include <asm/types.h>

enum time_unit { UNIT_TSC, UNIT_CORE_CYCLES, UNIT_INSTRUCTIONS };

#define PMC_FIXED_CORE_CYCLES	((1u << 30) | 1)	/* RDPMC index of FIXED_CTR1 */

extern enum time_unit time_unit;
extern u64 tsc_hz;			/* 0 if unknown */

void timing_init(bool icount);
const char *time_unit_name(void);

static inline u64 time_start(void)
{
	u32 lo, hi;

	if (time_unit == UNIT_CORE_CYCLES) {
		asm volatile("lfence; rdpmc; lfence" : "=a"(lo), "=d"(hi) : "c"(PMC_FIXED_CORE_CYCLES)
			     : "memory");
	} else {
		asm volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) :: "memory");
	}
	return lo | ((u64)hi << 32);
}

static inline u64 time_end(void)
{
	u32 lo, hi;

	if (time_unit == UNIT_CORE_CYCLES) {
		asm volatile("lfence; rdpmc; lfence" : "=a"(lo), "=d"(hi) : "c"(PMC_FIXED_CORE_CYCLES)
			     : "memory");
	} else {
		asm volatile("rdtscp; lfence" : "=a"(lo), "=d"(hi) :: "rcx", "memory");
	}
	return lo | ((u64)hi << 32);
}

#endif
