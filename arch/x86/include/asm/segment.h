/*
 * User segment state: the data selectors (DS, ES, FS, GS), which ring 3
 * may load with any selector it can name, and the local descriptor table
 * a process builds with modify_ldt.  The kernel never uses a segment
 * register's base or limit (64-bit mode ignores DS/ES/SS, and pkrulab's
 * entry code never uses GS or SWAPGS: `current' and the kernel stack top
 * are plain variables, and only CPU 0 runs tasks), so all of it belongs
 * to the task that runs.
 */
#ifndef ASM_SEGMENT_H
#define ASM_SEGMENT_H

#include <asm/types.h>
#include <asm/safe.h>

#define SEGMENT_RPL_MASK	0x3
#define SEGMENT_TI_MASK		0x4	/* the selector names an LDT entry */
#define SEGMENT_INDEX_SHIFT	3

/* LDT: Linux's limits (arch/x86/include/uapi/asm/ldt.h). */
#define LDT_ENTRIES		8192
#define LDT_ENTRY_SIZE		8

/* Descriptor fields (SDM vol. 3 3.4.5), in the 64-bit descriptor word. */
#define DESC_LIMIT0_MASK	0xffffull
#define DESC_BASE0_SHIFT	16		/* base 23:0 at bits 39:16 */
#define DESC_ACCESSED		(1ull << 40)
#define DESC_TYPE_SHIFT		40
#define DESC_S			(1ull << 44)	/* code or data, not a system descriptor */
#define DESC_DPL3		(3ull << 45)
#define DESC_P			(1ull << 47)
#define DESC_LIMIT1_SHIFT	48		/* limit 19:16 at bits 51:48 */
#define DESC_AVL		(1ull << 52)
#define DESC_L			(1ull << 53)
#define DESC_DB			(1ull << 54)
#define DESC_G			(1ull << 55)
#define DESC_BASE2_SHIFT	56		/* base 31:24 at bits 63:56 */
#define DESC_TYPE_LDT		0x2ull		/* system descriptor type: LDT */

/* LAR's result (the descriptor's high word, bits 8..23); the type without its accessed bit. */
#define AR_TYPE_MASK		(0x7u << 9)
#define AR_TYPE_RWDATA		(0x1u << 9)
#define AR_TYPE_RWDATA_EXPDOWN	(0x3u << 9)
#define AR_S			(1u << 12)
#define AR_DPL_MASK		(3u << 13)
#define AR_DPL3			(3u << 13)
#define AR_P			(1u << 15)

/* The four data selectors of a task that is switched out. */
struct user_selectors {
	u16 ds, es, fs, gs;
};

#define savesegment(seg, v) asm volatile("mov %%" #seg ", %0" : "=r"(v))

/*
 * Load a selector ring 3 chose.  It may name an LDT entry that has since
 * been cleared or marked not present: the load then faults (#GP/#NP),
 * which the exception table catches, and the null selector goes in
 * instead, as Linux's loadsegment() does.
 */
#define loadsegment_safe(seg, v)					\
	do {								\
		u16 __sel = (v);					\
		if (SAFE_INSN("mov %0, %%" #seg, , "r"(__sel)) != PROBE_NO_FAULT) \
			asm volatile("mov %0, %%" #seg :: "r"(0));	\
	} while (0)

static inline void user_selectors_save(struct user_selectors *s)
{
	savesegment(ds, s->ds);
	savesegment(es, s->es);
	savesegment(fs, s->fs);
	savesegment(gs, s->gs);
}

static inline void user_selectors_load(const struct user_selectors *s)
{
	loadsegment_safe(ds, s->ds);
	loadsegment_safe(es, s->es);
	loadsegment_safe(fs, s->fs);
	loadsegment_safe(gs, s->gs);
}

/*
 * The access rights of a selector as ring 0 sees them with the current
 * LDT (LAR), or 0 if it names no descriptor LAR accepts.
 */
static inline u32 selector_access_rights(u16 sel)
{
	u32 ar = 0;

	asm volatile("lar %1, %0\n\t"
		     "jz 1f\n\t"
		     "xorl %0, %0\n"
		     "1:" : "+r"(ar) : "r"((u32)sel) : "cc");
	return ar;
}

/* CPU 0's LDT (only it runs tasks): entries descriptors at base, 0: none (LDTR null). */
void ldt_load(const u64 *base, u32 entries);

#endif
