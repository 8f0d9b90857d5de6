/*
 * pkru_guard= for the Linux personality (issue 23): the checks of the
 * guards that live in Linux system calls.  Each is declared once here (or,
 * for the signal guards, in kernel/signal_frame.c) and asked through
 * pkru_guard_on(), which an injected bug (inject=no_guard_NAME) can turn
 * off.  None of them is on a hot path: the callers are mprotect, munmap,
 * mmap MAP_FIXED, madvise, pkey_free and ptrace, and each tests the guard
 * word once before calling in here.
 *  - rekey: a page whose key the caller's PKRU denies writing (AD or WD)
 *    may not have its protection or key changed, be unmapped, be mapped
 *    over or discarded: EACCES.  Linux's execute-only key is the kernel's
 *    and exempt.
 *  - pkey_free: a key that still tags a page of the process is EBUSY.
 *  - ptrace: PEEK/POKE of a page whose key the tracer's own PKRU denies
 *    (AD; AD or WD for a poke) is EIO; a SETREGSET that would open a key
 *    for the tracee that both the tracee and the tracer deny is EPERM.
 *  - force: PKRU is the kernel's, as OpenBSD keeps it (below).
 */
#include <asm/pgtable.h>
#include <kernel/params.h>
#include <kernel/strategy/strategy.h>
#include <kernel/console.h>
#include <kernel/string.h>
#include "proc.h"

#define PKRU_KEY_BITS(k)	(3u << (2 * (k)))

static u32 key_of(pte_t e) { return (e & PTE_PKEY_MASK) >> PTE_PKEY_SHIFT; }

/* Is a page of [addr, addr+len) under a key the caller's PKRU denies writing? */
bool lx_guard_rekey_denied(u64 addr, u64 len)
{
	u32 pkru = strategy->get_pkru(current);
	int xo = lx_current()->exec_only_pkey;

	for (u64 a = addr & ~(PAGE_SIZE - 1); a < addr + len && a >= (addr & ~(PAGE_SIZE - 1));
	     a += PAGE_SIZE) {
		pte_t *e = lookup_pte(a);
		u32 k;

		if (!e || !(*e & PTE_P))
			continue;
		k = key_of(*e);
		if ((int)k != xo && (pkru & PKRU_KEY_BITS(k)))
			return true;
	}
	return false;
}

static bool table_has_key(pte_t *t, int level, u32 pkey, int lo, int hi)
{
	for (int i = lo; i < hi; i++) {
		pte_t e = t[i];

		if (!(e & PTE_P))
			continue;
		if (level == 1 || (e & PTE_PS)) {
			if (key_of(e) == pkey)
				return true;
			continue;
		}
		if (table_has_key((pte_t *)(e & PTE_ADDR_MASK), level - 1, pkey, 0, 512))
			return true;
	}
	return false;
}

/* Does a page of the current process (its region, its low window) carry pkey? */
bool lx_guard_key_in_use(u32 pkey)
{
	struct linux_proc *p = lx_current();

	if (table_has_key((pte_t *)p->root, 4, pkey, (int)(LINUX_USER_LO >> 39),
			  (int)(LINUX_USER_HI >> 39)))
		return true;
	for (u64 a = LINUX_EXEC_LO; p->low_window && a < LINUX_EXEC_HI; a += PAGE_SIZE) {
		pte_t *e = lookup_pte(a);

		if (e && (*e & PTE_P) && key_of(*e) == pkey)
			return true;
	}
	return false;
}

/* May the tracer (current) peek or poke the tracee's page at va? */
bool lx_guard_ptrace_access_ok(struct linux_proc *c, u64 va, bool write)
{
	pte_t *e = lookup_pte_in((pte_t *)c->root, va & ~(PAGE_SIZE - 1));
	u32 pkru = strategy->get_pkru(current), k;

	if (!e)
		return true;	/* unmapped: the access itself says EIO */
	k = key_of(*e);
	return !(pkru & (write ? PKRU_KEY_BITS(k) : (1u << (2 * k))));
}

/*
 * May SETREGSET give the tracee PKRU want?  Not if it opens (clears the
 * AD or WD bit of) a key that both the tracee's PKRU and the tracer's deny.
 */
bool lx_guard_ptrace_pkru_ok(struct task *tracee, u32 want)
{
	u32 opened = strategy->get_pkru(tracee) & ~want;

	return !(opened & strategy->get_pkru(current));
}

/*
 * pkru_guard=force.  Each thread has the PKRU the kernel last gave it
 * (owned_pkru): at exec and clone (its first entry), at the end of every
 * system call (pkey_alloc's init_val, rt_sigreturn, a tracer's SETREGSET
 * while it slept), after a signal frame is written (the handler's PKRU).
 * At every system call, fault and signal delivery the live PKRU must
 * still be that one: a change made in ring 3 (WRPKRU, XRSTOR with RFBM
 * bit 9) kills the process.  rt_sigreturn itself may not change it either
 * (kernel/signal_frame.c): a frame whose PKRU differs from the one saved
 * at delivery is such a change.  What it cannot see: a change undone
 * before the next kernel entry (XRSTOR there and back), and a timer tick
 * that only preempts (no check on that path).  linux_abi_forced carries
 * these hooks; a process gets it at exec only while the guard is on.
 */
/*
 * A thread gets the forced ABI while the guard is on, and only where the
 * design switches PKRU: under unmanaged nobody does, the live PKRU is any
 * task's, and the kernel could not tell a ring-3 change from a switch.
 */
const struct task_abi *lx_abi_of_new_thread(void)
{
	return pkru_guard_on(PKRU_GUARD_FORCE) && strategy->switches_pkru ? &linux_abi_forced :
									    &linux_abi;
}

static __noreturn __attribute__((noinline, cold)) void force_kill(u32 live, const char *where)
{
	char why[112];

	snprintf(why, sizeof(why), "pkru_guard=force: PKRU %#x, the kernel's is %#x (changed in "
		 "ring 3, found at %s)", live, lx_thread(current)->owned_pkru, where);
	diag("[%s] linux: %s: the process is killed", lx_current()->prog->name, why);
	task_exit(TASK_EXIT_SIGNALLED(SIGKILL), why);
}

void lx_force_check(const char *where)
{
	u32 live = strategy->get_pkru(current);

	if (live != lx_thread(current)->owned_pkru)
		force_kill(live, where);
}

void lx_force_own(void)
{
	struct linux_thread *th = lx_thread(current);

	th->owned_pkru = strategy->get_pkru(current);
	th->owned_delivered = current->sig.delivered;
}

/* Every entry of linux_abi_forced's table: the check, the call, the new PKRU. */
static long lx_sys_forced(struct pt_regs *r)
{
	long rc;

	lx_force_check("a system call");
	rc = linux_syscall_table[r->error_code](r);
	lx_force_own();
	return rc;
}

long (*const lx_forced_syscall_table[LINUX_NR_SYSCALLS])(struct pt_regs *) = {
	[0 ... LINUX_NR_SYSCALLS - 1] = lx_sys_forced,
};

void lx_force_first_run(struct task *t)
{
	lx_force_own();
	linux_task_first_run(t);
}

bool lx_force_fault_check(struct pt_regs *regs, u64 addr)
{
	lx_force_check("a fault");
	return linux_fault_check(regs, addr);
}

/* The interrupted PKRU is checked before a stop; a tracer may change it during one. */
int lx_force_signal_filter(struct pt_regs *regs, int sig)
{
	lx_force_check("a signal");
	sig = linux_signal_filter(regs, sig);
	lx_force_own();
	return sig;
}

/* The last call of every delivery: a frame written since gives the handler's PKRU. */
void lx_force_syscall_restart(struct pt_regs *regs, bool handler, bool sa_restart)
{
	linux_syscall_restart(regs, handler, sa_restart);
	if (!handler && current->sig.delivered != lx_thread(current)->owned_delivered)
		lx_force_own();
}
