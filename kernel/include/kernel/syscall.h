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
#define SYS_kill		8	/* (task id) -> 0 | -ESRCH */
#define SYS_sleep		9	/* (ticks, uptr) -> 0 | -EFAULT; writes jiffies to *uptr */
#define SYS_getpid		10	/* () -> task id */
#define NR_SYSCALLS		11

#endif
