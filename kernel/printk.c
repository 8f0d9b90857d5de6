/*
 * A small vsnprintf: %d %i %u %x %X %p %s %c %%, flags '-', '0', '#',
 * field width, precision for %s ("%.*s"), and the length modifiers l, ll, z.  Output is always
 * NUL-terminated when size > 0; the return value is the length the full
 * output would have had, as in C99.
 */
#include <kernel/console.h>
#include <kernel/watchdog.h>
#include <kernel/string.h>

struct outbuf { char *buf; size_t size, len; };

static const char *diag_indent = "";

void diag_set_indent(const char *prefix) { diag_indent = prefix; }

void diag(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk("%s# %s\n", diag_indent, buf);
}

static void put(struct outbuf *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_padded(struct outbuf *o, const char *s, size_t n, int width,
		       bool left, char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;

	if (!left)
		while (fill-- > 0)
			put(o, pad);
	while (n--)
		put(o, *s++);
	if (left)
		while (fill-- > 0)
			put(o, ' ');
}

static void put_number(struct outbuf *o, unsigned long long v, bool neg, int base,
		       bool upper, int width, bool left, bool zero, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	char full[sizeof(tmp) + 3];
	int n = sizeof(tmp);
	size_t fl = 0;

	do {
		tmp[--n] = digits[v % base];
		v /= base;
	} while (v);
	if (neg)
		full[fl++] = '-';
	for (const char *p = prefix; *p; p++)
		full[fl++] = *p;
	if (zero && !left) {
		/* Sign and prefix go before the zero padding. */
		for (size_t i = 0; i < fl; i++)
			put(o, full[i]);
		put_padded(o, tmp + n, sizeof(tmp) - n, width - (int)fl, false, '0');
		return;
	}
	memcpy(full + fl, tmp + n, sizeof(tmp) - n);
	fl += sizeof(tmp) - n;
	put_padded(o, full, fl, width, left, ' ');
}

/* A conversion's flags, field width, length modifier and precision. */
struct spec {
	bool left, zero, alt;
	int width, lng, prec;	/* prec < 0: none */
};

/* Parse the spec after a '%' at fmt; returns where its conversion character is. */
static const char *parse_spec(const char *fmt, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .prec = -1 };
	for (;; fmt++) {
		if (*fmt == '-')
			sp->left = true;
		else if (*fmt == '0')
			sp->zero = true;
		else if (*fmt == '#')
			sp->alt = true;
		else
			break;
	}
	while (*fmt >= '0' && *fmt <= '9')
		sp->width = sp->width * 10 + (*fmt++ - '0');
	if (*fmt == '.') {
		/* Precision: honoured for %s (maximum length) only. */
		sp->prec = 0;
		if (*++fmt == '*') {
			sp->prec = va_arg(*ap, int);
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				sp->prec = sp->prec * 10 + (*fmt++ - '0');
		}
	}
	while (*fmt == 'l' || *fmt == 'z') {
		sp->lng++;
		fmt++;
	}
	return fmt;
}

/* %d %i %u %x %X %p: one number from the arguments. */
static void put_integer(struct outbuf *o, char conv, const struct spec *sp, va_list *ap)
{
	if (conv == 'd' || conv == 'i') {
		long long v = sp->lng ? va_arg(*ap, long long) : va_arg(*ap, int);
		bool neg = v < 0;

		put_number(o, neg ? -(unsigned long long)v : (unsigned long long)v,
			   neg, 10, false, sp->width, sp->left, sp->zero, "");
	} else if (conv == 'p') {
		put_number(o, (unsigned long long)(uintptr_t)va_arg(*ap, void *),
			   false, 16, false, sp->width, sp->left, sp->zero, "0x");
	} else {
		unsigned long long v = sp->lng ? va_arg(*ap, unsigned long long)
					       : va_arg(*ap, unsigned int);
		int base = conv == 'u' ? 10 : 16;

		put_number(o, v, false, base, conv == 'X', sp->width, sp->left, sp->zero,
			   sp->alt && base == 16 ? "0x" : "");
	}
}

/* %s: at most prec characters of the string ("(null)" for NULL). */
static void put_string(struct outbuf *o, const struct spec *sp, va_list *ap)
{
	const char *s = va_arg(*ap, const char *);
	size_t n;

	if (!s)
		s = "(null)";
	for (n = 0; s[n] && (sp->prec < 0 || n < (size_t)sp->prec); n++)
		;
	put_padded(o, s, n, sp->width, sp->left, ' ');
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct outbuf o = { buf, size, 0 };
	struct spec sp;
	va_list aq;

	/* A copy, to hand on by address (va_list is an array type on x86-64). */
	va_copy(aq, ap);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &aq);
		switch (*fmt) {
		case 'd':
		case 'i':
		case 'u':
		case 'x':
		case 'X':
		case 'p':
			put_integer(&o, *fmt, &sp, &aq);
			break;
		case 's':
			put_string(&o, &sp, &aq);
			break;
		case 'c': {
			char c = (char)va_arg(aq, int);

			put_padded(&o, &c, 1, sp.width, sp.left, ' ');
			break;
		}
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	va_end(aq);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int printk(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	watchdog_touch();		/* a line out is progress */
	return n;
}
