/* Trap dispatch, exception names and the ring-3 probe runner. */
#ifndef ASM_TRAPS_H
#define ASM_TRAPS_H

#include <asm/ptrace.h>
#include <asm/types.h>

#define VEC_DE 0
#define VEC_DB 1
#define VEC_NMI 2
#define VEC_BP 3
#define VEC_OF 4
#define VEC_BR 5
#define VEC_UD 6
#define VEC_NM 7
#define VEC_DF 8
#define VEC_TS 10
#define VEC_NP 11
#define VEC_SS 12
#define VEC_GP 13
#define VEC_PF 14
#define VEC_MF 16
#define VEC_AC 17
#define VEC_MC 18
#define VEC_XM 19
/* Not a CPU vector: the pt_regs of a SYSCALL entry say this is how it came in. */
#define VEC_SYSCALL 0x100

typedef void (*irq_handler_t)(struct pt_regs *regs);

const char *exception_name(int vec);
int pf_error_decode(u64 ec, char *buf, size_t len);
void irq_register(int vec, irq_handler_t fn);
/* An NMI handler that claims the NMIs it expects (true); the rest are logged and ignored. */
void nmi_set_handler(bool (*fn)(struct pt_regs *regs));
void trap_dispatch(struct pt_regs *regs);
/*
 * While tasks run on several CPUs, every interrupt and exception goes to
 * trap_smp_hook (kernel/smp.c), which takes the kernel lock where it must
 * and then calls one of these: the whole dispatch with the return-to-user
 * work, or only the handler (NMI, and the vectors that need no lock).
 */
extern void (*trap_smp_hook)(struct pt_regs *regs);
void trap_dispatch_locked(struct pt_regs *regs);
void trap_handle_nolock(struct pt_regs *regs);

/*
 * Run ring-3 code once.  The code gets a0..a2 in RDI, RSI, RDX and ends with
 * "int $0x80" (RAX = its result); an exception in ring 3 ends it too.
 */
struct user_result {
	int vector;		/* PROBE_NO_FAULT or the exception vector */
	u64 error_code, cr2, rip;
	u64 value;		/* RAX at INT 0x80 */
};

void user_run_init(void);
int user_run(const void *entry, void *stack_top, u64 a0, u64 a1, u64 a2,
	     struct user_result *res);
bool user_run_active(void);
__noreturn void user_run_finish(struct pt_regs *regs, int vector);

#endif
