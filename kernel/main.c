/*
 * pkrulab entry: bring the machine to a known state, read the arguments,
 * run the selected scenarios and end the run.
 */
#include <asm/apic.h>
#include <asm/timing.h>
#include <asm/cpufeature.h>
#include <asm/desc.h>
#include <asm/msr-index.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <asm/traps.h>
#include <asm/xstate.h>
#include <kernel/deviation.h>
#include <kernel/acpi.h>
#include <kernel/bench.h>
#include <kernel/cmdline.h>
#include <kernel/console.h>
#include <kernel/fpu.h>
#include <kernel/harness.h>
#include <kernel/mm.h>
#include <kernel/multiboot2.h>
#include <kernel/scenario.h>
#include <kernel/task.h>

void syscall_init(void);

#define PKRULAB_VERSION "0.1"

struct kargs kargs;
static bool pke_on;

bool pke_enabled(void) { return pke_on; }

/* As cpu_state_reset(), but XCR0 stays as the active strategy set it. */
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

static void cpu_setup(void)
{
	u64 cr0 = read_cr0(), cr4 = read_cr4();

	/* User tasks may use x87/SSE/AVX; the kernel itself never does. */
	cr0 = (cr0 | X86_CR0_MP | X86_CR0_NE | X86_CR0_WP) & ~(X86_CR0_EM | X86_CR0_TS);
	write_cr0(cr0);
	cr4 |= X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	write_cr4(cr4);
	if (cpu_has(X86_FEATURE_NX))
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NX);

	/*
	 * PKE before the first user mapping exists: QEMU TCG does not flush
	 * its TLB when PKE goes 0->1 (DESIGN.md, emulator defect 3).  Never
	 * set it without CPUID's word: QEMU hangs on a reserved CR4 bit.
	 */
	if (cpu_has(X86_FEATURE_PKU) && !inject_active(INJECT_NO_PKE)) {
		write_cr4(read_cr4() | X86_CR4_PKE);
		pke_on = true;
	}
	xstate_init();
}

static void parse_arguments(void)
{
	char err[KARGS_ERR_LEN], fw_err[KARGS_ERR_LEN];
	const char *fw;
	int bad_grub, bad_fw = 0;

	/*
	 * Both command lines are parsed before either error is reported, so
	 * that exit=qemu from run-qemu.sh still applies when a GRUB argument
	 * is bad and the run ends with status 2 instead of hanging.
	 */
	kargs_defaults(&kargs);
	bad_grub = kargs_parse(&kargs, boot_info.cmdline, err, sizeof(err));
	fw = fw_cfg_cmdline();
	if (fw)
		bad_fw = kargs_parse(&kargs, fw, fw_err, sizeof(fw_err));
	printk("# cmdline: %s%s%s\n", boot_info.cmdline ? boot_info.cmdline : "",
	       fw ? " " : "", fw ? fw : "");
	if (bad_grub)
		printk("pkrulab: bad kernel argument: %s\n", err);
	if (bad_fw)
		printk("pkrulab: bad kernel argument: %s\n", fw_err);
	if (bad_grub || bad_fw)
		harness_error("bad kernel argument");
}

static void print_boot_info(void)
{
	printk("# pkrulab %s: PKRU switching experiments (KTAP v1 follows)\n", PKRULAB_VERSION);
	printk("# boot: loader=\"%s\" firmware=%s memory=%llu MiB usable, top %#llx, "
	       "multiboot2 tags %#x\n", boot_info.loader ? boot_info.loader : "?",
	       boot_info.efi ? "uefi" : "bios", mm_total_pages() * PAGE_SIZE >> 20,
	       boot_info.mem_top, boot_info.tag_mask);
	if (boot_info.has_fb)
		printk("# boot: framebuffer %ux%u, %u bpp, type %u, pitch %u, at %#llx\n",
		       boot_info.fb_width, boot_info.fb_height, boot_info.fb_bpp, boot_info.fb_type,
		       boot_info.fb_pitch, boot_info.fb_addr);
	cpu_print_info();
	xstate_print_info();
	printk("# pku: %s\n", pke_on ? "CR4.PKE on" :
	       cpu_has(X86_FEATURE_PKU) ? "CR4.PKE off (inject=no_pke)" : "not supported by this CPU");
	printk("# run: configs=%#x inject=%s exit=%s consoles=%#x seed=%llu\n", kargs.configs,
	       inject_name(kargs.inject), exit_mode_name(kargs.exit_mode),
	       console_enabled_mask(), (u64)kargs.seed);
}

__noreturn void kmain(u32 magic, u64 info)
{
	const char *why = NULL;
	bool ok = multiboot2_parse(magic, info, &why);

	/* VGA text exists only when GRUB left text mode (BIOS boot). */
	vga_set_available(ok && (boot_info.has_fb ? boot_info.fb_type == MB2_FB_TYPE_EGA_TEXT
						    : !boot_info.efi));
	console_early_init();
	kargs_defaults(&kargs);
	if (!ok)
		harness_error(why);

	gdt_init();
	idt_init();
	user_run_init();
	cpu_detect();
	parse_arguments();
	cpu_setup();
	paging_init();
	console_init(kargs.consoles, !kargs.consoles_set);
	print_boot_info();
	acpi_init();
	pic_disable();
	if (!apic_init())
		printk("# apic: none (CPUID.1:EDX[9] = 0): task scenarios will SKIP\n");
	syscall_init();
	tasks_init();
	fpu_init();
	sched_timer_config(kargs.timer_hz, 0, 0);
	timing_init(fw_cfg_icount());

	platform_init();
	cpu_state_reset();
	int status = scenarios_run();

	benchmarks_run();
	print_summary();
	harness_exit(status);
}
