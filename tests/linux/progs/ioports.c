/*
 * ioports: what ioperm and iopl give a pkrulab process (kernel/linux/cpu.c)
 * and what they never give: the ports pkrulab's kernel drives or that end
 * the run (arch/x86/ioport.c).  ioperm of QEMU's isa-debug-exit port or of
 * COM1 is EPERM; under iopl(3) an OUT to them, the run's own exit write
 * included, is a #GP (SIGSEGV, SI_KERNEL, trap 13) and the process goes on;
 * an access that runs past port 0xffff meets the bitmap's closing byte;
 * fork keeps the rights, iopl(0) goes back to the ioperm bitmap, closing
 * the last port drops it, and a child's rights are not its parent's once
 * the scheduler switches back (the TSS bitmap follows the process).  Under Linux itself (as root) these
 * writes would end the machine: the program SKIPs anywhere but pkrulab.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/io.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>
#include "ptest.h"

#define PORT_POST	0x80	/* POST codes: nothing in QEMU listens */
#define PORT_FREE	0xed	/* the other "delay" port: free */
#define PORT_EXIT	0xf4	/* QEMU isa-debug-exit: a write ends QEMU */
#define PORT_COM1	0x3f8	/* the console */
#define PORT_PIC1_DATA	0x21	/* the interrupt mask */
#define PORT_LAST	0xffff
#define TRAP_GP		13

static sigjmp_buf env;
static volatile int got_code, got_trap;

static void on_segv(int sig __attribute__((unused)), siginfo_t *si, void *ctx)
{
	got_code = si->si_code;
	got_trap = (int)((ucontext_t *)ctx)->uc_mcontext.gregs[REG_TRAPNO];
	siglongjmp(env, 1);
}

/* 1: the access ran; 0: it was a #GP, as a closed port gives; -1: another signal. */
static int try_io(int width, unsigned short port, int out)
{
	got_code = got_trap = 0;
	if (sigsetjmp(env, 1))
		return got_code == SI_KERNEL && got_trap == TRAP_GP ? 0 : -1;
	if (!out)
		inb(port);
	else if (width == 4)
		outl(0, port);
	else
		outb(0, port);
	return 1;
}

static int eperm(int r) { return r == -1 && errno == EPERM; }

static void under_iopl3(void)
{
	ok(try_io(4, PORT_EXIT, 1) == 0, "iopl(3): outl to isa-debug-exit (0xf4) is a #GP");
	ok(try_io(1, PORT_COM1, 1) == 0, "iopl(3): outb to COM1 (0x3f8) is a #GP");
	ok(try_io(1, PORT_PIC1_DATA, 0) == 0, "iopl(3): inb from the PIC's mask (0x21) is a #GP");
	ok(try_io(1, PORT_FREE, 1) == 1, "iopl(3): outb to 0xed works");
	ok(try_io(4, PORT_LAST, 1) == 0, "iopl(3): outl at 0xffff runs past the ports: #GP");
	ok(try_io(1, PORT_LAST, 1) == 1, "iopl(3): outb to 0xffff works");
}

int main(void)
{
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_NODEFER };
	struct utsname u;
	int status, up[2], down[2];
	char byte = 0;
	pid_t pid;

	if (uname(&u) || !strstr(u.release, "pkrulab")) {
		printf("# SKIP: these writes would end a real machine (not pkrulab)\n");
		return KSFT_SKIP;
	}
	sigaction(SIGSEGV, &sa, NULL);
	ok(try_io(1, PORT_POST, 1) == 0, "no rights: outb to 0x80 is a #GP");
	ok(eperm(ioperm(PORT_EXIT, 4, 1)), "ioperm of isa-debug-exit is EPERM");
	ok(eperm(ioperm(PORT_COM1 - 8, 16, 1)), "ioperm of a range holding COM1 is EPERM");
	ok(ioperm(PORT_POST, 1, 1) == 0, "ioperm(0x80, 1, 1)");
	ok(try_io(1, PORT_POST, 1) == 1 && try_io(1, PORT_FREE, 1) == 0, "0x80 open, 0xed closed");
	ok(iopl(3) == 0, "iopl(3)");
	under_iopl3();
	pid = fork();
	if (pid == 0)
		_exit(try_io(1, PORT_FREE, 1) == 1 && try_io(4, PORT_EXIT, 1) == 0 ? 0 : 1);
	ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	   WEXITSTATUS(status) == 0, "fork: the child has iopl(3)'s ports, not the kernel's");
	ok(try_io(1, PORT_FREE, 1) == 1, "the parent keeps them after the child ran and ended");
	ok(iopl(0) == 0, "iopl(0)");
	ok(try_io(1, PORT_POST, 1) == 1 && try_io(1, PORT_FREE, 1) == 0,
	   "after iopl(0): the ioperm bitmap again (0x80 open, 0xed closed)");
	ok(ioperm(PORT_POST, 1, 0) == 0 && try_io(1, PORT_POST, 1) == 0,
	   "ioperm(0x80, 1, 0): the last open port closed");
	ok(try_io(1, PORT_COM1, 0) == 0 && try_io(1, PORT_EXIT, 0) == 0, "no rights left");
	/*
	 * The rights go with the process: while a child that has iopl(3)
	 * waits on a pipe, the parent it switched back to has none.
	 */
	if (pipe(up) || pipe(down))
		return 1;
	pid = fork();
	if (pid == 0) {
		char c = iopl(3) == 0 && try_io(1, PORT_FREE, 1) == 1;

		if (write(up[1], &c, 1) != 1 || read(down[0], &c, 1) != 1)
			_exit(2);
		_exit(try_io(1, PORT_FREE, 1) == 1 ? 0 : 1);
	}
	ok(pid > 0 && read(up[0], &byte, 1) == 1 && byte == 1, "the child took iopl(3)");
	ok(try_io(1, PORT_FREE, 1) == 0, "...and the parent, switched back to, has no rights");
	ok(write(down[1], &byte, 1) == 1 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	   WEXITSTATUS(status) == 0, "...and the child has them again after the switch back");
	return ptest_done("ioports");
}
