/*
 * Host unit tests for rt_sigreturn's frame validator (kernel/sigframe.c).
 * A genuine frame is built the way the kernel writes one; every check is
 * then shown to catch exactly its own corruption, the validator is shown
 * never to read past the bytes it was given (exact-size heap buffers under
 * AddressSanitizer), and RFLAGS sanitising is checked bit by bit.
 */
#include <stdlib.h>
#include "unit.h"
#include "sigframe.h"

#define USER_LO	0x0000008000000000ull
#define USER_HI	0x0000800000000000ull
#define XSIZE	2696u
#define XCR0	0x207ull

static const struct sigframe_limits lim = {
	.xfeatures_allowed = XCR0, .xstate_size = XSIZE, .mxcsr_mask = 0xffbf,
	.user_lo = USER_LO, .user_hi = USER_HI,
};

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* A frame as setup_rt_frame() writes it. */
static uint8_t *genuine(struct ucontext64 *uc)
{
	uint8_t *xs = calloc(1, XSIZE + 4);

	memset(uc, 0, sizeof(*uc));
	uc->uc_mcontext.rip = USER_LO + 0x1000;
	uc->uc_mcontext.rsp = USER_LO + 0x100ff8;
	uc->uc_mcontext.fpstate = USER_LO + 0x200000;
	put32(xs + 24, 0x1f80);				/* MXCSR */
	put32(xs + FX_SW_BYTES_OFFSET, FP_XSTATE_MAGIC1);
	put32(xs + FX_SW_BYTES_OFFSET + 4, XSIZE + 4);
	put64(xs + FX_SW_BYTES_OFFSET + 8, XCR0);
	put32(xs + FX_SW_BYTES_OFFSET + 16, XSIZE);
	put64(xs + 512, 0x203);				/* XSTATE_BV */
	put32(xs + XSIZE, FP_XSTATE_MAGIC2);
	return xs;
}

static enum sigframe_error run(const struct ucontext64 *uc, const uint8_t *xs)
{
	return sigframe_validate(uc, xs, XSIZE + 4, &lim);
}

static void test_genuine_frame_accepted(void)
{
	struct ucontext64 uc;
	uint8_t *xs = genuine(&uc);

	CHECK_EQ_INT(run(&uc, xs), SIGFRAME_OK);
	free(xs);
}

#define EXPECT_ERROR(err, corrupt)					\
	do {								\
		struct ucontext64 uc;					\
		uint8_t *xs = genuine(&uc);				\
		corrupt;						\
		CHECK_EQ_INT(run(&uc, xs), err);			\
		free(xs);						\
	} while (0)

static void test_each_error(void)
{
	EXPECT_ERROR(SIGFRAME_BAD_MAGIC1, xs[FX_SW_BYTES_OFFSET] ^= 1);
	EXPECT_ERROR(SIGFRAME_BAD_SIZE, put32(xs + FX_SW_BYTES_OFFSET + 16, XSIZE + 64));
	EXPECT_ERROR(SIGFRAME_BAD_SIZE, put32(xs + FX_SW_BYTES_OFFSET + 16, XSIZE - 64));
	EXPECT_ERROR(SIGFRAME_BAD_SIZE, put32(xs + FX_SW_BYTES_OFFSET + 4, 0));
	EXPECT_ERROR(SIGFRAME_BAD_SIZE, put32(xs + FX_SW_BYTES_OFFSET + 4, XSIZE));
	EXPECT_ERROR(SIGFRAME_BAD_XFEATURES, put64(xs + FX_SW_BYTES_OFFSET + 8, XCR0 | 1ull << 62));
	EXPECT_ERROR(SIGFRAME_BAD_XFEATURES, put64(xs + FX_SW_BYTES_OFFSET + 8, XCR0 | 1ull << 5));
	EXPECT_ERROR(SIGFRAME_BAD_MAGIC2, put32(xs + XSIZE, 0));
	EXPECT_ERROR(SIGFRAME_BAD_XSTATE_BV, put64(xs + 512, 0x203 | 1ull << 3));
	/* XSTATE_BV must stay inside fx_sw_bytes.xfeatures, not just XCR0. */
	EXPECT_ERROR(SIGFRAME_BAD_XSTATE_BV, (put64(xs + FX_SW_BYTES_OFFSET + 8, 0x3)));
	EXPECT_ERROR(SIGFRAME_BAD_XCOMP_BV, put64(xs + 520, 1ull << 63 | 3));
	EXPECT_ERROR(SIGFRAME_BAD_MXCSR, put32(xs + 24, 0x1f80 | 1u << 16));
	EXPECT_ERROR(SIGFRAME_BAD_MXCSR, put32(xs + 24, 0x1f80 | 1u << 6));	/* DAZ not in 0xffbf */
	EXPECT_ERROR(SIGFRAME_BAD_RIP, uc.uc_mcontext.rip = 0x8000000000001000ull);
	EXPECT_ERROR(SIGFRAME_BAD_RIP, uc.uc_mcontext.rip = USER_LO - 1);
	EXPECT_ERROR(SIGFRAME_BAD_RIP, uc.uc_mcontext.rip = USER_HI);
	EXPECT_ERROR(SIGFRAME_BAD_RIP, uc.uc_mcontext.rip = 0xffffffff80000000ull);
	EXPECT_ERROR(SIGFRAME_BAD_RSP, uc.uc_mcontext.rsp = 0x100000);
	EXPECT_ERROR(SIGFRAME_BAD_RSP, uc.uc_mcontext.rsp = 0x0000800000000008ull);
	EXPECT_ERROR(SIGFRAME_BAD_FPSTATE_PTR, uc.uc_mcontext.fpstate += 8);
	EXPECT_ERROR(SIGFRAME_BAD_FPSTATE_PTR, uc.uc_mcontext.fpstate = 0x100000);
	EXPECT_ERROR(SIGFRAME_BAD_FPSTATE_PTR, uc.uc_mcontext.fpstate = USER_HI - 64);
	EXPECT_ERROR(SIGFRAME_BAD_FPSTATE_PTR, uc.uc_mcontext.fpstate = 0xffffffffffffffc0ull);
}

static void test_every_reserved_header_byte(void)
{
	for (int b = 16; b < 64; b++)
		EXPECT_ERROR(SIGFRAME_BAD_XCOMP_BV, xs[512 + b] = 0x80);
}

static void test_short_buffers_never_overread(void)
{
	struct ucontext64 uc;
	uint8_t *full = genuine(&uc);

	/* Exact-size heap copies: ASan aborts on any read past the end. */
	for (size_t len = 0; len < XSIZE + 4; len += (len < 600 ? 1 : 97)) {
		uint8_t *xs = malloc(len ? len : 1);

		memcpy(xs, full, len);
		CHECK(sigframe_validate(&uc, xs, len, &lim) != SIGFRAME_OK);
		free(xs);
	}
	free(full);
}

static void test_names(void)
{
	for (int e = 0; e < SIGFRAME_NR_ERRORS; e++) {
		const char *n = sigframe_error_name(e);

		CHECK(n && n[0]);
		for (int f = 0; f < e; f++)
			CHECK(strcmp(n, sigframe_error_name(f)) != 0);
	}
	CHECK(sigframe_error_name(SIGFRAME_NR_ERRORS) != NULL);
	CHECK(sigframe_error_name((enum sigframe_error)-1) != NULL);
}

static void test_rflags(void)
{
	const uint64_t IF = 1u << 9, IOPL = 3u << 12, NT = 1u << 14, VM = 1u << 17, AC = 1u << 18;
	uint64_t r;

	r = sigframe_sanitize_rflags(~0ull, 0x202);
	CHECK((r & IF) && (r & 2));
	CHECK_EQ_UINT(r & IOPL, 0);
	CHECK_EQ_UINT(r & NT, 0);
	CHECK_EQ_UINT(r & VM, 0);
	CHECK(r & AC);				/* a user flag: kept */
	CHECK_EQ_UINT(r & ~(SIGFRAME_USER_FLAGS | IF | 2), 0);
	r = sigframe_sanitize_rflags(0, 0x202);
	CHECK_EQ_UINT(r, IF | 2);
	r = sigframe_sanitize_rflags(0x8d5, 0x202);	/* OF DF SF ZF AF PF CF: kept */
	CHECK_EQ_UINT(r & 0x8d5, 0x8d5);
}

static void test_linux_layout(void)
{
	CHECK_EQ_UINT(sizeof(struct sigcontext64), 256);
	CHECK_EQ_UINT(sizeof(struct ucontext64), 304);
	CHECK_EQ_UINT(sizeof(struct siginfo64), 128);
	CHECK_EQ_UINT(offsetof(struct siginfo64, u.fault.pkey), 32);
	CHECK_EQ_UINT(offsetof(struct rt_sigframe64, uc), 8);
	CHECK_EQ_UINT(offsetof(struct rt_sigframe64, info), 312);
	CHECK_EQ_UINT(offsetof(struct ucontext64, uc_sigmask), 296);
	CHECK_EQ_UINT(sizeof(struct fx_sw_bytes), 48);
}

int main(void)
{
	test_genuine_frame_accepted();
	test_each_error();
	test_every_reserved_header_byte();
	test_short_buffers_never_overread();
	test_names();
	test_rflags();
	test_linux_layout();
	return unit_summary("test_sigframe");
}
