/*
 * Ending the machine's run (arch/x86/reboot.c).  Each returns only when
 * the mechanism is absent, so callers can chain them; machine_halt() is
 * the end of every chain.
 */
#ifndef ASM_X86_REBOOT_H
#define ASM_X86_REBOOT_H

#include <asm/types.h>

/* QEMU's isa-debug-exit device: QEMU exits with (value << 1) | 1. */
void machine_qemu_exit(int status);
/* Reset: FADT register, port 0xcf9, the keyboard controller, a triple fault. */
__noreturn void machine_restart(void);
/* ACPI S5; returns if the FADT/DSDT give no way to do it. */
void machine_power_off(void);
__noreturn void machine_halt(void);

#endif
