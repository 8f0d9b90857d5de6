/*
 * Exception dispatch.  Three outcomes for an exception:
 *  - a fault-safe probe (<asm/safe.h>) faulted: record it and resume after
 *    the probed instruction;
 *  - ring-3 code run by user_run() faulted: record it and return to the
 *    kernel code that started it;
 *  - a task's ring-3 code faulted, or used one of the gates ring 3 may
 *    use (INT3, INT 4, INT 0x80 outside a probe): the task gets the signal
 *    Linux gives for it (kernel/signal.c), so a user task can never end
 *    the run;
 *  - anything else is a kernel bug: dump state and stop with a harness
 *    error, so that a broken run can never pass.
 */
#include <asm/desc.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <asm/ptrace.h>
#include <asm/safe.h>
#include <asm/smp.h>
#include <asm/traps.h>
#include <kernel/console.h>
#include <kernel/panic.h>
#include <kernel/signal.h>
#include <kernel/task.h>

struct extable_entry { u64 insn, fixup; };
extern const struct extable_entry __start_ex_table[], __stop_ex_table[];

volatile struct trap_record probe_trap = { .vector = PROBE_NO_FAULT };
volatile u64 probe_exec_target;

static irq_handler_t irq_handlers[256];

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range", "#UD invalid opcode",
	"#NM device not available", "#DF double fault",
	"coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault",
	"#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 FPU error", "#AC alignment check", "#MC machine check",
	"#XM SIMD exception", "#VE virtualization", "#CP control protection",
	"reserved 22", "reserved 23", "reserved 24", "reserved 25",
	"reserved 26", "reserved 27", "#HV hypervisor injection",
	"#VC VMM communication", "#SX security", "reserved 31",
};

const char *exception_name(int vec)
{
	if (vec >= 0 && vec < 32)
		return exception_names[vec];
	return "interrupt";
}

int pf_error_decode(u64 ec, char *buf, size_t len)
{
	static const struct { u32 bit; const char *name; } bits[] = {
		{ PF_P, "P" }, { PF_W, "W" }, { PF_U, "U" }, { PF_RSVD, "RSVD" },
		{ PF_I, "I" }, { PF_PK, "PK" }, { PF_SS, "SS" }, { PF_SGX, "SGX" },
	};
	int n = 0;

	if (len)
		buf[0] = 0;
	for (size_t i = 0; i < ARRAY_SIZE(bits); i++)
		if (ec & bits[i].bit)
			n += snprintf(buf + n, n < (int)len ? len - n : 0, "%s%s",
				      n ? "|" : "", bits[i].name);
	if (!n)
		n = snprintf(buf, len, "none");
	return n;
}

static void describe_trap(const char *prefix, int vec, u64 ec, u64 cr2, u64 rip)
{
	char pf[48];

	if (vec == 14) {
		pf_error_decode(ec, pf, sizeof(pf));
		printk("%s%s error=%#llx (%s) cr2=%#llx rip=%#llx\n", prefix,
		       exception_name(vec), ec, pf, cr2, rip);
	} else {
		printk("%s%s error=%#llx rip=%#llx\n", prefix, exception_name(vec), ec, rip);
	}
}

static void dump_regs(const struct pt_regs *r)
{
	printk("# rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx\n", r->rax, r->rbx, r->rcx, r->rdx);
	printk("# rsi=%016llx rdi=%016llx rbp=%016llx rsp=%016llx\n", r->rsi, r->rdi, r->rbp, r->rsp);
	printk("# r8 =%016llx r9 =%016llx r10=%016llx r11=%016llx\n", r->r8, r->r9, r->r10, r->r11);
	printk("# r12=%016llx r13=%016llx r14=%016llx r15=%016llx\n", r->r12, r->r13, r->r14, r->r15);
	printk("# rip=%016llx cs=%llx rflags=%llx ss=%llx cr0=%llx cr3=%llx cr4=%llx\n",
	       r->rip, r->cs, r->rflags, r->ss, read_cr0(), read_cr3(), read_cr4());
}

static bool fixup_exception(struct pt_regs *r)
{
	for (const struct extable_entry *e = __start_ex_table; e < __stop_ex_table; e++) {
		if (e->insn != r->rip)
			continue;
		probe_trap.vector = r->vector;
		probe_trap.error_code = r->error_code;
		probe_trap.cr2 = r->vector == 14 ? read_cr2() : 0;
		probe_trap.rip = r->rip;
		r->rip = e->fixup;
		return true;
	}
	/* Instruction-fetch probe: the fault is on the call target itself. */
	if (probe_exec_target && r->rip == probe_exec_target) {
		probe_trap.vector = r->vector;
		probe_trap.error_code = r->error_code;
		probe_trap.cr2 = r->vector == 14 ? read_cr2() : 0;
		probe_trap.rip = r->rip;
		r->rip = *(u64 *)r->rsp;	/* emulate RET */
		r->rsp += 8;
		probe_exec_target = 0;
		return true;
	}
	return false;
}

static __noreturn void fatal_trap(struct pt_regs *r)
{
	/* The boot CPU is waiting for it (smp_call()): that one reports the loss. */
	if (smp_on_ap()) {
		describe_trap("# smp: AP stopped by ", r->vector, r->error_code,
			      r->vector == 14 ? read_cr2() : 0, r->rip);
		smp_ap_stop();
	}
	printk("# FATAL: unexpected %s in %s mode\n", exception_name(r->vector),
	       user_mode(r) ? "user" : "kernel");
	describe_trap("# FATAL: ", r->vector, r->error_code,
		      r->vector == 14 ? read_cr2() : 0, r->rip);
	dump_regs(r);
	panic("unexpected exception");
}

void irq_register(int vec, irq_handler_t fn) { irq_handlers[vec] = fn; }

static bool (*nmi_handler)(struct pt_regs *regs);

void nmi_set_handler(bool (*fn)(struct pt_regs *regs)) { nmi_handler = fn; }

/*
 * A single-step trap in ring 0.  The kernel never sets TF, so it came in
 * from ring 3 through an instruction that does not clear it before the
 * trap is taken: a CPU that raises the trap of a SYSCALL executed with TF
 * set after the switch to ring 0 (the #DB IST stack makes that safe), or
 * SYSENTER.  Clear TF and go on; the user's own RFLAGS keep TF, so
 * single-stepping resumes where it belongs, in ring 3.
 */
static bool kernel_single_step(struct pt_regs *r)
{
	static bool said;
	u64 dr6 = read_dr6();

	if (!(dr6 & DR6_BS) || (dr6 & DR6_TRAP_BITS))
		return false;
	write_dr6(DR6_RESERVED);
	r->rflags &= ~X86_EFLAGS_TF;
	if (!said) {
		said = true;
		printk("# traps: single-step trap in ring 0 at rip=%#llx (TF from ring 3): TF "
		       "cleared, the run goes on\n", r->rip);
	}
	return true;
}

extern const u8 isr_iret[], syscall_iret[];

/*
 * The IRETQ back to ring 3 faulted in ring 0: the frame it was loading is
 * one the user chose, e.g. a signal handler at a non-canonical address
 * (rt_sigaction takes any value, as Linux's does, and a CPU that checks
 * the return RIP raises the #GP before it leaves ring 0; QEMU TCG raises
 * it at the fetch, in ring 3).  The fault's own frame holds every user
 * register (they were restored just before the IRETQ) and its RSP points
 * at the frame IRETQ tried: together they are the user context, which
 * then takes the fault as ring 3 would, as Linux's fixup_bad_iret does.
 */
static bool bad_iret_fixup(struct pt_regs *r)
{
	const u64 *frame = (const u64 *)r->rsp;

	if (r->rip != (u64)isr_iret && r->rip != (u64)syscall_iret)
		return false;
	if ((r->vector != VEC_GP && r->vector != VEC_SS && r->vector != VEC_NP) ||
	    (frame[1] & 3) != 3 || current->kthread)
		return false;
	r->rip = frame[0];
	r->cs = frame[1];
	r->rflags = frame[2];
	r->rsp = frame[3];
	r->ss = frame[4];
	return true;
}

static __always_inline void handle_trap(struct pt_regs *r)
{
	int vec = r->vector;

	if (vec < 32) {
		if (!user_mode(r) && fixup_exception(r))
			return;
		if (!user_mode(r) && bad_iret_fixup(r)) {
			signal_user_exception(r);
			return;
		}
		if (vec == VEC_DB && !user_mode(r) && kernel_single_step(r))
			return;
		/* A ring-3 task's exception kills the task, never the kernel. */
		if (user_mode(r) && !current->kthread) {
			signal_user_exception(r);
			return;
		}
		fatal_trap(r);
	}
	/*
	 * INT 0x80 outside a probe: pkrulab has no 32-bit system calls, so
	 * ring 3 gets what Linux without IA32 emulation gives, the #GP of a
	 * gate it may not use (error code: the vector's IDT index, IDT bit
	 * set), reported at the INT instruction (CD 80, two bytes).
	 */
	if (vec == VEC_USER_EXIT && user_mode(r) && !current->kthread) {
		r->vector = VEC_GP;
		r->error_code = (VEC_USER_EXIT << 3) | 2;
		r->rip -= 2;
		signal_user_exception(r);
		return;
	}
	if (irq_handlers[vec]) {
		irq_handlers[vec](r);
		return;
	}
	if (vec == VEC_SPURIOUS)
		return;
	printk("# FATAL: unexpected interrupt vector %d\n", vec);
	dump_regs(r);
	panic("unexpected interrupt");
}

void (*trap_smp_hook)(struct pt_regs *r);

/* What needs no kernel lock: the NMI, and the interrupts that only poke
 * this CPU's own hardware (kernel/smp.c's lock-free vectors). */
void trap_handle_nolock(struct pt_regs *r)
{
	if (r->vector == VEC_NMI) {
		if (nmi_handler && nmi_handler(r))
			return;
		/* The front panel, or a platform watchdog: note it, do not end the run. */
		printk("# NMI received at rip=%#llx (%s mode): ignored\n", r->rip,
		       user_mode(r) ? "user" : "kernel");
		return;
	}
	handle_trap(r);
}

void trap_dispatch_locked(struct pt_regs *r)
{
	int vec = r->vector;

	if (user_mode(r) && user_run_active()) {
		if (vec == VEC_USER_EXIT)
			user_run_finish(r, PROBE_NO_FAULT);
		if (vec < 32)
			user_run_finish(r, vec);
	}
	if (vec == VEC_NMI) {
		trap_handle_nolock(r);
		return;
	}
	handle_trap(r);
	if (user_mode(r))
		exit_to_user_mode(r);
}

void trap_dispatch(struct pt_regs *r)
{
	if (__builtin_expect(trap_smp_hook != NULL, 0))
		trap_smp_hook(r);
	else
		trap_dispatch_locked(r);
}

extern void safe_call_asm(void *target);

int safe_call(void *target)
{
	probe_reset();
	safe_call_asm(target);
	return probe_result();
}
