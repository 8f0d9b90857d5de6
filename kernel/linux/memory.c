/*
 * A Linux process's memory: its region (LINUX_USER_LO..LINUX_TASK_SIZE,
 * and a non-PIE executable's low window), its address space's creation,
 * copy at fork and end, the current process's pages (mmap, munmap, brk,
 * mprotect map through lx_map() and lx_unmap()), shared frames, and access
 * to another process's memory through its page tables (ptrace, exec).
 *
 * Each process has an address space of its own (<asm/pgtable.h>): the
 * kernel's PML4 entries plus PML4 slots 170..255 (LINUX_USER_LO..
 * LINUX_USER_HI), whose pages are mapped eagerly (no demand paging), U/S=1,
 * key 0 until pkey_mprotect says otherwise.  fork copies every private
 * page at once (no copy-on-write: the programs here fork a few dozen
 * times) and maps each MAP_SHARED page's frame into the child (PTE_SHARED:
 * see "shared frames" below).  A non-PIE executable's process maps the low
 * window (proc.h) with page tables of its own in place of the kernel's
 * identity map.
 */
#include <asm/pgtable.h>
#include <kernel/fpu.h>
#include <kernel/mm.h>
#include <kernel/string.h>
#include "proc.h"

#define PAGES_RESERVE	512	/* never given to a process: page tables, the kernel */

/* p's own addresses: the Linux region, and a non-PIE executable's low window. */
static bool in_region_of(bool low_window, u64 va, u64 len)
{
	if (va + len < va)
		return false;
	if (va >= LINUX_USER_LO && va + len <= LINUX_TASK_SIZE)
		return true;
	return low_window && va >= LINUX_EXEC_LO && va + len <= LINUX_EXEC_HI;
}

static bool in_region(u64 va, u64 len) { return in_region_of(lx_current()->low_window, va, len); }

bool lx_outside_region(u64 va, u64 len) { return !in_region(va, len); }

bool linux_outside_region(const struct task *t, u64 addr)
{
	return !in_region_of(lx_proc(t)->low_window, addr, 1);
}

bool linux_low_window(const struct task *t) { return lx_proc(t) && lx_proc(t)->low_window; }

bool linux_access_ok_low(u64 uaddr, u64 n)
{
	return linux_low_window(current) && uaddr >= LINUX_EXEC_LO && uaddr + n >= uaddr &&
	       uaddr + n <= LINUX_EXEC_HI;
}

/*
 * Shared frames.  A MAP_SHARED page's leaf carries PTE_SHARED; fork maps
 * its frame into the child (the same address, flags and key: after that
 * each process's PTE is its own, so mprotect and pkey_mprotect change one
 * process's view, as Linux's per-mm VMAs do) and the frame goes back to
 * the allocator when the last address space that maps it lets it go.
 *
 * The share count is not stored: it is the number of live address spaces
 * whose PTE at the page's address maps the frame, and that is what
 * frame_mapped_elsewhere() asks.  That is exact because a shared frame only
 * ever enters an address space through fork, at the address it had in the
 * parent (mremap refuses to move shared memory; there are no files to
 * map twice, no shmat), and leaves it through munmap, MAP_FIXED over it,
 * brk over it, or the end of the process -- each of which calls
 * put_frame().  It costs no memory, so
 * the allocator's free count stays what a process can have (oom.c,
 * linux.c's every-page-back check), and its price, one walk per live
 * process (LINUX_MAX_PROCS, 8) for each shared page let go, is only paid
 * for shared pages.  System calls run with interrupts off: no address
 * space changes under the walk.  A root being freed is skipped by
 * identity; one already freed is NULL (lx_proc_end).  A shared mremap or a
 * second way into a frame would need a real per-frame count.
 */
static bool frame_mapped_elsewhere(pte_t *root, u64 va, u64 pa)
{
	for (int i = 0; i < LINUX_MAX_PROCS; i++) {
		const struct linux_proc *q = &lx_procs[i];
		pte_t *e;

		if (!q->used || !q->root || (pte_t *)q->root == root)
			continue;
		e = lookup_pte_in((pte_t *)q->root, va);
		if (e && (*e & PTE_ADDR_MASK) == pa)
			return true;
	}
	return false;
}

/* root lets the frame pa at va go: freed unless it is shared memory another process maps. */
static void put_frame(pte_t *root, u64 va, u64 pa)
{
	if (!frame_mapped_elsewhere(root, va, pa))
		page_free((void *)pa);
}

void lx_root_free(u64 *root)
{
	paging_root_retire((pte_t *)root);
	paging_unmap_tree_in((pte_t *)root, LINUX_USER_LO, LINUX_USER_HI, page_free, put_frame);
	paging_private_low_free((pte_t *)root, LINUX_EXEC_LO, LINUX_EXEC_HI, page_free, put_frame);
	page_free(root);
}

u64 *lx_root_create(bool low_window)
{
	u64 *root = (u64 *)paging_root_create();

	if (low_window)
		paging_private_low((pte_t *)root, LINUX_EXEC_LO, LINUX_EXEC_HI);
	return root;
}

u64 lx_root_copy_pages(u64 *root)
{
	return paging_count_tree((pte_t *)root, LINUX_USER_LO, LINUX_USER_HI) + 1 +
	       paging_count_low((pte_t *)root, LINUX_EXEC_LO, LINUX_EXEC_HI);
}

u64 *lx_root_copy(u64 *root)
{
	u64 *copy = (u64 *)paging_root_create();

	/* The page copies are SIMD (copy_page_simd): the parent's registers are live. */
	kernel_fpu_begin();
	paging_copy_tree((pte_t *)copy, (pte_t *)root, LINUX_USER_LO, LINUX_USER_HI);
	paging_private_low_copy((pte_t *)copy, (pte_t *)root, LINUX_EXEC_LO, LINUX_EXEC_HI);
	kernel_fpu_end();
	return copy;
}

bool lx_pages_available(u64 n)
{
	return mm_free_pages() > PAGES_RESERVE && mm_free_pages() - PAGES_RESERVE >= n;
}

u64 lx_prot_flags(u64 prot)
{
	/* PROT_NONE keeps the page (and its contents) but takes it from ring 3. */
	if (!(prot & 7))
		return pte_nx();
	/*
	 * Without PROT_EXEC the page is no-execute (a fetch is #PF P|U|I:
	 * SIGSEGV, SEGV_ACCERR).  Linux 6.12 implies exec from PROT_READ only
	 * under READ_IMPLIES_EXEC, which an x86-64 ELF never gets
	 * (elf_read_implies_exec() is mmap_is_ia32() && no PT_GNU_STACK).
	 */
	return PTE_U | ((prot & 2) ? PTE_W : 0) | ((prot & 4) ? 0 : pte_nx());
}

/* Inside a gather: the frame is freed once no other CPU can reach it. */
static void free_user_page(u64 va)
{
	pte_t *pte = lookup_pte(va);

	if (pte) {
		u64 pa = *pte & PTE_ADDR_MASK;

		if (!(*pte & PTE_SHARED) || !frame_mapped_elsewhere(paging_active_root(), va, pa))
			paging_gather_free((void *)pa);
		unmap_page(va);
	}
}

long lx_map(u64 va, u64 len, u64 pte_flags)
{
	len = ALIGN_UP(len, PAGE_SIZE);
	if ((va & (PAGE_SIZE - 1)) || !in_region(va, len))
		return -LX_EINVAL;
	if (!lx_pages_available(len / PAGE_SIZE))
		return -LX_ENOMEM;
	paging_gather_begin(page_free);
	for (u64 a = va; a < va + len; a += PAGE_SIZE) {
		free_user_page(a);
		map_page(a, (u64)page_alloc(), pte_flags);
	}
	paging_gather_end();
	return 0;
}

void lx_unmap(u64 va, u64 len)
{
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!in_region(va, len))
		return;
	paging_gather_begin(page_free);
	for (u64 a = va; a < va + len; a += PAGE_SIZE)
		free_user_page(a);
	paging_gather_end();
}

/*
 * mremap's move: the frames of [from, from + len) go to [to, to + len),
 * each with its flags and key (Linux's move_page_tables()); what was at
 * the destination is freed first, the source is left unmapped.  The
 * caller has checked that the source is mapped, private and does not
 * overlap the destination (a shared frame must stay at its address:
 * frame_mapped_elsewhere() above).
 */
void lx_move(u64 from, u64 to, u64 len)
{
	paging_gather_begin(page_free);
	for (u64 off = 0; off < len; off += PAGE_SIZE) {
		pte_t pte = *lookup_pte(from + off);

		free_user_page(to + off);
		unmap_page(from + off);
		map_page(to + off, pte & PTE_ADDR_MASK, pte & ~PTE_ADDR_MASK & ~(u64)PTE_P);
	}
	paging_gather_end();
}

/* Whether any page of [va, va + len) is MAP_SHARED memory. */
bool lx_any_shared(u64 va, u64 len)
{
	for (u64 a = va; a < va + len; a += PAGE_SIZE) {
		pte_t *pte = lookup_pte(a);

		if (pte && (*pte & PTE_SHARED))
			return true;
	}
	return false;
}

bool lx_mapped(u64 va, u64 len)
{
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!in_region(va, len))
		return false;
	for (u64 a = va; a < va + len; a += PAGE_SIZE)
		if (!lookup_pte(a))
			return false;
	return true;
}

/* Bytes of an address space through its page tables: no PKRU, no U/S, no W. */
static bool access_in(u64 *root, bool low_window, u64 va, void *buf, u64 n, bool write,
		      bool force)
{
	u8 *b = buf;

	while (n) {
		pte_t *pte = in_region_of(low_window, va, 1) ?
			lookup_pte_in((pte_t *)root, va & ~(PAGE_SIZE - 1)) : NULL;
		u64 off = va & (PAGE_SIZE - 1), chunk = PAGE_SIZE - off;
		u8 *page;

		if (!pte)
			return false;
		/*
		 * A forced write (ptrace) into shared memory mapped without
		 * PROT_WRITE: Linux's check_vma_flags() refuses it (EFAULT,
		 * ptrace's EIO) rather than break the sharing with a copy.
		 */
		if (write && (*pte & PTE_SHARED) && !(*pte & PTE_W))
			return false;
		/* Not forced (process_vm_writev): a read-only page is EFAULT. */
		if (write && !force && !(*pte & PTE_W))
			return false;
		if (chunk > n)
			chunk = n;
		page = (u8 *)(*pte & PTE_ADDR_MASK) + off;
		if (write)
			memcpy(page, b, chunk);
		else
			memcpy(b, page, chunk);
		va += chunk;
		b += chunk;
		n -= chunk;
	}
	return true;
}

bool lx_access_remote(struct linux_proc *p, u64 va, void *buf, u64 n, bool write)
{
	return access_in(p->root, p->low_window, va, buf, n, write, true);
}

bool lx_access_foreign(struct linux_proc *p, u64 va, void *buf, u64 n, bool write)
{
	return access_in(p->root, p->low_window, va, buf, n, write, false);
}
