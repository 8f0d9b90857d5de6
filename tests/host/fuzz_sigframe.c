/*
 * libFuzzer target for rt_sigreturn's frame validator (kernel/sigframe.c).
 *
 * The input is XORed into a genuine frame (ucontext, then the XSAVE area),
 * which reaches far deeper than raw random bytes; its first byte picks the
 * limits (XCR0, area size, MXCSR mask).  Whatever the validator accepts
 * must satisfy everything rt_sigreturn then relies on -- any violation
 * aborts, and ASan catches a read outside the exact-size XSAVE buffer.
 */
#include <stdlib.h>
#include <string.h>
#include "sigframe.h"

#define USER_LO 0x0000008000000000ull
#define USER_HI 0x0000800000000000ull

static const struct { uint64_t xcr0; uint32_t size; } shapes[] = {
	{ 0x7, 832 }, { 0x207, 2696 }, { 0x203, 2696 }, { 0x2e7, 2696 }, { 0x3, 576 },
};

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static int canonical(uint64_t a) { return (uint64_t)((int64_t)(a << 16) >> 16) == a; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct sigframe_limits lim;
	struct ucontext64 uc;
	uint8_t *xs, *u = (uint8_t *)&uc;
	size_t len;
	unsigned pick = n ? data[0] : 0;
	uint64_t xcr0 = shapes[pick % 5].xcr0;

	lim.xfeatures_allowed = xcr0;
	lim.xstate_size = shapes[pick % 5].size;
	lim.mxcsr_mask = (pick & 0x80) ? 0xffff : 0xffbf;
	lim.user_lo = USER_LO;
	lim.user_hi = USER_HI;
	len = lim.xstate_size + 4;
	if (pick & 0x40)
		len -= (pick & 0x3f) * 13 % len;	/* sometimes too short */
	xs = calloc(1, len ? len : 1);

	/* The genuine frame. */
	memset(&uc, 0, sizeof(uc));
	uc.uc_mcontext.rip = USER_LO + 0x1000;
	uc.uc_mcontext.rsp = USER_LO + 0x100ff8;
	uc.uc_mcontext.fpstate = USER_LO + 0x200000;
	if (len >= 576) {
		put32(xs + 24, 0x1f80);
		put32(xs + FX_SW_BYTES_OFFSET, FP_XSTATE_MAGIC1);
		put32(xs + FX_SW_BYTES_OFFSET + 4, lim.xstate_size + 4);
		put64(xs + FX_SW_BYTES_OFFSET + 8, xcr0);
		put32(xs + FX_SW_BYTES_OFFSET + 16, lim.xstate_size);
		put64(xs + 512, xcr0 & 0x203);
	}
	if (len >= lim.xstate_size + 4)
		put32(xs + lim.xstate_size, FP_XSTATE_MAGIC2);

	/* XOR the input in: first over the ucontext, then the XSAVE area. */
	for (size_t i = 1; i < n; i++) {
		size_t at = i - 1;

		if (at < sizeof(uc))
			u[at] ^= data[i];
		else if (at - sizeof(uc) < len)
			xs[at - sizeof(uc)] ^= data[i];
	}

	if (sigframe_validate(&uc, xs, len, &lim) == SIGFRAME_OK) {
		const struct sigcontext64 *sc = &uc.uc_mcontext;
		uint64_t xf, bv;

		if (!canonical(sc->rip) || sc->rip < USER_LO || sc->rip >= USER_HI)
			abort();
		if (!canonical(sc->rsp) || sc->rsp < USER_LO || sc->rsp >= USER_HI)
			abort();
		if ((sc->fpstate & 63) || sc->fpstate < USER_LO ||
		    sc->fpstate + lim.xstate_size + 4 > USER_HI ||
		    sc->fpstate + lim.xstate_size + 4 < sc->fpstate)
			abort();
		if (len < lim.xstate_size + 4)
			abort();
		if (rd32(xs + FX_SW_BYTES_OFFSET) != FP_XSTATE_MAGIC1 ||
		    rd32(xs + lim.xstate_size) != FP_XSTATE_MAGIC2)
			abort();
		xf = rd64(xs + FX_SW_BYTES_OFFSET + 8);
		bv = rd64(xs + 512);
		if ((bv & ~xf) || (xf & ~lim.xfeatures_allowed))
			abort();
		for (int b = 8; b < 64; b++)
			if (xs[512 + b])
				abort();
		if (rd32(xs + 24) & ~lim.mxcsr_mask)
			abort();
	}
	{
		uint64_t r = sigframe_sanitize_rflags(rd64(u), rd64(u + 8));

		if (!(r & (1u << 9)) || (r & (3u << 12)))
			abort();
	}
	free(xs);
	return 0;
}
