/*
 * The little ACPI pkrulab needs: the FADT for the reset register and S5
 * power-off (exit=reboot, exit=poweroff), and the MADT to report the other
 * CPUs (found, left parked: the experiment runs on one CPU).  Tables are
 * found from the RSDP GRUB copies into the multiboot2 information; every
 * table's checksum is verified before it is believed.
 */
#include <asm/processor.h>
#include <asm/acpi.h>
#include <kernel/console.h>
#include <kernel/string.h>

struct acpi_header {
	char sig[4];
	u32 length;
	u8 revision, checksum;
	char oem[6], oem_table[8];
	u32 oem_rev, creator, creator_rev;
} __packed;

struct rsdp {
	char sig[8];
	u8 checksum;
	char oem[6];
	u8 revision;
	u32 rsdt;
	u32 length;		/* revision >= 2 from here */
	u64 xsdt;
	u8 xchecksum, reserved[3];
} __packed;

#define FADT_DSDT		40
#define FADT_PM1A_CNT		64
#define FADT_PM1B_CNT		68
#define FADT_FLAGS		112
#define FADT_RESET_REG		116	/* generic address structure, 12 bytes */
#define FADT_RESET_VALUE	128
#define FADT_FLAG_RESET_REG	(1u << 10)
#define GAS_SPACE_IO		1
#define SLP_EN			(1u << 13)
#define MADT_LAPIC		0
#define MADT_X2APIC		9
#define MADT_ENABLED		1u
#define AML_NAME_OP		0x08
#define AML_PACKAGE_OP		0x12
#define AML_BYTE_PREFIX		0x0a

struct acpi_info acpi;
static bool acpi_ready;

static bool checksum_ok(const void *p, u32 len)
{
	const u8 *b = p;
	u8 sum = 0;

	for (u32 i = 0; i < len; i++)
		sum += b[i];
	return sum == 0;
}

static const struct acpi_header *table_at(u64 pa)
{
	const struct acpi_header *h = (const void *)pa;

	/* Identity-mapped below the limit paging set up; tables live low. */
	if (!pa || pa >= (4ull << 30) || h->length < sizeof(*h) || h->length > (1u << 24))
		return NULL;
	return checksum_ok(h, h->length) ? h : NULL;
}

static u64 rsdp_pa;
static bool rsdp_v2;

static const struct acpi_header *find_table(const char *sig)
{
	const struct rsdp *r = (const void *)rsdp_pa;
	const struct acpi_header *root;
	bool x;
	u32 n;

	if (!r || memcmp(r->sig, "RSD PTR ", 8) || !checksum_ok(r, 20))
		return NULL;
	x = r->revision >= 2 && r->xsdt && checksum_ok(r, r->length < 36 ? 36 : r->length);
	root = table_at(x ? r->xsdt : r->rsdt);
	if (!root)
		return NULL;
	n = (root->length - sizeof(*root)) / (x ? 8 : 4);
	for (u32 i = 0; i < n; i++) {
		const u8 *e = (const u8 *)(root + 1) + i * (x ? 8 : 4);
		u64 pa = x ? *(const u64 *)e : *(const u32 *)e;
		const struct acpi_header *t = table_at(pa);

		if (t && !memcmp(t->sig, sig, 4))
			return t;
	}
	return NULL;
}

/* \_S5 in the DSDT: Name(_S5_, Package() { SLP_TYPa, SLP_TYPb, ... }). */
static bool find_s5(const struct acpi_header *dsdt)
{
	const u8 *p = (const u8 *)dsdt, *end = p + dsdt->length;

	for (; p + 8 < end; p++) {
		if (memcmp(p, "_S5_", 4) || p[4] != AML_PACKAGE_OP)
			continue;
		if (p[-1] != AML_NAME_OP && !(p[-2] == AML_NAME_OP && p[-1] == '\\'))
			continue;
		p += 5;
		p += ((*p & 0xc0) >> 6) + 2;	/* PkgLength bytes, then NumElements */
		if (*p == AML_BYTE_PREFIX)
			p++;
		acpi.slp_typa = *p++;
		if (*p == AML_BYTE_PREFIX)
			p++;
		acpi.slp_typb = *p;
		return true;
	}
	return false;
}

/* An enabled processor: counted, and its APIC ID kept (an x2APIC entry may repeat an xAPIC one). */
static void madt_cpu(u32 apic_id)
{
	for (u32 i = 0; i < acpi.nr_apic_ids; i++)
		if (acpi.apic_ids[i] == apic_id)
			return;
	acpi.cpus++;
	if (acpi.nr_apic_ids < ACPI_MAX_CPUS)
		acpi.apic_ids[acpi.nr_apic_ids++] = apic_id;
}

void acpi_set_rsdp(u64 rsdp, bool v2)
{
	rsdp_pa = rsdp;
	rsdp_v2 = v2;
}

void acpi_init(void)
{
	const struct acpi_header *fadt, *madt;

	acpi_ready = true;
	fadt = find_table("FACP");
	madt = find_table("APIC");
	if (!rsdp_pa) {
		printk("# acpi: no RSDP from the boot loader: reboot falls back to 0xcf9/keyboard "
		       "controller, poweroff to halt\n");
		return;
	}
	if (fadt) {
		const u8 *f = (const u8 *)fadt;
		const struct acpi_header *dsdt = table_at(*(const u32 *)(f + FADT_DSDT));

		acpi.pm1a_cnt = *(const u32 *)(f + FADT_PM1A_CNT);
		acpi.pm1b_cnt = *(const u32 *)(f + FADT_PM1B_CNT);
		if (fadt->length >= FADT_RESET_VALUE + 1 &&
		    (*(const u32 *)(f + FADT_FLAGS) & FADT_FLAG_RESET_REG) &&
		    f[FADT_RESET_REG] == GAS_SPACE_IO) {
			acpi.reset_port = *(const u64 *)(f + FADT_RESET_REG + 4);
			acpi.reset_value = f[FADT_RESET_VALUE];
		}
		acpi.s5 = dsdt && find_s5(dsdt);
	}
	if (madt) {
		const u8 *p = (const u8 *)madt + sizeof(*madt) + 8, *end = (const u8 *)madt + madt->length;

		for (; p + 2 <= end && p[1] >= 2; p += p[1]) {
			if (p[0] == MADT_LAPIC && p[1] >= 8 && (*(const u32 *)(p + 4) & MADT_ENABLED))
				madt_cpu(p[3]);
			if (p[0] == MADT_X2APIC && p[1] >= 16 && (*(const u32 *)(p + 8) & MADT_ENABLED))
				madt_cpu(*(const u32 *)(p + 4));
		}
	}
	printk("# acpi: rsdp v%d, FADT %s (reset %s, S5 %s), MADT: %u CPU%s\n",
	       rsdp_v2 ? 2 : 1, fadt ? "found" : "missing",
	       acpi.reset_port ? "register" : "none", acpi.s5 ? "found" : "not found", acpi.cpus,
	       acpi.cpus == 1 ? "" : "s");
}

bool acpi_poweroff(void)
{
	/* A harness error before acpi_init() (a bad argument) still powers off. */
	if (!acpi_ready)
		acpi_init();
	if (!acpi.s5 || !acpi.pm1a_cnt || acpi.pm1a_cnt > 0xffff)
		return false;
	printk("# exit=poweroff: ACPI S5 through PM1a_CNT %#x\n", acpi.pm1a_cnt);
	outw(acpi.pm1a_cnt, (acpi.slp_typa << 10) | SLP_EN);
	if (acpi.pm1b_cnt && acpi.pm1b_cnt <= 0xffff)
		outw(acpi.pm1b_cnt, (acpi.slp_typb << 10) | SLP_EN);
	for (int i = 0; i < 1000000; i++)
		cpu_relax();
	return false;
}

void acpi_reset(void)
{
	if (acpi.reset_port && acpi.reset_port <= 0xffff) {
		printk("# exit=reboot: ACPI reset register %#llx <- %#x\n", acpi.reset_port,
		       acpi.reset_value);
		outb(acpi.reset_port, acpi.reset_value);
	}
}
