/* ELF64 checks and the load plan (see elf.h). */
#include "elf.h"

static bool add_overflows(u64 a, u64 b, u64 *sum)
{
	*sum = a + b;
	return *sum < a;
}

const char *elf_plan(const void *image, u64 size, struct elf_plan *plan)
{
	const u8 *b = image;
	const struct elf64_ehdr *eh = image;
	u64 ph_end, lowest = ~0ull;
	bool have_phdr = false;

	if (size < sizeof(*eh))
		return "too short for an ELF header";
	if (b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F')
		return "not an ELF file (bad magic)";
	if (b[4] != ELFCLASS64 || b[5] != ELFDATA2LSB || b[6] != EV_CURRENT)
		return "not a little-endian 64-bit ELF file";
	if (eh->e_machine != EM_X86_64)
		return "not an x86-64 executable";
	if (eh->e_type != ET_DYN && eh->e_type != ET_EXEC)
		return "not an executable (ELF type is neither ET_EXEC nor ET_DYN)";
	if (eh->e_phentsize != sizeof(struct elf64_phdr) || !eh->e_phnum)
		return "bad program header table entry size or no program headers";
	if (add_overflows(eh->e_phoff, (u64)eh->e_phnum * sizeof(struct elf64_phdr), &ph_end) ||
	    ph_end > size || (eh->e_phoff & 7))
		return "program header table outside the file or misaligned";

	*plan = (struct elf_plan){ .phnum = eh->e_phnum, .phent = eh->e_phentsize,
				   .fixed = eh->e_type == ET_EXEC };
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		const struct elf64_phdr *ph = (const void *)(b + eh->e_phoff + i * sizeof(*ph));
		u64 fend, mend;

		if (ph->p_type == PT_INTERP)
			return "dynamically linked (PT_INTERP): only static executables can run here";
		if (ph->p_type == PT_PHDR) {
			plan->phdr = ph->p_vaddr;
			have_phdr = true;
		}
		/* fs/binfmt_elf.c: PF_X on PT_GNU_STACK is EXSTACK_ENABLE_X; absent or not, no exec. */
		if (ph->p_type == PT_GNU_STACK)
			plan->exec_stack = ph->p_flags & ELF_PF_X;
		if (ph->p_type != PT_LOAD)
			continue;
		if (plan->nr_loads == ELF_MAX_LOADS)
			return "too many PT_LOAD segments";
		if (ph->p_filesz > ph->p_memsz)
			return "a PT_LOAD segment's file size exceeds its memory size";
		if (add_overflows(ph->p_offset, ph->p_filesz, &fend) || fend > size)
			return "a PT_LOAD segment lies outside the file";
		if (add_overflows(ph->p_vaddr, ph->p_memsz, &mend) || mend > (1ull << 40))
			return "a PT_LOAD segment is larger than 1 TiB or wraps";
		if ((ph->p_vaddr - ph->p_offset) % ELF_PAGE_SIZE)
			return "a PT_LOAD segment's address and file offset disagree modulo 4 KiB";
		plan->load[plan->nr_loads++] = (struct elf_segment){
			.vaddr = ph->p_vaddr, .memsz = ph->p_memsz,
			.offset = ph->p_offset, .filesz = ph->p_filesz, .flags = ph->p_flags,
		};
		if (ph->p_vaddr < lowest)
			lowest = ph->p_vaddr;
		if (mend > plan->end)
			plan->end = mend;
		/* No PT_PHDR: the headers are where this segment maps the file. */
		if (!have_phdr && eh->e_phoff >= ph->p_offset && ph_end <= fend)
			plan->phdr = ph->p_vaddr + (eh->e_phoff - ph->p_offset);
	}
	if (!plan->nr_loads)
		return "no PT_LOAD segment";
	if (!plan->phdr && !have_phdr)
		return "the program headers are not in any loaded segment (AT_PHDR)";
	if (eh->e_entry < lowest || eh->e_entry >= plan->end)
		return "the entry point is outside the loaded segments";
	if (plan->fixed && (lowest < ELF_FIXED_LO || plan->end > ELF_FIXED_HI))
		return "a non-PIE executable (ET_EXEC) must be linked between 4 MiB and 32 MiB "
		       "(0x400000, the default, is); or link it with -static-pie";
	plan->entry = eh->e_entry;
	return 0;
}
