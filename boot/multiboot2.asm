; Multiboot2 header and the 32-bit entry point.
;
; GRUB (BIOS or UEFI) enters _start in 32-bit protected mode, paging off,
; EAX = multiboot2 magic, EBX = physical address of the boot information.
; We build throw-away page tables that identity-map the first 4 GiB with
; 2 MiB pages (enough to reach the kernel, the boot information and MMIO),
; switch to long mode and call kmain(magic, info).  The C code replaces
; these tables with its own as soon as it knows the memory map.

MB2_MAGIC      equ 0xe85250d6
MB2_ARCH_I386  equ 0
MB2_BOOT_MAGIC equ 0x36d76289

CR0_PG    equ 1 << 31
CR0_WP    equ 1 << 16
CR0_NE    equ 1 << 5
CR0_PE    equ 1 << 0
CR4_PAE   equ 1 << 5
EFER_MSR  equ 0xc0000080
EFER_LME  equ 1 << 8
EFER_NXE  equ 1 << 11
PTE_P     equ 1 << 0
PTE_W     equ 1 << 1
PTE_PS    equ 1 << 7

BOOT_STACK_SIZE equ 16384

section .multiboot2 align=8
mb2_header:
	dd MB2_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	; No framebuffer tag.  With one, BIOS GRUB 2.06 picks a VBE mode by
	; itself ("auto"); where that is a 256-colour palette mode (Bochs's
	; VGABIOS: 640x480x8) the palette overruns the boot information that
	; GRUB sized without it and GRUB crashes before _start (README, "Boot
	; path").  UEFI gets its framebuffer from gfxpayload=keep in grub.cfg.
	align 8
	; End tag.
	dw 0, 0
	dd 8
mb2_header_end:

section .bss align=4096
global boot_pml4			; arch/x86/trampoline.asm: the APs' way in
boot_pml4:	resb 4096
boot_pdpt:	resb 4096
boot_pd:	resb 4096 * 4
boot_stack:	resb BOOT_STACK_SIZE
boot_stack_top:

section .data
align 8
boot_gdt:
	dq 0
	dq 0x00af9a000000ffff		; 0x08: 64-bit ring-0 code
	dq 0x00cf92000000ffff		; 0x10: ring-0 data
boot_gdt_end:
boot_gdt_desc:
	dw boot_gdt_end - boot_gdt - 1
	dd boot_gdt
	dd 0

saved_magic: dd 0
saved_info:  dd 0

section .text.boot
bits 32
global _start
_start:
	cli
	cld
	mov esp, boot_stack_top
	mov [saved_magic], eax
	mov [saved_info], ebx

	; Long mode must exist; without it print on the VGA text screen and stop.
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz .no_long_mode

	; PML4[0] -> PDPT, PDPT[0..3] -> four page directories of 2 MiB pages.
	mov eax, boot_pdpt
	or eax, PTE_P | PTE_W
	mov [boot_pml4], eax
	mov ecx, 0
.fill_pdpt:
	mov eax, ecx
	shl eax, 12
	add eax, boot_pd
	or eax, PTE_P | PTE_W
	mov [boot_pdpt + ecx * 8], eax
	inc ecx
	cmp ecx, 4
	jb .fill_pdpt

	mov ecx, 0
.fill_pd:
	mov eax, ecx
	shl eax, 21
	or eax, PTE_P | PTE_W | PTE_PS
	mov [boot_pd + ecx * 8], eax
	mov eax, ecx
	shr eax, 11			; high dword: bits 32+ of the address
	mov [boot_pd + ecx * 8 + 4], eax
	inc ecx
	cmp ecx, 2048
	jb .fill_pd

	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, boot_pml4
	mov cr3, eax
	mov ecx, EFER_MSR
	rdmsr
	or eax, EFER_LME
	wrmsr
	mov eax, cr0
	or eax, CR0_PG | CR0_PE | CR0_WP | CR0_NE
	mov cr0, eax

	lgdt [boot_gdt_desc]
	jmp 0x08:long_mode_entry

.no_long_mode:
	mov esi, no_lm_msg
	mov edi, 0xb8000
.print:
	lodsb
	test al, al
	jz .halt
	mov ah, 0x4f
	stosw
	jmp .print
.halt:
	hlt
	jmp .halt

no_lm_msg: db "pkrulab: this CPU has no long mode (x86-64); stopping.", 0

bits 64
extern kmain
long_mode_entry:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor ax, ax
	mov fs, ax
	mov gs, ax
	mov rsp, boot_stack_top
	xor ebp, ebp
	mov edi, [saved_magic]
	mov esi, [saved_info]
	call kmain
.dead:
	cli
	hlt
	jmp .dead

global boot_stack_top

section .note.GNU-stack noalloc noexec nowrite progbits
