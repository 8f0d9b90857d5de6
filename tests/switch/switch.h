/* Shared between the switch.* scenarios (kernel) and their ring-3 code. */
#ifndef TESTS_SWITCH_H
#define TESTS_SWITCH_H

#include <asm/types.h>

enum sw_program {
	SW_YIELD,	/* WRPKRU once, then yield/check/touch own page N times */
	SW_SPIN,	/* WRPKRU, spin, check, until stop: preemption only */
	SW_FPU_RESET,	/* dirty XMM0, SYS_fpu_reset, check XMM0 = 0 and PKRU kept */
	SW_INIT_STATE,	/* record PKRU at first instruction, then run with PKRU 0 */
	SW_COROUTINE,	/* user-level context switch with XSAVE/XRSTOR */
	SW_UACCESS,	/* kernel copies from own page: denied key -> -EFAULT */
	SW_SLEEP,	/* sleep; kernel writes to own page after switch-in */
	SW_FAULT,	/* mode selects a fatal fault */
	SW_PKRU_SYSCALLS, /* SYS_set_pkru / SYS_get_pkru against WRPKRU / RDPKRU */
	SW_KERNEL_FPU,	/* as SW_YIELD, with SYS_kernel_fpu (kernel SIMD use) before each yield */
};

enum sw_fault { SWF_DIVIDE, SWF_KERNEL_JUMP, SWF_KERNEL_READ, SWF_BAD_SYSCALL_PTR, SWF_UD };

struct sw_result {
	u64 iterations;
	u64 mismatches;
	u32 first_bad;		/* first wrong PKRU seen, and the iteration */
	u64 first_bad_iter;
	long values[8];
};

struct sw_params {
	u32 program;
	u32 pkru;		/* the PKRU this task runs with */
	u64 iterations;
	u64 own_page;		/* keyed page only this task's PKRU allows */
	u32 own_key;
	u32 mode;
	u32 avx;		/* the CPU has AVX: SW_YIELD also keeps a YMM upper half */
	u64 buf;		/* scratch (coroutine XSAVE areas) */
	u64 buf_size;
	volatile u32 *stop;	/* set by the kernel to end SW_SPIN */
	volatile struct sw_result *res;
};

/* Ring-3 entry point (tests/switch/switch.user.c). */
void sw_user_main(struct sw_params *p);

#endif
