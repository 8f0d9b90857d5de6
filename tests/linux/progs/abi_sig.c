/*
 * linux.abi_sig: rt_sigaction's flags as Linux 6.12 honours them
 * (SA_RESETHAND, SA_NODEFER, SA_ONSTACK, SA_NOCLDSTOP, SA_NOCLDWAIT,
 * SA_UNSUPPORTED probing), sigaltstack's flags, rt_sigprocmask, kill and
 * tgkill arguments, wait4's WCONTINUED.
 */
#include "abi.h"
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef SA_UNSUPPORTED
#define SA_UNSUPPORTED 0x00000400
#endif
#ifndef SA_EXPOSE_TAGBITS
#define SA_EXPOSE_TAGBITS 0x00000800
#endif
#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

static volatile int runs, self_blocked, on_alt, alt_flags, alt_change;
static volatile int chld;
static char altstack[65536];

static void handler(int sig)
{
	sigset_t cur;
	stack_t ss, nss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	int local;

	runs++;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	self_blocked = sigismember(&cur, sig);
	on_alt = (char *)&local >= altstack && (char *)&local < altstack + sizeof(altstack);
	sigaltstack(NULL, &ss);
	alt_flags = ss.ss_flags;
	alt_change = sigaltstack(&nss, NULL) ? errno : 0;
}

static void on_chld(int sig) { (void)sig; chld++; }

static void set(int sig, void (*h)(int), int flags)
{
	struct sigaction sa = { .sa_handler = h, .sa_flags = flags };

	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static const char *yesno(int v) { return v ? "yes" : "no"; }

/* A child that stops itself, is continued, and exits; SIGCHLDs counted. */
static void stop_continue(int flags, const char *name, const char *want)
{
	char what[96], got[64];
	int st, w1, w2, w3;
	pid_t pid;

	int go[2];
	char c;

	chld = 0;
	set(SIGCHLD, on_chld, flags | SA_RESTART);
	pipe(go);
	pid = fork();
	if (pid == 0) {
		raise(SIGSTOP);
		/* Not gone before the parent saw the continue (a zombie would be reported first). */
		read(go[0], &c, 1);
		_exit(3);
	}
	w1 = waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP;
	kill(pid, SIGCONT);
	w2 = waitpid(pid, &st, WCONTINUED) == pid && WIFCONTINUED(st);
	write(go[1], "x", 1);
	w3 = waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 3;
	close(go[0]);
	close(go[1]);
	snprintf(what, sizeof(what), "%s: wait4 WUNTRACED, WCONTINUED, exit", name);
	snprintf(got, sizeof(got), "%s %s %s", yesno(w1), yesno(w2), yesno(w3));
	expect(what, got, "yes yes yes");
	snprintf(what, sizeof(what), "%s: SIGCHLDs at the parent", name);
	snprintf(got, sizeof(got), "%d", chld);
	expect(what, got, want);
	set(SIGCHLD, SIG_DFL, 0);
}

static void nozombie(void (*h)(int), int flags, const char *name)
{
	char what[96];
	pid_t pid;

	set(SIGCHLD, h, flags | SA_RESTART);
	pid = fork();
	if (pid == 0)
		_exit(0);
	snprintf(what, sizeof(what), "%s: wait4 for the child", name);
	expect(what, res(wait4(-1, NULL, 0, NULL)), "ECHILD");
	set(SIGCHLD, SIG_DFL, 0);
}

int main(void)
{
	struct sigaction sa, old;
	stack_t ss, oss;
	sigset_t set1;
	long rc;

	setvbuf(stdout, NULL, _IOLBF, 0);

	/* SA_UNSUPPORTED probing: unknown bits do not come back; known ones do. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = SA_UNSUPPORTED | SA_EXPOSE_TAGBITS | SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR1, NULL, &old);
	expect("sigaction SA_UNSUPPORTED read back", yesno(old.sa_flags & SA_UNSUPPORTED), "no");
	expect("sigaction SA_EXPOSE_TAGBITS read back", yesno(old.sa_flags & SA_EXPOSE_TAGBITS), "yes");
	expect("sigaction SA_RESTART read back", yesno(old.sa_flags & SA_RESTART), "yes");
	sa.sa_flags = 0x00200000;	/* no such flag */
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR1, NULL, &old);
	expect("sigaction unknown 0x200000 read back", yesno(old.sa_flags & 0x00200000), "no");

	/* sa_mask keeps every signal but SIGKILL and SIGSTOP, real-time ones too. */
	sigfillset(&sa.sa_mask);
	sa.sa_flags = 0;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR1, NULL, &old);
	expect("sa_mask read back: SIGUSR2", yesno(sigismember(&old.sa_mask, SIGUSR2)), "yes");
	expect("sa_mask read back: SIGRTMAX", yesno(sigismember(&old.sa_mask, SIGRTMAX)), "yes");
	expect("sa_mask read back: SIGKILL", yesno(sigismember(&old.sa_mask, SIGKILL)), "no");
	expect("sa_mask read back: SIGSTOP", yesno(sigismember(&old.sa_mask, SIGSTOP)), "no");

	/* Without SA_NODEFER the signal is blocked in its handler; with it, not. */
	set(SIGUSR1, handler, 0);
	runs = 0;
	raise(SIGUSR1);
	expect("default: SIGUSR1 blocked in its handler", yesno(self_blocked), "yes");
	set(SIGUSR1, handler, SA_NODEFER);
	raise(SIGUSR1);
	expect("SA_NODEFER: SIGUSR1 blocked in its handler", yesno(self_blocked), "no");

	/* SA_RESETHAND: one delivery, then SIG_DFL (flags kept). */
	set(SIGURG, handler, SA_RESETHAND);
	runs = 0;
	raise(SIGURG);
	sigaction(SIGURG, NULL, &old);
	expect("SA_RESETHAND: handler ran", runs == 1 ? "once" : "not once", "once");
	expect("SA_RESETHAND: action afterwards SIG_DFL", yesno(old.sa_handler == SIG_DFL), "yes");
	SAY("SA_RESETHAND: SA_RESETHAND still set: %s", yesno(old.sa_flags & SA_RESETHAND));
	SAY("SA_RESETHAND: SIGURG blocked in its handler: %s", yesno(self_blocked));
	raise(SIGURG);		/* default: ignored */
	expect("SA_RESETHAND: second SIGURG ran the handler", yesno(runs != 1), "no");

	/* sigaltstack and SA_ONSTACK. */
	sigaltstack(NULL, &oss);
	expect("sigaltstack initially SS_DISABLE", yesno(oss.ss_flags == SS_DISABLE), "yes");
	ss = (stack_t){ .ss_sp = altstack, .ss_size = sizeof(altstack), .ss_flags = 0 };
	expect("sigaltstack set", res(sigaltstack(&ss, NULL)), "ok");
	set(SIGUSR2, handler, SA_ONSTACK);
	raise(SIGUSR2);
	expect("SA_ONSTACK: handler on the altstack", yesno(on_alt), "yes");
	expect("SA_ONSTACK: ss_flags in the handler", alt_flags == SS_ONSTACK ? "SS_ONSTACK" : "other",
	       "SS_ONSTACK");
	expect("SA_ONSTACK: sigaltstack in the handler", alt_change ? strerrorname_np(alt_change) : "ok",
	       "EPERM");
	set(SIGUSR2, handler, 0);
	raise(SIGUSR2);
	expect("no SA_ONSTACK: handler on the altstack", yesno(on_alt), "no");
	ss.ss_flags = SS_ONSTACK;
	SAY("sigaltstack flag SS_ONSTACK: %s", res(sigaltstack(&ss, NULL)));
	ss.ss_flags = 4;
	SAY("sigaltstack flag 4: %s", res(sigaltstack(&ss, NULL)));
	ss.ss_flags = 0;
	ss.ss_size = 1024;
	SAY("sigaltstack 1024 bytes: %s", res(sigaltstack(&ss, NULL)));
	ss.ss_size = sizeof(altstack);
	ss.ss_flags = SS_AUTODISARM;
	SAY("sigaltstack flag SS_AUTODISARM: %s", res(sigaltstack(&ss, NULL)));
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
	sigaltstack(NULL, &oss);
	SAY("sigaltstack SS_DISABLE read back: %s", yesno(oss.ss_flags == SS_DISABLE && !oss.ss_size));

	/* rt_sigaction / rt_sigprocmask arguments. */
	SAY("sigaction SIGKILL: %s", res(sigaction(SIGKILL, &sa, NULL)));
	SAY("sigaction SIGKILL, old only: %s", res(sigaction(SIGKILL, NULL, &old)));
	SAY("rt_sigaction signal 65: %s", res(syscall(SYS_rt_sigaction, 65, NULL, &old, 8)));
	SAY("rt_sigaction signal 0: %s", res(syscall(SYS_rt_sigaction, 0, NULL, &old, 8)));
	SAY("rt_sigaction sigsetsize 4: %s", res(syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old, 4)));
	sigemptyset(&set1);
	SAY("rt_sigprocmask how 3: %s", res(syscall(SYS_rt_sigprocmask, 3, &set1, NULL, 8)));
	SAY("rt_sigprocmask how 3, no set: %s", res(syscall(SYS_rt_sigprocmask, 3, NULL, &set1, 8)));
	SAY("rt_sigprocmask sigsetsize 4: %s", res(syscall(SYS_rt_sigprocmask, 0, &set1, NULL, 4)));
	sigaddset(&set1, SIGKILL);
	sigprocmask(SIG_BLOCK, &set1, NULL);
	sigprocmask(SIG_BLOCK, NULL, &set1);
	SAY("SIGKILL blockable: %s", yesno(sigismember(&set1, SIGKILL)));
	sigemptyset(&set1);
	sigprocmask(SIG_SETMASK, &set1, NULL);

	/* kill, tkill, tgkill arguments. */
	SAY("kill signal 65: %s", res(kill(getpid(), 65)));
	SAY("kill signal 0: %s", res(kill(getpid(), 0)));
	SAY("kill a pid that does not exist: %s", res(kill(999999, 0)));
	SAY("tkill tid 0: %s", res(syscall(SYS_tkill, 0, 0)));
	SAY("tgkill tgid 0: %s", res(syscall(SYS_tgkill, 0, gettid(), 0)));
	SAY("tgkill another tgid: %s", res(syscall(SYS_tgkill, 999999, gettid(), 0)));
	set(SIGRTMIN, handler, 0);
	runs = 0;
	rc = kill(getpid(), SIGRTMIN);
	SAY("kill SIGRTMIN: %s, handler ran %d", res(rc), runs);

	/* SIGCHLD: SA_NOCLDSTOP, and no zombies with SA_NOCLDWAIT or SIG_IGN. */
	stop_continue(0, "SIGCHLD handler", "3");
	stop_continue(SA_NOCLDSTOP, "SA_NOCLDSTOP", "1");
	nozombie(on_chld, SA_NOCLDWAIT, "SA_NOCLDWAIT");
	nozombie(SIG_IGN, 0, "SIGCHLD SIG_IGN");
	return abi_done();
}
