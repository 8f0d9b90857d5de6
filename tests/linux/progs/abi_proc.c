/*
 * linux.abi_proc: processes, files, time and the rest as Linux 6.12
 * answers them -- clone/clone3 and wait4 options, futex ops and flags
 * (a shared futex across fork), open/stat/lseek/readlink/ioctl flags,
 * pipe2 and vmsplice flags, getrandom, arch_prctl, prlimit64, clocks.
 */
#include "abi.h"
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>

#ifndef O_PATH
#define O_PATH 010000000
#endif
#ifndef O_TMPFILE
#define O_TMPFILE (020000000 | O_DIRECTORY)
#endif
#define O_NOTIFICATION_PIPE O_EXCL

static volatile int chld;
static void on_chld(int sig) { (void)sig; chld++; }

static long futex(void *w, int op, unsigned val, void *ts, unsigned val3)
{
	return syscall(SYS_futex, w, op, val, ts, NULL, val3);
}

static void clone_child(const char *name, unsigned long flags, int opt, const char *want)
{
	char what[96];
	long pid = syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
	int st;

	if (pid == 0)
		_exit(0);
	snprintf(what, sizeof(what), "%s: wait4 without __WCLONE/__WALL", name);
	SAY("%s: %s", what, res(waitpid(pid, &st, WNOHANG)));
	snprintf(what, sizeof(what), "%s: wait4 with the right option", name);
	expect(what, waitpid(pid, &st, opt) == pid ? "reaped" : strerrorname_np(errno), want);
}

static long clone3_raw(void *args, size_t size)
{
	return syscall(SYS_clone3, args, size);
}

int main(void)
{
	char buf[4096], got[64];
	struct clone_args ca;
	struct stat st;
	struct rlimit rl;
	struct timespec ts;
	struct utsname u;
	uint64_t v;
	int fd, pfd[2], n, status;
	long pid, rc;
	volatile uint32_t *w;

	setvbuf(stdout, NULL, _IOLBF, 0);

	/* clone3: its exit signal reaches the parent; argument checks. */
	signal(SIGCHLD, on_chld);
	memset(&ca, 0, sizeof(ca));
	ca.exit_signal = SIGCHLD;
	pid = clone3_raw(&ca, sizeof(ca));
	if (pid == 0)
		_exit(5);
	expect("clone3 exit_signal SIGCHLD: child's status",
	       waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 5 ? "5" : "other", "5");
	snprintf(got, sizeof(got), "%d", chld);
	expect("clone3 exit_signal SIGCHLD: SIGCHLDs at the parent", got, "1");
	signal(SIGCHLD, SIG_DFL);
	SAY("clone3 size 32: %s", res(clone3_raw(&ca, 32)));
	SAY("clone3 size 8192: %s", res(clone3_raw(&ca, 8192)));
	memset(buf, 0, sizeof(buf));
	memcpy(buf, &ca, sizeof(ca));
	buf[200] = 1;
	SAY("clone3 a longer struct, non-zero tail: %s", res(clone3_raw(buf, 256)));
	ca.exit_signal = 65;
	SAY("clone3 exit_signal 65: %s", res(clone3_raw(&ca, sizeof(ca))));
	ca.exit_signal = 0;
	ca.flags = SIGCHLD;
	SAY("clone3 CSIGNAL bits in flags: %s", res(clone3_raw(&ca, sizeof(ca))));
	ca.flags = CLONE_THREAD;
	SAY("clone3 CLONE_THREAD without CLONE_SIGHAND: %s", res(clone3_raw(&ca, sizeof(ca))));
	ca.flags = CLONE_SIGHAND;
	SAY("clone3 CLONE_SIGHAND without CLONE_VM: %s", res(clone3_raw(&ca, sizeof(ca))));
	ca.flags = 0;
	ca.stack_size = 4096;
	SAY("clone3 stack_size without stack: %s", res(clone3_raw(&ca, sizeof(ca))));
	SAY("clone CLONE_NEWNS|CLONE_FS: %s",
	    res(syscall(SYS_clone, CLONE_NEWNS | CLONE_FS | SIGCHLD, NULL, NULL, NULL, NULL)));

	/* wait4: a clone child (exit signal not SIGCHLD) only with __WCLONE or __WALL. */
	signal(SIGUSR1, on_chld);
	clone_child("clone exit signal 0", 0, __WALL, "reaped");
	clone_child("clone exit signal SIGUSR1", SIGUSR1, __WCLONE, "reaped");
	SAY("wait4 option WEXITED: %s", res(wait4(-1, &status, WEXITED, NULL)));
	SAY("wait4 option WNOWAIT: %s", res(wait4(-1, &status, WNOWAIT, NULL)));
	SAY("wait4 no children: %s", res(wait4(-1, &status, 0, NULL)));

	/* futex. */
	w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	SAY("futex unaligned: %s", res(futex((char *)w + 1, FUTEX_WAKE, 1, NULL, 0)));
	SAY("futex WAKE_BITSET bitset 0: %s", res(futex((void *)w, FUTEX_WAKE_BITSET, 1, NULL, 0)));
	SAY("futex WAIT|CLOCK_REALTIME: %s",
	    res(futex((void *)w, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 1, NULL, 0)));
	SAY("futex op 99: %s", res(futex((void *)w, 99, 1, NULL, 0)));
	SAY("futex WAIT, value differs: %s", res(futex((void *)w, FUTEX_WAIT, 1, NULL, 0)));
	ts = (struct timespec){ -1, 0 };
	SAY("futex WAIT, negative timeout: %s", res(futex((void *)w, FUTEX_WAIT, 0, &ts, 0)));
	ts = (struct timespec){ 0, 1000000 };
	SAY("futex WAIT_BITSET, past absolute timeout: %s",
	    res(futex((void *)w, FUTEX_WAIT_BITSET, 0, &ts, ~0u)));
	SAY("futex WAKE_PRIVATE, no waiters: %ld", futex((void *)w, FUTEX_WAKE_PRIVATE, 1, NULL, 0));
	SAY("futex REQUEUE: %s", res(futex((void *)w, FUTEX_REQUEUE, 1, NULL, 0)));
	/* A shared futex across fork: the parent's wake reaches the child, by bitset. */
	w[1] = 0;
	pid = fork();
	if (pid == 0) {
		struct timespec t = { 5, 0 };

		w[1] = 1;
		rc = futex((void *)w, FUTEX_WAIT_BITSET, 0, NULL, 1);
		(void)t;
		_exit(rc == 0 ? 0 : 1);
	}
	while (!w[1])
		usleep(1000);
	usleep(20000);
	rc = futex((void *)w, FUTEX_WAKE_BITSET, 1, NULL, 2);
	snprintf(got, sizeof(got), "%ld", rc);
	expect("shared futex across fork: woken with a disjoint bitset", got, "0");
	for (n = 0; n < 500 && (rc = futex((void *)w, FUTEX_WAKE, 1, NULL, 0)) == 0; n++)
		usleep(2000);
	snprintf(got, sizeof(got), "%ld", rc);
	expect("shared futex across fork: woken by FUTEX_WAKE", got, "1");
	expect("shared futex across fork: the child's wait returned 0",
	       waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status) ?
	       "yes" : "no", "yes");

	/* open, stat, lseek, readlink on the read-only /etc/passwd. */
	SAY("open O_RDONLY: %s", (fd = open("/etc/passwd", O_RDONLY)) >= 0 ? "ok" : strerrorname_np(errno));
	SAY("open O_WRONLY: %s", res(open("/etc/passwd", O_WRONLY) < 0 ? -1 : 0));
	SAY("open O_RDONLY|O_TRUNC: %s", res(open("/etc/passwd", O_RDONLY | O_TRUNC) < 0 ? -1 : 0));
	SAY("open O_CREAT (exists): %s", res(open("/etc/passwd", O_RDONLY | O_CREAT, 0644) < 0 ? -1 : 0));
	SAY("open O_CREAT|O_EXCL (exists): %s",
	    res(open("/etc/passwd", O_RDONLY | O_CREAT | O_EXCL, 0644) < 0 ? -1 : 0));
	SAY("open O_DIRECTORY: %s", res(open("/etc/passwd", O_RDONLY | O_DIRECTORY) < 0 ? -1 : 0));
	SAY("open O_NOFOLLOW|O_CLOEXEC|O_NONBLOCK|O_NOCTTY: %s",
	    res(open("/etc/passwd", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY) < 0 ? -1 : 0));
	SAY("open O_TMPFILE read-only: %s", res(open("/etc", O_RDONLY | O_TMPFILE, 0600) < 0 ? -1 : 0));
	SAY("open O_PATH: %s", res(open("/etc/passwd", O_PATH) < 0 ? -1 : 0));
	SAY("open a missing file: %s", res(open("/etc/abi-missing", O_RDONLY) < 0 ? -1 : 0));
	SAY("open O_CREAT a missing file: %s",
	    res(open("/etc/abi-missing", O_RDWR | O_CREAT, 0600) < 0 ? -1 : 0));
	SAY("openat a bad dirfd, relative: %s", res(openat(99, "passwd", O_RDONLY) < 0 ? -1 : 0));
	SAY("stat: %s, regular %s", res(stat("/etc/passwd", &st)), S_ISREG(st.st_mode) ? "yes" : "no");
	SAY("fstatat AT_SYMLINK_NOFOLLOW: %s",
	    res(fstatat(AT_FDCWD, "/etc/passwd", &st, AT_SYMLINK_NOFOLLOW)));
	SAY("fstatat flag 0x1: %s", res(syscall(SYS_newfstatat, AT_FDCWD, "/etc/passwd", &st, 1)));
	SAY("fstatat empty path, no AT_EMPTY_PATH: %s",
	    res(syscall(SYS_newfstatat, fd, "", &st, 0)));
	SAY("fstatat AT_EMPTY_PATH: %s, regular %s", res(fstatat(fd, "", &st, AT_EMPTY_PATH)),
	    S_ISREG(st.st_mode) ? "yes" : "no");
	SAY("stat a missing file: %s", res(stat("/etc/abi-missing", &st)));
	fstat(fd, &st);
	rc = lseek(fd, 3, SEEK_DATA);
	SAY("lseek SEEK_DATA 3: %ld", rc);
	rc = lseek(fd, 3, SEEK_HOLE);
	SAY("lseek SEEK_HOLE 3: %s", rc == st.st_size ? "the size" : "other");
	SAY("lseek SEEK_DATA at the end: %s", res(lseek(fd, st.st_size, SEEK_DATA)));
	SAY("lseek whence 5: %s", res(lseek(fd, 0, 5)));
	SAY("readlink a regular file: %s", res(readlink("/etc/passwd", buf, sizeof(buf))));
	SAY("readlink a missing file: %s", res(readlink("/etc/abi-missing", buf, sizeof(buf))));
	SAY("readlinkat bufsiz 0: %s", res(syscall(SYS_readlinkat, AT_FDCWD, "/etc/passwd", buf, 0)));
	SAY("ioctl FIONREAD on the file: %s, %d", res(ioctl(fd, FIONREAD, &n)), n);
	SAY("ioctl TCGETS on the file: %s", res(ioctl(fd, TCGETS, buf)));
	SAY("ioctl FIOCLEX: %s", res(ioctl(fd, FIOCLEX)));
	close(fd);
	SAY("isatty(1): %s", isatty(1) ? "yes" : "no");

	/* pipe2 and vmsplice flags. */
	SAY("pipe2 O_NONBLOCK|O_CLOEXEC: %s", res(pipe2(pfd, O_NONBLOCK | O_CLOEXEC)));
	SAY("read an empty O_NONBLOCK pipe: %s", res(read(pfd[0], buf, 1)));
	write(pfd[1], "hello", 5);
	SAY("ioctl FIONREAD on a pipe: %s, %d", res(ioctl(pfd[0], FIONREAD, &n)), n);
	close(pfd[0]);
	close(pfd[1]);
	pipe(pfd);
	n = 1;
	SAY("ioctl FIONBIO: %s", res(ioctl(pfd[0], FIONBIO, &n)));
	SAY("read an empty pipe after FIONBIO: %s", res(read(pfd[0], buf, 1)));
	{
		struct iovec iov = { "abc", 3 };

		SAY("vmsplice flags 0x10: %s", res(vmsplice(pfd[1], &iov, 1, 0x10)));
		SAY("vmsplice SPLICE_F_NONBLOCK: %ld", (long)vmsplice(pfd[1], &iov, 1, SPLICE_F_NONBLOCK));
	}
	close(pfd[0]);
	close(pfd[1]);
	SAY("pipe2 O_DIRECT: %s", res(pipe2(pfd, O_DIRECT)));
	SAY("pipe2 O_NOTIFICATION_PIPE: %s", res(pipe2(pfd, O_NOTIFICATION_PIPE)));
	SAY("pipe2 unknown 0x1: %s", res(pipe2(pfd, 1)));

	/* getrandom. */
	SAY("getrandom 0: %ld", (long)getrandom(buf, 16, 0));
	SAY("getrandom GRND_NONBLOCK: %ld", (long)getrandom(buf, 16, GRND_NONBLOCK));
	SAY("getrandom GRND_RANDOM: %ld", (long)getrandom(buf, 16, GRND_RANDOM));
	SAY("getrandom GRND_INSECURE: %ld", (long)getrandom(buf, 16, GRND_INSECURE));
	SAY("getrandom GRND_INSECURE|GRND_RANDOM: %s", res(getrandom(buf, 16, GRND_INSECURE | GRND_RANDOM)));
	SAY("getrandom flag 0x8: %s", res(getrandom(buf, 16, 8)));
	SAY("getrandom 4096 bytes: %ld", (long)getrandom(buf, 4096, 0));

	/* arch_prctl. */
	rc = syscall(SYS_arch_prctl, 0x1003, &v);	/* ARCH_GET_FS */
	SAY("arch_prctl ARCH_GET_FS: %s, the TLS pointer %s", res(rc),
	    v == (uint64_t)__builtin_thread_pointer() ? "yes" : "no");
	rc = syscall(SYS_arch_prctl, 0x1004, &v);	/* ARCH_GET_GS */
	SAY("arch_prctl ARCH_GET_GS: %s, %s", res(rc), v ? "non-zero" : "0");
	SAY("arch_prctl ARCH_SET_GS: %s", res(syscall(SYS_arch_prctl, 0x1001, 0)));
	SAY("arch_prctl ARCH_GET_CPUID: %ld", syscall(SYS_arch_prctl, 0x1011, 0));
	SAY("arch_prctl 0x3001 (an old CET code): %s", res(syscall(SYS_arch_prctl, 0x3001, &v)));
	SAY("arch_prctl 0x9999: %s", res(syscall(SYS_arch_prctl, 0x9999, &v)));

	/* prlimit64: Linux's defaults at boot, and changes. */
	static const struct { int res; const char *name; } lims[] = {
		{ RLIMIT_CPU, "CPU" }, { RLIMIT_FSIZE, "FSIZE" }, { RLIMIT_DATA, "DATA" },
		{ RLIMIT_STACK, "STACK" }, { RLIMIT_CORE, "CORE" }, { RLIMIT_RSS, "RSS" },
		{ RLIMIT_NOFILE, "NOFILE" }, { RLIMIT_MEMLOCK, "MEMLOCK" }, { RLIMIT_AS, "AS" },
		{ RLIMIT_LOCKS, "LOCKS" }, { RLIMIT_MSGQUEUE, "MSGQUEUE" }, { RLIMIT_NICE, "NICE" },
		{ RLIMIT_RTPRIO, "RTPRIO" }, { RLIMIT_RTTIME, "RTTIME" },
	};
	for (unsigned i = 0; i < sizeof(lims) / sizeof(lims[0]); i++) {
		getrlimit(lims[i].res, &rl);
		SAY("RLIMIT_%s: %lld %lld", lims[i].name, (long long)rl.rlim_cur, (long long)rl.rlim_max);
	}
	SAY("getrlimit 16: %s", res(getrlimit(16, &rl)));
	rl.rlim_cur = 0;
	rl.rlim_max = RLIM_INFINITY;
	SAY("setrlimit CORE 0: %s", res(setrlimit(RLIMIT_CORE, &rl)));
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max + 1;
	SAY("setrlimit NOFILE soft above hard: %s", res(setrlimit(RLIMIT_NOFILE, &rl)));
	rl.rlim_max = rl.rlim_cur = 1 << 20;
	SAY("setrlimit NOFILE hard raised: %s", res(setrlimit(RLIMIT_NOFILE, &rl)));
	rl.rlim_cur = rl.rlim_max = 8;
	SAY("setrlimit NOFILE 8: %s", res(setrlimit(RLIMIT_NOFILE, &rl)));
	for (fd = 3; fd < 64; fd++)
		close(fd);
	for (n = 0; n < 12 && (fd = open("/etc/passwd", O_RDONLY)) >= 0; n++)
		;
	SAY("NOFILE 8: %d opens, then %s", n, strerrorname_np(errno));
	for (fd = 3; fd < 64; fd++)
		close(fd);
	rl.rlim_cur = 1 << 20;
	rl.rlim_max = RLIM_INFINITY;
	SAY("setrlimit STACK 1 MiB: %s", res(setrlimit(RLIMIT_STACK, &rl)));
	rl.rlim_cur = rl.rlim_max = 1 << 30;
	SAY("setrlimit AS 1 GiB: %s", res(setrlimit(RLIMIT_AS, &rl)));
	rl.rlim_cur = 10;
	rl.rlim_max = RLIM_INFINITY;
	SAY("setrlimit CPU 10 s: %s", res(setrlimit(RLIMIT_CPU, &rl)));
	SAY("prlimit64 a pid that does not exist: %s",
	    res(syscall(SYS_prlimit64, 999999, RLIMIT_CORE, NULL, &rl)));

	/* uname: the fields that do not name the machine. */
	uname(&u);
	SAY("uname sysname %s machine %s", u.sysname, u.machine);

	/* Clocks. */
	for (int c = 0; c <= 12; c++)
		SAY("clock_gettime %d: %s", c, res(clock_gettime(c, &ts)));
	for (int c = 0; c <= 12; c++) {
		struct timespec zero = { 0, 0 };

		rc = syscall(SYS_clock_nanosleep, c, TIMER_ABSTIME, &zero, NULL);
		SAY("clock_nanosleep %d TIMER_ABSTIME 0: %s", c, res(rc));
	}
	ts = (struct timespec){ 0, 1000000 };
	SAY("clock_nanosleep flag 2: %s", res(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 2, &ts, NULL)));
	ts = (struct timespec){ -1, 0 };
	SAY("nanosleep negative: %s", res(nanosleep(&ts, NULL)));
	ts = (struct timespec){ 0, 1000000000 };
	SAY("nanosleep tv_nsec 1e9: %s", res(nanosleep(&ts, NULL)));
	return abi_done();
}
