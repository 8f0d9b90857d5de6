/*
 * Ring-3 probes: run a short piece of user code (in the .user section,
 * mapped with U/S=1) and come back with what happened.  Entry and exit go
 * through user_run_asm and user_run_return (arch/x86/user_entry.asm);
 * TSS.RSP0 points at a stack of its own so the trap frame pushed on the
 * way back never lands on the caller's live frames.
 */
#include <asm/desc.h>
#include <asm/processor.h>
#include <asm/safe.h>
#include <asm/traps.h>
#include <asm/processor-flags.h>
#include <asm/cpu.h>
#include <kernel/string.h>

extern u64 user_run_asm(u64 rip, u64 rsp, u64 a0, u64 a1, u64 a2);
extern __noreturn void user_run_return(u64 value);
extern u64 user_run_saved_rsp;

static u8 ring0_entry_stack[16384] __aligned(16);
static struct user_result *current_result;

void user_run_init(void)
{
	tss_set_rsp0((u64)&ring0_entry_stack[sizeof(ring0_entry_stack)]);
}

bool user_run_active(void) { return READ_ONCE(user_run_saved_rsp) != 0; }

void user_run_finish(struct pt_regs *r, int vector)
{
	struct user_result *res = current_result;

	res->vector = vector;
	res->error_code = vector == PROBE_NO_FAULT ? 0 : r->error_code;
	res->cr2 = vector == VEC_PF ? read_cr2() : 0;
	res->rip = r->rip;
	res->value = r->rax;
	user_run_return(0);
}

int user_run(const void *entry, void *stack_top, u64 a0, u64 a1, u64 a2,
	     struct user_result *res)
{
	u64 flags = irq_save();
	u32 kernel_pkru = 0;
	u64 cr0 = read_cr0();

	user_run_init();	/* tasks move TSS.RSP0 around */
	memset(res, 0, sizeof(*res));
	current_result = res;
	/*
	 * On a CPU that applies WD to supervisor pages (cpu_quirks.wd_supervisor)
	 * a ring-3 PKRU with WD for key 0 would make the exception push on the
	 * way back fault, and the #DF push after it: a triple fault.  WD binds
	 * supervisor writes only while CR0.WP=1, and CR0.WP never affects
	 * ring 3: run the probe with WP clear and take the kernel's PKRU back
	 * before setting it again.  Ring 3 sees exactly the SDM behaviour.
	 */
	if (cpu_quirks.wd_supervisor) {
		kernel_pkru = rdpkru();
		write_cr0(cr0 & ~X86_CR0_WP);
	}
	user_run_asm((u64)entry, (u64)stack_top, a0, a1, a2);
	if (cpu_quirks.wd_supervisor) {
		if (rdpkru() & PKRU_WD_BIT(0))
			wrpkru(kernel_pkru);
		write_cr0(cr0);
	}
	current_result = NULL;
	irq_restore(flags);
	return res->vector;
}
