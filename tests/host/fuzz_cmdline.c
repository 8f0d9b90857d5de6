/*
 * libFuzzer target for the kernel command line parser (kernel/cmdline.c).
 *
 * The command line comes from a boot loader menu that anyone can edit, so
 * the parser must survive any bytes: no overrun (ASan), no undefined
 * behaviour (UBSan), no hang (libFuzzer's timeout catches a glob matcher
 * gone exponential).  On top of that it checks the contract: err is
 * NUL-terminated inside errlen whatever errlen is, nothing is written past
 * it, and a successful parse leaves every field in its documented range.
 *
 * Input layout: byte 0 picks errlen (0..KARGS_ERR_LEN + 8, so tiny and
 * exact sizes come up often), the rest is the command line.  The same rest
 * is also split at its first NUL into a glob pattern and a name for
 * glob_match(), which the parser only reaches through short, validated
 * globs.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ikernel/include -I. \
 *	tests/host/fuzz_cmdline.c kernel/cmdline.c kernel/glob.c -o build/host/fuzz_cmdline
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <kernel/cmdline.h>

/* Abort so that libFuzzer saves the input that broke the contract. */
#define REQUIRE(cond)			\
	do {				\
		if (!(cond))		\
			abort();	\
	} while (0)

static void check_kargs(const struct kargs *ka)
{
	int i;

	REQUIRE((ka->configs & ~CONFIG_MASK_ALL) == 0);
	REQUIRE(ka->ntests >= 0 && ka->ntests <= KARGS_MAX_GLOBS);
	REQUIRE(ka->nbench >= 0 && ka->nbench <= KARGS_MAX_GLOBS);
	for (i = 0; i < ka->ntests; i++) {
		REQUIRE(memchr(ka->tests[i], '\0', KARGS_GLOB_LEN) != NULL);
		REQUIRE(ka->tests[i][0] != '\0');
	}
	for (i = 0; i < ka->nbench; i++) {
		REQUIRE(memchr(ka->bench[i], '\0', KARGS_GLOB_LEN) != NULL);
		REQUIRE(ka->bench[i][0] != '\0');
	}
	REQUIRE(ka->bench_iters >= BENCH_ITERS_MIN &&
		ka->bench_iters <= BENCH_ITERS_MAX);
	REQUIRE(ka->timer_hz >= TIMER_HZ_MIN && ka->timer_hz <= TIMER_HZ_MAX);
	REQUIRE((unsigned int)ka->inject < NR_INJECTS);
	REQUIRE(ka->inject_hooks == inject_hooks(ka->inject));
	REQUIRE(ka->handler_pkru == HANDLER_PKRU_INIT ||
		ka->handler_pkru == HANDLER_PKRU_INHERIT ||
		ka->handler_pkru == HANDLER_PKRU_VALUE);
	REQUIRE(ka->sigframe_pkru == SIGFRAME_PKRU_HW ||
		ka->sigframe_pkru == SIGFRAME_PKRU_SOFT ||
		ka->sigframe_pkru == SIGFRAME_PKRU_NONE);
	REQUIRE(strcmp(exit_mode_name(ka->exit_mode), "?") != 0);
	REQUIRE((ka->consoles & ~(CONSOLE_SERIAL | CONSOLE_VGA | CONSOLE_FB))
		== 0);
	REQUIRE(!ka->consoles_set || ka->consoles != 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kargs ka;
	size_t errlen, n;
	char *line, *err;
	int rc;

	if (size == 0)
		return 0;
	errlen = data[0] % (KARGS_ERR_LEN + 9);
	data++;
	size--;

	line = malloc(size + 1);
	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';

	/*
	 * Exactly errlen bytes, so ASan flags a write one past the end; with
	 * errlen 0 alternate between a zero-size buffer and NULL.
	 */
	err = (errlen == 0 && (size & 1)) ? NULL : malloc(errlen);
	if (errlen && !err) {
		free(line);
		return 0;
	}

	kargs_defaults(&ka);
	rc = kargs_parse(&ka, line, err, errlen);
	REQUIRE(rc == 0 || rc == -1);
	if (errlen) {
		REQUIRE(memchr(err, '\0', errlen) != NULL);
		/* Success says nothing; failure says something if it can. */
		if (rc == 0)
			REQUIRE(err[0] == '\0');
		else if (errlen > 1)
			REQUIRE(err[0] != '\0');
	}
	check_kargs(&ka);

	/* Layering a second parse over the result must be just as safe. */
	if (rc == 0) {
		rc = kargs_parse(&ka, line, err, errlen);
		REQUIRE(rc == 0);
		check_kargs(&ka);
	}

	/* Exercise the selection helpers on the parsed globs. */
	(void)kargs_test_selected(&ka, "pku.ad_read");
	(void)kargs_bench_selected(&ka, line);

	/* Raw glob_match on pattern and name taken from the input. */
	n = strlen(line);
	if (n < size)
		(void)glob_match(line, line + n + 1);
	else
		(void)glob_match(line, line);

	free(err);
	free(line);
	return 0;
}
