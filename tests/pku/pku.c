/*
 * pku.* -- protection-key semantics of the CPU or emulator itself.
 *
 * Why: both designs in the PKRU argument rest on these rules (SDM vol. 3,
 * 4.6.2): PKRU applies to data accesses to user pages, from ring 3 *and*
 * from ring 0 (so a kernel copying to a user buffer honours the task's
 * PKRU), never to instruction fetches or supervisor pages, and only while
 * CR4.PKE is set.  Every rule is checked in both directions -- the denied
 * access faults with the PK error-code bit, the permitted one does not --
 * and for all 16 keys, so a CPU or emulator that ignored keys, or applied
 * them too widely, fails here.  inject=no_pke (the kernel "forgets"
 * CR4.PKE) must make these scenarios fail.
 */
#include <asm/cpufeature.h>
#include <asm/cpuid.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <asm/traps.h>
#include <asm/cpu.h>
#include <kernel/usermem.h>
#include "../lib/deviation.h"
#include "../lib/testlib.h"

SUITE(pku, 10, "PKRU semantics in ring 0 and ring 3");

#define EC_READ		(PF_P | PF_PK)
#define EC_WRITE	(PF_P | PF_W | PF_PK)
#define EC_UREAD	(PF_P | PF_U | PF_PK)
#define EC_UWRITE	(PF_P | PF_W | PF_U | PF_PK)
#define NO_FAULT	(-1)

/*
 * Every key but k denied: access to key k must still work.  Where denying
 * key 0 in ring 0 would be fatal (a CPU that applies PKRU to the kernel's
 * supervisor pages, reported by supervisor_unaffected) key 0 stays open:
 * the probed page never has key 0 when another key is the one allowed.
 */
static u32 only_key(int k)
{
	return pkru_ring0_safe(PKRU_ALL_DENIED & ~(PKRU_AD_BIT(k) | PKRU_WD_BIT(k)));
}

/* Only key k denied (AD and WD): the kernel's own key 0 stays open. */
static u32 deny_key(int k) { return PKRU_AD_BIT(k) | PKRU_WD_BIT(k); }

#define REQUIRE_PKU(ctx)						\
	do {								\
		const char *why_ = need_pku();				\
		if (why_)						\
			return skip(ctx, "%s", why_);			\
	} while (0)

static enum outcome ad_blocks_read(struct scenario_ctx *ctx)
{
	volatile u8 *p;

	REQUIRE_PKU(ctx);
	p = user_slot_map(0, 0, 0);
	for (int k = 0; k < NR_PKEYS; k++) {
		set_page_pkey((u64)p, k);
		if (set_pkru(ctx, PKRU_AD_BIT(k)))
			expect_access(ctx, p, ACCESS_READ, EC_READ, "read, AD set for the page's key");
		if (set_pkru(ctx, only_key(k)))
			expect_access(ctx, p, ACCESS_READ, NO_FAULT, "read, only the page's key allowed");
		if (set_pkru(ctx, PKRU_AD_BIT((k + 1) % NR_PKEYS)))
			expect_access(ctx, p, ACCESS_READ, NO_FAULT, "read, AD set for another key");
	}
	user_slot_unmap(0);
	return verdict(ctx);
}
SCENARIO(pku, ad_blocks_read, ad_blocks_read,
	 "AD blocks ring-0 reads of a user page for each of the 16 keys, and only that key", 0);

static enum outcome wd_blocks_write(struct scenario_ctx *ctx)
{
	volatile u8 *p;

	REQUIRE_PKU(ctx);
	p = user_slot_map(0, 0, 0);
	for (int k = 0; k < NR_PKEYS; k++) {
		set_page_pkey((u64)p, k);
		set_pkru(ctx, 0);
		*p = 0x11;
		if (set_pkru(ctx, PKRU_WD_BIT(k))) {
			expect_access(ctx, p, ACCESS_WRITE, EC_WRITE, "write, WD set");
			expect_access(ctx, p, ACCESS_READ, NO_FAULT, "read, WD set");
		}
		if (set_pkru(ctx, PKRU_AD_BIT(k)))
			expect_access(ctx, p, ACCESS_WRITE, EC_WRITE, "write, AD set");
		if (set_pkru(ctx, only_key(k)))
			expect_access(ctx, p, ACCESS_WRITE, NO_FAULT, "write, only the page's key allowed");
		set_pkru(ctx, 0);
		check(ctx, *p == 0x5a, "key %d: memory holds %#x after the allowed write, want 0x5a",
		      k, *p);
	}
	user_slot_unmap(0);
	return verdict(ctx);
}
SCENARIO(pku, wd_blocks_write, wd_blocks_write,
	 "WD blocks ring-0 writes (CR0.WP=1) but not reads, AD blocks writes too, for all keys", 0);

static enum outcome wp0_ignores_wd(struct scenario_ctx *ctx)
{
	volatile u8 *p;

	REQUIRE_PKU(ctx);
	p = user_slot_map(0, 5, 0);
	write_cr0(read_cr0() & ~X86_CR0_WP);
	if (set_pkru(ctx, PKRU_WD_BIT(5)))
		expect_access(ctx, p, ACCESS_WRITE, NO_FAULT, "write, WD set, CR0.WP=0");
	if (set_pkru(ctx, PKRU_AD_BIT(5)))
		expect_access(ctx, p, ACCESS_WRITE, EC_WRITE, "write, AD set, CR0.WP=0");
	write_cr0(read_cr0() | X86_CR0_WP);
	if (set_pkru(ctx, PKRU_WD_BIT(5)))
		expect_access(ctx, p, ACCESS_WRITE, EC_WRITE, "write, WD set, CR0.WP=1");
	user_slot_unmap(0);
	return verdict(ctx);
}
SCENARIO(pku, wp0_ignores_wd, wp0_ignores_wd,
	 "with CR0.WP=0 ring 0 writes through WD but not through AD", 0);

static enum outcome ifetch_unaffected(struct scenario_ctx *ctx)
{
	/* mov eax, 0x1234 ; int 0x80  (ring-3 target) -- and a bare RET for ring 0 */
	static const u8 user_body[] = { 0xb8, 0x34, 0x12, 0x00, 0x00, 0xcd, 0x80 };
	struct user_result r;
	u8 *p;

	REQUIRE_PKU(ctx);
	p = user_slot_map(0, 7, USER_SLOT_EXEC);
	p[0] = 0xc3;
	for (unsigned i = 0; i < sizeof(user_body); i++)
		p[16 + i] = user_body[i];

	/* Ring 0 may run user pages here because pkrulab leaves SMEP off. */
	if (set_pkru(ctx, pkru_ring0_safe(PKRU_ALL_DENIED))) {
		expect_access(ctx, p, ACCESS_READ, EC_READ, "read, all keys denied (control)");
		check(ctx, safe_call(p) == PROBE_NO_FAULT,
		      "ring-0 fetch from a key-7 page with all keys denied faulted: %s error=%#llx",
		      exception_name(probe_trap.vector), probe_trap.error_code);
	}
	user_run(USER_SYM(user_jump), user_probe_stack(), (u64)(p + 16), PKRU_ALL_DENIED, 0, &r);
	check(ctx, r.vector == PROBE_NO_FAULT && r.value == 0x1234,
	      "ring-3 fetch with all keys denied: %s, value %#llx",
	      r.vector == PROBE_NO_FAULT ? "no fault" : exception_name(r.vector), r.value);

	/* Control for the probe itself: an NX page does fault, with I, not PK. */
	if (cpu_has(X86_FEATURE_NX)) {
		set_pkru(ctx, 0);
		set_page_flags((u64)p, PTE_NX, 0);
		check(ctx, safe_call(p) == VEC_PF && probe_trap.error_code == (PF_P | PF_I),
		      "fetch from an NX page: %s error=%#llx, want #PF error=0x11",
		      exception_name(probe_trap.vector), probe_trap.error_code);
	}
	user_slot_unmap(0);
	return verdict(ctx);
}
SCENARIO(pku, ifetch_unaffected, ifetch_unaffected,
	 "instruction fetch ignores PKRU in ring 0 and ring 3 (NX page as control)", 0);

/*
 * A ring-0 access to a supervisor page must not fault whatever PKRU says.
 * A #PF with PK set is the CPU applying PKRU where the SDM says it does
 * not: a deviation (pku.wd_supervisor / pku.ad_supervisor), not a
 * pkrulab failure.
 */
static void supervisor_access(struct scenario_ctx *ctx, volatile u8 *p, int write, const char *what)
{
	u8 v;
	int vec = write ? safe_write8(p, 0x5a) : safe_read8(p, &v);

	if (vec == VEC_PF && (probe_trap.error_code & PF_PK)) {
		deviation(ctx, write ? "pku.wd_supervisor" : "pku.ad_supervisor",
			  "%s: #PF error=%#llx (PK) on a supervisor page", what, probe_trap.error_code);
		return;
	}
	check(ctx, vec == PROBE_NO_FAULT, "%s: unexpected %s error=%#llx", what,
	      exception_name(vec), probe_trap.error_code);
}

static enum outcome supervisor_unaffected(struct scenario_ctx *ctx)
{
	volatile u8 *p;

	REQUIRE_PKU(ctx);
	p = user_slot_map(0, 3, 0);
	set_page_flags((u64)p, 0, PTE_U);
	/* First only the page's key denied: survivable even where PKRU binds supervisor pages. */
	if (set_pkru(ctx, deny_key(3))) {
		supervisor_access(ctx, p, ACCESS_READ, "read, supervisor page, its key 3 denied");
		supervisor_access(ctx, p, ACCESS_WRITE, "write, supervisor page, its key 3 denied");
	}
	/* Then every key, the kernel's own included, unless that was just shown to be fatal. */
	if (!pkru_fatal_in_ring0(PKRU_ALL_DENIED) && set_pkru(ctx, PKRU_ALL_DENIED)) {
		supervisor_access(ctx, p, ACCESS_READ, "read, supervisor page, all keys denied");
		supervisor_access(ctx, p, ACCESS_WRITE, "write, supervisor page, all keys denied");
	}
	set_pkru(ctx, deny_key(3));
	set_page_flags((u64)p, PTE_U, 0);
	expect_access(ctx, p, ACCESS_READ, EC_READ, "read, same page made U/S=1 (control)");
	user_slot_unmap(0);
	return verdict(ctx);
}
SCENARIO(pku, supervisor_unaffected, supervisor_unaffected,
	 "a supervisor page with key bits set ignores PKRU; the same page as a user page does not", 0);

static enum outcome pke_off_ignores_pkru(struct scenario_ctx *ctx)
{
	volatile u8 *p;

	REQUIRE_PKU(ctx);
	p = user_slot_map(0, 1, 0);
	if (!set_pkru(ctx, deny_key(1)))
		goto out;
	expect_access(ctx, p, ACCESS_READ, EC_READ, "read, CR4.PKE=1 (control)");
	set_cr4_pke(false);
	expect_access(ctx, p, ACCESS_READ, NO_FAULT, "read, CR4.PKE=0");
	expect_access(ctx, p, ACCESS_WRITE, NO_FAULT, "write, CR4.PKE=0");
	/* Back to the kernel's own setting: PKRU itself survived. */
	set_cr4_pke(pke_enabled());
	expect_access(ctx, p, ACCESS_READ, EC_READ, "read, CR4.PKE=1 again");
	check(ctx, get_pkru(ctx) == deny_key(1), "PKRU did not survive CR4.PKE 1->0->1");
out:
	user_slot_unmap(0);
	return verdict(ctx);
}
SCENARIO(pku, pke_off_ignores_pkru, pke_off_ignores_pkru,
	 "CR4.PKE=0 ignores PKRU; turning it back on enforces the unchanged PKRU again", 0);

static enum outcome error_code(struct scenario_ctx *ctx)
{
	struct user_result r;
	volatile u8 *p, *ro;

	REQUIRE_PKU(ctx);
	p = user_slot_map(0, 9, 0);
	ro = user_slot_map(1, 9, 0);
	set_page_flags((u64)ro, 0, PTE_W);
	if (set_pkru(ctx, PKRU_AD_BIT(9))) {
		expect_access(ctx, p, ACCESS_READ, EC_READ, "ring-0 read, AD");
		expect_access(ctx, p, ACCESS_WRITE, EC_WRITE, "ring-0 write, AD");
	}
	expect_user_access(ctx, (void *)p, ACCESS_READ, PKRU_AD_BIT(9), EC_UREAD, "AD");
	expect_user_access(ctx, (void *)p, ACCESS_WRITE, PKRU_WD_BIT(9), EC_UWRITE, "WD");
	/* Not every #PF on a keyed page is a key fault: PK only for PKRU denials. */
	expect_user_access(ctx, (void *)ro, ACCESS_WRITE, 0, PF_P | PF_W | PF_U,
			   "write to a read-only page, PKRU=0");
	user_slot_unmap(1);
	expect_user_access(ctx, (void *)ro, ACCESS_READ, PKRU_AD_BIT(9), PF_U,
			   "read of an unmapped page, AD set");
	/* Keys are for user-mode addresses: a supervisor page faults ring 3 for U/S alone. */
	set_page_flags((u64)p, 0, PTE_U);
	user_run(USER_SYM(user_pkru_access), user_probe_stack(), (u64)p, PKRU_AD_BIT(9),
		 ACCESS_READ, &r);
	if (r.vector == VEC_PF && r.error_code == (PF_P | PF_U | PF_PK))
		deviation(ctx, "pku.pk_user_to_supervisor",
			  "ring-3 read of a supervisor page whose key AD denies: #PF error=%#llx (PK)",
			  r.error_code);
	else
		expect_user_access(ctx, (void *)p, ACCESS_READ, PKRU_AD_BIT(9), PF_P | PF_U,
				   "read of a supervisor page, its key AD");
	set_page_flags((u64)p, PTE_U, 0);
	user_slot_unmap(0);
	return verdict(ctx);
}
SCENARIO(pku, error_code, error_code,
	 "#PF error code: PK bit with P/W/U exactly as SDM 4.7, and no PK for other faults", 0);

static enum outcome ring3_keys(struct scenario_ctx *ctx)
{
	void *p;

	REQUIRE_PKU(ctx);
	p = user_slot_map(0, 0, 0);
	for (int k = 0; k < NR_PKEYS; k++) {
		set_page_pkey((u64)p, k);
		expect_user_access(ctx, p, ACCESS_READ, PKRU_AD_BIT(k), EC_UREAD, "read, AD");
		expect_user_access(ctx, p, ACCESS_READ, PKRU_WD_BIT(k), NO_FAULT, "read, WD");
		expect_user_access(ctx, p, ACCESS_WRITE, PKRU_WD_BIT(k), EC_UWRITE, "write, WD");
		expect_user_access(ctx, p, ACCESS_WRITE, only_key(k), NO_FAULT,
				   "write, only this key allowed");
	}
	user_slot_unmap(0);
	return verdict(ctx);
}
SCENARIO(pku, ring3_keys, ring3_keys,
	 "ring 3 sets its own PKRU with WRPKRU and gets AD/WD enforced for all 16 keys", 0);

static enum outcome wrpkru_gp(struct scenario_ctx *ctx)
{
	u32 v;
	int vec;

	REQUIRE_PKU(ctx);
	vec = safe_wrpkru_regs(0xc, 1, 0);
	check(ctx, vec == VEC_GP && probe_trap.error_code == 0,
	      "WRPKRU with ECX=1: %s error=%#llx, want #GP(0)", exception_name(vec),
	      probe_trap.error_code);
	vec = safe_wrpkru_regs(0xc, 0, 1);
	check(ctx, vec == VEC_GP, "WRPKRU with EDX=1: %s, want #GP", exception_name(vec));
	vec = safe_rdpkru_ecx(1, &v);
	check(ctx, vec == VEC_GP, "RDPKRU with ECX=1: %s, want #GP", exception_name(vec));
	/* The faulting WRPKRUs must not have changed PKRU. */
	if (set_pkru(ctx, 0x30))
		check(ctx, get_pkru(ctx) == 0x30, "WRPKRU(0x30) then RDPKRU");
	safe_wrpkru_regs(0xc, 1, 0);
	check(ctx, get_pkru(ctx) == 0x30, "a faulting WRPKRU changed PKRU");
	return verdict(ctx);
}
SCENARIO(pku, wrpkru_gp, wrpkru_gp,
	 "WRPKRU with ECX or EDX != 0 and RDPKRU with ECX != 0 raise #GP(0) and change nothing", 0);

static enum outcome rdpkru_ud_without_pke(struct scenario_ctx *ctx)
{
	u32 v;
	int vec;

	REQUIRE_PKU(ctx);
	set_cr4_pke(false);
	vec = safe_rdpkru_ecx(0, &v);
	check(ctx, vec == VEC_UD, "RDPKRU with CR4.PKE=0: %s, want #UD", exception_name(vec));
	vec = safe_wrpkru_regs(0, 0, 0);
	check(ctx, vec == VEC_UD, "WRPKRU with CR4.PKE=0: %s, want #UD", exception_name(vec));
	check(ctx, !(cpuid_count(CPUID_LEAF_EXT_FEATURES, 0).ecx & (1u << 4)),
	      "CPUID OSPKE reads 1 with CR4.PKE=0");
	set_cr4_pke(pke_enabled());
	vec = safe_rdpkru_ecx(0, &v);
	check(ctx, vec == PROBE_NO_FAULT, "RDPKRU with CR4.PKE=1: %s", exception_name(vec));
	check(ctx, cpuid_count(CPUID_LEAF_EXT_FEATURES, 0).ecx & (1u << 4),
	      "CPUID OSPKE reads 0 with CR4.PKE=1");
	return verdict(ctx);
}
SCENARIO(pku, rdpkru_ud_without_pke, rdpkru_ud_without_pke,
	 "RDPKRU/WRPKRU #UD while CR4.PKE=0, work once it is set; CPUID OSPKE follows CR4.PKE", 0);

static enum outcome pte_key_change(struct scenario_ctx *ctx)
{
	volatile u8 *p;
	pte_t *pte;

	REQUIRE_PKU(ctx);
	p = user_slot_map(0, 1, 0);
	if (!set_pkru(ctx, PKRU_AD_BIT(1)))
		goto out;
	expect_access(ctx, p, ACCESS_READ, EC_READ, "read, key 1 denied");
	set_page_pkey((u64)p, 2);	/* with INVLPG */
	pte = lookup_pte((u64)p);
	check(ctx, pte && ((*pte & PTE_PKEY_MASK) >> PTE_PKEY_SHIFT) == 2,
	      "PTE bits 62:59 do not hold key 2");
	expect_access(ctx, p, ACCESS_READ, NO_FAULT, "read after re-keying the page to 2");
	if (set_pkru(ctx, PKRU_AD_BIT(2)))
		expect_access(ctx, p, ACCESS_READ, EC_READ, "read, key 2 denied");
out:
	user_slot_unmap(0);
	return verdict(ctx);
}
SCENARIO(pku, pte_key_change, pte_key_change,
	 "a PTE key change takes effect after INVLPG; WRPKRU takes effect at once", 0);

static enum outcome pke_enable_flush(struct scenario_ctx *ctx)
{
	volatile u8 *p;
	u8 v;
	int vec;

	REQUIRE_PKU(ctx);
	p = user_slot_map(0, 4, 0);
	/*
	 * PKRU denies key 4 before PKE goes off (WRPKRU needs PKE).  Probed
	 * with ring-0 writes (WD, CR0.WP=1): the one ring-0 PK fault every
	 * platform measured so far gets right (Bochs ignores AD in ring 0).
	 */
	if (!set_pkru(ctx, deny_key(4)))
		goto out;
	set_cr4_pke(false);
	/* Fill the TLB with a writable translation: with PKE clear the write is allowed. */
	expect_access(ctx, p, ACCESS_WRITE, NO_FAULT, "write, CR4.PKE=0");
	/* The MOV to CR4 alone, no INVLPG or CR3 reload: that is what is probed. */
	write_cr4(read_cr4() | X86_CR4_PKE);
	vec = safe_write8(p, 0x5a);
	(void)v;
	if (vec == PROBE_NO_FAULT) {
		/* Control: the same access after a full flush must fault. */
		flush_tlb_all();
		vec = safe_write8(p, 0x5a);
		if (check(ctx, vec == VEC_PF && probe_trap.error_code == EC_WRITE,
			  "write, key 4 denied, PKE=1 after a TLB flush: %s error=%#llx, want #PF error=%#x",
			  exception_name(vec), probe_trap.error_code, EC_WRITE))
			deviation(ctx, "pku.pke_enable_no_flush",
				  "a translation cached while CR4.PKE=0 kept full access after MOV to "
				  "CR4 set PKE; only a TLB flush made the key count");
	} else {
		check(ctx, vec == VEC_PF && probe_trap.error_code == EC_WRITE,
		      "write, key 4 denied, right after MOV to CR4 set PKE: %s error=%#llx, want #PF error=%#x",
		      exception_name(vec), probe_trap.error_code, EC_WRITE);
	}
out:
	set_cr4_pke(pke_enabled());
	user_slot_unmap(0);
	return verdict(ctx);
}
SCENARIO(pku, pke_enable_flush, pke_enable_flush,
	 "a translation cached while CR4.PKE=0 is checked against PKRU as soon as MOV to CR4 sets PKE", 0);
