/* The run's parameters (kernel/include/kernel/params.h). */
#include <kernel/console.h>
#include <kernel/panic.h>
#include <kernel/params.h>

struct kargs kargs;

void params_init(const char *loader, const char *fw)
{
	char err[KARGS_ERR_LEN], fw_err[KARGS_ERR_LEN];
	int bad_loader, bad_fw = 0;

	/*
	 * Both command lines are parsed before either error is reported, so
	 * that exit=qemu from run-qemu.sh still applies when a GRUB argument
	 * is bad and the run ends with status 2 instead of hanging.
	 */
	kargs_defaults(&kargs);
	bad_loader = kargs_parse(&kargs, loader, err, sizeof(err));
	if (fw)
		bad_fw = kargs_parse(&kargs, fw, fw_err, sizeof(fw_err));
	printk("# cmdline: %s%s%s\n", loader ? loader : "", fw ? " " : "", fw ? fw : "");
	if (bad_loader)
		printk("pkrulab: bad kernel argument: %s\n", err);
	if (bad_fw)
		printk("pkrulab: bad kernel argument: %s\n", fw_err);
	if (bad_loader || bad_fw)
		panic("bad kernel argument");
}
