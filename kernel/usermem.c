/* Scratch user pages for scenarios (see <kernel/usermem.h>). */
#include <kernel/panic.h>
#include <kernel/mm.h>
#include <kernel/usermem.h>

void *user_slot_va(int slot)
{
	if (slot < 0 || slot >= USER_SLOTS)
		panic("user slot out of range");
	return (void *)(USER_SCRATCH_VA + (u64)slot * PAGE_SIZE);
}

void *user_slot_map(int slot, int pkey, u64 extra_flags)
{
	u64 va = (u64)user_slot_va(slot);

	user_slot_unmap(slot);
	/* Data (no-execute) unless the caller asks for code. */
	extra_flags = extra_flags & USER_SLOT_EXEC ? extra_flags & ~USER_SLOT_EXEC
						     : extra_flags | pte_nx();
	map_page(va, (u64)page_alloc(), PTE_U | PTE_W | PTE_PKEY(pkey) | extra_flags);
	return (void *)va;
}

void user_slot_unmap(int slot)
{
	u64 va = (u64)user_slot_va(slot);
	pte_t *pte = lookup_pte(va);

	if (!pte)
		return;
	page_free((void *)(*pte & PTE_ADDR_MASK));
	unmap_page(va);
}

void *user_probe_stack(void)
{
	u64 va = (u64)user_slot_va(USER_SLOT_STACK);

	if (!lookup_pte(va))
		user_slot_map(USER_SLOT_STACK, 0, 0);
	return (void *)(va + PAGE_SIZE);
}
