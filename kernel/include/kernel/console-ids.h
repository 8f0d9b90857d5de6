/*
 * Console identities: the bits of a console mask, shared by the console
 * drivers and the console= parser (which also compiles for the host, so
 * this header has no dependencies).  Bit i is the i-th name console= takes.
 */
#ifndef KERNEL_CONSOLE_IDS_H
#define KERNEL_CONSOLE_IDS_H

#define CONSOLE_SERIAL (1u << 0)
#define CONSOLE_VGA    (1u << 1)
#define CONSOLE_FB     (1u << 2)

#endif
