/*
 * The run's parameters: the kernel command line, parsed once at boot
 * (kernel/params.c) and read by everything that the arguments steer.
 */
#ifndef KERNEL_PARAMS_H
#define KERNEL_PARAMS_H

#include <asm/types.h>
#include <kernel/cmdline.h>

extern struct kargs kargs;

static inline bool inject_active(enum inject_bug b) { return kargs.inject == b; }
/* Does the injected bug break this kernel path (INJECT_HOOK_*)?  Hot paths ask this. */
static inline bool inject_hooked(u32 hook) { return kargs.inject_hooks & hook; }
/* Is this pkru_guard= guard (PKRU_GUARD_*) on?  Off the hot paths: callers test once. */
/* An injected bug (inject=no_guard_*) may disable one: its check is then skipped. */
static inline bool pkru_guard_on(u32 guard)
{
	return (kargs.pkru_guard & guard) && !(kargs.inject_hooks & INJECT_HOOK_NO_GUARD(guard));
}

/*
 * Parse the boot loader's command line, then the one run-qemu.sh passes
 * through fw_cfg (NULL: none) on top of it.  A bad argument is reported
 * by name and ends the run with EXIT_STATUS_HARNESS.
 */
void params_init(const char *loader_cmdline, const char *fw_cmdline);

#endif
