/*
 * Threads of a Linux process: clone/clone3 with CLONE_VM | CLONE_THREAD |
 * CLONE_SIGHAND (what pthread_create and the pkey selftests' raw clone
 * ask for) make another pkrulab task in the same address space, starting
 * from the parent's registers with RAX = 0, its own stack and TLS, and
 * the parent's PKRU (Linux copies the FPU state, PKRU included, at clone).
 * futex WAIT blocks the thread until a WAKE, a signal (EINTR) or its
 * timeout; a thread's exit clears and wakes its clear_child_tid word;
 * exit_group or a fatal signal ends every thread of the process.  A clone
 * without CLONE_VM is fork: a new process (kernel/linux/memory.c copies
 * its memory) whose first thread starts from the parent's registers with
 * RAX = 0, with the parent's FPU registers, PKRU, handlers, mask and
 * altstack, as Linux's copy_process() gives them.
 */
#include <asm/cpu.h>
#include <kernel/console.h>
#include <kernel/fpu.h>
#include <kernel/params.h>
#include <kernel/smp.h>
#include <kernel/strategy/strategy.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include "proc.h"

#define CLONE_VM		0x00000100
#define CLONE_FS		0x00000200
#define CLONE_FILES		0x00000400
#define CLONE_SIGHAND		0x00000800
#define CLONE_PIDFD		0x00001000
#define CLONE_VFORK		0x00004000
#define CLONE_PARENT		0x00008000
#define CLONE_THREAD		0x00010000
#define CLONE_NEWNS		0x00020000
#define CLONE_SYSVSEM		0x00040000
#define CLONE_SETTLS		0x00080000
#define CLONE_PARENT_SETTID	0x00100000
#define CLONE_CHILD_CLEARTID	0x00200000
#define CLONE_DETACHED		0x00400000
#define CLONE_UNTRACED		0x00800000
#define CLONE_CHILD_SETTID	0x01000000
#define CLONE_NEWUSER		0x10000000
#define CLONE_IO		0x80000000u
#define CLONE_CLEAR_SIGHAND	0x100000000ull
#define CLONE_INTO_CGROUP	0x200000000ull
#define CSIGNAL			0x000000ff	/* the exit signal of a new process */
#define CLONE_THREAD_FLAGS	(CLONE_VM | CLONE_SIGHAND | CLONE_THREAD)
/*
 * Flags honoured because nothing here can tell them apart: no working
 * directory or umask (CLONE_FS), no System V semaphores (CLONE_SYSVSEM), no
 * I/O scheduler (CLONE_IO), no automatic tracing of children (CLONE_UNTRACED);
 * CLONE_DETACHED is ignored by Linux.
 */
#define CLONE_INERT		(CLONE_FS | CLONE_SYSVSEM | CLONE_IO | CLONE_UNTRACED | CLONE_DETACHED)
#define CLONE_FORK_FLAGS	(CSIGNAL | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | \
				 CLONE_CHILD_CLEARTID | CLONE_SETTLS | CLONE_INERT)
#define CLONE_THREAD_OK		(CLONE_THREAD_FLAGS | CLONE_FILES | CLONE_SETTLS | \
				 CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | \
				 CLONE_INERT | CSIGNAL)	/* a thread's exit signal: ignored */

#define FUTEX_WAIT		0
#define FUTEX_WAKE		1
#define FUTEX_WAIT_BITSET	9
#define FUTEX_WAKE_BITSET	10
#define FUTEX_PRIVATE_FLAG	128
#define FUTEX_CLOCK_REALTIME	256
#define FUTEX_CMD_MASK		(~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME))
#define LX_ETIMEDOUT		110
#define NSEC_PER_SEC		1000000000ull

extern __noreturn void enter_user_regs(struct pt_regs *regs);

bool lx_same_process(const struct task *t, const struct linux_proc *p)
{
	return lx_proc(t) == p && t->state != TASK_UNUSED && t->state != TASK_DEAD;
}

int lx_thread_count(const struct linux_proc *p)
{
	int n = 0;

	for (int i = 1; i < MAX_TASKS; i++)
		n += lx_same_process(&tasks[i], p);
	return n;
}

/*
 * copy_process()'s own refusals (EINVAL, as Linux, no log line), then the
 * flags pkrulab does not implement (ENOSYS and a line naming them).
 */
static long clone_flags_check(u64 flags)
{
	u64 extra;

	if ((flags & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS) ||
	    (flags & (CLONE_NEWUSER | CLONE_FS)) == (CLONE_NEWUSER | CLONE_FS) ||
	    ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND)) ||
	    ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM)) ||
	    ((flags & CLONE_PIDFD) && (flags & CLONE_DETACHED)))
		return -LX_EINVAL;
	extra = flags & ~(u64)((flags & CLONE_VM) ? CLONE_THREAD_OK : CLONE_FORK_FLAGS);
	if (flags & CLONE_VM && (flags & CLONE_THREAD_FLAGS) != CLONE_THREAD_FLAGS)
		return lx_refuse("clone vm", -LX_ENOSYS, "clone flags %#llx (shared memory without "
				 "a shared process)", flags);
	if (extra)
		return lx_refuse("clone flags", -LX_ENOSYS, "clone flags %#llx (%s)", extra,
				 (flags & CLONE_VM) ? "with a thread" : "a new process sharing "
				 "some of its state, or in new namespaces");
	return 0;
}

/* ---- clone ------------------------------------------------------------------- */

/* fork: a new process; its first thread starts where the caller is, with RAX = 0. */
static long do_fork(struct pt_regs *r, u64 flags, u64 ptid, u64 ctid, u64 tls)
{
	struct linux_proc *c;
	struct linux_thread *th;
	struct task *t;
	long err;
	int pid;

	c = lx_fork(&t, &err);
	if (!c)
		return err;
	pid = c->pid;
	c->exit_signal = flags & CSIGNAL;
	/* The caller's live selectors and bases (ring 3 may have moved them); CLONE_SETTLS. */
	task_copy_user_segs(t);
	lx_ldt_fork(c, t);		/* its own copy of the LDT (lx_fork) */
	if (flags & CLONE_SETTLS)
		t->fs_base = tls;
	memcpy(t->sig.action, current->sig.action, sizeof(t->sig.action));
	t->sig.blocked = current->sig.blocked;
	t->sig.altstack_sp = current->sig.altstack_sp;
	t->sig.altstack_size = current->sig.altstack_size;
	t->sig.altstack_flags = current->sig.altstack_flags;
	/* pkrulab's sigreturn surveillance goes on counting: its log stays at the first few. */
	t->sig.frame_pkru_changes = current->sig.frame_pkru_changes;
	/* The registers are the caller's (it came from ring 3): they become the child's image. */
	fpu_save(t->xsave, fpu_xfeatures());
	if (pke_enabled())
		strategy->set_pkru(t, strategy->get_pkru(current));

	th = &c->thr[t->id];
	th->start = *r;
	th->start.rax = 0;
	th->start_from_regs = true;
	if (flags & CLONE_CHILD_CLEARTID)
		th->clear_child_tid = ctid;
	/* The child's copy of the word, written before it runs (Linux: schedule_tail). */
	if (flags & CLONE_CHILD_SETTID)
		lx_access_remote(c, ctid, &pid, sizeof(pid), true);
	if ((flags & CLONE_PARENT_SETTID) && copy_to_user(ptid, &pid, sizeof(pid)))
		return -LX_EFAULT;	/* Linux, too, has the child by then */
	return pid;
}

static long do_clone(struct pt_regs *r, u64 flags, u64 stack, u64 ptid, u64 ctid, u64 tls)
{
	struct linux_proc *p = lx_current();
	struct linux_thread *th;
	struct task *t;
	long err;
	u32 tid;

	if ((err = clone_flags_check(flags)))
		return err;
	if ((flags & CLONE_SETTLS) && tls >= LINUX_TASK_SIZE)
		return -LX_EPERM;
	if (!(flags & CLONE_VM))
		return do_fork(r, flags, ptid, ctid, tls);
	t = lx_task_create(p, 0);
	if (!t)
		return -LX_EAGAIN;	/* pkrulab's task table is full */
	tid = p->thr[t->id].tid;
	task_copy_user_segs(t);		/* the same LDT: the same process */
	if (flags & CLONE_SETTLS)
		t->fs_base = tls;
	/* CLONE_SIGHAND: the same handlers; the mask is inherited. */
	memcpy(t->sig.action, current->sig.action, sizeof(t->sig.action));
	t->sig.blocked = current->sig.blocked;
	if (pke_enabled())
		strategy->set_pkru(t, strategy->get_pkru(current));

	th = &p->thr[t->id];
	th->start = *r;
	th->start.rax = 0;
	if (stack)
		th->start.rsp = stack;
	th->start_from_regs = true;
	if (flags & CLONE_CHILD_CLEARTID)
		th->clear_child_tid = ctid;
	if (((flags & CLONE_PARENT_SETTID) && copy_to_user(ptid, &tid, sizeof(tid))) ||
	    ((flags & CLONE_CHILD_SETTID) && copy_to_user(ctid, &tid, sizeof(tid)))) {
		t->state = TASK_UNUSED;
		return -LX_EFAULT;
	}
	return tid;
}

long sys_fork(struct pt_regs *r) { return do_fork(r, LINUX_SIGCHLD, 0, 0, 0); }

long sys_clone(struct pt_regs *r)
{
	/* x86-64 order: flags, stack, parent_tid, child_tid, tls */
	return do_clone(r, r->rdi, r->rsi, r->rdx, r->r10, r->r8);
}

/* struct clone_args (include/uapi/linux/sched.h), CLONE_ARGS_SIZE_VER2. */
struct clone_args {
	u64 flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	u64 set_tid, set_tid_size, cgroup;
};

/* copy_clone_args_from_user() and clone3_args_valid(), then clone. */
long sys_clone3(struct pt_regs *r)
{
	struct clone_args ca;
	u64 size = r->rsi, n = size < sizeof(ca) ? size : sizeof(ca);
	u8 b;

	memset(&ca, 0, sizeof(ca));
	if (size < 64)				/* CLONE_ARGS_SIZE_VER0 */
		return -LX_EINVAL;
	if (size > PAGE_SIZE)
		return -LX_E2BIG;
	if (copy_from_user(&ca, r->rdi, n))
		return -LX_EFAULT;
	for (u64 i = sizeof(ca); i < size; i++) {	/* a newer struct: its tail must be 0 */
		if (copy_from_user(&b, r->rdi + i, 1))
			return -LX_EFAULT;
		if (b)
			return -LX_E2BIG;
	}
	if ((ca.exit_signal & ~(u64)CSIGNAL) || ca.exit_signal > 64 ||
	    ca.set_tid_size > 32 || (!ca.set_tid && ca.set_tid_size) ||
	    (ca.set_tid && !ca.set_tid_size))
		return -LX_EINVAL;
	if (ca.flags & ~(u64)(0xffffffffull | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP) ||
	    (ca.flags & (CLONE_DETACHED | CSIGNAL)) ||
	    ((ca.flags & (CLONE_THREAD | CLONE_PARENT)) && ca.exit_signal) ||
	    (!ca.stack && ca.stack_size) || (ca.stack && !ca.stack_size))
		return -LX_EINVAL;
	if (ca.flags & (CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP))
		return lx_refuse("clone3 flags", -LX_ENOSYS, "clone3 flags %#llx",
				 ca.flags & (CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP));
	if (ca.set_tid_size)
		return lx_refuse("clone3 set_tid", -LX_ENOSYS, "clone3 set_tid (chosen pids)");
	return do_clone(r, ca.flags | ca.exit_signal, ca.stack ? ca.stack + ca.stack_size : 0,
			ca.parent_tid, ca.child_tid, ca.tls);
}

void linux_task_first_run(struct task *t)
{
	struct linux_thread *th = &lx_proc(t)->thr[t->id];
	struct pt_regs regs;

	if (!th->start_from_regs)
		return;
	th->start_from_regs = false;
	/* The frame the interrupt return pops: below every live frame of this stack. */
	regs = th->start;
	exit_to_user_mode(&regs);
	smp_first_entry_to_user();
	enter_user_regs(&regs);
}

/* ---- futex --------------------------------------------------------------------- */

/*
 * A futex is its word's frame: a shared one (no FUTEX_PRIVATE_FLAG) wakes
 * waiters of any process that maps that frame (MAP_SHARED across fork), a
 * private one only the caller's own threads (Linux keys it by mm and
 * address).  0 if uaddr is not mapped.
 */
static u64 futex_key(u64 uaddr, bool private)
{
	pte_t *pte;

	if (private)
		return uaddr;		/* with the process: Linux keys it by mm, never looks */
	pte = lookup_pte(uaddr);

	return pte && (*pte & PTE_P) ? (*pte & PTE_ADDR_MASK) | (uaddr & (PAGE_SIZE - 1)) : 0;
}

static long futex_wake(struct linux_proc *p, u64 uaddr, u32 n, u32 bitset, bool private)
{
	u64 key = futex_key(uaddr, private);
	long woken = 0;

	if (!key)
		return -LX_EFAULT;
	/* Linux's futex_wake() counts after it wakes: nr_wake 0 wakes one. */
	if (!n)
		n = 1;
	for (int i = 1; i < MAX_TASKS && (u32)woken < n; i++) {
		struct linux_thread *th;

		if (!lx_proc(&tasks[i]) || tasks[i].state == TASK_UNUSED || tasks[i].state == TASK_DEAD)
			continue;
		th = &lx_proc(&tasks[i])->thr[i];
		if (!th->futex_uaddr || th->futex_key != key || !(th->futex_bitset & bitset) ||
		    th->futex_private != private || (private && lx_proc(&tasks[i]) != p))
			continue;
		th->futex_uaddr = 0;
		th->futex_woken = true;
		if (tasks[i].state == TASK_SLEEPING)
			task_wake(&tasks[i]);
		woken++;
	}
	return woken;
}

/* Timer ticks until a timeout (relative, or absolute on the clock_gettime clock). */
long lx_timeout_ticks(u64 uts, bool absolute, u64 *ticks)
{
	u64 ts[2], hz = kargs.timer_hz ? kargs.timer_hz : 1000, ns, now;

	if (copy_from_user(ts, uts, sizeof(ts)))
		return -LX_EFAULT;
	if ((long)ts[0] < 0 || ts[1] >= NSEC_PER_SEC)
		return -LX_EINVAL;	/* timespec64_valid() */
	ns = ts[0] * NSEC_PER_SEC + ts[1];
	now = jiffies * (NSEC_PER_SEC / hz);
	if (absolute)
		ns = ns > now ? ns - now : 0;
	*ticks = ns / (NSEC_PER_SEC / hz) + 1;
	return 0;
}

static long futex_wait(struct linux_proc *p, u64 uaddr, u32 val, u64 uts, bool absolute,
		       u32 bitset, bool private)
{
	struct linux_thread *th = &p->thr[current->id];
	u64 ticks = 0;
	long err;
	u32 v;

	/* get_user with the caller's PKRU: a key-denied word is EFAULT. */
	if (copy_from_user(&v, uaddr, sizeof(v)))
		return -LX_EFAULT;
	if (v != val)
		return -LX_EAGAIN;
	if (uts && (err = lx_timeout_ticks(uts, absolute, &ticks)))
		return err;
	th->futex_uaddr = uaddr;
	th->futex_key = futex_key(uaddr, private);
	th->futex_bitset = bitset;
	th->futex_private = private;
	th->futex_woken = false;
	current->wake_tick = uts ? jiffies + ticks : ~0ull;
	current->state = TASK_SLEEPING;
	schedule();
	th->futex_uaddr = 0;
	if (th->futex_woken)
		return 0;
	if (current->sig.pending & ~current->sig.blocked)
		return -LX_EINTR;
	return uts ? -LX_ETIMEDOUT : 0;
}

long sys_futex(struct pt_regs *r)
{
	struct linux_proc *p = lx_current();
	u64 op = (u32)r->rsi, cmd = op & FUTEX_CMD_MASK;
	bool private = op & FUTEX_PRIVATE_FLAG;
	u32 bitset = (u32)r->r9;
	static const char *const names[] = {
		[2] = "FUTEX_FD", [3] = "FUTEX_REQUEUE", [4] = "FUTEX_CMP_REQUEUE",
		[5] = "FUTEX_WAKE_OP", [6] = "FUTEX_LOCK_PI", [7] = "FUTEX_UNLOCK_PI",
		[8] = "FUTEX_TRYLOCK_PI", [11] = "FUTEX_WAIT_REQUEUE_PI",
		[12] = "FUTEX_CMP_REQUEUE_PI", [13] = "FUTEX_LOCK_PI2",
	};

	/* FUTEX_CLOCK_REALTIME: only the absolute waits take a clock (every clock is the tick). */
	if ((op & FUTEX_CLOCK_REALTIME) && cmd != FUTEX_WAIT_BITSET && cmd != 11 && cmd != 13)
		return -LX_ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAKE:
		bitset = ~0u;
		break;
	case FUTEX_WAIT_BITSET:
	case FUTEX_WAKE_BITSET:
		if (!bitset)
			return -LX_EINVAL;
		break;
	default:
		/* FUTEX_FD is gone from Linux too; the rest it has. */
		if (cmd < ARRAY_SIZE(names) && names[cmd] && cmd != 2)
			return lx_refuse(names[cmd], -LX_ENOSYS, "futex op %s", names[cmd]);
		return -LX_ENOSYS;
	}
	if (r->rdi & 3)
		return -LX_EINVAL;	/* an unaligned word */
	if (cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET)
		return futex_wait(p, r->rdi, (u32)r->rdx, r->r10, cmd == FUTEX_WAIT_BITSET, bitset,
				  private);
	return futex_wake(p, r->rdi, (u32)r->rdx, bitset, private);
}

/* ---- exit ------------------------------------------------------------------------ */

void linux_task_exit(struct task *t)
{
	struct linux_proc *p = lx_proc(t);
	struct linux_thread *th = &p->thr[t->id];
	u32 zero = 0;
	bool last = true;

	/* A fatal signal in any thread ends the whole process with it. */
	if (t->exit_code < 0 && !p->group_exit) {
		p->group_exit = true;
		p->group_exit_code = t->exit_code;
		snprintf(p->group_exit_reason, sizeof(p->group_exit_reason), "%s", t->exit_reason);
	}
	p->last_exit_code = t->exit_code;
	if (p->group_exit)
		lx_kill_threads(p, "the process exited (exit_group or a fatal signal)");
	/* A shared wake, as Linux's mm_release() (pthread_join waits LLL_SHARED). */
	if (th->clear_child_tid && !copy_to_user(th->clear_child_tid, &zero, sizeof(zero))) {
		futex_wake(p, th->clear_child_tid, 1, ~0u, false);
	}
	th->clear_child_tid = 0;
	th->in_wait = false;
	for (int i = 1; i < MAX_TASKS; i++)
		if (&tasks[i] != t && lx_same_process(&tasks[i], p))
			last = false;
	if (last) {
		if (!p->group_exit)
			snprintf(p->group_exit_reason, sizeof(p->group_exit_reason), "%s", t->exit_reason);
		lx_proc_end(p);
	}
}

long sys_exit_thread(struct pt_regs *r)
{
	lx_console_flush(lx_current());
	task_exit((long)(r->rdi & 0xff), NULL);
}

long sys_exit_group(struct pt_regs *r)
{
	struct linux_proc *p = lx_current();

	lx_console_flush(p);
	p->group_exit = true;
	p->group_exit_code = (long)(r->rdi & 0xff);
	task_exit(p->group_exit_code, NULL);
}
