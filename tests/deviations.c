/*
 * Known deviations of known platforms: what a CPU or emulator was measured
 * doing against the SDM, as data (kernel/deviation.h).  A deviation a
 * scenario reports that is not listed here for the platform it runs on
 * fails the run, naming it; so does one listed only for another platform.
 * Measured with QEMU 7.2 TCG (Debian 12, -cpu max and named models) and
 * Bochs 2.7 (Debian 12, cpu model tigerlake).
 *
 * Not listed because the SDM allows it: QEMU's XSAVE setting XSTATE_BV[9]
 * even right after XRSTOR initialised PKRU (no init tracking; SDM vol. 1
 * 13.8.3: "XINUSE[i] may be set to 0 or 1"); xsave.init_tracking reports
 * which way a CPU goes.  Bochs's CPUID(0xD,0).EBX of 2752 for every XCR0
 * with bit 9 is not listed on its own: in the standard format a size
 * equal for 0x201 and 0x2e7 is what real CPUs report too (PKRU is the
 * highest component); it contradicts only CPUID(0xD,9), which is listed.
 */
#include "lib/deviation.h"

const struct known_deviation known_deviations[] = {
	{ "pku.ring0_ignores_ad",
	  "a ring-0 data access to a user page is checked against PKRU: AD=1 denies it "
	  "with #PF(PK) (vol. 3 4.6.2)",
	  ON(PLATFORM_BOCHS) },
	{ "pku.wd_supervisor",
	  "PKRU applies to user-mode pages only; supervisor pages ignore WD (vol. 3 4.6.2)",
	  ON(PLATFORM_BOCHS) },
	{ "pku.ad_supervisor",
	  "PKRU applies to user-mode pages only; supervisor pages ignore AD (vol. 3 4.6.2)",
	  0 },
	{ "pku.pk_user_to_supervisor",
	  "a ring-3 access to a supervisor page is a #PF for U/S alone: keys apply to "
	  "user-mode addresses only, so the error code has no PK (vol. 3 4.6.2, 4.7)",
	  ON(PLATFORM_BOCHS) },
	{ "pku.pke_enable_no_flush",
	  "once MOV to CR4 sets PKE, data accesses to user pages are checked against PKRU; "
	  "the TLB caches a page's key, not a PKRU verdict (vol. 3 4.6.2, 4.10.2.2)",
	  ON(PLATFORM_QEMU_TCG) },
	{ "xsave.cpuid_pkru_component",
	  "with CPUID(0xD,0).EAX[9]=1, CPUID(0xD,9) gives PKRU's size (8) in EAX and its "
	  "standard-format offset in EBX, inside the area (vol. 1 13.2)",
	  ON(PLATFORM_BOCHS) },
	{ "xsave.compacted_pkru_not_stored",
	  "XSAVEC/XSAVES with RFBM[9]=1 store PKRU at its compacted-format offset and set "
	  "XSTATE_BV[9] only for what they stored (vol. 1 13.10, 13.11)",
	  ON(PLATFORM_BOCHS) },
	{ "mxcsr.reserved_no_gp",
	  "XRSTOR that would load MXCSR with a reserved bit set raises #GP (vol. 1 13.8.1)",
	  ON(PLATFORM_QEMU_TCG) },
	{ "xsave.xsetbv_avx512_partial",
	  "XSETBV #GPs unless XCR0 bits 7:5 (opmask, ZMM_Hi256, Hi16_ZMM) are all set or "
	  "all clear (vol. 2 XSETBV)",
	  ON(PLATFORM_QEMU_TCG) },
};

const int nr_known_deviations = sizeof(known_deviations) / sizeof(known_deviations[0]);
