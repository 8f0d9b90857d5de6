/*
 * Shell-style globs over scenario and benchmark names (<kernel/glob.h>).
 * Built into the kernel and into the host tests, so it uses no libc.
 */
#include <kernel/glob.h>

/* End of string for glob_class_scan(): either the span end or a NUL. */
static bool at_end(const char *p, const char *end)
{
	return p == end || *p == '\0';
}

/*
 * Scan a bracket class; p points just after the '['.  Returns a pointer
 * just past the closing ']', or NULL when there is none (glob_match() then
 * treats the '[' as an ordinary character, the parser rejects the glob).
 * A ']' right after "[" or "[!" is a member, not the end, as in the shell;
 * so is a '-' first or last.  The string ends at end or at a NUL, so this
 * serves both NUL-terminated patterns (end == NULL) and command line spans.
 * c < 0 asks only for the syntax check.  *hit: c is in the class;
 * *reversed: a range like "z-a" (matches nothing) was seen.
 */
const char *glob_class_scan(const char *p, const char *end, int c, bool *hit, bool *reversed)
{
	bool neg = false, in = false, rev = false, first = true;

	if (!at_end(p, end) && *p == '!') {
		neg = true;
		p++;
	}
	for (;;) {
		unsigned char lo, hi;

		if (at_end(p, end))
			return NULL;
		if (*p == ']' && !first)
			break;
		first = false;
		lo = hi = (unsigned char)*p;
		if (!at_end(p + 1, end) && p[1] == '-' &&
		    !at_end(p + 2, end) && p[2] != ']') {
			hi = (unsigned char)p[2];
			p += 3;
		} else {
			p++;
		}
		if (lo > hi)
			rev = true;
		if (c >= lo && c <= hi)
			in = true;
	}
	*hit = in != neg;
	*reversed = rev;
	return p + 1;
}

/*
 * Does the pattern element at p match character c?  On a match *next is
 * the pattern position after the element.
 *
 * *literal_from remembers the first '[' found unterminated.  Every later
 * '[' is unterminated too (a ']' that could close it would have closed the
 * earlier one), so it is a literal without another scan to the end of the
 * pattern; otherwise a pattern full of '[' would cost a rescan per
 * element per backtrack, cubic time.
 */
static bool match_one(const char *p, unsigned char c, const char **next,
		      const char **literal_from)
{
	if (*p == '?') {
		*next = p + 1;
		return true;
	}
	if (*p == '[' && (!*literal_from || p < *literal_from)) {
		bool hit, rev;
		const char *q = glob_class_scan(p + 1, NULL, c, &hit, &rev);

		if (q) {
			*next = q;
			return hit;
		}
		*literal_from = p;
	}
	*next = p + 1;
	return (unsigned char)*p == c;
}

/*
 * Iterative matcher with one backtrack point: on a mismatch only the most
 * recent '*' is retried, one more name character further.  An earlier '*'
 * never needs retrying (whatever it could absorb, the later '*' can too),
 * so patterns like "*a*a*a*a*b" cost O(pattern * name) rather than the
 * exponential time of the naive recursive matcher.
 */
bool glob_match(const char *pattern, const char *name)
{
	const char *p = pattern, *n = name;
	const char *star_p = NULL, *star_n = NULL;
	const char *literal_from = NULL;

	if (!pattern || !name)
		return false;
	for (;;) {
		const char *next;

		if (*p == '*') {
			while (*p == '*')
				p++;
			if (*p == '\0')
				return true;
			star_p = p;
			star_n = n;
			continue;
		}
		if (*n == '\0')
			return *p == '\0';
		if (*p != '\0' && match_one(p, (unsigned char)*n, &next,
				       &literal_from)) {
			p = next;
			n++;
			continue;
		}
		if (!star_p)
			return false;
		/*
		 * Let the star take one more character.  star_n never passes
		 * the name's NUL: once n is there, the check above returns.
		 */
		p = star_p;
		n = ++star_n;
	}
}

const char *glob_list_next(const char *list, char *buf, size_t len)
{
	size_t n = 0;

	if (!list || !*list)
		return NULL;
	/* An over-long element is cut to len - 1 characters; the rest is skipped. */
	for (; *list && *list != ','; list++)
		if (n + 1 < len)
			buf[n++] = *list;
	if (len)
		buf[n] = '\0';
	return *list == ',' ? list + 1 : list;
}

bool glob_list_match(const char *list, const char *name)
{
	char one[GLOB_LIST_ELEM_MAX];

	while ((list = glob_list_next(list, one, sizeof(one))))
		if (glob_match(one, name))
			return true;
	return false;
}
