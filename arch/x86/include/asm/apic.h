/* Local APIC (xAPIC MMIO or x2APIC MSRs), legacy PIC and PIT. */
#ifndef ASM_APIC_H
#define ASM_APIC_H

#include <asm/types.h>

#define VEC_TIMER	0x40
#define VEC_PIC_BASE	0x20	/* legacy PIC remapped here, then masked */

void pic_disable(void);
/* Busy-wait using PIT channel 2; returns false if the PIT does not count. */
bool pit_delay_us(u32 us);

bool apic_init(void);			/* false: no local APIC */
bool apic_x2apic_mode(void);
u32 apic_id(void);
void apic_eoi(void);
/* APIC timer ticks per second (calibrated against the PIT), 0 if unknown. */
u64 apic_timer_hz(void);
/* Periodic timer at hz (0 stops it). */
void apic_timer_periodic(u32 hz);
/* One-shot after the given number of APIC timer ticks. */
void apic_timer_oneshot(u32 ticks);
void apic_timer_stop(void);
/* This CPU's timer, periodic at hz on vector vec (an AP's watchdog tick). */
void apic_timer_periodic_vector(u32 hz, u32 vec);

/*
 * The task priority register: vectors whose priority class (vector >> 4)
 * is not above tpr >> 4 stay pending.
 */
u32 apic_get_tpr(void);
void apic_set_tpr(u32 tpr);

/* An application processor's own local APIC, in the boot CPU's mode. */
void apic_init_secondary(void);
/* Interprocessor interrupts (ICR delivery modes). */
#define APIC_DM_FIXED	0x000
#define APIC_DM_NMI	0x400
#define APIC_DM_INIT	0x500
#define APIC_DM_STARTUP	0x600
#define APIC_LEVEL_ASSERT (1u << 14)
/* Send low (vector | delivery mode | level) to the CPU with APIC ID dest;
 * false if the xAPIC never reported it sent. */
bool apic_send_ipi(u32 dest, u32 low);

#endif
