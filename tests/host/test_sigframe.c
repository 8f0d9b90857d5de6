/*
 * Host unit tests for rt_sigreturn's frame checks (kernel/sigframe.c).
 *
 * sigframe_validate() is all that stands between a frame that user code
 * wrote (or scribbled over) and XRSTOR/IRETQ in ring 0: a bad XSAVE header
 * or reserved MXCSR bit #GPs in the kernel, a non-canonical RIP #GPs on
 * IRETQ.  So a genuine frame is built the way setup_rt_frame() writes it,
 * for several XSAVE layouts, and shown to be accepted, together with every
 * legal boundary value; then every check is shown to reject exactly its own
 * corruption with exactly its own error code, bit by bit where the field is
 * a bit mask and byte by byte for the reserved header bytes.  The address
 * checks are also run against a limit range that covers the canonical hole
 * and one at the top of the address space, so the canonical test and the
 * wrap-around test are each seen to matter on their own.
 *
 * Short copies are validated from exact-size heap buffers at every length:
 * the program is built with ASan and UBSan (see the Makefile), so a read
 * past xs_len, or a misaligned load, fails loudly.  RFLAGS sanitising is
 * checked bit by bit, the error names for being distinct, and the layout
 * for the offsets a handler written for Linux depends on.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kernel/sigframe.h>
#include "unit.h"
#include "xsave_layout.h"

#define USER_LO		0x0000008000000000ull
#define USER_HI		0x0000800000000000ull

/*
 * The layouts a kernel writes: XCR0 with its standard-format size, and
 * the sigframe_pkru=soft case where bit 9 is allowed in the frame although
 * XCR0 lacks it and the area is stretched to cover PKRU.
 */
struct shape {
	const char *name;
	uint64_t allowed;	/* sigframe_limits.xfeatures_allowed */
	uint32_t size;		/* sigframe_limits.xstate_size */
	uint64_t bv;		/* a typical XSTATE_BV */
};

static const struct shape shapes[] = {
	{ "x87|SSE|AVX|PKRU", 0x207, 2696, 0x203 },
	{ "x87|SSE|AVX", 0x7, 832, 0x7 },
	{ "AVX-512|PKRU", 0x2e7, 2696, 0x2e3 },
	{ "soft PKRU", 0x7 | 0x200, 2696, 0x202 },
	{ "x87|SSE", 0x3, 576, 0x2 },
};
#define NR_SHAPES (sizeof(shapes) / sizeof(shapes[0]))

/* A frame under test: the ucontext, its XSAVE area and the limits. */
struct frame {
	struct ucontext64 uc;
	uint8_t *xs;		/* exactly len bytes on the heap */
	size_t len;
	struct sigframe_limits lim;
};

/* Out of memory is no test result: give up on the whole program. */
static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		perror("malloc");
		exit(2);
	}
	return p;
}

/*
 * n bytes on the heap with nothing readable after them.  ASan gives
 * malloc(0) a byte it does not complain about, so for n == 0 this is the
 * end of a 1-byte block.  Free with free_exact(p, n).
 */
static uint8_t *malloc_exact(size_t n)
{
	uint8_t *p = xmalloc(n);

	return n ? p : p + 1;
}

static void free_exact(uint8_t *p, size_t n)
{
	free(n ? p : p - 1);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The highest 64-aligned fpstate whose area still ends at or below hi. */
static uint64_t top_fpstate(const struct sigframe_limits *lim)
{
	return (lim->user_hi - lim->xstate_size - FP_XSTATE_MAGIC2_SIZE) &
	       ~63ull;
}

/*
 * Fill f with a genuine frame of the given shape, as setup_rt_frame()
 * writes one: fx_sw_bytes in the legacy area's software bytes, MAGIC2
 * right after the area, the default MXCSR, a standard-format header.
 */
static void genuine_shape(struct frame *f, const struct shape *s)
{
	memset(f, 0, sizeof(*f));
	f->lim.xfeatures_allowed = s->allowed;
	f->lim.xstate_size = s->size;
	f->lim.mxcsr_mask = 0xffbf;
	f->lim.user_lo = USER_LO;
	f->lim.user_hi = USER_HI;

	f->uc.uc_flags = UC_FP_XSTATE | UC_SIGCONTEXT_SS |
			 UC_STRICT_RESTORE_SS;
	f->uc.uc_mcontext.rip = USER_LO + 0x401000;
	f->uc.uc_mcontext.rsp = USER_LO + 0x7ffe8;
	f->uc.uc_mcontext.eflags = RFL_IF | RFL_FIXED1 | RFL_ZF;
	f->uc.uc_mcontext.cs = 0x33;
	f->uc.uc_mcontext.ss = 0x2b;
	f->uc.uc_mcontext.fpstate = USER_LO + 0x7f000;

	f->len = (size_t)s->size + FP_XSTATE_MAGIC2_SIZE;
	f->xs = xmalloc(f->len);
	memset(f->xs, 0, f->len);
	put32(f->xs + 0, 0x037f);			/* FCW */
	put32(f->xs + MXCSR_OFF, 0x1f80);
	put32(f->xs + MXCSR_OFF + 4, 0xffbf);		/* MXCSR_MASK */
	put32(f->xs + MAGIC1_OFF, FP_XSTATE_MAGIC1);
	put32(f->xs + EXTSIZE_OFF, s->size + FP_XSTATE_MAGIC2_SIZE);
	put64(f->xs + XFEATURES_OFF, s->allowed);
	put32(f->xs + XSIZE_OFF, s->size);
	put64(f->xs + XSTATE_BV_OFF, s->bv);
	put32(f->xs + s->size, FP_XSTATE_MAGIC2);
}

static void genuine(struct frame *f)
{
	genuine_shape(f, &shapes[0]);
}

static void release(struct frame *f)
{
	free(f->xs);
	f->xs = NULL;
}

static enum sigframe_error validate(const struct frame *f)
{
	return sigframe_validate(&f->uc, f->xs, f->len, &f->lim);
}

/*
 * Run one corruption against a genuine frame of every shape and expect
 * exactly err.  The statement sees the frame as f (and its XSAVE bytes as
 * xs, its sigcontext as sc, its shape as s).
 */
#define EXPECT_ALL_SHAPES(err, corrupt)					\
	do {								\
		size_t si_;						\
									\
		for (si_ = 0; si_ < NR_SHAPES; si_++) {			\
			const struct shape *s = &shapes[si_];		\
			struct frame fr_, *f = &fr_;			\
			struct sigcontext64 *sc;			\
			uint8_t *xs;					\
									\
			genuine_shape(f, s);				\
			sc = &f->uc.uc_mcontext;			\
			xs = f->xs;					\
			(void)sc;					\
			(void)xs;					\
			corrupt;					\
			if (!CHECK_EQ_INT(validate(f), err))		\
				fprintf(stderr, "\tshape %s: %s\n",	\
					s->name, #corrupt);		\
			release(f);					\
		}							\
	} while (0)

/* The same, for one frame of the first shape; inside loops. */
#define EXPECT_ONE(err, corrupt)					\
	do {								\
		struct frame fr_, *f = &fr_;				\
		struct sigcontext64 *sc;				\
		uint8_t *xs;						\
									\
		genuine(f);						\
		sc = &f->uc.uc_mcontext;				\
		xs = f->xs;						\
		(void)sc;						\
		(void)xs;						\
		corrupt;						\
		CHECK_EQ_INT(validate(f), err);				\
		release(f);						\
	} while (0)

static void test_genuine_accepted(void)
{
	size_t i;

	for (i = 0; i < NR_SHAPES; i++) {
		struct frame f;

		genuine_shape(&f, &shapes[i]);
		if (!CHECK_EQ_INT(validate(&f), SIGFRAME_OK))
			fprintf(stderr, "\tgenuine %s frame rejected: %s\n",
				shapes[i].name,
				sigframe_error_name(validate(&f)));
		release(&f);
	}
}

/* Legal values at the edges of every check are accepted. */
static void test_legal_edges(void)
{
	/* Addresses: first and last user byte, lowest and highest area. */
	EXPECT_ALL_SHAPES(SIGFRAME_OK, sc->rip = USER_LO);
	EXPECT_ALL_SHAPES(SIGFRAME_OK, sc->rip = USER_HI - 1);
	EXPECT_ALL_SHAPES(SIGFRAME_OK, sc->rsp = USER_LO);
	EXPECT_ALL_SHAPES(SIGFRAME_OK, sc->rsp = USER_HI - 1);
	EXPECT_ALL_SHAPES(SIGFRAME_OK, sc->rip = sc->rsp = USER_LO + 1);
	EXPECT_ALL_SHAPES(SIGFRAME_OK, sc->fpstate = USER_LO);
	EXPECT_ALL_SHAPES(SIGFRAME_OK, sc->fpstate = top_fpstate(&f->lim));
	/* An area (with MAGIC2) ending exactly at user_hi. */
	EXPECT_ALL_SHAPES(SIGFRAME_OK,
			  (f->lim.user_hi = sc->fpstate + s->size + 4,
			   sc->rip = sc->rsp = sc->fpstate));

	/* XSTATE_BV: empty (all components in init state) or full. */
	EXPECT_ALL_SHAPES(SIGFRAME_OK, put64(xs + XSTATE_BV_OFF, 0));
	EXPECT_ALL_SHAPES(SIGFRAME_OK, put64(xs + XSTATE_BV_OFF, s->allowed));
	/* xfeatures may be any subset of what is allowed, BV inside it. */
	EXPECT_ALL_SHAPES(SIGFRAME_OK,
			  (put64(xs + XFEATURES_OFF, 0x3),
			   put64(xs + XSTATE_BV_OFF, 0x1)));
	EXPECT_ALL_SHAPES(SIGFRAME_OK,
			  (put64(xs + XFEATURES_OFF, 0),
			   put64(xs + XSTATE_BV_OFF, 0)));

	/* MXCSR: every bit the mask allows, at once. */
	EXPECT_ALL_SHAPES(SIGFRAME_OK, put32(xs + MXCSR_OFF, 0xffbf));
	EXPECT_ALL_SHAPES(SIGFRAME_OK, put32(xs + MXCSR_OFF, 0));
	EXPECT_ALL_SHAPES(SIGFRAME_OK,
			  (f->lim.mxcsr_mask = 0xffff,
			   put32(xs + MXCSR_OFF, 0xffff)));
	/* AMD's misaligned-SSE mask bit 17, where the CPU has it. */
	EXPECT_ALL_SHAPES(SIGFRAME_OK,
			  (f->lim.mxcsr_mask = 0x2ffff,
			   put32(xs + MXCSR_OFF, 0x21f80)));
}

/*
 * The validator looks at the return address, the stack, fpstate and the
 * XSAVE fields listed above; the rest is the caller's to force (selectors,
 * RFLAGS) or XRSTOR's to take as it is (x87/SSE registers, components).
 * Garbage there is accepted, so a check on it cannot sneak in unnoticed.
 */
static void test_unchecked_bytes_ignored(void)
{
	struct frame f;
	struct ucontext64 saved;
	uint8_t *copy;
	size_t i;

	genuine(&f);
	saved = f.uc;
	memset(&f.uc, 0xa5, sizeof(f.uc));
	f.uc.uc_mcontext.rip = saved.uc_mcontext.rip;
	f.uc.uc_mcontext.rsp = saved.uc_mcontext.rsp;
	f.uc.uc_mcontext.fpstate = saved.uc_mcontext.fpstate;
	CHECK_EQ_INT(validate(&f), SIGFRAME_OK);

	/* x87 and XMM state, MXCSR_MASK, fx_sw_bytes padding, components. */
	for (i = 0; i < f.len; i++) {
		bool checked = (i >= MXCSR_OFF && i < MXCSR_OFF + 4) ||
			       (i >= MAGIC1_OFF && i < XSIZE_OFF + 4) ||
			       (i >= XSTATE_BV_OFF && i < LEGACY_END) ||
			       i >= f.lim.xstate_size;

		if (!checked)
			f.xs[i] = (uint8_t)(0x5a ^ i);
	}
	CHECK_EQ_INT(validate(&f), SIGFRAME_OK);

	/* Nothing is written: not the ucontext, not the XSAVE bytes. */
	put32(f.xs + MXCSR_OFF, 0xffffffff);
	saved = f.uc;
	copy = xmalloc(f.len);
	memcpy(copy, f.xs, f.len);
	CHECK_EQ_INT(validate(&f), SIGFRAME_BAD_MXCSR);
	CHECK(memcmp(copy, f.xs, f.len) == 0);
	CHECK(memcmp(&saved, &f.uc, sizeof(saved)) == 0);
	free(copy);
	release(&f);
}

/* A misaligned XSAVE copy reads the same (and UBSan sees no bad load). */
static void test_misaligned_copy(void)
{
	size_t off;

	for (off = 1; off < 8; off++) {
		struct frame f;
		uint8_t *buf, *orig;

		genuine(&f);
		buf = xmalloc(f.len + off);
		memcpy(buf + off, f.xs, f.len);
		orig = f.xs;
		f.xs = buf + off;
		CHECK_EQ_INT(validate(&f), SIGFRAME_OK);
		put32(f.xs + MXCSR_OFF, 0x1f80 | 1u << 16);
		CHECK_EQ_INT(validate(&f), SIGFRAME_BAD_MXCSR);
		f.xs = orig;
		free(buf);
		release(&f);
	}
}

static void test_bad_magic1(void)
{
	int b, bit;

	EXPECT_ALL_SHAPES(SIGFRAME_BAD_MAGIC1, put32(xs + MAGIC1_OFF, 0));
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_MAGIC1,
			  put32(xs + MAGIC1_OFF, FP_XSTATE_MAGIC2));
	/* Byte-swapped. */
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_MAGIC1,
			  put32(xs + MAGIC1_OFF, 0x53585046));
	/* Any single flipped bit. */
	for (b = 0; b < 4; b++)
		for (bit = 0; bit < 8; bit++)
			EXPECT_ONE(SIGFRAME_BAD_MAGIC1,
				   xs[MAGIC1_OFF + b] ^= (uint8_t)(1u << bit));
	/* A legacy FXSAVE frame has no software bytes at all. */
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_MAGIC1,
			  memset(xs + MAGIC1_OFF, 0, 48));
}

static void test_bad_size(void)
{
	/* xstate_size: any value but the kernel's. */
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_SIZE, put32(xs + XSIZE_OFF, 0));
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_SIZE,
			  put32(xs + XSIZE_OFF, s->size + 1));
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_SIZE,
			  put32(xs + XSIZE_OFF, s->size - 1));
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_SIZE,
			  put32(xs + XSIZE_OFF, s->size + 64));
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_SIZE,
			  put32(xs + XSIZE_OFF, s->size - 64));
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_SIZE, put32(xs + XSIZE_OFF, 0xffffffff));
	/* 0xfffffffc + 4 wraps to 0 in 32 bits: must not look consistent. */
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_SIZE,
			  (put32(xs + XSIZE_OFF, 0xfffffffc),
			   put32(xs + EXTSIZE_OFF, 0)));
	/* Sizes consistent with each other, but not this kernel's. */
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_SIZE,
			  (put32(xs + XSIZE_OFF, s->size + 64),
			   put32(xs + EXTSIZE_OFF, s->size + 68)));
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_SIZE,
			  (put32(xs + XSIZE_OFF, 512),
			   put32(xs + EXTSIZE_OFF, 516)));

	/* extended_size: anything but xstate_size + 4. */
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_SIZE, put32(xs + EXTSIZE_OFF, 0));
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_SIZE, put32(xs + EXTSIZE_OFF, s->size));
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_SIZE,
			  put32(xs + EXTSIZE_OFF, s->size + 3));
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_SIZE,
			  put32(xs + EXTSIZE_OFF, s->size + 5));
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_SIZE,
			  put32(xs + EXTSIZE_OFF, s->size + 4 + 64));
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_SIZE,
			  put32(xs + EXTSIZE_OFF, 0xffffffff));
	/* A bit flipped in the high half only. */
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_SIZE, xs[EXTSIZE_OFF + 3] ^= 0x80);
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_SIZE, xs[XSIZE_OFF + 2] ^= 0x01);
}

/*
 * For every shape, add each bit outside its allowed set, one at a time,
 * to the 64-bit field at off (on top of the shape's own value there) and
 * expect err.
 */
static void expect_each_foreign_bit(size_t off, enum sigframe_error err, const char *field)
{
	size_t i;
	int bit;

	for (i = 0; i < NR_SHAPES; i++) {
		for (bit = 0; bit < 64; bit++) {
			uint64_t m = 1ull << bit;
			struct frame f;

			if (shapes[i].allowed & m)
				continue;
			genuine_shape(&f, &shapes[i]);
			put64(f.xs + off, get64(f.xs + off) | m);
			if (!CHECK_EQ_INT(validate(&f), err))
				fprintf(stderr, "\t%s: %s bit %d\n", shapes[i].name, field, bit);
			release(&f);
		}
	}
}

static void test_bad_xfeatures(void)
{
	expect_each_foreign_bit(XFEATURES_OFF, SIGFRAME_BAD_XFEATURES, "xfeatures");
	/* PKRU in the frame while neither XCR0 nor the policy allow it. */
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_XFEATURES,
			  (f->lim.xfeatures_allowed &= ~0x200ull,
			   put64(xs + XFEATURES_OFF, 0x207),
			   put64(xs + XSTATE_BV_OFF, 0x3)));
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_XFEATURES,
			  put64(xs + XFEATURES_OFF, ~0ull));
}

static void test_bad_magic2(void)
{
	int b;

	EXPECT_ALL_SHAPES(SIGFRAME_BAD_MAGIC2, put32(xs + s->size, 0));
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_MAGIC2,
			  put32(xs + s->size, FP_XSTATE_MAGIC1));
	for (b = 0; b < 4; b++)
		EXPECT_ALL_SHAPES(SIGFRAME_BAD_MAGIC2, xs[s->size + b] ^= 0x10);
	/* In the wrong place: inside the area (not over its header). */
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_MAGIC2,
			  (put32(xs + s->size, 0),
			   s->size >= LEGACY_END + 4 ?
			   put32(xs + s->size - 4, FP_XSTATE_MAGIC2) :
			   (void)0));
}

static void test_bad_xstate_bv(void)
{
	/* Every bit outside xfeatures, with xfeatures = the allowed set. */
	expect_each_foreign_bit(XSTATE_BV_OFF, SIGFRAME_BAD_XSTATE_BV, "XSTATE_BV");
	/*
	 * Inside XCR0 but outside the frame's own xfeatures: the frame
	 * says the component is not there, so it must not be restored.
	 */
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_XSTATE_BV,
			  (put64(xs + XFEATURES_OFF, 0x1),
			   put64(xs + XSTATE_BV_OFF, 0x3)));
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_XSTATE_BV,
			  (put64(xs + XFEATURES_OFF, 0),
			   put64(xs + XSTATE_BV_OFF, 0x1)));
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_XSTATE_BV,
			  put64(xs + XSTATE_BV_OFF, ~0ull));
}

static void test_bad_xcomp_bv(void)
{
	int bit, b;

	/* The compacted format XSAVES/XSAVEC write: bit 63 and XCR0. */
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_XCOMP_BV,
			  put64(xs + XCOMP_BV_OFF, 1ull << 63 | s->allowed));
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_XCOMP_BV,
			  put64(xs + XCOMP_BV_OFF, 1ull << 63));
	/* Any single bit. */
	for (bit = 0; bit < 64; bit++)
		EXPECT_ONE(SIGFRAME_BAD_XCOMP_BV,
			   put64(xs + XCOMP_BV_OFF, 1ull << bit));

	/* Every reserved header byte 16..63, with every single bit. */
	for (b = 16; b < 64; b++) {
		for (bit = 0; bit < 8; bit++) {
			struct frame f;

			genuine(&f);
			f.xs[XSTATE_BV_OFF + b] = (uint8_t)(1u << bit);
			if (!CHECK_EQ_INT(validate(&f), SIGFRAME_BAD_XCOMP_BV))
				fprintf(stderr, "\theader byte %d bit %d\n",
					b, bit);
			release(&f);
		}
	}
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_XCOMP_BV,
			  memset(xs + HDR_RSVD_OFF, 0xff, 48));
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_XCOMP_BV, xs[LEGACY_END - 1] = 1);
}

static void test_bad_mxcsr(void)
{
	static const uint32_t masks[] = { 0xffbf, 0xffff, 0x2ffff };
	size_t m;
	int bit;

	/* Every bit: accepted exactly when the mask has it. */
	for (m = 0; m < sizeof(masks) / sizeof(masks[0]); m++) {
		for (bit = 0; bit < 32; bit++) {
			uint32_t v = 0x1f80 | 1u << bit;
			struct frame f;
			int want = (v & ~masks[m]) ? SIGFRAME_BAD_MXCSR :
				   SIGFRAME_OK;

			genuine(&f);
			f.lim.mxcsr_mask = masks[m];
			put32(f.xs + MXCSR_OFF, v);
			if (!CHECK_EQ_INT(validate(&f), want))
				fprintf(stderr, "\tmask %#x, MXCSR %#x\n",
					masks[m], v);
			release(&f);
		}
	}
	/* DAZ where the CPU lacks it; the top bit; everything. */
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_MXCSR, put32(xs + MXCSR_OFF, 0x1fc0));
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_MXCSR,
			  put32(xs + MXCSR_OFF, 0x80001f80));
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_MXCSR,
			  put32(xs + MXCSR_OFF, 0xffffffff));
	/* The frame's own MXCSR_MASK field is not trusted. */
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_MXCSR,
			  (put32(xs + MXCSR_OFF + 4, 0xffffffff),
			   put32(xs + MXCSR_OFF, 0x11f80)));
}

/*
 * Addresses every RIP and RSP check must refuse with the usual user range:
 * below it, at or above its end, kernel addresses, the canonical hole.
 */
static const uint64_t bad_user_addrs[] = {
	0,
	0x1000,
	USER_LO - 1,
	USER_LO - 0x1000,
	USER_HI,
	USER_HI + 1,
	USER_HI + 0x1000,
	0x00ff000000000000ull,		/* non-canonical */
	0x7fffffffffffffffull,
	0x8000000000000000ull,
	0xffff7fffffffffffull,		/* last non-canonical */
	0xffff800000000000ull,		/* first kernel address */
	0xffffffff80000000ull,		/* kernel image */
	0xffffffffffffffffull,
};
#define NR_BAD_USER_ADDRS (sizeof(bad_user_addrs) / sizeof(bad_user_addrs[0]))

/* Canonical addresses next to the hole, and the hole's edges. */
static const uint64_t noncanonical[] = {
	0x0000800000000000ull,
	0x0000800000001000ull,
	0x1234567812345678ull,
	0x8000000000000000ull,
	0xffff7fffffffffc0ull,
};
#define NR_NONCANONICAL (sizeof(noncanonical) / sizeof(noncanonical[0]))

static void test_bad_rip_rsp(void)
{
	size_t i;

	for (i = 0; i < NR_BAD_USER_ADDRS; i++) {
		uint64_t a = bad_user_addrs[i];

		EXPECT_ALL_SHAPES(SIGFRAME_BAD_RIP, sc->rip = a);
		EXPECT_ALL_SHAPES(SIGFRAME_BAD_RSP, sc->rsp = a);
	}
	/*
	 * With limits covering everything, only the canonical test stands
	 * between such a RIP and a #GP on IRETQ in ring 0.
	 */
	for (i = 0; i < NR_NONCANONICAL; i++) {
		uint64_t a = noncanonical[i];

		EXPECT_ALL_SHAPES(SIGFRAME_BAD_RIP,
				  (f->lim.user_lo = 0, f->lim.user_hi = ~0ull,
				   sc->rip = a));
		EXPECT_ALL_SHAPES(SIGFRAME_BAD_RSP,
				  (f->lim.user_lo = 0, f->lim.user_hi = ~0ull,
				   sc->rsp = a));
	}
	/* The high half is canonical: accepted when the range includes it. */
	EXPECT_ALL_SHAPES(SIGFRAME_OK,
			  (f->lim.user_lo = 0, f->lim.user_hi = ~0ull,
			   sc->rip = 0xffff800000000000ull,
			   sc->rsp = 0xfffffffffffffff0ull));
	/* A narrower range is honoured at both ends. */
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_RIP,
			  (f->lim.user_hi = sc->fpstate + 0x10000,
			   sc->rip = f->lim.user_hi));
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_RSP,
			  (f->lim.user_lo = sc->fpstate,
			   sc->rip = sc->fpstate, sc->rsp = sc->fpstate - 8));
}

static void test_bad_fpstate(void)
{
	size_t i;
	int bit;

	/* Not 64-byte aligned: each low bit alone. */
	for (bit = 0; bit < 6; bit++)
		EXPECT_ALL_SHAPES(SIGFRAME_BAD_FPSTATE_PTR,
				  sc->fpstate |= 1ull << bit);
	/* Outside the user range. */
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_FPSTATE_PTR, sc->fpstate = 0);
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_FPSTATE_PTR,
			  sc->fpstate = USER_LO - 64);
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_FPSTATE_PTR, sc->fpstate = USER_HI);
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_FPSTATE_PTR,
			  sc->fpstate = 0xffffffff80000000ull);
	/* Inside, but the area (and MAGIC2) would pass user_hi. */
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_FPSTATE_PTR,
			  sc->fpstate = top_fpstate(&f->lim) + 64);
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_FPSTATE_PTR,
			  sc->fpstate = USER_HI - 64);
	/* Area ending one byte past user_hi: only MAGIC2's last byte out. */
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_FPSTATE_PTR,
			  (f->lim.user_hi = sc->fpstate + s->size + 3,
			   sc->rip = sc->rsp = sc->fpstate));

	/*
	 * A range reaching the top of the address space: fpstate is a
	 * canonical address inside it, but fpstate + size + 4 wraps to a
	 * small number that is "below user_hi".  The second case is the
	 * lowest such fpstate: its area ends exactly at 2^64.
	 */
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_FPSTATE_PTR,
			  (f->lim.user_lo = 0xffff800000000000ull,
			   f->lim.user_hi = ~0ull,
			   sc->rip = sc->rsp = 0xffff800000001000ull,
			   sc->fpstate = 0xffffffffffffffc0ull));
	EXPECT_ALL_SHAPES(SIGFRAME_BAD_FPSTATE_PTR,
			  (f->lim.user_lo = 0xffff800000000000ull,
			   f->lim.user_hi = ~0ull,
			   sc->rip = sc->rsp = 0xffff800000001000ull,
			   sc->fpstate = (0ull - (s->size + 4) + 63) & ~63ull));
	/* ...while the highest area that does fit there is accepted. */
	EXPECT_ALL_SHAPES(SIGFRAME_OK,
			  (f->lim.user_lo = 0xffff800000000000ull,
			   f->lim.user_hi = ~0ull,
			   sc->rip = sc->rsp = 0xffff800000001000ull,
			   sc->fpstate = top_fpstate(&f->lim)));

	/* Non-canonical, with limits that would otherwise let it in. */
	for (i = 0; i < NR_NONCANONICAL; i++) {
		uint64_t a = noncanonical[i] & ~63ull;

		EXPECT_ALL_SHAPES(SIGFRAME_BAD_FPSTATE_PTR,
				  (f->lim.user_lo = 0, f->lim.user_hi = ~0ull,
				   sc->fpstate = a));
	}
}

/*
 * A copy shorter than the area: every length from 0 up, in an exact-size
 * heap buffer, so ASan reports the first byte read past the copy.  From
 * the end of the header on, the frame's size fields are sane and only the
 * copy is short, which is BAD_SIZE.
 */
static void test_short_copies(void)
{
	size_t i;

	for (i = 0; i < NR_SHAPES; i++) {
		struct frame f;
		size_t len, full;
		int accepted = 0, wrong = 0;

		genuine_shape(&f, &shapes[i]);
		full = f.len;
		for (len = 0; len < full; len++) {
			uint8_t *xs = malloc_exact(len);
			enum sigframe_error e;

			memcpy(xs, f.xs, len);
			e = sigframe_validate(&f.uc, xs, len, &f.lim);
			if (e == SIGFRAME_OK)
				accepted++;
			if ((unsigned int)e >= SIGFRAME_NR_ERRORS ||
			    (len >= LEGACY_END && e != SIGFRAME_BAD_SIZE))
				wrong++;
			free_exact(xs, len);
		}
		if (!CHECK_EQ_INT(accepted, 0) || !CHECK_EQ_INT(wrong, 0))
			fprintf(stderr, "\tshape %s\n", shapes[i].name);
		/* One more byte than needed is fine. */
		{
			uint8_t *xs = xmalloc(full + 1);

			memcpy(xs, f.xs, full);
			xs[full] = 0xee;
			CHECK_EQ_INT(sigframe_validate(&f.uc, xs, full + 1,
						       &f.lim),
				     SIGFRAME_OK);
			free(xs);
		}
		release(&f);
	}

	/*
	 * A frame that lies about its size cannot make the validator read
	 * its MAGIC2 beyond the copy: the kernel copies xstate_size + 4,
	 * the frame claims more.
	 */
	{
		struct frame f;

		genuine(&f);
		put32(f.xs + XSIZE_OFF, 0x7ffffff0);
		put32(f.xs + EXTSIZE_OFF, 0x7ffffff4);
		f.lim.xstate_size = 0x7ffffff0;
		CHECK_EQ_INT(validate(&f), SIGFRAME_BAD_SIZE);
		release(&f);
	}
}

/* Random corruptions of short copies: no overread, never accepted. */
static void test_short_copies_corrupted(void)
{
	unsigned int state = 2024;
	int iter, accepted = 0;

	for (iter = 0; iter < 20000; iter++) {
		struct frame f;
		uint8_t *xs;
		size_t len, k;

		genuine_shape(&f, &shapes[iter % NR_SHAPES]);
		state = state * 1103515245u + 12345u;
		len = (state >> 8) % f.len;
		for (k = 0; k < 4; k++) {
			size_t at;

			state = state * 1103515245u + 12345u;
			at = (state >> 8) % f.len;
			state = state * 1103515245u + 12345u;
			f.xs[at] ^= (uint8_t)(state >> 16);
		}
		xs = malloc_exact(len);
		memcpy(xs, f.xs, len);
		if (sigframe_validate(&f.uc, xs, len, &f.lim) == SIGFRAME_OK)
			accepted++;
		free_exact(xs, len);
		release(&f);
	}
	CHECK_EQ_INT(accepted, 0);
}

static void test_error_names(void)
{
	const char *unknown = sigframe_error_name(SIGFRAME_NR_ERRORS);
	int e, g;

	for (e = 0; e < SIGFRAME_NR_ERRORS; e++) {
		const char *n = sigframe_error_name((enum sigframe_error)e);

		if (!CHECK(n != NULL))
			continue;
		if (!CHECK(n[0] != '\0'))
			fprintf(stderr, "\terror %d has an empty name\n", e);
		CHECK(!unknown || strcmp(n, unknown) != 0);
		for (g = 0; g < e; g++) {
			const char *m =
				sigframe_error_name((enum sigframe_error)g);

			if (m && !CHECK(strcmp(n, m) != 0))
				fprintf(stderr, "\terrors %d and %d: \"%s\"\n",
					g, e, n);
		}
	}
	CHECK_EQ_STR(sigframe_error_name(SIGFRAME_OK), "ok");
	/* The kernel prints these in a sigreturn failure line. */
	CHECK_STR_CONTAINS(sigframe_error_name(SIGFRAME_BAD_MXCSR), "MXCSR");
	CHECK_STR_CONTAINS(sigframe_error_name(SIGFRAME_BAD_RIP), "RIP");
	CHECK_STR_CONTAINS(sigframe_error_name(SIGFRAME_BAD_RSP), "RSP");
	CHECK_STR_CONTAINS(sigframe_error_name(SIGFRAME_BAD_XSTATE_BV),
			   "XSTATE_BV");
	CHECK_STR_CONTAINS(sigframe_error_name(SIGFRAME_BAD_MAGIC2), "MAGIC2");
	CHECK_STR_CONTAINS(sigframe_error_name(SIGFRAME_BAD_FPSTATE_PTR),
			   "fpstate");

	/* Out of range: some non-NULL string, never an array overrun. */
	CHECK(unknown != NULL && unknown[0] != '\0');
	CHECK(sigframe_error_name((enum sigframe_error)(SIGFRAME_NR_ERRORS + 1))
	      != NULL);
	CHECK(sigframe_error_name((enum sigframe_error)-1) != NULL);
	CHECK(sigframe_error_name((enum sigframe_error)0x7fffffff) != NULL);
	CHECK(sigframe_error_name((enum sigframe_error)1000) != NULL);
}

static void test_rflags(void)
{
	const uint64_t user = RFL_AC | RFL_RF | RFL_OF | RFL_DF | RFL_TF |
			      RFL_SF | RFL_ZF | RFL_AF | RFL_PF | RFL_CF;
	const uint64_t currents[] = {
		RFL_IF | RFL_FIXED1,
		RFL_FIXED1,			/* IF clear: still forced */
		RFL_IF | RFL_FIXED1 | RFL_IOPL,	/* IOPL never survives */
		RFL_IF | RFL_FIXED1 | user,	/* the frame's bits win */
		0,
	};
	unsigned int state = 77;
	size_t c;
	int bit, iter, mismatches = 0;

	CHECK_EQ_UINT(SIGFRAME_USER_FLAGS, user);
	CHECK_EQ_UINT(SIGFRAME_USER_FLAGS &
		      (RFL_IF | RFL_IOPL | RFL_NT | RFL_VM | RFL_VIF | RFL_VIP |
		       RFL_ID | RFL_FIXED1), 0);

	/* Each frame bit alone, against each current value. */
	for (c = 0; c < sizeof(currents) / sizeof(currents[0]); c++) {
		for (bit = 0; bit < 64; bit++) {
			uint64_t fl = 1ull << bit;
			uint64_t r = sigframe_sanitize_rflags(fl, currents[c]);
			uint64_t want = (fl & user) | RFL_IF | RFL_FIXED1;

			if (!CHECK_EQ_UINT(r, want))
				fprintf(stderr, "\tframe %#llx current %#llx\n",
					(unsigned long long)fl,
					(unsigned long long)currents[c]);
		}
	}

	/* Everything set in the frame: only the user bits get through. */
	CHECK_EQ_UINT(sigframe_sanitize_rflags(~0ull, RFL_IF | RFL_FIXED1),
		      user | RFL_IF | RFL_FIXED1);
	CHECK_EQ_UINT(sigframe_sanitize_rflags(0, RFL_IF | RFL_FIXED1),
		      RFL_IF | RFL_FIXED1);
	CHECK_EQ_UINT(sigframe_sanitize_rflags(RFL_IOPL | RFL_NT | RFL_VM,
					       RFL_IF | RFL_FIXED1),
		      RFL_IF | RFL_FIXED1);
	/* A handler clearing IF in the frame cannot disable interrupts. */
	CHECK(sigframe_sanitize_rflags(~RFL_IF, RFL_FIXED1) & RFL_IF);

	/*
	 * Random frames against random user-mode current values (what
	 * SYSCALL saved): the result is the frame's user bits, IF, bit 1.
	 */
	for (iter = 0; iter < 100000; iter++) {
		uint64_t fl, cur, r;

		state = state * 1103515245u + 12345u;
		fl = (uint64_t)state << 32;
		state = state * 1103515245u + 12345u;
		fl ^= state;
		state = state * 1103515245u + 12345u;
		cur = ((uint64_t)state & (user | RFL_IF | RFL_IOPL)) |
		      RFL_FIXED1;
		r = sigframe_sanitize_rflags(fl, cur);
		if (r != ((fl & user) | RFL_IF | RFL_FIXED1) &&
		    mismatches++ < 5)
			fprintf(stderr,
				"\tframe %#llx current %#llx -> %#llx\n",
				(unsigned long long)fl,
				(unsigned long long)cur,
				(unsigned long long)r);
	}
	CHECK_EQ_INT(mismatches, 0);
}

/* The offsets a handler written for Linux reads the frame by. */
static void test_linux_layout(void)
{
	CHECK_EQ_UINT(sizeof(struct sigcontext64), 256);
	CHECK_EQ_UINT(sizeof(struct ucontext64), 304);
	CHECK_EQ_UINT(sizeof(struct siginfo64), 128);
	CHECK_EQ_UINT(sizeof(struct stack64), 24);
	CHECK_EQ_UINT(sizeof(struct fx_sw_bytes), 48);
	CHECK_EQ_UINT(sizeof(struct rt_sigframe64), 440);

	CHECK_EQ_UINT(offsetof(struct sigcontext64, r8), 0);
	CHECK_EQ_UINT(offsetof(struct sigcontext64, rdi), 64);
	CHECK_EQ_UINT(offsetof(struct sigcontext64, rax), 104);
	CHECK_EQ_UINT(offsetof(struct sigcontext64, rsp), 120);
	CHECK_EQ_UINT(offsetof(struct sigcontext64, rip), 128);
	CHECK_EQ_UINT(offsetof(struct sigcontext64, eflags), 136);
	CHECK_EQ_UINT(offsetof(struct sigcontext64, cs), 144);
	CHECK_EQ_UINT(offsetof(struct sigcontext64, ss), 150);
	CHECK_EQ_UINT(offsetof(struct sigcontext64, err), 152);
	CHECK_EQ_UINT(offsetof(struct sigcontext64, trapno), 160);
	CHECK_EQ_UINT(offsetof(struct sigcontext64, oldmask), 168);
	CHECK_EQ_UINT(offsetof(struct sigcontext64, cr2), 176);
	CHECK_EQ_UINT(offsetof(struct sigcontext64, fpstate), 184);
	CHECK_EQ_UINT(offsetof(struct sigcontext64, reserved1), 192);

	CHECK_EQ_UINT(offsetof(struct ucontext64, uc_flags), 0);
	CHECK_EQ_UINT(offsetof(struct ucontext64, uc_link), 8);
	CHECK_EQ_UINT(offsetof(struct ucontext64, uc_stack), 16);
	CHECK_EQ_UINT(offsetof(struct ucontext64, uc_mcontext), 40);
	CHECK_EQ_UINT(offsetof(struct ucontext64, uc_sigmask), 296);

	CHECK_EQ_UINT(offsetof(struct siginfo64, si_code), 8);
	CHECK_EQ_UINT(offsetof(struct siginfo64, u.fault.addr), 16);
	CHECK_EQ_UINT(offsetof(struct siginfo64, u.fault.addr_lsb), 24);
	CHECK_EQ_UINT(offsetof(struct siginfo64, u.fault.pkey), 32);
	CHECK_EQ_UINT(offsetof(struct siginfo64, u.kill.pid), 16);
	CHECK_EQ_UINT(offsetof(struct siginfo64, u.kill.uid), 20);

	CHECK_EQ_UINT(offsetof(struct rt_sigframe64, pretcode), 0);
	CHECK_EQ_UINT(offsetof(struct rt_sigframe64, uc), 8);
	CHECK_EQ_UINT(offsetof(struct rt_sigframe64, info), 312);

	CHECK_EQ_UINT(FX_SW_BYTES_OFFSET, 464);
	CHECK_EQ_UINT(FP_XSTATE_MAGIC1, 0x46505853);
	CHECK_EQ_UINT(FP_XSTATE_MAGIC2, 0x46505845);
	CHECK_EQ_UINT(FP_XSTATE_MAGIC2_SIZE, 4);
	CHECK_EQ_UINT(offsetof(struct fx_sw_bytes, extended_size), 4);
	CHECK_EQ_UINT(offsetof(struct fx_sw_bytes, xfeatures), 8);
	CHECK_EQ_UINT(offsetof(struct fx_sw_bytes, xstate_size), 16);
	/* fx_sw_bytes fills the legacy area's software bytes exactly. */
	CHECK_EQ_UINT(FX_SW_BYTES_OFFSET + sizeof(struct fx_sw_bytes), 512);

	/* The ABI numbers a Linux pkey handler compares against. */
	CHECK_EQ_INT(SIGSEGV, 11);
	CHECK_EQ_INT(SEGV_PKUERR, 4);
	CHECK_EQ_UINT(SA_SIGINFO, 4);
	CHECK_EQ_UINT(SA_RESTORER, 0x04000000);
	CHECK_EQ_UINT(UC_FP_XSTATE, 1);
}

/* The field offsets test_sigframe writes match struct fx_sw_bytes. */
static void test_fx_sw_bytes_struct(void)
{
	struct frame f;
	struct fx_sw_bytes sw;

	genuine(&f);
	memcpy(&sw, f.xs + FX_SW_BYTES_OFFSET, sizeof(sw));
	CHECK_EQ_UINT(sw.magic1, FP_XSTATE_MAGIC1);
	CHECK_EQ_UINT(sw.extended_size, f.lim.xstate_size + 4);
	CHECK_EQ_UINT(sw.xfeatures, f.lim.xfeatures_allowed);
	CHECK_EQ_UINT(sw.xstate_size, f.lim.xstate_size);
	CHECK_EQ_UINT(get64(f.xs + XSTATE_BV_OFF) & ~sw.xfeatures, 0);
	release(&f);
}

/*
 * The kernel copies only the ranges sigframe_xs_ranges() names and hands
 * the rest of the area to XRSTOR from user memory.  So the ranges must be
 * the layout's own fields, and validating a copy that holds only them (the
 * rest garbage) must give the verdict the full copy gets: for genuine
 * frames and for frames with random bytes overwritten, mostly inside the
 * ranges so that every check gets its turn to fail.
 */
static void test_ranges_suffice(void)
{
	static const unsigned trials = 5000;
	size_t si;
	uint32_t seed = 12345;

	for (si = 0; si < NR_SHAPES; si++) {
		struct sigframe_range r[SIGFRAME_XS_RANGES];
		struct frame f;
		uint8_t *sparse;
		unsigned t, hits[SIGFRAME_NR_ERRORS] = { 0 }, kinds = 0;

		genuine_shape(&f, &shapes[si]);
		sigframe_xs_ranges(f.lim.xstate_size, r);
		CHECK_EQ_UINT(r[0].off, MXCSR_OFF);
		CHECK_EQ_UINT(r[0].len, 4);
		CHECK_EQ_UINT(r[1].off, MAGIC1_OFF);
		CHECK_EQ_UINT(r[1].off + r[1].len, XSIZE_OFF + 4);
		CHECK_EQ_UINT(r[2].off, XSTATE_BV_OFF);
		CHECK_EQ_UINT(r[2].off + r[2].len, LEGACY_END);
		CHECK_EQ_UINT(r[3].off, f.lim.xstate_size);
		CHECK_EQ_UINT(r[3].len, FP_XSTATE_MAGIC2_SIZE);
		/* What the kernel's copy loop relies on. */
		for (int i = 0; i < SIGFRAME_XS_RANGES; i++) {
			CHECK(r[i].off + r[i].len <= f.len);
			CHECK(r[i].len % 4 == 0);
			CHECK(r[i].off % 8 == 0 || r[i].len == 4);
		}
		release(&f);

		sparse = xmalloc(shapes[si].size + FP_XSTATE_MAGIC2_SIZE);
		for (t = 0; t < trials; t++) {
			enum sigframe_error full, part;
			unsigned n;

			genuine_shape(&f, &shapes[si]);
			for (n = 1 + (seed >> 7) % 3; n; n--) {
				size_t at;

				seed = seed * 1103515245u + 12345u;
				if ((seed >> 16) & 1) {
					const struct sigframe_range *q = &r[(seed >> 8) % SIGFRAME_XS_RANGES];

					at = q->off + (seed >> 20) % q->len;
				} else {
					at = (seed >> 12) % f.len;
				}
				seed = seed * 1103515245u + 12345u;
				/* Small values too: they keep the size fields near sane. */
				f.xs[at] = (seed >> 24) & 1 ? (uint8_t)(seed >> 16) : f.xs[at] ^ (uint8_t)(1u << ((seed >> 13) & 7));
			}
			full = validate(&f);
			for (size_t i = 0; i < f.len; i++)
				sparse[i] = (uint8_t)(0xa5 ^ i ^ t);
			for (int i = 0; i < SIGFRAME_XS_RANGES; i++)
				memcpy(sparse + r[i].off, f.xs + r[i].off, r[i].len);
			part = sigframe_validate(&f.uc, sparse, f.len, &f.lim);
			if (!CHECK_EQ_INT(part, full))
				fprintf(stderr, "\tshape %s, trial %u\n", shapes[si].name, t);
			if ((unsigned)full < SIGFRAME_NR_ERRORS && !hits[full]++)
				kinds++;
			release(&f);
		}
		free(sparse);
		/* ok, and the XSAVE-area errors: magic1, size, xfeatures, magic2, bv, header, mxcsr */
		CHECK_EQ_UINT(kinds, 8);
	}
}

int main(void)
{
	test_genuine_accepted();
	test_legal_edges();
	test_unchecked_bytes_ignored();
	test_ranges_suffice();
	test_misaligned_copy();
	test_bad_magic1();
	test_bad_size();
	test_bad_xfeatures();
	test_bad_magic2();
	test_bad_xstate_bv();
	test_bad_xcomp_bv();
	test_bad_mxcsr();
	test_bad_rip_rsp();
	test_bad_fpstate();
	test_short_copies();
	test_short_copies_corrupted();
	test_error_names();
	test_rflags();
	test_linux_layout();
	test_fx_sw_bytes_struct();
	return unit_summary("test_sigframe");
}
