/*
 * Console fan-out.  Serial is brought up first (before the command line is
 * parsed) so that argument errors can be reported; console= then narrows or
 * widens the set.  With no console at all the run still completes and the
 * result comes back through the exit path (isa-debug-exit under QEMU).
 */
#include <kernel/console.h>

static struct console *const consoles[] = { &serial_console, &vga_console, &fb_console };

void console_early_init(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(consoles); i++) {
		consoles[i]->present = consoles[i]->probe();
		consoles[i]->enabled = consoles[i]->present;
	}
}

void console_init(u32 mask, bool auto_detect)
{
	for (size_t i = 0; i < ARRAY_SIZE(consoles); i++) {
		struct console *c = consoles[i];
		bool want = auto_detect || (mask & c->mask);

		/* Probed again: a framebuffer above 4 GiB is reachable only now. */
		if (!c->present)
			c->present = c->probe();
		c->enabled = want && c->present;
	}
}

u32 console_enabled_mask(void)
{
	u32 m = 0;

	for (size_t i = 0; i < ARRAY_SIZE(consoles); i++)
		if (consoles[i]->enabled)
			m |= consoles[i]->mask;
	return m;
}

void console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(consoles); i++)
		if (consoles[i]->enabled)
			consoles[i]->write(s, n);
}
