/*
 * process_vm_readv / process_vm_writev (mm/process_vm_access.c): bytes
 * between the caller's iovecs and another process's -- or its own --
 * through that process's page tables.  As in Linux, the remote side is a
 * foreign access (pin_user_pages_remote(), FOLL_REMOTE): protection keys
 * do not apply to it, even when the pid is the caller's own; the local side
 * is an ordinary copy to or from user memory, under the caller's PKRU.  The
 * remote side is not forced: a read-only page is not written (EFAULT).
 * Partial transfers return the bytes moved; nothing moved and a fault is
 * EFAULT.  With pkru_guard=remote a self-directed transfer obeys the
 * caller's PKRU on the remote side too (issue 23's door 8).
 */
#include <kernel/params.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include "proc.h"

#define UIO_MAXIOV	1024

struct iovec64 {
	u64 base, len;
};

static u8 bounce[512];

/* The remote side of one chunk: foreign, or the caller's own under its PKRU. */
static bool remote_side(struct linux_proc *t, u64 va, u64 n, bool write, bool own)
{
	if (own)
		return write ? !copy_to_user(va, bounce, n) : !copy_from_user(bounce, va, n);
	return lx_access_foreign(t, va, bounce, n, write);
}

/* One remote iovec against the local ones from li, loff on: the bytes moved, -1 at a fault. */
static long one_remote(struct linux_proc *t, const struct iovec64 *rm, u64 lvec, u64 lcnt,
		       u64 *li, u64 *loff, bool write, bool own)
{
	struct iovec64 l;
	long done = 0;
	u64 off = 0;

	while (off < rm->len && *li < lcnt) {
		u64 chunk = rm->len - off;

		if (copy_from_user(&l, lvec + *li * sizeof(l), sizeof(l)))
			return -1;
		if (*loff >= l.len) {
			(*li)++;
			*loff = 0;
			continue;
		}
		if (chunk > l.len - *loff)
			chunk = l.len - *loff;
		if (chunk > sizeof(bounce))
			chunk = sizeof(bounce);
		if (write ? copy_from_user(bounce, l.base + *loff, chunk) ||
				    !remote_side(t, rm->base + off, chunk, true, own)
			  : !remote_side(t, rm->base + off, chunk, false, own) ||
				    copy_to_user(l.base + *loff, bounce, chunk))
			return done ? done : -1;
		off += chunk;
		*loff += chunk;
		done += chunk;
	}
	return done;
}

static long process_vm_rw(struct pt_regs *r, bool write)
{
	u64 lvec = r->rsi, lcnt = r->rdx, rvec = r->r10, rcnt = r->r8, li = 0, loff = 0;
	struct linux_proc *t;
	struct iovec64 rm;
	long total = 0, n;
	bool own;

	if (r->r9)
		return -LX_EINVAL;
	if (lcnt > UIO_MAXIOV || rcnt > UIO_MAXIOV)
		return -LX_EINVAL;
	t = lx_proc_by_pid((int)r->rdi);
	if (!t || t->zombie)
		return -LX_ESRCH;
	own = t == lx_current() && pkru_guard_on(PKRU_GUARD_REMOTE);
	for (u64 i = 0; i < rcnt; i++) {
		if (copy_from_user(&rm, rvec + i * sizeof(rm), sizeof(rm)))
			return total ? total : -LX_EFAULT;
		n = one_remote(t, &rm, lvec, lcnt, &li, &loff, write, own);
		if (n < 0)
			return total ? total : -LX_EFAULT;
		total += n;
		if ((u64)n < rm.len)
			break;
	}
	return total;
}

long sys_process_vm_readv(struct pt_regs *r) { return process_vm_rw(r, false); }
long sys_process_vm_writev(struct pt_regs *r) { return process_vm_rw(r, true); }
