/* Shared between the ring-3 benchmarks (bench.user.c) and their driver. */
#ifndef TESTS_BENCH_H
#define TESTS_BENCH_H

#include <asm/types.h>

enum bn_program { BN_NULL_SYSCALL, BN_YIELD, BN_YIELD_PEER, BN_SIGNAL, BN_PKFAULT, BN_PREEMPT,
		  BN_PREEMPT_PEER,
		  /* several CPUs (RDTSC only: the step leaves the CPU, whose core clock stops) */
		  BN_MIGRATE, BN_XSIGNAL, BN_XSIGNAL_PEER, BN_SHOOTDOWN, BN_SPIN_PEER };

struct bn_params {
	u32 program;
	u32 use_pmc;		/* RDPMC fixed counter 1 instead of RDTSC */
	u32 dirty_avx;		/* dirty the YMM upper halves before each step */
	u32 pkru;
	u32 key;
	u32 iters, warmup;
	u64 page;		/* keyed page for BN_PKFAULT */
	u64 *samples;		/* iters entries */
	volatile u32 *stop;
	volatile u64 *tick_stamp;	/* BN_PREEMPT: clock at the last timer interrupt */
	u32 cpu, away;			/* where it runs; BN_MIGRATE: the CPU it visits */
	u32 peer;			/* BN_XSIGNAL: the peer's task id */
	volatile u64 *handler_tsc;	/* BN_XSIGNAL: the peer's handler writes RDTSC (0: none yet) */
	volatile u32 *peers_ready;	/* peers spinning in ring 3 on their CPUs */
	u32 npeers;			/* the timed task starts once that many are */
	u64 overhead;		/* out: the empty timed bracket (minimum) */
	volatile u64 done;
};

void bn_user_main(struct bn_params *p);

#endif
