/*
 * pkey_sighandler_tests, one test per process: `one-test N` runs entry N
 * (1-based) of the unmodified selftest's pkey_tests[] table and nothing
 * else, so that a test that kills the process (Linux 6.1 kills the whole
 * binary in test 1) does not hide the verdicts of the tests after it.
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

int main(int argc, char *argv[])
{
	int n = argc == 2 ? atoi(argv[1]) : 0;
	pthread_t t;

	if (n < 1 || n > (int)ARRAY_SIZE(pkey_tests) || ARRAY_SIZE(before) != ARRAY_SIZE(pkey_tests)) {
		fprintf(stderr, "usage: %s N (1..%zu): run test N of pkey_sighandler_tests alone\n",
			argv[0], ARRAY_SIZE(pkey_tests));
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
