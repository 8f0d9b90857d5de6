/*
 * pkey_uaccess: what the kernel does with a process's memory obeys the
 * process's PKRU, as Linux's does -- read(2) into a key-denied buffer,
 * vmsplice(2) from one (get_user_pages checks keys), futex(2) on a
 * key-denied word are all EFAULT, and work again once the key is open --
 * and mprotect(PROT_EXEC) alone gives the pages Linux's execute-only key:
 * they still run, a read of them is a protection-key fault.  Uses the
 * built-in /etc/passwd and a pipe.  Exit 4 (KSFT_SKIP) without OSPKE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include "ptest.h"

#define PKRU_AD(k)	(1u << (2 * (k)))
#define PKRU_WD(k)	(2u << (2 * (k)))
#define SEGV_PKUERR_CODE 4
#define X86_RET		0xc3

static sigjmp_buf back;
static volatile int fault_code, fault_pkey;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	fault_code = si->si_code;
	fault_pkey = si->si_pkey;
	siglongjmp(back, 1);
}

int main(void)
{
	struct sigaction sa = { 0 };
	char *buf, line[8];
	uint32_t open_pkru, exec_pkru;
	int key, fd, fds[2], e;
	struct iovec iov;
	long r;

	if (!have_ospke())
		return KSFT_SKIP;
	key = pkey_alloc(0, 0);
	buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (key <= 0 || buf == MAP_FAILED || pkey_mprotect(buf, 4096, PROT_READ | PROT_WRITE, key)) {
		ok(0, "a key and a page with it");
		return 1;
	}
	open_pkru = rdpkru();
	fd = open("/etc/passwd", O_RDONLY);
	ok(fd >= 0, "open(\"/etc/passwd\")");

	wrpkru(open_pkru | PKRU_AD(key));
	r = read(fd, buf, 4);
	e = errno;
	wrpkru(open_pkru);
	ok(r == -1 && e == EFAULT, "read() into an access-denied buffer is EFAULT");
	wrpkru(open_pkru | PKRU_WD(key));
	r = read(fd, buf, 4);
	e = errno;
	wrpkru(open_pkru);
	ok(r == -1 && e == EFAULT, "read() into a write-denied buffer is EFAULT");
	r = read(fd, buf, 5);
	ok(r == 5 && !memcmp(buf, "root:", 5), "read() with the key open gives the file");

	ok(pipe(fds) == 0, "pipe()");
	iov.iov_base = buf;
	iov.iov_len = 5;
	wrpkru(open_pkru | PKRU_AD(key));
	r = vmsplice(fds[1], &iov, 1, 0);
	e = errno;
	wrpkru(open_pkru);
	ok(r == -1 && e == EFAULT, "vmsplice() from an access-denied buffer is EFAULT");
	ok(vmsplice(fds[1], &iov, 1, 0) == 5 && read(fds[0], line, 5) == 5 &&
	   !memcmp(line, "root:", 5), "vmsplice() with the key open, read back through the pipe");

	*(volatile int *)buf = 7;
	wrpkru(open_pkru | PKRU_AD(key));
	r = syscall(SYS_futex, buf, FUTEX_WAIT, 6, NULL, NULL, 0);
	e = errno;
	wrpkru(open_pkru);
	ok(r == -1 && e == EFAULT, "futex(FUTEX_WAIT) on an access-denied word is EFAULT");
	r = syscall(SYS_futex, buf, FUTEX_WAIT, 6, NULL, NULL, 0);
	ok(r == -1 && errno == EAGAIN, "futex(FUTEX_WAIT) with another value is EAGAIN");

	/* The execute-only key. */
	buf[0] = (char)X86_RET;
	wrpkru(0);			/* every key open: mprotect must deny its own */
	ok(mprotect(buf, 4096, PROT_EXEC) == 0, "mprotect(PROT_EXEC)");
	exec_pkru = rdpkru();
	((void (*)(void))buf)();
	ok(1, "the execute-only page still runs (a call into it returned)");
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	if (!sigsetjmp(back, 1)) {
		(void)*(volatile char *)buf;
		fault_code = 0;
	}
	wrpkru(exec_pkru);		/* siglongjmp left the handler's PKRU */
	ok(fault_code == SEGV_PKUERR_CODE && fault_pkey > 0 && fault_pkey != key &&
	   (exec_pkru & PKRU_AD(fault_pkey)),
	   "reading it faults on a key of its own, access-denied by that mprotect");
	ok(pkey_free(fault_pkey) == -1 && errno == EINVAL, "that key is not the program's to free");
	ok(mprotect(buf, 4096, PROT_READ) == 0 && *(volatile char *)buf == (char)X86_RET,
	   "mprotect(PROT_READ) gives the page back to key 0: readable");
	return ptest_done("pkey_uaccess");
}
