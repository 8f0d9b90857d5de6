/*
 * VGA text-mode mirror (80x25 at 0xb8000).  Only used when the boot loader
 * left the machine in text mode: under UEFI there is no VGA text buffer and
 * writing to 0xb8000 would scribble on whatever is there.
 */
#include <kernel/console.h>
#include <kernel/string.h>

#define VGA_TEXT_BASE	0xb8000ul
#define VGA_COLS	80
#define VGA_ROWS	25
#define VGA_ATTR	0x07	/* light grey on black */

static bool vga_text_mode;
static int row, col;

void vga_set_available(bool text_mode) { vga_text_mode = text_mode; }

static bool vga_probe(void) { return vga_text_mode; }

static volatile u16 *cell(int r, int c)
{
	return (volatile u16 *)VGA_TEXT_BASE + r * VGA_COLS + c;
}

static void scroll(void)
{
	for (int r = 1; r < VGA_ROWS; r++)
		for (int c = 0; c < VGA_COLS; c++)
			*cell(r - 1, c) = *cell(r, c);
	for (int c = 0; c < VGA_COLS; c++)
		*cell(VGA_ROWS - 1, c) = VGA_ATTR << 8 | ' ';
	row = VGA_ROWS - 1;
}

static void vga_write(const char *s, size_t n)
{
	while (n--) {
		char ch = *s++;

		if (ch == '\n' || col == VGA_COLS) {
			col = 0;
			if (++row == VGA_ROWS)
				scroll();
			if (ch == '\n')
				continue;
		}
		if (ch == '\t')
			ch = ' ';
		*cell(row, col++) = VGA_ATTR << 8 | (u8)ch;
	}
}

static bool vga_cleared;

static void vga_clear(void)
{
	for (int r = 0; r < VGA_ROWS; r++)
		for (int c = 0; c < VGA_COLS; c++)
			*cell(r, c) = VGA_ATTR << 8 | ' ';
	row = col = 0;
	vga_cleared = true;
}

static void vga_write_first(const char *s, size_t n)
{
	if (!vga_cleared)
		vga_clear();
	vga_write(s, n);
}

struct console vga_console = {
	.name = "vga",
	.mask = CONSOLE_VGA,
	.probe = vga_probe,
	.write = vga_write_first,
};
