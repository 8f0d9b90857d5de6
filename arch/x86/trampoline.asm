; The application processors' way from real mode to long mode.
;
; An AP starts at the SIPI vector's page (CS = page >> 4, IP = 0) in real
; mode.  This code is assembled here but runs only from a copy in low
; memory (arch/x86/smp.c copies it and fills in the slots at its end), so
; every address is computed from CS at run time: the copy may be anywhere
; below 1 MiB.  It uses the boot page tables (boot/multiboot2.asm: 4 GiB
; identity-mapped, nothing no-execute, under 4 GiB as CR3 must be in
; 32-bit mode), a GDT of its own, and calls the C entry with the CPU's
; index; the C side moves to the kernel's tables, GDT, TSS and IDT.

CR0_PE    equ 1 << 0
CR0_PG    equ 1 << 31
CR4_PAE   equ 1 << 5
EFER_MSR  equ 0xc0000080
EFER_LME  equ 1 << 8

%define OFF(x) ((x) - smp_trampoline_start)

section .rodata
align 16
global smp_trampoline_start, smp_trampoline_end
global smp_tr_cr3, smp_tr_cpu, smp_tr_stack, smp_tr_entry

bits 16
smp_trampoline_start:
	cli
	cld
	mov ax, cs
	mov ds, ax
	movzx ebx, ax
	shl ebx, 4			; ebx: the copy's linear address, for good
	lea eax, [ebx + OFF(tr_gdt)]
	mov [OFF(tr_gdt_desc) + 2], eax
	lea eax, [ebx + OFF(tr_pm)]
	mov [OFF(tr_far32)], eax
	lea eax, [ebx + OFF(tr_lm)]
	mov [OFF(tr_far64)], eax
	o32 lgdt [OFF(tr_gdt_desc)]
	mov eax, cr0
	or eax, CR0_PE
	mov cr0, eax
	jmp dword far [OFF(tr_far32)]

bits 32
tr_pm:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, [ebx + OFF(smp_tr_cr3)]
	mov cr3, eax
	mov ecx, EFER_MSR
	rdmsr
	or eax, EFER_LME
	wrmsr
	mov eax, cr0
	or eax, CR0_PG
	mov cr0, eax
	jmp far [ebx + OFF(tr_far64)]

bits 64
tr_lm:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rsp, [rbx + OFF(smp_tr_stack)]
	mov edi, [rbx + OFF(smp_tr_cpu)]
	mov rax, [rbx + OFF(smp_tr_entry)]
	xor ebp, ebp
	call rax			; never returns
.dead:
	cli
	hlt
	jmp .dead

align 8
tr_gdt:
	dq 0
	dq 0x00cf9a000000ffff		; 0x08: 32-bit ring-0 code
	dq 0x00cf92000000ffff		; 0x10: ring-0 data
	dq 0x00af9a000000ffff		; 0x18: 64-bit ring-0 code
tr_gdt_desc:
	dw 4 * 8 - 1
	dd 0				; linear address: filled in at run time
tr_far32:
	dd 0
	dw 0x08
tr_far64:
	dd 0
	dw 0x18
align 8
smp_tr_stack:	dq 0			; filled in by smp.c for each AP
smp_tr_entry:	dq 0
smp_tr_cr3:	dd 0
smp_tr_cpu:	dd 0
smp_trampoline_end:

section .note.GNU-stack noalloc noexec nowrite progbits
