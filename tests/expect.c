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

static const struct expectation table[] = {
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
