/* ACPI: FADT reset and S5 power-off, MADT CPU count (arch/x86/acpi.c). */
#ifndef ASM_X86_ACPI_H
#define ASM_X86_ACPI_H

#include <asm/types.h>

#define ACPI_MAX_CPUS	64

struct acpi_info {
	u32 pm1a_cnt, pm1b_cnt;		/* I/O ports, 0 if none */
	u8 slp_typa, slp_typb;
	bool s5;
	u64 reset_port;			/* 0 if the FADT has no I/O reset register */
	u8 reset_value;
	u32 cpus;			/* enabled processors in the MADT */
	/* Their local APIC IDs, in MADT order (the first ACPI_MAX_CPUS). */
	u32 apic_ids[ACPI_MAX_CPUS];
	u32 nr_apic_ids;
};

extern struct acpi_info acpi;

/* Where the boot loader's RSDP copy is (0: none); set before any other call. */
void acpi_set_rsdp(u64 rsdp, bool v2);
/* Read the tables and report them (acpi_poweroff() does it if nobody has). */
void acpi_init(void);
/* Returns only if power-off did not happen. */
bool acpi_poweroff(void);
/* Write the FADT reset register, if there is one (may not return). */
void acpi_reset(void);

#endif
