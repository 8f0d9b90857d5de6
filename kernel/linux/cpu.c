/*
 * The CPU-facing calls of Linux's x86 selftests: sched_setaffinity and
 * sched_getaffinity, ioperm and iopl.
 *
 * Affinity.  A program runs on every CPU fit for tasks (<kernel/smp.h>):
 * its first thread on CPU 0, each thread or child it creates on the CPU
 * with the fewest live tasks that the creator's mask allows (of equals,
 * the next after the last one chosen: the threads of the pkey selftests
 * end up spread over the CPUs, as Linux's load balancing would), and a
 * new mask moves the thread at once when its CPU is not in it, to the
 * lowest CPU that is.  The mask is per thread, inherited at clone and
 * fork, as Linux's cpus_mask.  CPUs not running tasks (smp=1, an AP that
 * did not come up or is unfit) count as Linux's inactive ones: a mask
 * with none of the others is EINVAL (__sched_setaffinity() on an empty
 * intersection), and getaffinity leaves them out.  Sizes follow
 * kernel/sched/core.c: a short set mask reads as zero-filled, getaffinity
 * wants whole longs covering nr_cpu_ids (the CPUs online here) and
 * returns the bytes it wrote.
 *
 * Port I/O, as Linux 6.12's arch/x86/kernel/ioport.c for a process that
 * holds CAP_SYS_RAWIO (a uid-1000 program given cap_sys_rawio as a file
 * capability: it may raise its port rights, but not change its uid).
 * ioperm opens and closes ranges of a bitmap; iopl(3) opens every port
 * without touching IOPL, so CLI and STI still #GP; iopl(0) goes back to the
 * ioperm bitmap.  Both are the process's (all its threads': Linux's are per
 * thread), copied on fork.  The bitmap lives in the TSS of each CPU while
 * a thread of the process runs there (kernel/sched.c switches it with the
 * address space); an IN or OUT to a closed port is a #GP: SIGSEGV.  The ports the
 * kernel drives or that end the run (arch/x86/ioport.c: the PICs, PIT,
 * COM1, QEMU's isa-debug-exit, ACPI power-off and reset...) are never
 * opened: ioperm of one is EPERM (logged), under iopl(3) they stay closed.
 */
#include <asm/desc.h>
#include <asm/smp.h>
#include <kernel/console.h>
#include <kernel/smp.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include "proc.h"

#define CPUMASK_BYTES		8	/* cpumask_size(): BITS_TO_LONGS(nr_cpu_ids) longs */
#define IOPL_MAX		3
#define IOPL_ALL_PORTS		3	/* the level that opens the ports (iopl_emul) */

_Static_assert(LINUX_IO_BITMAP_BYTES == IO_BITMAP_BYTES, "one bit per port");

/* pid 0 is the caller; otherwise a live thread of the program (find_process_by_pid()). */
static struct task *affinity_target(u64 pid)
{
	return (int)pid ? lx_task_by_tid((int)pid) : current;
}

/* A thread's mask, as CPUs running tasks now. */
static u32 affinity_of(const struct task *t)
{
	u32 allowed = lx_proc(t)->thr[t->id].cpus_allowed;

	return (allowed ? allowed : ~0u) & smp_task_cpu_mask();
}

long sys_sched_setaffinity(struct pt_regs *r)
{
	u64 mask = 0, len = r->rsi;
	struct task *t;
	u32 allowed;

	/* get_user_cpu_mask() first: a shorter buffer is the low bytes, the rest zero. */
	if (len > CPUMASK_BYTES)
		len = CPUMASK_BYTES;
	if (copy_from_user(&mask, r->rdx, len))
		return -LX_EFAULT;
	if (!(t = affinity_target(r->rdi)))
		return -LX_ESRCH;
	/* None of the CPUs running tasks in it: nowhere to run. */
	allowed = (u32)mask & smp_task_cpu_mask();
	if (!allowed)
		return -LX_EINVAL;
	lx_proc(t)->thr[t->id].cpus_allowed = allowed;
	if (!(allowed & (1u << t->cpu)) && task_move(t, __builtin_ctz(allowed)))
		return -LX_EINVAL;
	return 0;
}

long sys_sched_getaffinity(struct pt_regs *r)
{
	u64 mask, len = r->rsi;
	struct task *t;

	if (len * 8 < smp_cpus_online() || (len & (sizeof(long) - 1)))
		return -LX_EINVAL;
	if (!(t = affinity_target(r->rdi)))
		return -LX_ESRCH;
	mask = affinity_of(t);
	if (len > CPUMASK_BYTES)
		len = CPUMASK_BYTES;
	return copy_to_user(r->rdx, &mask, len) ? -LX_EFAULT : (long)len;
}

/* iopl(3)'s map: every port open but the kernel's; built at the first iopl(3). */
static u8 iopl_map[IO_BITMAP_BYTES];
static bool iopl_map_ready;

static const u8 *iopl_ports(void)
{
	if (!iopl_map_ready) {
		for (u32 port = 0; port < IO_BITMAP_BITS; port++)
			if (io_port_reserved(port))
				iopl_map[port / 8] |= 1u << (port % 8);
		iopl_map_ready = true;
	}
	return iopl_map;
}

/* The map p's threads run with (NULL: every port closed) and its length. */
static const u8 *io_map(const struct linux_proc *p, u32 *bytes)
{
	*bytes = IO_BITMAP_BYTES;
	if (p->iopl_emul == IOPL_ALL_PORTS)
		return iopl_ports();
	*bytes = p->io_bitmap_bytes;
	return p->io_bitmap_bytes ? p->io_bitmap : NULL;
}

void lx_io_task(struct task *t, struct linux_proc *p)
{
	t->io_bitmap = io_map(p, &t->io_bitmap_bytes);
}

/* p's rights changed: every thread of it, and the TSS now if one of them runs. */
static void io_apply(struct linux_proc *p)
{
	for (int i = 1; i < MAX_TASKS; i++)
		if (lx_same_process(&tasks[i], p))
			lx_io_task(&tasks[i], p);
	if (lx_current() == p)
		tss_io_bitmap_switch(current->on_cpu, current->io_bitmap, current->io_bitmap_bytes);
}

void lx_io_end(struct linux_proc *p)
{
	p->io_bitmap_bytes = 0;
	p->iopl_emul = 0;
	io_apply(p);
	tss_io_bitmap_drop(p->io_bitmap);	/* the slot's memory will be reused */
}

/* The bytes of the bitmap in use: up to its last u64 with an open port (Linux's max). */
static u32 io_bitmap_used(const struct linux_proc *p)
{
	const u64 *w = (const u64 *)p->io_bitmap;

	for (int i = IO_BITMAP_BYTES / 8 - 1; i >= 0; i--)
		if (w[i] != ~0ull)
			return (i + 1) * 8;
	return 0;
}

/* ksys_ioperm(): range checks, then the capability (held) and the kernel's ports. */
long sys_ioperm(struct pt_regs *r)
{
	struct linux_proc *p = lx_current();
	u64 from = r->rdi, num = r->rsi;
	bool on = (int)r->rdx;
	const char *what;

	if (from + num <= from || from + num > IO_BITMAP_BITS)
		return -LX_EINVAL;
	for (u64 port = from; on && port < from + num; port++)
		if ((what = io_port_reserved(port)))
			return lx_refuse("ioperm reserved", -LX_EPERM, "ioperm of port %#llx (%s)",
					 port, what);
	if (!p->io_bitmap_bytes) {
		if (!on)
			return 0;	/* no bitmap to clear bits in */
		memset(p->io_bitmap, 0xff, sizeof(p->io_bitmap));
	}
	for (u64 port = from; port < from + num; port++) {
		if (on)
			p->io_bitmap[port / 8] &= ~(1u << (port % 8));
		else
			p->io_bitmap[port / 8] |= 1u << (port % 8);
	}
	p->io_bitmap_bytes = io_bitmap_used(p);		/* 0 once every port is closed */
	io_apply(p);
	return 0;
}

/* SYSCALL_DEFINE1(iopl): the level is emulated with the bitmap, never put in RFLAGS. */
long sys_iopl(struct pt_regs *r)
{
	struct linux_proc *p = lx_current();
	u32 level = (u32)r->rdi;

	if (level > IOPL_MAX)
		return -LX_EINVAL;
	if (level == p->iopl_emul)
		return 0;
	if (level == IOPL_ALL_PORTS)
		diag("[%s] linux: iopl(3): every port but those pkrulab's kernel drives or that "
		     "end the run (arch/x86/ioport.c)", p->prog->name);
	p->iopl_emul = level;
	io_apply(p);
	return 0;
}

/*
 * setresuid for a uid-1000 process without CAP_SETUID (__sys_setresuid()):
 * each id may only be -1 (unchanged) or one the process has, 1000.
 */
long sys_setresuid(struct pt_regs *r)
{
	const u32 ids[3] = { (u32)r->rdi, (u32)r->rsi, (u32)r->rdx };

	for (int i = 0; i < 3; i++)
		if (ids[i] != (u32)-1 && ids[i] != LINUX_UID)
			return -LX_EPERM;
	return 0;
}
