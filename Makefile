# pkrulab: `make` builds build/pkrulab.elf and build/pkrulab.iso (BIOS+UEFI),
# `make test` runs the host unit tests and the QEMU matrix.
#
# CROSS=x86_64-elf- selects a cross toolchain; the default is the host gcc,
# which is fine on x86-64 Linux because the kernel is freestanding.

.DEFAULT_GOAL := all

CROSS	?=
CC	:= $(CROSS)gcc
LD	:= $(CROSS)ld
NASM	?= nasm
HOSTCC	?= cc
CLANG	?= clang
PYTHON	?= python3
B	:= build
V	?= 0
Q	:= $(if $(filter 1,$(V)),,@)

KCFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-builtin -nostdlib -fno-stack-protector \
	-fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only -mcmodel=small \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables -fno-toplevel-reorder \
	-Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers \
	-Iarch/x86/include -Ikernel/include -I. -MMD -MP
KLDFLAGS := -nostdlib -static -no-pie -z max-page-size=0x1000 --no-warn-rwx-segments -T linker.ld

# Link order decides the order of suites in the report.
KSRC_C := $(wildcard kernel/*.c) $(wildcard arch/x86/*.c) \
	$(wildcard kernel/strategy/*.c) \
	tests/lib/testlib.c tests/pku/pku.c tests/xsave/xsave.c tests/switch/switch.c \
	tests/signal/signal.c tests/bench/bench.c tests/expect.c
# Ring-3 code: linked into the .user section (see linker.ld).
USRC_C := tests/switch/switch.user.c tests/signal/signal.user.c tests/bench/bench.user.c
KSRC_ASM := boot/multiboot2.asm $(wildcard arch/x86/*.asm)
KOBJ := $(patsubst %.c,$(B)/%.o,$(KSRC_C)) $(patsubst %.asm,$(B)/%.o,$(KSRC_ASM)) \
	$(patsubst %.c,$(B)/%.o,$(USRC_C)) $(B)/gen/font.o

# The framebuffer console's font, converted from a Debian console font.
FONT ?= /usr/share/consolefonts/Lat15-Fixed16.psf.gz
$(B)/gen/font.c: tools/psf2c.py
	@mkdir -p $(dir $@)
	$(Q)$(PYTHON) tools/psf2c.py $(FONT) $@

$(B)/gen/font.o: $(B)/gen/font.c
	$(Q)$(CC) $(KCFLAGS) -c $< -o $@

.PHONY: all clean test host-test qemu-test deps fuzz bench
all: $(B)/pkrulab.iso

# Ring-3 objects: position-independent (they run at USER_IMAGE_VA, far
# above the 2 GiB that -mcmodel=small reaches) and never call the kernel.
$(B)/%.user.o: %.user.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC [U]  $<")
	$(Q)$(CC) $(KCFLAGS) -fpie -fvisibility=hidden -c $< -o $@

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(KCFLAGS) -c $< -o $@

$(B)/%.o: %.asm
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  NASM    $<")
	@# NASM 2.16's -MD leaves the %include files out of the list: ask -M.
	$(Q)$(NASM) -f elf64 -Iarch/x86/include/ -M -MP -MT $@ -MF $(@:.o=.d) $<
	$(Q)$(NASM) -f elf64 -g -F dwarf -Iarch/x86/include/ $< -o $@

$(B)/pkrulab.elf: $(KOBJ) linker.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LD) $(KLDFLAGS) -o $@ $(KOBJ)
	@grub-file --is-x86-multiboot2 $@ || { echo "$@ is not multiboot2" >&2; rm -f $@; exit 1; }
	@# Ring-3 code must be self-contained: a call into the kernel would fault.
	@for o in $(patsubst %.c,$(B)/%.o,$(USRC_C)); do \
		u=$$(nm -u $$o); [ -z "$$u" ] || { echo "$$o calls outside ring-3 code: $$u" >&2; rm -f $@; exit 1; }; \
	done

$(B)/pkrulab.iso: $(B)/pkrulab.elf boot/grub.cfg
	@rm -rf $(B)/iso && mkdir -p $(B)/iso/boot/grub
	@cp $(B)/pkrulab.elf $(B)/iso/boot/pkrulab.elf
	@cp boot/grub.cfg $(B)/iso/boot/grub/grub.cfg
	@$(if $(Q),echo "  ISO     $@")
	$(Q)grub-mkrescue -o $@ $(B)/iso 2>$(B)/grub-mkrescue.log || { cat $(B)/grub-mkrescue.log >&2; exit 1; }

# ---- host side -------------------------------------------------------------
HOST_CFLAGS := -std=c11 -O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-sanitize-recover -Ikernel -Itests/host

$(B)/host/test_cmdline: tests/host/test_cmdline.c kernel/cmdline.c kernel/cmdline.h tests/host/unit.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) tests/host/test_cmdline.c kernel/cmdline.c -o $@

$(B)/host/fuzz_cmdline: tests/host/fuzz_cmdline.c kernel/cmdline.c kernel/cmdline.h
	@mkdir -p $(dir $@)
	$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -Ikernel $< kernel/cmdline.c -o $@

HOST_TESTS := $(B)/host/test_cmdline

$(B)/host/test_stats: tests/host/test_stats.c kernel/stats.c kernel/stats.h tests/host/unit.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) tests/host/test_stats.c kernel/stats.c -o $@

HOST_TESTS += $(B)/host/test_stats

$(B)/host/test_sigframe: tests/host/test_sigframe.c kernel/sigframe.c kernel/sigframe.h tests/host/unit.h \
		tests/host/xsave_layout.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) tests/host/test_sigframe.c kernel/sigframe.c -o $@

HOST_TESTS += $(B)/host/test_sigframe

$(B)/host/fuzz_sigframe: tests/host/fuzz_sigframe.c kernel/sigframe.c kernel/sigframe.h \
		tests/host/xsave_layout.h
	@mkdir -p $(dir $@)
	$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -Ikernel $< kernel/sigframe.c -o $@

host-test: $(HOST_TESTS)
	@for t in $(HOST_TESTS); do $$t || exit 1; done
	@$(PYTHON) tools/test_pkrulab_report.py 2>$(B)/host/test_pkrulab_report.log || \
		{ cat $(B)/host/test_pkrulab_report.log; exit 1; }
	@$(PYTHON) tools/test_pathprof.py 2>$(B)/host/test_pathprof.log || \
		{ cat $(B)/host/test_pathprof.log; exit 1; }
	@$(PYTHON) tools/test_mutants.py 2>$(B)/host/test_mutants.log || \
		{ cat $(B)/host/test_mutants.log; exit 1; }

FUZZ_SECONDS ?= 20
FUZZERS := cmdline sigframe

# Each fuzzer runs FUZZ_SECONDS and says so in one "N passed, N failed" line.
fuzz: $(patsubst %,$(B)/host/fuzz_%,$(FUZZERS))
	@for f in $(FUZZERS); do \
		mkdir -p $(B)/fuzz/$$f; \
		if $(B)/host/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 -artifact_prefix=$(B)/fuzz/$$f- \
			$(B)/fuzz/$$f 2>$(B)/fuzz/$$f.log; then \
			echo "fuzz_$$f: 1 passed, 0 failed ($(FUZZ_SECONDS) s of libFuzzer, no crash)"; \
		else \
			tail -40 $(B)/fuzz/$$f.log; \
			echo "fuzz_$$f: 0 passed, 1 failed (crash: see $(B)/fuzz/$$f.log)"; \
			exit 1; \
		fi; \
	done

deps:
	@bash tools/install-deps.sh

qemu-test: all
	@bash tools/qemu-matrix.sh

test: deps
	@$(MAKE) --no-print-directory all
	@bash tools/test-all.sh

# Benchmarks under -icount (deterministic instruction counts) and the report.
bench: all
	@mkdir -p $(B)/bench
	./run-qemu.sh --icount --timeout 600 --log $(B)/bench/icount.log -- tests=none bench=all >/dev/null
	$(PYTHON) tools/pkrulab-report.py bench $(B)/bench/icount.log --out $(B)/bench/report
	@echo "report: $(B)/bench/report/report.md (.csv, .json)"
	@$(PYTHON) tools/pkrulab-report.py targets $(B)/bench/icount.log >$(B)/bench/report/targets.md; \
		st=$$?; cat $(B)/bench/report/targets.md; exit $$st

# Mutation testing (tools/mutants.txt) in a scratch copy; MUTANTS= picks ids
# or globs.  Determinism: ROUNDS rounds of the default run and the injection
# cases with every core busy.
ROUNDS ?= 10
.PHONY: mutants stress
mutants:
	@$(PYTHON) tools/mutants.py $(MUTANTS)

stress: all
	@$(PYTHON) tools/stress.py --rounds $(ROUNDS)

clean:
	rm -rf $(B)

-include $(KOBJ:.o=.d)
