/*
 * String functions without SSE (the kernel is -mgeneral-regs-only).
 * memset/memcpy move eight bytes per REP iteration: signal delivery and
 * sigreturn copy kilobytes, and their path lengths are benchmarked.
 */
#include <kernel/string.h>

void *memset(void *s, int c, size_t n)
{
	void *d = s;
	size_t q = n / 8;
	unsigned long long pattern = 0x0101010101010101ull * (unsigned char)c;

	asm volatile("rep stosq" : "+D"(d), "+c"(q) : "a"(pattern) : "memory");
	n &= 7;
	asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(pattern) : "memory");
	return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
	void *dp = d;
	size_t q = n / 8;

	asm volatile("rep movsq" : "+D"(dp), "+S"(s), "+c"(q) :: "memory");
	n &= 7;
	asm volatile("rep movsb" : "+D"(dp), "+S"(s), "+c"(n) :: "memory");
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	if (dp <= sp || dp >= sp + n)
		return memcpy(d, s, n);	/* forward copy is safe */
	while (n--)
		dp[n] = sp[n];
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			break;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *strstr(const char *h, const char *n)
{
	size_t ln = strlen(n);

	for (; *h; h++)
		if (!strncmp(h, n, ln))
			return (char *)h;
	return ln ? NULL : (char *)h;
}
