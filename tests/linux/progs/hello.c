/*
 * hello: the smallest test of the Linux personality.  glibc's static
 * start-up (self-relocation of the PIE, TLS through arch_prctl, the
 * auxiliary vector, stdio on a terminal) must work before main runs; main
 * then checks what it was given and exercises brk and mmap through malloc.
 * Prints TAP-style "ok N" lines; exit status 0 when every check held.
 *
 * Built twice: "hello" as a static PIE, "hello_static" with plain -static
 * (ET_EXEC, linked at 0x400000: kernel/linux/process.c's low window).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>
#include "ptest.h"

#ifndef PROG_NAME
#define PROG_NAME "hello"
#endif
#define LOW_WINDOW_END 0x2000000ul	/* where a non-PIE executable must end */

static int tests, failed;
static __thread int tls_word = 42;

int main(int argc, char **argv)
{
	char *small, *big;

	printf("Hello from a static glibc program (%s, pid %d)\n", argv[0], (int)getpid());
	ok(argc == 1 && !strcmp(argv[0], PROG_NAME), "argv is { \"" PROG_NAME "\" }");
	ok(getenv("HOME") && !strcmp(getenv("HOME"), "/"), "the environment has HOME=/");
	ok(getauxval(AT_PAGESZ) == 4096, "AT_PAGESZ is 4096");
	ok(getauxval(AT_RANDOM) != 0, "AT_RANDOM points at random bytes");
	ok(getauxval(AT_MINSIGSTKSZ) >= 1024, "AT_MINSIGSTKSZ gives room for a signal frame");
	ok(getauxval(AT_EXECFN) && !strcmp((char *)getauxval(AT_EXECFN), "/prog/" PROG_NAME),
	   "AT_EXECFN names the program");
#ifndef PROG_NOPIE
	ok((unsigned long)&main >= LOW_WINDOW_END, "a PIE: loaded at pkrulab's PIE base, not low");
#else
	ok((unsigned long)&main >= 0x400000ul && (unsigned long)&main < LOW_WINDOW_END &&
	   getauxval(AT_PHDR) >= 0x400000ul && getauxval(AT_PHDR) < LOW_WINDOW_END,
	   "non-PIE: code and program headers at their link addresses, in the low window");
#endif
	ok(tls_word == 42, "a __thread variable (FS base from arch_prctl) reads its initial value");
	small = malloc(100);
	big = malloc(4 << 20);		/* above the mmap threshold */
	ok(small && big, "malloc from brk and from mmap");
	if (small && big) {
		memset(big, 0xa5, 4 << 20);
		strcpy(small, "heap");
		ok(big[(4 << 20) - 1] == (char)0xa5 && !strcmp(small, "heap"), "the memory holds what was written");
	}
	free(big);
	free(small);
	fprintf(stderr, "stderr reaches the console too\n");
	return ptest_done(PROG_NAME);
}
