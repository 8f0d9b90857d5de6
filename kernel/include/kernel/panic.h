/*
 * How a run ends (kernel/panic.c).  Exit statuses follow run-qemu.sh:
 * 0 every cell matched its expectation, 1 a cell did not, 2 the run
 * itself failed.  panic() is the leaf every layer may call when it cannot
 * go on; whoever runs the workload (the scenario runner) hooks in to
 * print what it has so far before the machine stops.  Before a hook is
 * set nothing has run, and panic() prints the all-zero summary line.
 */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include <asm/types.h>

#define EXIT_STATUS_OK		0
#define EXIT_STATUS_MISMATCH	1
#define EXIT_STATUS_HARNESS	2

/* Report why, run the hook, end with EXIT_STATUS_HARNESS. */
__noreturn void panic(const char *why);
/* Called once by panic() before the machine stops (NULL: none). */
void panic_set_hook(void (*hook)(void));
/* End the run with a status, the way exit= asks. */
__noreturn void kernel_exit(int status);

#endif
