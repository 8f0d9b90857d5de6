/*
 * Ring-3 side of the smp.* scenarios.  Every program sets its own PKRU
 * with WRPKRU, as a pkeys user does, and counts each moment its PKRU, its
 * XMM0, its pid or its CPU is not what it should be.
 */
#include <kernel/sigframe.h>
#include "../lib/user.h"
#include "smp.h"

#define MAX_IDS		8
#define WINDOW_SPINS	64	/* a stretch of ring-3 work with no kernel entry */
#define SMP_EBUSY	16	/* SMPOP_SET_PKRU_OF: the task is running */

struct ksigaction { u64 handler, flags, restorer, mask; };

asm(".text\n"
    ".globl smp_restorer\n"
    "smp_restorer:\n\t"
    "mov $14, %eax\n\t"
    "syscall\n\t"
    "ud2\n");
extern char smp_restorer[];

static struct smp_params *by_id[MAX_IDS];

static struct smp_params *me(void) { return by_id[usys(SYS_getpid, 0, 0, 0) & (MAX_IDS - 1)]; }

static void install(int sig, void (*fn)(int, struct siginfo64 *, struct ucontext64 *))
{
	struct ksigaction sa = { (u64)fn, SA_SIGINFO | SA_RESTORER, (u64)smp_restorer, 0 };

	usys(SYS_sigaction, sig, (long)&sa, 0);
}

static long smp_call(long op, long a, long b) { return usys(SYS_smp, op, a, b); }

static void note_pkru(struct smp_params *p, u32 want)
{
	u32 now = rdpkru();

	if (now == want)
		return;
	if (!p->res->pkru_bad)
		p->res->first_bad = now;
	p->res->pkru_bad++;
}

/* Wait (sleeping a tick at a time) until *w is nonzero; false if it never is. */
static bool wait_for(volatile u32 *w)
{
	for (int i = 0; i < SMP_WAIT_TICKS && !*w; i++)
		usys(SYS_sleep, 1, 0, 0);
	return *w != 0;
}

/*
 * Two tasks per CPU, all four at once.  Each kernel entry checks that the
 * kernel took this CPU's task for the caller (getpid, the CPU), each
 * yield that the other task on this CPU left PKRU and XMM0 alone.  The
 * peer on the other CPU moving its counter while this task did nothing
 * but ring-3 work proves the two CPUs really ran at once (overlap).
 */
static void prog_concurrent(struct smp_params *p)
{
	u64 mine = 0xc0c0000000000000ull | (u64)p->pkru << 8 | p->id;
	volatile u64 *own = (volatile u64 *)p->own_page;

	wrpkru(p->pkru);
	write_xmm0(mine);
	for (u64 i = 0; i < p->iterations; i++) {
		u64 before = *p->peer_count;

		for (volatile int n = 0; n < WINDOW_SPINS; n++)
			;
		if (*p->peer_count != before)
			p->res->overlap++;
		if ((u64)usys(SYS_getpid, 0, 0, 0) != p->id)
			p->res->pid_bad++;
		if ((i & 15) == 0 && smp_call(SMPOP_GETCPU, 0, 0) != p->cpu)
			p->res->cpu_bad++;
		note_pkru(p, p->pkru);
		if (read_xmm0() != mine) {
			p->res->xmm_bad++;
			write_xmm0(mine);
		}
		own[i & 63]++;
		(*p->count)++;
		if ((i & 7) == 7)
			usys(SYS_yield, 0, 0, 0);
		p->res->iterations++;
	}
}

static void h_dirty(int sig, struct siginfo64 *si, struct ucontext64 *uc)
{
	/* The handler's own registers: sigreturn must bring the task's back. */
	write_xmm0(0xbadbadbadull);
	wrpkru(0);
	me()->res->v[0]++;
}

/* One path between the two migrations; returns the PKRU it leaves. */
static u32 run_path(struct smp_params *p, int path, u32 pkru, u64 *xmm)
{
	switch (path) {
	case PATH_FPU_RESET:
		usys(SYS_fpu_reset, 0, 0, 0);
		*xmm = 0;		/* the init value; PKRU is kept */
		break;
	case PATH_SIGNAL:
		usys(SYS_kill, p->id, SIGUSR1, 0);
		break;
	case PATH_KERNEL_FPU:
		usys(SYS_kernel_fpu, (long)*xmm, 0, 0);
		break;
	case PATH_SET_PKRU:
		pkru ^= p->pkru2;
		usys(SYS_set_pkru, pkru, 0, 0);
		break;
	}
	return pkru;
}

static u32 state_bad(u32 pkru, u64 xmm)
{
	return rdpkru() != pkru || read_xmm0() != xmm;
}

/*
 * For each path, iterations times: on the first CPU set PKRU and XMM0, go
 * to the second and check them, take the path there and check what it
 * promises, set new values, come back and check those.  The registers the
 * first CPU still holds are this task's old ones: a load skipped on the way
 * back (ownership without the last CPU) shows as bit 2.
 */
static void prog_migrate(struct smp_params *p)
{
	u32 home = p->cpu, away = p->peer;

	install(SIGUSR1, h_dirty);
	for (int path = 0; path < NR_PATHS; path++) {
		for (u64 i = 0; i < p->iterations; i++) {
			u32 pkru = p->pkru ^ (u32)(i << 4) ^ (u32)path << 12;
			u64 xmm = 0x1111000000000000ull | i << 8 | (u64)path;
			u32 bad = 0;

			pkru &= ~3u;	/* key 0 stays open: the stack and code */
			wrpkru(pkru);
			write_xmm0(xmm);
			if (smp_call(SMPOP_MIGRATE, away, 0) || smp_call(SMPOP_GETCPU, 0, 0) != away)
				p->res->cpu_bad++;
			bad |= state_bad(pkru, xmm);
			pkru = run_path(p, path, pkru, &xmm) & ~3u;
			bad |= state_bad(pkru, xmm) << 1;
			pkru ^= 0x30;
			xmm = ~xmm;
			wrpkru(pkru);
			write_xmm0(xmm);
			if (smp_call(SMPOP_MIGRATE, home, 0) || smp_call(SMPOP_GETCPU, 0, 0) != home)
				p->res->cpu_bad++;
			bad |= state_bad(pkru, xmm) << 2;
			p->res->path_bad[path] |= bad;
			if (bad)
				p->res->v[1 + path]++;
			p->res->iterations++;
		}
	}
	wrpkru(0);
}

/*
 * The sleeper: its PKRU and XMM0 set, it sleeps until the writer on the
 * other CPU has set its PKRU to pkru2 (as a tracer's SETREGSET would);
 * woken, it must run with pkru2 and its own XMM0.  v[0]: the PKRU it saw.
 */
static void prog_sleeper(struct smp_params *p)
{
	u64 mine = 0x51ee000000000000ull | p->id;

	wrpkru(p->pkru);
	write_xmm0(mine);
	*p->flag = 1;
	while (!*p->stop)
		usys(SYS_sleep, 1, 0, 0);
	p->res->v[0] = rdpkru();
	note_pkru(p, p->pkru2);
	if (read_xmm0() != mine)
		p->res->xmm_bad++;
}

/* v[0]: SMPOP_SET_PKRU_OF's result, v[1]: the -EBUSY tries before it. */
static void prog_writer(struct smp_params *p)
{
	long r = -1;

	if (!wait_for(p->flag))
		return;
	for (int i = 0; i < SMP_WAIT_TICKS * 10; i++) {
		r = smp_call(SMPOP_SET_PKRU_OF, p->peer, p->pkru2);
		if (r != -SMP_EBUSY)
			break;
		p->res->v[1]++;
		usys(SYS_yield, 0, 0, 0);
	}
	p->res->v[0] = (u64)r;
	*p->stop = 1;
}

/* The spinner's SIGSEGV: v[0] si_code, v[1] si_pkey, v[2] its count then. */
static void h_segv(int sig, struct siginfo64 *si, struct ucontext64 *uc)
{
	struct smp_params *p = me();

	p->res->v[0] = (u64)si->si_code;
	p->res->v[1] = si->u.fault.pkey;
	p->res->v[2] = *p->count;
	p->res->v[3] = 1;
	uexit(0);
}

static void prog_spinner(struct smp_params *p)
{
	volatile u32 *page = (volatile u32 *)p->page;

	install(SIGSEGV, h_segv);
	wrpkru(p->pkru);	/* key opens, key2 denied */
	*p->flag = 1;
	while (!*p->stop) {
		(void)*page;
		(*p->count)++;
	}
}

/* v[0]: SMPOP_PKEY_SET's result, v[1]: the spinner's count when it returned. */
static void prog_rekeyer(struct smp_params *p)
{
	volatile struct smp_result *peer = p->res + 1;

	if (!wait_for(p->flag))
		return;
	while (*p->peer_count < 1000)
		usys(SYS_yield, 0, 0, 0);
	p->res->v[0] = (u64)smp_call(SMPOP_PKEY_SET, (long)p->page, p->key2);
	p->res->v[1] = *p->peer_count;
	for (int i = 0; i < SMP_WAIT_TICKS && !peer->v[3]; i++)
		usys(SYS_sleep, 1, 0, 0);
	*p->stop = 1;		/* it never faulted: let it end */
}

static void h_usr1(int sig, struct siginfo64 *si, struct ucontext64 *uc)
{
	me()->res->v[0]++;
}

static void prog_victim(struct smp_params *p)
{
	install(SIGUSR1, h_usr1);
	*p->flag = 1;
	for (;;)
		(*p->count)++;
}

/*
 * v[0]: ticks the victim's handler took to run after kill(SIGUSR1) (it
 * spins in ring 3, so only an IPI gets it into the kernel); v[2]: ticks
 * until the killed victim was off its CPU (SMP_WAIT_TICKS: never); v[1]: its
 * count moved after that (1) or not (0).  Waiting for it to leave,
 * rather than a fixed tick or two, keeps the verdict off the host's
 * timing: with a busy host the IPI can take longer than a tick to reach
 * a vCPU (seen with two QEMUs and a third process on two cores).
 */
static void prog_killer(struct smp_params *p)
{
	volatile struct smp_result *peer = p->res + 1;
	u64 c;
	int i;

	if (!wait_for(p->flag))
		return;
	while (*p->peer_count < 1000)
		usys(SYS_yield, 0, 0, 0);
	usys(SYS_kill, p->peer, SIGUSR1, 0);
	for (i = 0; i < SMP_WAIT_TICKS && !peer->v[0]; i++)
		usys(SYS_sleep, 1, 0, 0);
	p->res->v[0] = (u64)i;
	usys(SYS_kill, p->peer, SIGKILL, 0);
	for (i = 0; i < SMP_WAIT_TICKS && smp_call(SMPOP_ONCPU, p->peer, 0) >= 0; i++)
		usys(SYS_sleep, 1, 0, 0);
	p->res->v[2] = (u64)i;
	c = *p->peer_count;
	usys(SYS_sleep, 2, 0, 0);
	p->res->v[1] = *p->peer_count != c;
}

/*
 * Two of these share one AP and never enter the kernel while they count:
 * the peer's counter can only move while this task is switched out, so
 * each move is one time slice ended by CPU 0's tick (kernel/smp.c) and
 * one preemptive switch each way.  PKRU and XMM0 are checked on every
 * turn.  v[0]: the peer's turns seen.  It stops after p->iterations of
 * them or once the peer has stopped (*p->flag counts the stopped ones).
 */
static void prog_preempted(struct smp_params *p)
{
	u64 mine = 0xa0a0000000000000ull | (u64)p->pkru << 8 | p->id;
	u64 seen;

	if (smp_call(SMPOP_GETCPU, 0, 0) != p->cpu)
		p->res->cpu_bad++;
	wrpkru(p->pkru);
	write_xmm0(mine);
	seen = *p->peer_count;
	while (p->res->v[0] < p->iterations && !*p->flag) {
		note_pkru(p, p->pkru);
		if (read_xmm0() != mine) {
			p->res->xmm_bad++;
			write_xmm0(mine);
		}
		(*p->count)++;
		if (*p->peer_count != seen) {
			seen = *p->peer_count;
			p->res->v[0]++;
		}
		p->res->iterations++;
	}
	__atomic_fetch_add(p->flag, 1, __ATOMIC_RELAXED);
	if (smp_call(SMPOP_GETCPU, 0, 0) != p->cpu)
		p->res->cpu_bad++;
}

void smp_user_main(struct smp_params *p)
{
	by_id[p->id & (MAX_IDS - 1)] = p;
	switch (p->program) {
	case SMP_CONCURRENT: prog_concurrent(p); break;
	case SMP_MIGRATE: prog_migrate(p); break;
	case SMP_SLEEPER: prog_sleeper(p); break;
	case SMP_WRITER: prog_writer(p); break;
	case SMP_SPINNER: prog_spinner(p); break;
	case SMP_REKEYER: prog_rekeyer(p); break;
	case SMP_VICTIM: prog_victim(p); break;
	case SMP_KILLER: prog_killer(p); break;
	case SMP_PREEMPTED: prog_preempted(p); break;
	}
	uexit(0);
}
