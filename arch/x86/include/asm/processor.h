/*
 * One small inline wrapper per instruction.  Nothing here faults on a CPU
 * that has the feature; the fault-safe variants used by scenarios that
 * expect an exception live in <asm/safe.h>.  CPUID, XGETBV/XSETBV,
 * RDPKRU/WRPKRU and the XSAVE family are in <asm/special_insns.h>, which
 * tools/hwref and the Linux test programs include too.
 */
#ifndef ASM_PROCESSOR_H
#define ASM_PROCESSOR_H

#include <asm/types.h>
#include <asm/special_insns.h>

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return lo | ((u64)hi << 32);
}

static inline void wrmsr(u32 msr, u64 val)
{
	asm volatile("wrmsr" :: "c"(msr), "a"((u32)val), "d"((u32)(val >> 32)) : "memory");
}

#define DEFINE_CR_ACCESSORS(n)						\
static inline u64 read_cr##n(void)					\
{									\
	u64 v;								\
	asm volatile("mov %%cr" #n ", %0" : "=r"(v));			\
	return v;							\
}									\
static inline void write_cr##n(u64 v)					\
{									\
	asm volatile("mov %0, %%cr" #n :: "r"(v) : "memory");		\
}
DEFINE_CR_ACCESSORS(0)
DEFINE_CR_ACCESSORS(2)
DEFINE_CR_ACCESSORS(3)
DEFINE_CR_ACCESSORS(4)
#undef DEFINE_CR_ACCESSORS

/* DR6: which debug condition a #DB reports (the CPU never clears it). */
#define DR6_TRAP_BITS	0xful		/* B0-B3: a DR0-DR3 breakpoint hit */
#define DR6_BS		(1ul << 14)	/* single step (RFLAGS.TF) */
#define DR6_RESERVED	0xffff0ff0ul	/* the value with no condition recorded */

static inline u64 read_dr6(void)
{
	u64 v;

	asm volatile("mov %%dr6, %0" : "=r"(v));
	return v;
}

static inline void write_dr6(u64 v) { asm volatile("mov %0, %%dr6" :: "r"(v)); }

/*
 * The user's floating-point exception state, read where a #MF or #XM from
 * ring 3 is being turned into SIGFPE (its registers are still live).
 */
static inline u32 stmxcsr(void)
{
	u32 v;

	asm volatile("stmxcsr %0" : "=m"(v));
	return v;
}

static inline u16 fnstsw(void)
{
	u16 v;

	asm volatile("fnstsw %0" : "=m"(v));
	return v;
}

static inline u16 fnstcw(void)
{
	u16 v;

	asm volatile("fnstcw %0" : "=m"(v));
	return v;
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | ((u64)hi << 32);
}

static inline u64 rdtscp(u32 *aux)
{
	u32 lo, hi, c;

	asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(c));
	if (aux)
		*aux = c;
	return lo | ((u64)hi << 32);
}

static inline u64 rdpmc(u32 counter)
{
	u32 lo, hi;

	asm volatile("rdpmc" : "=a"(lo), "=d"(hi) : "c"(counter));
	return lo | ((u64)hi << 32);
}

static inline void lfence(void) { asm volatile("lfence" ::: "memory"); }
static inline void mfence(void) { asm volatile("mfence" ::: "memory"); }

static inline void invlpg(const void *va)
{
	asm volatile("invlpg (%0)" :: "r"(va) : "memory");
}

static inline void flush_tlb_all(void) { write_cr3(read_cr3()); }

static inline void cli(void) { asm volatile("cli" ::: "memory"); }
static inline void sti(void) { asm volatile("sti" ::: "memory"); }
static inline void hlt(void) { asm volatile("hlt" ::: "memory"); }
static inline void cpu_relax(void) { asm volatile("pause" ::: "memory"); }

static inline u64 read_rflags(void)
{
	u64 f;

	asm volatile("pushfq; popq %0" : "=r"(f) :: "memory");
	return f;
}

static inline void write_rflags(u64 f)
{
	asm volatile("pushq %0; popfq" :: "r"(f) : "memory", "cc");
}

static inline u64 irq_save(void)
{
	u64 f = read_rflags();

	cli();
	return f;
}

static inline void irq_restore(u64 f) { write_rflags(f); }

static inline void outb(u16 port, u8 v) { asm volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outw(u16 port, u16 v) { asm volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { asm volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u16 inw(u16 port) { u16 v; asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u32 inl(u16 port) { u32 v; asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

/* Operand of LGDT/LIDT.  Passed as a memory operand so the stores that
 * fill it are never optimised away. */
struct desc_ptr { u16 limit; u64 base; } __packed;

static inline void lgdt(const struct desc_ptr *d) { asm volatile("lgdt %0" :: "m"(*d)); }
static inline void lidt(const struct desc_ptr *d) { asm volatile("lidt %0" :: "m"(*d)); }
static inline void ltr(u16 sel) { asm volatile("ltr %0" :: "r"(sel)); }

#endif
