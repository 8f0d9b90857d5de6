/*
 * Tiny unit-test API for pkrulab's host tests.
 *
 * Header only, so a test program is one .c file plus the code under test.
 * Checks never abort: a failed check prints "file:line: ..." with the
 * values involved to stderr and the program goes on, so one run shows
 * every failure.  Every CHECK* evaluates to true when it passed, which lets
 * a test stop early where later checks would only dereference garbage:
 *
 *	if (!CHECK_EQ_INT(rc, 0))
 *		return;
 *
 * main() ends with "return unit_summary("name");", which prints exactly one
 * line "name: N passed, N failed" on stdout (the format `make test` adds
 * up) and returns the exit status: 0 when nothing failed, else 1.
 *
 * The counters live in a function-local static of a static inline
 * function: each test program is a single translation unit, and an
 * unused static variable in a header would trip -Wunused.
 */
#ifndef PKRULAB_UNIT_H
#define PKRULAB_UNIT_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct unit_counts {
	int passed;
	int failed;
};

static inline struct unit_counts *unit_counts(void)
{
	static struct unit_counts counts;

	return &counts;
}

/* Count one result; on failure print where and what. */
static inline bool unit_result(bool ok, const char *file, int line,
			       const char *expr)
{
	if (ok) {
		unit_counts()->passed++;
	} else {
		unit_counts()->failed++;
		fprintf(stderr, "%s:%d: check failed: %s\n", file, line, expr);
	}
	return ok;
}

static inline bool unit_eq_int(long long a, long long b, const char *file,
			       int line, const char *expr, const char *ea,
			       const char *eb)
{
	if (!unit_result(a == b, file, line, expr))
		fprintf(stderr, "\t%s == %lld, %s == %lld\n", ea, a, eb, b);
	return a == b;
}

static inline bool unit_eq_uint(unsigned long long a, unsigned long long b,
				const char *file, int line, const char *expr,
				const char *ea, const char *eb)
{
	if (!unit_result(a == b, file, line, expr))
		fprintf(stderr, "\t%s == %#llx, %s == %#llx\n", ea, a, eb, b);
	return a == b;
}

/* NULL strings compare equal only to each other. */
static inline bool unit_eq_str(const char *a, const char *b, const char *file,
			       int line, const char *expr, const char *ea,
			       const char *eb)
{
	bool ok = (a && b) ? strcmp(a, b) == 0 : a == b;

	if (!unit_result(ok, file, line, expr))
		fprintf(stderr, "\t%s == \"%s\", %s == \"%s\"\n", ea,
			a ? a : "(null)", eb, b ? b : "(null)");
	return ok;
}

static inline bool unit_str_contains(const char *hay, const char *needle,
				     bool want, const char *file, int line,
				     const char *expr)
{
	bool found = hay && needle && strstr(hay, needle) != NULL;

	if (!unit_result(found == want, file, line, expr))
		fprintf(stderr, "\t\"%s\" %s \"%s\"\n",
			hay ? hay : "(null)",
			want ? "does not contain" : "contains",
			needle ? needle : "(null)");
	return found == want;
}

#define CHECK(cond) \
	unit_result(!!(cond), __FILE__, __LINE__, #cond)

#define CHECK_EQ_INT(a, b)						\
	unit_eq_int((long long)(a), (long long)(b), __FILE__, __LINE__,	\
		    #a " == " #b, #a, #b)

#define CHECK_EQ_UINT(a, b)						\
	unit_eq_uint((unsigned long long)(a), (unsigned long long)(b),	\
		     __FILE__, __LINE__, #a " == " #b, #a, #b)

#define CHECK_EQ_STR(a, b)						\
	unit_eq_str((a), (b), __FILE__, __LINE__, #a " == " #b, #a, #b)

#define CHECK_STR_CONTAINS(hay, needle)					\
	unit_str_contains((hay), (needle), true, __FILE__, __LINE__,	\
			  #hay " contains " #needle)

#define CHECK_STR_NOT_CONTAINS(hay, needle)				\
	unit_str_contains((hay), (needle), false, __FILE__, __LINE__,	\
			  #hay " does not contain " #needle)

/* Print the one summary line and return the process exit status. */
static inline int unit_summary(const char *name)
{
	const struct unit_counts *c = unit_counts();

	printf("%s: %d passed, %d failed\n", name, c->passed, c->failed);
	fflush(stdout);
	return c->failed ? 1 : 0;
}

#endif
