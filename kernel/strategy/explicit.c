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

static void explicit_switch_in(struct task *next, struct task *prev)
{
	fpu_restore(next->xsave, fpu_xfeatures());
	pkru_switch_in(next, prev);
}

static void explicit_switch_in_injected(struct task *next, struct task *prev)
{
	fpu_restore(next->xsave, fpu_xfeatures());
	pkru_switch_in_injected(next, prev);
}

const struct pkru_strategy strategy_explicit = {
	.name = "explicit",
	.config = CONFIG_EXPLICIT,
	.what = "task->pkru = RDPKRU at switch-out, WRPKRU at switch-in",
	.xcr0_pkru = false,
	.switches_pkru = true,
	.wrpkru_at_switch_in = true,
	.sigframe_default = SIGFRAME_PKRU_SOFT,
	.task_init = pkru_task_init,
	.switch_out = pkru_task_switch_out,
	.switch_in = explicit_switch_in,
	.switch_in_injected = explicit_switch_in_injected,
	.get_pkru = pkru_task_get,
	.set_pkru = pkru_task_set,
	.fpu_reset = fpu_task_reset,
};
