/* Console output: printk goes to every enabled console (serial, VGA text). */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stdarg.h>
#include <asm/types.h>
#include <kernel/console-ids.h>

struct console {
	const char *name;
	u32 mask;			/* CONSOLE_* (console-ids.h) */
	bool (*probe)(void);		/* hardware present? */
	void (*write)(const char *s, size_t n);
	bool present;			/* probe() result, cached */
	bool enabled;
};

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
int printk(const char *fmt, ...) __printf(1, 2);
/* A "# ..." diagnostic line, indented as the report around it is (KTAP). */
void diag(const char *fmt, ...) __printf(1, 2);
void diag_set_indent(const char *prefix);

/* Enable the consoles in mask whose hardware is present; 0 = auto. */
void console_init(u32 mask, bool auto_detect);
void console_early_init(void);
u32 console_enabled_mask(void);
void console_write(const char *s, size_t n);

extern struct console serial_console, vga_console, fb_console;
void vga_set_available(bool text_mode);

#endif
