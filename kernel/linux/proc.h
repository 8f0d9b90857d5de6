/* Inside the Linux personality: one process's state, shared by its files. */
#ifndef KERNEL_LINUX_PROC_H
#define KERNEL_LINUX_PROC_H

#include <asm/msr-index.h>
#include <asm/processor.h>
#include <asm/ptrace.h>
#include <kernel/abi.h>
#include <kernel/linux/linux.h>
#include <kernel/mm.h>
#include <kernel/params.h>
#include <kernel/signal.h>

#define LINUX_NR_SYSCALLS	512	/* table size: every x86-64 number Linux 6.12 has */
#define LINUX_LINE_MAX		160

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
/*
 * The stack's top lies 16 MiB below TASK_SIZE, as a randomized Linux stack
 * lies below it: the last pages of user space stay free for a program
 * that maps or mremaps code there (sysret_rip's SYSCALL at 0x7fffffffeffe).
 */
#define LINUX_STACK_TOP		0x00007fffff000000ull
/*
 * Linux's TASK_SIZE_MAX: nothing is ever mapped in the last page below
 * 2^47, so a SYSCALL at the end of user space can never make the kernel
 * return to RIP 0x800000000000, which is not canonical (a #GP in ring 0).
 */
#define HWCAP2_FSGSBASE		(1ull << 1)	/* AT_HWCAP2: ring 3 may use FSGSBASE */
#define LINUX_TASK_SIZE		0x00007ffffffff000ull
/* Linux's VSYSCALL_ADDR: the fixed page of the three legacy calls (kernel/linux/vsyscall.c). */
#define LINUX_VSYSCALL_PAGE	0xffffffffff600000ull
#define LINUX_STACK_SIZE	(512ull << 10)		/* mapped at exec */
#define LINUX_UID		1000			/* not root: no /proc needed */

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
#define LINUX_EXEC_LO		USER_LOW_WINDOW_LO
#define LINUX_EXEC_HI		USER_LOW_WINDOW_HI

/*
 * Nothing outside its region (and its low window) is mapped for a Linux
 * process, although the kernel's supervisor pages are present there (a
 * fault on them is P=1): Linux would report SEGV_MAPERR, and so does
 * pkrulab.
 */
bool linux_outside_region(const struct task *t, u64 addr);
/* Whether t is a thread of a non-PIE process (user memory in the low window). */
bool linux_low_window(const struct task *t);
/* The rt_sigreturn limits for the current Linux thread: lim, or a copy
 * whose user range starts at the low window for a non-PIE process. */
const struct sigframe_limits *linux_sigframe_limits(const struct sigframe_limits *lim);

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
bool linux_fault_check(struct pt_regs *regs, u64 addr);
bool lx_vsyscall_emulate(struct pt_regs *r, u64 addr);	/* vsyscall.c */
void linux_syscall_restart(struct pt_regs *regs, bool handler, bool sa_restart);

/* A cloned thread's first entry to ring 3 (from task_first_run): returns
 * only if t is not one. */
void linux_task_first_run(struct task *t);
/* A thread of a Linux process ends (from task_exit): clear_child_tid, and
 * a fatal signal or exit_group takes the other threads with it. */
void linux_task_exit(struct task *t);

/* Is [uaddr, uaddr + n) the current non-PIE process's, in the low window? */
bool linux_access_ok_low(u64 uaddr, u64 n);

/* The Linux system-call table (kernel/linux/syscalls.c). */
extern long (*const linux_syscall_table[LINUX_NR_SYSCALLS])(struct pt_regs *);
/* The ABI that holds it and the hooks above (kernel/linux/abi.c). */
extern const struct task_abi linux_abi;
/* The same with pkru_guard=force: every entry checks PKRU first (kernel/linux/abi.c). */
extern const struct task_abi linux_abi_forced;


/* Linux errno values the personality returns (negated). */
#define LX_EPERM	1
#define LX_ENOENT	2
#define LX_ESRCH	3
#define LX_EBADF	9
#define LX_ENOMEM	12
#define LX_EFAULT	14
#define LX_EINVAL	22
#define LX_ENOTTY	25
#define LX_ENOSPC	28
#define LX_ESPIPE	29
#define LX_ENOSYS	38
#define LX_EINTR	4
#define LX_EIO		5
#define LX_ECHILD	10
#define LX_EAGAIN	11
#define LX_EACCES	13
#define LX_EEXIST	17
#define LX_ENODEV	19
#define LX_ENOTDIR	20
#define LX_EROFS	30
#define LX_ENXIO	6
#define LX_E2BIG	7
#define LX_EOPNOTSUPP	95
/* Kernel-internal: the system call is restarted unless a handler runs (Linux's values). */
#define LX_ERESTARTSYS		512	/* restarted after a handler too, with SA_RESTART */
#define LX_ERESTARTNOINTR	513	/* always restarted */
#define LX_ERESTARTNOHAND	514	/* -EINTR if a handler runs */
#define LX_ERESTART_RESTARTBLOCK 516	/* as NOHAND, restarted through restart_syscall */

#define LINUX_MAX_PROCS		MAX_TASKS	/* live and zombie processes together */
#define LINUX_SIGCHLD		17
#define LINUX_SIGCONT		18
#define LINUX_SIGSTOP		19

#define LINUX_NR_FDS		16
#define LINUX_IO_BITMAP_BYTES	8192	/* IO_BITMAP_BYTES: 65536 ports */
#define LX_REFUSED_MAX		32

enum linux_file_kind { LXF_NONE, LXF_CONSOLE, LXF_FILE, LXF_PIPE_R, LXF_PIPE_W, LXF_NULL, LXF_PROC };

struct linux_file {
	enum linux_file_kind kind;
	int index;			/* the built-in file, the pipe or the /proc snapshot */
	u64 pos;
	bool nonblock;			/* O_NONBLOCK (pipe2) */
	bool cloexec;			/* O_CLOEXEC, FIOCLEX: execve closes it */
};

/* A thread of the process (one pkrulab task each), by task id. */
struct linux_thread {
	int tid;			/* its Linux thread id (the process id for the first) */
	u64 clear_child_tid;		/* set_tid_address / CLONE_CHILD_CLEARTID */
	u64 futex_uaddr;		/* the word it waits on, 0 if none */
	u64 futex_key;			/* ...its frame's physical address (shared futexes) */
	u32 futex_bitset;		/* FUTEX_WAIT_BITSET's mask (~0 for FUTEX_WAIT) */
	bool futex_private;		/* FUTEX_PRIVATE_FLAG: only this process wakes it */
	bool futex_woken;
	bool in_wait;			/* asleep in wait4 */
	int oneshot_sig;		/* SA_RESETHAND: the signal whose handler resets after delivery */
	bool start_from_regs;		/* a clone()d thread or a fork child: its first entry */
	struct pt_regs start;
	u64 restart_wake;		/* restart_syscall: the interrupted sleep's end, in ticks */
	u64 restart_rem;		/* ...and where its remaining time goes (0: nowhere) */
	u64 fault_rip, fault_addr, fault_error, fault_repeats;	/* the fault-loop check */
	/* pkru_guard=force: the PKRU the kernel last gave the thread, and
	 * its signal count then (a delivery since gives a new one). */
	u32 owned_pkru;
	u64 owned_delivered;
	u32 cpus_allowed;		/* sched_setaffinity's CPUs, a bit each; 0: all */
};

struct linux_proc {
	bool used;
	bool zombie;			/* ended; its status waits for the parent's wait4 */
	int pid;
	struct linux_proc *parent;	/* NULL: the cell itself reaps it, as init would */
	u64 *root;			/* its address space (pte_t *), see <asm/pgtable.h> */
	bool low_window;		/* a non-PIE executable's [LINUX_EXEC_LO, LINUX_EXEC_HI) */
	int exit_signal;		/* sent to the parent at its end (SIGCHLD from fork) */
	int wait_status;		/* Linux's wait status once it ended */
	/* ptrace (kernel/linux/ptrace.c) and stops (kernel/linux/signals.c). */
	struct linux_proc *tracer;
	bool syscall_trace;		/* PTRACE_SYSCALL: stops at each call's entry and exit */
	bool stopped, stop_reported, group_stop;
	bool continued;			/* resumed by SIGCONT, not yet reported (WCONTINUED) */
	int stop_sig, resume_sig;
	struct task *stopped_task;	/* the thread that stopped */
	struct task *task;		/* its first thread */
	const struct linux_program *prog;
	u64 brk_start, brk;		/* the heap: [brk_start, brk) mapped */
	u64 mmap_low;			/* lowest address mmap has handed out */
	u16 pkey_map;			/* allocated protection keys; key 0 always */
	int exec_only_pkey;		/* Linux's execute-only key, -1 until mprotect(PROT_EXEC) */
	struct linux_file fds[LINUX_NR_FDS];
	u64 robust_list;
	struct linux_thread thr[MAX_TASKS];
	bool group_exit;		/* exit_group or a fatal signal ended it */
	long group_exit_code;
	char group_exit_reason[96];
	long last_exit_code;		/* of the thread that ended last */
	u64 rt_blocked;			/* Linux mask bits 31..63: signals 32..64 */
	struct k_sigaction rt_action[33];	/* signals 32..64: kept, never sent */
	u64 unknown_seen[LINUX_NR_SYSCALLS / 64];	/* numbers already logged */
	u64 rt_action_mask[NSIG_PKRULAB];	/* sa_mask bits 31..63 of signals 1..31 */
	u64 rlimits[16][2];		/* prlimit64: Linux's INIT_RLIMITS */
	const char *refused_seen[LX_REFUSED_MAX];	/* lx_refuse() keys already logged */
	/* ioperm and iopl (kernel/linux/cpu.c): the process's port rights. */
	u8 io_bitmap[LINUX_IO_BITMAP_BYTES];	/* a bit per port, 0 = open */
	u32 io_bitmap_bytes;		/* its leading bytes in use; 0: no bitmap */
	u32 iopl_emul;			/* iopl's level: 3 opens every port (the kernel's excepted) */
	char line[LINUX_LINE_MAX];	/* console output not yet a full line */
	int line_len;
	u32 ldt_entries;		/* modify_ldt: entries in use (0: no LDT) */
	u64 ldt[LDT_ENTRIES];		/* ...the descriptors (fork copies them) */
};

/* A task's process: its ABI state (NULL for a task that is not a Linux thread). */
static inline struct linux_proc *lx_proc(const struct task *t) { return t->abi_state; }
static inline struct linux_proc *lx_current(void) { return lx_proc(current); }
static inline struct linux_thread *lx_thread(struct task *t) { return &lx_proc(t)->thr[t->id]; }
/* linux_abi, or linux_abi_forced under pkru_guard=force (kernel/linux/guards.c). */
const struct task_abi *lx_abi_of_new_thread(void);
/* t becomes a thread of p (its ABI is Linux's from now on). */
static inline void lx_attach(struct task *t, struct linux_proc *p)
{
	task_set_abi(t, lx_abi_of_new_thread());
	t->abi_state = p;
}
/* t is a Linux thread no more (it has ended, or its process is gone). */
static inline void lx_detach(struct task *t)
{
	task_set_abi(t, &pkrulab_abi);
	t->abi_state = NULL;
}

/*
 * A flag or value Linux honours and pkrulab does not: the call fails with
 * err, and "[NAME] linux: WHAT not implemented: -ERR" is logged once per
 * process for each key (a string literal naming the call and the flag).
 * Returns err.  (kernel/linux/syscalls.c)
 */
long lx_refuse(const char *key, long err, const char *fmt, ...) __printf(3, 4);
/* The kind of open file fd is (LXF_NONE if none). */
enum linux_file_kind lx_fd_kind(long fd);
/* Linux's default resource limits, at exec. */
void lx_rlimits_init(struct linux_proc *p);

/* Processes (kernel/linux/process.c). */
extern struct linux_proc lx_procs[LINUX_MAX_PROCS];
struct linux_proc *lx_proc_by_pid(int pid);	/* live or zombie */
struct task *lx_task_by_tid(int tid);		/* a live thread of any process */
int lx_new_id(void);				/* the next pid/tid */
/* A program's first process (exec): ids start at 1 again.  The caller
 * has checked that no process is left. */
struct linux_proc *lx_proc_first(void);
/* A new thread of p with Linux id tid (0: a fresh one), not yet run; NULL
 * if pkrulab's task table is full. */
struct task *lx_task_create(struct linux_proc *p, int tid);
/* fork: a copy of the current process with its own address space, and
 * its first thread (not yet run).  NULL with *err set (-ENOMEM, -EAGAIN). */
struct linux_proc *lx_fork(struct task **child_task, long *err);

/* The cell's report (kernel/linux/report.c): every process of the program's tree adds to it. */
extern struct linux_report lx_session;
/* A new program: the report starts empty. */
void lx_report_begin(void);
/* A new process of the program (the first one is the program's own). */
void lx_report_process(const struct linux_proc *p);
void lx_report_placed(u32 cpu);		/* a thread or child placed on cpu */
/* The cell reaps p as init would: its end goes into the report. */
void lx_report_reaped(struct linux_proc *p, long code, const char *reason);
/* Console output of the process: assembled into lines, printed as diagnostics. */
void lx_console_write(struct linux_proc *p, const char *s, u64 n);
void lx_console_flush(struct linux_proc *p);

/* Process end and wait (kernel/linux/exit.c). */
/* The last thread of p has ended (or all were killed): status, memory, parent. */
void lx_proc_end(struct linux_proc *p);
/* Free a process slot whose status nobody will read any more. */
void lx_proc_release(struct linux_proc *p);
/* End every live thread of p but the current one, with reason (as SIGKILL does). */
void lx_kill_threads(struct linux_proc *p, const char *reason);
/* SIGKILL to every thread of p (possibly the caller's own process: then no return). */
void lx_kill_proc(struct linux_proc *p, int sig, const char *reason);
/* Wake p's threads sleeping in wait4 (a child ended or stopped). */
void lx_wake_waiters(struct linux_proc *p);
long sys_wait4(struct pt_regs *r);

/* Signals between processes, stops, restarts, sleeping (kernel/linux/signals.c). */
/* Send sig from the current thread to thread t (any process). */
long lx_send_signal(struct task *t, int sig);
/* ...to a process: its first thread that does not block sig. */
long lx_signal_proc(struct linux_proc *p, int sig);
long sys_kill(struct pt_regs *r);
long sys_tkill(struct pt_regs *r);
long sys_tgkill(struct pt_regs *r);
long sys_nanosleep(struct pt_regs *r);
long sys_pause(struct pt_regs *r);
long sys_lx_alarm(struct pt_regs *r);
long sys_clock_nanosleep(struct pt_regs *r);
long sys_restart_syscall(struct pt_regs *r);
/* Resume a stopped process (ptrace CONT/DETACH, SIGCONT) with sig for its thread (0: none). */
void lx_resume(struct linux_proc *p, int sig);
int lx_ptrace_stop(int sig);	/* a ptrace stop of the current thread; the signal it resumes with */
void lx_ptrace_untrace(struct linux_proc *c);	/* ptrace.c: its tracer is gone */
/* SIGCHLD to parent for a child's stop or continue, unless it ignores it or has SA_NOCLDSTOP. */
void lx_notify_parent_stop(struct linux_proc *parent);
/* p's action for sig (its threads share them), NULL if it has no live thread. */
const struct k_sigaction *lx_proc_action(struct linux_proc *p, int sig);

/* ptrace (kernel/linux/ptrace.c), the NT_X86_XSTATE regset (kernel/linux/regset.c). */
long sys_ptrace(struct pt_regs *r);
/* PEEKUSER/POKEUSER/GETREGS/SETREGS of a stopped tracee (kernel/linux/ptrace_regs.c). */
#define LX_SIZEOF_STRUCT_USER	912	/* struct user on x86-64 */
long lx_ptrace_peekuser(struct task *t, u64 off, u64 udata);
long lx_ptrace_pokeuser(struct task *t, u64 off, u64 v);
long lx_ptrace_getregs(struct task *t, u64 udata);
long lx_ptrace_setregs(struct task *t, u64 udata);
/* modify_ldt (kernel/linux/ldt.c); a fork child's thread gets its copy of the table. */
long sys_modify_ldt(struct pt_regs *r);
void lx_ldt_fork(struct linux_proc *c, struct task *t);
long sys_process_vm_readv(struct pt_regs *r);
/* pkru_guard= checks of the Linux calls (kernel/linux/guards.c). */
bool lx_guard_rekey_denied(u64 addr, u64 len);
bool lx_guard_key_in_use(u32 pkey);
bool lx_guard_ptrace_access_ok(struct linux_proc *c, u64 va, bool write);
bool lx_guard_ptrace_pkru_ok(struct task *tracee, u32 want);
/* pkru_guard=force: the hooks of linux_abi_forced (kernel/linux/guards.c). */
extern long (*const lx_forced_syscall_table[LINUX_NR_SYSCALLS])(struct pt_regs *);
void lx_force_first_run(struct task *t);
/* The live PKRU is the one the kernel gave the thread (or it dies); take it again. */
void lx_force_check(const char *where);
void lx_force_own(void);
bool lx_force_fault_check(struct pt_regs *regs, u64 addr);
int lx_force_signal_filter(struct pt_regs *regs, int sig);
void lx_force_syscall_restart(struct pt_regs *regs, bool handler, bool sa_restart);
long sys_process_vm_writev(struct pt_regs *r);
long lx_regset_xstate_get(struct task *t, void *buf, u64 len);	/* bytes written */
long lx_regset_xstate_set(struct task *t, const void *buf, u64 len);
u64 lx_regset_xstate_size(void);

/* Address spaces (kernel/linux/memory.c). */
/* A new one: the kernel's part, and for a non-PIE executable its own low window. */
u64 *lx_root_create(bool low_window);
/* Pages that lx_root_copy(root) may take, page tables included. */
u64 lx_root_copy_pages(u64 *root);
/* fork's copy of root: private pages copied, shared frames mapped again. */
u64 *lx_root_copy(u64 *root);
/* Free an address space: its Linux region, its low window, its root. */
void lx_root_free(u64 *root);
/* Read or write another process's memory, as ptrace does: through its
 * page tables, past U/S, W and keys.  false if a page is not mapped. */
bool lx_access_remote(struct linux_proc *p, u64 va, void *buf, u64 n, bool write);
/* The same without force (process_vm_readv/writev): a read-only page is not written. */
bool lx_access_foreign(struct linux_proc *p, u64 va, void *buf, u64 n, bool write);

/* Memory of the current process (kernel/linux/memory.c); lengths in bytes. */
/* Map fresh zeroed pages over [va, va+len) (replacing what was there). */
long lx_map(u64 va, u64 len, u64 pte_flags);
bool lx_outside_region(u64 va, u64 len);
void lx_unmap(u64 va, u64 len);
bool lx_mapped(u64 va, u64 len);
void lx_move(u64 from, u64 to, u64 len);
bool lx_any_shared(u64 va, u64 len);
/* PTE flags from PROT_*: U (but not for PROT_NONE), W for PROT_WRITE. */
u64 lx_prot_flags(u64 prot);
/* Whether the page allocator can give n more pages and keep a reserve. */
bool lx_pages_available(u64 n);

/*
 * Loading a program (kernel/linux/exec.c), for the cell's first exec and
 * execve (kernel/linux/execve.c) alike.  The strings a new program gets:
 * str[0, argc) its argv, str[argc, argc + envc) its environment.
 */
#define LX_EXEC_MAX_STRINGS	256	/* argv and envp together; more: -E2BIG */
#define LX_EXEC_MAX_BYTES	(64u << 10)	/* their bytes, NULs included; more: -E2BIG */
struct lx_exec_args {
	int argc, envc;
	const char *execfn;		/* AT_EXECFN's string */
	const char *str[LX_EXEC_MAX_STRINGS];
};
struct elf_plan;
/* Whether prog can run here (its ELF checked, its layout planned): NULL, or why not. */
const char *lx_exec_check(const struct linux_program *prog, struct elf_plan *plan);
/* p->prog's image, its stack and initial stack into p->root (not active): NULL, or why not. */
const char *lx_exec_load(struct linux_proc *p, const struct elf_plan *pl,
			 const struct lx_exec_args *a, u64 *entry, u64 *sp);
long sys_execve(struct pt_regs *r);
long sys_execveat(struct pt_regs *r);

/* Random bytes (AT_RANDOM, getrandom): reproducible from seed= (kernel/linux/exec.c). */
void lx_random(void *buf, u64 n);

/* Threads (kernel/linux/threads.c). */
long sys_clone(struct pt_regs *r);
long sys_fork(struct pt_regs *r);
long sys_clone3(struct pt_regs *r);
long sys_futex(struct pt_regs *r);
long sys_exit_thread(struct pt_regs *r);
long sys_exit_group(struct pt_regs *r);
/* Timer ticks until a struct timespec timeout (relative, or absolute on clock_gettime's clock). */
long lx_timeout_ticks(u64 uts, bool absolute, u64 *ticks);
/* The process's live threads, for signals and sigaction. */
bool lx_same_process(const struct task *t, const struct linux_proc *p);
int lx_thread_count(const struct linux_proc *p);

/* File descriptors (kernel/linux/files.c). */
void lx_files_init(struct linux_proc *p);
void lx_files_exit(struct linux_proc *p);
void lx_files_exec(struct linux_proc *p);
void lx_files_fork(struct linux_proc *child, const struct linux_proc *parent);
long sys_read(struct pt_regs *r);
long sys_write(struct pt_regs *r);
long sys_writev(struct pt_regs *r);
long sys_readv(struct pt_regs *r);
/* kernel/linux/procfs.c */
u64 lx_proc_maps(const struct linux_proc *p, char *buf, u64 size);
/* kernel/linux/cpu.c */
long sys_sched_setaffinity(struct pt_regs *r);
long sys_sched_getaffinity(struct pt_regs *r);
long sys_ioperm(struct pt_regs *r);
long sys_iopl(struct pt_regs *r);
long sys_setresuid(struct pt_regs *r);
/* t, a thread of p, runs with p's port rights; p's end takes them from the CPU. */
void lx_io_task(struct task *t, struct linux_proc *p);
void lx_io_end(struct linux_proc *p);
long sys_open(struct pt_regs *r);
long sys_openat(struct pt_regs *r);
long sys_close(struct pt_regs *r);
long sys_lseek(struct pt_regs *r);
long sys_ioctl(struct pt_regs *r);
long sys_fstat(struct pt_regs *r);
long sys_newfstatat(struct pt_regs *r);
long sys_pipe(struct pt_regs *r);
long sys_pipe2(struct pt_regs *r);
long sys_vmsplice(struct pt_regs *r);
long sys_readlink(struct pt_regs *r);
long sys_readlinkat(struct pt_regs *r);
long sys_lx_sigaltstack(struct pt_regs *r);
long sys_lx_rt_sigreturn(struct pt_regs *r);

#endif
