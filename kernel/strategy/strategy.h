/*
 * The PKRU switching strategy interface: one implementation per
 * configuration of DESIGN.md, one small file each in kernel/strategy/.
 * The scheduler, the system calls and (later) signal delivery go through
 * this interface only, so no scenario knows which design runs.
 */
#ifndef KERNEL_STRATEGY_H
#define KERNEL_STRATEGY_H

#include <kernel/cmdline.h>
#include <kernel/task.h>

struct pkru_strategy {
	const char *name;
	enum pkru_config config;
	bool xcr0_pkru;				/* XCR0[9] while it runs */
	/* Give a new ring-3 task its initial FPU and PKRU state. */
	void (*task_init)(struct task *t);
	/* Save the outgoing task's user state (prev is a ring-3 task). */
	void (*switch_out)(struct task *prev);
	/* Load (or arrange to load) the incoming ring-3 task's state. */
	void (*switch_in)(struct task *next, struct task *prev);
	/* switch_in with the injected bugs (inject=) it is exposed to, used in
	 * its place while one is: the real one carries no injection checks.
	 * NULL: switch_in has nothing to inject. */
	void (*switch_in_injected)(struct task *next, struct task *prev);
	/* Last chance before IRETQ to ring 3 (deferred restore); may be NULL. */
	void (*return_to_user)(struct task *t);
	/* The task's PKRU as the kernel sees it, and a kernel-made change. */
	u32 (*get_pkru)(struct task *t);
	void (*set_pkru)(struct task *t, u32 pkru);
	/* Reset the current task's FPU state to init (what execve does). */
	void (*fpu_reset)(struct task *t);
};

extern const struct pkru_strategy strategy_xsave, strategy_explicit, strategy_hybrid,
	strategy_xsave_deferred, strategy_unmanaged;

/* The active strategy (a copy of the template, see strategy_activate()). */
extern const struct pkru_strategy *strategy;

/* Activate a configuration: set XCR0[9] as it requires.  False (with a
 * reason) if this CPU cannot run it. */
bool strategy_activate(enum pkru_config c, const char **why);
void strategy_deactivate(void);

#endif
