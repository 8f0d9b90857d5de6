/*
 * xsave: PKRU is XSAVE state component 9 (XCR0[9] = 1) and follows the task
 * inside its XSAVE area, saved and loaded with the FPU registers at every
 * switch.  What this design gets for free: the init state, user XSAVE and
 * signal frames all carry PKRU.  What it risks: any code that loads FPU
 * state with PKRU in RFBM loads PKRU too (inject=reset_zero); its FPU
 * reset therefore leaves PKRU out, a permission not being FPU state.
 */
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <kernel/fpu.h>
#include "strategy.h"

static void xsave_task_init(struct task *t) { fpu_init_area(t->xsave); }

static void xsave_switch_out(struct task *prev) { fpu_save(prev->xsave, fpu_xfeatures()); }

static void xsave_switch_in(struct task *next, struct task *prev)
{
	fpu_restore(next->xsave, fpu_xfeatures());
}

static u32 xsave_get_pkru(struct task *t)
{
	return t == current ? rdpkru() : xstate_image_pkru(t->xsave, rdpkru());
}

static void xsave_set_pkru(struct task *t, u32 pkru)
{
	if (t == current)
		wrpkru(pkru);
	else
		xstate_image_set_pkru(t->xsave, pkru);
}

const struct pkru_strategy strategy_xsave = {
	.name = "xsave",
	.config = CONFIG_XSAVE,
	.what = "in the task's XSAVE area, saved and loaded with the FPU state",
	.xcr0_pkru = true,
	.switches_pkru = true,
	.wrpkru_at_switch_in = false,
	.sigframe_default = SIGFRAME_PKRU_HW,
	.task_init = xsave_task_init,
	.switch_out = xsave_switch_out,
	.switch_in = xsave_switch_in,
	.get_pkru = xsave_get_pkru,
	.set_pkru = xsave_set_pkru,
	.fpu_reset = fpu_task_reset,
};
