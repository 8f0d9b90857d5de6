/*
 * hwref: pkrulab's cost question answered natively on this CPU.
 *
 * pkrulab's own figures are instruction counts under QEMU TCG.  Each
 * design's hot path is a short, known instruction sequence, so a user
 * program can replay it on the real CPU: this one times the PKRU and
 * XSAVE-family instructions, each strategy's switch path (replay.c) and
 * Linux's own round trips (linux.c), in TSC ticks per operation, with the
 * kernel's statistics code (kernel/stats.c) and its "# bench" line format.
 *
 * Method: pinned to one CPU; per benchmark a warm-up, then many batches of
 * HWREF_BATCH operations each timed with LFENCE;RDTSC;LFENCE ..
 * RDTSCP;LFENCE; the empty batch's minimum is subtracted; min, p50, p90,
 * p99, max, mean per operation.  The whole set is measured twice and the
 * two p50s compared (agree when within 10%).
 *
 * Lines needing PKU (RDPKRU, WRPKRU, XSAVE* with PKRU in RFBM, the replays
 * of every strategy but unmanaged, the PK-fault round trip) SKIP with the
 * reason on a CPU or OS without it, or when HWREF_NO_PKU=1 forces that
 * path.  Exit status: 0 measured or skipped, 1 a measurement went wrong
 * (a check failed), 2 usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hwref.h"
#include "x86.h"

struct hw hw;

#define FULL_BATCHES	2000
#define SHORT_BATCHES	50
#define AGREE_PERCENT	10
/* pkrulab's task state: what its kernel puts in XCR0 (arch/x86/xstate.c). */
#define KERNEL_XFEATURES (XFEATURE_MASK_X87 | XFEATURE_MASK_SSE | XFEATURE_MASK_YMM | \
			  XFEATURE_MASK_PKRU)

static const char *const usage_text =
	"usage: hwref [--short] [--batches N] [--cpu N]\n"
	"  --short      quick run (format check: %d batches, no agreement verdict)\n"
	"  --batches N  batches of %d operations per benchmark (default %d)\n"
	"  --cpu N      CPU to pin to (default: the one it starts on)\n"
	"  HWREF_NO_PKU=1 in the environment: behave as on a CPU without PKU\n";

/* ---- what the CPU and OS offer ---- */

const char *need_xsave(void)
{
	if (!hw.xsave)
		return "CPU has no XSAVE (CPUID.1:ECX[26] = 0)";
	if (!hw.osxsave)
		return "OS has not enabled XSAVE (CPUID.1:ECX[27] OSXSAVE = 0)";
	return NULL;
}

const char *need_pkru_insns(void)
{
	if (hw.no_pku_forced)
		return "no PKU: forced by HWREF_NO_PKU=1";
	if (!hw.pku)
		return "CPU has no PKU (CPUID.(7,0):ECX[3] = 0)";
	if (!hw.ospke)
		return "OS has not enabled PKU (CPUID.(7,0):ECX[4] OSPKE = 0)";
	return NULL;
}

/*
 * User XSAVE/XRSTOR carry PKRU when XCR0[9] = 1, whatever CR4.PKE says
 * (QEMU's user mode has XCR0[9] = 1 and OSPKE = 0): only RDPKRU/WRPKRU
 * need OSPKE.
 */
const char *need_xcr0_pkru(void)
{
	if (hw.no_pku_forced)
		return "no PKU: forced by HWREF_NO_PKU=1";
	if (need_xsave())
		return need_xsave();
	if (!hw.pku)
		return "CPU has no PKU (CPUID.(7,0):ECX[3] = 0)";
	if (!(hw.xcr0 & XFEATURE_MASK_PKRU))
		return "XCR0[9] = 0: user XSAVE/XRSTOR do not carry PKRU here";
	return NULL;
}

const char *need_avx(void)
{
	if (!hw.avx || (hw.xcr0 & (XFEATURE_MASK_SSE | XFEATURE_MASK_YMM)) !=
			       (XFEATURE_MASK_SSE | XFEATURE_MASK_YMM))
		return "no AVX (CPUID.1:ECX[28] = 0 or XCR0[2:1] != 11b)";
	return NULL;
}

void *xsave_area_alloc(void)
{
	size_t size = (hw.max_size + 63) & ~(size_t)63;
	void *p = aligned_alloc(64, size);

	if (p)
		memset(p, 0, size);
	return p;
}

static void read_brand(void)
{
	uint32_t *w = (uint32_t *)hw.brand;
	const char *s;

	if (cpuid_count(CPUID_LEAF_EXT_MAX, 0).eax < CPUID_LEAF_BRAND0 + 2) {
		strcpy(hw.brand, "unknown");
		return;
	}
	for (unsigned i = 0; i < 3; i++) {
		struct cpuid_regs r = cpuid_count(CPUID_LEAF_BRAND0 + i, 0);

		w[4 * i] = r.eax, w[4 * i + 1] = r.ebx, w[4 * i + 2] = r.ecx, w[4 * i + 3] = r.edx;
	}
	hw.brand[48] = 0;
	for (s = hw.brand; *s == ' '; s++)
		;
	memmove(hw.brand, s, strlen(s) + 1);
}

static void probe_cpu(void)
{
	struct cpuid_regs r = cpuid_count(CPUID_LEAF_VENDOR, 0);
	uint32_t max_leaf = r.eax;
	const char *force = getenv("HWREF_NO_PKU");

	memcpy(hw.vendor, &r.ebx, 4);
	memcpy(hw.vendor + 4, &r.edx, 4);
	memcpy(hw.vendor + 8, &r.ecx, 4);
	read_brand();
	r = cpuid_count(CPUID_LEAF_FEATURES, 0);
	hw.family = (r.eax >> 8) & 0xf;
	hw.model = (r.eax >> 4) & 0xf;
	hw.stepping = r.eax & 0xf;
	if (hw.family == 0xf)
		hw.family += (r.eax >> 20) & 0xff;
	if (hw.family >= 0x6)
		hw.model |= ((r.eax >> 16) & 0xf) << 4;
	hw.xsave = r.ecx & CPUID1_ECX_XSAVE;
	hw.osxsave = r.ecx & CPUID1_ECX_OSXSAVE;
	hw.avx = r.ecx & CPUID1_ECX_AVX;
	if (max_leaf >= CPUID_LEAF_EXT_FEATURES) {
		r = cpuid_count(CPUID_LEAF_EXT_FEATURES, 0);
		hw.pku = r.ecx & CPUID7_ECX_PKU;
		hw.ospke = r.ecx & CPUID7_ECX_OSPKE;
	}
	hw.no_pku_forced = force && strcmp(force, "") && strcmp(force, "0");
	if (hw.xsave && hw.osxsave && max_leaf >= CPUID_LEAF_XSTATE) {
		hw.xcr0 = xgetbv(0);
		r = cpuid_count(CPUID_LEAF_XSTATE, CPUID_XSTATE_SUBLEAF_MAIN);
		hw.size = r.ebx;
		hw.max_size = r.ecx;
		r = cpuid_count(CPUID_LEAF_XSTATE, 1);
		hw.xsaveopt = r.eax & CPUID_XSTATE_XSAVEOPT;
		hw.xsavec = r.eax & CPUID_XSTATE_XSAVEC;
		hw.xsaves = r.eax & CPUID_XSTATE_XSAVES;
		if (hw.xcr0 & XFEATURE_MASK_PKRU)
			hw.pkru_off = cpuid_count(CPUID_LEAF_XSTATE, XFEATURE_PKRU).ebx;
	}
	hw.rfbm = hw.xcr0 & KERNEL_XFEATURES;
	/* Forced no-PKU: every path that would carry PKRU leaves it out. */
	if (hw.no_pku_forced)
		hw.rfbm &= ~XFEATURE_MASK_PKRU;
	if (cpuid_count(CPUID_LEAF_EXT_MAX, 0).eax >= CPUID_LEAF_APM)
		hw.invariant_tsc = cpuid_count(CPUID_LEAF_APM, 0).edx & CPUID_APM_EDX_INVARIANT_TSC;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* CPUID 0x15 when it names the crystal, else calibrated against the clock. */
static void tsc_frequency(unsigned calib_ms)
{
	struct cpuid_regs r = { 0 };
	uint64_t t0, n0, t1, n1;

	if (cpuid_count(CPUID_LEAF_VENDOR, 0).eax >= CPUID_LEAF_TSC)
		r = cpuid_count(CPUID_LEAF_TSC, 0);
	if (r.eax && r.ebx && r.ecx) {
		hw.tsc_hz = (uint64_t)r.ecx * r.ebx / r.eax;
		snprintf(hw.tsc_how, sizeof(hw.tsc_how),
			 "CPUID 0x15: crystal %u Hz * %u / %u", r.ecx, r.ebx, r.eax);
		return;
	}
	n0 = now_ns();
	t0 = tsc_begin();
	do
		n1 = now_ns();
	while (n1 - n0 < calib_ms * 1000000ull);
	t1 = tsc_end();
	hw.tsc_hz = (t1 - t0) * 1000000000ull / (n1 - n0);
	snprintf(hw.tsc_how, sizeof(hw.tsc_how), "calibrated against CLOCK_MONOTONIC_RAW over %u ms",
		 calib_ms);
}

/* ---- XSAVE family and PKRU instructions ---- */

enum xs_op { XS_XSAVE, XS_XSAVEOPT, XS_XSAVEC, XS_XRSTOR };

struct xs_arg {
	enum xs_op op;
	bool pkru;			/* PKRU in RFBM */
};

static uint8_t *xs_area;
static uint8_t *xs_init;		/* every component in its init state */

static uint64_t xs_rfbm(const struct xs_arg *a)
{
	return a->pkru ? hw.rfbm : hw.rfbm & ~XFEATURE_MASK_PKRU;
}

/* XRSTOR of the init image: no component in use ("clean"), PKRU kept. */
static void xstate_clean(void)
{
	xrstor(xs_init, hw.rfbm & ~XFEATURE_MASK_PKRU);
}

static const char *xs_setup(const struct bench *b)
{
	const struct xs_arg *a = b->arg;
	const char *why = need_xsave();

	if (!why && a->pkru)
		why = need_xcr0_pkru();
	if (!why && a->op == XS_XSAVEOPT && !hw.xsaveopt)
		why = "CPU has no XSAVEOPT (CPUID.(0xD,1):EAX[0] = 0)";
	if (!why && a->op == XS_XSAVEC && !hw.xsavec)
		why = "CPU has no XSAVEC (CPUID.(0xD,1):EAX[1] = 0)";
	if (!why && b->dirty_avx)
		why = need_avx();
	if (why)
		return why;
	if (!xs_area) {
		xs_area = xsave_area_alloc();
		xs_init = xsave_area_alloc();
		if (!xs_area || !xs_init)
			return "out of memory for the XSAVE areas";
		*(uint16_t *)xs_init = FCW_INIT;
		*(uint32_t *)(xs_init + XSAVE_MXCSR_OFFSET) = MXCSR_DEFAULT;
	}
	/* A valid image for XRSTOR, saved with the AVX state the line names. */
	xstate_clean();
	if (b->dirty_avx)
		dirty_avx();
	xsave(xs_area, xs_rfbm(a));
	return NULL;
}

/* One loop per instruction: no dispatch inside the timed region. */
#define XS_LOOP(insn, dirty, area, rfbm)					\
	do {									\
		for (unsigned i_ = 0; i_ < HWREF_BATCH; i_++) {			\
			if (dirty)						\
				dirty_avx();					\
			insn(area, rfbm);					\
		}								\
	} while (0)

static uint64_t xs_batch(const struct bench *b)
{
	const struct xs_arg *a = b->arg;
	const uint64_t rfbm = xs_rfbm(a);
	/* XRSTOR's dirty lines restore a dirty image: no YMM write in the loop. */
	const bool dirty = b->dirty_avx && a->op != XS_XRSTOR;
	uint64_t t0;

	if (!dirty)
		xstate_clean();
	t0 = tsc_begin();
	switch (a->op) {
	case XS_XSAVE: XS_LOOP(xsave, dirty, xs_area, rfbm); break;
	case XS_XSAVEOPT: XS_LOOP(xsaveopt, dirty, xs_area, rfbm); break;
	case XS_XSAVEC: XS_LOOP(xsavec, dirty, xs_area, rfbm); break;
	case XS_XRSTOR: XS_LOOP(xrstor, dirty, xs_area, rfbm); break;
	}
	return tsc_end() - t0;
}

/* What the batches must have left in the area: the format and AVX state
 * the line names (XRSTOR's: the image it restored). */
static const char *xs_check(const struct bench *b, uint64_t ops)
{
	const struct xs_arg *a = b->arg;
	uint64_t bv = *(uint64_t *)(xs_area + XSAVE_HDR_OFFSET);
	uint64_t xcomp_bv = *(uint64_t *)(xs_area + XSAVE_XCOMP_BV_OFFSET);

	if (a->op == XS_XSAVEC && !(xcomp_bv & XCOMP_BV_COMPACTED))
		return "XSAVEC left XCOMP_BV[63] clear (not the compacted format)";
	if (b->dirty_avx && !(bv & XFEATURE_MASK_YMM))
		return "dirty-AVX image has XSTATE_BV[2] = 0";
	return NULL;
}

#define XS(op_, pkru_) (&(const struct xs_arg){ op_, pkru_ })
#define XS_BENCH(name, op_, pkru_, dirty)					\
	{ name, "-", xs_setup, xs_batch, xs_check, NULL, XS(op_, pkru_), dirty }

static const char *pkru_setup(const struct bench *b) { return need_pkru_insns(); }

static uint64_t rdpkru_batch(const struct bench *b)
{
	uint64_t t0 = tsc_begin();

	for (unsigned i = 0; i < HWREF_BATCH; i++)
		(void)rdpkru();
	return tsc_end() - t0;
}

/* WRPKRU of the value already there, or alternating two (key 0 open). */
static uint64_t wrpkru_batch(const struct bench *b)
{
	const uint32_t v = rdpkru();
	const uint32_t other = b->arg ? v ^ PKRU_WD_BIT(15) : v;
	uint64_t t0 = tsc_begin();

	for (unsigned i = 0; i < HWREF_BATCH; i += 2) {
		wrpkru(other);
		wrpkru(v);
	}
	return tsc_end() - t0;
}

static const struct bench insn_benches[] = {
	{ "rdpkru", "-", pkru_setup, rdpkru_batch, NULL, NULL, NULL, false },
	{ "wrpkru_same", "-", pkru_setup, wrpkru_batch, NULL, NULL, NULL, false },
	{ "wrpkru_diff", "-", pkru_setup, wrpkru_batch, NULL, NULL, "diff", false },
	XS_BENCH("xsave", XS_XSAVE, true, false),
	XS_BENCH("xsave_nopkru", XS_XSAVE, false, false),
	XS_BENCH("xsave_dirty_avx", XS_XSAVE, true, true),
	XS_BENCH("xsave_nopkru_dirty_avx", XS_XSAVE, false, true),
	XS_BENCH("xsaveopt", XS_XSAVEOPT, true, false),
	XS_BENCH("xsaveopt_nopkru", XS_XSAVEOPT, false, false),
	XS_BENCH("xsaveopt_dirty_avx", XS_XSAVEOPT, true, true),
	XS_BENCH("xsaveopt_nopkru_dirty_avx", XS_XSAVEOPT, false, true),
	XS_BENCH("xsavec", XS_XSAVEC, true, false),
	XS_BENCH("xsavec_nopkru", XS_XSAVEC, false, false),
	XS_BENCH("xsavec_dirty_avx", XS_XSAVEC, true, true),
	XS_BENCH("xsavec_nopkru_dirty_avx", XS_XSAVEC, false, true),
	XS_BENCH("xrstor", XS_XRSTOR, true, false),
	XS_BENCH("xrstor_nopkru", XS_XRSTOR, false, false),
	XS_BENCH("xrstor_dirty_avx", XS_XRSTOR, true, true),
	XS_BENCH("xrstor_nopkru_dirty_avx", XS_XRSTOR, false, true),
};

/* ---- the measurement loop ---- */

static unsigned nbatches = FULL_BATCHES;
static stat_t *samples;
static stat_t overhead;		/* minimum ticks of an empty batch */

static uint64_t empty_batch(void)
{
	uint64_t t0 = tsc_begin();

	for (unsigned i = 0; i < HWREF_BATCH; i++)
		asm volatile("" ::: "memory");
	return tsc_end() - t0;
}

static void measure_overhead(void)
{
	overhead = ~0ull;
	for (unsigned i = 0; i < 4 * nbatches; i++) {
		stat_t t = empty_batch();

		if (t < overhead)
			overhead = t;
	}
}

/* Ticks per batch printed as ticks per operation, in tenths. */
static void print_per_op(const char *key, stat_t batch_ticks)
{
	stat_t tenths = (batch_ticks * 10 + HWREF_BATCH / 2) / HWREF_BATCH;

	printf(" %s=%llu.%llu", key, tenths / 10, tenths % 10);
}

struct outcome {
	const char *skip;		/* SKIP reason; NULL: measured */
	const char *error;		/* a check failed */
	struct stats s;
};

static struct outcome run_bench(const struct bench *b)
{
	struct outcome o = { 0 };
	unsigned warm = nbatches / 10 + 2;

	if (b->setup && (o.skip = b->setup(b)))
		return o;
	for (unsigned i = 0; i < warm; i++)
		b->batch(b);
	for (unsigned i = 0; i < nbatches; i++)
		samples[i] = b->batch(b);
	if (b->check)
		o.error = b->check(b, (uint64_t)(warm + nbatches) * HWREF_BATCH);
	if (b->teardown)
		b->teardown(b);
	stats_subtract(samples, nbatches, overhead);
	o.s = stats_compute(samples, nbatches);
	return o;
}

static void print_bench(const struct bench *b, const struct outcome *o)
{
	if (o->skip || o->error) {
		printf("# bench %s config=%s skipped: %s%s\n", b->name, b->config,
		       o->error ? "measurement check failed: " : "", o->skip ? o->skip : o->error);
		return;
	}
	printf("# bench %s config=%s unit=tsc n=%zu", b->name, b->config, o->s.n);
	print_per_op("min", o->s.min);
	print_per_op("p50", o->s.p50);
	print_per_op("p90", o->s.p90);
	print_per_op("p99", o->s.p99);
	print_per_op("max", o->s.max);
	print_per_op("mean", (o->s.mean_x10 + 5) / 10);
	print_per_op("overhead", overhead);
	printf("\n");
	fflush(stdout);
}

#define MAX_BENCHES 64
static struct outcome first[MAX_BENCHES];

/* Per-op p50 in tenths, for the agreement and delta lines. */
static stat_t p50_tenths(const struct outcome *o)
{
	return (o->s.p50 * 10 + HWREF_BATCH / 2) / HWREF_BATCH;
}

/* The first run's outcome of one line; NULL when there is no such line. */
static const struct outcome *find(const struct bench *all[], unsigned n, const char *name,
				  const char *config)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(all[i]->name, name) && !strcmp(all[i]->config, config))
			return &first[i];
	return NULL;
}

static const char *not_measured(const struct outcome *o)
{
	if (!o)
		return "no such line";
	return o->skip ? o->skip : o->error;
}

/* explicit - unmanaged and xsave - unmanaged: what PKRU switching costs. */
static void print_deltas(const struct bench *all[], unsigned n)
{
	static const char *const designs[] = { "explicit", "xsave", "hybrid", "xsave_deferred" };
	const struct outcome *base = find(all, n, "switch", "unmanaged");

	for (unsigned i = 0; i < sizeof(designs) / sizeof(designs[0]); i++) {
		const struct outcome *o = find(all, n, "switch", designs[i]);

		if (not_measured(o) || not_measured(base)) {
			printf("# hwref: delta %s-unmanaged skipped: %s: %s\n", designs[i],
			       not_measured(o) ? designs[i] : "unmanaged",
			       not_measured(o) ? not_measured(o) : not_measured(base));
			continue;
		}
		long long d = (long long)p50_tenths(o) - (long long)p50_tenths(base);

		printf("# hwref: delta %s-unmanaged p50=%s%lld.%lld tsc per switch\n", designs[i],
		       d < 0 ? "-" : "", llabs(d) / 10, llabs(d) % 10);
	}
}

static unsigned collect(const struct bench *all[], const struct bench *v, unsigned count,
			unsigned n)
{
	for (unsigned i = 0; i < count && n < MAX_BENCHES; i++)
		all[n++] = &v[i];
	return n;
}

static bool parse_uint(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > 1000000 || s[0] == '-')
		return false;
	*out = (unsigned)v;
	return true;
}

static int usage(const char *why)
{
	if (why)
		fprintf(stderr, "hwref: %s\n", why);
	fprintf(why ? stderr : stdout, usage_text, SHORT_BATCHES, HWREF_BATCH, FULL_BATCHES);
	return why ? 2 : 0;
}

static int pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		cpu = sched_getcpu();
	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return -1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -1 : cpu;
}

int main(int argc, char **argv)
{
	const struct bench *all[MAX_BENCHES];
	unsigned n = 0, measured = 0, skipped = 1 /* xsaves */, agree = 0, failed = 0, cpu_arg;
	int cpu = -1;
	bool short_mode = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--short")) {
			short_mode = true;
			nbatches = SHORT_BATCHES;
		} else if (!strcmp(argv[i], "--batches") && i + 1 < argc) {
			if (!parse_uint(argv[++i], &nbatches) || nbatches < 10)
				return usage("--batches needs a number from 10 to 1000000");
		} else if (!strcmp(argv[i], "--cpu") && i + 1 < argc) {
			if (!parse_uint(argv[++i], &cpu_arg))
				return usage("--cpu needs a CPU number");
			cpu = (int)cpu_arg;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			return usage(NULL);
		} else {
			char why[160];

			snprintf(why, sizeof(why), "unknown or incomplete argument '%s'", argv[i]);
			return usage(why);
		}
	}
	cpu = pin(cpu);
	if (cpu < 0) {
		fprintf(stderr, "hwref: cannot pin to that CPU: %s\n", strerror(errno));
		return 2;
	}
	samples = calloc(nbatches, sizeof(*samples));
	if (!samples) {
		fprintf(stderr, "hwref: out of memory for %u samples\n", nbatches);
		return 2;
	}
	probe_cpu();
	tsc_frequency(short_mode ? 20 : 200);
	n = collect(all, insn_benches, sizeof(insn_benches) / sizeof(insn_benches[0]), n);
	n = collect(all, replay_benches, nr_replay_benches, n);
	n = collect(all, linux_benches, nr_linux_benches, n);

	printf("# hwref: native user-mode replays of pkrulab's switch paths, %s mode\n",
	       short_mode ? "short" : "full");
	/* The kernel prints the same line from its registry: columns line up. */
	printf("# strategies:");
	for (unsigned i = 0; i < nr_replay_benches; i++)
		if (!strcmp(replay_benches[i].name, "switch"))
			printf(" %s", replay_benches[i].config);
	printf("\n");
	printf("# cpu: vendor=%s family=0x%x model=0x%x stepping=%u\n", hw.vendor, hw.family,
	       hw.model, hw.stepping);
	printf("# cpu: brand=\"%s\"\n", hw.brand);
	printf("# cpu: features: %cxsave %cosxsave %cavx %cpku %cospke %cxsaveopt %cxsavec "
	       "%cxsaves%s\n", "-+"[hw.xsave], "-+"[hw.osxsave], "-+"[hw.avx], "-+"[hw.pku],
	       "-+"[hw.ospke], "-+"[hw.xsaveopt], "-+"[hw.xsavec], "-+"[hw.xsaves],
	       hw.no_pku_forced ? " (PKU treated as absent: HWREF_NO_PKU=1)" : "");
	printf("# xsave: xcr0=0x%llx rfbm=0x%llx size=%u max_size=%u pkru_offset=%u\n",
	       (unsigned long long)hw.xcr0, (unsigned long long)hw.rfbm, hw.size, hw.max_size,
	       hw.pkru_off);
	printf("# timing: unit=tsc tsc=%llu Hz (%s), %s\n", (unsigned long long)hw.tsc_hz,
	       hw.tsc_how, hw.invariant_tsc ? "invariant TSC" : "not invariant TSC");
	measure_overhead();
	printf("# bench: unit=tsc overhead=%llu per batch (empty batch of %d, LFENCE;RDTSC;LFENCE"
	       "..RDTSCP;LFENCE, minimum of %u) batches=%u of %d ops, figures per op, "
	       "pinned to CPU %d, user mode\n", overhead, HWREF_BATCH, 4 * nbatches, nbatches,
	       HWREF_BATCH, cpu);
	printf("# bench xsaves config=- skipped: XSAVES/XRSTORS are CPL 0 only (#GP in user mode);"
	       " the kernel's bench=xsaves measures them\n");
	fflush(stdout);

	for (unsigned i = 0; i < n; i++) {
		first[i] = run_bench(all[i]);
		print_bench(all[i], &first[i]);
		if (first[i].error)
			failed++;
		else if (first[i].skip)
			skipped++;
		else
			measured++;
	}
	print_deltas(all, n);
	if (short_mode) {
		printf("hwref: %u measured, %u skipped, %u failed (short mode: one run)\n", measured,
		       skipped, failed);
		return failed ? 1 : 0;
	}
	/* The second run: the same set again, p50 compared with the first. */
	for (unsigned i = 0; i < n; i++) {
		struct outcome o;
		stat_t a, b, diff;

		if (first[i].skip || first[i].error)
			continue;
		o = run_bench(all[i]);
		if (o.skip || o.error) {
			printf("# hwref: agree %s config=%s skipped: second run: %s\n", all[i]->name,
			       all[i]->config, o.skip ? o.skip : o.error);
			failed += !!o.error;
			continue;
		}
		a = p50_tenths(&first[i]);
		b = p50_tenths(&o);
		diff = a > b ? a - b : b - a;
		bool ok = diff * 100 <= AGREE_PERCENT * (a > b ? a : b);

		agree += ok;
		printf("# hwref: agree %s config=%s p50=%llu.%llu,%llu.%llu %s\n", all[i]->name,
		       all[i]->config, a / 10, a % 10, b / 10, b % 10,
		       ok ? "within 10%" : "DIFFER by more than 10%");
	}
	printf("hwref: %u measured, %u skipped, %u failed, %u of %u agree within %d%% across two "
	       "runs\n", measured, skipped, failed, agree, measured, AGREE_PERCENT);
	return failed ? 1 : 0;
}
