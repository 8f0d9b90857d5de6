/* Task FPU state helpers shared by the strategies (see <kernel/fpu.h>). */
#include <asm/cpufeature.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <asm/xstate.h>
#include <kernel/fpu.h>
#include <kernel/panic.h>
#include <kernel/params.h>
#include <kernel/smp.h>
#include <kernel/strategy/strategy.h>
#include <kernel/string.h>
#include <kernel/task.h>

static u8 init_image[XSTATE_BUF_MAX] __aligned(64);
static bool kfpu_active, kfpu_saved;

void kernel_fpu_begin(void)
{
	struct task *t = current;

	if (kfpu_active)
		panic("kernel_fpu_begin() inside a kernel FPU section");
	kfpu_active = true;
	/* A kernel-only task has no user state; inject=kfpu_nosave forgets it. */
	kfpu_saved = !t->kthread && !inject_active(INJECT_KFPU_NOSAVE);
	if (kfpu_saved)
		strategy->switch_out(t);
	/* The SIMD code clobbers the registers: nobody's state is in them. */
	if (!inject_active(INJECT_KFPU_KEEP_OWNER))
		fpu_regs_clobbered();
}

void kernel_fpu_end(void)
{
	struct task *t = current;

	if (kfpu_saved)
		strategy->switch_in(t, t);
	kfpu_active = false;
}

/*
 * t's saved image was written (sigreturn's, ptrace's, the kernel's PKRU
 * change): no CPU's registers are t's any more, wherever t last ran.
 * inject=fpu_invalidate_local forgets only this CPU's ownership -- the
 * shape of the bug Linux fixed in 2023 ("x86/fpu: Invalidate FPU state
 * correctly on exec()"), harmless on one CPU.
 */
void fpu_image_changed(struct task *t)
{
	if (inject_active(INJECT_FPU_INVALIDATE_LOCAL)) {
		if (this_rq()->fpu_owner == t)
			fpu_regs_clobbered();
		return;
	}
	t->last_cpu = NO_CPU;
}

void fpu_init_area(void *area)
{
	memset(area, 0, XSTATE_BUF_MAX);
	*(u16 *)area = FCW_DEFAULT;
	*(u32 *)((u8 *)area + XSAVE_MXCSR_OFFSET) = MXCSR_DEFAULT;
}

void fpu_init(void)
{
	fpu_init_area(init_image);
}

void fpu_save(void *area, u64 rfbm)
{
	struct xstate_header *h = xstate_hdr(area);

	/*
	 * XSAVE* write only the RFBM bits of XSTATE_BV.  A bit left over from
	 * an earlier save under another XCR0 (PKRU, with XCR0[9] now 0) would
	 * make the next XRSTOR #GP.
	 */
	h->xstate_bv = 0;
	if (cpu_has(X86_FEATURE_XSAVEOPT))
		xsaveopt(area, rfbm);
	else
		xsave(area, rfbm);
	if ((h->xstate_bv & XFEATURE_MASK_PKRU) &&
	    *(u32 *)((u8 *)area + xstate_pkru_offset()) == PKRU_HW_INIT)
		h->xstate_bv &= ~XFEATURE_MASK_PKRU;
}

void fpu_reset_regs(bool keep_pkru)
{
	u64 rfbm = fpu_xfeatures();

	if (keep_pkru && !inject_active(INJECT_RESET_ZERO))
		rfbm &= ~XFEATURE_MASK_PKRU;
	xrstor(init_image, rfbm);
}

void xstate_image_set_pkru(void *area, u32 pkru)
{
	*(u32 *)((u8 *)area + xstate_pkru_offset()) = pkru;
	xstate_hdr(area)->xstate_bv |= XFEATURE_MASK_PKRU;
}

/*
 * inject=pkru_per_cpu: PKRU taken for per-CPU state, like a control
 * register.  The value a task had when it left a CPU is kept for it in
 * that CPU's slot, and it gets back the one in the slot of the CPU it
 * runs on next: right while it stays on one CPU (a kernel write while it
 * was out included), stale -- its first value there -- after it moves.
 */
static void pkru_per_cpu_swap(struct task *next)
{
	u32 me = smp_processor_id();

	if (!next->switches_in) {
		for (u32 cpu = 0; cpu < MAX_CPUS; cpu++)
			next->pkru_on_cpu[cpu] = next->pkru;
	} else {
		next->pkru_on_cpu[next->pkru_cpu] = next->pkru;	/* what it left there */
	}
	next->pkru = next->pkru_on_cpu[me];
	next->pkru_cpu = me;
}

void pkru_switch_in_injected(struct task *next, struct task *prev)
{
	/* First run: the task's PKRU comes out of its initial XSAVE image. */
	if (next->pkru_in_image) {
		next->pkru = xstate_image_pkru(next->xsave, rdpkru());
		next->pkru_in_image = false;
	}
	if (inject_active(INJECT_PKRU_PER_CPU))
		pkru_per_cpu_swap(next);
	if (inject_active(INJECT_NO_WRPKRU))
		return;
	/* The bug: "a kernel thread never touches PKRU, so it is still right". */
	if (inject_active(INJECT_KTHREAD_SKIP) && prev->kthread)
		return;
	if (rdpkru() != next->pkru)
		wrpkru(next->pkru);
}

/*
 * The designs that keep PKRU in the task (explicit, hybrid) share these:
 * PKRU lives in task->pkru while the task is switched out, and in the
 * register while it runs.
 */
/* A task's FPU reset (execve-like): registers to init, PKRU kept. */
void fpu_task_reset(struct task *t)
{
	fpu_reset_regs(true);
}

void pkru_task_init(struct task *t)
{
	fpu_init_area(t->xsave);
	/*
	 * The initial PKRU is whatever the initial XSAVE image holds.  With a
	 * bug injected it is read at the first run instead (init_skip falls
	 * back to the PKRU live then).
	 */
	t->pkru_in_image = inject_hooked(INJECT_HOOK_SWITCH_IN);
	t->pkru = xstate_image_pkru(t->xsave, 0);
}

void pkru_task_switch_out(struct task *prev)
{
	fpu_save(prev->xsave, fpu_xfeatures());
	prev->pkru = rdpkru();
}

u32 pkru_task_get(struct task *t)
{
	if (t == current)
		return rdpkru();
	return t->pkru_in_image ? xstate_image_pkru(t->xsave, rdpkru()) : t->pkru;
}

void pkru_task_set(struct task *t, u32 pkru)
{
	t->pkru = pkru;
	t->pkru_in_image = false;
	if (t == current)
		wrpkru(pkru);
}
