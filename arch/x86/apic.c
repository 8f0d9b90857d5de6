/*
 * Local APIC: x2APIC (MSRs) when CPUID offers it, else xAPIC (MMIO at the
 * base in IA32_APIC_BASE).  The timer is calibrated once against the PIT
 * so that timer_hz= means what it says on any machine.
 */
#include <asm/apic.h>
#include <asm/cpufeature.h>
#include <asm/msr-index.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <kernel/console.h>

#define APIC_BASE_ENABLE	(1ull << 11)
#define APIC_BASE_X2APIC	(1ull << 10)
#define APIC_BASE_ADDR_MASK	0xffffff000ull

/* Register offsets (xAPIC MMIO offset; x2APIC MSR = 0x800 + offset / 16). */
#define APIC_ID		0x020
#define APIC_TPR	0x080
#define APIC_EOI	0x0b0
#define APIC_SVR	0x0f0
#define APIC_ICR_LO	0x300	/* x2APIC: one 64-bit MSR, 0x830 */
#define APIC_ICR_HI	0x310
#define APIC_LVT_TIMER	0x320
#define APIC_TMICT	0x380
#define APIC_TMCCT	0x390
#define APIC_TDCR	0x3e0

#define APIC_SVR_ENABLE	(1u << 8)
#define LVT_MASKED	(1u << 16)
#define LVT_PERIODIC	(1u << 17)
#define TDCR_DIV_16	0x3
#define ICR_BUSY	(1u << 12)	/* xAPIC delivery status: send pending */

#define CALIBRATE_US	10000

static volatile u32 *xapic;
static bool x2apic;
static u64 timer_hz;

static u32 apic_read(u32 reg)
{
	if (x2apic)
		return (u32)rdmsr(0x800 + (reg >> 4));
	return xapic[reg / 4];
}

static void apic_write(u32 reg, u32 val)
{
	if (x2apic)
		wrmsr(0x800 + (reg >> 4), val);
	else
		xapic[reg / 4] = val;
}

bool apic_x2apic_mode(void) { return x2apic; }
u32 apic_id(void) { return x2apic ? apic_read(APIC_ID) : apic_read(APIC_ID) >> 24; }
void apic_eoi(void) { apic_write(APIC_EOI, 0); }
u32 apic_get_tpr(void) { return apic_read(APIC_TPR) & 0xff; }
void apic_set_tpr(u32 tpr) { apic_write(APIC_TPR, tpr & 0xff); }
u64 apic_timer_hz(void) { return timer_hz; }

static void calibrate(void)
{
	u32 left;

	apic_write(APIC_TDCR, TDCR_DIV_16);
	apic_write(APIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	apic_write(APIC_TMICT, 0xffffffff);
	if (!pit_delay_us(CALIBRATE_US)) {
		timer_hz = 0;
		return;
	}
	left = apic_read(APIC_TMCCT);
	apic_write(APIC_TMICT, 0);
	timer_hz = (u64)(0xffffffffu - left) * (1000000 / CALIBRATE_US);
}

bool apic_init(void)
{
	u64 base;

	if (!cpu_has(X86_FEATURE_APIC))
		return false;
	base = rdmsr(MSR_IA32_APICBASE) | APIC_BASE_ENABLE;
	if (cpu_has(X86_FEATURE_X2APIC)) {
		base |= APIC_BASE_X2APIC;
		x2apic = true;
	}
	wrmsr(MSR_IA32_APICBASE, base);
	xapic = (volatile u32 *)(base & APIC_BASE_ADDR_MASK);
	if (!x2apic)
		set_mmio_uncached(base & APIC_BASE_ADDR_MASK);
	apic_write(APIC_SVR, APIC_SVR_ENABLE | 0xff);
	calibrate();
	printk("# apic: %s id=%u timer=%llu Hz (divide by 16, PIT-calibrated)\n",
	       x2apic ? "x2apic" : "xapic", apic_id(), timer_hz);
	return true;
}

void apic_init_secondary(void)
{
	u64 base = rdmsr(MSR_IA32_APICBASE) | APIC_BASE_ENABLE;

	if (x2apic)
		base |= APIC_BASE_X2APIC;
	wrmsr(MSR_IA32_APICBASE, base);
	apic_write(APIC_SVR, APIC_SVR_ENABLE | 0xff);
	apic_timer_stop();
}

/*
 * Interrupts off across the two xAPIC writes: an IPI sent from an
 * interrupt handler (the watchdog's tick) between them would leave the
 * interrupted send's ICR_HI naming its own destination.
 */
bool apic_send_ipi(u32 dest, u32 low)
{
	u64 flags;
	bool sent = false;

	if (x2apic) {
		wrmsr(0x800 + (APIC_ICR_LO >> 4), (u64)dest << 32 | low);
		return true;
	}
	flags = irq_save();
	apic_write(APIC_ICR_HI, dest << 24);
	apic_write(APIC_ICR_LO, low);
	for (int i = 0; i < 100000 && !sent; i++) {
		sent = !(apic_read(APIC_ICR_LO) & ICR_BUSY);
		if (!sent)
			cpu_relax();
	}
	irq_restore(flags);
	return sent;
}

void apic_timer_periodic_vector(u32 hz, u32 vec)
{
	if (!hz || !timer_hz) {
		apic_timer_stop();
		return;
	}
	apic_write(APIC_TDCR, TDCR_DIV_16);
	apic_write(APIC_LVT_TIMER, LVT_PERIODIC | vec);
	apic_write(APIC_TMICT, timer_hz / hz ? (u32)(timer_hz / hz) : 1);
}

void apic_timer_periodic(u32 hz) { apic_timer_periodic_vector(hz, VEC_TIMER); }

void apic_timer_oneshot(u32 ticks)
{
	apic_write(APIC_TDCR, TDCR_DIV_16);
	apic_write(APIC_LVT_TIMER, VEC_TIMER);
	apic_write(APIC_TMICT, ticks ? ticks : 1);
}

void apic_timer_stop(void)
{
	apic_write(APIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	apic_write(APIC_TMICT, 0);
}
