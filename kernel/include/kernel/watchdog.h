/*
 * The lock-up detector (kernel/watchdog.c): an application processor
 * watches the boot CPU.  Progress is a timer tick (jiffies), a line on the
 * console or a cell starting (watchdog_touch()); when none comes for
 * watchdog_s= seconds (default 10) the AP sends the boot CPU an NMI, which names
 * the stuck RIP and the cell, fails that cell and ends the run with the
 * summary line (the runner's lock-up hook) instead of a silent hang.
 */
#ifndef KERNEL_WATCHDOG_H
#define KERNEL_WATCHDOG_H

#include <asm/ptrace.h>
#include <asm/types.h>

#define WATCHDOG_HZ		10

/* Start it on CPU 1, if there is one, with a lock-up after seconds without
 * progress; false (with the reason printed) if not. */
bool watchdog_start(u32 seconds);
bool watchdog_running(void);
void watchdog_touch(void);
/*
 * The runner's end of a lock-up: report the running cell as failed with
 * why, close the report; returns the exit status.
 */
void watchdog_set_lockup_hook(int (*hook)(const char *why));
/*
 * Called at each of the watchdog CPU's ticks (WATCHDOG_HZ), from its
 * interrupt handler, without the kernel lock; NULL for none.
 */
void watchdog_set_tick_hook(void (*hook)(void));
/* A lock-up found elsewhere (a CPU that waited too long for the kernel
 * lock): reported, the hook run, the run ended. */
__noreturn void watchdog_lockup(const char *why);
/*
 * The detector's self-test: with expect set, a lock-up of ms milliseconds
 * is reported to the caller (*rip: where cpu0 was) instead of ending the
 * run.  Returns whether one was seen since the last call.
 */
void watchdog_expect(bool expect, u32 ms);
bool watchdog_seen(u64 *rip);

#endif
