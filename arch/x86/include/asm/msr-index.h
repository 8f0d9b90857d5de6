/* Model-specific registers used by pkrulab. */
#ifndef ASM_MSR_INDEX_H
#define ASM_MSR_INDEX_H

#define MSR_IA32_APICBASE		0x0000001b
#define MSR_IA32_TSC_ADJUST		0x0000003b
#define MSR_IA32_PERF_GLOBAL_STATUS	0x0000038e
#define MSR_IA32_FIXED_CTR_CTRL		0x0000038d
#define MSR_IA32_PERF_GLOBAL_CTRL	0x0000038f
#define MSR_IA32_FIXED_CTR0		0x00000309	/* instructions retired */
#define MSR_IA32_FIXED_CTR1		0x0000030a	/* unhalted core cycles */
#define MSR_IA32_XSS			0x00000da0
#define MSR_EFER			0xc0000080
#define MSR_STAR			0xc0000081
#define MSR_LSTAR			0xc0000082
#define MSR_CSTAR			0xc0000083
#define MSR_SYSCALL_MASK		0xc0000084
#define MSR_FS_BASE			0xc0000100
#define MSR_GS_BASE			0xc0000101
#define MSR_KERNEL_GS_BASE		0xc0000102

#endif
