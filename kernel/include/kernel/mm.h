/* Physical page allocator: hands out zeroed 4 KiB pages from usable RAM. */
#ifndef KERNEL_MM_H
#define KERNEL_MM_H

#include <asm/types.h>

void mm_init(u64 limit);
void *page_alloc(void);			/* zeroed; identity-mapped address */
void page_free(void *p);
u64 mm_free_pages(void);
u64 mm_total_pages(void);

extern char __kernel_start[], __kernel_end[];

/*
 * A page below 1 MiB that the memory map calls usable and nothing else
 * uses (the allocator never hands out low memory): the APs' real-mode
 * trampoline goes there.  0 if there is none.
 */
u64 mm_low_page(void);

/*
 * The low user window: physical RAM the allocator never hands out, so a
 * process whose executable must lie at a fixed low address (a non-PIE
 * Linux one, at 0x400000) can have private page tables there, with its
 * user pages where the kernel's identity map was, and the kernel loses
 * nothing it uses while that address space is active.
 */
#define USER_LOW_WINDOW_LO	0x0000000000400000ull
#define USER_LOW_WINDOW_HI	0x0000000002000000ull

#endif
