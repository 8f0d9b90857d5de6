/* Inside the Linux personality: one process's state, shared by its files. */
#ifndef KERNEL_LINUX_PROC_H
#define KERNEL_LINUX_PROC_H

#include <kernel/linux.h>
#include <kernel/signal.h>

#define LINUX_NR_SYSCALLS	512	/* table size: every x86-64 number Linux 6.12 has */
#define LINUX_LINE_MAX		160

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

#define LINUX_NR_FDS		16

enum linux_file_kind { LXF_NONE, LXF_CONSOLE, LXF_FILE, LXF_PIPE_R, LXF_PIPE_W };

struct linux_file {
	enum linux_file_kind kind;
	int index;			/* the built-in file or the pipe */
	u64 pos;
};

/* A thread of the process (one pkrulab task each), by task id. */
struct linux_thread {
	u64 clear_child_tid;		/* set_tid_address / CLONE_CHILD_CLEARTID */
	u64 futex_uaddr;		/* the word it waits on, 0 if none */
	bool futex_woken;
	bool start_from_regs;		/* a clone()d thread: its first entry */
	struct pt_regs start;
};

struct linux_proc {
	bool used;
	struct task *task;
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
	char line[LINUX_LINE_MAX];	/* console output not yet a full line */
	int line_len;
	struct linux_report rep;
};

static inline struct linux_proc *lx_current(void) { return current->lx; }

/* Memory of the current process (kernel/linux/process.c); lengths in bytes. */
/* Map fresh zeroed pages over [va, va+len) (replacing what was there). */
long lx_map(u64 va, u64 len, u64 pte_flags);
void lx_unmap(u64 va, u64 len);
bool lx_mapped(u64 va, u64 len);
/* PTE flags from PROT_*: U (but not for PROT_NONE), W for PROT_WRITE. */
u64 lx_prot_flags(u64 prot);
/* Whether the page allocator can give n more pages and keep a reserve. */
bool lx_pages_available(u64 n);
/* Console output of the process: assembled into lines, printed as diagnostics. */
void lx_console_write(struct linux_proc *p, const char *s, u64 n);
void lx_console_flush(struct linux_proc *p);
/* Random bytes (AT_RANDOM, getrandom): reproducible from seed=. */
void lx_random(void *buf, u64 n);

/* Threads (kernel/linux/threads.c). */
long sys_clone(struct pt_regs *r);
long sys_clone3(struct pt_regs *r);
long sys_futex(struct pt_regs *r);
long sys_exit_thread(struct pt_regs *r);
long sys_exit_group(struct pt_regs *r);
/* The process's live threads, for signals and sigaction. */
bool lx_same_process(const struct task *t, const struct linux_proc *p);

/* File descriptors (kernel/linux/files.c). */
void lx_files_init(struct linux_proc *p);
void lx_files_exit(struct linux_proc *p);
long sys_read(struct pt_regs *r);
long sys_write(struct pt_regs *r);
long sys_writev(struct pt_regs *r);
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

#endif
