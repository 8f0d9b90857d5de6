/*
 * ptrace's view of a stopped tracee's general registers: PEEKUSER and
 * POKEUSER on the user_regs_struct part of struct user, GETREGS and
 * SETREGS (arch/x86/kernel/ptrace.c getreg()/putreg() in Linux 6.12).
 * The tracee is switched out, so its ring-3 registers are the pt_regs at
 * the top of its kernel stack and its selectors and FS/GS bases are what
 * the scheduler saved (kernel/sched.c); writes go there and take effect
 * when it runs again.  Selectors must be null or RPL 3 (else EIO), CS and
 * SS not null; bases below the user limit; RFLAGS only the bits ring 3
 * may set.  A selector that names nothing loads as null on the way back
 * (the scheduler's loads are fault-safe); a bad CS or SS faults at IRET
 * and is a SIGSEGV, as on Linux.
 */
#include <kernel/sigframe.h>
#include <kernel/task.h>
#include <kernel/uaccess.h>
#include "proc.h"

/* struct user_regs_struct (arch/x86/include/asm/user_64.h), in words. */
enum user_reg {
	UR_R15, UR_R14, UR_R13, UR_R12, UR_RBP, UR_RBX, UR_R11, UR_R10, UR_R9, UR_R8,
	UR_RAX, UR_RCX, UR_RDX, UR_RSI, UR_RDI, UR_ORIG_RAX, UR_RIP, UR_CS, UR_EFLAGS,
	UR_RSP, UR_SS, UR_FS_BASE, UR_GS_BASE, UR_DS, UR_ES, UR_FS, UR_GS, UR_NREGS
};

/* The general registers in pt_regs, by user_regs_struct slot (NULL: not there). */
static u64 *pt_reg_slot(struct pt_regs *r, enum user_reg i)
{
	u64 *const slots[UR_NREGS] = {
		[UR_R15] = &r->r15, [UR_R14] = &r->r14, [UR_R13] = &r->r13, [UR_R12] = &r->r12,
		[UR_RBP] = &r->rbp, [UR_RBX] = &r->rbx, [UR_R11] = &r->r11, [UR_R10] = &r->r10,
		[UR_R9] = &r->r9, [UR_R8] = &r->r8, [UR_RAX] = &r->rax, [UR_RCX] = &r->rcx,
		[UR_RDX] = &r->rdx, [UR_RSI] = &r->rsi, [UR_RDI] = &r->rdi,
		[UR_ORIG_RAX] = &r->error_code, [UR_RIP] = &r->rip, [UR_CS] = &r->cs,
		[UR_EFLAGS] = &r->rflags, [UR_RSP] = &r->rsp, [UR_SS] = &r->ss,
	};

	return slots[i];
}

static u16 *sel_slot(struct task *t, enum user_reg i)
{
	switch (i) {
	case UR_DS: return &t->sel.ds;
	case UR_ES: return &t->sel.es;
	case UR_FS: return &t->sel.fs;
	case UR_GS: return &t->sel.gs;
	default: return NULL;
	}
}

static inline struct pt_regs *tracee_regs(struct task *t)
{
	return (struct pt_regs *)t->kstack_top - 1;
}

static u64 getreg(struct task *t, enum user_reg i)
{
	u16 *sel = sel_slot(t, i);

	if (i == UR_FS_BASE)
		return t->fs_base;
	if (i == UR_GS_BASE)
		return t->gs_base;
	if (sel)
		return *sel;
	return *pt_reg_slot(tracee_regs(t), i);
}

/* Linux's invalid_selector(): neither null nor RPL 3. */
static bool bad_selector(u64 v)
{
	return v > 0xffff || (v && (v & SEGMENT_RPL_MASK) != 3);
}

static long putreg(struct task *t, enum user_reg i, u64 v)
{
	struct pt_regs *r = tracee_regs(t);
	u16 *sel = sel_slot(t, i);

	switch (i) {
	case UR_FS_BASE:
	case UR_GS_BASE:
		if (v >= LINUX_TASK_SIZE)
			return -LX_EIO;
		*(i == UR_FS_BASE ? &t->fs_base : &t->gs_base) = v;
		return 0;
	case UR_CS:
	case UR_SS:
		if (!v || bad_selector(v))
			return -LX_EIO;
		*pt_reg_slot(r, i) = v;
		return 0;
	case UR_EFLAGS:
		r->rflags = sigframe_sanitize_rflags(v, r->rflags);
		return 0;
	default:
		break;
	}
	if (sel) {
		if (bad_selector(v))
			return -LX_EIO;
		*sel = v;
		return 0;
	}
	*pt_reg_slot(r, i) = v;
	return 0;
}

long lx_ptrace_peekuser(struct task *t, u64 off, u64 udata)
{
	u64 v = 0;

	if (off & 7 || off >= LX_SIZEOF_STRUCT_USER)
		return -LX_EIO;
	if (off < UR_NREGS * 8)
		v = getreg(t, off / 8);
	/* The rest of struct user (u_debugreg included) reads as 0 here. */
	return copy_to_user(udata, &v, sizeof(v)) ? -LX_EFAULT : 0;
}

long lx_ptrace_pokeuser(struct task *t, u64 off, u64 v)
{
	if (off & 7 || off >= LX_SIZEOF_STRUCT_USER)
		return -LX_EIO;
	if (off < UR_NREGS * 8)
		return putreg(t, off / 8, v);
	return lx_refuse("ptrace POKEUSER", -LX_EIO, "ptrace POKEUSER beyond the registers");
}

long lx_ptrace_getregs(struct task *t, u64 udata)
{
	u64 regs[UR_NREGS];

	for (int i = 0; i < UR_NREGS; i++)
		regs[i] = getreg(t, i);
	return copy_to_user(udata, regs, sizeof(regs)) ? -LX_EFAULT : 0;
}

/* Linux checks and writes slot by slot; a bad one stops there with EIO. */
long lx_ptrace_setregs(struct task *t, u64 udata)
{
	u64 regs[UR_NREGS];
	long err;

	if (copy_from_user(regs, udata, sizeof(regs)))
		return -LX_EFAULT;
	for (int i = 0; i < UR_NREGS; i++)
		if ((err = putreg(t, i, regs[i])))
			return err;
	return 0;
}
