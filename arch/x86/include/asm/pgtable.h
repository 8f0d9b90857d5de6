/* 4-level paging with protection keys (SDM vol. 3, 4.5 and 4.6.2). */
#ifndef ASM_PGTABLE_H
#define ASM_PGTABLE_H

#include <asm/types.h>

#define PTE_P		(1ull << 0)
#define PTE_W		(1ull << 1)
#define PTE_U		(1ull << 2)
#define PTE_PWT		(1ull << 3)
#define PTE_PCD		(1ull << 4)
#define PTE_A		(1ull << 5)
#define PTE_D		(1ull << 6)
#define PTE_PS		(1ull << 7)
#define PTE_G		(1ull << 8)
#define PTE_PKEY_SHIFT	59
#define PTE_PKEY_MASK	(0xfull << PTE_PKEY_SHIFT)
#define PTE_NX		(1ull << 63)
/*
 * Software bit (ignored by the MMU in a 4 KiB leaf): the frame is shared
 * memory (a Linux MAP_SHARED page).  paging_copy_tree() maps such a leaf's
 * frame into the copy instead of duplicating it, paging_count_tree() does
 * not count it, and the unmap functions hand it to put_shared instead of
 * freeing it: the frame may still be in another address space.
 */
#define PTE_SHARED	(1ull << 9)
#define PTE_ADDR_MASK	0x000ffffffffff000ull

#define PTE_PKEY(k)	((u64)(k) << PTE_PKEY_SHIFT)

/*
 * PTE_NX where EFER.NXE is on (cpu_setup(), from CPUID's NX bit), else 0:
 * without NXE bit 63 is reserved and a walk that meets it is a #PF with
 * RSVD, so every "no execute" goes through this, never PTE_NX itself.
 */
extern u64 pte_nx_mask;
static inline u64 pte_nx(void) { return pte_nx_mask; }

/* User virtual layout: PML4 slot 1 and up, far above identity-mapped RAM. */
#define USER_IMAGE_VA	0x0000008000000000ull	/* linker.ld: the .user section */
#define USER_SCRATCH_VA	0x0000008100000000ull	/* pages mapped by scenarios */
#define USER_VA_END	0x0000800000000000ull

typedef u64 pte_t;

/* Identity-map limit for RAM up to mem_top (at least 4 GiB, below user space). */
u64 paging_direct_map_limit(u64 mem_top);
/*
 * Identity-map [0, limit) with 2 MiB pages, no-execute, the kernel image's
 * with 4 KiB pages (text read-only and executable, read-only data read-only,
 * the rest writable and no-execute), the video range (may be empty)
 * uncached, the .user section at USER_IMAGE_VA (code executable, data
 * no-execute); then load CR3.  Page
 * tables come from page_alloc(), which must hand out pages below 4 GiB.
 */
void paging_init(u64 limit, u64 video_base, u64 video_len);
/* Map one 4 KiB page; flags are PTE_* without the address. */
void map_page(u64 va, u64 pa, u64 flags);
void unmap_page(u64 va);
pte_t *lookup_pte(u64 va);		/* 4 KiB leaf, or NULL */
/* The protection key of the 4 KiB page at va (0 if none is mapped). */
static inline u32 page_pkey(u64 va)
{
	pte_t *pte = lookup_pte(va & ~(PAGE_SIZE - 1));

	return pte ? (*pte & PTE_PKEY_MASK) >> PTE_PKEY_SHIFT : 0;
}
/* Change a page's protection key and flush its TLB entry. */
void set_page_pkey(u64 va, int pkey);
void set_page_flags(u64 va, u64 set, u64 clear);
u64 identity_map_limit(void);
void set_mmio_uncached(u64 pa);

/*
 * Address spaces.  The kernel's root maps everything the kernel and
 * pkrulab's own tasks use.  A Linux process has a root of its own: a copy
 * of the kernel's PML4 entries (so the same lower tables, the kernel's
 * identity map among them) plus the slots of its own region.  The page
 * functions above act on the active root, the one CR3 holds.
 */
pte_t *paging_kernel_root(void);
pte_t *paging_active_root(void);
void paging_switch(pte_t *root);		/* load CR3 if root is not active */
/*
 * Set while tasks run on several CPUs: the other CPUs running in root
 * (NULL: any) drop their TLBs; with retire, every other CPU whose CR3
 * holds root loads the kernel's instead.
 */
extern void (*paging_flush_others)(const pte_t *root, bool retire);
/* root is to be freed: no other CPU keeps it in CR3 on return. */
void paging_root_retire(pte_t *root);
/*
 * Many PTE changes, one shootdown at the end (nestable); a frame the
 * changes free goes through paging_gather_free() (inside a gather only),
 * to free_page after it.
 */
void paging_gather_begin(void (*free_page)(void *));
void paging_gather_end(void);
void paging_gather_free(void *page);
pte_t *paging_root_create(void);		/* a new root with the kernel's entries */
pte_t *lookup_pte_in(pte_t *root, u64 va);
void map_page_in(pte_t *root, u64 va, u64 pa, u64 flags);
/*
 * Pages (tables and private leaves) the tree under [lo, hi) holds: what
 * paging_copy_tree() allocates (a PTE_SHARED leaf costs none).
 */
u64 paging_count_tree(pte_t *root, u64 lo, u64 hi);
/*
 * Copy every page of src's [lo, hi) into dst (empty there), flags and keys
 * kept; a PTE_SHARED leaf maps the same frame (the caller counts it).
 * The page bytes go through SSE registers (as paging_private_low_copy()
 * does): the caller holds kernel_fpu_begin().
 */
void paging_copy_tree(pte_t *dst, pte_t *src, u64 lo, u64 hi);
/* One 4 KiB page through XMM0-7 (arch/x86/copy_page.asm): inside kernel_fpu_begin(). */
void copy_page_simd(void *dst, const void *src);
/*
 * Call fn(ctx, va, pte) for each present 4 KiB leaf of root in [lo, hi),
 * lowest address first; large pages (the kernel's) are skipped.  Addresses
 * are the lower half's (below 2^47): the walk does not sign-extend.
 */
typedef void (*paging_leaf_fn)(void *ctx, u64 va, pte_t pte);
void paging_walk_leaves(pte_t *root, u64 lo, u64 hi, paging_leaf_fn fn, void *ctx);
/*
 * What becomes of a PTE_SHARED leaf of root at va when root goes: the
 * owner of the frames decides whether another address space still has pa.
 */
typedef void (*paging_put_shared_t)(pte_t *root, u64 va, u64 pa);
/*
 * Unmap every page in the PML4 slots of root that [lo, hi) covers (lo and
 * hi 512 GiB aligned: a whole address-space region) and hand each private
 * 4 KiB page and each page table to free_page, each PTE_SHARED leaf to
 * put_shared; then flush the TLB if root is active.
 */
void paging_unmap_tree_in(pte_t *root, u64 lo, u64 hi, void (*free_page)(void *),
			  paging_put_shared_t put_shared);
/*
 * A private low window: root's own 4 KiB page tables for [lo, hi) (2 MiB
 * aligned, inside the first GiB) instead of the kernel's 2 MiB identity
 * pages there, empty, for map_page().  The kernel must not use the
 * physical memory behind that range while root is active.
 */
void paging_private_low(pte_t *root, u64 lo, u64 hi);
u64 paging_count_low(pte_t *root, u64 lo, u64 hi);	/* pages a copy takes; 0: none */
void paging_private_low_copy(pte_t *dst, pte_t *src, u64 lo, u64 hi);
void paging_private_low_free(pte_t *root, u64 lo, u64 hi, void (*free_page)(void *),
			     paging_put_shared_t put_shared);

#endif
