/*
 * threads: a Linux process with several threads, each a task that the
 * configuration's strategy switches.  A new thread starts with its
 * creator's PKRU (Linux copies it at clone); each thread's PKRU is its
 * own, so values that the threads write and check across many switches
 * (mutex/condvar ping-pong through blocking futexes) must never leak from
 * one to the other -- the negative control and a forgotten WRPKRU show
 * here.  Also: per-thread TLS, tkill to a thread runs the handler in that
 * thread, pthread_join sees the thread's clear_child_tid wake-up.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "ptest.h"

#define PKRU_WD(k)	(2u << (2 * (k)))
#define ROUNDS		200

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int turn, key;
static uint32_t main_pkru, thread_pkru, inherited;
static volatile int thread_bad, main_bad;
static __thread int tls = 1;
static int thread_tls;
static volatile pid_t handler_tid, thread_tid;

static void on_usr1(int sig)
{
	(void)sig;
	handler_tid = syscall(SYS_gettid);
}

static void *worker(void *arg)
{
	(void)arg;
	inherited = rdpkru();
	thread_tid = syscall(SYS_gettid);
	tls = 2;
	wrpkru(thread_pkru);
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&lock);
		while (turn != 1)
			pthread_cond_wait(&cond, &lock);
		thread_bad += rdpkru() != thread_pkru;
		turn = 0;
		pthread_cond_signal(&cond);
		pthread_mutex_unlock(&lock);
	}
	/* Wait for main's tkill; the handler runs on this thread. */
	while (!handler_tid)
		sched_yield();
	thread_tls = tls;
	return NULL;
}

int main(void)
{
	pthread_t t;

	if (!have_ospke())
		return KSFT_SKIP;
	key = pkey_alloc(0, 0);
	main_pkru = rdpkru() | PKRU_WD(key);
	thread_pkru = rdpkru() & ~PKRU_WD(key);
	wrpkru(main_pkru);
	signal(SIGUSR1, on_usr1);
	ok(pthread_create(&t, NULL, worker, NULL) == 0, "pthread_create");
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&lock);
		turn = 1;
		pthread_cond_signal(&cond);
		while (turn != 0)
			pthread_cond_wait(&cond, &lock);
		main_bad += rdpkru() != main_pkru;
		pthread_mutex_unlock(&lock);
	}
	while (!thread_tid)
		sched_yield();
	syscall(SYS_tgkill, getpid(), thread_tid, SIGUSR1);
	ok(pthread_join(t, NULL) == 0, "pthread_join returns (clear_child_tid woke it)");
	printf("# main PKRU %#x, thread PKRU %#x, inherited %#x; %d and %d foreign PKRU seen\n",
	       main_pkru, thread_pkru, inherited, main_bad, thread_bad);
	ok(inherited == main_pkru, "the thread started with its creator's PKRU");
	ok(thread_bad == 0, "the thread always ran with its own PKRU (200 hand-overs)");
	ok(main_bad == 0 && rdpkru() == main_pkru, "main always ran with its own PKRU");
	ok(tls == 1 && thread_tls == 2, "each thread has its own __thread variable");
	ok(handler_tid == thread_tid && thread_tid != getpid(), "tgkill ran the handler on that thread");
	return ptest_done("threads");
}
