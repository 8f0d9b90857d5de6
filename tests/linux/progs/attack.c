/*
 * attack: raising PKRU without WRPKRU (issue 23).  A secret page under key
 * K, allocated with no rights (pkey_alloc's init_val: the kernel writes
 * PKRU); the program never executes WRPKRU, and tries nine doors the
 * kernel or the CPU may leave open:
 *   1 xrstor     user-mode XRSTOR with RFBM bit 9 (a WRPKRU where XCR0[9]=1)
 *   2 sigreturn  a handler raises PKRU in its frame, rt_sigreturn loads it
 *   3 altstack   a handler whose altstack is K's memory reads the secret
 *   4 sigframe   the kernel writes a frame (the attacker's r12-r15) into K
 *   5 rekey      pkey_mprotect to key 0, mprotect, munmap/mmap MAP_FIXED,
 *                madvise(MADV_DONTNEED) on K's pages
 *   6 pkey_free  pkey_free(K) while pages carry K, pkey_alloc gives it back
 *                with every right (the kernel writes PKRU)
 *   7 ptrace     a forked tracee: SETREGSET raises its PKRU, PEEK/POKE K
 *   8 remote     process_vm_readv/writev on the program's own pid
 *   9 deputy     write/read/vmsplice/futex with the secret as the buffer
 * Each door runs in a forked child (so a door that kills only ends its
 * child).  A door *leaked* when the secret reached memory the attacker
 * reads, *corrupted* when K's memory changed; both: "leaked+corrupted".
 * The referee that says whether K's memory changed is a process forked
 * before K tags the region (the trusted domain): its mapping of the
 * MAP_SHARED secret region keeps key 0.  Door 1 undoes its XRSTOR before
 * the next kernel entry, so that pkru_guard=force (PKRU checked at every
 * entry) cannot see it.
 * Output: "ok N door N NAME: OUTCOME" per door (ok: the door was tried),
 * then "# attack doors 1-9: ...", one letter a door: B blocked, L leaked,
 * C corrupted, X leaked+corrupted, U unsupported (pkrulab's linux.attack
 * cells compare that line with the expectation table, tests/expect.c).
 * Exit 4 (KSFT_SKIP) without OSPKE.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <linux/futex.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "ptest.h"

#define PG		4096
#define REGION		(4 * PG)	/* page 0: the secret; pages 1-3: K's altstack */
#define SECRET		0x2121544552434553ull	/* "SECRET!!" */
#define FILL		0xa5
#define MAGIC		0x4b43415454414821ull	/* "!HATTACK": the attacker's registers */
#define EVIL		0x214c495645214c45ull

#define LEAKED		1
#define CORRUPTED	2
#define UNSUPPORTED	4
#define BROKEN		8

#define SW_BYTES	464
#define XSTATE_BV	512
#define FP_MAGIC1	0x46505853u

static volatile uint64_t *region;	/* MAP_SHARED, key K */
static volatile uint64_t *priv;		/* MAP_PRIVATE, key K */
static int pkey, to_ref[2], from_ref[2];
static unsigned pkru_off;
static volatile uint64_t loot[8];

/* ---- probes: a read or write that may fault, without dying ------------ */

static sigjmp_buf probe_env;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(probe_env, 1);
}

static void probe_handler(void)
{
	struct sigaction sa = { .sa_handler = on_segv };

	sigaction(SIGSEGV, &sa, NULL);
}

/* The secret's first word as this process sees it, or 0 where it faults. */
static uint64_t try_read(volatile uint64_t *p)
{
	if (sigsetjmp(probe_env, 1))
		return 0;
	return *p;
}

static int try_write(volatile uint64_t *p, uint64_t v)
{
	if (sigsetjmp(probe_env, 1))
		return 0;
	*p = v;
	return 1;
}

/* Read and write the secret: what this process can now do to it. */
static int probe_secret(const char *how)
{
	int m = 0;

	if (try_read(region) == SECRET)
		m |= LEAKED;
	if (try_write(region + 1, EVIL))
		m |= CORRUPTED;
	printf("# %s: secret %s, %s\n", how, m & LEAKED ? "READ" : "not readable",
	       m & CORRUPTED ? "WRITTEN" : "not writable");
	return m;
}

/* ---- the referee: the trusted domain, forked before the drop ---------- */

static void fill(void)
{
	region[0] = SECRET;
	for (int i = 1; i < PG / 8; i++)
		region[i] = SECRET ^ i;
	memset((void *)(region + PG / 8), FILL, REGION - PG);
}

/* 0: intact; 1: changed; 2: changed, the attacker's register values in it. */
static char verdict(void)
{
	char v = '0';

	for (int i = 0; i < PG / 8; i++)
		if (region[i] != (i ? SECRET ^ i : SECRET))
			v = '1';
	for (int i = PG / 8; i < REGION / 8; i++)
		if (region[i] == MAGIC)
			return '2';
		else if (region[i] != 0xa5a5a5a5a5a5a5a5ull)
			v = '1';
	return v;
}

/*
 * Forked before K tags the region: its own mapping of the shared pages
 * keeps key 0, so it reads and refills them without ever touching PKRU.
 */
static void referee(void)
{
	char c;

	close(to_ref[1]);
	close(from_ref[0]);
	while (read(to_ref[0], &c, 1) == 1 && c == 'c') {
		c = verdict();
		fill();
		if (write(from_ref[1], &c, 1) != 1)
			break;
	}
	_exit(0);
}

static char ask_referee(void)
{
	char c = 'c';

	if (write(to_ref[1], &c, 1) != 1 || read(from_ref[0], &c, 1) != 1)
		return 'E';
	return c;
}

/* ---- the doors --------------------------------------------------------- */

static uint64_t xgetbv0(void)
{
	uint32_t a, d;

	asm volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
	return a | (uint64_t)d << 32;
}

/*
 * Door 1.  Opened and closed again with no kernel entry in between (no
 * system call; under PKRU 0 the accesses cannot fault), as an attacker
 * facing pkru_guard=force would do it: the kernel never sees PKRU 0.
 */
static int door_xrstor(void)
{
	static unsigned char xs[16384] __attribute__((aligned(64)));
	static unsigned char orig[16384] __attribute__((aligned(64)));
	volatile int m = 0;
	uint64_t bv;

	printf("# XCR0 %#llx: bit 9 %s\n", (unsigned long long)xgetbv0(),
	       xgetbv0() & (1 << 9) ? "set, XRSTOR loads PKRU" : "clear, XRSTOR cannot load PKRU");
	memset(orig, 0, sizeof(orig));
	asm volatile("xsave64 %0" : "+m"(orig) : "a"(1u << 9), "d"(0) : "memory");
	memcpy(xs, orig, sizeof(xs));
	memset(xs + pkru_off, 0, 4);			/* every key open */
	memcpy(&bv, xs + XSTATE_BV, 8);
	bv |= xgetbv0() & (1 << 9);
	memcpy(xs + XSTATE_BV, &bv, 8);
	if (!sigsetjmp(probe_env, 1)) {		/* XCR0[9]=0: the read faults */
		asm volatile("xrstor64 %0" : : "m"(xs), "a"(1u << 9), "d"(0) : "memory");
		if (*region == SECRET)
			m |= LEAKED;
		region[1] = EVIL;
		m |= CORRUPTED;
	}
	asm volatile("xrstor64 %0" : : "m"(orig), "a"(1u << 9), "d"(0) : "memory");
	printf("# after XRSTOR of PKRU 0, undone by XRSTOR before any system call: secret %s, %s\n",
	       m & LEAKED ? "READ" : "not readable", m & CORRUPTED ? "WRITTEN" : "not writable");
	return m;
}

/* Door 2: the handler clears K's bits in the frame's PKRU. */
static volatile int frame_had_pkru;

static void raise_frame_pkru(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	unsigned char *fp = (unsigned char *)uc->uc_mcontext.fpregs;
	uint32_t magic, size, pkru;
	uint64_t feats, bv;

	(void)sig;
	(void)si;
	memcpy(&magic, fp + SW_BYTES, 4);
	memcpy(&feats, fp + SW_BYTES + 8, 8);
	memcpy(&size, fp + SW_BYTES + 16, 4);
	if (magic != FP_MAGIC1 || !(feats & (1 << 9)) || size < pkru_off + 4)
		return;
	frame_had_pkru = 1;
	memcpy(&pkru, fp + pkru_off, 4);
	pkru &= ~(PKRU_AD(pkey) | PKRU_WD(pkey));
	memcpy(fp + pkru_off, &pkru, 4);
	memcpy(&bv, fp + XSTATE_BV, 8);
	bv |= 1 << 9;
	memcpy(fp + XSTATE_BV, &bv, 8);
}

static int door_sigreturn(void)
{
	struct sigaction sa = { .sa_sigaction = raise_frame_pkru, .sa_flags = SA_SIGINFO };

	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	if (!frame_had_pkru)
		printf("# the frame has no PKRU (component 9) to raise\n");
	return probe_secret("after rt_sigreturn of a frame with K opened");
}

static void steal(int sig)
{
	(void)sig;
	for (int i = 0; i < 8; i++)
		loot[i] = region[i];
}

static void nothing(int sig) { (void)sig; }

static void altstack_on_k(void (*h)(int))
{
	stack_t ss = { .ss_sp = (void *)((char *)region + PG), .ss_size = REGION - PG };
	struct sigaction sa = { .sa_handler = h, .sa_flags = SA_ONSTACK };

	signal(SIGSEGV, SIG_DFL);	/* a fault on the altstack ends the child */
	if (sigaltstack(&ss, NULL))
		printf("# sigaltstack: %s\n", strerror(errno));
	sigaction(SIGUSR2, &sa, NULL);
}

static int door_altstack(void)
{
	altstack_on_k(steal);
	raise(SIGUSR2);
	printf("# the handler on K's altstack %s the secret\n",
	       loot[0] == SECRET ? "READ" : "did not read");
	return loot[0] == SECRET ? LEAKED : 0;
}

/* The signal arrives as tgkill returns: r12-r15 are the attacker's, in the frame. */
static int door_sigframe(void)
{
	long ret;

	altstack_on_k(nothing);
	register long r12 asm("r12") = MAGIC, r13 asm("r13") = MAGIC;
	register long r14 asm("r14") = MAGIC, r15 asm("r15") = MAGIC;
	asm volatile("syscall" : "=a"(ret)
		     : "0"(SYS_tgkill), "D"(getpid()), "S"(gettid()), "d"(SIGUSR2),
		       "r"(r12), "r"(r13), "r"(r14), "r"(r15)
		     : "rcx", "r11", "memory");
	printf("# a SIGUSR2 frame went to K's altstack; the child goes on (tgkill %ld)\n", ret);
	return 0;
}

/* Door 5, one way per child: each is its own sub-door. */
static int rekey_way;

static int door_rekey(void)
{
	void *p = (void *)region;
	long r;

	switch (rekey_way) {
	case 0:
		r = syscall(SYS_pkey_mprotect, p, PG, PROT_READ | PROT_WRITE, 0);
		printf("# pkey_mprotect(secret, key 0): %ld %s\n", r, r ? strerror(errno) : "");
		return probe_secret("after pkey_mprotect to key 0");
	case 1:
		r = mprotect(p, PG, PROT_READ | PROT_WRITE);
		printf("# mprotect(secret, RW): %ld %s\n", r, r ? strerror(errno) : "");
		return probe_secret("after mprotect (the key stays)");
	case 2:
		r = munmap(p, PG);
		printf("# munmap(secret): %ld %s\n", r, r ? strerror(errno) : "");
		if (!r && mmap(p, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
			       -1, 0) == p && try_write(region, EVIL)) {
			printf("# the secret's address is the attacker's page now: CORRUPTED\n");
			return CORRUPTED;
		}
		return 0;
	case 3:
		if (mmap(p, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
			 -1, 0) == p && try_write(region, EVIL)) {
			printf("# mmap(MAP_FIXED) over the secret: the attacker's page now: CORRUPTED\n");
			return CORRUPTED;
		}
		printf("# mmap(MAP_FIXED) over the secret: %s\n", strerror(errno));
		return 0;
	default:
		r = madvise((void *)priv, PG, MADV_DONTNEED);
		printf("# madvise(K's private page, MADV_DONTNEED): %ld %s\n", r,
		       r ? strerror(errno) : "(zeroed: CORRUPTED)");
		return r ? 0 : CORRUPTED;
	}
}

static int door_pkey_free(void)
{
	long f = syscall(SYS_pkey_free, pkey), k;

	printf("# pkey_free(%d) with its pages mapped: %ld %s\n", pkey, f, f ? strerror(errno) : "");
	k = syscall(SYS_pkey_alloc, 0, 0);
	printf("# pkey_alloc(0, 0) = %ld%s\n", k, k == pkey ? " (K again, every right)" : "");
	return probe_secret("after pkey_free + pkey_alloc");
}

/* Door 7: the child is the tracer of its own fork, whose copy it raises. */
static int door_ptrace(void)
{
	static unsigned char xs[16384] __attribute__((aligned(64)));
	struct iovec iov = { xs, sizeof(xs) };
	int status, m = 0;
	uint32_t pkru;
	long word, r;
	pid_t t = fork();

	if (t == 0) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGSTOP);
		_exit(try_read(region) == SECRET ? LEAKED : 0);
	}
	if (waitpid(t, &status, 0) != t || !WIFSTOPPED(status))
		return BROKEN;
	errno = 0;
	word = ptrace(PTRACE_PEEKDATA, t, region, 0);
	printf("# PEEKDATA of the tracee's secret: %s\n",
	       word == (long)SECRET ? "READ" : strerror(errno));
	if (word == (long)SECRET)
		m |= LEAKED;
	r = ptrace(PTRACE_POKEDATA, t, region + 2, EVIL);
	printf("# POKEDATA into it: %ld %s\n", r, r ? strerror(errno) : "");
	if (ptrace(PTRACE_GETREGSET, t, (void *)NT_X86_XSTATE, &iov) == 0) {
		memcpy(&pkru, xs + pkru_off, 4);
		pkru &= ~(PKRU_AD(pkey) | PKRU_WD(pkey));
		memcpy(xs + pkru_off, &pkru, 4);
		xs[XSTATE_BV + 1] |= 2;			/* XSTATE_BV[9] */
		r = ptrace(PTRACE_SETREGSET, t, (void *)NT_X86_XSTATE, &iov);
		printf("# SETREGSET with K opened: %ld %s\n", r, r ? strerror(errno) : "");
	}
	ptrace(PTRACE_CONT, t, 0, 0);
	if (waitpid(t, &status, 0) == t && WIFEXITED(status) && (WEXITSTATUS(status) & LEAKED)) {
		printf("# the tracee READ its secret\n");
		m |= LEAKED;
	}
	return m;
}

static int door_remote(void)
{
	uint64_t got = 0, put = EVIL;
	struct iovec l = { &got, 8 }, rem = { (void *)region, 8 };
	long r = syscall(SYS_process_vm_readv, getpid(), &l, 1, &rem, 1, 0);
	int m = 0;

	if (r < 0 && errno == ENOSYS)
		return UNSUPPORTED;
	printf("# process_vm_readv(self, secret): %ld %s\n", r, r < 0 ? strerror(errno) : "");
	if (got == SECRET)
		m |= LEAKED;
	l.iov_base = &put;
	rem.iov_base = (void *)(region + 3);
	r = syscall(SYS_process_vm_writev, getpid(), &l, 1, &rem, 1, 0);
	printf("# process_vm_writev(self, secret): %ld %s\n", r, r < 0 ? strerror(errno) : "");
	return m;
}

static int door_deputy(void)
{
	struct timespec ts = { 0, 1 };
	uint64_t got = 0, put = EVIL;
	struct iovec iov = { (void *)region, 8 };
	int fds[2], m = 0;
	long r;

	if (pipe(fds))
		return BROKEN;
	r = write(fds[1], (void *)region, 8);
	printf("# write(pipe, secret): %ld %s\n", r, r < 0 ? strerror(errno) : "");
	if (r == 8 && read(fds[0], &got, 8) == 8 && got == SECRET)
		m |= LEAKED;
	r = syscall(SYS_vmsplice, fds[1], &iov, 1, 0);
	printf("# vmsplice(pipe, secret): %ld %s\n", r, r < 0 ? strerror(errno) : "");
	if (r == 8 && read(fds[0], &got, 8) == 8 && got == SECRET)
		m |= LEAKED;
	if (write(fds[1], &put, 8) == 8) {
		r = read(fds[0], (void *)(region + 4), 8);
		printf("# read(pipe, into the secret): %ld %s\n", r, r < 0 ? strerror(errno) : "");
	}
	r = syscall(SYS_futex, region, FUTEX_WAIT, (uint32_t)SECRET, &ts, 0, 0);
	printf("# futex(WAIT, secret): %ld %s\n", r, r < 0 ? strerror(errno) : "");
	if (r < 0 && (errno == EAGAIN || errno == ETIMEDOUT))
		m |= LEAKED;	/* the kernel compared the secret word for the caller */
	return m;
}

static const struct door {
	const char *name;
	int (*run)(void);
	int ways;
} doors[] = {
	{ "xrstor", door_xrstor, 1 }, { "sigreturn", door_sigreturn, 1 },
	{ "altstack", door_altstack, 1 }, { "sigframe", door_sigframe, 1 },
	{ "rekey", door_rekey, 5 }, { "pkey_free", door_pkey_free, 1 },
	{ "ptrace", door_ptrace, 1 }, { "remote", door_remote, 1 },
	{ "deputy", door_deputy, 1 },
};

/* One way of one door in a child: what the child saw, and what the referee finds. */
static int try_way(const struct door *d, int way)
{
	int status, m = 0;
	char v;
	pid_t c;

	fflush(stdout);
	c = fork();
	if (c == 0) {
		rekey_way = way;
		_exit(d->run());
	}
	if (waitpid(c, &status, 0) != c)
		return BROKEN;
	if (WIFEXITED(status))
		m = WEXITSTATUS(status);
	else
		printf("# %s: the child was killed by signal %d\n", d->name, WTERMSIG(status));
	v = ask_referee();
	if (v == '1' || v == '2') {
		printf("# %s: the referee finds K's memory changed%s\n", d->name,
		       v == '2' ? ", with the attacker's register values in it" : "");
		m |= CORRUPTED;
	} else if (v != '0') {
		m |= BROKEN;
	}
	return m;
}

static char letter(int m)
{
	if (m & BROKEN)
		return 'E';
	if (m & UNSUPPORTED)
		return 'U';
	return "BLCX"[m & 3];
}

static const char *word(int m)
{
	static const char *const w[] = { "blocked", "leaked", "corrupted", "leaked+corrupted" };

	if (m & BROKEN)
		return "broken (the probe itself failed)";
	return m & UNSUPPORTED ? "unsupported (the kernel lacks the call)" : w[m & 3];
}

int main(void)
{
	char summary[16] = { 0 };
	unsigned a, b, c, d;
	pid_t ref;
	int bad = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!have_ospke())
		return KSFT_SKIP;
	/*
	 * The doors are kernel paths; where nothing switches PKRU their
	 * outcome is whatever the CPU's register holds, so the attacker and
	 * its children stay on CPU 0: the door table holds for any CPU count.
	 */
	ptest_pin_cpu0();
	__cpuid_count(0xd, 9, a, b, c, d);
	pkru_off = b;
	region = mmap(NULL, REGION, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	priv = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED || priv == MAP_FAILED || pipe(to_ref) || pipe(from_ref)) {
		ok(0, "the secret region, the referee's pipes");
		return 1;
	}
	fill();
	priv[0] = SECRET;
	fflush(stdout);
	ref = fork();
	if (ref == 0)
		referee();
	close(to_ref[0]);
	close(from_ref[1]);
	/*
	 * The drop: K comes with no rights (pkey_alloc's init_val, the kernel
	 * writes PKRU) and then tags the secret.  The attacker never executes
	 * WRPKRU, so pkru_guard=force has nothing to kill it for.
	 */
	pkey = syscall(SYS_pkey_alloc, 0, PKEY_DISABLE_ACCESS | PKEY_DISABLE_WRITE);
	if (pkey <= 0 || syscall(SYS_pkey_mprotect, region, REGION, PROT_READ | PROT_WRITE, pkey) ||
	    syscall(SYS_pkey_mprotect, priv, PG, PROT_READ | PROT_WRITE, pkey)) {
		ok(0, "a key with no rights, the secret under it");
		return 1;
	}
	probe_handler();
	printf("1..%d\n", (int)(sizeof(doors) / sizeof(doors[0])));
	printf("# key %d, PKRU %#x: the program never executes WRPKRU\n", pkey, rdpkru());
	if (probe_secret("sanity, after the drop")) {
		ok(0, "the drop denies the secret");
		return 1;
	}
	for (unsigned i = 0; i < sizeof(doors) / sizeof(doors[0]); i++) {
		int m = 0;

		for (int w = 0; w < doors[i].ways; w++)
			m |= try_way(&doors[i], w);
		summary[i] = letter(m);
		bad |= m & BROKEN;
		printf("%s %u door %u %s: %s\n", m & BROKEN ? "not ok" : "ok", i + 1, i + 1,
		       doors[i].name, word(m));
	}
	close(to_ref[1]);
	waitpid(ref, NULL, 0);
	printf("# attack doors 1-9: %s\n", summary);
	return bad ? 1 : 0;
}
