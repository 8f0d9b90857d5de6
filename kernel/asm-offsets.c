/*
 * The C layouts and constants the NASM entry code needs (NASM cannot read
 * C headers).  Compiled to assembly only, never linked: the Makefile turns
 * each "->NAME value" marker into "NAME equ value" in
 * build/gen/asm-offsets.inc, so the asm always follows the structs.
 */
#include <stddef.h>
#include <asm/ptrace.h>
#include <asm/smp.h>
#include <asm/traps.h>
#include <kernel/syscall.h>
#include <kernel/task.h>

#define DEFINE(sym, val) asm volatile("\n.ascii \"->" #sym " %c0\"" :: "i"(val))

void asm_offsets(void);

void asm_offsets(void)
{
	DEFINE(TASK_WORK, offsetof(struct task, work));
	DEFINE(PT_RAX, offsetof(struct pt_regs, rax));
	DEFINE(VEC_SYSCALL, VEC_SYSCALL);
	DEFINE(NR_SYSCALLS, NR_SYSCALLS);
	DEFINE(C_MAX_CPUS, MAX_CPUS);
	DEFINE(TASK_SYSCALL_TABLE, offsetof(struct task, syscall_table));
	DEFINE(TASK_NR_SYSCALLS, offsetof(struct task, nr_syscalls));
}
