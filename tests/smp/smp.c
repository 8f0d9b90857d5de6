/*
 * smp.* -- what several CPUs add to the PKRU argument.
 *
 * pkru_per_cpu: PKRU is state of each logical processor (SDM vol. 3,
 * 2.7 and 4.6.2), and so are CR4.PKE and XCR0: every design's correctness
 * on SMP rests on each CPU being set up like the boot CPU and on a WRPKRU
 * on one CPU leaving the others alone.  For every application processor
 * online: the boot CPU holds one PKRU while the AP writes another and
 * reads it back; the AP's CR4.PKE and XCR0 must equal the boot CPU's; and
 * on the AP a ring-0 read of a user page whose key its PKRU denies must
 * fault with the PK error-code bit while the same read with the key open
 * must not (keys enforced there, with its own PKRU).  inject=ap_no_pke
 * (an AP started without CR4.PKE) must make it fail.  With one CPU in use
 * (smp=1, or a MADT that lists one) it SKIPs.
 */
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <asm/safe.h>
#include <asm/smp.h>
#include <asm/traps.h>
#include <kernel/usermem.h>
#include "../lib/testlib.h"

SUITE(smp, 90, "several CPUs: per-CPU PKRU and control state");

#define AP_TIMEOUT_US	500000
#define BSP_PKRU	0x0000000cu	/* key 1 denied (AD|WD) on the boot CPU */
#define AP_KEY		3

/* What the AP saw, for the boot CPU to judge. */
struct ap_report {
	volatile u8 *page;		/* a user page with key AP_KEY */
	u64 cr4, xcr0;
	int xgetbv_fault, wr_fault, rd_fault;	/* PROBE_NO_FAULT or the vector */
	u32 pkru_after;
	int denied_fault, open_fault;	/* the reads of page */
	u64 denied_ec;
};

static void ap_probe(void *arg)
{
	struct ap_report *r = arg;
	u8 v;

	r->cr4 = read_cr4();
	r->xcr0 = 0;
	r->xgetbv_fault = (r->cr4 & X86_CR4_OSXSAVE) ? safe_xgetbv(0, &r->xcr0) : PROBE_NO_FAULT;
	/* The boot CPU changed the page's key: this CPU may still cache the old PTE. */
	invlpg((const void *)r->page);
	r->wr_fault = safe_wrpkru_regs(PKRU_AD_BIT(AP_KEY), 0, 0);
	r->rd_fault = safe_rdpkru_ecx(0, &r->pkru_after);
	r->denied_fault = safe_read8(r->page, &v);
	r->denied_ec = probe_trap.error_code;
	safe_wrpkru_regs(0, 0, 0);
	r->open_fault = safe_read8(r->page, &v);
}

static void judge(struct scenario_ctx *ctx, u32 cpu, const struct ap_report *r, u64 bsp_xcr0)
{
	u32 id = smp_cpu_apic_id(cpu);

	check(ctx, (r->cr4 & X86_CR4_PKE) == (read_cr4() & X86_CR4_PKE),
	      "cpu%u (APIC ID %u): CR4.PKE %s, the boot CPU's %s", cpu, id,
	      r->cr4 & X86_CR4_PKE ? "set" : "clear", read_cr4() & X86_CR4_PKE ? "set" : "clear");
	check(ctx, r->xgetbv_fault == PROBE_NO_FAULT && r->xcr0 == bsp_xcr0,
	      "cpu%u: XCR0 %#llx, the boot CPU's %#llx", cpu, r->xcr0, bsp_xcr0);
	if (!check(ctx, r->wr_fault == PROBE_NO_FAULT && r->rd_fault == PROBE_NO_FAULT,
		   "cpu%u: WRPKRU/RDPKRU raised %s/%s", cpu,
		   r->wr_fault == PROBE_NO_FAULT ? "nothing" : exception_name(r->wr_fault),
		   r->rd_fault == PROBE_NO_FAULT ? "nothing" : exception_name(r->rd_fault)))
		return;
	check(ctx, r->pkru_after == PKRU_AD_BIT(AP_KEY), "cpu%u: PKRU %#x after WRPKRU %#x",
	      cpu, r->pkru_after, PKRU_AD_BIT(AP_KEY));
	check(ctx, r->denied_fault == VEC_PF && (r->denied_ec & PF_PK),
	      "cpu%u: ring-0 read of a key-%d user page with AD set: %s (error %#llx), "
	      "want #PF with PK", cpu, AP_KEY,
	      r->denied_fault == PROBE_NO_FAULT ? "no fault" : exception_name(r->denied_fault),
	      r->denied_ec);
	check(ctx, r->open_fault == PROBE_NO_FAULT, "cpu%u: the same read with PKRU 0: %s", cpu,
	      r->open_fault == PROBE_NO_FAULT ? "no fault" : exception_name(r->open_fault));
}

static enum outcome pkru_per_cpu(struct scenario_ctx *ctx)
{
	const char *why = need_pku();
	struct ap_report r;
	u64 bsp_xcr0 = 0;
	u32 n = smp_cpus_online(), bsp;

	if (why)
		return skip(ctx, "%s", why);
	if (n < 2)
		return skip(ctx, "one CPU in use (smp=1, or the MADT lists one)");
	if (read_cr4() & X86_CR4_OSXSAVE)
		bsp_xcr0 = xgetbv(0);
	r.page = user_slot_map(0, AP_KEY, 0);
	for (u32 cpu = 1; cpu < MAX_CPUS; cpu++) {
		int rc;

		if (smp_cpu_apic_id(cpu) == ~0u)
			break;
		if (!set_pkru(ctx, BSP_PKRU))
			break;
		rc = smp_call(cpu, ap_probe, &r, AP_TIMEOUT_US);
		if (rc == -1)
			continue;		/* never came up: reported at boot */
		if (!check(ctx, rc == 0, "cpu%u (APIC ID %u) did not finish in %u ms: stopped or hung",
			   cpu, smp_cpu_apic_id(cpu), AP_TIMEOUT_US / 1000))
			continue;
		bsp = get_pkru(ctx);
		check(ctx, bsp == BSP_PKRU,
		      "the boot CPU's PKRU is %#x after cpu%u's WRPKRU, want %#x", bsp, cpu, BSP_PKRU);
		judge(ctx, cpu, &r, bsp_xcr0);
	}
	set_pkru(ctx, 0);
	user_slot_unmap(0);
	return verdict(ctx);
}
SCENARIO(smp, pkru_per_cpu, pkru_per_cpu,
	 "each CPU has its own PKRU, the boot CPU's CR4.PKE and XCR0, and enforces keys", 0);
