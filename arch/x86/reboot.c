/*
 * The ways an x86 machine stops: QEMU's isa-debug-exit, the reset paths a
 * PC offers, ACPI S5 power-off, and a halt that nothing wakes.
 */
#include <asm/acpi.h>
#include <asm/processor.h>
#include <asm/reboot.h>

#define ISA_DEBUG_EXIT_PORT	0xf4
/* 0x10 + status makes QEMU exit 33/35/37, never its own failure status 1. */
#define ISA_DEBUG_EXIT_BASE	0x10
#define RESET_CONTROL_PORT	0xcf9
#define RESET_CONTROL_HARD	0x06
#define KBC_STATUS_PORT		0x64
#define KBC_CMD_RESET		0xfe
#define KBC_INPUT_FULL		0x02
#define KBC_WAIT_LOOPS		100000

void machine_halt(void)
{
	for (;;) {
		cli();
		hlt();
	}
}

void machine_qemu_exit(int status)
{
	/* Without the device the write goes nowhere and we return. */
	outl(ISA_DEBUG_EXIT_PORT, ISA_DEBUG_EXIT_BASE + status);
}

void machine_restart(void)
{
	struct desc_ptr null_idt = { 0, 0 };

	acpi_reset();
	outb(RESET_CONTROL_PORT, RESET_CONTROL_HARD);
	for (int i = 0; i < KBC_WAIT_LOOPS && (inb(KBC_STATUS_PORT) & KBC_INPUT_FULL); i++)
		cpu_relax();
	outb(KBC_STATUS_PORT, KBC_CMD_RESET);
	/* Last resort: a triple fault resets every x86. */
	lidt(&null_idt);
	asm volatile("int3");
	machine_halt();
}

void machine_power_off(void)
{
	acpi_poweroff();
}
