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

static void hybrid_switch_in(struct task *next, struct task *prev)
{
	fpu_restore(next->xsave, fpu_xfeatures() & ~XFEATURE_MASK_PKRU);
	pkru_switch_in(next, prev);
}

static void hybrid_switch_in_injected(struct task *next, struct task *prev)
{
	fpu_restore(next->xsave, fpu_xfeatures() & ~XFEATURE_MASK_PKRU);
	pkru_switch_in_injected(next, prev);
}

const struct pkru_strategy strategy_hybrid = {
	.name = "hybrid",
	.config = CONFIG_HYBRID,
	.what = "explicit, kernel XRSTORs mask PKRU out (Linux >= 5.14)",
	.xcr0_pkru = true,
	.switches_pkru = true,
	.wrpkru_at_switch_in = true,
	.sigframe_default = SIGFRAME_PKRU_HW,
	.task_init = pkru_task_init,
	.switch_out = pkru_task_switch_out,
	.switch_in = hybrid_switch_in,
	.switch_in_injected = hybrid_switch_in_injected,
	.get_pkru = pkru_task_get,
	.set_pkru = pkru_task_set,
	.fpu_reset = fpu_task_reset,
};
