/*
 * rt_sigreturn's frame checks (see sigframe.h).  Everything a corrupted or
 * hostile frame could use to crash the kernel or escape ring 3 is checked
 * here, before any state is loaded: the XSAVE header (XRSTOR would #GP),
 * reserved MXCSR bits (QEMU TCG does not #GP on them, real CPUs do), and
 * the return address and stack (a non-canonical RIP would #GP on IRETQ in
 * ring 0).  Selectors and RFLAGS are not checked but forced by the caller.
 */
#include <kernel/sigframe.h>

#define XSAVE_HDR_OFFSET	512
#define XSAVE_MIN_SIZE		576
#define XSAVE_MXCSR_OFFSET	24
#define XCOMP_BV_OFFSET		8
#define XSTATE_RESERVED_OFFSET	16
#define XSTATE_RESERVED_BYTES	48

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static bool canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

static bool user_addr(uint64_t a, const struct sigframe_limits *lim)
{
	return canonical(a) && a >= lim->user_lo && a < lim->user_hi;
}

const char *sigframe_error_name(enum sigframe_error e)
{
	static const char *const names[SIGFRAME_NR_ERRORS] = {
		[SIGFRAME_OK] = "ok",
		[SIGFRAME_BAD_FPSTATE_PTR] = "fpstate pointer outside user memory or not 64-byte aligned",
		[SIGFRAME_BAD_MAGIC1] = "fx_sw_bytes.magic1 is not FP_XSTATE_MAGIC1",
		[SIGFRAME_BAD_SIZE] = "xstate_size/extended_size do not match this kernel",
		[SIGFRAME_BAD_XFEATURES] = "fx_sw_bytes.xfeatures has components outside XCR0",
		[SIGFRAME_BAD_MAGIC2] = "FP_XSTATE_MAGIC2 missing after the XSAVE area",
		[SIGFRAME_BAD_XSTATE_BV] = "XSTATE_BV has components outside xfeatures",
		[SIGFRAME_BAD_XCOMP_BV] = "XSAVE header: compacted format or reserved bytes set",
		[SIGFRAME_BAD_MXCSR] = "reserved MXCSR bits set",
		[SIGFRAME_BAD_RIP] = "return RIP is not a canonical user address",
		[SIGFRAME_BAD_RSP] = "return RSP is not a canonical user address",
	};

	return (unsigned)e < SIGFRAME_NR_ERRORS ? names[e] : "unknown error";
}

enum sigframe_error sigframe_validate(const struct ucontext64 *uc, const uint8_t *xs,
				      size_t xs_len, const struct sigframe_limits *lim)
{
	const struct sigcontext64 *sc = &uc->uc_mcontext;

	return sigframe_validate_ctx(sc->rip, sc->rsp, sc->fpstate, xs, xs_len, lim);
}

enum sigframe_error sigframe_validate_ctx(uint64_t rip, uint64_t rsp, uint64_t fp,
					  const uint8_t *xs, size_t xs_len,
					  const struct sigframe_limits *lim)
{
	uint64_t xfeatures, bv, rsvd = 0;
	uint32_t size, ext;

	if (!user_addr(rip, lim) && !lim->any_rip)	/* any_rip: looked at only on the way to a refusal */
		return SIGFRAME_BAD_RIP;
	if (!user_addr(rsp, lim))
		return SIGFRAME_BAD_RSP;
	if ((fp & 63) || !user_addr(fp, lim) || fp + lim->xstate_size + 4 > lim->user_hi ||
	    fp + lim->xstate_size + 4 < fp)
		return SIGFRAME_BAD_FPSTATE_PTR;
	if (xs_len < XSAVE_MIN_SIZE)
		return SIGFRAME_BAD_SIZE;

	if (rd32(xs + FX_SW_BYTES_OFFSET) != FP_XSTATE_MAGIC1)
		return SIGFRAME_BAD_MAGIC1;
	ext = rd32(xs + FX_SW_BYTES_OFFSET + 4);
	xfeatures = rd64(xs + FX_SW_BYTES_OFFSET + 8);
	size = rd32(xs + FX_SW_BYTES_OFFSET + 16);
	if (size != lim->xstate_size || ext != size + FP_XSTATE_MAGIC2_SIZE ||
	    (size_t)size + FP_XSTATE_MAGIC2_SIZE > xs_len)
		return SIGFRAME_BAD_SIZE;
	if (xfeatures & ~lim->xfeatures_allowed)
		return SIGFRAME_BAD_XFEATURES;
	if (rd32(xs + size) != FP_XSTATE_MAGIC2)
		return SIGFRAME_BAD_MAGIC2;

	bv = rd64(xs + XSAVE_HDR_OFFSET);
	if (bv & ~xfeatures)
		return SIGFRAME_BAD_XSTATE_BV;
	if (rd64(xs + XSAVE_HDR_OFFSET + XCOMP_BV_OFFSET))
		return SIGFRAME_BAD_XCOMP_BV;
#pragma GCC unroll 6
	for (int i = 0; i < XSTATE_RESERVED_BYTES; i += 8)
		rsvd |= rd64(xs + XSAVE_HDR_OFFSET + XSTATE_RESERVED_OFFSET + i);
	if (rsvd)
		return SIGFRAME_BAD_XCOMP_BV;
	if (rd32(xs + XSAVE_MXCSR_OFFSET) & ~lim->mxcsr_mask)
		return SIGFRAME_BAD_MXCSR;
	return SIGFRAME_OK;
}

uint64_t sigframe_sanitize_rflags(uint64_t frame_flags, uint64_t current_flags)
{
	const uint64_t if_fixed = (1u << 9) | (1u << 1);

	return (current_flags & ~SIGFRAME_USER_FLAGS & ~0x3000ull) |
	       (frame_flags & SIGFRAME_USER_FLAGS) | if_fixed;
}
