/*
 * explicit: the design proposed in the seed thread.  XCR0[9] = 0, so no
 * XSAVE instruction can touch PKRU; the kernel keeps it in the task
 * (task->pkru = RDPKRU at switch-out, WRPKRU at switch-in when it
 * differs).  Immune to "anything that loads the FPU loads PKRU"; exposed
 * to every path that forgets the write (inject=no_wrpkru, kthread_skip),
 * and user XSAVE/XRSTOR no longer carry PKRU.
 */
#include <asm/processor.h>
#include <kernel/fpu.h>
#include "strategy.h"

static void explicit_task_init(struct task *t)
{
	fpu_init_area(t->xsave);
	/* The initial PKRU is whatever the initial XSAVE image holds. */
	t->pkru_in_image = true;
}

static void explicit_switch_out(struct task *prev)
{
	fpu_save(prev->xsave, fpu_xfeatures());
	prev->pkru = rdpkru();
}

static void explicit_switch_in(struct task *next, struct task *prev)
{
	fpu_restore(next->xsave, fpu_xfeatures());
	pkru_switch_in(next, prev);
}

static u32 explicit_get_pkru(struct task *t)
{
	if (t == current)
		return rdpkru();
	return t->pkru_in_image ? xstate_image_pkru(t->xsave, rdpkru()) : t->pkru;
}

static void explicit_set_pkru(struct task *t, u32 pkru)
{
	t->pkru = pkru;
	t->pkru_in_image = false;
	if (t == current)
		wrpkru(pkru);
}

static void explicit_fpu_reset(struct task *t) { fpu_reset_regs(true); }

const struct pkru_strategy strategy_explicit = {
	.name = "explicit",
	.config = CONFIG_EXPLICIT,
	.xcr0_pkru = false,
	.task_init = explicit_task_init,
	.switch_out = explicit_switch_out,
	.switch_in = explicit_switch_in,
	.get_pkru = explicit_get_pkru,
	.set_pkru = explicit_set_pkru,
	.fpu_reset = explicit_fpu_reset,
};
