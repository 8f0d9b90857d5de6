/*
 * Shell-style globs: '*', '?', "[abc]" / "[a-z]" / "[!x]" (kernel/glob.c).
 * Pure C without libc: compiled into the kernel and the host unit tests.
 */
#ifndef PKRULAB_GLOB_H
#define PKRULAB_GLOB_H

#include <stdbool.h>
#include <stddef.h>

/* Longest element glob_list_match() compares (longer ones are cut). */
#define GLOB_LIST_ELEM_MAX 64

bool glob_match(const char *pattern, const char *name);

/*
 * Scan a bracket class; p points just after the '['.  Returns a pointer
 * just past the closing ']', or NULL when there is none.  The string ends
 * at end or at a NUL (end may be NULL).  c < 0 asks only for the syntax
 * check.  *hit: c is in the class; *reversed: a range like "z-a" was seen.
 */
const char *glob_class_scan(const char *p, const char *end, int c, bool *hit, bool *reversed);

/*
 * Comma lists of globs ("switch.*,signal.frame_pkru"): copy the element at
 * list into buf (NUL-terminated, cut to len - 1) and return where the next
 * one starts, or NULL at the end of the list.
 */
const char *glob_list_next(const char *list, char *buf, size_t len);
/* Does any glob of the comma list match name? */
bool glob_list_match(const char *list, const char *name);

#endif
