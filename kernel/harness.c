/*
 * Ending a run: isa-debug-exit under QEMU (exit=qemu), reset (exit=reboot),
 * ACPI power-off (exit=poweroff), or halt with the summary left on screen
 * (exit=halt, the bare-metal default).
 */
#include <asm/processor.h>
#include <kernel/acpi.h>
#include <kernel/console.h>
#include <kernel/harness.h>
#include <kernel/scenario.h>

#define ISA_DEBUG_EXIT_PORT	0xf4
#define ISA_DEBUG_EXIT_BASE	0x10
#define RESET_CONTROL_PORT	0xcf9
#define RESET_CONTROL_HARD	0x06
#define KBC_STATUS_PORT		0x64
#define KBC_CMD_RESET		0xfe
#define KBC_INPUT_FULL		0x02

static bool exiting;

static __noreturn void halt_forever(void)
{
	for (;;) {
		cli();
		hlt();
	}
}

static __noreturn void reboot(void)
{
	struct desc_ptr null_idt = { 0, 0 };

	acpi_reset();
	outb(RESET_CONTROL_PORT, RESET_CONTROL_HARD);
	for (int i = 0; i < 100000 && (inb(KBC_STATUS_PORT) & KBC_INPUT_FULL); i++)
		cpu_relax();
	outb(KBC_STATUS_PORT, KBC_CMD_RESET);
	/* Last resort: a triple fault resets every x86. */
	lidt(&null_idt);
	asm volatile("int3");
	halt_forever();
}

void harness_exit(int status)
{
	exiting = true;
	switch (kargs.exit_mode) {
	case EXIT_QEMU:
		/*
		 * QEMU exits with (value << 1) | 1, so 0x10 + status gives 33/35/37,
		 * never QEMU's own failure status 1.  Elsewhere nothing happens.
		 */
		outl(ISA_DEBUG_EXIT_PORT, ISA_DEBUG_EXIT_BASE + status);
		printk("# exit=qemu: no isa-debug-exit device, halting\n");
		break;
	case EXIT_REBOOT:
		reboot();
	case EXIT_POWEROFF:
		acpi_poweroff();
		printk("# exit=poweroff: no working ACPI S5 (FADT/DSDT), halting\n");
		break;
	case EXIT_HALT:
		break;
	}
	halt_forever();
}

void harness_error(const char *why)
{
	/* An error while exiting must not recurse. */
	if (exiting)
		halt_forever();
	printk("# pkrulab: harness error: %s\n", why);
	print_summary();
	harness_exit(EXIT_STATUS_HARNESS);
}
