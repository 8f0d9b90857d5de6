/*
 * The way back to user mode.  Every return to ring 3 -- the SYSCALL exit,
 * an interrupt or exception that came from ring 3, a task's first entry --
 * checks the task's work word (exit_to_user_mode() in kernel/task.h, the
 * SYSCALL exit in arch/x86/syscall_entry.asm) and, when it is not 0, comes
 * here, so that what must happen before user code runs again happens in
 * one place.
 */
#include <kernel/signal.h>
#include <kernel/strategy/strategy.h>
#include <kernel/task.h>

void exit_to_user_mode_work(struct pt_regs *regs)
{
	struct task *t = current;

	if (t->work & TASK_WORK_FPU_LOAD) {
		t->work &= ~TASK_WORK_FPU_LOAD;
		strategy->return_to_user(t);
	}
	if (regs && (t->work & TASK_WORK_SIGNAL))
		signal_deliver_pending(regs);

}
