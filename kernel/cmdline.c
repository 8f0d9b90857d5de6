/*
 * Kernel command line parser (the interface is <kernel/cmdline.h>).
 *
 * This file is built twice: into the freestanding kernel and into the host
 * unit tests and fuzzer.  It therefore includes no libc header and calls no
 * libc function; the few string helpers it needs are written out below.  It
 * also avoids code that compilers like to turn into memcpy()/memset() calls
 * (struct assignment, plain fixed-count copy or clear loops), because the
 * kernel may not link those in.
 *
 * The command line is never copied or modified: words, keys, values and
 * list elements are (pointer, length) spans into the caller's string.
 *
 * Error handling: a bad value gives one message of the form
 * "KEY: PROBLEM (expected WHAT)", the key first so that it survives
 * truncation to a small buffer; an unknown key or a word that is not
 * key=value is quoted right at the start of its message ("unknown argument
 * 'bogus=1' (known: ...)").  On success err is "".  Pieces of user input
 * quoted in a message are cut to QUOTE_MAX characters and have unprintable
 * bytes replaced, since the message goes to a serial console verbatim.
 *
 * On failure *ka is partially updated: every argument before the bad one
 * has been applied, the bad argument itself has changed nothing (each value
 * is validated completely before it is stored) and later arguments are not
 * looked at.  The kernel stops on any error, so this is only a matter of
 * keeping the structure self-consistent, never of rolling back.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kernel/cmdline.h>
/* Constants only (PKRU_INIT_LINUX), so the host build can include it too. */
#include "../arch/x86/include/asm/processor-flags.h"
#include <kernel/glob.h>


#define DEFAULT_BENCH_ITERS 1000
#define DEFAULT_TIMER_HZ    1000
#define DEFAULT_SEED        1

/* Longest piece of user input echoed in an error message. */
#define QUOTE_MAX 24

#define STR_(x) #x
#define STR(x)  STR_(x)

struct span {
	const char *p;
	size_t n;
};

/* ---------------------------------------------------------------------- */
/* Name tables                                                             */

static const char *const config_names[NR_CONFIGS] = {
#define STRATEGY(E, name) [CONFIG_##E] = #name,
#include "strategy/list.h"
#undef STRATEGY
};

static const char *const inject_names[NR_INJECTS] = {
	[INJECT_NONE] = "none",
#define INJECT(E, name, hooks, tests, help) [INJECT_##E] = #name,
#include "inject_list.h"
#undef INJECT
};

static const uint32_t inject_hook_masks[NR_INJECTS] = {
#define INJECT(E, name, hooks, tests, help) [INJECT_##E] = (hooks),
#include "inject_list.h"
#undef INJECT
};

#define NR_EXIT_MODES 4
static const char *const exit_names[NR_EXIT_MODES] = {
	[EXIT_HALT]	= "halt",
	[EXIT_QEMU]	= "qemu",
	[EXIT_REBOOT]	= "reboot",
	[EXIT_POWEROFF]	= "poweroff",
};

#define NR_SIGFRAME_POLICIES 3
static const char *const sigframe_names[NR_SIGFRAME_POLICIES] = {
	[SIGFRAME_PKRU_HW]	= "hw",
	[SIGFRAME_PKRU_SOFT]	= "soft",
	[SIGFRAME_PKRU_NONE]	= "none",
};

#define NR_SIGNAL_ABIS 2
static const char *const signal_abi_names[NR_SIGNAL_ABIS] = {
	[SIGNAL_ABI_LINUX612]	= "linux612",
	[SIGNAL_ABI_LINUX61]	= "linux61",
};

/* Bit i of the console mask is console_names[i]. */
#define NR_CONSOLES 3
static const char *const pkru_guard_names[NR_PKRU_GUARDS] = {
	"sigreturn", "altstack", "rekey", "pkey_free", "ptrace", "remote", "force", "audit",
};

static const char *const console_names[NR_CONSOLES] = {
	"serial", "vga", "fb",
};

/*
 * The casts to unsigned make negative values (an enum is an int here)
 * out of range too, so a corrupted value prints "?" instead of indexing
 * before the table.
 */
const char *config_name(enum pkru_config c)
{
	return (unsigned int)c < NR_CONFIGS ? config_names[c] : "?";
}

const char *inject_name(enum inject_bug b)
{
	return (unsigned int)b < NR_INJECTS ? inject_names[b] : "?";
}

uint32_t inject_hooks(enum inject_bug b)
{
	return (unsigned int)b < NR_INJECTS ? inject_hook_masks[b] : 0;
}

const char *exit_mode_name(enum exit_mode m)
{
	return (unsigned int)m < NR_EXIT_MODES ? exit_names[m] : "?";
}

const char *sigframe_pkru_name(enum sigframe_pkru_policy p)
{
	return (unsigned int)p < NR_SIGFRAME_POLICIES ? sigframe_names[p] : "?";
}

const char *pkru_guard_name(int bit)
{
	return bit >= 0 && bit < NR_PKRU_GUARDS ? pkru_guard_names[bit] : "?";
}

const char *signal_abi_name(enum signal_abi a)
{
	return (unsigned int)a < NR_SIGNAL_ABIS ? signal_abi_names[a] : "?";
}

/* ---------------------------------------------------------------------- */
/* Small string helpers (no libc)                                          */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	       c == '\v' || c == '\f';
}

/* Does the span equal the NUL-terminated literal? */
static bool span_eq(struct span s, const char *lit)
{
	size_t i;

	for (i = 0; i < s.n; i++)
		if (lit[i] == '\0' || lit[i] != s.p[i])
			return false;
	return lit[i] == '\0';
}

/* Index of the span in a name table, or -1. */
static int lookup(struct span s, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (span_eq(s, names[i]))
			return i;
	return -1;
}

/*
 * Comma-separated list walker.  An empty list element (",," or a leading
 * or trailing comma) is returned as an empty span so that the caller can
 * reject it with a message instead of skipping it silently.
 */
struct list_iter {
	struct span rest;
	bool done;
};

static void list_init(struct list_iter *it, struct span list)
{
	it->rest = list;
	it->done = false;
}

static bool list_next(struct list_iter *it, struct span *elem)
{
	size_t i = 0;

	if (it->done)
		return false;
	while (i < it->rest.n && it->rest.p[i] != ',')
		i++;
	elem->p = it->rest.p;
	elem->n = i;
	if (i == it->rest.n) {
		it->done = true;
	} else {
		it->rest.p += i + 1;
		it->rest.n -= i + 1;
	}
	return true;
}

/* ---------------------------------------------------------------------- */
/* Error message builder: appends, truncates, always NUL-terminates        */

struct msg {
	char *buf;
	size_t len;
	size_t cap;
};

static void msg_init(struct msg *m, char *buf, size_t cap)
{
	m->buf = buf;
	m->cap = buf ? cap : 0;
	m->len = 0;
	if (m->cap)
		buf[0] = '\0';
}

static void msg_putc(struct msg *m, char c)
{
	/* Keep one byte for the terminator; with cap 0 nothing is written. */
	if (m->len + 1 >= m->cap)
		return;
	m->buf[m->len++] = c;
	m->buf[m->len] = '\0';
}

static void msg_puts(struct msg *m, const char *s)
{
	while (*s)
		msg_putc(m, *s++);
}

static void msg_putu(struct msg *m, uint64_t v)
{
	char digits[20];	/* UINT64_MAX has 20 decimal digits */
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		msg_putc(m, digits[--n]);
}

/*
 * Quote user input: at most QUOTE_MAX characters, then "...", so that one
 * huge word cannot push the key name and the explanation out of the
 * buffer.  Unprintable bytes become '?' so the console sees plain ASCII.
 */
static void msg_quote(struct msg *m, struct span s)
{
	size_t i;

	msg_putc(m, '\'');
	for (i = 0; i < s.n && i < QUOTE_MAX; i++) {
		unsigned char c = (unsigned char)s.p[i];

		msg_putc(m, c >= 0x20 && c < 0x7f ? (char)c : '?');
	}
	if (s.n > QUOTE_MAX)
		msg_puts(m, "...");
	msg_putc(m, '\'');
}

/* ---------------------------------------------------------------------- */
/* Keys                                                                    */

struct keydef;
typedef int (*parse_fn)(struct kargs *ka, const struct keydef *k,
			struct span val, struct msg *m);

struct keydef {
	const char *name;
	parse_fn parse;
	const char *expect;	/* what a valid value looks like, for errors */
};

/* Start an error message: the key comes first, so truncation keeps it. */
static void fail_begin(struct msg *m, const struct keydef *k)
{
	msg_puts(m, k->name);
	msg_puts(m, ": ");
}

/* Finish an error message with what was expected; returns -1. */
static int fail_end(struct msg *m, const struct keydef *k)
{
	msg_puts(m, " (expected ");
	msg_puts(m, k->expect);
	msg_putc(m, ')');
	return -1;
}

/* "KEY: WHAT 'BAD' (expected ...)", the common case. */
static int fail(struct msg *m, const struct keydef *k, const char *what,
		struct span bad)
{
	fail_begin(m, k);
	msg_puts(m, what);
	msg_putc(m, ' ');
	msg_quote(m, bad);
	return fail_end(m, k);
}

/* "KEY: 'BAD' WHAT (expected ...)", where the value reads as the subject. */
static int fail_value(struct msg *m, const struct keydef *k, struct span bad,
		      const char *what)
{
	fail_begin(m, k);
	msg_quote(m, bad);
	msg_putc(m, ' ');
	msg_puts(m, what);
	return fail_end(m, k);
}

/* ---------------------------------------------------------------------- */
/* Numbers                                                                 */

enum num_status { NUM_OK, NUM_NO_DIGITS, NUM_JUNK, NUM_OVERFLOW };

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Parse an unsigned 64-bit number: decimal, or with hex_ok also "0x"/"0X"
 * hex.  No sign, no spaces, no suffix.  NUM_NO_DIGITS: the value does not
 * start with a digit (after any "0x"); NUM_JUNK: digits followed by
 * something else, starting at index *bad.  Junk is looked for before
 * overflow so that "99999999999999999999x" is reported as junk, the more
 * useful message.
 */
static enum num_status parse_u64(struct span s, bool hex_ok, uint64_t *out,
				 size_t *bad)
{
	unsigned int base = 10;
	size_t start = 0, i;
	uint64_t v = 0;

	if (hex_ok && s.n >= 2 && s.p[0] == '0' &&
	    (s.p[1] == 'x' || s.p[1] == 'X')) {
		base = 16;
		start = 2;
	}
	for (i = start; i < s.n; i++) {
		int d = digit_value(s.p[i]);

		if (d < 0 || (unsigned int)d >= base)
			break;
	}
	if (i == start)
		return NUM_NO_DIGITS;
	if (i < s.n) {
		*bad = i;
		return NUM_JUNK;
	}
	for (i = start; i < s.n; i++) {
		unsigned int d = (unsigned int)digit_value(s.p[i]);

		if (v > (UINT64_MAX - d) / base)
			return NUM_OVERFLOW;
		v = v * base + d;
	}
	*out = v;
	return NUM_OK;
}

/*
 * Parse a number for key k and check it against [lo, hi]; on failure
 * write the message and return -1.
 */
static int parse_number(const struct keydef *k, struct span val, bool hex_ok,
			uint64_t lo, uint64_t hi, uint64_t *out, struct msg *m)
{
	uint64_t v = 0;
	size_t bad = 0;

	switch (parse_u64(val, hex_ok, &v, &bad)) {
	case NUM_OK:
		break;
	case NUM_NO_DIGITS:
		return fail_value(m, k, val, "is not a number");
	case NUM_JUNK:
		fail_begin(m, k);
		msg_puts(m, "trailing junk ");
		msg_quote(m, (struct span){ val.p + bad, val.n - bad });
		msg_puts(m, " in ");
		msg_quote(m, val);
		return fail_end(m, k);
	case NUM_OVERFLOW:
	default:
		return fail_value(m, k, val, "is too large");
	}
	if (v < lo || v > hi)
		return fail_value(m, k, val, "is out of range");
	*out = v;
	return 0;
}

static int parse_bench_iters(struct kargs *ka, const struct keydef *k,
			     struct span val, struct msg *m)
{
	uint64_t v = 0;

	if (parse_number(k, val, false, BENCH_ITERS_MIN, BENCH_ITERS_MAX,
			 &v, m))
		return -1;
	ka->bench_iters = (uint32_t)v;
	return 0;
}

static int parse_timer_hz(struct kargs *ka, const struct keydef *k,
			  struct span val, struct msg *m)
{
	uint64_t v = 0;

	if (parse_number(k, val, false, TIMER_HZ_MIN, TIMER_HZ_MAX, &v, m))
		return -1;
	ka->timer_hz = (uint32_t)v;
	return 0;
}

static int parse_smp(struct kargs *ka, const struct keydef *k,
		     struct span val, struct msg *m)
{
	uint64_t v = 0;

	if (span_eq(val, "all")) {
		ka->smp = 0;
		return 0;
	}
	if (parse_number(k, val, false, 1, SMP_CPUS_MAX, &v, m))
		return -1;
	ka->smp = (uint32_t)v;
	return 0;
}

static int parse_watchdog_s(struct kargs *ka, const struct keydef *k,
			    struct span val, struct msg *m)
{
	uint64_t v = 0;

	if (parse_number(k, val, false, WATCHDOG_S_MIN, WATCHDOG_S_MAX, &v, m))
		return -1;
	ka->watchdog_s = (uint32_t)v;
	return 0;
}

static int parse_seed(struct kargs *ka, const struct keydef *k,
		      struct span val, struct msg *m)
{
	uint64_t v = 0;

	if (parse_number(k, val, true, 0, UINT64_MAX, &v, m))
		return -1;
	ka->seed = v;
	return 0;
}

static int parse_handler_pkru(struct kargs *ka, const struct keydef *k,
			      struct span val, struct msg *m)
{
	uint64_t v = 0;

	if (span_eq(val, "init")) {
		ka->handler_pkru = HANDLER_PKRU_INIT;
		ka->handler_pkru_value = PKRU_INIT_LINUX;
		return 0;
	}
	if (span_eq(val, "inherit")) {
		ka->handler_pkru = HANDLER_PKRU_INHERIT;
		ka->handler_pkru_value = 0;
		return 0;
	}
	/* Anything not starting with a digit is a misspelt keyword. */
	if (val.p[0] < '0' || val.p[0] > '9')
		return fail(m, k, "unknown", val);
	if (parse_number(k, val, true, 0, UINT32_MAX, &v, m))
		return -1;
	ka->handler_pkru = HANDLER_PKRU_VALUE;
	ka->handler_pkru_value = (uint32_t)v;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Keyword values                                                          */

static int parse_inject(struct kargs *ka, const struct keydef *k,
			struct span val, struct msg *m)
{
	int i = lookup(val, inject_names, NR_INJECTS);

	if (i < 0)
		return fail(m, k, "unknown", val);
	ka->inject = (enum inject_bug)i;
	ka->inject_hooks = inject_hook_masks[i];
	return 0;
}

static int parse_sigframe_pkru(struct kargs *ka, const struct keydef *k,
			       struct span val, struct msg *m)
{
	int i = lookup(val, sigframe_names, NR_SIGFRAME_POLICIES);

	if (i < 0)
		return fail(m, k, "unknown", val);
	ka->sigframe_pkru = (enum sigframe_pkru_policy)i;
	ka->sigframe_pkru_set = true;
	return 0;
}

static int parse_signal_abi(struct kargs *ka, const struct keydef *k,
			    struct span val, struct msg *m)
{
	int i = lookup(val, signal_abi_names, NR_SIGNAL_ABIS);

	if (i < 0)
		return fail(m, k, "unknown", val);
	ka->signal_abi = (enum signal_abi)i;
	return 0;
}

static int parse_exit(struct kargs *ka, const struct keydef *k,
		      struct span val, struct msg *m)
{
	int i = lookup(val, exit_names, NR_EXIT_MODES);

	if (i < 0)
		return fail(m, k, "unknown", val);
	ka->exit_mode = (enum exit_mode)i;
	return 0;
}

/*
 * A comma list of names from a table, OR-ed into a bit mask.  Repeating a
 * name is harmless and allowed; an empty or unknown element is an error.
 * allow_all: the whole value may be the single word "all".
 */
static int parse_name_mask(const struct keydef *k, struct span val,
			   const char *const *names, int n, bool allow_all,
			   uint32_t *out, struct msg *m)
{
	struct list_iter it;
	struct span e;
	uint32_t mask = 0;

	if (allow_all && span_eq(val, "all")) {
		*out = (1u << n) - 1;
		return 0;
	}
	list_init(&it, val);
	while (list_next(&it, &e)) {
		int i;

		if (e.n == 0)
			return fail(m, k, "empty list element in", val);
		if (allow_all && span_eq(e, "all"))
			return fail(m, k, "'all' must stand alone in", val);
		i = lookup(e, names, n);
		if (i < 0)
			return fail(m, k, "unknown element", e);
		mask |= 1u << i;
	}
	*out = mask;
	return 0;
}

/*
 * pkru_guard=: a comma list of guard names, where "all" stands for every
 * implemented guard (audit aside) and may be combined ("all,audit");
 * "none" only alone.  Unknown or empty elements are errors naming the
 * element.  "force" and "audit" are not in "all": force kills every
 * program that writes PKRU itself, audit only logs.
 */
static int parse_pkru_guard(struct kargs *ka, const struct keydef *k,
			    struct span val, struct msg *m)
{
	struct list_iter it;
	struct span e;
	uint32_t mask = 0;

	if (span_eq(val, "none")) {
		ka->pkru_guard = 0;
		return 0;
	}
	list_init(&it, val);
	while (list_next(&it, &e)) {
		int i;

		if (e.n == 0)
			return fail(m, k, "empty list element in", val);
		if (span_eq(e, "none"))
			return fail(m, k, "'none' must stand alone in", val);
		if (span_eq(e, "all")) {
			mask |= PKRU_GUARD_ALL;
			continue;
		}
		i = lookup(e, pkru_guard_names, NR_PKRU_GUARDS);
		if (i < 0)
			return fail(m, k, "unknown guard", e);
		mask |= 1u << i;
	}
	ka->pkru_guard = mask;
	return 0;
}

static int parse_config(struct kargs *ka, const struct keydef *k,
			struct span val, struct msg *m)
{
	uint32_t mask = 0;

	if (parse_name_mask(k, val, config_names, NR_CONFIGS, true, &mask, m))
		return -1;
	ka->configs = mask;
	return 0;
}

static int parse_console(struct kargs *ka, const struct keydef *k,
			 struct span val, struct msg *m)
{
	uint32_t mask = 0;

	if (parse_name_mask(k, val, console_names, NR_CONSOLES, false,
			    &mask, m))
		return -1;
	ka->consoles = mask;
	ka->consoles_set = true;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Globs (the matcher is kernel/glob.c)                                    */

/*
 * Check one glob of a tests=/bench= list: non-empty, fits in
 * KARGS_GLOB_LEN with its NUL, and every '[' closes without reversed
 * ranges.  Malformed classes are rejected here rather than matched
 * literally, because a typo would otherwise silently select nothing.
 */
static int check_glob(const struct keydef *k, struct span val, struct span g,
		      struct msg *m)
{
	const char *end = g.p + g.n;
	const char *p = g.p;

	if (g.n == 0)
		return fail(m, k, "empty list element in", val);
	if (span_eq(g, "all") || span_eq(g, "none"))
		return fail(m, k, "'all'/'none' must stand alone in", val);
	if (g.n >= KARGS_GLOB_LEN) {
		fail_begin(m, k);
		msg_puts(m, "glob ");
		msg_quote(m, g);
		msg_puts(m, " longer than ");
		msg_putu(m, KARGS_GLOB_LEN - 1);
		msg_puts(m, " characters");
		return fail_end(m, k);
	}
	while (p < end) {
		bool hit, rev;
		const char *q;

		if (*p++ != '[')
			continue;
		q = glob_class_scan(p, end, -1, &hit, &rev);
		if (!q)
			return fail(m, k, "unterminated '[' in glob", g);
		if (rev)
			return fail(m, k, "reversed range in glob", g);
		p = q;
	}
	return 0;
}

/*
 * tests= and bench=: "all" (one glob "*"), "none" (no glob) or a comma
 * list of globs.  The whole list is validated before anything is stored,
 * so a bad list leaves the previous selection intact.
 */
static int parse_globs(const struct keydef *k, struct span val,
		       char (*globs)[KARGS_GLOB_LEN], int *count, struct msg *m)
{
	struct list_iter it;
	struct span g;
	int n = 0;

	if (span_eq(val, "none")) {
		*count = 0;
		return 0;
	}
	if (span_eq(val, "all")) {
		globs[0][0] = '*';
		globs[0][1] = '\0';
		*count = 1;
		return 0;
	}
	list_init(&it, val);
	while (list_next(&it, &g)) {
		if (check_glob(k, val, g, m))
			return -1;
		if (++n > KARGS_MAX_GLOBS) {
			fail_begin(m, k);
			msg_puts(m, "more than ");
			msg_putu(m, KARGS_MAX_GLOBS);
			msg_puts(m, " globs in ");
			msg_quote(m, val);
			return fail_end(m, k);
		}
	}
	n = 0;
	list_init(&it, val);
	while (list_next(&it, &g)) {
		char *dst = globs[n++];
		size_t i = 0;

		/*
		 * Stop at the ',' or the end of the value rather than after a
		 * fixed count: besides being natural, a loop with a
		 * data-dependent exit is not turned into a memcpy() call.
		 */
		while (i < g.n && g.p[i] != ',') {
			dst[i] = g.p[i];
			i++;
		}
		dst[i] = '\0';
	}
	*count = n;
	return 0;
}

static int parse_tests(struct kargs *ka, const struct keydef *k,
		       struct span val, struct msg *m)
{
	return parse_globs(k, val, ka->tests, &ka->ntests, m);
}

static int parse_bench(struct kargs *ka, const struct keydef *k,
		       struct span val, struct msg *m)
{
	return parse_globs(k, val, ka->bench, &ka->nbench, m);
}

static int parse_xfail(struct kargs *ka, const struct keydef *k,
		       struct span val, struct msg *m)
{
	return parse_globs(k, val, ka->xfail, &ka->nxfail, m);
}

static const struct keydef keys[] = {
	{ "config", parse_config, "comma list of "
#define STRATEGY(E, name) #name ", "
#include "strategy/list.h"
#undef STRATEGY
	  "or all" },
	{ "tests", parse_tests, "comma list of globs, all or none" },
	{ "bench", parse_bench, "comma list of globs, all or none" },
	{ "xfail", parse_xfail, "comma list of globs, all or none" },
	{ "bench_iters", parse_bench_iters,
	  "decimal " STR(BENCH_ITERS_MIN) ".." STR(BENCH_ITERS_MAX) },
	{ "inject", parse_inject, "none"
#define INJECT(E, name, hooks, tests, help) ", " #name
#include "inject_list.h"
#undef INJECT
	},
	{ "handler_pkru", parse_handler_pkru,
	  "init, inherit or a 32-bit decimal or 0x hex value" },
	{ "sigframe_pkru", parse_sigframe_pkru, "hw, soft or none" },
	{ "signal_abi", parse_signal_abi,
	  "linux612 (frame written with every key enabled) or linux61 (under the interrupted PKRU)" },
	{ "pkru_guard", parse_pkru_guard, "comma list of sigreturn, altstack, rekey, pkey_free, "
	  "ptrace, remote, force, audit; all (every guard but force and audit), or none" },
	{ "timer_hz", parse_timer_hz,
	  "decimal " STR(TIMER_HZ_MIN) ".." STR(TIMER_HZ_MAX) },
	{ "smp", parse_smp, "decimal 1.." STR(SMP_CPUS_MAX) " (the first N CPUs) or all" },
	{ "watchdog_s", parse_watchdog_s,
	  "decimal " STR(WATCHDOG_S_MIN) ".." STR(WATCHDOG_S_MAX) " (seconds without progress)" },
	{ "seed", parse_seed, "64-bit decimal or 0x hex value" },
	{ "exit", parse_exit, "qemu, halt, reboot or poweroff" },
	{ "console", parse_console, "comma list of serial, vga, fb" },
};

#define NR_KEYS (sizeof(keys) / sizeof(keys[0]))

/* ---------------------------------------------------------------------- */
/* Public interface                                                        */

void kargs_defaults(struct kargs *ka)
{
	int i;

	/*
	 * Field by field, not by assigning a compound literal: that would
	 * compile to a memset()/memcpy() call the kernel may not have.
	 */
	ka->configs = CONFIG_MASK_ALL;
	for (i = 0; i < KARGS_MAX_GLOBS; i++) {
		ka->tests[i][0] = '\0';
		ka->bench[i][0] = '\0';
		ka->xfail[i][0] = '\0';
	}
	ka->tests[0][0] = '*';
	ka->tests[0][1] = '\0';
	ka->ntests = 1;
	ka->nbench = 0;
	ka->nxfail = 0;
	ka->bench_iters = DEFAULT_BENCH_ITERS;
	ka->inject = INJECT_NONE;
	ka->inject_hooks = 0;
	ka->handler_pkru = HANDLER_PKRU_INIT;
	ka->handler_pkru_value = PKRU_INIT_LINUX;
	ka->sigframe_pkru = SIGFRAME_PKRU_HW;
	ka->sigframe_pkru_set = false;
	ka->signal_abi = SIGNAL_ABI_LINUX612;
	ka->pkru_guard = 0;
	ka->timer_hz = DEFAULT_TIMER_HZ;
	ka->smp = 0;
	ka->watchdog_s = DEFAULT_WATCHDOG_S;
	ka->seed = DEFAULT_SEED;
	ka->exit_mode = EXIT_HALT;
	/* Only a fallback: consoles_set == false means auto-detect. */
	ka->consoles = CONSOLE_SERIAL;
	ka->consoles_set = false;
}

static int parse_word(struct kargs *ka, struct span w, struct msg *m)
{
	struct span key, val;
	size_t eq = 0;
	unsigned int i;

	while (eq < w.n && w.p[eq] != '=')
		eq++;
	if (eq == w.n) {
		msg_puts(m, "argument ");
		msg_quote(m, w);
		msg_puts(m, " is not key=value");
		return -1;
	}
	if (eq == 0) {
		msg_puts(m, "argument ");
		msg_quote(m, w);
		msg_puts(m, " has an empty key");
		return -1;
	}
	key.p = w.p;
	key.n = eq;
	val.p = w.p + eq + 1;
	val.n = w.n - eq - 1;

	for (i = 0; i < NR_KEYS; i++) {
		const struct keydef *k = &keys[i];

		if (!span_eq(key, k->name))
			continue;
		if (val.n == 0) {
			fail_begin(m, k);
			msg_puts(m, "empty value");
			return fail_end(m, k);
		}
		return k->parse(ka, k, val, m);
	}

	msg_puts(m, "unknown argument ");
	msg_quote(m, w);
	msg_puts(m, " (known: ");
	for (i = 0; i < NR_KEYS; i++) {
		if (i)
			msg_puts(m, ", ");
		msg_puts(m, keys[i].name);
	}
	msg_putc(m, ')');
	return -1;
}

int kargs_parse(struct kargs *ka, const char *cmdline, char *err,
		size_t errlen)
{
	struct msg m;
	const char *s = cmdline;
	bool first = true;

	/* err is "" on success, so a caller may print it unconditionally. */
	msg_init(&m, err, errlen);
	if (!ka) {
		msg_puts(&m, "kargs_parse: no kargs");
		return -1;
	}
	if (!s)
		return 0;
	for (;;) {
		struct span w;

		while (is_space(*s))
			s++;
		if (*s == '\0')
			return 0;
		w.p = s;
		while (*s != '\0' && !is_space(*s))
			s++;
		w.n = (size_t)(s - w.p);

		/* GRUB passes the kernel's own path as the first word. */
		if (first && (w.p[0] == '/' || w.p[0] == '(')) {
			first = false;
			continue;
		}
		first = false;
		if (parse_word(ka, w, &m))
			return -1;
	}
}

/* ntests/nbench are clamped so a corrupted count cannot overrun. */
static bool any_glob(const char (*globs)[KARGS_GLOB_LEN], int n,
		     const char *name)
{
	int i;

	if (n > KARGS_MAX_GLOBS)
		n = KARGS_MAX_GLOBS;
	for (i = 0; i < n; i++)
		if (glob_match(globs[i], name))
			return true;
	return false;
}

/*
 * Opt-in scenario IDs: Linux's x86 selftests (linux.x86_*, some 25 s of
 * cells a configuration) are selected only by a glob that itself begins
 * with their prefix -- tests=linux.x86_*, tests=linux.x86_sigreturn --
 * never by all, "*" or linux.*, so that the default run is what it was.
 * run-qemu.sh applies the same rule to have GRUB load their modules.
 */
static const char *const opt_in_prefixes[] = { "linux.x86_" };

static bool has_prefix(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return false;
	return true;
}

static const char *opt_in_prefix(const char *name)
{
	for (size_t i = 0; i < sizeof(opt_in_prefixes) / sizeof(opt_in_prefixes[0]); i++)
		if (has_prefix(name, opt_in_prefixes[i]))
			return opt_in_prefixes[i];
	return NULL;
}

bool kargs_test_selected(const struct kargs *ka, const char *name)
{
	const char *opt_in;
	int i, n = ka->ntests;

	if (!name)
		return false;
	opt_in = opt_in_prefix(name);
	if (n > KARGS_MAX_GLOBS)
		n = KARGS_MAX_GLOBS;
	for (i = 0; i < n; i++)
		if (glob_match(ka->tests[i], name) &&
		    (!opt_in || has_prefix(ka->tests[i], opt_in)))
			return true;
	return false;
}

bool kargs_bench_selected(const struct kargs *ka, const char *name)
{
	return any_glob(ka->bench, ka->nbench, name);
}

bool kargs_xfail_selected(const struct kargs *ka, const char *name)
{
	return any_glob(ka->xfail, ka->nxfail, name);
}
