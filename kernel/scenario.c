/*
 * The scenario runner and KTAP v1 reporter
 * (Documentation/dev-tools/ktap.rst): one subtest per suite, one line per
 * cell, every cell judged against the expectation table:
 *
 *   outcome   expected   line                               counted
 *   SKIP      any        ok N id # SKIP reason              skipped
 *   pass      pass       ok N id                            passed
 *   fail      pass       not ok N id                        failed
 *   fail      fail       not ok N id # TODO why             passed
 *   pass      fail       not ok N id # expected to fail...  failed
 *   pass/SKIP pass, with a listed deviation
 *                        not ok N id # DEVIATION: what      deviations
 *   any       any, with an unlisted deviation
 *                        not ok N id # DEVIATION not in...  failed
 *
 * The last line of a run is always
 * "pkrulab: N passed, N failed, N skipped, N deviations".
 */
#include <stdarg.h>
#include <asm/processor-flags.h>
#include <kernel/console.h>
#include <kernel/deviation.h>
#include <kernel/harness.h>
#include <kernel/scenario.h>
#include <kernel/string.h>

extern const struct scenario __start_scenarios[], __stop_scenarios[];

struct run_totals totals;
static const char *indent = "";

void diag(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk("%s# %s\n", indent, buf);
}

bool check(struct scenario_ctx *ctx, bool cond, const char *fmt, ...)
{
	char buf[200];
	va_list ap;

	ctx->checks++;
	if (cond)
		return true;
	ctx->failures++;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk("%s# FAIL: %s\n", indent, buf);
	if (!ctx->reason[0])
		snprintf(ctx->reason, sizeof(ctx->reason), "%s", buf);
	return false;
}

enum outcome skip(struct scenario_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->reason, sizeof(ctx->reason), fmt, ap);
	va_end(ap);
	return OUTCOME_SKIP;
}

enum outcome verdict(struct scenario_ctx *ctx)
{
	if (ctx->failures)
		return OUTCOME_FAIL;
	/* A scenario that checked nothing has shown nothing. */
	if (!ctx->checks) {
		snprintf(ctx->reason, sizeof(ctx->reason), "scenario made no checks");
		return OUTCOME_FAIL;
	}
	return OUTCOME_PASS;
}

static size_t suite_len(const char *id)
{
	const char *dot = strchr(id, '.');

	return dot ? (size_t)(dot - id) : strlen(id);
}

static bool same_suite(const struct scenario *a, const struct scenario *b)
{
	size_t n = suite_len(a->id);

	return n == suite_len(b->id) && !strncmp(a->id, b->id, n);
}

static int count_cells(const struct scenario *s)
{
	int n = 0;

	if (!kargs_test_selected(&kargs, s->id))
		return 0;
	if (!(s->flags & SCN_PER_CONFIG))
		return 1;
	for (int c = 0; c < NR_CONFIGS; c++)
		n += !!(kargs.configs & (1u << c));
	return n;
}

/* Run one cell and print its KTAP line; returns true if it matched. */
static bool run_cell(const struct scenario *s, int config, int num)
{
	struct scenario_ctx ctx = { .scn = s, .config = config };
	static const struct expectation xfail_row = {
		.expect = EXPECT_FAIL, .why = "declared by xfail= on the command line",
	};
	const struct expectation *e = expectation_for(s->id, config, kargs.inject);
	enum expect want;
	char name[96];
	enum outcome got;

	if (config >= 0)
		snprintf(name, sizeof(name), "%s[%s]", s->id, config_name(config));
	else
		snprintf(name, sizeof(name), "%s", s->id);
	if (kargs_xfail_selected(&kargs, name) || kargs_xfail_selected(&kargs, s->id))
		e = &xfail_row;
	want = e ? e->expect : EXPECT_PASS;

	cpu_state_reset();
	got = s->run(&ctx);
	cpu_state_reset();

	/* Deviations first: an unlisted one fails whatever the cell's outcome. */
	if (ctx.unknown_deviations) {
		printk("%snot ok %d %s # DEVIATION not in the known-deviation table for %s: %s\n",
		       indent, num, name, platform_name(platform()), ctx.deviation);
		totals.failed++;
		return false;
	}
	/* Listed deviations: a cell that passed otherwise, or could not run because of one. */
	if (ctx.deviations && (got == OUTCOME_SKIP || (got == OUTCOME_PASS && want == EXPECT_PASS))) {
		printk("%snot ok %d %s # DEVIATION: %s\n", indent, num, name, ctx.deviation);
		totals.deviations++;
		return true;
	}
	if (got == OUTCOME_SKIP) {
		printk("%sok %d %s # SKIP %s\n", indent, num, name, ctx.reason);
		totals.skipped++;
		return true;
	}
	if (got == OUTCOME_PASS && want == EXPECT_PASS) {
		printk("%sok %d %s\n", indent, num, name);
		totals.passed++;
		return true;
	}
	if (got == OUTCOME_FAIL && want == EXPECT_FAIL) {
		printk("%snot ok %d %s # TODO %s%s\n", indent, num, name,
		       e->design_finding ? "design finding: " : "", e->why);
		totals.passed++;
		return true;
	}
	if (got == OUTCOME_FAIL)
		printk("%snot ok %d %s # %s\n", indent, num, name,
		       ctx.reason[0] ? ctx.reason : "failed");
	else
		printk("%snot ok %d %s # expected to fail (%s) but passed\n", indent, num,
		       name, e->why);
	totals.failed++;
	return false;
}

int scenarios_run(void)
{
	const struct scenario *s, *first;
	int nsuites = 0, suite_no = 0;

	for (s = __start_scenarios; s < __stop_scenarios;) {
		int cells = 0;

		for (first = s; s < __stop_scenarios && same_suite(first, s); s++)
			cells += count_cells(s);
		nsuites += cells > 0;
	}
	printk("KTAP version 1\n1..%d\n", nsuites);

	for (s = __start_scenarios; s < __stop_scenarios;) {
		int cells = 0, num = 0;
		bool suite_ok = true;

		for (first = s; s < __stop_scenarios && same_suite(first, s); s++)
			cells += count_cells(s);
		if (!cells)
			continue;
		indent = "    ";
		printk("    KTAP version 1\n    # Subtest: %.*s\n    1..%d\n",
		       (int)suite_len(first->id), first->id, cells);
		for (const struct scenario *t = first; t < s; t++) {
			if (!kargs_test_selected(&kargs, t->id))
				continue;
			if (!(t->flags & SCN_PER_CONFIG)) {
				suite_ok &= run_cell(t, -1, ++num);
				continue;
			}
			for (int c = 0; c < NR_CONFIGS; c++)
				if (kargs.configs & (1u << c))
					suite_ok &= run_cell(t, c, ++num);
		}
		indent = "";
		printk("%sok %d %.*s\n", suite_ok ? "" : "not ", ++suite_no,
		       (int)suite_len(first->id), first->id);
	}
	return totals.failed ? EXIT_STATUS_MISMATCH : EXIT_STATUS_OK;
}

void print_summary(void)
{
	printk("pkrulab: %d passed, %d failed, %d skipped, %d deviations\n",
	       totals.passed, totals.failed, totals.skipped, totals.deviations);
}
