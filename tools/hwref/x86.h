/*
 * The instructions hwref times and the CPUID bits it reads.  CPUID, XGETBV,
 * RDPKRU/WRPKRU and the XSAVE family are the kernel's own wrappers
 * (arch/x86/include/asm/special_insns.h, which <asm/processor.h> includes:
 * freestanding, no <asm/types.h>), so a replay runs the kernel's very asm;
 * the XCR0 bits, XSAVE layout offsets and CPUID leaf numbers come from the
 * kernel's headers too (pure #defines).  What is hwref's alone: the timing
 * bracket, the AVX dirtying write and the raw SYSCALL.
 */
#ifndef HWREF_X86_H
#define HWREF_X86_H

#include <stdint.h>

#include "asm/cpuid.h"
#include "asm/processor-flags.h"
#include "asm/special_insns.h"

/* CPUID.1:ECX */
#define CPUID1_ECX_XSAVE	(1u << 26)
#define CPUID1_ECX_OSXSAVE	(1u << 27)	/* CR4.OSXSAVE: XGETBV usable */
#define CPUID1_ECX_AVX		(1u << 28)
/* CPUID.(7,0):ECX */
#define CPUID7_ECX_PKU		(1u << 3)
#define CPUID7_ECX_OSPKE	(1u << 4)	/* CR4.PKE: RDPKRU/WRPKRU usable */
/* CPUID.80000007H:EDX */
#define CPUID_APM_EDX_INVARIANT_TSC (1u << 8)
/* CPUID(0xD, i): EAX size, EBX standard-format offset of component i. */
#define CPUID_XSTATE_SUBLEAF_MAIN 0

/* XSAVE header: XSTATE_BV at +0, XCOMP_BV at +8 (SDM vol. 1, 13.4.2). */
#define XSAVE_XCOMP_BV_OFFSET	(XSAVE_HDR_OFFSET + 8)
/* x87 control word after FNINIT: the init image's FCW. */
#define FCW_INIT		0x037f

/* A YMM register written: AVX state no longer in its init state. */
static inline void dirty_avx(void)
{
	asm volatile("vpcmpeqb %%ymm0, %%ymm0, %%ymm0" ::: "xmm0", "memory");
}

/*
 * Timing bracket, the usual serialising recipe: LFENCE;RDTSC;LFENCE
 * before, RDTSCP;LFENCE after, so the timed instructions neither start
 * before the first read nor retire after the second.
 */
static inline uint64_t tsc_begin(void)
{
	uint32_t lo, hi;

	asm volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) :: "memory");
	return (uint64_t)hi << 32 | lo;
}

static inline uint64_t tsc_end(void)
{
	uint32_t lo, hi, aux;

	asm volatile("rdtscp; lfence" : "=a"(lo), "=d"(hi), "=c"(aux) :: "memory");
	return (uint64_t)hi << 32 | lo;
}

/* The raw SYSCALL instruction: no libc wrapper cost in the anchor lines. */
static inline long raw_syscall3(long nr, long a, long b, long c)
{
	long ret;

	asm volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c)
		     : "rcx", "r11", "memory");
	return ret;
}

#endif
