/*
 * Each strategy's switch path replayed in user mode: the save / restore /
 * PKRU instructions that kernel/strategy/<config>.c and kernel/fpu.c run
 * at switch-out, switch-in and (xsave_deferred) the return to user mode,
 * written the same way so that the same instructions run in the same
 * order.  Two "tasks" with different PKRU values alternate; one op is one
 * switch.  What user mode cannot reproduce: XSETBV (so a configuration
 * with XCR0[9] = 0 is replayed with RFBM[9] = 0, which moves the same
 * state), interrupts being off, and the kernel's own entry and scheduler
 * work around the switch (the in-kernel figures are the --icount ones).
 *
 * The strategies are kernel/strategy/list.h's, in its order: the table at
 * the end expands that list, so a strategy registered there without a
 * REPLAY() here stops the build ("'replay_NAME' undeclared"), and a REPLAY()
 * of a strategy no longer listed is an unused variable (-Werror).
 *
 * tools/hwref_drift.py disassembles these hwref_<config>_<phase>
 * functions and the kernel's (the ones each strategy's descriptor names)
 * and fails when their XSAVE-family, RDPKRU, WRPKRU and XSETBV
 * instructions differ: edit both sides together.
 */
#include <stddef.h>
#include <stdlib.h>

#include "hwref.h"
#include "x86.h"

#define HW_NOINLINE __attribute__((noinline, used))

/* Two PKRU values with key 0 open (the stack and heap are key 0). */
#define REPLAY_PKRU_A	PKRU_INIT_LINUX
#define REPLAY_PKRU_B	(PKRU_INIT_LINUX & ~PKRU_AD_BIT(1))

struct rtask {
	uint8_t *xsave;
	uint32_t pkru;
	bool fpu_loaded;
};

/* fpu_xfeatures(): XCR0 as the replayed strategy would have set it. */
static uint64_t xfeatures;
/* fpu_load_pending: read by the kernel's SYSCALL exit, here only set. */
static volatile bool load_pending;

static inline uint64_t *xstate_bv(uint8_t *area)
{
	return (uint64_t *)(area + XSAVE_HDR_OFFSET);
}

/* kernel/fpu.c fpu_save(): XSAVEOPT (else XSAVE), PKRU=0 kept as init. */
HW_NOINLINE void hwref_fpu_save(uint8_t *area, uint64_t rfbm)
{
	*xstate_bv(area) = 0;
	if (hw.xsaveopt)
		xsaveopt(area, rfbm);
	else
		xsave(area, rfbm);
	if ((*xstate_bv(area) & XFEATURE_MASK_PKRU) &&
	    *(uint32_t *)(area + hw.pkru_off) == 0)
		*xstate_bv(area) &= ~XFEATURE_MASK_PKRU;
}

/* kernel/fpu.h pkru_switch_in(): WRPKRU only when the value differs. */
static inline void pkru_switch_in(struct rtask *next)
{
	if (rdpkru() != next->pkru)
		wrpkru(next->pkru);
}

/* kernel/fpu.c pkru_task_switch_out() (explicit, hybrid). */
HW_NOINLINE void hwref_pkru_task_switch_out(struct rtask *prev)
{
	hwref_fpu_save(prev->xsave, xfeatures);
	prev->pkru = rdpkru();
}

/* ---- xsave ---- */
HW_NOINLINE void hwref_xsave_switch_out(struct rtask *prev)
{
	hwref_fpu_save(prev->xsave, xfeatures);
}

HW_NOINLINE void hwref_xsave_switch_in(struct rtask *next)
{
	xrstor(next->xsave, xfeatures);
}

/* ---- explicit ---- */
HW_NOINLINE void hwref_explicit_switch_out(struct rtask *prev)
{
	hwref_pkru_task_switch_out(prev);
}

HW_NOINLINE void hwref_explicit_switch_in(struct rtask *next)
{
	xrstor(next->xsave, xfeatures);
	pkru_switch_in(next);
}

/* ---- hybrid ---- */
HW_NOINLINE void hwref_hybrid_switch_out(struct rtask *prev)
{
	hwref_pkru_task_switch_out(prev);
}

HW_NOINLINE void hwref_hybrid_switch_in(struct rtask *next)
{
	xrstor(next->xsave, xfeatures & ~XFEATURE_MASK_PKRU);
	pkru_switch_in(next);
}

/* ---- xsave_deferred ---- */
HW_NOINLINE void hwref_xsave_deferred_switch_out(struct rtask *prev)
{
	if (prev->fpu_loaded)
		hwref_fpu_save(prev->xsave, xfeatures);
	prev->fpu_loaded = false;
}

HW_NOINLINE void hwref_xsave_deferred_switch_in(struct rtask *next)
{
	next->fpu_loaded = false;
	load_pending = true;
}

HW_NOINLINE void hwref_xsave_deferred_return_to_user(struct rtask *t)
{
	if (!t->fpu_loaded) {
		xrstor(t->xsave, xfeatures);
		t->fpu_loaded = true;
	}
}

/* ---- unmanaged ---- */
HW_NOINLINE void hwref_unmanaged_switch_out(struct rtask *prev)
{
	hwref_fpu_save(prev->xsave, xfeatures);
}

HW_NOINLINE void hwref_unmanaged_switch_in(struct rtask *next)
{
	xrstor(next->xsave, xfeatures);
}

/* ---- the replay table and its benchmark glue ---- */

struct replay {
	bool xcr0_pkru;			/* the strategy sets XCR0[9] (.xcr0_pkru) */
	bool pkru_insns;		/* its path has RDPKRU/WRPKRU (.wrpkru_at_switch_in) */
	void (*switch_out)(struct rtask *prev);
	void (*switch_in)(struct rtask *next);
	void (*return_to_user)(struct rtask *t);
};

/* One line per strategy of kernel/strategy/list.h: its hwref_<cfg>_* above
 * and what its descriptor says (tools/test_hwref.py compares the two). */
#define REPLAY(cfg, xcr0_pkru_, insns, ret)					\
	static const struct replay replay_##cfg = {				\
		.xcr0_pkru = xcr0_pkru_, .pkru_insns = insns,			\
		.switch_out = hwref_##cfg##_switch_out,				\
		.switch_in = hwref_##cfg##_switch_in, .return_to_user = ret,	\
	}
REPLAY(xsave, true, false, NULL);
REPLAY(explicit, false, true, NULL);
REPLAY(hybrid, true, true, NULL);
REPLAY(xsave_deferred, true, false, hwref_xsave_deferred_return_to_user);
REPLAY(unmanaged, false, false, NULL);
#undef REPLAY

static struct rtask task_a, task_b;
static uint32_t saved_pkru;

static const char *replay_setup(const struct bench *b)
{
	const struct replay *r = b->arg;
	const char *why = need_xsave();

	if (!why && r->xcr0_pkru)
		why = need_xcr0_pkru();
	if (!why && r->pkru_insns)
		why = need_pkru_insns();
	if (!why && b->dirty_avx)
		why = need_avx();
	if (why)
		return why;
	if (!task_a.xsave) {
		task_a.xsave = xsave_area_alloc();
		task_b.xsave = xsave_area_alloc();
		if (!task_a.xsave || !task_b.xsave)
			return "out of memory for the XSAVE areas";
	}
	xfeatures = r->xcr0_pkru ? hw.rfbm : hw.rfbm & ~XFEATURE_MASK_PKRU;
	/* Each task's image holds its own PKRU (where PKRU is XSAVE state). */
	if (!need_pkru_insns()) {
		saved_pkru = rdpkru();
		wrpkru(REPLAY_PKRU_B);
		xsave(task_b.xsave, xfeatures);
		wrpkru(REPLAY_PKRU_A);
	} else {
		xsave(task_b.xsave, xfeatures);
	}
	xsave(task_a.xsave, xfeatures);
	task_a.pkru = REPLAY_PKRU_A;
	task_b.pkru = REPLAY_PKRU_B;
	task_a.fpu_loaded = true;	/* A runs, B is switched out */
	task_b.fpu_loaded = false;
	return NULL;
}

static void replay_teardown(const struct bench *b)
{
	if (!need_pkru_insns())
		wrpkru(saved_pkru);
}

/* One switch prev -> next, as kernel/sched.c calls the strategy. */
static inline void one_switch(const struct replay *r, struct rtask *prev, struct rtask *next,
			      bool dirty)
{
	if (dirty)
		dirty_avx();
	r->switch_out(prev);
	r->switch_in(next);
	if (r->return_to_user)
		r->return_to_user(next);
}

static uint64_t replay_batch(const struct bench *b)
{
	const struct replay *r = b->arg;
	uint64_t t0, t1;

	t0 = tsc_begin();
	for (unsigned i = 0; i < HWREF_BATCH; i += 2) {
		one_switch(r, &task_a, &task_b, b->dirty_avx);
		one_switch(r, &task_b, &task_a, b->dirty_avx);
	}
	t1 = tsc_end();
	return t1 - t0;
}

/* The PKRU each task had when it was switched out must be the one it
 * gets back: a replay that stopped switching PKRU would fail here. */
static const char *replay_check(const struct bench *b, uint64_t ops)
{
	const struct replay *r = b->arg;

	if (need_pkru_insns() || !(r->pkru_insns || r->xcr0_pkru))
		return NULL;
	if (rdpkru() != REPLAY_PKRU_A)
		return "after an even number of switches PKRU is not task A's";
	return NULL;
}

#define REPLAY_BENCH(cfg, name, dirty, replay)					\
	{ name, #cfg, replay_setup, replay_batch, replay_check, replay_teardown,	\
	  replay, dirty }
/*
 * Every strategy of kernel/strategy/list.h, in its order, clean then dirty
 * AVX.  "error: 'replay_NAME' undeclared" here: kernel/strategy/list.h
 * registers NAME but no REPLAY(NAME, ...) above replays it; write its
 * hwref_NAME_switch_out/_switch_in (and _return_to_user) after
 * kernel/strategy/NAME.c and add the REPLAY() line.
 */
const struct bench replay_benches[] = {
#define STRATEGY(E, cfg) REPLAY_BENCH(cfg, "switch", false, &replay_##cfg),
#include "strategy/list.h"
#undef STRATEGY
#define STRATEGY(E, cfg) REPLAY_BENCH(cfg, "switch_dirty_avx", true, &replay_##cfg),
#include "strategy/list.h"
#undef STRATEGY
};
const unsigned nr_replay_benches = sizeof(replay_benches) / sizeof(replay_benches[0]);
