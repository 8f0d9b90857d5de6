/* Shared scenario helpers (see testlib.h). */
#include <asm/cpufeature.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <asm/traps.h>
#include <asm/pgtable.h>
#include <asm/xstate.h>
#include "deviation.h"
#include <kernel/string.h>
#include <kernel/usermem.h>
#include "testlib.h"

const char *need_pku(void)
{
	return cpu_has(X86_FEATURE_PKU) ? NULL : "CPU has no PKU (CPUID.(7,0):ECX[3] = 0)";
}

const char *need_xsave_pkru(void)
{
	if (!cpu_has(X86_FEATURE_XSAVE))
		return "CPU has no XSAVE (CPUID.1:ECX[26] = 0)";
	if (!(xstate.supported & XFEATURE_MASK_PKRU))
		return "XCR0 cannot hold PKRU (CPUID.(0xD,0):EAX[9] = 0)";
	if (xstate.bad & XFEATURE_MASK_PKRU)
		return XSTATE_PKRU_BAD_REASON;
	return need_pku();
}

const char *need_xsave_pkru_bit(void)
{
	if (!cpu_has(X86_FEATURE_XSAVE))
		return "CPU has no XSAVE (CPUID.1:ECX[26] = 0)";
	if (!(xstate.supported & XFEATURE_MASK_PKRU))
		return "XCR0 cannot hold PKRU (CPUID.(0xD,0):EAX[9] = 0)";
	return need_pku();
}

bool set_pkru(struct scenario_ctx *ctx, u32 pkru)
{
	int v;

	if (pkru_fatal_in_ring0(pkru))
		return deviation(ctx, "pku.wd_supervisor",
				 "WRPKRU(%#x) not executed in ring 0: WD for key 0 would write-protect "
				 "the kernel's own (supervisor, key 0) pages here, a fatal fault", pkru);
	v = safe_wrpkru_regs(pkru, 0, 0);

	return check(ctx, v == PROBE_NO_FAULT, "WRPKRU(%#x) raised %s", pkru, exception_name(v));
}

u32 get_pkru(struct scenario_ctx *ctx)
{
	u32 pkru;
	int v = safe_rdpkru_ecx(0, &pkru);

	if (!check(ctx, v == PROBE_NO_FAULT, "RDPKRU raised %s", exception_name(v)))
		return 0xdeadbeef;
	return pkru;
}

/*
 * A ring-0 access to a user page that should have faulted on its key's AD
 * but did not, on a CPU whose boot probe showed exactly that (with ring 3
 * faulting as the control): the deviation, not a pkrulab failure.
 */
static bool ring0_ad_ignored(int vec, void *p, int want_ec, const char *ring)
{
	pte_t *pte = lookup_pte((u64)p);
	int key;

	if (!cpu_quirks.ring0_ignores_ad || vec != PROBE_NO_FAULT || want_ec < 0 ||
	    !(want_ec & PF_PK) || (want_ec & PF_U) || !pte || strcmp(ring, "ring 0"))
		return false;
	key = (*pte & PTE_PKEY_MASK) >> PTE_PKEY_SHIFT;
	return rdpkru() & PKRU_AD_BIT(key);
}

static bool judge(struct scenario_ctx *ctx, int vec, u64 ec, u64 cr2, void *p,
		  int want_ec, const char *ring, const char *what)
{
	if (ring0_ad_ignored(vec, p, want_ec, ring))
		return deviation(ctx, "pku.ring0_ignores_ad",
				 "%s: a ring-0 access to a user page whose key has AD set did not fault",
				 what);
	if (want_ec < 0)
		return check(ctx, vec == PROBE_NO_FAULT, "%s (%s): unexpected %s error=%#llx",
			     what, ring, exception_name(vec), ec);
	if (!check(ctx, vec == VEC_PF, "%s (%s): expected #PF error=%#x, got %s", what, ring,
		   want_ec, vec == PROBE_NO_FAULT ? "no fault" : exception_name(vec)))
		return false;
	return check(ctx, ec == (u64)want_ec && cr2 == (u64)p,
		     "%s (%s): #PF error=%#llx cr2=%#llx, expected error=%#x cr2=%p",
		     what, ring, ec, cr2, want_ec, p);
}

bool expect_access(struct scenario_ctx *ctx, volatile void *p, int write, int want_ec,
		   const char *what)
{
	u8 v;
	int vec = write ? safe_write8(p, 0x5a) : safe_read8(p, &v);

	return judge(ctx, vec, probe_trap.error_code, probe_trap.cr2, (void *)p, want_ec,
		     "ring 0", what);
}

bool expect_user_access(struct scenario_ctx *ctx, void *p, int write, u32 pkru,
			int want_ec, const char *what)
{
	struct user_result r;

	user_run(USER_SYM(user_pkru_access), user_probe_stack(), (u64)p, pkru, write, &r);
	return judge(ctx, r.vector, r.error_code, r.cr2, p, want_ec, "ring 3", what);
}

void set_cr4_pke(bool on)
{
	u64 cr4 = read_cr4();

	write_cr4(on ? cr4 | X86_CR4_PKE : cr4 & ~X86_CR4_PKE);
	flush_tlb_all();
}
