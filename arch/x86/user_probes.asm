; Ring-3 probe bodies.  They live in the .user section (linked at
; USER_IMAGE_VA, mapped U/S=1 with key 0) and end with INT 0x80, RAX being
; the result; a fault ends them too (arch/x86/user_run.c).  Each keeps to
; registers: the probes must not depend on a user stack whose key the
; PKRU under test might deny.

bits 64
section .user_text progbits alloc exec nowrite align=16

; user_pkru_access(addr, pkru, write): WRPKRU(pkru) then one byte access.
; Returns the byte read (read) or 0 (write).
global user_pkru_access
user_pkru_access:
	mov r8, rdx
	mov eax, esi
	xor ecx, ecx
	xor edx, edx
	wrpkru
	test r8, r8
	jnz .write
	movzx eax, byte [rdi]
	int 0x80
.write:
	mov byte [rdi], 0xa5
	xor eax, eax
	int 0x80

; user_xsave(buf, pkru, rfbm): WRPKRU(pkru), then XSAVE64 [buf] with RFBM.
global user_xsave
user_xsave:
	mov r8, rdx
	mov eax, esi
	xor ecx, ecx
	xor edx, edx
	wrpkru
	mov eax, r8d
	shr r8, 32
	mov edx, r8d
	xsave64 [rdi]
	xor eax, eax
	int 0x80

; user_xrstor(buf, pkru, rfbm): WRPKRU(pkru), XRSTOR64 [buf] with RFBM,
; then return RDPKRU.
global user_xrstor
user_xrstor:
	mov r8, rdx
	mov eax, esi
	xor ecx, ecx
	xor edx, edx
	wrpkru
	mov eax, r8d
	shr r8, 32
	mov edx, r8d
	xrstor64 [rdi]
	xor ecx, ecx
	rdpkru
	int 0x80

; user_jump(target, pkru): WRPKRU(pkru), then jump to target, which must
; end with INT 0x80 itself (instruction-fetch probes).
global user_jump
user_jump:
	mov eax, esi
	xor ecx, ecx
	xor edx, edx
	wrpkru
	jmp rdi

section .note.GNU-stack noalloc noexec nowrite progbits
