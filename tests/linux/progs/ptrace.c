/*
 * ptrace: the tracer's view of a stopped child, as Linux's protection_keys
 * relies on it and a debugger would.  PEEK/POKE go through the child's
 * page tables past its protections (a PROT_NONE page reads, a read-only
 * page takes a write, a page under a key the *tracer* denies reads too);
 * an unmapped address is EIO.  NT_X86_XSTATE is the standard XSAVE layout
 * with PKRU as component 9 whatever the design (XCR0[9] or not): the
 * software-reserved bytes name it, XSTATE_BV[9] follows PKRU != 0, a
 * SETREGSET of PKRU reaches the child and stays through its signal
 * handler, clearing XSTATE_BV[9] gives it PKRU 0, and a malformed buffer
 * is refused as Linux refuses it.  CONT with a signal runs the child's
 * handler.
 * Prints TAP-style "ok N" lines; exit status 0 when every check held.
 */
#include <cpuid.h>
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ptest.h"

#define XSTATE_BV_OFFSET	512
#define SW_BYTES_OFFSET		464
#ifndef FP_XSTATE_MAGIC1
#define FP_XSTATE_MAGIC1	0x46505853u
#endif
#define XFEATURE_MASK_PKRU	(1ull << 9)

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig) { got_usr1 = sig; }

static unsigned pkru_offset(void)
{
	unsigned a, b, c, d;

	__cpuid_count(0xd, 9, a, b, c, d);
	return b;
}

/* A fresh GETREGSET of NT_X86_XSTATE into a poisoned buffer: no stale bytes pass for new. */
static long getregset(pid_t pid, unsigned char *buf, size_t size, struct iovec *iov)
{
	memset(buf, 0xcc, size);
	*iov = (struct iovec){ buf, size };
	return ptrace(PTRACE_GETREGSET, pid, (void *)NT_X86_XSTATE, iov);
}

int main(void)
{
	static unsigned char xs[16384] __attribute__((aligned(64)));
	long page = sysconf(_SC_PAGESIZE), word;
	unsigned char *none, *ro, *keyed;
	int status, pkeys = have_ospke(), pkey = -1;
	struct iovec iov;
	uint64_t bv, sw_feats;
	uint32_t own, traced;
	pid_t pid;

	none = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memcpy(none, "hidden!", 8);
	memcpy(ro, "readonly", 8);
	mprotect(none, page, PROT_NONE);
	mprotect(ro, page, PROT_READ);
	signal(SIGUSR1, on_usr1);
	keyed = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memcpy(keyed, "keyed!!", 8);
	if (pkeys) {
		pkey = syscall(SYS_pkey_alloc, 0, 0);
		syscall(SYS_pkey_mprotect, keyed, page, PROT_READ | PROT_WRITE, pkey);
	}

	/*
	 * PKRU values that differ from Linux's init value (which already denies
	 * every key but 0): the child's own has the key write-denied only, the
	 * tracer's opens it.
	 */
	own = (PKRU_INIT_LINUX & ~PKRU_AD(pkey)) | PKRU_WD(pkey);
	traced = PKRU_INIT_LINUX & ~PKRU_AD(pkey);
	pid = fork();
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		if (pkeys)
			wrpkru(own);
		raise(SIGSTOP);		/* stop 1; resumed with SIGUSR1: its handler runs */
		if (pkeys && rdpkru() != traced)
			_exit(2);
		if (memcmp(ro, "poked!!", 8))
			_exit(3);
		if (got_usr1 != SIGUSR1)
			_exit(4);
		raise(SIGSTOP);		/* stop 2: the tracer clears XSTATE_BV[9] */
		if (pkeys && rdpkru() != 0)
			_exit(5);
		raise(SIGSTOP);		/* stop 3: it looks again, after the child ran with PKRU 0 */
		_exit(0);
	}
	ok(waitpid(pid, &status, 0) == pid && WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP,
	   "a TRACEME child's raise(SIGSTOP) is a stop its tracer's waitpid sees");

	errno = 0;
	word = ptrace(PTRACE_PEEKDATA, pid, none, 0);
	ok(errno == 0 && !memcmp(&word, "hidden!", 8), "PEEKDATA reads a PROT_NONE page");
	errno = 0;
	ptrace(PTRACE_PEEKDATA, pid, (void *)8, 0);
	ok(errno == EIO, "PEEKDATA of an unmapped address is EIO");
	if (pkeys) {
		/* Foreign access: the tracer's own PKRU, denying the key, does not apply. */
		wrpkru(PKRU_INIT_LINUX | PKRU_AD(pkey));
		errno = 0;
		word = ptrace(PTRACE_PEEKDATA, pid, keyed, 0);
		wrpkru(PKRU_INIT_LINUX);
		ok(errno == 0 && !memcmp(&word, "keyed!!", 8),
		   "PEEKDATA reads a page under a key the tracer's PKRU denies");
	}
	memcpy(&word, "poked!!", 8);
	ok(ptrace(PTRACE_POKEDATA, pid, ro, word) == 0, "POKEDATA writes a read-only page");
	ok(!memcmp(ro, "readonly", 8), "...of the child only: the tracer's copy is unchanged");

	ok(getregset(pid, xs, sizeof(xs), &iov) == 0 && iov.iov_len < sizeof(xs),
	   "GETREGSET NT_X86_XSTATE: iov_len comes back as the regset's size");
	memcpy(&sw_feats, xs + SW_BYTES_OFFSET + 8, 8);
	memcpy(&bv, xs + XSTATE_BV_OFFSET, 8);
	if (pkeys) {
		ok(*(uint32_t *)(xs + SW_BYTES_OFFSET) == FP_XSTATE_MAGIC1 &&
		   (sw_feats & XFEATURE_MASK_PKRU), "its software-reserved bytes name PKRU (component 9)");
		ok((bv & XFEATURE_MASK_PKRU) && *(uint32_t *)(xs + pkru_offset()) == own,
		   "XSTATE_BV[9] is set and component 9 holds the child's PKRU");
		memcpy(xs + pkru_offset(), &traced, 4);
	}
	iov.iov_len -= 8;
	ok(ptrace(PTRACE_SETREGSET, pid, (void *)NT_X86_XSTATE, &iov) == -1 && errno == EFAULT,
	   "SETREGSET of less than the whole regset is EFAULT");
	iov.iov_len += 8;
	xs[XSTATE_BV_OFFSET + 8] = 1;		/* XCOMP_BV: the compacted format */
	ok(ptrace(PTRACE_SETREGSET, pid, (void *)NT_X86_XSTATE, &iov) == -1 && errno == EINVAL,
	   "SETREGSET with XCOMP_BV set is EINVAL");
	xs[XSTATE_BV_OFFSET + 8] = 0;
	ok(ptrace(PTRACE_SETREGSET, pid, (void *)NT_X86_XSTATE, &iov) == 0,
	   "SETREGSET of what GETREGSET gave, PKRU changed");
	if (pkeys) {
		getregset(pid, xs, sizeof(xs), &iov);
		ok(*(uint32_t *)(xs + pkru_offset()) == traced,
		   "GETREGSET again shows the new PKRU before the child runs");
	}

	/* The stop's SIGSTOP replaced by SIGUSR1: delivered at once, then stop 2. */
	ok(ptrace(PTRACE_CONT, pid, 0, SIGUSR1) == 0 && waitpid(pid, &status, 0) == pid &&
	   WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP,
	   "CONT with SIGUSR1: the child runs its handler and stops again");
	if (pkeys) {
		getregset(pid, xs, sizeof(xs), &iov);
		ok(*(uint32_t *)(xs + pkru_offset()) == traced,
		   "after running (a signal handler among it) the child's PKRU is still the tracer's");
		memcpy(&bv, xs + XSTATE_BV_OFFSET, 8);
		bv &= ~XFEATURE_MASK_PKRU;
		memcpy(xs + XSTATE_BV_OFFSET, &bv, 8);
		ptrace(PTRACE_SETREGSET, pid, (void *)NT_X86_XSTATE, &iov);
		getregset(pid, xs, sizeof(xs), &iov);
		memcpy(&bv, xs + XSTATE_BV_OFFSET, 8);
		ok(!(bv & XFEATURE_MASK_PKRU) && *(uint32_t *)(xs + pkru_offset()) == 0,
		   "XSTATE_BV[9] cleared by SETREGSET: PKRU 0, component 9 reads 0");
	}
	ok(ptrace(PTRACE_CONT, pid, 0, 0) == 0 && waitpid(pid, &status, 0) == pid &&
	   WIFSTOPPED(status), "CONT: the child runs and stops a third time");
	if (pkeys) {
		/* Its image now holds PKRU in the init state: 0, not whatever PKRU is live. */
		getregset(pid, xs, sizeof(xs), &iov);
		ok(*(uint32_t *)(xs + pkru_offset()) == 0,
		   "after running with PKRU 0 the child's component 9 reads 0, not the tracer's PKRU");
	}
	ok(ptrace(PTRACE_CONT, pid, 0, 0) == 0 && waitpid(pid, &status, 0) == pid &&
	   WIFEXITED(status), "CONT: the child exits");
	ok(WEXITSTATUS(status) != 2, "the child ran with the PKRU SETREGSET gave it (kept across its handler)");
	ok(WEXITSTATUS(status) != 3, "the child saw the poked page");
	ok(WEXITSTATUS(status) != 4, "the child's SIGUSR1 handler ran");
	ok(WEXITSTATUS(status) != 5, "the child ran with PKRU 0 after XSTATE_BV[9] was cleared");
	ok(WEXITSTATUS(status) == 0, "the child's exit status is 0");
	return ptest_done("ptrace");
}
