/*
 * exec: the Linux programs in the image (from the Makefile and the boot
 * modules), and a program's first process -- its ELF segments loaded, its
 * stack mapped, and the initial stack glibc's static start-up reads (argc,
 * argv, envp, the auxiliary vector).  A static PIE loads at
 * LINUX_LOAD_BASE; a non-PIE executable at its link address in the low
 * window (proc.h).
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

#define MAX_PROGRAMS	(MB2_MAX_MODULES + (int)ARRAY_SIZE(builtin_programs))
_Static_assert(MAX_PROGRAMS <= LINUX_MAX_PROGRAMS, "raise LINUX_MAX_PROGRAMS");
/* argc, argv and envp with their NULLs, and the auxiliary vector (fewer than 64 words). */
#define STACK_WORDS	(LX_EXEC_MAX_STRINGS + 3 + 64)

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

/* ---- the new process's memory and initial stack ---------------------- */

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

/* AT_RANDOM's bytes, and getrandom's. */
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

/* The auxiliary vector at w[n], as Linux's create_elf_tables(); returns the new n. */
static int build_auxv(u64 *w, int n, const struct elf_plan *pl, u64 base, u64 plat, u64 rnd,
		      u64 execfn_va)
{
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
	/* Ring 3 may use RDFSBASE & co. when CR4.FSGSBASE is on (cpu_setup()); no ring-3 MWAIT. */
	AUX(AT_HWCAP2, read_cr4() & X86_CR4_FSGSBASE ? HWCAP2_FSGSBASE : 0);
	AUX(AT_CLKTCK, 100);
	AUX(AT_SECURE, 0);
	AUX(AT_RANDOM, rnd);
	AUX(AT_EXECFN, execfn_va);
	AUX(AT_MINSIGSTKSZ, min_sigstack_size());
	AUX(AT_NULL, 0);
#undef AUX
	return n;
}

/*
 * The initial stack from a's strings: argv and envp, AT_EXECFN's name,
 * then the pointers and the auxiliary vector below them.  lx_exec_args_ok()
 * has bounded the counts so that all of it fits in w.
 */
static u64 build_stack(struct linux_proc *p, const struct elf_plan *pl, u64 base,
		       const struct lx_exec_args *a)
{
	static u64 w[STACK_WORDS];
	static u64 str_va[LX_EXEC_MAX_STRINGS];
	int nstr = a->argc + a->envc, n = 0;
	u64 sp = LINUX_STACK_TOP, execfn_va, plat, rnd;
	u8 random[16];

	execfn_va = push_string(p, &sp, a->execfn);
	for (int i = nstr - 1; i >= 0; i--)
		str_va[i] = push_string(p, &sp, a->str[i]);
	plat = push_string(p, &sp, "x86_64");
	lx_random(random, sizeof(random));
	sp = ALIGN_DOWN(sp - sizeof(random), 16);
	rnd = sp;
	poke(p, rnd, random, sizeof(random));

	w[n++] = a->argc;
	for (int i = 0; i < nstr; i++) {
		w[n++] = str_va[i];
		if (i == a->argc - 1)
			w[n++] = 0;	/* argv's end */
	}
	w[n++] = 0;			/* envp's end */
	n = build_auxv(w, n, pl, base, plat, rnd, execfn_va);
	/* At the entry point RSP is 16-byte aligned and points at argc. */
	sp = ALIGN_DOWN(sp - n * 8, 16);
	poke(p, sp, w, n * 8);
	return sp;
}

/* ---- exec: the program's first process -------------------------------- */

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

/* Why prog cannot run, as the cell reports it ("NAME: WHY"). */
static const char *exec_refused(const struct linux_program *prog, const char *err)
{
	static char reason[160];

	snprintf(reason, sizeof(reason), "%s: %s", prog->name, err);
	return reason;
}

/*
 * The stack is executable only for a PT_GNU_STACK with PF_X, as Linux
 * 6.12's setup_arg_pages() on x86-64: EXSTACK_ENABLE_X adds VM_EXEC,
 * and without PT_GNU_STACK (EXSTACK_DEFAULT) VM_STACK_DEFAULT_FLAGS
 * has VM_EXEC only under READ_IMPLIES_EXEC, never set for x86-64
 * (arch/x86/include/asm/elf.h's table: "missing PT_GNU_STACK ...
 * has NX, x86_64: exec-none").
 */
static const char *map_stack(struct linux_proc *p, bool exec_stack)
{
	for (u64 a = LINUX_STACK_TOP - LINUX_STACK_SIZE; a < LINUX_STACK_TOP; a += PAGE_SIZE) {
		if (!lx_pages_available(1))
			return "not enough memory for its stack";
		map_page_in((pte_t *)p->root, a, (u64)page_alloc(),
			    PTE_U | PTE_W | (exec_stack ? 0 : pte_nx()));
	}
	return NULL;
}

/*
 * The memory a program starts with (segments, stack, initial stack) into
 * p->root, fresh and not active, and the state that goes with its layout:
 * heap, mmap, keys (only key 0: Linux's mm_init() resets the allocation map
 * and the execute-only key).  Both the cell's first exec and execve load
 * through here.  NULL, or why it failed (the caller frees p->root).
 */
const char *lx_exec_load(struct linux_proc *p, const struct elf_plan *pl,
			 const struct lx_exec_args *a, u64 *entry, u64 *sp)
{
	u64 base = pl->fixed ? 0 : LINUX_LOAD_BASE;
	const char *err;

	p->low_window = pl->fixed;	/* the pokes below reach the window through it */
	err = load_segments(p, pl, base);
	if (!err)
		err = map_stack(p, pl->exec_stack);
	if (err)
		return err;
	/* A non-PIE executable's heap goes where a PIE's would: the window holds only its image. */
	p->brk_start = p->brk = pl->fixed ? LINUX_LOAD_BASE : ALIGN_UP(base + pl->end, PAGE_SIZE);
	p->mmap_low = LINUX_MMAP_TOP;
	p->pkey_map = 1;		/* key 0 is every page's default */
	p->exec_only_pkey = -1;
	*entry = base + pl->entry;
	*sp = build_stack(p, pl, base, a);
	return NULL;
}

const char *lx_exec_check(const struct linux_program *prog, struct elf_plan *plan)
{
	const char *err = elf_plan(prog->image, prog->size, plan);

	if (!err && plan->fixed)
		err = low_window_unusable();
	if (!err && !plan->fixed &&
	    plan->end > LINUX_MMAP_TOP - LINUX_LOAD_BASE - LINUX_BRK_MAX)
		err = "the executable is too large for the Linux address space layout";
	return err;
}

/* The process's first thread, to start at entry with its stack at sp. */
static struct task *exec_first_thread(struct linux_proc *p, u64 entry, u64 sp)
{
	struct task *t = task_create_user(p->prog->name, 0, 0, 0);

	lx_attach(t, p);
	t->root = p->root;
	p->task = t;
	memset(&p->thr[t->id], 0, sizeof(p->thr[t->id]));
	p->thr[t->id].tid = p->pid;
	t->uentry = entry;
	t->ustack = sp;
	t->uarg = 0;			/* RDI; RDX = 0: no rtld_fini for _start */
	t->fs_base = 0;
	/* execve gives the process Linux's init PKRU: only key 0 accessible. */
	if (pke_enabled())
		strategy->set_pkru(t, PKRU_INIT_LINUX);
	return t;
}

struct task *linux_exec(const struct linux_program *prog, const char **why)
{
	static char execfn[48];
	struct lx_exec_args args = { .argc = 1, .envc = 4, .execfn = execfn,
		.str = { prog->name, "HOME=/", "PATH=/bin:/usr/bin", "TERM=linux", "LANG=C" } };
	struct elf_plan plan;
	struct linux_proc *p;
	const char *err;
	u64 sp, entry;

	for (int i = 0; i < LINUX_MAX_PROCS; i++)
		if (lx_procs[i].used) {
			*why = "another Linux program is running (one at a time)";
			return NULL;
		}
	err = lx_exec_check(prog, &plan);
	if (err) {
		*why = exec_refused(prog, err);
		return NULL;
	}
	snprintf(execfn, sizeof(execfn), "/prog/%s", prog->name);
	lx_report_begin();
	p = lx_proc_first();
	p->prog = prog;
	p->root = lx_root_create(plan.fixed);
	err = lx_exec_load(p, &plan, &args, &entry, &sp);
	if (err) {
		lx_root_free(p->root);
		p->used = false;
		*why = exec_refused(prog, err);
		return NULL;
	}
	p->exit_signal = LINUX_SIGCHLD;
	lx_rlimits_init(p);
	lx_files_init(p);
	return exec_first_thread(p, entry, sp);
}
