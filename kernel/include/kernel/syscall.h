/* System call numbers (RAX), shared by the kernel and ring-3 code. */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#define SYS_null		0	/* () -> 0 */
#define SYS_yield		1	/* () -> 0 */
#define SYS_exit		2	/* (code) */
#define SYS_write		3	/* (buf, len) -> len | -EFAULT */
#define SYS_get_pkru		4	/* () -> PKRU as the kernel keeps it */
#define SYS_set_pkru		5	/* (pkru) -> 0 */
#define SYS_fpu_reset		6	/* () -> 0: FPU state to init, PKRU kept */
#define SYS_copy_from_user	7	/* (buf, len) -> byte sum | -EFAULT */
#define SYS_kill		8	/* (task id, sig) -> 0 | -ESRCH | -EINVAL; SIGKILL kills */
#define SYS_sleep		9	/* (ticks, uptr) -> 0 | -EFAULT; writes jiffies to *uptr */
#define SYS_getpid		10	/* () -> task id */
#define SYS_sigaction		11	/* (sig, act, oldact) as Linux rt_sigaction */
#define SYS_sigaltstack		12	/* (ss, old_ss) */
#define SYS_sigprocmask		13	/* (how, set, oldset) */
#define SYS_rt_sigreturn	14	/* () from the restorer */
#define SYS_alarm		15	/* (ticks) -> SIGALRM later */
#define SYS_sigstat		16	/* (what) -> signal counters, for scenarios */
#define SYS_sigreturn_fuzz	17	/* (iterations, seed, result) from a handler */
#define SYS_kernel_fpu		18	/* (seed) -> 0 | -EIO: a SIMD page copy in the kernel */
#define SYS_smp			19	/* (op, a, b): SMPOP_* below, for smp.* */
#define NR_SYSCALLS		20

#define SMPOP_GETCPU		0	/* () -> the CPU the caller runs on */
#define SMPOP_MIGRATE		1	/* (cpu) -> 0 on cpu | -EINVAL */
#define SMPOP_SET_PKRU_OF		2	/* (task id, pkru) -> 0 | -ESRCH | -EBUSY (it is running):
					 * a kernel write to a stopped task's PKRU, as ptrace's */
#define SMPOP_PKEY_SET		3	/* (user page, key) -> 0 | -EFAULT: pkey_mprotect's PTE change */
#define SMPOP_ONCPU		4	/* (task id) -> the CPU it is on now, dead or not | -1 off
					 * every CPU | -ESRCH */

/* SYSCALL on this CPU: EFER.SCE, STAR, LSTAR, CSTAR, FMASK (kernel/syscall.c). */
void syscall_init(void);

#define SIG_BLOCK		0
#define SIG_UNBLOCK		1
#define SIG_SETMASK		2
#define SIGSTAT_FRAME_PKRU_CHANGES 0
#define SIGSTAT_DELIVERED	1
#define SIGSTAT_POLICY		2

#endif
