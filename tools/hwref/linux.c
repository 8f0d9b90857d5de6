/*
 * Linux's own round trips on the same CPU, the anchors the replays are
 * read against: a null system call (getppid), a sched_yield ping-pong
 * between two processes on one CPU, a signal sent to oneself and returned
 * from, and a protection-key fault whose handler opens the key in the
 * signal frame's XSAVE image so that the access is retried and succeeds
 * (the Linux pkey selftests' way: PKRU at fpstate + CPUID(0xD,9).EBX).
 * Every batch checks that what it timed really happened.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "hwref.h"
#include "x86.h"

#ifndef SEGV_PKUERR
#define SEGV_PKUERR 4		/* si_code of a protection-key fault */
#endif

/* ---- null system call ---- */
static uint64_t null_syscall_batch(const struct bench *b)
{
	uint64_t t0 = tsc_begin();

	for (unsigned i = 0; i < HWREF_BATCH; i++)
		raw_syscall3(SYS_getppid, 0, 0, 0);
	return tsc_end() - t0;
}

/* ---- sched_yield ping-pong ---- */
struct pingpong {
	volatile uint32_t turn;		/* 0: parent's, 1: child's */
	volatile uint32_t stop;
	volatile uint64_t child_rounds;
};
static struct pingpong *pp;
static pid_t pp_child;

static const char *pingpong_setup(const struct bench *b)
{
	pp = mmap(NULL, sizeof(*pp), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (pp == MAP_FAILED)
		return "mmap of the shared page failed";
	memset((void *)pp, 0, sizeof(*pp));
	/* The child inherits the parent's one-CPU affinity: both share it. */
	pp_child = fork();
	if (pp_child < 0) {
		munmap(pp, sizeof(*pp));
		return "fork failed";
	}
	if (pp_child == 0) {
		while (!pp->stop) {
			if (pp->turn == 1) {
				pp->child_rounds++;
				pp->turn = 0;
			}
			raw_syscall3(SYS_sched_yield, 0, 0, 0);
		}
		_exit(0);
	}
	return NULL;
}

static uint64_t pingpong_batch(const struct bench *b)
{
	uint64_t t0 = tsc_begin();

	for (unsigned i = 0; i < HWREF_BATCH; i++) {
		pp->turn = 1;
		while (pp->turn == 1)
			raw_syscall3(SYS_sched_yield, 0, 0, 0);
	}
	return tsc_end() - t0;
}

static const char *pingpong_check(const struct bench *b, uint64_t ops)
{
	return pp->child_rounds == ops ? NULL : "the child's round count differs from the parent's";
}

static void pingpong_teardown(const struct bench *b)
{
	pp->stop = 1;
	waitpid(pp_child, NULL, 0);
	munmap(pp, sizeof(*pp));
}

/* ---- signal round trip ---- */
static volatile uint64_t signals_seen;
static pid_t self_pid, self_tid;

static void on_sigusr1(int sig) { signals_seen++; }

static const char *signal_setup(const struct bench *b)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		return "sigaction(SIGUSR1) failed";
	self_pid = getpid();
	self_tid = (pid_t)syscall(SYS_gettid);
	signals_seen = 0;
	return NULL;
}

/* tgkill to itself: delivered on that system call's return, then sigreturn. */
static uint64_t signal_batch(const struct bench *b)
{
	uint64_t t0 = tsc_begin();

	for (unsigned i = 0; i < HWREF_BATCH; i++)
		raw_syscall3(SYS_tgkill, self_pid, self_tid, SIGUSR1);
	return tsc_end() - t0;
}

static const char *signal_check(const struct bench *b, uint64_t ops)
{
	return signals_seen == ops ? NULL : "not every SIGUSR1 reached its handler";
}

static void signal_teardown(const struct bench *b) { signal(SIGUSR1, SIG_DFL); }

/* ---- protection-key fault round trip ---- */
static int pk_key = -1;
static volatile uint8_t *pk_page;
static volatile uint64_t pk_faults, pk_wrong;

/* Open the key in the frame: PKRU is state component 9 of the XSAVE image. */
static void on_pk_fault(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	uint8_t *fpstate = (uint8_t *)uc->uc_mcontext.fpregs;

	if (si->si_code != SEGV_PKUERR || !fpstate) {
		pk_wrong++;
		signal(SIGSEGV, SIG_DFL);	/* a real crash stays a crash */
		return;
	}
	*(uint32_t *)(fpstate + hw.pkru_off) &= ~(PKRU_AD_BIT(pk_key) | PKRU_WD_BIT(pk_key));
	*(uint64_t *)(fpstate + XSAVE_HDR_OFFSET) |= XFEATURE_MASK_PKRU;
	pk_faults++;
}

static const char *pkfault_setup(const struct bench *b)
{
	struct sigaction sa = { .sa_sigaction = on_pk_fault, .sa_flags = SA_SIGINFO };
	const char *why = need_pkru_insns();

	if (!why)
		why = need_xcr0_pkru();
	if (why)
		return why;
	pk_key = (int)syscall(SYS_pkey_alloc, 0, 0);
	if (pk_key < 0)
		return "pkey_alloc failed: the kernel offers no protection keys";
	pk_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pk_page == MAP_FAILED ||
	    syscall(SYS_pkey_mprotect, pk_page, 4096, PROT_READ | PROT_WRITE, pk_key))
		return "mmap or pkey_mprotect of the test page failed";
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL))
		return "sigaction(SIGSEGV) failed";
	pk_faults = pk_wrong = 0;
	return NULL;
}

/* Close the key, touch the page: fault, handler opens it, retry succeeds. */
static uint64_t pkfault_batch(const struct bench *b)
{
	const uint32_t deny = PKRU_AD_BIT(pk_key);
	uint64_t t0 = tsc_begin();

	for (unsigned i = 0; i < HWREF_BATCH; i++) {
		wrpkru(rdpkru() | deny);
		(void)pk_page[0];
	}
	return tsc_end() - t0;
}

static const char *pkfault_check(const struct bench *b, uint64_t ops)
{
	if (pk_wrong)
		return "SIGSEGV without si_code SEGV_PKUERR";
	return pk_faults == ops ? NULL : "not every access faulted once";
}

static void pkfault_teardown(const struct bench *b)
{
	signal(SIGSEGV, SIG_DFL);
	if (pk_page && pk_page != MAP_FAILED)
		munmap((void *)pk_page, 4096);
	if (pk_key >= 0)
		syscall(SYS_pkey_free, pk_key);
	pk_key = -1;
	pk_page = NULL;
}

const struct bench linux_benches[] = {
	{ "linux_null_syscall", "-", NULL, null_syscall_batch, NULL, NULL, NULL, false },
	{ "linux_yield_pingpong", "-", pingpong_setup, pingpong_batch, pingpong_check,
	  pingpong_teardown, NULL, false },
	{ "linux_signal_roundtrip", "-", signal_setup, signal_batch, signal_check,
	  signal_teardown, NULL, false },
	{ "linux_pkfault_roundtrip", "-", pkfault_setup, pkfault_batch, pkfault_check,
	  pkfault_teardown, NULL, false },
};
const unsigned nr_linux_benches = sizeof(linux_benches) / sizeof(linux_benches[0]);
