/* Register frame built by arch/x86/entry.asm for every trap. */
#ifndef ASM_PTRACE_H
#define ASM_PTRACE_H

#include <asm/types.h>

struct pt_regs {
	/* In struct sigcontext64's order: a signal frame moves them as one block. */
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 rdi, rsi, rbp, rbx, rdx, rax, rcx;
	u64 vector, error_code;
	/* Pushed by the CPU. */
	u64 rip, cs, rflags, rsp, ss;
};

static inline bool user_mode(const struct pt_regs *r) { return (r->cs & 3) == 3; }

#endif
