/*
 * The CPU-facing calls of Linux's x86 selftests: sched_setaffinity and
 * sched_getaffinity, ioperm and iopl.
 *
 * Affinity.  pkrulab runs every task on CPU 0 (<asm/smp.h>), so a Linux
 * process behaves as one confined to CPU 0 by a cpuset: its effective mask
 * is always {0}; a new mask is taken when it includes CPU 0 and is EINVAL
 * when it does not, as Linux's __sched_setaffinity() answers a mask with
 * nothing in the task's cpuset.  Sizes follow kernel/sched/core.c: a short
 * set mask reads as zero-filled, getaffinity wants whole longs covering
 * nr_cpu_ids (the CPUs online here) and returns the bytes it wrote.
 *
 * Port I/O.  pkrulab's Linux processes run as uid 1000 (AT_UID, getuid)
 * with no capabilities, so as in Linux 6.12 (arch/x86/kernel/ioport.c)
 * ioperm can only drop access it does not have and iopl only keep level
 * 0: raising either needs CAP_SYS_RAWIO and is EPERM.  No I/O bitmap is
 * ever installed: the TSS's I/O map stays beyond its limit, IOPL stays 0,
 * and every IN/OUT, CLI and STI from ring 3 is a #GP -- SIGSEGV, as Linux
 * gives a process the ports it may not use.  Nothing ring 3 does reaches
 * the serial port or QEMU's isa-debug-exit port.
 */
#include <asm/smp.h>
#include <kernel/uaccess.h>
#include "proc.h"

#define CPUMASK_BYTES		8	/* cpumask_size(): BITS_TO_LONGS(nr_cpu_ids) longs */
#define IO_BITMAP_BITS		65536	/* ports 0-0xffff */
#define IOPL_MAX		3

/* pid 0 is the caller; otherwise a live process of the program (find_process_by_pid()). */
static bool affinity_target_ok(u64 pid)
{
	struct linux_proc *p = (int)pid ? lx_proc_by_pid((int)pid) : lx_current();

	return p && !p->zombie;
}

long sys_sched_setaffinity(struct pt_regs *r)
{
	u64 mask = 0, len = r->rsi;

	/* get_user_cpu_mask() first: a shorter buffer is the low bytes, the rest zero. */
	if (len > CPUMASK_BYTES)
		len = CPUMASK_BYTES;
	if (copy_from_user(&mask, r->rdx, len))
		return -LX_EFAULT;
	if (!affinity_target_ok(r->rdi))
		return -LX_ESRCH;
	/* Nothing of the cpuset, CPU 0, in it: no CPU to run on. */
	if (!(mask & 1))
		return -LX_EINVAL;
	return 0;
}

long sys_sched_getaffinity(struct pt_regs *r)
{
	u64 mask = 1, len = r->rsi;

	if (len * 8 < smp_cpus_online() || (len & (sizeof(long) - 1)))
		return -LX_EINVAL;
	if (!affinity_target_ok(r->rdi))
		return -LX_ESRCH;
	if (len > CPUMASK_BYTES)
		len = CPUMASK_BYTES;
	return copy_to_user(r->rdx, &mask, len) ? -LX_EFAULT : (long)len;
}

/* ksys_ioperm(): range checks first, then the capability to turn bits on. */
long sys_ioperm(struct pt_regs *r)
{
	u64 from = r->rdi, num = r->rsi;

	if (from + num <= from || from + num > IO_BITMAP_BITS)
		return -LX_EINVAL;
	if ((int)r->rdx)
		return -LX_EPERM;	/* turn_on without CAP_SYS_RAWIO */
	return 0;			/* no bitmap: nothing to clear */
}

/* SYSCALL_DEFINE1(iopl): raising the level above the current 0 needs CAP_SYS_RAWIO. */
long sys_iopl(struct pt_regs *r)
{
	u32 level = (u32)r->rdi;

	if (level > IOPL_MAX)
		return -LX_EINVAL;
	return level ? -LX_EPERM : 0;
}
