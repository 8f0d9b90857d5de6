/*
 * The wrappers of the instructions pkrulab is about -- CPUID, XGETBV/XSETBV,
 * RDPKRU/WRPKRU and the XSAVE family -- in one place for every program that
 * runs them: the kernel (<asm/processor.h> includes this), tools/hwref (a
 * host program) and the Linux test programs (tests/linux/progs/ptest.h,
 * static user programs), so that the replays and the tests run the very
 * instructions, with the very operands, that the kernel runs.
 *
 * Freestanding and hosted alike: it includes only <stdint.h> (the
 * compiler's own under -ffreestanding, the C library's in a user program)
 * for uint32_t, and spells 64-bit values unsigned long long, the kernel's
 * u64 (uint64_t is unsigned long on x86-64); so it neither needs the
 * kernel's <asm/types.h> nor clashes with the C library's headers.
 * Everything is static inline, as it was in <asm/processor.h>: the
 * kernel's path lengths count these instructions where they are used.
 *
 * A user program must not call the CPL-0 ones (XSETBV, XSAVES, XRSTORS:
 * #GP), nor RDPKRU/WRPKRU without CR4.PKE (#UD; CPUID.(7,0):ECX[4] says)
 * or XGETBV without CR4.OSXSAVE (CPUID.1:ECX[27]).  Fault-safe variants,
 * for kernel scenarios that expect the exception, are in <asm/safe.h>.
 */
#ifndef ASM_SPECIAL_INSNS_H
#define ASM_SPECIAL_INSNS_H

#include <stdint.h>

struct cpuid_regs { uint32_t eax, ebx, ecx, edx; };

static inline struct cpuid_regs cpuid_count(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	__asm__ __volatile__("cpuid"
		     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
		     : "a"(leaf), "c"(subleaf));
	return r;
}

static inline struct cpuid_regs cpuid(uint32_t leaf) { return cpuid_count(leaf, 0); }

/* XGETBV(0) reads XCR0 (legal at CPL 3 once CR4.OSXSAVE is set), XGETBV(1)
 * XINUSE where CPUID(0xD,1).EAX[2]; XSETBV is CPL 0 only. */
static inline unsigned long long xgetbv(uint32_t index)
{
	uint32_t lo, hi;

	__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(index));
	return lo | ((unsigned long long)hi << 32);
}

static inline void xsetbv(uint32_t index, unsigned long long val)
{
	__asm__ __volatile__("xsetbv" :: "c"(index), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
			     : "memory");
}

/* RDPKRU/WRPKRU need ECX = 0 (and EDX = 0 for WRPKRU) or they #GP. */
static inline uint32_t rdpkru(void)
{
	uint32_t pkru, edx;

	__asm__ __volatile__("rdpkru" : "=a"(pkru), "=d"(edx) : "c"(0));
	return pkru;
}

static inline void wrpkru(uint32_t pkru)
{
	/* "memory": accesses must not move across a permission change. */
	__asm__ __volatile__("wrpkru" :: "a"(pkru), "c"(0), "d"(0) : "memory");
}

/* XSAVE family: EDX:EAX is the requested-feature bitmap (RFBM & XCR0). */
#define DEFINE_XSAVE_OP(name, insn)					\
static inline void name(void *buf, unsigned long long rfbm)		\
{									\
	__asm__ __volatile__(insn " (%0)"				\
		     :: "r"(buf), "a"((uint32_t)rfbm), "d"((uint32_t)(rfbm >> 32)) \
		     : "memory");					\
}
DEFINE_XSAVE_OP(xsave, "xsave64")
DEFINE_XSAVE_OP(xsaveopt, "xsaveopt64")
DEFINE_XSAVE_OP(xsavec, "xsavec64")
DEFINE_XSAVE_OP(xsaves, "xsaves64")
DEFINE_XSAVE_OP(xrstor, "xrstor64")
DEFINE_XSAVE_OP(xrstors, "xrstors64")
#undef DEFINE_XSAVE_OP

#endif
