/*
 * Deviations: the CPU or emulator doing what the SDM forbids.
 *
 * A deviation is its own outcome, distinct from a failure (a pkrulab or
 * design defect), a SKIP (CPUID says a feature is absent) and an expected
 * failure (# TODO).  A scenario reports one with deviation(); the cell then
 * prints "not ok N id # DEVIATION: ..." and counts as a deviation, not as
 * passed or failed.  Known deviations of known platforms are data
 * (tests/deviations.c): an unlisted one -- a new platform bug, or a known
 * one on a platform it was never seen on -- fails the run.
 *
 * The platform is identified once, from CPUID (hypervisor bit and
 * signature, brand string) and, for Bochs, which sets no hypervisor bit,
 * from its BIOS's ACPI OEM ID.
 */
#ifndef TESTS_LIB_DEVIATION_H
#define TESTS_LIB_DEVIATION_H

#include <asm/types.h>
#include <asm/cpu.h>
#include "scenario.h"

enum platform {
	PLATFORM_UNKNOWN,		/* bare metal or an unrecognised emulator */
	PLATFORM_QEMU_TCG,		/* hypervisor signature TCGTCGTCGTCG */
	PLATFORM_KVM,			/* hypervisor signature KVMKVMKVM */
	PLATFORM_BOCHS,			/* no hypervisor bit, ACPI OEM ID "BOCHS " */
	NR_PLATFORMS
};
#define ON(p)	(1u << (p))

struct known_deviation {
	const char *id;			/* stable: "area.what" */
	const char *sdm;		/* what the SDM/APM requires instead */
	u32 platforms;			/* ON(PLATFORM_x) where it is known */
};

/* The table (tests/deviations.c). */
extern const struct known_deviation known_deviations[];
extern const int nr_known_deviations;


enum platform platform(void);
const char *platform_name(enum platform p);
/* "# platform: ..." line, and the boot-time quirk probes. */
void platform_init(void);
void quirks_probe(void);

/* The table row for id, or NULL. */
const struct known_deviation *deviation_find(const char *id);
bool deviation_known(const char *id);

/*
 * Record a deviation in the current cell: prints
 * "# DEVIATION[id]: what (SDM: ...)", counts as a check made (not a
 * failure).  Returns false, so that it can stand where a check() stood.
 */
bool deviation(struct scenario_ctx *ctx, const char *id, const char *fmt, ...) __printf(3, 4);
/*
 * A cell that cannot run at all because of a deviation it would hit
 * (fatal here): records it and ends the cell; the line says DEVIATION
 * whatever the cell was expected to do.
 */
enum outcome deviation_not_run(struct scenario_ctx *ctx, const char *id, const char *fmt, ...)
	__printf(3, 4);

/*
 * A kernel running with PKRU that write-protects its own key on a CPU that
 * applies WD to supervisor pages dies at its next stack write (the #PF
 * push faults again, then the #DF push: triple fault).  True when writing
 * pkru in ring 0 would be fatal here.
 */
bool pkru_fatal_in_ring0(u32 pkru);
/* pkru with the key-0 bits that would be fatal here cleared. */
u32 pkru_ring0_safe(u32 pkru);

#endif
