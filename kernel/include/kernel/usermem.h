/*
 * Scratch user pages for scenarios: slot n is the 4 KiB page at
 * USER_SCRATCH_VA + n * 4 KiB, backed by a fresh zeroed physical page,
 * mapped U/S=1 with the requested protection key, no-execute (where the
 * CPU has NX) unless extra_flags has USER_SLOT_EXEC.
 */
#ifndef KERNEL_USERMEM_H
#define KERNEL_USERMEM_H

#include <asm/pgtable.h>
#include <asm/types.h>

#define USER_SLOTS	64
#define USER_SLOT_STACK	(USER_SLOTS - 1)	/* probe stack, key 0 */
/* user_slot_map(): an executable page (a PTE bit the CPU ignores, taken out). */
#define USER_SLOT_EXEC	(1ull << 9)

void *user_slot_map(int slot, int pkey, u64 extra_flags);
void user_slot_unmap(int slot);
void *user_slot_va(int slot);
/* Top of a mapped user stack for user_run() probes. */
void *user_probe_stack(void);

#endif
