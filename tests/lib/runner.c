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
 * Suites run in the order their SUITE() declarations give, scenarios
 * within a suite in link order, each per-configuration scenario once per
 * selected configuration (strategy/list.h order).  The last line of a run
 * is always "pkrulab: N passed, N failed, N skipped, N deviations":
 * run_tests() prints it, and hooks it into panic() so that a harness error
 * prints it too.
 */
#include <stdarg.h>
#include <asm/cpu.h>
#include <kernel/bench.h>
#include <kernel/console.h>
#include <kernel/panic.h>
#include <kernel/params.h>
#include <kernel/run.h>
#include <kernel/string.h>
#include <kernel/watchdog.h>
#include "deviation.h"
#include "scenario.h"

static struct run_totals totals;
static void print_summary(void);
static const char *indent = "";

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

extern const struct suite __start_suites[], __stop_suites[];

static bool in_suite(const struct scenario *s, const struct suite *su)
{
	size_t n = strlen(su->name);

	return !strncmp(s->id, su->name, n) && s->id[n] == '.';
}

/* The suites in report order; every scenario must belong to one. */
static int sorted_suites(const struct suite **out, int max)
{
	int n = 0;

	for (const struct suite *su = __start_suites; su < __stop_suites; su++) {
		int i = n++;

		if (n > max)
			panic("more suites than the runner has room for");
		for (; i > 0 && out[i - 1]->order > su->order; i--)
			out[i] = out[i - 1];
		out[i] = su;
	}
	for (const struct scenario *s = __start_scenarios; s < __stop_scenarios; s++) {
		int i = 0;

		while (i < n && !in_suite(s, out[i]))
			i++;
		if (i == n) {
			printk("# scenario %s: no SUITE() declares its suite\n", s->id);
			panic("scenario outside every suite");
		}
	}
	return n;
}

static int count_cells(const struct scenario *s)
{
	int n = 0, per = 1;
	const char *id;

	if (s->flags & SCN_PER_CONFIG)
		for (int c = per = 0; c < NR_CONFIGS; c++)
			per += !!(kargs.configs & (1u << c));
	for (int i = 0; (id = scenario_instance_id(s, i)); i++)
		n += kargs_test_selected(&kargs, id) ? per : 0;
	return n;
}

/* Run one cell and print its KTAP line; returns true if it matched. */
/* The cell running now, for a lock-up report from the watchdog's NMI. */
static struct {
	struct scenario_ctx *ctx;
	const struct expectation *e;
	const char *name;
	int num;
} running;

/* A cell's KTAP line from its outcome and expectation (e NULL: must pass). */
static bool report_cell(struct scenario_ctx *ctx, const struct expectation *e, const char *name,
			int num, enum outcome got)
{
	bool want_fail = e != NULL;

	/* Deviations first: an unlisted one fails whatever the cell's outcome. */
	if (ctx->unknown_deviations) {
		printk("%snot ok %d %s # DEVIATION not in the known-deviation table for %s: %s\n",
		       indent, num, name, platform_name(platform()), ctx->deviation);
		totals.failed++;
		return false;
	}
	/* Listed deviations: a cell that passed otherwise, or could not run because of one. */
	if (ctx->deviations && (got == OUTCOME_SKIP || (got == OUTCOME_PASS && !want_fail))) {
		printk("%snot ok %d %s # DEVIATION: %s\n", indent, num, name, ctx->deviation);
		totals.deviations++;
		return true;
	}
	if (got == OUTCOME_SKIP) {
		printk("%sok %d %s # SKIP %s\n", indent, num, name, ctx->reason);
		totals.skipped++;
		return true;
	}
	if (got == OUTCOME_PASS && !want_fail) {
		printk("%sok %d %s\n", indent, num, name);
		totals.passed++;
		return true;
	}
	if (got == OUTCOME_FAIL && want_fail && e->fails_with && !glob_match(e->fails_with, ctx->reason)) {
		printk("%snot ok %d %s # expected to fail with \"%s\" (%s) but failed with: %s\n",
		       indent, num, name, e->fails_with, e->why, ctx->reason);
		totals.failed++;
		return false;
	}
	if (got == OUTCOME_FAIL && want_fail) {
		printk("%snot ok %d %s # TODO %s%s\n", indent, num, name,
		       e->design_finding ? "design finding: " : "", e->why);
		totals.passed++;
		return true;
	}
	if (got == OUTCOME_FAIL)
		printk("%snot ok %d %s # %s\n", indent, num, name,
		       ctx->reason[0] ? ctx->reason : "failed");
	else
		printk("%snot ok %d %s # expected to fail (%s) but passed\n", indent, num,
		       name, e->why);
	totals.failed++;
	return false;
}

static bool run_cell(const struct scenario *s, const char *id, int instance, int config, int num)
{
	struct scenario_ctx ctx = { .scn = s, .config = config, .instance = instance, .id = id };
	static const struct expectation xfail_row = {
		.why = "declared by xfail= on the command line",
	};
	const struct expectation *e = expectation_for(id, scenario_checks(s, instance), config,
							kargs.inject);
	char name[96];
	enum outcome got;

	if (config >= 0)
		snprintf(name, sizeof(name), "%s[%s]", id, config_name(config));
	else
		snprintf(name, sizeof(name), "%s", id);
	if (kargs_xfail_selected(&kargs, name) || kargs_xfail_selected(&kargs, id))
		e = &xfail_row;

	watchdog_touch();
	running.ctx = &ctx;
	running.e = e;
	running.name = name;
	running.num = num;
	cpu_state_reset();
	got = s->run(&ctx);
	cpu_state_reset();
	running.ctx = NULL;
	return report_cell(&ctx, e, name, num, got);
}

/* From the watchdog's NMI: the running cell failed with why; then the summary. */
static int runner_lockup(const char *why)
{
	if (running.ctx) {
		snprintf(running.ctx->reason, sizeof(running.ctx->reason), "%s", why);
		report_cell(running.ctx, running.e, running.name, running.num, OUTCOME_FAIL);
	}
	indent = "";
	diag_set_indent(indent);
	printk("# the run ends here: a lock-up leaves the kernel in no state to go on\n");
	print_summary();
	return totals.failed ? EXIT_STATUS_MISMATCH : EXIT_STATUS_OK;
}

#define MAX_SUITES 16

static int suite_cells(const struct suite *su)
{
	int cells = 0;

	for (const struct scenario *s = __start_scenarios; s < __stop_scenarios; s++)
		if (in_suite(s, su))
			cells += count_cells(s);
	return cells;
}

static int scenarios_run(void)
{
	const struct suite *suites[MAX_SUITES];
	int nsuites, nrun = 0, suite_no = 0;

	expectations_check();
	nsuites = sorted_suites(suites, MAX_SUITES);
	for (int i = 0; i < nsuites; i++)
		nrun += suite_cells(suites[i]) > 0;
	printk("KTAP version 1\n1..%d\n", nrun);

	for (int i = 0; i < nsuites; i++) {
		const struct suite *su = suites[i];
		int cells = suite_cells(su), num = 0;
		bool suite_ok = true;

		if (!cells)
			continue;
		indent = "    ";
		diag_set_indent(indent);
		printk("    KTAP version 1\n    # Subtest: %s\n    1..%d\n", su->name, cells);
		for (const struct scenario *t = __start_scenarios; t < __stop_scenarios; t++) {
			const char *id;

			if (!in_suite(t, su))
				continue;
			for (int k = 0; (id = scenario_instance_id(t, k)); k++) {
				if (!kargs_test_selected(&kargs, id))
					continue;
				if (!(t->flags & SCN_PER_CONFIG)) {
					suite_ok &= run_cell(t, id, k, -1, ++num);
					continue;
				}
				for (int c = 0; c < NR_CONFIGS; c++)
					if (kargs.configs & (1u << c))
						suite_ok &= run_cell(t, id, k, c, ++num);
			}
		}
		indent = "";
		diag_set_indent(indent);
		printk("%sok %d %s\n", suite_ok ? "" : "not ", ++suite_no, su->name);
	}
	return totals.failed ? EXIT_STATUS_MISMATCH : EXIT_STATUS_OK;
}

static void print_summary(void)
{
	printk("pkrulab: %d passed, %d failed, %d skipped, %d deviations\n",
	       totals.passed, totals.failed, totals.skipped, totals.deviations);
}

int run_tests(void)
{
	int status;

	/* A harness error from here on still ends with the summary line. */
	panic_set_hook(print_summary);
	watchdog_set_lockup_hook(runner_lockup);
	platform_init();
	status = scenarios_run();
	benchmarks_run();
	print_summary();
	return status;
}
