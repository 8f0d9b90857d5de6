/*
 * unmanaged: the negative control.  XCR0[9] = 0 and nobody switches PKRU:
 * every task runs with whatever the last WRPKRU left.  Each isolation
 * scenario must fail here, or it cannot see the breakage it claims to
 * check.
 */
#include <asm/processor.h>
#include <kernel/fpu.h>
#include "strategy.h"

static void unmanaged_task_init(struct task *t) { fpu_init_area(t->xsave); }

static void unmanaged_switch_out(struct task *prev) { fpu_save(prev->xsave, fpu_xfeatures()); }

static void unmanaged_switch_in(struct task *next, struct task *prev)
{
	fpu_restore(next->xsave, fpu_xfeatures());
}

static u32 unmanaged_get_pkru(struct task *t) { return rdpkru(); }

static void unmanaged_set_pkru(struct task *t, u32 pkru) { wrpkru(pkru); }

const struct pkru_strategy strategy_unmanaged = {
	.name = "unmanaged",
	.config = CONFIG_UNMANAGED,
	.what = "not switched at all: the negative control",
	.xcr0_pkru = false,
	.switches_pkru = false,
	.wrpkru_at_switch_in = false,
	.sigframe_default = SIGFRAME_PKRU_NONE,
	.task_init = unmanaged_task_init,
	.switch_out = unmanaged_switch_out,
	.switch_in = unmanaged_switch_in,
	.get_pkru = unmanaged_get_pkru,
	.set_pkru = unmanaged_set_pkru,
	.fpu_reset = fpu_task_reset,
};
