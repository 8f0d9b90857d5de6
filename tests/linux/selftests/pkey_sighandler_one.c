/*
 * One test of Linux's pkey_sighandler_tests per process, as the reference
 * runs under Linux 6.1 were made: a full run stops at the first test that
 * kills the process, and this shows how each of the five fares alone.
 *
 * The upstream file is included unmodified (tools/testing/selftests/mm/
 * pkey_sighandler_tests.c from Debian's linux-source-6.12, extracted by
 * make linux-selftests); only its main() is renamed so that this one can
 * run entry ONE_TEST (1-based) of its pkey_tests[] table.  pkrulab starts a
 * program with argv = { name } only, so the test is picked at build time:
 * -DONE_TEST=N builds pkey_sighandler_oneN.
 *
 * What the earlier tests of a full run leave behind is set up first:
 *  - Tests 1 and 2 start threads with pthread_create(), which turns glibc
 *    (2.34 and later) multi-threaded for good.  Tests 3 and 5 start theirs
 *    with a raw clone() that glibc does not see; left single-threaded,
 *    glibc's pthread_mutex_lock/unlock skip the atomic and the futex wake
 *    (SINGLE_THREAD_P), and test 3's handler and main thread, which share
 *    a mutex, can sleep on it for ever (measured: 3 of 8 runs of test 3
 *    alone in the four managed designs had such a hang, none in 12 runs
 *    with this).  So tests 3 to 5 run after one pthread has been created
 *    and joined, as in a full run.
 *  - Test 5 (test_pkru_sigreturn) allocates a key and then opens only key
 *    2 (PKRU 0x55555545) for the thread whose stack that key protects: it
 *    relies on test 3 having taken key 1 before it.  Key 1 is taken here.
 */
#define main pkey_sighandler_tests_main
#include "pkey_sighandler_tests.c"
#undef main

#ifndef ONE_TEST
#error "build with -DONE_TEST=N, N = 1..5"
#endif

_Static_assert(ONE_TEST >= 1 && ONE_TEST <= ARRAY_SIZE(pkey_tests),
	       "ONE_TEST names no entry of pkey_tests[]");

/* The first test after the two that create pthreads, and the one needing key 1 taken. */
#define TEST_AFTER_PTHREADS 3
#define TEST_PKRU_SIGRETURN 5

static void *no_op_thread(void *arg)
{
	return arg;
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(1);
	if (ONE_TEST >= TEST_AFTER_PTHREADS) {
		pthread_t thr;
		int err = pthread_create(&thr, NULL, no_op_thread, NULL);

		if (err || (err = pthread_join(thr, NULL)))
			ksft_exit_fail_msg("pthread_create/join: %s\n", strerror(err));
		ksft_print_msg("one pthread created and joined first, as tests 1 and 2 of a full run do\n");
	}
	if (ONE_TEST == TEST_PKRU_SIGRETURN) {
		int key = pkey_alloc(0, 0);

		/* What test 3 leaves in a full run: key 1 allocated, open. */
		if (key != 1)
			ksft_exit_fail_msg("pkey_alloc gave key %d, want 1 (as test 3 would leave it)\n",
					   key);
		ksft_print_msg("key 1 allocated first, as test 3 of a full run does\n");
	}
	pkey_tests[ONE_TEST - 1]();
	ksft_finished();
	return 0;
}
