/* Multiboot2 boot information (the parts pkrulab uses). */
#ifndef KERNEL_MULTIBOOT2_H
#define KERNEL_MULTIBOOT2_H

#include <asm/types.h>

#define MB2_BOOTLOADER_MAGIC	0x36d76289

#define MB2_TAG_END		0
#define MB2_TAG_CMDLINE		1
#define MB2_TAG_LOADER_NAME	2
#define MB2_TAG_MODULE		3
#define MB2_TAG_MMAP		6
#define MB2_TAG_FRAMEBUFFER	8
#define MB2_TAG_EFI64		12
#define MB2_TAG_ACPI_OLD	14
#define MB2_TAG_ACPI_NEW	15
#define MB2_TAG_EFI64_IH	20

#define MB2_MMAP_AVAILABLE	1

#define MB2_FB_TYPE_INDEXED	0
#define MB2_FB_TYPE_RGB		1
#define MB2_FB_TYPE_EGA_TEXT	2

#define MB2_MAX_REGIONS		64
#define MB2_MAX_RESERVED	(8 + MB2_MAX_MODULES)

#define MB2_MAX_MODULES		64

struct mem_region { u64 base, len; };

/* A GRUB module2: its bytes and the string after its path in grub.cfg. */
struct boot_module {
	u64 start, end;
	const char *cmdline;
};

struct boot_info {
	const char *cmdline;
	const char *loader;
	int nr_usable;
	struct mem_region usable[MB2_MAX_REGIONS];
	/* Ranges to keep: the info structure itself and boot modules. */
	int nr_reserved;
	struct mem_region reserved[MB2_MAX_RESERVED];
	u64 mem_top;			/* end of the highest usable range */
	bool has_fb;
	u64 fb_addr;
	u32 fb_pitch, fb_width, fb_height;
	u8 fb_bpp, fb_type;
	u64 rsdp;			/* physical address of the RSDP copy, 0 if none */
	bool rsdp_v2;
	bool efi;			/* booted from UEFI (EFI system table tag) */
	u32 tag_mask;			/* which tag types were present (diagnostics) */
	int nr_modules;
	struct boot_module modules[MB2_MAX_MODULES];
};

extern struct boot_info boot_info;

/* Returns false with a reason if the structure is unusable. */
bool multiboot2_parse(u32 magic, u64 info, const char **why);

#endif
