/*
 * ELF64 executables for the Linux personality: the checks that decide
 * whether a file can run as a Linux process here, and the load plan
 * (segments, entry, program headers) the loader follows.  Pure functions
 * over a byte buffer: compiled for the host too (tests/host/test_elf.c).
 */
#ifndef KERNEL_LINUX_ELF_H
#define KERNEL_LINUX_ELF_H

#if __STDC_HOSTED__
#include <stdbool.h>
#include <stdint.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
#else
#include <asm/types.h>
#endif

#define EI_NIDENT	16
#define ELFCLASS64	2
#define ELFDATA2LSB	1
#define EV_CURRENT	1
#define ET_EXEC		2
#define ET_DYN		3
#define EM_X86_64	62

#define PT_LOAD		1
#define PT_DYNAMIC	2
#define PT_INTERP	3
#define PT_PHDR		6
#define PT_TLS		7
#define PT_GNU_STACK	0x6474e551

#define ELF_PF_X		1
#define ELF_PF_W		2
#define ELF_PF_R		4

#define ELF_PAGE_SIZE	4096ull
#define ELF_MAX_LOADS	16

struct elf64_ehdr {
	u8 e_ident[EI_NIDENT];
	u16 e_type, e_machine;
	u32 e_version;
	u64 e_entry, e_phoff, e_shoff;
	u32 e_flags;
	u16 e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf64_phdr {
	u32 p_type, p_flags;
	u64 p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

struct elf_segment {
	u64 vaddr, memsz;		/* relative to the load base */
	u64 offset, filesz;		/* in the file */
	u32 flags;			/* PF_* */
};

/*
 * Where a non-PIE executable (ET_EXEC) may lie: 4 MiB (x86-64's usual
 * 0x400000) up to 32 MiB.  kernel/linux/memory.c gives such a process
 * its own page tables there, in place of the kernel's identity map.
 */
#define ELF_FIXED_LO	0x400000ull
#define ELF_FIXED_HI	0x2000000ull

struct elf_plan {
	bool fixed;			/* ET_EXEC: at its link address (base 0) */
	bool exec_stack;		/* PT_GNU_STACK with PF_X: an executable stack */
	u64 entry;			/* relative to the load base */
	u64 phdr;			/* program headers, relative to the load base */
	u16 phnum, phent;
	u64 end;			/* end of the highest segment, relative */
	int nr_loads;
	struct elf_segment load[ELF_MAX_LOADS];
};

/*
 * Check that image[0, size) is a static x86-64 executable this loader can
 * place: a position-independent one (ET_DYN without PT_INTERP) anywhere,
 * or a non-PIE one (ET_EXEC) whose segments lie in [ELF_FIXED_LO,
 * ELF_FIXED_HI); and fill in its load plan.  NULL on success, else the
 * reason in words.
 */
const char *elf_plan(const void *image, u64 size, struct elf_plan *plan);

#endif
