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
 * end as the same read does on the boot CPU (a #PF with the PK bit, or,
 * on Bochs, its known deviation pku.ring0_ignores_ad, which pku.* judges)
 * while the read with the key open must not fault: keys enforced there,
 * with its own PKRU.  inject=ap_no_pke
 * (an AP started without CR4.PKE) must make it fail.  With one CPU in use
 * (smp=1, or a MADT that lists one) it SKIPs.
 *
 * lockup_detector: cpu0 spins with interrupts off, printing nothing, and
 * the watchdog on cpu1 (kernel/watchdog.c) must notice within its limit
 * (shortened to 500 ms for this cell) and say where cpu0 was, by NMI.
 * inject=spin_irqs_off spins without telling the watchdog it is a test:
 * the real lock-up path must then fail this cell and end the run with the
 * summary line.
 */
#include <asm/apic.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <asm/safe.h>
#include <asm/smp.h>
#include <asm/traps.h>
#include <kernel/params.h>
#include <kernel/usermem.h>
#include <kernel/watchdog.h>
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

/* The denied read on the boot CPU: what every AP must match. */
struct bsp_ref {
	u64 xcr0;
	int denied_fault;
	u64 denied_ec;
};

static void judge(struct scenario_ctx *ctx, u32 cpu, const struct ap_report *r,
		  const struct bsp_ref *b)
{
	u32 id = smp_cpu_apic_id(cpu);

	check(ctx, (r->cr4 & X86_CR4_PKE) == (read_cr4() & X86_CR4_PKE),
	      "cpu%u (APIC ID %u): CR4.PKE %s, the boot CPU's %s", cpu, id,
	      r->cr4 & X86_CR4_PKE ? "set" : "clear", read_cr4() & X86_CR4_PKE ? "set" : "clear");
	check(ctx, r->xgetbv_fault == PROBE_NO_FAULT && r->xcr0 == b->xcr0,
	      "cpu%u: XCR0 %#llx, the boot CPU's %#llx", cpu, r->xcr0, b->xcr0);
	if (!check(ctx, r->wr_fault == PROBE_NO_FAULT && r->rd_fault == PROBE_NO_FAULT,
		   "cpu%u: WRPKRU/RDPKRU raised %s/%s", cpu,
		   r->wr_fault == PROBE_NO_FAULT ? "nothing" : exception_name(r->wr_fault),
		   r->rd_fault == PROBE_NO_FAULT ? "nothing" : exception_name(r->rd_fault)))
		return;
	check(ctx, r->pkru_after == PKRU_AD_BIT(AP_KEY), "cpu%u: PKRU %#x after WRPKRU %#x",
	      cpu, r->pkru_after, PKRU_AD_BIT(AP_KEY));
	check(ctx, r->denied_fault == b->denied_fault &&
		   (r->denied_fault != VEC_PF || (r->denied_ec & PF_PK) == (b->denied_ec & PF_PK)),
	      "cpu%u: ring-0 read of a key-%d user page with AD set: %s (error %#llx), "
	      "on the boot CPU %s (error %#llx)", cpu, AP_KEY,
	      r->denied_fault == PROBE_NO_FAULT ? "no fault" : exception_name(r->denied_fault),
	      r->denied_ec,
	      b->denied_fault == PROBE_NO_FAULT ? "no fault" : exception_name(b->denied_fault),
	      b->denied_ec);
	check(ctx, r->open_fault == PROBE_NO_FAULT, "cpu%u: the same read with PKRU 0: %s", cpu,
	      r->open_fault == PROBE_NO_FAULT ? "no fault" : exception_name(r->open_fault));
}

static enum outcome pkru_per_cpu(struct scenario_ctx *ctx)
{
	const char *why = need_pku();
	struct ap_report r;
	struct bsp_ref b = { 0 };
	u32 n = smp_cpus_online(), bsp;
	u8 v;

	if (why)
		return skip(ctx, "%s", why);
	if (n < 2)
		return skip(ctx, "one CPU in use (smp=1, or the MADT lists one)");
	if (read_cr4() & X86_CR4_OSXSAVE)
		b.xcr0 = xgetbv(0);
	r.page = user_slot_map(0, AP_KEY, 0);
	if (set_pkru(ctx, PKRU_AD_BIT(AP_KEY))) {
		b.denied_fault = safe_read8(r.page, &v);
		b.denied_ec = probe_trap.error_code;
	}
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
		judge(ctx, cpu, &r, &b);
	}
	set_pkru(ctx, 0);
	user_slot_unmap(0);
	return verdict(ctx);
}
SCENARIO(smp, pkru_per_cpu, pkru_per_cpu,
	 "each CPU has its own PKRU, the boot CPU's CR4.PKE and XCR0, and enforces keys", 0);

#define LOCKUP_TEST_MS	500
#define LOCKUP_GIVE_UP_MS 20000

extern char __kernel_start[], __ktext_end[];

static enum outcome lockup_detector(struct scenario_ctx *ctx)
{
	u64 rip = 0, flags;
	bool seen = false;

	if (!watchdog_running())
		return skip(ctx, "no lock-up detector: one CPU in use (smp=1, or the MADT lists one)");
	flags = irq_save();
	if (inject_active(INJECT_SPIN_IRQS_OFF))
		for (;;)
			cpu_relax();
	watchdog_expect(true, LOCKUP_TEST_MS);
	/* No tick, no console line, no new cell: only the 1 ms PIT waits go by. */
	for (u32 ms = 0; ms < LOCKUP_GIVE_UP_MS && !(seen = watchdog_seen(&rip)); ms++)
		pit_delay_us(1000);
	watchdog_expect(false, 0);
	irq_restore(flags);
	if (check(ctx, seen, "cpu0 spun %u ms with interrupts off and no lock-up was reported",
		  LOCKUP_GIVE_UP_MS))
		check(ctx, rip >= (u64)__kernel_start && rip < (u64)__ktext_end,
		      "the lock-up NMI reported rip=%#llx, not in the kernel's text", rip);
	return verdict(ctx);
}
SCENARIO(smp, lockup_detector, lockup_detector,
	 "cpu1's watchdog notices cpu0 stuck with interrupts off, by NMI, and says where", 0);
