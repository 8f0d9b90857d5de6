/*
 * Helpers shared by the scenario directories: checked PKRU writes that
 * turn a #UD/#GP into a failed check instead of a kernel crash, memory
 * access probes with the expected fault spelled out, and the standard
 * "CPU lacks X" SKIP reasons.
 */
#ifndef TESTS_TESTLIB_H
#define TESTS_TESTLIB_H

#include <asm/safe.h>
#include <asm/types.h>
#include <kernel/console.h>
#include "scenario.h"

/* SKIP reason if PKU is absent, else NULL. */
const char *need_pku(void);
/* SKIP reason if XSAVE with the PKRU component is absent, else NULL. */
const char *need_xsave_pkru(void);
/*
 * The same without the standard-format offset: for checks that never look
 * for PKRU at CPUID(0xD,9).EBX (compacted format, XGETBV(1), headers).
 */
const char *need_xsave_pkru_bit(void);

/* WRPKRU that reports a fault as a failed check.  Returns true on success. */
bool set_pkru(struct scenario_ctx *ctx, u32 pkru);
/* RDPKRU that reports a fault as a failed check (value 0xdeadbeef then). */
u32 get_pkru(struct scenario_ctx *ctx);

#define ACCESS_READ	0
#define ACCESS_WRITE	1

/*
 * One ring-0 access to p.  want_ec < 0: expect no fault.  Otherwise expect
 * #PF with exactly that error code and CR2 == p.
 */
bool expect_access(struct scenario_ctx *ctx, volatile void *p, int write, int want_ec,
		   const char *what);
/* The same from ring 3 (user_pkru_access sets PKRU first, in ring 3). */
bool expect_user_access(struct scenario_ctx *ctx, void *p, int write, u32 pkru,
			int want_ec, const char *what);

/* Set or clear CR4.PKE and flush the TLB (QEMU defect 3). */
void set_cr4_pke(bool on);

/*
 * Address of a ring-3 probe body (arch/x86/user_probes.asm).  They are
 * linked at USER_IMAGE_VA, beyond the reach of -mcmodel=small's 32-bit
 * relocations, hence MOVABS.
 */
#define USER_SYM(sym)							\
	({								\
		void *p_;						\
		asm("movabsq $" #sym ", %0" : "=r"(p_));		\
		p_;							\
	})

#endif
