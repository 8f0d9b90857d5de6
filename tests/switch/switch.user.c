/*
 * Ring-3 side of the switch.* scenarios.  Each program runs with its own
 * PKRU, set with WRPKRU in ring 3 as a real pkeys user would, and counts
 * every moment its PKRU is not what it set: a count of 0 means the kernel
 * kept this task's PKRU across everything it did in between.
 */
#include "../lib/user.h"
#include "switch.h"

#define PKRU_AD(k) (1u << (2 * (k)))
#define RFLAGS_IF	(1ull << 9)
#define RFLAGS_IOPL	(3ull << 12)
#define MXCSR_INIT	0x1f80
#define FCW_INIT	0x037f

static void note(struct sw_params *p, u64 iter)
{
	u32 now = rdpkru();

	if (now == p->pkru)
		return;
	if (!p->res->mismatches) {
		p->res->first_bad = now;
		p->res->first_bad_iter = iter;
	}
	p->res->mismatches++;
}

static void touch_own_page(struct sw_params *p, u64 i)
{
	volatile u64 *q = (volatile u64 *)p->own_page;

	q[i & 63] = q[i & 63] + 1;
}

/* The upper half of YMM1 (AVX state, XSAVE component 2); XMM2 is scratch
 * (no clobber list: the compiler never uses vector registers here). */
static u64 read_ymm1_hi(void)
{
	u64 v;

	asm volatile("vextractf128 $1, %%ymm1, %%xmm2\n\tvmovq %%xmm2, %0" : "=r"(v));
	return v;
}

static void write_ymm1_hi(u64 v)
{
	asm volatile("vmovq %0, %%xmm2\n\tvinsertf128 $1, %%xmm2, %%ymm1, %%ymm1" :: "r"(v));
}

/*
 * XMM0 (and, with AVX, the upper half of YMM1) hold values only this task
 * uses, so FPU registers that follow the wrong task (or none), or AVX state
 * the kernel does not enable or switch, show up as values[7] != 0.
 */
static void check_regs(struct sw_params *p, u64 mine);

static void prog_yield(struct sw_params *p)
{
	u64 mine = 0x5eed000000000000ull | (u64)p->pkru << 8 | p->own_key;

	p->res->values[6] = rdpkru();	/* as the task starts */
	wrpkru(p->pkru);
	write_xmm0(mine);
	if (p->avx)
		write_ymm1_hi(~mine);
	for (u64 i = 0; i < p->iterations; i++) {
		usys(SYS_yield, 0, 0, 0);
		note(p, i);
		check_regs(p, mine);
		touch_own_page(p, i);
		p->res->iterations++;
	}
}

/* Did the registers prog_yield/prog_kernel_fpu keep survive? Restore them if not. */
static void check_regs(struct sw_params *p, u64 mine)
{
	if (read_xmm0() != mine || (p->avx && read_ymm1_hi() != ~mine)) {
		p->res->values[7]++;
		write_xmm0(mine);
		if (p->avx)
			write_ymm1_hi(~mine);
	}
}

/*
 * The kernel copies a page with SSE (XMM0-7) in the middle of each
 * SYS_kernel_fpu: XMM0, YMM1's upper half and PKRU must come back as this
 * task left them, and the copy must be right (values[0] counts failures).
 */
static void prog_kernel_fpu(struct sw_params *p)
{
	u64 mine = 0xf00d000000000000ull | (u64)p->pkru << 8 | p->own_key;

	wrpkru(p->pkru);
	write_xmm0(mine);
	if (p->avx)
		write_ymm1_hi(~mine);
	for (u64 i = 0; i < p->iterations; i++) {
		if (usys(SYS_kernel_fpu, (long)i, 0, 0))
			p->res->values[0]++;
		note(p, i);
		check_regs(p, mine);
		usys(SYS_yield, 0, 0, 0);
		note(p, i);
		check_regs(p, mine);
		touch_own_page(p, i);
		p->res->iterations++;
	}
}

static void prog_spin(struct sw_params *p)
{
	u64 lcg = p->pkru | 1;

	for (u64 i = 0; !*p->stop; i++) {
		wrpkru(p->pkru);
		/* A random-length window in which the timer may switch us out. */
		lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
		for (volatile u32 n = (lcg >> 58); n; n--)
			;
		note(p, i);
		p->res->iterations++;
	}
}

static void prog_fpu_reset(struct sw_params *p)
{
	wrpkru(p->pkru);
	for (u64 i = 0; i < p->iterations; i++) {
		u64 dirty = 0x1234567800000000ull | i;

		write_xmm0(dirty);
		usys(SYS_fpu_reset, 0, 0, 0);
		/* The reset must have happened, or this checks nothing. */
		if (read_xmm0() != 0)
			p->res->values[0]++;
		note(p, i);
		usys(SYS_yield, 0, 0, 0);
		note(p, i);
		p->res->iterations++;
	}
}

static void prog_init_state(struct sw_params *p)
{
	u64 fl;
	u32 mxcsr;
	u16 fcw;

	/* First instruction of a fresh task: its PKRU must be the init value. */
	p->res->values[0] = rdpkru();
	p->res->values[1] = 1;
	/* The rest of its initial state: IF=1, IOPL 0, FPU control words at init. */
	asm volatile("pushfq; popq %0" : "=r"(fl));
	asm volatile("stmxcsr %0" : "=m"(mxcsr));
	asm volatile("fnstcw %0" : "=m"(fcw));
	p->res->values[2] = (long)(fl & (RFLAGS_IF | RFLAGS_IOPL));
	p->res->values[3] = mxcsr;
	p->res->values[4] = fcw;
	wrpkru(p->pkru);	/* 0: the init state again (XSTATE_BV[9]=0) */
	for (u64 i = 0; i < p->iterations; i++) {
		usys(SYS_yield, 0, 0, 0);
		note(p, i);
		p->res->iterations++;
	}
}

static void prog_coroutine(struct sw_params *p)
{
	u8 *a = (u8 *)p->buf, *b = a + p->buf_size;
	u32 pa = p->pkru, pb = p->pkru | PKRU_AD(7);

	/* Two user contexts that differ only in PKRU, switched by XSAVE/XRSTOR. */
	wrpkru(pa);
	xsave(a, ~0ull);
	wrpkru(pb);
	xsave(b, ~0ull);
	xrstor(a, ~0ull);
	p->res->values[0] = rdpkru();
	xrstor(b, ~0ull);
	p->res->values[1] = rdpkru();
	xrstor(a, ~0ull);
	p->res->values[2] = rdpkru();
	p->res->mismatches = (p->res->values[0] != pa) + (p->res->values[1] != pb) +
			     (p->res->values[2] != pa);
	p->res->first_bad = p->res->values[0];
	wrpkru(p->pkru);
	p->res->iterations = 1;
	/*
	 * Then a few switches with this PKRU re-written before each, so that
	 * whether the other task ever sees it does not depend on whether a
	 * tick let that task run during the coroutine part.
	 */
	for (int i = 0; i < 5; i++) {
		wrpkru(p->pkru);
		usys(SYS_yield, 0, 0, 0);
	}
}

static void prog_uaccess(struct sw_params *p)
{
	for (u64 i = 0; i < p->iterations; i++) {
		long denied, allowed;

		wrpkru(p->pkru | PKRU_AD(p->own_key));
		denied = usys(SYS_copy_from_user, p->own_page, 64, 0);
		wrpkru(p->pkru);
		usys(SYS_yield, 0, 0, 0);
		note(p, i);
		allowed = usys(SYS_copy_from_user, p->own_page, 64, 0);
		/* values[0]: denied copies that did not fail; [1]: allowed that did. */
		if (denied != -14)
			p->res->values[0]++;
		if (allowed < 0)
			p->res->values[1]++;
		/* A kernel and a non-canonical pointer are -EFAULT, not a crash. */
		if (usys(SYS_copy_from_user, 0x100000, 16, 0) != -14)
			p->res->values[2]++;
		if (usys(SYS_copy_from_user, (long)0x8000000000000000ull, 16, 0) != -14)
			p->res->values[2]++;
		p->res->iterations++;
	}
}

static void prog_sleep(struct sw_params *p)
{
	wrpkru(p->pkru);
	for (u64 i = 0; i < p->iterations; i++) {
		long r = usys(SYS_sleep, 1, p->own_page, 0);

		if (r != 0)
			p->res->values[0]++;	/* the kernel's write was refused */
		note(p, i);
		p->res->iterations++;
	}
}

static void prog_fault(struct sw_params *p)
{
	volatile long zero = 0;

	switch (p->mode) {
	case SWF_DIVIDE:
		p->res->values[0] = 100 / zero;
		break;
	case SWF_KERNEL_JUMP:
		((void (*)(void))0x100000)();
		break;
	case SWF_KERNEL_READ:
		p->res->values[0] = *(volatile long *)0x100000;
		break;
	case SWF_BAD_SYSCALL_PTR:
		/* Not fatal: -EFAULT comes back and the task exits normally. */
		p->res->values[0] = usys(SYS_write, 0x100000, 8, 0);
		p->res->values[1] = usys(SYS_sleep, 1, 0x200000, 0);
		p->res->values[2] = usys(999, 0, 0, 0);
		{
			/* An altstack whose end wraps around: -EINVAL, not accepted. */
			struct { u64 sp; int flags; u32 pad; u64 size; } ss = {
				(u64)p->own_page, 0, 0, ~0ull - 0xfff };

			p->res->values[3] = usys(SYS_sigaltstack, (long)&ss, 0, 0);
		}
		uexit(0);
	case SWF_UD:
		asm volatile("ud2");
		break;
	}
	uexit(1);	/* not reached when the fault killed us */
}

/*
 * The PKRU system calls: a kernel-made change is live at once and survives
 * switches, and SYS_get_pkru reports what the task really runs with, also
 * after a WRPKRU of its own.  values[0..3] count each kind of mismatch.
 */
static void prog_pkru_syscalls(struct sw_params *p)
{
	for (u64 i = 0; i < p->iterations; i++) {
		u32 want = (i & 1) ? p->pkru : p->pkru | PKRU_AD(7);

		usys(SYS_set_pkru, want, 0, 0);
		if (rdpkru() != want)
			p->res->values[0]++;
		usys(SYS_yield, 0, 0, 0);
		if (rdpkru() != want)
			p->res->values[1]++;
		if ((u32)usys(SYS_get_pkru, 0, 0, 0) != want)
			p->res->values[2]++;
		wrpkru(p->pkru);
		if ((u32)usys(SYS_get_pkru, 0, 0, 0) != p->pkru)
			p->res->values[3]++;
		usys(SYS_yield, 0, 0, 0);
		note(p, i);
		p->res->iterations++;
	}
}

void sw_user_main(struct sw_params *p)
{
	switch (p->program) {
	case SW_YIELD: prog_yield(p); break;
	case SW_SPIN: prog_spin(p); break;
	case SW_FPU_RESET: prog_fpu_reset(p); break;
	case SW_INIT_STATE: prog_init_state(p); break;
	case SW_COROUTINE: prog_coroutine(p); break;
	case SW_UACCESS: prog_uaccess(p); break;
	case SW_SLEEP: prog_sleep(p); break;
	case SW_FAULT: prog_fault(p); break;
	case SW_PKRU_SYSCALLS: prog_pkru_syscalls(p); break;
	case SW_KERNEL_FPU: prog_kernel_fpu(p); break;
	}
	uexit(0);
}
