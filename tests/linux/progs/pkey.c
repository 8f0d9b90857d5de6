/*
 * pkey: the protection-key ABI a Linux program relies on, the way the
 * kernel's own pkey selftests use it.  It allocates a key, gives a page
 * that key with pkey_mprotect, denies the key with WRPKRU and reads the
 * page.  The SIGSEGV handler must see SEGV_PKUERR, si_pkey and si_addr,
 * find the interrupted PKRU in the signal frame at fpstate +
 * CPUID(0xD,9).EBX with XSTATE_BV[9] set, open the key *in the frame* and
 * return: the read is retried and succeeds, and PKRU afterwards is exactly
 * what the handler wrote.  A design without PKRU in the frame cannot do
 * this (the fault repeats: reported, exit 1).  Then Linux's pkey_alloc /
 * pkey_free / pkey_mprotect error semantics and the EFAULT a system call
 * gives for a buffer the caller's PKRU denies.  Exit 4 (KSFT_SKIP) without
 * OSPKE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <cpuid.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>
#include "ptest.h"

#define XSTATE_BV_OFFSET	512
#define FX_SW_BYTES_OFFSET	464	/* struct _fpx_sw_bytes in the FXSAVE area's spare bytes */
#define XFEATURE_PKRU		9
#define SEGV_PKUERR_CODE	4
#define NR_KEYS			16

static unsigned pkru_offset;
static int key;
static volatile int *page;
static volatile int faults;
static struct {
	int code, pkey;
	void *addr;
	uint32_t frame_pkru, handler_pkru;
	int bv9;
} seen;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	uint8_t *fp = (uint8_t *)uc->uc_mcontext.fpregs;
	uint32_t *frame_pkru = (uint32_t *)(fp + pkru_offset), sw[2];
	uint64_t bv, xfeatures;

	(void)sig;
	/* fx_sw_bytes (magic1, extended_size, xfeatures): is PKRU in this frame at all? */
	memcpy(sw, fp + FX_SW_BYTES_OFFSET, sizeof(sw));
	memcpy(&xfeatures, fp + FX_SW_BYTES_OFFSET + 8, sizeof(xfeatures));
	if (sw[0] != FP_XSTATE_MAGIC1 || !((xfeatures >> XFEATURE_PKRU) & 1) ||
	    sw[1] < pkru_offset + 4) {
		printf("not ok %d the signal frame has no PKRU (fx_sw_bytes: magic1 %#x, xfeatures "
		       "%#llx, extended size %u): the handler cannot open the key\n", ++tests, sw[0],
		       (unsigned long long)xfeatures, sw[1]);
		_exit(1);
	}
	if (++faults > 1) {
		printf("not ok %d the fault repeated: opening the key in the frame's PKRU "
		       "(%#x) did not reach the interrupted code\n", ++tests, *frame_pkru);
		_exit(1);
	}
	memcpy(&bv, fp + XSTATE_BV_OFFSET, sizeof(bv));
	seen.code = si->si_code;
	seen.pkey = si->si_pkey;
	seen.addr = si->si_addr;
	seen.frame_pkru = *frame_pkru;
	seen.bv9 = (bv >> XFEATURE_PKRU) & 1;
	seen.handler_pkru = rdpkru();
	/* The pkey selftests' trick: let the interrupted code in through the frame. */
	*frame_pkru &= ~(PKRU_AD(key) | PKRU_WD(key));
}

int main(void)
{
	unsigned a, b, c, d;
	struct sigaction sa = { 0 };
	uint32_t denied, want_after, after;
	int other, value, n, k, e;
	long r;

	if (!have_ospke())
		return KSFT_SKIP;
	__cpuid_count(0xd, XFEATURE_PKRU, a, b, c, d);
	pkru_offset = b;
	printf("# PKRU is at offset %u of the XSAVE area (CPUID(0xD,9).EBX)\n", pkru_offset);

	ok(rdpkru() == PKRU_INIT_LINUX, "PKRU at start is Linux's execve value 0x55555554");
	key = pkey_alloc(0, 0);
	other = pkey_alloc(0, PKEY_DISABLE_WRITE);
	ok(key > 0 && other > 0 && key != other, "pkey_alloc gives two keys");
	ok(!(rdpkru() & (PKRU_AD(key) | PKRU_WD(key))) && (rdpkru() & PKRU_WD(other)) &&
	   !(rdpkru() & PKRU_AD(other)), "pkey_alloc set each new key's rights in PKRU");
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED) {
		ok(0, "mmap of one page");
		return 1;
	}
	*page = 42;
	ok(pkey_mprotect((void *)page, 4096, PROT_READ | PROT_WRITE, key) == 0,
	   "pkey_mprotect gives the page the key");

	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	denied = rdpkru() | PKRU_AD(key) | PKRU_WD(key);
	want_after = denied & ~(PKRU_AD(key) | PKRU_WD(key));
	wrpkru(denied);
	value = *page;			/* faults; the handler opens the key in the frame */
	after = rdpkru();
	wrpkru(want_after);
	ok(faults == 1, "one SIGSEGV for the denied read");
	ok(seen.code == SEGV_PKUERR_CODE, "si_code is SEGV_PKUERR");
	ok(seen.pkey == key, "si_pkey names the page's key");
	ok(seen.addr == (void *)page, "si_addr is the page");
	printf("# frame PKRU %#x (PKRU at the fault %#x), XSTATE_BV[9]=%d, handler PKRU %#x\n",
	       seen.frame_pkru, denied, seen.bv9, seen.handler_pkru);
	ok(seen.frame_pkru == denied, "the frame holds the PKRU of the interrupted code");
	ok(seen.bv9 == 1, "the frame's XSTATE_BV[9] is set");
	ok(seen.handler_pkru == PKRU_INIT_LINUX, "the handler ran with Linux's init PKRU");
	ok(value == 42, "the retried read returned the page's value");
	printf("# PKRU after the handler: %#x, want %#x\n", after, want_after);
	ok(after == want_after, "PKRU after sigreturn is the one the handler wrote into the frame");

	/* A system call reading a buffer the caller's PKRU denies: EFAULT. */
	wrpkru(want_after | PKRU_AD(key));
	r = write(1, (const void *)page, 1);
	e = errno;
	wrpkru(want_after);
	ok(r == -1 && e == EFAULT, "write() from a key-denied buffer is EFAULT");

	/* Linux's error semantics. */
	ok(pkey_alloc(1, 0) == -1 && errno == EINVAL, "pkey_alloc with flags is EINVAL");
	ok(pkey_alloc(0, 4) == -1 && errno == EINVAL, "pkey_alloc with unknown rights is EINVAL");
	ok(pkey_free(key) == 0, "pkey_free of an allocated key");
	ok(pkey_free(key) == -1 && errno == EINVAL, "pkey_free of a free key is EINVAL");
	ok(pkey_mprotect((void *)page, 4096, PROT_READ, key) == -1 && errno == EINVAL,
	   "pkey_mprotect with a free key is EINVAL");
	ok(pkey_mprotect((void *)page + 1, 4096, PROT_READ, other) == -1 && errno == EINVAL,
	   "pkey_mprotect of an unaligned address is EINVAL");
	for (n = 0; (k = pkey_alloc(0, 0)) > 0; n++)
		;
	ok(k == -1 && errno == ENOSPC && n == NR_KEYS - 2,
	   "keys 1..15 can be allocated, then ENOSPC (one was still held)");
	return ptest_done("pkey");
}
