/*
 * modify_ldt(2): a process's local descriptor table, as Linux 6.12's
 * arch/x86/kernel/ldt.c defines it for 64-bit callers.  The table lives
 * in the process (fork copies it, threads share it); the scheduler loads
 * it into LDTR when one of the process's threads runs (kernel/sched.c).
 * Descriptors come from struct user_desc and are always code or data
 * segments of DPL 3 that are never 64-bit (L = 0): no system descriptor,
 * no call gate, no way to ring 0.  A conforming code segment is refused
 * unless it is marked not present, as Linux does, and so is a 16-bit one
 * (Linux without CONFIG_X86_16BIT: see write_ldt()).
 */
#include <kernel/task.h>
#include <kernel/uaccess.h>
#include "proc.h"

/* struct user_desc (arch/x86/include/uapi/asm/ldt.h), flags word unpacked. */
struct user_desc {
	u32 entry_number;
	u32 base_addr;
	u32 limit;
	u32 flags;
};

#define UD_SEG_32BIT		(1u << 0)
#define UD_CONTENTS_SHIFT	1		/* 2 bits: 0 data, 1 expand-down data, 2 code */
#define UD_CONTENTS_MASK	(3u << UD_CONTENTS_SHIFT)
#define UD_CONTENTS_CODE_CONFORMING 3
#define UD_READ_EXEC_ONLY	(1u << 3)
#define UD_LIMIT_IN_PAGES	(1u << 4)
#define UD_SEG_NOT_PRESENT	(1u << 5)
#define UD_USEABLE		(1u << 6)
#define UD_LM			(1u << 7)
#define UD_FLAGS_MASK		0xffu

#define LDT_FUNC_READ		0
#define LDT_FUNC_WRITE_OLD	1
#define LDT_FUNC_READ_DEFAULT	2
#define LDT_FUNC_WRITE		0x11
#define LDT_DEFAULT_BYTES	128	/* Linux's (all-zero) default LDT, as read on x86-64 */

#define ARG0(r) ((r)->rdi)
#define ARG1(r) ((r)->rsi)
#define ARG2(r) ((r)->rdx)

/* Zero n bytes of user memory; non-zero if some of it could not be written. */
static long lx_clear_user(u64 uptr, u64 n)
{
	static const u8 zeros[256];

	while (n) {
		u64 chunk = n < sizeof(zeros) ? n : sizeof(zeros);

		if (copy_to_user(uptr, zeros, chunk))
			return -1;
		uptr += chunk;
		n -= chunk;
	}
	return 0;
}

/* The "empty" descriptor old callers write to clear an entry (Linux's LDT_empty(); lm not looked at). */
static bool user_desc_empty(const struct user_desc *d)
{
	return !d->base_addr && !d->limit &&
	       (d->flags & (UD_FLAGS_MASK & ~UD_LM)) == (UD_READ_EXEC_ONLY | UD_SEG_NOT_PRESENT);
}

/* Linux's fill_ldt(): type from contents and read_exec_only, always S, DPL 3, L 0. */
static u64 user_desc_to_desc(const struct user_desc *d, bool oldmode)
{
	u64 type = ((u64)((d->flags & UD_CONTENTS_MASK) >> UD_CONTENTS_SHIFT) << 2) |
		   (d->flags & UD_READ_EXEC_ONLY ? 0 : 2) | 1;
	u64 desc = (d->limit & DESC_LIMIT0_MASK) |
		   ((u64)(d->base_addr & 0xffffff) << DESC_BASE0_SHIFT) |
		   (type << DESC_TYPE_SHIFT) | DESC_S | DESC_DPL3 |
		   ((u64)((d->limit >> 16) & 0xf) << DESC_LIMIT1_SHIFT) |
		   ((u64)(d->base_addr >> 24) << DESC_BASE2_SHIFT);

	if (!(d->flags & UD_SEG_NOT_PRESENT))
		desc |= DESC_P;
	if ((d->flags & UD_USEABLE) && !oldmode)
		desc |= DESC_AVL;
	if (d->flags & UD_SEG_32BIT)
		desc |= DESC_DB;
	if (d->flags & UD_LIMIT_IN_PAGES)
		desc |= DESC_G;
	return desc;
}

/* Every thread of p sees the table as it is now (LDTR reloaded for the caller). */
static void ldt_publish(struct linux_proc *p)
{
	for (int i = 1; i < MAX_TASKS; i++)
		if (lx_same_process(&tasks[i], p))
			task_set_ldt(&tasks[i], p->ldt_entries ? p->ldt : NULL, p->ldt_entries);
}

static long write_ldt(u64 uptr, u64 bytecount, bool oldmode)
{
	struct linux_proc *p = lx_current();
	struct user_desc d;
	u32 contents;

	if (bytecount != sizeof(d))
		return -LX_EINVAL;
	if (copy_from_user(&d, uptr, sizeof(d)))
		return -LX_EFAULT;
	if (d.entry_number >= LDT_ENTRIES)
		return -LX_EINVAL;
	contents = (d.flags & UD_CONTENTS_MASK) >> UD_CONTENTS_SHIFT;
	if (contents == UD_CONTENTS_CODE_CONFORMING &&
	    (oldmode || !(d.flags & UD_SEG_NOT_PRESENT)))
		return -LX_EINVAL;

	if ((oldmode && !d.base_addr && !d.limit) || user_desc_empty(&d)) {
		p->ldt[d.entry_number] = 0;	/* the caller clears the entry */
	} else {
		/*
		 * As Linux built without CONFIG_X86_16BIT: no 16-bit segments.
		 * pkrulab has no espfix64, and an IRET to a 16-bit stack segment
		 * would leave bits 31:16 of the kernel's RSP in the user's ESP.
		 */
		if (!(d.flags & UD_SEG_32BIT))
			return -LX_EINVAL;
		p->ldt[d.entry_number] = user_desc_to_desc(&d, oldmode);
	}
	if (d.entry_number >= p->ldt_entries)
		p->ldt_entries = d.entry_number + 1;
	ldt_publish(p);
	return 0;
}

/* Reads return bytecount, the part past the table zeroed (Linux's read_ldt()). */
static long read_ldt(u64 uptr, u64 bytecount)
{
	struct linux_proc *p = lx_current();
	u64 size;

	if (bytecount > LDT_ENTRIES * LDT_ENTRY_SIZE)
		bytecount = LDT_ENTRIES * LDT_ENTRY_SIZE;
	if (!p->ldt_entries)
		return 0;
	size = (u64)p->ldt_entries * LDT_ENTRY_SIZE;
	if (size > bytecount)
		size = bytecount;
	if (copy_to_user(uptr, p->ldt, size) || lx_clear_user(uptr + size, bytecount - size))
		return -LX_EFAULT;
	return bytecount;
}

long sys_modify_ldt(struct pt_regs *r)
{
	u64 uptr = ARG1(r), bytecount = ARG2(r);
	long ret;

	switch ((int)ARG0(r)) {
	case LDT_FUNC_READ:
		ret = read_ldt(uptr, bytecount);
		break;
	case LDT_FUNC_WRITE_OLD:
		ret = write_ldt(uptr, bytecount, true);
		break;
	case LDT_FUNC_READ_DEFAULT:
		if (bytecount > LDT_DEFAULT_BYTES)
			bytecount = LDT_DEFAULT_BYTES;
		ret = lx_clear_user(uptr, bytecount) ? -LX_EFAULT : (long)bytecount;
		break;
	case LDT_FUNC_WRITE:
		ret = write_ldt(uptr, bytecount, false);
		break;
	default:
		return -LX_ENOSYS;
	}
	/* The syscall returns an int: a positive count is truncated to 32 bits, as Linux does. */
	return ret < 0 ? ret : (long)(u32)ret;
}

/* A fork child's first thread gets the copy of the table lx_fork() made. */
void lx_ldt_fork(struct linux_proc *c, struct task *t)
{
	task_set_ldt(t, c->ldt_entries ? c->ldt : NULL, c->ldt_entries);
}
