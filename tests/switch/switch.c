/*
 * switch.* -- two ring-3 tasks with different PKRU values, run under every
 * configuration (kernel/strategy/), must each keep their own PKRU:
 *
 *   yield         across SYS_yield switches;
 *   preempt       across >= 10,000 timer-driven switches at random points
 *                 (random one-shot APIC periods), both tasks re-writing and
 *                 re-checking PKRU in a loop;
 *   kthread       when every switch goes through a kernel-only task;
 *   fpu_reset     after a task resets its FPU state (PKRU must survive);
 *   init_state    a fresh task starts with the init value 0, and a task
 *                 whose PKRU is 0 (XSTATE_BV[9]=0 in its area) keeps it;
 *   coroutine     a user-level XSAVE/XRSTOR context switch moves PKRU
 *                 "for free" -- only where XCR0[9]=1;
 *   uaccess       the kernel's copy from a task's buffer obeys that task's
 *                 PKRU (-EFAULT), never the other task's;
 *   sleep_uaccess the kernel writes to a task's memory right after the
 *                 switch back to it (as nanosleep writes "remaining");
 *   task_faults   a task that faults is killed with the reason, a bad
 *                 pointer is -EFAULT, and the other task goes on.
 *
 * Why: these are the semantics the two designs of the seed thread promise.
 * The unmanaged configuration (no switching) and the injected bugs must
 * make the isolation cells fail; tests/expect.c says which.
 */
#include <asm/apic.h>
#include <asm/cpufeature.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <asm/xstate.h>
#include <kernel/params.h>
#include "../lib/deviation.h"
#include "../lib/scenario.h"
#include <kernel/strategy/strategy.h>
#include <kernel/string.h>
#include <kernel/task.h>
#include <kernel/usermem.h>
#include "../lib/testlib.h"
#include "switch.h"

SUITE(switch, 30, "two ring-3 tasks with different PKRU stay isolated");

#define KEY_A 1
#define KEY_B 2
/* Each task denies the other's key and one more of its own choosing. */
#define PKRU_A (PKRU_AD_BIT(KEY_B) | PKRU_WD_BIT(KEY_B) | PKRU_WD_BIT(5))
#define PKRU_B (PKRU_AD_BIT(KEY_A) | PKRU_WD_BIT(KEY_A) | PKRU_AD_BIT(6))

#define SLOT_SHARED	0
#define SLOT_OWN	8	/* + task index */
#define SLOT_STACK	16	/* + task index */
#define SLOT_BUF	32	/* 4 pages: two 8 KiB XSAVE areas */
#define MAX_SW_TASKS	3
#define RUN_TIMEOUT_MS	20000

#define PREEMPT_SWITCHES 10000

struct sw_spec {
	enum sw_program prog;
	u32 pkru;
	u64 iterations;
	int own_key;
	u32 mode;
	bool kthread;
	/* The task's PKRU is set by the kernel before any task runs (as a
	 * child inherits its parent's), not by its own first WRPKRU: no tick
	 * can then run another task while this one still has the init PKRU. */
	bool preset;
};

struct sw_shared {
	u32 stop;
	struct sw_params params[MAX_SW_TASKS];
	struct sw_result res[MAX_SW_TASKS];
};

struct sw_run {
	struct sw_shared *sh;
	struct task *t[MAX_SW_TASKS];
	int n;
};

static void kthread_body(void *arg)
{
	u64 n = (u64)arg;

	for (u64 i = 0; i < n; i++)
		yield();
}

static const char *setup_config(struct scenario_ctx *ctx)
{
	const char *why = NULL;

	if (!apic_timer_hz())
		return "no calibrated local APIC timer: tasks need the tick";
	if (ctx->config >= 0 && !strategy_activate(ctx->config, &why))
		return why;
	return NULL;
}

static void sw_start(struct sw_run *run, const struct sw_spec *spec, int n)
{
	struct sw_shared *sh = user_slot_map(SLOT_SHARED, 0, 0);

	memset(run, 0, sizeof(*run));
	run->sh = sh;
	run->n = n;
	for (int i = 0; i < 4; i++)
		user_slot_map(SLOT_BUF + i, 0, 0);
	for (int i = 0; i < n; i++) {
		struct sw_params *p = &sh->params[i];
		char name[8] = { 'A' + i, 0 };

		if (spec[i].kthread) {
			run->t[i] = task_create_kthread("kthread", kthread_body,
							(void *)spec[i].iterations);
			continue;
		}
		p->program = spec[i].prog;
		p->pkru = spec[i].pkru;
		p->iterations = spec[i].iterations;
		p->own_key = spec[i].own_key;
		p->own_page = (u64)user_slot_map(SLOT_OWN + i, spec[i].own_key, 0);
		p->mode = spec[i].mode;
		p->avx = cpu_has(X86_FEATURE_AVX);
		p->buf = (u64)user_slot_va(SLOT_BUF);
		p->buf_size = 2 * PAGE_SIZE;
		p->stop = &sh->stop;
		p->res = &sh->res[i];
		user_slot_map(SLOT_STACK + i, 0, 0);
		run->t[i] = task_create_user(name, (u64)USER_SYM(sw_user_main),
					     (u64)user_slot_va(SLOT_STACK + i) + PAGE_SIZE - 8,
					     (u64)p);
	}
	for (int i = 0; i < n; i++)
		if (spec[i].preset)
			strategy->set_pkru(run->t[i], spec[i].pkru);
}

static void sw_finish(struct sw_run *run)
{
	tasks_reset();
	for (int i = 0; i < run->n; i++) {
		user_slot_unmap(SLOT_OWN + i);
		user_slot_unmap(SLOT_STACK + i);
	}
	for (int i = 0; i < 4; i++)
		user_slot_unmap(SLOT_BUF + i);
	user_slot_unmap(SLOT_SHARED);
	strategy_deactivate();
	sched_timer_config(kargs.timer_hz, 0, 0);
}

/*
 * Common verdict: every ring-3 task exited 0 and never saw a foreign PKRU,
 * and the kernel did not go on with a task's PKRU once they were done (its
 * own accesses to user pages would obey it).
 */
static void check_tasks(struct scenario_ctx *ctx, struct sw_run *run)
{
	u32 left = pke_enabled() ? rdpkru() : 0;

	check(ctx, left == 0, "after the tasks the kernel still runs with PKRU %#x", left);
	for (int i = 0; i < run->n; i++) {
		struct task *t = run->t[i];
		struct sw_result *r = &run->sh->res[i];

		if (t->kthread) {
			check(ctx, t->exit_code == 0, "kernel task: %s", t->exit_reason);
			continue;
		}
		check(ctx, t->exit_code == 0, "task %s did not finish: exit %ld %s", t->name,
		      t->exit_code, t->exit_reason);
		check(ctx, r->mismatches == 0,
		      "task %s (PKRU %#x) saw a foreign PKRU %llu times in %llu iterations, first %#x at %llu",
		      t->name, run->sh->params[i].pkru, r->mismatches, r->iterations, r->first_bad,
		      r->first_bad_iter);
		if (run->sh->params[i].program == SW_YIELD ||
		    run->sh->params[i].program == SW_KERNEL_FPU)
			check(ctx, r->values[7] == 0,
			      "task %s found XMM0 or YMM1 not its own after %ld of %llu switches", t->name,
			      r->values[7], r->iterations);
	}
}

static enum outcome sw_simple(struct scenario_ctx *ctx, const struct sw_spec *spec, int n,
			      void (*extra)(struct scenario_ctx *, struct sw_run *))
{
	struct sw_run run;
	const char *why = setup_config(ctx);

	if (why)
		return skip(ctx, "%s", why);
	sw_start(&run, spec, n);
	tasks_run(RUN_TIMEOUT_MS);
	check_tasks(ctx, &run);
	if (extra)
		extra(ctx, &run);
	sw_finish(&run);
	return verdict(ctx);
}

static enum outcome sw_yield(struct scenario_ctx *ctx)
{
	static const struct sw_spec spec[] = {
		{ SW_YIELD, PKRU_A, 200, KEY_A },
		{ SW_YIELD, PKRU_B, 200, KEY_B },
	};

	return sw_simple(ctx, spec, 2, NULL);
}
SCENARIO(switch, yield, sw_yield, "two tasks keep their own PKRU across 400 yield switches",
	 SCN_PER_CONFIG | CHECKS(PROMISE_TASK_PKRU));

static enum outcome sw_preempt(struct scenario_ctx *ctx)
{
	static const struct sw_spec spec[] = {
		{ SW_SPIN, PKRU_A, 0, KEY_A },
		{ SW_SPIN, PKRU_B, 0, KEY_B },
	};
	struct sw_run run;
	const char *why = setup_config(ctx);
	u64 t = apic_timer_hz();

	if (why)
		return skip(ctx, "%s", why);
	/* Random one-shot periods of 50..200 us: switches land anywhere. */
	sched_timer_config(0, t / 20000 ? t / 20000 : 1, t / 5000 ? t / 5000 : 2);
	prng_seed(kargs.seed);
	sw_start(&run, spec, 2);
	sched_stop_when(&run.sh->stop, PREEMPT_SWITCHES);
	tasks_run(RUN_TIMEOUT_MS);
	sched_stop_when(NULL, 0);
	check_tasks(ctx, &run);
	check(ctx, timer_switches >= PREEMPT_SWITCHES, "only %llu timer-driven switches",
	      (u64)timer_switches);
	diag("%llu timer-driven switches, %llu + %llu check loops", (u64)timer_switches,
	     run.sh->res[0].iterations, run.sh->res[1].iterations);
	sw_finish(&run);
	return verdict(ctx);
}
SCENARIO(switch, preempt, sw_preempt,
	 "both tasks re-write and re-check PKRU across >= 10,000 timer switches at random points",
	 SCN_PER_CONFIG | CHECKS(PROMISE_TASK_PKRU));

static enum outcome sw_kthread(struct scenario_ctx *ctx)
{
	static const struct sw_spec spec[] = {
		{ SW_YIELD, PKRU_A, 100, KEY_A },
		{ .kthread = true, .iterations = 400 },
		{ SW_YIELD, PKRU_B, 100, KEY_B },
	};

	return sw_simple(ctx, spec, 3, NULL);
}
SCENARIO(switch, kthread, sw_kthread,
	 "PKRU survives switches that go user A -> kernel-only task -> user B", SCN_PER_CONFIG | CHECKS(PROMISE_TASK_PKRU));

static void fpu_reset_extra(struct scenario_ctx *ctx, struct sw_run *run)
{
	check(ctx, run->sh->res[0].values[0] == 0,
	      "SYS_fpu_reset left XMM0 dirty %ld times: the reset did not happen",
	      run->sh->res[0].values[0]);
}

static enum outcome sw_fpu_reset(struct scenario_ctx *ctx)
{
	static const struct sw_spec spec[] = {
		{ SW_FPU_RESET, PKRU_A, 50, KEY_A },
		{ SW_YIELD, PKRU_B, 50, KEY_B },
	};

	return sw_simple(ctx, spec, 2, fpu_reset_extra);
}
SCENARIO(switch, fpu_reset, sw_fpu_reset,
	 "a task's FPU reset (XMM0 cleared) keeps its PKRU, across switches", SCN_PER_CONFIG | CHECKS(PROMISE_TASK_PKRU));

static void kernel_fpu_extra(struct scenario_ctx *ctx, struct sw_run *run)
{
	check(ctx, run->sh->res[0].values[0] == 0,
	      "SYS_kernel_fpu's SIMD page copy came out wrong %ld times", run->sh->res[0].values[0]);
}

static enum outcome sw_kernel_fpu(struct scenario_ctx *ctx)
{
	static const struct sw_spec spec[] = {
		{ SW_KERNEL_FPU, PKRU_A, 50, KEY_A },
		{ SW_YIELD, PKRU_B, 50, KEY_B },
	};

	return sw_simple(ctx, spec, 2, kernel_fpu_extra);
}
SCENARIO(switch, kernel_fpu, sw_kernel_fpu,
	 "kernel SIMD use in a system call (kernel_fpu_begin/end) keeps the task's XMM, YMM "
	 "and PKRU, across switches", SCN_PER_CONFIG | CHECKS(PROMISE_TASK_PKRU));

static void init_state_extra(struct scenario_ctx *ctx, struct sw_run *run)
{
	struct sw_result *r = &run->sh->res[1];

	check(ctx, r->values[1] == 1, "fresh task never ran");
	check(ctx, r->values[0] == 0,
	      "fresh task started with PKRU %#lx, want the init value 0 (task A's is %#x)",
	      r->values[0], PKRU_A);
	check(ctx, r->values[2] == X86_EFLAGS_IF,
	      "fresh task started with RFLAGS IF|IOPL = %#lx, want IF=1 IOPL=0", r->values[2]);
	check(ctx, r->values[3] == MXCSR_DEFAULT && r->values[4] == FCW_DEFAULT,
	      "fresh task started with MXCSR %#lx FCW %#lx, want the init values %#x %#x",
	      r->values[3], r->values[4], MXCSR_DEFAULT, FCW_DEFAULT);
	check(ctx, run->sh->res[0].values[6] == PKRU_A,
	      "task A started with PKRU %#lx, not the %#x the kernel set for it before it ran",
	      run->sh->res[0].values[6], PKRU_A);
}

static enum outcome sw_init_state(struct scenario_ctx *ctx)
{
	/*
	 * B starts after A, whose restrictive PKRU is in force from A's first
	 * instruction (preset), then runs with PKRU 0.
	 */
	static const struct sw_spec spec[] = {
		{ SW_YIELD, PKRU_A, 100, KEY_A, .preset = true },
		{ SW_INIT_STATE, 0, 100, KEY_B },
	};

	return sw_simple(ctx, spec, 2, init_state_extra);
}
SCENARIO(switch, init_state, sw_init_state,
	 "a fresh task starts with PKRU 0, and PKRU 0 (init state, XSTATE_BV[9]=0) is kept",
	 SCN_PER_CONFIG | CHECKS(PROMISE_TASK_PKRU));

static void coroutine_extra(struct scenario_ctx *ctx, struct sw_run *run)
{
	struct sw_result *r = &run->sh->res[0];

	check(ctx, r->iterations == 1, "the coroutine program did not run");
	diag("user XRSTOR of context A/B/A gave PKRU %#lx/%#lx/%#lx", r->values[0], r->values[1],
	     r->values[2]);
}

static enum outcome sw_coroutine(struct scenario_ctx *ctx)
{
	static const struct sw_spec spec[] = {
		{ SW_COROUTINE, PKRU_A, 1, KEY_A },
		{ SW_YIELD, PKRU_B, 20, KEY_B },
	};

	return sw_simple(ctx, spec, 2, coroutine_extra);
}
SCENARIO(switch, coroutine, sw_coroutine,
	 "a user-level XSAVE/XRSTOR context switch carries PKRU (only with XCR0[9]=1)",
	 SCN_PER_CONFIG | CHECKS(PROMISE_TASK_PKRU));

static void uaccess_extra(struct scenario_ctx *ctx, struct sw_run *run)
{
	struct sw_result *r = &run->sh->res[0];

	if (r->values[0] && cpu_quirks.ring0_ignores_ad)
		deviation(ctx, "pku.ring0_ignores_ad", "%ld kernel copies from a key the task "
			  "denies (AD) succeeded", r->values[0]);
	else
		check(ctx, r->values[0] == 0, "%ld kernel copies from a key the task denies succeeded",
		      r->values[0]);
	check(ctx, r->values[1] == 0, "%ld kernel copies from a key the task allows failed",
	      r->values[1]);
	check(ctx, r->values[2] == 0, "%ld kernel/non-canonical pointers were not -EFAULT",
	      r->values[2]);
}

static enum outcome sw_uaccess(struct scenario_ctx *ctx)
{
	static const struct sw_spec spec[] = {
		{ SW_UACCESS, PKRU_A, 50, KEY_A },
		{ SW_YIELD, PKRU_B, 50, KEY_B },
	};

	return sw_simple(ctx, spec, 2, uaccess_extra);
}
SCENARIO(switch, uaccess, sw_uaccess,
	 "the kernel's copy from a task buffer obeys that task's PKRU: -EFAULT when denied",
	 SCN_PER_CONFIG | CHECKS(PROMISE_TASK_PKRU));

static void sleep_extra(struct scenario_ctx *ctx, struct sw_run *run)
{
	check(ctx, run->sh->res[0].values[0] == 0,
	      "%ld of %llu post-sleep kernel writes to the task's own page got -EFAULT",
	      run->sh->res[0].values[0], run->sh->res[0].iterations);
}

static enum outcome sw_sleep_uaccess(struct scenario_ctx *ctx)
{
	/* B spins with a PKRU that denies A's key while A sleeps. */
	static const struct sw_spec spec[] = {
		{ SW_SLEEP, PKRU_A, 30, KEY_A },
		{ SW_SPIN, PKRU_B, 0, KEY_B },
	};
	struct sw_run run;
	const char *why = setup_config(ctx);

	if (why)
		return skip(ctx, "%s", why);
	sw_start(&run, spec, 2);
	sched_stop_on_exit(&run.sh->stop, run.t[0]);
	tasks_run(RUN_TIMEOUT_MS);
	sched_stop_on_exit(NULL, NULL);
	check_tasks(ctx, &run);
	sleep_extra(ctx, &run);
	sw_finish(&run);
	return verdict(ctx);
}
SCENARIO(switch, sleep_uaccess, sw_sleep_uaccess,
	 "a kernel write to a task's memory right after switching back to it uses its PKRU",
	 SCN_PER_CONFIG | CHECKS(PROMISE_TASK_PKRU));

static void pkru_syscalls_extra(struct scenario_ctx *ctx, struct sw_run *run)
{
	volatile long *v = run->sh->res[0].values;

	check(ctx, run->sh->res[0].iterations == 50, "the program ran %llu of 50 iterations",
	      run->sh->res[0].iterations);
	check(ctx, !v[0] && !v[1],
	      "SYS_set_pkru: not live at once %ld times, lost across a switch %ld times", v[0], v[1]);
	check(ctx, !v[2] && !v[3],
	      "SYS_get_pkru: wrong after SYS_set_pkru %ld times, after a WRPKRU %ld times", v[2],
	      v[3]);
}

static enum outcome sw_pkru_syscalls(struct scenario_ctx *ctx)
{
	static const struct sw_spec spec[] = {
		{ SW_PKRU_SYSCALLS, PKRU_A, 50, KEY_A },
		{ SW_YIELD, PKRU_B, 100, KEY_B },
	};

	return sw_simple(ctx, spec, 2, pkru_syscalls_extra);
}
SCENARIO(switch, pkru_syscalls, sw_pkru_syscalls,
	 "SYS_set_pkru is live at once and survives switches; SYS_get_pkru reports the live PKRU",
	 SCN_PER_CONFIG | CHECKS(PROMISE_TASK_PKRU));

static enum outcome task_faults(struct scenario_ctx *ctx)
{
	static const struct { enum sw_fault mode; long exit; const char *what; } faults[] = {
		{ SWF_DIVIDE, TASK_EXIT_SIGNALLED(SIGFPE), "#DE" },
		{ SWF_KERNEL_JUMP, TASK_EXIT_SIGNALLED(SIGSEGV), "#PF" },
		{ SWF_KERNEL_READ, TASK_EXIT_SIGNALLED(SIGSEGV), "#PF" },
		{ SWF_UD, TASK_EXIT_SIGNALLED(SIGILL), "#UD" },
	};
	struct sw_spec spec[3] = {
		{ SW_YIELD, PKRU_A, 50, KEY_A },
		{ SW_FAULT, PKRU_B, 0, KEY_B },
		{ SW_FAULT, PKRU_B, 0, KEY_B, SWF_BAD_SYSCALL_PTR },
	};
	const char *why = setup_config(ctx);

	if (why)
		return skip(ctx, "%s", why);
	for (unsigned i = 0; i < ARRAY_SIZE(faults); i++) {
		struct sw_run run;

		/* Any working design will do: this is about the kernel surviving. */
		if (!strategy_activate(CONFIG_XSAVE, &why) &&
		    !strategy_activate(CONFIG_EXPLICIT, &why))
			return skip(ctx, "%s", why);
		spec[1].mode = faults[i].mode;
		sw_start(&run, spec, 3);
		tasks_run(RUN_TIMEOUT_MS);
		check(ctx, run.t[1]->exit_code == faults[i].exit && strstr(run.t[1]->exit_reason, faults[i].what),
		      "faulting task (%s): exit %ld \"%s\"", faults[i].what, run.t[1]->exit_code,
		      run.t[1]->exit_reason);
		check(ctx, run.t[0]->exit_code == 0 && run.sh->res[0].iterations == 50,
		      "the other task did not go on: exit %ld, %llu iterations", run.t[0]->exit_code,
		      run.sh->res[0].iterations);
		check(ctx, run.t[2]->exit_code == 0 && run.sh->res[2].values[0] == -14 &&
			   run.sh->res[2].values[1] == -14 && run.sh->res[2].values[2] == -38 &&
			   run.sh->res[2].values[3] == -22,
		      "bad syscall pointers: exit %ld, write %ld, sleep %ld, syscall 999 %ld, "
		      "wrapping sigaltstack %ld",
		      run.t[2]->exit_code, run.sh->res[2].values[0], run.sh->res[2].values[1],
		      run.sh->res[2].values[2], run.sh->res[2].values[3]);
		sw_finish(&run);
	}
	return verdict(ctx);
}
SCENARIO(switch, task_faults, task_faults,
	 "#DE, a jump to or read of kernel memory, #UD kill only the task; bad pointers are -EFAULT",
	 0);
