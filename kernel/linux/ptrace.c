/*
 * ptrace: what Linux's protection_keys selftest asks of it.
 *
 * TRACEME makes the parent the tracer; ATTACH makes the caller the tracer
 * of one of its children (minimal: only a parent may attach) and sends it
 * SIGSTOP.  A traced process stops before each signal is delivered
 * (kernel/linux/signals.c) and its tracer's wait4 reports the stop.  On a
 * stopped tracee: PEEK/POKE read and write its memory through its own page
 * tables -- protection keys do not apply to such a "foreign" access, as in
 * Linux (arch_vma_access_permitted() checks keys only for the current
 * mm) -- CONT and DETACH resume it with a signal or none, KILL ends it,
 * and GETREGSET/SETREGSET of NT_X86_XSTATE move its XSAVE state, PKRU
 * included under every design (kernel/linux/regset.c).  Other requests are
 * -EIO, as Linux answers an unknown one.
 */
#include <asm/desc.h>
#include <asm/processor-flags.h>
#include <asm/xstate.h>
#include <kernel/console.h>
#include <kernel/params.h>
#include <kernel/uaccess.h>
#include "proc.h"

#define PTRACE_TRACEME		0
#define PTRACE_PEEKTEXT		1
#define PTRACE_PEEKDATA		2
#define PTRACE_POKETEXT		4
#define PTRACE_POKEDATA		5
#define PTRACE_CONT		7
#define PTRACE_KILL		8
#define PTRACE_GETREGS		12
#define PTRACE_SETREGS		13
#define PTRACE_SYSCALL		24
#define PTRACE_ATTACH		16
#define PTRACE_DETACH		17
#define PTRACE_PEEKUSR		3
#define PTRACE_POKEUSR		6
#define PTRACE_GETREGS		12
#define PTRACE_SETREGS		13
#define PTRACE_GETREGSET	0x4204
#define PTRACE_SETREGSET	0x4205
#define NT_X86_XSTATE		0x202	/* include/uapi/linux/elf.h */
#define LINUX_NSIG		64
#define LINUX_SIGTRAP		5
/* The RFLAGS bits a tracer may change (arch/x86/kernel/ptrace.c FLAG_MASK). */
#define PTRACE_FLAG_MASK	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | X86_EFLAGS_ZF | \
				 X86_EFLAGS_SF | X86_EFLAGS_TF | X86_EFLAGS_DF | X86_EFLAGS_OF | \
				 X86_EFLAGS_RF | X86_EFLAGS_AC | X86_EFLAGS_NT)

/* struct user_regs_struct of x86-64 (arch/x86/include/asm/user_64.h). */
struct user_regs64 {
	u64 r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
	u64 rax, rcx, rdx, rsi, rdi, orig_rax;
	u64 rip, cs, eflags, rsp, ss;
	u64 fs_base, gs_base, ds, es, fs, gs;
};

struct iovec64 {
	u64 base, len;
};

static u8 regset_buf[XSTATE_BUF_MAX] __aligned(64);

/* pkru_guard=ptrace: the PKRU a SETREGSET buffer gives (0 with XSTATE_BV[9] clear). */
static bool regset_pkru_ok(struct linux_proc *c, u64 len)
{
	u64 bv = len >= 520 ? *(u64 *)(regset_buf + 512) : 0;
	u32 want = 0;

	if ((bv & XFEATURE_MASK_PKRU) && len >= xstate_pkru_offset() + 4)
		want = *(u32 *)(regset_buf + xstate_pkru_offset());
	return lx_guard_ptrace_pkru_ok(c->stopped_task, want);
}

static long regset(struct linux_proc *c, bool set, u64 type, u64 uiov)
{
	struct iovec64 iov;
	u64 len;
	long err;

	if (copy_from_user(&iov, uiov, sizeof(iov)))
		return -LX_EFAULT;
	if (type == 1 || type == 2 || type == 0x200 || type == 0x201 || type == 0x204)
		return lx_refuse("ptrace regset", -LX_EINVAL, "ptrace regset %#llx (only "
				 "NT_X86_XSTATE here)", type);
	if (type != NT_X86_XSTATE)
		return -LX_EINVAL;	/* as Linux for a type x86-64 does not have */
	/* Whole 64-bit words, at most the regset (ptrace_regset()). */
	if (iov.len % sizeof(u64))
		return -LX_EINVAL;
	len = iov.len < lx_regset_xstate_size() ? iov.len : lx_regset_xstate_size();
	if (set) {
		if (copy_from_user(regset_buf, iov.base, len))
			return -LX_EFAULT;
		/* A short regset is refused by the set itself (EFAULT), as Linux does first. */
		if (pkru_guard_on(PKRU_GUARD_PTRACE) && len == lx_regset_xstate_size() &&
		    !regset_pkru_ok(c, len))
			return -LX_EPERM;
		err = lx_regset_xstate_set(c->stopped_task, regset_buf, len);
	} else {
		err = lx_regset_xstate_get(c->stopped_task, regset_buf, len);
		if (!err && copy_to_user(iov.base, regset_buf, len))
			return -LX_EFAULT;
	}
	if (err)
		return err;
	iov.len = len;
	return copy_to_user(uiov + offsetof(struct iovec64, len), &iov.len, sizeof(iov.len)) ?
		       -LX_EFAULT : 0;
}

/* The table a PTRACE_SYSCALL tracee's threads run with: no numbers, one entry. */
static long lx_syscall_traced(struct pt_regs *r);
static long (*const traced_table[1])(struct pt_regs *) = { lx_syscall_traced };

/* PTRACE_SYSCALL sets syscall stops for every thread of c, CONT and DETACH clear them. */
static void syscall_trace_set(struct linux_proc *c, bool on)
{
	c->syscall_trace = on;
	for (int i = 1; i < MAX_TASKS; i++) {
		if (!lx_same_process(&tasks[i], c))
			continue;
		/* Back to the table of its ABI (pkru_guard=force has its own). */
		tasks[i].syscall_table = on ? traced_table : task_abi(&tasks[i])->syscall_table;
		tasks[i].nr_syscalls = on ? 0 : task_abi(&tasks[i])->nr_syscalls;
	}
}

void lx_ptrace_untrace(struct linux_proc *c)
{
	syscall_trace_set(c, false);
}

/*
 * A syscall-entry or -exit stop, while there is a tracer to resume it; a
 * signal the tracer resumes with is sent, as Linux.
 */
static void syscall_stop(void)
{
	int sig;

	if (!lx_current()->tracer)
		return;
	sig = lx_ptrace_stop(LINUX_SIGTRAP);

	if (sig > 0 && sig < LINUX_NSIG)
		lx_send_signal(current, sig);
}

/*
 * Every call of a PTRACE_SYSCALL tracee (syscall_entry.asm).  As Linux's
 * do_syscall_64(): RAX reads -ENOSYS at the entry stop; the number is then
 * orig_ax as the tracer left it, taken as an int: a valid one runs, -1
 * runs nothing and keeps the RAX the tracer set, anything else is -ENOSYS.
 * The exit stop sees the result in RAX and may change it.
 */
static long lx_syscall_traced(struct pt_regs *r)
{
	int nr;

	/* pkru_guard=force: checked before the stop, taken again after the call. */
	if (task_abi_has(current, pkru_owned))
		lx_force_check("a system call");
	r->rax = -LX_ENOSYS;
	syscall_stop();
	nr = (int)r->error_code;
	if ((u32)nr < LINUX_NR_SYSCALLS)
		r->rax = linux_syscall_table[nr](r);
	else if (nr != -1)
		r->rax = -LX_ENOSYS;
	if (lx_current()->syscall_trace)
		syscall_stop();
	if (task_abi_has(current, pkru_owned))
		lx_force_own();
	return r->rax;
}

long sys_ptrace(struct pt_regs *r)
{
	struct linux_proc *p = lx_current(), *c;
	u64 req = r->rdi, addr = r->rdx, data = r->r10, word;

	if (req == PTRACE_TRACEME) {
		if (p->tracer || !p->parent)
			return -LX_EPERM;
		p->tracer = p->parent;
		return 0;
	}
	c = lx_proc_by_pid((int)r->rsi);
	if (!c || c->zombie)
		return -LX_ESRCH;
	if (req == PTRACE_ATTACH) {
		if (c == p || c->tracer)
			return -LX_EPERM;
		if (c->parent != p)
			return lx_refuse("ptrace attach", -LX_EPERM,
					 "ptrace PTRACE_ATTACH of a process that is not a child");
		c->tracer = p;
		lx_signal_proc(c, LINUX_SIGSTOP);
		return 0;
	}
	if (c->tracer != p)
		return -LX_ESRCH;
	if (req == PTRACE_KILL) {
		lx_kill_proc(c, SIGKILL, "PTRACE_KILL");
		return 0;
	}
	/* Everything else wants the tracee stopped (ptrace_check_attach()). */
	if (!c->stopped || !c->stopped_task)
		return -LX_ESRCH;
	switch (req) {
	case PTRACE_PEEKTEXT:
	case PTRACE_PEEKDATA:
		if (pkru_guard_on(PKRU_GUARD_PTRACE) && !lx_guard_ptrace_access_ok(c, addr, false))
			return -LX_EIO;
		if (!lx_access_remote(c, addr, &word, sizeof(word), false))
			return -LX_EIO;
		/* The raw call stores the word at data (glibc's wrapper returns it). */
		return copy_to_user(data, &word, sizeof(word)) ? -LX_EFAULT : 0;
	case PTRACE_POKETEXT:
	case PTRACE_POKEDATA:
		if (pkru_guard_on(PKRU_GUARD_PTRACE) && !lx_guard_ptrace_access_ok(c, addr, true))
			return -LX_EIO;
		return lx_access_remote(c, addr, &data, sizeof(data), true) ? 0 : -LX_EIO;
	case PTRACE_CONT:
	case PTRACE_SYSCALL:
	case PTRACE_DETACH:
		if (data > LINUX_NSIG)
			return -LX_EIO;
		if (req == PTRACE_DETACH)
			c->tracer = NULL;
		syscall_trace_set(c, req == PTRACE_SYSCALL);
		lx_resume(c, (int)data);
		return 0;
	case PTRACE_GETREGSET:
	case PTRACE_SETREGSET:
		return regset(c, req == PTRACE_SETREGSET, addr, data);
	case PTRACE_PEEKUSR:
		return lx_ptrace_peekuser(c->stopped_task, addr, data);
	case PTRACE_POKEUSR:
		return lx_ptrace_pokeuser(c->stopped_task, addr, data);
	case PTRACE_GETREGS:
		return lx_ptrace_getregs(c->stopped_task, data);
	case PTRACE_SETREGS:
		return lx_ptrace_setregs(c->stopped_task, data);
	}
	/*
	 * Requests Linux 6.12 has on x86-64 (GETFPREGS, SINGLESTEP,
	 * SYSCALL, SETOPTIONS, SEIZE, GETSIGINFO...): named; unknown ones are
	 * EIO without a word, as Linux answers them.
	 */
	if ((req >= 3 && req <= 31 && req != 10 && req != 11) || (req >= 0x4200 && req <= 0x4214))
		return lx_refuse("ptrace request", -LX_EIO, "ptrace request %#llx", req);
	return -LX_EIO;
}
