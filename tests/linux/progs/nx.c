/*
 * nx: PROT_EXEC is enforced, as Linux does on a CPU with NX.  Code copied
 * into a PROT_READ|PROT_WRITE page faults when called: SIGSEGV with
 * SEGV_ACCERR, si_addr and the interrupted RIP the address called;
 * mprotect(PROT_READ|PROT_EXEC) makes it run, mprotect back takes exec
 * away again; mmap(PROT_EXEC) runs.  The stack, the heap (malloc from brk,
 * sbrk, a large malloc from mmap), the program's own data, bss and
 * read-only data are not executable; its text is.  Without NX (CPUID
 * 0x80000001:EDX[20] clear) nothing can be no-execute: exit 4 (SKIP).
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>
#include "ptest.h"

#define PAGE		4096
#define CODE_RESULT	42
/* mov eax, 42 ; ret */
#define CODE_BYTES	{ 0xb8, CODE_RESULT, 0x00, 0x00, 0x00, 0xc3 }

typedef int (*code_fn)(void);

static const unsigned char code[] = CODE_BYTES;
static const unsigned char rodata_code[64] = CODE_BYTES;
static unsigned char data_code[64] = CODE_BYTES;
static unsigned char bss_code[64];

static sigjmp_buf back;
static volatile int fault_sig, fault_code;
static volatile uintptr_t fault_addr, fault_rip;

static void on_fault(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	fault_sig = sig;
	fault_code = si->si_code;
	fault_addr = (uintptr_t)si->si_addr;
	fault_rip = uc->uc_mcontext.gregs[REG_RIP];
	siglongjmp(back, 1);
}

static int text_function(void) { return CODE_RESULT; }

/* Call p: CODE_RESULT if it ran, -1 if it faulted (fault_* say how). */
static int run(void *p)
{
	code_fn volatile fn = (code_fn)p;

	fault_sig = 0;
	fault_code = 0;
	fault_addr = fault_rip = 0;
	if (sigsetjmp(back, 1))
		return -1;
	return fn();
}

/* p must not run: SIGSEGV, SEGV_ACCERR, at p itself. */
static void check_nx(void *p, const char *what)
{
	char line[160];
	int r = run(p);

	snprintf(line, sizeof(line), "%s: no exec (SEGV_ACCERR at it)", what);
	ok(r == -1 && fault_sig == SIGSEGV && fault_code == SEGV_ACCERR &&
	   fault_addr == (uintptr_t)p && fault_rip == (uintptr_t)p, line);
	if (r != -1)
		printf("# %s: it ran (returned %d)\n", what, r);
	else if (!(fault_sig == SIGSEGV && fault_code == SEGV_ACCERR))
		printf("# %s: signal %d si_code %d si_addr %#lx rip %#lx, want SIGSEGV SEGV_ACCERR at %p\n",
		       what, fault_sig, fault_code, (unsigned long)fault_addr,
		       (unsigned long)fault_rip, p);
}

static void check_runs(void *p, const char *what)
{
	int r = run(p);

	ok(r == CODE_RESULT, what);
	if (r != CODE_RESULT)
		printf("# %s: signal %d si_code %d si_addr %#lx\n", what, fault_sig, fault_code,
		       (unsigned long)fault_addr);
}

static int have_nx(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(0x80000001, &a, &b, &c, &d) || !(d & (1u << 20))) {
		printf("# SKIP: no NX (CPUID.80000001H:EDX[20]): every readable page is executable\n");
		return 0;
	}
	return 1;
}

int main(void)
{
	struct sigaction sa = { 0 };
	unsigned char stack_code[64] = CODE_BYTES;
	unsigned char *page, *heap, *big, *brk_page;
	code_fn volatile text = text_function;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!have_nx())
		return KSFT_SKIP;
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGTRAP, &sa, NULL);

	ok(text() == CODE_RESULT, "the program's .text runs");

	page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED) {
		ok(0, "mmap(PROT_READ|PROT_WRITE)");
		return ptest_done("nx");
	}
	memcpy(page, code, sizeof(code));
	check_nx(page, "code in a PROT_READ|PROT_WRITE mmap page");
	ok(mprotect(page, PAGE, PROT_READ | PROT_EXEC) == 0, "mprotect(PROT_READ|PROT_EXEC)");
	check_runs(page, "after mprotect(PROT_READ|PROT_EXEC) the page runs");
	ok(mprotect(page, PAGE, PROT_READ | PROT_WRITE) == 0, "mprotect(PROT_READ|PROT_WRITE)");
	check_nx(page, "after mprotect back to PROT_READ|PROT_WRITE the page");
	ok(mprotect(page, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC) == 0,
	   "mprotect(PROT_READ|PROT_WRITE|PROT_EXEC)");
	check_runs(page, "a PROT_READ|PROT_WRITE|PROT_EXEC page runs");
	munmap(page, PAGE);

	page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ok(page != MAP_FAILED, "mmap(PROT_READ|PROT_WRITE|PROT_EXEC)");
	if (page != MAP_FAILED) {
		memcpy(page + 128, code, sizeof(code));
		check_runs(page + 128, "code in an mmap(PROT_EXEC) page runs");
		munmap(page, PAGE);
	}

	check_nx(stack_code, "code on the stack");

	heap = malloc(64);
	memcpy(heap, code, sizeof(code));
	check_nx(heap, "code in a small malloc() block (brk)");
	brk_page = sbrk(PAGE);
	if (brk_page == (void *)-1) {
		ok(0, "sbrk(4096)");
	} else {
		memcpy(brk_page, code, sizeof(code));
		check_nx(brk_page, "code in a page from sbrk()");
	}
	big = malloc(1 << 20);
	memcpy(big, code, sizeof(code));
	check_nx(big, "code in a 1 MiB malloc() block (mmap)");

	check_nx(data_code, "code in the program's .data");
	memcpy(bss_code, code, sizeof(code));
	check_nx(bss_code, "code in the program's .bss");
	check_nx((void *)rodata_code, "code in the program's .rodata");

	ok(text() == CODE_RESULT, "the program's .text still runs");
	return ptest_done("nx");
}
