/*
 * Platform identification and the deviation outcome (kernel/deviation.h).
 */
#include <stdarg.h>
#include <asm/cpufeature.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <kernel/console.h>
#include <kernel/multiboot2.h>
#include <kernel/string.h>
#include "deviation.h"

/* RSDP (ACPI 6.5, 5.2.5.3): OEM ID at byte 9, six characters. */
#define RSDP_SIG		"RSD PTR "
#define RSDP_OEM_OFFSET		9
#define RSDP_OEM_LEN		6
#define BOCHS_OEM		"BOCHS "

static enum platform detected = NR_PLATFORMS;	/* not yet known */

static const char *const platform_names[NR_PLATFORMS] = {
	[PLATFORM_UNKNOWN] = "unknown",
	[PLATFORM_QEMU_TCG] = "qemu-tcg",
	[PLATFORM_KVM] = "kvm",
	[PLATFORM_BOCHS] = "bochs",
};

const char *platform_name(enum platform p)
{
	return p < NR_PLATFORMS ? platform_names[p] : "?";
}

static bool firmware_oem_is(const char *oem)
{
	const char *r = (const char *)boot_info.rsdp;

	return r && !memcmp(r, RSDP_SIG, 8) && !memcmp(r + RSDP_OEM_OFFSET, oem, RSDP_OEM_LEN);
}

enum platform platform(void)
{
	if (detected != NR_PLATFORMS)
		return detected;
	if (!strcmp(boot_cpu.hv_vendor, "TCGTCGTCGTCG"))
		detected = PLATFORM_QEMU_TCG;
	else if (!strcmp(boot_cpu.hv_vendor, "KVMKVMKVM"))
		detected = PLATFORM_KVM;
	/*
	 * Bochs sets no hypervisor bit and copies a real CPU's brand string
	 * (tigerlake: "11th Gen Intel(R) Core(TM) i5-1135G7"), so CPUID alone
	 * cannot tell it from that CPU.  Its BIOS's ACPI tables say BOCHS;
	 * SeaBIOS says so too, but only under QEMU/KVM, which set the bit.
	 */
	else if (!cpu_has(X86_FEATURE_HYPERVISOR) && firmware_oem_is(BOCHS_OEM))
		detected = PLATFORM_BOCHS;
	else
		detected = PLATFORM_UNKNOWN;
	return detected;
}

void platform_init(void)
{
	printk("# platform: %s (hypervisor=%s, brand=\"%s\")\n", platform_name(platform()),
	       boot_cpu.hv_vendor[0] ? boot_cpu.hv_vendor : "none", boot_cpu.brand);
	quirks_probe();
}

const struct known_deviation *deviation_find(const char *id)
{
	for (int i = 0; i < nr_known_deviations; i++)
		if (!strcmp(known_deviations[i].id, id))
			return &known_deviations[i];
	return NULL;
}

bool deviation_known(const char *id)
{
	const struct known_deviation *d = deviation_find(id);

#ifdef PKRULAB_UNLIST_DEVIATION
	/* make UNLIST_DEVIATION=ID: this build's table lacks that row. */
	if (!strcmp(id, PKRULAB_UNLIST_DEVIATION))
		return false;
#endif
	return d && (d->platforms & ON(platform()));
}

static void record(struct scenario_ctx *ctx, const char *id, const char *fmt, va_list ap)
{
	const struct known_deviation *d = deviation_find(id);
	bool known = deviation_known(id);
	u32 row = d ? 1u << ((d - known_deviations) & 31) : 0;
	char buf[160];

	ctx->checks++;
	ctx->deviations++;
	if (!known)
		ctx->unknown_deviations++;
	/* One line per deviation and cell: loops over 16 keys say it once. */
	if (row && (ctx->deviation_seen & row))
		return;
	ctx->deviation_seen |= row;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	diag("DEVIATION[%s]: %s%s", id, buf,
	     known ? "" : " -- not a known deviation of this platform");
	diag("  SDM: %s", d ? d->sdm : "(id not in the known-deviation table)");
	if (!ctx->deviation[0] || (!known && ctx->unknown_deviations == 1))
		snprintf(ctx->deviation, sizeof(ctx->deviation), "%s: %s", id, buf);
}

bool deviation(struct scenario_ctx *ctx, const char *id, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(ctx, id, fmt, ap);
	va_end(ap);
	return false;
}

enum outcome deviation_not_run(struct scenario_ctx *ctx, const char *id, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(ctx, id, fmt, ap);
	va_end(ap);
	snprintf(ctx->reason, sizeof(ctx->reason), "not run: deviation %s", id);
	return OUTCOME_SKIP;
}

bool pkru_fatal_in_ring0(u32 pkru)
{
	return pkru_ring0_safe(pkru) != pkru;
}

u32 pkru_ring0_safe(u32 pkru)
{
	if (cpu_quirks.wd_supervisor && (read_cr0() & X86_CR0_WP))
		pkru &= ~PKRU_WD_BIT(0);
	if (cpu_quirks.ad_supervisor)
		pkru &= ~PKRU_AD_BIT(0);
	return pkru;
}
