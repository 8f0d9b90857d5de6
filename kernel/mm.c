/*
 * Physical memory: a free list of 4 KiB pages built lazily from the usable
 * ranges of the multiboot2 memory map.  The kernel image, the boot
 * information, boot modules, the first megabyte (BIOS data, EBDA,
 * real-mode IVT) and the low user window (4 to 32 MiB, <kernel/mm.h>) are
 * never handed out.
 */
#include <kernel/panic.h>
#include <kernel/mm.h>
#include <kernel/multiboot2.h>
#include <kernel/string.h>

#define LOW_MEMORY_END 0x100000ull

struct free_page { struct free_page *next; };

static struct free_page *free_list;
static int cur_region;
static u64 cur_addr, mem_limit, total_pages, free_pages;

static bool overlaps(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

static bool page_is_reserved(u64 pa)
{
	if (pa < LOW_MEMORY_END || pa + PAGE_SIZE > mem_limit)
		return true;
	if (overlaps(pa, PAGE_SIZE, (u64)__kernel_start, __kernel_end - __kernel_start))
		return true;
	/* A fixed-address process's own pages live there. */
	if (overlaps(pa, PAGE_SIZE, USER_LOW_WINDOW_LO, USER_LOW_WINDOW_HI - USER_LOW_WINDOW_LO))
		return true;
	for (int i = 0; i < boot_info.nr_reserved; i++)
		if (overlaps(pa, PAGE_SIZE, boot_info.reserved[i].base, boot_info.reserved[i].len))
			return true;
	return false;
}

u64 mm_low_page(void)
{
	/* Above the real-mode IVT and BIOS data; the highest such page, away from the EBDA's start. */
	for (u64 pa = 0x9e000; pa >= 0x1000; pa -= PAGE_SIZE) {
		bool ok = false;

		for (int i = 0; i < boot_info.nr_usable && !ok; i++)
			ok = pa >= boot_info.usable[i].base &&
			     pa + PAGE_SIZE <= boot_info.usable[i].base + boot_info.usable[i].len;
		for (int i = 0; i < boot_info.nr_reserved && ok; i++)
			ok = !overlaps(pa, PAGE_SIZE, boot_info.reserved[i].base, boot_info.reserved[i].len);
		if (ok && !overlaps(pa, PAGE_SIZE, (u64)__kernel_start, __kernel_end - __kernel_start))
			return pa;
	}
	return 0;
}

struct span { u64 lo, hi; };

/* Every range page_is_reserved() refuses, widened to whole pages. */
static int reserved_spans(struct span *sp)
{
	int n = 0;

	sp[n++] = (struct span){ 0, LOW_MEMORY_END };
	sp[n++] = (struct span){ (u64)__kernel_start, (u64)__kernel_end };
	sp[n++] = (struct span){ USER_LOW_WINDOW_LO, USER_LOW_WINDOW_HI };
	for (int i = 0; i < boot_info.nr_reserved; i++)
		sp[n++] = (struct span){ boot_info.reserved[i].base,
					 boot_info.reserved[i].base + boot_info.reserved[i].len };
	for (int i = 0; i < n; i++) {
		sp[i].lo = ALIGN_DOWN(sp[i].lo, PAGE_SIZE);
		sp[i].hi = ALIGN_UP(sp[i].hi, PAGE_SIZE);
	}
	/* By start (a handful of entries: insertion sort). */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && sp[j].lo < sp[j - 1].lo; j--) {
			struct span t = sp[j];

			sp[j] = sp[j - 1];
			sp[j - 1] = t;
		}
	return n;
}

/* Pages of [b, e) that no reserved span covers (the spans sorted by start). */
static u64 pages_left(u64 b, u64 e, const struct span *sp, int n)
{
	u64 pages = 0, at = b;

	for (int i = 0; i < n && at < e; i++) {
		if (sp[i].hi <= at)
			continue;
		if (sp[i].lo > at)
			pages += ((sp[i].lo < e ? sp[i].lo : e) - at) / PAGE_SIZE;
		at = sp[i].hi;
	}
	if (at < e)
		pages += (e - at) / PAGE_SIZE;
	return pages;
}

void mm_init(u64 limit)
{
	struct span sp[MB2_MAX_RESERVED + 3];
	int n = reserved_spans(sp);

	mem_limit = limit;
	cur_region = 0;
	cur_addr = 0;
	total_pages = free_pages = 0;
	/*
	 * total_pages: the usable RAM of the memory map; free_pages exactly
	 * what page_alloc() can hand out of it: callers that refuse a request
	 * the allocator cannot meet (a Linux process's mmap, fork) count on
	 * it, or RAM runs out under them.
	 */
	for (int i = 0; i < boot_info.nr_usable; i++) {
		u64 b = ALIGN_UP(boot_info.usable[i].base, PAGE_SIZE);
		u64 e = ALIGN_DOWN(boot_info.usable[i].base + boot_info.usable[i].len, PAGE_SIZE);

		if (e > limit)
			e = limit;
		if (e > b) {
			total_pages += (e - b) / PAGE_SIZE;
			free_pages += pages_left(b, e, sp, n);
		}
	}
}

/* Next never-used page from the memory map, or 0 when RAM is exhausted. */
static u64 carve_page(void)
{
	while (cur_region < boot_info.nr_usable) {
		const struct mem_region *r = &boot_info.usable[cur_region];
		u64 end = ALIGN_DOWN(r->base + r->len, PAGE_SIZE);

		if (cur_addr < r->base)
			cur_addr = ALIGN_UP(r->base, PAGE_SIZE);
		while (cur_addr + PAGE_SIZE <= end) {
			u64 pa = cur_addr;

			cur_addr += PAGE_SIZE;
			if (!page_is_reserved(pa))
				return pa;
		}
		cur_region++;
		cur_addr = 0;
	}
	return 0;
}

void *page_alloc(void)
{
	void *p;

	if (free_list) {
		p = free_list;
		free_list = free_list->next;
	} else {
		u64 pa = carve_page();

		if (!pa)
			panic("out of physical memory");
		p = (void *)pa;
	}
	free_pages--;
	memset(p, 0, PAGE_SIZE);
	return p;
}

void page_free(void *p)
{
	struct free_page *f = p;

	f->next = free_list;
	free_list = f;
	free_pages++;
}

u64 mm_free_pages(void) { return free_pages; }
u64 mm_total_pages(void) { return total_pages; }
