/*
 * The cell's report on a Linux program (struct linux_report): every process
 * of the program's tree adds to it.  Their console output is assembled
 * into lines, printed as diagnostics and read for the program's own
 * results (TAP/KTAP, the pkey selftests' lines, glibc's assert()); each
 * process the cell reaps as init would gives its status; linux_finish()
 * ends what the deadline left running and hands the report over.
 */
#include <kernel/console.h>
#include <kernel/string.h>
#include "proc.h"

struct linux_report lx_session;
static int first_pid;		/* the program's own process: its lines and status */

void lx_report_begin(void)
{
	memset(&lx_session, 0, sizeof(lx_session));
}

void lx_report_process(const struct linux_proc *p)
{
	if (!lx_session.processes++)
		first_pid = p->pid;
}

void lx_report_placed(u32 cpu)
{
	if (cpu < MAX_CPUS)
		lx_session.placed[cpu]++;
}

/* ---- console output ---------------------------------------------------- */

static void note_line(const char *line)
{
	struct linux_report *r = &lx_session;

	r->lines++;
	snprintf(r->last_line, sizeof(r->last_line), "%s", line);
	/* tests/linux/progs/attack.c: one outcome letter per door (linux.attack cells). */
	if (!strncmp(line, LINUX_DOORS_PREFIX, sizeof(LINUX_DOORS_PREFIX) - 1))
		snprintf(r->doors, sizeof(r->doors), "%s", line + sizeof(LINUX_DOORS_PREFIX) - 1);
	/*
	 * Its own results: TAP/KTAP "ok N ..." and "not ok N ...", kselftest's
	 * "Bail out! ..." (ksft_exit_fail_msg()), the pkey selftest's "test N
	 * PASSED ..." and "assert() at FILE::LINE ...", glibc's assert()
	 * message ("PROG: FILE:LINE: FUNC: Assertion `X' failed."), and the x86
	 * selftests' "[OK] ..." and "[FAIL] ..." (their "[RUN] ..." starts a
	 * sub-test; "[SKIP]" and "[WARN]" are counted, neither is a failure).
	 */
	if (!r->plan && !strncmp(line, "1..", 3) && line[3] >= '1' && line[3] <= '9') {
		for (const char *c = line + 3; *c >= '0' && *c <= '9' && r->plan < 100000; c++)
			r->plan = r->plan * 10 + (*c - '0');
	} else if (!strncmp(line, "ok ", 3) || !strncmp(line, "[OK]", 4) ||
		   (!strncmp(line, "test ", 5) && strstr(line, " PASSED"))) {
		r->ok++;
		snprintf(r->last_ok, sizeof(r->last_ok), "%s", line);
	} else if (!strncmp(line, "not ok ", 7) || !strncmp(line, "[FAIL]", 6) ||
		   !strncmp(line, "Bail out!", 9) || !strncmp(line, "assert() at ", 12) ||
		   (strstr(line, ": Assertion `") && strstr(line, "' failed."))) {
		if (!r->not_ok++)
			snprintf(r->first_not_ok, sizeof(r->first_not_ok), "%s", line);
	} else if (!strncmp(line, "[RUN]", 5)) {
		snprintf(r->last_run, sizeof(r->last_run), "%s", line);
	} else if (!strncmp(line, "[SKIP]", 6)) {
		r->skipped++;
	} else if (!strncmp(line, "[WARN]", 6)) {
		r->warnings++;
	}
}

void lx_console_flush(struct linux_proc *p)
{
	if (!p->line_len)
		return;
	p->line[p->line_len] = 0;
	if (p->pid == first_pid)
		diag("[%s] %s", p->prog->name, p->line);
	else
		diag("[%s:%d] %s", p->prog->name, p->pid, p->line);
	note_line(p->line);
	p->line_len = 0;
}

void lx_console_write(struct linux_proc *p, const char *s, u64 n)
{
	for (u64 i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\n') {
			if (!p->line_len)
				p->line[p->line_len++] = ' ';	/* an empty line stays visible */
			lx_console_flush(p);
			continue;
		}
		if (c == '\r')
			continue;
		if (c == '\t')
			c = ' ';
		else if ((u8)c < 0x20 || (u8)c >= 0x7f)
			c = '?';
		if (p->line_len == LINUX_LINE_MAX - 1)
			lx_console_flush(p);
		p->line[p->line_len++] = c;
	}
}

/* ---- the program's end ----------------------------------------------- */

/* The cell reaps p as init would: its status goes into the report. */
void lx_report_reaped(struct linux_proc *p, long code, const char *reason)
{
	struct linux_report *r = &lx_session;

	r->reaped++;
	if (p->pid == first_pid || (r->exit_code == 0 && code != 0)) {
		r->exit_code = code;
		if (p->pid == first_pid)
			snprintf(r->exit_reason, sizeof(r->exit_reason), "%s", reason);
		else
			snprintf(r->exit_reason, sizeof(r->exit_reason), "process %d: %s", p->pid,
				 reason[0] ? reason : "its exit status");
	}
}

void linux_finish(struct linux_report *rep)
{
	/* What the deadline killed had no end of its own: give it one now. */
	for (int i = 0; i < LINUX_MAX_PROCS; i++) {
		struct linux_proc *p = &lx_procs[i];

		if (p->used && !p->zombie) {
			for (int k = 1; k < MAX_TASKS; k++)
				if (lx_proc(&tasks[k]) == p && tasks[k].exit_code < 0 && !p->group_exit) {
					p->group_exit = true;
					p->group_exit_code = tasks[k].exit_code;
					snprintf(p->group_exit_reason, sizeof(p->group_exit_reason), "%s",
						 tasks[k].exit_reason);
				}
			lx_proc_end(p);
		}
	}
	/* Zombies whose parents ended with them: nobody waits any more. */
	for (int i = 0; i < LINUX_MAX_PROCS; i++)
		if (lx_procs[i].used)
			lx_proc_release(&lx_procs[i]);
	for (int i = 1; i < MAX_TASKS; i++)
		lx_detach(&tasks[i]);
	*rep = lx_session;
	fs_base_reset();
}
