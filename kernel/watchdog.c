/*
 * The lock-up detector (see <kernel/watchdog.h>).  CPU 1 runs it from its
 * own local APIC timer (VEC_WATCHDOG, 10 Hz), halted in between, so it
 * costs the boot CPU nothing; the boot CPU hears of it only by NMI, which
 * no interrupts-off loop can mask.  Needs a second CPU: with smp=1 there
 * is none, and a hang is the harness's timeout, as before.
 */
#include <asm/apic.h>
#include <asm/processor.h>
#include <asm/smp.h>
#include <asm/traps.h>
#include <kernel/console.h>
#include <kernel/panic.h>
#include <kernel/task.h>
#include <kernel/watchdog.h>

#define WATCHDOG_CPU	1
#define CALL_TIMEOUT_US	500000

static volatile u64 beats;
static volatile u32 limit_ticks;
static u32 lockup_s;
static volatile bool fired, expected, seen;
static volatile u64 seen_rip;
static u64 last_progress;
static u32 still;
static bool running;
static int (*lockup_hook)(const char *why);
static void (*volatile tick_hook)(void);

bool watchdog_running(void) { return running; }
void watchdog_touch(void) { beats++; }
void watchdog_set_lockup_hook(int (*hook)(const char *why)) { lockup_hook = hook; }
void watchdog_set_tick_hook(void (*hook)(void)) { tick_hook = hook; }

/* On CPU 1, at every tick of its timer. */
static void watchdog_tick(struct pt_regs *r)
{
	u64 p = jiffies + beats;
	void (*hook)(void) = tick_hook;

	(void)r;
	apic_eoi();
	if (hook)
		hook();
	if (p != last_progress || fired) {
		last_progress = p;
		still = 0;
		return;
	}
	if (++still >= limit_ticks) {
		fired = true;
		still = 0;
		apic_send_ipi(smp_cpu_apic_id(0), APIC_DM_NMI);
	}
}

/* On the boot CPU: an NMI. */
static bool watchdog_nmi(struct pt_regs *r)
{
	char why[128];
	int status;

	if (!fired)
		return false;
	if (expected) {
		seen_rip = r->rip;
		seen = true;
		fired = false;
		return true;
	}
	snprintf(why, sizeof(why), "lock-up: cpu0 made no progress for %u s, rip=%#llx (%s mode)",
		 limit_ticks / WATCHDOG_HZ, r->rip, user_mode(r) ? "user" : "kernel");
	printk("# watchdog: %s, reported by cpu%u (APIC ID %u)\n", why, WATCHDOG_CPU,
	       smp_cpu_apic_id(WATCHDOG_CPU));
	status = lockup_hook ? lockup_hook(why) : EXIT_STATUS_HARNESS;
	kernel_exit(status);
}

void watchdog_lockup(const char *why)
{
	printk("# watchdog: %s\n", why);
	kernel_exit(lockup_hook ? lockup_hook(why) : EXIT_STATUS_HARNESS);
}

static void start_on_ap(void *arg)
{
	(void)arg;
	apic_timer_periodic_vector(WATCHDOG_HZ, VEC_WATCHDOG);
}

bool watchdog_start(u32 seconds)
{
	lockup_s = seconds;
	limit_ticks = seconds * WATCHDOG_HZ;
	if (smp_cpus_online() < 2 || !apic_timer_hz()) {
		printk("# watchdog: off (%s): a hang ends at the harness's timeout\n",
		       smp_cpus_online() < 2 ? "one CPU in use" : "no calibrated APIC timer");
		return false;
	}
	irq_register(VEC_WATCHDOG, watchdog_tick);
	nmi_set_handler(watchdog_nmi);
	if (smp_call(WATCHDOG_CPU, start_on_ap, NULL, CALL_TIMEOUT_US)) {
		printk("# watchdog: off (cpu%u did not start its timer)\n", WATCHDOG_CPU);
		return false;
	}
	running = true;
	printk("# watchdog: cpu%u checks cpu0 at %u Hz: no tick, console line or new cell for "
	       "%u s is a lock-up (watchdog_s=)\n", WATCHDOG_CPU, WATCHDOG_HZ, lockup_s);
	return true;
}

void watchdog_expect(bool expect, u32 ms)
{
	u32 ticks = ms * WATCHDOG_HZ / 1000;

	seen = false;
	still = 0;
	limit_ticks = expect ? (ticks ? ticks : 1) : lockup_s * WATCHDOG_HZ;
	expected = expect;
}

bool watchdog_seen(u64 *rip)
{
	*rip = seen_rip;
	return seen;
}
