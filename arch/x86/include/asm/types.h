/* Fixed-width types and small helpers shared by all kernel code. */
#ifndef ASM_TYPES_H
#define ASM_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef unsigned long long u64;	/* %llx everywhere */
typedef long long s64;

#define BIT(n)		(1u << (n))
#define BIT_ULL(n)	(1ull << (n))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)	(((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define __aligned(n)	__attribute__((aligned(n)))
#define __packed	__attribute__((packed))
#define __noreturn	__attribute__((noreturn))
#ifndef __always_inline		/* glibc has its own, for host builds */
#define __always_inline	inline __attribute__((always_inline))
#endif
#define __used		__attribute__((used))
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define barrier()	asm volatile("" ::: "memory")
#define READ_ONCE(x)	(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1ul << PAGE_SHIFT)
#define LARGE_PAGE_SIZE	(1ul << 21)

#endif
