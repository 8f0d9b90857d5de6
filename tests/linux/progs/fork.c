/*
 * fork: processes as Linux makes them, and what the PKRU designs owe them.
 * A child gets its own copy of memory and its parent's PKRU (fork copies
 * the FPU state, PKRU included); wait4 reports exits, deaths by signal and
 * stops in Linux's encoding; SIGCHLD reaches the parent and, left at its
 * default, is ignored; kill(SIGKILL) ends a sleeping child; a sleep that a
 * stop interrupts goes on after SIGCONT for the time it had left
 * (restart_syscall); an orphan is reparented and reaped by init (the
 * cell, which fails the run if the orphan's status is not 0).
 * Prints TAP-style "ok N" lines; exit status 0 when every check held.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "ptest.h"

static volatile sig_atomic_t chld_seen;

static void on_chld(int sig) { chld_seen = sig; }

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The child's PKRU must be the parent's at fork (pkey 1 write-denied here). */
static void child_pkru(int have_pkeys)
{
	int status = -1, pkey = -1;
	uint32_t want = 0;
	unsigned long cpus;
	pid_t pid;

	/*
	 * On the parent's CPU: where nothing switches PKRU (the negative
	 * control) the register is then what the child inherits, as on one
	 * CPU, and the cell's verdict does not depend on the CPU count.
	 */
	cpus = ptest_pin_cpu0();
	if (have_pkeys) {
		pkey = syscall(SYS_pkey_alloc, 0, 0);
		want = PKRU_INIT_LINUX | PKRU_WD(pkey);
		wrpkru(want);
	}
	pid = fork();
	if (pid == 0)
		_exit(have_pkeys && rdpkru() != want ? 3 : 0);
	ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	   WEXITSTATUS(status) == 0, "the child starts with its parent's PKRU");
	if (have_pkeys) {
		wrpkru(PKRU_INIT_LINUX);
		syscall(SYS_pkey_free, pkey);
	}
	ptest_unpin(cpus);
}

int main(void)
{
	int status = -1, *shared;
	struct sigaction sa;
	long t0;
	pid_t pid, got;

	/* Memory: the child's writes stay in its copy. */
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	*shared = 1;
	pid = fork();
	if (pid == 0) {
		*shared = 2;
		_exit(*shared == 2 ? 7 : 8);
	}
	got = waitpid(pid, &status, 0);
	ok(pid > 0 && got == pid, "fork returns the child's pid, waitpid reaps it");
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 7, "the exit status is 7 (WIFEXITED)");
	ok(*shared == 1, "the child wrote its own copy of the page");
	ok(waitpid(pid, &status, WNOHANG) == -1 && errno == ECHILD, "reaped once: then ECHILD");

	child_pkru(have_ospke());

	/* A death by signal, and SIGCHLD to a handler. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_chld;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);
	pid = fork();
	if (pid == 0) {
		raise(SIGSEGV);			/* no handler: the default action ends it */
		_exit(0);
	}
	got = waitpid(pid, &status, 0);
	ok(got == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
	   "a child killed by SIGSEGV: WIFSIGNALED, WTERMSIG 11");
	ok(chld_seen == SIGCHLD, "SIGCHLD ran the parent's handler");

	/* A sleeping child: WNOHANG sees nothing yet; SIGKILL ends it. */
	pid = fork();
	if (pid == 0) {
		for (;;)
			sleep(30);
	}
	ok(waitpid(pid, &status, WNOHANG) == 0, "WNOHANG: a live child gives 0");
	ok(kill(pid, SIGKILL) == 0 && waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
	   WTERMSIG(status) == SIGKILL, "kill(SIGKILL) ends a sleeping child");
	ok(kill(pid, 0) == -1 && errno == ESRCH, "then its pid is gone (ESRCH)");

	/*
	 * Stopped 50 ms into a 400 ms sleep, continued 100 ms later: the sleep
	 * is restarted (restart_syscall) and ends at its own time, not at
	 * SIGCONT with EINTR.
	 */
	pid = fork();
	if (pid == 0) {
		struct timespec ts = { 0, 400 * 1000000 };
		long r;

		t0 = now_ms();
		r = nanosleep(&ts, NULL);
		_exit(r == 0 && now_ms() - t0 >= 400 ? 0 : 5);
	}
	usleep(50 * 1000);
	ok(kill(pid, SIGSTOP) == 0 && waitpid(pid, &status, WUNTRACED) == pid &&
	   WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP,
	   "SIGSTOP: WUNTRACED reports it stopped (WSTOPSIG 19)");
	usleep(100 * 1000);
	ok(kill(pid, SIGCONT) == 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	   WEXITSTATUS(status) == 0, "after SIGCONT the interrupted sleep went on to its full time");

	/* SIGCHLD at its default is ignored: the parent goes on. */
	signal(SIGCHLD, SIG_DFL);
	pid = fork();
	if (pid == 0)
		_exit(0);
	got = waitpid(pid, &status, 0);
	ok(got == pid && WIFEXITED(status), "SIGCHLD left at SIG_DFL does not end the parent");

	/* An orphan: its parent exits at once, the cell reaps it (status 0). */
	pid = fork();
	if (pid == 0) {
		pid_t middle = getpid();

		if (fork() == 0) {
			usleep(20 * 1000);
			_exit(getppid() != middle ? 0 : 6);	/* reparented */
		}
		_exit(0);
	}
	ok(waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 0,
	   "a middle process exits, leaving its child to init");
	return ptest_done("fork");
}
