/*
 * Framebuffer text console for UEFI machines, which have no VGA text mode:
 * 8x16 glyphs from a Debian console font (converted at build time by
 * tools/psf2c.py) drawn on the linear framebuffer GRUB hands over in the
 * multiboot2 information, light grey on black, scrolling by one text row.
 * 24 or 32 bits per pixel (GRUB on OVMF hands over 24); grey on black
 * needs no knowledge of the colour field order.  Anything else leaves the
 * console off.
 */
#include <asm/pgtable.h>
#include <kernel/console.h>
#include <kernel/multiboot2.h>
#include <kernel/string.h>

#define GLYPH_W		8
#define GLYPH_H		16
#define FG		0xc0	/* each colour byte: light grey */
#define BG		0x00

extern const unsigned char fb_font8x16[95][16];

static u8 *fb;
static u32 pitch, bytespp, cols, rows, col, row;

static bool fb_probe(void)
{
	if (!boot_info.has_fb || boot_info.fb_type != MB2_FB_TYPE_RGB ||
	    (boot_info.fb_bpp != 24 && boot_info.fb_bpp != 32))
		return false;
	bytespp = boot_info.fb_bpp / 8;
	if (boot_info.fb_width < GLYPH_W * 20 || boot_info.fb_height < GLYPH_H * 5)
		return false;
	/* The boot page tables reach 4 GiB; higher video memory waits for paging_init(). */
	if (boot_info.fb_addr + (u64)boot_info.fb_pitch * boot_info.fb_height > (4ull << 30) &&
	    !identity_map_limit())
		return false;
	fb = (u8 *)boot_info.fb_addr;
	pitch = boot_info.fb_pitch;
	cols = boot_info.fb_width / GLYPH_W;
	rows = boot_info.fb_height / GLYPH_H;
	return true;
}

static void draw(u32 c, u32 r, char ch)
{
	const unsigned char *g = fb_font8x16[(ch >= 0x20 && ch < 0x7f ? ch : '?') - 0x20];

	for (u32 y = 0; y < GLYPH_H; y++) {
		u8 *px = fb + (u64)(r * GLYPH_H + y) * pitch + (u64)c * GLYPH_W * bytespp;

		for (u32 x = 0; x < GLYPH_W; x++, px += bytespp) {
			u8 v = (g[y] & (0x80 >> x)) ? FG : BG;

			px[0] = px[1] = px[2] = v;
			if (bytespp == 4)
				px[3] = 0;
		}
	}
}

static void clear_rows(u32 first, u32 n)
{
	for (u32 y = first * GLYPH_H; y < (first + n) * GLYPH_H; y++)
		memset(fb + (u64)y * pitch, 0, (u64)cols * GLYPH_W * bytespp);
}

static void newline(void)
{
	col = 0;
	if (++row < rows)
		return;
	memmove(fb, fb + (u64)GLYPH_H * pitch, (u64)(rows - 1) * GLYPH_H * pitch);
	clear_rows(rows - 1, 1);
	row = rows - 1;
}

static bool cleared;

static void fb_write(const char *s, size_t n)
{
	if (!cleared) {
		clear_rows(0, rows);
		cleared = true;
	}
	while (n--) {
		char ch = *s++;

		if (ch == '\n') {
			newline();
			continue;
		}
		if (col == cols)
			newline();
		draw(col++, row, ch == '\t' ? ' ' : ch);
	}
}

struct console fb_console = {
	.name = "fb",
	.mask = CONSOLE_FB,
	.probe = fb_probe,
	.write = fb_write,
};
