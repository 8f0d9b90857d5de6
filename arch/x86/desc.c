/*
 * Descriptor tables.  The GDT order is dictated by SYSCALL/SYSRET: SYSRET
 * loads CS = STAR[63:48] + 16 and SS = STAR[63:48] + 8, so the user data
 * segment sits between a 32-bit user code placeholder and 64-bit user code.
 */
#include <asm/desc.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <asm/smp.h>
#include <asm/traps.h>
#include <kernel/string.h>

struct idt_entry {
	u16 offset_lo;
	u16 selector;
	u8 ist;
	u8 type_attr;
	u16 offset_mid;
	u32 offset_hi;
	u32 zero;
} __packed;

#define SEG_KCODE64 0x00af9a000000ffffull	/* P, DPL0, code, L */
#define SEG_KDATA   0x00cf92000000ffffull	/* P, DPL0, data, writable */
#define SEG_UCODE32 0x00cffa000000ffffull	/* P, DPL3, code, D (unused) */
#define SEG_UDATA   0x00cff2000000ffffull	/* P, DPL3, data, writable */
#define SEG_UCODE64 0x00affa000000ffffull	/* P, DPL3, code, L */

#define IDT_TYPE_INTR 0x8e			/* P, DPL0, 64-bit interrupt gate */

/*
 * The TSS with its I/O permission bitmap after it, one bit per port (set:
 * ring 3 may not use it), and the byte of ones the CPU wants past the
 * last (it reads two bytes for a port's bits).  The bitmap counts while
 * iomap_base points at it; IO_BITMAP_OFFSET_INVALID, past the TSS limit,
 * closes every port.
 */
struct tss_io {
	struct tss64 hw;
	u8 io_bitmap[IO_BITMAP_BYTES];
	u8 io_bitmap_end;
} __packed;

#define IO_BITMAP_OFFSET_VALID		offsetof(struct tss_io, io_bitmap)
#define IO_BITMAP_OFFSET_INVALID	sizeof(struct tss_io)

/* Per CPU: a GDT (its TSS descriptor's busy bit is per CPU), a TSS, IST stacks. */
/* One GDT per CPU, GDT_STRIDE apart: SGDT names the CPU (<asm/smp.h>). */
u64 gdts[MAX_CPUS][GDT_STRIDE] __aligned(16);
static struct tss_io tsss[MAX_CPUS] __aligned(16);
static struct idt_entry idt[256] __aligned(16);

static u8 ist_stacks[MAX_CPUS][NR_IST_STACKS][8192] __aligned(16);

/* Only the boot CPU runs tasks: the ring-3 entry stack is its TSS's. */
extern void *isr_stub_table[];		/* entry.asm, one per vector */

void gdt_init(void) { gdt_init_cpu(0); }

void gdt_init_cpu(u32 cpu)
{
	u64 *gdt = gdts[cpu];
	struct tss_io *t = &tsss[cpu];
	u64 base = (u64)t;
	struct desc_ptr d = { GDT_ENTRIES * 8 - 1, (u64)gdt };

	gdt[0] = 0;
	gdt[1] = 0;			/* Linux's 32-bit kernel code: not used */
	gdt[GDT_KERNEL_CS / 8] = SEG_KCODE64;
	gdt[GDT_KERNEL_DS / 8] = SEG_KDATA;
	gdt[GDT_USER_CS32 / 8] = SEG_UCODE32;
	gdt[GDT_USER_DS / 8] = SEG_UDATA;
	gdt[GDT_USER_CS / 8] = SEG_UCODE64;
	/* 16-byte available 64-bit TSS descriptor (type 9). */
	gdt[GDT_TSS / 8] = (sizeof(*t) - 1) | ((base & 0xffffff) << 16) |
			   (0x89ull << 40) | (((base >> 24) & 0xff) << 56);
	gdt[GDT_TSS / 8 + 1] = base >> 32;

	/* No I/O bitmap until a task with one runs: ring 3 gets no ports. */
	t->hw.iomap_base = IO_BITMAP_OFFSET_INVALID;
	memset(t->io_bitmap, 0xff, sizeof(t->io_bitmap));
	t->io_bitmap_end = 0xff;
	for (int i = 0; i < NR_IST_STACKS; i++)
		t->hw.ist[i] = (u64)&ist_stacks[cpu][i][sizeof(ist_stacks[cpu][i])];
	/* RSP0 is misaligned in the packed TSS: x86 does not mind, C's & would. */
	tss_rsp0[cpu] = (u64 *)((u8 *)t + offsetof(struct tss64, rsp));

	lgdt(&d);
	asm volatile("pushq %0\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\n\t"
		     "movw %w1, %%ax\n\t"
		     "movw %%ax, %%ds\n\t"
		     "movw %%ax, %%es\n\t"
		     "movw %%ax, %%ss\n\t"
		     :: "i"(GDT_KERNEL_CS), "i"(GDT_KERNEL_DS) : "rax", "memory");
	ltr(GDT_TSS);
}

/*
 * The LDT descriptor is written into this CPU's GDT before each LLDT (its
 * base and limit follow the process); LLDT of the null selector leaves
 * the LDTR unusable, so an LDT selector then faults as it would on Linux
 * in a process without an LDT.
 */
void ldt_load(const u64 *base, u32 entries)
{
	u64 *gdt = gdts[smp_processor_id()], b = (u64)base, limit = entries * LDT_ENTRY_SIZE - 1;

	if (!entries) {
		asm volatile("lldt %w0" :: "r"(0));
		return;
	}
	gdt[GDT_LDT / 8] = (limit & DESC_LIMIT0_MASK) | ((b & 0xffffff) << DESC_BASE0_SHIFT) |
			   (DESC_TYPE_LDT << DESC_TYPE_SHIFT) | DESC_P |
			   (((limit >> 16) & 0xf) << DESC_LIMIT1_SHIFT) |
			   (((b >> 24) & 0xff) << DESC_BASE2_SHIFT);
	gdt[GDT_LDT / 8 + 1] = b >> 32;
	asm volatile("lldt %w0" :: "r"(GDT_LDT) : "memory");
}

void tss_set_rsp0(u64 rsp0) { *tss_rsp0[smp_processor_id()] = rsp0; }

/* The map each CPU's TSS holds (NULL: none), and its leading bytes that
 * may not be all ones. */
static const u8 *io_bitmap_owner[MAX_CPUS];
static u32 io_bitmap_used[MAX_CPUS];

const u8 *tss_io_bitmap_owner(u32 cpu) { return io_bitmap_owner[cpu]; }

/*
 * CPU cpu's ports for ring 3 from now on: map's first bytes bytes (the
 * rest all ones: closed), or none (NULL).  Only the bytes a map can have
 * opened are copied: the larger of the old and the new map's length, as
 * Linux's tss_copy_io_bitmap() does.
 */
void tss_io_bitmap_switch(u32 cpu, const u8 *map, u32 bytes)
{
	struct tss_io *t = &tsss[cpu];

	io_bitmap_owner[cpu] = map;
	if (!map) {
		t->hw.iomap_base = IO_BITMAP_OFFSET_INVALID;
		return;
	}
	memcpy(t->io_bitmap, map, bytes);
	if (io_bitmap_used[cpu] > bytes)
		memset(t->io_bitmap + bytes, 0xff, io_bitmap_used[cpu] - bytes);
	io_bitmap_used[cpu] = bytes;
	t->hw.iomap_base = IO_BITMAP_OFFSET_VALID;
}

void tss_io_bitmap_drop(const u8 *map)
{
	for (u32 cpu = 0; cpu < MAX_CPUS; cpu++)
		if (io_bitmap_owner[cpu] == map)
			tss_io_bitmap_switch(cpu, NULL, 0);
}

/* Each CPU's SYSCALL entry loads RSP from its own slot (syscall_entry.asm). */
u64 cpu_kstack_top[MAX_CPUS];
u64 *tss_rsp0[MAX_CPUS];

void idt_set_gate(int vec, void *handler, int dpl, int ist)
{
	u64 a = (u64)handler;
	struct idt_entry *e = &idt[vec];

	e->offset_lo = a & 0xffff;
	e->selector = GDT_KERNEL_CS;
	e->ist = ist;
	e->type_attr = IDT_TYPE_INTR | (dpl << 5);
	e->offset_mid = (a >> 16) & 0xffff;
	e->offset_hi = a >> 32;
	e->zero = 0;
}

void idt_init(void)
{
	struct desc_ptr d = { sizeof(idt) - 1, (u64)idt };

	for (int v = 0; v < 256; v++)
		idt_set_gate(v, isr_stub_table[v], 0, 0);
	idt_set_gate(2, isr_stub_table[2], 0, IST_NMI);
	idt_set_gate(8, isr_stub_table[8], 0, IST_DOUBLE_FAULT);
	idt_set_gate(18, isr_stub_table[18], 0, IST_MCE);
	/*
	 * #DB on a stack of its own: a single-step trap that a CPU delivers
	 * after SYSCALL (TF set in user mode) arrives at syscall_entry's first
	 * instruction, before the switch away from the user's RSP.  Linux
	 * gives #DB an IST stack for the same reason.
	 */
	idt_set_gate(VEC_DB, isr_stub_table[VEC_DB], 0, IST_DEBUG);
	/*
	 * The gates ring 3 may use with INT n, as in Linux: INT3 and INTO's
	 * vector (SIGTRAP, SIGSEGV) and 0x80, the probes' exit (which a Linux
	 * process gets as the #GP it would be without 32-bit emulation:
	 * traps.c).  Every other INT n from ring 3 is a #GP(n * 8 + 2).
	 */
	idt_set_gate(VEC_BP, isr_stub_table[VEC_BP], 3, 0);
	idt_set_gate(VEC_OF, isr_stub_table[VEC_OF], 3, 0);
	idt_set_gate(VEC_USER_EXIT, isr_stub_table[VEC_USER_EXIT], 3, 0);
	lidt(&d);
}

void idt_load(void)
{
	struct desc_ptr d = { sizeof(idt) - 1, (u64)idt };

	lidt(&d);
}
