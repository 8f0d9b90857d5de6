/*
 * The PKRU switching configurations, one registration line each, in the
 * order they run and are reported: STRATEGY(ENUM, name) registers
 * CONFIG_<ENUM> and the descriptor strategy_<name>, which
 * kernel/strategy/<name>.c defines and which describes everything else
 * about it (struct pkru_strategy).  No include guard: every includer
 * defines STRATEGY() to take what it needs.  Host-compiled too (cmdline.c).
 */
STRATEGY(XSAVE, xsave)
STRATEGY(EXPLICIT, explicit)
STRATEGY(HYBRID, hybrid)
STRATEGY(XSAVE_DEFERRED, xsave_deferred)
STRATEGY(UNMANAGED, unmanaged)
