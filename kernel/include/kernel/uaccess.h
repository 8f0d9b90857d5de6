/* Kernel access to user memory: checked range, fault-safe copy. */
#ifndef KERNEL_UACCESS_H
#define KERNEL_UACCESS_H

#include <asm/types.h>

#define EFAULT	14
#define EINVAL	22
#define ENOSYS	38
#define ESRCH	3

/* Is [uaddr, uaddr + n) inside the user half, without wrapping? */
bool access_ok(u64 uaddr, u64 n);
/* 0 or -EFAULT.  Honours PKRU: a key the current PKRU denies is -EFAULT. */
long copy_from_user(void *dst, u64 usrc, u64 n);
long copy_to_user(u64 udst, const void *src, u64 n);

#endif
