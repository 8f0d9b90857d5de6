/*
 * In-kernel sigreturn fuzzing (SYS_sigreturn_fuzz, called from inside a
 * signal handler): take the genuine frame the kernel just wrote, corrupt a
 * copy of it at random (seed= makes a run replayable), run it through the
 * real rt_sigreturn path on scratch registers, and check that whatever is
 * accepted is harmless: ring-3 selectors, IOPL 0, IF set, a canonical
 * user RIP and RSP, and no XRSTOR fault escaping.  The genuine frame, the
 * task's FPU state and its PKRU are put back afterwards, so the handler
 * returns normally through the real sigreturn.
 */
#include <asm/desc.h>
#include <asm/pgtable.h>
#include <asm/processor-flags.h>
#include <asm/processor.h>
#include <asm/xstate.h>
#include <kernel/console.h>
#include <kernel/fpu.h>
#include <kernel/signal.h>
#include <kernel/strategy/strategy.h>
#include <kernel/string.h>
#include <kernel/task.h>
#include <kernel/uaccess.h>

#define SPAN_MAX	(XSTATE_BUF_MAX + 1024)
#define OUTCOMES	(SIGFRAME_NR_ERRORS + 3)
#define OUT_UNREADABLE	SIGFRAME_NR_ERRORS
#define OUT_XRSTOR	(SIGFRAME_NR_ERRORS + 1)
#define OUT_VIOLATION	(SIGFRAME_NR_ERRORS + 2)

struct fuzz_result {
	u64 iterations, accepted, rejected, xrstor_faults, violations;
	u64 by_outcome[OUTCOMES];
};

static u8 orig[SPAN_MAX], work[SPAN_MAX];
static u8 saved_fpu[XSTATE_BUF_MAX] __aligned(64);

static bool canonical_user(u64 a) { return a >= USER_IMAGE_VA && a < USER_VA_END; }

static void put64(u8 *p, u64 v) { memcpy(p, &v, 8); }

/* One random corruption of the frame image in work[0, len). */
static void mutate(u8 *w, u64 len, u64 fp_off)
{
	u64 r = prng_next(), v = prng_next();
	u64 uc = offsetof(struct rt_sigframe64, uc);
	u64 sc = uc + offsetof(struct ucontext64, uc_mcontext);

	switch (r % 10) {
	case 0:		/* a few bit flips anywhere */
		for (int i = 0; i < 1 + (int)(v & 3); i++) {
			u64 at = prng_next() % len;

			w[at] ^= 1u << (prng_next() & 7);
		}
		break;
	case 1:		/* a random byte in the ucontext */
		w[uc + v % sizeof(struct ucontext64)] = prng_next();
		break;
	case 2:		/* the XSAVE header */
		put64(w + fp_off + XSAVE_HDR_OFFSET + 8 * (v % 8), prng_next() & (prng_next() | 0x2ff));
		break;
	case 3:		/* fx_sw_bytes */
		w[fp_off + FX_SW_BYTES_OFFSET + v % 24] = prng_next();
		break;
	case 4:		/* MXCSR */
		w[fp_off + XSAVE_MXCSR_OFFSET + v % 4] ^= 1u << (prng_next() & 7);
		break;
	case 5:		/* magic2 or the XSTATE_BV bit for a component */
		if (v & 1)
			w[len - 4 + (v >> 1) % 4] = prng_next();
		else
			w[fp_off + XSAVE_HDR_OFFSET + (v >> 1) % 2] ^= 1u << (prng_next() & 7);
		break;
	case 6: {	/* a run of random bytes */
		u64 at = v % len, n = 16 + prng_next() % 240;

		for (u64 i = 0; i < n && at + i < len; i++)
			w[at + i] = prng_next();
		break;
	}
	case 7: {	/* RIP or RSP: random, kernel, non-canonical */
		static const u64 picks[] = { 0x100000, 0x8000000000000000ull, 0x0000800000000000ull,
					     0xffffffff80000000ull, 0 };
		u64 off = sc + ((v & 1) ? offsetof(struct sigcontext64, rip)
					: offsetof(struct sigcontext64, rsp));

		put64(w + off, (v & 2) ? prng_next() : picks[prng_next() % 5]);
		break;
	}
	case 8:		/* the fpstate pointer */
		put64(w + sc + offsetof(struct sigcontext64, fpstate),
		      (v & 1) ? prng_next() : (USER_IMAGE_VA + (prng_next() % 0x100000000ull)));
		break;
	default: {	/* selectors and RFLAGS: must be forced, not trusted */
		struct sigcontext64 *c = (struct sigcontext64 *)(w + sc);

		c->cs = prng_next();
		c->ss = prng_next();
		c->eflags = prng_next();
		break;
	}
	}
}

/* What an accepted frame gave the registers: only ring 3 can have come of it. */
static bool harmless(const struct pt_regs *regs)
{
	return (regs->cs == USER_CS || regs->cs == USER_CS32) && regs->ss == USER_DS &&
	       !(regs->rflags & X86_EFLAGS_IOPL) && (regs->rflags & X86_EFLAGS_IF) &&
	       canonical_user(regs->rip) && canonical_user(regs->rsp);
}

/* Count one frame's outcome: rc and why from sigreturn_restore(), scratch what it loaded. */
static void tally(struct fuzz_result *res, int rc, const char *why, const struct pt_regs *scratch)
{
	res->iterations++;
	if (rc == 0) {
		res->accepted++;
		if (!harmless(scratch)) {
			res->violations++;
			res->by_outcome[OUT_VIOLATION]++;
			diag("sigreturn fuzz: accepted frame breaks an invariant: cs=%#llx ss=%#llx "
			     "rflags=%#llx rip=%#llx rsp=%#llx", scratch->cs, scratch->ss,
			     scratch->rflags, scratch->rip, scratch->rsp);
		}
		return;
	}
	res->rejected++;
	if (rc == -2) {
		res->xrstor_faults++;
		res->by_outcome[OUT_XRSTOR]++;
		return;
	}
	for (int e = 1; e < SIGFRAME_NR_ERRORS; e++)
		if (!strcmp(why, sigframe_error_name(e))) {
			res->by_outcome[e]++;
			return;
		}
	res->by_outcome[OUT_UNREADABLE]++;
}

static void report(const struct fuzz_result *res, u64 seed)
{
	diag("sigreturn fuzz (seed %llu): %llu frames: %llu accepted, %llu rejected, "
	     "%llu XRSTOR faults caught, %llu invariant violations", seed, res->iterations,
	     res->accepted, res->rejected, res->xrstor_faults, res->violations);
	for (int e = 1; e < OUTCOMES; e++)
		if (res->by_outcome[e] && e < SIGFRAME_NR_ERRORS)
			diag("  rejected %6llu: %s", res->by_outcome[e], sigframe_error_name(e));
	if (res->by_outcome[OUT_UNREADABLE])
		diag("  rejected %6llu: frame or XSAVE area not readable", res->by_outcome[OUT_UNREADABLE]);
}

long sys_sigreturn_fuzz(struct pt_regs *r)
{
	static struct fuzz_result res;
	struct task *t = current;
	struct task_signals *s = &t->sig;
	const struct sigframe_limits *lim;
	struct rt_sigframe64 *gf = (struct rt_sigframe64 *)orig;
	u64 frame = s->last_frame, n = r->rdi, fp_off, len;
	u64 save_blocked = s->blocked, save_changes = s->frame_pkru_changes;
	u32 save_depth = s->depth, save_pkru;

	if (!s->depth || !frame || n > 1000000)
		return -EINVAL;
	lim = sigframe_limits_current();
	if (copy_from_user(orig, frame, sizeof(*gf)))
		return -EFAULT;
	fp_off = gf->uc.uc_mcontext.fpstate - frame;
	len = fp_off + lim->xstate_size + FP_XSTATE_MAGIC2_SIZE;
	if (fp_off > 1024 || len > SPAN_MAX || copy_from_user(orig, frame, len))
		return -EFAULT;

	save_pkru = strategy->get_pkru(t);
	fpu_save(saved_fpu, fpu_xfeatures());
	memset(&res, 0, sizeof(res));
	prng_seed(r->rsi);
	for (u64 i = 0; i < n; i++) {
		struct pt_regs scratch = *r;
		const char *why = "?";
		int rc;

		memcpy(work, orig, len);
		mutate(work, len, fp_off);
		/* An accepted frame may have loaded any PKRU: write with all keys open. */
		wrpkru(0);
		if (copy_to_user(frame, work, len))
			break;
		strategy->set_pkru(t, save_pkru);
		s->depth = save_depth;
		rc = sigreturn_restore(&scratch, frame, &why, true);
		tally(&res, rc, why, &scratch);
	}

	/* Put back the genuine frame and the handler's own state. */
	wrpkru(0);
	if (copy_to_user(frame, orig, len))
		return -EFAULT;
	fpu_restore(saved_fpu, fpu_xfeatures() & ~XFEATURE_MASK_PKRU);
	strategy->set_pkru(t, save_pkru);
	s->blocked = save_blocked;
	s->depth = save_depth;
	s->frame_pkru_changes = save_changes;

	report(&res, (u64)r->rsi);
	if (r->rdx && copy_to_user(r->rdx, &res, sizeof(res)))
		return -EFAULT;
	return 0;
}
