; SYSCALL entry.  SYSCALL leaves RCX = user RIP, R11 = user RFLAGS, the user
; RSP untouched and IF cleared (IA32_FMASK).  We switch to the current
; task's kernel stack (single CPU: no SWAPGS, a plain variable holds the
; top), build the same struct pt_regs as an interrupt would (vector
; VEC_SYSCALL) and leave through the common interrupt return (IRETQ), which
; also covers every odd case SYSRET would need checks for.

bits 64
section .text

%include "asm/entry.inc"
VEC_SYSCALL equ 0x100

extern syscall_dispatch
extern isr_return
extern cpu_kstack_top

global syscall_entry
syscall_entry:
	mov [rel syscall_user_rsp], rsp
	mov rsp, [rel cpu_kstack_top]
	push USER_DS
	push qword [rel syscall_user_rsp]
	push r11
	push USER_CS
	push rcx
	push 0			; error code
	push VEC_SYSCALL	; vector
	PUSH_GPRS
	cld
	mov rdi, rsp
	call syscall_dispatch
	jmp isr_return

section .bss
syscall_user_rsp: resq 1

section .note.GNU-stack noalloc noexec nowrite progbits
