/*
 * attack_guarded: tests/linux/progs/attack.c under another name.  pkrulab
 * runs its cells, linux.attack_guarded[CONFIG], with every pkru_guard=
 * guard on (tests/linux/linux.c adds pkru_guard=all for the cell), so
 * that the default run shows the doors both open (linux.attack) and
 * closed, and an injected bug or a mutant that disables a guard is seen
 * there.  Under Linux it is the same program as attack.
 */
#include "attack.c"
