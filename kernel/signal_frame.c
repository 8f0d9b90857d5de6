/*
 * Taking a signal and rt_sigreturn (see <kernel/signal.h>): the frame is
 * written here and read back here; kernel/sigframe.c (host-compiled too)
 * says whether what is read back may be restored, kernel/signal.c queues
 * the signals.
 *
 * Delivery follows Linux 6.12 by default (signal_abi=linux612): the frame
 * is written with every key enabled (an altstack whose key the
 * interrupted PKRU denies still works), the interrupted PKRU is then put
 * into the frame with XSTATE_BV[9] set, and the handler starts with its
 * policy PKRU (handler_pkru=).  rt_sigreturn reads the sigcontext and the
 * fields the validator checks (kernel/sigframe.c), then XRSTORs straight
 * from the user frame with PKRU masked out and hands the frame's PKRU to
 * the strategy.  Both sides touch user memory in user-access sections
 * (<kernel/uaccess.h>): single loads and stores, each with its own fault
 * fixup, as Linux's unsafe_put_user() does -- the signal round trip is a
 * path-length target.
 *
 * signal_abi=linux61 delivers as Linux 6.1 does, before the 6.13 fixes
 * that 6.12.y backported.  What differs for PKRU, read from both trees
 * (Debian's linux-source-6.1 6.1.192 and linux-source-6.12 6.12.117):
 *  - PKRU while the frame is written.  6.12: arch/x86/kernel/signal.c
 *    get_sigframe() calls sig_prepare_pkru(), which saves PKRU and writes
 *    0, before copy_fpstate_to_sigframe(); on failure it writes the saved
 *    value back.  6.1: get_sigframe() has no such step, so the XSAVE of
 *    copy_fpstate_to_sigframe() (fpu/signal.c) and the sigcontext stores
 *    of setup_rt_frame() run under the interrupted task's own PKRU.  A
 *    stack or altstack whose key that PKRU denies faults; the frame is
 *    not written, setup_rt_frame() fails and signal_setup_done() calls
 *    force_sigsegv(): the process dies of SIGSEGV.
 *  - PKRU in the frame.  6.12: fpu/xstate.h xsave_to_user_sigframe(buf,
 *    pkru) calls update_pkru_in_sigframe() after XSAVE, which sets
 *    XSTATE_BV[9] (set_xfeature_in_sigframe) and stores the saved PKRU in
 *    component 9 -- needed because XSAVE ran with PKRU=0.  6.1:
 *    xsave_to_user_sigframe(buf) is the XSAVE alone: component 9 is the
 *    live (interrupted) PKRU and XSTATE_BV[9] is what the CPU's XINUSE[9]
 *    says (TCG: always 1; real CPUs may clear it for PKRU=0, which
 *    XRSTOR's init value 0 then reproduces).
 *  - The handler's PKRU: the same in both, init_pkru (0x55555554 unless
 *    set otherwise), written by fpu__clear_user_states() ->
 *    restore_fpregs_from_init_fpstate() -> pkru_write_default() after the
 *    frame is written.  Neither release opens an altstack's key for the
 *    handler (6.12's comment at sig_prepare_pkru() leaves that to the
 *    application); pkrulab's default does (see setup_rt_frame), linux61
 *    does not.
 *  - rt_sigreturn: the same in both.  fpu__restore_sig() ->
 *    restore_fpregs_from_user() XRSTORs from the user frame with
 *    user_xfeatures (PKRU included), so PKRU comes from the frame's
 *    component 9, or is 0 with XSTATE_BV[9] clear; pkrulab's sigreturn
 *    already does that, in every ABI.
 * The policy applies to every configuration: with XCR0[9]=0 (explicit,
 * unmanaged) XSAVE has no component 9, so the frame's PKRU stays the
 * software one of sigframe_pkru= (soft: written with XSTATE_BV[9] set)
 * and only the write-under-the-interrupted-PKRU and altstack rules change.
 * A delivery that fails (the frame cannot be written, or would overflow
 * the altstack) is Linux's force_sigsegv(): a SIGSEGV the task's handler
 * may catch, and the end of the task if SIGSEGV's own delivery fails.
 * A bad rt_sigreturn frame is Linux's signal_fault(): force_sig(SIGSEGV)
 * with the frame's registers loaded and the FPU state reset.
 *
 * Injected bugs (frame_pkru_live, bv_clear in delivery; stale_sigreturn,
 * init_skip in sigreturn) are not in the straight-line code: each side
 * makes one test of the hooks word and calls an out-of-line function at
 * the end of this file that does what the buggy kernel would have done.
 */
#include <asm/desc.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <asm/safe.h>
#include <asm/traps.h>
#include <asm/xstate.h>
#include <kernel/abi.h>
#include <kernel/console.h>
#include <kernel/fpu.h>
#include <kernel/params.h>
#include <kernel/signal.h>
#include <kernel/strategy/strategy.h>
#include <kernel/task.h>
#include <kernel/uaccess.h>

#define SURVEILLANCE_LOG_MAX 3

static u8 frame_xs[XSTATE_BUF_MAX] __aligned(64);
static u32 mxcsr_mask;

/* Frame PKRU policy in force for the active configuration. */
static enum sigframe_pkru_policy signal_frame_policy(void)
{
	return strategy_sigframe_policy(strategy->config);
}

static u32 mxcsr_feature_mask(void)
{
	static u8 fx[512] __aligned(16);

	if (!mxcsr_mask) {
		asm volatile("fxsave64 %0" : "=m"(fx));
		mxcsr_mask = *(u32 *)(fx + XSAVE_MXCSR_MASK_OFFSET);
		if (!mxcsr_mask)
			mxcsr_mask = 0xffbf;	/* SDM: the default when FXSAVE reports 0 */
	}
	return mxcsr_mask;
}

/*
 * The frame policy and limits depend only on the strategy (with the
 * arguments, fixed after boot) and XCR0: worked out when either changes,
 * not on every signal.
 */
static struct {
	enum pkru_config config;
	u64 xcr0;
	enum sigframe_pkru_policy policy;
	bool linux61;		/* signal_abi=linux61 */
	bool xsave_pkru;	/* linux61 with XCR0[9]=1: component 9 as XSAVE wrote it */
	/* The frame written under the interrupted PKRU, no key opened for an altstack. */
	bool keep_keys;
	/* rt_sigreturn takes its out-of-line step for an injected bug. */
	bool sigreturn_slow;
	struct sigframe_limits lim;
} sigcfg = { .xcr0 = ~0ull };	/* no XCR0 value: the first use fills it in */

static void __attribute__((noinline)) sigcfg_refresh(void)
{
	enum sigframe_pkru_policy pol = signal_frame_policy();
	u64 xcr0 = fpu_xfeatures();
	u32 size = xstate_size_for(xcr0);

	if (pol == SIGFRAME_PKRU_SOFT) {
		xcr0 |= XFEATURE_MASK_PKRU;
		if (size < xstate_pkru_offset() + 8)
			size = xstate_pkru_offset() + 8;
	}
	sigcfg.lim.xfeatures_allowed = xcr0;
	sigcfg.lim.xstate_size = size;
	sigcfg.lim.mxcsr_mask = mxcsr_feature_mask();
	sigcfg.lim.user_lo = USER_IMAGE_VA;
	sigcfg.lim.user_hi = USER_VA_END;
	sigcfg.policy = pol;
	sigcfg.linux61 = kargs.signal_abi == SIGNAL_ABI_LINUX61;
	sigcfg.xsave_pkru = sigcfg.linux61 && pol == SIGFRAME_PKRU_HW;
	/*
	 * pkru_guard=altstack, declared here once: no key is opened for the
	 * handler (it starts with its policy PKRU, as in every Linux), and the
	 * frame is written under the interrupted PKRU, so only where the
	 * interrupted context may write: a stack or altstack it denies (K's
	 * memory) fails the delivery with SIGSEGV, as Linux 6.1's does.  Worked
	 * out here, not on each signal: the delivery path costs nothing more.
	 */
	sigcfg.keep_keys = sigcfg.linux61 || pkru_guard_on(PKRU_GUARD_ALTSTACK);
	sigcfg.sigreturn_slow = kargs.inject != INJECT_NONE;
	sigcfg.config = strategy->config;
	sigcfg.xcr0 = fpu_xfeatures();
}

void signal_policy_changed(void) { sigcfg.xcr0 = ~0ull; }

static inline void sigcfg_check(void)
{
	if (sigcfg.config != strategy->config || sigcfg.xcr0 != fpu_xfeatures())
		sigcfg_refresh();
}

const struct sigframe_limits *sigframe_limits_current(void)
{
	sigcfg_check();
	return &sigcfg.lim;
}

static bool on_altstack(struct task_signals *s, u64 sp)
{
	return !(s->altstack_flags & SS_DISABLE) && sp > s->altstack_sp &&
	       sp <= s->altstack_sp + s->altstack_size;
}

static u32 handler_pkru(u32 interrupted)
{
	switch (kargs.handler_pkru) {
	case HANDLER_PKRU_INHERIT:
		return interrupted;
	case HANDLER_PKRU_VALUE:
		return kargs.handler_pkru_value;
	default:
		return PKRU_INIT_LINUX;
	}
}

/* r8 .. rcx, the general registers sigcontext and pt_regs keep alike. */
#define SC_GPRS 15
_Static_assert(offsetof(struct sigcontext64, rcx) - offsetof(struct sigcontext64, r8) ==
		       (SC_GPRS - 1) * 8 &&
	       offsetof(struct pt_regs, rcx) - offsetof(struct pt_regs, r8) == (SC_GPRS - 1) * 8 &&
	       offsetof(struct pt_regs, rax) - offsetof(struct pt_regs, r8) ==
		       offsetof(struct sigcontext64, rax) - offsetof(struct sigcontext64, r8) &&
	       offsetof(struct pt_regs, rbp) - offsetof(struct pt_regs, r8) ==
		       offsetof(struct sigcontext64, rbp) - offsetof(struct sigcontext64, r8),
	       "pt_regs and sigcontext disagree on the order of the general registers");

/*
 * Where a frame goes below sp (the red zone already skipped, or an
 * altstack's top): the XSAVE area 64-byte aligned, its magic2 after it,
 * and below it the rt_sigframe, placed so that the handler starts with
 * RSP + 8 16-byte aligned, as after a CALL (Linux's get_sigframe()).
 */
#define SIGFRAME_FPSTATE(sp, xsize) ALIGN_DOWN((sp) - (xsize) - FP_XSTATE_MAGIC2_SIZE, 64)
static inline u64 sigframe_place(u64 sp, u32 xsize)
{
	return ALIGN_DOWN(SIGFRAME_FPSTATE(sp, xsize) - sizeof(struct rt_sigframe64), 16) - 8;
}

/*
 * Linux's get_sigframe() with an altstack set up: an SA_ONSTACK handler
 * enters the altstack unless the stack below the red zone is on it
 * already; a frame for a context on the altstack (nested) or entering it
 * must fit inside it, or the delivery fails (SIGSEGV, signal_frame_failed()):
 * as Linux's -1L, a top of stack that access_ok() refuses.
 */
static __attribute__((noinline)) u64
altstack_frame_top(struct task_signals *s, const struct k_sigaction *ka, u64 rsp, u32 xsize,
		   bool *onstack)
{
	bool nested = on_altstack(s, rsp);
	u64 sp = rsp - SIG_RED_ZONE;

	if ((ka->flags & SA_ONSTACK) && !on_altstack(s, sp)) {
		sp = s->altstack_sp + s->altstack_size;
		*onstack = true;
	}
	if ((nested || *onstack) && !on_altstack(s, sigframe_place(sp, xsize)))
		return ~0ull;
	return sp;
}

/* One field of the user frame (inside a user-access section). */
#define PUT_FRAME(field, val) unsafe_put_u64((val), (u64)&uf->field)

/*
 * Write the frame straight into user memory: one access_ok() for all of
 * it, then single stores in one user-access section (a fault anywhere,
 * e.g. an altstack whose key is denied, fails the whole delivery).
 */
static inline __attribute__((always_inline)) bool
write_rt_frame(struct pt_regs *r, int sig, struct k_sigaction *ka, u64 frame, u64 fp, u32 in_frame,
	       enum sigframe_pkru_policy pol)
{
	const struct sigframe_limits *lim = &sigcfg.lim;
	struct rt_sigframe64 *uf = (struct rt_sigframe64 *)frame;
	struct task_signals *s = &current->sig;
	const u64 *info = (const u64 *)&s->info[sig];
	u64 bv;

	user_access_begin();
	/* XSAVE writes only XSTATE_BV's RFBM bits of the header: clear it first. */
#pragma GCC unroll 8
	for (int i = 0; i < XSAVE_HDR_SIZE; i += 8)
		unsafe_put_u64(0, fp + XSAVE_HDR_OFFSET + i);
	unsafe_xsave(fp, fpu_xfeatures());
	bv = unsafe_get_u64(fp + XSAVE_HDR_OFFSET);
	if (sigcfg.xsave_pkru) {
		/*
		 * Linux 6.1: XSAVE ran under the interrupted PKRU, so component
		 * 9 holds it with XSTATE_BV[9] = XINUSE[9], and nothing more is
		 * written.
		 */
	} else if (pol != SIGFRAME_PKRU_NONE) {
		/* XSAVE ran with PKRU=0, its init value: AMD leaves component 9 out. */
		bv &= ~XFEATURE_MASK_PKRU;
		unsafe_put_u32(in_frame, fp + xstate_pkru_offset());
		/* The 6.13 fix: the slot counts only with XSTATE_BV[9] set. */
		bv |= XFEATURE_MASK_PKRU;
	} else {
		bv &= ~XFEATURE_MASK_PKRU;
	}
	unsafe_put_u64(bv, fp + XSAVE_HDR_OFFSET);
	/* struct fx_sw_bytes, padding zeroed, then MAGIC2 after the area. */
	unsafe_put_u64(FP_XSTATE_MAGIC1 | (u64)(lim->xstate_size + FP_XSTATE_MAGIC2_SIZE) << 32,
		       fp + FX_SW_BYTES_OFFSET);
	unsafe_put_u64(lim->xfeatures_allowed, fp + FX_SW_BYTES_OFFSET + 8);
	unsafe_put_u64(lim->xstate_size, fp + FX_SW_BYTES_OFFSET + 16);
#pragma GCC unroll 4
	for (int i = 24; i < (int)sizeof(struct fx_sw_bytes); i += 8)
		unsafe_put_u64(0, fp + FX_SW_BYTES_OFFSET + i);
	unsafe_put_u32(FP_XSTATE_MAGIC2, fp + lim->xstate_size);

	PUT_FRAME(pretcode, ka->restorer);
	/* Strict SS restore for a 64-bit context (else: frame_segments()). */
	PUT_FRAME(uc.uc_flags, UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS);
	PUT_FRAME(uc.uc_link, 0);
	PUT_FRAME(uc.uc_stack.ss_sp, s->altstack_sp);
	/* ss_flags and the padding after it */
	PUT_FRAME(uc.uc_stack.ss_flags,
		  (u32)(s->altstack_flags | (on_altstack(s, r->rsp) ? SS_ONSTACK : 0)));
	PUT_FRAME(uc.uc_stack.ss_size, s->altstack_size);
	/* r8 .. rcx: pt_regs keeps them in sigcontext's order. */
	unsafe_copy_qwords(&uf->uc.uc_mcontext.r8, &r->r8, SC_GPRS);
	PUT_FRAME(uc.uc_mcontext.rsp, r->rsp);
	PUT_FRAME(uc.uc_mcontext.rip, r->rip);
	PUT_FRAME(uc.uc_mcontext.eflags, r->rflags);
	/*
	 * cs, gs, fs, ss: four u16 in one quadword; gs and fs 0, as Linux
	 * writes.  Any other CS or SS than the 64-bit flat pair: frame_segments().
	 */
	PUT_FRAME(uc.uc_mcontext.cs, USER_CS | (u64)USER_DS << 48);
	PUT_FRAME(uc.uc_mcontext.err, s->fault_error[sig]);
	PUT_FRAME(uc.uc_mcontext.trapno, s->fault_vector[sig]);
	PUT_FRAME(uc.uc_mcontext.oldmask, s->blocked);
	PUT_FRAME(uc.uc_mcontext.cr2, s->fault_vector[sig] == VEC_PF ? s->info[sig].u.fault.addr : 0);
	PUT_FRAME(uc.uc_mcontext.fpstate, fp);
	/* reserved1[] is left alone, as Linux does. */
	PUT_FRAME(uc.uc_sigmask, s->blocked);
#pragma GCC unroll 16
	for (int i = 0; i < (int)(sizeof(struct siginfo64) / 8); i++)
		unsafe_put_u64(i < SIGINFO_KEPT ? info[i] : 0, (u64)&uf->info + 8 * i);
	return user_access_end();
}

static bool frame_injected_bugs(u64 fp, u32 handler_pkru, enum sigframe_pkru_policy pol);


/*
 * Linux's force_valid_ss(): keep SS if it names a present, writable DPL-3
 * data segment, else the flat one.  A handler keeps the interrupted SS
 * (DOSEMU reads it there), a non-strict sigreturn to 64-bit code too.
 */
static __attribute__((noinline, cold)) void force_valid_ss(struct pt_regs *r)
{
	u32 ar = selector_access_rights(r->ss) & (AR_DPL_MASK | AR_S | AR_P | AR_TYPE_MASK);

	if (ar != (AR_DPL3 | AR_S | AR_P | AR_TYPE_RWDATA) &&
	    ar != (AR_DPL3 | AR_S | AR_P | AR_TYPE_RWDATA_EXPDOWN))
		r->ss = USER_DS;
}

/*
 * A Linux thread's frame (pkrulab's own tasks always run 64-bit code on
 * the flat stack, and pay nothing here).  If the interrupted context was
 * not 64-bit code on the flat stack (ring 3 ran 32- or 16-bit code, or
 * loaded another SS) the frame gets the real CS and SS, and
 * UC_STRICT_RESTORE_SS only for 64-bit code (Linux: user_64bit_mode());
 * the handler runs 64-bit with SS kept if valid.  Called with the
 * frame's keys open, as write_rt_frame() is.
 */
static __attribute__((noinline, cold)) bool frame_segments(struct pt_regs *r, u64 frame)
{
	const struct rt_sigframe64 *uf = (const struct rt_sigframe64 *)frame;
	u64 flags = UC_FP_XSTATE | UC_SIGCONTEXT_SS | (r->cs == USER_CS ? UC_STRICT_RESTORE_SS : 0);
	u64 sel = (r->cs & 0xffff) | (r->ss & 0xffff) << 48;

	if (r->cs == USER_CS && r->ss == USER_DS)
		return true;		/* what write_rt_frame() wrote */
	if (copy_to_user((u64)&uf->uc.uc_flags, &flags, sizeof(flags)) ||
	    copy_to_user((u64)&uf->uc.uc_mcontext.cs, &sel, sizeof(sel)))
		return false;
	if (r->ss != USER_DS)
		force_valid_ss(r);
	return true;
}

/*
 * The frame's selectors are not the 64-bit flat pair.  pkrulab's own
 * tasks: back to the 32-bit GDT code segment if that is what the frame
 * says, else 64-bit (the caller set it).  A Linux process: Linux's
 * restore_sigcontext(), CS and SS from the frame with RPL 3 (a kernel,
 * system or not-present descriptor faults at IRET: the SIGSEGV/SIGBUS
 * Linux gives), and without UC_STRICT_RESTORE_SS a 64-bit context's SS
 * made valid.
 */
static __attribute__((noinline, cold)) void
sigreturn_segments(struct pt_regs *r, u64 uframe, u64 sel, const struct sigframe_limits *lim)
{
	u64 uc_flags = UC_STRICT_RESTORE_SS;

	if (!lim->frame_selectors) {
		if ((u16)sel == USER_CS32)
			r->cs = USER_CS32;
		return;
	}
	/* Read a moment ago, on this CPU, without preemption: still readable. */
	copy_from_user(&uc_flags, uframe + offsetof(struct rt_sigframe64, uc.uc_flags),
		       sizeof(uc_flags));
	r->cs = (sel & 0xffff) | SEGMENT_RPL_MASK;
	r->ss = ((sel >> 48) & 0xffff) | SEGMENT_RPL_MASK;
	if (!(uc_flags & UC_STRICT_RESTORE_SS) && r->cs == USER_CS)
		force_valid_ss(r);
}

/* Deliver one signal; false if the frame could not be written (the task dies). */
static inline __attribute__((always_inline)) bool
setup_rt_frame(struct pt_regs *r, int sig, struct k_sigaction *ka)
{
	struct task *t = current;
	struct task_signals *s = &t->sig;
	const struct sigframe_limits *lim = sigframe_limits_current();
	enum sigframe_pkru_policy pol = sigcfg.policy;
	u32 interrupted = strategy->get_pkru(t), hp = handler_pkru(interrupted);
	u64 sp = r->rsp - SIG_RED_ZONE, fp, frame;
	bool onstack = false;

	/* One test when no altstack is set up, the delivery path's usual case. */
	if (__builtin_expect(!(s->altstack_flags & SS_DISABLE), 0))
		sp = altstack_frame_top(s, ka, r->rsp, lim->xstate_size, &onstack);
	frame = sigframe_place(sp, lim->xstate_size);
	fp = SIGFRAME_FPSTATE(sp, lim->xstate_size);
	if (!access_ok(frame, sp - frame))
		return false;
	/*
	 * The handler must be able to use an altstack whose key it would deny
	 * (pkrulab's rule; no Linux release has it, and linux61 keeps to 6.1).
	 */
	if (onstack && !sigcfg.keep_keys)
		hp &= ~(PKRU_AD_BIT(page_pkey(sp - 1)) | PKRU_WD_BIT(page_pkey(sp - 1)));

	/*
	 * Linux 6.12: every key enabled while the kernel writes the frame.
	 * Linux 6.1 and pkru_guard=altstack: the interrupted PKRU, so a
	 * stack it denies faults here.
	 */
	wrpkru(sigcfg.keep_keys ? interrupted : 0);
	if (!write_rt_frame(r, sig, ka, frame, fp, interrupted, pol) ||
	    (task_abi_foreign(t) && !frame_segments(r, frame)) ||
	    (__builtin_expect(inject_hooked(INJECT_HOOK_SIGFRAME), 0) &&
	     !frame_injected_bugs(fp, hp, pol))) {
		/* The task goes on (SIGSEGV): with its own PKRU, as 6.12's write_pkru(pkru). */
		wrpkru(interrupted);
		return false;
	}

	/* The handler gets a clean FPU state and its policy PKRU. */
	strategy->fpu_reset(t);
	strategy->set_pkru(t, hp);
	s->delivered_pkru[s->depth % SIG_NEST_MAX] = interrupted;
	s->depth++;
	s->delivered++;
	s->last_frame = frame;
	s->blocked |= ka->mask | ((ka->flags & SA_NODEFER) ? 0 : SIGBIT(sig));
	r->rip = ka->handler;
	r->rsp = frame;
	/* The handler is 64-bit code, whatever mode ring 3 was in (Linux too). */
	r->cs = USER_CS;
	r->rdi = sig;
	r->rsi = frame + offsetof(struct rt_sigframe64, info);
	r->rdx = frame + offsetof(struct rt_sigframe64, uc);
	r->rax = 0;
	r->rflags &= ~(X86_EFLAGS_TF | X86_EFLAGS_DF | X86_EFLAGS_AC);
	return true;
}

/* A signal whose default action is taken: the task ends (off the delivery path). */
static __noreturn __attribute__((noinline, cold)) void signal_fatal(int sig)
{
	char why[96];

	snprintf(why, sizeof(why), "terminated by signal %d (no handler)", sig);
	task_exit(TASK_EXIT_SIGNALLED(sig), why);
}

/*
 * The frame could not be written (no restorer, a stack that is unmapped,
 * denied or too small, an altstack overflowed): Linux's force_sigsegv().
 * A failed SIGSEGV delivery ends the task; any other signal is replaced
 * by a SIGSEGV that the task's handler for it may catch (on the stack its
 * own flags choose), or that ends the task if it has none or blocks it.
 */
static __attribute__((noinline, cold)) void signal_frame_failed(int sig)
{
	char why[96];

	snprintf(why, sizeof(why), "signal %d: could not write the signal frame", sig);
	if (sig == SIGSEGV)
		task_exit(TASK_EXIT_SIGNALLED(SIGSEGV), why);
	signal_force_sigsegv(why);
}

void signal_deliver_pending(struct pt_regs *r)
{
	struct task_signals *s = &current->sig;
	u64 ready;

	while ((ready = s->pending & ~s->blocked)) {
		int sig = __builtin_ctzll(ready);
		struct k_sigaction *ka = &s->action[sig];

		s->pending &= ~SIGBIT(sig);
		/* A personality's part (Linux: stops, ptrace, the other default actions, syscall restart). */
		if (task_abi_foreign(current)) {
			const struct task_abi *abi = task_abi(current);

			if (abi->signal_filter && !(sig = abi->signal_filter(r, sig)))
				continue;
			ka = &s->action[sig];
			if (ka->handler > SIG_IGN && abi->syscall_restart)
				abi->syscall_restart(r, true, ka->flags & SA_RESTART);
		}
		if (ka->handler == SIG_IGN)
			continue;
		if (ka->handler == SIG_DFL)
			signal_fatal(sig);
		if (!(ka->flags & SA_RESTORER) || !setup_rt_frame(r, sig, ka)) {
			/* The SIGSEGV it becomes is pending now: the loop takes it next. */
			signal_frame_failed(sig);
			continue;
		}
		/* One frame at a time: the handler runs before the next. */
		break;
	}
	if (task_abi_has(current, syscall_restart))
		task_abi(current)->syscall_restart(r, false, false);
	/* A blocked signal keeps the slow exit until it is taken. */
	if (!s->pending)
		current->work &= ~TASK_WORK_SIGNAL;
}

/* What rt_sigreturn reads from the sigcontext besides the general registers. */
struct sigreturn_ctx {
	u64 rsp, rip, flags, sel, fp, mask;
	const struct sigframe_limits *lim;
};

#define FRAME_UNREADABLE "frame not readable (unmapped, or a key the current PKRU denies)"

/*
 * Read the sigcontext.  The general registers go straight into regs: on
 * any failure the caller discards them (the task is killed, or the
 * fuzzer's regs are scratch).  What is checked or forced waits in c.
 */
static inline __attribute__((always_inline)) bool
sigreturn_read_context(struct pt_regs *r, u64 uframe, struct sigreturn_ctx *c, const char **why)
{
	const struct sigcontext64 *usc = &((const struct rt_sigframe64 *)uframe)->uc.uc_mcontext;

	if (!access_ok(uframe, sizeof(struct rt_sigframe64))) {
		*why = FRAME_UNREADABLE;
		return false;
	}
	user_access_begin();
	unsafe_copy_qwords(&r->r8, &usc->r8, SC_GPRS);
	c->rsp = unsafe_get_u64((u64)&usc->rsp);
	c->rip = unsafe_get_u64((u64)&usc->rip);
	c->flags = unsafe_get_u64((u64)&usc->eflags);
	c->sel = unsafe_get_u64((u64)&usc->cs);
	c->fp = unsafe_get_u64((u64)&usc->fpstate);
	c->mask = unsafe_get_u64((u64)&((const struct rt_sigframe64 *)uframe)->uc.uc_sigmask);
	if (!user_access_end()) {
		*why = FRAME_UNREADABLE;
		return false;
	}
	return true;
}

/*
 * Check the XSAVE area the context points at.  Only the fields the
 * validator reads and the PKRU slot come into the kernel (frame_xs);
 * XRSTOR takes the rest from user memory.  One CPU and no preemption in
 * here: nothing can change the frame in between.
 */
static inline __attribute__((always_inline)) bool
sigreturn_check_xstate(const struct sigreturn_ctx *c, enum sigframe_pkru_policy pol,
		       const char **why)
{
	struct sigframe_range rg[SIGFRAME_XS_RANGES];
	u64 n = c->lim->xstate_size + FP_XSTATE_MAGIC2_SIZE, fp = c->fp;
	u32 pkru_off = xstate_pkru_offset();
	enum sigframe_error err;

	if ((fp & 63) || !access_ok(fp, n)) {
		*why = sigframe_error_name(SIGFRAME_BAD_FPSTATE_PTR);
		return false;
	}
	sigframe_xs_ranges(c->lim->xstate_size, rg);
	user_access_begin();
#pragma GCC unroll 4
	for (int i = 0; i < SIGFRAME_XS_RANGES; i++) {
		u32 o = rg[i].off, end = o + rg[i].len;

#pragma GCC unroll 8
		for (; o + 8 <= end; o += 8)
			*(u64 *)(frame_xs + o) = unsafe_get_u64(fp + o);
		if (o < end)
			*(u32 *)(frame_xs + o) = unsafe_get_u32(fp + o);
	}
	if (pol != SIGFRAME_PKRU_NONE)
		*(u32 *)(frame_xs + pkru_off) = unsafe_get_u32(fp + pkru_off);
	if (!user_access_end()) {
		*why = "XSAVE area not readable (unmapped, or a key the current PKRU denies)";
		return false;
	}
	err = sigframe_validate_ctx(c->rip, c->rsp, fp, frame_xs, n, c->lim);
	if (err != SIGFRAME_OK) {
		*why = sigframe_error_name(err);
		return false;
	}
	return true;
}

static u32 sigreturn_pkru_injected(struct task *t, enum sigframe_pkru_policy pol, u32 want);
static void sigreturn_pkru_changed(struct task *t, enum sigframe_pkru_policy pol, u32 delivered,
				   u32 want, bool quiet);

/*
 * The PKRU the task returns with: the frame's (policies hw and soft), or
 * the kernel's own copy of the interrupted one (none).  A change from
 * what the handler was given goes out of line: the seed's surveillance
 * and the pkru_guard= checks of it.  A frame that keeps its PKRU -- the
 * measured round trip -- pays one compare for all of them.
 */
static inline __attribute__((always_inline)) u32
sigreturn_pkru(struct task *t, enum sigframe_pkru_policy pol, bool quiet)
{
	struct task_signals *s = &t->sig;
	/* The live PKRU matters only outside a handler. */
	u32 delivered = s->depth ? s->delivered_pkru[(s->depth - 1) % SIG_NEST_MAX] :
				   strategy->get_pkru(t);
	u32 want = pol == SIGFRAME_PKRU_NONE ? delivered : xstate_image_pkru_or(frame_xs, PKRU_HW_INIT);

	/* Any injected bug (those that leave sigreturn alone change nothing). */
	if (__builtin_expect(sigcfg.sigreturn_slow, 0))
		want = sigreturn_pkru_injected(t, pol, want);
	if (__builtin_expect(want != delivered, 0))
		sigreturn_pkru_changed(t, pol, delivered, want, quiet);
	return want;
}

/*
 * Load the frame's FPU state and hand its PKRU to the strategy.  PKRU is
 * never loaded by this XRSTOR (RFBM leaves it out).  With XCR0[9]=0 a set
 * XSTATE_BV[9] -- the soft frame PKRU -- would still #GP, so it is
 * cleared in the spent frame first.
 */
static inline __attribute__((always_inline)) bool
sigreturn_load_fpu(struct task *t, u64 fp, u32 pkru, const char **why)
{
	u64 xcr0 = fpu_xfeatures(), bv;

	user_access_begin();
	bv = xstate_hdr(frame_xs)->xstate_bv;
	if ((bv & XFEATURE_MASK_PKRU) && !(xcr0 & XFEATURE_MASK_PKRU))
		unsafe_put_u64(bv & ~XFEATURE_MASK_PKRU, fp + XSAVE_HDR_OFFSET);
	unsafe_xrstor(fp, xcr0 & ~XFEATURE_MASK_PKRU);
	if (!user_access_end()) {
		fpu_reset_regs(true);
		*why = "XRSTOR of the frame's XSAVE area faulted (caught)";
		return false;
	}
	strategy->set_pkru(t, pkru);
	return true;
}

/* How do_sigreturn() fails: what of the frame has been read, what is loaded. */
#define SIGRETURN_UNREADABLE	-1	/* the sigcontext: regs may hold some of its GPRs */
#define SIGRETURN_XRSTOR	-2	/* the XRSTOR faulted: FPU registers reset */
#define SIGRETURN_REJECTED	-3	/* the validator said no: ctx read, nothing loaded */

/*
 * The context's RIP, RSP, selectors and RFLAGS into regs.  RFLAGS
 * sanitised; selectors the 64-bit flat pair unless the frame has others:
 * sigreturn_segments() (pkrulab's tasks: forced, only the 32-bit GDT code
 * segment kept; a Linux process: Linux's rules, RPL 3).  No way to ring 0
 * or IOPL 3.
 */
static inline __attribute__((always_inline)) void
sigreturn_load_context(struct pt_regs *r, u64 uframe, const struct sigreturn_ctx *c)
{
	r->rsp = c->rsp;
	r->rip = c->rip;
	r->cs = USER_CS;
	r->ss = USER_DS;
	if (__builtin_expect(c->sel != (USER_CS | (u64)USER_DS << 48), 0))
		sigreturn_segments(r, uframe, c->sel, c->lim);
	r->rflags = sigframe_sanitize_rflags(c->flags, r->rflags);
}

/* rt_sigreturn's limits for t: its ABI may allow more (a non-PIE Linux
 * process lies below the user half). */
static inline __attribute__((always_inline)) const struct sigframe_limits *
sigreturn_limits(const struct task *t)
{
	const struct sigframe_limits *lim = sigframe_limits_current();

	return task_abi_has(t, sigframe_limits) ? task_abi(t)->sigframe_limits(lim) : lim;
}

/*
 * The core of rt_sigreturn, also driven by the in-kernel fuzzer.  On
 * success regs hold the frame's context and the FPU/PKRU state is loaded;
 * on failure (SIGRETURN_*) neither the FPU state nor PKRU has been
 * touched (an XRSTOR fault is caught and the FPU registers reset).
 */
static inline __attribute__((always_inline)) int
do_sigreturn(struct pt_regs *r, u64 uframe, struct sigreturn_ctx *c, const char **why,
	     bool quiet)
{
	struct task *t = current;
	struct task_signals *s = &t->sig;
	enum sigframe_pkru_policy pol = sigcfg.policy;

	c->lim = sigreturn_limits(t);
	if (!sigreturn_read_context(r, uframe, c, why))
		return SIGRETURN_UNREADABLE;
	if (!sigreturn_check_xstate(c, pol, why))
		return SIGRETURN_REJECTED;
	if (!sigreturn_load_fpu(t, c->fp, sigreturn_pkru(t, pol, quiet), why))
		return SIGRETURN_XRSTOR;

	sigreturn_load_context(r, uframe, c);
	s->blocked = c->mask & ~SIGBIT(SIGKILL);
	if (s->depth)
		s->depth--;
	s->returned++;
	return 0;
}

int sigreturn_restore(struct pt_regs *r, u64 uframe, const char **why, bool quiet)
{
	struct sigreturn_ctx c;

	return do_sigreturn(r, uframe, &c, why, quiet);
}

/*
 * A frame rt_sigreturn would not load: Linux's signal_fault(), i.e.
 * force_sig(SIGSEGV), which a SIGSEGV handler catches (corrupt_xstate_header,
 * sysret_rip) and which otherwise ends the task with the reason.  What
 * the task holds by then is what Linux's rt_sigreturn leaves:
 *  - a frame it could not read: its registers as they were (Linux copies
 *    the sigcontext before it loads any; here a sigcontext whose register
 *    block runs into an unreadable page leaves the ones before it loaded);
 *  - any other: restore_sigcontext() has loaded the frame's registers and
 *    its signal mask, then fpu__restore_sig() failed and
 *    fpu__clear_user_states() reset the FPU state and wrote the default
 *    PKRU -- here the handler policy's, what a handler starts with.  The
 *    frame's PKRU is never loaded.  (Linux loads a frame whose only fault
 *    is its RIP, then takes the #GP of the IRET; pkrulab's validator
 *    rejects the RIP first: the same SIGSEGV at the same RIP, with the
 *    FPU state reset instead of the frame's.)
 * RAX is 0, rt_sigreturn's return value on a bad frame.
 */
static __attribute__((noinline, cold)) long
sigreturn_bad_frame(struct pt_regs *r, int rc, const char *why)
{
	struct task *t = current;
	struct task_signals *s = &t->sig;
	struct sigreturn_ctx c;
	char msg[96];

	snprintf(msg, sizeof(msg), "rt_sigreturn: bad frame: %s", why);
	/*
	 * The sigcontext was read once already: read again here, off the
	 * path of a good frame, which keeps its context in registers.  RSP
	 * is still the handler's (only a loaded context changes it).
	 */
	c.lim = sigreturn_limits(t);
	if (rc != SIGRETURN_UNREADABLE && sigreturn_read_context(r, r->rsp - 8, &c, &why)) {
		sigreturn_load_context(r, r->rsp - 8, &c);
		s->blocked = c.mask & ~SIGBIT(SIGKILL);
	}
	strategy->fpu_reset(t);
	strategy->set_pkru(t, handler_pkru(strategy->get_pkru(t)));
	if (s->depth)
		s->depth--;
	diag("task %s: %s: SIGSEGV", t->name, msg);
	signal_force_sigsegv(msg);
	return 0;
}

/* pkru_guard=sigreturn's penalty: pkrulab's own rule, no Linux has it. */
static __noreturn __attribute__((noinline, cold)) void sigreturn_fatal(const char *why)
{
	char msg[96];

	snprintf(msg, sizeof(msg), "rt_sigreturn: bad frame: %s", why);
	diag("task %s killed: %s", current->name, msg);
	task_exit(TASK_EXIT_SIGNALLED(SIGSEGV), msg);
}

long sys_rt_sigreturn(struct pt_regs *r)
{
	struct sigreturn_ctx c;
	const char *why = "?";
	/* The handler's RET popped pretcode: the frame starts 8 below. */
	int rc = do_sigreturn(r, r->rsp - 8, &c, &why, false);

	if (__builtin_expect(rc, 0))
		return sigreturn_bad_frame(r, rc, why);
	return r->rax;
}

/* ---- injected bugs (inject=), off the straight-line paths above ---- */

/*
 * The frame as the buggy kernels write it, made from the correct one
 * while the frame-writing PKRU is still in force: frame_pkru_live puts
 * the handler's PKRU into the slot where the interrupted one belongs
 * (wherever the frame has a slot), bv_clear writes XSTATE_BV[9]=0.
 */
static __attribute__((noinline, cold)) bool
frame_injected_bugs(u64 fp, u32 handler_pkru, enum sigframe_pkru_policy pol)
{
	user_access_begin();
	if (inject_active(INJECT_FRAME_PKRU_LIVE) && (sigcfg.xsave_pkru || pol != SIGFRAME_PKRU_NONE))
		unsafe_put_u32(handler_pkru, fp + xstate_pkru_offset());
	if (inject_active(INJECT_BV_CLEAR))
		unsafe_put_u64(unsafe_get_u64(fp + XSAVE_HDR_OFFSET) & ~XFEATURE_MASK_PKRU,
			       fp + XSAVE_HDR_OFFSET);
	return user_access_end();
}

/*
 * The PKRU the buggy sigreturns take instead of want: init_skip reads a
 * frame with XSTATE_BV[9]=0 as "no PKRU" and keeps the live one;
 * stale_sigreturn ignores the frame and keeps the handler's.
 */
static __attribute__((noinline, cold)) u32
sigreturn_pkru_injected(struct task *t, enum sigframe_pkru_policy pol, u32 want)
{
	u32 live;

	if (!inject_hooked(INJECT_HOOK_SIGRETURN))
		return want;
	live = strategy->get_pkru(t);

	if (pol != SIGFRAME_PKRU_NONE)
		want = xstate_image_pkru(frame_xs, live);
	if (inject_active(INJECT_STALE_SIGRETURN))
		want = live;
	return want;
}

/* ---- pkru_guard= on rt_sigreturn, off the straight-line path ---- */

/*
 * pkru_guard=sigreturn, declared once: the frame's PKRU may not grant
 * (clear the AD or WD bit of) a key that the interrupted context -- the
 * PKRU the kernel saved at delivery, or the live one for a frame no
 * delivery made -- denied: the task gets SIGSEGV with the reason.
 * pkru_guard=audit: every PKRU change through sigreturn is logged (the
 * seed's surveillance, uncapped) and let through.
 * pkru_guard=force: PKRU is the kernel's (kernel/linux/guards.c), and a
 * frame PKRU other than the one saved at delivery is ring 3 changing it:
 * the process is killed, not given a SIGSEGV it could handle.
 */
static __noreturn void sigreturn_fatal(const char *why);

static __attribute__((noinline, cold)) void guard_force_kill(struct task *t, u32 before, u32 want)
{
	char why[96];

	snprintf(why, sizeof(why), "pkru_guard=force: rt_sigreturn changes PKRU %#x -> %#x",
		 before, want);
	diag("task %s killed: %s", t->name, why);
	task_exit(TASK_EXIT_SIGNALLED(SIGKILL), why);
}

/*
 * rt_sigreturn changes PKRU from what the handler was given (before).
 * Counted and logged (the surveillance) for a frame the kernel delivered,
 * then the guards -- not for the in-kernel fuzzer's quiet calls, which
 * drive frames of a task that is not the one returning.
 */
static __attribute__((noinline, cold)) void
sigreturn_pkru_changed(struct task *t, enum sigframe_pkru_policy pol, u32 before, u32 want,
		       bool quiet)
{
	struct task_signals *s = &t->sig;

	if (pol != SIGFRAME_PKRU_NONE && s->depth) {
		s->frame_pkru_changes++;
		if (!quiet && s->frame_pkru_changes <= SURVEILLANCE_LOG_MAX)
			diag("sigreturn surveillance: task %s frame PKRU %#x -> %#x (change #%llu%s)",
			     t->name, before, want, s->frame_pkru_changes,
			     s->frame_pkru_changes == SURVEILLANCE_LOG_MAX ? ", later ones only counted" : "");
	}
	if (quiet)
		return;
	if (pkru_guard_on(PKRU_GUARD_AUDIT))
		diag("pkru_guard=audit: task %s rt_sigreturn changes PKRU %#x -> %#x%s", t->name,
		     before, want, before & ~want ? " (opens keys)" : "");
	if (task_abi_has(t, pkru_owned))
		guard_force_kill(t, before, want);
	if (pkru_guard_on(PKRU_GUARD_SIGRETURN) && (before & ~want))
		sigreturn_fatal("pkru_guard=sigreturn: the frame's PKRU opens a key the "
				"interrupted context denied");
}
