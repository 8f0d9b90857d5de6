/*
 * pkey_sighandler_tests, one test per process: `one-test N` (or a copy of
 * it named NAME-N) runs entry N (1-based) of the unmodified selftest's
 * pkey_tests[] table and nothing else, so that a test that kills the
 * process (Linux 6.1 kills the whole binary in test 1) does not hide the
 * verdicts of the tests after it.
 *
 * The selftest source is #included as it is; only its main() is renamed
 * out of the way.  Built with the selftest's own flags, from its directory
 * (tools/linux-reference.sh).
 *
 * Exit status: kselftest's (0 the test passed, 1 it failed), 2 for a bad
 * argument; a test that crashes ends the process by its signal.
 */
#define main pkey_sighandler_tests_main
#include "pkey_sighandler_tests.c"
#undef main

/*
 * What a full run has done before entry N starts, and the test relies on:
 *
 * - keys_held: test 3 (different_pkey_for_stack) takes key 1 and never
 *   frees it, and test 5 (pkru_sigreturn) opens key 2 in PKRU (0x55555544)
 *   for the stack it protects with "its" pkey_alloc(), which is key 2 only
 *   because key 1 is taken.  Alone, test 5 would get key 1, whose access
 *   stays disabled.
 * - threaded: tests 1 and 2 pthread_create(), which turns off glibc's
 *   single-thread shortcuts for good.  Tests 3 and 5 start their thread
 *   with a raw clone() that glibc does not see, and test 3's SIGSEGV
 *   handler takes a pthread mutex on that thread: while glibc still thinks
 *   the process single-threaded, pthread_mutex_lock() takes a free lock
 *   with a plain load and store (glibc 2.34+, lll_mutex_lock_optimized),
 *   which races with the other thread's atomic lock and unlock: the main
 *   thread was left in futex_wait(2) on the selftest's `mutex` (value 2)
 *   after the handler's thread had exited.  Measured under Linux 6.12, QEMU TCG:
 *   test 3 alone hung in 7 of 17 runs; after one pthread_create(), 0 of 13.
 */
static const struct {
	int keys_held;
	bool threaded;
} before[] = {
	{ 0, false }, { 0, true }, { 0, true }, { 1, true }, { 1, true },
};

static void *nothing(void *arg)
{
	return arg;
}

/*
 * N from argv[1], or else from the program's own name ending in "-N":
 * pkrulab starts a program with argv { NAME } alone, so a copy named
 * pkey_sighandler_tests-3 runs test 3 there (run-qemu.sh --program).
 */
static int test_number(int argc, char *argv[])
{
	const char *dash = argc > 0 ? strrchr(argv[0], '-') : NULL;

	if (argc == 2)
		return atoi(argv[1]);
	if (argc == 1 && dash && dash[1] >= '1' && dash[1] <= '9' && !dash[2])
		return dash[1] - '0';
	return 0;
}

int main(int argc, char *argv[])
{
	int n = test_number(argc, argv);
	pthread_t t;

	if (n < 1 || n > (int)ARRAY_SIZE(pkey_tests) || ARRAY_SIZE(before) != ARRAY_SIZE(pkey_tests)) {
		fprintf(stderr, "usage: %s N, or a copy named NAME-N (N 1..%zu): run test N of "
			"pkey_sighandler_tests alone\n", argc > 0 ? argv[0] : "one-test", ARRAY_SIZE(pkey_tests));
		return 2;
	}
	ksft_print_header();
	ksft_set_plan(1);
	for (int i = 0; i < before[n - 1].keys_held; i++) {
		int key = pkey_alloc(0, 0);

		if (key != i + 1)
			ksft_exit_fail_msg("pkey_alloc() gave %d, a full run would hold key %d here\n",
					   key, i + 1);
	}
	if (before[n - 1].threaded && (pthread_create(&t, NULL, nothing, NULL) || pthread_join(t, NULL)))
		ksft_exit_fail_msg("pthread_create/join failed\n");
	pkey_tests[n - 1]();
	ksft_finished();
}
