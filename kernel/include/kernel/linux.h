/*
 * The Linux x86-64 personality (kernel/linux/): a static Linux executable,
 * delivered as a GRUB module2, runs as a ring-3 task that makes Linux
 * system calls.  It may fork: each process has an address space of its
 * own, and the cell waits for the whole tree of processes, reaping the
 * orphans as init would.  The pkrulab tasks keep their own system-call
 * table.
 */
#ifndef KERNEL_LINUX_H
#define KERNEL_LINUX_H

#include <asm/msr-index.h>
#include <asm/processor.h>
#include <asm/types.h>
#include <kernel/task.h>

struct sigframe_limits;

/*
 * A Linux process's own part of its address space: PML4 slots 170 to 255,
 * where nothing of pkrulab's own lives (its user pages are in slots 1 and
 * 2, which every address space shares with the kernel).  A static
 * PIE is loaded at Linux's usual ELF_ET_DYN_BASE-like address; a non-PIE
 * executable would need 0x400000, which the kernel identity-maps.
 */
#define LINUX_USER_LO		0x0000550000000000ull
#define LINUX_USER_HI		0x0000800000000000ull
#define LINUX_LOAD_BASE		0x0000555555554000ull
#define LINUX_BRK_MAX		(1ull << 30)		/* the heap can grow 1 GiB */
#define LINUX_MMAP_TOP		0x00007ff000000000ull	/* mmap grows down from here */
#define LINUX_STACK_TOP		0x00007ffffffff000ull
/*
 * Linux's TASK_SIZE_MAX: nothing is ever mapped in the last page below
 * 2^47, so a SYSCALL at the end of user space can never make the kernel
 * return to RIP 0x800000000000, which is not canonical (a #GP in ring 0).
 */
#define LINUX_TASK_SIZE		0x00007ffffffff000ull
#define LINUX_STACK_SIZE	(512ull << 10)		/* mapped at exec */
#define LINUX_UID		1000			/* not root: no /proc needed */

/*
 * The user's FS base follows the task (arch_prctl(ARCH_SET_FS)); the MSR
 * is written only when it changes (pkrulab's own tasks and kernel-only
 * ones have 0: a kernel-only task in between costs two writes, never a
 * wrong base).
 */
extern u64 cpu_fs_base;

/*
 * A Linux thread leaving the CPU keeps the FS base it really has: ring 3
 * can change it without a system call (MOV to FS loads the base from the
 * descriptor, or clears it for a null selector), so the cached value may
 * be stale.  Read back as Linux does with FSGSBASE: the thread keeps what
 * it did, and the next thread is never left with it.
 */
static inline void fs_base_switch_out(struct task *prev)
{
	if (prev->lx)
		prev->fs_base = cpu_fs_base = rdmsr(MSR_FS_BASE);
}

static inline void fs_base_switch_in(struct task *next)
{
	if (__builtin_expect(next->fs_base != cpu_fs_base, 0)) {
		wrmsr(MSR_FS_BASE, next->fs_base);
		cpu_fs_base = next->fs_base;
	}
}

/*
 * A non-PIE executable lies at its link address, in [LINUX_EXEC_LO,
 * LINUX_EXEC_HI): the kernel's identity map of low RAM.  Its process gets
 * page tables of its own for that window (<asm/pgtable.h>), with its user
 * pages where the kernel's 2 MiB supervisor pages were, and the page
 * allocator never hands out the physical pages behind the window, so the
 * kernel loses nothing it uses while that address space is active (the
 * image ends below 4 MiB; a boot module there is read only at exec, under
 * the kernel's own page tables).
 */
#define LINUX_EXEC_LO		0x0000000000400000ull
#define LINUX_EXEC_HI		0x0000000002000000ull

/*
 * Nothing outside its region (and its low window) is mapped for a Linux
 * process, although the kernel's supervisor pages are present there (a
 * fault on them is P=1): Linux would report SEGV_MAPERR, and so does
 * pkrulab.
 */
bool linux_outside_region(const struct task *t, u64 addr);
static inline bool linux_outside_process(const struct task *t, u64 addr)
{
	return t->lx && linux_outside_region(t, addr);	/* pkrulab's own tasks: one test */
}
/* Whether t is a thread of a non-PIE process (user memory in the low window). */
bool linux_low_window(const struct task *t);
/* The rt_sigreturn limits for the current Linux thread: lim, or a copy
 * whose user range starts at the low window for a non-PIE process. */
const struct sigframe_limits *linux_sigframe_limits(const struct sigframe_limits *lim);

/* A program in the image: the module2 lines "prog NAME" of grub.cfg. */
/*
 * A program of the image: built in (its name compiled into the kernel) or
 * added by a module2 line.  image is NULL for a built-in one the boot
 * loader did not load: its cells SKIP.
 */
struct linux_program {
	const char *name;
	const void *image;
	u64 size;
};

/* The built-in programs and up to MB2_MAX_MODULES more. */
#define LINUX_MAX_PROGRAMS	64

int linux_nr_programs(void);
const struct linux_program *linux_program(int i);

/* What a finished program (its whole tree of processes) did, for its verdict. */
struct linux_report {
	/*
	 * As struct task: >= 0 status, else signalled.  The first process's,
	 * unless that is 0 and a process the cell reaped (an orphan) ended
	 * otherwise: then the first such one's.
	 */
	long exit_code;
	char exit_reason[96];
	int processes;			/* created (the first one and its forks) */
	int reaped;			/* ...of which the cell reaped, as init (the orphans and the first) */
	int lines, ok, not_ok;		/* output lines, its own "ok N" / "not ok N" */
	int plan;			/* its first TAP/KTAP plan "1..N" (0: none) */
	char first_not_ok[96];		/* the first "not ok" line */
	char last_ok[96];		/* the last "ok" line: a death came in the sub-test after it */
	char last_line[96];		/* the last line it printed */
	int unknown_syscalls;		/* distinct numbers answered -ENOSYS unknown */
};

/*
 * Load prog into the Linux region and create its task (not yet run),
 * with argv = { name }, a small environment and the auxiliary vector.
 * NULL with *why set if it cannot run.
 */
struct task *linux_exec(const struct linux_program *prog, const char **why);
/* After tasks_run(): the program's report; every process left is freed. */
void linux_finish(struct linux_report *rep);

/*
 * Signal delivery's Linux part (kernel/linux/signals.c), for a thread of a
 * Linux process.  linux_signal_filter: a traced process stops for its
 * tracer, default-ignored and stop signals are handled; returns the signal
 * to deliver (maybe another one the tracer chose), 0 for none.
 * linux_syscall_restart: regs return from a system call that a signal
 * interrupted; handler says whether a handler runs now (with SA_RESTART
 * or not), and the call is restarted or fails with EINTR, as in Linux.
 */
int linux_signal_filter(struct pt_regs *regs, int sig);
/*
 * A ring-3 fault of a Linux thread (addr: CR2 for #PF, else 0), before its
 * signal: the same fault at the same place too many times in a row is a
 * handler that never repairs it -- Linux would loop for ever; here the
 * process is killed with that reason, and the cell ends at once.
 */
void linux_fault_check(struct pt_regs *regs, u64 addr);
void linux_syscall_restart(struct pt_regs *regs, bool handler, bool sa_restart);

/* A cloned thread's first entry to ring 3 (from task_first_run): returns
 * only if t is not one. */
void linux_task_first_run(struct task *t);
/* A thread of a Linux process ends (from task_exit): clear_child_tid, and
 * a fatal signal or exit_group takes the other threads with it. */
void linux_task_exit(struct task *t);

/* The Linux system-call table (kernel/linux/syscalls.c). */
extern long (*const linux_syscall_table[])(struct pt_regs *);
extern const u64 linux_nr_syscalls;

#endif
