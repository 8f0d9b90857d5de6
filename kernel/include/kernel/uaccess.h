/*
 * Kernel access to user memory: a checked range, then fault-safe accesses.
 *
 * copy_from_user()/copy_to_user() are the general tools.  Hot paths that
 * touch a handful of fields (the signal frame) use a user-access section
 * instead, in the spirit of Linux's user_access_begin()/unsafe_put_user():
 * check the whole range once with access_ok(), then
 *
 *	user_access_begin();
 *	unsafe_put_u64(v, &uframe->field);	 ...one MOV each...
 *	if (!user_access_end()) -> -EFAULT
 *
 * Every access carries an .ex_table entry that resumes after it, so a
 * fault (an unmapped page, or a key the current PKRU denies: the kernel's
 * data accesses to user pages obey PKRU) skips that access and is recorded
 * in probe_trap; user_access_end() reports whether any access faulted.
 * The section must not call anything that itself uses probe_trap.
 */
#ifndef KERNEL_UACCESS_H
#define KERNEL_UACCESS_H

#include <asm/pgtable.h>
#include <asm/safe.h>
#include <asm/types.h>

#define EIO	5
#define EFAULT	14
#define EINVAL	22
#define EBUSY	16
#define ENOSYS	38
#define ESRCH	3

/* Below the user half: the current task's ABI decides (kernel/uaccess.c). */
bool access_ok_low(u64 uaddr, u64 n);

/*
 * Is [uaddr, uaddr + n) inside the user half, without wrapping?  Below it
 * only a task of another ABI may have user memory (a non-PIE Linux
 * process's low window): out of line, off the hot paths' way.
 */
static inline bool access_ok(u64 uaddr, u64 n)
{
	if (__builtin_expect(uaddr < USER_IMAGE_VA, 0))
		return access_ok_low(uaddr, n);
	return uaddr + n >= uaddr && uaddr + n <= USER_VA_END;
}

/* 0 or -EFAULT.  Honours PKRU: a key the current PKRU denies is -EFAULT. */
long copy_from_user(void *dst, u64 usrc, u64 n);
long copy_to_user(u64 udst, const void *src, u64 n);

static inline void user_access_begin(void)
{
	probe_reset();
	barrier();
}

/* True if no access of the section faulted. */
static inline bool user_access_end(void)
{
	return probe_result() == PROBE_NO_FAULT;
}

#define DEFINE_UNSAFE_PUT(name, type, suffix)				\
static inline void name(type v, u64 uaddr)				\
{									\
	asm volatile("1: mov" suffix " %1, %0\n2:\n\t"			\
		     _ASM_EXTABLE(1b, 2b)				\
		     : "=m"(*(type *)uaddr) : "er"(v));			\
}
DEFINE_UNSAFE_PUT(unsafe_put_u64, u64, "q")
DEFINE_UNSAFE_PUT(unsafe_put_u32, u32, "l")
#undef DEFINE_UNSAFE_PUT

/* What a faulting read returns is undefined: user_access_end() fails. */
#define DEFINE_UNSAFE_GET(name, type, suffix)				\
static inline type name(u64 uaddr)					\
{									\
	type v;								\
	asm volatile("1: mov" suffix " %1, %0\n2:\n\t"			\
		     _ASM_EXTABLE(1b, 2b)				\
		     : "=r"(v) : "m"(*(const type *)uaddr));		\
	return v;							\
}
DEFINE_UNSAFE_GET(unsafe_get_u64, u64, "q")
DEFINE_UNSAFE_GET(unsafe_get_u32, u32, "l")
#undef DEFINE_UNSAFE_GET

/* n quadwords, either direction (one side is user memory); a fault ends it. */
static inline void unsafe_copy_qwords(void *dst, const void *src, u64 n)
{
	asm volatile("1: rep movsq\n2:\n\t" _ASM_EXTABLE(1b, 2b)
		     : "+D"(dst), "+S"(src), "+c"(n) :: "memory");
}

/*
 * XSAVE to / XRSTOR from a user buffer.  Besides a #PF, XRSTOR raises #GP
 * on a header the CPU rejects: either is recorded and skipped.
 */
static inline void unsafe_xsave(u64 uaddr, u64 rfbm)
{
	asm volatile("1: xsave64 (%0)\n2:\n\t" _ASM_EXTABLE(1b, 2b)
		     :: "r"(uaddr), "a"((u32)rfbm), "d"((u32)(rfbm >> 32)) : "memory");
}

static inline void unsafe_xrstor(u64 uaddr, u64 rfbm)
{
	asm volatile("1: xrstor64 (%0)\n2:\n\t" _ASM_EXTABLE(1b, 2b)
		     :: "r"(uaddr), "a"((u32)rfbm), "d"((u32)(rfbm >> 32)) : "memory");
}

#endif
