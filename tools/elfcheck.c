/*
 * elfcheck FILE...: can each FILE run as a Linux process under pkrulab?
 * The kernel's own check (kernel/linux/elf.c) compiled for the host, so
 * that run-qemu.sh --program refuses a file with the reason the kernel
 * would give, before QEMU starts.  Exit 0 when every file passes, 1 when
 * one does not (one "FILE: reason" line each on stderr), 2 on usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include "../kernel/linux/elf.h"

#define MAX_SIZE (256u << 20)

static const char *check(const char *path)
{
	static struct elf_plan plan;
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	const char *why;
	long size;

	if (!f)
		return "cannot be opened";
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return "cannot be read (not a regular file?)";
	}
	if ((unsigned long)size > MAX_SIZE) {
		fclose(f);
		return "larger than 256 MiB";
	}
	buf = malloc(size ? size : 1);
	if (!buf || fread(buf, 1, size, f) != (size_t)size) {
		free(buf);
		fclose(f);
		return "cannot be read";
	}
	fclose(f);
	why = elf_plan(buf, size, &plan);
	free(buf);
	return why;
}

int main(int argc, char **argv)
{
	int bad = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: elfcheck FILE...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		const char *why = check(argv[i]);

		if (why) {
			fprintf(stderr, "%s: %s\n", argv[i], why);
			bad = 1;
		}
	}
	return bad;
}
