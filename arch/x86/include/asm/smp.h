/*
 * Several CPUs (arch/x86/smp.c).  The boot CPU is CPU 0; the application
 * processors the MADT lists are started with INIT-SIPI-SIPI, each with its
 * own GDT, TSS, IST stacks and stack, and wait in an idle loop (halted,
 * woken by an IPI) for a function to run: kernel/smp.c hands them the
 * scheduler's loop while tasks run on several CPUs.
 */
#ifndef ASM_SMP_H
#define ASM_SMP_H

#include <asm/desc.h>
#include <asm/processor.h>
#include <asm/types.h>

#define MAX_CPUS	8
#define NO_CPU		0xffffffffu
/*
 * The vectors of priority class 15 (0xf0-0xff) are the ones whose handlers
 * never take the kernel lock: a CPU halted waiting for the lock raises
 * its TPR to class 14 and still gets them (kernel/smp.c).  The kick,
 * whose handler takes the lock, is below.
 */
#define VEC_IPI_RESCHED	0xe2	/* look at current's work word and the run queue */
#define VEC_IPI_FLUSH	0xf3	/* flush this CPU's TLB (shootdown), then ack */
#define VEC_IPI_LOCK_WAKE 0xf4	/* the kernel lock is this halted waiter's now */
#define TPR_LOCK_WAIT	0xe0	/* class 14 and below held off while halted for the lock */

/*
 * Which CPU this is, from the one thing each CPU has its own copy of and
 * ring 3 cannot change: the GDT's address (gdt_init_cpu() gives CPU n
 * gdts[n]).  SGDT is unprivileged in ring 0 and needs no GS base, which
 * ring 3 owns here (FSGSBASE): no SWAPGS on any entry path.
 */
extern u64 gdts[MAX_CPUS][GDT_STRIDE];

/* CPU cpu's ring-0 stack for entries from ring 3: TSS.RSP0 and SYSCALL's slot. */
extern u64 cpu_kstack_top[MAX_CPUS];
extern u64 *tss_rsp0[MAX_CPUS];
static inline void set_kernel_stack(u32 cpu, u64 top)
{
	*tss_rsp0[cpu] = top;
	cpu_kstack_top[cpu] = top;
}

static inline u32 smp_processor_id(void)
{
	struct desc_ptr d;

	asm volatile("sgdt %0" : "=m"(d));
	return (u32)((d.base - (u64)gdts) / sizeof(gdts[0]));
}
#define VEC_IPI_CALL	0xf0	/* wakes an idle AP: it looks at its mailbox */
#define VEC_WATCHDOG	0xf1	/* the watchdog AP's own timer tick (kernel/watchdog.c) */

/*
 * Start the first want CPUs the MADT lists (0: all of them, up to
 * MAX_CPUS) with the trampoline copied to the low page at tramp_pa.  Prints
 * one line per CPU; one that does not come up is named by APIC ID and
 * left alone.  cr4_clear: CR4 bits of the boot CPU the APs do not get
 * (inject=ap_no_pke).  Returns the number of CPUs online, the boot CPU
 * included.
 */
u32 smp_init(u32 want, u64 tramp_pa, u64 cr4_clear);
u32 smp_cpus_online(void);
u32 smp_cpu_apic_id(u32 cpu);
/* An AP online and answering (never CPU 0). */
bool smp_cpu_usable(u32 cpu);
/*
 * Run fn(arg) on CPU cpu (an online AP), interrupts off there, and wait
 * for it up to timeout_us.  0 when it ran, -1 for a CPU that is not
 * online, -2 when it did not finish in time (the CPU is then taken as
 * lost: it is not used again).
 */
int smp_call(u32 cpu, void (*fn)(void *), void *arg, u32 timeout_us);
/* The same without waiting: fn runs until it returns (the scheduler's loop). */
int smp_call_async(u32 cpu, void (*fn)(void *), void *arg);
/* Whether an AP has finished the last function it was handed. */
bool smp_call_done(u32 cpu);
/* The CR4 an AP was started with (its copy of the boot CPU's). */
u64 smp_cpu_cr4(u32 cpu);
/* Never use cpu again (it stopped answering). */
void smp_cpu_lose(u32 cpu);
/* An interrupt on vector vec to CPU cpu (a fixed IPI). */
void smp_send_ipi(u32 cpu, u8 vec);

/*
 * An exception no fixup covers, on an AP (the run goes on without it):
 * smp_on_ap() says whether this CPU is one, smp_ap_stop() parks it for
 * good and marks it lost.
 */
bool smp_on_ap(void);
__noreturn void smp_ap_stop(void);

#endif
