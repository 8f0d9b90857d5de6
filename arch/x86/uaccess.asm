; Copies between kernel and user memory that survive faults.
;
; u64 copy_user_raw(void *dst, const void *src, u64 n)
;   Returns the number of bytes NOT copied: 0 on success.  A #PF (a
;   missing page, or a protection-key denial: the kernel's accesses to user
;   pages obey PKRU) inside REP MOVSB lands on the fixup with RCX = bytes
;   left, through the .ex_table entry below.

bits 64
section .text

global copy_user_raw
copy_user_raw:
	mov rcx, rdx
copy_user_insn:
	rep movsb
copy_user_fixup:
	mov rax, rcx
	ret

section .ex_table progbits alloc noexec nowrite align=8
	dq copy_user_insn, copy_user_fixup

section .note.GNU-stack noalloc noexec nowrite progbits
