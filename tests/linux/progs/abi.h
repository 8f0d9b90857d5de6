/*
 * The linux.abi_* programs: each line is one observation that must read the
 * same under Linux 6.12 (tools/linux-reference.sh) and under pkrulab
 * (tools/abi_diff.py compares them, tools/testdata/abi-linux-6.12/).  No
 * pids, addresses or times: relations and errno names.  "ok N" lines are
 * the observations whose value is also checked here (the cell fails on a
 * wrong one, diff or not); the others are only compared with Linux's.
 */
#ifndef ABI_H
#define ABI_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int abi_tests, abi_failed;

/* A call's result as text: "ok" (or its value) or its errno's name. */
static const char *res(long rc)
{
	static char buf[8][32];
	static int n;
	char *b = buf[n++ % 8];

	if (rc == -1)
		snprintf(b, 32, "%s", strerrorname_np(errno));
	else
		snprintf(b, 32, "ok");
	return b;
}

/* An observation only compared with Linux's. */
#define SAY(...) do { printf(__VA_ARGS__); putchar('\n'); fflush(stdout); } while (0)

/* An observation that must also equal want. */
static void expect(const char *what, const char *got, const char *want)
{
	int good = !strcmp(got, want);

	printf("%s %d %s: %s%s%s\n", good ? "ok" : "not ok", ++abi_tests, what, got,
	       good ? "" : " -- want ", good ? "" : want);
	fflush(stdout);
	abi_failed += !good;
}

static inline int abi_done(void) { return abi_failed ? 1 : 0; }

#endif
