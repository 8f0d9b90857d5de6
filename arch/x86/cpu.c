/* Boot-CPU control state (asm/cpu.h). */
#include <asm/cpu.h>
#include <asm/cpufeature.h>
#include <asm/msr-index.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <asm/xstate.h>

static bool pke_on;
u64 pte_nx_mask;		/* <asm/pgtable.h>: PTE_NX once EFER.NXE is on */
struct cpu_quirks cpu_quirks;

bool pke_enabled(void) { return pke_on; }

void cpu_state_reset_keep_xcr0(void)
{
	write_cr0(read_cr0() | X86_CR0_WP);
	if (pke_on)
		wrpkru(0);
}

void cpu_state_reset(void)
{
	u64 cr4 = read_cr4();

	write_cr0(read_cr0() | X86_CR0_WP);
	if (pke_on != !!(cr4 & X86_CR4_PKE)) {
		write_cr4(pke_on ? cr4 | X86_CR4_PKE : cr4 & ~X86_CR4_PKE);
		flush_tlb_all();	/* QEMU TCG keeps stale TLB entries on PKE 0->1 */
	}
	if (xstate.enabled && xcr0_read() != xstate.user_default)
		xcr0_write(xstate.user_default);
	if (pke_on)
		wrpkru(0);
}

void cpu_setup(bool want_pke)
{
	u64 cr0 = read_cr0(), cr4 = read_cr4();

	/*
	 * User tasks may use x87/SSE/AVX; the kernel itself never does.  AM
	 * as in Linux: ring 3 that sets RFLAGS.AC gets #AC (SIGBUS) for a
	 * misaligned access; ring 0 is never alignment-checked.
	 */
	cr0 = (cr0 | X86_CR0_MP | X86_CR0_NE | X86_CR0_WP | X86_CR0_AM) &
	      ~(X86_CR0_EM | X86_CR0_TS);
	write_cr0(cr0);
	cr4 |= X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	write_cr4(cr4);
	if (cpu_has(X86_FEATURE_NX)) {
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NX);
		pte_nx_mask = PTE_NX;
	}
	/*
	 * Ring 3 may read and write its FS and GS bases (RDFSBASE, WRGSBASE),
	 * as on Linux since 5.9.  The kernel never uses either base, so it
	 * need not trust them; the scheduler keeps each task's across switches.
	 */
	if (cpu_has(X86_FEATURE_FSGSBASE))
		write_cr4(read_cr4() | X86_CR4_FSGSBASE);

	/*
	 * PKE before the first user mapping exists: QEMU 7.2 TCG does not
	 * flush its TLB when CR4.PKE goes 0->1, so entries cached earlier
	 * would keep full access.  Never set it without CPUID's word: QEMU
	 * hangs (instead of raising #GP) on a CR4 bit it treats as reserved.
	 */
	if (cpu_has(X86_FEATURE_PKU) && want_pke) {
		write_cr4(read_cr4() | X86_CR4_PKE);
		pke_on = true;
	}
	xstate_init();
}
