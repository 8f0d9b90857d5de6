/*
 * Kernel page tables.  RAM (and the low 4 GiB of MMIO) is identity-mapped
 * with 2 MiB supervisor pages, no-execute, but for the kernel image's
 * (4 KiB pages: only its text executable, see paging_init()): protection
 * keys never apply to it.  User
 * memory lives from PML4 slot 1 upwards in 4 KiB pages, each with its own
 * protection key in PTE bits 62:59, so that a scenario can give one page a
 * key, deny that key in PKRU and watch the access fault.
 */
#include <asm/pgtable.h>
#include <asm/smp.h>
#include <asm/processor.h>
#include <kernel/panic.h>
#include <kernel/mm.h>
#include <kernel/string.h>

#define ENTRIES		512
#define GIB		(1ull << 30)
#define TABLE_FLAGS	(PTE_P | PTE_W | PTE_U)	/* leaf decides U/S and W */

static pte_t *pml4;		/* the kernel's root */
/* The root in this CPU's CR3 (no PCIDs: its low 12 bits are 0). */
#define active ((pte_t *)read_cr3())

/*
 * While tasks run on several CPUs (kernel/smp.c), another CPU may cache a
 * translation this CPU just took away or restricted (a key or a
 * permission: the TLB caches both, SDM vol. 3, 4.10.2.2): it must drop
 * it before the change counts as done.  Only a CPU that runs in the
 * changed address space can cache it: one in another process, or idle
 * on the kernel's root, dropped every user translation of that root when
 * its CR3 last changed (no PCIDs, no global user pages).
 */
void (*paging_flush_others)(const pte_t *root, bool retire);

/*
 * A gather (Linux's mmu_gather): the PTE changes of one munmap or
 * mprotect over many pages cost one shootdown, at its end, not one each.
 * Until then another CPU may still reach a frame through its old
 * translation, so the frames freed in between are freed only after the
 * shootdown (a frame given out again while a sibling thread can still
 * write it would be another's memory).  The kernel lock serialises the
 * callers: one gather at a time.
 */
#define GATHER_MAX	256
static struct {
	u32 depth;
	bool flush;			/* a shootdown is owed... */
	const pte_t *root;		/* ...for this root (NULL: several) */
	void (*free_page)(void *);
	u32 n;
	void *pages[GATHER_MAX];	/* freed after it */
} gather;

static void gather_flush(void)
{
	if (gather.flush && paging_flush_others)
		paging_flush_others(gather.root, false);
	gather.flush = false;
	for (u32 i = 0; i < gather.n; i++)
		gather.free_page(gather.pages[i]);
	gather.n = 0;
}

static inline void flush_others(const pte_t *root)
{
	if (__builtin_expect(paging_flush_others != NULL, 0)) {
		if (!gather.depth) {
			paging_flush_others(root, false);
			return;
		}
		if (gather.flush && gather.root != root)
			root = NULL;
		gather.flush = true;
		gather.root = root;
	}
}

void paging_gather_begin(void (*free_page)(void *))
{
	if (!gather.depth++)
		gather.free_page = free_page;
}

void paging_gather_end(void)
{
	if (!--gather.depth)
		gather_flush();
}

void paging_gather_free(void *page)
{
	if (!gather.depth)
		panic("paging_gather_free outside a gather");
	/* One CPU: nobody else can reach the frame, it goes now. */
	if (!paging_flush_others) {
		gather.free_page(page);
		return;
	}
	if (gather.n == GATHER_MAX)
		gather_flush();
	gather.pages[gather.n++] = page;
}

/*
 * A root about to be freed may still be in another CPU's CR3: a thread
 * of the dying process, killed there, runs on in ring 3 until it enters
 * the kernel (it waits for the lock this CPU holds).  Linux keeps the mm
 * alive until its last user drops it; here such a CPU is moved to the
 * kernel root before the tables go, and its task, dead, faults into the
 * kernel at its next user instruction and never comes back.
 */
void paging_root_retire(pte_t *root)
{
	if (__builtin_expect(paging_flush_others != NULL, 0))
		paging_flush_others(root, true);
}
static u64 identity_limit;

/* Absolute linker symbols: their addresses are the values. */
extern char __user_load[], __user_size[];
/* linker.ld: the kernel image's text, read-only data and end; the .user code's end. */
extern char __kernel_start[], __ktext_end[], __krodata_end[], __kernel_end[];
extern char __user_text_end[];

static inline int idx(u64 va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * level)) & (ENTRIES - 1);
}

/* Walk root to the page table (level 0) for va, allocating tables if asked. */
static pte_t *walk_in(pte_t *root, u64 va, int stop_level, bool alloc, u64 table_flags)
{
	pte_t *t = root;

	for (int level = 3; level > stop_level; level--) {
		pte_t *e = &t[idx(va, level)];

		if (!(*e & PTE_P)) {
			if (!alloc)
				return NULL;
			*e = (u64)page_alloc() | table_flags;
		} else if (*e & PTE_PS) {
			return NULL;	/* inside a large page */
		}
		t = (pte_t *)(*e & PTE_ADDR_MASK);
	}
	return &t[idx(va, stop_level)];
}

static pte_t *walk(u64 va, int stop_level, bool alloc, u64 table_flags)
{
	return walk_in(active, va, stop_level, alloc, table_flags);
}

/* The kernel's own tables, before and after CR3 holds them. */
static void map_large(u64 va, u64 pa, u64 flags)
{
	pte_t *e = walk_in(pml4, va, 1, true, PTE_P | PTE_W);

	*e = pa | flags | PTE_PS | PTE_P;
}

void map_page_in(pte_t *root, u64 va, u64 pa, u64 flags)
{
	pte_t *e = walk_in(root, va, 0, true, TABLE_FLAGS);

	u64 old;

	if (!e)
		panic("map_page: address is inside a large page");
	old = *e;
	*e = (pa & PTE_ADDR_MASK) | flags | PTE_P;
	if (root == active)
		invlpg((void *)va);
	/*
	 * No CPU caches a translation whose entry was not present (SDM vol.
	 * 3, 4.10.2.3): only a remap must reach the others.  Building an
	 * address space (exec, fork) maps thousands of pages.
	 */
	if (old & PTE_P)
		flush_others(root);
}

void map_page(u64 va, u64 pa, u64 flags) { map_page_in(active, va, pa, flags); }

pte_t *lookup_pte_in(pte_t *root, u64 va)
{
	pte_t *e = walk_in(root, va, 0, false, 0);

	return e && (*e & PTE_P) ? e : NULL;
}

pte_t *lookup_pte(u64 va) { return lookup_pte_in(active, va); }

void unmap_page(u64 va)
{
	pte_t *e = lookup_pte(va);

	if (e) {
		*e = 0;
		invlpg((void *)va);
		flush_others(active);
	}
}

void set_page_flags(u64 va, u64 set, u64 clear)
{
	pte_t *e = lookup_pte(va);

	if (!e)
		panic("set_page_flags: page not mapped");
	*e = (*e & ~clear) | set;
	/* A key or permission change is not seen until the TLB entry goes. */
	invlpg((void *)va);
	flush_others(active);
}

void set_page_pkey(u64 va, int pkey)
{
	set_page_flags(va, PTE_PKEY(pkey), PTE_PKEY_MASK);
}

/* How an address space's pages go: see paging_unmap_tree_in(). */
struct page_release {
	pte_t *root;
	void (*free_page)(void *);
	paging_put_shared_t put_shared;
};

/*
 * Free a table (mapping va up) and what it maps: private 4 KiB leaves and
 * the tables to free_page, PTE_SHARED leaves to put_shared with their
 * address.
 */
static void free_table(pte_t *t, int level, u64 va, const struct page_release *r)
{
	for (int i = 0; i < ENTRIES; i++) {
		u64 a = va + ((u64)i << (PAGE_SHIFT + 9 * level));

		if (!(t[i] & PTE_P))
			continue;
		if (level == 0 && (t[i] & PTE_SHARED))
			r->put_shared(r->root, a, t[i] & PTE_ADDR_MASK);
		else if (level == 0)
			r->free_page((void *)(t[i] & PTE_ADDR_MASK));
		else if (!(t[i] & PTE_PS))
			free_table((pte_t *)(t[i] & PTE_ADDR_MASK), level - 1, a, r);
	}
	r->free_page(t);
}

void paging_unmap_tree_in(pte_t *root, u64 lo, u64 hi, void (*free_page)(void *),
			  paging_put_shared_t put_shared)
{
	const struct page_release r = { root, free_page, put_shared };

	for (int slot = idx(lo, 3); slot <= idx(hi - 1, 3); slot++) {
		if (!(root[slot] & PTE_P))
			continue;
		free_table((pte_t *)(root[slot] & PTE_ADDR_MASK), 2, (u64)slot << (PAGE_SHIFT + 27),
			   &r);
		root[slot] = 0;
	}
	if (root == active)
		write_cr3((u64)root);	/* every user translation of the range goes */
	flush_others(root);
}

static u64 count_table(const pte_t *t, int level);
static pte_t *copy_table(const pte_t *src, int level);

/* ---- private low tables (a non-PIE Linux process) ------------------------- */

/*
 * The first GiB of the identity map is PML4[0] -> PDPT[0] -> one page
 * directory of 2 MiB supervisor pages.  A root with a private low window
 * has its own copies of that PDPT and PD, and 4 KiB page tables of its own
 * in the PD slots of [lo, hi); every other 2 MiB entry still maps the
 * kernel.  The table entries on the way get U/S=1: the leaves decide, and
 * the kernel's 2 MiB leaves stay supervisor pages.
 */
static pte_t *low_pd(pte_t *root)
{
	if ((root[0] & PTE_ADDR_MASK) == (pml4[0] & PTE_ADDR_MASK))
		return NULL;	/* no private window */
	return (pte_t *)(((pte_t *)(root[0] & PTE_ADDR_MASK))[0] & PTE_ADDR_MASK);
}

/* root's own PDPT and PD for the first GiB, copies of the kernel's; returns the PD. */
static pte_t *private_low_tables(pte_t *root)
{
	pte_t *pdpt = page_alloc(), *pd = page_alloc();
	const pte_t *kpdpt = (const pte_t *)(pml4[0] & PTE_ADDR_MASK);

	memcpy(pdpt, kpdpt, PAGE_SIZE);
	memcpy(pd, (const void *)(kpdpt[0] & PTE_ADDR_MASK), PAGE_SIZE);
	pdpt[0] = (u64)pd | TABLE_FLAGS;
	root[0] = (u64)pdpt | TABLE_FLAGS;
	return pd;
}

void paging_private_low(pte_t *root, u64 lo, u64 hi)
{
	pte_t *pd = private_low_tables(root);

	for (u64 a = lo; a < hi; a += LARGE_PAGE_SIZE)
		pd[idx(a, 1)] = (u64)page_alloc() | TABLE_FLAGS;
	if (root == active)
		write_cr3((u64)root);
}

u64 paging_count_low(pte_t *root, u64 lo, u64 hi)
{
	pte_t *pd = low_pd(root);
	u64 n = 2;

	if (!pd)
		return 0;
	for (u64 a = lo; a < hi; a += LARGE_PAGE_SIZE)
		n += count_table((const pte_t *)(pd[idx(a, 1)] & PTE_ADDR_MASK), 0);
	return n;
}

void paging_private_low_copy(pte_t *dst, pte_t *src, u64 lo, u64 hi)
{
	pte_t *spd = low_pd(src), *dpd;

	if (!spd)
		return;
	dpd = private_low_tables(dst);
	for (u64 a = lo; a < hi; a += LARGE_PAGE_SIZE)
		dpd[idx(a, 1)] = (u64)copy_table((const pte_t *)(spd[idx(a, 1)] & PTE_ADDR_MASK), 0) |
				 TABLE_FLAGS;
	if (dst == active)
		write_cr3((u64)dst);
}

void paging_private_low_free(pte_t *root, u64 lo, u64 hi, void (*free_page)(void *),
			     paging_put_shared_t put_shared)
{
	const struct page_release r = { root, free_page, put_shared };
	pte_t *pd = low_pd(root);

	if (!pd)
		return;
	for (u64 a = lo; a < hi; a += LARGE_PAGE_SIZE)
		free_table((pte_t *)(pd[idx(a, 1)] & PTE_ADDR_MASK), 0, a, &r);
	free_page(pd);
	free_page((void *)(root[0] & PTE_ADDR_MASK));
	root[0] = pml4[0];
	if (root == active)
		write_cr3((u64)root);
}

/* ---- address spaces ---------------------------------------------------- */

pte_t *paging_kernel_root(void) { return pml4; }
pte_t *paging_active_root(void) { return active; }

void paging_switch(pte_t *root)
{
	if (root != active)
		write_cr3((u64)root);
}

pte_t *paging_root_create(void)
{
	pte_t *root = page_alloc();

	/* The kernel's entries: the same lower tables, so one change shows in all. */
	memcpy(root, pml4, PAGE_SIZE);
	return root;
}

static u64 count_table(const pte_t *t, int level)
{
	u64 n = 1;

	for (int i = 0; i < ENTRIES; i++)
		if ((t[i] & PTE_P) && !(t[i] & PTE_PS))
			n += level ? count_table((const pte_t *)(t[i] & PTE_ADDR_MASK), level - 1) :
				     !(t[i] & PTE_SHARED);	/* shared: the same frame */
	return n;
}

u64 paging_count_tree(pte_t *root, u64 lo, u64 hi)
{
	u64 n = 0;

	for (int slot = idx(lo, 3); slot <= idx(hi - 1, 3); slot++)
		if (root[slot] & PTE_P)
			n += count_table((const pte_t *)(root[slot] & PTE_ADDR_MASK), 2);
	return n;
}

/*
 * A deep copy: new tables, new pages with the same bytes, the same flags
 * and keys; a PTE_SHARED leaf maps the same frame (shared memory).  The
 * bytes go through SSE registers: callers hold kernel_fpu_begin().
 */
static pte_t *copy_table(const pte_t *src, int level)
{
	pte_t *dst = page_alloc();

	for (int i = 0; i < ENTRIES; i++) {
		u64 e = src[i], flags = e & ~PTE_ADDR_MASK;
		void *from = (void *)(e & PTE_ADDR_MASK), *to;

		if (!(e & PTE_P) || (e & PTE_PS))
			continue;
		if (level) {
			to = copy_table(from, level - 1);
		} else if (e & PTE_SHARED) {
			to = from;
		} else {
			to = page_alloc();
			copy_page_simd(to, from);
		}
		dst[i] = (u64)to | flags;
	}
	return dst;
}

void paging_copy_tree(pte_t *dst, pte_t *src, u64 lo, u64 hi)
{
	for (int slot = idx(lo, 3); slot <= idx(hi - 1, 3); slot++)
		if (src[slot] & PTE_P)
			dst[slot] = (u64)copy_table((const pte_t *)(src[slot] & PTE_ADDR_MASK), 2) |
				    (src[slot] & ~PTE_ADDR_MASK);
}

/* paging_walk_leaves()' recursion: t maps from base, each entry 4 KiB << 9 * level. */
static void walk_table(const pte_t *t, int level, u64 base, u64 lo, u64 hi,
		       paging_leaf_fn fn, void *ctx)
{
	u64 span = PAGE_SIZE << (9 * level);

	for (int i = 0; i < ENTRIES; i++) {
		u64 va = base + i * span;

		if (va + span <= lo || va >= hi || !(t[i] & PTE_P) || (t[i] & PTE_PS))
			continue;
		if (level)
			walk_table((const pte_t *)(t[i] & PTE_ADDR_MASK), level - 1, va, lo, hi, fn, ctx);
		else
			fn(ctx, va, t[i]);
	}
}

void paging_walk_leaves(pte_t *root, u64 lo, u64 hi, paging_leaf_fn fn, void *ctx)
{
	walk_table(root, 3, 0, lo, hi, fn, ctx);
}

u64 identity_map_limit(void) { return identity_limit; }

void set_mmio_uncached(u64 pa)
{
	pte_t *e = walk(pa, 1, false, 0);

	/* MMIO (the local APIC) must not be cached: PCD|PWT on its 2 MiB page. */
	if (e && (*e & PTE_PS)) {
		*e |= PTE_PCD | PTE_PWT;
		invlpg((void *)pa);
	}
}

u64 paging_direct_map_limit(u64 mem_top)
{
	u64 limit = ALIGN_UP(mem_top, GIB);

	/* At least 4 GiB so that the APIC, HPET and a low framebuffer are reachable. */
	if (limit < 4 * GIB)
		limit = 4 * GIB;
	if (limit > USER_IMAGE_VA)
		limit = USER_IMAGE_VA;
	return limit;
}

/*
 * The kernel image's own pages: the 2 MiB pages that hold it are mapped
 * with 4 KiB pages instead, so that its text is read-only (CR0.WP makes
 * that bind ring 0 too) and executable, its read-only data read-only and
 * no-execute, and its data, bss and the rest of that low RAM writable and
 * no-execute.  Tables on the way are supervisor-only (no U/S); a non-PIE
 * Linux process's private low window (paging_private_low()) starts at 4
 * MiB, above the image, and shares these tables through its copy of the PD.
 */
static u64 kernel_page_flags(u64 a)
{
	if (a >= (u64)__kernel_start && a < (u64)__ktext_end)
		return 0;
	if (a >= (u64)__ktext_end && a < (u64)__krodata_end)
		return pte_nx();
	return PTE_W | pte_nx();
}

void paging_init(u64 limit, u64 video_base, u64 video_len)
{
	u64 image_hi = ALIGN_UP((u64)__kernel_end, LARGE_PAGE_SIZE), user_text;

	identity_limit = limit;
	/*
	 * The boot tables map only 4 GiB, so the new tables must come from
	 * below that: the caller's allocator hands out pages in memory-map
	 * order, lowest range first, and a few dozen tables fit in low RAM.
	 * Nothing in the identity map but the kernel's text is executable.
	 */
	pml4 = page_alloc();
	for (u64 a = 0; a < image_hi; a += PAGE_SIZE)
		*walk_in(pml4, a, 0, true, PTE_P | PTE_W) = a | kernel_page_flags(a) | PTE_P;
	for (u64 a = image_hi; a < limit; a += LARGE_PAGE_SIZE)
		map_large(a, a, PTE_W | pte_nx());
	/* Video memory: uncached, wherever it is (never inside the image's pages). */
	for (u64 a = ALIGN_DOWN(video_base, LARGE_PAGE_SIZE); a < video_base + video_len;
	     a += LARGE_PAGE_SIZE)
		if (a >= image_hi)
			map_large(a, a, PTE_W | PTE_PCD | PTE_PWT | pte_nx());
	write_cr3((u64)pml4);

	/*
	 * The .user section: user pages, key 0, at the address it was linked
	 * for; its code executable, its data and bss no-execute.
	 */
	user_text = (u64)__user_text_end - USER_IMAGE_VA;
	for (u64 off = 0; off < (u64)__user_size; off += PAGE_SIZE)
		map_page(USER_IMAGE_VA + off, (u64)__user_load + off,
			 PTE_U | PTE_W | (off < user_text ? 0 : pte_nx()));
}
