/*
 * Legacy 8259 PIC and 8254 PIT.  The PIC is remapped away from the
 * exception vectors and fully masked: pkrulab takes interrupts only from
 * the local APIC.  PIT channel 2 (gated through port 0x61, no interrupt)
 * is the reference clock for calibrating the APIC timer.
 */
#include <asm/apic.h>
#include <asm/processor.h>

#define PIC1_CMD	0x20
#define PIC1_DATA	0x21
#define PIC2_CMD	0xa0
#define PIC2_DATA	0xa1
#define ICW1_INIT_ICW4	0x11
#define ICW4_8086	0x01

#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PIT_GATE	0x61
#define PIT_GATE_ON	0x01
#define PIT_SPEAKER	0x02
#define PIT_OUT2	0x20
#define PIT_CH2_MODE0	0xb0	/* channel 2, lobyte/hibyte, mode 0 */
#define PIT_HZ		1193182u

void pic_disable(void)
{
	outb(PIC1_CMD, ICW1_INIT_ICW4);
	outb(PIC2_CMD, ICW1_INIT_ICW4);
	outb(PIC1_DATA, VEC_PIC_BASE);
	outb(PIC2_DATA, VEC_PIC_BASE + 8);
	outb(PIC1_DATA, 4);		/* slave on IRQ2 */
	outb(PIC2_DATA, 2);
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_DATA, ICW4_8086);
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}

bool pit_delay_us(u32 us)
{
	u32 count = (u64)PIT_HZ * us / 1000000;
	u64 spins = 0;

	if (count > 0xffff)
		count = 0xffff;
	outb(PIT_GATE, (inb(PIT_GATE) & ~PIT_SPEAKER) & ~PIT_GATE_ON);
	outb(PIT_CMD, PIT_CH2_MODE0);
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);
	outb(PIT_GATE, (inb(PIT_GATE) & ~PIT_SPEAKER) | PIT_GATE_ON);
	/* OUT2 goes high when the count reaches zero; bound the wait. */
	while (!(inb(PIT_GATE) & PIT_OUT2))
		if (++spins > 100000000ull)
			return false;
	return true;
}
