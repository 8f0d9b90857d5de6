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
 * Test 5 (test_pkru_sigreturn) allocates a key and then opens only key 2
 * (PKRU 0x55555545) for the thread whose stack that key protects: it
 * relies on test 3 having taken key 1 before it in a full run.  Alone, key
 * 1 is taken here first, so that the key it gets is 2 again.
 */
#define main pkey_sighandler_tests_main
#include "pkey_sighandler_tests.c"
#undef main

#ifndef ONE_TEST
#error "build with -DONE_TEST=N, N = 1..5"
#endif

_Static_assert(ONE_TEST >= 1 && ONE_TEST <= ARRAY_SIZE(pkey_tests),
	       "ONE_TEST names no entry of pkey_tests[]");

/* The test that needs the keys an earlier test of a full run allocated. */
#define TEST_PKRU_SIGRETURN 5

int main(void)
{
	ksft_print_header();
	ksft_set_plan(1);
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
