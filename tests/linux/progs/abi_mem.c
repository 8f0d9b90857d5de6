/*
 * linux.abi_mem: memory as Linux 6.12 gives it -- MAP_SHARED and
 * MAP_PRIVATE across fork, no-execute on each kind of mapping, and every
 * mmap/mprotect/madvise/pkey flag pkrulab's audit looked at.
 */
#include "abi.h"
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE 0x08
#endif
#ifndef MAP_UNINITIALIZED
#define MAP_UNINITIALIZED 0x4000000
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#define PG 4096
#ifndef PROT_SEM
#define PROT_SEM 0x8
#endif

static sigjmp_buf jb;
static volatile int segv_code;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)uc;
	segv_code = si->si_code;
	siglongjmp(jb, 1);
}

static void __attribute__((noinline)) text_fn(void) { asm volatile(""); }
static unsigned char data_code[16] = { 0xc3 };
static unsigned char bss_code[16];

/* Call code at p: "runs" or the fault it takes. */
static const char *exec_at(void *p)
{
	segv_code = 0;
	if (!sigsetjmp(jb, 1)) {
		((void (*)(void))p)();
		return "runs";
	}
	return segv_code == SEGV_ACCERR ? "SIGSEGV SEGV_ACCERR" :
	       segv_code == SEGV_MAPERR ? "SIGSEGV SEGV_MAPERR" :
	       segv_code == SEGV_PKUERR ? "SIGSEGV SEGV_PKUERR" : "SIGSEGV other";
}

static void *map(int prot, int flags)
{
	return mmap(NULL, PG, prot, flags, -1, 0);
}

static void share_across_fork(int flags, const char *name, const char *want)
{
	volatile int *v = map(PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS);
	char what[64], got[32];
	pid_t pid;
	int st;

	*v = 7;
	pid = fork();
	if (pid == 0) {
		int before = *v;

		*v = 42;
		_exit(before == 7 ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	snprintf(what, sizeof(what), "%s across fork: child saw 7", name);
	expect(what, WIFEXITED(st) && !WEXITSTATUS(st) ? "yes" : "no", "yes");
	snprintf(what, sizeof(what), "%s across fork: parent reads after the child's write", name);
	snprintf(got, sizeof(got), "%d", *v);
	expect(what, got, want);
	munmap((void *)v, PG);
}

static void mmap_flag(const char *name, int flags)
{
	void *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, flags, -1, 0);

	if (p == MAP_FAILED) {
		SAY("mmap %s: %s", name, strerrorname_np(errno));
		return;
	}
	*(volatile char *)p = 1;
	SAY("mmap %s: ok%s", name, (flags & MAP_32BIT) ? ((uintptr_t)p < (2ul << 30) ?
		", below 2 GiB" : ", above 2 GiB") : "");
	munmap(p, PG);
}

static void madv(const char *name, int advice, int shared)
{
	char *p = map(PROT_READ | PROT_WRITE, (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS);
	long rc;

	p[0] = 7;
	rc = madvise(p, PG, advice);
	SAY("madvise %s %s: %s, reads %d", shared ? "shared" : "private", name, res(rc), p[0]);
	munmap(p, PG);
}

int main(void)
{
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_NODEFER };
	unsigned char stack_code[16] = { 0xc3 };
	char *p, *q;
	int fd, pfd[2];

	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGSEGV, &sa, NULL);

	/* Sharing across fork. */
	share_across_fork(MAP_SHARED, "MAP_SHARED", "42");
	share_across_fork(MAP_PRIVATE, "MAP_PRIVATE", "7");

	/* No-execute, per kind of mapping. */
	expect("exec .text", exec_at((void *)text_fn), "runs");
	expect("exec stack", exec_at(stack_code), "SIGSEGV SEGV_ACCERR");
	p = malloc(64);
	p[0] = (char)0xc3;
	expect("exec heap (malloc)", exec_at(p), "SIGSEGV SEGV_ACCERR");
	expect("exec .data", exec_at(data_code), "SIGSEGV SEGV_ACCERR");
	bss_code[0] = 0xc3;
	expect("exec .bss", exec_at(bss_code), "SIGSEGV SEGV_ACCERR");
	expect("exec .rodata", exec_at((void *)"\xc3"), "SIGSEGV SEGV_ACCERR");
	p = map(PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	p[0] = (char)0xc3;
	expect("exec mmap RW", exec_at(p), "SIGSEGV SEGV_ACCERR");
	mprotect(p, PG, PROT_READ | PROT_EXEC);
	expect("exec mmap RX after mprotect", exec_at(p), "runs");
	mprotect(p, PG, PROT_READ);
	expect("exec mmap R after mprotect back", exec_at(p), "SIGSEGV SEGV_ACCERR");
	q = map(PROT_READ | PROT_WRITE | PROT_EXEC, MAP_SHARED | MAP_ANONYMOUS);
	q[0] = (char)0xc3;
	expect("exec MAP_SHARED RWX", exec_at(q), "runs");
	munmap(p, PG);
	munmap(q, PG);

	/* mmap flags. */
	mmap_flag("MAP_PRIVATE|MAP_POPULATE", MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE);
	mmap_flag("MAP_PRIVATE|MAP_NORESERVE", MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE);
	mmap_flag("MAP_PRIVATE|MAP_LOCKED", MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED);
	mmap_flag("MAP_PRIVATE|MAP_STACK", MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK);
	mmap_flag("MAP_PRIVATE|MAP_NONBLOCK", MAP_PRIVATE | MAP_ANONYMOUS | MAP_NONBLOCK);
	mmap_flag("MAP_PRIVATE|MAP_UNINITIALIZED", MAP_PRIVATE | MAP_ANONYMOUS | MAP_UNINITIALIZED);
	mmap_flag("MAP_PRIVATE|MAP_SYNC", MAP_PRIVATE | MAP_ANONYMOUS | MAP_SYNC);
	mmap_flag("MAP_PRIVATE|MAP_DENYWRITE|MAP_EXECUTABLE",
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_DENYWRITE | MAP_EXECUTABLE);
	mmap_flag("MAP_PRIVATE|unknown 0x800000", MAP_PRIVATE | MAP_ANONYMOUS | 0x800000);
	mmap_flag("MAP_SHARED|unknown 0x800000", MAP_SHARED | MAP_ANONYMOUS | 0x800000);
	mmap_flag("MAP_SHARED_VALIDATE", MAP_SHARED_VALIDATE | MAP_ANONYMOUS);
	mmap_flag("MAP_PRIVATE|MAP_HUGETLB", MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB);
	mmap_flag("MAP_SHARED|MAP_GROWSDOWN", MAP_SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN);
	mmap_flag("MAP_PRIVATE|MAP_GROWSDOWN", MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN);
	mmap_flag("MAP_DROPPABLE", MAP_DROPPABLE | MAP_ANONYMOUS);
	mmap_flag("MAP_PRIVATE|MAP_32BIT", MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT);
	mmap_flag("type 0x0f", 0x0f | MAP_ANONYMOUS);
	SAY("mmap prot 0x10 (unknown): %s",
	    mmap(NULL, PG, PROT_READ | 0x10, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED ?
	    strerrorname_np(errno) : "ok");
	SAY("mmap anonymous offset 0x123: %s",
	    mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0x123) == MAP_FAILED ?
	    strerrorname_np(errno) : "ok");
	SAY("mmap length 0: %s", mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) ==
	    MAP_FAILED ? strerrorname_np(errno) : "ok");
	fd = open("/etc/passwd", O_RDONLY);
	SAY("mmap of /etc/passwd: %s", mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0) ==
	    MAP_FAILED ? strerrorname_np(errno) : "ok");
	close(fd);
	SAY("mmap of a bad fd: %s", mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 99, 0) == MAP_FAILED ?
	    strerrorname_np(errno) : "ok");
	pipe(pfd);
	SAY("mmap of a pipe: %s", mmap(NULL, PG, PROT_READ, MAP_PRIVATE, pfd[0], 0) == MAP_FAILED ?
	    strerrorname_np(errno) : "ok");

	/* mprotect. */
	p = map(PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	SAY("mprotect PROT_SEM: %s", res(mprotect(p, PG, PROT_READ | PROT_SEM)));
	SAY("mprotect unknown 0x10: %s", res(mprotect(p, PG, PROT_READ | 0x10)));
	SAY("mprotect PROT_GROWSUP: %s", res(mprotect(p, PG, PROT_READ | PROT_GROWSUP)));
	SAY("mprotect PROT_GROWSDOWN (not a stack): %s",
	    res(mprotect(p, PG, PROT_READ | PROT_GROWSDOWN)));
	SAY("mprotect PROT_GROWSDOWN|PROT_GROWSUP: %s",
	    res(mprotect(p, PG, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP)));
	SAY("mprotect unaligned: %s", res(mprotect(p + 1, PG, PROT_READ)));
	SAY("mprotect length 0: %s", res(mprotect(p, 0, PROT_READ)));
	munmap(p, PG);
	SAY("mprotect unmapped: %s", res(mprotect(p, PG, PROT_READ)));

	/* madvise: every advice Linux 6.12 knows, and two it does not. */
	madv("MADV_NORMAL", MADV_NORMAL, 0);
	madv("MADV_RANDOM", MADV_RANDOM, 0);
	madv("MADV_SEQUENTIAL", MADV_SEQUENTIAL, 0);
	madv("MADV_WILLNEED", MADV_WILLNEED, 0);
	madv("MADV_DONTNEED", MADV_DONTNEED, 0);
	madv("MADV_DONTNEED", MADV_DONTNEED, 1);
	madv("MADV_FREE", MADV_FREE, 0);
	madv("MADV_FREE", MADV_FREE, 1);
	madv("MADV_REMOVE", MADV_REMOVE, 0);
	madv("MADV_REMOVE", MADV_REMOVE, 1);
	madv("MADV_DONTFORK", MADV_DONTFORK, 0);
	madv("MADV_DOFORK", MADV_DOFORK, 0);
	madv("MADV_MERGEABLE", MADV_MERGEABLE, 0);
	madv("MADV_UNMERGEABLE", MADV_UNMERGEABLE, 0);
	madv("MADV_HUGEPAGE", MADV_HUGEPAGE, 0);
	madv("MADV_NOHUGEPAGE", MADV_NOHUGEPAGE, 0);
	madv("MADV_DONTDUMP", MADV_DONTDUMP, 0);
	madv("MADV_DODUMP", MADV_DODUMP, 0);
	madv("MADV_WIPEONFORK", MADV_WIPEONFORK, 0);
	madv("MADV_WIPEONFORK", MADV_WIPEONFORK, 1);
	madv("MADV_KEEPONFORK", MADV_KEEPONFORK, 0);
	madv("MADV_COLD", MADV_COLD, 0);
	madv("MADV_PAGEOUT", MADV_PAGEOUT, 0);
	madv("MADV_POPULATE_READ", MADV_POPULATE_READ, 0);
	madv("MADV_POPULATE_WRITE", MADV_POPULATE_WRITE, 0);
	madv("MADV_DONTNEED_LOCKED", MADV_DONTNEED_LOCKED, 0);
	madv("MADV_HWPOISON", MADV_HWPOISON, 0);
	madv("unknown 99", 99, 0);
	madv("unknown 26", 26, 0);

	/* Protection keys: the argument checks (pkrulab's own tests do the rest). */
	SAY("pkey_alloc flags 1: %s", res(syscall(SYS_pkey_alloc, 1, 0)));
	SAY("pkey_alloc rights 4: %s", res(syscall(SYS_pkey_alloc, 0, 4)));
	SAY("pkey_free 15 (not allocated): %s", res(syscall(SYS_pkey_free, 15)));
	p = map(PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
	SAY("pkey_mprotect key 15 (not allocated): %s",
	    res(syscall(SYS_pkey_mprotect, p, PG, PROT_READ, 15)));
	SAY("pkey_mprotect key -1: %s", res(syscall(SYS_pkey_mprotect, p, PG, PROT_READ, -1)));
	return abi_done();
}
