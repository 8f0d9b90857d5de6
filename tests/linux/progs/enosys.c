/*
 * enosys: system calls the kernel does not implement must give -ENOSYS
 * (logged once per number by the kernel) and the program goes on: a
 * number Linux never assigned, one Linux has but pkrulab does not yet
 * (acct), and one past the end of the table.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "ptest.h"

#define UNASSIGNED	500	/* below the table's end (512), unassigned in Linux 6.12 */
#define PAST_THE_TABLE	100000

static int enosys(long r) { return r == -1 && errno == ENOSYS; }

int main(void)
{
	ok(enosys(syscall(UNASSIGNED)), "syscall 500 (unassigned) is ENOSYS");
	ok(enosys(syscall(UNASSIGNED)), "again ENOSYS (the kernel logs it only once)");
	ok(enosys(syscall(SYS_acct, NULL)), "acct (a Linux call pkrulab has no use for) is ENOSYS");
	ok(enosys(syscall(PAST_THE_TABLE)), "syscall 100000 (past the table) is ENOSYS");
	ok(getpid() > 0, "the process goes on: getpid works after them");
	return ptest_done("enosys");
}
