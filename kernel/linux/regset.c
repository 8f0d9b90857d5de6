/*
 * The NT_X86_XSTATE regset (PTRACE_GETREGSET/SETREGSET): a stopped
 * thread's FPU state in the standard (non-compacted) XSAVE layout, as
 * Linux's xstateregs_get()/xstateregs_set() give and take it.
 *
 * PKRU is component 9 of that layout under every design.  Where XCR0[9]
 * is 1 it also lives in the task's XSAVE image; where it is 0 (explicit)
 * the image has no PKRU at all and the value is the strategy's, so the
 * regset carries it by software, as Linux does from thread.pkru: the
 * regset's features are XCR0 plus PKRU, its size reaches the end of
 * component 9, XSTATE_BV[9] says whether PKRU is out of its init state
 * (0), and SETREGSET gives the strategy the new value -- the slot's, or 0
 * when the tracer cleared XSTATE_BV[9].  Other components come from and go
 * to the image: a component whose XSTATE_BV bit is clear reads as its init
 * state and is put in its init state by the next XRSTOR.
 *
 * Checks as in Linux: SETREGSET wants the whole regset (-EFAULT), no
 * feature outside it, XCOMP_BV 0, the reserved header bytes 0 and a legal
 * MXCSR (-EINVAL).
 */
#include <asm/cpu.h>
#include <asm/processor-flags.h>
#include <asm/xstate.h>
#include <kernel/fpu.h>
#include <kernel/sigframe.h>
#include <kernel/strategy/strategy.h>
#include <kernel/string.h>
#include "proc.h"

#define FP_LEGACY_SIZE	160	/* x87 state: bytes 0..159 */
#define SSE_OFFSET	160	/* XMM0-15: bytes 160..415 */
#define SSE_SIZE	256

/* A size for component 9 means CPUID supports it and does not contradict itself. */
static bool pkru_in_regset(void)
{
	return pke_enabled() && xstate.size[XFEATURE_PKRU];
}

static u64 regset_features(void)
{
	return fpu_xfeatures() | (pkru_in_regset() ? XFEATURE_MASK_PKRU : 0);
}

u64 lx_regset_xstate_size(void)
{
	return ALIGN_UP(xstate_size_for(regset_features()), sizeof(u64));
}

long lx_regset_xstate_get(struct task *t, void *buf, u64 len)
{
	static u8 out[XSTATE_BUF_MAX];
	const u8 *img = t->xsave;
	u64 feats = regset_features(), size = lx_regset_xstate_size();
	u64 bv = xstate_hdr(t->xsave)->xstate_bv & feats & ~XFEATURE_MASK_PKRU;
	u32 pkru = pkru_in_regset() ? strategy->get_pkru(t) : 0;
	struct fx_sw_bytes sw = {
		.magic1 = FP_XSTATE_MAGIC1,
		.extended_size = size + FP_XSTATE_MAGIC2_SIZE,
		.xfeatures = feats,
		.xstate_size = size,
	};
	struct xstate_header *h = (struct xstate_header *)(out + XSAVE_HDR_OFFSET);

	memset(out, 0, size);
	if (bv & XFEATURE_MASK_X87) {
		memcpy(out, img, FP_LEGACY_SIZE);
	} else {
		*(u16 *)out = FCW_DEFAULT;
		*(u32 *)(out + XSAVE_MXCSR_MASK_OFFSET) = sigframe_limits_current()->mxcsr_mask;
	}
	if (bv & XFEATURE_MASK_SSE)
		memcpy(out + SSE_OFFSET, img + SSE_OFFSET, SSE_SIZE);
	/* MXCSR belongs to SSE and AVX as much as to x87 (Linux copies it for any of them). */
	*(u32 *)(out + XSAVE_MXCSR_OFFSET) = (bv & (XFEATURE_MASK_X87 | XFEATURE_MASK_SSE |
						   XFEATURE_MASK_YMM)) ?
		*(const u32 *)(img + XSAVE_MXCSR_OFFSET) : MXCSR_DEFAULT;
	memcpy(out + FX_SW_BYTES_OFFSET, &sw, sizeof(sw));
	for (int i = XFEATURE_YMM; i < XFEATURE_PKRU; i++)
		if ((bv & (1ull << i)) && xstate.size[i])
			memcpy(out + xstate.offset[i], img + xstate.offset[i], xstate.size[i]);
	if (pkru) {
		*(u32 *)(out + xstate_pkru_offset()) = pkru;
		bv |= XFEATURE_MASK_PKRU;
	}
	h->xstate_bv = bv;
	memcpy(buf, out, len);
	return 0;
}

long lx_regset_xstate_set(struct task *t, const void *buf, u64 len)
{
	const u8 *in = buf;
	u8 *img = t->xsave;
	const struct xstate_header *h = (const struct xstate_header *)(in + XSAVE_HDR_OFFSET);
	u64 feats = regset_features(), bv = h->xstate_bv, xcr0 = fpu_xfeatures();
	struct xstate_header *ih = xstate_hdr(t->xsave);

	if (len != lx_regset_xstate_size())
		return -LX_EFAULT;	/* a whole standard-format buffer, as Linux wants */
	if ((bv & ~feats) || h->xcomp_bv)
		return -LX_EINVAL;
	for (int i = 0; i < (int)ARRAY_SIZE(h->reserved); i++)
		if (h->reserved[i])
			return -LX_EINVAL;
	if ((bv & (XFEATURE_MASK_X87 | XFEATURE_MASK_SSE | XFEATURE_MASK_YMM)) &&
	    (*(const u32 *)(in + XSAVE_MXCSR_OFFSET) & ~sigframe_limits_current()->mxcsr_mask))
		return -LX_EINVAL;

	if (bv & XFEATURE_MASK_X87)
		memcpy(img, in, FP_LEGACY_SIZE);
	else if (bv & (XFEATURE_MASK_SSE | XFEATURE_MASK_YMM))
		*(u32 *)(img + XSAVE_MXCSR_OFFSET) = *(const u32 *)(in + XSAVE_MXCSR_OFFSET);
	if (bv & XFEATURE_MASK_SSE)
		memcpy(img + SSE_OFFSET, in + SSE_OFFSET, SSE_SIZE);
	for (int i = XFEATURE_YMM; i < XFEATURE_PKRU; i++)
		if ((bv & (1ull << i)) && xstate.size[i])
			memcpy(img + xstate.offset[i], in + xstate.offset[i], xstate.size[i]);
	/* The image's own PKRU bit is the strategy's to set; nothing outside XCR0 may be. */
	ih->xstate_bv = ((bv & ~XFEATURE_MASK_PKRU) | (ih->xstate_bv & XFEATURE_MASK_PKRU)) & xcr0;
	if (pkru_in_regset())
		strategy->set_pkru(t, (bv & XFEATURE_MASK_PKRU) ?
					      *(const u32 *)(in + xstate_pkru_offset()) : 0);
	/* A deferred design must load the new image, not keep what the
	 * registers hold -- on this CPU or on the one the tracee last ran on. */
	t->fpu_loaded = false;
	fpu_image_changed(t);
	return 0;
}
