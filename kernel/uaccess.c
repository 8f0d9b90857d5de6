/*
 * User memory access from system calls.  The range check keeps user
 * pointers out of kernel memory (an identity-mapped kernel address is not
 * a user address); the copy itself is fault-safe, so an unmapped page or a
 * protection-key denial becomes -EFAULT instead of a kernel crash.
 */
#include <asm/pgtable.h>
#include <kernel/abi.h>
#include <kernel/uaccess.h>

extern u64 copy_user_raw(void *dst, const void *src, u64 n);

bool access_ok_low(u64 uaddr, u64 n)
{
	return task_abi_has(current, access_ok_low) && task_abi(current)->access_ok_low(uaddr, n);
}

long copy_from_user(void *dst, u64 usrc, u64 n)
{
	if (!access_ok(usrc, n))
		return -EFAULT;
	return copy_user_raw(dst, (const void *)usrc, n) ? -EFAULT : 0;
}

long copy_to_user(u64 udst, const void *src, u64 n)
{
	if (!access_ok(udst, n))
		return -EFAULT;
	return copy_user_raw((void *)udst, src, n) ? -EFAULT : 0;
}
