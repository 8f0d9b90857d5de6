; Kernel stack switching and the first entry of a task.
;
; void switch_stack(u64 *prev_ksp, u64 next_ksp)
;   Saves the callee-saved registers on the current kernel stack, stores
;   the stack pointer in *prev_ksp, loads next_ksp and returns on the next
;   task's stack.  FPU/PKRU state is the strategy's business, not this.
;
; A new task's stack is laid out by task.c so that switch_stack "returns"
; into task_trampoline, which calls task_first_run() (never returns).
;
; void enter_user(u64 rip, u64 rsp, u64 arg)   -- IRETQ to ring 3, IF=1
; void enter_user_regs(struct pt_regs *regs)   -- ring 3 with every register
;   from regs (a cloned thread's first entry), through the interrupt return

bits 64
section .text

%include "asm/entry.inc"
RFLAGS_IF equ 0x202

global switch_stack
switch_stack:
	PUSH_CALLEE_SAVED
	mov [rdi], rsp
	mov rsp, rsi
	POP_CALLEE_SAVED
	ret

extern task_first_run
global task_trampoline
task_trampoline:
	xor ebp, ebp
	call task_first_run
	ud2

global enter_user
enter_user:
	push USER_DS
	push rsi
	push RFLAGS_IF
	push USER_CS
	push rdi
	mov rdi, rdx
	xor edx, edx
	xor esi, esi
	IRET_TO_USER_CLEAN

extern isr_return
global enter_user_regs
enter_user_regs:
	mov rsp, rdi
	jmp isr_return

section .note.GNU-stack noalloc noexec nowrite progbits
