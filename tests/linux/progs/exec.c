/*
 * exec: what execve gives a program, as Linux 6.12 does it.  Stage one
 * (no arguments) checks execve's errors (ENOENT, EFAULT, E2BIG), a traced
 * execve of /proc/self/exe (a SIGTRAP stop after it) and one from a second
 * thread (the first one ends: de_thread()).  Then it sets up state exec
 * must reset or keep -- keys allocated, a page of another key, a PKRU that
 * opens and denies them, handlers, an ignored signal, a blocked one left
 * pending, an altstack, two pipes, one O_CLOEXEC -- and execs /bin/exec
 * with "child" from one asm block that first dirties XMM/YMM, MXCSR, the
 * x87 control word and stack, and DS and ES (SS's selector).  Stage two
 * reads the registers at its ELF entry (exec_entry: before glibc's
 * start-up touches any of them) and checks: every GPR zero, RFLAGS 0x202,
 * null DS/ES/FS/GS, XMM and the upper YMM halves zero, MXCSR 0x1f80, FCW
 * 0x37f, the x87 stack empty, XINUSE without AVX where the CPU tracks it,
 * PKRU init_pkru (0x55555554, and again after a switch to a child that
 * sets another), XMM0 and PKRU its own after a move to CPU 0 (the exec
 * happened on CPU 1 where there is one), pkey_alloc giving key 1 again, handled signals at
 * SIG_DFL, the ignored one SIG_IGN, the mask and the pending signal kept,
 * no altstack, the old page unmapped, the pipe still open and the
 * O_CLOEXEC one closed, the same pid.  TAP "ok N" lines, numbered on
 * across the exec; exit 0 when every check held, 4 (KSFT_SKIP) without
 * OSPKE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ptest.h"

#define MXCSR_INIT		0x1f80
#define FCW_INIT		0x37f
#define RFLAGS_AT_EXEC		0x202	/* IF and the reserved bit 1 */
#define XFEATURE_MASK_AVX	(1u << 2)
#define OLD_PAGE_HINT		((void *)0x600000000000ull)
#define E2BIG_LEN		(200u << 10)	/* over Linux's MAX_ARG_STRLEN, 128 KiB */
#define RT_SIG_HANDLED		(SIGRTMIN + 2)
#define RT_SIG_BLOCKED		(SIGRTMIN + 3)
#define NR_GPRS			15

/* What exec_entry saw at the ELF entry point. */
uint8_t entry_fx[512] __attribute__((aligned(16), used));	/* FXSAVE64 */
uint8_t entry_yh[16][16] __attribute__((used));		/* YMM0-15 bits 255:128 */
uint64_t entry_gpr[NR_GPRS] __attribute__((used));	/* rbx..r15, rax */
uint64_t entry_rflags __attribute__((used));
uint16_t entry_sel[4] __attribute__((used));			/* DS, ES, FS, GS */
uint32_t entry_avx, entry_have_xinuse __attribute__((used));
uint64_t entry_xinuse __attribute__((used));

/*
 * The ELF entry (-Wl,-e,exec_entry): save the registers with RIP-relative
 * stores (nothing is relocated yet), then glibc's _start with the
 * registers it expects (RDX = 0: no rtld_fini).
 */
asm(".text\n.globl exec_entry\n.type exec_entry,@function\nexec_entry:\n"
    "	mov %rbx, entry_gpr+0(%rip)\n	mov %rcx, entry_gpr+8(%rip)\n"
    "	mov %rdx, entry_gpr+16(%rip)\n	mov %rsi, entry_gpr+24(%rip)\n"
    "	mov %rdi, entry_gpr+32(%rip)\n	mov %rbp, entry_gpr+40(%rip)\n"
    "	mov %r8, entry_gpr+48(%rip)\n	mov %r9, entry_gpr+56(%rip)\n"
    "	mov %r10, entry_gpr+64(%rip)\n	mov %r11, entry_gpr+72(%rip)\n"
    "	mov %r12, entry_gpr+80(%rip)\n	mov %r13, entry_gpr+88(%rip)\n"
    "	mov %r14, entry_gpr+96(%rip)\n	mov %r15, entry_gpr+104(%rip)\n"
    "	mov %rax, entry_gpr+112(%rip)\n"
    "	pushfq\n	popq entry_rflags(%rip)\n"
    "	mov %ds, entry_sel+0(%rip)\n	mov %es, entry_sel+2(%rip)\n"
    "	mov %fs, entry_sel+4(%rip)\n	mov %gs, entry_sel+6(%rip)\n"
    "	fxsave64 entry_fx(%rip)\n"
    "	mov $1, %eax\n	cpuid\n	bt $27, %ecx\n	jnc 2f\n"		/* OSXSAVE */
    "	xor %ecx, %ecx\n	xgetbv\n	test $4, %al\n	jz 2f\n"	/* XCR0.AVX */
    "	movl $1, entry_avx(%rip)\n"
    "	vextractf128 $1, %ymm0, entry_yh+0(%rip)\n	vextractf128 $1, %ymm1, entry_yh+16(%rip)\n"
    "	vextractf128 $1, %ymm2, entry_yh+32(%rip)\n	vextractf128 $1, %ymm3, entry_yh+48(%rip)\n"
    "	vextractf128 $1, %ymm4, entry_yh+64(%rip)\n	vextractf128 $1, %ymm5, entry_yh+80(%rip)\n"
    "	vextractf128 $1, %ymm6, entry_yh+96(%rip)\n	vextractf128 $1, %ymm7, entry_yh+112(%rip)\n"
    "	vextractf128 $1, %ymm8, entry_yh+128(%rip)\n	vextractf128 $1, %ymm9, entry_yh+144(%rip)\n"
    "	vextractf128 $1, %ymm10, entry_yh+160(%rip)\n	vextractf128 $1, %ymm11, entry_yh+176(%rip)\n"
    "	vextractf128 $1, %ymm12, entry_yh+192(%rip)\n	vextractf128 $1, %ymm13, entry_yh+208(%rip)\n"
    "	vextractf128 $1, %ymm14, entry_yh+224(%rip)\n	vextractf128 $1, %ymm15, entry_yh+240(%rip)\n"
    "	mov $0xd, %eax\n	mov $1, %ecx\n	cpuid\n	test $4, %al\n	jz 2f\n"	/* XGETBV1 */
    "	mov $1, %ecx\n	xgetbv\n	mov %eax, entry_xinuse(%rip)\n	mov %edx, entry_xinuse+4(%rip)\n"
    "	movl $1, entry_have_xinuse(%rip)\n"
    "2:	xor %eax, %eax\n	xor %ebx, %ebx\n	xor %ecx, %ecx\n	xor %edx, %edx\n"
    "	jmp _start\n");

static void on_sig(int sig) { (void)sig; }

/* ---- stage one --------------------------------------------------------------- */

static long raw_execve(const void *path, const void *argv, const void *envp)
{
	return syscall(SYS_execve, path, argv, envp);
}

static void check_errors(void)
{
	char *big = malloc(E2BIG_LEN + 1);
	char *argv[] = { "exec", NULL, NULL };

	ok(raw_execve("/bin/no_such_program", argv, NULL) == -1 && errno == ENOENT,
	   "execve of a program not in the image is ENOENT");
	ok(raw_execve((void *)8, argv, NULL) == -1 && errno == EFAULT,
	   "execve with an unreadable path is EFAULT");
	argv[1] = (char *)8;
	ok(raw_execve("/bin/exec", argv, NULL) == -1 && errno == EFAULT,
	   "execve with an unreadable argv string is EFAULT");
	ok(raw_execve("/bin/exec", (void *)8, NULL) == -1 && errno == EFAULT,
	   "execve with an unreadable argv is EFAULT");
	memset(big, 'x', E2BIG_LEN);
	big[E2BIG_LEN] = 0;
	argv[1] = big;
	ok(raw_execve("/bin/exec", argv, NULL) == -1 && errno == E2BIG,
	   "execve with a 200 KiB argument is E2BIG");
	free(big);
}

/*
 * A traced process stops with SIGTRAP after exec (no PTRACE_O_TRACEEXEC:
 * Linux's plain SIGTRAP), here exec'ing itself through /proc/self/exe; the
 * new image ("traced") exits 0 at once.
 */
static void check_traced_exec(void)
{
	char *argv[] = { "exec", "traced", NULL };
	int st1 = 0, st2 = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (!pid) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		execv("/proc/self/exe", argv);
		_exit(3);
	}
	waitpid(pid, &st1, 0);
	if (WIFSTOPPED(st1))
		ptrace(PTRACE_CONT, pid, NULL, NULL);
	waitpid(pid, &st2, 0);
	ok(WIFSTOPPED(st1) && WSTOPSIG(st1) == SIGTRAP && WIFEXITED(st2) && !WEXITSTATUS(st2),
	   "a traced execve of /proc/self/exe stops with SIGTRAP, then runs the new image");
}

static void *exec_from_thread(void *arg)
{
	char *argv[] = { "exec", "threaded", arg, NULL };

	execv("/proc/self/exe", argv);
	_exit(3);
}

/* The new image of a thread's execve: the only thread left, with the process id. */
static int stage_threaded(const char *pid)
{
	return getpid() == atoi(pid) && syscall(SYS_gettid) == getpid() ? 0 : 1;
}

/*
 * execve from a second thread while the first sleeps for good, or spins
 * in user mode (on another CPU, where there is one: it still runs on the
 * old address space as execve replaces it): the first thread dies
 * (de_thread()), the caller becomes the process's only thread with its
 * pid, and the process can end.  Waited for 10 s at most.
 */
static void check_threaded_exec(int spin)
{
	int st = 0, waited = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (!pid) {
		static char a_pid[16];
		pthread_t t;

		snprintf(a_pid, sizeof(a_pid), "%d", (int)getpid());
		pthread_create(&t, NULL, exec_from_thread, a_pid);
		for (;;)
			if (!spin)
				pause();
	}
	while (waitpid(pid, &st, WNOHANG) == 0 && waited++ < 1000)
		usleep(10000);
	if (waited > 1000) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	ok(waited <= 1000 && WIFEXITED(st) && !WEXITSTATUS(st),
	   spin ? "execve from a second thread while the first spins: it ends, the caller runs "
		  "with the pid" :
		  "execve from a second thread: the first one ends, the caller runs with the pid");
}

/* Everything exec resets or keeps, set up before it. */
static void setup_state(uint32_t *pkru, int *fd, int *cfd, void **page)
{
	static char altstack[65536];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa = { .sa_handler = on_sig, .sa_flags = SA_RESTART | SA_ONSTACK };
	sigset_t set;
	int k1 = pkey_alloc(0, 0), k2 = pkey_alloc(0, 0), p[2], q[2];

	ok(k1 == 1 && k2 == 2, "pkey_alloc gives keys 1 and 2");
	*page = mmap(OLD_PAGE_HINT, 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	ok(*page == OLD_PAGE_HINT && !pkey_mprotect(*page, 4096, PROT_READ | PROT_WRITE, k1),
	   "a page at 0x600000000000 with key 1");
	*pkru = PKRU_WD(k1) | PKRU_AD(k2);	/* key 0 and key 1 readable, key 2 denied */
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(RT_SIG_HANDLED, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, RT_SIG_BLOCKED);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGINT);				/* pending across the exec */
	ok(!sigaltstack(&ss, NULL), "an altstack");
	ok(!pipe(p) && write(p[1], "kept", 4) == 4, "a pipe with 4 bytes in it");
	*fd = p[0];
	ok(!pipe2(q, O_CLOEXEC), "a pipe with O_CLOEXEC");
	*cfd = q[0];
}

/*
 * The execve happens on CPU 1 where there is one: the program ran on
 * CPU 0 until now, so CPU 0 still holds its old registers, and stage
 * two's move back there (check_move_after_exec()) is the CPU0 -> CPU1 ->
 * exec -> CPU0 path of Linux's 2023 bug (ownership dropped on one CPU).
 */
static void move_to_cpu1(void)
{
	unsigned long mask = 0, one = 2;

	if (!syscall(SYS_sched_getaffinity, 0, sizeof(mask), &mask) || !(mask & 2))
		return;
	syscall(SYS_sched_setaffinity, 0, sizeof(one), &one);
}

/*
 * execve from one asm block: XMM0-15 (YMM0-15 with AVX) get a pattern,
 * MXCSR flush-to-zero and round-down, the x87 control word 53-bit
 * precision and one value on its stack, PKRU the value set up -- exec must
 * not let any of it through.  Returns only if execve failed.
 */
static long execve_dirty(char *const argv[], uint32_t pkru, int avx)
{
	static const uint32_t pattern[8] __attribute__((aligned(32))) = {
		0xdeadbeef, 0x01234567, 0x89abcdef, 0x5a5a5a5a, 1, 2, 3, 4 };
	uint32_t mxcsr = MXCSR_INIT | 0x8000 | 0x2000;
	uint16_t fcw = 0x27f;
	long ret;

	wrpkru(pkru);
	asm volatile("movdqa (%[pat]), %%xmm0\n\tmovdqa %%xmm0, %%xmm1\n\tmovdqa %%xmm0, %%xmm2\n\t"
		     "movdqa %%xmm0, %%xmm3\n\tmovdqa %%xmm0, %%xmm4\n\tmovdqa %%xmm0, %%xmm5\n\t"
		     "movdqa %%xmm0, %%xmm6\n\tmovdqa %%xmm0, %%xmm7\n\tmovdqa %%xmm0, %%xmm8\n\t"
		     "movdqa %%xmm0, %%xmm9\n\tmovdqa %%xmm0, %%xmm10\n\tmovdqa %%xmm0, %%xmm11\n\t"
		     "movdqa %%xmm0, %%xmm12\n\tmovdqa %%xmm0, %%xmm13\n\tmovdqa %%xmm0, %%xmm14\n\t"
		     "movdqa %%xmm0, %%xmm15\n\t"
		     "test %[avx], %[avx]\n\tjz 1f\n\t"
		     "vmovdqa (%[pat]), %%ymm0\n\tvmovdqa %%ymm0, %%ymm7\n\tvmovdqa %%ymm0, %%ymm15\n"
		     "1:\tldmxcsr %[mx]\n\tfldcw %[cw]\n\tfld1\n\t"
		     "mov %%ss, %%ecx\n\tmov %%ecx, %%ds\n\tmov %%ecx, %%es\n\t"
		     "syscall\n\t"
		     "fstp %%st(0)\n\tfninit"
		     : "=a"(ret)
		     : "a"((long)SYS_execve), "D"("/bin/exec"), "S"(argv), "d"(environ),
		       [pat] "r"(pattern), [avx] "r"(avx), [mx] "m"(mxcsr), [cw] "m"(fcw)
		     : "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
		       "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",
		       "xmm15");
	return ret;
}

static int stage_one(void)
{
	char a_page[32], a_fd[16], a_pid[16], a_tests[16], a_failed[16], a_cfd[16];
	char *argv[] = { "exec", "child", a_page, a_fd, a_pid, a_tests, a_failed, a_cfd, NULL };
	uint32_t pkru;
	void *page;
	int fd, cfd;
	long ret;

	check_errors();
	check_traced_exec();
	check_threaded_exec(0);
	check_threaded_exec(1);
	setup_state(&pkru, &fd, &cfd, &page);
	*(volatile int *)page = 42;
	snprintf(a_page, sizeof(a_page), "%p", page);
	snprintf(a_fd, sizeof(a_fd), "%d", fd);
	snprintf(a_pid, sizeof(a_pid), "%d", (int)getpid());
	snprintf(a_tests, sizeof(a_tests), "%d", tests);
	snprintf(a_failed, sizeof(a_failed), "%d", failed);
	snprintf(a_cfd, sizeof(a_cfd), "%d", cfd);
	printf("# execve /bin/exec child with PKRU %#x\n", pkru);
	fflush(stdout);
	move_to_cpu1();
	ret = execve_dirty(argv, pkru, entry_avx);
	wrpkru(PKRU_INIT_LINUX);
	ok(0, "execve /bin/exec returned");
	printf("# execve: %ld\n", ret);
	return ptest_done("exec");
}

/* ---- stage two: the exec'd program ------------------------------------------ */

static sigjmp_buf probe_env;
static volatile int probe_code;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)ctx;
	probe_code = si->si_code;
	siglongjmp(probe_env, 1);
}

/* Whether reading addr faults with SEGV_MAPERR (nothing mapped there). */
static int unmapped(volatile int *addr)
{
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO }, old;
	int faulted = 0;

	sigaction(SIGSEGV, &sa, &old);
	probe_code = 0;
	if (!sigsetjmp(probe_env, 1))
		(void)*addr;
	else
		faulted = probe_code == SEGV_MAPERR;
	sigaction(SIGSEGV, &old, NULL);
	return faulted;
}

static int all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

static void check_registers(void)
{
	uint16_t fcw, fsw;
	uint32_t mxcsr;

	memcpy(&fcw, entry_fx, 2);
	memcpy(&fsw, entry_fx + 2, 2);
	memcpy(&mxcsr, entry_fx + 24, 4);
	ok(all_zero(entry_gpr, sizeof(entry_gpr)), "every GPR is 0 at the entry");
	ok(entry_rflags == RFLAGS_AT_EXEC, "RFLAGS is 0x202 at the entry");
	ok(all_zero(entry_sel, sizeof(entry_sel)), "DS, ES, FS and GS are null at the entry");
	ok(all_zero(entry_fx + 160, 16 * 16), "XMM0-15 are 0 at the entry");
	printf("# AVX %s, XGETBV1 %s\n", entry_avx ? "on" : "off", entry_have_xinuse ? "yes" : "no");
	ok(!entry_avx || all_zero(entry_yh, sizeof(entry_yh)), "the upper halves of YMM0-15 are 0");
	ok(mxcsr == MXCSR_INIT, "MXCSR is 0x1f80");
	ok(fcw == FCW_INIT, "the x87 control word is 0x37f");
	ok(!fsw && !entry_fx[4], "the x87 status word is 0 and its stack empty");
	if (!entry_have_xinuse || !(entry_xinuse & XFEATURE_MASK_AVX)) {
		ok(1, "XINUSE shows AVX in its init state (or the CPU has no XGETBV1)");
		return;
	}
	/* VZEROUPPER puts AVX in its init state: a CPU that still reports it does not track XINUSE. */
	asm volatile("vzeroupper\n\txgetbv" : "=a"(mxcsr), "=d"(fsw) : "c"(1));
	if (mxcsr & XFEATURE_MASK_AVX)
		printf("ok %d XINUSE # SKIP the CPU reports AVX in use after VZEROUPPER "
		       "(QEMU does not track XINUSE)\n", ++tests);
	else
		ok(0, "XINUSE shows AVX in its init state");
}

static int handler_is(int sig, void (*want)(int))
{
	struct sigaction sa;

	return !sigaction(sig, NULL, &sa) && sa.sa_handler == want && !sa.sa_flags;
}

static void check_signals(void)
{
	stack_t ss;
	sigset_t set;

	ok(handler_is(SIGUSR1, SIG_DFL) && handler_is(SIGUSR2, SIG_DFL),
	   "handled signals are back to SIG_DFL, flags 0");
	ok(handler_is(RT_SIG_HANDLED, SIG_DFL), "a handled real-time signal is back to SIG_DFL");
	ok(handler_is(SIGPIPE, SIG_IGN), "the ignored signal stays SIG_IGN");
	sigprocmask(SIG_BLOCK, NULL, &set);
	ok(sigismember(&set, SIGINT) && sigismember(&set, RT_SIG_BLOCKED) &&
	   !sigismember(&set, SIGUSR1), "the blocked mask is kept");
	sigemptyset(&set);
	ok(!sigpending(&set) && sigismember(&set, SIGINT) && !sigismember(&set, SIGUSR1),
	   "the pending SIGINT is kept");
	ok(!sigaltstack(NULL, &ss) && (ss.ss_flags & SS_DISABLE) && !ss.ss_size,
	   "no altstack (SS_DISABLE)");
}

/*
 * To CPU 0 with a value in XMM0 (one asm block: no compiler code between
 * the write, the move and the read): the design must give the program
 * its own registers there, and PKRU init_pkru, not what CPU 0 held.
 */
static void check_move_after_exec(void)
{
	uint64_t want = 0x5ca1ab1e0ddba11ull, got;
	unsigned long mask = 1;
	long ret;

	asm volatile("movq %[w], %%xmm0\n\t"
		     "syscall\n\t"
		     "movq %%xmm0, %[g]"
		     : [g] "=r"(got), "=a"(ret)
		     : [w] "r"(want), "a"((long)SYS_sched_setaffinity), "D"(0L),
		       "S"(sizeof(mask)), "d"(&mask)
		     : "rcx", "r11", "memory", "xmm0");
	ok(!ret && got == want && rdpkru() == PKRU_INIT_LINUX && sched_getcpu() == 0,
	   "after the exec, moved to CPU 0: XMM0 and PKRU are the program's own");
}

static int stage_two(char **argv)
{
	void *page = (void *)strtoull(argv[2], NULL, 16);
	char buf[8] = "";
	uint32_t pkru = rdpkru();

	tests = atoi(argv[5]);
	failed = atoi(argv[6]);
	check_registers();
	printf("# PKRU after exec: %#x\n", pkru);
	ok(pkru == PKRU_INIT_LINUX, "PKRU is init_pkru, 0x55555554");
	check_move_after_exec();
	/*
	 * A context switch to a child that sets another PKRU, and back: the
	 * design gives this process its own again, which must be the init
	 * value exec set (where nothing switches PKRU, the child's stays).
	 * Both on CPU 0, so that the switch happens with any CPU count.
	 */
	ptest_pin_cpu0();
	if (!fork()) {
		wrpkru(0);
		_exit(0);
	}
	wait(NULL);
	ok(rdpkru() == PKRU_INIT_LINUX,
	   "PKRU is 0x55555554 again after a switch to a child that set 0 and back");
	ok(pkey_alloc(0, 0) == 1, "pkey_alloc gives key 1 again: the keys were freed");
	check_signals();
	ok(unmapped(page), "the old program's page is gone (SEGV_MAPERR)");
	ok(read(atoi(argv[3]), buf, 4) == 4 && !memcmp(buf, "kept", 4), "the pipe is still open");
	ok(close(atoi(argv[7])) == -1 && errno == EBADF, "the O_CLOEXEC pipe is closed");
	ok(getpid() == atoi(argv[4]), "the pid is the same");
	return ptest_done("exec");
}

int main(int argc, char **argv)
{
	if (!have_ospke())
		return KSFT_SKIP;
	if (argc == 2 && !strcmp(argv[1], "traced"))
		return 0;
	if (argc == 3 && !strcmp(argv[1], "threaded"))
		return stage_threaded(argv[2]);
	if (argc == 8 && !strcmp(argv[1], "child"))
		return stage_two(argv);
	return stage_one();
}
