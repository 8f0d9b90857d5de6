/*
 * Host unit tests for the kernel command line parser (kernel/cmdline.c).
 *
 * The parser is the only guard between a typo on a GRUB line and a run
 * that silently tests the wrong thing, so every key is tried with good
 * and bad values, every error message is checked to name its key, and the
 * error buffer is checked at every size from 0 up.  Built with ASan and
 * UBSan (see the command in the Makefile), so an overrun fails loudly.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <kernel/cmdline.h>
#include "unit.h"

static struct kargs ka;
static char err[KARGS_ERR_LEN];

static const char *const all_keys[] = {
	"config", "tests", "bench", "bench_iters", "inject", "handler_pkru",
	"sigframe_pkru", "signal_abi", "pkru_guard", "timer_hz", "smp", "watchdog_s", "seed", "exit",
	"console",
};
#define NR_ALL_KEYS (sizeof(all_keys) / sizeof(all_keys[0]))

/* Defaults, then one command line; the result is in ka and err. */
static int parse_fresh(const char *cmdline)
{
	kargs_defaults(&ka);
	memset(err, 'X', sizeof(err));
	return kargs_parse(&ka, cmdline, err, sizeof(err));
}

/*
 * Expect success.  A successful parse leaves "" in err.  Returns whether
 * it passed, so callers can skip value checks after a failure.
 */
#define EXPECT_OK(cmdline) expect_ok(cmdline, __LINE__)
static bool expect_ok(const char *cmdline, int line)
{
	int rc = parse_fresh(cmdline);
	bool ok;

	if (rc != 0)
		fprintf(stderr, "line %d: \"%s\" failed: %s\n", line, cmdline,
			err);
	ok = CHECK_EQ_INT(rc, 0);
	ok &= CHECK_EQ_STR(err, "");
	return ok;
}

/*
 * Expect failure with a message containing each of the (up to two)
 * needles; every message must end inside the buffer.
 */
#define EXPECT_ERR(cmdline, n1, n2) expect_err(cmdline, n1, n2, __LINE__)
static bool expect_err(const char *cmdline, const char *n1, const char *n2,
		       int line)
{
	int rc = parse_fresh(cmdline);
	bool ok = true;

	if (rc != -1)
		fprintf(stderr, "line %d: \"%s\" was accepted\n", line,
			cmdline);
	ok &= CHECK_EQ_INT(rc, -1);
	ok &= CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	ok &= CHECK(err[0] != '\0');
	if (n1)
		ok &= CHECK_STR_CONTAINS(err, n1);
	if (n2)
		ok &= CHECK_STR_CONTAINS(err, n2);
	if (!ok)
		fprintf(stderr, "line %d: \"%s\" -> \"%s\"\n", line, cmdline,
			err);
	return ok;
}

/* A message that fits is not cut: it ends well before the buffer does. */
static bool fits(void)
{
	return CHECK(strlen(err) < sizeof(err) - 1);
}

static void check_defaults(const struct kargs *k)
{
	CHECK_EQ_UINT(k->configs, CONFIG_MASK_ALL);
	CHECK_EQ_INT(k->ntests, 1);
	CHECK_EQ_STR(k->tests[0], "*");
	CHECK_EQ_INT(k->nbench, 0);
	CHECK_EQ_INT(k->nxfail, 0);
	CHECK(!kargs_xfail_selected(k, "pku.ad_blocks_read"));
	CHECK_EQ_UINT(k->bench_iters, 1000);
	CHECK_EQ_INT(k->inject, INJECT_NONE);
	CHECK_EQ_INT(k->handler_pkru, HANDLER_PKRU_INIT);
	CHECK_EQ_UINT(k->handler_pkru_value, 0x55555554);
	CHECK_EQ_INT(k->sigframe_pkru, SIGFRAME_PKRU_HW);
	CHECK(!k->sigframe_pkru_set);
	CHECK_EQ_INT(k->signal_abi, SIGNAL_ABI_LINUX612);
	CHECK_EQ_UINT(k->pkru_guard, 0);
	CHECK_EQ_UINT(k->timer_hz, 1000);
	CHECK_EQ_UINT(k->seed, 1);
	CHECK_EQ_INT(k->exit_mode, EXIT_HALT);
	CHECK(!k->consoles_set);
}

static void test_defaults(void)
{
	kargs_defaults(&ka);
	check_defaults(&ka);
	/* One bit per registered configuration, at least the five of the design. */
	CHECK(NR_CONFIGS >= 5);
	CHECK_EQ_UINT(CONFIG_MASK_ALL, (1u << NR_CONFIGS) - 1);

	/* Nothing to parse keeps the defaults. */
	kargs_defaults(&ka);
	memset(err, 'X', sizeof(err));
	CHECK_EQ_INT(kargs_parse(&ka, NULL, err, sizeof(err)), 0);
	CHECK_EQ_STR(err, "");
	check_defaults(&ka);
	if (EXPECT_OK(""))
		check_defaults(&ka);
	if (EXPECT_OK(" \t\n\r\v\f "))
		check_defaults(&ka);

	/* Defaults also reset a structure that held other values. */
	memset(&ka, 0xa5, sizeof(ka));
	kargs_defaults(&ka);
	check_defaults(&ka);

	/* NULL kargs is refused, not dereferenced. */
	CHECK_EQ_INT(kargs_parse(NULL, "config=xsave", err, sizeof(err)), -1);
	CHECK(err[0] != '\0');
}

static void test_config(void)
{
	int i;

	for (i = 0; i < NR_CONFIGS; i++) {
		char line[64];

		snprintf(line, sizeof(line), "config=%s", config_name(i));
		if (EXPECT_OK(line))
			CHECK_EQ_UINT(ka.configs, 1u << i);
	}
	if (EXPECT_OK("config=xsave,hybrid"))
		CHECK_EQ_UINT(ka.configs,
			      (1u << CONFIG_XSAVE) | (1u << CONFIG_HYBRID));
	if (EXPECT_OK("config=unmanaged,xsave_deferred,explicit"))
		CHECK_EQ_UINT(ka.configs, (1u << CONFIG_UNMANAGED) |
			      (1u << CONFIG_XSAVE_DEFERRED) |
			      (1u << CONFIG_EXPLICIT));
	/* A repeated name is harmless. */
	if (EXPECT_OK("config=xsave,xsave"))
		CHECK_EQ_UINT(ka.configs, 1u << CONFIG_XSAVE);
	if (EXPECT_OK("config=xsave config=all"))
		CHECK_EQ_UINT(ka.configs, CONFIG_MASK_ALL);
	if (EXPECT_OK("config=xsave,explicit,hybrid,xsave_deferred,unmanaged"))
		CHECK_EQ_UINT(ka.configs, (1u << CONFIG_XSAVE) | (1u << CONFIG_EXPLICIT) |
			      (1u << CONFIG_HYBRID) | (1u << CONFIG_XSAVE_DEFERRED) |
			      (1u << CONFIG_UNMANAGED));

	EXPECT_ERR("config=xsave,,hybrid", "config", "empty list element");
	EXPECT_ERR("config=,xsave", "config", "empty list element");
	EXPECT_ERR("config=xsave,", "config", "empty list element");
	EXPECT_ERR("config=,", "config", "empty");
	EXPECT_ERR("config=foo", "config", "'foo'");
	EXPECT_ERR("config=xsave,foo", "config", "unknown element 'foo'");
	EXPECT_ERR("config=XSAVE", "config", "'XSAVE'");
	EXPECT_ERR("config=xsav", "config", "'xsav'");
	EXPECT_ERR("config=xsaves", "config", "'xsaves'");
	EXPECT_ERR("config=xsave,all", "config", "stand alone");
	EXPECT_ERR("config=none", "config", "'none'");
	EXPECT_ERR("config=", "config", "empty value");
	EXPECT_ERR("config=xsave;hybrid", "config", "'xsave;hybrid'");
	/* The message lists what would have been accepted. */
	EXPECT_ERR("config=foo", "xsave_deferred", "unmanaged");
}

static void test_globs_key(const char *key, int *count,
			   char (*globs)[KARGS_GLOB_LEN])
{
	char line[2048], glob[KARGS_GLOB_LEN + 2];
	int i;

	snprintf(line, sizeof(line), "%s=all", key);
	if (EXPECT_OK(line) && CHECK_EQ_INT(*count, 1))
		CHECK_EQ_STR(globs[0], "*");
	snprintf(line, sizeof(line), "%s=none", key);
	if (EXPECT_OK(line))
		CHECK_EQ_INT(*count, 0);
	snprintf(line, sizeof(line), "%s=pku.*", key);
	if (EXPECT_OK(line) && CHECK_EQ_INT(*count, 1))
		CHECK_EQ_STR(globs[0], "pku.*");
	snprintf(line, sizeof(line), "%s=pku.*,switch.y?eld,signal.[a-f]*",
		 key);
	if (EXPECT_OK(line) && CHECK_EQ_INT(*count, 3)) {
		CHECK_EQ_STR(globs[0], "pku.*");
		CHECK_EQ_STR(globs[1], "switch.y?eld");
		CHECK_EQ_STR(globs[2], "signal.[a-f]*");
	}
	/* '=' inside a value belongs to the value. */
	snprintf(line, sizeof(line), "%s=a=b", key);
	if (EXPECT_OK(line) && CHECK_EQ_INT(*count, 1))
		CHECK_EQ_STR(globs[0], "a=b");

	/* Exactly KARGS_MAX_GLOBS globs fit, one more does not. */
	strcpy(line, key);
	strcat(line, "=");
	for (i = 0; i < KARGS_MAX_GLOBS; i++) {
		char g[16];

		snprintf(g, sizeof(g), "%sg%d", i ? "," : "", i);
		strcat(line, g);
	}
	if (EXPECT_OK(line) && CHECK_EQ_INT(*count, KARGS_MAX_GLOBS)) {
		CHECK_EQ_STR(globs[0], "g0");
		CHECK_EQ_STR(globs[KARGS_MAX_GLOBS - 1], "g15");
	}
	strcat(line, ",g16");
	if (EXPECT_ERR(line, key, "more than 16 globs"))
		fits();

	/* KARGS_GLOB_LEN - 1 characters fit with the NUL, one more does not. */
	memset(glob, 'a', KARGS_GLOB_LEN - 1);
	glob[KARGS_GLOB_LEN - 1] = '\0';
	snprintf(line, sizeof(line), "%s=x,%s", key, glob);
	if (EXPECT_OK(line) && CHECK_EQ_INT(*count, 2))
		CHECK_EQ_STR(globs[1], glob);
	glob[KARGS_GLOB_LEN - 1] = 'a';
	glob[KARGS_GLOB_LEN] = '\0';
	snprintf(line, sizeof(line), "%s=x,%s", key, glob);
	if (EXPECT_ERR(line, key, "longer than 63"))
		fits();

	snprintf(line, sizeof(line), "%s=pku.*,,xsave.*", key);
	EXPECT_ERR(line, key, "empty list element");
	snprintf(line, sizeof(line), "%s=pku.*,", key);
	EXPECT_ERR(line, key, "empty list element");
	snprintf(line, sizeof(line), "%s=none,pku.*", key);
	EXPECT_ERR(line, key, "stand alone");
	snprintf(line, sizeof(line), "%s=pku.*,all", key);
	EXPECT_ERR(line, key, "stand alone");
	snprintf(line, sizeof(line), "%s=pku.[ab", key);
	EXPECT_ERR(line, key, "unterminated '['");
	snprintf(line, sizeof(line), "%s=pku.[!]", key);
	EXPECT_ERR(line, key, "unterminated '['");
	snprintf(line, sizeof(line), "%s=[z-a]", key);
	EXPECT_ERR(line, key, "reversed range");
	snprintf(line, sizeof(line), "%s=", key);
	EXPECT_ERR(line, key, "empty value");
	/* A ']' first in a class is a member, so this one is well formed. */
	snprintf(line, sizeof(line), "%s=[]x],[!]x]", key);
	if (EXPECT_OK(line))
		CHECK_EQ_INT(*count, 2);
}

static void test_tests_bench(void)
{
	test_globs_key("tests", &ka.ntests, ka.tests);
	test_globs_key("bench", &ka.nbench, ka.bench);
	test_globs_key("xfail", &ka.nxfail, ka.xfail);

	/* Setting one list leaves the other alone. */
	if (EXPECT_OK("bench=wrpkru*")) {
		CHECK_EQ_INT(ka.ntests, 1);
		CHECK_EQ_STR(ka.tests[0], "*");
		CHECK_EQ_INT(ka.nbench, 1);
	}
	if (EXPECT_OK("tests=none")) {
		CHECK_EQ_INT(ka.ntests, 0);
		CHECK_EQ_INT(ka.nbench, 0);
	}
}

static void test_selection(void)
{
	/* Defaults: every test, no benchmark. */
	kargs_defaults(&ka);
	CHECK(kargs_test_selected(&ka, "pku.ad_read"));
	CHECK(kargs_test_selected(&ka, "sigreturn.bad_frames"));
	CHECK(!kargs_bench_selected(&ka, "wrpkru"));

	if (EXPECT_OK("tests=pku.*,signal.nested bench=xsave*,null_syscall")) {
		CHECK(kargs_test_selected(&ka, "pku.ad_read"));
		CHECK(kargs_test_selected(&ka, "signal.nested"));
		CHECK(!kargs_test_selected(&ka, "signal.nested2"));
		CHECK(!kargs_test_selected(&ka, "xsave.roundtrip"));
		CHECK(kargs_bench_selected(&ka, "xsaveopt"));
		CHECK(kargs_bench_selected(&ka, "null_syscall"));
		CHECK(!kargs_bench_selected(&ka, "wrpkru"));
	}
	if (EXPECT_OK("tests=none bench=all")) {
		CHECK(!kargs_test_selected(&ka, "pku.ad_read"));
		CHECK(!kargs_test_selected(&ka, ""));
		CHECK(kargs_bench_selected(&ka, "wrpkru"));
	}
	/*
	 * Opt-in IDs (linux.x86_*): only a glob that begins with their prefix
	 * selects them; the default, all, "*" and linux.* do not.
	 */
	kargs_defaults(&ka);
	CHECK(!kargs_test_selected(&ka, "linux.x86_sigreturn"));
	CHECK(kargs_test_selected(&ka, "linux.hello"));
	if (EXPECT_OK("tests=all"))
		CHECK(!kargs_test_selected(&ka, "linux.x86_sigreturn"));
	if (EXPECT_OK("tests=linux.*,*")) {
		CHECK(!kargs_test_selected(&ka, "linux.x86_sigreturn"));
		CHECK(kargs_test_selected(&ka, "linux.nx_stack"));
	}
	if (EXPECT_OK("tests=linux.x86_*")) {
		CHECK(kargs_test_selected(&ka, "linux.x86_sigreturn"));
		CHECK(!kargs_test_selected(&ka, "linux.hello"));
	}
	if (EXPECT_OK("tests=pku.*,linux.x86_sig*")) {
		CHECK(kargs_test_selected(&ka, "linux.x86_sigreturn"));
		CHECK(!kargs_test_selected(&ka, "linux.x86_amx"));
		CHECK(kargs_test_selected(&ka, "pku.ad_read"));
	}
	if (EXPECT_OK("tests=linux.x86_amx"))
		CHECK(kargs_test_selected(&ka, "linux.x86_amx"));
	/* A wildcard before the prefix does not name them. */
	if (EXPECT_OK("tests=linux.x86*,*x86_amx"))
		CHECK(!kargs_test_selected(&ka, "linux.x86_amx"));

	/* A NULL name selects nothing. */
	kargs_defaults(&ka);
	CHECK(!kargs_test_selected(&ka, NULL));

	/* A corrupted count is clamped, not used to index past the array. */
	kargs_defaults(&ka);
	ka.ntests = 1000;
	CHECK(kargs_test_selected(&ka, "pku.ad_read"));
	ka.ntests = -5;
	CHECK(!kargs_test_selected(&ka, "pku.ad_read"));
}

static void test_bench_iters(void)
{
	if (EXPECT_OK("bench_iters=1"))
		CHECK_EQ_UINT(ka.bench_iters, 1);
	if (EXPECT_OK("bench_iters=1000000"))
		CHECK_EQ_UINT(ka.bench_iters, BENCH_ITERS_MAX);
	if (EXPECT_OK("bench_iters=000042"))
		CHECK_EQ_UINT(ka.bench_iters, 42);

	EXPECT_ERR("bench_iters=0", "bench_iters", "out of range");
	EXPECT_ERR("bench_iters=1000001", "bench_iters", "1..1000000");
	EXPECT_ERR("bench_iters=abc", "bench_iters", "not a number");
	EXPECT_ERR("bench_iters=-1", "bench_iters", "not a number");
	EXPECT_ERR("bench_iters=+1", "bench_iters", "not a number");
	EXPECT_ERR("bench_iters=12x", "bench_iters", "trailing junk 'x'");
	EXPECT_ERR("bench_iters=1e3", "bench_iters", "trailing junk 'e3'");
	/* Decimal only: 0x is junk after the 0. */
	EXPECT_ERR("bench_iters=0x10", "bench_iters", "trailing junk");
	EXPECT_ERR("bench_iters=99999999999999999999999", "bench_iters",
		   "too large");
	EXPECT_ERR("bench_iters=4294967297", "bench_iters", "out of range");
	EXPECT_ERR("bench_iters=", "bench_iters", "empty value");
}

static void test_smp(void)
{
	if (EXPECT_OK(""))
		CHECK_EQ_UINT(ka.smp, 0);
	if (EXPECT_OK("smp=1"))
		CHECK_EQ_UINT(ka.smp, 1);
	if (EXPECT_OK("smp=64"))
		CHECK_EQ_UINT(ka.smp, SMP_CPUS_MAX);
	if (EXPECT_OK("smp=2 smp=all"))
		CHECK_EQ_UINT(ka.smp, 0);
	EXPECT_ERR("smp=0", "smp", "out of range");
	EXPECT_ERR("smp=65", "smp", "out of range");
	EXPECT_ERR("smp=two", "smp", "not a number");
	EXPECT_ERR("smp=2x", "smp", "trailing junk 'x'");
}

static void test_watchdog_s(void)
{
	if (EXPECT_OK(""))
		CHECK_EQ_UINT(ka.watchdog_s, DEFAULT_WATCHDOG_S);
	if (EXPECT_OK("watchdog_s=1"))
		CHECK_EQ_UINT(ka.watchdog_s, 1);
	if (EXPECT_OK("watchdog_s=600"))
		CHECK_EQ_UINT(ka.watchdog_s, 600);
	EXPECT_ERR("watchdog_s=0", "watchdog_s", "out of range");
	EXPECT_ERR("watchdog_s=601", "watchdog_s", "out of range");
	EXPECT_ERR("watchdog_s=2s", "watchdog_s", "trailing junk 's'");
}

static void test_timer_hz(void)
{
	if (EXPECT_OK("timer_hz=10"))
		CHECK_EQ_UINT(ka.timer_hz, TIMER_HZ_MIN);
	if (EXPECT_OK("timer_hz=10000"))
		CHECK_EQ_UINT(ka.timer_hz, TIMER_HZ_MAX);
	if (EXPECT_OK("timer_hz=250"))
		CHECK_EQ_UINT(ka.timer_hz, 250);

	if (EXPECT_ERR("timer_hz=9", "timer_hz", "out of range"))
		CHECK_STR_CONTAINS(err, "decimal 10..10000");
	EXPECT_ERR("timer_hz=10001", "timer_hz", "'10001'");
	EXPECT_ERR("timer_hz=0", "timer_hz", "out of range");
	EXPECT_ERR("timer_hz=1k", "timer_hz", "trailing junk 'k'");
	EXPECT_ERR("timer_hz=fast", "timer_hz", "not a number");
	EXPECT_ERR("timer_hz=18446744073709551616", "timer_hz", "too large");
}

static void test_seed(void)
{
	if (EXPECT_OK("seed=0"))
		CHECK_EQ_UINT(ka.seed, 0);
	if (EXPECT_OK("seed=12345678901234"))
		CHECK_EQ_UINT(ka.seed, 12345678901234ull);
	if (EXPECT_OK("seed=18446744073709551615"))
		CHECK_EQ_UINT(ka.seed, UINT64_MAX);
	if (EXPECT_OK("seed=0xffffffffffffffff"))
		CHECK_EQ_UINT(ka.seed, UINT64_MAX);
	if (EXPECT_OK("seed=0XDeadBeef"))
		CHECK_EQ_UINT(ka.seed, 0xdeadbeef);
	if (EXPECT_OK("seed=0x0000000000000000000000000001"))
		CHECK_EQ_UINT(ka.seed, 1);
	if (EXPECT_OK("seed=000000000000000000000000000018446744073709551615"))
		CHECK_EQ_UINT(ka.seed, UINT64_MAX);

	EXPECT_ERR("seed=18446744073709551616", "seed", "too large");
	EXPECT_ERR("seed=99999999999999999999", "seed", "too large");
	EXPECT_ERR("seed=0x10000000000000000", "seed", "too large");
	EXPECT_ERR("seed=0x", "seed", "not a number");
	EXPECT_ERR("seed=0xg", "seed", "not a number");
	EXPECT_ERR("seed=0x1g", "seed", "trailing junk 'g'");
	EXPECT_ERR("seed=12ab", "seed", "trailing junk 'ab'");
	/* Junk wins over overflow: it is the more useful message. */
	EXPECT_ERR("seed=99999999999999999999x", "seed", "trailing junk 'x'");
	EXPECT_ERR("seed=-1", "seed", "not a number");
	EXPECT_ERR("seed=x1", "seed", "not a number");
	EXPECT_ERR("seed=", "seed", "empty value");
}

static void test_inject(void)
{
	int i;

	for (i = 0; i < NR_INJECTS; i++) {
		char line[64];

		snprintf(line, sizeof(line), "inject=%s", inject_name(i));
		if (EXPECT_OK(line))
			CHECK_EQ_INT(ka.inject, i);
	}
	if (EXPECT_OK("inject=bv_clear inject=none"))
		CHECK_EQ_INT(ka.inject, INJECT_NONE);
	EXPECT_ERR("inject=bogus", "inject", "unknown 'bogus'");
	EXPECT_ERR("inject=init_skip,bv_clear", "inject", "unknown");
	EXPECT_ERR("inject=", "inject", "empty value");
	/*
	 * The list of valid values is complete and not cut off (the longest
	 * message of all: a new injected bug may need a bigger KARGS_ERR_LEN).
	 */
	if (EXPECT_ERR("inject=bogus", "no_guard_force)", NULL)) {
		fits();
		for (i = 0; i < NR_INJECTS; i++)
			CHECK_STR_CONTAINS(err, inject_name(i));
	}
}

static void test_handler_pkru(void)
{
	if (EXPECT_OK("handler_pkru=inherit"))
		CHECK_EQ_INT(ka.handler_pkru, HANDLER_PKRU_INHERIT);
	if (EXPECT_OK("handler_pkru=inherit handler_pkru=init")) {
		CHECK_EQ_INT(ka.handler_pkru, HANDLER_PKRU_INIT);
		CHECK_EQ_UINT(ka.handler_pkru_value, 0x55555554);
	}
	if (EXPECT_OK("handler_pkru=0x3")) {
		CHECK_EQ_INT(ka.handler_pkru, HANDLER_PKRU_VALUE);
		CHECK_EQ_UINT(ka.handler_pkru_value, 3);
	}
	if (EXPECT_OK("handler_pkru=0")) {
		CHECK_EQ_INT(ka.handler_pkru, HANDLER_PKRU_VALUE);
		CHECK_EQ_UINT(ka.handler_pkru_value, 0);
	}
	if (EXPECT_OK("handler_pkru=0xFFFFFFFF"))
		CHECK_EQ_UINT(ka.handler_pkru_value, 0xffffffffu);
	if (EXPECT_OK("handler_pkru=4294967295"))
		CHECK_EQ_UINT(ka.handler_pkru_value, 0xffffffffu);
	if (EXPECT_OK("handler_pkru=1431655764"))
		CHECK_EQ_UINT(ka.handler_pkru_value, 0x55555554);

	EXPECT_ERR("handler_pkru=4294967296", "handler_pkru", "out of range");
	EXPECT_ERR("handler_pkru=0x100000000", "handler_pkru", "out of range");
	EXPECT_ERR("handler_pkru=0x", "handler_pkru", "not a number");
	EXPECT_ERR("handler_pkru=0x12z", "handler_pkru", "trailing junk 'z'");
	EXPECT_ERR("handler_pkru=Init", "handler_pkru", "unknown 'Init'");
	EXPECT_ERR("handler_pkru=-1", "handler_pkru", "unknown '-1'");
	EXPECT_ERR("handler_pkru=", "handler_pkru", "empty value");
	EXPECT_ERR("handler_pkru=inheritx", "handler_pkru", "inherit");
}

static void test_sigframe_pkru(void)
{
	static const struct {
		const char *arg;
		enum sigframe_pkru_policy want;
	} ok[] = {
		{ "sigframe_pkru=hw", SIGFRAME_PKRU_HW },
		{ "sigframe_pkru=soft", SIGFRAME_PKRU_SOFT },
		{ "sigframe_pkru=none", SIGFRAME_PKRU_NONE },
	};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (EXPECT_OK(ok[i].arg)) {
			CHECK_EQ_INT(ka.sigframe_pkru, ok[i].want);
			CHECK(ka.sigframe_pkru_set);
		}
	}
	EXPECT_ERR("sigframe_pkru=hard", "sigframe_pkru", "'hard'");
	EXPECT_ERR("sigframe_pkru=", "sigframe_pkru", "empty value");
	if (EXPECT_ERR("sigframe_pkru=HW", "sigframe_pkru", "hw, soft or none"))
		CHECK(!ka.sigframe_pkru_set);
}

static void test_signal_abi(void)
{
	if (EXPECT_OK("signal_abi=linux61"))
		CHECK_EQ_INT(ka.signal_abi, SIGNAL_ABI_LINUX61);
	if (EXPECT_OK("signal_abi=linux612"))
		CHECK_EQ_INT(ka.signal_abi, SIGNAL_ABI_LINUX612);
	/* A later key wins; the policy leaves the other signal policies alone. */
	if (EXPECT_OK("signal_abi=linux61 handler_pkru=inherit signal_abi=linux612 signal_abi=linux61")) {
		CHECK_EQ_INT(ka.signal_abi, SIGNAL_ABI_LINUX61);
		CHECK_EQ_INT(ka.handler_pkru, HANDLER_PKRU_INHERIT);
		CHECK(!ka.sigframe_pkru_set);
	}
	/* Release numbers are spelt one way only: no prefix matches, no case folding. */
	EXPECT_ERR("signal_abi=linux6", "signal_abi", "unknown 'linux6'");
	EXPECT_ERR("signal_abi=linux6120", "signal_abi", "unknown 'linux6120'");
	EXPECT_ERR("signal_abi=6.1", "signal_abi", "unknown '6.1'");
	EXPECT_ERR("signal_abi=Linux61", "signal_abi", "unknown 'Linux61'");
	EXPECT_ERR("signal_abi=", "signal_abi", "empty value");
	if (EXPECT_ERR("signal_abi=linux61 signal_abi=linux613", "signal_abi", "linux612")) {
		fits();
		CHECK_STR_CONTAINS(err, "linux61 (under the interrupted PKRU)");
		/* The good word before the bad one was applied (see test_layering). */
		CHECK_EQ_INT(ka.signal_abi, SIGNAL_ABI_LINUX61);
	}
}

static void test_pkru_guard(void)
{
	static const char *const names[] = { "sigreturn", "altstack", "rekey", "pkey_free",
					     "ptrace", "remote", "force", "audit" };
	size_t i;

	/* Each name is its own bit, in the order of PKRU_GUARD_*. */
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char line[64];

		snprintf(line, sizeof(line), "pkru_guard=%s", names[i]);
		CHECK_EQ_STR(pkru_guard_name((int)i), names[i]);
		if (EXPECT_OK(line))
			CHECK_EQ_UINT(ka.pkru_guard, 1u << i);
	}
	CHECK_EQ_STR(pkru_guard_name(NR_PKRU_GUARDS), "?");
	CHECK_EQ_STR(pkru_guard_name(-1), "?");
	if (EXPECT_OK("pkru_guard=sigreturn,altstack,rekey"))
		CHECK_EQ_UINT(ka.pkru_guard, PKRU_GUARD_SIGRETURN | PKRU_GUARD_ALTSTACK |
				      PKRU_GUARD_REKEY);
	/* all: every guard, audit aside; audit may join it. */
	if (EXPECT_OK("pkru_guard=all"))
		CHECK_EQ_UINT(ka.pkru_guard, PKRU_GUARD_ALL);
	CHECK(!(PKRU_GUARD_ALL & PKRU_GUARD_AUDIT));
	CHECK(!(PKRU_GUARD_ALL & PKRU_GUARD_FORCE));
	/* force is not in all (it kills programs that write PKRU) but may join it. */
	if (EXPECT_OK("pkru_guard=all,force"))
		CHECK_EQ_UINT(ka.pkru_guard, PKRU_GUARD_ALL | PKRU_GUARD_FORCE);
	if (EXPECT_OK("pkru_guard=all,audit"))
		CHECK_EQ_UINT(ka.pkru_guard, PKRU_GUARD_ALL | PKRU_GUARD_AUDIT);
	if (EXPECT_OK("pkru_guard=audit,all"))
		CHECK_EQ_UINT(ka.pkru_guard, PKRU_GUARD_ALL | PKRU_GUARD_AUDIT);
	if (EXPECT_OK("pkru_guard=rekey,rekey"))
		CHECK_EQ_UINT(ka.pkru_guard, PKRU_GUARD_REKEY);
	/* none alone; a later key wins. */
	if (EXPECT_OK("pkru_guard=all pkru_guard=none"))
		CHECK_EQ_UINT(ka.pkru_guard, 0);
	if (EXPECT_OK("pkru_guard=none pkru_guard=ptrace"))
		CHECK_EQ_UINT(ka.pkru_guard, PKRU_GUARD_PTRACE);
	/* Bad values: named, with what was expected. */
	if (EXPECT_ERR("pkru_guard=sigretrun", "pkru_guard", "unknown guard 'sigretrun'")) {
		fits();
		CHECK_STR_CONTAINS(err, "sigreturn, altstack, rekey, pkey_free");
	}
	EXPECT_ERR("pkru_guard=none,rekey", "pkru_guard", "'none' must stand alone");
	EXPECT_ERR("pkru_guard=rekey,", "pkru_guard", "empty list element");
	EXPECT_ERR("pkru_guard=,rekey", "pkru_guard", "empty list element");
	EXPECT_ERR("pkru_guard=", "pkru_guard", "empty value");
	EXPECT_ERR("pkru_guard=Rekey", "pkru_guard", "unknown guard 'Rekey'");
	EXPECT_ERR("pkru_guard=pkey-free", "pkru_guard", "unknown guard 'pkey-free'");
	EXPECT_ERR("pkru_guard=1", "pkru_guard", "unknown guard '1'");
	/* The good word before a bad one was applied. */
	if (EXPECT_ERR("pkru_guard=remote pkru_guard=remote,bogus", "pkru_guard", "'bogus'"))
		CHECK_EQ_UINT(ka.pkru_guard, PKRU_GUARD_REMOTE);
}

static void test_exit(void)
{
	static const char *const names[] = { "qemu", "halt", "reboot",
					     "poweroff" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char line[64];

		snprintf(line, sizeof(line), "exit=%s", names[i]);
		if (EXPECT_OK(line))
			CHECK_EQ_STR(exit_mode_name(ka.exit_mode), names[i]);
	}
	if (EXPECT_OK("exit=qemu"))
		CHECK_EQ_INT(ka.exit_mode, EXIT_QEMU);
	if (EXPECT_OK("exit=poweroff"))
		CHECK_EQ_INT(ka.exit_mode, EXIT_POWEROFF);
	EXPECT_ERR("exit=shutdown", "exit", "'shutdown'");
	EXPECT_ERR("exit=", "exit", "empty value");
	EXPECT_ERR("exit=qemu,halt", "exit", "qemu, halt, reboot or poweroff");
}

static void test_console(void)
{
	if (EXPECT_OK("console=serial")) {
		CHECK_EQ_UINT(ka.consoles, CONSOLE_SERIAL);
		CHECK(ka.consoles_set);
	}
	if (EXPECT_OK("console=vga"))
		CHECK_EQ_UINT(ka.consoles, CONSOLE_VGA);
	if (EXPECT_OK("console=fb"))
		CHECK_EQ_UINT(ka.consoles, CONSOLE_FB);
	if (EXPECT_OK("console=fb,serial,vga,serial"))
		CHECK_EQ_UINT(ka.consoles,
			      CONSOLE_SERIAL | CONSOLE_VGA | CONSOLE_FB);
	EXPECT_ERR("console=ttyS0", "console", "unknown element 'ttyS0'");
	EXPECT_ERR("console=serial,,vga", "console", "empty list element");
	EXPECT_ERR("console=all", "console", "'all'");
	EXPECT_ERR("console=", "console", "empty value");
	if (EXPECT_ERR("console=vga,lcd", "console", "'lcd'"))
		CHECK(!ka.consoles_set);
}

static void test_malformed(void)
{
	size_t i;

	/* The issue: "bogus=1" must produce a message naming bogus. */
	if (EXPECT_ERR("bogus=1", "bogus", "unknown argument 'bogus=1'")) {
		fits();
		for (i = 0; i < NR_ALL_KEYS; i++)
			CHECK_STR_CONTAINS(err, all_keys[i]);
	}
	EXPECT_ERR("config=xsave bogus=1 timer_hz=100", "bogus", NULL);
	EXPECT_ERR("Config=xsave", "'Config=xsave'", "unknown argument");
	EXPECT_ERR("timer=100", "'timer=100'", NULL);
	EXPECT_ERR("config", "'config'", "not key=value");
	EXPECT_ERR("config:xsave", "'config:xsave'", "not key=value");
	EXPECT_ERR("=xsave", "'=xsave'", "empty key");
	EXPECT_ERR("=", "'='", "empty key");
	EXPECT_ERR("tests=* -- foo", "'--'", "not key=value");

	/* Every key's empty-value message names it and fits the buffer. */
	for (i = 0; i < NR_ALL_KEYS; i++) {
		char line[64], prefix[64];

		snprintf(line, sizeof(line), "%s=", all_keys[i]);
		snprintf(prefix, sizeof(prefix), "%s: empty value (expected ",
			 all_keys[i]);
		if (EXPECT_ERR(line, prefix, NULL)) {
			fits();
			CHECK_EQ_INT(strncmp(err, prefix, strlen(prefix)), 0);
			CHECK_EQ_INT(err[strlen(err) - 1], ')');
		}
	}

	/*
	 * A huge word is quoted in part only, so the key and the explanation
	 * still make it into the message.
	 */
	{
		char line[600];

		memset(line, 'q', sizeof(line) - 1);
		line[sizeof(line) - 1] = '\0';
		line[3] = '=';
		if (EXPECT_ERR(line, "unknown argument 'qqq=qq", "...'")) {
			fits();
			CHECK_STR_CONTAINS(err, "console)");
		}
		memcpy(line, "tests=", 6);
		if (EXPECT_ERR(line, "tests: glob", "..."))
			fits();
		memcpy(line, "seed=9", 6);
		memset(line + 6, '9', sizeof(line) - 7);
		if (EXPECT_ERR(line, "seed: '999", "...' is too large"))
			fits();
	}

	/* Unprintable bytes are not echoed to the console. */
	if (EXPECT_ERR("exit=\x01\x7f\xff", "exit", "'\?\?\?'"))
		CHECK(strchr(err, '\x01') == NULL);
}

/*
 * Every error message, at every buffer size: NUL-terminated inside the
 * buffer, never a byte written past it, and a prefix of the full message.
 */
static void test_truncation(void)
{
	static const char *const bad[] = {
		"bogus=1",
		"config=xsave,,hybrid",
		"inject=nosuchbug",
		"tests=a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q",
		"seed=0x1g",
		"config",
		"=x",
		"handler_pkru=0x100000000",
	};
	size_t i, len;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char full[1024];

		kargs_defaults(&ka);
		CHECK_EQ_INT(kargs_parse(&ka, bad[i], full, sizeof(full)), -1);

		for (len = 0; len <= KARGS_ERR_LEN + 4; len++) {
			/* Guard bytes on both sides catch any stray write. */
			char buf[KARGS_ERR_LEN + 4 + 16];
			char *e = buf + 8;
			size_t j;
			bool guard_ok = true;

			memset(buf, 'G', sizeof(buf));
			kargs_defaults(&ka);
			CHECK_EQ_INT(kargs_parse(&ka, bad[i], e, len), -1);
			for (j = 0; j < 8; j++)
				guard_ok &= buf[j] == 'G';
			for (j = len; j < sizeof(buf) - 8; j++)
				guard_ok &= e[j] == 'G';
			CHECK(guard_ok);
			if (len == 0)
				continue;
			if (!CHECK(memchr(e, '\0', len) != NULL))
				continue;
			CHECK_EQ_INT(strncmp(e, full, strlen(e)), 0);
			CHECK_EQ_UINT(strlen(e),
				      strlen(full) < len - 1 ? strlen(full) :
							       len - 1);
		}
	}

	/* Tiny buffers by name, as the kernel might pass them. */
	{
		char e1[1], e8[8];

		kargs_defaults(&ka);
		CHECK_EQ_INT(kargs_parse(&ka, "bogus=1", e1, sizeof(e1)), -1);
		CHECK_EQ_INT(e1[0], '\0');
		kargs_defaults(&ka);
		CHECK_EQ_INT(kargs_parse(&ka, "bogus=1", e8, sizeof(e8)), -1);
		CHECK_EQ_STR(e8, "unknown");
	}
	/* No buffer at all still reports the failure. */
	kargs_defaults(&ka);
	CHECK_EQ_INT(kargs_parse(&ka, "bogus=1", NULL, 0), -1);
	kargs_defaults(&ka);
	CHECK_EQ_INT(kargs_parse(&ka, "bogus=1", NULL, 100), -1);
	kargs_defaults(&ka);
	CHECK_EQ_INT(kargs_parse(&ka, "config=xsave", NULL, 0), 0);
	CHECK_EQ_UINT(ka.configs, 1u << CONFIG_XSAVE);
}

static void test_path_and_whitespace(void)
{
	if (EXPECT_OK("/boot/pkrulab.elf config=xsave"))
		CHECK_EQ_UINT(ka.configs, 1u << CONFIG_XSAVE);
	if (EXPECT_OK("(hd0,gpt2)/boot/pkrulab.elf timer_hz=100"))
		CHECK_EQ_UINT(ka.timer_hz, 100);
	if (EXPECT_OK("  \t/boot/pkrulab.elf"))
		check_defaults(&ka);
	if (EXPECT_OK("/"))
		check_defaults(&ka);
	/* Only the first word can be a path. */
	EXPECT_ERR("config=xsave /boot/pkrulab.elf", "'/boot/pkrulab.elf'",
		   "not key=value");
	EXPECT_ERR("/boot/pkrulab.elf /boot/again", "'/boot/again'", NULL);
	EXPECT_ERR("/boot/pkrulab.elf (hd0)", "'(hd0)'", NULL);

	if (EXPECT_OK("\tconfig=hybrid\n\ntimer_hz=50\r\n"
		      "seed=7 \v exit=qemu\f")) {
		CHECK_EQ_UINT(ka.configs, 1u << CONFIG_HYBRID);
		CHECK_EQ_UINT(ka.timer_hz, 50);
		CHECK_EQ_UINT(ka.seed, 7);
		CHECK_EQ_INT(ka.exit_mode, EXIT_QEMU);
	}
	/* Whitespace ends a value: "tests=a b" is two words. */
	EXPECT_ERR("tests=a b", "'b'", "not key=value");
	EXPECT_ERR("config= xsave", "config", "empty value");
}

static void test_full_line(void)
{
	const char *line =
		"/boot/pkrulab.elf config=xsave,hybrid tests=switch.*,signal.* "
		"bench=wrpkru,xsave* bench_iters=5000 inject=kthread_skip "
		"handler_pkru=0x55555550 sigframe_pkru=soft signal_abi=linux61 timer_hz=250 "
		"seed=0xabcdef exit=qemu console=serial,fb";

	if (!EXPECT_OK(line))
		return;
	CHECK_EQ_UINT(ka.configs, (1u << CONFIG_XSAVE) | (1u << CONFIG_HYBRID));
	CHECK_EQ_INT(ka.ntests, 2);
	CHECK_EQ_STR(ka.tests[0], "switch.*");
	CHECK_EQ_STR(ka.tests[1], "signal.*");
	CHECK_EQ_INT(ka.nbench, 2);
	CHECK_EQ_STR(ka.bench[0], "wrpkru");
	CHECK_EQ_STR(ka.bench[1], "xsave*");
	CHECK_EQ_UINT(ka.bench_iters, 5000);
	CHECK_EQ_INT(ka.inject, INJECT_KTHREAD_SKIP);
	CHECK_EQ_INT(ka.handler_pkru, HANDLER_PKRU_VALUE);
	CHECK_EQ_UINT(ka.handler_pkru_value, 0x55555550);
	CHECK_EQ_INT(ka.sigframe_pkru, SIGFRAME_PKRU_SOFT);
	CHECK(ka.sigframe_pkru_set);
	CHECK_EQ_INT(ka.signal_abi, SIGNAL_ABI_LINUX61);
	CHECK_EQ_UINT(ka.timer_hz, 250);
	CHECK_EQ_UINT(ka.seed, 0xabcdef);
	CHECK_EQ_INT(ka.exit_mode, EXIT_QEMU);
	CHECK_EQ_UINT(ka.consoles, CONSOLE_SERIAL | CONSOLE_FB);
	CHECK(ka.consoles_set);
}

static void test_layering(void)
{
	/* A GRUB preset first, then the user's additions on top. */
	kargs_defaults(&ka);
	CHECK_EQ_INT(kargs_parse(&ka, "/boot/pkrulab.elf config=xsave "
				 "tests=pku.* timer_hz=100 exit=qemu",
				 err, sizeof(err)), 0);
	CHECK_EQ_INT(kargs_parse(&ka, "/boot/ignored tests=switch.*,signal.* "
				 "seed=42", err, sizeof(err)), 0);
	CHECK_EQ_UINT(ka.configs, 1u << CONFIG_XSAVE);
	CHECK_EQ_INT(ka.ntests, 2);
	CHECK_EQ_STR(ka.tests[0], "switch.*");
	CHECK_EQ_STR(ka.tests[1], "signal.*");
	CHECK_EQ_UINT(ka.timer_hz, 100);
	CHECK_EQ_UINT(ka.seed, 42);
	CHECK_EQ_INT(ka.exit_mode, EXIT_QEMU);

	/* Lists are replaced, not merged. */
	CHECK_EQ_INT(kargs_parse(&ka, "config=hybrid tests=xsave.*",
				 err, sizeof(err)), 0);
	CHECK_EQ_UINT(ka.configs, 1u << CONFIG_HYBRID);
	CHECK_EQ_INT(ka.ntests, 1);
	CHECK_EQ_STR(ka.tests[0], "xsave.*");

	/* Within one line too, the last occurrence wins. */
	if (EXPECT_OK("timer_hz=100 timer_hz=200 tests=a,b,c tests=d")) {
		CHECK_EQ_UINT(ka.timer_hz, 200);
		CHECK_EQ_INT(ka.ntests, 1);
		CHECK_EQ_STR(ka.tests[0], "d");
	}

	/*
	 * A failed parse: arguments before the bad one are applied, the bad
	 * one changes nothing, later ones are not looked at (cmdline.c).
	 */
	kargs_defaults(&ka);
	CHECK_EQ_INT(kargs_parse(&ka, "tests=a,b", err, sizeof(err)), 0);
	CHECK_EQ_INT(kargs_parse(&ka, "config=xsave tests=c,d,,e seed=9",
				 err, sizeof(err)), -1);
	CHECK_STR_CONTAINS(err, "tests");
	CHECK_EQ_UINT(ka.configs, 1u << CONFIG_XSAVE);
	CHECK_EQ_INT(ka.ntests, 2);
	CHECK_EQ_STR(ka.tests[0], "a");
	CHECK_EQ_STR(ka.tests[1], "b");
	CHECK_EQ_UINT(ka.seed, 1);
	CHECK_EQ_INT(kargs_parse(&ka, "config=all,xsave", err, sizeof(err)),
		     -1);
	CHECK_EQ_UINT(ka.configs, 1u << CONFIG_XSAVE);
	CHECK_EQ_INT(kargs_parse(&ka, "tests=a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q",
				 err, sizeof(err)), -1);
	CHECK_EQ_INT(ka.ntests, 2);
	CHECK_EQ_STR(ka.tests[0], "a");

	/* A successful parse after a failed one clears the message. */
	CHECK_EQ_INT(kargs_parse(&ka, "seed=5", err, sizeof(err)), 0);
	CHECK_EQ_STR(err, "");
}

static void test_glob_match(void)
{
	static const struct {
		const char *pat, *name;
		bool match;
	} cases[] = {
		{ "", "", true },
		{ "", "a", false },
		{ "a", "", false },
		{ "*", "", true },
		{ "*", "anything.at_all", true },
		{ "**", "", true },
		{ "?", "", false },
		{ "?", "a", true },
		{ "?", "ab", false },
		{ "??", "ab", true },
		{ "pku.*", "pku.ad_read", true },
		{ "pku.*", "pku.", true },
		{ "pku.*", "pku", false },
		{ "pku.*", "xsave.pku", false },
		{ "*.pku", "xsave.pku", true },
		{ "*pku*", "xsave.pku_roundtrip", true },
		{ "*.*", "a.b", true },
		{ "*.*", "ab", false },
		{ "a*b*c", "abc", true },
		{ "a*b*c", "aXbYc", true },
		{ "a*b*c", "aXbYcZ", false },
		{ "a*b*c", "acb", false },
		{ "a*c", "abcbc", true },
		{ "*ab", "aab", true },
		{ "*aab", "aaab", true },
		{ "*a?b", "aXXaYb", true },
		{ "switch.y?eld", "switch.yield", true },
		{ "switch.y?eld", "switch.yeld", false },
		{ "[abc]", "b", true },
		{ "[abc]", "d", false },
		{ "[abc]", "", false },
		{ "[a-z]x", "mx", true },
		{ "[a-z]x", "Mx", false },
		{ "[a-cx-z]", "y", true },
		{ "[a-cx-z]", "m", false },
		{ "[!x]", "y", true },
		{ "[!x]", "x", false },
		{ "[!a-z]", "5", true },
		{ "[!a-z]", "q", false },
		{ "[]]", "]", true },
		{ "[]a]", "a", true },
		{ "[!]]", "]", false },
		{ "[!]]", "a", true },
		{ "[a-]", "-", true },
		{ "[-a]", "-", true },
		{ "[a-]", "b", false },
		{ "[*]", "*", true },
		{ "[*]", "a", false },
		{ "[?]", "?", true },
		{ "[?]", "a", false },
		{ "[z-a]", "m", false },
		/* An unterminated class is a literal '['. */
		{ "[ab", "[ab", true },
		{ "[ab", "a", false },
		{ "x[", "x[", true },
		{ "[!", "[!", true },
		{ "signal.[a-f]*", "signal.altstack", true },
		{ "signal.[a-f]*", "signal.nested", false },
		{ "*[0-9]", "switch.key15", true },
		{ "*[0-9]", "switch.key", false },
		/* Bytes above 0x7f compare as unsigned. */
		{ "[\x80-\xff]", "\xc3", true },
		{ "\xc3*", "\xc3\xa9t\xc3\xa9", true },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool got = glob_match(cases[i].pat, cases[i].name);

		if (!CHECK(got == cases[i].match))
			fprintf(stderr, "\tglob_match(\"%s\", \"%s\") == %d\n",
				cases[i].pat, cases[i].name, got);
	}
	CHECK(!glob_match(NULL, "a"));
	CHECK(!glob_match("a", NULL));
	CHECK(!glob_match(NULL, NULL));
}

/*
 * Patterns that take exponential time in a naive recursive matcher must
 * finish at once here.  A generous 2 s CPU limit for the lot keeps the test
 * meaningful under ASan on a slow machine: the naive matcher would need
 * years for the first case.
 */
static void test_glob_pathological(void)
{
	char pat[4096], name[4096];
	clock_t t0 = clock();
	double secs;
	int i, round;

	/* "*a*a*a...*b" against "aaaa...a": no match, many stars. */
	for (i = 0; i < 30; i++) {
		pat[2 * i] = '*';
		pat[2 * i + 1] = 'a';
	}
	strcpy(pat + 60, "*b");
	memset(name, 'a', 3000);
	name[3000] = '\0';
	for (round = 0; round < 20; round++)
		CHECK(!glob_match(pat, name));
	name[2999] = 'b';
	CHECK(glob_match(pat, name));

	/* Thousands of stars. */
	memset(pat, '*', 4000);
	pat[4000] = 'c';
	pat[4001] = '\0';
	name[2999] = 'a';
	CHECK(!glob_match(pat, name));
	name[2999] = 'c';
	CHECK(glob_match(pat, name));

	/* Many unterminated '[': each scans to the end of the pattern. */
	memset(pat, '[', 60);
	strcpy(pat + 60, "*x");
	memset(name, '[', 200);
	name[200] = '\0';
	CHECK(!glob_match(pat, name));

	/* "*?*?*?..." against a long name. */
	for (i = 0; i < 1000; i++) {
		pat[2 * i] = '*';
		pat[2 * i + 1] = '?';
	}
	strcpy(pat + 2000, "z");
	memset(name, 'y', 3000);
	name[3000] = '\0';
	CHECK(!glob_match(pat, name));

	/* A star, then a wall of unterminated '[' that each nearly match. */
	pat[0] = '*';
	memset(pat + 1, '[', 2000);
	strcpy(pat + 2001, "x");
	memset(name, '[', 2000);
	name[2000] = '\0';
	CHECK(!glob_match(pat, name));
	name[1999] = 'x';
	memset(name + 2000, '[', 1000);
	name[2000] = 'x';
	name[2001] = '\0';
	CHECK(!glob_match(pat, name));

	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	if (!CHECK(secs < 2.0))
		fprintf(stderr, "\tpathological globs took %.2f s\n", secs);

	/* The same shape through the parser and the selection helper. */
	if (EXPECT_OK("tests=*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b")) {
		memset(name, 'a', 2000);
		name[2000] = '\0';
		CHECK(!kargs_test_selected(&ka, name));
	}
}

/*
 * Reference matcher for the differential test: the obvious recursive
 * definition, written independently of cmdline.c.  Exponential in the
 * worst case, which is fine for the short strings fed to it.
 */
static bool ref_match(const char *p, const char *n)
{
	if (*p == '\0')
		return *n == '\0';
	if (*p == '*')
		return ref_match(p + 1, n) || (*n && ref_match(p, n + 1));
	if (*n == '\0')
		return false;
	if (*p == '?')
		return ref_match(p + 1, n + 1);
	if (*p == '[') {
		const char *q = p + 1;
		bool neg = false, in = false;

		if (*q == '!') {
			neg = true;
			q++;
		}
		/* The first member may be ']'; after that ']' closes. */
		do {
			unsigned char lo = (unsigned char)*q, hi = lo;

			if (*q == '\0')
				goto literal;
			if (q[1] == '-' && q[2] != '\0' && q[2] != ']') {
				hi = (unsigned char)q[2];
				q += 3;
			} else {
				q++;
			}
			if ((unsigned char)*n >= lo && (unsigned char)*n <= hi)
				in = true;
		} while (*q != ']');
		return in != neg && ref_match(q + 1, n + 1);
	}
literal:
	return *p == *n && ref_match(p + 1, n + 1);
}

static void test_glob_differential(void)
{
	static const char pat_chars[] = "ab]-[!*?";
	static const char name_chars[] = "ab]-[!";
	unsigned int state = 12345;
	int iter, mismatches = 0;

	for (iter = 0; iter < 300000; iter++) {
		char pat[10], name[10];
		int i, plen, nlen;

		/* A small LCG: the sequence must be the same on every host. */
		state = state * 1103515245u + 12345u;
		plen = (int)(state >> 16) % 9;
		for (i = 0; i < plen; i++) {
			state = state * 1103515245u + 12345u;
			pat[i] = pat_chars[(state >> 16) % 8];
		}
		pat[plen] = '\0';
		state = state * 1103515245u + 12345u;
		nlen = (int)(state >> 16) % 9;
		for (i = 0; i < nlen; i++) {
			state = state * 1103515245u + 12345u;
			name[i] = name_chars[(state >> 16) % 6];
		}
		name[nlen] = '\0';

		if (glob_match(pat, name) != ref_match(pat, name) &&
		    mismatches++ < 10)
			fprintf(stderr, "\tglob_match(\"%s\", \"%s\") == %d, "
				"reference says %d\n", pat, name,
				glob_match(pat, name), ref_match(pat, name));
	}
	CHECK_EQ_INT(mismatches, 0);
}

static void test_glob_list(void)
{
	char buf[8];
	const char *rest;

	/* Elements come out in order; the last one ends the list. */
	rest = glob_list_next("a.*,b,c.d", buf, sizeof(buf));
	CHECK_EQ_STR(buf, "a.*");
	rest = glob_list_next(rest, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "b");
	rest = glob_list_next(rest, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "c.d");
	CHECK(glob_list_next(rest, buf, sizeof(buf)) == NULL);
	CHECK(glob_list_next("", buf, sizeof(buf)) == NULL);
	CHECK(glob_list_next(NULL, buf, sizeof(buf)) == NULL);
	/* An over-long element is cut, and the next one still starts right. */
	rest = glob_list_next("abcdefghijk,z", buf, sizeof(buf));
	CHECK_EQ_STR(buf, "abcdefg");
	rest = glob_list_next(rest, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "z");
	/* An empty element is an empty pattern: it matches only "". */
	rest = glob_list_next(",x", buf, sizeof(buf));
	CHECK_EQ_STR(buf, "");
	CHECK(rest != NULL);

	CHECK(glob_list_match("pku.*,switch.yield", "switch.yield"));
	CHECK(glob_list_match("pku.*,switch.yield", "pku.error_code"));
	CHECK(!glob_list_match("pku.*,switch.yield", "switch.preempt"));
	CHECK(!glob_list_match("", "pku.error_code"));
	CHECK(glob_list_match("x,,y", ""));
}

static void test_registries(void)
{
	/* Every registered injection has a name, a distinct one, and hooks. */
	for (int i = 1; i < NR_INJECTS; i++) {
		CHECK(inject_name(i)[0] != '?' && inject_name(i)[0] != '\0');
		CHECK(inject_hooks(i) != 0);
		for (int j = 1; j < i; j++)
			CHECK(strcmp(inject_name(i), inject_name(j)) != 0);
	}
	CHECK_EQ_UINT(inject_hooks(INJECT_NONE), 0);
	CHECK_EQ_UINT(inject_hooks(NR_INJECTS), 0);
	CHECK_EQ_UINT(inject_hooks((enum inject_bug)-1), 0);
	CHECK(inject_hooks(INJECT_NO_WRPKRU) & INJECT_HOOK_SWITCH_IN);
	CHECK(inject_hooks(INJECT_STALE_SIGRETURN) & INJECT_HOOK_SIGRETURN);
	CHECK(!(inject_hooks(INJECT_BV_CLEAR) & INJECT_HOOK_SWITCH_IN));
	/* The parser keeps the chosen bug's hooks beside it, and defaults clear them. */
	for (int i = 0; i < NR_INJECTS; i++) {
		char line[64];

		snprintf(line, sizeof(line), "inject=%s", inject_name(i));
		if (EXPECT_OK(line))
			CHECK_EQ_UINT(ka.inject_hooks, inject_hooks(i));
	}
	kargs_defaults(&ka);
	CHECK_EQ_UINT(ka.inject_hooks, 0);
	for (int i = 0; i < NR_CONFIGS; i++)
		for (int j = 0; j < i; j++)
			CHECK(strcmp(config_name(i), config_name(j)) != 0);
	/* The help text lists every name the parser takes. */
	kargs_defaults(&ka);
	CHECK_EQ_INT(kargs_parse(&ka, "inject=nonsense", err, sizeof(err)), -1);
	CHECK_STR_CONTAINS(err, "inject");
}

static void test_names(void)
{
	CHECK_EQ_STR(config_name(CONFIG_XSAVE), "xsave");
	CHECK_EQ_STR(config_name(CONFIG_EXPLICIT), "explicit");
	CHECK_EQ_STR(config_name(CONFIG_HYBRID), "hybrid");
	CHECK_EQ_STR(config_name(CONFIG_XSAVE_DEFERRED), "xsave_deferred");
	CHECK_EQ_STR(config_name(CONFIG_UNMANAGED), "unmanaged");
	CHECK_EQ_STR(config_name(NR_CONFIGS), "?");
	CHECK_EQ_STR(config_name((enum pkru_config)-1), "?");

	CHECK_EQ_STR(inject_name(INJECT_NONE), "none");
	CHECK_EQ_STR(inject_name(INJECT_INIT_SKIP), "init_skip");
	CHECK_EQ_STR(inject_name(INJECT_RESET_ZERO), "reset_zero");
	CHECK_EQ_STR(inject_name(INJECT_NO_WRPKRU), "no_wrpkru");
	CHECK_EQ_STR(inject_name(INJECT_KTHREAD_SKIP), "kthread_skip");
	CHECK_EQ_STR(inject_name(INJECT_STALE_SIGRETURN), "stale_sigreturn");
	CHECK_EQ_STR(inject_name(INJECT_FRAME_PKRU_LIVE), "frame_pkru_live");
	CHECK_EQ_STR(inject_name(INJECT_BV_CLEAR), "bv_clear");
	CHECK_EQ_STR(inject_name(INJECT_NO_PKE), "no_pke");
	CHECK_EQ_STR(inject_name(INJECT_PKRU_OFFSET), "pkru_offset");
	CHECK_EQ_STR(inject_name(NR_INJECTS), "?");
	CHECK_EQ_STR(inject_name((enum inject_bug)-1), "?");

	CHECK_EQ_STR(exit_mode_name(EXIT_HALT), "halt");
	CHECK_EQ_STR(exit_mode_name(EXIT_QEMU), "qemu");
	CHECK_EQ_STR(exit_mode_name(EXIT_REBOOT), "reboot");
	CHECK_EQ_STR(exit_mode_name(EXIT_POWEROFF), "poweroff");
	CHECK_EQ_STR(exit_mode_name((enum exit_mode)4), "?");
	CHECK_EQ_STR(exit_mode_name((enum exit_mode)-1), "?");

	CHECK_EQ_STR(sigframe_pkru_name(SIGFRAME_PKRU_HW), "hw");
	CHECK_EQ_STR(sigframe_pkru_name(SIGFRAME_PKRU_SOFT), "soft");
	CHECK_EQ_STR(sigframe_pkru_name(SIGFRAME_PKRU_NONE), "none");
	CHECK_EQ_STR(sigframe_pkru_name((enum sigframe_pkru_policy)3), "?");
	CHECK_EQ_STR(sigframe_pkru_name((enum sigframe_pkru_policy)-1), "?");
	CHECK_EQ_STR(signal_abi_name(SIGNAL_ABI_LINUX612), "linux612");
	CHECK_EQ_STR(signal_abi_name(SIGNAL_ABI_LINUX61), "linux61");
	CHECK_EQ_STR(signal_abi_name((enum signal_abi)2), "?");
	CHECK_EQ_STR(signal_abi_name((enum signal_abi)-1), "?");

	/* Every name is accepted back by the parser (report <-> cmdline). */
	{
		int i;

		for (i = 0; i < NR_CONFIGS; i++) {
			char line[64];

			snprintf(line, sizeof(line), "config=%s",
				 config_name(i));
			CHECK_EQ_INT(parse_fresh(line), 0);
		}
		for (i = 0; i < 4; i++) {
			char line[64];

			snprintf(line, sizeof(line), "exit=%s",
				 exit_mode_name(i));
			if (CHECK_EQ_INT(parse_fresh(line), 0))
				CHECK_EQ_INT(ka.exit_mode, i);
		}
		for (i = 0; i < 3; i++) {
			char line[64];

			snprintf(line, sizeof(line), "sigframe_pkru=%s", sigframe_pkru_name(i));
			if (CHECK_EQ_INT(parse_fresh(line), 0))
				CHECK_EQ_INT(ka.sigframe_pkru, i);
		}
		for (i = 0; i < 2; i++) {
			char line[64];

			snprintf(line, sizeof(line), "signal_abi=%s", signal_abi_name(i));
			if (CHECK_EQ_INT(parse_fresh(line), 0))
				CHECK_EQ_INT(ka.signal_abi, i);
		}
	}
}

int main(void)
{
	test_defaults();
	test_config();
	test_tests_bench();
	test_selection();
	test_bench_iters();
	test_timer_hz();
	test_smp();
	test_watchdog_s();
	test_seed();
	test_inject();
	test_handler_pkru();
	test_sigframe_pkru();
	test_signal_abi();
	test_pkru_guard();
	test_exit();
	test_console();
	test_malformed();
	test_truncation();
	test_path_and_whitespace();
	test_full_line();
	test_layering();
	test_glob_match();
	test_glob_pathological();
	test_glob_differential();
	test_glob_list();
	test_registries();
	test_names();
	return unit_summary("test_cmdline");
}
