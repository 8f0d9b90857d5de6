; Copies between kernel and user memory that survive faults.
;
; u64 copy_user_raw(void *dst, const void *src, u64 n)
;   Returns the number of bytes NOT copied: 0 on success.  Eight bytes per
;   REP iteration, then the tail.  A #PF (a missing page, or a protection-
;   key denial: the kernel's accesses to user pages obey PKRU) lands on a
;   fixup through the .ex_table entries below, with RCX telling how much
;   was left.

bits 64
section .text

global copy_user_raw
copy_user_raw:
	mov r8, rdx
	and r8, 7		; tail bytes
	mov rcx, rdx
	shr rcx, 3		; quadwords
copy_user_qwords:
	rep movsq
	mov rcx, r8
copy_user_bytes:
	rep movsb
copy_user_done:
	mov rax, rcx
	ret
copy_user_qword_fault:
	; RCX quadwords and the R8-byte tail were not copied.
	lea rax, [rcx * 8 + r8]
	ret

section .ex_table progbits alloc noexec nowrite align=8
	dq copy_user_qwords, copy_user_qword_fault
	dq copy_user_bytes, copy_user_done

section .note.GNU-stack noalloc noexec nowrite progbits
