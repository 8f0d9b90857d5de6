/*
 * The expectation table: what every cell (scenario x configuration x
 * injected bug) is expected to do.  First matching row wins; a cell with
 * no row is expected to pass.  A row marked design_finding records a
 * property of a design (what it breaks), not a defect of pkrulab.
 *
 * Harness self-checks: inject=no_pke and inject=pkru_offset break the
 * thing the pku.* and xsave.* scenarios rely on, and those scenarios must
 * then fail -- if one of these rows stops matching, the scenario has lost
 * its teeth and the run reports a mismatch.
 */
#include <kernel/harness.h>
#include <kernel/scenario.h>
#include <kernel/signal.h>

#define CFG(c)		(1u << CONFIG_##c)
#define EXPLICIT_WRITE	(CFG(EXPLICIT) | CFG(HYBRID))	/* designs that WRPKRU at switch-in */
#define XCR0_PKRU	(CFG(XSAVE) | CFG(HYBRID) | CFG(XSAVE_DEFERRED))
#define ANY		EXPECT_ANY_INJECT

/* Scenarios that need the interrupted PKRU in the frame to pass. */
#define SIG_NEEDS_FRAME_PKRU						\
	"signal.frame_pkru,signal.recover,signal.override,signal.surveillance,"	\
	"signal.frame_init_state,signal.pkey_fault,signal.altstack_denied,"	\
	"signal.nested,signal.kill_other,signal.timer"
/* Scenarios whose PKRU after sigreturn comes from an unedited frame. */
#define SIG_RESTORES_FRAME_PKRU						\
	"signal.preserve,signal.recover,signal.pkey_fault,signal.altstack_denied,"	\
	"signal.nested,signal.kill_other,signal.timer,sigreturn.bad_frames"

static const struct expectation table[] = {
	/* ---- switch.*: design findings, whatever is injected ---- */
	{ "switch.coroutine", CFG(EXPLICIT), ANY, 0, EXPECT_FAIL,
	  "XCR0[9]=0: user XSAVE/XRSTOR no longer carry PKRU, a user-level context switch "
	  "keeps the old one", true },
	{ "switch.sleep_uaccess", CFG(XSAVE_DEFERRED), ANY, 0, EXPECT_FAIL,
	  "deferred XRSTOR: the kernel writes to the woken task's memory under the previous "
	  "task's PKRU", true },
	/* ---- negative control: nothing switches PKRU ---- */
	{ "switch.task_faults", 0, ANY, 0, EXPECT_PASS, "", false },
	{ "switch.*,signal.*,sigreturn.*", CFG(UNMANAGED), ANY, 0, EXPECT_FAIL,
	  "negative control: PKRU is not switched, isolation must be seen to break", false },

	/* ---- signal ABI: what a design without PKRU in the frame loses ---- */
	{ SIG_NEEDS_FRAME_PKRU, 0, ANY, WHEN_NO_FRAME_PKRU, EXPECT_FAIL,
	  "sigframe_pkru=none: no PKRU in the frame, the handler can neither see nor change "
	  "the interrupted PKRU", true },
	{ "signal.recover", 0, ANY, WHEN_HANDLER_INHERIT, EXPECT_FAIL,
	  "handler_pkru=inherit: the handler runs with the PKRU that locked key 0 out and "
	  "cannot use its own stack", true },


	/* ---- injected signal bugs: every design that puts PKRU in the frame ---- */
	{ SIG_RESTORES_FRAME_PKRU ",signal.frame_init_state,signal.override,signal.surveillance", 0,
	  INJECT_STALE_SIGRETURN,
	  WHEN_FRAME_PKRU, EXPECT_FAIL,
	  "inject=stale_sigreturn: sigreturn ignores the frame PKRU, the handler's stays", false },
	{ SIG_RESTORES_FRAME_PKRU ",signal.frame_pkru", 0, INJECT_FRAME_PKRU_LIVE, WHEN_FRAME_PKRU,
	  EXPECT_FAIL, "inject=frame_pkru_live: the frame holds the handler's PKRU, not the "
	  "interrupted one", false },
	{ SIG_RESTORES_FRAME_PKRU ",signal.frame_pkru", 0, INJECT_BV_CLEAR, WHEN_FRAME_PKRU,
	  EXPECT_FAIL, "inject=bv_clear: frame written with XSTATE_BV[9]=0, sigreturn loads "
	  "PKRU 0", false },
	{ "signal.frame_init_state", 0, INJECT_INIT_SKIP, WHEN_FRAME_PKRU, EXPECT_FAIL,
	  "inject=init_skip: XSTATE_BV[9]=0 in the frame read as \"no PKRU\", the handler's "
	  "stays instead of 0", false },

	/* ---- injected bugs (DESIGN.md), each where the design is exposed to it ---- */
	{ "switch.init_state", EXPLICIT_WRITE, INJECT_INIT_SKIP, 0, EXPECT_FAIL,
	  "inject=init_skip: a new task's PKRU read from an init image (XSTATE_BV[9]=0) as "
	  "\"absent\", so it inherits the previous task's", false },
	{ "switch.fpu_reset", XCR0_PKRU, INJECT_RESET_ZERO, 0, EXPECT_FAIL,
	  "inject=reset_zero: the FPU reset XRSTOR includes PKRU and loads 0", false },
	{ "switch.yield", EXPLICIT_WRITE, INJECT_NO_WRPKRU, 0, EXPECT_FAIL,
	  "inject=no_wrpkru: switch-in never writes the task's PKRU", false },
	{ "switch.preempt", EXPLICIT_WRITE, INJECT_NO_WRPKRU, 0, EXPECT_FAIL,
	  "inject=no_wrpkru: switch-in never writes the task's PKRU", false },
	{ "switch.kthread", EXPLICIT_WRITE, INJECT_NO_WRPKRU, 0, EXPECT_FAIL,
	  "inject=no_wrpkru: switch-in never writes the task's PKRU", false },
	{ "switch.fpu_reset", EXPLICIT_WRITE, INJECT_NO_WRPKRU, 0, EXPECT_FAIL,
	  "inject=no_wrpkru: switch-in never writes the task's PKRU", false },
	{ "switch.init_state", EXPLICIT_WRITE, INJECT_NO_WRPKRU, 0, EXPECT_FAIL,
	  "inject=no_wrpkru: switch-in never writes the task's PKRU", false },
	{ "switch.uaccess", EXPLICIT_WRITE, INJECT_NO_WRPKRU, 0, EXPECT_FAIL,
	  "inject=no_wrpkru: switch-in never writes the task's PKRU", false },
	{ "switch.sleep_uaccess", EXPLICIT_WRITE, INJECT_NO_WRPKRU, 0, EXPECT_FAIL,
	  "inject=no_wrpkru: switch-in never writes the task's PKRU", false },
	{ "switch.pkru_syscalls", EXPLICIT_WRITE, INJECT_NO_WRPKRU, 0, EXPECT_FAIL,
	  "inject=no_wrpkru: switch-in never writes the task's PKRU", false },
	{ "switch.coroutine", EXPLICIT_WRITE, INJECT_NO_WRPKRU, 0, EXPECT_FAIL,
	  "inject=no_wrpkru: switch-in never writes the task's PKRU", false },
	{ "signal.frame_pkru,signal.handler_pkru,signal.preserve,signal.recover,signal.override,"
	  "signal.surveillance,signal.frame_init_state,signal.pkey_fault,signal.altstack_denied,signal.nested,"
	  "signal.kill_other,signal.timer,signal.unwritable_frame,sigreturn.bad_frames",
	  EXPLICIT_WRITE, INJECT_NO_WRPKRU, 0, EXPECT_FAIL,
	  "inject=no_wrpkru: switch-in never writes the task's PKRU", false },
	{ "switch.kthread", EXPLICIT_WRITE, INJECT_KTHREAD_SKIP, 0, EXPECT_FAIL,
	  "inject=kthread_skip: the write is skipped when switching from a kernel-only task",
	  false },
	/* A task's first run comes from the idle task: a PKRU set for it before then is lost. */
	{ "switch.init_state", EXPLICIT_WRITE, INJECT_KTHREAD_SKIP, 0, EXPECT_FAIL,
	  "inject=kthread_skip: the write is skipped when switching from a kernel-only task "
	  "(idle, before a task's first run)", false },

	/* ---- harness self-checks ---- */
	/* CR4.PKE never set: every PKRU access #UDs, keys are ignored. */
	{ "pku.*", 0, INJECT_NO_PKE, 0, EXPECT_FAIL,
	  "inject=no_pke: CR4.PKE left clear, PKRU is neither writable nor enforced", false },
	{ "xsave.pkru_roundtrip", 0, INJECT_NO_PKE, 0, EXPECT_FAIL,
	  "inject=no_pke: WRPKRU/RDPKRU #UD", false },
	{ "xsave.init_loads_zero", 0, INJECT_NO_PKE, 0, EXPECT_FAIL,
	  "inject=no_pke: WRPKRU/RDPKRU #UD", false },
	{ "xsave.rfbm_excludes_pkru", 0, INJECT_NO_PKE, 0, EXPECT_FAIL,
	  "inject=no_pke: WRPKRU/RDPKRU #UD", false },
	{ "xsave.user_sees_pkru", 0, INJECT_NO_PKE, 0, EXPECT_FAIL,
	  "inject=no_pke: WRPKRU/RDPKRU #UD", false },
	{ "xsave.xsaveopt", 0, INJECT_NO_PKE, 0, EXPECT_FAIL,
	  "inject=no_pke: WRPKRU/RDPKRU #UD", false },
	{ "xsave.xrstor_faults", 0, INJECT_NO_PKE, 0, EXPECT_FAIL,
	  "inject=no_pke: WRPKRU/RDPKRU #UD", false },
	{ "xsave.xinuse", 0, INJECT_NO_PKE, 0, EXPECT_FAIL,
	  "inject=no_pke: WRPKRU/RDPKRU #UD", false },

	/* PKRU looked for at Zen 3's offset instead of CPUID's. */
	{ "xsave.pkru_roundtrip", 0, INJECT_PKRU_OFFSET, 0, EXPECT_FAIL,
	  "inject=pkru_offset: PKRU read from offset 2432, not CPUID(0xD,9).EBX", false },
	{ "xsave.init_loads_zero", 0, INJECT_PKRU_OFFSET, 0, EXPECT_FAIL,
	  "inject=pkru_offset: PKRU written to offset 2432, not CPUID(0xD,9).EBX", false },
	{ "xsave.user_sees_pkru", 0, INJECT_PKRU_OFFSET, 0, EXPECT_FAIL,
	  "inject=pkru_offset: PKRU read from offset 2432, not CPUID(0xD,9).EBX", false },
	{ "xsave.xsaveopt", 0, INJECT_PKRU_OFFSET, 0, EXPECT_FAIL,
	  "inject=pkru_offset: PKRU read from offset 2432, not CPUID(0xD,9).EBX", false },
};

static bool any_glob_matches(const char *list, const char *id)
{
	char one[KARGS_GLOB_LEN];

	while (*list) {
		size_t n = 0;

		while (list[n] && list[n] != ',' && n < sizeof(one) - 1) {
			one[n] = list[n];
			n++;
		}
		one[n] = 0;
		if (glob_match(one, id))
			return true;
		list += n;
		if (*list == ',')
			list++;
	}
	return false;
}

static u32 conditions(int config)
{
	u32 when = 0;

	if (config >= 0)
		when |= signal_frame_policy_for(config) == SIGFRAME_PKRU_NONE ? WHEN_NO_FRAME_PKRU
									       : WHEN_FRAME_PKRU;
	if (kargs.handler_pkru == HANDLER_PKRU_INHERIT)
		when |= WHEN_HANDLER_INHERIT;
	return when;
}

const struct expectation *expectation_for(const char *id, int config, enum inject_bug inj)
{
	u32 when = conditions(config);

	for (unsigned i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct expectation *e = &table[i];

		if (e->inject != EXPECT_ANY_INJECT && e->inject != (int)inj)
			continue;
		if (e->configs && (config < 0 || !(e->configs & (1u << config))))
			continue;
		if ((e->when & when) != e->when)
			continue;
		if (any_glob_matches(e->glob, id))
			return e;
	}
	return NULL;
}
