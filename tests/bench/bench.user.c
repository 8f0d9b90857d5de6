/*
 * Ring-3 benchmark loops.  Each timed step is one asm statement: the
 * bracket (LFENCE;RDTSC;LFENCE .. RDTSCP;LFENCE, or RDPMC of the fixed
 * core-cycle counter) around nothing but the step itself -- the SYSCALL
 * with its number, or the faulting load.  The same bracket around nothing
 * is measured here too (minimum over all iterations) and reported as the
 * overhead that is subtracted, so no loop or call overhead of the C code
 * around it ends up in a sample.
 */
#include <asm/timing.h>		/* PMC_FIXED_CORE_CYCLES only: no kernel calls */
#include <kernel/sigframe.h>
#include "../lib/user.h"
#include "bench.h"

#define PKRU_AD(k) (1u << (2 * (k)))

struct ksigaction { u64 handler, flags, restorer, mask; };

asm(".text\n"
    ".globl bn_restorer\n"
    "bn_restorer:\n\t"
    "mov $14, %eax\n\t"
    "syscall\n\t"
    "ud2\n");
extern char bn_restorer[];

static struct bn_params *params_base;

static struct bn_params *me(void) { return params_base + usys(SYS_getpid, 0, 0, 0) - 1; }

static inline u64 t_start(int pmc)
{
	u32 lo, hi;

	if (pmc)
		asm volatile("lfence; rdpmc; lfence" : "=a"(lo), "=d"(hi) : "c"(PMC_FIXED_CORE_CYCLES) : "memory");
	else
		asm volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) :: "memory");
	return lo | ((u64)hi << 32);
}

/*
 * Time BODY (asm text): the clock is read right before and right after it.
 * SYSCALL clobbers RCX and R11; BODY may use R11 as scratch.  Extra asm
 * inputs follow (they must not be RAX, RCX or RDX: the clock reads use them).
 */
#define TIMED(pmc, body, ...)							\
	({									\
		u32 lo0_, hi0_, lo1_, hi1_;					\
		if (pmc)							\
			asm volatile("mov %[ctr], %%ecx\n\t"			\
				     "lfence; rdpmc; lfence\n\t"		\
				     "mov %%eax, %[lo0]; mov %%edx, %[hi0]\n\t"	\
				     body "\n\t"				\
				     "mov %[ctr], %%ecx\n\t"			\
				     "lfence; rdpmc; lfence"			\
				     : "=&a"(lo1_), "=&d"(hi1_), [lo0] "=&r"(lo0_),	\
				       [hi0] "=&r"(hi0_)			\
				     : [ctr] "i"(PMC_FIXED_CORE_CYCLES), ##__VA_ARGS__	\
				     : "rcx", "r11", "memory");			\
		else								\
			asm volatile("lfence; rdtsc; lfence\n\t"		\
				     "mov %%eax, %[lo0]; mov %%edx, %[hi0]\n\t"	\
				     body "\n\t"				\
				     "rdtscp; lfence"				\
				     : "=&a"(lo1_), "=&d"(hi1_), [lo0] "=&r"(lo0_),	\
				       [hi0] "=&r"(hi0_)			\
				     : [ctr] "i"(0), ##__VA_ARGS__		\
				     : "rcx", "r11", "memory");			\
		(((u64)hi1_ << 32) | lo1_) - (((u64)hi0_ << 32) | lo0_);	\
	})

#define SYSCALL_BODY "mov %[nr], %%eax\n\tsyscall"

static inline void dirty_avx(void)
{
	asm volatile("vpcmpeqb %%ymm0, %%ymm0, %%ymm0\n\t"
		     "vpcmpeqb %%ymm7, %%ymm7, %%ymm7" ::: "memory");
}

static void h_empty(int sig, struct siginfo64 *si, struct ucontext64 *uc) { }

static void h_open_key(int sig, struct siginfo64 *si, struct ucontext64 *uc)
{
	u32 a, b, c, d;

	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0xd), "c"(9));
	*(u32 *)(uc->uc_mcontext.fpstate + b) &= ~(3u << (2 * si->u.fault.pkey));
}

static volatile u64 *xsig_stamp;

/* The cross-CPU signal's handler: its first act is to read the clock. */
static void h_stamp(int sig, struct siginfo64 *si, struct ucontext64 *uc)
{
	*xsig_stamp = t_start(0);
}

static void install(int sig, void (*fn)(int, struct siginfo64 *, struct ucontext64 *))
{
	struct ksigaction sa = { (u64)fn, SA_SIGINFO | SA_RESTORER, (u64)bn_restorer, 0 };

	usys(SYS_sigaction, sig, (long)&sa, 0);
}

void bn_user_main(struct bn_params *p0)
{
	struct bn_params *p;
	int pmc;
	long self;

	params_base = p0 - (usys(SYS_getpid, 0, 0, 0) - 1);
	p = me();
	pmc = p->use_pmc;
	self = usys(SYS_getpid, 0, 0, 0);
	wrpkru(p->pkru);
	if (p->program == BN_SIGNAL)
		install(SIGUSR1, h_empty);
	if (p->program == BN_PKFAULT)
		install(SIGSEGV, h_open_key);
	if (p->program == BN_PREEMPT || p->program == BN_PREEMPT_PEER) {
		/*
		 * Spin on the clock.  A jump in it means another task ran; the
		 * sample is the time from the timer interrupt that switched us
		 * back in to our first instruction after it.
		 */
		u32 n = 0;
		u64 prev = t_start(pmc);

		while (!*p->stop) {
			u64 now = t_start(pmc), tick = *p->tick_stamp;

			if (p->program == BN_PREEMPT && tick > prev && tick < now) {
				if (n >= p->warmup)
					p->samples[n - p->warmup] = now - tick;
				if (++n == p->iters + p->warmup)
					break;
			}
			prev = now;
		}
		if (p->program == BN_PREEMPT)
			p->done = 1;
		*p->stop = 1;
		uexit(0);
	}
	if (p->program == BN_SPIN_PEER || p->program == BN_XSIGNAL_PEER) {
		/* Busy in ring 3 on its CPU: a flush or a signal must interrupt it there. */
		if (p->program == BN_XSIGNAL_PEER) {
			xsig_stamp = p->handler_tsc;
			install(SIGUSR1, h_stamp);
		}
		__atomic_add_fetch(p->peers_ready, 1, __ATOMIC_SEQ_CST);
		while (!*p->stop)
			;
		uexit(0);
	}
	if (p->program == BN_YIELD_PEER) {
		if (p->peers_ready)
			__atomic_add_fetch(p->peers_ready, 1, __ATOMIC_SEQ_CST);
		while (!*p->stop) {
			if (p->dirty_avx)
				dirty_avx();
			usys(SYS_yield, 0, 0, 0);
		}
		uexit(0);
	}
	/* Several CPUs: every peer busy in ring 3 before the first sample. */
	while (p->npeers && *p->peers_ready < p->npeers)
		;
	/* The empty bracket, as the overhead to subtract. */
	p->overhead = ~0ull;
	for (u32 i = 0; i < p->iters + p->warmup; i++) {
		u64 t = TIMED(pmc, "");

		if (t < p->overhead)
			p->overhead = t;
	}
	for (u32 i = 0; i < p->iters + p->warmup; i++) {
		u64 t;

		if (p->dirty_avx)
			dirty_avx();
		switch (p->program) {
		case BN_NULL_SYSCALL:
			t = TIMED(pmc, SYSCALL_BODY, [nr] "i"(SYS_null));
			break;
		case BN_YIELD:
			t = TIMED(pmc, SYSCALL_BODY, [nr] "i"(SYS_yield));
			break;
		case BN_SIGNAL:
			t = TIMED(pmc, SYSCALL_BODY, [nr] "i"(SYS_kill), "D"(self), "S"(SIGUSR1));
			break;
		/*
		 * Several CPUs: bracketed by the same clock reads around the C
		 * calls (a few instructions more than TIMED's), since each step
		 * waits for another CPU: microseconds, not cycles.
		 */
		case BN_MIGRATE: {	/* there and back: the sample starts and ends on p->cpu */
			u64 t0 = t_start(0);

			usys(SYS_smp, SMPOP_MIGRATE, p->away, 0);
			usys(SYS_smp, SMPOP_MIGRATE, p->cpu, 0);
			t = t_start(0) - t0;
			break;
		}
		case BN_XSIGNAL: {	/* kill to the first instruction of the handler on the peer's CPU */
			u64 t0;

			*p->handler_tsc = 0;
			t0 = t_start(0);
			usys(SYS_kill, p->peer, SIGUSR1, 0);
			while (!*p->handler_tsc)
				;
			t = *p->handler_tsc - t0;
			break;
		}
		case BN_SHOOTDOWN: {	/* the key change and every other CPU's flush */
			u64 t0 = t_start(0);

			usys(SYS_smp, SMPOP_PKEY_SET, p->page, i & 1 ? p->key : p->key + 1);
			t = t_start(0) - t0;
			break;
		}
		default:	/* BN_PKFAULT: deny, touch, handler opens the key, retry */
			wrpkru(p->pkru | PKRU_AD(p->key));
			t = TIMED(pmc, "movl (%[pg]), %%r11d", [pg] "r"(p->page));
			break;
		}
		if (i >= p->warmup)
			p->samples[i - p->warmup] = t;
	}
	p->done = 1;
	*p->stop = 1;
	uexit(0);
}
