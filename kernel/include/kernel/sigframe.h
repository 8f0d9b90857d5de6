/*
 * The Linux x86-64 signal frame (arch/x86/include/uapi/asm/sigcontext.h,
 * ucontext.h, siginfo.h; arch/x86/include/asm/sigframe.h) and the checks
 * rt_sigreturn makes before loading anything from it.
 *
 * Pure C with no kernel dependencies: the validator is compiled for the
 * host too, unit tested (tests/host/test_sigframe.c) and fuzzed
 * (tests/host/fuzz_sigframe.c).  Layout offsets are checked with static
 * assertions against the Linux ABI, so a handler written for Linux (the
 * pkey selftests find PKRU at fpstate + CPUID(0xD,9).EBX) works unchanged.
 */
#ifndef PKRULAB_SIGFRAME_H
#define PKRULAB_SIGFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIGILL		4
#define SIGTRAP		5
#define SIGBUS		7
#define SIGFPE		8
#define SIGKILL		9
#define SIGUSR1		10
#define SIGSEGV		11
#define SIGUSR2		12
#define SIGALRM		14
#define NSIG_PKRULAB	32

#define SEGV_MAPERR	1
#define SEGV_ACCERR	2
#define SEGV_PKUERR	4
#define SI_USER		0
#define SI_KERNEL	0x80
#define ILL_ILLOPN	2
#define FPE_INTDIV	1
#define FPE_FLTDIV	3
#define FPE_FLTOVF	4
#define FPE_FLTUND	5
#define FPE_FLTRES	6
#define FPE_FLTINV	7
#define BUS_ADRALN	1
#define TRAP_BRKPT	1
#define TRAP_TRACE	2
#define TRAP_HWBKPT	4

#define SA_SIGINFO	0x00000004u
#define SA_ONSTACK	0x08000000u
#define SA_RESTART	0x10000000u
#define SA_RESTORER	0x04000000u
#define SA_NODEFER	0x40000000u

#define SS_ONSTACK	1
#define SS_DISABLE	2
#define MINSIGSTKSZ	2048

#define UC_FP_XSTATE		0x1
#define UC_SIGCONTEXT_SS	0x2
#define UC_STRICT_RESTORE_SS	0x4

#define FP_XSTATE_MAGIC1	0x46505853u
#define FP_XSTATE_MAGIC2	0x46505845u
#define FP_XSTATE_MAGIC2_SIZE	4
#define FX_SW_BYTES_OFFSET	464	/* in the 512-byte legacy area */
#define SIG_RED_ZONE		128

struct fx_sw_bytes {
	uint32_t magic1;
	uint32_t extended_size;		/* xstate_size + FP_XSTATE_MAGIC2_SIZE */
	uint64_t xfeatures;		/* components present in the frame */
	uint32_t xstate_size;		/* size of the XSAVE area */
	uint32_t padding[7];
};

struct sigcontext64 {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip;
	uint64_t eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;		/* user address of the XSAVE area */
	uint64_t reserved1[8];
};

struct stack64 {
	uint64_t ss_sp;
	int32_t ss_flags;
	int32_t pad;
	uint64_t ss_size;
};

struct ucontext64 {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct stack64 uc_stack;
	struct sigcontext64 uc_mcontext;
	uint64_t uc_sigmask;
};

struct siginfo64 {
	int32_t si_signo;
	int32_t si_errno;
	int32_t si_code;
	int32_t pad0;
	union {
		struct { int32_t pid; uint32_t uid; } kill;
		struct {
			uint64_t addr;
			int16_t addr_lsb;
			int16_t pad1[3];
			uint32_t pkey;
		} fault;
		uint8_t raw[112];
	} u;
};

struct rt_sigframe64 {
	uint64_t pretcode;		/* the restorer: the handler's return address */
	struct ucontext64 uc;
	struct siginfo64 info;
	/* the XSAVE area follows, 64-byte aligned, at uc.uc_mcontext.fpstate */
};

_Static_assert(sizeof(struct sigcontext64) == 256, "sigcontext size");
_Static_assert(offsetof(struct sigcontext64, fpstate) == 184, "fpstate offset");
_Static_assert(sizeof(struct ucontext64) == 304, "ucontext size");
_Static_assert(offsetof(struct ucontext64, uc_mcontext) == 40, "uc_mcontext offset");
_Static_assert(sizeof(struct siginfo64) == 128, "siginfo size");
_Static_assert(offsetof(struct siginfo64, u.fault.pkey) == 32, "si_pkey offset");
_Static_assert(offsetof(struct rt_sigframe64, info) == 312, "siginfo offset in frame");

/* What the running kernel allows; filled in by the caller. */
struct sigframe_limits {
	uint64_t xfeatures_allowed;	/* XCR0, plus bit 9 with sigframe_pkru=soft */
	uint32_t xstate_size;		/* the size this kernel writes */
	uint32_t mxcsr_mask;		/* from FXSAVE's MXCSR_MASK, 0xffbf if 0 */
	uint64_t user_lo, user_hi;	/* user address range [lo, hi) */
	/*
	 * Take any return RIP, as Linux's restore_sigcontext() does: the
	 * IRETQ to a non-canonical one faults (in ring 0 on CPUs that check
	 * it there, handled by traps.c's bad_iret_fixup()) and the task gets
	 * SIGSEGV at that RIP, as under Linux.
	 */
	bool any_rip;
};

enum sigframe_error {
	SIGFRAME_OK,
	SIGFRAME_BAD_FPSTATE_PTR,	/* fpstate outside user memory or unaligned */
	SIGFRAME_BAD_MAGIC1,
	SIGFRAME_BAD_SIZE,		/* xstate_size / extended_size wrong */
	SIGFRAME_BAD_XFEATURES,		/* fx_sw_bytes.xfeatures outside the allowed set */
	SIGFRAME_BAD_MAGIC2,
	SIGFRAME_BAD_XSTATE_BV,		/* XSTATE_BV outside xfeatures */
	SIGFRAME_BAD_XCOMP_BV,		/* compacted format or reserved header bytes */
	SIGFRAME_BAD_MXCSR,		/* reserved MXCSR bits set */
	SIGFRAME_BAD_RIP,		/* non-canonical or not a user address */
	SIGFRAME_BAD_RSP,
	SIGFRAME_NR_ERRORS
};

const char *sigframe_error_name(enum sigframe_error e);

/*
 * Check a frame copied into kernel memory: uc is the ucontext, xs the
 * XSAVE area copied from uc->uc_mcontext.fpstate, xs_len how many bytes of
 * it were copied (at least xstate_size + 4 when the size fields are sane).
 * Never reads outside xs[0, xs_len), and inside it only the ranges
 * sigframe_xs_ranges() names: a kernel may copy just those (the rest of
 * the area goes to XRSTOR straight from user memory, as in Linux).
 */
enum sigframe_error sigframe_validate(const struct ucontext64 *uc, const uint8_t *xs,
				      size_t xs_len, const struct sigframe_limits *lim);
/* The same, given just the three sigcontext fields it reads. */
enum sigframe_error sigframe_validate_ctx(uint64_t rip, uint64_t rsp, uint64_t fpstate,
					  const uint8_t *xs, size_t xs_len,
					  const struct sigframe_limits *lim);

/* The byte ranges of the XSAVE area that sigframe_validate() reads. */
struct sigframe_range {
	uint32_t off, len;
};
#define SIGFRAME_XS_RANGES 4
static inline void sigframe_xs_ranges(uint32_t xstate_size,
				      struct sigframe_range r[SIGFRAME_XS_RANGES])
{
	/* MXCSR; fx_sw_bytes up to xstate_size (not the padding); the XSAVE
	 * header; MAGIC2.  Offsets 8-aligned or lengths of 4. */
	r[0] = (struct sigframe_range){ 24, 4 };
	r[1] = (struct sigframe_range){ FX_SW_BYTES_OFFSET, 20 };
	r[2] = (struct sigframe_range){ 512, 64 };
	r[3] = (struct sigframe_range){ xstate_size, FP_XSTATE_MAGIC2_SIZE };
}

/* RFLAGS bits a signal handler may change (Linux FIX_EFLAGS); IF forced on. */
#define SIGFRAME_USER_FLAGS	0x00050dd5ull	/* AC|RF|OF|DF|TF|SF|ZF|AF|PF|CF */
uint64_t sigframe_sanitize_rflags(uint64_t frame_flags, uint64_t current_flags);

#endif
