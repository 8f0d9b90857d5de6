/*
 * What the test programs share: TAP-style "ok N" / "not ok N" lines (the
 * linux.* cells count them), the PKRU instructions (rdpkru(), wrpkru(): the
 * kernel's own wrappers, arch/x86/include/asm/special_insns.h, found through
 * the Makefile's -iquote arch/x86/include), and kselftest's SKIP exit status
 * for a CPU or kernel without protection keys.
 */
#ifndef PTEST_H
#define PTEST_H

#include <cpuid.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "asm/special_insns.h"

#define KSFT_SKIP	4
#define PKRU_INIT_LINUX	0x55555554u
#define PKRU_AD(k)	(1u << (2 * (k)))
#define PKRU_WD(k)	(2u << (2 * (k)))
#define CPUID_OSPKE	(1u << 4)	/* CPUID.(7,0):ECX: CR4.PKE is on */

static int tests, failed;

static void ok(int cond, const char *what)
{
	printf("%s %d %s\n", cond ? "ok" : "not ok", ++tests, what);
	failed += !cond;
}

/*
 * Run on CPU 0 alone, the children created from here on included, until
 * ptest_unpin(): for the checks that want a design's context switch
 * between two tasks on one CPU, which a child placed on another CPU (the
 * kernel spreads them) would not make.  Returns the mask to restore.
 */
static inline unsigned long ptest_pin_cpu0(void)
{
	unsigned long old = 1, one = 1;

	syscall(SYS_sched_getaffinity, 0, sizeof(old), &old);
	syscall(SYS_sched_setaffinity, 0, sizeof(one), &one);
	return old;
}

static inline void ptest_unpin(unsigned long mask)
{
	syscall(SYS_sched_setaffinity, 0, sizeof(mask), &mask);
}

/* The program's exit status: 0 when every check held. */
static inline int ptest_done(const char *name)
{
	printf("# %s: %d tests, %d failed\n", name, tests, failed);
	return failed ? 1 : 0;
}

static inline int have_ospke(void)
{
	unsigned a, b, c, d;

	__cpuid_count(7, 0, a, b, c, d);
	if (!(c & CPUID_OSPKE))
		printf("# SKIP: no OSPKE (CPUID.(7,0):ECX[4]): protection keys are off\n");
	return !!(c & CPUID_OSPKE);
}

#endif
