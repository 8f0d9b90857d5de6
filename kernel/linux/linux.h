/*
 * The Linux x86-64 personality (kernel/linux/), as the tests see it: a
 * static Linux executable, delivered as a GRUB module2 (or named in the
 * image and missing), runs as a ring-3 task that makes Linux system calls.
 * It may fork: each process has an address space of its own, and the cell
 * waits for the whole tree of processes, reaping the orphans as init
 * would.  Its tasks have the Linux ABI (kernel/linux/abi.c); the core
 * kernel knows them only through <kernel/abi.h>.
 */
#ifndef KERNEL_LINUX_LINUX_H
#define KERNEL_LINUX_LINUX_H

#include <asm/smp.h>
#include <asm/types.h>
#include <kernel/task.h>

/*
 * A program of the image: built in (its name compiled into the kernel) or
 * added by a module2 line.  image is NULL for a built-in one the boot
 * loader did not load: its cells SKIP.
 */
struct linux_program {
	const char *name;
	const void *image;
	u64 size;
};

/* The built-in programs and up to MB2_MAX_MODULES more. */
#define LINUX_MAX_PROGRAMS	128

int linux_nr_programs(void);
const struct linux_program *linux_program(int i);

/* What a finished program (its whole tree of processes) did, for its verdict. */
/* The line in which an attack program gives its doors' outcomes, one letter each. */
#define LINUX_DOORS_PREFIX	"# attack doors 1-9: "

struct linux_report {
	/*
	 * As struct task: >= 0 status, else signalled.  The first process's,
	 * unless that is 0 and a process the cell reaped (an orphan) ended
	 * otherwise: then the first such one's.
	 */
	long exit_code;
	char exit_reason[96];
	int processes;			/* created (the first one and its forks) */
	int reaped;			/* ...of which the cell reaped, as init (the orphans and the first) */
	int lines, ok, not_ok;		/* output lines, its own "ok N" / "not ok N" */
	int skipped, warnings;		/* its "[SKIP]" / "[WARN]" lines (x86 selftests) */
	char last_run[96];		/* its last "[RUN]" line: the sub-test a death came in */
	int plan;			/* its first TAP/KTAP plan "1..N" (0: none) */
	char first_not_ok[96];		/* the first "not ok" line */
	char last_ok[96];		/* the last "ok" line: a death came in the sub-test after it */
	char last_line[96];		/* the last line it printed */
	char doors[16];			/* an attack program's "# attack doors 1-9: " letters */
	int unknown_syscalls;		/* distinct numbers answered -ENOSYS unknown */
	int placed[MAX_CPUS];		/* threads and children created, by the CPU they went to */
};

/*
 * Load prog into the Linux region and create its task (not yet run),
 * with argv = { name }, a small environment and the auxiliary vector.
 * NULL with *why set if it cannot run.
 */
struct task *linux_exec(const struct linux_program *prog, const char **why);
/* After tasks_run(): the program's report; every process left is freed. */
void linux_finish(struct linux_report *rep);

#endif
