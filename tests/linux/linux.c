/*
 * linux.* -- unmodified static Linux x86-64 programs under each design.
 *
 * Every program of the image (the ones built from tests/linux/progs/ and
 * the Linux selftests, whose names the kernel knows, and any a GRUB
 * "module2 PATH prog NAME" line adds, as `run-qemu.sh --program` does) is
 * one cell per configuration, linux.NAME[CONFIG].  A built-in program
 * the boot loader did not load (a hand-written GRUB entry without its
 * module2 lines) SKIPs, naming it.  It runs as a
 * Linux process (kernel/linux/) alone, with the configuration's strategy
 * switching its PKRU, and passes when it exits with status 0.  Its output
 * is passed through as diagnostics; its own "ok N"/"not ok N" lines are
 * counted (and Linux's x86 selftests' "[OK]"/"[FAIL]", their "Bail out!"),
 * and the first failing one becomes the cell's reason.  Exit
 * status 4 (kselftest's KSFT_SKIP) is a SKIP with the program's last line
 * as the reason; a death by signal fails naming the signal.
 */
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/cpufeature.h>
#include <asm/xstate.h>
#include <kernel/console.h>
#include <kernel/linux/linux.h>
#include <kernel/mm.h>
#include <kernel/params.h>
#include <kernel/signal.h>
#include <kernel/smp.h>
#include <kernel/strategy/strategy.h>
#include <kernel/string.h>
#include <kernel/task.h>
#include "../lib/deviation.h"
#include "../lib/scenario.h"

SUITE(linux, 60, "static Linux x86-64 programs under each design");

#define RUN_TIMEOUT_MS	30000
#define KSFT_SKIP	4

static const char *signal_name(long sig)
{
	static const char *const names[] = {
		[1] = "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS",
		"SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM",
		"SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN",
		"SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH",
		"SIGIO", "SIGPWR", "SIGSYS",
	};

	return sig > 0 && sig < (long)ARRAY_SIZE(names) ? names[sig] : "a signal";
}

static const char *linux_instance(int i)
{
	static char ids[LINUX_MAX_PROGRAMS][48];
	const struct linux_program *p = linux_program(i);

	if (!p)
		return NULL;
	snprintf(ids[i], sizeof(ids[i]), "linux.%s", p->name);
	return ids[i];
}

/*
 * The programs whose verdict rests on their threads or processes each
 * keeping their own PKRU (PROMISE_THREAD_PKRU), by name: where PKRU is not
 * switched, one's PKRU reaches another and they must fail.
 *  - threads: threads check their own PKRU across futex ping-pong;
 *  - ptrace: tracer and stopped tracee with different PKRU;
 *  - pkey_sighandler_tests, and its test 5 alone (pkey_sighandler_one5,
 *    run-qemu.sh --program): a clone()d thread with its own PKRU takes a
 *    signal (tests 1 to 3 alone are seen to pass without PKRU switched);
 *  - exec: the exec'd image, back from a child that set another PKRU,
 *    must run under the init PKRU exec gave it;
 *  - guard_force: pkru_guard=force needs the kernel to know each thread's
 *    PKRU; where nothing switches it the guard is not applied
 *    (lx_abi_of_new_thread()), and the changes it should kill live on.
 */
static u32 linux_instance_checks(int i)
{
	static const char *const thread_pkru[] = {
		"threads", "ptrace", "pkey_sighandler_tests", "pkey_sighandler_one5", "guard_force",
		"exec",
	};
	const struct linux_program *p = linux_program(i);

	for (unsigned k = 0; p && k < ARRAY_SIZE(thread_pkru); k++)
		if (!strcmp(p->name, thread_pkru[k]))
			return PROMISE_THREAD_PKRU;
	return 0;
}

/*
 * A failure this CPU's deviation explains: the program's first failing
 * line shows the symptom and the CPU has the deviation, so the program's
 * verdict cannot be had here.  NULL if none does.
 *  - xsave.cpuid_pkru_component: the program looks for PKRU as component 9
 *    of an XSAVE layout (ptrace's NT_X86_XSTATE), and this CPU's
 *    CPUID(0xD,9) gives no usable offset for it;
 *  - pku.ring0_ignores_ad: the program wanted EFAULT from a kernel access
 *    to memory its PKRU denies, and this CPU lets ring 0 read through AD.
 */
static const char *deviation_explaining(const char *first_failure)
{
	const struct { const char *id, *symptom; bool present; } known[] = {
		{ "xsave.cpuid_pkru_component", "component 9", xstate.bad & XFEATURE_MASK_PKRU },
		{ "pku.ring0_ignores_ad", "EFAULT", cpu_quirks.ring0_ignores_ad },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(known); i++)
		if (known[i].present && strstr(first_failure, known[i].symptom))
			return known[i].id;
	return NULL;
}

/*
 * A program that cannot pass on this CPU whatever the kernel does: Linux's
 * nx_stack wants the stack no-execute, which needs NX (without it, bit 63
 * of a PTE is reserved and every page executes, as under Linux).  The cell
 * SKIPs naming the feature.  NULL if the CPU has what name needs.
 */
static const char *cpu_lacks_for(const char *name)
{
	static const struct { const char *prog; int feature; const char *why; } needs[] = {
		{ "nx_stack", X86_FEATURE_NX, "CPU has no NX: no page can be no-execute" },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(needs); i++)
		if (!strcmp(name, needs[i].prog) && !cpu_has(needs[i].feature))
			return needs[i].why;
	return NULL;
}

/*
 * An attack program (tests/linux/progs/attack*.c) passes only when each
 * door's outcome is the one the door table (tests/expect.c) gives for this
 * configuration and the guards on: the cell fails naming the first door
 * that differs.  A CPU whose ring 0 reads through AD (deviation
 * pku.ring0_ignores_ad, Bochs 2.7) cannot keep the doors that rest on the
 * kernel's own key checks shut -- 9 (the kernel as deputy), and with
 * guards 3 and 4 (the frame written under the interrupted PKRU) and 8
 * (remote access under the caller's PKRU): a difference in those alone is
 * that deviation, not a verdict.
 */
static enum outcome attack_check(struct scenario_ctx *ctx, const struct linux_report *rep)
{
	static const char ring0_doors[] = "3489";
	char want[10];
	const char *why = attack_doors_expected(ctx->config, rep->doors[0] ? rep->doors : NULL,
						want);
	bool ring0_only = strlen(rep->doors) == 9;
	int d = 0;

	/* '?': the table allows either outcome (the negative control's door 9). */
	while (d < 9 && rep->doors[d] && (rep->doors[d] == want[d] || want[d] == '?'))
		d++;
	for (int i = d; ring0_only && i < 9; i++)
		if (rep->doors[i] != want[i] && want[i] != '?' && !strchr(ring0_doors, '1' + i))
			ring0_only = false;
	if (d < 9 && ring0_only && cpu_quirks.ring0_ignores_ad) {
		deviation(ctx, "pku.ring0_ignores_ad", "doors %s, expected %s: ring 0 reads through "
			  "AD, so the kernel's own key checks do not hold", rep->doors, want);
		snprintf(ctx->reason, sizeof(ctx->reason), "deviation pku.ring0_ignores_ad");
		return OUTCOME_SKIP;
	}
	if (check(ctx, strlen(rep->doors) == 9 && d == 9,
		  "doors %s, expected %s: door %d is %c, the table says %c (%s)",
		  rep->doors[0] ? rep->doors : "(no '" LINUX_DOORS_PREFIX "' line)", want, d + 1,
		  rep->doors[d] ? rep->doors[d] : '-', want[d < 9 ? d : 8], why ? why : "?"))
		diag("attack doors 1-9: %s, as the door table says (pkru_guard=%#x)", rep->doors,
		     kargs.pkru_guard);
	return verdict(ctx);
}

static enum outcome linux_run_program(struct scenario_ctx *ctx);

/*
 * Where its threads and children went, said when that was more than CPU
 * 0.  Linux's pkey selftests run with their threads spread over the CPUs
 * (issue 22): with more than one CPU able to run tasks, some of their
 * threads must have been placed off CPU 0, or the cell checked nothing
 * that SMP adds.
 */
static const char *const spread_programs[] = { "protection_keys", "pkey_sighandler_tests" };

static void placement_check(struct scenario_ctx *ctx, const char *name,
			    const struct linux_report *rep)
{
	char buf[96];
	int n = 0, off0 = 0;

	for (u32 cpu = 0; cpu < MAX_CPUS; cpu++) {
		off0 += cpu ? rep->placed[cpu] : 0;
		if (rep->placed[cpu] && n < (int)sizeof(buf))
			n += snprintf(buf + n, sizeof(buf) - n, "%scpu%u %d", n ? ", " : "", cpu,
				      rep->placed[cpu]);
	}
	if (off0)
		diag("%s: its threads and children were placed on %s", name, buf);
	if (smp_task_cpus() < 2 || smp_cpu_unfit(1))
		return;
	for (u32 i = 0; i < ARRAY_SIZE(spread_programs); i++)
		if (!strcmp(name, spread_programs[i]))
			check(ctx, off0 > 0, "%d CPUs in use, yet none of its threads was placed off "
			      "cpu0 (%d on cpu0)", smp_task_cpus(), rep->placed[0]);
}

/*
 * linux.attack_guarded and linux.attack_forced (attack.c under other
 * names) run with every pkru_guard= guard on, and with pkru_guard=force;
 * linux.guard_force (the force guard entry by entry) with force too: added
 * to whatever the command line gave, for the time of the cell.
 */
static enum outcome linux_run(struct scenario_ctx *ctx)
{
	const char *name = linux_program(ctx->instance)->name;
	u32 guards = kargs.pkru_guard;
	enum outcome o;

	if (!strcmp(name, "attack_guarded")) {
		kargs.pkru_guard |= PKRU_GUARD_ALL;
		signal_policy_changed();
	} else if (!strcmp(name, "attack_forced") || !strcmp(name, "guard_force")) {
		kargs.pkru_guard |= PKRU_GUARD_FORCE;
		signal_policy_changed();
	}
	o = linux_run_program(ctx);
	if (kargs.pkru_guard != guards) {
		kargs.pkru_guard = guards;
		signal_policy_changed();
	}
	return o;
}

static enum outcome linux_run_program(struct scenario_ctx *ctx)
{
	const char *dev;
	const struct linux_program *prog = linux_program(ctx->instance);
	struct linux_report rep;
	const char *why = NULL;
	struct task *t;
	u64 free_before;

	if (!prog->image)
		return skip(ctx, "program %s not loaded (no module2 line)", prog->name);
	if ((why = cpu_lacks_for(prog->name)))
		return skip(ctx, "%s", why);
	if (!apic_timer_hz())
		return skip(ctx, "no calibrated local APIC timer: tasks need the tick");
	if (!strategy_activate(ctx->config, &why))
		return skip(ctx, "%s", why);
	free_before = mm_free_pages();
	t = linux_exec(prog, &why);
	if (!check(ctx, t != NULL, "cannot run it: %s", why)) {
		strategy_deactivate();
		return verdict(ctx);
	}
	/* Its threads and children spread over every CPU (kernel/linux/cpu.c). */
	smp_spread_new_tasks = true;
	tasks_run(RUN_TIMEOUT_MS);
	smp_spread_new_tasks = false;
	linux_finish(&rep);
	tasks_reset();
	strategy_deactivate();
	/* Every page of the process, its page tables included, is given back. */
	check(ctx, mm_free_pages() == free_before, "%lld pages not freed after the process",
	      (long long)(free_before - mm_free_pages()));

	if (rep.processes > 1)
		diag("%s: %d processes, %d of them reaped by the cell (the first one and the orphans)",
		     prog->name, rep.processes, rep.reaped);
	placement_check(ctx, prog->name, &rep);
	if (rep.skipped || rep.warnings)
		diag("%s: %d [SKIP] and %d [WARN] lines of its own", prog->name, rep.skipped,
		     rep.warnings);
	if (rep.exit_code == KSFT_SKIP && !ctx->failures)
		return skip(ctx, "the program skipped (exit 4): %s", rep.last_line);
	if (rep.exit_code < 0) {
		long sig = TASK_EXIT_SIGNALLED(0) - rep.exit_code;

		/* Where it died: after its last ok line, at its first failing one. */
		check(ctx, false, "killed by %s (signal %ld) after %d ok, %d not ok: %s%s%s%s%s%s%s",
		      signal_name(sig), sig, rep.ok, rep.not_ok,
		      rep.exit_reason[0] ? rep.exit_reason : "-",
		      rep.last_ok[0] ? "; last ok: " : "", rep.last_ok,
		      rep.not_ok ? "; first failure: " : "", rep.not_ok ? rep.first_not_ok : "",
		      rep.last_run[0] ? "; in " : "", rep.last_run);
	} else if (rep.not_ok && (dev = deviation_explaining(rep.first_not_ok))) {
		deviation(ctx, dev, "%d of %d sub-tests failed, the first: %s", rep.not_ok,
			  rep.ok + rep.not_ok, rep.first_not_ok);
		snprintf(ctx->reason, sizeof(ctx->reason), "deviation %s", dev);
		return OUTCOME_SKIP;
	} else if (rep.not_ok) {
		check(ctx, false, "exit status %ld, %d of %d sub-tests failed, the first: %s",
		      rep.exit_code, rep.not_ok, rep.ok + rep.not_ok, rep.first_not_ok);
	} else if (rep.plan && rep.ok < rep.plan) {
		/*
		 * Exit status 0, yet results missing: its own output was lost
		 * (e.g. write() was EFAULT under a PKRU another thread left
		 * behind, the unmanaged design's way to break) -- never a pass.
		 */
		check(ctx, false, "exit status %ld, but %d of the %d sub-tests its plan announced "
		      "reported (output lost?), its last line: %s", rep.exit_code, rep.ok, rep.plan,
		      rep.last_line);
	} else {
		check(ctx, rep.exit_code == 0, "exit status %ld (%d sub-tests ok), its last line: %s%s%s",
		      rep.exit_code, rep.ok, rep.last_line, rep.last_run[0] ? "; in " : "",
		      rep.last_run);
	}
	if (!ctx->failures && !strncmp(prog->name, "attack", 6))
		return attack_check(ctx, &rep);
	return verdict(ctx);
}

SCENARIO_FAMILY(linux, linux_run, linux_instance, linux_instance_checks,
		"a static Linux program from the image runs to exit status 0", SCN_PER_CONFIG);
