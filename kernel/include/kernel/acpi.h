/* ACPI: FADT reset and S5 power-off, MADT CPU count (kernel/acpi.c). */
#ifndef KERNEL_ACPI_H
#define KERNEL_ACPI_H

#include <asm/types.h>

struct acpi_info {
	u32 pm1a_cnt, pm1b_cnt;		/* I/O ports, 0 if none */
	u8 slp_typa, slp_typb;
	bool s5;
	u64 reset_port;			/* 0 if the FADT has no I/O reset register */
	u8 reset_value;
	u32 cpus;			/* enabled processors in the MADT */
};

extern struct acpi_info acpi;

void acpi_init(void);
/* Returns only if power-off did not happen. */
bool acpi_poweroff(void);
/* Write the FADT reset register, if there is one (may not return). */
void acpi_reset(void);

#endif
