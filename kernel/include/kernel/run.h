/*
 * The workload kmain() hands the booted machine to: run every selected
 * scenario and benchmark, print the summary, return the exit status
 * (tests/lib/runner.c).  The one call from the kernel into tests/, as
 * the boot code's call of kmain() is the one call upward from boot/.
 */
#ifndef KERNEL_RUN_H
#define KERNEL_RUN_H

int run_tests(void);

#endif
