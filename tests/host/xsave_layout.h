/*
 * The XSAVE-area and RFLAGS facts the host tests of the signal-frame
 * validator check it against (test_sigframe.c, fuzz_sigframe.c): written
 * down here from the SDM and the Linux signal ABI, not taken from the
 * validator, so that a wrong offset there cannot agree with itself.
 */
#ifndef HOST_XSAVE_LAYOUT_H
#define HOST_XSAVE_LAYOUT_H

#include <kernel/sigframe.h>

/* XSAVE area layout (standard format), as the validator reads it. */
#define MXCSR_OFF	24
#define MAGIC1_OFF	FX_SW_BYTES_OFFSET
#define EXTSIZE_OFF	(FX_SW_BYTES_OFFSET + 4)
#define XFEATURES_OFF	(FX_SW_BYTES_OFFSET + 8)
#define XSIZE_OFF	(FX_SW_BYTES_OFFSET + 16)
#define XSTATE_BV_OFF	512
#define XCOMP_BV_OFF	520
#define HDR_RSVD_OFF	528		/* header bytes 16..63 */
#define LEGACY_END	576		/* legacy area + header */

#define RFL_CF		(1ull << 0)
#define RFL_FIXED1	(1ull << 1)
#define RFL_PF		(1ull << 2)
#define RFL_AF		(1ull << 4)
#define RFL_ZF		(1ull << 6)
#define RFL_SF		(1ull << 7)
#define RFL_TF		(1ull << 8)
#define RFL_IF		(1ull << 9)
#define RFL_DF		(1ull << 10)
#define RFL_OF		(1ull << 11)
#define RFL_IOPL	(3ull << 12)
#define RFL_NT		(1ull << 14)
#define RFL_RF		(1ull << 16)
#define RFL_VM		(1ull << 17)
#define RFL_AC		(1ull << 18)
#define RFL_VIF		(1ull << 19)
#define RFL_VIP		(1ull << 20)
#define RFL_ID		(1ull << 21)

#endif
