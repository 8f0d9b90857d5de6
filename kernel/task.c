/*
 * Task creation and death.  A task's kernel stack is built so that the
 * first switch_stack() to it "returns" into task_trampoline, which calls
 * task_first_run(): ring-3 tasks IRETQ to their entry, kernel-only tasks
 * call their function.  A task that faults is killed with the reason
 * printed; the kernel and the other tasks go on.
 */
#include <asm/desc.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/smp.h>
#include <asm/traps.h>
#include <asm/xstate.h>
#include <kernel/abi.h>
#include <kernel/console.h>
#include <kernel/panic.h>
#include <kernel/strategy/strategy.h>
#include <kernel/string.h>
#include <kernel/smp.h>
#include <kernel/syscall.h>
#include <kernel/task.h>

struct task tasks[MAX_TASKS];
struct task *current = &tasks[0];
int task_max_id;

static u8 kstacks[MAX_TASKS][KSTACK_SIZE] __aligned(16);
static u8 xsave_areas[MAX_TASKS][XSTATE_BUF_MAX] __aligned(64);

extern void task_trampoline(void);
extern __noreturn void enter_user(u64 rip, u64 rsp, u64 arg);

void tasks_init(void)
{
	struct task *t0 = &tasks[0];

	memset(tasks, 0, sizeof(tasks));
	task_max_id = 0;
	t0->state = TASK_RUNNABLE;
	t0->kthread = true;
	snprintf(t0->name, sizeof(t0->name), "idle");
	t0->kstack_top = NULL;	/* the boot stack */
	t0->root = paging_kernel_root();
	t0->cpu = t0->on_cpu = 0;
	t0->last_cpu = NO_CPU;
	task_set_abi(t0, &pkrulab_abi);
	current = t0;
}

static struct task *task_alloc(const char *name)
{
	for (int i = 1; i < MAX_TASKS; i++) {
		struct task *t = &tasks[i];

		if (t->state != TASK_UNUSED)
			continue;
		memset(t, 0, sizeof(*t));
		t->id = i;
		snprintf(t->name, sizeof(t->name), "%s", name);
		t->kstack_top = &kstacks[i][KSTACK_SIZE];
		t->xsave = xsave_areas[i];
		/* Callee-saved registers for switch_stack, then its return address. */
		u64 *sp = (u64 *)t->kstack_top;

		*--sp = 0;				/* alignment pad */
		*--sp = (u64)task_trampoline;
		for (int r = 0; r < 6; r++)
			*--sp = 0;
		t->ksp = (u64)sp;
		t->state = TASK_RUNNABLE;
		t->cpu = 0;
		t->on_cpu = t->last_cpu = NO_CPU;
		t->root = paging_kernel_root();
		task_set_abi(t, &pkrulab_abi);
		if (i > task_max_id)
			task_max_id = i;
		return t;
	}
	panic("too many tasks");
}

struct task *task_create_user(const char *name, u64 entry, u64 user_stack_top, u64 arg)
{
	struct task *t = task_alloc(name);

	t->uentry = entry;
	t->ustack = user_stack_top;
	t->uarg = arg;
	signal_task_init(t);
	strategy->task_init(t);
	return t;
}

struct task *task_create_kthread(const char *name, void (*fn)(void *), void *arg)
{
	struct task *t = task_alloc(name);

	t->kthread = true;
	t->kfn = fn;
	t->karg = arg;
	return t;
}

void tasks_reset(void)
{
	for (int i = 1; i < MAX_TASKS; i++)
		tasks[i].state = TASK_UNUSED;
	task_max_id = 0;
}

/* First code a new task runs, on its own kernel stack, interrupts off. */
__noreturn void task_first_run(void)
{
	struct task *t = current;

	if (t->kthread) {
		sti();
		t->kfn(t->karg);
		cli();
		task_exit(0, NULL);
	}
	if (task_abi_has(t, first_run))
		task_abi(t)->first_run(t);
	exit_to_user_mode(NULL);
	smp_first_entry_to_user();
	enter_user(t->uentry, t->ustack, t->uarg);
}

void task_exit(long code, const char *reason)
{
	cli();
	current->exit_code = code;
	if (reason)
		snprintf(current->exit_reason, sizeof(current->exit_reason), "%s", reason);
	if (task_abi_has(current, exit))
		task_abi(current)->exit(current);
	current->state = TASK_DEAD;
	schedule();
	panic("a dead task was scheduled");
}

int task_kill(int id, const char *reason)
{
	struct task *t;

	if (id <= 0 || id >= MAX_TASKS || tasks[id].state == TASK_UNUSED ||
	    tasks[id].state == TASK_DEAD)
		return -1;
	t = &tasks[id];
	if (t == current)
		task_exit(TASK_EXIT_SIGNALLED(SIGKILL), reason);
	t->exit_code = TASK_EXIT_SIGNALLED(SIGKILL);
	snprintf(t->exit_reason, sizeof(t->exit_reason), "%s", reason);
	t->state = TASK_DEAD;
	task_kick(t);		/* running on another CPU: it goes at the kick */
	return 0;
}

void task_fault(struct pt_regs *r, int sig)
{
	char why[96];

	snprintf(why, sizeof(why), "%s error=%#llx rip=%#llx", exception_name(r->vector),
		 r->error_code, r->rip);
	if (r->vector == VEC_PF) {
		char pf[48];

		pf_error_decode(r->error_code, pf, sizeof(pf));
		snprintf(why, sizeof(why), "#PF error=%#llx (%s) addr=%#llx rip=%#llx",
			 r->error_code, pf, read_cr2(), r->rip);
	}
	diag("task %s killed: %s", current->name, why);
	task_exit(TASK_EXIT_SIGNALLED(sig), why);
}
