/*
 * xsave_deferred: PKRU in the XSAVE area as in "xsave", but the XRSTOR is
 * deferred to the return to user mode, as Linux does for FPU state since
 * 5.2.  Between the switch and that return the registers -- PKRU included
 * -- still hold the previous task's values, so kernel work done for the
 * incoming task in that window (completing a sleep by writing to its
 * memory) runs under the wrong PKRU.  That is a property of the design;
 * the expectation table records it as a design finding.
 *
 * Like Linux it also skips the XRSTOR where the registers still hold the
 * task's state: this CPU's owner is the task and the task's last CPU is
 * this one (fpu_regs_valid(), kernel/fpu.c; the invariants are in the
 * README).  PKRU is in those registers, so every bug of that bookkeeping
 * is a PKRU bug in this design -- and only in this one.
 */
#include <asm/processor.h>
#include <kernel/fpu.h>
#include <kernel/smp.h>
#include "strategy.h"

static void deferred_task_init(struct task *t)
{
	fpu_init_area(t->xsave);
	t->fpu_loaded = false;
}

static void deferred_switch_out(struct task *prev)
{
	/* Not loaded: the area is still the authority, nothing to save. */
	if (prev->fpu_loaded)
		fpu_save(prev->xsave, fpu_xfeatures());
	prev->fpu_loaded = false;
}

static void deferred_switch_in(struct task *next, struct task *prev)
{
	next->fpu_loaded = false;
	next->work |= TASK_WORK_FPU_LOAD;
}

static void deferred_return_to_user(struct task *t)
{
	if (!t->fpu_loaded) {
		if (!fpu_regs_valid(t))
			fpu_restore(t->xsave, fpu_xfeatures());
		fpu_regs_own(t);
		t->fpu_loaded = true;
	}
}

static u32 deferred_get_pkru(struct task *t)
{
	if (t == current && t->fpu_loaded)
		return rdpkru();
	return xstate_image_pkru(t->xsave, rdpkru());
}

/* Into the saved image, out of line: the live case stays a WRPKRU. */
static __attribute__((noinline, cold)) void deferred_set_pkru_image(struct task *t, u32 pkru)
{
	xstate_image_set_pkru(t->xsave, pkru);
	fpu_image_changed(t);
}

static void deferred_set_pkru(struct task *t, u32 pkru)
{
	if (t == current && t->fpu_loaded)
		wrpkru(pkru);
	else
		deferred_set_pkru_image(t, pkru);
}

static void deferred_fpu_reset(struct task *t)
{
	deferred_return_to_user(t);
	fpu_reset_regs(true);
}

const struct pkru_strategy strategy_xsave_deferred = {
	.name = "xsave_deferred",
	.config = CONFIG_XSAVE_DEFERRED,
	.what = "in the XSAVE area, XRSTOR deferred to the return to user mode",
	.xcr0_pkru = true,
	.switches_pkru = true,
	.wrpkru_at_switch_in = false,
	.sigframe_default = SIGFRAME_PKRU_HW,
	.task_init = deferred_task_init,
	.switch_out = deferred_switch_out,
	.switch_in = deferred_switch_in,
	.return_to_user = deferred_return_to_user,
	.get_pkru = deferred_get_pkru,
	.set_pkru = deferred_set_pkru,
	.fpu_reset = deferred_fpu_reset,
};
