; Interrupt and exception entry.  Every vector gets a stub that pushes a
; dummy error code where the CPU pushes none, then its vector number, so
; that trap_dispatch() always sees the same struct pt_regs layout
; (arch/x86/include/asm/ptrace.h).

bits 64
%include "asm/entry.inc"
section .text

extern trap_dispatch

%macro ISR_NOERR 1
isr_%1:
	push 0
	push %1
	jmp isr_common
%endmacro

%macro ISR_ERR 1
isr_%1:
	push %1
	jmp isr_common
%endmacro

; Vectors where the CPU pushes an error code.
%assign v 0
%rep 256
%if v == 8 || v == 10 || v == 11 || v == 12 || v == 13 || v == 14 || v == 17 || v == 21 || v == 29 || v == 30
	ISR_ERR v
%else
	ISR_NOERR v
%endif
%assign v v + 1
%endrep

isr_common:
	PUSH_GPRS
	cld
	mov rdi, rsp
	; Keep the C code's stack 16-byte aligned whatever the entry depth.
	mov rbx, rsp
	and rsp, -16
	call trap_dispatch
	mov rsp, rbx
global isr_return
isr_return:
	POP_GPRS
	add rsp, 16		; vector and error code
global isr_iret
isr_iret:			; a fault here is a bad user frame (traps.c)
	iretq

section .rodata
align 8
global isr_stub_table
isr_stub_table:
%assign v 0
%rep 256
	dq isr_ %+ v
%assign v v + 1
%endrep

section .note.GNU-stack noalloc noexec nowrite progbits
