/*
 * Fault-safe probes, in the spirit of kvm-unit-tests' exception fixups:
 * run one instruction that may fault, and learn whether it did, with which
 * vector and error code.  Each probe records (faulting RIP, resume RIP) in
 * the .ex_table section; the trap handler finds the RIP there, stores the
 * exception in probe_trap and resumes after the instruction.  A fault at an
 * address that is not in the table is still a fatal kernel bug.
 *
 * Every probe returns the vector (0..31) or PROBE_NO_FAULT.
 */
#ifndef ASM_SAFE_H
#define ASM_SAFE_H

#include <asm/types.h>

#define PROBE_NO_FAULT (-1)

struct trap_record {
	int vector;
	u64 error_code;
	u64 cr2;
	u64 rip;
};

/* Written by the trap handler, read right after the probe. */
extern volatile struct trap_record probe_trap;

#define COMMA ,

#define _ASM_EXTABLE(from, to)						\
	".pushsection .ex_table, \"a\"\n\t"				\
	".balign 8\n\t"							\
	".quad " #from ", " #to "\n\t"					\
	".popsection\n\t"

static inline void probe_reset(void) { probe_trap.vector = PROBE_NO_FAULT; }
static inline int probe_result(void) { barrier(); return probe_trap.vector; }

/* Build a probe around one instruction: 1: insn, 2: resume point. */
#define SAFE_INSN(insn, outs, ins...)					\
	({								\
		probe_reset();						\
		asm volatile("1: " insn "\n2:\n\t" _ASM_EXTABLE(1b, 2b)	\
			     : outs : ins : "memory");			\
		probe_result();						\
	})

static inline int safe_read8(const volatile void *p, u8 *val)
{
	u8 v = 0;
	int r = SAFE_INSN("movb (%1), %0", "+q"(v), "r"(p));

	*val = v;
	return r;
}

static inline int safe_write8(volatile void *p, u8 val)
{
	return SAFE_INSN("movb %1, (%0)", , "r"(p), "q"(val));
}

static inline int safe_read64(const volatile void *p, u64 *val)
{
	u64 v = 0;
	int r = SAFE_INSN("movq (%1), %0", "+r"(v), "r"(p));

	*val = v;
	return r;
}

static inline int safe_rdpkru_ecx(u32 ecx, u32 *pkru)
{
	u32 a = 0, d = 0;
	int r = SAFE_INSN("rdpkru", "+a"(a) COMMA "+d"(d), "c"(ecx));

	*pkru = a;
	return r;
}

static inline int safe_wrpkru_regs(u32 pkru, u32 ecx, u32 edx)
{
	return SAFE_INSN("wrpkru", , "a"(pkru), "c"(ecx), "d"(edx));
}

static inline int safe_xsetbv(u32 index, u64 val)
{
	return SAFE_INSN("xsetbv", , "c"(index), "a"((u32)val), "d"((u32)(val >> 32)));
}

static inline int safe_xgetbv(u32 index, u64 *val)
{
	u32 lo = 0, hi = 0;
	int r = SAFE_INSN("xgetbv", "+a"(lo) COMMA "+d"(hi), "c"(index));

	*val = lo | ((u64)hi << 32);
	return r;
}

#define DEFINE_SAFE_XSAVE_OP(name, insn)				\
static inline int name(void *buf, u64 rfbm)				\
{									\
	return SAFE_INSN(insn " (%0)", , "r"(buf), "a"((u32)rfbm),	\
			 "d"((u32)(rfbm >> 32)));			\
}
DEFINE_SAFE_XSAVE_OP(safe_xsave, "xsave64")
DEFINE_SAFE_XSAVE_OP(safe_xrstor, "xrstor64")
DEFINE_SAFE_XSAVE_OP(safe_xrstors, "xrstors64")
#undef DEFINE_SAFE_XSAVE_OP

static inline int safe_rdmsr(u32 msr, u64 *val)
{
	u32 lo = 0, hi = 0;
	int r = SAFE_INSN("rdmsr", "+a"(lo) COMMA "+d"(hi), "c"(msr));

	*val = lo | ((u64)hi << 32);
	return r;
}

static inline int safe_rdpmc(u32 counter, u64 *val)
{
	u32 lo = 0, hi = 0;
	int r = SAFE_INSN("rdpmc", "+a"(lo) COMMA "+d"(hi), "c"(counter));

	*val = lo | ((u64)hi << 32);
	return r;
}

static inline int safe_wrmsr(u32 msr, u64 val)
{
	return SAFE_INSN("wrmsr", , "c"(msr), "a"((u32)val), "d"((u32)(val >> 32)));
}

/*
 * Call code that may fault on its first byte (instruction fetch probes).
 * The fault RIP is the target, not an instruction of ours, so the handler
 * recognises probe_exec_target and emulates the RET instead.
 */
extern volatile u64 probe_exec_target;
int safe_call(void *target);

#endif
