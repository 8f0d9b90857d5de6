/*
 * hybrid: what Linux does since 5.14.  XCR0[9] stays 1, so user XSAVE and
 * signal frames still carry PKRU, but the kernel switches PKRU explicitly
 * (task->pkru, WRPKRU when it differs) and masks PKRU out of every XRSTOR
 * of its own.  Exposed both to forgotten writes and to any kernel XRSTOR
 * that forgets the mask (inject=reset_zero).
 */
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <kernel/fpu.h>
#include "strategy.h"

static void hybrid_task_init(struct task *t)
{
	fpu_init_area(t->xsave);
	/* The initial PKRU is whatever the initial XSAVE image holds. */
	t->pkru_in_image = true;
}

static void hybrid_switch_out(struct task *prev)
{
	fpu_save(prev->xsave, fpu_xfeatures());
	prev->pkru = rdpkru();
}

static void hybrid_switch_in(struct task *next, struct task *prev)
{
	fpu_restore(next->xsave, fpu_xfeatures() & ~XFEATURE_MASK_PKRU);
	pkru_switch_in(next, prev);
}

static u32 hybrid_get_pkru(struct task *t)
{
	if (t == current)
		return rdpkru();
	return t->pkru_in_image ? xstate_image_pkru(t->xsave, rdpkru()) : t->pkru;
}

static void hybrid_set_pkru(struct task *t, u32 pkru)
{
	t->pkru = pkru;
	t->pkru_in_image = false;
	if (t == current)
		wrpkru(pkru);
}

static void hybrid_fpu_reset(struct task *t) { fpu_reset_regs(true); }

const struct pkru_strategy strategy_hybrid = {
	.name = "hybrid",
	.config = CONFIG_HYBRID,
	.xcr0_pkru = true,
	.task_init = hybrid_task_init,
	.switch_out = hybrid_switch_out,
	.switch_in = hybrid_switch_in,
	.get_pkru = hybrid_get_pkru,
	.set_pkru = hybrid_set_pkru,
	.fpu_reset = hybrid_fpu_reset,
};
