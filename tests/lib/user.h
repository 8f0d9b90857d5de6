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

static inline __noreturn void uexit(long code)
{
	usys(SYS_exit, code, 0, 0);
	for (;;)
		;
}

#endif
