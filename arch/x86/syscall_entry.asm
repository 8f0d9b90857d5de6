; SYSCALL entry.  SYSCALL leaves RCX = user RIP, R11 = user RFLAGS, the user
; RSP untouched and IF cleared (IA32_FMASK, which also clears DF).  We
; switch to the current task's kernel stack (single CPU: no SWAPGS, a plain
; variable holds the top) and build the same struct pt_regs as an interrupt
; would (vector VEC_SYSCALL), so signal delivery, sigreturn and the
; scheduler see one layout.  The error-code slot keeps the number the call
; was made with, which RAX no longer holds on the way out: a restarted
; call (kernel/linux/signals.c) needs it.
;
; The handler is called straight from the table.  On the way out, when the
; task's work word is 0 (no signal pending, no deferred FPU load: the common
; case), the registers come back from pt_regs and the result stays in RAX:
; no C exit work, no store of RAX to memory.  Otherwise RAX goes into
; pt_regs and exit_to_user_mode_work() (kernel/entry.c) runs before the
; common interrupt return.
; Both leave through IRETQ, which also covers every odd case SYSRET would
; need checks for (non-canonical RCX, a changed RFLAGS, ring-3 RIP).

bits 64
section .text

%include "asm/entry.inc"
%include "asm-offsets.inc"	; TASK_WORK, TASK_SYSCALL_TABLE, TASK_NR_SYSCALLS, PT_RAX, VEC_SYSCALL
ENOSYS		equ 38

extern current
extern exit_to_user_mode_work
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
	push rax		; error code: the system-call number (Linux's orig_ax, for restarts)
	push VEC_SYSCALL	; vector
	PUSH_GPRS
	mov rdi, rsp
	; The task's personality: pkrulab's table, or Linux's (kernel/linux/).
	; The number is EAX: as Linux 6.12's do_syscall_64(regs, int nr), the
	; upper 32 bits of RAX are ignored (they stay in orig_ax), and an
	; unsigned compare sends every negative or x32 (bit 30) number to
	; -ENOSYS.  The indexed load uses 32-bit addressing so that it zero-
	; extends EAX for free: the tables are kernel rodata, linked below
	; 4 GiB (linker.ld ASSERTs it).
	mov rcx, [rel current]
	cmp eax, [rcx + TASK_NR_SYSCALLS]
	jae .enosys
	mov rcx, [rcx + TASK_SYSCALL_TABLE]
	call [ecx + eax * 8]
.done:
	mov rcx, [rel current]
	cmp dword [rcx + TASK_WORK], 0
	jne .slow
	; Fast exit: every GPR but RAX from pt_regs.
	pop r8
	pop r9
	pop r10
	pop r11
	pop r12
	pop r13
	pop r14
	pop r15
	pop rdi
	pop rsi
	pop rbp
	pop rbx
	pop rdx
	mov rcx, [rsp + 8]	; skipping rax
	add rsp, 16 + 16	; rax, rcx, vector, error code
.iret:				; a fault here is a bad user frame (traps.c)
	iretq

.slow:
	mov [rsp + PT_RAX], rax
	mov rdi, rsp
	call exit_to_user_mode_work
	jmp isr_return

	; A task whose table has no numbers at all (nr_syscalls 0) sends every
	; call, whatever RAX holds, to its table's one entry: a tracee under
	; PTRACE_SYSCALL (kernel/linux/ptrace.c), which stops before and after
	; each call and may change the number.  Other tasks pay nothing for it
	; on the way to a valid number.
.enosys:
	mov rcx, [rel current]
	cmp qword [rcx + TASK_NR_SYSCALLS], 0
	jne .nosys
	mov rcx, [rcx + TASK_SYSCALL_TABLE]
	call [rcx]
	jmp .done
.nosys:
	mov rax, -ENOSYS
	jmp .done

; SYSCALL from compatibility mode (ring 3 far-jumped to the 32-bit user
; code segment) enters through IA32_CSTAR.  pkrulab has no 32-bit system
; calls: like Linux booted without IA32 emulation, the call fails with
; -ENOSYS and SYSRET (32-bit operand size) returns to compatibility mode at
; ECX with R11's flags.  Nothing touches the stack, which is still the
; user's: interrupts are off (FMASK), and NMI, #DB, #DF and #MC run on IST
; stacks of their own.
; While tasks run on several CPUs (kernel/smp.c), each CPU's IA32_LSTAR
; holds its own stub below: the stub knows its CPU's slots for the user
; RSP and the kernel stack, so no GS base (which ring 3 owns) and no
; SWAPGS are needed.  The same pt_regs is built, and smp_syscall() takes
; the kernel lock, runs the call and the return-to-user work, and drops
; the lock; the way out is the interrupt return's.
extern smp_syscall
extern isr_return
%define MAX_CPUS 8	; <asm/smp.h>

%macro SMP_SYSCALL_STUB 1
syscall_entry_smp_%1:
	mov [rel smp_user_rsp + %1 * 8], rsp
	mov rsp, [rel cpu_kstack_top + %1 * 8]
	push USER_DS
	push qword [rel smp_user_rsp + %1 * 8]
	jmp syscall_smp_common
%endmacro

%assign c 0
%rep MAX_CPUS
	SMP_SYSCALL_STUB c
%assign c c + 1
%endrep

syscall_smp_common:
	push r11
	push USER_CS
	push rcx
	push rax		; error code: the number (orig_ax)
	push VEC_SYSCALL
	PUSH_GPRS
	mov rdi, rsp
	call smp_syscall
	jmp isr_return

global syscall32_entry
syscall32_entry:
	mov eax, -ENOSYS
	o32 sysret

global syscall_iret
syscall_iret equ syscall_entry.iret

section .rodata
align 8
global syscall_entry_smp
syscall_entry_smp:
%assign c 0
%rep MAX_CPUS
	dq syscall_entry_smp_ %+ c
%assign c c + 1
%endrep

	; <asm/smp.h>'s MAX_CPUS (asm-offsets) and this file's must agree:
	; either difference negative stops the assembler.
	times C_MAX_CPUS - MAX_CPUS db 0
	times MAX_CPUS - C_MAX_CPUS db 0

section .bss
syscall_user_rsp: resq 1
smp_user_rsp: resq MAX_CPUS

section .note.GNU-stack noalloc noexec nowrite progbits
