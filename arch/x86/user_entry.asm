; Run ring-3 code once and come back: the basis of the ring-3 probes.
;
; u64 user_run_asm(u64 rip, u64 rsp, u64 a0, u64 a1, u64 a2)
;   Saves the callee-saved registers and the kernel stack pointer, then
;   IRETs to rip in ring 3 with RDI/RSI/RDX = a0/a1/a2, interrupts off.  It "returns"
;   when the trap code calls user_run_return(value): after INT 0x80 from
;   the user code (value = RAX) or after an exception in ring 3.
; void user_run_return(u64 value)  -- never returns to its caller.

bits 64
section .text

%include "asm/entry.inc"
RFLAGS_FIXED equ 0x2

global user_run_asm
global user_run_return
global user_run_saved_rsp

user_run_asm:
	PUSH_CALLEE_SAVED
	mov [rel user_run_saved_rsp], rsp
	push USER_DS
	push rsi
	push RFLAGS_FIXED
	push USER_CS
	push rdi
	mov rdi, rdx
	mov rsi, rcx
	mov rdx, r8
	IRET_TO_USER_CLEAN

user_run_return:
	mov rax, rdi
	mov rsp, [rel user_run_saved_rsp]
	mov qword [rel user_run_saved_rsp], 0
	mov dx, KERNEL_DS
	mov ds, dx
	mov es, dx
	POP_CALLEE_SAVED
	ret

; Call a target that may fault on its first instruction fetch.  The trap
; handler recognises probe_exec_target and emulates the RET.
extern probe_exec_target
global safe_call_asm
safe_call_asm:
	mov [rel probe_exec_target], rdi
	call rdi
	mov qword [rel probe_exec_target], 0
	ret

section .bss
align 8
user_run_saved_rsp: resq 1

section .note.GNU-stack noalloc noexec nowrite progbits
