/*
 * The I/O ports ring 3 never gets, whatever ioperm or iopl grant: those
 * pkrulab's kernel drives (a program writing them would corrupt its
 * console, timer or interrupts) and those that end the run (QEMU's
 * isa-debug-exit, ACPI power-off, the reset registers).  Linux gives a
 * privileged process every port; pkrulab keeps these so that no test can
 * end or wedge the run: ioperm of one is EPERM, and under iopl(3) an IN
 * or OUT to one is the #GP any closed port gives (SIGSEGV).
 */
#include <asm/acpi.h>
#include <asm/desc.h>

struct port_range {
	u16 first, last;
	const char *what;
};

static const struct port_range reserved[] = {
	{ 0x0020, 0x0021, "8259 PIC 1" },
	{ 0x0040, 0x0043, "8254 PIT" },
	{ 0x0060, 0x0060, "keyboard controller data" },
	{ 0x0061, 0x0061, "PIT gate (port B)" },
	{ 0x0064, 0x0064, "keyboard controller (reset)" },
	{ 0x0070, 0x0071, "CMOS/RTC and the NMI mask" },
	{ 0x00a0, 0x00a1, "8259 PIC 2" },
	{ 0x00f4, 0x00f7, "QEMU isa-debug-exit (ends the run)" },
	{ 0x03c0, 0x03df, "VGA (the text console's cursor)" },
	{ 0x03f8, 0x03ff, "COM1 (the console)" },
	{ 0x04d0, 0x04d1, "8259 edge/level control" },
	{ 0x0510, 0x051b, "QEMU fw_cfg" },
	{ 0x0cf8, 0x0cff, "PCI configuration and reset (0xcf9)" },
};

/* The FADT's registers: PM1a/PM1b control (S5 power-off) and the reset register. */
static bool acpi_port(u32 port)
{
	const u64 regs[] = { acpi.pm1a_cnt, acpi.pm1b_cnt, acpi.reset_port };

	for (unsigned i = 0; i < ARRAY_SIZE(regs); i++)
		if (regs[i] && port >= regs[i] && port <= regs[i] + 1)
			return true;
	return false;
}

const char *io_port_reserved(u32 port)
{
	for (unsigned i = 0; i < ARRAY_SIZE(reserved); i++)
		if (port >= reserved[i].first && port <= reserved[i].last)
			return reserved[i].what;
	return acpi_port(port) ? "ACPI power-off or reset register" : NULL;
}
