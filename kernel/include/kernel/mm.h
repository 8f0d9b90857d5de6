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

#endif
