/*
 * Ring-3 side of the signal.* scenarios.  The handlers are written the way
 * Linux programs write them: SA_SIGINFO handlers with SA_RESTORER, and
 * PKRU found in the signal frame at fpstate + CPUID(0xD,9).EBX as the
 * Linux pkey selftests do -- so where pkrulab keeps the Linux ABI, this
 * code would run unchanged on Linux.
 */
#include <kernel/sigframe.h>
#include "../lib/user.h"
#include "signal.h"

#define PKRU_AD(k)	(1u << (2 * (k)))
#define PKRU_WD(k)	(1u << (2 * (k) + 1))
#define XSTATE_BV_OFF	512
#define USER_PAGE	4096

struct ksigaction { u64 handler, flags, restorer, mask; };

/* The restorer every handler returns to: rt_sigreturn. */
asm(".text\n"
    ".globl sg_restorer\n"
    "sg_restorer:\n\t"
    "mov $" "14" ", %eax\n\t"
    "syscall\n\t"
    "ud2\n");
extern char sg_restorer[];

/*
 * Both tasks share this code and its data, so a task finds its own
 * parameters by task id: params[id - 1] in the shared page.
 */
static struct sg_params *params_base;

static struct sg_params *me(void)
{
	return params_base + usys(SYS_getpid, 0, 0, 0) - 1;
}
#define P (me())

static u32 pkru_offset(void)
{
	u32 a, b, c, d;

	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0xd), "c"(9));
	return b;
}

static u8 *fpstate(struct ucontext64 *uc) { return (u8 *)uc->uc_mcontext.fpstate; }
static u32 *frame_pkru(struct ucontext64 *uc) { return (u32 *)(fpstate(uc) + pkru_offset()); }
static u64 *frame_bv(struct ucontext64 *uc) { return (u64 *)(fpstate(uc) + XSTATE_BV_OFF); }

static void install(int sig, void (*fn)(int, struct siginfo64 *, struct ucontext64 *), u64 flags)
{
	struct ksigaction sa = { (u64)fn, SA_SIGINFO | SA_RESTORER | flags, (u64)sg_restorer, 0 };

	usys(SYS_sigaction, sig, (long)&sa, 0);
}

static void raise_sig(int sig) { usys(SYS_kill, usys(SYS_getpid, 0, 0, 0), sig, 0); }

#define XMM_MARK(pkru)	(0xf00d000000000000ull | (pkru))

static void yield_n(int n)
{
	while (n--)
		usys(SYS_yield, 0, 0, 0);
}

/* ---- handlers ---------------------------------------------------------- */

static void h_frame(int sig, struct siginfo64 *si, struct ucontext64 *uc)
{
	volatile struct sg_result *r = P->res;
	struct fx_sw_bytes *sw = (struct fx_sw_bytes *)(fpstate(uc) + FX_SW_BYTES_OFFSET);

	r->v[2] = rdpkru();			/* the handler's own PKRU */
	r->v[0] = *frame_pkru(uc);		/* the interrupted PKRU, as Linux finds it */
	r->v[1] = (*frame_bv(uc) >> 9) & 1;
	r->v[3] = sw->magic1 == FP_XSTATE_MAGIC1 && ((sw->xfeatures >> 9) & 1);
	r->v[5] = read_xmm0();			/* a clean FPU state: 0 */
	write_xmm0(~0ull);			/* sigreturn must undo this */
	yield_n(3);				/* switches while in the handler */
	r->handled++;
}

static void h_quiet(int sig, struct siginfo64 *si, struct ucontext64 *uc)
{
	P->res->v[9]++;
}

static void h_recover(int sig, struct siginfo64 *si, struct ucontext64 *uc)
{
	volatile struct sg_result *r = P->res;

	if (++r->v[0] > 3)
		uexit(3);			/* cannot repair: give up */
	r->v[1] = *frame_pkru(uc);
	r->v[3] = si->si_code;
	*frame_pkru(uc) = P->pkru;		/* undo the WRPKRU(0x3) */
	r->handled++;
}

static void h_override(int sig, struct siginfo64 *si, struct ucontext64 *uc)
{
	*frame_pkru(uc) = P->override;
	*frame_bv(uc) |= 1ull << 9;
	P->res->handled++;
}

static void h_init_frame(int sig, struct siginfo64 *si, struct ucontext64 *uc)
{
	/* PKRU in its init state, the way user space may legitimately say "0". */
	*frame_bv(uc) &= ~(1ull << 9);
	P->res->handled++;
}

static void h_pkey(int sig, struct siginfo64 *si, struct ucontext64 *uc)
{
	volatile struct sg_result *r = P->res;

	if (++r->v[6] > 3)
		uexit(3);
	r->v[0] = si->si_code;
	r->v[1] = si->u.fault.pkey;
	r->v[2] = (long)si->u.fault.addr;
	r->v[3] = *frame_pkru(uc);
	/* The pkey selftest's trick: let the faulting access through on retry. */
	*frame_pkru(uc) &= ~(PKRU_AD(si->u.fault.pkey) | PKRU_WD(si->u.fault.pkey));
	r->handled++;
}

static void h_altstack(int sig, struct siginfo64 *si, struct ucontext64 *uc)
{
	volatile struct sg_result *r = P->res;
	volatile u64 local = 0;

	r->v[0] = (u64)&local >= P->altstack && (u64)&local < P->altstack + P->altstack_size;
	r->v[1] = *frame_pkru(uc);
	r->handled++;
}

static void h_usr2(int sig, struct siginfo64 *si, struct ucontext64 *uc)
{
	P->res->v[1] = *frame_pkru(uc);
	yield_n(2);
	P->res->handled++;
}

static void h_nested(int sig, struct siginfo64 *si, struct ucontext64 *uc)
{
	volatile struct sg_result *r = P->res;

	r->v[0] = *frame_pkru(uc);
	wrpkru(P->override);			/* the handler's own PKRU */
	raise_sig(SIGUSR2);
	r->v[2] = rdpkru();			/* back from the nested handler */
	r->handled++;
}

static void h_bad(int sig, struct siginfo64 *si, struct ucontext64 *uc)
{
	struct sigcontext64 *sc = &uc->uc_mcontext;
	struct fx_sw_bytes *sw = (struct fx_sw_bytes *)(fpstate(uc) + FX_SW_BYTES_OFFSET);
	u8 *fp = fpstate(uc);

	P->res->handled++;
	if (P->catch_segv) {
		P->res->v[6] = rdpkru();
		P->res->v[7] = (long)sc->rip;
		/* A rejected frame's PKRU must never load: ask for every key open. */
		if (sw->magic1 == FP_XSTATE_MAGIC1 && (sw->xfeatures & (1ull << 9)))
			*frame_pkru(uc) = 0;
	}
	switch (P->bad_kind) {
	case BAD_MAGIC1: sw->magic1 ^= 1; break;
	case BAD_MAGIC2: *(u32 *)(fp + sw->xstate_size) = 0; break;
	case BAD_XSTATE_SIZE: sw->xstate_size += 64; break;
	case BAD_EXTENDED_SIZE: sw->extended_size = 0; break;
	case BAD_XFEATURES: sw->xfeatures |= 1ull << 62; break;
	case BAD_XSTATE_BV: *frame_bv(uc) |= 1ull << 62; break;
	case BAD_XCOMP_BV: *(u64 *)(fp + XSTATE_BV_OFF + 8) = 1ull << 63 | 3; break;
	case BAD_HDR_RESERVED: fp[XSTATE_BV_OFF + 40] = 1; break;
	case BAD_MXCSR: *(u32 *)(fp + 24) |= 1u << 16; break;
	case BAD_RIP_NONCANONICAL: sc->rip = 0x8000000000001000ull; break;
	case BAD_RIP_KERNEL: sc->rip = 0x100000; break;
	case BAD_RSP_KERNEL: sc->rsp = 0x200000; break;
	case BAD_FPSTATE_UNALIGNED: sc->fpstate += 8; break;
	case BAD_FPSTATE_KERNEL: sc->fpstate = 0x100000; break;
	case BAD_CS_KERNEL: sc->cs = 0x08; break;
	case BAD_SS_KERNEL: sc->ss = 0x10; break;
	case BAD_IOPL3: sc->eflags |= 0x3000; break;
	case BAD_FRAME_UNMAPPED:
		/* rt_sigreturn reads the frame at RSP - 8: point it at nothing. */
		asm volatile("mov %0, %%rsp\n\tjmp sg_restorer" :: "r"(P->unmapped + 8));
		break;
	case BAD_FRAME_KEY_DENIED: {
		/* Copy the frame to a page whose key the (handler's) PKRU denies. */
		u64 *src = (u64 *)((u8 *)uc - 8), *dst = (u64 *)P->page;
		u32 key = P->key, pkru = rdpkru() & ~(PKRU_AD(key) | PKRU_WD(key));

		wrpkru(pkru);
		for (int i = 0; i < 64; i++)
			dst[i] = src[i];
		wrpkru(pkru | PKRU_AD(key));
		asm volatile("mov %0, %%rsp\n\tjmp sg_restorer" :: "r"(P->page + 8));
		break;
	}
	}
}

static void h_fuzz(int sig, struct siginfo64 *si, struct ucontext64 *uc)
{
	P->res->v[0] = usys(SYS_sigreturn_fuzz, P->fuzz_iterations, P->seed, (long)P->res->fuzz);
	P->res->handled++;
}

static void h_count(int sig, struct siginfo64 *si, struct ucontext64 *uc)
{
	/* The frame's FPU registers are the receiver's own (XMM0 in the legacy area). */
	P->res->v[4] = *(u64 *)(fpstate(uc) + 160);
	P->res->v[0] = *frame_pkru(uc);
	P->res->v[2] = si->si_code;
	P->res->handled++;
}

/* ---- programs ---------------------------------------------------------- */

#define CANARY_QWORDS	384	/* 3 KiB of this task's stack above the signal's RSP */
#define CANARY(i)	(0xca11ab1e00000000ull | (i))

static void run_frame(void)
{
	/* Delivery may write only below the interrupted RSP (minus the red zone). */
	volatile u64 canary[CANARY_QWORDS];

	for (int i = 0; i < CANARY_QWORDS; i++)
		canary[i] = CANARY(i);
	install(SIGUSR1, h_frame, 0);
	wrpkru(P->pkru);
	write_xmm0(XMM_MARK(P->pkru));
	raise_sig(SIGUSR1);
	yield_n(3);
	P->res->v[4] = rdpkru();
	P->res->v[6] = read_xmm0();		/* restored from the frame */
	for (int i = 0; i < CANARY_QWORDS; i++)
		P->res->v[7] += canary[i] != CANARY(i);
	/* More signals one after the other than the kernel's nesting record holds. */
	install(SIGUSR2, h_quiet, 0);
	for (int i = 0; i < SEQUENTIAL_SIGNALS; i++)
		raise_sig(SIGUSR2);
	P->res->v[8] = rdpkru();
}

static void run_recover(void)
{
	install(SIGSEGV, h_recover, 0);
	/* Key 0 (stack, code's data) denied: the very next access faults. */
	asm volatile("wrpkru\n\t"
		     "mov (%%rsp), %%rax"
		     :: "a"(0x3), "c"(0), "d"(0) : "memory");
	yield_n(3);	/* the repaired PKRU must also survive switches */
	P->res->v[2] = rdpkru();
}

static void run_override(void)
{
	install(SIGUSR1, h_override, 0);
	wrpkru(P->pkru);
	raise_sig(SIGUSR1);
	P->res->v[0] = rdpkru();
	yield_n(10);
	P->res->v[1] = rdpkru();
	P->res->v[2] = usys(SYS_sigstat, SIGSTAT_FRAME_PKRU_CHANGES, 0, 0);
}

static void run_init_frame(void)
{
	install(SIGUSR1, h_init_frame, 0);
	wrpkru(P->pkru);
	raise_sig(SIGUSR1);
	P->res->v[0] = rdpkru();
	yield_n(5);
	P->res->v[1] = rdpkru();
}

static void run_pkey_fault(void)
{
	install(SIGSEGV, h_pkey, 0);
	wrpkru(P->pkru | PKRU_AD(P->key));
	P->res->v[4] = *(volatile u32 *)P->page;	/* faults once, then retried */
	yield_n(3);
	P->res->v[5] = rdpkru();
}

static void run_altstack(void)
{
	struct stack64 ss = { P->altstack, 0, 0, P->altstack_size };

	P->res->v[5] = usys(SYS_sigaltstack, (long)&ss, 0, 0);
	install(SIGUSR1, h_altstack, SA_ONSTACK);
	wrpkru(P->pkru | PKRU_AD(P->altkey) | PKRU_WD(P->altkey));
	raise_sig(SIGUSR1);
	yield_n(3);
	P->res->v[2] = rdpkru();
}

/* The altstack's key open in the interrupted PKRU, denied by init_pkru. */
static void run_altstack_open(void)
{
	struct stack64 ss = { P->altstack, 0, 0, P->altstack_size };

	P->res->v[5] = usys(SYS_sigaltstack, (long)&ss, 0, 0);
	install(SIGUSR1, h_altstack, SA_ONSTACK);
	wrpkru(P->pkru & ~(PKRU_AD(P->altkey) | PKRU_WD(P->altkey)));
	raise_sig(SIGUSR1);
	yield_n(3);
	P->res->v[2] = rdpkru();
}

static void run_nested(void)
{
	install(SIGUSR1, h_nested, 0);
	install(SIGUSR2, h_usr2, 0);
	wrpkru(P->pkru);
	raise_sig(SIGUSR1);
	P->res->v[3] = rdpkru();
}

static void run_wait_kill(void)
{
	install(SIGUSR1, h_count, 0);
	wrpkru(P->pkru);
	write_xmm0(XMM_MARK(P->pkru));
	/* Only now may the other task send: see SG_KILLER. */
	*P->ready = 1;
	for (int i = 0; i < 100000 && !P->res->handled; i++)
		usys(SYS_yield, 0, 0, 0);
	P->res->v[1] = rdpkru();
	P->res->v[3] = read_xmm0();
}

static void run_hostile(void)
{
	struct sg_params *p = me();

	/*
	 * PKRU re-written before every switch: what task 1 finds after its
	 * own yields is then this task's PKRU whenever the kernel fails to
	 * switch it, whatever a tick did before (a verdict must not depend
	 * on where the first preemption lands).
	 */
	while (!*p->stop) {
		wrpkru(p->pkru);
		usys(SYS_yield, 0, 0, 0);
		if (rdpkru() != p->pkru)
			p->res->mismatches++;
		p->res->iterations++;
	}
}

static void run_timer(void)
{
	struct sg_params *p = me();

	install(SIGALRM, h_count, 0);
	wrpkru(p->pkru);
	usys(SYS_alarm, 3, 0, 0);
	/* No system call in the loop: the signal arrives on a timer interrupt. */
	for (u64 i = 0; i < 2000000000ull && !p->res->handled; i++)
		asm volatile("pause");
	p->res->v[1] = rdpkru();
}

/*
 * The SIGSEGV that a rejected rt_sigreturn frame gives (Linux's
 * signal_fault()): note it, then go on where the frame was going.
 */
static void h_segv_caught(int sig, struct siginfo64 *si, struct ucontext64 *uc)
{
	P->res->v[3] = si->si_code;
	P->res->v[4] = (long)uc->uc_mcontext.rip;
	P->res->v[8]++;
	uc->uc_mcontext.rip = P->res->v[7];
}

static void run_bad_frame(void)
{
	u64 fl;

	if (P->catch_segv)
		install(SIGSEGV, h_segv_caught, 0);
	install(SIGUSR1, h_bad, 0);
	wrpkru(P->pkru);
	yield_n(2);	/* let B see this PKRU if the kernel fails to switch it */
	raise_sig(SIGUSR1);
	/* Only the forced and the caught kinds get here: still ring 3, IOPL 0. */
	asm volatile("pushfq; popq %0" : "=r"(fl));
	P->res->v[0] = (long)fl;
	P->res->v[1] = rdpkru();
	P->res->v[2] = 1;
}

/*
 * kill(self, sig) made with RSP at sp: the signal interrupts a context
 * whose stack is there.  Nothing is pushed while RSP is moved.
 */
static void raise_sig_on(u64 sp, int sig)
{
	long pid = usys(SYS_getpid, 0, 0, 0), nr = SYS_kill;

	asm volatile("mov %%rsp, %%rbx\n\t"
		     "mov %[sp], %%rsp\n\t"
		     "syscall\n\t"
		     "mov %%rbx, %%rsp"
		     : "+a"(nr) : "D"(pid), "S"((long)sig), "d"(0L), [sp] "r"(sp)
		     : "rbx", "rcx", "r11", "memory");
}

static void run_unwritable(void)
{
	/* Kind 1: the page below SLOT_ALT has none, so only the top 512
	 * bytes of the frame's span (MAGIC2 and the end of the XSAVE area)
	 * can be written; the header and the ucontext below cannot.
	 * Kind 2: the altstack is SLOT_ALT's second page and the signal
	 * comes while RSP is 256 bytes above its bottom: the frame would
	 * run below the altstack, into the first page, which is mapped --
	 * Linux's get_sigframe() refuses such a frame (SIGSEGV). */
	struct stack64 ss = { P->unmapped, 0, 0, 2 * USER_PAGE };

	if (P->bad_kind == 1) {
		ss.ss_sp = P->altstack - USER_PAGE;
		ss.ss_size = USER_PAGE + 512;
	} else if (P->bad_kind == 2) {
		ss.ss_sp = P->altstack + USER_PAGE;
		ss.ss_size = USER_PAGE;
	}
	P->res->v[5] = usys(SYS_sigaltstack, (long)&ss, 0, 0);
	install(SIGUSR1, h_count, SA_ONSTACK);
	wrpkru(P->pkru);
	yield_n(2);	/* let B see this PKRU if the kernel fails to switch it */
	if (P->bad_kind == 2)
		raise_sig_on(ss.ss_sp + 256, SIGUSR1);
	else
		raise_sig(SIGUSR1);
	P->res->v[2] = 1;	/* not reached: the task dies in the delivery */
}

static void run_fuzz(void)
{
	install(SIGUSR1, h_fuzz, 0);
	wrpkru(P->pkru);
	raise_sig(SIGUSR1);
	P->res->v[1] = rdpkru();
}

void sg_user_main(struct sg_params *p)
{
	params_base = p - (usys(SYS_getpid, 0, 0, 0) - 1);
	switch (p->program) {
	case SG_FRAME: run_frame(); break;
	case SG_RECOVER: run_recover(); break;
	case SG_OVERRIDE: run_override(); break;
	case SG_INIT_FRAME: run_init_frame(); break;
	case SG_PKEY_FAULT: run_pkey_fault(); break;
	case SG_ALTSTACK: run_altstack(); break;
	case SG_ALTSTACK_OPEN: run_altstack_open(); break;
	case SG_NESTED: run_nested(); break;
	case SG_WAIT_KILL: run_wait_kill(); break;
	case SG_KILLER:
		/*
		 * Wait (yielding) until task 1 has its handler and its PKRU:
		 * sent earlier, a tick that preempts task 1 before its
		 * sigaction would decide the verdict.  Bounded: a task 1 that
		 * never gets ready still gets the signal, and fails the check.
		 */
		write_xmm0(XMM_MARK(p->pkru));	/* not task 1's */
		for (int i = 0; i < 100000 && !*p->ready; i++)
			usys(SYS_yield, 0, 0, 0);
		usys(SYS_kill, 1, SIGUSR1, 0);
		run_hostile();
		break;
	case SG_TIMER: run_timer(); break;
	case SG_BAD_FRAME: run_bad_frame(); break;
	case SG_FUZZ: run_fuzz(); break;
	case SG_UNWRITABLE: run_unwritable(); break;
	case SG_HOSTILE: run_hostile(); break;
	}
	*p->stop = 1;
	uexit(0);
}
