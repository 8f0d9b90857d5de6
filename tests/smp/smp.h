/* Shared between the smp.* scenarios (kernel, tests/smp/smp.c) and their ring-3 code. */
#ifndef TESTS_SMP_H
#define TESTS_SMP_H

#include <asm/types.h>

enum smp_program {
	SMP_CONCURRENT,	/* own PKRU, XMM0, pid and CPU checked every iteration; yields */
	SMP_MIGRATE,	/* CPU0 -> CPU1 -> CPU0 around each FPU-changing path */
	SMP_SLEEPER,	/* sleeps on its CPU until the writer has set its PKRU */
	SMP_WRITER,	/* sets the sleeper's PKRU from the other CPU (SMPOP_SET_PKRU_OF) */
	SMP_SPINNER,	/* reads a page until the key change makes it fault */
	SMP_REKEYER,	/* re-keys that page from the other CPU (SMPOP_PKEY_SET) */
	SMP_VICTIM,	/* spins in ring 3, never entering the kernel */
	SMP_KILLER,	/* signals, then kills, the victim on the other CPU */
	SMP_PREEMPTED,	/* spins with no kernel entry beside a peer on its CPU: only the tick switches them */
};

/* The most a program waits for its peer, in sleeps of a tick. */
#define SMP_WAIT_TICKS	200

/* The paths smp.migrate puts between the two migrations. */
enum smp_path { PATH_NONE, PATH_FPU_RESET, PATH_SIGNAL, PATH_KERNEL_FPU, PATH_SET_PKRU, NR_PATHS };

struct smp_result {
	u64 iterations;
	u64 pkru_bad, xmm_bad, pid_bad, cpu_bad;
	u32 first_bad;		/* the first wrong PKRU seen */
	u64 overlap;		/* the peer's counter moved in a window with no kernel entry */
	u64 path_bad[NR_PATHS];	/* smp.migrate: bit 0 after going, 1 after the path, 2 after coming back */
	volatile u64 v[8];	/* per program: see tests/smp/smp.c */
};

struct smp_params {
	u32 program;
	u32 id;			/* its task id (SYS_getpid must say so) */
	u32 cpu;		/* where it is placed */
	u32 peer;		/* the other task's id */
	u32 pkru, pkru2;
	u32 key, key2;
	u64 iterations;
	u64 own_page;		/* keyed with key: only this task's PKRU opens it */
	u64 page;		/* SMP_SPINNER/REKEYER: the page re-keyed */
	volatile u64 *count;	/* this task's progress */
	volatile u64 *peer_count;
	volatile u32 *flag;	/* a handshake word both tasks see */
	volatile u32 *stop;
	volatile struct smp_result *res;
};

void smp_user_main(struct smp_params *p);

#endif
