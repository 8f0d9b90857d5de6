/*
 * The vsyscall page, as Linux 6.12's default vsyscall=xonly
 * (arch/x86/entry/vsyscall/vsyscall_64.c): nothing is mapped at
 * 0xffffffffff600000, so a read there is an ordinary SIGSEGV, and a call
 * to one of its three entry points -- gettimeofday at +0, time at +0x400,
 * getcpu at +0x800 -- faults on the fetch (#PF with I) and is emulated:
 * the system call runs with the caller's registers, RAX gets its result,
 * and the return address on the stack is popped into RIP as the page's
 * RET would.  A jump elsewhere into the page, an unreadable stack or a
 * result of -EFAULT (a bad pointer) is SIGSEGV at the vsyscall address,
 * as in Linux (there with si_code SI_KERNEL, here the #PF's SEGV_MAPERR).
 */
#include <asm/processor-flags.h>
#include <asm/traps.h>
#include <kernel/uaccess.h>
#include "linux-syscalls.h"
#include "proc.h"

#define VSYSCALL_SLOT_SHIFT	10	/* entry points 1 KiB apart */
#define VSYSCALL_SLOTS		3

static const int vsyscall_nr[VSYSCALL_SLOTS] = { __NR_gettimeofday, __NR_time, __NR_getcpu };

bool lx_vsyscall_emulate(struct pt_regs *r, u64 addr)
{
	u64 off = addr - LINUX_VSYSCALL_PAGE, caller;
	long ret;
	int nr;

	if (r->vector != VEC_PF || !(r->error_code & PF_I) || addr != r->rip ||
	    addr < LINUX_VSYSCALL_PAGE || off >= PAGE_SIZE)
		return false;
	if (off & ((1u << VSYSCALL_SLOT_SHIFT) - 1) || (off >> VSYSCALL_SLOT_SHIFT) >= VSYSCALL_SLOTS)
		return false;		/* "misaligned vsyscall" */
	if (copy_from_user(&caller, r->rsp, sizeof(caller)))
		return false;		/* "vsyscall with bad stack" */
	nr = vsyscall_nr[off >> VSYSCALL_SLOT_SHIFT];
	r->error_code = nr;		/* orig_ax, as the emulation sets it */
	ret = linux_syscall_table[nr](r);
	if (ret == -LX_EFAULT)
		return false;		/* "vsyscall fault": a bad pointer */
	r->rax = ret;
	r->rip = caller;
	r->rsp += sizeof(caller);
	return true;
}
