; copy_page_simd(dst, src): one 4 KiB page with SSE2 moves, 128 bytes a
; step through XMM0-7.  The kernel's one SIMD user (fork's page copies,
; SYS_kernel_fpu): it must run between kernel_fpu_begin() and
; kernel_fpu_end(), which keep the interrupted task's registers.
; Both pages 16-byte aligned (page-aligned in practice).

section .text
global copy_page_simd
copy_page_simd:
	mov ecx, 4096 / 128
.loop:
	movdqa xmm0, [rsi]
	movdqa xmm1, [rsi + 16]
	movdqa xmm2, [rsi + 32]
	movdqa xmm3, [rsi + 48]
	movdqa xmm4, [rsi + 64]
	movdqa xmm5, [rsi + 80]
	movdqa xmm6, [rsi + 96]
	movdqa xmm7, [rsi + 112]
	movdqa [rdi], xmm0
	movdqa [rdi + 16], xmm1
	movdqa [rdi + 32], xmm2
	movdqa [rdi + 48], xmm3
	movdqa [rdi + 64], xmm4
	movdqa [rdi + 80], xmm5
	movdqa [rdi + 96], xmm6
	movdqa [rdi + 112], xmm7
	add rsi, 128
	add rdi, 128
	dec ecx
	jnz .loop
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
