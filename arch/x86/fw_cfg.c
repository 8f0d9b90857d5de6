/*
 * QEMU fw_cfg, read through the legacy I/O ports.  run-qemu.sh passes the
 * kernel arguments as the fw_cfg file "opt/pkrulab/cmdline" so that one
 * ISO serves every run without rebuilding its grub.cfg; the kernel appends
 * them after the GRUB command line.  Only touched when CPUID says we run
 * under a hypervisor, so bare metal never sees writes to port 0x510.
 */
#include <asm/cpufeature.h>
#include <asm/processor.h>
#include <asm/fw_cfg.h>
#include <kernel/panic.h>
#include <kernel/string.h>

#define FW_CFG_PORT_SEL		0x510
#define FW_CFG_PORT_DATA	0x511
#define FW_CFG_SIGNATURE	0x0000
#define FW_CFG_FILE_DIR		0x0019
#define FW_CFG_NAME_LEN		56
#define FW_CFG_MAX_FILES	4096

#define PKRULAB_FILE		"opt/pkrulab/cmdline"

static char fw_cmdline[1024];

static void fw_cfg_read(void *buf, u32 len)
{
	u8 *p = buf;

	while (len--)
		*p++ = inb(FW_CFG_PORT_DATA);
}

static u32 be32(u32 v) { return __builtin_bswap32(v); }
static u16 be16(u16 v) { return __builtin_bswap16(v); }

/* Read fw_cfg file "name" into buf (NUL-terminated): its length, -1 if
 * absent, -2 if it does not fit. */
static int fw_cfg_file(const char *name, char *buf, u32 size)
{
	char sig[4];
	u32 count;

	if (!cpu_has(X86_FEATURE_HYPERVISOR))
		return -1;
	outw(FW_CFG_PORT_SEL, FW_CFG_SIGNATURE);
	fw_cfg_read(sig, sizeof(sig));
	if (memcmp(sig, "QEMU", 4))
		return -1;

	outw(FW_CFG_PORT_SEL, FW_CFG_FILE_DIR);
	fw_cfg_read(&count, sizeof(count));
	count = be32(count);
	if (count > FW_CFG_MAX_FILES)
		return -1;
	for (u32 i = 0; i < count; i++) {
		struct { u32 size; u16 select, reserved; char name[FW_CFG_NAME_LEN]; } f;
		u32 len;

		fw_cfg_read(&f, sizeof(f));
		f.name[FW_CFG_NAME_LEN - 1] = 0;
		if (strcmp(f.name, name))
			continue;
		len = be32(f.size);
		if (len >= size)
			return -2;
		outw(FW_CFG_PORT_SEL, be16(f.select));
		fw_cfg_read(buf, len);
		buf[len] = 0;
		return len;
	}
	return -1;
}

const char *fw_cfg_cmdline(void)
{
	int n = fw_cfg_file(PKRULAB_FILE, fw_cmdline, sizeof(fw_cmdline));

	if (n == -2)
		panic("fw_cfg " PKRULAB_FILE " is longer than 1023 bytes");
	return n >= 0 ? fw_cmdline : NULL;
}

bool fw_cfg_icount(void)
{
	char flag[4];

	return fw_cfg_file("opt/pkrulab/icount", flag, sizeof(flag)) >= 0;
}
