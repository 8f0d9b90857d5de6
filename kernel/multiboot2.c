/*
 * Parse the multiboot2 information structure once, early, into boot_info.
 * Everything pkrulab later needs (command line, memory map, framebuffer,
 * ACPI RSDP) is taken from here; the structure itself is recorded as
 * reserved so the page allocator never hands it out.
 */
#include <kernel/multiboot2.h>

struct boot_info boot_info;

struct mb2_tag { u32 type, size; };
struct mb2_mmap_entry { u64 base, len; u32 type, reserved; };
struct mb2_tag_mmap { u32 type, size, entry_size, entry_version; };
struct mb2_tag_module { u32 type, size, start, end; };
struct mb2_tag_fb {
	u32 type, size;
	u64 addr;
	u32 pitch, width, height;
	u8 bpp, fb_type;
	u16 reserved;
} __packed;

static void add_reserved(u64 base, u64 len)
{
	if (boot_info.nr_reserved < MB2_MAX_RESERVED)
		boot_info.reserved[boot_info.nr_reserved++] = (struct mem_region){ base, len };
}

static void parse_mmap(const struct mb2_tag_mmap *t)
{
	const u8 *p = (const u8 *)(t + 1), *end = (const u8 *)t + t->size;

	if (t->entry_size < sizeof(struct mb2_mmap_entry))
		return;
	for (; p + t->entry_size <= end; p += t->entry_size) {
		const struct mb2_mmap_entry *e = (const void *)p;

		if (e->type != MB2_MMAP_AVAILABLE || !e->len)
			continue;
		if (boot_info.nr_usable < MB2_MAX_REGIONS)
			boot_info.usable[boot_info.nr_usable++] =
				(struct mem_region){ e->base, e->len };
		if (e->base + e->len > boot_info.mem_top)
			boot_info.mem_top = e->base + e->len;
	}
}

bool multiboot2_parse(u32 magic, u64 info, const char **why)
{
	u32 total;

	if (magic != MB2_BOOTLOADER_MAGIC) {
		*why = "not booted by a multiboot2 loader (bad magic in EAX)";
		return false;
	}
	if (!info || (info & 7)) {
		*why = "multiboot2 information pointer is null or misaligned";
		return false;
	}
	total = *(const u32 *)info;
	add_reserved(info, total);

	for (u64 p = info + 8; p + sizeof(struct mb2_tag) <= info + total;) {
		const struct mb2_tag *t = (const void *)p;

		if (t->type == MB2_TAG_END)
			break;
		if (t->size < sizeof(*t))
			break;
		boot_info.tag_mask |= t->type < 32 ? 1u << t->type : 0;
		switch (t->type) {
		case MB2_TAG_CMDLINE:
			boot_info.cmdline = (const char *)(t + 1);
			break;
		case MB2_TAG_LOADER_NAME:
			boot_info.loader = (const char *)(t + 1);
			break;
		case MB2_TAG_MODULE: {
			const struct mb2_tag_module *m = (const void *)t;

			add_reserved(m->start, m->end - m->start);
			if (boot_info.nr_modules < MB2_MAX_MODULES)
				boot_info.modules[boot_info.nr_modules++] = (struct boot_module){
					m->start, m->end, (const char *)(m + 1) };
			break;
		}
		case MB2_TAG_MMAP:
			parse_mmap((const void *)t);
			break;
		case MB2_TAG_FRAMEBUFFER: {
			const struct mb2_tag_fb *f = (const void *)t;

			boot_info.has_fb = true;
			boot_info.fb_addr = f->addr;
			boot_info.fb_pitch = f->pitch;
			boot_info.fb_width = f->width;
			boot_info.fb_height = f->height;
			boot_info.fb_bpp = f->bpp;
			boot_info.fb_type = f->fb_type;
			break;
		}
		case MB2_TAG_ACPI_OLD:
			if (!boot_info.rsdp)
				boot_info.rsdp = p + sizeof(*t);
			break;
		case MB2_TAG_ACPI_NEW:
			boot_info.rsdp = p + sizeof(*t);
			boot_info.rsdp_v2 = true;
			break;
		case MB2_TAG_EFI64:
		case MB2_TAG_EFI64_IH:
			boot_info.efi = true;
			break;
		}
		p += ALIGN_UP((u64)t->size, 8);
	}
	if (!boot_info.nr_usable) {
		*why = "multiboot2 information has no memory map";
		return false;
	}
	return true;
}
