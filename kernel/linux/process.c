/*
 * Linux processes: programs from the boot modules, the ELF loader, the
 * initial stack (argv, envp, the auxiliary vector glibc's static start-up
 * reads), the process's memory, fork, its console output, and the report
 * the cell gets for the program's whole tree of processes.
 *
 * Each process has an address space of its own (<asm/pgtable.h>): the
 * kernel's PML4 entries plus PML4 slots 170..255 (LINUX_USER_LO..
 * LINUX_USER_HI), whose pages are mapped eagerly (no demand paging), U/S=1,
 * key 0 until pkey_mprotect says otherwise.  fork copies every private
 * page at once (no copy-on-write: the programs here fork a few dozen
 * times) and maps each MAP_SHARED page's frame into the child (PTE_SHARED:
 * see "shared frames" below).  A
 * static PIE loads at LINUX_LOAD_BASE; a non-PIE executable at its link
 * address in the low window (proc.h), which its process maps
 * with page tables of its own in place of the kernel's identity map.
 */
#include <asm/cpu.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <kernel/console.h>
#include <kernel/mm.h>
#include <kernel/multiboot2.h>
#include <kernel/panic.h>
#include <kernel/params.h>
#include <kernel/strategy/strategy.h>
#include <kernel/string.h>
#include "elf.h"
#include "proc.h"

/*
 * The programs this image was built with (the Makefile's LINUX_PROGS,
 * generated into build/gen/linux-progs.h): each is a cell whether or not
 * the boot loader loaded it, so a boot without its module2 lines SKIPs
 * those cells instead of losing them (and the expectation table, which
 * names them, still finds them).
 */
static const char *const builtin_programs[] = {
#define LINUX_PROGRAM(name) name,
#include "linux-progs.h"
#undef LINUX_PROGRAM
};

#define PAGES_RESERVE	512	/* never given to a process: page tables, the kernel */
#define MAX_PROGRAMS	(MB2_MAX_MODULES + (int)ARRAY_SIZE(builtin_programs))
_Static_assert(MAX_PROGRAMS <= LINUX_MAX_PROGRAMS, "raise LINUX_MAX_PROGRAMS");
#define STACK_WORDS	512	/* argc, argv, envp, auxv: far fewer are used */

/* Auxiliary vector types (include/uapi/linux/auxvec.h, asm/auxvec.h). */
#define AT_NULL		0
#define AT_PHDR		3
#define AT_PHENT	4
#define AT_PHNUM	5
#define AT_PAGESZ	6
#define AT_BASE		7
#define AT_FLAGS	8
#define AT_ENTRY	9
#define AT_UID		11
#define AT_EUID		12
#define AT_GID		13
#define AT_EGID		14
#define AT_PLATFORM	15
#define AT_HWCAP	16
#define AT_CLKTCK	17
#define AT_SECURE	23
#define AT_RANDOM	25
#define AT_HWCAP2	26
#define AT_EXECFN	31
#define AT_MINSIGSTKSZ	51

#define CPUID_LEAF_FEATURES	1

struct linux_proc lx_procs[LINUX_MAX_PROCS];
struct linux_report lx_session;
static int first_pid, next_id;
static struct linux_program programs[MAX_PROGRAMS];
static int nr_programs = -1;

/* ---- programs in the image ------------------------------------------- */

/*
 * The built-in names first, in the Makefile's order (the ISO's module2
 * lines follow it), each without an image until a module2 line "prog NAME"
 * supplies one; a module of another name (run-qemu.sh --program) is added
 * after them.  A name given twice keeps its first image.
 */
static void programs_scan(void)
{
	static char names[MB2_MAX_MODULES][32];
	int nr_names = 0;

	nr_programs = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(builtin_programs); i++)
		programs[nr_programs++] = (struct linux_program){ builtin_programs[i], NULL, 0 };
	for (int i = 0; i < boot_info.nr_modules; i++) {
		const struct boot_module *m = &boot_info.modules[i];
		struct linux_program *p = NULL;
		const char *c = m->cmdline;
		int n = 0;

		if (!c || strncmp(c, "prog ", 5))
			continue;
		for (c += 5; *c == ' '; c++)
			;
		while (c[n] && c[n] != ' ' && n < (int)sizeof(names[0]) - 1)
			n++;
		if (!n)
			continue;
		memcpy(names[nr_names], c, n);
		names[nr_names][n] = 0;
		for (int k = 0; k < nr_programs && !p; k++)
			if (!strcmp(programs[k].name, names[nr_names]))
				p = &programs[k];
		if (!p) {
			p = &programs[nr_programs++];
			p->name = names[nr_names];
		}
		if (!p->image) {
			p->image = (const void *)m->start;
			p->size = m->end - m->start;
		}
		nr_names++;
	}
}

int linux_nr_programs(void)
{
	if (nr_programs < 0)
		programs_scan();
	return nr_programs;
}

const struct linux_program *linux_program(int i)
{
	return i >= 0 && i < linux_nr_programs() ? &programs[i] : NULL;
}

/* ---- memory ------------------------------------------------------------ */

/* p's own addresses: the Linux region, and a non-PIE executable's low window. */
static bool in_region_of(bool low_window, u64 va, u64 len)
{
	if (va + len < va)
		return false;
	if (va >= LINUX_USER_LO && va + len <= LINUX_TASK_SIZE)
		return true;
	return low_window && va >= LINUX_EXEC_LO && va + len <= LINUX_EXEC_HI;
}

static bool in_region(u64 va, u64 len) { return in_region_of(lx_current()->low_window, va, len); }

bool lx_outside_region(u64 va, u64 len) { return !in_region(va, len); }

bool linux_outside_region(const struct task *t, u64 addr)
{
	return !in_region_of(lx_proc(t)->low_window, addr, 1);
}

bool linux_low_window(const struct task *t) { return lx_proc(t) && lx_proc(t)->low_window; }

bool linux_access_ok_low(u64 uaddr, u64 n)
{
	return linux_low_window(current) && uaddr >= LINUX_EXEC_LO && uaddr + n >= uaddr &&
	       uaddr + n <= LINUX_EXEC_HI;
}

/*
 * Shared frames.  A MAP_SHARED page's leaf carries PTE_SHARED; fork maps
 * its frame into the child (the same address, flags and key: after that
 * each process's PTE is its own, so mprotect and pkey_mprotect change one
 * process's view, as Linux's per-mm VMAs do) and the frame goes back to
 * the allocator when the last address space that maps it lets it go.
 *
 * The share count is not stored: it is the number of live address spaces
 * whose PTE at the page's address maps the frame, and that is what
 * frame_mapped_elsewhere() asks.  That is exact because a shared frame only
 * ever enters an address space through fork, at the address it had in the
 * parent (pkrulab has no mremap, no files to map twice, no shmat), and
 * leaves it through munmap, MAP_FIXED over it, brk over it, or the end of
 * the process -- each of which calls put_frame().  It costs no memory, so
 * the allocator's free count stays what a process can have (oom.c,
 * linux.c's every-page-back check), and its price, one walk per live
 * process (LINUX_MAX_PROCS, 8) for each shared page let go, is only paid
 * for shared pages.  System calls run with interrupts off: no address
 * space changes under the walk.  A root being freed is skipped by
 * identity; one already freed is NULL (lx_proc_end).  An mremap or a
 * second way into a frame would need a real per-frame count.
 */
static bool frame_mapped_elsewhere(pte_t *root, u64 va, u64 pa)
{
	for (int i = 0; i < LINUX_MAX_PROCS; i++) {
		const struct linux_proc *q = &lx_procs[i];
		pte_t *e;

		if (!q->used || !q->root || (pte_t *)q->root == root)
			continue;
		e = lookup_pte_in((pte_t *)q->root, va);
		if (e && (*e & PTE_ADDR_MASK) == pa)
			return true;
	}
	return false;
}

/* root lets the frame pa at va go: freed unless it is shared memory another process maps. */
static void put_frame(pte_t *root, u64 va, u64 pa)
{
	if (!frame_mapped_elsewhere(root, va, pa))
		page_free((void *)pa);
}

void lx_root_free(u64 *root)
{
	paging_unmap_tree_in((pte_t *)root, LINUX_USER_LO, LINUX_USER_HI, page_free, put_frame);
	paging_private_low_free((pte_t *)root, LINUX_EXEC_LO, LINUX_EXEC_HI, page_free, put_frame);
	page_free(root);
}

bool lx_pages_available(u64 n)
{
	return mm_free_pages() > PAGES_RESERVE && mm_free_pages() - PAGES_RESERVE >= n;
}

u64 lx_prot_flags(u64 prot)
{
	/* PROT_NONE keeps the page (and its contents) but takes it from ring 3. */
	if (!(prot & 7))
		return pte_nx();
	/*
	 * Without PROT_EXEC the page is no-execute (a fetch is #PF P|U|I:
	 * SIGSEGV, SEGV_ACCERR).  Linux 6.12 implies exec from PROT_READ only
	 * under READ_IMPLIES_EXEC, which an x86-64 ELF never gets
	 * (elf_read_implies_exec() is mmap_is_ia32() && no PT_GNU_STACK).
	 */
	return PTE_U | ((prot & 2) ? PTE_W : 0) | ((prot & 4) ? 0 : pte_nx());
}

static void free_user_page(u64 va)
{
	pte_t *pte = lookup_pte(va);

	if (pte) {
		if (*pte & PTE_SHARED)
			put_frame(paging_active_root(), va, *pte & PTE_ADDR_MASK);
		else
			page_free((void *)(*pte & PTE_ADDR_MASK));
		unmap_page(va);
	}
}

long lx_map(u64 va, u64 len, u64 pte_flags)
{
	len = ALIGN_UP(len, PAGE_SIZE);
	if ((va & (PAGE_SIZE - 1)) || !in_region(va, len))
		return -LX_EINVAL;
	if (!lx_pages_available(len / PAGE_SIZE))
		return -LX_ENOMEM;
	for (u64 a = va; a < va + len; a += PAGE_SIZE) {
		free_user_page(a);
		map_page(a, (u64)page_alloc(), pte_flags);
	}
	return 0;
}

void lx_unmap(u64 va, u64 len)
{
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!in_region(va, len))
		return;
	for (u64 a = va; a < va + len; a += PAGE_SIZE)
		free_user_page(a);
}

bool lx_mapped(u64 va, u64 len)
{
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!in_region(va, len))
		return false;
	for (u64 a = va; a < va + len; a += PAGE_SIZE)
		if (!lookup_pte(a))
			return false;
	return true;
}

/* Bytes of an address space through its page tables: no PKRU, no U/S, no W. */
static bool access_in(u64 *root, bool low_window, u64 va, void *buf, u64 n, bool write)
{
	u8 *b = buf;

	while (n) {
		pte_t *pte = in_region_of(low_window, va, 1) ?
			lookup_pte_in((pte_t *)root, va & ~(PAGE_SIZE - 1)) : NULL;
		u64 off = va & (PAGE_SIZE - 1), chunk = PAGE_SIZE - off;
		u8 *page;

		if (!pte)
			return false;
		/*
		 * A forced write (ptrace) into shared memory mapped without
		 * PROT_WRITE: Linux's check_vma_flags() refuses it (EFAULT,
		 * ptrace's EIO) rather than break the sharing with a copy.
		 */
		if (write && (*pte & PTE_SHARED) && !(*pte & PTE_W))
			return false;
		if (chunk > n)
			chunk = n;
		page = (u8 *)(*pte & PTE_ADDR_MASK) + off;
		if (write)
			memcpy(page, b, chunk);
		else
			memcpy(b, page, chunk);
		va += chunk;
		b += chunk;
		n -= chunk;
	}
	return true;
}

bool lx_access_remote(struct linux_proc *p, u64 va, void *buf, u64 n, bool write)
{
	return access_in(p->root, p->low_window, va, buf, n, write);
}

/*
 * Copy into the pages of the address space exec builds: through its page
 * tables, not by making it active (a boot module may lie behind the low
 * window, which the kernel reads through its own identity map).
 */
static void poke(struct linux_proc *p, u64 va, const void *src, u64 n)
{
	if (!lx_access_remote(p, va, (void *)src, n, true))
		panic("linux: poke into an unmapped page");
}

void lx_random(void *buf, u64 n)
{
	static u64 state;
	u8 *b = buf;

	if (!state)
		state = kargs.seed * 0x9e3779b97f4a7c15ull | 1;
	for (u64 i = 0; i < n; i++) {
		/* xorshift64 */
		state ^= state << 13;
		state ^= state >> 7;
		state ^= state << 17;
		b[i] = (u8)(state >> 32);
	}
}

/* ---- console output ---------------------------------------------------- */

static void note_line(const char *line)
{
	struct linux_report *r = &lx_session;

	r->lines++;
	snprintf(r->last_line, sizeof(r->last_line), "%s", line);
	/*
	 * Its own results: TAP/KTAP "ok N ..." and "not ok N ...", the pkey
	 * selftest's "test N PASSED ..." and "assert() at FILE::LINE ...", and
	 * glibc's assert() message ("PROG: FILE:LINE: FUNC: Assertion `X' failed.").
	 */
	if (!r->plan && !strncmp(line, "1..", 3) && line[3] >= '1' && line[3] <= '9') {
		for (const char *c = line + 3; *c >= '0' && *c <= '9' && r->plan < 100000; c++)
			r->plan = r->plan * 10 + (*c - '0');
	} else if (!strncmp(line, "ok ", 3) ||
		   (!strncmp(line, "test ", 5) && strstr(line, " PASSED"))) {
		r->ok++;
		snprintf(r->last_ok, sizeof(r->last_ok), "%s", line);
	} else if (!strncmp(line, "not ok ", 7) || !strncmp(line, "assert() at ", 12) ||
		   (strstr(line, ": Assertion `") && strstr(line, "' failed."))) {
		if (!r->not_ok++)
			snprintf(r->first_not_ok, sizeof(r->first_not_ok), "%s", line);
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

/* ---- exec ---------------------------------------------------------------- */

static const char *load_segments(struct linux_proc *p, const struct elf_plan *pl, u64 base)
{
	pte_t *root = (pte_t *)p->root, *pte;

	for (int i = 0; i < pl->nr_loads; i++) {
		const struct elf_segment *s = &pl->load[i];
		u64 va = base + s->vaddr;
		u64 lo = ALIGN_DOWN(va, PAGE_SIZE), hi = ALIGN_UP(va + s->memsz, PAGE_SIZE);
		u64 flags = PTE_U | ((s->flags & ELF_PF_W) ? PTE_W : 0) |
			    ((s->flags & ELF_PF_X) ? 0 : pte_nx());

		for (u64 a = lo; a < hi; a += PAGE_SIZE) {
			/*
			 * A page two segments share keeps the first one's bytes
			 * and gets the union of their rights: executable if
			 * either segment is.
			 */
			if ((pte = lookup_pte_in(root, a))) {
				*pte = (*pte | (flags & ~PTE_NX)) & ~(PTE_NX & ~flags);
				continue;
			}
			if (!lx_pages_available(1))
				return "not enough memory for its segments";
			map_page_in(root, a, (u64)page_alloc(), flags);
		}
		poke(p, va, (const u8 *)p->prog->image + s->offset, s->filesz);
	}
	return NULL;
}

/* Room for the signal frame pkrulab writes (AT_MINSIGSTKSZ, as Linux reports it). */
static u64 min_sigstack_size(void)
{
	return ALIGN_UP(sizeof(struct rt_sigframe64) + sigframe_limits_current()->xstate_size +
			FP_XSTATE_MAGIC2_SIZE + 64 + 16, 16);
}

/* Push a string below *sp; returns its user address. */
static u64 push_string(struct linux_proc *p, u64 *sp, const char *s)
{
	u64 n = strlen(s) + 1;

	*sp -= n;
	poke(p, *sp, s, n);
	return *sp;
}

static u64 build_stack(struct linux_proc *p, const struct elf_plan *pl, u64 base)
{
	static const char *const envp[] = { "HOME=/", "PATH=/bin:/usr/bin", "TERM=linux", "LANG=C" };
	static u64 w[STACK_WORDS];
	char execfn[48];
	u64 sp = LINUX_STACK_TOP, execfn_va, argv0, env_va[ARRAY_SIZE(envp)], plat, rnd;
	u8 random[16];
	int n = 0;

	snprintf(execfn, sizeof(execfn), "/prog/%s", p->prog->name);
	execfn_va = push_string(p, &sp, execfn);
	for (int i = ARRAY_SIZE(envp) - 1; i >= 0; i--)
		env_va[i] = push_string(p, &sp, envp[i]);
	argv0 = push_string(p, &sp, p->prog->name);
	plat = push_string(p, &sp, "x86_64");
	lx_random(random, sizeof(random));
	sp = ALIGN_DOWN(sp - sizeof(random), 16);
	rnd = sp;
	poke(p, rnd, random, sizeof(random));

	w[n++] = 1;			/* argc */
	w[n++] = argv0;
	w[n++] = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(envp); i++)
		w[n++] = env_va[i];
	w[n++] = 0;
#define AUX(type, val) do { w[n++] = (type); w[n++] = (val); } while (0)
	AUX(AT_PHDR, base + pl->phdr);
	AUX(AT_PHENT, pl->phent);
	AUX(AT_PHNUM, pl->phnum);
	AUX(AT_PAGESZ, PAGE_SIZE);
	AUX(AT_BASE, 0);		/* no interpreter */
	AUX(AT_FLAGS, 0);
	AUX(AT_ENTRY, base + pl->entry);
	AUX(AT_UID, LINUX_UID);
	AUX(AT_EUID, LINUX_UID);
	AUX(AT_GID, LINUX_UID);
	AUX(AT_EGID, LINUX_UID);
	AUX(AT_PLATFORM, plat);
	AUX(AT_HWCAP, cpuid(CPUID_LEAF_FEATURES).edx);
	AUX(AT_HWCAP2, 0);		/* no FSGSBASE for user, no ring-3 MWAIT */
	AUX(AT_CLKTCK, 100);
	AUX(AT_SECURE, 0);
	AUX(AT_RANDOM, rnd);
	AUX(AT_EXECFN, execfn_va);
	AUX(AT_MINSIGSTKSZ, min_sigstack_size());
	AUX(AT_NULL, 0);
#undef AUX
	/* At the entry point RSP is 16-byte aligned and points at argc. */
	sp = ALIGN_DOWN(sp - n * 8, 16);
	poke(p, sp, w, n * 8);
	return sp;
}

/* ---- processes --------------------------------------------------------- */

int lx_new_id(void) { return next_id++; }

struct linux_proc *lx_proc_by_pid(int pid)
{
	for (int i = 0; i < LINUX_MAX_PROCS; i++)
		if (lx_procs[i].used && lx_procs[i].pid == pid)
			return &lx_procs[i];
	return NULL;
}

struct task *lx_task_by_tid(int tid)
{
	for (int i = 1; i < MAX_TASKS; i++)
		if (lx_proc(&tasks[i]) && lx_same_process(&tasks[i], lx_proc(&tasks[i])) &&
		    lx_proc(&tasks[i])->thr[i].tid == tid)
			return &tasks[i];
	return NULL;
}

static struct linux_proc *proc_alloc(void)
{
	for (int i = 0; i < LINUX_MAX_PROCS; i++)
		if (!lx_procs[i].used) {
			memset(&lx_procs[i], 0, sizeof(lx_procs[i]));
			lx_procs[i].used = true;
			lx_procs[i].pid = lx_new_id();
			lx_session.processes++;
			return &lx_procs[i];
		}
	return NULL;
}

/* A dead task's slot can be taken again once it is not running (its stack is idle). */
static bool task_slot_free(void)
{
	for (int i = 1; i < MAX_TASKS; i++) {
		if (tasks[i].state == TASK_DEAD && &tasks[i] != current) {
			lx_detach(&tasks[i]);
			tasks[i].state = TASK_UNUSED;
		}
		if (tasks[i].state == TASK_UNUSED)
			return true;
	}
	return false;
}

struct task *lx_task_create(struct linux_proc *p, int tid)
{
	struct task *t;

	if (!task_slot_free())
		return NULL;
	t = task_create_user(current->name, 0, 0, 0);
	lx_attach(t, p);
	t->root = p->root;
	memset(&p->thr[t->id], 0, sizeof(p->thr[t->id]));
	p->thr[t->id].tid = tid ? tid : lx_new_id();
	return t;
}

struct linux_proc *lx_fork(struct task **child_task, long *err)
{
	struct linux_proc *parent = lx_current(), *c;
	u64 need = paging_count_tree((pte_t *)parent->root, LINUX_USER_LO, LINUX_USER_HI) + 1 +
		   paging_count_low((pte_t *)parent->root, LINUX_EXEC_LO, LINUX_EXEC_HI);
	struct task *t;
	int pid;

	if (!lx_pages_available(need)) {
		*err = -LX_ENOMEM;
		return NULL;
	}
	/* Both tables first: nothing is copied for a fork that cannot happen. */
	if (!task_slot_free() || !(c = proc_alloc())) {
		*err = -LX_EAGAIN;
		return NULL;
	}
	pid = c->pid;
	/* The process's own state comes along: memory layout, keys, files, real-time signals. */
	*c = *parent;
	c->pid = pid;
	c->parent = parent;
	c->tracer = NULL;
	c->stopped = c->stop_reported = c->group_stop = c->continued = false;
	c->stopped_task = NULL;
	c->group_exit = false;
	c->group_exit_code = c->last_exit_code = 0;
	c->group_exit_reason[0] = 0;
	c->line_len = 0;
	memset(c->thr, 0, sizeof(c->thr));
	c->root = (u64 *)paging_root_create();
	paging_copy_tree((pte_t *)c->root, (pte_t *)parent->root, LINUX_USER_LO, LINUX_USER_HI);
	paging_private_low_copy((pte_t *)c->root, (pte_t *)parent->root, LINUX_EXEC_LO,
				LINUX_EXEC_HI);
	lx_files_fork(c, parent);

	t = lx_task_create(c, pid);	/* a free slot was checked above */
	c->task = t;
	*child_task = t;
	return c;
}

/* ---- the program: its first process, and the cell's report ------------- */

_Static_assert(ELF_FIXED_LO == LINUX_EXEC_LO && ELF_FIXED_HI == LINUX_EXEC_HI,
	       "the ELF checker and the address space agree on the low window");

/* Why a non-PIE executable cannot run here, or NULL. */
static const char *low_window_unusable(void)
{
	if ((u64)__kernel_end > LINUX_EXEC_LO)
		return "the kernel image reaches into the low window (4 MiB): non-PIE executables "
		       "cannot run with this build";
	if (identity_map_limit() < LINUX_EXEC_HI)
		return "the identity map ends below 32 MiB";
	return NULL;
}

struct task *linux_exec(const struct linux_program *prog, const char **why)
{
	static char reason[160];
	struct elf_plan plan;
	struct linux_proc *p;
	struct task *t;
	const char *err;
	u64 sp, base;

	for (int i = 0; i < LINUX_MAX_PROCS; i++)
		if (lx_procs[i].used) {
			*why = "another Linux program is running (one at a time)";
			return NULL;
		}
	err = elf_plan(prog->image, prog->size, &plan);
	if (!err && plan.fixed)
		err = low_window_unusable();
	if (err) {
		snprintf(reason, sizeof(reason), "%s: %s", prog->name, err);
		*why = reason;
		return NULL;
	}
	base = plan.fixed ? 0 : LINUX_LOAD_BASE;
	if (!plan.fixed && plan.end > LINUX_MMAP_TOP - LINUX_LOAD_BASE - LINUX_BRK_MAX) {
		*why = "the executable is too large for the Linux address space layout";
		return NULL;
	}
	memset(&lx_session, 0, sizeof(lx_session));
	next_id = 1;
	p = proc_alloc();
	first_pid = p->pid;
	p->prog = prog;
	p->low_window = plan.fixed;
	p->root = (u64 *)paging_root_create();
	if (plan.fixed)
		paging_private_low((pte_t *)p->root, LINUX_EXEC_LO, LINUX_EXEC_HI);
	err = load_segments(p, &plan, base);
	/*
	 * The stack is executable only for a PT_GNU_STACK with PF_X, as Linux
	 * 6.12's setup_arg_pages() on x86-64: EXSTACK_ENABLE_X adds VM_EXEC,
	 * and without PT_GNU_STACK (EXSTACK_DEFAULT) VM_STACK_DEFAULT_FLAGS
	 * has VM_EXEC only under READ_IMPLIES_EXEC, never set for x86-64
	 * (arch/x86/include/asm/elf.h's table: "missing PT_GNU_STACK ...
	 * has NX, x86_64: exec-none").
	 */
	for (u64 a = LINUX_STACK_TOP - LINUX_STACK_SIZE; !err && a < LINUX_STACK_TOP; a += PAGE_SIZE) {
		if (!lx_pages_available(1))
			err = "not enough memory for its stack";
		else
			map_page_in((pte_t *)p->root, a, (u64)page_alloc(),
				    PTE_U | PTE_W | (plan.exec_stack ? 0 : pte_nx()));
	}
	if (err) {
		lx_root_free(p->root);
		p->used = false;
		snprintf(reason, sizeof(reason), "%s: %s", prog->name, err);
		*why = reason;
		return NULL;
	}
	p->exit_signal = LINUX_SIGCHLD;
	/* A non-PIE executable's heap goes where a PIE's would: the window holds only its image. */
	p->brk_start = p->brk = plan.fixed ? LINUX_LOAD_BASE : ALIGN_UP(base + plan.end, PAGE_SIZE);
	p->mmap_low = LINUX_MMAP_TOP;
	p->pkey_map = 1;		/* key 0 is every page's default */
	p->exec_only_pkey = -1;
	lx_rlimits_init(p);
	lx_files_init(p);
	sp = build_stack(p, &plan, base);

	t = task_create_user(prog->name, 0, 0, 0);
	lx_attach(t, p);
	t->root = p->root;
	p->task = t;
	memset(&p->thr[t->id], 0, sizeof(p->thr[t->id]));
	p->thr[t->id].tid = p->pid;
	t->uentry = base + plan.entry;
	t->ustack = sp;
	t->uarg = 0;			/* RDI; RDX = 0: no rtld_fini for _start */
	t->fs_base = 0;
	/* execve gives the process Linux's init PKRU: only key 0 accessible. */
	if (pke_enabled())
		strategy->set_pkru(t, PKRU_INIT_LINUX);
	return t;
}

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
