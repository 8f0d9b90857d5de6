/*
 * CPU features as data: each feature is a (leaf, subleaf, register, bit)
 * row in arch/x86/cpufeature.c, read once at boot.  Scenarios ask
 * cpu_has(X86_FEATURE_...) and SKIP with the feature's name when it is
 * missing.
 */
#ifndef ASM_CPUFEATURE_H
#define ASM_CPUFEATURE_H

#include <asm/types.h>

enum x86_feature {
	X86_FEATURE_FPU,
	X86_FEATURE_TSC,
	X86_FEATURE_MSR,
	X86_FEATURE_APIC,
	X86_FEATURE_FXSR,
	X86_FEATURE_SSE,
	X86_FEATURE_SSE2,
	X86_FEATURE_PCID,
	X86_FEATURE_X2APIC,
	X86_FEATURE_TSC_DEADLINE,
	X86_FEATURE_XSAVE,
	X86_FEATURE_AVX,
	X86_FEATURE_HYPERVISOR,
	X86_FEATURE_FSGSBASE,
	X86_FEATURE_SMEP,
	X86_FEATURE_SMAP,
	X86_FEATURE_AVX512F,
	X86_FEATURE_PKU,
	X86_FEATURE_PKS,
	X86_FEATURE_XSAVEOPT,
	X86_FEATURE_XSAVEC,
	X86_FEATURE_XGETBV1,
	X86_FEATURE_XSAVES,
	X86_FEATURE_PDPE1GB,
	X86_FEATURE_RDTSCP,
	X86_FEATURE_LM,
	X86_FEATURE_NX,
	X86_FEATURE_INVARIANT_TSC,
	X86_FEATURE_ARCH_PERFMON,
	NR_X86_FEATURES
};

struct cpu_info {
	char vendor[13];
	char brand[49];
	char hv_vendor[13];		/* hypervisor signature, "" on bare metal */
	u32 family, model, stepping;
	u32 max_leaf, max_ext_leaf;
	u64 features;			/* bit per enum x86_feature */
};

extern struct cpu_info boot_cpu;

void cpu_detect(void);
const char *cpu_feature_name(enum x86_feature f);
void cpu_print_info(void);

static inline bool cpu_has(enum x86_feature f)
{
	return boot_cpu.features & (1ull << f);
}

/* QEMU's software emulator: some checks must SKIP for its known defects. */
bool cpu_is_qemu_tcg(void);

#endif
