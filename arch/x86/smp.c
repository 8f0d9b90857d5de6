/*
 * Application processors: started, given the boot CPU's control state, and
 * kept idle until the boot CPU hands one a function to run (<asm/smp.h>).
 *
 * Start-up is the MP specification's INIT-SIPI-SIPI (SDM vol. 3, 9.4.4):
 * INIT, 10 ms, STARTUP with the trampoline's page number as the vector,
 * and a second STARTUP if the CPU has not answered within a millisecond.
 * The trampoline (trampoline.asm) brings it to long mode on the boot page
 * tables and calls smp_ap_entry(), which moves it to the kernel's own
 * tables, a GDT/TSS/IST set of its own and the shared IDT, writes the boot
 * CPU's CR0, CR4, EFER and XCR0, and enables its local APIC.
 *
 * An AP is never left spinning: under TCG a spinning vCPU costs a host
 * core (or half of the one QEMU's -icount mode shares), so it halts with
 * interrupts on and wakes on VEC_IPI_CALL.  Its local APIC timer stays
 * masked and no device interrupt is routed to it.
 */
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/desc.h>
#include <asm/msr-index.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <asm/smp.h>
#include <asm/traps.h>
#include <kernel/console.h>
#include <kernel/string.h>

#define AP_STACK_SIZE		16384
#define INIT_DELAY_US		10000
#define SIPI_ANSWER_US		1000
#define AP_ONLINE_US		200000	/* TCG may take a while to schedule a new vCPU */
#define POLL_US			50

extern char smp_trampoline_start[], smp_trampoline_end[];
extern char smp_tr_cr3[], smp_tr_cpu[], smp_tr_stack[], smp_tr_entry[];
extern char boot_pml4[];

struct cpu_slot {
	u32 apic_id;
	volatile bool online;
	bool lost;			/* stopped answering: never used again */
	/* The mailbox: a request is new while req != done. */
	void (*volatile fn)(void *);
	void *volatile arg;
	volatile u32 req, done;
	u64 cr4;			/* what it runs with (the boot CPU's, less cr4_clear) */
};

/* The boot CPU's control registers, which every AP copies (smp_init()). */
struct cpu_regs_template {
	u64 cr0, cr4, efer, xcr0;
	bool xsave;			/* CR4.OSXSAVE: XCR0 to be written */
};

static struct cpu_slot cpus[MAX_CPUS];
static u32 nr_slots = 1, nr_online = 1;
static u8 ap_stacks[MAX_CPUS][AP_STACK_SIZE] __aligned(16);
static struct cpu_regs_template smp_ap_regs;

u32 smp_cpus_online(void) { return nr_online; }
u32 smp_cpu_apic_id(u32 cpu) { return cpu < nr_slots ? cpus[cpu].apic_id : ~0u; }

bool smp_cpu_usable(u32 cpu)
{
	return cpu > 0 && cpu < nr_slots && cpus[cpu].online && !cpus[cpu].lost;
}

/* The wake-up IPI only ends the AP's HLT; the idle loop reads the mailbox. */
static void ipi_call_irq(struct pt_regs *r)
{
	(void)r;
	apic_eoi();
}

static __noreturn void ap_idle(struct cpu_slot *c)
{
	for (;;) {
		cli();
		if (c->req != c->done) {
			c->fn(c->arg);
			barrier();
			c->done = c->req;
			continue;
		}
		/* STI's one-instruction shadow: no wake-up is lost before HLT. */
		asm volatile("sti; hlt" ::: "memory");
	}
}

__noreturn void smp_ap_entry(u32 cpu);
__noreturn void smp_ap_entry(u32 cpu)
{
	const struct cpu_regs_template *t = &smp_ap_regs;

	/* EFER.NXE before the kernel's tables: their NX bits are reserved without it. */
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | (t->efer & (EFER_SCE | EFER_NX)));
	write_cr0(t->cr0);
	write_cr4(t->cr4);
	if (t->xsave)
		xsetbv(0, t->xcr0);
	write_cr3((u64)paging_kernel_root());
	gdt_init_cpu(cpu);
	idt_load();
	apic_init_secondary();
	cpus[cpu].cr4 = read_cr4();
	barrier();
	cpus[cpu].online = true;
	ap_idle(&cpus[cpu]);
}

/* Wait up to us for CPU cpu to say it is online. */
static bool wait_online(u32 cpu, u32 us)
{
	for (u32 t = 0; t < us; t += POLL_US) {
		if (cpus[cpu].online)
			return true;
		pit_delay_us(POLL_US);
	}
	return cpus[cpu].online;
}

/* INIT-SIPI-SIPI for slot cpu; the trampoline at tramp_pa is patched for it. */
static bool start_ap(u32 cpu, u64 tramp_pa)
{
	u8 *tr = (u8 *)tramp_pa;
	u32 id = cpus[cpu].apic_id, sipi = APIC_DM_STARTUP | (u32)(tramp_pa >> 12);

	*(u32 *)(tr + (smp_tr_cpu - smp_trampoline_start)) = cpu;
	*(u64 *)(tr + (smp_tr_stack - smp_trampoline_start)) = (u64)&ap_stacks[cpu][AP_STACK_SIZE];
	barrier();
	if (!apic_send_ipi(id, APIC_DM_INIT | APIC_LEVEL_ASSERT))
		return false;
	pit_delay_us(INIT_DELAY_US);
	apic_send_ipi(id, sipi);
	if (wait_online(cpu, SIPI_ANSWER_US))
		return true;
	apic_send_ipi(id, sipi);
	return wait_online(cpu, AP_ONLINE_US);
}

static void template_from_boot_cpu(u64 cr4_clear)
{
	smp_ap_regs.cr0 = read_cr0();
	smp_ap_regs.cr4 = read_cr4() & ~cr4_clear;
	smp_ap_regs.efer = rdmsr(MSR_EFER);
	smp_ap_regs.xsave = read_cr4() & X86_CR4_OSXSAVE;
	smp_ap_regs.xcr0 = smp_ap_regs.xsave ? xgetbv(0) : 0;
}

u32 smp_init(u32 want, u64 tramp_pa, u64 cr4_clear)
{
	u32 self = apic_id(), limit = want && want < MAX_CPUS ? want : MAX_CPUS;
	u8 *tr = (u8 *)tramp_pa;

	cpus[0].apic_id = self;
	cpus[0].online = true;
	cpus[0].cr4 = read_cr4();
	if (acpi.nr_apic_ids <= 1 || limit == 1) {
		printk("# smp: 1 CPU in use (%u listed in the MADT%s)\n", acpi.cpus,
		       want == 1 ? ", smp=1" : "");
		return 1;
	}
	if (!tramp_pa) {
		printk("# smp: no free page below 1 MiB for the AP trampoline: 1 CPU in use\n");
		return 1;
	}
	template_from_boot_cpu(cr4_clear);
	irq_register(VEC_IPI_CALL, ipi_call_irq);
	memcpy(tr, smp_trampoline_start, smp_trampoline_end - smp_trampoline_start);
	*(u32 *)(tr + (smp_tr_cr3 - smp_trampoline_start)) = (u32)(u64)boot_pml4;
	*(u64 *)(tr + (smp_tr_entry - smp_trampoline_start)) = (u64)smp_ap_entry;
	for (u32 i = 0; i < acpi.nr_apic_ids && nr_slots < limit; i++) {
		u32 id = acpi.apic_ids[i], cpu = nr_slots;

		if (id == self)
			continue;
		if (id > 0xfe && !apic_x2apic_mode()) {
			printk("# smp: APIC ID %u needs x2APIC mode: left out\n", id);
			continue;
		}
		cpus[cpu].apic_id = id;
		nr_slots++;
		if (start_ap(cpu, tramp_pa)) {
			nr_online++;
			printk("# smp: cpu%u (APIC ID %u) online\n", cpu, id);
		} else {
			/* It may still wake later: its slot is never reused. */
			cpus[cpu].lost = true;
			printk("# smp: APIC ID %u did not come up (INIT-SIPI-SIPI, %u ms): left out\n",
			       id, AP_ONLINE_US / 1000);
		}
	}
	printk("# smp: %u CPU%s in use of %u listed in the MADT (smp=%s%u)\n", nr_online,
	       nr_online == 1 ? "" : "s", acpi.cpus, want ? "" : "all, at most ",
	       want ? want : MAX_CPUS);
	return nr_online;
}

int smp_call_async(u32 cpu, void (*fn)(void *), void *arg)
{
	struct cpu_slot *c = &cpus[cpu];

	if (!smp_cpu_usable(cpu) || c->done != c->req)
		return -1;
	c->fn = fn;
	c->arg = arg;
	barrier();
	c->req++;
	apic_send_ipi(c->apic_id, APIC_DM_FIXED | VEC_IPI_CALL);
	return 0;
}

bool smp_call_done(u32 cpu)
{
	return !smp_cpu_usable(cpu) || cpus[cpu].done == cpus[cpu].req;
}

void smp_send_ipi(u32 cpu, u8 vec)
{
	/* CPU 0 too: a task moving to it, or woken for it, from an AP (it would wait for its tick). */
	if (cpu == 0 || smp_cpu_usable(cpu))
		apic_send_ipi(cpus[cpu].apic_id, APIC_DM_FIXED | vec);
}

int smp_call(u32 cpu, void (*fn)(void *), void *arg, u32 timeout_us)
{
	struct cpu_slot *c = &cpus[cpu];

	if (smp_call_async(cpu, fn, arg))
		return -1;
	for (u32 t = 0; t < timeout_us; t += POLL_US) {
		for (int spin = 0; spin < 64; spin++) {
			if (c->done == c->req)
				return 0;
			cpu_relax();
		}
		pit_delay_us(POLL_US);
	}
	if (c->done == c->req)
		return 0;
	c->lost = true;
	return -2;
}

u64 smp_cpu_cr4(u32 cpu) { return cpu < nr_slots ? cpus[cpu].cr4 : 0; }

void smp_cpu_lose(u32 cpu)
{
	if (cpu > 0 && cpu < nr_slots)
		cpus[cpu].lost = true;
}

bool smp_on_ap(void)
{
	return nr_slots > 1 && apic_id() != cpus[0].apic_id;
}

__noreturn void smp_ap_stop(void)
{
	for (u32 cpu = 1; cpu < nr_slots; cpu++)
		if (cpus[cpu].apic_id == apic_id())
			cpus[cpu].lost = true;
	for (;;) {
		cli();
		hlt();
	}
}
