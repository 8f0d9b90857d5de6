/*
 * XSAVE state components as the CPU describes them (CPUID leaf 0xD).
 * Sizes and offsets are always read from CPUID, never assumed: PKRU sits
 * at 2688 on Intel and QEMU but at 2432 on Zen 3, and some QEMU models
 * advertise AVX-512 state in CPUID(0xD,0).EAX that TCG cannot run.
 */
#ifndef ASM_XSTATE_H
#define ASM_XSTATE_H

#include <asm/processor-flags.h>
#include <asm/types.h>

#define XSTATE_BUF_MAX	8192	/* upper bound pkrulab supports for one area */

struct xstate_info {
	bool enabled;			/* CR4.OSXSAVE set */
	u64 supported;			/* CPUID(0xD,0) EDX:EAX: legal XCR0 bits */
	u32 max_size;			/* CPUID(0xD,0).ECX: all supported components */
	u32 offset[XFEATURE_PKRU + 8];	/* standard-format offsets, i >= 2 */
	u32 size[XFEATURE_PKRU + 8];
	u64 user_default;		/* XCR0 pkrulab runs with: x87|SSE|AVX|PKRU */
	u64 xcr0;			/* last value xcr0_write() set (hot paths) */
	/*
	 * Supported components whose CPUID(0xD,i) contradicts the rest of
	 * CPUID (size 0, offset inside the legacy area or header, or past
	 * CPUID(0xD,0).ECX): their size and offset are kept at 0 and never
	 * used; PKRU among them leaves user_default without bit 9.
	 */
	u64 bad;
	u32 bad_size[XFEATURE_PKRU + 8], bad_offset[XFEATURE_PKRU + 8];	/* as CPUID said */
};

extern struct xstate_info xstate;

/* Header of every XSAVE area. */
struct xstate_header {
	u64 xstate_bv;
	u64 xcomp_bv;
	u64 reserved[6];
};

/* SKIP/refusal reason where CPUID(0xD,9) is unusable (xstate.bad). */
#define XSTATE_PKRU_BAD_REASON							\
	"CPUID(0xD,9) contradicts CPUID(0xD,0) (deviation xsave.cpuid_pkru_component, "	\
	"see xsave.area_size): PKRU's standard-format offset is unknown and never used"

void xstate_init(void);
void xstate_print_info(void);
u64 xcr0_read(void);
/* Set XCR0 (must be legal); returns the previous value. */
u64 xcr0_write(u64 val);
/* Standard-format area size for a given XCR0, from per-component CPUID. */
u32 xstate_size_for(u64 xcr0);
/* Where PKRU lives in a standard-format area: CPUID(0xD,9).EBX. */
static inline u32 xstate_pkru_offset(void) { return xstate.offset[XFEATURE_PKRU]; }

static inline struct xstate_header *xstate_hdr(void *area)
{
	return (struct xstate_header *)((u8 *)area + XSAVE_HDR_OFFSET);
}

#endif
