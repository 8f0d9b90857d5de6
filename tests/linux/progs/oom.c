/*
 * oom: a program that takes all the memory it can.  mmap in 1 MiB pieces
 * until the kernel says ENOMEM -- the kernel must refuse before its own
 * page allocator runs dry, never fall over under the program -- then fork
 * (which needs a copy of all of it: ENOMEM too), give everything back and
 * map again (the cell checks, too, that every page came back at exit).  Prints TAP-style "ok N" lines; exit status 0 when every
 * check held.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ptest.h"

#define PIECE		(1ul << 20)
#define MAX_PIECES	16384		/* 16 GiB: more than any machine pkrulab boots here */

static void *pieces[MAX_PIECES];

int main(void)
{
	int n = 0, err, again = 0;
	pid_t pid;

	while (n < MAX_PIECES) {
		void *p = mmap(NULL, PIECE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			break;
		pieces[n++] = p;
	}
	err = errno;
	printf("# %d MiB mapped\n", n);
	ok(n > 0 && n < MAX_PIECES && err == ENOMEM, "mmap until the memory is gone: then ENOMEM");
	memset(pieces[n - 1], 0x5a, PIECE);
	ok(((unsigned char *)pieces[n - 1])[PIECE - 1] == 0x5a, "the last piece mapped holds what is written");
	pid = fork();
	if (pid == 0)
		_exit(0);
	ok(pid == -1 && errno == ENOMEM, "fork with no room for the copy: ENOMEM");
	if (pid > 0)
		waitpid(pid, NULL, 0);
	for (int i = 0; i < n; i++)
		munmap(pieces[i], PIECE);
	while (again < n) {
		void *p = mmap(NULL, PIECE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			break;
		pieces[again++] = p;
	}
	/*
	 * New addresses (mmap hands out fresh ones) want page tables of their
	 * own, and the first round's stay until exit: up to 1 MiB less.
	 */
	ok(again >= n - 1, "after munmap of all of it as much maps again, but for its page tables");
	return ptest_done("oom");
}
