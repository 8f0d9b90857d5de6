/*
 * hwref: native user-mode reference figures for pkrulab's designs (see
 * hwref.c).  Shared by the driver (hwref.c), the strategy replays
 * (replay.c) and Linux's own round trips (linux.c).
 */
#ifndef HWREF_H
#define HWREF_H

#include <stdbool.h>
#include <stdint.h>

#include <kernel/stats.h>

/* Operations timed between two TSC reads; the figures printed are per op. */
#define HWREF_BATCH	64

/* What this CPU and this OS offer a user program. */
struct hw {
	char vendor[13];
	char brand[49];
	unsigned family, model, stepping;
	bool xsave, osxsave, avx, pku, ospke;
	bool xsaveopt, xsavec, xsaves;
	bool no_pku_forced;		/* HWREF_NO_PKU=1 in the environment */
	uint64_t xcr0;			/* the OS's XCR0, read with XGETBV(0) */
	/* pkrulab's task state (x87|SSE|YMM|PKRU) as far as XCR0 has it */
	uint64_t rfbm;
	uint32_t size, max_size;	/* CPUID(0xD,0).EBX / .ECX */
	uint32_t pkru_off;		/* CPUID(0xD,9).EBX, 0 without PKRU state */
	uint64_t tsc_hz;
	char tsc_how[128];
	bool invariant_tsc;
};
extern struct hw hw;

/* Why a line cannot be measured here (a SKIP reason), or NULL if it can. */
const char *need_xsave(void);
const char *need_pkru_insns(void);	/* RDPKRU/WRPKRU: PKU and OSPKE */
const char *need_xcr0_pkru(void);	/* user XSAVE carries PKRU: XCR0[9] */
const char *need_avx(void);

/* A 64-byte aligned, zeroed XSAVE buffer of hw.max_size bytes. */
void *xsave_area_alloc(void);

/* One benchmark: setup says why it cannot run (or NULL), batch times
 * HWREF_BATCH operations and returns TSC ticks, check says what went
 * wrong during the batches (or NULL), teardown undoes setup. */
struct bench {
	const char *name;
	const char *config;		/* a strategy, or "-" */
	const char *(*setup)(const struct bench *b);
	uint64_t (*batch)(const struct bench *b);
	const char *(*check)(const struct bench *b, uint64_t ops);
	void (*teardown)(const struct bench *b);
	const void *arg;
	bool dirty_avx;
};

/* The replays of kernel/strategy/<config>.c and Linux's round trips. */
extern const struct bench replay_benches[];
extern const unsigned nr_replay_benches;
extern const struct bench linux_benches[];
extern const unsigned nr_linux_benches;

#endif
