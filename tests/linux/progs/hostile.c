/*
 * hostile: a user program that executes, from ring 3, what a user program
 * must never be able to use to end the run (issue 20): every INT n, INT3,
 * INT1 (ICEBP), INTO, UD2, the privileged instructions (HLT, CLI/STI,
 * IN/OUT, LGDT/LIDT/LTR/LLDT, MOV CRn/DRn, RDMSR/WRMSR, SWAPGS, INVLPG,
 * WBINVD, INVD, CLTS, SYSRET, SYSEXIT), the UMIP ones (SGDT/SIDT/SLDT/
 * STR/SMSW), SYSENTER, IRETQ with bad frames, far JMP/CALL/RET and the
 * segment loads (DS, ES, FS, GS, SS) of every selector 0x00..0x60 with
 * RPL 0 and 3, SYSCALL with TF, NT or AC set, a misaligned access with
 * AC set, INT 0x80 from 64-bit code, SYSCALL and INT 0x80 from
 * compatibility mode, SYSCALL at the top of user space (a child:
 * CVE-2012-0217's return to a non-canonical RIP), and a signal handler at
 * a non-canonical address (a child: the IRETQ to it faults).
 *
 * Each probe runs in this process, one after the other: an SA_SIGINFO
 * handler on a sigaltstack (SIGSEGV, SIGILL, SIGTRAP, SIGBUS, SIGFPE, and
 * SIGALRM for a probe that hangs) records signo, si_code, si_addr and
 * uc_mcontext's trapno and err, clears TF/NT/AC in the saved RFLAGS, puts
 * the 64-bit user CS back and resumes at probe_recover, which restores the
 * registers run_probe saved.  Each outcome is compared with what Linux
 * 6.12 gives under QEMU TCG -cpu max (tools/testdata/hostile-linux-6.12.txt,
 * measured with tools/linux-reference.sh); where the right answer depends
 * on the CPU vendor or the kernel's configuration the alternatives are
 * accepted and the line says which one happened.
 *
 * Selectors: the far transfers and segment loads are judged by what the
 * selector names, read with LAR from ring 3 (null; not readable by LAR:
 * DPL 0, a system descriptor, not present or beyond the GDT's limit;
 * 64-bit user code; 32-bit user code; user data), so that Linux's GDT
 * (0x10 kernel CS, 0x18 kernel DS, 0x23 user CS32, 0x2b user DS, 0x33
 * user CS) and pkrulab's (0x08, 0x10, 0x1b, 0x23, 0x2b) are held to the
 * same rules.  A far transfer to the 32-bit user CS runs code in a page
 * below 4 GiB that far-jumps back to the 64-bit CS.
 *
 * Prints one "ok N" / "not ok N" line per probe (the 256 INT n probes
 * collapsed into one line per outcome) and "hostile: N probes, N matched";
 * exit status 0 when every probe matched.  Built with -DONLY='"a,b"' it
 * runs only the probes whose names start with one of the comma-separated
 * prefixes, with -DSKIP='"a,b"' all but those (to bisect a probe that ends
 * the run: ./run-qemu.sh --program COPY -- tests=linux.COPY).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>
#include <asm/prctl.h>
#include "ptest.h"

#define TF	0x100ul
#define NT	0x4000ul
#define AC	0x40000ul

#define LOW_ADDR	0x40000000ul	/* the page for compatibility mode */
#define LOW_LAND64	0x000		/* 64-bit landing: marks, jumps to probe_exit_ok */
#define LOW_LAND32	0x040		/* compat landing: marks, far-jumps to LAND64 */
#define LOW_SYSCALL32	0x080		/* compat: mov $20,%eax; syscall; store eax */
#define LOW_INT80_32	0x0c0		/* compat: mov $20,%eax; int $0x80; store eax */
#define LOW_UD2_32	0x100		/* compat: mov $7,%eax; ud2; store eax (after the handler) */
#define LOW_MARK64	0x800
#define LOW_MARK32	0x804
#define LOW_RET32	0x808

/* ---- the probes: small functions in .text, entered by run_probe ---- */

extern int run_probe(void (*fn)(void), unsigned long arg);
extern char probe_recover[], probe_exit_ok[];
extern char int_stubs[];
extern char sctf_after[], sctf_after2[];
extern unsigned long saved_fsbase, saved_gsbase, int80_ret;
extern uint16_t saved_ds[4];
#define STUB(n) extern void n(void)
STUB(p_int3); STUB(p_icebp); STUB(p_into); STUB(p_ud2); STUB(p_hlt); STUB(p_cli); STUB(p_sti);
STUB(p_in80); STUB(p_out80); STUB(p_in3f8); STUB(p_out3f8);
STUB(p_lgdt); STUB(p_lidt); STUB(p_ltr); STUB(p_lldt);
STUB(p_sgdt); STUB(p_sidt); STUB(p_sldt); STUB(p_str); STUB(p_smsw);
STUB(p_rdcr0); STUB(p_wrcr0); STUB(p_rdcr2); STUB(p_rdcr3); STUB(p_wrcr3); STUB(p_rdcr4); STUB(p_wrcr4);
STUB(p_rdcr8); STUB(p_wrcr8); STUB(p_rddr0); STUB(p_wrdr0); STUB(p_rddr6); STUB(p_rddr7); STUB(p_wrdr7);
STUB(p_rdmsr); STUB(p_wrmsr); STUB(p_rdtsc); STUB(p_rdpmc);
STUB(p_swapgs); STUB(p_invlpg); STUB(p_wbinvd); STUB(p_invd); STUB(p_clts);
STUB(p_sysret); STUB(p_sysexit); STUB(p_sysenter);
STUB(p_iret); STUB(p_ljmp); STUB(p_lcall); STUB(p_lret); STUB(p_ljmpq); STUB(p_lcallq); STUB(land64);
extern uint32_t land_mark;
STUB(p_movds); STUB(p_moves); STUB(p_movfs); STUB(p_movgs); STUB(p_movss);
STUB(p_sctf); STUB(p_flagsys); STUB(p_acmis); STUB(p_int80); STUB(p_jmp);

asm(
	".pushsection .text\n"
	".globl run_probe, probe_recover, probe_exit_ok\n"
	/* int run_probe(fn, arg): 0 when fn returned or reached probe_exit_ok, 1 after a signal */
	"run_probe:\n"
	"	push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
	"	sub $8, %rsp\n"
	"	mov %rsp, saved_rsp(%rip)\n"
	"	mov %rdi, %rax\n"
	"	mov %rsi, %rdi\n"
	"	call *%rax\n"
	"	xor %eax, %eax\n"
	"probe_out:\n"
	"	mov saved_rsp(%rip), %rsp\n"
	"	mov saved_ds(%rip), %ds\n"
	"	mov saved_ds + 2(%rip), %es\n"
	"	cld\n"
	"	add $8, %rsp\n"
	"	pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
	"	ret\n"
	"probe_exit_ok:\n"
	"	xor %eax, %eax\n"
	"	jmp probe_out\n"
	"probe_recover:\n"
	"	mov $1, %eax\n"
	"	jmp probe_out\n"

	/* INT n, n = 0..255, 16 bytes each: eax = 20 (ia32 getpid) for INT 0x80 */
	".balign 16\n"
	".globl int_stubs\n"
	"int_stubs:\n"
	".set n, 0\n"
	".rept 256\n"
	"	mov $20, %eax\n"
	"	.byte 0xcd, n\n"
	"	mov %rax, int80_ret(%rip)\n"
	"	ret\n"
	"	.balign 16\n"
	"	.set n, n + 1\n"
	".endr\n"

	"p_int3:	int3; ret\n"
	"p_icebp:	.byte 0xf1; ret\n"
	"p_into:	.byte 0xce; ret\n"
	"p_ud2:	ud2; ret\n"
	"p_hlt:	hlt; ret\n"
	"p_cli:	cli; ret\n"
	"p_sti:	sti; ret\n"
	"p_in80:	in $0x80, %al; ret\n"
	"p_out80:	out %al, $0x80; ret\n"
	"p_in3f8:	mov $0x3f8, %dx; in %dx, %al; ret\n"
	"p_out3f8:	mov $0x3f8, %dx; out %al, %dx; ret\n"
	"p_lgdt:	lgdt (%rdi); ret\n"
	"p_lidt:	lidt (%rdi); ret\n"
	"p_ltr:	xor %eax, %eax; ltr %ax; ret\n"
	"p_lldt:	xor %eax, %eax; lldt %ax; ret\n"
	"p_sgdt:	sgdt (%rdi); ret\n"
	"p_sidt:	sidt (%rdi); ret\n"
	"p_sldt:	sldt %ax; ret\n"
	"p_str:	str %ax; ret\n"
	"p_smsw:	smsw %ax; ret\n"
	"p_rdcr0:	mov %cr0, %rax; ret\n"
	"p_wrcr0:	mov %rdi, %cr0; ret\n"
	"p_rdcr2:	mov %cr2, %rax; ret\n"
	"p_rdcr3:	mov %cr3, %rax; ret\n"
	"p_wrcr3:	mov %rdi, %cr3; ret\n"
	"p_rdcr4:	mov %cr4, %rax; ret\n"
	"p_wrcr4:	mov %rdi, %cr4; ret\n"
	"p_rdcr8:	mov %cr8, %rax; ret\n"
	"p_wrcr8:	mov %rdi, %cr8; ret\n"
	"p_rddr0:	mov %dr0, %rax; ret\n"
	"p_wrdr0:	mov %rdi, %dr0; ret\n"
	"p_rddr6:	mov %dr6, %rax; ret\n"
	"p_rddr7:	mov %dr7, %rax; ret\n"
	"p_wrdr7:	mov %rdi, %dr7; ret\n"
	"p_rdmsr:	mov %edi, %ecx; rdmsr; ret\n"
	"p_wrmsr:	mov %edi, %ecx; xor %eax, %eax; xor %edx, %edx; wrmsr; ret\n"
	"p_rdtsc:	rdtsc; ret\n"
	"p_rdpmc:	xor %ecx, %ecx; rdpmc; ret\n"
	"p_swapgs:	swapgs; ret\n"
	"p_invlpg:	invlpg (%rdi); ret\n"
	"p_wbinvd:	wbinvd; ret\n"
	"p_invd:	invd; ret\n"
	"p_clts:	clts; ret\n"
	"p_sysret:	lea 1f(%rip), %rcx; pushfq; pop %r11; sysretq; 1: ret\n"
	"p_sysexit:	lea 1f(%rip), %rdx; mov %rsp, %rcx; sysexitq; 1: ret\n"
	"p_sysenter:	mov $20, %eax; mov %rsp, %rbp; sysenter; ret\n"
	/* iretq with the frame at rdi: rip, cs, rflags, rsp, ss */
	"p_iret:	push 32(%rdi); push 24(%rdi); push 16(%rdi); push 8(%rdi); push (%rdi); iretq\n"
	/* far transfers: rdi points at m16:32 (offset, selector) */
	"p_ljmp:	ljmp *(%rdi)\n"
	"p_lcall:	mov 8(%rdi), %rsp; lcall *(%rdi); ret\n"
	/* the same with m16:64 (REX.W; Intel and QEMU; AMD takes m16:32) when no page below 4 GiB */
	"p_ljmpq:	.byte 0x48, 0xff, 0x2f\n"
	"p_lcallq:	.byte 0x48, 0xff, 0x1f; ret\n"
	".globl land64\n"
	"land64:	movl $64, land_mark(%rip); jmp probe_exit_ok\n"
	"p_lret:	movzwl 4(%rdi), %eax; push %rax; push 16(%rdi); lretq\n"
	/* segment loads of di; the original selector back after a load that worked */
	"p_movds:	mov %ds, %ecx; mov %di, %ds; mov %cx, %ds; ret\n"
	"p_moves:	mov %es, %ecx; mov %di, %es; mov %cx, %es; ret\n"
	"p_movss:	mov %ss, %ecx; mov %di, %ss; mov %cx, %ss; ret\n"
	"p_movfs:	mov %fs, %r12d; mov %di, %fs; mov %r12w, %fs\n"
	"	mov $158, %eax; mov $0x1002, %edi; mov saved_fsbase(%rip), %rsi; syscall; ret\n"
	"p_movgs:	mov %gs, %r12d; mov %di, %gs; mov %r12w, %gs\n"
	"	mov $158, %eax; mov $0x1001, %edi; mov saved_gsbase(%rip), %rsi; syscall; ret\n"
	/* syscall getpid with TF set: the trap comes after syscall (or one later) */
	"p_sctf:	mov $39, %eax; pushfq; orq $0x100, (%rsp); popfq; syscall\n"
	"sctf_after:	nop\n"
	"sctf_after2:	nop\n"
	"	pushfq; andq $~0x100, (%rsp); popfq; ret\n"
	/* flagsys(struct flagsys *): set mask, syscall nr(a1, a2), flags after, clear */
	"p_flagsys:	mov %rdi, %r12\n"
	"	pushfq; pop %rax; or (%r12), %rax; push %rax; popfq\n"
	"	pushfq; pop %rax; mov %rax, 48(%r12)\n"
	"	mov 8(%r12), %rax; mov 16(%r12), %rdi; mov 24(%r12), %rsi; syscall\n"
	"	pushfq; pop %rcx; mov %rcx, 40(%r12); mov %rax, 32(%r12)\n"
	"	mov (%r12), %rcx; not %rcx; pushfq; and %rcx, (%rsp); popfq; ret\n"
	"p_acmis:	pushfq; orq $0x40000, (%rsp); popfq; movl 1(%rdi), %eax\n"
	"	pushfq; andq $~0x40000, (%rsp); popfq; ret\n"
	"p_int80:	mov $20, %eax; int $0x80; mov %rax, int80_ret(%rip); ret\n"
	/* jmp *rdi with eax = 39 (getpid): for a syscall placed at the top of user space */
	"p_jmp:	mov $39, %eax; jmp *%rdi\n"
	".popsection\n"
	".pushsection .bss\n"
	".balign 8\n"
	"saved_rsp:	.quad 0\n"
	".globl saved_ds\n"
	"saved_ds:	.word 0, 0, 0, 0\n"
	".globl saved_fsbase, saved_gsbase, int80_ret\n"
	"saved_fsbase:	.quad 0\n"
	"saved_gsbase:	.quad 0\n"
	"int80_ret:	.quad 0\n"
	".globl land_mark\n"
	"land_mark:	.quad 0\n"
	".popsection\n");

/* ---- outcomes ---- */

struct res {
	int sig, code;		/* sig 0: the probe completed */
	long trapno, err;
	unsigned long addr, rip;
	long val;		/* completed: what it returned, or the mode it ended in */
	long ret80, ret32;	/* int80_ret and the low page's LOW_RET32 after the probe */
};
#define KILLED	1000		/* sig KILLED + N: the (forked) probe's process died of signal N */

static volatile struct res got;
static volatile int hits;
/* The handler steps over a UD2 and returns to the interrupted context as it is. */
static volatile int resume_after_ud2;
static uint16_t user_cs, user_ss, user_cs32;
static unsigned long frame_flags;

static void handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;

	if (!hits++) {
		got.sig = sig;
		got.code = si->si_code;
		got.addr = (unsigned long)si->si_addr;
		got.trapno = g[REG_TRAPNO];
		got.err = g[REG_ERR];
		got.rip = g[REG_RIP];
		frame_flags = g[REG_EFL];
	}
	if (resume_after_ud2 && sig == SIGILL && hits == 1) {
		g[REG_RIP] += 2;
		return;
	}
	g[REG_RIP] = (greg_t)probe_recover;
	g[REG_EFL] &= ~(TF | NT | AC);
	/* cs, gs, fs, ss: back to the 64-bit user CS (a fault in compat mode) */
	g[REG_CSGSFS] = (g[REG_CSGSFS] & ~0xffffl) | user_cs;
	if ((unsigned long)g[REG_CSGSFS] >> 48)
		g[REG_CSGSFS] = (g[REG_CSGSFS] & 0x0000ffffffffffffl) | (long)user_ss << 48;
}

static const char *signame(int sig)
{
	switch (sig) {
	case 0: return "completed";
	case SIGSEGV: return "SIGSEGV";
	case SIGILL: return "SIGILL";
	case SIGTRAP: return "SIGTRAP";
	case SIGBUS: return "SIGBUS";
	case SIGFPE: return "SIGFPE";
	case SIGALRM: return "hang (SIGALRM after 20 s)";
	case KILLED + SIGKILL: return "process killed by SIGKILL";
	case KILLED + SIGSEGV: return "process killed by SIGSEGV";
	default: {
		static char b[40];

		snprintf(b, sizeof(b), sig > KILLED ? "process killed by signal %d" : "signal %d",
			 sig > KILLED ? sig - KILLED : sig);
		return b;
	}
	}
}

/* What one probe may give: ANY fields are not compared. */
#define ANY	(-999)
enum addr_rule { A_ANY, A_ZERO, A_RIP, A_EXACT };
struct want {
	int sig, code;
	long trapno, err;
	enum addr_rule ar;
	unsigned long addr;
	long val;		/* completed: ANY or the value */
	const char *why;	/* for an alternative: what it means */
};

#define DONE(v)		{ 0, ANY, ANY, ANY, A_ANY, 0, (v), NULL }
#define SEGV_GP(e)	{ SIGSEGV, SI_KERNEL, 13, (e), A_ZERO, 0, ANY, NULL }
#define SIGILL_UD	{ SIGILL, ILL_ILLOPN, 6, 0, A_RIP, 0, ANY, NULL }
#define BUS_NP(e)	{ SIGBUS, BUS_ADRERR, 11, (e), A_ZERO, 0, ANY, NULL }

static int probes, matched;

/*
 * QEMU 7.2's TCG with SMAP: IRETQ's and far RET's stack reads and far
 * CALL's pushes from ring 3 are supervisor accesses to a user page, a #PF
 * Linux 6.12 takes for a kernel bug: "BUG: unable to handle page fault ...
 * supervisor read access in user mode", oops, the process killed by
 * SIGKILL.  Hardware (and Linux 6.18 on it) gives the architectural answer.
 */
#define QEMU_SMAP_KILL { KILLED + SIGKILL, ANY, ANY, ANY, A_ANY, 0, ANY, \
	"QEMU 7.2 TCG + SMAP: the CPU's stack access is a supervisor one, Linux 6.12 oopses and kills" }

static void fmt_res(char *buf, size_t len, const struct res *r)
{
	if (!r->sig) {
		if (r->val == 64 || r->val == 32)
			snprintf(buf, len, "completed (%d-bit code reached)", (int)r->val);
		else if (r->val)
			snprintf(buf, len, "completed, returned %ld", r->val);
		else
			snprintf(buf, len, "completed");
		return;
	}
	snprintf(buf, len, "%s si_code=%d trapno=%ld err=%#lx si_addr=%#lx", signame(r->sig), r->code,
		 r->trapno, (unsigned long)r->err, r->addr);
}

static int fits(const struct res *r, const struct want *w)
{
	if (r->sig != w->sig)
		return 0;
	if (!r->sig)
		return w->val == ANY || w->val == r->val;
	if ((w->code != ANY && w->code != r->code) || (w->trapno != ANY && w->trapno != r->trapno) ||
	    (w->err != ANY && w->err != r->err))
		return 0;
	switch (w->ar) {
	case A_ZERO: return r->addr == 0;
	case A_RIP: return r->addr == r->rip;
	case A_EXACT: return r->addr == w->addr;
	default: return 1;
	}
}

static void fmt_want(char *buf, size_t len, const struct want *w)
{
	int n;

	if (!w->sig) {
		if (w->val == ANY)
			snprintf(buf, len, "completed");
		else if (w->val == 64 || w->val == 32)
			snprintf(buf, len, "completed (%d-bit code reached)", (int)w->val);
		else
			snprintf(buf, len, "completed, returned %ld", w->val);
		return;
	}
	n = snprintf(buf, len, "%s", signame(w->sig));
	if (w->code != ANY)
		n += snprintf(buf + n, len - n, " si_code=%d", w->code);
	if (w->trapno != ANY)
		n += snprintf(buf + n, len - n, " trapno=%ld", w->trapno);
	if (w->err != ANY)
		n += snprintf(buf + n, len - n, " err=%#lx", (unsigned long)w->err);
	if (w->ar == A_ZERO)
		snprintf(buf + n, len - n, " si_addr=0");
	else if (w->ar == A_RIP)
		snprintf(buf + n, len - n, " si_addr=rip");
	else if (w->ar == A_EXACT)
		snprintf(buf + n, len - n, " si_addr=%#lx", w->addr);
}

static __attribute__((unused)) int name_in(const char *name, const char *p)
{
	while (*p) {
		size_t n = strcspn(p, ",");

		if (n && !strncmp(name, p, n))
			return 1;
		p += n + (p[n] == ',');
	}
	return 0;
}

static int want_probe(const char *name)
{
#ifdef SKIP
	if (name_in(name, SKIP))
		return 0;
#endif
#ifdef ONLY
	return name_in(name, ONLY);
#else
	(void)name;
	return 1;
#endif
}

static unsigned char *low;

static struct res do_probe_here(void (*fn)(void), unsigned long arg)
{
	struct res r;

	hits = 0;
	memset((void *)&got, 0, sizeof(got));
	if (low)
		memset(low + LOW_MARK64, 0, 16);
	int80_ret = 0;
	land_mark = 0;
	alarm(20);
	run_probe(fn, arg);
	alarm(0);
	r = *(struct res *)&got;
	if (!hits) {
		r.sig = 0;
		r.val = 0;
		if (low && *(uint32_t *)(low + LOW_MARK64) == 64)
			r.val = *(uint32_t *)(low + LOW_MARK32) == 32 ? 32 : 64;
		if (land_mark == 64)
			r.val = 64;
	}
	r.ret80 = int80_ret;
	r.ret32 = low ? (int32_t)*(uint32_t *)(low + LOW_RET32) : 0;
	return r;
}

/*
 * The same in a child when fork_probes is set: under QEMU 7.2's TCG with
 * SMAP, IRETQ's and far RET's stack reads from ring 3 are supervisor
 * accesses, a #PF that Linux 6.12 takes for a kernel bug (oops, SIGKILL).
 */
static int fork_probes;

static struct res do_probe(void (*fn)(void), unsigned long arg)
{
	struct res r;
	int fds[2], status = 0;
	pid_t pid;

	if (!fork_probes || pipe(fds))
		return do_probe_here(fn, arg);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		r = do_probe_here(fn, arg);
		if (write(fds[1], &r, sizeof(r)) != sizeof(r))
			_exit(3);
		_exit(0);
	}
	close(fds[1]);
	memset(&r, 0, sizeof(r));
	if (pid < 0 || read(fds[0], &r, sizeof(r)) != sizeof(r)) {
		if (pid > 0)
			waitpid(pid, &status, 0);
		r.sig = WIFSIGNALED(status) ? KILLED + WTERMSIG(status) : KILLED;
	} else {
		waitpid(pid, &status, 0);
	}
	close(fds[0]);
	return r;
}

/* Judge r against the alternatives; prints the line, returns whether it matched. */
static int judge(const char *name, const struct res *r, const struct want *w, int nw)
{
	char rb[160], wb[160], line[600];
	int i;

	probes++;
	for (i = 0; i < nw; i++)
		if (fits(r, &w[i]))
			break;
	fmt_res(rb, sizeof(rb), r);
	if (i < nw) {
		matched++;
		snprintf(line, sizeof(line), "%s: %s%s%s%s", name, rb, w[i].why ? " (" : "",
			 w[i].why ? w[i].why : "", w[i].why ? ")" : "");
		ok(1, line);
		return 1;
	}
	fmt_want(wb, sizeof(wb), &w[0]);
	snprintf(line, sizeof(line), "%s: got %s, want %s%s", name, rb, wb, nw > 1 ? " (or an alternative)" : "");
	ok(0, line);
	return 0;
}

static void probe(const char *name, void (*fn)(void), unsigned long arg, const struct want *w, int nw)
{
	struct res r;

	if (!want_probe(name))
		return;
	r = do_probe(fn, arg);
	judge(name, &r, w, nw);
}

#define P1(name, fn, arg, w) do { const struct want w_[] = { w }; probe(name, fn, (unsigned long)(arg), w_, 1); } while (0)
#define PN(name, fn, arg, ...) do { const struct want w_[] = { __VA_ARGS__ }; \
	probe(name, fn, (unsigned long)(arg), w_, sizeof(w_) / sizeof(w_[0])); } while (0)

/* ---- INT n ---- */

static void int_n(void)
{
	static char list[256][8];
	struct res r[256];
	struct want w[256];
	int good[256], pid = getpid(), n, any = 0;
	const struct want gp_alt = { SIGSEGV, SI_KERNEL, 13, 0x80 * 8 + 2, A_ZERO, 0, ANY,
				     "no IA32 emulation: the gate is not there" };
	char name[32];

	for (n = 0; n < 256; n++) {
		snprintf(name, sizeof(name), "int n=0x%02x", n);
		good[n] = -1;
		if (!want_probe(name))
			continue;
		any = 1;
		r[n] = do_probe((void (*)(void))(int_stubs + 16 * n), 0);
		if (n == 3)
			w[n] = (struct want){ SIGTRAP, SI_KERNEL, 3, 0, A_ZERO, 0, ANY, NULL };
		else if (n == 4)
			w[n] = (struct want){ SIGSEGV, SI_KERNEL, 4, 0, A_ZERO, 0, ANY, NULL };
		else if (n == 0x80) {
			w[n] = (struct want)DONE(ANY);
			if (!r[n].sig)
				r[n].val = r[n].ret80;
			w[n].val = pid;
		} else
			w[n] = (struct want)SEGV_GP(n * 8 + 2);
		good[n] = fits(&r[n], &w[n]) || (n == 0x80 && fits(&r[n], &gp_alt));
		if (!good[n] && n != 3 && n != 4 && n != 0x80) {
			/* QEMU's TCG (7.2) reports a 64-bit IDT gate's #GP as n*16+2 */
			const struct want w16 = SEGV_GP(n * 16 + 2);

			good[n] = fits(&r[n], &w16) ? 2 : 0;
		}
	}
	if (!any)
		return;
	/* One line for the #GP class, one for each vector with a gate of its own. */
	{
		int cnt[3] = { 0, 0, 0 };
		char line[512];

		for (n = 0; n < 256; n++) {
			if (n == 3 || n == 4 || n == 0x80 || good[n] < 0)
				continue;
			cnt[good[n]]++;
		}
		if (good[0] == 1 && cnt[2] > 1) {
			cnt[1]--;
			cnt[2]++;
		}
		for (int c = 1; c <= 2; c++) {
			if (!cnt[c])
				continue;
			probes += cnt[c];
			matched += cnt[c];
			snprintf(line, sizeof(line), "int n for n in 0..255 except 3,4,128: SIGSEGV si_code=128 trapno=13 "
				 "err=n*%d+2 si_addr=0 (%d probes%s)", c == 1 ? 8 : 16, cnt[c],
				 c == 1 ? "; hardware's error code" : "; QEMU TCG's error code, hardware's is n*8+2");
			ok(1, line);
		}
		for (n = 0; n < 256; n++) {
			char rb[160], wb[160];

			if (good[n] != 0 || n == 3 || n == 4 || n == 0x80)
				continue;
			probes++;
			fmt_res(rb, sizeof(rb), &r[n]);
			fmt_want(wb, sizeof(wb), &w[n]);
			snprintf(line, sizeof(line), "int n=0x%02x: got %s, want %s", n, rb, wb);
			ok(0, line);
		}
		(void)list;
	}
	for (int k = 0; k < 3; k++) {
		const struct want alts[2] = { w[n = k == 0 ? 3 : k == 1 ? 4 : 0x80], gp_alt };
		char nm[40];

		if (good[n] < 0)
			continue;
		snprintf(nm, sizeof(nm), "int n=0x%02x%s", n, n == 0x80 ? " (eax=20, ia32 getpid)" : "");
		judge(nm, &r[n], alts, n == 0x80 ? 2 : 1);
	}
}

/* ---- selectors ---- */

enum role { R_NULL, R_HIDDEN, R_CODE64, R_CODE32, R_DATA, R_OTHER };
static const char *const role_name[] = { "null", "not LAR-visible: DPL 0, system, or beyond the limit",
					 "64-bit user code", "32-bit user code", "user data", "other DPL-3" };

static enum role sel_role(unsigned sel)
{
	unsigned long ar = 0;
	unsigned char zf;

	if ((sel & ~3u) == 0)
		return R_NULL;
	asm volatile("lar %2, %0; setz %1" : "+r"(ar), "=q"(zf) : "r"((unsigned long)sel) : "cc");
	if (!zf)
		return R_HIDDEN;
	if (!(ar & (1u << 12)) || !(ar & (1u << 15)))
		return R_OTHER;		/* system or not present: no rule below */
	if (ar & (1u << 11))
		return ar & (1u << 21) ? R_CODE64 : (ar & (1u << 22) ? R_CODE32 : R_OTHER);
	return (ar & (1u << 9)) ? R_DATA : R_OTHER;
}

enum segop { S_DS, S_ES, S_FS, S_GS, S_SS, S_LJMP, S_LCALL, S_LRET, S_N };
static const char *const segop_name[] = { "mov ds", "mov es", "mov fs", "mov gs", "mov ss",
					  "ljmp", "lcall", "lretq" };

/* The rule, from the SDM; tools/testdata/hostile-linux-6.12.txt shows Linux agrees. */
static struct want seg_want(enum segop op, unsigned sel, enum role ro)
{
	const struct want done = DONE(ANY), gp0 = SEGV_GP(0), gps = SEGV_GP(sel & ~3u);
	const int rpl = sel & 3;

	switch (op) {
	case S_DS: case S_ES: case S_FS: case S_GS:
		return ro == R_NULL || ro == R_DATA || ro == R_CODE64 || ro == R_CODE32 ? done : gps;
	case S_SS:
		return ro == R_NULL ? gp0 : ro == R_DATA && rpl == 3 ? done : gps;
	case S_LJMP: case S_LCALL: case S_LRET:
		if (ro == R_NULL)
			return gp0;
		if (op == S_LRET && rpl != 3)
			return gps;
		if (ro == R_CODE64 || ro == R_CODE32) {
			struct want w = DONE(ro == R_CODE64 ? 64 : 32);

			return w;
		}
		return gps;
	default:
		return gps;
	}
}

static void selectors(void)
{
	static void (*const fn[S_N])(void) = { p_movds, p_moves, p_movfs, p_movgs, p_movss,
					       p_ljmp, p_lcall, p_lret };
	/* m16:32 at 0 (with the stack for lcall at 8, the 64-bit target for lret at 16); m16:64 at 24 */
	struct { uint32_t off; uint16_t sel; uint16_t pad; uint64_t stack, off64, q_off; uint16_t q_sel; }
		__attribute__((packed)) far;
	char name[120];

	far.stack = low ? (uintptr_t)(low + 0xf00) : 0;
	for (int op = 0; op < S_N; op++) {
		for (unsigned idx = 0; idx <= 0x60; idx += 8) {
			for (unsigned rpl = 0; rpl <= 3; rpl += 3) {
				unsigned sel = idx | rpl;
				enum role ro = sel_role(sel);
				struct want w = seg_want(op, sel, ro);
				unsigned long arg = sel;

				snprintf(name, sizeof(name), "%s 0x%02x (%s)", segop_name[op], sel, role_name[ro]);
				if (!want_probe(name))
					continue;
				fork_probes = op >= S_LJMP;
				if (op >= S_LJMP) {
					if (!low && ro == R_CODE32) {
						printf("# %s: skipped, no page below 4 GiB for 32-bit code\n", name);
						continue;
					}
					far.sel = sel;
					far.off = low ? (uint32_t)(uintptr_t)(low + (ro == R_CODE32 ? LOW_LAND32 : LOW_LAND64)) : 0;
					far.off64 = ro == R_CODE32 ? (uintptr_t)(low + LOW_LAND32) : (uintptr_t)land64;
					far.q_off = (uintptr_t)land64;
					far.q_sel = sel;
					arg = (unsigned long)&far;
				}
				{
					const struct want ws[2] = { w, QEMU_SMAP_KILL };
					void (*f)(void) = fn[op];

					if (!low && op == S_LJMP) {
						f = p_ljmpq;
						arg += 24;
					} else if (!low && op == S_LCALL) {
						f = p_lcallq;
						arg += 24;
					}
					probe(name, f, arg, ws, op == S_LRET ||
					      (op == S_LCALL && !w.sig) ? 2 : 1);
				}
				fork_probes = 0;
			}
		}
	}
}

/* ---- the page below 4 GiB: landings and compatibility-mode code ---- */

static void put32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }

static unsigned char low_bss[4096] __attribute__((aligned(4096)));

static __attribute__((unused)) void setup_low(void)
{
	unsigned char *p, *c;
	uint32_t base;

	p = mmap((void *)LOW_ADDR, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED || (uintptr_t)p != LOW_ADDR) {
		/* A non-PIE build (hostile_static) has its own .bss below 4 GiB. */
		if ((uintptr_t)low_bss < (1ul << 32) &&
		    !mprotect(low_bss, sizeof(low_bss), PROT_READ | PROT_WRITE | PROT_EXEC)) {
			p = low_bss;
			printf("# no page at %#lx: the 32-bit code goes to this non-PIE program's .bss at %p\n",
			       LOW_ADDR, (void *)p);
		} else {
			printf("# no page at %#lx (%s): no far transfers, no compatibility mode\n", LOW_ADDR,
			       p == MAP_FAILED ? strerror(errno) : "elsewhere");
			return;
		}
	}
	base = (uint32_t)(uintptr_t)p;
	memset(p, 0xcc, 4096);
	/* LAND64: movl $64, LOW_MARK64 (abs); movabs $probe_exit_ok, %rax; jmp *%rax */
	c = p + LOW_LAND64;
	*c++ = 0xc7; *c++ = 0x04; *c++ = 0x25; put32(c, base + LOW_MARK64); c += 4; put32(c, 64); c += 4;
	*c++ = 0x48; *c++ = 0xb8; { uint64_t a = (uintptr_t)probe_exit_ok; memcpy(c, &a, 8); } c += 8;
	*c++ = 0xff; *c++ = 0xe0;
	/* LAND32 (32-bit code): movl $32, LOW_MARK32; ljmp $user_cs, $LAND64 (DS first: null in 64-bit Linux) */
	c = p + LOW_LAND32;
	*c++ = 0xb8; put32(c, user_ss); c += 4;
	*c++ = 0x8e; *c++ = 0xd8;
	*c++ = 0xc7; *c++ = 0x05; put32(c, base + LOW_MARK32); c += 4; put32(c, 32); c += 4;
	*c++ = 0xea; put32(c, base + LOW_LAND64); c += 4; *c++ = user_cs; *c++ = user_cs >> 8;
	/* SYSCALL32 / INT80_32: mov $20, %eax; syscall | int $0x80; mov %eax, RET32; jmp LAND32 */
	for (int k = 0; k < 2; k++) {
		c = p + (k ? LOW_INT80_32 : LOW_SYSCALL32);
		*c++ = 0xb8; put32(c, user_ss); c += 4;
		*c++ = 0x8e; *c++ = 0xd8;
		*c++ = 0xb8; put32(c, 20); c += 4;
		if (k) { *c++ = 0xcd; *c++ = 0x80; } else { *c++ = 0x0f; *c++ = 0x05; }
		*c++ = 0xa3; put32(c, base + LOW_RET32); c += 4;
		*c++ = 0xe9; put32(c, (uint32_t)(LOW_LAND32 - (c + 4 - p)));
	}
	/* UD2_32: mov $7, %eax; ud2; mov %eax, RET32; jmp LAND32 */
	c = p + LOW_UD2_32;
	*c++ = 0xb8; put32(c, user_ss); c += 4;
	*c++ = 0x8e; *c++ = 0xd8;
	*c++ = 0xb8; put32(c, 7); c += 4;
	*c++ = 0x0f; *c++ = 0x0b;
	*c++ = 0xa3; put32(c, base + LOW_RET32); c += 4;
	*c++ = 0xe9; put32(c, (uint32_t)(LOW_LAND32 - (c + 4 - p)));
	low = p;
}

/* ---- IRETQ ---- */

static unsigned long iret_stack[64];

static void irets(void)
{
	unsigned long f[5], fl = __builtin_ia32_readeflags_u64() & ~(TF | NT | AC);
	unsigned long sp = (unsigned long)&iret_stack[60];
	const struct {
		const char *name;
		unsigned long rip, cs, ss, rsp;
		struct want w;
	} c[] = {
		{ "iretq good frame (control)", 0, user_cs, user_ss, sp, DONE(64) },
		{ "iretq cs=0x08", 0, 0x08, user_ss, sp, SEGV_GP(0x08) },
		{ "iretq cs=0x10", 0, 0x10, user_ss, sp, SEGV_GP(0x10) },
		{ "iretq cs=0x0b", 0, 0x0b, user_ss, sp, SEGV_GP(0x08) },
		{ "iretq cs=0x13", 0, 0x13, user_ss, sp, SEGV_GP(0x10) },
		{ "iretq cs=0 (null)", 0, 0, user_ss, sp, SEGV_GP(0) },
		{ "iretq ss=0 (null)", 0, user_cs, 0, sp, SEGV_GP(0) },
		{ "iretq ss=0x18", 0, user_cs, 0x18, sp, SEGV_GP(0x18) },
		{ "iretq ss=0x1b", 0, user_cs, 0x1b, sp, SEGV_GP(0x18) },
		{ "iretq rip=0x0000800000000000 (non-canonical)", 0x800000000000ul, user_cs, user_ss, sp, SEGV_GP(0) },
		{ "iretq rip=0xffff800000000000 (kernel half)", 0xffff800000000000ul, user_cs, user_ss, sp,
		  { SIGSEGV, SEGV_MAPERR, 14, ANY, A_EXACT, 0xffff800000000000ul, ANY, NULL } },
	};
	char name[120];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		f[0] = c[i].rip ? c[i].rip : (unsigned long)land64;
		f[1] = c[i].cs;
		f[2] = fl;
		f[3] = c[i].rsp;
		f[4] = c[i].ss;
		PN(c[i].name, p_iret, f, c[i].w, QEMU_SMAP_KILL);
	}
	if (low && user_cs32) {
		f[0] = (unsigned long)low + LOW_LAND32;
		f[1] = user_cs32;
		f[2] = fl;
		f[3] = sp;
		f[4] = user_ss;
		snprintf(name, sizeof(name), "iretq to the 32-bit user CS 0x%02x", user_cs32);
		PN(name, p_iret, f, DONE(32), QEMU_SMAP_KILL);
	}
}

/* ---- flags across SYSCALL ---- */

struct flagsys { unsigned long mask, nr, a1, a2, ret, after, before; };

/*
 * MOV of the null selector to FS changes the FS base behind the kernel's
 * back (0 on Intel and under TCG; AMD keeps it).  What a thread did must
 * survive its being switched out and in again: Linux with FSGSBASE reads
 * the base back at switch-out.  No libc between the MOV and the restore:
 * glibc's TLS is at the FS base.
 */
static void fs_base_across_sleep(void)
{
	static const struct timespec ts = { 0, 2000000 };
	unsigned long before = 1, after = 2, saved = saved_fsbase;
	const char *name = "mov fs 0, nanosleep: ARCH_GET_FS after the switch is what it was before";
	char line[200];

	if (!want_probe(name))
		return;
	asm volatile("xor %%eax, %%eax\n\tmov %%eax, %%fs\n\t"
		     "mov $158, %%eax\n\tmov $0x1003, %%edi\n\tmov %[b], %%rsi\n\tsyscall\n\t"
		     "mov $35, %%eax\n\tmov %[ts], %%rdi\n\txor %%esi, %%esi\n\tsyscall\n\t"
		     "mov $158, %%eax\n\tmov $0x1003, %%edi\n\tmov %[a], %%rsi\n\tsyscall\n\t"
		     "mov $158, %%eax\n\tmov $0x1002, %%edi\n\tmov %[s], %%rsi\n\tsyscall"
		     : : [b] "r"(&before), [a] "r"(&after), [ts] "r"(&ts), [s] "r"(saved)
		     : "rax", "rcx", "rdx", "rsi", "rdi", "r11", "memory");
	probes++;
	snprintf(line, sizeof(line), "%s (%#lx, then %#lx)", name, before, after);
	if (before == after)
		matched++;
	ok(before == after, line);
}

static void flag_syscalls(void)
{
	static const struct { unsigned long mask; const char *name; } fl[] = { { NT, "NT" }, { AC, "AC" } };
	static const struct timespec ms = { 0, 1000000 };
	const long pid = getpid();
	char name[120], line[300];

	for (int i = 0; i < 2; i++) {
		const struct { long nr; unsigned long a1, a2; const char *what; long want; } sc[] = {
			{ SYS_getpid, 0, 0, "getpid", pid },
			{ SYS_sched_yield, 0, 0, "sched_yield", 0 },
			{ SYS_nanosleep, (unsigned long)&ms, 0, "nanosleep 1 ms", 0 },
		};
		for (int k = 0; k < 3; k++) {
			struct flagsys f = { fl[i].mask, sc[k].nr, sc[k].a1, sc[k].a2, -1, 0, 0 };
			struct res r;
			struct want w = DONE(ANY);

			snprintf(name, sizeof(name), "syscall %s with %s set", sc[k].what, fl[i].name);
			if (!want_probe(name))
				continue;
			r = do_probe(p_flagsys, (unsigned long)&f);
			if (r.sig) {
				judge(name, &r, &w, 1);
				continue;
			}
			probes++;
			snprintf(line, sizeof(line), "%s: returned %ld (want %ld), %s %s after it (was %s before)",
				 name, (long)f.ret, sc[k].want, fl[i].name, f.after & fl[i].mask ? "set" : "clear",
				 f.before & fl[i].mask ? "set" : "clear");
			if ((long)f.ret == sc[k].want && (f.after & fl[i].mask) && (f.before & fl[i].mask)) {
				matched++;
				ok(1, line);
			} else {
				ok(0, line);
			}
		}
	}
}

/* ---- SYSCALL with TF ---- */

static void syscall_tf(void)
{
	struct res r;
	char line[512], rb[160];
	const char *where;

	if (!want_probe("syscall getpid with TF set"))
		return;
	r = do_probe(p_sctf, 0);
	probes++;
	fmt_res(rb, sizeof(rb), &r);
	where = r.rip == (unsigned long)sctf_after ? "trap after the syscall" :
		r.rip == (unsigned long)sctf_after2 ? "trap one instruction after the syscall" : "trap elsewhere";
	snprintf(line, sizeof(line), "syscall getpid with TF set: %s, %s", rb, r.sig == SIGTRAP ? where : "");
	/* Linux 6.12: SIGTRAP TRAP_BRKPT? see the table; the handler cleared TF */
	/* Linux 6.12: the trap comes one instruction after the syscall (it returns with IRET, TF set) */
	if (r.sig == SIGTRAP && r.code == TRAP_TRACE && r.trapno == 1 && r.rip == (unsigned long)sctf_after2) {
		matched++;
		ok(1, line);
	} else {
		ok(0, line);
	}
}

/* ---- the top of user space (a child) ---- */

struct child_report { long map_ret; int map_errno, ran; struct res r; };

static void top_page(unsigned long page, const char *name, const struct want *w, int nw, int map_must_fail)
{
	int fds[2], status = 0;
	struct child_report rep;
	char line[600], rb[160];
	pid_t pid;

	if (!want_probe(name))
		return;
	if (pipe(fds))
		return;
	pid = fork();
	if (pid == 0) {
		unsigned char *p;

		memset(&rep, 0, sizeof(rep));
		p = mmap((void *)page, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		rep.map_ret = (long)p;
		rep.map_errno = p == MAP_FAILED ? errno : 0;
		if (p != MAP_FAILED && (unsigned long)p == page) {
			p[4094] = 0x0f;
			p[4095] = 0x05;
			rep.ran = 1;
			rep.r = do_probe(p_jmp, page + 4094);
		}
		if (write(fds[1], &rep, sizeof(rep)) != sizeof(rep))
			_exit(3);
		_exit(0);
	}
	close(fds[1]);
	memset(&rep, 0, sizeof(rep));
	if (pid < 0 || read(fds[0], &rep, sizeof(rep)) != sizeof(rep))
		rep.map_ret = -2;
	close(fds[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	probes++;
	if (rep.map_ret == -2) {
		snprintf(line, sizeof(line), "%s: the child reported nothing (status %#x%s%d)", name, status,
			 WIFSIGNALED(status) ? ", killed by signal " : ", exit ",
			 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
		ok(0, line);
		return;
	}
	if (!rep.ran) {
		int good = map_must_fail ? rep.map_errno == ENOMEM : rep.map_errno == EEXIST;

		snprintf(line, sizeof(line), "%s: mmap MAP_FIXED_NOREPLACE at %#lx: %s%s", name, page,
			 rep.map_errno ? strerror(rep.map_errno) : "placed elsewhere",
			 good ? (map_must_fail ? " (the page is above TASK_SIZE)" : " (in use)") : "");
		matched += good;
		ok(good, line);
		return;
	}
	fmt_res(rb, sizeof(rb), &rep.r);
	for (int i = 0; i < nw; i++)
		if (fits(&rep.r, &w[i])) {
			matched++;
			snprintf(line, sizeof(line), "%s: mapped; syscall at %#lx: %s%s%s%s", name, page + 4094, rb,
				 w[i].why ? " (" : "", w[i].why ? w[i].why : "", w[i].why ? ")" : "");
			ok(1, line);
			return;
		}
	snprintf(line, sizeof(line), "%s: mapped; syscall at %#lx: got %s%s", name, page + 4094, rb,
		 map_must_fail ? ", want mmap to fail with ENOMEM" : "");
	ok(0, line);
}

/* SYSENTER in a child too: on Intel it enters Linux's 32-bit entry. */
static void sysenter_child(void)
{
	struct res r;
	const char *name = "sysenter (eax=20)";
	const struct want w[] = {
		{ SIGILL, ILL_ILLOPN, 6, 0, A_RIP, 0, ANY, "#UD: AMD in long mode" },
		{ SIGSEGV, SI_KERNEL, 13, 0, A_ZERO, 0, ANY, "#GP(0): Intel, SYSENTER_CS 0" },
		{ SIGSEGV, SEGV_MAPERR, 14, 0x14, A_ANY, 0, ANY, "Intel under Linux: its 32-bit SYSENTER entry "
		  "returns to the 32-bit vDSO's landing pad, which a 64-bit process has not" },
	};

	if (!want_probe(name))
		return;
	fork_probes = 1;
	r = do_probe(p_sysenter, 0);
	fork_probes = 0;
	judge(name, &r, w, 3);
}

/*
 * A signal handler at a non-canonical address: rt_sigaction takes it, and
 * the kernel's IRETQ to it is what faults -- in ring 0 on Intel CPUs and
 * Bochs, in ring 3 at the fetch under QEMU TCG.  Either way the process
 * (SIGSEGV at its default: a child) must die of SIGSEGV, and the kernel
 * must go on.  0x8000000000000000: not canonical under 5-level paging either.
 */
static void bad_handler(void)
{
	const char *name = "a SIGUSR1 handler at 0x8000000000000000 (IRETQ to a non-canonical RIP)";
	const struct want w[] = { { KILLED + SIGSEGV, ANY, ANY, ANY, A_ANY, 0, ANY, NULL } };
	struct res r;
	int status = 0;
	pid_t pid;

	if (!want_probe(name))
		return;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = (void (*)(int))0x8000000000000000ul;
		signal(SIGSEGV, SIG_DFL);
		if (sigaction(SIGUSR1, &sa, NULL))
			_exit(2);
		raise(SIGUSR1);
		_exit(0);
	}
	memset(&r, 0, sizeof(r));
	if (pid > 0)
		waitpid(pid, &status, 0);
	r.sig = pid > 0 && WIFSIGNALED(status) ? KILLED + WTERMSIG(status) : 0;
	r.val = pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	judge(name, &r, w, 1);
}

static void compat_probes(void)
{
	struct { uint32_t off; uint16_t sel; } __attribute__((packed)) far;
	const long pid = getpid();
	char name[120];

	if (!low || !user_cs32) {
		printf("# no page below 4 GiB or no 32-bit user CS: no compatibility-mode probes\n");
		return;
	}
	for (int k = 0; k < 2; k++) {
		struct res r;

		snprintf(name, sizeof(name), "%s from compatibility mode (eax=20, ia32 getpid)",
			 k ? "int $0x80" : "syscall");
		if (!want_probe(name))
			continue;
		far.sel = user_cs32;
		far.off = (uint32_t)(uintptr_t)(low + (k ? LOW_INT80_32 : LOW_SYSCALL32));
		r = do_probe(p_ljmp, (unsigned long)&far);
		if (!r.sig)
			r.val = r.ret32;
		if (k) {
			const struct want w[] = {
				DONE(pid),
				{ SIGSEGV, SI_KERNEL, 13, 0x80 * 8 + 2, A_ZERO, 0, ANY,
				  "no IA32 emulation: the gate is not there" },
			};
			judge(name, &r, w, 2);
		} else {
			const struct want w[] = {
				DONE(pid),
				{ SIGILL, ILL_ILLOPN, 6, 0, A_RIP, 0, ANY, "#UD: Intel has no SYSCALL in compat mode" },
				{ SIGSEGV, SEGV_MAPERR, 14, 0x14, A_ANY, 0, ANY, "Linux: a 32-bit fast syscall returns "
				  "to the 32-bit vDSO's landing pad, which a 64-bit process has not" },
				{ 0, ANY, ANY, ANY, A_ANY, 0, -38,
				  "no IA32 emulation: -ENOSYS, as Linux's entry_SYSCALL32_ignore" },
			};
			judge(name, &r, w, 4);
		}
	}
	/*
	 * A signal taken in compatibility mode: the handler (64-bit code, as
	 * Linux runs it) steps over the UD2 and returns; sigreturn must go back
	 * to the 32-bit CS of the frame, where the code stores EAX and leaves.
	 */
	name[0] = 0;
	snprintf(name, sizeof(name), "ud2 in compatibility mode, the handler returns: back in 32-bit code");
	if (want_probe(name)) {
		struct res r;
		char line[300];
		int good;

		far.sel = user_cs32;
		far.off = (uint32_t)(uintptr_t)(low + LOW_UD2_32);
		resume_after_ud2 = 1;
		r = do_probe(p_ljmp, (unsigned long)&far);
		resume_after_ud2 = 0;
		good = r.sig == SIGILL && r.ret32 == 7;
		probes++;
		matched += good;
		snprintf(line, sizeof(line), "%s: %s, then %s", name, signame(r.sig),
			 r.ret32 == 7 ? "the 32-bit code ran on" : "the 32-bit code did not run on");
		ok(good, line);
	}
}

int main(void)
{
	static unsigned char altstack[65536] __attribute__((aligned(16)));
	static unsigned char buf[64] __attribute__((aligned(16)));
	static const int sigs[] = { SIGSEGV, SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGALRM };
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa;
	unsigned long cs, ssr;

	setvbuf(stdout, NULL, _IOLBF, 0);
	asm volatile("mov %%cs, %0; mov %%ss, %1" : "=r"(cs), "=r"(ssr));
	asm volatile("mov %%ds, %0; mov %%es, %1" : "=m"(saved_ds[0]), "=m"(saved_ds[1]));
	user_cs = cs;
	user_ss = ssr;
	syscall(SYS_arch_prctl, ARCH_GET_FS, &saved_fsbase);
	syscall(SYS_arch_prctl, ARCH_GET_GS, &saved_gsbase);
	for (unsigned sel = 8; sel <= 0x60; sel += 8)
		if (sel_role(sel | 3) == R_CODE32) {
			user_cs32 = sel | 3;
			break;
		}
	printf("# hostile: pid %d, cs %#x, ss %#x, 32-bit user cs %#x, fs base %#lx\n", (int)getpid(),
	       user_cs, user_ss, user_cs32, saved_fsbase);
	if (sigaltstack(&ss, NULL))
		perror("sigaltstack");
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
#ifndef NO_LOW_PAGE	/* -DNO_LOW_PAGE: as where no page below 4 GiB can be had (pkrulab) */
	setup_low();
#endif

	int_n();
	P1("int3", p_int3, 0, ((struct want){ SIGTRAP, SI_KERNEL, 3, 0, A_ZERO, 0, ANY, NULL }));
	PN("int1 (icebp, 0xf1)", p_icebp, 0, ((struct want){ SIGTRAP, TRAP_BRKPT, 1, 0, A_ANY, 0, ANY, "hardware" }),
	   ((struct want){ SIGILL, ILL_ILLOPN, 6, 0, A_RIP, 0, ANY, "QEMU 7.2 TCG: #UD" }));
	P1("into (0xce, invalid in 64-bit mode)", p_into, 0, SIGILL_UD);
	P1("ud2", p_ud2, 0, SIGILL_UD);
	P1("hlt", p_hlt, 0, SEGV_GP(0));
	P1("cli", p_cli, 0, SEGV_GP(0));
	P1("sti", p_sti, 0, SEGV_GP(0));
	P1("in $0x80, %al", p_in80, 0, SEGV_GP(0));
	P1("out %al, $0x80", p_out80, 0, SEGV_GP(0));
	P1("in (dx=0x3f8), %al", p_in3f8, 0, SEGV_GP(0));
	P1("out %al, (dx=0x3f8)", p_out3f8, 0, SEGV_GP(0));
	P1("lgdt", p_lgdt, buf, SEGV_GP(0));
	P1("lidt", p_lidt, buf, SEGV_GP(0));
	P1("ltr 0", p_ltr, 0, SEGV_GP(0));
	P1("lldt 0", p_lldt, 0, SEGV_GP(0));
	PN("sgdt", p_sgdt, buf, DONE(ANY), { .sig = SIGSEGV, .code = SI_KERNEL, .trapno = 13, .err = 0,
		.ar = A_ZERO, .val = ANY, .why = "UMIP and no emulation" });
	PN("sidt", p_sidt, buf, DONE(ANY), { .sig = SIGSEGV, .code = SI_KERNEL, .trapno = 13, .err = 0,
		.ar = A_ZERO, .val = ANY, .why = "UMIP and no emulation" });
	PN("sldt", p_sldt, 0, SEGV_GP(0), { .sig = 0, .code = ANY, .trapno = ANY, .err = ANY, .val = ANY,
		.why = "no UMIP" });
	PN("str", p_str, 0, SEGV_GP(0), { .sig = 0, .code = ANY, .trapno = ANY, .err = ANY, .val = ANY,
		.why = "no UMIP" });
	PN("smsw", p_smsw, 0, DONE(ANY), SEGV_GP(0));
	P1("mov %cr0, %rax", p_rdcr0, 0, SEGV_GP(0));
	P1("mov %rax, %cr0", p_wrcr0, 0x80000011ul, SEGV_GP(0));
	P1("mov %cr2, %rax", p_rdcr2, 0, SEGV_GP(0));
	P1("mov %cr3, %rax", p_rdcr3, 0, SEGV_GP(0));
	P1("mov %rax, %cr3", p_wrcr3, 0, SEGV_GP(0));
	P1("mov %cr4, %rax", p_rdcr4, 0, SEGV_GP(0));
	P1("mov %rax, %cr4", p_wrcr4, 0, SEGV_GP(0));
	P1("mov %cr8, %rax", p_rdcr8, 0, SEGV_GP(0));
	P1("mov %rax, %cr8", p_wrcr8, 15, SEGV_GP(0));
	P1("mov %dr0, %rax", p_rddr0, 0, SEGV_GP(0));
	P1("mov %rax, %dr0", p_wrdr0, 0, SEGV_GP(0));
	P1("mov %dr6, %rax", p_rddr6, 0, SEGV_GP(0));
	P1("mov %dr7, %rax", p_rddr7, 0, SEGV_GP(0));
	P1("mov %rax, %dr7", p_wrdr7, 0x3ff, SEGV_GP(0));
	P1("rdmsr 0x10 (TSC)", p_rdmsr, 0x10, SEGV_GP(0));
	P1("rdmsr 0xc0000080 (EFER)", p_rdmsr, 0xc0000080u, SEGV_GP(0));
	P1("wrmsr 0x10 (TSC) = 0", p_wrmsr, 0x10, SEGV_GP(0));
	P1("wrmsr 0xc0000080 (EFER) = 0", p_wrmsr, 0xc0000080u, SEGV_GP(0));
	PN("rdtsc", p_rdtsc, 0, DONE(ANY), { .sig = SIGSEGV, .code = SI_KERNEL, .trapno = 13, .err = 0,
		.ar = A_ZERO, .val = ANY, .why = "CR4.TSD set" });
	PN("rdpmc 0", p_rdpmc, 0, SEGV_GP(0), { .sig = 0, .code = ANY, .trapno = ANY, .err = ANY, .val = ANY,
		.why = "CR4.PCE set" });
	P1("swapgs", p_swapgs, 0, SEGV_GP(0));
	P1("invlpg", p_invlpg, buf, SEGV_GP(0));
	P1("wbinvd", p_wbinvd, 0, SEGV_GP(0));
	P1("invd", p_invd, 0, SEGV_GP(0));
	P1("clts", p_clts, 0, SEGV_GP(0));
	P1("sysretq", p_sysret, 0, SEGV_GP(0));
	PN("sysexitq", p_sysexit, 0, SEGV_GP(0), { .sig = SIGILL, .code = ILL_ILLOPN, .trapno = 6, .err = 0,
		.ar = A_RIP, .val = ANY, .why = "#UD: AMD in long mode" });
	sysenter_child();
	fork_probes = 1;
	irets();
	fork_probes = 0;
	selectors();
	compat_probes();
	bad_handler();
	syscall_tf();
	flag_syscalls();
	fs_base_across_sleep();
	PN("misaligned load with AC set", p_acmis, buf, DONE(ANY),
	   { .sig = SIGBUS, .code = BUS_ADRALN, .trapno = 17, .err = 0, .ar = A_ANY, .val = ANY,
	     .why = "#AC: CR0.AM set" });
	{
		struct want w[] = { DONE(ANY), SEGV_GP(0x80 * 8 + 2) };

		w[0].val = getpid();
		w[1].why = "no IA32 emulation";
		if (want_probe("int $0x80 eax=20 from 64-bit code")) {
			struct res r = do_probe(p_int80, 0);

			if (!r.sig)
				r.val = r.ret80;
			judge("int $0x80 eax=20 from 64-bit code", &r, w, 2);
		}
	}
	{
		const struct want w[] = { { SIGSEGV, SEGV_MAPERR, 14, ANY, A_EXACT, 0x7ffffffff000ul, ANY, NULL } };
		/* With 5-level paging (QEMU -cpu max has LA57) 0x800000000000 is canonical user space */
		const struct want w47[] = { { SIGSEGV, SEGV_MAPERR, 14, ANY, A_EXACT, 0x800000000000ul, ANY,
					      "5-level paging: the page is user space, the return lands above it" } };
		const struct want w56[] = { { SIGSEGV, SI_KERNEL, 13, 0, A_ZERO, 0, ANY, NULL } };

		top_page(0x7fffffffe000ul, "syscall in the last bytes of 0x7fffffffe000", w, 1, 0);
		top_page(0x7ffffffff000ul, "syscall in the last bytes of 0x7ffffffff000 (CVE-2012-0217)", w47, 1, 1);
		top_page(0xfffffffffff000ul, "syscall in the last bytes of 0xfffffffffff000 (5-level paging's top)",
			 w56, 1, 1);
	}

	printf("hostile: %d probes, %d matched\n", probes, matched);
	return ptest_done("hostile") || probes != matched;
}
