/*
 * Run-wide state and the ways a run ends.  Exit status follows
 * run-qemu.sh: 0 every cell matched its expectation, 1 a cell did not,
 * 2 the run itself failed (harness error).
 */
#ifndef KERNEL_HARNESS_H
#define KERNEL_HARNESS_H

#include <asm/types.h>
#include <kernel/cmdline.h>

#define EXIT_STATUS_OK		0
#define EXIT_STATUS_MISMATCH	1
#define EXIT_STATUS_HARNESS	2

extern struct kargs kargs;

static inline bool inject_active(enum inject_bug b) { return kargs.inject == b; }

/* Print the reason and the summary so far, then end with status 2. */
__noreturn void harness_error(const char *why);
/* End the run the way exit= asks; never returns. */
__noreturn void harness_exit(int status);

/* QEMU fw_cfg: the extra command line run-qemu.sh passes (or NULL). */
const char *fw_cfg_cmdline(void);
/* run-qemu.sh --icount says so through fw_cfg: TSC = instructions. */
bool fw_cfg_icount(void);

#endif

/*
 * Put the CPU back in the state scenarios start from: PKRU 0, the default
 * XCR0, CR0.WP set, CR4.PKE as configured.  Run around every cell so that
 * one scenario's leftovers cannot decide another's verdict.
 */
void cpu_state_reset(void);
void cpu_state_reset_keep_xcr0(void);
/* CR4.PKE is on (PKU present and not inject=no_pke). */
bool pke_enabled(void);
