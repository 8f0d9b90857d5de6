/*
 * What ring-3 scenario code may use: system calls by SYSCALL and the
 * PKRU/XSAVE instructions themselves.  Included only by *.user.c files,
 * which the linker places in the .user section (user pages); they must not
 * call kernel functions -- such a call would fault in ring 3 and kill the
 * task.
 */
#ifndef TESTS_USER_H
#define TESTS_USER_H

#include <asm/processor.h>	/* rdpkru, wrpkru, xsave, xrstor: plain instructions */
#include <asm/types.h>
#include <kernel/syscall.h>

static inline long usys(long nr, long a, long b, long c)
{
	long ret;

	asm volatile("syscall"
		     : "=a"(ret)
		     : "a"(nr), "D"(a), "S"(b), "d"(c)
		     : "rcx", "r11", "memory");
	return ret;
}

/*
 * XMM0, low quadword.  Ring-3 code is built -mgeneral-regs-only like the
 * kernel, so only these touch it: a value put there must come back
 * unchanged across switches and signals, or the FPU state was mixed up.
 */
static inline u64 read_xmm0(void)
{
	u64 v;

	asm volatile("movq %%xmm0, %0" : "=r"(v));
	return v;
}

static inline void write_xmm0(u64 v) { asm volatile("movq %0, %%xmm0" :: "r"(v)); }

static inline __noreturn void uexit(long code)
{
	usys(SYS_exit, code, 0, 0);
	for (;;)
		;
}

#endif
