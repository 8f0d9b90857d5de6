/*
 * signal.* and sigreturn.bad_frames -- the ABI half of the argument: what
 * a signal handler can see and do with PKRU under each configuration.
 *
 * The seed thread lists what XSAVE management gives a handler "for free":
 * it runs with a different PKRU (signal.handler_pkru, signal.recover), it
 * can inspect the interrupted PKRU (signal.frame_pkru) and override it
 * (signal.override, signal.pkey_fault -- the pkey selftest's trick).  Each
 * scenario runs a Linux-style handler (SA_SIGINFO, SA_RESTORER, PKRU found
 * at fpstate + CPUID(0xD,9).EBX) in task A while task B, with another
 * PKRU, runs in between, and checks the result from the kernel side.
 * With XCR0[9]=0 the frame carries PKRU only if the kernel writes it by
 * software (sigframe_pkru=soft); with sigframe_pkru=none those abilities
 * are gone, which the expectation table records as design findings.
 * sigreturn.bad_frames feeds rt_sigreturn corrupted frames: targeted ones
 * through real tasks, then 10,000 random ones through the in-kernel fuzzer.
 */
#include <asm/apic.h>
#include <asm/processor-flags.h>
#include <asm/xstate.h>
#include <kernel/params.h>
#include "../lib/deviation.h"
#include "../lib/scenario.h"
#include <kernel/signal.h>
#include <kernel/strategy/strategy.h>
#include <kernel/string.h>
#include <kernel/task.h>
#include <kernel/usermem.h>
#include "../lib/testlib.h"
#include "signal.h"

SUITE(signal, 40, "PKRU in Linux-compatible signal frames");
SUITE(sigreturn, 50, "rt_sigreturn of corrupted frames");

#define KEY_SIG		3	/* the keyed page */
#define KEY_ALT		4	/* the altstack */
#define PA (PKRU_AD_BIT(2) | PKRU_WD_BIT(2) | PKRU_WD_BIT(5))
#define PB (PKRU_AD_BIT(1) | PKRU_WD_BIT(1) | PKRU_AD_BIT(6))
#define PA_OVERRIDE (PA | PKRU_AD_BIT(7))
#define PAGE_MAGIC	0xc0ffee
#define XMM_MARK(pkru)	(0xf00d000000000000ull | (pkru))	/* as signal.user.c */
#define FUZZ_FRAMES	10000
_Static_assert(SEQUENTIAL_SIGNALS > SIG_NEST_MAX, "signal.preserve must outrun the nesting record");

#define SLOT_SHARED	0
#define SLOT_KEYED	8
#define SLOT_STACK	16	/* STACK_PAGES per task: nested frames need room */
#define STACK_PAGES	4
#define SLOT_ALT	40	/* two pages */
#define SLOT_UNMAPPED	50
#define RUN_TIMEOUT_MS	20000

struct sg_shared {
	u32 stop;
	u32 ready;		/* SG_WAIT_KILL's handler is in place */
	struct sg_params params[2];
	struct sg_result res[2];
};

struct sg_run {
	struct sg_shared *sh;
	struct task *a, *b;
	struct sg_result *ra, *rb;
};

struct sg_spec {
	enum sg_program prog, other;
	u32 pkru;
	u32 bad_kind;
	u32 fuzz;
	u32 catch_segv;
};

static const char *setup(struct scenario_ctx *ctx)
{
	const char *why = NULL;

	if (!apic_timer_hz())
		return "no calibrated local APIC timer: tasks need the tick";
	if (!strategy_activate(ctx->config, &why))
		return why;
	return NULL;
}

static void sg_start(struct sg_run *run, const struct sg_spec *spec)
{
	struct sg_shared *sh = user_slot_map(SLOT_SHARED, 0, 0);
	u32 *keyed = user_slot_map(SLOT_KEYED, KEY_SIG, 0);
	u64 alt = (u64)user_slot_map(SLOT_ALT, KEY_ALT, 0);

	user_slot_map(SLOT_ALT + 1, KEY_ALT, 0);
	*keyed = PAGE_MAGIC;
	memset(run, 0, sizeof(*run));
	run->sh = sh;
	sh->ready = 0;
	for (int i = 0; i < 2; i++) {
		struct sg_params *p = &sh->params[i];

		p->program = i ? spec->other : spec->prog;
		p->pkru = i ? PB : spec->pkru;
		p->key = i ? KEY_ALT : KEY_SIG;
		p->override = PA_OVERRIDE;
		p->altkey = KEY_ALT;
		p->page = (u64)keyed;
		p->unmapped = (u64)user_slot_va(SLOT_UNMAPPED);
		p->altstack = alt;
		p->altstack_size = 2 * PAGE_SIZE;
		p->bad_kind = spec->bad_kind;
		p->catch_segv = spec->catch_segv;
		p->fuzz_iterations = spec->fuzz;
		p->seed = kargs.seed;
		p->stop = &sh->stop;
		p->ready = &sh->ready;
		p->res = &sh->res[i];
		for (int pg = 0; pg < STACK_PAGES; pg++)
			user_slot_map(SLOT_STACK + i * STACK_PAGES + pg, 0, 0);
	}
	/* Task ids 1 and 2: the ring-3 code finds params[id - 1]. */
	run->a = task_create_user("A", (u64)USER_SYM(sg_user_main),
				  (u64)user_slot_va(SLOT_STACK + STACK_PAGES) - 8, (u64)&sh->params[0]);
	run->b = task_create_user("B", (u64)USER_SYM(sg_user_main),
				  (u64)user_slot_va(SLOT_STACK + 2 * STACK_PAGES) - 8,
				  (u64)&sh->params[1]);
	run->ra = &sh->res[0];
	run->rb = &sh->res[1];
	/* B runs until A is gone, however A ends. */
	sched_stop_on_exit(&sh->stop, run->a);
	tasks_run(RUN_TIMEOUT_MS);
	sched_stop_on_exit(NULL, NULL);
}

static void sg_finish(struct sg_run *run)
{
	tasks_reset();
	for (int i = 0; i < 2 * STACK_PAGES; i++)
		user_slot_unmap(SLOT_STACK + i);
	user_slot_unmap(SLOT_ALT);
	user_slot_unmap(SLOT_ALT + 1);
	user_slot_unmap(SLOT_KEYED);
	user_slot_unmap(SLOT_SHARED);
	strategy_deactivate();
}

/* A finished normally; B finished and never saw a foreign PKRU. */
static void check_both(struct scenario_ctx *ctx, struct sg_run *run)
{
	check(ctx, run->a->exit_code == 0, "task A: exit %ld %s", run->a->exit_code,
	      run->a->exit_reason);
	check(ctx, run->b->exit_code == 0 && run->rb->mismatches == 0,
	      "task B (PKRU %#x): exit %ld %s, saw a foreign PKRU %llu times", PB,
	      run->b->exit_code, run->b->exit_reason, run->rb->mismatches);
}

/*
 * Every one runs task A beside task B, whose PKRU differs and which fails
 * when it sees a foreign one: each checks that a task's PKRU is its own.
 */
#define SG_SCENARIO(name, what, ...)						\
	static enum outcome sg_##name(struct scenario_ctx *ctx)			\
	{									\
		struct sg_run run;						\
		const char *why = setup(ctx);					\
										\
		if (why)							\
			return skip(ctx, "%s", why);				\
		__VA_ARGS__							\
		sg_finish(&run);						\
		return verdict(ctx);						\
	}									\
	SCENARIO(signal, name, sg_##name, what, SCN_PER_CONFIG | CHECKS(PROMISE_TASK_PKRU))

SG_SCENARIO(frame_pkru,
	"the handler finds the interrupted PKRU at fpstate + CPUID(0xD,9).EBX, XSTATE_BV[9] set", {
	static const struct sg_spec spec = { SG_FRAME, SG_HOSTILE, PA };

	sg_start(&run, &spec);
	check_both(ctx, &run);
	check(ctx, run.ra->handled == 1, "handler ran %llu times", run.ra->handled);
	check(ctx, run.ra->v[0] == PA, "frame PKRU %#lx, interrupted PKRU was %#x", run.ra->v[0], PA);
	check(ctx, run.ra->v[1] == 1, "frame XSTATE_BV[9] = %ld", run.ra->v[1]);
	check(ctx, run.ra->v[3] == 1, "fx_sw_bytes: bad magic1 or no PKRU in xfeatures");
});

static u32 expected_handler_pkru(void)
{
	switch (kargs.handler_pkru) {
	case HANDLER_PKRU_INHERIT: return PA;
	case HANDLER_PKRU_VALUE: return kargs.handler_pkru_value;
	default: return PKRU_INIT_LINUX;
	}
}

SG_SCENARIO(handler_pkru,
	"the handler starts with the policy PKRU (handler_pkru=init: 0x55555554), not the task's", {
	static const struct sg_spec spec = { SG_FRAME, SG_HOSTILE, PA };

	sg_start(&run, &spec);
	check_both(ctx, &run);
	check(ctx, run.ra->v[2] == expected_handler_pkru(), "handler PKRU %#lx, want %#x",
	      run.ra->v[2], expected_handler_pkru());
	check(ctx, run.ra->v[5] == 0, "handler started with XMM0 %#lx, want a clean FPU state (0)",
	      run.ra->v[5]);
});

SG_SCENARIO(preserve, "PKRU (a restrictive value, and 0) is the same after a signal", {
	static const struct sg_spec spec = { SG_FRAME, SG_HOSTILE, PA };
	static const struct sg_spec zero = { SG_FRAME, SG_HOSTILE, 0 };

	sg_start(&run, &spec);
	check_both(ctx, &run);
	check(ctx, run.ra->v[4] == PA, "PKRU after the signal %#lx, before %#x", run.ra->v[4], PA);
	check(ctx, (u64)run.ra->v[6] == XMM_MARK(PA), "XMM0 after the signal %#lx, before %#llx",
	      run.ra->v[6], XMM_MARK(PA));
	check(ctx, run.ra->v[7] == 0,
	      "delivery overwrote %ld quadwords of the stack above the interrupted RSP", run.ra->v[7]);
	check(ctx, run.ra->v[9] == SEQUENTIAL_SIGNALS && run.ra->v[8] == PA,
	      "after %ld of %d signals in a row PKRU %#lx, want %#x", run.ra->v[9], SEQUENTIAL_SIGNALS,
	      run.ra->v[8], PA);
	sg_finish(&run);
	strategy_activate(ctx->config, &why);
	sg_start(&run, &zero);
	check_both(ctx, &run);
	check(ctx, run.ra->v[4] == 0, "PKRU after the signal %#lx, before 0", run.ra->v[4]);
});

SG_SCENARIO(recover,
	"after WRPKRU(0x3) locks out key 0, the SIGSEGV handler repairs the frame PKRU and the task goes on", {
	static const struct sg_spec spec = { SG_RECOVER, SG_HOSTILE, PA };

	/* The task's WRPKRU(0x3) denies key 0; fatal at its next kernel entry there. */
	if (pkru_fatal_in_ring0(0x3))
		return deviation_not_run(ctx, "pku.wd_supervisor", "not run: a ring-3 PKRU of 0x3 "
					 "would write-protect the kernel stack the task's next fault is pushed on");
	sg_start(&run, &spec);
	check_both(ctx, &run);
	check(ctx, run.ra->v[0] == 1, "handler needed %ld attempts (more than 1: no repair)",
	      run.ra->v[0]);
	check(ctx, run.ra->v[1] == 0x3 && run.ra->v[3] == SEGV_PKUERR,
	      "frame PKRU %#lx (want 0x3), si_code %ld (want SEGV_PKUERR)", run.ra->v[1],
	      run.ra->v[3]);
	check(ctx, run.ra->v[2] == PA, "PKRU after recovery %#lx, want %#x", run.ra->v[2], PA);
});

SG_SCENARIO(override,
	"a PKRU the handler writes into the frame holds after sigreturn and after later switches", {
	static const struct sg_spec spec = { SG_OVERRIDE, SG_HOSTILE, PA };

	sg_start(&run, &spec);
	check_both(ctx, &run);
	check(ctx, run.ra->v[0] == PA_OVERRIDE, "PKRU after sigreturn %#lx, handler wrote %#x",
	      run.ra->v[0], PA_OVERRIDE);
	check(ctx, run.ra->v[1] == PA_OVERRIDE, "PKRU after 10 yields %#lx, want %#x",
	      run.ra->v[1], PA_OVERRIDE);
});

SG_SCENARIO(surveillance,
	"sigreturn counts and logs a frame PKRU change (the seed's proposed surveillance)", {
	static const struct sg_spec spec = { SG_OVERRIDE, SG_HOSTILE, PA };

	sg_start(&run, &spec);
	check_both(ctx, &run);
	check(ctx, run.ra->v[2] == 1, "kernel counted %ld frame PKRU changes, want 1", run.ra->v[2]);
	check(ctx, run.ra->v[1] == PA_OVERRIDE, "the counted change did not hold: PKRU %#lx, want %#x",
	      run.ra->v[1], PA_OVERRIDE);
});

SG_SCENARIO(frame_init_state,
	"a frame with XSTATE_BV[9]=0 means PKRU's init value: 0 after sigreturn", {
	static const struct sg_spec spec = { SG_INIT_FRAME, SG_HOSTILE, PA };

	sg_start(&run, &spec);
	check_both(ctx, &run);
	check(ctx, run.ra->v[0] == 0 && run.ra->v[1] == 0,
	      "PKRU after sigreturn %#lx / after yields %#lx, want 0", run.ra->v[0], run.ra->v[1]);
});

SG_SCENARIO(pkey_fault,
	"a PK fault is SIGSEGV/SEGV_PKUERR with si_pkey and si_addr; the handler opens the key and the access is retried", {
	static const struct sg_spec spec = { SG_PKEY_FAULT, SG_HOSTILE, PA };
	u64 page = (u64)user_slot_va(SLOT_KEYED);

	sg_start(&run, &spec);
	check_both(ctx, &run);
	check(ctx, run.ra->v[0] == SEGV_PKUERR && run.ra->v[1] == KEY_SIG && (u64)run.ra->v[2] == page,
	      "si_code %ld si_pkey %ld si_addr %#lx, want %d %d %#llx", run.ra->v[0], run.ra->v[1],
	      run.ra->v[2], SEGV_PKUERR, KEY_SIG, page);
	check(ctx, run.ra->v[3] == (long)(PA | PKRU_AD_BIT(KEY_SIG)), "frame PKRU %#lx, want %#x",
	      run.ra->v[3], PA | PKRU_AD_BIT(KEY_SIG));
	check(ctx, run.ra->v[6] == 1 && run.ra->v[4] == PAGE_MAGIC,
	      "retried access: %ld faults, read %#lx (want 1 fault, %#x)", run.ra->v[6],
	      run.ra->v[4], PAGE_MAGIC);
	check(ctx, run.ra->v[5] == PA, "PKRU after retry %#lx, want %#x", run.ra->v[5], PA);
});

/* An altstack delivery: once, on the altstack, frame PKRU and PKRU afterwards want. */
static void check_altstack_run(struct scenario_ctx *ctx, struct sg_run *run, u32 want)
{
	check_both(ctx, run);
	check(ctx, run->ra->v[5] == 0, "sigaltstack returned %ld", run->ra->v[5]);
	check(ctx, run->ra->handled == 1 && run->ra->v[0] == 1,
	      "handler ran %llu times, on altstack: %ld", run->ra->handled, run->ra->v[0]);
	check(ctx, run->ra->v[1] == want && run->ra->v[2] == want,
	      "frame PKRU %#lx, PKRU after %#lx, want %#x", run->ra->v[1], run->ra->v[2], want);
}

SG_SCENARIO(altstack_denied,
	"SA_ONSTACK onto an altstack whose key the interrupted PKRU denies still delivers (Linux 6.12)", {
	static const struct sg_spec spec = { SG_ALTSTACK, SG_HOSTILE, PA };
	u32 want = PA | PKRU_AD_BIT(KEY_ALT) | PKRU_WD_BIT(KEY_ALT);

	sg_start(&run, &spec);
	check_altstack_run(ctx, &run, want);
});

/*
 * The handler starts with init_pkru, which denies the altstack's key (4)
 * although the interrupted PKRU allows it: pkrulab's default delivery
 * opens that key for the handler; no Linux release does (signal_abi=linux61
 * shows what they do: the handler's first use of its stack faults).
 */
SG_SCENARIO(altstack_handler_key,
	"SA_ONSTACK onto an altstack whose key only the handler's init PKRU denies: the key is opened for it", {
	static const struct sg_spec spec = { SG_ALTSTACK_OPEN, SG_HOSTILE, PA };
	u32 want = PA & ~(PKRU_AD_BIT(KEY_ALT) | PKRU_WD_BIT(KEY_ALT));

	sg_start(&run, &spec);
	check_altstack_run(ctx, &run, want);
});

SG_SCENARIO(nested,
	"a signal inside a handler: each frame holds the PKRU it interrupted", {
	static const struct sg_spec spec = { SG_NESTED, SG_HOSTILE, PA };

	sg_start(&run, &spec);
	check_both(ctx, &run);
	check(ctx, run.ra->handled == 2, "handlers ran %llu times, want 2", run.ra->handled);
	check(ctx, run.ra->v[0] == PA && run.ra->v[1] == PA_OVERRIDE,
	      "outer frame PKRU %#lx (want %#x), inner %#lx (want %#x)", run.ra->v[0], PA,
	      run.ra->v[1], PA_OVERRIDE);
	check(ctx, run.ra->v[2] == PA_OVERRIDE && run.ra->v[3] == PA,
	      "PKRU back in the outer handler %#lx (want %#x), after both %#lx (want %#x)",
	      run.ra->v[2], PA_OVERRIDE, run.ra->v[3], PA);
});

SG_SCENARIO(kill_other, "SIGUSR1 from the other task: frame and PKRU are the receiver's", {
	static const struct sg_spec spec = { SG_WAIT_KILL, SG_KILLER, PA };

	sg_start(&run, &spec);
	check_both(ctx, &run);
	check(ctx, run.ra->handled == 1 && run.ra->v[2] == SI_USER,
	      "handler ran %llu times, si_code %ld", run.ra->handled, run.ra->v[2]);
	check(ctx, run.ra->v[0] == PA && run.ra->v[1] == PA, "frame PKRU %#lx, after %#lx, want %#x",
	      run.ra->v[0], run.ra->v[1], PA);
	check(ctx, (u64)run.ra->v[4] == XMM_MARK(PA) && (u64)run.ra->v[3] == XMM_MARK(PA),
	      "frame XMM0 %#lx, after %#lx, want the receiver's %#llx (the sender's is %#llx)",
	      run.ra->v[4], run.ra->v[3], XMM_MARK(PA), XMM_MARK(PB));
});

SG_SCENARIO(timer, "SIGALRM lands on a timer interrupt in a busy loop; PKRU intact", {
	static const struct sg_spec spec = { SG_TIMER, SG_HOSTILE, PA };

	sg_start(&run, &spec);
	check_both(ctx, &run);
	check(ctx, run.ra->handled == 1, "SIGALRM handler ran %llu times", run.ra->handled);
	check(ctx, run.ra->v[0] == PA && run.ra->v[1] == PA, "frame PKRU %#lx, after %#lx, want %#x",
	      run.ra->v[0], run.ra->v[1], PA);
});

/*
 * The frame cannot be written: an altstack with no page at all, one
 * where only the top of the frame's span is mapped, so that some of its
 * stores land and the rest fault, and a context on the altstack so near
 * its bottom that the frame would overflow it into mapped memory (Linux's
 * get_sigframe() refuses that one before writing anything).  Each single store carries its own
 * fixup (kernel/include/kernel/uaccess.h): the delivery must fail as a
 * whole and end the task with SIGSEGV, and nothing else may notice.
 */
static enum outcome unwritable_frame(struct scenario_ctx *ctx)
{
	static const char *const kinds[] = { "altstack unmapped", "altstack half mapped",
					     "altstack overflowed" };
	struct sg_run run;
	const char *why = setup(ctx);

	if (why)
		return skip(ctx, "%s", why);
	for (u32 k = 0; k < ARRAY_SIZE(kinds); k++) {
		struct sg_spec spec = { SG_UNWRITABLE, SG_HOSTILE, PA, k };

		if (k)
			strategy_activate(ctx->config, &why);
		sg_start(&run, &spec);
		check(ctx, run.ra->v[5] == 0, "[%s] sigaltstack returned %ld", kinds[k], run.ra->v[5]);
		check(ctx, run.a->exit_code == TASK_EXIT_SIGNALLED(SIGSEGV) &&
			   strstr(run.a->exit_reason, "could not write the signal frame") &&
			   !run.ra->handled && !run.ra->v[2],
		      "[%s] task A: exit %ld \"%s\", handler ran %llu times, went on: %ld", kinds[k],
		      run.a->exit_code, run.a->exit_reason, run.ra->handled, run.ra->v[2]);
		check(ctx, run.b->exit_code == 0 && run.rb->mismatches == 0,
		      "[%s] task B (PKRU %#x): exit %ld %s, saw a foreign PKRU %llu times", kinds[k], PB,
		      run.b->exit_code, run.b->exit_reason, run.rb->mismatches);
		sg_finish(&run);
	}
	return verdict(ctx);
}
SCENARIO(signal, unwritable_frame, unwritable_frame,
	 "a frame that cannot be written (altstack unmapped, half mapped, overflowed) ends only the task, SIGSEGV",
	 SCN_PER_CONFIG | CHECKS(PROMISE_FAILED_DELIVERY_PKRU));

static const char *const bad_names[NR_BAD_KINDS] = {
	"bad magic1", "bad magic2", "xstate_size", "extended_size", "xfeatures outside XCR0",
	"XSTATE_BV outside xfeatures", "compacted XCOMP_BV", "reserved header byte",
	"reserved MXCSR bit", "non-canonical RIP", "kernel RIP", "kernel RSP",
	"unaligned fpstate", "kernel fpstate", "frame on an unmapped page",
	"frame on a key-denied page", "kernel CS (forced)", "kernel SS (forced)",
	"IOPL 3 (forced)",
};

/*
 * Rejected frames, this time with a SIGSEGV handler: Linux's signal_fault()
 * is force_sig(SIGSEGV), which a handler catches (si_code SI_KERNEL) in the
 * context the frame held -- its RIP, also a bad one -- and the task goes
 * on.  The frame asks for PKRU 0 as well: whatever the rejection, the task
 * must come back with the handler's PKRU, never the frame's.  Kinds whose
 * SIGSEGV frame has nowhere to go (a kernel RSP, an unreadable frame) are
 * left to the kill above.
 */
static const u32 caught_kinds[] = {
	BAD_MAGIC1, BAD_HDR_RESERVED, BAD_RIP_NONCANONICAL, BAD_FPSTATE_KERNEL,
};

static void bad_frames_caught(struct scenario_ctx *ctx)
{
	struct sg_run run;
	const char *why;
	u32 caught = 0;

	for (u32 i = 0; i < ARRAY_SIZE(caught_kinds); i++) {
		u32 k = caught_kinds[i];
		struct sg_spec spec = { SG_BAD_FRAME, SG_HOSTILE, PA, k, 0, 1 };
		long want_rip;

		strategy_activate(ctx->config, &why);
		sg_start(&run, &spec);
		want_rip = k == BAD_RIP_NONCANONICAL ? (long)0x8000000000001000ull : run.ra->v[7];
		check_both(ctx, &run);
		caught += check(ctx, run.ra->v[2] == 1 && run.ra->v[8] == 1 &&
				     run.ra->v[3] == SI_KERNEL && run.ra->v[4] == want_rip,
		      "[%s, SIGSEGV caught] went on %ld, caught %ld, si_code %#lx, rip %#lx want %#lx",
		      bad_names[k], run.ra->v[2], run.ra->v[8], run.ra->v[3], run.ra->v[4], want_rip);
		check(ctx, run.ra->v[1] == run.ra->v[6],
		      "[%s, SIGSEGV caught] PKRU after %#lx, the handler's %#lx (the frame asked for 0)",
		      bad_names[k], run.ra->v[1], run.ra->v[6]);
		sg_finish(&run);
	}
	diag("rejected frames with a SIGSEGV handler: %u of %u caught at the frame's RIP, "
	     "the task went on", caught, (u32)ARRAY_SIZE(caught_kinds));
}

static enum outcome bad_frames(struct scenario_ctx *ctx)
{
	struct sg_run run;
	const char *why = setup(ctx);
	u64 rejected = 0, forced = 0;

	if (why)
		return skip(ctx, "%s", why);
	for (int k = 0; k < NR_BAD_KINDS; k++) {
		struct sg_spec spec = { SG_BAD_FRAME, SG_HOSTILE, PA, k };

		if (k)
			strategy_activate(ctx->config, &why);
		sg_start(&run, &spec);
		check(ctx, run.b->exit_code == 0 && run.rb->mismatches == 0,
		      "[%s] the other task: exit %ld, foreign PKRU %llu times", bad_names[k],
		      run.b->exit_code, run.rb->mismatches);
		if (k == BAD_FRAME_KEY_DENIED && cpu_quirks.ring0_ignores_ad &&
		    run.a->exit_code == 0) {
			/* sigreturn's ring-0 read of the AD page went through. */
			deviation(ctx, "pku.ring0_ignores_ad", "[%s] sigreturn read a frame on a "
				  "page whose key the task's PKRU denies (AD)", bad_names[k]);
		} else if (k < FIRST_FORCED_KIND) {
			rejected += check(ctx, run.a->exit_code == TASK_EXIT_SIGNALLED(SIGSEGV) &&
					       strstr(run.a->exit_reason, "bad frame"),
					  "[%s] not rejected: exit %ld \"%s\"", bad_names[k],
					  run.a->exit_code, run.a->exit_reason);
		} else {
			forced += check(ctx, run.a->exit_code == 0 && run.ra->v[2] == 1 &&
					     !(run.ra->v[0] & X86_EFLAGS_IOPL) && run.ra->v[1] == PA,
					"[%s] exit %ld \"%s\", rflags %#lx, PKRU %#lx", bad_names[k],
					run.a->exit_code, run.a->exit_reason, run.ra->v[0], run.ra->v[1]);
		}
		sg_finish(&run);
	}
	diag("targeted frames: %llu of %d rejected with SIGSEGV, %llu of %d forced safe",
	     rejected, FIRST_FORCED_KIND, forced, NR_BAD_KINDS - FIRST_FORCED_KIND);
	bad_frames_caught(ctx);

	/* Random corruption through the real sigreturn path (kernel/sigfuzz.c). */
	{
		struct sg_spec spec = { SG_FUZZ, SG_HOSTILE, PA, 0, FUZZ_FRAMES };

		strategy_activate(ctx->config, &why);
		sg_start(&run, &spec);
		check_both(ctx, &run);
		check(ctx, run.ra->v[0] == 0 && run.ra->fuzz[0] == FUZZ_FRAMES,
		      "fuzzer returned %ld after %llu frames", run.ra->v[0], run.ra->fuzz[0]);
		check(ctx, run.ra->fuzz[4] == 0, "%llu accepted frames broke an invariant",
		      run.ra->fuzz[4]);
		check(ctx, run.ra->v[1] == PA, "task PKRU after fuzzing %#lx, want %#x", run.ra->v[1],
		      PA);
		sg_finish(&run);
	}
	return verdict(ctx);
}
SCENARIO(sigreturn, bad_frames, bad_frames,
	 "corrupted frames end in SIGSEGV (or are forced safe), never a kernel crash; 10,000 fuzzed",
	 SCN_PER_CONFIG | CHECKS(PROMISE_TASK_PKRU));
