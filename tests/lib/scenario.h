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
#ifndef TESTS_LIB_SCENARIO_H
#define TESTS_LIB_SCENARIO_H

#include <asm/types.h>
#include <kernel/cmdline.h>

enum outcome { OUTCOME_PASS, OUTCOME_FAIL, OUTCOME_SKIP };

struct scenario_ctx;

/*
 * A suite is the scenarios whose IDs start with "NAME."; SUITE() declares
 * it once, in its own file, with its place in the report (lower first), so
 * that the Makefile can find suites by wildcard in any order.
 */
struct suite {
	const char *name;
	int order;
	const char *what;
};

#define SUITE(name_, order_, what_)						\
	static const struct suite __suite_##name_				\
	__used __attribute__((section(".suites"), aligned(8))) = {		\
		.name = #name_, .order = order_, .what = what_,			\
	}

struct scenario {
	const char *id;
	const char *what;		/* one line: what it checks */
	enum outcome (*run)(struct scenario_ctx *ctx);
	u32 flags;
	/* A family (SCENARIO_FAMILY): the i-th cell's ID, NULL past the last. */
	const char *(*instance)(int i);
};

#define SCN_PER_CONFIG	(1u << 0)	/* one cell per PKRU configuration */

struct scenario_ctx {
	const struct scenario *scn;
	int config;			/* enum pkru_config, or -1 */
	int instance;			/* a family's instance, else 0 */
	const char *id;			/* the cell's scenario ID (a family's instance's) */
	int checks, failures;
	char reason[160];
	/* Deviations (tests/lib/deviation.h): how many, how many not in the table. */
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

/*
 * One scenario for a set of cells known only at boot (the programs in the
 * image): instance(i) gives the i-th one's ID ("suite.name"), and tests=,
 * xfail= and the expectation table match those IDs.
 */
#define SCENARIO_FAMILY(suite, fn, instance_fn, what_, flags_)			\
	static const struct scenario __scenario_##suite##_family		\
	__used __attribute__((section(".scenarios"), aligned(8))) = {	\
		.id = #suite ".*", .what = what_, .run = fn,			\
		.flags = flags_, .instance = instance_fn,			\
	}

/* The ID of a scenario's i-th cell set: the scenario's own for i = 0, a family's instance. */
static inline const char *scenario_instance_id(const struct scenario *s, int i)
{
	return s->instance ? s->instance(i) : i ? NULL : s->id;
}

/* Record a check; on failure print a diagnostic.  Returns cond. */
bool check(struct scenario_ctx *ctx, bool cond, const char *fmt, ...) __printf(3, 4);
/* End a scenario with SKIP and a reason. */
enum outcome skip(struct scenario_ctx *ctx, const char *fmt, ...) __printf(2, 3);
/* Outcome from the checks made so far. */
enum outcome verdict(struct scenario_ctx *ctx);

/* The registered scenarios, in link order (section .scenarios). */
extern const struct scenario __start_scenarios[], __stop_scenarios[];

/*
 * Expectation table (tests/expect.c).  A row is an expected failure of
 * the cells it matches: its scenario globs, every condition of .when, and
 * its injected bug.  Conditions are tri-state so that designated
 * initialisers name only what a row cares about.
 */
enum tri { ANY, YES, NO };

struct cell_when {
	enum tri xcr0_pkru;		/* the strategy sets XCR0[9] */
	enum tri switches_pkru;		/* NO: the negative control */
	enum tri wrpkru_at_switch_in;	/* PKRU kept in the task, written at switch-in */
	enum tri deferred_load;		/* FPU/PKRU load deferred to the return to user */
	enum tri frame_pkru;		/* signal frames carry PKRU (policy hw or soft) */
	enum tri handler_inherit;	/* handler_pkru=inherit */
	enum tri frame_write_interrupted; /* signal_abi=linux61: frame written under the task's PKRU */
};

struct expectation {
	const char *ids;		/* comma list of scenario ID globs */
	struct cell_when when;
	int inject;			/* enum inject_bug; 0: whatever is injected */
	bool design_finding;		/* a property of the design, not a pkrulab bug */
	/*
	 * linux.* programs that only some images hold (run-qemu.sh --program,
	 * make linux-selftests): an absent one does not make the row dead.
	 */
	bool optional_programs;
	/* NULL, or a glob the failure's reason must match: failing otherwise is a mismatch. */
	const char *fails_with;
	const char *why;
};

/* The first row that expects this cell to fail, or NULL (expected to pass). */
const struct expectation *expectation_for(const char *id, int config, enum inject_bug inj);
/* Boot-time self-check of the table: a dead row ends the run (panic). */
void expectations_check(void);

struct run_totals { int passed, failed, skipped, deviations; };

#endif
