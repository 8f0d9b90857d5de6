/*
 * libFuzzer target for rt_sigreturn's frame checks (kernel/sigframe.c).
 *
 * Whatever sigframe_validate() accepts is loaded with XRSTOR and returned
 * to with IRETQ, in ring 0.  So every accepted frame is checked against
 * the properties rt_sigreturn relies on, written out here independently
 * of the validator: RIP and RSP canonical user addresses, fpstate 64-byte
 * aligned with the whole area (MAGIC2 included) inside the user range and
 * not wrapping, both magics present, the sizes this kernel's, XSTATE_BV
 * inside xfeatures inside the allowed set, a standard-format header with
 * zero reserved bytes, MXCSR inside the mask.  The other way round too: a
 * frame with all of these properties must be accepted, and a rejection
 * must name a property that really is violated.  Any disagreement aborts;
 * ASan catches a read outside the exact-size XSAVE copy, UBSan a
 * misaligned load or an overflow.  sigframe_sanitize_rflags() rides along:
 * IF and bit 1 always set, IOPL 0, the frame's user flags kept, nothing
 * else taken from the frame.
 *
 * Input layout, every part optional (what an input does not reach stays
 * as it is in the genuine frame):
 *
 *   [0, 304)	XORed into a genuine struct ucontext64
 *   304..308	knobs: xfeatures_allowed, xstate_size, MXCSR mask, user
 *		range (each an index into a table), and the copy length
 *		(0: the full xstate_size + 4, else shorter)
 *   [309, ...)	XORed into the genuine XSAVE area, which is then copied
 *		into a heap buffer of exactly the copy length
 *
 * Starting from a genuine frame, so that the empty input is accepted and
 * one flipped bit reaches any single check, gets far deeper than raw
 * random bytes, which almost never get past magic1.  Two things still
 * stand in the way, and LLVMFuzzerCustomMutator below, half of all
 * mutations, removes them.  The fields that matter sit deep in the input
 * (fx_sw_bytes at 773, MAGIC2 near 3000) while libFuzzer keeps inputs
 * short, so it aims at those fields, growing the input as far as needed.
 * And libFuzzer's comparison-guided mutations write the compared value
 * into the input, which the XOR turns into something else, so it sets
 * fields to boundary values of the frame itself (the ends of the user
 * range, the last area that fits, sizes, feature masks), XORed with the
 * genuine frame for the input's knobs.  Last, which knobs an input uses
 * makes no difference to the code it runs, so libFuzzer would keep no
 * input with other limits than the first; an extra counter for every
 * combination of limits and verdict makes it keep one of each.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ikernel/include -I. \
 *	tests/host/fuzz_sigframe.c kernel/sigframe.c \
 *	-o build/host/fuzz_sigframe
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <kernel/sigframe.h>
#include "xsave_layout.h"

/* Abort so that libFuzzer saves the input that broke the contract. */
#define REQUIRE(cond)			\
	do {				\
		if (!(cond))		\
			abort();	\
	} while (0)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define PICK(tab, k)	((tab)[(k) % ARRAY_SIZE(tab)])

#define KNOBS_OFF	sizeof(struct ucontext64)
#define NR_KNOBS	5
#define XSAVE_IN_OFF	(KNOBS_OFF + NR_KNOBS)

/* XCR0 values, with and without PKRU, and the soft-PKRU policy's set. */
static const uint64_t allowed_tab[] = {
	0x207, 0x7, 0x3, 0x2e7, 0x7 | 0x200, 0x1,
};

/* Standard-format sizes: x87|SSE, +AVX, +AVX-512|PKRU; odd ones too. */
static const uint32_t size_tab[] = {
	2696, 832, 576, 2752, 1088, 580,
};
#define MAX_XSTATE	2752

/* Intel without DAZ, with DAZ, AMD with misaligned SSE. */
static const uint32_t mxcsr_tab[] = { 0xffbf, 0xffff, 0x2ffff };

static const struct {
	uint64_t lo, hi;
} range_tab[] = {
	{ 0x0000008000000000ull, 0x0000800000000000ull },	/* pkrulab */
	{ 0x0000000000001000ull, 0x0000800000000000ull },
	{ 0xffff800000000000ull, 0xffffffffffffffffull },	/* wraps */
	{ 0, 0xffffffffffffffffull },	/* only "canonical" guards */
};

/*
 * libFuzzer's extra coverage counters (Linux): one per allowed set, size,
 * user range and verdict, so the corpus spans the limits.
 */
__attribute__((used, section("__libfuzzer_extra_counters")))
static uint8_t seen[ARRAY_SIZE(allowed_tab)][ARRAY_SIZE(size_tab)]
		   [ARRAY_SIZE(range_tab)][SIGFRAME_NR_ERRORS];

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* n <= 8 bytes at p, little-endian (the host's order, as the kernel's). */
static uint64_t getn(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	memcpy(&v, p, n);
	return v;
}

/* The knob bytes of an input; 0 where it is too short. */
static void read_knobs(const uint8_t *data, size_t size,
		       uint8_t knob[NR_KNOBS])
{
	size_t i;

	for (i = 0; i < NR_KNOBS; i++)
		knob[i] = KNOBS_OFF + i < size ? data[KNOBS_OFF + i] : 0;
}

/*
 * The limits the knobs choose and the genuine frame under them: RIP near
 * the bottom of the range, RSP and the XSAVE area at the top, so one
 * flipped bit crosses either end.  area holds MAX_XSTATE + 4 bytes; len
 * is the length of the copy.
 */
static void genuine(const uint8_t knob[NR_KNOBS],
		    struct sigframe_limits *lim, size_t *len,
		    struct ucontext64 *uc, uint8_t *area)
{
	struct sigcontext64 *sc = &uc->uc_mcontext;
	size_t full;

	lim->xfeatures_allowed = PICK(allowed_tab, knob[0]);
	lim->xstate_size = PICK(size_tab, knob[1]);
	lim->mxcsr_mask = PICK(mxcsr_tab, knob[2]);
	lim->user_lo = PICK(range_tab, knob[3]).lo;
	lim->user_hi = PICK(range_tab, knob[3]).hi;
	lim->frame_selectors = false;	/* pkrulab's own personality: every RIP checked */
	full = (size_t)lim->xstate_size + FP_XSTATE_MAGIC2_SIZE;
	*len = knob[4] ? (full - 1) * (knob[4] - 1u) / 254 : full;

	memset(uc, 0, sizeof(*uc));
	uc->uc_flags = UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	sc->rip = lim->user_lo + 0x1000;
	sc->fpstate = (lim->user_hi - full) & ~63ull;
	sc->rsp = sc->fpstate - 8;
	sc->eflags = RFL_IF | RFL_FIXED1;
	sc->cs = 0x33;
	sc->ss = 0x2b;

	memset(area, 0, MAX_XSTATE + FP_XSTATE_MAGIC2_SIZE);
	put32(area + MXCSR_OFF, 0x1f80);
	put32(area + MAGIC1_OFF, FP_XSTATE_MAGIC1);
	put32(area + EXTSIZE_OFF, lim->xstate_size + FP_XSTATE_MAGIC2_SIZE);
	put64(area + XFEATURES_OFF, lim->xfeatures_allowed);
	put32(area + XSIZE_OFF, lim->xstate_size);
	put64(area + XSTATE_BV_OFF, lim->xfeatures_allowed & 0x203);
	put32(area + lim->xstate_size, FP_XSTATE_MAGIC2);
}

/* ---- the oracle ---------------------------------------------------------- */

/* Bytes [off, off + n) of the copy, if they are inside it. */
static bool have(size_t len, size_t off, size_t n)
{
	return off <= len && n <= len - off;
}

/* Bits 63..47 all equal: sign-extended from bit 47. */
static bool canonical(uint64_t a)
{
	uint64_t top = a >> 47;

	return top == 0 || top == 0x1ffff;
}

static bool user_addr(uint64_t a, const struct sigframe_limits *lim)
{
	return canonical(a) && a >= lim->user_lo && a < lim->user_hi;
}

/* Which of the frame's properties hold: ok[e] for error code e. */
static void judge(const struct ucontext64 *uc, const uint8_t *xs, size_t len,
		  const struct sigframe_limits *lim,
		  bool ok[SIGFRAME_NR_ERRORS])
{
	const struct sigcontext64 *sc = &uc->uc_mcontext;
	uint64_t n = (uint64_t)lim->xstate_size + FP_XSTATE_MAGIC2_SIZE;
	uint64_t end, xf = 0;
	size_t i;

	ok[SIGFRAME_BAD_RIP] = user_addr(sc->rip, lim);
	ok[SIGFRAME_BAD_RSP] = user_addr(sc->rsp, lim);
	ok[SIGFRAME_BAD_FPSTATE_PTR] =
		sc->fpstate % 64 == 0 && user_addr(sc->fpstate, lim) &&
		!__builtin_add_overflow(sc->fpstate, n, &end) &&
		end <= lim->user_hi;

	ok[SIGFRAME_BAD_MAGIC1] = have(len, MAGIC1_OFF, 4) &&
				  getn(xs + MAGIC1_OFF, 4) == FP_XSTATE_MAGIC1;

	ok[SIGFRAME_BAD_SIZE] = len >= LEGACY_END;
	if (ok[SIGFRAME_BAD_SIZE]) {
		uint64_t size = getn(xs + XSIZE_OFF, 4);

		ok[SIGFRAME_BAD_SIZE] = size == lim->xstate_size &&
					getn(xs + EXTSIZE_OFF, 4) == size + 4 &&
					have(len, 0, size + 4);
	}

	ok[SIGFRAME_BAD_XFEATURES] = have(len, XFEATURES_OFF, 8);
	if (ok[SIGFRAME_BAD_XFEATURES]) {
		xf = getn(xs + XFEATURES_OFF, 8);
		ok[SIGFRAME_BAD_XFEATURES] = !(xf & ~lim->xfeatures_allowed);
	}

	ok[SIGFRAME_BAD_MAGIC2] =
		have(len, lim->xstate_size, 4) &&
		getn(xs + lim->xstate_size, 4) == FP_XSTATE_MAGIC2;

	ok[SIGFRAME_BAD_XSTATE_BV] = have(len, XFEATURES_OFF, 8) &&
				     have(len, XSTATE_BV_OFF, 8) &&
				     !(getn(xs + XSTATE_BV_OFF, 8) & ~xf);

	ok[SIGFRAME_BAD_XCOMP_BV] =
		have(len, XCOMP_BV_OFF, LEGACY_END - XCOMP_BV_OFF);
	for (i = XCOMP_BV_OFF; ok[SIGFRAME_BAD_XCOMP_BV] && i < LEGACY_END; i++)
		ok[SIGFRAME_BAD_XCOMP_BV] = xs[i] == 0;

	ok[SIGFRAME_BAD_MXCSR] =
		have(len, MXCSR_OFF, 4) &&
		!(getn(xs + MXCSR_OFF, 4) & ~(uint64_t)lim->mxcsr_mask);

	ok[SIGFRAME_OK] = true;
	for (i = 1; i < SIGFRAME_NR_ERRORS; i++)
		ok[SIGFRAME_OK] = ok[SIGFRAME_OK] && ok[i];
}

static void check_rflags(uint64_t frame, uint64_t current)
{
	uint64_t r = sigframe_sanitize_rflags(frame, current);

	REQUIRE(r & RFL_IF);
	REQUIRE(r & RFL_FIXED1);
	REQUIRE(!(r & RFL_IOPL));
	REQUIRE((r & SIGFRAME_USER_FLAGS) == (frame & SIGFRAME_USER_FLAGS));
	/* Outside the user flags, nothing comes from the frame... */
	REQUIRE(sigframe_sanitize_rflags(frame & SIGFRAME_USER_FLAGS,
					 current) == r);
	/* ...and nothing from nowhere: only IF and bit 1 are added. */
	REQUIRE(!(r & ~SIGFRAME_USER_FLAGS & ~(RFL_IF | RFL_FIXED1) &
		  ~current));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t area[MAX_XSTATE + FP_XSTATE_MAGIC2_SIZE];
	struct sigframe_limits lim;
	struct ucontext64 uc;
	const struct sigcontext64 *sc = &uc.uc_mcontext;
	bool ok[SIGFRAME_NR_ERRORS];
	enum sigframe_error e;
	uint8_t knob[NR_KNOBS], *buf, *xs;
	size_t full, len, i;

	read_knobs(data, size, knob);
	genuine(knob, &lim, &len, &uc, area);
	full = (size_t)lim.xstate_size + FP_XSTATE_MAGIC2_SIZE;
	for (i = 0; i < size && i < KNOBS_OFF; i++)
		((uint8_t *)&uc)[i] ^= data[i];
	for (i = XSAVE_IN_OFF; i < size && i - XSAVE_IN_OFF < full; i++)
		area[i - XSAVE_IN_OFF] ^= data[i];

	/*
	 * The copy rt_sigreturn validates: exactly len bytes on the heap.
	 * ASan lets malloc(0) have a byte, so no bytes is the end of one.
	 */
	buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	xs = len ? buf : buf + 1;
	memcpy(xs, area, len);

	e = sigframe_validate(&uc, xs, len, &lim);
	judge(&uc, xs, len, &lim, ok);
	REQUIRE((unsigned int)e < SIGFRAME_NR_ERRORS);
	seen[knob[0] % ARRAY_SIZE(allowed_tab)][knob[1] % ARRAY_SIZE(size_tab)]
	    [knob[3] % ARRAY_SIZE(range_tab)][e]++;
	REQUIRE(sigframe_error_name(e) && sigframe_error_name(e)[0]);
	/* Accepted exactly when every property holds... */
	REQUIRE((e == SIGFRAME_OK) == ok[SIGFRAME_OK]);
	/* ...and a rejection names a property that does not. */
	REQUIRE(e == SIGFRAME_OK || !ok[e]);
	if (e == SIGFRAME_OK) {
		/* Once more, what sigreturn_restore() goes on to use. */
		REQUIRE(len >= full);
		REQUIRE(sc->fpstate + full > sc->fpstate);
		REQUIRE(sc->fpstate + full <= lim.user_hi);
		REQUIRE(!(getn(xs + XSTATE_BV_OFF, 8) &
			  ~lim.xfeatures_allowed));
	}
	free(buf);

	/* The frame's RFLAGS, against current values from other fields. */
	check_rflags(sc->eflags, sc->trapno);
	check_rflags(sc->eflags, sc->eflags ^ sc->err);
	return 0;
}

/* ---- the aimed mutator --------------------------------------------------- */

enum kind { ADDR, FLAGS, KNOB, MXCSR, MAGIC, SIZE, FEATURES, BYTES };

#define UC_IN(f)	offsetof(struct ucontext64, uc_mcontext.f)
#define XS_IN(off)	(XSAVE_IN_OFF + (off))

/* Where the validator looks, as offsets into the input. */
static const struct {
	uint16_t off, len;
	enum kind kind;
} fields[] = {
	{ UC_IN(rip), 8, ADDR }, { UC_IN(rsp), 8, ADDR },
	{ UC_IN(fpstate), 8, ADDR },
	{ UC_IN(eflags), 8, FLAGS }, { UC_IN(trapno), 8, FLAGS },
	{ UC_IN(err), 8, FLAGS },
	{ KNOBS_OFF, 1, KNOB }, { KNOBS_OFF + 1, 1, KNOB },
	{ KNOBS_OFF + 2, 1, KNOB }, { KNOBS_OFF + 3, 1, KNOB },
	{ KNOBS_OFF + 4, 1, KNOB },
	{ XS_IN(MXCSR_OFF), 4, MXCSR },
	{ XS_IN(MAGIC1_OFF), 4, MAGIC },
	{ XS_IN(EXTSIZE_OFF), 4, SIZE }, { XS_IN(XSIZE_OFF), 4, SIZE },
	{ XS_IN(XFEATURES_OFF), 8, FEATURES },
	{ XS_IN(XSTATE_BV_OFF), 8, FEATURES },
	{ XS_IN(XCOMP_BV_OFF), 8, FEATURES },
	{ XS_IN(XCOMP_BV_OFF + 8), LEGACY_END - XCOMP_BV_OFF - 8, BYTES },
	/* ...and a MAGIC field after each xstate_size of size_tab. */
};
#define NR_TARGETS (ARRAY_SIZE(fields) + ARRAY_SIZE(size_tab))

/* The genuine frame, laid out like the input (knobs left zero). */
struct input_image {
	struct ucontext64 uc;
	uint8_t knobs[NR_KNOBS];
	uint8_t area[MAX_XSTATE + FP_XSTATE_MAGIC2_SIZE];
};
_Static_assert(offsetof(struct input_image, area) == XSAVE_IN_OFF,
	       "the image is laid out like the input");

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A value at the edge of some check, for a field of this kind. */
static uint64_t boundary(enum kind kind, const struct sigframe_limits *lim,
			 uint64_t r)
{
	uint64_t full = (uint64_t)lim->xstate_size + FP_XSTATE_MAGIC2_SIZE;
	uint64_t top = (lim->user_hi - full) & ~63ull;
	uint64_t any_bit = 1ull << (r >> 8) % 64;

	switch (kind) {
	case ADDR: {
		const uint64_t v[] = {
			lim->user_lo, lim->user_lo - 1, lim->user_lo - 64,
			lim->user_hi, lim->user_hi - 1, lim->user_hi - 64,
			lim->user_hi - full, top, top + 64,
			0 - full, (0 - full + 63) & ~63ull,
			0x0000800000000000ull, 0x00007fffffffffc0ull,
			0xffff800000000000ull, 0xffff7fffffffffc0ull,
			0xffffffff80000000ull, 0, ~0ull,
		};
		uint64_t a = PICK(v, r >> 16);

		/* Sometimes a little off: misaligned, or one more step. */
		return r & 1 ? a + (int64_t)((r >> 40) % 129) - 64 : a;
	}
	case MXCSR:
		return r & 1 ? 0x1f80 | 1ull << (r >> 8) % 32 :
			       PICK(mxcsr_tab, r >> 16);
	case MAGIC:
		return r & 1 ? FP_XSTATE_MAGIC1 : FP_XSTATE_MAGIC2;
	case SIZE: {
		const uint64_t v[] = {
			lim->xstate_size, lim->xstate_size + 4,
			lim->xstate_size - 1, lim->xstate_size + 5,
			0, 0xffffffff, 0xfffffffc,
		};

		if (r & 1)
			return PICK(size_tab, r >> 16) + (r & 2 ? 4 : 0);
		return PICK(v, r >> 16);
	}
	case FEATURES: {
		const uint64_t v[] = {
			lim->xfeatures_allowed,
			lim->xfeatures_allowed ^ any_bit,
			lim->xfeatures_allowed & ~any_bit,
			lim->xfeatures_allowed | 1ull << 63,
			any_bit, 0,
		};

		if (r & 1)
			return PICK(allowed_tab, r >> 16);
		return PICK(v, r >> 16);
	}
	default:
		return r >> 8;
	}
}

/* One aimed change to the n bytes at p; g is the genuine frame there. */
static void mutate_field(uint8_t *p, const uint8_t *g, size_t n,
			 enum kind kind, const struct sigframe_limits *lim,
			 uint64_t *rng)
{
	uint64_t r = xorshift(rng), v;
	size_t i;

	switch (r % 6) {
	case 0:		/* one bit */
		p[(r >> 8) % n] ^= (uint8_t)(1u << (r >> 16) % 8);
		break;
	case 1:		/* one byte */
		p[(r >> 8) % n] ^= (uint8_t)(r >> 16);
		break;
	case 2:		/* a value of random magnitude */
		v = xorshift(rng) >> xorshift(rng) % 64;
		for (i = 0; i < n; i++)
			p[i] ^= (uint8_t)(v >> 8 * (i % 8));
		break;
	case 3:		/* back to the genuine value */
		memset(p, 0, n);
		break;
	default:	/* a boundary value in the frame: XOR it in */
		if (kind == KNOB || kind == BYTES) {
			p[(r >> 8) % n] = (uint8_t)(r >> 16);
			break;
		}
		v = boundary(kind, lim, xorshift(rng));
		for (i = 0; i < n; i++)
			p[i] = g[i] ^ (uint8_t)(v >> 8 * (i % 8));
		break;
	}
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed)
{
	static struct input_image img;
	uint64_t rng = seed | (uint64_t)seed << 32 | 1;
	unsigned int k, changes, changed = 0;
	uint8_t knob[NR_KNOBS];

	if (xorshift(&rng) % 2)
		return LLVMFuzzerMutate(data, size, max_size);
	changes = 1 + xorshift(&rng) % 3;
	for (k = 0; k < changes; k++) {
		size_t f = xorshift(&rng) % NR_TARGETS, off, n, len;
		enum kind kind = MAGIC;
		struct sigframe_limits lim;

		if (f < ARRAY_SIZE(fields)) {
			off = fields[f].off;
			n = fields[f].len;
			kind = fields[f].kind;
		} else {
			off = XS_IN(size_tab[f - ARRAY_SIZE(fields)]);
			n = FP_XSTATE_MAGIC2_SIZE;
		}
		if (off + n > max_size)
			continue;
		if (off + n > size) {
			/* Zero bytes leave the genuine frame as it is. */
			memset(data + size, 0, off + n - size);
			size = off + n;
		}
		read_knobs(data, size, knob);
		genuine(knob, &lim, &len, &img.uc, img.area);
		mutate_field(data + off, (const uint8_t *)&img + off, n, kind,
			     &lim, &rng);
		changed++;
	}
	return changed ? size : LLVMFuzzerMutate(data, size, max_size);
}
