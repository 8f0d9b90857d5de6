/*
 * pkrulab entry: bring the machine to a known state, read the arguments,
 * hand over to the test runner and end the run with its status.
 */
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/cpufeature.h>
#include <asm/desc.h>
#include <asm/fw_cfg.h>
#include <asm/pgtable.h>
#include <asm/processor-flags.h>
#include <asm/smp.h>
#include <asm/timing.h>
#include <asm/traps.h>
#include <asm/xstate.h>
#include <kernel/console.h>
#include <kernel/fpu.h>
#include <kernel/mm.h>
#include <kernel/multiboot2.h>
#include <kernel/panic.h>
#include <kernel/params.h>
#include <kernel/run.h>
#include <kernel/strategy/strategy.h>
#include <kernel/syscall.h>
#include <kernel/task.h>
#include <kernel/watchdog.h>


#define PKRULAB_VERSION "0.1"

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
	printk("# pku: %s\n", pke_enabled() ? "CR4.PKE on" :
	       cpu_has(X86_FEATURE_PKU) ? "CR4.PKE off (inject=no_pke)" : "not supported by this CPU");
	printk("# run: configs=%#x inject=%s exit=%s consoles=%#x seed=%llu\n", kargs.configs,
	       inject_name(kargs.inject), exit_mode_name(kargs.exit_mode),
	       console_enabled_mask(), (u64)kargs.seed);
	/* The signal policies every signal.* and linux.* verdict depends on. */
	printk("# signal: signal_abi=%s handler_pkru=", signal_abi_name(kargs.signal_abi));
	if (kargs.handler_pkru == HANDLER_PKRU_VALUE)
		printk("%#x", kargs.handler_pkru_value);
	else
		printk("%s", kargs.handler_pkru == HANDLER_PKRU_INHERIT ? "inherit" : "init");
	printk(" sigframe_pkru=%s (XCR0[9]=0 only; XCR0[9]=1 is hw)\n",
	       kargs.sigframe_pkru_set ? sigframe_pkru_name(kargs.sigframe_pkru) : "default");
}

__noreturn void kmain(u32 magic, u64 info)
{
	const char *why = NULL;
	bool ok = multiboot2_parse(magic, info, &why);
	u64 limit, video = 0, video_len = 0;

	/* VGA text exists only when GRUB left text mode (BIOS boot). */
	vga_set_available(ok && (boot_info.has_fb ? boot_info.fb_type == MB2_FB_TYPE_EGA_TEXT
						    : !boot_info.efi));
	console_early_init();
	kargs_defaults(&kargs);
	if (!ok)
		panic(why);
	/* Known at once, so that exit=poweroff works for an early harness error too. */
	acpi_set_rsdp(boot_info.rsdp, boot_info.rsdp_v2);

	gdt_init();
	idt_init();
	user_run_init();
	cpu_detect();
	params_init(boot_info.cmdline, fw_cfg_cmdline());
	cpu_setup(!inject_active(INJECT_NO_PKE));
	limit = paging_direct_map_limit(boot_info.mem_top);
	/* Page tables must come from below the 4 GiB the boot tables map. */
	mm_init(limit);
	if (boot_info.has_fb && boot_info.fb_type != MB2_FB_TYPE_EGA_TEXT) {
		video = boot_info.fb_addr;
		video_len = (u64)boot_info.fb_pitch * boot_info.fb_height;
	}
	paging_init(limit, video, video_len);
	console_init(kargs.consoles, !kargs.consoles_set);
	print_boot_info();
	strategy_print_info();
	acpi_init();
	pic_disable();
	if (!apic_init())
		printk("# apic: none (CPUID.1:EDX[9] = 0): task scenarios will SKIP, 1 CPU\n");
	else
		smp_init(kargs.smp, mm_low_page(),
			 inject_active(INJECT_AP_NO_PKE) ? X86_CR4_PKE : 0);
	syscall_init();
	tasks_init();
	fpu_init();
	sched_timer_config(kargs.timer_hz, 0, 0);
	timing_init(fw_cfg_icount());

	cpu_state_reset();
	watchdog_start(kargs.watchdog_s);
	kernel_exit(run_tests());
}
