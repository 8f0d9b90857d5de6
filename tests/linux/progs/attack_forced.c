/*
 * attack_forced: tests/linux/progs/attack.c under a third name.  pkrulab
 * runs its cells, linux.attack_forced[CONFIG], with pkru_guard=force
 * added (tests/linux/linux.c): PKRU is the kernel's, and a change made in
 * ring 3 kills the process at its next kernel entry.  attack.c never
 * executes WRPKRU (it drops K's rights through pkey_alloc's init_val), so
 * it runs to its end under force, and each door shows what force closes
 * (rt_sigreturn) and what it cannot (an XRSTOR undone before the next
 * kernel entry).  Under Linux it is the same program as attack.
 */
#include "attack.c"
