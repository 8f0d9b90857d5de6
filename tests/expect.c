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
#include <kernel/scenario.h>

#define CFG(c)		(1u << CONFIG_##c)
#define EXPLICIT_WRITE	(CFG(EXPLICIT) | CFG(HYBRID))	/* designs that WRPKRU at switch-in */
#define XCR0_PKRU	(CFG(XSAVE) | CFG(HYBRID) | CFG(XSAVE_DEFERRED))
#define ANY		EXPECT_ANY_INJECT

static const struct expectation table[] = {
	/* ---- switch.*: design findings, whatever is injected ---- */
	{ "switch.coroutine", CFG(EXPLICIT), ANY, EXPECT_FAIL,
	  "XCR0[9]=0: user XSAVE/XRSTOR no longer carry PKRU, a user-level context switch "
	  "keeps the old one", true },
	{ "switch.sleep_uaccess", CFG(XSAVE_DEFERRED), ANY, EXPECT_FAIL,
	  "deferred XRSTOR: the kernel writes to the woken task's memory under the previous "
	  "task's PKRU", true },
	/* ---- negative control: nothing switches PKRU ---- */
	{ "switch.task_faults", 0, ANY, EXPECT_PASS, "", false },
	{ "switch.*", CFG(UNMANAGED), ANY, EXPECT_FAIL,
	  "negative control: PKRU is not switched, isolation must be seen to break", false },

	/* ---- injected bugs (DESIGN.md), each where the design is exposed to it ---- */
	{ "switch.init_state", EXPLICIT_WRITE, INJECT_INIT_SKIP, EXPECT_FAIL,
	  "inject=init_skip: a new task's PKRU read from an init image (XSTATE_BV[9]=0) as "
	  "\"absent\", so it inherits the previous task's", false },
	{ "switch.fpu_reset", XCR0_PKRU, INJECT_RESET_ZERO, EXPECT_FAIL,
	  "inject=reset_zero: the FPU reset XRSTOR includes PKRU and loads 0", false },
	{ "switch.yield", EXPLICIT_WRITE, INJECT_NO_WRPKRU, EXPECT_FAIL,
	  "inject=no_wrpkru: switch-in never writes the task's PKRU", false },
	{ "switch.preempt", EXPLICIT_WRITE, INJECT_NO_WRPKRU, EXPECT_FAIL,
	  "inject=no_wrpkru: switch-in never writes the task's PKRU", false },
	{ "switch.kthread", EXPLICIT_WRITE, INJECT_NO_WRPKRU, EXPECT_FAIL,
	  "inject=no_wrpkru: switch-in never writes the task's PKRU", false },
	{ "switch.fpu_reset", EXPLICIT_WRITE, INJECT_NO_WRPKRU, EXPECT_FAIL,
	  "inject=no_wrpkru: switch-in never writes the task's PKRU", false },
	{ "switch.init_state", EXPLICIT_WRITE, INJECT_NO_WRPKRU, EXPECT_FAIL,
	  "inject=no_wrpkru: switch-in never writes the task's PKRU", false },
	{ "switch.uaccess", EXPLICIT_WRITE, INJECT_NO_WRPKRU, EXPECT_FAIL,
	  "inject=no_wrpkru: switch-in never writes the task's PKRU", false },
	{ "switch.sleep_uaccess", EXPLICIT_WRITE, INJECT_NO_WRPKRU, EXPECT_FAIL,
	  "inject=no_wrpkru: switch-in never writes the task's PKRU", false },
	{ "switch.kthread", EXPLICIT_WRITE, INJECT_KTHREAD_SKIP, EXPECT_FAIL,
	  "inject=kthread_skip: the write is skipped when switching from a kernel-only task",
	  false },

	/* ---- harness self-checks ---- */
	/* CR4.PKE never set: every PKRU access #UDs, keys are ignored. */
	{ "pku.*", 0, INJECT_NO_PKE, EXPECT_FAIL,
	  "inject=no_pke: CR4.PKE left clear, PKRU is neither writable nor enforced", false },
	{ "xsave.pkru_roundtrip", 0, INJECT_NO_PKE, EXPECT_FAIL,
	  "inject=no_pke: WRPKRU/RDPKRU #UD", false },
	{ "xsave.init_loads_zero", 0, INJECT_NO_PKE, EXPECT_FAIL,
	  "inject=no_pke: WRPKRU/RDPKRU #UD", false },
	{ "xsave.rfbm_excludes_pkru", 0, INJECT_NO_PKE, EXPECT_FAIL,
	  "inject=no_pke: WRPKRU/RDPKRU #UD", false },
	{ "xsave.user_sees_pkru", 0, INJECT_NO_PKE, EXPECT_FAIL,
	  "inject=no_pke: WRPKRU/RDPKRU #UD", false },
	{ "xsave.xsaveopt", 0, INJECT_NO_PKE, EXPECT_FAIL,
	  "inject=no_pke: WRPKRU/RDPKRU #UD", false },
	{ "xsave.xrstor_faults", 0, INJECT_NO_PKE, EXPECT_FAIL,
	  "inject=no_pke: WRPKRU/RDPKRU #UD", false },
	{ "xsave.xinuse", 0, INJECT_NO_PKE, EXPECT_FAIL,
	  "inject=no_pke: WRPKRU/RDPKRU #UD", false },

	/* PKRU looked for at Zen 3's offset instead of CPUID's. */
	{ "xsave.pkru_roundtrip", 0, INJECT_PKRU_OFFSET, EXPECT_FAIL,
	  "inject=pkru_offset: PKRU read from offset 2432, not CPUID(0xD,9).EBX", false },
	{ "xsave.init_loads_zero", 0, INJECT_PKRU_OFFSET, EXPECT_FAIL,
	  "inject=pkru_offset: PKRU written to offset 2432, not CPUID(0xD,9).EBX", false },
	{ "xsave.user_sees_pkru", 0, INJECT_PKRU_OFFSET, EXPECT_FAIL,
	  "inject=pkru_offset: PKRU read from offset 2432, not CPUID(0xD,9).EBX", false },
	{ "xsave.xsaveopt", 0, INJECT_PKRU_OFFSET, EXPECT_FAIL,
	  "inject=pkru_offset: PKRU read from offset 2432, not CPUID(0xD,9).EBX", false },
};

const struct expectation *expectation_for(const char *id, int config, enum inject_bug inj)
{
	for (unsigned i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct expectation *e = &table[i];

		if (e->inject != EXPECT_ANY_INJECT && e->inject != (int)inj)
			continue;
		if (e->configs && (config < 0 || !(e->configs & (1u << config))))
			continue;
		if (glob_match(e->glob, id))
			return e;
	}
	return NULL;
}
