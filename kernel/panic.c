/*
 * Ending a run: exit=qemu (isa-debug-exit), exit=reboot, exit=poweroff
 * (ACPI S5), or exit=halt with the summary left on the screen (the
 * bare-metal default).  A mechanism that is missing falls through to a
 * halt with a line saying so.
 */
#include <asm/reboot.h>
#include <kernel/console.h>
#include <kernel/panic.h>
#include <kernel/params.h>

static bool exiting;
static void (*panic_hook)(void);

void panic_set_hook(void (*hook)(void)) { panic_hook = hook; }

void kernel_exit(int status)
{
	exiting = true;
	switch (kargs.exit_mode) {
	case EXIT_QEMU:
		machine_qemu_exit(status);
		printk("# exit=qemu: no isa-debug-exit device, halting\n");
		break;
	case EXIT_REBOOT:
		machine_restart();
	case EXIT_POWEROFF:
		machine_power_off();
		printk("# exit=poweroff: no working ACPI S5 (FADT/DSDT), halting\n");
		break;
	case EXIT_HALT:
		break;
	}
	machine_halt();
}

void panic(const char *why)
{
	/* A panic while exiting (or while panicking) must not recurse. */
	if (exiting)
		machine_halt();
	exiting = true;
	printk("# pkrulab: harness error: %s\n", why);
	/* No runner hooked in yet: nothing has run, and the last line says so. */
	if (panic_hook)
		panic_hook();
	else
		printk("pkrulab: 0 passed, 0 failed, 0 skipped, 0 deviations\n");
	exiting = false;
	kernel_exit(EXIT_STATUS_HARNESS);
}
