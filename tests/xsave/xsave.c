/*
 * xsave.* -- how XSAVE treats PKRU (component 9), the mechanism the
 * "XSAVE-managed PKRU" design depends on.
 *
 * Why: the XSAVE design gets PKRU switching and a signal-frame ABI "for
 * free" only if these hold (SDM vol. 1, ch. 13): XCR0 accepts bit 9 only
 * when CPUID says so, the area grows to hold component 9, XSAVE writes
 * PKRU and XRSTOR loads it, XRSTOR with XSTATE_BV[9]=0 loads the init value
 * 0 (all access allowed -- the source of the "PKRU=0 treated as missing"
 * bugs), an RFBM without bit 9 leaves PKRU alone (how Linux >= 5.14 keeps
 * kernel XRSTORs away from PKRU), and ring-3 XSAVE/XRSTOR see PKRU only
 * while XCR0[9]=1 (what the explicit design takes away from user-level
 * context switchers).  Offsets come from CPUID, never constants;
 * inject=pkru_offset (assume Zen 3's 2432) must make the buffer checks fail.
 */
#include <asm/cpufeature.h>
#include <asm/cpuid.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <asm/traps.h>
#include <asm/xstate.h>
#include <kernel/params.h>
#include "../lib/deviation.h"
#include <kernel/string.h>
#include <kernel/usermem.h>
#include "../lib/testlib.h"

SUITE(xsave, 20, "how XSAVE, XRSTOR and XCR0 treat PKRU");

#define POISON32	0xa5a5a5a5u
#define XCR0_FP_SSE	(XFEATURE_MASK_X87 | XFEATURE_MASK_SSE)
/* Pre-set compacted PKRU slot: key 0 open, so loading it cannot hurt ring 0. */
#define COMPACT_SLOT_MARK	0x55555550u

static u8 buf[XSTATE_BUF_MAX] __aligned(64);

#define REQUIRE(ctx, why_expr)						\
	do {								\
		const char *why_ = (why_expr);				\
		if (why_)						\
			return skip(ctx, "%s", why_);			\
	} while (0)

static const char *need_xsave(void)
{
	return cpu_has(X86_FEATURE_XSAVE) ? NULL : "CPU has no XSAVE (CPUID.1:ECX[26] = 0)";
}

/* Zen 3's PKRU offset (CPUID(0xD,9).EBX = 0x980 there), what inject=pkru_offset assumes. */
#define ZEN3_PKRU_OFFSET 2432

/* The offset the buffer checks use: CPUID's, unless the self-check breaks it. */
static u32 pkru_offset(void)
{
	return inject_active(INJECT_PKRU_OFFSET) ? ZEN3_PKRU_OFFSET : xstate_pkru_offset();
}

static u32 *pkru_slot(void *area) { return (u32 *)((u8 *)area + pkru_offset()); }

static void poison(void *area)
{
	memset(area, 0xa5, XSTATE_BUF_MAX);
	memset(xstate_hdr(area), 0, sizeof(struct xstate_header));
}

/* The XCR0 values every XSAVE CPU must accept, filtered by what it supports. */
static int legal_xcr0s(u64 *out)
{
	static const u64 candidates[] = {
		XFEATURE_MASK_X87, XCR0_FP_SSE, XCR0_FP_SSE | XFEATURE_MASK_YMM,
		XFEATURE_MASK_X87 | XFEATURE_MASK_PKRU, XCR0_FP_SSE | XFEATURE_MASK_PKRU,
		XCR0_FP_SSE | XFEATURE_MASK_YMM | XFEATURE_MASK_PKRU,
		XCR0_FP_SSE | XFEATURE_MASK_YMM | XFEATURE_MASK_AVX512,
		XCR0_FP_SSE | XFEATURE_MASK_YMM | XFEATURE_MASK_AVX512 | XFEATURE_MASK_PKRU,
	};
	int n = 0;

	for (unsigned i = 0; i < ARRAY_SIZE(candidates); i++)
		if ((candidates[i] & xstate.supported) == candidates[i])
			out[n++] = candidates[i];
	return n;
}

static enum outcome xcr0_legal(struct scenario_ctx *ctx)
{
	u64 vals[8], got;
	int n;

	REQUIRE(ctx, need_xsave());
	n = legal_xcr0s(vals);
	for (int i = 0; i < n; i++) {
		int vec = safe_xsetbv(0, vals[i]);

		if (!check(ctx, vec == PROBE_NO_FAULT, "XSETBV(%#llx) raised %s", vals[i],
			   exception_name(vec)))
			continue;
		got = xgetbv(0);
		check(ctx, got == vals[i], "XCR0 reads %#llx after XSETBV(%#llx)", got, vals[i]);
	}
	xcr0_write(xstate.user_default);
	return verdict(ctx);
}
SCENARIO(xsave, xcr0_legal, xcr0_legal,
	 "XSETBV accepts every legal XCR0 the CPU supports (with and without PKRU) and XGETBV reads it back", 0);

static enum outcome xcr0_illegal(struct scenario_ctx *ctx)
{
	struct { u32 index; u64 val; const char *why; } bad[8];
	int n = 0;
	u64 before;

	REQUIRE(ctx, need_xsave());
	bad[n++] = (typeof(bad[0])){ 0, 0, "x87 bit clear" };
	bad[n++] = (typeof(bad[0])){ 0, XFEATURE_MASK_SSE, "SSE without x87" };
	bad[n++] = (typeof(bad[0])){ 0, XCR0_FP_SSE | (1ull << 63), "reserved bit 63" };
	bad[n++] = (typeof(bad[0])){ 1, XCR0_FP_SSE, "XCR1 is not writable" };
	if (xstate.supported & XFEATURE_MASK_YMM)
		bad[n++] = (typeof(bad[0])){ 0, XFEATURE_MASK_X87 | XFEATURE_MASK_YMM, "AVX without SSE" };
	if ((xstate.supported & XFEATURE_MASK_AVX512) == XFEATURE_MASK_AVX512)
		bad[n++] = (typeof(bad[0])){ 0, XCR0_FP_SSE | XFEATURE_MASK_YMM | (1ull << XFEATURE_OPMASK),
					     "opmask without the ZMM components" };
	if (!(xstate.supported & XFEATURE_MASK_PKRU))
		bad[n++] = (typeof(bad[0])){ 0, XCR0_FP_SSE | XFEATURE_MASK_PKRU,
					     "PKRU bit on a CPU without it" };
	for (int bit = 10; bit < 63; bit++)
		if (!(xstate.supported & (1ull << bit))) {
			bad[n++] = (typeof(bad[0])){ 0, XCR0_FP_SSE | (1ull << bit),
						     "a component CPUID does not list" };
			break;
		}

	before = xgetbv(0);
	for (int i = 0; i < n; i++) {
		int vec = safe_xsetbv(bad[i].index, bad[i].val);

		if (vec == PROBE_NO_FAULT && (bad[i].val & XFEATURE_MASK_AVX512)) {
			deviation(ctx, "xsave.xsetbv_avx512_partial", "XSETBV(%#llx) [%s] accepted",
				  bad[i].val, bad[i].why);
			xcr0_write(before);
			continue;
		}
		check(ctx, vec == VEC_GP, "XSETBV(XCR%u, %#llx) [%s]: %s, want #GP", bad[i].index,
		      bad[i].val, bad[i].why, vec == PROBE_NO_FAULT ? "accepted" : exception_name(vec));
		check(ctx, xgetbv(0) == before, "XCR0 changed by a rejected XSETBV [%s]", bad[i].why);
	}
	xcr0_write(xstate.user_default);
	return verdict(ctx);
}
SCENARIO(xsave, xcr0_illegal, xcr0_illegal,
	 "XSETBV #GPs on illegal XCR0 values (x87 clear, AVX w/o SSE, unsupported bits) and leaves XCR0 alone", 0);

static enum outcome area_size(struct scenario_ctx *ctx)
{
	u64 vals[8];
	u32 max = cpuid_count(CPUID_LEAF_XSTATE, 0).ecx;
	int n;

	REQUIRE(ctx, need_xsave());
	if (xstate.bad & XFEATURE_MASK_PKRU)
		deviation(ctx, "xsave.cpuid_pkru_component",
			  "CPUID(0xD,0).EAX[9]=1 but CPUID(0xD,9) gives size %u offset %u; "
			  "CPUID(0xD,0).EBX=%u for every XCR0 with bit 9",
			  xstate.bad_size[XFEATURE_PKRU], xstate.bad_offset[XFEATURE_PKRU],
			  (xcr0_write(XCR0_FP_SSE | XFEATURE_MASK_PKRU),
			   cpuid_count(CPUID_LEAF_XSTATE, 0).ebx));
	n = legal_xcr0s(vals);
	for (int i = 0; i < n; i++) {
		struct cpuid_regs r;

		xcr0_write(vals[i]);
		r = cpuid_count(CPUID_LEAF_XSTATE, 0);
		diag("XCR0=%#llx: CPUID(0xD,0).EBX=%u, from components %u", vals[i], r.ebx,
		     xstate_size_for(vals[i]));
		/* A component CPUID misdescribes has no size to add up: not compared. */
		if (vals[i] & xstate.bad)
			continue;
		check(ctx, r.ebx == xstate_size_for(vals[i]),
		      "XCR0=%#llx: CPUID(0xD,0).EBX=%u but the enabled components end at %u",
		      vals[i], r.ebx, xstate_size_for(vals[i]));
		check(ctx, r.ecx == max, "CPUID(0xD,0).ECX changed with XCR0");
	}
	if ((xstate.supported & ~xstate.bad) & XFEATURE_MASK_PKRU) {
		u32 off = xstate_pkru_offset();

		check(ctx, xstate.size[XFEATURE_PKRU] == 8, "PKRU component size %u, want 8",
		      xstate.size[XFEATURE_PKRU]);
		check(ctx, off >= XSAVE_LEGACY_SIZE + XSAVE_HDR_SIZE && off + 8 <= max,
		      "PKRU offset %u outside the area", off);
		xcr0_write(XCR0_FP_SSE);
		u32 without = cpuid_count(CPUID_LEAF_XSTATE, 0).ebx;

		xcr0_write(XCR0_FP_SSE | XFEATURE_MASK_PKRU);
		check(ctx, cpuid_count(CPUID_LEAF_XSTATE, 0).ebx == off + 8 && without == 576,
		      "area with XCR0=0x203 is not PKRU offset + 8, or 0x3 is not 576");
	}
	xcr0_write(xstate.user_default);
	return verdict(ctx);
}
SCENARIO(xsave, area_size, area_size,
	 "CPUID(0xD,0).EBX follows XCR0 and matches the per-component offsets; PKRU is 8 bytes", 0);

static enum outcome pkru_roundtrip(struct scenario_ctx *ctx)
{
	static const u32 vals[] = { PKRU_INIT_LINUX, 0xc, 0x3, 0xfffffffc, 0x40000000 };

	REQUIRE(ctx, need_xsave_pkru());
	for (unsigned i = 0; i < ARRAY_SIZE(vals); i++) {
		struct xstate_header *h = xstate_hdr(buf);

		poison(buf);
		if (!set_pkru(ctx, vals[i]))
			break;
		xsave(buf, ~0ull);
		check(ctx, h->xstate_bv & XFEATURE_MASK_PKRU,
		      "XSAVE with PKRU=%#x left XSTATE_BV[9] clear", vals[i]);
		check(ctx, *pkru_slot(buf) == vals[i], "XSAVE stored %#x at offset %u, PKRU was %#x",
		      *pkru_slot(buf), pkru_offset(), vals[i]);
		set_pkru(ctx, 0x55555550);
		xrstor(buf, ~0ull);
		check(ctx, get_pkru(ctx) == vals[i], "XRSTOR loaded PKRU %#x, saved %#x",
		      get_pkru(ctx), vals[i]);
	}
	return verdict(ctx);
}
SCENARIO(xsave, pkru_roundtrip, pkru_roundtrip,
	 "XSAVE stores PKRU at CPUID(0xD,9).EBX with XSTATE_BV[9]=1 and XRSTOR loads it back", 0);

static enum outcome init_loads_zero(struct scenario_ctx *ctx)
{
	struct xstate_header *h = xstate_hdr(buf);

	REQUIRE(ctx, need_xsave_pkru());
	poison(buf);
	set_pkru(ctx, 0x3c);
	xsave(buf, ~0ull);
	*pkru_slot(buf) = 0x12345678 & ~3u;
	h->xstate_bv &= ~XFEATURE_MASK_PKRU;
	set_pkru(ctx, 0xc);
	xrstor(buf, ~0ull);
	check(ctx, get_pkru(ctx) == 0, "XRSTOR with XSTATE_BV[9]=0 loaded %#x, want the init value 0",
	      get_pkru(ctx));
	/* Control: with the bit set the slot's value is what gets loaded. */
	h->xstate_bv |= XFEATURE_MASK_PKRU;
	xrstor(buf, ~0ull);
	check(ctx, get_pkru(ctx) == (0x12345678 & ~3u),
	      "XRSTOR with XSTATE_BV[9]=1 loaded %#x, want the slot value %#x", get_pkru(ctx),
	      0x12345678 & ~3u);
	return verdict(ctx);
}
SCENARIO(xsave, init_loads_zero, init_loads_zero,
	 "XRSTOR with XSTATE_BV[9]=0 loads PKRU=0 (all access), ignoring the slot", 0);

static enum outcome rfbm_excludes_pkru(struct scenario_ctx *ctx)
{
	struct xstate_header *h = xstate_hdr(buf);
	u64 no_pkru = xstate.user_default & ~XFEATURE_MASK_PKRU;

	REQUIRE(ctx, need_xsave_pkru());
	poison(buf);
	set_pkru(ctx, 0x30);
	xsave(buf, ~0ull);
	set_pkru(ctx, 0xc);
	xrstor(buf, no_pkru);
	check(ctx, get_pkru(ctx) == 0xc, "XRSTOR with RFBM[9]=0 changed PKRU to %#x", get_pkru(ctx));
	xrstor(buf, ~0ull);
	check(ctx, get_pkru(ctx) == 0x30, "XRSTOR with RFBM[9]=1 loaded %#x, want 0x30 (control)",
	      get_pkru(ctx));

	/* XSAVE with RFBM[9]=0 neither writes the slot nor touches XSTATE_BV[9]. */
	poison(buf);
	h->xstate_bv = XFEATURE_MASK_PKRU;
	xsave(buf, no_pkru);
	check(ctx, *pkru_slot(buf) == POISON32, "XSAVE with RFBM[9]=0 wrote the PKRU slot (%#x)",
	      *pkru_slot(buf));
	check(ctx, h->xstate_bv & XFEATURE_MASK_PKRU, "XSAVE with RFBM[9]=0 cleared XSTATE_BV[9]");
	return verdict(ctx);
}
SCENARIO(xsave, rfbm_excludes_pkru, rfbm_excludes_pkru,
	 "XSAVE/XRSTOR with PKRU left out of RFBM neither store nor load it (Linux >= 5.14 kernel XRSTOR)", 0);

static enum outcome user_sees_pkru(struct scenario_ctx *ctx)
{
	struct user_result r;
	u8 *ub;
	struct xstate_header *h;

	REQUIRE(ctx, need_xsave_pkru());
	/* Two contiguous user pages, key 0: room for any standard area. */
	ub = user_slot_map(2, 0, 0);
	user_slot_map(3, 0, 0);
	h = xstate_hdr(ub);

	for (int with = 1; with >= 0; with--) {
		u64 xcr0 = with ? xstate.user_default : xstate.user_default & ~XFEATURE_MASK_PKRU;
		const char *state = with ? "XCR0[9]=1" : "XCR0[9]=0";

		xcr0_write(xcr0);
		set_pkru(ctx, 0);
		memset(ub, 0xa5, 2 * PAGE_SIZE);
		memset(h, 0, sizeof(*h));
		user_run(USER_SYM(user_xsave), user_probe_stack(), (u64)ub, 0x55555550, ~0ull, &r);
		set_pkru(ctx, 0);
		if (!check(ctx, r.vector == PROBE_NO_FAULT, "ring-3 XSAVE (%s) raised %s", state,
			   exception_name(r.vector)))
			continue;
		if (with) {
			check(ctx, (h->xstate_bv & XFEATURE_MASK_PKRU) && *pkru_slot(ub) == 0x55555550,
			      "ring-3 XSAVE with %s: XSTATE_BV[9]=%d slot=%#x, want 1 and 0x55555550",
			      state, !!(h->xstate_bv & XFEATURE_MASK_PKRU), *pkru_slot(ub));
		} else {
			check(ctx, !(h->xstate_bv & XFEATURE_MASK_PKRU) && *pkru_slot(ub) == POISON32,
			      "ring-3 XSAVE with %s: XSTATE_BV[9]=%d slot=%#x, want 0 and untouched",
			      state, !!(h->xstate_bv & XFEATURE_MASK_PKRU), *pkru_slot(ub));
		}
		/* Ring-3 XRSTOR: loads PKRU from the buffer only when XCR0[9]=1. */
		memset(ub, 0, 2 * PAGE_SIZE);
		*(u32 *)(ub + XSAVE_MXCSR_OFFSET) = MXCSR_DEFAULT;
		h->xstate_bv = with ? XFEATURE_MASK_PKRU : 0;
		*pkru_slot(ub) = 0xc;
		user_run(USER_SYM(user_xrstor), user_probe_stack(), (u64)ub, 0x55555550, ~0ull, &r);
		check(ctx, r.vector == PROBE_NO_FAULT && r.value == (with ? 0xc : 0x55555550),
		      "ring-3 XRSTOR with %s: %s, PKRU after %#llx, want %#x", state,
		      r.vector == PROBE_NO_FAULT ? "no fault" : exception_name(r.vector), r.value,
		      with ? 0xc : 0x55555550);
		set_pkru(ctx, 0);
	}
	xcr0_write(xstate.user_default);
	user_slot_unmap(2);
	user_slot_unmap(3);
	return verdict(ctx);
}
SCENARIO(xsave, user_sees_pkru, user_sees_pkru,
	 "ring-3 XSAVE/XRSTOR carry PKRU only while XCR0[9]=1 (what user context switchers lose without it)", 0);

static enum outcome xsaveopt_tracks_wrpkru(struct scenario_ctx *ctx)
{
	REQUIRE(ctx, need_xsave_pkru());
	if (!cpu_has(X86_FEATURE_XSAVEOPT))
		return skip(ctx, "CPU has no XSAVEOPT (CPUID.(0xD,1):EAX[0] = 0)");
	poison(buf);
	set_pkru(ctx, 0x3c);
	xsaveopt(buf, ~0ull);
	check(ctx, *pkru_slot(buf) == 0x3c, "XSAVEOPT stored %#x, want 0x3c", *pkru_slot(buf));
	xrstor(buf, ~0ull);
	/* The modified optimisation must notice a WRPKRU after the XRSTOR. */
	set_pkru(ctx, 0xf0);
	xsaveopt(buf, ~0ull);
	check(ctx, *pkru_slot(buf) == 0xf0, "XSAVEOPT after WRPKRU stored %#x, want 0xf0",
	      *pkru_slot(buf));
	set_pkru(ctx, 0);
	xrstor(buf, ~0ull);
	check(ctx, get_pkru(ctx) == 0xf0, "XRSTOR of the XSAVEOPT image loaded %#x", get_pkru(ctx));
	return verdict(ctx);
}
SCENARIO(xsave, xsaveopt, xsaveopt_tracks_wrpkru,
	 "XSAVEOPT saves PKRU and its modified optimisation sees a WRPKRU after XRSTOR", 0);

/* Compacted-format offset of component nr for a given XCOMP_BV (SDM 13.4.3). */
static u32 compacted_offset(u64 xcomp_bv, int nr)
{
	u32 off = XSAVE_LEGACY_SIZE + XSAVE_HDR_SIZE;

	for (int i = XFEATURE_YMM; i < nr; i++) {
		if (!(xcomp_bv & (1ull << i)))
			continue;
		if (cpuid_count(CPUID_LEAF_XSTATE, i).ecx & 2)
			off = ALIGN_UP(off, 64);
		off += xstate.size[i];
	}
	if (cpuid_count(CPUID_LEAF_XSTATE, nr).ecx & 2)
		off = ALIGN_UP(off, 64);
	return off;
}

static enum outcome compacted_variant(struct scenario_ctx *ctx, bool supervisor)
{
	struct xstate_header *h = xstate_hdr(buf);
	u64 rfbm = XCR0_FP_SSE | XFEATURE_MASK_PKRU;
	u32 off, slot, want;

	/*
	 * The compacted offset of PKRU follows from the sizes of the
	 * components below it in XCOMP_BV (none here besides the legacy area),
	 * not from CPUID(0xD,9).EBX: this runs where that leaf is unusable.
	 */
	xcr0_write(xstate.supported & (XCR0_FP_SSE | XFEATURE_MASK_PKRU));
	poison(buf);
	/* What the slot holds if nothing is stored there: a PKRU ring 0 survives. */
	*(u32 *)(buf + XSAVE_LEGACY_SIZE + XSAVE_HDR_SIZE) = COMPACT_SLOT_MARK;
	set_pkru(ctx, 0x3c);
	if (supervisor) {
		wrmsr(MSR_IA32_XSS, 0);
		xsaves(buf, rfbm);
	} else {
		xsavec(buf, rfbm);
	}
	off = compacted_offset(h->xcomp_bv, XFEATURE_PKRU);
	check(ctx, h->xcomp_bv == (XCOMP_BV_COMPACTED | rfbm),
	      "XCOMP_BV=%#llx, want %#llx", h->xcomp_bv, XCOMP_BV_COMPACTED | rfbm);
	slot = *(u32 *)(buf + off);
	if (slot == COMPACT_SLOT_MARK && off == XSAVE_LEGACY_SIZE + XSAVE_HDR_SIZE &&
	    (h->xstate_bv & XFEATURE_MASK_PKRU)) {
		deviation(ctx, "xsave.compacted_pkru_not_stored",
			  "%s with RFBM[9]=1 and PKRU=0x3c set XSTATE_BV[9] but left the compacted "
			  "PKRU slot at %u untouched", supervisor ? "XSAVES" : "XSAVEC", off);
		want = slot;	/* the restore must at least load what the slot holds */
	} else {
		check(ctx, slot == 0x3c, "compacted PKRU slot at %u holds %#x, want 0x3c", off, slot);
		want = 0x3c;
	}
	set_pkru(ctx, 0);
	if (supervisor)
		xrstors(buf, rfbm);
	else
		xrstor(buf, rfbm);
	check(ctx, get_pkru(ctx) == want, "restore from the compacted image loaded %#x, want %#x",
	      get_pkru(ctx), want);
	set_pkru(ctx, 0);
	xcr0_write(xstate.user_default);
	return verdict(ctx);
}

static enum outcome xsavec_variant(struct scenario_ctx *ctx)
{
	REQUIRE(ctx, need_xsave_pkru_bit());
	if (!cpu_has(X86_FEATURE_XSAVEC))
		return skip(ctx, "CPU has no XSAVEC (CPUID.(0xD,1):EAX[1] = 0)");
	return compacted_variant(ctx, false);
}
SCENARIO(xsave, xsavec, xsavec_variant,
	 "XSAVEC stores PKRU in the compacted format at its computed offset; XRSTOR loads it", 0);

static enum outcome xsaves_variant(struct scenario_ctx *ctx)
{
	REQUIRE(ctx, need_xsave_pkru_bit());
	if (!cpu_has(X86_FEATURE_XSAVES))
		return skip(ctx, "CPU has no XSAVES (CPUID.(0xD,1):EAX[3] = 0)");
	return compacted_variant(ctx, true);
}
SCENARIO(xsave, xsaves, xsaves_variant,
	 "XSAVES/XRSTORS (IA32_XSS=0) carry PKRU, a user component, in the compacted format", 0);

static enum outcome xinuse(struct scenario_ctx *ctx)
{
	u64 in_use;

	REQUIRE(ctx, need_xsave_pkru_bit());
	if (!cpu_has(X86_FEATURE_XGETBV1))
		return skip(ctx, "CPU has no XGETBV with ECX=1 (CPUID.(0xD,1):EAX[2] = 0)");
	xcr0_write(xstate.user_default | XFEATURE_MASK_PKRU);
	set_pkru(ctx, 0x3c);
	in_use = xgetbv(1);
	check(ctx, in_use & XFEATURE_MASK_PKRU, "XINUSE[9]=0 with PKRU=0x3c (not its init value)");
	check(ctx, !(in_use & ~xcr0_read()), "XINUSE %#llx has bits outside XCR0 %#llx", in_use,
	      xcr0_read());
	set_pkru(ctx, 0);
	in_use = xgetbv(1);
	/* PKRU=0 is the init value: XINUSE[9] may be 0 (AMD, some Intel) or 1 (QEMU). */
	diag("XINUSE with PKRU=0: %#llx (bit 9 = %d; either is architectural)", in_use,
	     !!(in_use & XFEATURE_MASK_PKRU));
	xcr0_write(xstate.user_default);
	return verdict(ctx);
}
SCENARIO(xsave, xinuse, xinuse,
	 "XGETBV(1): XINUSE[9] is set whenever PKRU != 0 and never names a component outside XCR0", 0);

static enum outcome xrstor_faults(struct scenario_ctx *ctx)
{
	struct xstate_header *h = xstate_hdr(buf);
	struct { const char *what; u64 xcr0; int field; u64 val; } cases[] = {
		{ "XSTATE_BV[9] set with XCR0[9]=0", XCR0_FP_SSE, 0, XFEATURE_MASK_PKRU },
		{ "XSTATE_BV bit 62 set", 0, 0, 1ull << 62 },
		{ "XCOMP_BV[63] set (compacted) without XSAVEC", 0, 1, XCOMP_BV_COMPACTED | XCR0_FP_SSE },
		{ "header bytes 23:16 non-zero", 0, 2, 1 },
	};

	REQUIRE(ctx, need_xsave_pkru_bit());
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		int vec;

		if (cases[i].field == 1 && cpu_has(X86_FEATURE_XSAVEC))
			continue;
		/* XCR0[9]=1 without a PKRU offset: nothing here reads the slot. */
		xcr0_write(xstate.user_default | XFEATURE_MASK_PKRU);
		set_pkru(ctx, 0);
		poison(buf);
		xsave(buf, ~0ull);
		set_pkru(ctx, 0x30);
		if (cases[i].xcr0)
			xcr0_write(cases[i].xcr0);
		switch (cases[i].field) {
		case 0: h->xstate_bv |= cases[i].val; break;
		case 1: h->xcomp_bv = cases[i].val; break;
		case 2: h->reserved[0] = cases[i].val; break;
		}
		vec = safe_xrstor(buf, ~0ull);
		check(ctx, vec == VEC_GP, "XRSTOR with %s: %s, want #GP", cases[i].what,
		      vec == PROBE_NO_FAULT ? "no fault" : exception_name(vec));
		check(ctx, get_pkru(ctx) == 0x30, "faulting XRSTOR (%s) changed PKRU to %#x",
		      cases[i].what, get_pkru(ctx));
	}
	xcr0_write(xstate.user_default);
	return verdict(ctx);
}
SCENARIO(xsave, xrstor_faults, xrstor_faults,
	 "XRSTOR #GPs on XSTATE_BV bits outside XCR0, compacted format without XSAVEC, header bytes 23:8 non-zero", 0);

static enum outcome mxcsr_reserved(struct scenario_ctx *ctx)
{
	u32 *mxcsr = (u32 *)(buf + XSAVE_MXCSR_OFFSET);
	int vec;

	REQUIRE(ctx, need_xsave());
	poison(buf);
	xsave(buf, ~0ull);
	*mxcsr = MXCSR_DEFAULT | (1u << 16);	/* reserved on every CPU */
	xstate_hdr(buf)->xstate_bv |= XFEATURE_MASK_SSE;
	vec = safe_xrstor(buf, ~0ull);
	if (vec == PROBE_NO_FAULT) {
		*mxcsr = MXCSR_DEFAULT;
		xrstor(buf, ~0ull);	/* do not leave a bad MXCSR behind */
		/* Why sigreturn checks MXCSR in software (as Linux does). */
		deviation(ctx, "mxcsr.reserved_no_gp",
			  "XRSTOR loaded MXCSR %#x (bit 16 reserved) without #GP",
			  MXCSR_DEFAULT | (1u << 16));
		return verdict(ctx);
	}
	check(ctx, vec == VEC_GP, "XRSTOR with MXCSR bit 16 set: %s, want #GP",
	      exception_name(vec));
	return verdict(ctx);
}
SCENARIO(xsave, mxcsr_reserved, mxcsr_reserved,
	 "XRSTOR #GPs on reserved MXCSR bits (QEMU TCG: a known deviation)", 0);

static enum outcome init_tracking(struct scenario_ctx *ctx)
{
	struct xstate_header *h = xstate_hdr(buf);
	u64 in_use = 0;
	bool xgetbv1 = cpu_has(X86_FEATURE_XGETBV1);
	u64 bv;

	REQUIRE(ctx, need_xsave_pkru_bit());
	xcr0_write(xstate.user_default | XFEATURE_MASK_PKRU);
	/* XRSTOR with XSTATE_BV[9]=0 initialises PKRU without reading its slot. */
	poison(buf);
	set_pkru(ctx, 0x3c);
	xsave(buf, ~0ull);
	h->xstate_bv &= ~XFEATURE_MASK_PKRU;
	xrstor(buf, ~0ull);
	check(ctx, get_pkru(ctx) == 0, "XRSTOR with XSTATE_BV[9]=0 left PKRU %#x, want 0", get_pkru(ctx));
	if (xgetbv1)
		in_use = xgetbv(1);
	h->xstate_bv = 0;
	xsave(buf, ~0ull);
	bv = h->xstate_bv & XFEATURE_MASK_PKRU;
	/* SDM vol. 1 13.7: XSAVE writes XSTATE_BV[i] = XINUSE[i] for RFBM[i] = 1. */
	if (xgetbv1)
		check(ctx, !!(in_use & XFEATURE_MASK_PKRU) == !!bv,
		      "XSAVE wrote XSTATE_BV[9]=%d but XGETBV(1) said XINUSE[9]=%d just before",
		      !!bv, !!(in_use & XFEATURE_MASK_PKRU));
	diag("NOTE[xsave.init_tracking]: %s", bv ?
	     "init state not tracked: XSAVE sets XSTATE_BV[9] right after XRSTOR initialised PKRU "
	     "(allowed: SDM vol. 1 13.8.3, XINUSE[i] may be set to 0 or 1)" :
	     "init state tracked: XSAVE leaves XSTATE_BV[9] clear after XRSTOR initialised PKRU");
	xcr0_write(xstate.user_default);
	return verdict(ctx);
}
SCENARIO(xsave, init_tracking, init_tracking,
	 "after XRSTOR initialises PKRU, XSAVE's XSTATE_BV[9] agrees with XGETBV(1); reports whether init is tracked", 0);
