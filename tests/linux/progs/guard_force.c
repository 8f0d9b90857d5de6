/*
 * guard_force: pkru_guard=force, entry by entry (issue 23).  pkrulab runs
 * its cells, linux.guard_force[CONFIG], with the guard added for the cell
 * (tests/linux/linux.c): the kernel owns PKRU, and a change made in ring
 * 3 -- WRPKRU, XRSTOR with RFBM bit 9 -- kills the process (SIGKILL) at
 * its next system call, fault or signal.  What the kernel changes itself
 * (pkey_alloc's init_val, a handler's PKRU, fork) is not such a change.
 * Under a kernel without the guard (any Linux) the "killed" sub-tests
 * fail: the program is for pkrulab's forced cells only.
 *
 * Each sub-test runs in a forked child; the parent checks how it ended:
 * "killed" (SIGKILL) or "lives" (exit 0).  The changed PKRU is the live
 * one with key 1's AD bit flipped.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ptest.h"

#define SW_BYTES	464		/* fpstate: the software-reserved bytes */
#define XSTATE_BV	512
#define FP_MAGIC1	0x46505853u

static unsigned pkru_off;
static volatile int got_signal;

static uint32_t changed(void) { return rdpkru() ^ PKRU_AD(1); }

static uint64_t xcr0(void)
{
	uint32_t a, d;

	asm volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
	return a | (uint64_t)d << 32;
}

static void on_signal(int sig) { (void)sig; got_signal = 1; }

static void catch(int sig, void (*h)(int))
{
	struct sigaction sa = { .sa_handler = h };

	sigaction(sig, &sa, NULL);
}

/* ---- the sub-tests: each returns (exit 0) only if it was let live ---- */

static void wrpkru_then_syscall(void)
{
	wrpkru(changed());
	syscall(SYS_getpid);
}

/*
 * The signal's handler longjmps out (no mask restore, so no system call)
 * and the child takes back the PKRU the kernel gave the handler, so that
 * its next system call finds the kernel's value: only the check of the
 * delivery can have killed it.
 */
static sigjmp_buf signal_env;
static volatile uint32_t handler_pkru;

static void on_signal_jump(int sig)
{
	(void)sig;
	handler_pkru = rdpkru();
	siglongjmp(signal_env, 1);
}

/*
 * A fault the kernel handles without a signal: a call into the vsyscall
 * page (vsyscall=xonly: the #PF is emulated as gettimeofday).  Only the
 * fault's own check sees the changed PKRU; the child puts it back before
 * its next system call.
 */
#define VSYSCALL_GETTIMEOFDAY	0xffffffffff600000ul

static void wrpkru_then_fault(void)
{
	long (*vgtod)(void *, void *) = (long (*)(void *, void *))VSYSCALL_GETTIMEOFDAY;
	uint64_t tv[2];
	uint32_t old = rdpkru();

	wrpkru(changed());
	vgtod(tv, NULL);
	wrpkru(old);
	syscall(SYS_getpid);
}

/*
 * The signal comes from a second process, sent only once the change is
 * made (a flag in shared memory, written with no system call), so the
 * child's next kernel entry is that signal's delivery.
 */
static void wrpkru_then_signal(void)
{
	volatile int *changed_flag = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t me = getpid(), sender;
	uint32_t old = rdpkru();

	if (changed_flag == MAP_FAILED)
		_exit(3);
	catch(SIGUSR1, on_signal_jump);
	sender = fork();
	if (sender == 0) {
		while (!*changed_flag)
			sched_yield();
		kill(me, SIGUSR1);
		_exit(0);
	}
	if (!sigsetjmp(signal_env, 0)) {
		wrpkru(changed());
		*changed_flag = 1;
		/* Up to about 2^36 TSC cycles (many seconds) for the signal. */
		for (uint64_t t0 = __builtin_ia32_rdtsc(); __builtin_ia32_rdtsc() - t0 < (1ull << 36);)
			asm volatile("" ::: "memory");
		wrpkru(old);	/* no signal came: not a kill of the guard's */
		_exit(3);
	}
	wrpkru(handler_pkru);
}

static void wrpkru_undone(void)
{
	uint32_t old = rdpkru();

	wrpkru(changed());
	wrpkru(old);
	syscall(SYS_getpid);
}

static void pkey_alloc_init_val(void)
{
	long k = syscall(SYS_pkey_alloc, 0, 1 /* PKEY_DISABLE_ACCESS */);

	syscall(SYS_getpid);
	if (k < 0)
		_exit(3);
}

static void handler_plain(void)
{
	catch(SIGUSR1, on_signal);
	raise(SIGUSR1);
	syscall(SYS_getpid);
}

static void raise_in_frame(int sig, siginfo_t *si, void *ctx)
{
	unsigned char *fp = (unsigned char *)((ucontext_t *)ctx)->uc_mcontext.fpregs;
	uint32_t magic, pkru;

	(void)sig;
	(void)si;
	memcpy(&magic, fp + SW_BYTES, 4);
	if (magic != FP_MAGIC1)
		return;
	memcpy(&pkru, fp + pkru_off, 4);
	pkru ^= PKRU_AD(1);
	memcpy(fp + pkru_off, &pkru, 4);
	fp[XSTATE_BV + 1] |= 2;		/* XSTATE_BV[9] */
}

static volatile int frame_pkru;

static void probe_frame(int sig, siginfo_t *si, void *ctx)
{
	unsigned char *fp = (unsigned char *)((ucontext_t *)ctx)->uc_mcontext.fpregs;
	uint32_t magic;
	uint64_t feats;

	(void)sig;
	(void)si;
	memcpy(&magic, fp + SW_BYTES, 4);
	memcpy(&feats, fp + SW_BYTES + 8, 8);
	frame_pkru = magic == FP_MAGIC1 && (feats & (1u << 9));
}

/* Does this kernel's signal frame carry PKRU (component 9)? */
static int frame_has_pkru(void)
{
	struct sigaction sa = { .sa_sigaction = probe_frame, .sa_flags = SA_SIGINFO };

	sigaction(SIGUSR2, &sa, NULL);
	raise(SIGUSR2);
	return frame_pkru;
}

static void frame_pkru_changed(void)
{
	struct sigaction sa = { .sa_sigaction = raise_in_frame, .sa_flags = SA_SIGINFO };

	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
}

static void wrpkru_in_handler(int sig)
{
	(void)sig;
	wrpkru(changed());
}

static void handler_wrpkru(void)
{
	catch(SIGUSR1, wrpkru_in_handler);
	raise(SIGUSR1);
}

static void xrstor_then_syscall(void)
{
	static unsigned char xs[16384] __attribute__((aligned(64)));
	uint32_t pkru = changed();

	memset(xs, 0, sizeof(xs));
	asm volatile("xsave64 %0" : "+m"(xs) : "a"(1u << 9), "d"(0) : "memory");
	memcpy(xs + pkru_off, &pkru, 4);
	xs[XSTATE_BV + 1] |= 2;
	asm volatile("xrstor64 %0" : : "m"(xs), "a"(1u << 9), "d"(0) : "memory");
	syscall(SYS_getpid);
}

/* The kernel's PKRU goes with the fork: the child's own first call is fine. */
static void fork_child_calls(void)
{
	int status;
	pid_t c;

	syscall(SYS_pkey_alloc, 0, 2 /* PKEY_DISABLE_WRITE */);
	c = fork();
	if (c == 0) {
		syscall(SYS_getpid);
		_exit(0);
	}
	if (waitpid(c, &status, 0) != c || !WIFEXITED(status) || WEXITSTATUS(status))
		_exit(3);
}

#define NEEDS_XCR0_PKRU		1	/* user XRSTOR loads PKRU */
#define NEEDS_FRAME_PKRU	2	/* the signal frame has PKRU */

static const struct sub {
	void (*run)(void);
	int killed;		/* 1: the guard must kill it; 0: it must live */
	int needs;		/* NEEDS_*: skipped without it */
	const char *what;
} subs[] = {
	{ wrpkru_then_syscall, 1, 0, "WRPKRU, then a system call: killed" },
	{ wrpkru_then_fault, 1, 0, "WRPKRU, then a fault the kernel handles (a vsyscall call): killed" },
	{ wrpkru_then_signal, 1, 0, "WRPKRU, then a signal from another process, no system call: killed" },
	{ handler_wrpkru, 1, 0, "WRPKRU in a handler, then rt_sigreturn: killed" },
	{ frame_pkru_changed, 1, NEEDS_FRAME_PKRU, "a handler changes the frame's PKRU: killed at rt_sigreturn" },
	{ xrstor_then_syscall, 1, NEEDS_XCR0_PKRU, "XRSTOR of another PKRU, then a system call: killed" },
	{ wrpkru_undone, 0, 0, "WRPKRU undone before the next entry: lives (force cannot see it)" },
	{ pkey_alloc_init_val, 0, 0, "pkey_alloc's init_val (the kernel writes PKRU): lives" },
	{ handler_plain, 0, 0, "a handler and its rt_sigreturn, PKRU untouched: lives" },
	{ fork_child_calls, 0, 0, "fork: the child starts with its parent's PKRU: lives" },
};

int main(void)
{
	unsigned a, b, c, d;
	int has_frame_pkru;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!have_ospke())
		return KSFT_SKIP;
	__cpuid_count(0xd, 9, a, b, c, d);
	pkru_off = b;
	has_frame_pkru = frame_has_pkru();
	printf("1..%d\n", (int)(sizeof(subs) / sizeof(subs[0])));
	for (unsigned i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		const struct sub *s = &subs[i];
		int status, killed;
		pid_t p;

		if ((s->needs & NEEDS_XCR0_PKRU) && !(xcr0() & (1u << 9))) {
			printf("ok %d # SKIP XCR0[9]=0: %s\n", ++tests, s->what);
			continue;
		}
		if ((s->needs & NEEDS_FRAME_PKRU) && !has_frame_pkru) {
			printf("ok %d # SKIP no PKRU in the signal frame: %s\n", ++tests, s->what);
			continue;
		}
		fflush(stdout);
		p = fork();
		if (p == 0) {
			s->run();
			_exit(0);
		}
		if (waitpid(p, &status, 0) != p) {
			ok(0, s->what);
			continue;
		}
		killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
		if (!killed && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
			printf("# %s: ended with status %#x\n", s->what, status);
		ok(s->killed ? killed : WIFEXITED(status) && WEXITSTATUS(status) == 0, s->what);
	}
	return ptest_done("guard_force");
}
