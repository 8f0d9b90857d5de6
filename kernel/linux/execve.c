/*
 * execve and execveat of a Linux process: any program in the image, named
 * /bin/NAME (or /prog/NAME, the AT_EXECFN of a cell's first exec, or
 * /proc/self/exe).  As Linux 6.12's do_execveat_common() and
 * begin_new_exec(): the process keeps its pid, parent, children, open
 * files but the close-on-exec ones, resource limits, I/O port rights,
 * blocked mask, pending signals and ignored signals; its other threads
 * end (de_thread()); it gets a new address space (the old one freed, the
 * protection-key map back to key 0 alone), handled signals back to
 * SIG_DFL (flush_signal_handlers()), no altstack, no LDT, no TLS bases,
 * zeroed registers (start_thread()), the FPU in its init state and PKRU at
 * init_pkru (fpu_flush_thread()).  The FPU and PKRU go through the
 * design's own fpu_reset and set_pkru hooks, as a new process's do.
 */
#include <asm/cpu.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <asm/segment.h>
#include <kernel/console.h>
#include <kernel/mm.h>
#include <kernel/params.h>
#include <kernel/strategy/strategy.h>
#include <kernel/string.h>
#include <kernel/task.h>
#include <kernel/uaccess.h>
#include "elf.h"
#include "proc.h"

#define LX_ENOEXEC		8
#define LX_ENAMETOOLONG		36
#define LX_PATH_MAX		4096	/* PATH_MAX, the NUL included; longer: -ENAMETOOLONG */
#define LX_AT_FDCWD		(-100)
#define LX_AT_EMPTY_PATH	0x1000
#define LX_AT_SYMLINK_NOFOLLOW	0x100
#define SS_DISABLE		2	/* sigaltstack: no altstack (include/uapi/linux/signal.h) */

static char exec_path[LX_PATH_MAX];
static char exec_strings[LX_EXEC_MAX_BYTES];
static struct lx_exec_args exec_args;

/* A NUL-terminated user string into dst (room bytes at most): its length with the NUL. */
static long copy_string(u64 uaddr, char *dst, u64 room, long too_long)
{
	for (u64 i = 0; ; i++) {
		if (i == room)
			return too_long;
		if (copy_from_user(&dst[i], uaddr + i, 1))
			return -LX_EFAULT;
		if (!dst[i])
			return i + 1;
	}
}

/* The program a path names, or NULL (a name in the list whose module was not loaded too). */
static const struct linux_program *program_named(const char *path)
{
	const char *name = NULL;

	if (!strcmp(path, "/proc/self/exe"))
		return lx_current()->prog;
	if (!strncmp(path, "/bin/", 5))
		name = path + 5;
	else if (!strncmp(path, "/prog/", 6))
		name = path + 6;
	for (int i = 0; name && i < linux_nr_programs(); i++) {
		const struct linux_program *prog = linux_program(i);

		if (!strcmp(prog->name, name))
			return prog->image ? prog : NULL;
	}
	return NULL;
}

/*
 * The NULL-terminated vector of strings at uvec (NULL: none) after the
 * *used bytes of exec_strings already taken: -EFAULT for a pointer or a
 * string that cannot be read, -E2BIG past LX_EXEC_MAX_STRINGS strings or
 * LX_EXEC_MAX_BYTES bytes (Linux's limits are larger: a quarter of the
 * stack rlimit; its errors are the same).  Returns the count.
 */
static long copy_strings(u64 uvec, int first, u64 *used)
{
	int n = 0;

	for (; uvec; n++) {
		u64 ustr;
		long len;

		if (copy_from_user(&ustr, uvec + n * 8ull, sizeof(ustr)))
			return -LX_EFAULT;
		if (!ustr)
			break;
		if (first + n >= LX_EXEC_MAX_STRINGS)
			return -LX_E2BIG;
		len = copy_string(ustr, exec_strings + *used, sizeof(exec_strings) - *used,
				  -LX_E2BIG);
		if (len < 0)
			return len;
		exec_args.str[first + n] = exec_strings + *used;
		*used += len;
	}
	return n;
}

/* argv and envp into exec_args; an empty argv gets "" (Linux 6.12 does, with a warning). */
static long copy_args(u64 uargv, u64 uenvp)
{
	u64 used = 0;
	long n = copy_strings(uargv, 0, &used);

	if (n < 0)
		return n;
	if (!n) {
		exec_strings[used] = 0;
		exec_args.str[n++] = exec_strings + used++;
	}
	exec_args.argc = n;
	n = copy_strings(uenvp, exec_args.argc, &used);
	if (n < 0)
		return n;
	exec_args.envc = n;
	exec_args.execfn = exec_path;
	return 0;
}

/*
 * The new image into a new address space; the old one goes only once that
 * has worked, so a failure (no memory) leaves the caller as it was, with
 * -ENOMEM, where Linux past its point of no return would kill it.
 */
static long exec_mm(struct linux_proc *p, const struct linux_program *prog,
		    const struct elf_plan *plan, u64 *entry, u64 *sp, u64 **old)
{
	const struct linux_program *old_prog = p->prog;
	bool old_low_window = p->low_window;
	u64 *old_root = p->root;

	p->prog = prog;
	p->root = lx_root_create(plan->fixed);
	if (lx_exec_load(p, plan, &exec_args, entry, sp)) {
		lx_root_free(p->root);
		p->root = old_root;
		p->prog = old_prog;
		p->low_window = old_low_window;
		return -LX_ENOMEM;
	}
	current->root = p->root;
	paging_switch((pte_t *)p->root);
	*old = old_root;	/* freed once the other threads are gone */
	return 0;
}

/*
 * de_thread(): the other threads die, as SIGKILL takes them (none of them
 * runs kernel code again: one that runs on in ring 3 on another CPU is
 * taken off the old address space before that is freed, see
 * paging_root_retire()), and the caller, whichever thread it is, becomes
 * the process's only one with the process id as its thread id (Linux's
 * exchange with the group leader).
 */
static void exec_de_thread(struct linux_proc *p)
{
	if (lx_thread_count(p) > 1)
		lx_kill_threads(p, "another thread of the process called execve");
	p->thr[current->id].tid = p->pid;
	p->task = current;
}

/* flush_signal_handlers(), the altstack gone, no frames on the new stack. */
static void exec_signals(struct linux_proc *p)
{
	struct task_signals *s = &current->sig;

	for (int sig = 1; sig < NSIG_PKRULAB; sig++) {
		u64 handler = s->action[sig].handler;

		s->action[sig] = (struct k_sigaction){ handler == SIG_IGN ? SIG_IGN : SIG_DFL };
		p->rt_action_mask[sig] = 0;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(p->rt_action); i++) {
		u64 handler = p->rt_action[i].handler;

		p->rt_action[i] = (struct k_sigaction){ handler == SIG_IGN ? SIG_IGN : SIG_DFL };
	}
	s->altstack_sp = s->altstack_size = 0;
	s->altstack_flags = SS_DISABLE;
	s->depth = 0;
	s->last_frame = 0;
}

/*
 * The thread starts the new program: start_thread()'s registers (all zero
 * but RIP, RSP and RFLAGS.IF), null data selectors, no TLS, no LDT, and fpu_flush_thread()'s
 * FPU -- the init state, PKRU init_pkru -- through the design's hooks:
 * fpu_reset loads the init image into the live registers (xsave_deferred
 * first completes its pending restore, so the old image cannot land later),
 * set_pkru puts PKRU where the design keeps it.
 */
static void exec_thread(struct linux_proc *p, struct pt_regs *r, u64 entry, u64 sp)
{
	static const struct user_selectors null_selectors;
	struct linux_thread *th = lx_thread(current);
	u64 cs = r->cs, ss = r->ss, nr = r->error_code, vector = r->vector;

	memset(r, 0, sizeof(*r));
	r->cs = cs;
	r->ss = ss;
	r->error_code = nr;
	r->vector = vector;
	r->rip = entry;
	r->rsp = sp;
	r->rflags = X86_EFLAGS_IF | X86_EFLAGS_FIXED;
	/* start_thread_common(): DS, ES, FS and GS null, then the bases 0. */
	user_selectors_load(&null_selectors);
	task_set_fs_base(0);
	task_set_gs_base(0);
	p->ldt_entries = 0;
	lx_ldt_fork(p, current);
	th->clear_child_tid = 0;
	th->oneshot_sig = 0;
	th->fault_rip = th->fault_addr = th->fault_error = th->fault_repeats = 0;
	p->robust_list = 0;
	snprintf(current->name, sizeof(current->name), "%s", p->prog->name);
	if (!inject_active(INJECT_EXEC_KEEPS_FPU))
		strategy->fpu_reset(current);
	if (pke_enabled() && !inject_active(INJECT_EXEC_KEEPS_PKRU))
		strategy->set_pkru(current, PKRU_INIT_LINUX);
}

static long do_execve(struct pt_regs *r, u64 upath, u64 uargv, u64 uenvp)
{
	struct linux_proc *p = lx_current();
	const struct linux_program *prog;
	struct elf_plan plan;
	u64 entry, sp, *old_root;
	long err;

	err = copy_string(upath, exec_path, sizeof(exec_path), -LX_ENAMETOOLONG);
	if (err < 0)
		return err;
	if (!(prog = program_named(exec_path)))
		return -LX_ENOENT;
	if (lx_exec_check(prog, &plan))
		return -LX_ENOEXEC;
	err = copy_args(uargv, uenvp);
	if (err)
		return err;
	/* The old program's last unfinished line is shown under its own name. */
	lx_console_flush(p);
	err = exec_mm(p, prog, &plan, &entry, &sp, &old_root);
	if (err)
		return err;
	exec_de_thread(p);
	lx_root_free(old_root);
	lx_files_exec(p);
	exec_signals(p);
	exec_thread(p, r, entry, sp);
	/* A traced process stops with SIGTRAP after exec (ptrace_event(PTRACE_EVENT_EXEC)). */
	if (p->tracer)
		lx_send_signal(current, SIGTRAP);
	return 0;
}

long sys_execve(struct pt_regs *r)
{
	return do_execve(r, r->rdi, r->rsi, r->rdx);
}

/*
 * execveat: paths are absolute or relative to AT_FDCWD (the root: there is
 * no other directory); AT_EMPTY_PATH with a descriptor would name an open
 * file, and no program is one.
 */
long sys_execveat(struct pt_regs *r)
{
	long dirfd = (long)(int)r->rdi;
	u64 flags = r->r8;

	if (flags & ~(u64)(LX_AT_EMPTY_PATH | LX_AT_SYMLINK_NOFOLLOW))
		return -LX_EINVAL;
	if (dirfd != LX_AT_FDCWD && lx_fd_kind(dirfd) == LXF_NONE)
		return -LX_EBADF;
	if (flags & LX_AT_EMPTY_PATH)
		return lx_refuse("execveat AT_EMPTY_PATH", -LX_ENOENT,
				 "execveat of an open descriptor (AT_EMPTY_PATH)");
	return do_execve(r, r->rsi, r->rdx, r->r10);
}
