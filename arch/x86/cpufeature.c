/*
 * CPU feature detection, table driven.  One row per feature; a leaf above
 * the CPU's maximum (basic or extended) reads as "absent" rather than as
 * whatever the CPU returns for out-of-range leaves.
 */
#include <asm/cpufeature.h>
#include <asm/cpuid.h>
#include <asm/processor.h>
#include <kernel/console.h>
#include <kernel/string.h>

struct cpu_info boot_cpu;

static const struct feature_desc {
	const char *name;
	u32 leaf, subleaf;
	u8 reg, bit;
} feature_table[NR_X86_FEATURES] = {
	[X86_FEATURE_FPU]	   = { "fpu",	    CPUID_LEAF_FEATURES, 0, CPUID_EDX, 0 },
	[X86_FEATURE_TSC]	   = { "tsc",	    CPUID_LEAF_FEATURES, 0, CPUID_EDX, 4 },
	[X86_FEATURE_MSR]	   = { "msr",	    CPUID_LEAF_FEATURES, 0, CPUID_EDX, 5 },
	[X86_FEATURE_APIC]	   = { "apic",	    CPUID_LEAF_FEATURES, 0, CPUID_EDX, 9 },
	[X86_FEATURE_FXSR]	   = { "fxsr",	    CPUID_LEAF_FEATURES, 0, CPUID_EDX, 24 },
	[X86_FEATURE_SSE]	   = { "sse",	    CPUID_LEAF_FEATURES, 0, CPUID_EDX, 25 },
	[X86_FEATURE_SSE2]	   = { "sse2",	    CPUID_LEAF_FEATURES, 0, CPUID_EDX, 26 },
	[X86_FEATURE_PCID]	   = { "pcid",	    CPUID_LEAF_FEATURES, 0, CPUID_ECX, 17 },
	[X86_FEATURE_X2APIC]	   = { "x2apic",    CPUID_LEAF_FEATURES, 0, CPUID_ECX, 21 },
	[X86_FEATURE_TSC_DEADLINE] = { "tsc_deadline", CPUID_LEAF_FEATURES, 0, CPUID_ECX, 24 },
	[X86_FEATURE_XSAVE]	   = { "xsave",	    CPUID_LEAF_FEATURES, 0, CPUID_ECX, 26 },
	[X86_FEATURE_AVX]	   = { "avx",	    CPUID_LEAF_FEATURES, 0, CPUID_ECX, 28 },
	[X86_FEATURE_HYPERVISOR]   = { "hypervisor", CPUID_LEAF_FEATURES, 0, CPUID_ECX, 31 },
	[X86_FEATURE_FSGSBASE]	   = { "fsgsbase",  CPUID_LEAF_EXT_FEATURES, 0, CPUID_EBX, 0 },
	[X86_FEATURE_SMEP]	   = { "smep",	    CPUID_LEAF_EXT_FEATURES, 0, CPUID_EBX, 7 },
	[X86_FEATURE_SMAP]	   = { "smap",	    CPUID_LEAF_EXT_FEATURES, 0, CPUID_EBX, 20 },
	[X86_FEATURE_AVX512F]	   = { "avx512f",   CPUID_LEAF_EXT_FEATURES, 0, CPUID_EBX, 16 },
	[X86_FEATURE_PKU]	   = { "pku",	    CPUID_LEAF_EXT_FEATURES, 0, CPUID_ECX, 3 },
	[X86_FEATURE_PKS]	   = { "pks",	    CPUID_LEAF_EXT_FEATURES, 0, CPUID_ECX, 31 },
	[X86_FEATURE_XSAVEOPT]	   = { "xsaveopt",  CPUID_LEAF_XSTATE, 1, CPUID_EAX, 0 },
	[X86_FEATURE_XSAVEC]	   = { "xsavec",    CPUID_LEAF_XSTATE, 1, CPUID_EAX, 1 },
	[X86_FEATURE_XGETBV1]	   = { "xgetbv1",   CPUID_LEAF_XSTATE, 1, CPUID_EAX, 2 },
	[X86_FEATURE_XSAVES]	   = { "xsaves",    CPUID_LEAF_XSTATE, 1, CPUID_EAX, 3 },
	[X86_FEATURE_PDPE1GB]	   = { "pdpe1gb",   CPUID_LEAF_EXT_FEAT, 0, CPUID_EDX, 26 },
	[X86_FEATURE_RDTSCP]	   = { "rdtscp",    CPUID_LEAF_EXT_FEAT, 0, CPUID_EDX, 27 },
	[X86_FEATURE_LM]	   = { "lm",	    CPUID_LEAF_EXT_FEAT, 0, CPUID_EDX, 29 },
	[X86_FEATURE_NX]	   = { "nx",	    CPUID_LEAF_EXT_FEAT, 0, CPUID_EDX, 20 },
	[X86_FEATURE_INVARIANT_TSC] = { "invariant_tsc", CPUID_LEAF_APM, 0, CPUID_EDX, 8 },
	[X86_FEATURE_ARCH_PERFMON] = { "arch_perfmon", CPUID_LEAF_PMU, 0, CPUID_EAX, 0 },
};

static u32 reg_of(struct cpuid_regs r, int reg)
{
	switch (reg) {
	case CPUID_EAX: return r.eax;
	case CPUID_EBX: return r.ebx;
	case CPUID_ECX: return r.ecx;
	default:	return r.edx;
	}
}

static void copy_regs_str(char *dst, const u32 *regs, int n)
{
	memcpy(dst, regs, n * 4);
	dst[n * 4] = 0;
}

void cpu_detect(void)
{
	struct cpuid_regs r = cpuid(CPUID_LEAF_VENDOR);
	u32 v[3] = { r.ebx, r.edx, r.ecx };
	u32 sig;

	boot_cpu.max_leaf = r.eax;
	copy_regs_str(boot_cpu.vendor, v, 3);
	boot_cpu.max_ext_leaf = cpuid(CPUID_LEAF_EXT_MAX).eax;

	sig = cpuid(CPUID_LEAF_FEATURES).eax;
	boot_cpu.family = (sig >> 8) & 0xf;
	boot_cpu.model = (sig >> 4) & 0xf;
	boot_cpu.stepping = sig & 0xf;
	if (boot_cpu.family == 0xf)
		boot_cpu.family += (sig >> 20) & 0xff;
	if (boot_cpu.family >= 6)
		boot_cpu.model |= ((sig >> 16) & 0xf) << 4;

	if (boot_cpu.max_ext_leaf >= CPUID_LEAF_BRAND0 + 2) {
		u32 b[12];

		for (int i = 0; i < 3; i++) {
			struct cpuid_regs br = cpuid(CPUID_LEAF_BRAND0 + i);

			b[i * 4] = br.eax;
			b[i * 4 + 1] = br.ebx;
			b[i * 4 + 2] = br.ecx;
			b[i * 4 + 3] = br.edx;
		}
		copy_regs_str(boot_cpu.brand, b, 12);
	}

	boot_cpu.features = 0;
	for (int f = 0; f < NR_X86_FEATURES; f++) {
		const struct feature_desc *d = &feature_table[f];
		u32 max = d->leaf >= CPUID_LEAF_EXT_MAX ? boot_cpu.max_ext_leaf : boot_cpu.max_leaf;

		if (d->leaf > max)
			continue;
		if (reg_of(cpuid_count(d->leaf, d->subleaf), d->reg) & (1u << d->bit))
			boot_cpu.features |= 1ull << f;
	}
	/* CPUID(0xA).EAX is a version number, not a flag: 0 means no PMU. */
	if (boot_cpu.max_leaf >= CPUID_LEAF_PMU && (cpuid(CPUID_LEAF_PMU).eax & 0xff))
		boot_cpu.features |= 1ull << X86_FEATURE_ARCH_PERFMON;
	else
		boot_cpu.features &= ~(1ull << X86_FEATURE_ARCH_PERFMON);

	if (cpu_has(X86_FEATURE_HYPERVISOR)) {
		r = cpuid(CPUID_LEAF_HV_BASE);
		v[0] = r.ebx;
		v[1] = r.ecx;
		v[2] = r.edx;
		copy_regs_str(boot_cpu.hv_vendor, v, 3);
	}
}

const char *cpu_feature_name(enum x86_feature f)
{
	return f < NR_X86_FEATURES ? feature_table[f].name : "?";
}

bool cpu_is_qemu_tcg(void)
{
	return !strcmp(boot_cpu.hv_vendor, "TCGTCGTCGTCG");
}

void cpu_print_info(void)
{
	char line[512];
	int n = 0;

	printk("# cpu: vendor=%s family=%#x model=%#x stepping=%u hypervisor=%s\n",
	       boot_cpu.vendor, boot_cpu.family, boot_cpu.model, boot_cpu.stepping,
	       boot_cpu.hv_vendor[0] ? boot_cpu.hv_vendor : "none");
	if (boot_cpu.brand[0])
		printk("# cpu: brand=\"%s\"\n", boot_cpu.brand);
	for (int f = 0; f < NR_X86_FEATURES; f++)
		n += snprintf(line + n, sizeof(line) - n, " %s%s",
			      cpu_has(f) ? "+" : "-", feature_table[f].name);
	printk("# cpu: features:%s\n", line);
}
