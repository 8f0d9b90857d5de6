/*
 * System calls.  Arguments arrive in RDI, RSI, RDX (the pt_regs built by
 * arch/x86/syscall_entry.asm); the result goes back in RAX.  Every user
 * pointer goes through copy_from_user()/copy_to_user(): a bad one is
 * -EFAULT, never a kernel fault.
 */
#include <asm/desc.h>
#include <asm/pgtable.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <kernel/abi.h>
#include <kernel/console.h>
#include <kernel/fpu.h>
#include <kernel/signal.h>
#include <kernel/smp.h>
#include <kernel/strategy/strategy.h>
#include <kernel/syscall.h>
#include <kernel/task.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>

#define WRITE_MAX 256
#define COPY_MAX  4096

extern void syscall_entry(void);
extern void syscall32_entry(void);

static long sys_null(struct pt_regs *r) { return 0; }

static long sys_yield(struct pt_regs *r)
{
	schedule();
	return 0;
}

static long sys_exit(struct pt_regs *r) { task_exit((long)r->rdi, NULL); }

static long sys_write(struct pt_regs *r)
{
	char buf[WRITE_MAX];
	u64 len = r->rsi;

	if (len > sizeof(buf))
		len = sizeof(buf);
	if (copy_from_user(buf, r->rdi, len))
		return -EFAULT;
	printk("# [%s] %.*s\n", current->name, (int)len, buf);
	return len;
}

static long sys_get_pkru(struct pt_regs *r) { return strategy->get_pkru(current); }

static long sys_set_pkru(struct pt_regs *r)
{
	strategy->set_pkru(current, (u32)r->rdi);
	return 0;
}

static long sys_fpu_reset(struct pt_regs *r)
{
	strategy->fpu_reset(current);
	return 0;
}

static long sys_copy_from_user(struct pt_regs *r)
{
	static u8 kbuf[COPY_MAX];
	u64 len = r->rsi, sum = 0;

	if (len > sizeof(kbuf))
		return -EINVAL;
	if (copy_from_user(kbuf, r->rdi, len))
		return -EFAULT;
	for (u64 i = 0; i < len; i++)
		sum += kbuf[i];
	return sum;
}

/*
 * Like clock_nanosleep() writing the remaining time: the kernel writes to
 * the task's memory after the task has been switched back in, before it
 * returns to user mode.
 */
static long sys_sleep(struct pt_regs *r)
{
	u64 now;

	if (r->rsi && !access_ok(r->rsi, sizeof(u64)))
		return -EFAULT;
	sleep_ticks(r->rdi);
	now = jiffies;
	if (r->rsi && copy_to_user(r->rsi, &now, sizeof(now)))
		return -EFAULT;
	return 0;
}

static long sys_getpid(struct pt_regs *r) { return current->id; }

/* Kernel SIMD use in the middle of a task's system call: the registers it
 * had must be what it gets back (switch.kernel_fpu). */
static long sys_kernel_fpu(struct pt_regs *r)
{
	static u8 src[PAGE_SIZE] __aligned(64), dst[PAGE_SIZE] __aligned(64);

	for (u32 i = 0; i < PAGE_SIZE; i++)
		src[i] = (u8)(i * 7 + r->rdi);
	kernel_fpu_begin();
	copy_page_simd(dst, src);
	kernel_fpu_end();
	return memcmp(dst, src, PAGE_SIZE) ? -EIO : 0;
}

/* What the smp.* scenarios need from the kernel (tests/smp/). */
static long sys_smp(struct pt_regs *r)
{
	struct task *t;
	u64 va = r->rsi & ~(u64)(PAGE_SIZE - 1);
	pte_t *pte;

	switch (r->rdi) {
	case SMPOP_GETCPU:
		return current->on_cpu;
	case SMPOP_MIGRATE:
		return r->rsi < MAX_CPUS && task_migrate((u32)r->rsi) == 0 ? 0 : -EINVAL;
	case SMPOP_SET_PKRU_OF:
		if (r->rsi == 0 || r->rsi >= MAX_TASKS)
			return -ESRCH;
		t = &tasks[r->rsi];
		if (t->state == TASK_UNUSED || t->state == TASK_DEAD || t->kthread)
			return -ESRCH;
		if (t->on_cpu != NO_CPU)
			return -EBUSY;	/* its registers are live: only a stopped task's image */
		strategy->set_pkru(t, (u32)r->rdx);
		return 0;
	case SMPOP_ONCPU:
		if (r->rsi == 0 || r->rsi >= MAX_TASKS || tasks[r->rsi].state == TASK_UNUSED)
			return -ESRCH;
		return tasks[r->rsi].on_cpu == NO_CPU ? -1 : (long)tasks[r->rsi].on_cpu;
	case SMPOP_PKEY_SET:
		pte = access_ok(va, PAGE_SIZE) ? lookup_pte(va) : NULL;
		if (!pte || !(*pte & PTE_U) || r->rdx >= NR_PKEYS)
			return -EFAULT;
		set_page_pkey(va, (int)r->rdx);	/* the shootdown included */
		return 0;
	}
	return -EINVAL;
}

/* Called by arch/x86/syscall_entry.asm with the number checked. */
static long (*const syscall_table[NR_SYSCALLS])(struct pt_regs *) = {
	[SYS_null] = sys_null,
	[SYS_yield] = sys_yield,
	[SYS_exit] = sys_exit,
	[SYS_write] = sys_write,
	[SYS_get_pkru] = sys_get_pkru,
	[SYS_set_pkru] = sys_set_pkru,
	[SYS_fpu_reset] = sys_fpu_reset,
	[SYS_copy_from_user] = sys_copy_from_user,
	[SYS_kill] = sys_kill_sig,
	[SYS_sleep] = sys_sleep,
	[SYS_getpid] = sys_getpid,
	[SYS_sigaction] = sys_sigaction,
	[SYS_sigaltstack] = sys_sigaltstack,
	[SYS_sigprocmask] = sys_sigprocmask,
	[SYS_rt_sigreturn] = sys_rt_sigreturn,
	[SYS_alarm] = sys_alarm,
	[SYS_sigstat] = sys_sigstat,
	[SYS_sigreturn_fuzz] = sys_sigreturn_fuzz,
	[SYS_kernel_fpu] = sys_kernel_fpu,
	[SYS_smp] = sys_smp,
};

/* pkrulab's own ABI, every task's by default: its system calls, no hooks. */
const struct task_abi pkrulab_abi = {
	.name = "pkrulab",
	.syscall_table = syscall_table,
	.nr_syscalls = NR_SYSCALLS,
};

void syscall_init(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	/* SYSRET base is the 32-bit user code selector; SYSCALL loads kernel CS/SS. */
	wrmsr(MSR_STAR, ((u64)GDT_USER_CS32 << 48) | ((u64)GDT_KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (u64)syscall_entry);
	/* Compatibility-mode SYSCALL: -ENOSYS, never a jump to address 0. */
	wrmsr(MSR_CSTAR, (u64)syscall32_entry);
	wrmsr(MSR_SYSCALL_MASK, X86_EFLAGS_IF | X86_EFLAGS_DF | X86_EFLAGS_TF | X86_EFLAGS_AC |
				X86_EFLAGS_NT);
}
