/*
 * User-mode wrappers for the instructions hwref times, one small inline
 * function per instruction, and the CPUID bits it reads.  The XCR0 bits,
 * XSAVE layout offsets and CPUID leaf numbers come from the kernel's own
 * headers (pure #defines), so both sides name the same facts the same way.
 * The wrappers mirror <asm/processor.h> but are not it: that header follows
 * the freestanding kernel's needs (its <asm/types.h> clashes with glibc's),
 * and tools/hwref_drift.py checks the instructions that matter anyway.
 */
#ifndef HWREF_X86_H
#define HWREF_X86_H

#include <stdint.h>

#include "asm/cpuid.h"
#include "asm/processor-flags.h"

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

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid_count(uint32_t leaf, uint32_t sub)
{
	struct cpuid_regs r;

	asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
		     : "a"(leaf), "c"(sub));
	return r;
}

/* XGETBV(0) reads XCR0; legal at CPL 3 once CR4.OSXSAVE is set. */
static inline uint64_t xgetbv(uint32_t index)
{
	uint32_t lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(index));
	return (uint64_t)hi << 32 | lo;
}

/* RDPKRU needs ECX = 0, WRPKRU ECX = EDX = 0, or they #GP (SDM vol. 2). */
static inline uint32_t rdpkru(void)
{
	uint32_t pkru, edx;

	asm volatile("rdpkru" : "=a"(pkru), "=d"(edx) : "c"(0));
	return pkru;
}

static inline void wrpkru(uint32_t pkru)
{
	asm volatile("wrpkru" :: "a"(pkru), "c"(0), "d"(0) : "memory");
}

/* XSAVE family: EDX:EAX is the requested-feature bitmap, ANDed with XCR0. */
#define DEFINE_XSAVE_OP(name, insn)					\
	static inline void name(void *area, uint64_t rfbm)		\
	{								\
		asm volatile(insn " %0"					\
			     : "+m"(*(uint8_t *)area)			\
			     : "a"((uint32_t)rfbm), "d"((uint32_t)(rfbm >> 32)) \
			     : "memory");				\
	}
DEFINE_XSAVE_OP(xsave, "xsave64")
DEFINE_XSAVE_OP(xsaveopt, "xsaveopt64")
DEFINE_XSAVE_OP(xsavec, "xsavec64")
DEFINE_XSAVE_OP(xrstor, "xrstor64")
#undef DEFINE_XSAVE_OP

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
