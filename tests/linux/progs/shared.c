/*
 * shared: MAP_SHARED anonymous memory across fork, as Linux shares it.
 * A child's write is the parent's and the other way round, a grandchild's
 * too; MAP_PRIVATE stays private; munmap, MAP_FIXED over it, mprotect,
 * pkey_mprotect and MADV_DONTNEED change one process's view only; a
 * ptrace POKEDATA writes the shared page (and is EIO where the tracee
 * maps it without PROT_WRITE, as Linux); MAP_SHARED_VALIDATE is EINVAL for
 * anonymous memory (Linux knows it only for files) and MAP_SHARED ignores
 * a flag it does not know.  The cell checks that every frame comes back
 * when all the processes have gone.
 * Prints TAP-style "ok N" lines; exit status 0 when every check held.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ptest.h"

#define PAGE		4096
#define PAGES		16		/* a few frames, so that a leak or a double free shows */
#define MAP_UNKNOWN	0x800000	/* no mmap flag of Linux's (bit 23) */
#define SEGV_PKUERR_CODE	4

static int *map_shared(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* The child's exit status, or -1 if it did not exit (a signal: its number + 1000). */
static int wait_child(pid_t pid)
{
	int status = 0;

	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status))
		return 1000 + WTERMSIG(status);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void wait_byte(int fd)
{
	char c;

	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
}

static void send_byte(int fd)
{
	(void)!write(fd, "x", 1);
}

/* The child writes, the parent reads after wait; every page of a 16-page mapping. */
static void child_to_parent(void)
{
	int *m = map_shared(PAGES * PAGE), all = 1;
	pid_t pid;

	for (int i = 0; m && i < PAGES; i++)
		m[i * PAGE / sizeof(int)] = 1;
	pid = fork();
	if (pid == 0) {
		for (int i = 0; i < PAGES; i++)
			m[i * PAGE / sizeof(int)] = 42 + i;
		_exit(0);
	}
	ok(m && wait_child(pid) == 0, "a child of a MAP_SHARED mapping exits 0");
	for (int i = 0; m && i < PAGES; i++)
		all &= m[i * PAGE / sizeof(int)] == 42 + i;
	ok(m && m[0] == 42 && all, "the parent reads the child's 42 (and every page's value)");
	munmap(m, PAGES * PAGE);
}

/* The parent writes while the child waits on a pipe; the child sees it. */
static void parent_to_child(void)
{
	int *m = map_shared(PAGE), fd[2];
	pid_t pid;

	*m = 1;
	pipe(fd);
	pid = fork();
	if (pid == 0) {
		wait_byte(fd[0]);
		_exit(*m == 43 ? 0 : 1);
	}
	*m = 43;
	send_byte(fd[1]);
	ok(wait_child(pid) == 0, "the child reads the parent's write made after fork");
	close(fd[0]);
	close(fd[1]);
	munmap(m, PAGE);
}

static void private_stays_private(void)
{
	int *m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pid_t pid;

	*m = 1;
	pid = fork();
	if (pid == 0) {
		*m = 42;
		_exit(0);
	}
	ok(wait_child(pid) == 0 && *m == 1, "MAP_PRIVATE: the child's write stays in its copy");
	munmap(m, PAGE);
}

static void flags(void)
{
	void *p;
	int *m;
	pid_t pid;

	errno = 0;
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1, 0);
	ok(p == MAP_FAILED && errno == EINVAL,
	   "MAP_SHARED_VALIDATE|MAP_ANONYMOUS is EINVAL (Linux: a file mapping's type)");
	errno = 0;
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		 MAP_SHARED_VALIDATE | MAP_ANONYMOUS | MAP_UNKNOWN, -1, 0);
	ok(p == MAP_FAILED && errno == EINVAL,
	   "MAP_SHARED_VALIDATE|MAP_ANONYMOUS with an unknown flag: EINVAL as well");
	m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_UNKNOWN, -1,
		 0);
	if (m == MAP_FAILED) {
		ok(0, "MAP_SHARED ignores an unknown flag (mmap failed)");
		return;
	}
	pid = fork();
	if (pid == 0) {
		*m = 44;
		_exit(0);
	}
	ok(wait_child(pid) == 0 && *m == 44, "MAP_SHARED ignores an unknown flag, and shares");
	munmap(m, PAGE);
}

/*
 * munmap and MAP_FIXED over the page in the child: the parent keeps its
 * view.  The child then maps and fills fresh pages: were the shared frames
 * freed under the parent, these would be they.
 */
static void unmap_in_child(void)
{
	int *m = map_shared(2 * PAGE), to_child[2], to_parent[2];
	pid_t pid;

	m[0] = 1;
	m[PAGE / sizeof(int)] = 2;
	pipe(to_child);
	pipe(to_parent);
	pid = fork();
	if (pid == 0) {
		int *n, *f;

		if (munmap(m, PAGE))
			_exit(2);
		f = mmap((char *)m + PAGE, PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (f == MAP_FAILED || *f != 0)
			_exit(3);
		*f = 98;
		n = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (n == MAP_FAILED)
			_exit(4);
		for (int i = 0; i < 8; i++)
			n[i * PAGE / sizeof(int)] = 99;
		send_byte(to_parent[1]);
		wait_byte(to_child[0]);	/* the parent has written */
		_exit(*f == 98 ? 0 : 5);
	}
	wait_byte(to_parent[0]);
	ok(m[0] == 1 && m[PAGE / sizeof(int)] == 2,
	   "munmap and MAP_FIXED in the child leave the parent's view and its bytes");
	m[0] = 3;
	m[PAGE / sizeof(int)] = 4;
	send_byte(to_child[1]);
	ok(wait_child(pid) == 0 && m[0] == 3 && m[PAGE / sizeof(int)] == 4,
	   "the parent writes its pages; the child's MAP_FIXED page is its own");
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
	munmap(m, 2 * PAGE);
}

/* mprotect(PROT_READ) in the child: the parent still writes, the child still sees it. */
static void mprotect_in_child(void)
{
	int *m = map_shared(PAGE), to_child[2], to_parent[2];
	pid_t pid;

	*m = 1;
	pipe(to_child);
	pipe(to_parent);
	pid = fork();
	if (pid == 0) {
		if (mprotect(m, PAGE, PROT_READ))
			_exit(2);
		send_byte(to_parent[1]);
		wait_byte(to_child[0]);
		_exit(*m == 45 ? 0 : 3);
	}
	wait_byte(to_parent[0]);
	*m = 45;			/* would fault if the child's mprotect were the parent's */
	send_byte(to_child[1]);
	ok(wait_child(pid) == 0, "mprotect(PROT_READ) in the child: the parent's write works and shows there");
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
	munmap(m, PAGE);
}

static sigjmp_buf pk_env;
static volatile int pk_code;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	pk_code = si->si_code;
	siglongjmp(pk_env, 1);
}

/* A ring-3 read of p: 0 if it worked, else the SIGSEGV's si_code. */
static int read_faults(volatile int *p)
{
	struct sigaction sa = { 0 }, old;

	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, &old);
	pk_code = 0;
	if (!sigsetjmp(pk_env, 1))
		(void)*p;
	sigaction(SIGSEGV, &old, NULL);
	return pk_code;
}

/*
 * pkey_mprotect in the parent after fork: the child's PTE keeps key 0.
 * The child's PKRU (its parent's at fork, Linux's init value) denies every
 * other key, so a key that leaked into its view would kill it (SIGSEGV).
 */
static void pkey_in_parent(void)
{
	int *m = map_shared(PAGE), fd[2], pkey;
	uint32_t pkru;
	long r;
	pid_t pid;

	pkey = have_ospke() ? syscall(SYS_pkey_alloc, 0, PKEY_DISABLE_ACCESS) : -1;
	if (pkey < 0) {
		printf("ok %d # SKIP pkey_mprotect in the parent: pkey_alloc failed (no PKU)\n",
		       ++tests);
		munmap(m, PAGE);
		return;
	}
	pkru = rdpkru();
	*m = 1;
	pipe(fd);
	pid = fork();
	if (pid == 0) {
		wait_byte(fd[0]);
		*m = 46;
		_exit(*m == 46 ? 0 : 2);
	}
	r = syscall(SYS_pkey_mprotect, m, PAGE, PROT_READ | PROT_WRITE, pkey);
	/*
	 * The parent's view has the key: a read under this PKRU is SIGSEGV
	 * with SEGV_PKUERR (a ring-3 check: Bochs's ring 0 ignores AD).
	 */
	ok(r == 0 && read_faults(m) == SEGV_PKUERR_CODE,
	   "pkey_mprotect in the parent: its own view is key-denied (SEGV_PKUERR)");
	wrpkru(pkru);			/* the handler ran with Linux's init PKRU */
	send_byte(fd[1]);
	ok(wait_child(pid) == 0, "...and the child writes its view with key 0");
	wrpkru(pkru & ~(PKRU_AD(pkey) | PKRU_WD(pkey)));
	ok(*m == 46, "the parent, its key opened, reads the child's write");
	wrpkru(pkru);
	syscall(SYS_pkey_free, pkey);
	close(fd[0]);
	close(fd[1]);
	munmap(m, PAGE);
}

/* A grandchild shares the page with its grandparent. */
static void grandchild(void)
{
	int *m = map_shared(PAGE);
	pid_t pid;

	*m = 1;
	pid = fork();
	if (pid == 0) {
		pid_t g = fork();

		if (g == 0) {
			*m = 47;
			_exit(0);
		}
		_exit(wait_child(g) == 0 && *m == 47 ? 0 : 2);
	}
	ok(wait_child(pid) == 0 && *m == 47, "a grandchild's write reaches its grandparent");
	munmap(m, PAGE);
}

/*
 * MADV_DONTNEED: private memory reads back as zeros; shared anonymous
 * memory (shmem in Linux) as what it holds, and the other process keeps it.
 */
static void dontneed(void)
{
	int *m = map_shared(PAGE);
	int *q = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pid_t pid;

	*m = 48;
	*q = 48;
	pid = fork();
	if (pid == 0) {
		if (madvise(m, PAGE, MADV_DONTNEED) || *m != 48)
			_exit(2);
		*m = 49;
		_exit(0);
	}
	ok(wait_child(pid) == 0 && *m == 49,
	   "MADV_DONTNEED in the child: the shared page reads back its contents, and still shares");
	ok(madvise(q, PAGE, MADV_DONTNEED) == 0 && *q == 0,
	   "MADV_DONTNEED on private memory: zeros");
	munmap(m, PAGE);
	munmap(q, PAGE);
}

/*
 * ptrace: POKEDATA writes the shared page itself (the tracer sees it);
 * into a shared page the tracee maps read-only it is EIO (Linux refuses a
 * forced write there rather than copy the page).
 */
static void poke(void)
{
	int *m = map_shared(2 * PAGE), *ro = m + PAGE / sizeof(int);
	int status;
	long r1, r2;
	pid_t pid;

	m[0] = 1;
	ro[0] = 2;
	pid = fork();
	if (pid == 0) {
		if (mprotect(ro, PAGE, PROT_READ) || ptrace(PTRACE_TRACEME, 0, 0, 0))
			_exit(2);
		raise(SIGSTOP);
		_exit(m[0] == 50 && ro[0] == 2 ? 0 : 3);
	}
	if (waitpid(pid, &status, WUNTRACED) != pid || !WIFSTOPPED(status)) {
		ok(0, "POKEDATA: the child did not stop");
		return;
	}
	r1 = ptrace(PTRACE_POKEDATA, pid, m, (void *)50);
	errno = 0;
	r2 = ptrace(PTRACE_POKEDATA, pid, ro, (void *)51);
	ok(r1 == 0 && m[0] == 50, "POKEDATA into the child's shared page: the tracer sees it");
	ok(r2 == -1 && errno == EIO && ro[0] == 2,
	   "POKEDATA into a shared page the child maps read-only: EIO, nothing written");
	ptrace(PTRACE_CONT, pid, 0, 0);
	ok(wait_child(pid) == 0, "the traced child saw the tracer's write");
	munmap(m, 2 * PAGE);
}

int main(void)
{
	child_to_parent();
	parent_to_child();
	private_stays_private();
	flags();
	unmap_in_child();
	mprotect_in_child();
	pkey_in_parent();
	grandchild();
	dontneed();
	poke();
	return ptest_done("shared");
}
