/* QEMU's fw_cfg device (arch/x86/fw_cfg.c): how run-qemu.sh talks to the kernel. */
#ifndef ASM_X86_FW_CFG_H
#define ASM_X86_FW_CFG_H

#include <asm/types.h>

/* The extra command line run-qemu.sh passes (opt/pkrulab/cmdline), or NULL. */
const char *fw_cfg_cmdline(void);
/* run-qemu.sh --icount says so (opt/pkrulab/icount): TSC = instructions. */
bool fw_cfg_icount(void);

#endif
