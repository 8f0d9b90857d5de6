/*
 * Kernel command line: key=value words from GRUB and from QEMU fw_cfg.
 *
 * The parser is pure C with no kernel dependencies so that it compiles for
 * the host too and is unit tested there (tests/host/test_cmdline.c).  Every
 * argument is validated: an unknown key or a malformed value makes
 * kargs_parse() fail with a message that names the offending argument, and
 * the kernel then stops with a harness error instead of running with a
 * guess.
 */
#ifndef PKRULAB_CMDLINE_H
#define PKRULAB_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kernel/glob.h>

#define KARGS_MAX_GLOBS 16
#define KARGS_GLOB_LEN  64
#define KARGS_ERR_LEN   512

/* The PKRU switching configurations, registered in strategy/list.h. */
enum pkru_config {
#define STRATEGY(E, name) CONFIG_##E,
#include "kernel/strategy/list.h"
#undef STRATEGY
	NR_CONFIGS
};
#define CONFIG_MASK_ALL ((1u << NR_CONFIGS) - 1)

/* Kernel paths an injected bug breaks (the hooks field of inject_list.h). */
#define INJECT_HOOK_SWITCH_IN	(1u << 0)	/* task init and switch-in of explicit/hybrid */
#define INJECT_HOOK_FPU_RESET	(1u << 1)
#define INJECT_HOOK_SIGFRAME	(1u << 2)	/* writing the signal frame */
#define INJECT_HOOK_SIGRETURN	(1u << 3)
#define INJECT_HOOK_CPU_SETUP	(1u << 4)	/* boot: CR4 */
#define INJECT_HOOK_TEST	(1u << 5)	/* only a scenario's own code */
/* The pkru_guard= guard g (PKRU_GUARD_*) is disabled: its check is skipped. */
#define INJECT_HOOK_NO_GUARD(g)	((g) << 8)
#define INJECT_HOOK_KERNEL_FPU	(1u << 6)	/* kernel_fpu_begin()/end() */

/* Injected bugs, declared in inject_list.h.  INJECT_NONE is 0. */
enum inject_bug {
	INJECT_NONE,
#define INJECT(E, name, hooks, tests, help) INJECT_##E,
#include "kernel/inject_list.h"
#undef INJECT
	NR_INJECTS
};

enum exit_mode { EXIT_HALT, EXIT_QEMU, EXIT_REBOOT, EXIT_POWEROFF };

enum handler_pkru_policy {
	HANDLER_PKRU_INIT,	/* 0x55555554, as Linux's init_pkru */
	HANDLER_PKRU_INHERIT,
	HANDLER_PKRU_VALUE,
};

enum sigframe_pkru_policy { SIGFRAME_PKRU_HW, SIGFRAME_PKRU_SOFT, SIGFRAME_PKRU_NONE };

/*
 * Which Linux release's signal delivery the kernel follows where they
 * differ for PKRU (kernel/signal.c's header has the facts): linux612 (and
 * 6.13+) writes the frame with every key enabled and puts the interrupted
 * PKRU into it with XSTATE_BV[9] set; linux61 writes it under the
 * interrupted PKRU and leaves component 9 as XSAVE wrote it.
 */
enum signal_abi { SIGNAL_ABI_LINUX612, SIGNAL_ABI_LINUX61 };

/*
 * pkru_guard= (issue 23): each guard closes one class of doors through
 * which code that never executes WRPKRU reaches memory its PKRU denies.
 * Bit order = the names' order in cmdline.c.  all: every implemented
 * guard (not audit, not force); audit: log each PKRU change through
 * sigreturn (the seed's "surveillance").  force (PKRU owned by the
 * kernel, checked at each kernel entry) is named but not implemented: the
 * parser refuses it, saying so.
 */
#define PKRU_GUARD_SIGRETURN	(1u << 0)
#define PKRU_GUARD_ALTSTACK	(1u << 1)
#define PKRU_GUARD_REKEY	(1u << 2)
#define PKRU_GUARD_PKEY_FREE	(1u << 3)
#define PKRU_GUARD_PTRACE	(1u << 4)
#define PKRU_GUARD_REMOTE	(1u << 5)
#define PKRU_GUARD_FORCE	(1u << 6)
#define PKRU_GUARD_AUDIT	(1u << 7)
#define NR_PKRU_GUARDS		8
#define PKRU_GUARD_ALL		0x3fu

#include <kernel/console-ids.h>

#define TIMER_HZ_MIN 10
#define TIMER_HZ_MAX 10000
/* smp=N: the first N CPUs of the MADT (0: every one it lists, the default). */
#define SMP_CPUS_MAX 64
/* watchdog_s=: seconds without progress that make a lock-up. */
#define WATCHDOG_S_MIN 1
#define WATCHDOG_S_MAX 600
#define DEFAULT_WATCHDOG_S 10
#define BENCH_ITERS_MIN 1
#define BENCH_ITERS_MAX 1000000

struct kargs {
	uint32_t configs;		/* bit mask of enum pkru_config */
	int ntests;			/* 0 means tests=none */
	char tests[KARGS_MAX_GLOBS][KARGS_GLOB_LEN];
	int nbench;			/* 0 means bench=none (the default) */
	char bench[KARGS_MAX_GLOBS][KARGS_GLOB_LEN];
	uint32_t bench_iters;
	int nxfail;			/* xfail=: cells declared expected to fail */
	char xfail[KARGS_MAX_GLOBS][KARGS_GLOB_LEN];
	enum inject_bug inject;
	uint32_t inject_hooks;		/* INJECT_HOOK_* of inject, set with it */
	enum handler_pkru_policy handler_pkru;
	uint32_t handler_pkru_value;	/* for HANDLER_PKRU_VALUE */
	enum sigframe_pkru_policy sigframe_pkru;
	bool sigframe_pkru_set;		/* false: per-configuration default */
	enum signal_abi signal_abi;
	uint32_t pkru_guard;		/* PKRU_GUARD_* */
	uint32_t timer_hz;
	uint32_t smp;			/* CPUs to use; 0: all the MADT lists */
	uint32_t watchdog_s;		/* lock-up after this long without progress */
	uint64_t seed;
	enum exit_mode exit_mode;
	uint32_t consoles;		/* CONSOLE_* mask */
	bool consoles_set;		/* false: auto-detect */
};

/* Defaults: every configuration, tests=*, bench=none, xfail=none, bench_iters=1000,
 * inject none, handler_pkru=init, signal_abi=linux612, timer_hz=1000, smp=all,
 * watchdog_s=10, seed=1, exit=halt. */
void kargs_defaults(struct kargs *ka);

/*
 * Parse a whitespace-separated "key=value" list on top of *ka (call
 * kargs_defaults() first; parsing twice layers a second command line over
 * the first, a later key overriding an earlier one).  A first word that
 * starts with '/' or '(' is a boot-loader path and is skipped.  Returns 0,
 * or -1 with a NUL-terminated message in err naming the bad argument.
 */
int kargs_parse(struct kargs *ka, const char *cmdline, char *err, size_t errlen);


/*
 * Does any tests= (bench=) glob select this scenario (benchmark) name?  An
 * opt-in name (linux.x86_*) only by a glob that begins with its prefix.
 */
bool kargs_test_selected(const struct kargs *ka, const char *name);
bool kargs_bench_selected(const struct kargs *ka, const char *name);
/* Does an xfail= glob name this cell ("id" or "id[config]")? */
bool kargs_xfail_selected(const struct kargs *ka, const char *name);

/* Name tables, also used by the report. */
const char *config_name(enum pkru_config c);
const char *inject_name(enum inject_bug b);
/* INJECT_HOOK_* mask of an injected bug (0 for none or out of range). */
uint32_t inject_hooks(enum inject_bug b);
const char *exit_mode_name(enum exit_mode m);
const char *sigframe_pkru_name(enum sigframe_pkru_policy p);
const char *signal_abi_name(enum signal_abi a);
/* The name of one PKRU_GUARD_* bit (its index), or "?". */
const char *pkru_guard_name(int bit);

#endif
