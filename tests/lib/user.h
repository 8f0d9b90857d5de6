/*
 * What ring-3 scenario code may use: system calls by SYSCALL and the
 * PKRU/XSAVE instructions themselves.  Included only by *.user.c files,
 * which the linker places in the .user section (user pages); they must not
 * call kernel functions -- such a call would fault in ring 3 and kill the
 * task.
 */
#ifndef TESTS_USER_H
#define TESTS_USER_H

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

static inline u32 urdpkru(void)
{
	u32 pkru, edx;

	asm volatile("rdpkru" : "=a"(pkru), "=d"(edx) : "c"(0));
	return pkru;
}

static inline void uwrpkru(u32 pkru)
{
	asm volatile("wrpkru" :: "a"(pkru), "c"(0), "d"(0) : "memory");
}

static inline void uxsave(void *buf, u64 rfbm)
{
	asm volatile("xsave64 (%0)" :: "r"(buf), "a"((u32)rfbm), "d"((u32)(rfbm >> 32)) : "memory");
}

static inline void uxrstor(const void *buf, u64 rfbm)
{
	asm volatile("xrstor64 (%0)" :: "r"(buf), "a"((u32)rfbm), "d"((u32)(rfbm >> 32)) : "memory");
}

#endif
