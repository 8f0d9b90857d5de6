/* Shared between the signal.* scenarios (kernel) and their ring-3 code. */
#ifndef TESTS_SIGNAL_H
#define TESTS_SIGNAL_H

#include <asm/types.h>

enum sg_program {
	SG_FRAME,	/* SIGUSR1 to self: record frame PKRU, handler PKRU, PKRU after */
	SG_RECOVER,	/* WRPKRU(0x3), touch the stack: handler repairs the frame PKRU */
	SG_OVERRIDE,	/* handler writes a new PKRU into the frame */
	SG_INIT_FRAME,	/* handler clears XSTATE_BV[9]: PKRU must become 0 */
	SG_PKEY_FAULT,	/* access a denied key: SEGV_PKUERR, si_pkey, repair, retry */
	SG_ALTSTACK,	/* SA_ONSTACK on an altstack whose key PKRU denies */
	SG_ALTSTACK_OPEN, /* SA_ONSTACK on an altstack whose key only the handler's PKRU denies */
	SG_NESTED,	/* SIGUSR2 raised inside the SIGUSR1 handler */
	SG_WAIT_KILL,	/* wait for SIGUSR1 from the other task */
	SG_KILLER,	/* once task 1 is ready, send it SIGUSR1; then as SG_HOSTILE */
	SG_TIMER,	/* SIGALRM while spinning without system calls */
	SG_BAD_FRAME,	/* handler corrupts its frame (bad_kind) and returns */
	SG_FUZZ,	/* handler runs the in-kernel sigreturn fuzzer */
	SG_UNWRITABLE,	/* SA_ONSTACK onto an altstack with no page (bad_kind 0), only
			 * the frame's top mapped (1), or a signal on the altstack
			 * near its bottom (2): delivery must fail */
	SG_HOSTILE,	/* the other task: its own PKRU, yields until stop */
};

enum sg_bad {
	BAD_MAGIC1, BAD_MAGIC2, BAD_XSTATE_SIZE, BAD_EXTENDED_SIZE, BAD_XFEATURES,
	BAD_XSTATE_BV, BAD_XCOMP_BV, BAD_HDR_RESERVED, BAD_MXCSR, BAD_RIP_NONCANONICAL,
	BAD_RIP_KERNEL, BAD_RSP_KERNEL, BAD_FPSTATE_UNALIGNED, BAD_FPSTATE_KERNEL,
	BAD_FRAME_UNMAPPED, BAD_FRAME_KEY_DENIED,
	/* Not rejected but forced: the task goes on in ring 3, IOPL 0. */
	BAD_CS_KERNEL, BAD_SS_KERNEL, BAD_IOPL3,
	NR_BAD_KINDS
};
#define FIRST_FORCED_KIND BAD_CS_KERNEL
/*
 * SG_BAD_FRAME with catch_segv: v[3] si_code, v[4] RIP of the SIGSEGV's
 * context, v[6] the handler's PKRU, v[7] the RIP the frame held before it
 * was corrupted, v[8] SIGSEGVs caught.
 */
/* SG_FRAME's signals after the first, one at a time: more than SIG_NEST_MAX. */
#define SEQUENTIAL_SIGNALS 12

struct sg_result {
	long v[16];
	u64 handled;
	u64 mismatches;		/* SG_HOSTILE: PKRU not its own */
	u64 iterations;
	u64 fuzz[5 + 16];	/* struct fuzz_result of kernel/sigfuzz.c */
};

struct sg_params {
	u32 program;
	u32 pkru;		/* the task's PKRU */
	u32 key;		/* the keyed page's key */
	u32 override;		/* SG_OVERRIDE: the PKRU the handler puts in the frame */
	u32 altkey;		/* the altstack's key */
	u64 page;		/* a page with protection key "key" */
	u64 unmapped;		/* an address with no page */
	u64 altstack, altstack_size;
	u32 bad_kind;
	u32 catch_segv;		/* SG_BAD_FRAME: a SIGSEGV handler catches the rejection */
	u32 fuzz_iterations;
	u64 seed;
	volatile u32 *stop;
	volatile u32 *ready;	/* set by the receiver once it can take a signal */
	volatile struct sg_result *res;
};

void sg_user_main(struct sg_params *p);

#endif
