/* Selecting a strategy: the table of configurations and XCR0 per config. */
#include <asm/cpufeature.h>
#include <asm/processor-flags.h>
#include <asm/xstate.h>
#include <asm/cpu.h>
#include <kernel/params.h>
#include <kernel/console.h>
#include "strategy.h"

const struct pkru_strategy *strategy = &strategy_unmanaged;
static struct pkru_strategy active;

static const struct pkru_strategy *const by_config[NR_CONFIGS] = {
#define STRATEGY(E, name) [CONFIG_##E] = &strategy_##name,
#include "list.h"
#undef STRATEGY
};

const struct pkru_strategy *strategy_of(enum pkru_config c) { return by_config[c]; }

enum sigframe_pkru_policy strategy_sigframe_policy(enum pkru_config c)
{
	const struct pkru_strategy *s = by_config[c];

	if (s->xcr0_pkru)
		return SIGFRAME_PKRU_HW;
	/* CPUID(0xD,9) unusable (xstate.bad): no known place for a soft PKRU. */
	if (xstate.bad & XFEATURE_MASK_PKRU)
		return SIGFRAME_PKRU_NONE;
	if (kargs.sigframe_pkru_set && kargs.sigframe_pkru != SIGFRAME_PKRU_HW)
		return kargs.sigframe_pkru;
	return s->sigframe_default;
}

void strategy_print_info(void)
{
	printk("# strategies:");
	for (int c = 0; c < NR_CONFIGS; c++)
		printk(" %s", by_config[c]->name);
	printk("\n");
	for (int c = 0; c < NR_CONFIGS; c++)
		printk("# strategy %s: XCR0[9]=%d, %s\n", by_config[c]->name,
		       by_config[c]->xcr0_pkru, by_config[c]->what);
}

bool strategy_activate(enum pkru_config c, const char **why)
{
	const struct pkru_strategy *s = by_config[c];
	u64 xcr0;

	if (!cpu_has(X86_FEATURE_PKU)) {
		*why = "CPU has no PKU (CPUID.(7,0):ECX[3] = 0)";
		return false;
	}
	if (!pke_enabled()) {
		*why = "CR4.PKE is off (inject=no_pke): RDPKRU/WRPKRU would #UD";
		return false;
	}
	if (!xstate.enabled) {
		*why = "CPU has no XSAVE (CPUID.1:ECX[26] = 0): tasks need it for FPU state";
		return false;
	}
	if (s->xcr0_pkru && (xstate.bad & XFEATURE_MASK_PKRU)) {
		*why = XSTATE_PKRU_BAD_REASON;
		return false;
	}
	if (s->xcr0_pkru && !(xstate.supported & XFEATURE_MASK_PKRU)) {
		*why = "configuration needs XCR0[9] but CPUID.(0xD,0):EAX[9] = 0";
		return false;
	}
	xcr0 = xstate.user_default & ~XFEATURE_MASK_PKRU;
	if (s->xcr0_pkru)
		xcr0 |= XFEATURE_MASK_PKRU;
	xcr0_write(xcr0);
	active = *s;
	if (inject_hooked(INJECT_HOOK_SWITCH_IN) && s->switch_in_injected)
		active.switch_in = s->switch_in_injected;
	strategy = &active;
	return true;
}

void strategy_deactivate(void)
{
	xcr0_write(xstate.user_default);
	strategy = &strategy_unmanaged;
}
