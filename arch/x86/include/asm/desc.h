/* GDT, TSS and IDT.  The GDT layout is fixed by SYSCALL/SYSRET (STAR). */
#ifndef ASM_DESC_H
#define ASM_DESC_H

#include <asm/types.h>

/*
 * Linux's x86-64 layout (arch/x86/include/asm/segment.h), so that ring-3
 * code written for Linux with its selectors built in (the x86 selftests'
 * far transfers to 0x23 and back to 0x33) runs unchanged.
 */
#define GDT_KERNEL_CS	0x10
#define GDT_KERNEL_DS	0x18
#define GDT_USER_CS32	0x20	/* STAR[63:48] base for SYSRET */
#define GDT_USER_DS	0x28
#define GDT_USER_CS	0x30
#define GDT_TSS		0x40	/* 16-byte system descriptor */
#define GDT_LDT		0x50	/* 16-byte system descriptor: the running process's LDT */
#define GDT_ENTRIES	12
#define GDT_STRIDE	16	/* a power of two: smp_processor_id() divides by it */

#define USER_CS		(GDT_USER_CS | 3)
#define USER_DS		(GDT_USER_DS | 3)
#define USER_CS32	(GDT_USER_CS32 | 3)	/* compatibility mode: ring 3 can far-jump there */

/* Interrupt stack table slots. */
#define IST_DOUBLE_FAULT 1
#define IST_NMI		 2
#define IST_MCE		 3
#define IST_DEBUG	 4	/* #DB can hit where RSP is still the user's (see desc.c) */
#define NR_IST_STACKS	 4

/* Vectors beyond the 32 exceptions. */
#define VEC_USER_EXIT	0x80	/* ring-3 probe "return to kernel" gate */
#define VEC_SPURIOUS	0xff

struct tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed;

/* The boot CPU's GDT and TSS (CPU 0), or an application processor's. */
void gdt_init(void);
void gdt_init_cpu(u32 cpu);
void idt_init(void);
/* Load the IDT idt_init() built (an application processor). */
void idt_load(void);
void idt_set_gate(int vec, void *handler, int dpl, int ist);
void tss_set_rsp0(u64 rsp0);

/*
 * The I/O permission bitmap of each CPU's TSS: one bit per port, 0 =
 * ring 3 may use it.  tss_io_bitmap_switch() installs the first bytes of
 * a map (the rest closed) or, with NULL, closes every port;
 * tss_io_bitmap_owner() is the map a CPU has installed, so a switch can
 * tell cheaply whether it must change.  A map's owner must switch to NULL
 * before the map's memory is reused.
 */
#define IO_BITMAP_BITS		65536
#define IO_BITMAP_BYTES		(IO_BITMAP_BITS / 8)
const u8 *tss_io_bitmap_owner(u32 cpu);
void tss_io_bitmap_switch(u32 cpu, const u8 *map, u32 bytes);
/* No CPU's TSS holds map any more (its memory is about to be reused). */
void tss_io_bitmap_drop(const u8 *map);
/*
 * Ports the kernel drives or that end the run (arch/x86/ioport.c), never
 * given to ring 3: what the port is, or NULL for one ring 3 may have.
 */
const char *io_port_reserved(u32 port);
/* The stack ring-3 entries land on: interrupts (TSS.RSP0) and SYSCALL. */
/* CPU cpu's ring-0 stack for entries from ring 3: set_kernel_stack() in <asm/smp.h>. */

#endif
