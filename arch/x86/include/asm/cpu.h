/*
 * Control-register state of the boot CPU (arch/x86/cpu.c): the one-time
 * setup, and the reset that puts back what every scenario starts from.
 */
#ifndef ASM_X86_CPU_H
#define ASM_X86_CPU_H

#include <asm/types.h>

/*
 * CR0/CR4/EFER for ring-3 tasks with x87/SSE/AVX state, then XSAVE.
 * CR4.PKE is set when the CPU has PKU and want_pke (the kernel passes
 * false for the harness self-check that runs without it).
 */
void cpu_setup(bool want_pke);
/* CR4.PKE is on. */
bool pke_enabled(void);
/*
 * Put back the state scenarios start from: PKRU 0, the default XCR0,
 * CR0.WP set, CR4.PKE as cpu_setup() left it.  Run around every cell so
 * that one scenario's leftovers cannot decide another's verdict.
 */
void cpu_state_reset(void);
/* As cpu_state_reset(), but XCR0 stays as the active strategy set it. */
void cpu_state_reset_keep_xcr0(void);

/*
 * Behaviours of this CPU that differ from the SDM, measured once at boot by
 * survivable probes (tests/lib/quirks.c) so that the code that would die of
 * them (the ring-3 probe runner, the scenarios) can avoid it.
 */
struct cpu_quirks {
	bool probed;
	bool ring0_ignores_ad;		/* ring-0 access to an AD user page: no #PF */
	bool wd_supervisor;		/* WD (CR0.WP=1) blocks ring-0 writes to supervisor pages */
	bool ad_supervisor;		/* AD blocks ring-0 reads of supervisor pages */
};
extern struct cpu_quirks cpu_quirks;

#endif
