/*
 * The PKRU switching strategy interface: one implementation per
 * configuration, one small file each in kernel/strategy/, registered with
 * one line in kernel/strategy/list.h.  The scheduler, the system calls and
 * signal delivery go through this interface only, so no scenario knows
 * which design runs.  A strategy also describes itself: the command line,
 * the signal-frame policy, the expectation table (tests/expect.c) and the
 * boot line the report tool reads take what they need from here.
 */
#ifndef KERNEL_STRATEGY_H
#define KERNEL_STRATEGY_H

#include <kernel/cmdline.h>
#include <kernel/task.h>

struct pkru_strategy {
	const char *name;
	enum pkru_config config;
	const char *what;			/* how PKRU follows a task, one line */
	bool xcr0_pkru;				/* XCR0[9] while it runs */
	bool switches_pkru;			/* false: the negative control */
	bool wrpkru_at_switch_in;		/* PKRU kept in the task, WRPKRU at switch-in */
	/* Signal-frame PKRU while XCR0[9]=0 and no sigframe_pkru= says otherwise;
	 * with XCR0[9]=1 the frame's component 9 is always hardware-written. */
	enum sigframe_pkru_policy sigframe_default;
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
	/* The deferred FPU load, run on the way back to ring 3 when switch_in
	 * set TASK_WORK_FPU_LOAD (kernel/entry.c); NULL: loads are eager. */
	void (*return_to_user)(struct task *t);
	/* The task's PKRU as the kernel sees it, and a kernel-made change. */
	u32 (*get_pkru)(struct task *t);
	void (*set_pkru)(struct task *t, u32 pkru);
	/* Reset the current task's FPU state to init (what execve does). */
	void (*fpu_reset)(struct task *t);
};

#define STRATEGY(E, name) extern const struct pkru_strategy strategy_##name;
#include "list.h"
#undef STRATEGY

/* The registered descriptor of a configuration. */
const struct pkru_strategy *strategy_of(enum pkru_config c);
/* The signal-frame PKRU policy a configuration runs with (sigframe_pkru= applied). */
enum sigframe_pkru_policy strategy_sigframe_policy(enum pkru_config c);
/* The boot line naming every configuration in order ("# strategies: ..."). */
void strategy_print_info(void);

/* The active strategy (a copy of the template, see strategy_activate()). */
extern const struct pkru_strategy *strategy;

/* Activate a configuration: set XCR0[9] as it requires.  False (with a
 * reason) if this CPU cannot run it. */
bool strategy_activate(enum pkru_config c, const char **why);
void strategy_deactivate(void);

#endif
