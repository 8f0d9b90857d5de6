/*
 * Boot-time probes for the deviations that would otherwise take the
 * machine down (kernel/deviation.h, struct cpu_quirks).
 *
 * Each probe is shaped to survive the deviation it looks for: it denies
 * only QUIRK_KEY, never key 0, which every kernel page (stacks, IST
 * stacks, page tables) carries, and touches only one test page.  A CPU
 * that applies WD to supervisor pages faults on that page alone; the #PF
 * is pushed on a stack whose key stays writable.  What the probes find
 * decides how later scenarios keep the kernel alive (pkru_fatal_in_ring0,
 * user_run) and lets them name the deviation instead of failing; the
 * scenarios report it, the probes only measure.
 */
#include <asm/cpufeature.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <asm/safe.h>
#include <asm/traps.h>
#include <kernel/console.h>
#include "deviation.h"
#include <asm/cpu.h>
#include <kernel/usermem.h>
#include "testlib.h"

#define QUIRK_KEY	1
#define QUIRK_SLOT	0


void quirks_probe(void)
{
	volatile u8 *p;
	struct user_result r;
	int ring0;
	u8 v;

	if (!cpu_has(X86_FEATURE_PKU) || !pke_enabled()) {
		printk("# quirks: not probed (no PKU, or CR4.PKE off)\n");
		return;
	}
	p = user_slot_map(QUIRK_SLOT, QUIRK_KEY, 0);
	*p = 0;

	/* Ring-0 read of a user page whose key has AD; ring 3 as the control. */
	wrpkru(PKRU_AD_BIT(QUIRK_KEY));
	ring0 = safe_read8(p, &v);
	wrpkru(0);
	user_run(USER_SYM(user_pkru_access), user_probe_stack(), (u64)p,
		 PKRU_AD_BIT(QUIRK_KEY), ACCESS_READ, &r);
	wrpkru(0);
	cpu_quirks.ring0_ignores_ad = ring0 == PROBE_NO_FAULT && r.vector == VEC_PF &&
				  (r.error_code & PF_PK);

	/* The same page as a supervisor page: PKRU must not apply at all. */
	set_page_flags((u64)p, 0, PTE_U);
	wrpkru(PKRU_WD_BIT(QUIRK_KEY));
	cpu_quirks.wd_supervisor = safe_write8(p, 0x5a) == VEC_PF;
	wrpkru(PKRU_AD_BIT(QUIRK_KEY));
	cpu_quirks.ad_supervisor = safe_read8(p, &v) == VEC_PF;
	wrpkru(0);
	set_page_flags((u64)p, PTE_U, 0);
	user_slot_unmap(QUIRK_SLOT);
	cpu_quirks.probed = true;

	printk("# quirks: ring0_ignores_ad=%d wd_supervisor=%d ad_supervisor=%d "
	       "(probed with key %d denied, key 0 open)\n", cpu_quirks.ring0_ignores_ad,
	       cpu_quirks.wd_supervisor, cpu_quirks.ad_supervisor, QUIRK_KEY);
}
