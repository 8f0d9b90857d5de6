/*
 * Choosing and calibrating the benchmark clock (see <asm/timing.h>).
 * Intel's fixed counter 1 counts unhalted core cycles in ring 0 and 3
 * once enabled in IA32_FIXED_CTR_CTRL and IA32_PERF_GLOBAL_CTRL; CR4.PCE
 * lets ring-3 benchmark code read it with RDPMC too.
 */
#include <asm/apic.h>
#include <asm/cpufeature.h>
#include <asm/cpuid.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <asm/safe.h>
#include <asm/timing.h>
#include <asm/traps.h>
#include <kernel/console.h>

#define X86_CR4_PCE		(1ul << 8)
#define FIXED_CTR1_ENABLE_ALL	(0x3ull << 4)	/* count in ring 0 and ring 3 */
#define GLOBAL_CTRL_FIXED1	(1ull << 33)
#define CALIBRATE_US		10000

enum time_unit time_unit = UNIT_TSC;
u64 tsc_hz;
static const char *tsc_source = "unknown";

static bool pmu_fixed_cycles_available(void)
{
	struct cpuid_regs r;

	if (!cpu_has(X86_FEATURE_ARCH_PERFMON))
		return false;
	r = cpuid(CPUID_LEAF_PMU);
	/* Version >= 2 and at least two fixed counters (EDX[4:0]). */
	return (r.eax & 0xff) >= 2 && (r.edx & 0x1f) >= 2;
}

/* Some hypervisors advertise a PMU and then fault on its MSRs: probe safely. */
static bool pmu_enable_fixed_cycles(void)
{
	u64 ctrl, global;

	if (safe_rdmsr(MSR_IA32_FIXED_CTR_CTRL, &ctrl) != PROBE_NO_FAULT ||
	    safe_rdmsr(MSR_IA32_PERF_GLOBAL_CTRL, &global) != PROBE_NO_FAULT)
		return false;
	if (safe_wrmsr(MSR_IA32_FIXED_CTR_CTRL, ctrl | FIXED_CTR1_ENABLE_ALL) != PROBE_NO_FAULT ||
	    safe_wrmsr(MSR_IA32_PERF_GLOBAL_CTRL, global | GLOBAL_CTRL_FIXED1) != PROBE_NO_FAULT)
		return false;
	/*
	 * Bochs 2.7 (tigerlake) lists two fixed counters and takes the MSR
	 * writes, then #GPs on RDPMC of fixed counter 1: read it once here.
	 */
	if (safe_rdpmc(PMC_FIXED_CORE_CYCLES, &ctrl) != PROBE_NO_FAULT) {
		printk("# timing: RDPMC(fixed counter 1) raised %s although CPUID(0xA) lists it: "
		       "using the TSC\n", exception_name(probe_trap.vector));
		return false;
	}
	return true;
}

static void tsc_calibrate(void)
{
	struct cpuid_regs r;
	u64 t0;

	if (boot_cpu.max_leaf >= CPUID_LEAF_TSC) {
		r = cpuid(CPUID_LEAF_TSC);
		if (r.eax && r.ebx && r.ecx) {
			tsc_hz = (u64)r.ecx * r.ebx / r.eax;
			tsc_source = "CPUID 0x15";
			return;
		}
	}
	/* CPUID 0x16: processor base frequency in MHz, the TSC rate on Intel. */
	if (boot_cpu.max_leaf >= CPUID_LEAF_FREQ && (cpuid(CPUID_LEAF_FREQ).eax & 0xffff)) {
		tsc_hz = (u64)(cpuid(CPUID_LEAF_FREQ).eax & 0xffff) * 1000000;
		tsc_source = "CPUID 0x16";
		return;
	}
	t0 = rdtsc();
	if (pit_delay_us(CALIBRATE_US)) {
		tsc_hz = (rdtsc() - t0) * (1000000 / CALIBRATE_US);
		tsc_source = "PIT-calibrated";
	}
}

void timing_init(bool icount)
{
	tsc_calibrate();
	if (icount) {
		time_unit = UNIT_INSTRUCTIONS;
	} else if (pmu_fixed_cycles_available() && pmu_enable_fixed_cycles()) {
		write_cr4(read_cr4() | X86_CR4_PCE);
		time_unit = UNIT_CORE_CYCLES;
	}
	printk("# timing: unit=%s tsc=%llu Hz (%s), %s TSC\n", time_unit_name(), tsc_hz,
	       tsc_source, cpu_has(X86_FEATURE_INVARIANT_TSC) ? "invariant" : "not invariant");
}

const char *time_unit_name(void)
{
	switch (time_unit) {
	case UNIT_CORE_CYCLES: return "core_cycles";
	case UNIT_INSTRUCTIONS: return "instructions";
	default: return "tsc";
	}
}
