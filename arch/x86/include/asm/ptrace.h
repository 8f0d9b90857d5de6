/* Register frame built by arch/x86/entry.asm for every trap. */
#ifndef ASM_PTRACE_H
#define ASM_PTRACE_H

#include <asm/types.h>

struct pt_regs {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;
	/* Pushed by the CPU. */
	u64 rip, cs, rflags, rsp, ss;
};

static inline bool user_mode(const struct pt_regs *r) { return (r->cs & 3) == 3; }

#endif
