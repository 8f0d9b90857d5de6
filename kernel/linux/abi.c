/*
 * The Linux ABI: what a Linux thread's task points at (<kernel/abi.h>).
 * The core kernel reaches the personality only through these hooks; each
 * lives with the part of the personality it belongs to.
 */
#include "proc.h"

const struct task_abi linux_abi = {
	.name = "linux",
	.syscall_table = linux_syscall_table,
	.nr_syscalls = LINUX_NR_SYSCALLS,
	/* MOV to FS changes the base with no system call (x86-64 TLS). */
	.fs_base_user = true,
	.first_run = linux_task_first_run,	/* threads.c: a clone's first entry */
	.exit = linux_task_exit,		/* threads.c: clear_child_tid, exit_group */
	.fault_check = linux_fault_check,	/* signals.c: a fault no handler repairs */
	.unmapped = linux_outside_region,	/* memory.c: no VMA, SEGV_MAPERR */
	.signal_filter = linux_signal_filter,	/* signals.c: stops, ptrace, default actions */
	.syscall_restart = linux_syscall_restart,	/* signals.c: -ERESTART*, EINTR */
	.sigframe_limits = linux_sigframe_limits,	/* signals.c: the low window */
	.access_ok_low = linux_access_ok_low,	/* memory.c: the low window */
};

/*
 * pkru_guard=force (kernel/linux/guards.c): PKRU is the kernel's.  The
 * same hooks behind a check of the thread's PKRU at every system call
 * (a table whose every entry is the check), fault and signal.  A process
 * gets it at exec when the guard is on, so that without it no Linux
 * thread, and no pkrulab task, pays anything.
 */
const struct task_abi linux_abi_forced = {
	.name = "linux (pkru_guard=force)",
	.syscall_table = lx_forced_syscall_table,
	.nr_syscalls = LINUX_NR_SYSCALLS,
	.fs_base_user = true,
	.pkru_owned = true,
	.first_run = lx_force_first_run,
	.exit = linux_task_exit,
	.fault_check = lx_force_fault_check,
	.unmapped = linux_outside_region,
	.signal_filter = lx_force_signal_filter,
	.syscall_restart = lx_force_syscall_restart,
	.sigframe_limits = linux_sigframe_limits,
	.access_ok_low = linux_access_ok_low,
};
