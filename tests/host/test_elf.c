/*
 * Host tests of the Linux personality's ELF check and load plan
 * (kernel/linux/elf.c): a minimal static PIE is accepted with the right
 * plan, so is the same file as a non-PIE executable linked in the low
 * window, and each way a file can be unfit is refused with its reason.
 */
#include <string.h>
#include "unit.h"
#include "../../kernel/linux/elf.h"

struct image {
	struct elf64_ehdr eh;
	struct elf64_phdr ph[3];
	unsigned char body[8192];
};

/* A static PIE: PT_PHDR, a read-execute segment with the headers, a data segment. */
static void make_pie(struct image *im)
{
	memset(im, 0, sizeof(*im));
	memcpy(im->eh.e_ident, "\x7f" "ELF", 4);
	im->eh.e_ident[4] = ELFCLASS64;
	im->eh.e_ident[5] = ELFDATA2LSB;
	im->eh.e_ident[6] = EV_CURRENT;
	im->eh.e_type = ET_DYN;
	im->eh.e_machine = EM_X86_64;
	im->eh.e_version = EV_CURRENT;
	im->eh.e_entry = 0x200;
	im->eh.e_phoff = sizeof(im->eh);
	im->eh.e_phentsize = sizeof(struct elf64_phdr);
	im->eh.e_phnum = 3;
	im->ph[0] = (struct elf64_phdr){ .p_type = PT_PHDR, .p_offset = 64, .p_vaddr = 64,
					 .p_filesz = 3 * 56, .p_memsz = 3 * 56 };
	im->ph[1] = (struct elf64_phdr){ .p_type = PT_LOAD, .p_flags = ELF_PF_R | ELF_PF_X,
					 .p_filesz = 4096, .p_memsz = 4096 };
	im->ph[2] = (struct elf64_phdr){ .p_type = PT_LOAD, .p_flags = ELF_PF_R | ELF_PF_W,
					 .p_offset = 4096, .p_vaddr = 0x2000, .p_filesz = 100,
					 .p_memsz = 0x3000 };
}

static int refused(struct image *im, const char *want)
{
	struct elf_plan plan;
	const char *why = elf_plan(im, sizeof(*im), &plan);

	return why && strstr(why, want);
}

int main(void)
{
	struct image im;
	struct elf_plan plan;

	make_pie(&im);
	CHECK(elf_plan(&im, sizeof(im), &plan) == NULL);
	CHECK(plan.entry == 0x200 && plan.phdr == 64 && plan.phnum == 3 && plan.phent == 56);
	CHECK(plan.nr_loads == 2 && plan.end == 0x5000);
	CHECK(plan.load[1].vaddr == 0x2000 && plan.load[1].filesz == 100 &&
	      plan.load[1].flags == (ELF_PF_R | ELF_PF_W));

	/*
	 * Without PT_PHDR the headers are found through the segment that maps
	 * them.  No PT_GNU_STACK, or one without PF_X: a no-execute stack.
	 */
	make_pie(&im);
	CHECK(elf_plan(&im, sizeof(im), &plan) == NULL && !plan.exec_stack);
	im.ph[0].p_type = PT_GNU_STACK;
	im.ph[0].p_flags = ELF_PF_R | ELF_PF_W;
	CHECK(elf_plan(&im, sizeof(im), &plan) == NULL && plan.phdr == 64 && !plan.exec_stack);
	/* PT_GNU_STACK with PF_X: an executable stack, as Linux's EXSTACK_ENABLE_X. */
	im.ph[0].p_flags = ELF_PF_R | ELF_PF_W | ELF_PF_X;
	CHECK(elf_plan(&im, sizeof(im), &plan) == NULL && plan.exec_stack);

	CHECK(elf_plan(&im, 10, &plan) != NULL);
	make_pie(&im);
	im.eh.e_ident[1] = 'X';
	CHECK(refused(&im, "bad magic"));
	make_pie(&im);
	im.eh.e_ident[4] = 1;
	CHECK(refused(&im, "64-bit"));
	make_pie(&im);
	im.eh.e_machine = 3;
	CHECK(refused(&im, "not an x86-64"));
	/* Non-PIE at its link address: inside the low window, and only there. */
	make_pie(&im);
	im.eh.e_type = ET_EXEC;
	CHECK(refused(&im, "non-PIE"));		/* linked at 0: below 4 MiB */
	make_pie(&im);
	im.eh.e_type = ET_EXEC;
	im.eh.e_entry += ELF_FIXED_LO;
	im.ph[0].p_vaddr += ELF_FIXED_LO;
	im.ph[1].p_vaddr += ELF_FIXED_LO;
	im.ph[2].p_vaddr += ELF_FIXED_LO;
	CHECK(elf_plan(&im, sizeof(im), &plan) == NULL && plan.fixed &&
	      plan.entry == ELF_FIXED_LO + 0x200 && plan.end == ELF_FIXED_LO + 0x5000);
	im.ph[2].p_memsz = ELF_FIXED_HI - ELF_FIXED_LO;	/* its end past 32 MiB */
	CHECK(refused(&im, "between 4 MiB and 32 MiB"));
	make_pie(&im);
	CHECK(elf_plan(&im, sizeof(im), &plan) == NULL && !plan.fixed);
	make_pie(&im);
	im.eh.e_type = 1;
	CHECK(refused(&im, "not an executable"));
	make_pie(&im);
	im.ph[0].p_type = PT_INTERP;
	CHECK(refused(&im, "dynamically linked"));
	make_pie(&im);
	im.eh.e_phoff = sizeof(im) - 8;
	CHECK(refused(&im, "outside the file"));
	make_pie(&im);
	im.ph[2].p_filesz = 0x4000;
	CHECK(refused(&im, "file size exceeds"));
	make_pie(&im);
	im.ph[2].p_offset = sizeof(im);
	CHECK(refused(&im, "outside the file"));
	make_pie(&im);
	im.ph[2].p_vaddr = 0x2010;
	CHECK(refused(&im, "modulo 4 KiB"));
	make_pie(&im);
	im.ph[2].p_memsz = ~0ull;
	CHECK(refused(&im, "wraps"));
	make_pie(&im);
	im.eh.e_entry = 0x9000;
	CHECK(refused(&im, "entry point"));
	make_pie(&im);
	im.ph[1].p_type = im.ph[2].p_type = 0x6474e551;
	CHECK(refused(&im, "no PT_LOAD"));
	make_pie(&im);
	im.eh.e_phentsize = 32;
	CHECK(refused(&im, "entry size"));
	return unit_summary("test_elf");
}
