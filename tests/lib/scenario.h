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
	u32 flags;			/* SCN_*, and CHECKS(promises) */
	/* A family (SCENARIO_FAMILY): the i-th cell's ID, NULL past the last. */
	const char *(*instance)(int i);
	/* A family: the promises its i-th cell checks (enum promise), or NULL for none. */
	u32 (*instance_checks)(int i);
};

#define SCN_PER_CONFIG	(1u << 0)	/* one cell per PKRU configuration */

/*
 * Promises a PKRU design makes, which a scenario's verdict may rest on.  A
 * scenario declares the ones it checks (flags CHECKS(...), a family per
 * instance); a design that breaks a promise is described by an expectation
 * row's .breaks (tests/expect.c), which then expects every cell that checks
 * it to fail.  So the cells the negative control must fail are derived:
 * a new scenario says what it checks, and no row has to name it.
 */
enum promise {
	/*
	 * Each of pkrulab's tasks keeps its own PKRU: the scenario runs tasks
	 * with different PKRU values and fails when one sees another's.
	 */
	PROMISE_TASK_PKRU = 1u << 0,
	/*
	 * A Linux program's threads and processes each keep their own PKRU,
	 * as Linux promises, and the program's verdict rests on it.
	 */
	PROMISE_THREAD_PKRU = 1u << 1,
	/*
	 * A signal delivery that fails part-way (its frame cannot be written)
	 * leaves whatever PKRU it loaded in its own task, which it ends: no
	 * other task runs under it.
	 */
	PROMISE_FAILED_DELIVERY_PKRU = 1u << 2,
};
#define CHECKS_SHIFT	16
#define CHECKS(promises)	((u32)(promises) << CHECKS_SHIFT)

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
#define SCENARIO_FAMILY(suite, fn, instance_fn, checks_fn, what_, flags_)	\
	static const struct scenario __scenario_##suite##_family		\
	__used __attribute__((section(".scenarios"), aligned(8))) = {	\
		.id = #suite ".*", .what = what_, .run = fn,			\
		.flags = flags_, .instance = instance_fn,			\
		.instance_checks = checks_fn,					\
	}

/* The ID of a scenario's i-th cell set: the scenario's own for i = 0, a family's instance. */
static inline const char *scenario_instance_id(const struct scenario *s, int i)
{
	return s->instance ? s->instance(i) : i ? NULL : s->id;
}

/* The promises (enum promise) the i-th cell set checks. */
static inline u32 scenario_checks(const struct scenario *s, int i)
{
	return s->flags >> CHECKS_SHIFT | (s->instance_checks ? s->instance_checks(i) : 0);
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
	/* comma list of scenario ID globs; NULL: every scenario (then .breaks says which) */
	const char *ids;
	/*
	 * 0, or the promises (enum promise) the design the row describes
	 * breaks: the row matches only cells whose scenario checks one.
	 */
	u32 breaks;
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

/*
 * linux.attack (tests/linux/progs/attack.c): the outcome letter each of
 * its doors 1-9 should have in this configuration under the guards on
 * (B blocked, L leaked, C corrupted, X both), into out (10 bytes), and
 * the reason of the first door that differs from got (NULL: none does).
 */
const char *attack_doors_expected(int config, const char *got, char out[10]);

/*
 * The first row that expects this cell to fail, or NULL (expected to pass);
 * checks: the promises its scenario checks (scenario_checks()).
 */
const struct expectation *expectation_for(const char *id, u32 checks, int config,
					  enum inject_bug inj);
/* Boot-time self-check of the table: a dead row ends the run (panic). */
void expectations_check(void);

struct run_totals { int passed, failed, skipped, deviations; };

#endif
