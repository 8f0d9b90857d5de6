/*
 * XSAVE enabling and XCR0 management.  XCR0 changes at run time (each
 * PKRU configuration runs with XCR0[9] on or off), so the area
 * size is always recomputed for the XCR0 in force.
 */
#include <asm/cpufeature.h>
#include <asm/cpuid.h>
#include <asm/processor.h>
#include <asm/xstate.h>
#include <kernel/console.h>

/* Zen 3 puts PKRU at 0x980; the injected bug assumes it everywhere. */

struct xstate_info xstate;

void xstate_init(void)
{
	struct cpuid_regs r;

	if (!cpu_has(X86_FEATURE_XSAVE))
		return;
	/* OSXSAVE before any CPUID(0xD) read whose answer depends on XCR0. */
	write_cr4(read_cr4() | X86_CR4_OSXSAVE);
	xstate.enabled = true;

	r = cpuid_count(CPUID_LEAF_XSTATE, 0);
	xstate.supported = r.eax | ((u64)r.edx << 32);
	xstate.max_size = r.ecx;
	for (int i = XFEATURE_YMM; i < (int)ARRAY_SIZE(xstate.offset); i++) {
		if (!(xstate.supported & (1ull << i)))
			continue;
		r = cpuid_count(CPUID_LEAF_XSTATE, i);
		if (!r.eax || r.ebx < XSAVE_LEGACY_SIZE + XSAVE_HDR_SIZE ||
		    r.ebx + r.eax > xstate.max_size) {
			/* CPUID contradicts itself: never read or write there. */
			xstate.bad |= 1ull << i;
			xstate.bad_size[i] = r.eax;
			xstate.bad_offset[i] = r.ebx;
			continue;
		}
		xstate.size[i] = r.eax;
		xstate.offset[i] = r.ebx;
	}
	xstate.user_default = xstate.supported & ~xstate.bad &
		(XFEATURE_MASK_X87 | XFEATURE_MASK_SSE | XFEATURE_MASK_YMM | XFEATURE_MASK_PKRU);
	xcr0_write(xstate.user_default);
}

u64 xcr0_read(void) { return xstate.enabled ? xgetbv(0) : 0; }

u64 xcr0_write(u64 val)
{
	u64 old = xgetbv(0);

	xsetbv(0, val);
	xstate.xcr0 = val;
	return old;
}

u32 xstate_size_for(u64 xcr0)
{
	u32 size = XSAVE_LEGACY_SIZE + XSAVE_HDR_SIZE;

	for (int i = XFEATURE_YMM; i < (int)ARRAY_SIZE(xstate.offset); i++)
		if ((xcr0 & (1ull << i)) && xstate.offset[i] + xstate.size[i] > size)
			size = xstate.offset[i] + xstate.size[i];
	return size;
}

void xstate_print_info(void)
{
	if (!xstate.enabled) {
		printk("# xsave: not supported by this CPU\n");
		return;
	}
	printk("# xsave: xcr0_supported=%#llx xcr0=%#llx size=%u max_size=%u",
	       xstate.supported, xcr0_read(), cpuid_count(CPUID_LEAF_XSTATE, 0).ebx,
	       xstate.max_size);
	if (xstate.supported & XFEATURE_MASK_PKRU)
		printk(" pkru_offset=%u pkru_size=%u", xstate.offset[XFEATURE_PKRU],
		       xstate.size[XFEATURE_PKRU]);
	printk("\n");
	for (int i = 0; i < (int)ARRAY_SIZE(xstate.offset); i++)
		if (xstate.bad & (1ull << i))
			printk("# xsave: CPUID contradiction: component %d listed in CPUID(0xD,0).EAX "
			       "but CPUID(0xD,%d) gives size %u offset %u (area %u bytes): not used\n",
			       i, i, xstate.bad_size[i], xstate.bad_offset[i], xstate.max_size);
}
