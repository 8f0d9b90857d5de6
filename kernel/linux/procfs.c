/*
 * /proc/self/maps, written from the process's page tables when the file is
 * opened (Linux writes it as it is read; a snapshot at open is what a
 * program that reads it once sees either way).  Pages next to each other
 * with the same rights are one line; rights are what the PTE gives ring 3:
 * r with U/S, w with W, x without NX, p or s (PTE_SHARED); a PROT_NONE page
 * (present, supervisor) is ---p.  The heap and the stack are named as in
 * Linux; ELF segments carry no path (there is no file system); the last
 * line is the vsyscall page of Linux 6.12's default vsyscall=xonly
 * (kernel/linux/vsyscall.c): execute-only, never readable.  Columns as
 * Linux's show_map_vma(): the name starts at column 74.
 */
#include <asm/pgtable.h>
#include <kernel/console.h>
#include <kernel/string.h>
#include "proc.h"

#define MAPS_NAME_COLUMN	73	/* seq_setwidth(25 + sizeof(void *) * 6 - 1), then a space */

struct maps_out {
	const struct linux_proc *p;
	char *buf;
	u64 size, len;
	u64 start, end;		/* the region being gathered: [start, end) */
	char perms[5];
};

static void maps_line(struct maps_out *o, u64 start, u64 end, const char *perms, const char *name)
{
	char line[128];
	int n = snprintf(line, sizeof(line), "%08llx-%08llx %s 00000000 00:00 0 ", start, end, perms);

	if (name) {
		while (n < MAPS_NAME_COLUMN - 1)
			line[n++] = ' ';
		n += snprintf(line + n, sizeof(line) - n, " %s", name);
	}
	line[n++] = '\n';
	if (o->len + n <= o->size) {
		memcpy(o->buf + o->len, line, n);
		o->len += n;
	}
}

static void maps_flush(struct maps_out *o)
{
	const struct linux_proc *p = o->p;
	const char *name = NULL;

	if (o->start == o->end)
		return;
	if (o->start >= p->brk_start && o->end <= ALIGN_UP(p->brk, PAGE_SIZE))
		name = "[heap]";
	else if (o->start >= LINUX_STACK_TOP - LINUX_STACK_SIZE && o->end <= LINUX_STACK_TOP)
		name = "[stack]";
	maps_line(o, o->start, o->end, o->perms, name);
	o->start = o->end;
}

static void maps_page(void *ctx, u64 va, pte_t pte)
{
	struct maps_out *o = ctx;
	char perms[5] = "---p";

	if (pte & PTE_U) {
		perms[0] = 'r';
		perms[1] = (pte & PTE_W) ? 'w' : '-';
		perms[2] = (pte & pte_nx()) ? '-' : 'x';
	}
	if (pte & PTE_SHARED)
		perms[3] = 's';
	if (va != o->end || memcmp(perms, o->perms, 4)) {
		maps_flush(o);
		o->start = va;
		memcpy(o->perms, perms, sizeof(perms));
	}
	o->end = va + PAGE_SIZE;
}

/* The text of p's /proc/self/maps into buf; its length (lines that do not fit are left out). */
u64 lx_proc_maps(const struct linux_proc *p, char *buf, u64 size)
{
	struct maps_out o = { .p = p, .buf = buf, .size = size };

	if (p->low_window)
		paging_walk_leaves((pte_t *)p->root, LINUX_EXEC_LO, LINUX_EXEC_HI, maps_page, &o);
	paging_walk_leaves((pte_t *)p->root, LINUX_USER_LO, LINUX_TASK_SIZE, maps_page, &o);
	maps_flush(&o);
	maps_line(&o, LINUX_VSYSCALL_PAGE, LINUX_VSYSCALL_PAGE + PAGE_SIZE, "--xp", "[vsyscall]");
	return o.len;
}
