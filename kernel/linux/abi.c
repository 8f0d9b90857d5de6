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
