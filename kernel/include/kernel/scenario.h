/*
 * Scenarios and their verdicts.
 *
 * A scenario is one function registered with SCENARIO(); its ID
 * ("suite.name") is stable and is what tests= globs and the expectation
 * table (tests/expect.c) match.  A scenario checks things with check():
 * it passes when every check held, fails otherwise, or SKIPs with a reason
 * when the CPU lacks what it needs.  Whether that outcome is *right* is
 * decided by the expectation table, not by the scenario: a negative
 * control or an injected bug is expected to fail.
 */
#ifndef KERNEL_SCENARIO_H
#define KERNEL_SCENARIO_H

#include <asm/types.h>
#include <kernel/cmdline.h>

enum outcome { OUTCOME_PASS, OUTCOME_FAIL, OUTCOME_SKIP };

struct scenario_ctx;

struct scenario {
	const char *id;
	const char *what;		/* one line: what it checks */
	enum outcome (*run)(struct scenario_ctx *ctx);
	u32 flags;
};

#define SCN_PER_CONFIG	(1u << 0)	/* one cell per PKRU configuration */

struct scenario_ctx {
	const struct scenario *scn;
	int config;			/* enum pkru_config, or -1 */
	int checks, failures;
	char reason[160];
	/* Deviations (kernel/deviation.h): how many, how many not in the table. */
	int deviations, unknown_deviations;
	u32 deviation_seen;		/* table rows already printed in this cell */
	char deviation[160];		/* the first (unlisted first) deviation */
};

#define SCENARIO(suite, name, fn, what_, flags_)				\
	static const struct scenario __scenario_##suite##_##name		\
	__used __attribute__((section(".scenarios"), aligned(8))) = {	\
		.id = #suite "." #name, .what = what_, .run = fn,		\
		.flags = flags_,						\
	}

/* Record a check; on failure print a diagnostic.  Returns cond. */
bool check(struct scenario_ctx *ctx, bool cond, const char *fmt, ...) __printf(3, 4);
/* Print a "# ..." diagnostic line at the current KTAP indent. */
void diag(const char *fmt, ...) __printf(1, 2);
/* End a scenario with SKIP and a reason. */
enum outcome skip(struct scenario_ctx *ctx, const char *fmt, ...) __printf(2, 3);
/* Outcome from the checks made so far. */
enum outcome verdict(struct scenario_ctx *ctx);

/* Expectation table (tests/expect.c). */
enum expect { EXPECT_PASS, EXPECT_FAIL };
#define EXPECT_ANY_INJECT (-1)

/* Conditions a row can require besides config and inject. */
#define WHEN_FRAME_PKRU		(1u << 0)	/* signal frames carry PKRU (hw, soft) */
#define WHEN_NO_FRAME_PKRU	(1u << 1)	/* sigframe_pkru=none */
#define WHEN_HANDLER_INHERIT	(1u << 2)	/* handler_pkru=inherit */

struct expectation {
	const char *glob;		/* comma-separated scenario ID globs */
	u32 configs;			/* mask of enum pkru_config; 0 = any */
	int inject;			/* enum inject_bug or EXPECT_ANY_INJECT */
	u32 when;			/* WHEN_* that must all hold; 0 = always */
	enum expect expect;
	const char *why;
	bool design_finding;		/* a property of the design, not a pkrulab bug */
};

const struct expectation *expectation_for(const char *id, int config, enum inject_bug inj);

/* Run every selected scenario and print the KTAP report; returns the status. */
int scenarios_run(void);

struct run_totals { int passed, failed, skipped, deviations; };
extern struct run_totals totals;
void print_summary(void);

#endif
