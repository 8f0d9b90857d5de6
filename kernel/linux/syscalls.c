/*
 * The Linux x86-64 system calls a static glibc program needs to start,
 * print and exit, plus anonymous memory, signals and protection keys.
 * Arguments in RDI, RSI, RDX, R10, R8, R9; the result (or -errno) in RAX.
 * Where the pkey programs depend on Linux's semantics they are matched
 * (pkey_alloc/pkey_free/pkey_mprotect, mprotect keeping a page's key,
 * EFAULT for a buffer the caller's PKRU denies); elsewhere the call is
 * minimal and says so.  Every other number is -ENOSYS, logged once per
 * process by number and name.
 */
#include <asm/cpu.h>
#include <asm/msr-index.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <kernel/console.h>
#include <kernel/params.h>
#include <kernel/strategy/strategy.h>
#include <kernel/string.h>
#include <kernel/syscall.h>
#include <kernel/uaccess.h>
#include "linux-syscalls.h"	/* build/gen: __NR_* and the names, from Linux's uapi header */
#include "proc.h"

#define ARG0(r) ((r)->rdi)
#define ARG1(r) ((r)->rsi)
#define ARG2(r) ((r)->rdx)
#define ARG3(r) ((r)->r10)
#define ARG4(r) ((r)->r8)
#define ARG5(r) ((r)->r9)

#define RANDOM_CHUNK	256

/* mmap/mprotect (include/uapi/asm-generic/mman*.h) */
#define PROT_READ		0x1
#define PROT_WRITE		0x2
#define PROT_EXEC		0x4
#define PROT_SEM		0x8
#define PROT_GROWSDOWN		0x01000000
#define PROT_GROWSUP		0x02000000
#define MAP_SHARED		0x01
#define MAP_PRIVATE		0x02
#define MAP_SHARED_VALIDATE	0x03
#define MAP_TYPE		0x0f
#define MAP_DROPPABLE		0x08
#define MAP_FIXED		0x10
#define MAP_ANONYMOUS		0x20
#define MAP_32BIT		0x40
#define MAP_GROWSDOWN		0x0100
#define MAP_HUGETLB		0x40000
#define MAP_FIXED_NOREPLACE	0x100000
/* mremap (include/uapi/linux/mman.h) */
#define MREMAP_MAYMOVE		1
#define MREMAP_FIXED		2
#define MREMAP_DONTUNMAP	4
/* madvise advice (include/uapi/asm-generic/mman-common.h) */
#define MADV_NORMAL		0
#define MADV_DONTNEED		4
#define MADV_FREE		8
#define MADV_REMOVE		9
#define MADV_DONTFORK		10
#define MADV_DOFORK		11
#define MADV_WIPEONFORK		18
#define MADV_KEEPONFORK		19
#define MADV_POPULATE_WRITE	23
#define MADV_DONTNEED_LOCKED	24
#define MADV_COLLAPSE		25
#define MADV_HWPOISON		100
#define MADV_SOFT_OFFLINE	101
/* rt_sigaction flags (include/uapi/asm-generic/signal-defs.h) */
#define SA_NOCLDSTOP		0x00000001u
#define SA_NOCLDWAIT		0x00000002u
#define SA_SIGINFO		0x00000004u
#define SA_EXPOSE_TAGBITS	0x00000800u
#define SA_RESTORER		0x04000000u
#define SA_ONSTACK		0x08000000u
#define SA_RESTART		0x10000000u
#define SA_NODEFER		0x40000000u
#define SA_RESETHAND		0x80000000u
#define UAPI_SA_FLAGS		(SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_ONSTACK | SA_RESTART | \
				 SA_NODEFER | SA_RESETHAND | SA_EXPOSE_TAGBITS | SA_RESTORER)
/* getrandom */
#define GRND_NONBLOCK		0x1
#define GRND_RANDOM		0x2
#define GRND_INSECURE		0x4
/* pkeys (include/uapi/asm-generic/mman-common.h) */
#define PKEY_DISABLE_ACCESS	0x1
#define PKEY_DISABLE_WRITE	0x2
#define NR_PKEYS		16
/* arch_prctl (arch/x86/include/uapi/asm/prctl.h) */
#define ARCH_SET_GS		0x1001
#define ARCH_SET_FS		0x1002
#define ARCH_GET_FS		0x1003
#define ARCH_GET_GS		0x1004
#define ARCH_GET_CPUID		0x1011
#define ARCH_SET_CPUID		0x1012
#define ARCH_GET_XCOMP_SUPP	0x1021
#define ARCH_GET_XCOMP_PERM	0x1022
#define ARCH_REQ_XCOMP_PERM	0x1023
#define ARCH_GET_XCOMP_GUEST_PERM 0x1024
#define ARCH_REQ_XCOMP_GUEST_PERM 0x1025
#define ARCH_XCOMP_TILECFG	17
#define ARCH_MAP_VDSO_X32	0x2001
#define ARCH_MAP_VDSO_64	0x2003
#define ARCH_GET_UNTAG_MASK	0x4001
#define ARCH_FORCE_TAGGED_SVA	0x4004
#define ARCH_SHSTK_ENABLE	0x5001
#define ARCH_SHSTK_STATUS	0x5005
#define RLIMIT_STACK		3
#define RLIMIT_CORE		4
#define RLIMIT_NOFILE		7
#define RLIMIT_MEMLOCK		8
#define RLIMIT_MSGQUEUE		12
#define RLIM_INFINITY		(~0ull)
#define RLIM_NLIMITS		16
#define NR_OPEN			1048576	/* fs.nr_open's default */
#define CLOCK_REALTIME		0
#define CLOCK_MONOTONIC		1
#define CLOCK_SGI_CYCLE		10
#define SIGSTOP			19
#define LINUX_NSIG		64

/* ---- the unknown ---------------------------------------------------------- */

static const char *const syscall_names[LINUX_NR_SYSCALLS] = {
#define LINUX_SYSCALL(nr, name) [nr] = #name,
#include "linux-syscall-list.h"
#undef LINUX_SYSCALL
};

static long sys_unknown(struct pt_regs *r)
{
	struct linux_proc *p = lx_current();
	u64 nr = (u32)r->error_code;	/* orig_ax's low half: what the entry dispatched on */

	if (!(p->unknown_seen[nr / 64] & (1ull << (nr % 64)))) {
		p->unknown_seen[nr / 64] |= 1ull << (nr % 64);
		lx_session.unknown_syscalls++;
		diag("[%s] linux: syscall %llu (%s) not implemented: -ENOSYS", p->prog->name, nr,
		     syscall_names[nr] ? syscall_names[nr] : "no name in the uapi header");
	}
	return -LX_ENOSYS;
}

/* Known and deliberately absent: -ENOSYS without a log line. */
static long sys_enosys_quiet(struct pt_regs *r) { return -LX_ENOSYS; }

/* ---- the refused ----------------------------------------------------------- */

static const char *errno_name(long err)
{
	switch (-err) {
	case LX_EPERM: return "EPERM";
	case LX_EIO: return "EIO";
	case LX_ENOMEM: return "ENOMEM";
	case LX_ENODEV: return "ENODEV";
	case LX_EINVAL: return "EINVAL";
	case LX_ENOTTY: return "ENOTTY";
	case LX_EROFS: return "EROFS";
	case LX_ENOSYS: return "ENOSYS";
	case LX_EOPNOTSUPP: return "EOPNOTSUPP";
	}
	return "E?";
}

long lx_refuse(const char *key, long err, const char *fmt, ...)
{
	struct linux_proc *p = lx_current();
	char what[112];
	va_list ap;
	int i;

	for (i = 0; i < LX_REFUSED_MAX && p->refused_seen[i]; i++)
		if (p->refused_seen[i] == key)
			return err;
	if (i < LX_REFUSED_MAX)
		p->refused_seen[i] = key;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	diag("[%s] linux: %s not implemented: -%s", p->prog->name, what, errno_name(err));
	return err;
}

/* ---- process ---------------------------------------------------------------- */

/* Linux ids: the process's, its first thread's; 0 as parent: the cell reaps it. */
static long sys_getpid(struct pt_regs *r) { return lx_current()->pid; }
static long sys_gettid(struct pt_regs *r) { return lx_thread(current)->tid; }

static long sys_getppid(struct pt_regs *r)
{
	return lx_current()->parent ? lx_current()->parent->pid : 0;
}
static long sys_getuid(struct pt_regs *r) { return LINUX_UID; }

static long sys_set_tid_address(struct pt_regs *r)
{
	lx_thread(current)->clear_child_tid = ARG0(r);
	return lx_thread(current)->tid;
}

static long sys_set_robust_list(struct pt_regs *r)
{
	if (ARG1(r) != 24)		/* sizeof(struct robust_list_head) */
		return -LX_EINVAL;
	lx_current()->robust_list = ARG0(r);
	return 0;
}

static long sys_sched_yield(struct pt_regs *r)
{
	schedule();
	return 0;
}

static long sys_arch_prctl(struct pt_regs *r)
{
	u64 addr = ARG1(r), v;

	switch (ARG0(r)) {
	case ARCH_SET_FS:
		if (addr >= LINUX_TASK_SIZE)
			return -LX_EPERM;
		task_set_fs_base(addr);
		return 0;
	case ARCH_GET_FS:
		v = rdmsr(MSR_FS_BASE);	/* the live one: ring 3 may have moved it */
		return copy_to_user(addr, &v, sizeof(v)) ? -LX_EFAULT : 0;
	case ARCH_SET_GS:
		if (addr >= LINUX_TASK_SIZE)
			return -LX_EPERM;
		task_set_gs_base(addr);	/* kept per thread by the scheduler */
		return 0;
	case ARCH_GET_GS:
		v = rdmsr(MSR_GS_BASE);	/* the kernel never uses GS: this is the user's */
		return copy_to_user(addr, &v, sizeof(v)) ? -LX_EFAULT : 0;
	case ARCH_GET_CPUID:
		return 1;		/* CPUID does not fault */
	case ARCH_SET_CPUID:
		/* Linux's answer on a CPU without CPUID faulting. */
		return lx_refuse("arch_prctl ARCH_SET_CPUID", -LX_ENODEV,
				 "arch_prctl ARCH_SET_CPUID (CPUID faulting)");
	}
	/* Codes Linux 6.12 knows on x86-64: XSTATE permissions, vDSO, LAM, shadow stacks. */
	if ((ARG0(r) >= ARCH_GET_XCOMP_SUPP && ARG0(r) <= ARCH_REQ_XCOMP_GUEST_PERM) ||
	    (ARG0(r) >= ARCH_MAP_VDSO_X32 && ARG0(r) <= ARCH_MAP_VDSO_64) ||
	    (ARG0(r) >= ARCH_GET_UNTAG_MASK && ARG0(r) <= ARCH_FORCE_TAGGED_SVA) ||
	    (ARG0(r) >= ARCH_SHSTK_ENABLE && ARG0(r) <= ARCH_SHSTK_STATUS))
		return lx_refuse("arch_prctl code", -LX_EINVAL, "arch_prctl code %#llx", ARG0(r));
	return -LX_EINVAL;		/* as Linux for unknown codes (e.g. the old CET status) */
}

static const char *const rlimit_names[RLIM_NLIMITS] = {
	"RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS",
	"RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS",
	"RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
};

/* include/asm-generic/resource.h INIT_RLIMITS (NPROC and SIGPENDING: none here). */
void lx_rlimits_init(struct linux_proc *p)
{
	for (int i = 0; i < RLIM_NLIMITS; i++)
		p->rlimits[i][0] = p->rlimits[i][1] = RLIM_INFINITY;
	p->rlimits[RLIMIT_STACK][0] = 8ull << 20;
	p->rlimits[RLIMIT_CORE][0] = 0;
	p->rlimits[RLIMIT_NOFILE][0] = 1024;
	p->rlimits[RLIMIT_NOFILE][1] = 4096;
	p->rlimits[RLIMIT_MEMLOCK][0] = p->rlimits[RLIMIT_MEMLOCK][1] = 8ull << 20;
	p->rlimits[RLIMIT_MSGQUEUE][0] = p->rlimits[RLIMIT_MSGQUEUE][1] = 819200;
	for (int i = 13; i <= 14; i++)		/* NICE, RTPRIO */
		p->rlimits[i][0] = p->rlimits[i][1] = 0;
}

/*
 * Whether pkrulab keeps a soft limit of lim: it enforces RLIMIT_NOFILE
 * (fd_alloc()); the stack never grows past its 512 KiB; there is nothing
 * here that FSIZE, CORE, MEMLOCK, LOCKS, MSGQUEUE, NICE, RTPRIO and RTTIME
 * limit (no writable files, core dumps, mlock, file locks, message queues,
 * priorities or real-time scheduling), and Linux ignores RSS.  CPU, DATA,
 * AS, NPROC, SIGPENDING and a smaller stack are not enforced: refused
 * unless unlimited.
 */
static bool rlimit_kept(u64 res, u64 lim)
{
	switch (res) {
	case 0: case 2: case 9: case 6: case 11:	/* CPU, DATA, AS, NPROC, SIGPENDING */
		return lim == RLIM_INFINITY;
	case RLIMIT_STACK:
		return lim >= LINUX_STACK_SIZE;
	}
	return true;
}

static long sys_prlimit64(struct pt_regs *r)
{
	struct linux_proc *p = lx_current();
	u64 res = ARG1(r), lim[2], *cur;

	if (ARG0(r) && !(p = lx_proc_by_pid((int)ARG0(r))))
		return -LX_ESRCH;
	if (res >= RLIM_NLIMITS)
		return -LX_EINVAL;
	cur = p->rlimits[res];
	if (ARG2(r)) {
		if (copy_from_user(lim, ARG2(r), sizeof(lim)))
			return -LX_EFAULT;
		if (lim[0] > lim[1])
			return -LX_EINVAL;
		if (lim[1] > cur[1] || (res == RLIMIT_NOFILE && lim[1] > NR_OPEN))
			return -LX_EPERM;	/* raising a hard limit: CAP_SYS_RESOURCE */
		if (!rlimit_kept(res, lim[0]))
			return lx_refuse(rlimit_names[res], -LX_EINVAL,
					 "prlimit64 %s (a new limit, not enforced)", rlimit_names[res]);
	}
	if (ARG3(r) && copy_to_user(ARG3(r), cur, 2 * sizeof(u64)))
		return -LX_EFAULT;
	if (ARG2(r)) {
		cur[0] = lim[0];
		cur[1] = lim[1];
	}
	return 0;
}

static long sys_uname(struct pt_regs *r)
{
	static const char f[6][65] = { "Linux", "pkrulab", "6.12.0-pkrulab",
				       "#1 pkrulab Linux personality", "x86_64", "(none)" };

	return copy_to_user(ARG0(r), f, sizeof(f)) ? -LX_EFAULT : 0;
}

static long sys_getrandom(struct pt_regs *r)
{
	u8 buf[RANDOM_CHUNK];
	u64 len = ARG1(r) > 0x7fffffffull ? 0x7fffffffull : ARG1(r), done = 0;

	/* The pool is always ready: GRND_NONBLOCK and GRND_RANDOM never wait. */
	if (ARG2(r) & ~(u64)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -LX_EINVAL;
	if ((ARG2(r) & (GRND_INSECURE | GRND_RANDOM)) == (GRND_INSECURE | GRND_RANDOM))
		return -LX_EINVAL;
	while (done < len) {
		u64 n = len - done > sizeof(buf) ? sizeof(buf) : len - done;

		/* As Linux: a signal ends a long read after its first page. */
		if (done >= PAGE_SIZE && (current->sig.pending & ~current->sig.blocked))
			break;
		lx_random(buf, n);
		if (copy_to_user(ARG0(r) + done, buf, n))
			return done ? (long)done : -LX_EFAULT;
		done += n;
	}
	return done;
}

static long sys_clock_gettime(struct pt_regs *r)
{
	u64 hz = kargs.timer_hz ? kargs.timer_hz : 1000, ns = jiffies * (1000000000ull / hz);
	u64 ts[2] = { ns / 1000000000ull, ns % 1000000000ull };

	if (ARG0(r) > 11 || ARG0(r) == CLOCK_SGI_CYCLE)
		return -LX_EINVAL;
	return copy_to_user(ARG1(r), ts, sizeof(ts)) ? -LX_EFAULT : 0;
}

/* gettimeofday: the clock_gettime clock in microseconds; the timezone is UTC, no DST. */
static long sys_gettimeofday(struct pt_regs *r)
{
	u64 hz = kargs.timer_hz ? kargs.timer_hz : 1000, ns = jiffies * (1000000000ull / hz);
	u64 tv[2] = { ns / 1000000000ull, ns % 1000000000ull / 1000 };
	u32 tz[2] = { 0, 0 };	/* tz_minuteswest, tz_dsttime: sys_tz as booted */

	if (ARG0(r) && copy_to_user(ARG0(r), tv, sizeof(tv)))
		return -LX_EFAULT;
	if (ARG1(r) && copy_to_user(ARG1(r), tz, sizeof(tz)))
		return -LX_EFAULT;
	return 0;
}

/* getcpu: the CPU the thread runs on (cpu.c), one NUMA node; the cache argument is unused. */
static long sys_getcpu(struct pt_regs *r)
{
	u32 zero = 0, cpu = current->on_cpu;

	if (ARG0(r) && copy_to_user(ARG0(r), &cpu, sizeof(cpu)))
		return -LX_EFAULT;
	if (ARG1(r) && copy_to_user(ARG1(r), &zero, sizeof(zero)))
		return -LX_EFAULT;
	return 0;
}

static long sys_time(struct pt_regs *r)
{
	u64 hz = kargs.timer_hz ? kargs.timer_hz : 1000, t = jiffies / hz;

	if (ARG0(r) && copy_to_user(ARG0(r), &t, sizeof(t)))
		return -LX_EFAULT;
	return t;
}

/* ---- files: kernel/linux/files.c ------------------------------------------------ */

/* ---- memory ------------------------------------------------------------------ */

static long sys_brk(struct pt_regs *r)
{
	struct linux_proc *p = lx_current();
	u64 want = ARG0(r), old_end = ALIGN_UP(p->brk, PAGE_SIZE), new_end;

	if (want < p->brk_start || want > p->brk_start + LINUX_BRK_MAX)
		return p->brk;
	new_end = ALIGN_UP(want, PAGE_SIZE);
	/* The heap: VM_DATA_DEFAULT_FLAGS, no exec on x86-64 (lx_prot_flags()). */
	if (new_end > old_end &&
	    lx_map(old_end, new_end - old_end, lx_prot_flags(PROT_READ | PROT_WRITE)))
		return p->brk;		/* out of memory: Linux returns the old break */
	if (new_end < old_end)
		lx_unmap(new_end, old_end - new_end);
	p->brk = want;
	return want;
}

/* The next free range of len bytes below what mmap handed out (a bump allocator). */
static u64 mmap_pick(struct linux_proc *p, u64 len)
{
	u64 lo = p->mmap_low - len;

	if (len > p->mmap_low || lo < ALIGN_UP(p->brk_start + LINUX_BRK_MAX, PAGE_SIZE))
		return 0;
	p->mmap_low = lo;
	return lo;
}

/*
 * MAP_32BIT: Linux places the mapping in [1 GiB, 2 GiB).  pkrulab's only
 * user memory below 4 GiB is a non-PIE process's low window, so there,
 * top-down, where nothing is mapped yet; elsewhere (a PIE) it is ENOMEM,
 * as Linux answers when that range is full.
 */
static u64 mmap_pick_32bit(struct linux_proc *p, u64 len)
{
	if (!p->low_window || !len || len > LINUX_EXEC_HI - LINUX_EXEC_LO)
		return 0;
	for (u64 a = LINUX_EXEC_HI - len;; a -= PAGE_SIZE) {
		u64 b = a;

		while (b < a + len && !lookup_pte(b))
			b += PAGE_SIZE;
		if (b == a + len)
			return a;
		if (a == LINUX_EXEC_LO)
			return 0;
	}
}

/* What is already mapped at a MAP_FIXED or MAP_FIXED_NOREPLACE address: 0 if it may go. */
static long mmap_over(u64 addr, u64 len, u64 flags)
{
	if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED))
		for (u64 a = addr; a < addr + len; a += PAGE_SIZE)
			if (lookup_pte(a))
				return -17;	/* EEXIST */
	if (pkru_guard_on(PKRU_GUARD_REKEY) && lx_guard_rekey_denied(addr, len))
		return -LX_EACCES;
	return 0;
}

static long sys_mmap(struct pt_regs *r)
{
	struct linux_proc *p = lx_current();
	u64 addr = ARG0(r), len = ALIGN_UP(ARG1(r), PAGE_SIZE), prot = ARG2(r), flags = ARG3(r);
	u64 shared;
	long err;

	if (ARG5(r) & (PAGE_SIZE - 1))
		return -LX_EINVAL;	/* the offset, even of anonymous memory */
	if (!ARG1(r) || len < ARG1(r))
		return -LX_EINVAL;
	if ((flags & MAP_TYPE) != MAP_PRIVATE && (flags & MAP_TYPE) != MAP_SHARED &&
	    (flags & MAP_TYPE) != MAP_SHARED_VALIDATE && (flags & MAP_TYPE) != MAP_DROPPABLE)
		return -LX_EINVAL;
	if (!(flags & MAP_ANONYMOUS)) {
		switch (lx_fd_kind((long)(int)ARG4(r))) {
		case LXF_NONE:
			return -LX_EBADF;
		case LXF_FILE:
			return lx_refuse("mmap file", -LX_ENODEV, "mmap of a file");
		default:
			return -LX_ENODEV;	/* a terminal or a pipe: no mmap in Linux either */
		}
	}
	/*
	 * MAP_SHARED_VALIDATE (check every flag, EOPNOTSUPP for an unknown
	 * one) is a file mapping's type: Linux 6.12's do_mmap() knows only
	 * MAP_SHARED, MAP_PRIVATE and MAP_DROPPABLE for anonymous memory and
	 * answers EINVAL, flags or no flags.  MAP_SHARED ignores flags it does
	 * not know, as Linux's.
	 */
	if ((flags & MAP_TYPE) == MAP_SHARED_VALIDATE)
		return -LX_EINVAL;
	if (flags & MAP_HUGETLB)
		return -LX_ENOMEM;	/* no huge pages reserved, as a default Linux */
	if ((flags & MAP_GROWSDOWN) && (flags & MAP_TYPE) != MAP_PRIVATE)
		return -LX_EINVAL;	/* Linux: shared or droppable memory cannot grow */
	if (flags & MAP_GROWSDOWN)
		return lx_refuse("mmap MAP_GROWSDOWN", -LX_EINVAL,
				 "mmap flag MAP_GROWSDOWN (a mapping that grows on faults below it)");
	if ((flags & MAP_TYPE) == MAP_DROPPABLE)
		return lx_refuse("mmap MAP_DROPPABLE", -LX_EINVAL,
				 "mmap type MAP_DROPPABLE (wiped on fork)");
	if ((flags & MAP_32BIT) && !(flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && !p->low_window)
		return lx_refuse("mmap MAP_32BIT", -LX_ENOMEM,
				 "mmap flag MAP_32BIT in a PIE (below 2 GiB: only a non-PIE "
				 "process's low window is there)");
	/*
	 * Linux's mmap takes any prot bits (calc_vm_prot_bits() looks at
	 * READ, WRITE and EXEC); MAP_LOCKED, MAP_POPULATE, MAP_NORESERVE,
	 * MAP_NONBLOCK, MAP_STACK and MAP_SYNC ask for nothing that eagerly
	 * mapped, never reclaimed memory does not already give;
	 * MAP_UNINITIALIZED, MAP_DENYWRITE, MAP_EXECUTABLE and unknown bits
	 * are ignored by Linux too.
	 */
	prot &= PROT_READ | PROT_WRITE | PROT_EXEC;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (addr & (PAGE_SIZE - 1))
			return -LX_EINVAL;
		/* Past the top of user space: Linux's get_unmapped_area() says ENOMEM. */
		if (addr + len < addr || addr + len > LINUX_TASK_SIZE)
			return -LX_ENOMEM;
		if (lx_outside_region(addr, len)) {
			diag("[%s] linux: mmap MAP_FIXED at %#llx: below pkrulab's Linux address "
			     "range (%#llx up) and outside the low window: -ENOMEM", p->prog->name,
			     addr, LINUX_USER_LO);
			return -LX_ENOMEM;
		}
		if ((err = mmap_over(addr, len, flags)))
			return err;
	} else {
		addr = flags & MAP_32BIT ? mmap_pick_32bit(p, len) : mmap_pick(p, len);
		if (!addr)
			return -LX_ENOMEM;
	}
	/* Shared memory: fork maps these frames into the child instead of copying them. */
	shared = (flags & MAP_TYPE) == MAP_SHARED ? PTE_SHARED : 0;
	err = lx_map(addr, len, lx_prot_flags(prot) | shared);
	return err ? err : (long)addr;
}

/*
 * mremap of anonymous private memory, with Linux 6.12's checks (mm/mremap.c):
 * flags, alignment and lengths (EINVAL), a destination past TASK_SIZE or
 * overlapping the source (EINVAL), a source not mapped (EFAULT).  Shrinking
 * unmaps the tail in place; MREMAP_FIXED moves the pages to new_addr
 * (sysret_rip moves a code page to the top of user space); MREMAP_MAYMOVE
 * alone moves them below what mmap handed out.  Growing (in place or
 * moved), MREMAP_DONTUNMAP and moving MAP_SHARED memory are refused and
 * logged.
 */
static long sys_mremap(struct pt_regs *r)
{
	struct linux_proc *p = lx_current();
	u64 addr = ARG0(r), old_len = ALIGN_UP(ARG1(r), PAGE_SIZE);
	u64 new_len = ALIGN_UP(ARG2(r), PAGE_SIZE), flags = ARG3(r), to = ARG4(r);

	if ((flags & ~(u64)(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) ||
	    ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)) ||
	    ((flags & MREMAP_DONTUNMAP) && (!(flags & MREMAP_MAYMOVE) || old_len != new_len)))
		return -LX_EINVAL;
	if ((addr & (PAGE_SIZE - 1)) || !new_len || old_len < ARG1(r) || new_len < ARG2(r))
		return -LX_EINVAL;
	if (flags & MREMAP_DONTUNMAP)
		return lx_refuse("mremap DONTUNMAP", -LX_EINVAL, "mremap flag MREMAP_DONTUNMAP");
	if (flags & MREMAP_FIXED) {
		if ((to & (PAGE_SIZE - 1)) || new_len > LINUX_TASK_SIZE ||
		    to > LINUX_TASK_SIZE - new_len)
			return -LX_EINVAL;
		if (addr + old_len > to && to + new_len > addr)
			return -LX_EINVAL;
	}
	if (!lx_mapped(addr, old_len ? old_len : PAGE_SIZE))
		return -LX_EFAULT;
	if (old_len > new_len) {
		lx_unmap(addr + new_len, old_len - new_len);
		old_len = new_len;
	}
	if (!(flags & MREMAP_FIXED) && old_len == new_len)
		return addr;
	if (!(flags & MREMAP_MAYMOVE))
		return lx_refuse("mremap in place", -LX_ENOMEM, "mremap growing in place");
	if (!old_len || new_len > old_len || lx_any_shared(addr, old_len))
		return lx_refuse("mremap move", -LX_EINVAL, "mremap of shared memory, or a "
				 "move that grows or copies");
	if (!(flags & MREMAP_FIXED) && !(to = mmap_pick(p, new_len)))
		return -LX_ENOMEM;
	if (lx_outside_region(to, new_len))
		return -LX_ENOMEM;
	lx_move(addr, to, new_len);
	return to;
}

static long sys_munmap(struct pt_regs *r)
{
	u64 addr = ARG0(r), len = ARG1(r);

	if ((addr & (PAGE_SIZE - 1)) || !len)
		return -LX_EINVAL;
	if (pkru_guard_on(PKRU_GUARD_REKEY) && lx_guard_rekey_denied(addr, len))
		return -LX_EACCES;
	lx_unmap(addr, len);
	return 0;
}

static long sys_madvise(struct pt_regs *r)
{
	u64 addr = ARG0(r), len = ALIGN_UP(ARG1(r), PAGE_SIZE);

	u64 advice = ARG2(r);

	if (addr & (PAGE_SIZE - 1))
		return -LX_EINVAL;
	/* madvise_behavior_valid() of Linux 6.12 (KSM, THP and MADV_COLLAPSE configured). */
	if (!(advice <= 4 || (advice >= MADV_FREE && advice <= MADV_COLLAPSE) ||
	      advice == MADV_HWPOISON || advice == MADV_SOFT_OFFLINE))
		return -LX_EINVAL;
	if (advice == MADV_HWPOISON || advice == MADV_SOFT_OFFLINE)
		return -LX_EPERM;	/* CAP_SYS_ADMIN */
	if (!len)
		return 0;
	if (!lx_mapped(addr, len))
		return -LX_ENOMEM;
	/* Fork copies every page: a range left out of it, or wiped in it, is not here. */
	if (advice == MADV_DONTFORK || advice == MADV_WIPEONFORK)
		return lx_refuse(advice == MADV_DONTFORK ? "madvise MADV_DONTFORK" :
				 "madvise MADV_WIPEONFORK", -LX_EINVAL, "madvise advice %s",
				 advice == MADV_DONTFORK ? "MADV_DONTFORK" : "MADV_WIPEONFORK");
	/*
	 * MADV_FREE is for private memory, MADV_REMOVE for shared (shmem, where
	 * it punches a hole every process sees as zeros); MADV_WIPEONFORK and
	 * MADV_KEEPONFORK are private-only too (Linux: EINVAL otherwise).
	 */
	for (u64 a = addr; a < addr + len; a += PAGE_SIZE) {
		bool shared = *lookup_pte(a) & PTE_SHARED;

		if (((advice == MADV_FREE || advice == MADV_KEEPONFORK) && shared) ||
		    (advice == MADV_REMOVE && !shared))
			return -LX_EINVAL;
	}
	if ((advice == MADV_DONTNEED || advice == MADV_DONTNEED_LOCKED || advice == MADV_FREE ||
	     advice == MADV_REMOVE) && pkru_guard_on(PKRU_GUARD_REKEY) &&
	    lx_guard_rekey_denied(addr, len))
		return -LX_EACCES;
	if (advice == MADV_REMOVE)
		for (u64 a = addr; a < addr + len; a += PAGE_SIZE)
			memset((void *)(*lookup_pte(a) & PTE_ADDR_MASK), 0, PAGE_SIZE);
	/*
	 * Anonymous private memory reads back as zeros after MADV_DONTNEED.
	 * Shared anonymous memory is shmem in Linux: MADV_DONTNEED drops this
	 * process's PTEs, the next access maps the same shmem page again, so
	 * it reads back what it held (and the other processes never notice):
	 * here, where pages are mapped eagerly, that is leaving it alone.
	 */
	if (advice == MADV_DONTNEED || advice == MADV_DONTNEED_LOCKED)
		for (u64 a = addr; a < addr + len; a += PAGE_SIZE)
			if (!(*lookup_pte(a) & PTE_SHARED))
				memset((void *)(*lookup_pte(a) & PTE_ADDR_MASK), 0, PAGE_SIZE);
	/*
	 * The rest are hints eager, never reclaimed, never merged memory has
	 * already taken (MADV_FREE's pages may stay as they are, as Linux's
	 * until memory is short; MADV_POPULATE_*: mapped already).
	 */
	return 0;
}

/* mm_pkey_is_allocated(): the execute-only key is the kernel's, not the program's. */
static bool pkey_allocated(struct linux_proc *p, long pkey)
{
	return pkey >= 0 && pkey < NR_PKEYS && (p->pkey_map & (1u << pkey)) &&
	       pkey != p->exec_only_pkey;
}

static long pkey_take(struct linux_proc *p)
{
	int k;

	if (!pke_enabled())
		return -LX_ENOSPC;	/* without OSPKE Linux's key space is key 0 alone */
	for (k = 1; k < NR_PKEYS && (p->pkey_map & (1u << k)); k++)
		;
	if (k == NR_PKEYS)
		return -LX_ENOSPC;
	p->pkey_map |= 1u << k;
	return k;
}

/* arch_set_user_pkey_access(): a key's rights in the calling thread's PKRU. */
static void pkey_set_rights(int k, u64 rights)
{
	u32 pkru = strategy->get_pkru(current) & ~(PKRU_AD_BIT(k) | PKRU_WD_BIT(k));

	if (rights & PKEY_DISABLE_ACCESS)
		pkru |= PKRU_AD_BIT(k);
	if (rights & PKEY_DISABLE_WRITE)
		pkru |= PKRU_WD_BIT(k);
	strategy->set_pkru(current, pkru);
}

/*
 * Linux's execute-only key (arch/x86/mm/pkeys.c): mprotect(PROT_EXEC)
 * alone gives the pages a key of its own, allocated once per process and
 * access-disabled in the caller's PKRU, so that reads fault while
 * instruction fetches (which keys never check) go on.  -1 if none is free.
 */
static int exec_only_pkey(struct linux_proc *p)
{
	long k = p->exec_only_pkey;

	if (k < 0) {
		k = pkey_take(p);
		if (k < 0)
			return -1;
		p->exec_only_pkey = k;
	} else if (strategy->get_pkru(current) & PKRU_AD_BIT(k)) {
		return k;
	}
	pkey_set_rights(k, PKEY_DISABLE_ACCESS);
	return k;
}

/* do_mprotect_pkey(): pkey -1 keeps each page's key (plain mprotect). */
static long mprotect_pkey(u64 addr, u64 len, u64 prot, long pkey)
{
	struct linux_proc *p = lx_current();
	u64 set, clear = PTE_U | PTE_W | PTE_NX;	/* PROT_EXEC added or taken away */

	if (addr & (PAGE_SIZE - 1))
		return -LX_EINVAL;
	if (ALIGN_UP(len, PAGE_SIZE) < len)
		return -LX_ENOMEM;
	if (prot & ~(u64)(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM | PROT_GROWSDOWN |
			  PROT_GROWSUP))
		return -LX_EINVAL;
	/* x86 has no VM_GROWSUP; both at once are EINVAL (do_mprotect_pkey()). */
	if (prot & PROT_GROWSUP)
		return -LX_EINVAL;
	/* The main stack is VM_GROWSDOWN in Linux: here no mapping grows. */
	if (prot & PROT_GROWSDOWN)
		return lx_refuse("mprotect PROT_GROWSDOWN", -LX_EINVAL,
				 "mprotect flag PROT_GROWSDOWN (the stack's lowest mapping)");
	prot &= ~(u64)PROT_SEM;
	if (pkey != -1 && !pkey_allocated(p, pkey))
		return -LX_EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len)
		return 0;
	if (!lx_mapped(addr, len))
		return -LX_ENOMEM;
	if (pkru_guard_on(PKRU_GUARD_REKEY) && lx_guard_rekey_denied(addr, len))
		return -LX_EACCES;
	if (pkey == -1 && prot == PROT_EXEC)
		pkey = exec_only_pkey(p);
	set = lx_prot_flags(prot);
	if (pkey != -1) {
		set |= PTE_PKEY(pkey);
		clear |= PTE_PKEY_MASK;
	}
	paging_gather_begin(page_free);		/* one shootdown for the range */
	for (u64 a = addr; a < addr + len; a += PAGE_SIZE) {
		u64 c = clear;

		/* No longer execute-only: back to key 0, as Linux does. */
		if (pkey == -1 && p->exec_only_pkey > 0 &&
		    ((*lookup_pte(a) & PTE_PKEY_MASK) >> PTE_PKEY_SHIFT) == (u64)p->exec_only_pkey)
			c |= PTE_PKEY_MASK;
		set_page_flags(a, set, c);
	}
	paging_gather_end();
	return 0;
}

static long sys_mprotect(struct pt_regs *r) { return mprotect_pkey(ARG0(r), ARG1(r), ARG2(r), -1); }

static long sys_pkey_mprotect(struct pt_regs *r)
{
	return mprotect_pkey(ARG0(r), ARG1(r), ARG2(r), (long)(int)ARG3(r));
}

static long sys_pkey_alloc(struct pt_regs *r)
{
	struct linux_proc *p = lx_current();
	u64 rights = ARG1(r);
	long k;

	if (ARG0(r) || (rights & ~(u64)(PKEY_DISABLE_ACCESS | PKEY_DISABLE_WRITE)))
		return -LX_EINVAL;
	k = pkey_take(p);
	if (k > 0)
		pkey_set_rights(k, rights);
	return k;
}

static long sys_pkey_free(struct pt_regs *r)
{
	struct linux_proc *p = lx_current();
	long pkey = (long)(int)ARG0(r);

	/* Linux: anything not allocated is -EINVAL (key 0 counts as allocated). */
	if (!pkey_allocated(p, pkey))
		return -LX_EINVAL;
	if (pkru_guard_on(PKRU_GUARD_PKEY_FREE) && lx_guard_key_in_use((u32)pkey))
		return -16;	/* EBUSY */
	p->pkey_map &= ~(1u << pkey);
	return 0;
}

/* ---- signals ------------------------------------------------------------------ */

/*
 * Linux numbers signal s as bit s-1 of a sigset; pkrulab's task_signals
 * as bit s (signals 1..31).  Signals 32..64 are kept for the process
 * (glibc installs handlers for some) but never sent.
 */
static u64 lx_mask_to_kernel(u64 m)
{
	return ((m & 0x7fffffffull) << 1) & ~((1ull << SIGKILL) | (1ull << SIGSTOP));
}

static u64 lx_mask_from_kernel(u64 k, u64 rt) { return (k >> 1) | (rt & ~0x7fffffffull); }

static long sys_rt_sigaction(struct pt_regs *r)
{
	struct linux_proc *p = lx_current();
	long sig = (long)ARG0(r);
	struct k_sigaction ka, old, *slot;

	if (ARG3(r) != 8 || sig < 1 || sig > LINUX_NSIG)
		return -LX_EINVAL;
	if (ARG1(r) && (sig == SIGKILL || sig == SIGSTOP))
		return -LX_EINVAL;
	slot = sig < NSIG_PKRULAB ? &current->sig.action[sig] : &p->rt_action[sig - NSIG_PKRULAB];
	old = *slot;
	if (sig < NSIG_PKRULAB)
		old.mask = lx_mask_from_kernel(old.mask, p->rt_action_mask[sig]);
	if (ARG1(r)) {
		if (copy_from_user(&ka, ARG1(r), sizeof(ka)))
			return -LX_EFAULT;
		/*
		 * Unknown flag bits are cleared, so that a program can probe
		 * (SA_UNSUPPORTED) by reading them back; SIGKILL and SIGSTOP never
		 * enter the mask (do_sigaction()).
		 */
		ka.flags &= UAPI_SA_FLAGS;
		ka.mask &= ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)));
		if (sig < NSIG_PKRULAB) {
			p->rt_action_mask[sig] = ka.mask & ~0x7fffffffull;
			ka.mask = lx_mask_to_kernel(ka.mask);
		}
	}
	if (ARG2(r) && copy_to_user(ARG2(r), &old, sizeof(old)))
		return -LX_EFAULT;
	if (ARG1(r)) {
		*slot = ka;
		/* The threads share their handlers (CLONE_SIGHAND). */
		for (int i = 1; sig < NSIG_PKRULAB && i < MAX_TASKS; i++)
			if (lx_same_process(&tasks[i], p))
				tasks[i].sig.action[sig] = ka;
		/* SIG_IGN for SIGCHLD, or SA_NOCLDWAIT: children are not left as zombies. */
	}
	return 0;
}

static long sys_rt_sigprocmask(struct pt_regs *r)
{
	struct linux_proc *p = lx_current();
	struct task_signals *s = &current->sig;
	u64 old = lx_mask_from_kernel(s->blocked, p->rt_blocked), set, next;

	if (ARG3(r) != 8)
		return -LX_EINVAL;
	if (ARG1(r)) {
		if (copy_from_user(&set, ARG1(r), sizeof(set)))
			return -LX_EFAULT;
		switch (ARG0(r)) {
		case SIG_BLOCK: next = old | set; break;
		case SIG_UNBLOCK: next = old & ~set; break;
		case SIG_SETMASK: next = set; break;
		default: return -LX_EINVAL;
		}
		s->blocked = lx_mask_to_kernel(next);
		p->rt_blocked = next & ~0x7fffffffull;
	}
	if (ARG2(r) && copy_to_user(ARG2(r), &old, sizeof(old)))
		return -LX_EFAULT;
	return 0;
}

/* Linux's sigpending: the blocked signals waiting (the thread's own; there is no shared queue). */
static long sys_rt_sigpending(struct pt_regs *r)
{
	struct task_signals *s = &current->sig;
	u64 set = lx_mask_from_kernel(s->pending & s->blocked, 0);

	if (ARG1(r) > sizeof(set))
		return -LX_EINVAL;
	if (copy_to_user(ARG0(r), &set, ARG1(r)))
		return -LX_EFAULT;
	return 0;
}

/* ---- the table ---------------------------------------------------------------- */

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
long (*const linux_syscall_table[LINUX_NR_SYSCALLS])(struct pt_regs *) = {
	[0 ... LINUX_NR_SYSCALLS - 1] = sys_unknown,
	[__NR_read] = sys_read,
	[__NR_write] = sys_write,
	[__NR_open] = sys_open,
	[__NR_close] = sys_close,
	[__NR_fstat] = sys_fstat,
	[__NR_lseek] = sys_lseek,
	[__NR_mmap] = sys_mmap,
	[__NR_mprotect] = sys_mprotect,
	[__NR_munmap] = sys_munmap,
	[__NR_mremap] = sys_mremap,
	[__NR_brk] = sys_brk,
	[__NR_rt_sigaction] = sys_rt_sigaction,
	[__NR_rt_sigprocmask] = sys_rt_sigprocmask,
	[__NR_rt_sigpending] = sys_rt_sigpending,
	[__NR_rt_sigreturn] = sys_lx_rt_sigreturn,
	[__NR_ioctl] = sys_ioctl,
	[__NR_writev] = sys_writev,
	[__NR_readv] = sys_readv,
	[__NR_sched_setaffinity] = sys_sched_setaffinity,
	[__NR_sched_getaffinity] = sys_sched_getaffinity,
	[__NR_ioperm] = sys_ioperm,
	[__NR_iopl] = sys_iopl,
	[__NR_setresuid] = sys_setresuid,
	[__NR_pipe] = sys_pipe,
	[__NR_time] = sys_time,
	[__NR_gettimeofday] = sys_gettimeofday,
	[__NR_getcpu] = sys_getcpu,
	[__NR_futex] = sys_futex,
	[__NR_vmsplice] = sys_vmsplice,
	[__NR_pipe2] = sys_pipe2,
	[__NR_sched_yield] = sys_sched_yield,
	[__NR_madvise] = sys_madvise,
	[__NR_getpid] = sys_getpid,
	[__NR_clone] = sys_clone,
	[__NR_fork] = sys_fork,
	[__NR_exit] = sys_exit_thread,
	[__NR_kill] = sys_kill,
	[__NR_execve] = sys_execve,
	[__NR_wait4] = sys_wait4,
	[__NR_ptrace] = sys_ptrace,
	[__NR_nanosleep] = sys_nanosleep,
	[__NR_pause] = sys_pause,
	[__NR_alarm] = sys_lx_alarm,
	[__NR_clock_nanosleep] = sys_clock_nanosleep,
	[__NR_restart_syscall] = sys_restart_syscall,
	[__NR_uname] = sys_uname,
	[__NR_readlink] = sys_readlink,
	[__NR_getuid] = sys_getuid,
	[__NR_getgid] = sys_getuid,
	[__NR_geteuid] = sys_getuid,
	[__NR_getegid] = sys_getuid,
	[__NR_getppid] = sys_getppid,
	[__NR_sigaltstack] = sys_lx_sigaltstack,
	[__NR_arch_prctl] = sys_arch_prctl,
	[__NR_modify_ldt] = sys_modify_ldt,
	[__NR_gettid] = sys_gettid,
	[__NR_tkill] = sys_tkill,
	[__NR_set_tid_address] = sys_set_tid_address,
	[__NR_clock_gettime] = sys_clock_gettime,
	[__NR_exit_group] = sys_exit_group,
	[__NR_tgkill] = sys_tgkill,
	[__NR_openat] = sys_openat,
	[__NR_newfstatat] = sys_newfstatat,
	[__NR_readlinkat] = sys_readlinkat,
	[__NR_set_robust_list] = sys_set_robust_list,
	[__NR_prlimit64] = sys_prlimit64,
	[__NR_getrandom] = sys_getrandom,
	[__NR_process_vm_readv] = sys_process_vm_readv,
	[__NR_process_vm_writev] = sys_process_vm_writev,
	[__NR_pkey_mprotect] = sys_pkey_mprotect,
	[__NR_pkey_alloc] = sys_pkey_alloc,
	[__NR_pkey_free] = sys_pkey_free,
	[__NR_execveat] = sys_execveat,
	[__NR_clone3] = sys_clone3,
	/* glibc registers rseq and carries on without it. */
	[__NR_rseq] = sys_enosys_quiet,
};
#pragma GCC diagnostic pop

