/*
 * Task FPU state helpers shared by the PKRU strategies.  The injected bugs
 * that live in shared mechanisms are applied here, once, so that whether a
 * bug bites depends only on the design that uses the mechanism:
 *   reset_zero   fpu_reset_regs() also loads PKRU from the init image;
 *   init_skip    xstate_image_pkru() reads XSTATE_BV[9]=0 as "no PKRU";
 *   no_wrpkru,
 *   kthread_skip pkru_switch_in_injected() forgets the write (always /
 *                after a kernel-only task).
 */
#ifndef KERNEL_FPU_H
#define KERNEL_FPU_H

#include <asm/processor.h>
#include <asm/types.h>
#include <asm/xstate.h>
#include <kernel/params.h>
#include <kernel/smp.h>
#include <kernel/task.h>

/* PKRU after XRSTOR of an image with XSTATE_BV[9]=0 (SDM: init value). */
#define PKRU_HW_INIT	0u

void fpu_init(void);

/* The user state components in force: XCR0 as the strategy set it. */
static inline u64 fpu_xfeatures(void) { return xstate.xcr0; }
/*
 * Set when a switch left the incoming task's FPU state unloaded (the
 * xsave_deferred strategy): the SYSCALL fast exit then takes the slow
 * path, where exit_to_user() runs the strategy's return_to_user hook.
 */
/* Fresh image: every component in its init state (XSTATE_BV = 0). */
void fpu_init_area(void *area);
/* XSAVEOPT (or XSAVE) of the live registers, then PKRU=0 recorded as the
 * init state (XSTATE_BV[9]=0), as AMD's init tracking does in hardware
 * and QEMU 7.2 TCG never does: its XSAVE always sets XSTATE_BV[9]. */
void fpu_save(void *area, u64 rfbm);

static inline void fpu_restore(const void *area, u64 rfbm) { xrstor((void *)area, rfbm); }
/* Load the init image into the registers; PKRU kept unless keep_pkru is
 * false (or inject=reset_zero). */
void fpu_reset_regs(bool keep_pkru);

/*
 * Kernel SIMD use while a task's user state may be live (Linux's
 * kernel_fpu_begin()/kernel_fpu_end()): begin saves the current task's
 * user FPU state the way its design saves it at a switch-out, end brings
 * it back the way a switch-in does (xsave_deferred: at the return to user
 * mode).  In between the kernel may use any vector register; PKRU is not
 * touched, so keys the task denies stay denied.  No nesting, no sleeping,
 * interrupts off (system calls run so).  copy_page_simd() (<asm/pgtable.h>)
 * is the kernel's SIMD user: fork's page copies, SYS_kernel_fpu.
 */
/*
 * Register ownership, as Linux keeps it (fpregs_state_valid()): this
 * CPU's registers hold task t's user state when the CPU's owner is t and
 * t's last CPU is this one.  Both halves are needed: the owner alone
 * misses a task that ran elsewhere since (CPU0 -> CPU1 -> CPU0: CPU0's
 * owner is still t, its registers stale), the last CPU alone misses
 * another task's load here.  inject=fpu_owner_only drops the second half
 * (asked only where the first holds and the second does not).  t is the
 * task running here (it knows its CPU).
 */
static inline bool fpu_regs_valid(struct task *t)
{
	if (cpu_rqs[t->on_cpu].fpu_owner != t)
		return false;
	return t->last_cpu == t->on_cpu || inject_active(INJECT_FPU_OWNER_ONLY);
}

/* They are t's now (just loaded). */
static inline void fpu_regs_own(struct task *t)
{
	cpu_rqs[t->on_cpu].fpu_owner = t;
	t->last_cpu = t->on_cpu;
}

/* They are nobody's (kernel SIMD use, a kernel WRPKRU that stays). */
static inline void fpu_regs_clobbered(void) { this_rq()->fpu_owner = NULL; }

/* t's saved image was written: no CPU's registers are t's any more. */
void fpu_image_changed(struct task *t);

void kernel_fpu_begin(void);
void kernel_fpu_end(void);
/* PKRU an XSAVE image carries: its slot if XSTATE_BV[9]=1, else absent. */
static inline u32 xstate_image_pkru_or(const void *area, u32 absent)
{
	const struct xstate_header *h = xstate_hdr((void *)area);

	if (h->xstate_bv & XFEATURE_MASK_PKRU)
		return *(const u32 *)((const u8 *)area + xstate_pkru_offset());
	return absent;
}
/* ...absent meaning the init value 0 (inject=init_skip: "absent", so
 * fallback is used instead). */
static inline u32 xstate_image_pkru(const void *area, u32 fallback)
{
	return xstate_image_pkru_or(area, inject_active(INJECT_INIT_SKIP) ? fallback : PKRU_HW_INIT);
}
void xstate_image_set_pkru(void *area, u32 pkru);
/* Explicit switch-in write, Linux style: WRPKRU only if it differs. */
static inline void pkru_switch_in(struct task *next, struct task *prev)
{
	if (rdpkru() != next->pkru)
		wrpkru(next->pkru);
}

/*
 * The same with the injected bugs it is exposed to, and with a new task's
 * PKRU taken from its initial XSAVE image at its first run (init_skip's
 * fallback is the PKRU live at that moment).  The strategies hand it to
 * the scheduler instead of pkru_switch_in() while a bug is injected (see
 * pkru_strategy.switch_in_injected), so the real path has no such checks.
 */
void pkru_switch_in_injected(struct task *next, struct task *prev);

/* FPU reset for the current task with PKRU kept (most strategies' op). */
void fpu_task_reset(struct task *t);
/* Strategy operations shared by the designs that keep PKRU in the task. */
void pkru_task_init(struct task *t);
void pkru_task_switch_out(struct task *prev);
u32 pkru_task_get(struct task *t);
void pkru_task_set(struct task *t, u32 pkru);

#endif
