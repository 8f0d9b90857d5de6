/*
 * init for tools/linux-reference.sh: PID 1 of a Debian Linux kernel booted
 * under QEMU from an initramfs, running the same static programs pkrulab
 * runs and reporting how each ended.
 *
 * The host writes /etc/ref-runs, one run a line:
 *     LABEL TIMEOUT_S PROGRAM [ARG...]
 * (PROGRAM is a file name under /bin).  For each line init forks, the
 * child drops to the uid given by the kernel argument refuid=N (Linux
 * hands unknown NAME=VALUE arguments to init as its environment; default
 * 1000, pkrulab's AT_UID) and execs the program with argv { PROGRAM,
 * ARG... } and pkrulab's environment, its output straight on the console
 * (a terminal, as under pkrulab, so glibc's stdout stays line-buffered).
 * Init then reaps every process of the run: a program that forks and lets
 * its parent exit (protection_keys' become_child) leaves orphans, which
 * Linux gives to PID 1.  The run's status is the one of the process that
 * ended last; the first process's own status and the number reaped are
 * reported too.
 *
 * Marker lines, parsed by tools/linux_reference.py (keep them in step):
 *     #ref: kernel RELEASE VERSION...
 *     #ref: cpu pku=0|1 ospke=0|1 uid=N
 *     #ref: boot uptime=S
 *     #ref: run LABEL PROGRAM [ARG...]
 *     #ref: hung pid=N tid=N state=C syscall=... wchan=...  (before a timeout's end)
 *     #ref: end LABEL status=exit:N|signal:N|timeout first=... procs=N secs=S
 *     #ref: error WHAT
 *     #ref: done
 * then the machine powers off (QEMU runs with -no-reboot).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUNS_FILE	"/etc/ref-runs"
#define DEFAULT_UID	1000
#define MAX_ARGS	16
#define LINE_MAX_LEN	512

static volatile sig_atomic_t alarm_fired;

static void say(const char *fmt, ...)
{
	char buf[LINE_MAX_LEN + 128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	/* write(2), not stdio: nothing buffered is lost at power-off. */
	if (write(STDOUT_FILENO, buf, n) < 0)
		return;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_alarm(int sig)
{
	(void)sig;
	alarm_fired = 1;
}

/* The console as fds 0-2; the kernel opens it for init if /dev/console exists. */
static void setup_console(void)
{
	int fd;

	if (fcntl(STDOUT_FILENO, F_GETFD) >= 0)
		return;
	mkdir("/dev", 0755);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	fd = open("/dev/console", O_RDWR);
	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

/* Whether /proc/cpuinfo's first "flags" line names FLAG. */
static int cpu_flag(const char *flag)
{
	char line[4096];
	FILE *f = fopen("/proc/cpuinfo", "r");
	int found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *tok, *save;

		if (strncmp(line, "flags", 5))
			continue;
		for (tok = strtok_r(strchr(line, ':'), ": \n", &save); tok;
		     tok = strtok_r(NULL, " \n", &save))
			if (!strcmp(tok, flag))
				found = 1;
		break;
	}
	fclose(f);
	return found;
}

static void report_system(unsigned uid)
{
	struct utsname u;
	char up[64] = "?";
	FILE *f;

	if (uname(&u) == 0)
		say("#ref: kernel %s %s", u.release, u.version);
	say("#ref: cpu pku=%d ospke=%d uid=%u", cpu_flag("pku"), cpu_flag("ospke"), uid);
	f = fopen("/proc/uptime", "r");
	if (f) {
		if (fscanf(f, "%63s", up) != 1)
			strcpy(up, "?");
		fclose(f);
	}
	say("#ref: boot uptime=%s", up);
}

static void describe(int status, char *out, size_t len)
{
	if (WIFEXITED(status))
		snprintf(out, len, "exit:%d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, len, "signal:%d", WTERMSIG(status));
	else
		snprintf(out, len, "raw:%#x", status);
}

/* The child: pkrulab's process environment, then the program. */
static void __attribute__((noreturn)) exec_program(char **argv, unsigned uid)
{
	static char *const envp[] = { "HOME=/", "PATH=/bin:/usr/bin", "TERM=linux", "LANG=C", NULL };
	char path[LINE_MAX_LEN];

	snprintf(path, sizeof(path), "/bin/%s", argv[0]);
	signal(SIGALRM, SIG_DFL);
	if (setgroups(0, NULL) || setgid(uid) || setuid(uid)) {
		say("#ref: error cannot become uid %u: %s", uid, strerror(errno));
		_exit(127);
	}
	execve(path, argv, envp);
	say("#ref: error cannot run %s: %s", path, strerror(errno));
	_exit(127);
}

/* The first line of /proc/PID/task/TID/FILE, without its newline ("?" if unreadable). */
static void task_file_line(const char *pid, const char *tid, const char *file, char *out, size_t len)
{
	char path[2 * NAME_MAX + 32];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/task/%s/%s", pid, tid, file);
	snprintf(out, len, "?");
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(out, len, f))
		out[strcspn(out, "\n")] = 0;
	fclose(f);
}

/*
 * Where each thread of a run that timed out is: its state, the system call
 * it waits in (number and arguments, /proc/PID/task/TID/syscall) and the
 * kernel function it sleeps in, so that a hang names its place.
 */
static void report_hung(void)
{
	DIR *procs = opendir("/proc");
	struct dirent *p, *t;

	if (!procs)
		return;
	while ((p = readdir(procs))) {
		char path[NAME_MAX + 16], stat[512], sc[256], wchan[128];
		DIR *tasks;

		if (p->d_name[0] < '0' || p->d_name[0] > '9' || !strcmp(p->d_name, "1"))
			continue;
		/* Kernel threads have an empty command line. */
		task_file_line(p->d_name, p->d_name, "cmdline", stat, sizeof(stat));
		if (!strcmp(stat, "?") || !stat[0])
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task", p->d_name);
		tasks = opendir(path);
		while (tasks && (t = readdir(tasks))) {
			char *state;

			if (t->d_name[0] == '.')
				continue;
			task_file_line(p->d_name, t->d_name, "stat", stat, sizeof(stat));
			task_file_line(p->d_name, t->d_name, "syscall", sc, sizeof(sc));
			task_file_line(p->d_name, t->d_name, "wchan", wchan, sizeof(wchan));
			state = strrchr(stat, ')');
			say("#ref: hung pid=%s tid=%s state=%c syscall=%s wchan=%s", p->d_name, t->d_name,
			    state && state[1] ? state[2] : '?', sc, wchan);
		}
		if (tasks)
			closedir(tasks);
	}
	closedir(procs);
}

/* Ends every process but init and reaps them (a run that timed out). */
static void kill_all(void)
{
	kill(-1, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
}

static void run_one(const char *label, unsigned timeout_s, char **argv, unsigned uid)
{
	char last[32] = "none", first[32] = "none";
	int status, procs = 0, timed_out = 0;
	double t0 = now_s();
	pid_t pid, w;
	char cmd[LINE_MAX_LEN] = "";

	for (int i = 0; argv[i]; i++)
		snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), "%s%s", i ? " " : "", argv[i]);
	say("#ref: run %s %s", label, cmd);

	pid = fork();
	if (pid < 0) {
		say("#ref: error fork: %s", strerror(errno));
		return;
	}
	if (pid == 0)
		exec_program(argv, uid);

	alarm_fired = 0;
	alarm(timeout_s);
	for (;;) {
		w = waitpid(-1, &status, 0);
		if (w < 0 && errno == EINTR && alarm_fired) {
			timed_out = 1;
			report_hung();
			kill_all();
			break;
		}
		if (w < 0)
			break;		/* ECHILD: the whole run has ended */
		procs++;
		describe(status, last, sizeof(last));
		if (w == pid)
			memcpy(first, last, sizeof(first));
	}
	alarm(0);
	say("#ref: end %s status=%s first=%s procs=%d secs=%.3f", label,
	    timed_out ? "timeout" : last, first, procs, now_s() - t0);
}

static unsigned uid_from_env(void)
{
	const char *s = getenv("refuid");
	char *end;
	unsigned long v;

	if (!s)
		return DEFAULT_UID;
	v = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v > 65535) {
		say("#ref: error bad refuid=%s, using %u", s, DEFAULT_UID);
		return DEFAULT_UID;
	}
	return v;
}

static void run_all(unsigned uid)
{
	char line[LINE_MAX_LEN];
	FILE *f = fopen(RUNS_FILE, "r");

	if (!f) {
		say("#ref: error cannot open %s: %s", RUNS_FILE, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *argv[MAX_ARGS + 1], *label, *timeout, *save;
		int argc = 0;

		label = strtok_r(line, " \t\n", &save);
		if (!label || label[0] == '#')
			continue;
		timeout = strtok_r(NULL, " \t\n", &save);
		while (argc < MAX_ARGS && (argv[argc] = strtok_r(NULL, " \t\n", &save)))
			argc++;
		argv[argc] = NULL;
		if (!timeout || atoi(timeout) <= 0 || !argc) {
			say("#ref: error bad line in %s for '%s'", RUNS_FILE, label);
			continue;
		}
		run_one(label, atoi(timeout), argv, uid);
	}
	fclose(f);
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART: waitpid gets EINTR */
	unsigned uid;

	setup_console();
	sigaction(SIGALRM, &sa, NULL);
	/*
	 * protection_keys run as root reads /proc/sys/vm/nr_hugepages (it exits
	 * 71 without it) and /sys/kernel/mm/hugepages/ for its hugetlb tests.
	 */
	mkdir("/proc", 0555);
	if (mount("proc", "/proc", "proc", 0, NULL))
		say("#ref: error mount /proc: %s", strerror(errno));
	mkdir("/sys", 0555);
	if (mount("sysfs", "/sys", "sysfs", 0, NULL))
		say("#ref: error mount /sys: %s", strerror(errno));
	uid = uid_from_env();
	report_system(uid);
	run_all(uid);
	say("#ref: done");
	sync();
	reboot(RB_POWER_OFF);
	say("#ref: error reboot(RB_POWER_OFF): %s", strerror(errno));
	for (;;)
		pause();
}
