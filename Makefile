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
# Debian's python3 first: the one apt's python3-matplotlib installs into.
PYTHON	?= $(firstword $(wildcard /usr/bin/python3) python3)
B	:= build
# The Linux programs and selftests (host gcc, glibc) owe nothing to the
# kernel's flags: one copy in build/linux serves every $(B).
LB	:= build
# UNLIST_DEVIATION=ID: a kernel whose known-deviation table lacks ID, built
# apart, to show that an unlisted deviation fails the run (bochs-matrix.sh);
# with the programs of build/linux (building them again there cost 20 of the
# 37 s of CPU of that kernel's first build).
ifneq ($(UNLIST_DEVIATION),)
B	:= build/unlist-$(UNLIST_DEVIATION)
endif
V	?= 0
Q	:= $(if $(filter 1,$(V)),,@)

KCFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-builtin -nostdlib -fno-stack-protector \
	-fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only -mcmodel=small \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables -fno-toplevel-reorder \
	-Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers \
	-Iarch/x86/include -Ikernel/include -I. -MMD -MP
ifneq ($(UNLIST_DEVIATION),)
KCFLAGS += -DPKRULAB_UNLIST_DEVIATION='"$(UNLIST_DEVIATION)"'
endif
KLDFLAGS := -nostdlib -static -no-pie -z max-page-size=0x1000 --no-warn-rwx-segments -T linker.ld

# Suites are found by wildcard: a new one is a directory tests/NAME/ whose
# NAME.c declares SUITE() (its place in the report) and its SCENARIO()s.
# Layers, lowest first (make check-layers): boot, arch, kernel, kernel/linux, tests.
BOOT_ASM := $(wildcard boot/*.asm)
ARCH_SRC := $(wildcard arch/x86/*.c) $(wildcard arch/x86/*.asm)
KERNEL_SRC := $(filter-out kernel/asm-offsets.c,$(wildcard kernel/*.c)) $(wildcard kernel/strategy/*.c) \
	$(wildcard kernel/linux/*.c)
TESTS_SRC := $(wildcard tests/lib/*.c) $(wildcard tests/*.c) \
	$(filter-out %.user.c,$(filter-out tests/host/% tests/lib/%,$(wildcard tests/*/*.c)))
KSRC_C := $(filter %.c,$(ARCH_SRC)) $(KERNEL_SRC) $(TESTS_SRC)
# Ring-3 code: linked into the .user section (see linker.ld).
USRC_C := $(wildcard tests/*/*.user.c)
KSRC_ASM := $(BOOT_ASM) $(filter %.asm,$(ARCH_SRC))
KOBJ := $(patsubst %.c,$(B)/%.o,$(KSRC_C)) $(patsubst %.asm,$(B)/%.o,$(KSRC_ASM)) \
	$(patsubst %.c,$(B)/%.o,$(USRC_C)) $(B)/gen/font.o

# The framebuffer console's font, converted from a Debian console font.
FONT ?= /usr/share/consolefonts/Lat15-Fixed16.psf.gz
$(B)/gen/font.c: tools/psf2c.py
	@mkdir -p $(dir $@)
	$(Q)$(PYTHON) tools/psf2c.py $(FONT) $@

$(B)/gen/font.o: $(B)/gen/font.c
	$(Q)$(CC) $(KCFLAGS) -c $< -o $@

.PHONY: all clean test host-test qemu-test bochs-test deps fuzz bench check-layers check-funclen hwref linux-progs linux-selftests
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

# The Linux personality's system-call numbers and names, from Linux's uapi
# header as Debian's linux-libc-dev installs it (tools/install-deps.sh).
UNISTD_64 ?= /usr/include/x86_64-linux-gnu/asm/unistd_64.h
$(B)/gen/linux-syscalls.h: $(UNISTD_64)
	@mkdir -p $(dir $@)
	$(Q){ echo "/* generated from $<: do not edit */"; grep '^#define __NR_' $<; } >$@
$(B)/gen/linux-syscall-list.h: $(UNISTD_64)
	@mkdir -p $(dir $@)
	$(Q){ echo "/* generated from $<: do not edit */"; \
		sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9][0-9]*\)$$/LINUX_SYSCALL(\2, \1)/p' $<; } >$@
$(B)/kernel/linux/%.o: KCFLAGS += -I$(B)/gen
$(B)/kernel/linux/syscalls.o $(B)/kernel/linux/signals.o $(B)/kernel/linux/vsyscall.o: $(B)/gen/linux-syscalls.h $(B)/gen/linux-syscall-list.h

# C struct offsets and constants for the NASM code (see kernel/asm-offsets.c).
$(B)/gen/asm-offsets.inc: kernel/asm-offsets.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GEN     $@")
	$(Q)$(CC) $(KCFLAGS) -MT $@ -MF $(B)/gen/asm-offsets.d -S $< -o $(B)/gen/asm-offsets.s
	$(Q){ echo "; generated from kernel/asm-offsets.c: do not edit"; \
		sed -n 's/^.*"->\([A-Za-z0-9_]*\) \(-\{0,1\}[0-9][0-9]*\)".*$$/\1 equ \2/p' \
			$(B)/gen/asm-offsets.s; } >$@.tmp && mv $@.tmp $@

NASMFLAGS := -f elf64 -Iarch/x86/include/ -I$(B)/gen/

$(B)/%.o: %.asm $(B)/gen/asm-offsets.inc
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  NASM    $<")
	@# NASM 2.16's -MD leaves the %include files out of the list: ask -M.
	$(Q)$(NASM) $(NASMFLAGS) -M -MP -MT $@ -MF $(@:.o=.d) $<
	$(Q)$(NASM) $(NASMFLAGS) -g -F dwarf $< -o $@

$(B)/pkrulab.elf: $(KOBJ) linker.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LD) $(KLDFLAGS) -o $@ $(KOBJ)
	@grub-file --is-x86-multiboot2 $@ || { echo "$@ is not multiboot2" >&2; rm -f $@; exit 1; }
	@# Ring-3 code must be self-contained: a call into the kernel would fault.
	@for o in $(patsubst %.c,$(B)/%.o,$(USRC_C)); do \
		u=$$(nm -u $$o); [ -z "$$u" ] || { echo "$$o calls outside ring-3 code: $$u" >&2; rm -f $@; exit 1; }; \
	done

# Layering (boot -> arch -> kernel -> kernel/linux -> tests): see tools/check-layers.sh.
# Then no function over 80 lines in the kernel (kernel/, arch/x86/): tools/check-funclen.py.
check-layers: $(B)/pkrulab.elf
	@bash tools/check-layers.sh $(filter-out $(patsubst %.c,$(B)/%.o,$(USRC_C)),$(KOBJ))
	@$(PYTHON) tools/check-funclen.py

check-funclen:
	@$(PYTHON) tools/check-funclen.py

# The Linux test programs (tests/linux/progs/*.c): static PIEs built with
# the host gcc and Debian's glibc, in the ISO as GRUB modules that the
# linux.* cells run.  boot/grub.cfg sources the generated programs.cfg.
# Linux's own pkey selftests (below) are in the image too.
# hello_static is hello.c linked non-PIE (-static), as the selftests are;
# hostile_static is hostile.c so linked, whose code and data below 4 GiB
# let it far-jump to the 32-bit user CS (compatibility-mode probes).
NOPIE_PROGS := hello_static hostile_static
OWN_PROGS := $(patsubst tests/linux/progs/%.c,%,$(wildcard tests/linux/progs/*.c)) $(NOPIE_PROGS)
SELFTESTS := protection_keys pkey_sighandler_tests nx_stack
ST_DIR := $(LB)/linux/selftests
# Linux's x86 selftests (tools/testing/selftests/x86, 64-bit), each the
# program x86_NAME and the cells linux.x86_NAME[CONFIG] (opt-in: see
# README "Linux's x86 selftests").  nx_stack, the 22nd, stays linux.nx_stack.
X86_SELFTESTS := single_step_syscall sysret_ss_attrs syscall_nt test_mremap_vdso \
	check_initial_reg_state sigreturn iopl ioperm test_vsyscall mov_ss_trap sigtrap_loop \
	syscall_arg_fault fsgsbase_restore sigaltstack fsgsbase sysret_rip syscall_numbering \
	corrupt_xstate_header amx lam test_shadow_stack
SELFTESTS += $(patsubst %,x86_%,$(X86_SELFTESTS))
LINUX_PROGS := $(OWN_PROGS) $(SELFTESTS)
LINUX_PROG_BINS := $(patsubst %,$(LB)/linux/progs/%,$(OWN_PROGS)) $(patsubst %,$(ST_DIR)/%,$(SELFTESTS))
# ptest.h takes RDPKRU/WRPKRU from the kernel's <asm/special_insns.h>
# (freestanding: safe next to glibc's headers), by -iquote: "asm/..." only.
PROG_CFLAGS := -static-pie -O2 -Wall -Wextra -Werror -iquote arch/x86/include
PROG_HDRS := tests/linux/progs/ptest.h arch/x86/include/asm/special_insns.h

$(LB)/linux/progs/%_static: tests/linux/progs/%.c $(PROG_HDRS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC [L]  $< (non-PIE)")
	$(Q)$(HOSTCC) $(filter-out -static-pie,$(PROG_CFLAGS)) -static -DPROG_NOPIE -DPROG_NAME='"$*_static"' $< -o $@

$(LB)/linux/progs/%: tests/linux/progs/%.c $(PROG_HDRS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC [L]  $<")
	$(Q)$(HOSTCC) $(PROG_CFLAGS) $< -o $@

# exec reads the registers execve left at its ELF entry, before glibc's
# _start uses any of them (tests/linux/progs/exec.c).
$(LB)/linux/progs/exec: PROG_CFLAGS += -Wl,-e,exec_entry

# attack_guarded and attack_forced are attack.c under other names (their
# cells run with every pkru_guard= guard, and with pkru_guard=force).
$(LB)/linux/progs/attack_guarded $(LB)/linux/progs/attack_forced: tests/linux/progs/attack.c

linux-progs: $(patsubst %,$(LB)/linux/progs/%,$(OWN_PROGS))

# The kernel knows the names of the programs it is built with, so that a
# boot without their module2 lines SKIPs their cells rather than losing
# them (kernel/linux/exec.c).  Written while the Makefile is read, and
# only when the list changed, so that a make that has nothing to do writes
# nothing (the QEMU matrix runs several at once).
LINUX_PROGS_H := $(B)/gen/linux-progs.h
LINUX_PROGS_H_TEXT := /* generated from the Makefile's LINUX_PROGS: do not edit */ \
	$(foreach p,$(LINUX_PROGS),LINUX_PROGRAM("$(p)"))
ifneq ($(strip $(file <$(LINUX_PROGS_H))),$(strip $(LINUX_PROGS_H_TEXT)))
$(shell mkdir -p $(B)/gen)
$(file >$(LINUX_PROGS_H),$(LINUX_PROGS_H_TEXT))
endif
$(B)/kernel/linux/exec.o: $(LINUX_PROGS_H)

# The programs every image has (run-qemu.sh --program refuses their names).
.PHONY: print-linux-progs
print-linux-progs:
	@echo $(LINUX_PROGS)

# Linux's own pkey selftests, unmodified, from Debian's linux-source-6.12
# (tools/install-deps.sh installs it), built into every image and run as
# the cells linux.protection_keys[CONFIG] and linux.pkey_sighandler_tests
# [CONFIG].  Built with upstream's flags (-static -mxsave -O2 -std=gnu99
# -pthread: non-PIE executables at 0x400000), without vm_util.c, which
# neither program uses and which needs newer uapi headers than Debian 12's
# linux-libc-dev.
LINUX_SRC_TAR ?= /usr/src/linux-source-6.12.tar.xz
ST_MM := linux-source-6.12/tools/testing/selftests/mm
ST_X86 := linux-source-6.12/tools/testing/selftests/x86
ST_FILES := $(ST_MM)/protection_keys.c $(ST_MM)/pkey_sighandler_tests.c $(ST_MM)/pkey-helpers.h \
	$(ST_MM)/pkey-x86.h linux-source-6.12/tools/testing/selftests/kselftest.h

$(ST_DIR)/src.stamp: $(LINUX_SRC_TAR)
	@mkdir -p $(ST_DIR)/src
	@echo "  TAR     $(notdir $<): the pkey selftests"
	$(Q)tar -xJf $< -C $(ST_DIR)/src $(ST_FILES)
	@touch $@

# Linux's x86 selftests, unmodified, from the same tarball: x86/nx_stack.c
# (the cell linux.nx_stack) and the 21 other 64-bit programs of upstream's
# x86 Makefile (linux.x86_NAME), with its flags for NAME_64: -m64 -O2 -g
# -std=gnu99 -pthread -Wall -no-pie -DCAN_BUILD_64 NAME.c EXTRA -lrt -ldl,
# EXTRA its per-program extra-files, check_initial_reg_state's
# -Wl,-ereal_start -static and nx_stack's -Wl,-z,noexecstack; plus -static
# for all: pkrulab has no dynamic loader, and -no-pie already puts them at
# 0x400000.  The uapi headers are Debian's (upstream's KHDR_INCLUDES is the
# kernel tree's: these programs need nothing newer).  sigreturn.c includes
# the tree's arch/x86/include/asm/desc_defs.h by a relative path.
X86_ST_FILES := $(patsubst %,$(ST_X86)/%.c,nx_stack $(X86_SELFTESTS)) $(ST_X86)/helpers.h \
	$(ST_X86)/thunks.S $(ST_X86)/clang_helpers_64.S \
	linux-source-6.12/arch/x86/include/asm/desc_defs.h
X86_ST_CFLAGS := -m64 -static -O2 -g -std=gnu99 -pthread -Wall -no-pie -DCAN_BUILD_64
x86_extra_sysret_ss_attrs := thunks.S
x86_extra_fsgsbase_restore := clang_helpers_64.S
x86_extra_sysret_rip := clang_helpers_64.S
x86_extra_check_initial_reg_state := -Wl,-ereal_start
x86_extra_nx_stack := -Wl,-z,noexecstack

# After the pkey selftests' extraction, which brings kselftest.h: two tars
# writing the same file at once under make -j failed a fresh clone's
# `make test` ("kselftest.h: Cannot open: File exists", 2026-12-08).
$(ST_DIR)/src-x86-selftests.stamp: $(LINUX_SRC_TAR) $(ST_DIR)/src.stamp
	@mkdir -p $(ST_DIR)/src
	@echo "  TAR     $(notdir $<): the x86 selftests"
	$(Q)tar -xJf $< -C $(ST_DIR)/src $(X86_ST_FILES)
	@touch $@

$(ST_DIR)/nx_stack: $(ST_DIR)/src-x86-selftests.stamp
	@echo "  CC [L]  $(ST_X86)/nx_stack.c"
	$(Q)cd $(ST_DIR)/src/$(ST_X86) && $(HOSTCC) $(X86_ST_CFLAGS) nx_stack.c \
		$(x86_extra_nx_stack) -o $(abspath $@) -lrt -ldl

# glibc's static dlopen() (test_vsyscall looks for a vDSO with it) warns at link time.
$(ST_DIR)/x86_%: $(ST_DIR)/src-x86-selftests.stamp
	@echo "  CC [L]  $(ST_X86)/$*.c"
	$(Q)cd $(ST_DIR)/src/$(ST_X86) && $(HOSTCC) $(X86_ST_CFLAGS) $*.c $(x86_extra_$*) \
		-o $(abspath $@) -lrt -ldl 2>$(abspath $@).log || { cat $(abspath $@).log >&2; exit 1; }

$(ST_DIR)/%: $(ST_DIR)/src.stamp
	@echo "  CC [L]  $(ST_MM)/$*.c"
	$(Q)cd $(ST_DIR)/src/$(ST_MM) && $(HOSTCC) -static -mxsave -O2 -std=gnu99 -pthread \
		$*.c -o $(abspath $@)

# One test of pkey_sighandler_tests per process, as the Linux 6.1 reference
# was run: tests/linux/selftests/pkey_sighandler_one.c includes the
# unmodified file and runs entry N of its table (pkey_sighandler_oneN);
# upstream's flags plus -DONE_TEST=N and the include path.
ST_ONE := $(patsubst %,pkey_sighandler_one%,1 2 3 4 5)
# Built with the image (the QEMU matrix runs them with --program), not in it.
all: $(patsubst %,$(ST_DIR)/%,$(ST_ONE))

$(ST_DIR)/pkey_sighandler_one%: tests/linux/selftests/pkey_sighandler_one.c $(ST_DIR)/src.stamp
	@echo "  CC [L]  $< (test $*)"
	$(Q)$(HOSTCC) -static -mxsave -O2 -std=gnu99 -pthread -DONE_TEST=$* \
		-I$(ST_DIR)/src/$(ST_MM) $< -o $@

linux-selftests:
	@bash tools/install-deps.sh
	@$(MAKE) --no-print-directory $(patsubst %,$(ST_DIR)/%,$(SELFTESTS) $(ST_ONE))
	@echo "the two are in the image: ./run-qemu.sh -- tests=linux.p*"
	@echo "one test per process, Linux 6.1's delivery: ./run-qemu.sh" \
		"$(patsubst %,--program $(ST_DIR)/%,$(ST_ONE)) -- tests=linux.p* signal_abi=linux61"

# The same selftest binaries under Debian's own Linux 6.12 and 6.1 in the
# same QEMU (tools/linux-reference.sh; downloads the two kernel packages,
# about 180 MB, once into ~/.cache): build/linux-reference/results.txt.
# Not part of make test.  LINUX_REF_ARGS="--uid 0" etc. are passed on.
.PHONY: linux-reference
linux-reference: linux-selftests linux-progs
	@bash tools/linux-reference.sh $(LINUX_REF_ARGS)

# The x86 selftests are 17 MB of modules, and GRUB reading them costs every
# boot 1.6 s under TCG (2.5 s -> 4.1 s for tests=none).  Their cells are
# opt-in, so a boot by the project's own tools (SMBIOS product
# pkrulab-auto: run-qemu.sh, LAVA jobs, fb-check) leaves them out unless
# the SMBIOS system family is $(X86_ST_FAMILY), which run-qemu.sh and
# lavajob.py set when a tests= glob begins with linux.x86_.  A real
# machine loads them.  "x" keeps a compare well-formed where a variable is
# unset (no SMBIOS table).
# The other programs are left out the same way when the family is
# $(NO_PROGS_FAMILY): run-qemu.sh's choice for a tests= that selects no
# linux.* cell (2 of the 2.9 s of a BIOS boot of tests=none under TCG).
X86_ST_FAMILY := pkrulab-x86-selftests
NO_PROGS_FAMILY := pkrulab-no-programs
SMBIOS_GET := 'smbios --type 1 --get-string 5 --set pkrulab_product' \
	'smbios --type 1 --get-string 26 --set pkrulab_family'
PROGS_GRUB_GATE := \
	'if [ "x$$pkrulab_product" != "xpkrulab-auto" -o "x$$pkrulab_family" != "x$(NO_PROGS_FAMILY)" ]; then'
X86_ST_GRUB_GATE := \
	'if [ "x$$pkrulab_product" != "xpkrulab-auto" -o "x$$pkrulab_family" = "x$(X86_ST_FAMILY)" ]; then'

$(B)/pkrulab.iso: $(B)/pkrulab.elf boot/grub.cfg $(LINUX_PROG_BINS)
	@rm -rf $(B)/iso && mkdir -p $(B)/iso/boot/grub $(B)/iso/boot/linux
	@cp $(B)/pkrulab.elf $(B)/iso/boot/pkrulab.elf
	@cp boot/grub.cfg $(B)/iso/boot/grub/grub.cfg
	@cp $(LINUX_PROG_BINS) $(B)/iso/boot/linux/
	@{ printf '%s\n' $(SMBIOS_GET) $(PROGS_GRUB_GATE); \
	  for p in $(filter-out x86_%,$(LINUX_PROGS)); do echo "	module2 /boot/linux/$$p prog $$p"; done; \
	  echo fi; \
	  printf '%s\n' $(X86_ST_GRUB_GATE); \
	  for p in $(filter x86_%,$(LINUX_PROGS)); do echo "	module2 /boot/linux/$$p prog $$p"; done; \
	  echo fi; } >$(B)/iso/boot/grub/programs.cfg
	@$(if $(Q),echo "  ISO     $@")
	$(Q)grub-mkrescue -o $@ $(B)/iso 2>$(B)/grub-mkrescue.log || { cat $(B)/grub-mkrescue.log >&2; exit 1; }

# An ISO that boots at once with fixed kernel arguments, for machines
# without QEMU's fw_cfg (tools/run-bochs.sh):
#   make iso-args ISO_OUT=PATH KARGS="config=all tests=pku.* exit=poweroff"
# The same kernel and the same boot path as build/pkrulab.iso (BIOS + UEFI,
# pkrulab_video after multiboot2), only the menu differs.
# The x86 selftests' modules only when a tests= glob of KARGS begins with
# linux.x86_ (their cells are opt-in; under Bochs reading 17 MB is slow).
# ISO_ARGS_PROGS= (empty) leaves every program out: tools/run-bochs.sh's
# choice for a tests= that selects no linux.* cell.
comma := ,
ISO_ARGS_X86 := $(filter linux.x86_%,$(subst $(comma), ,$(patsubst tests=%,%,$(filter tests=%,$(KARGS)))))
ISO_ARGS_PROGS := $(if $(ISO_ARGS_X86),$(LINUX_PROGS),$(filter-out x86_%,$(LINUX_PROGS)))
.PHONY: iso-args
iso-args: $(B)/pkrulab.elf $(LINUX_PROG_BINS)
	@[ -n "$(ISO_OUT)" ] || { echo "iso-args: set ISO_OUT=PATH (and KARGS=...)" >&2; exit 2; }
	@rm -rf $(ISO_OUT).d && mkdir -p $(ISO_OUT).d/boot/grub $(ISO_OUT).d/boot/linux
	@cp $(B)/pkrulab.elf $(ISO_OUT).d/boot/pkrulab.elf
	@cp $(LINUX_PROG_BINS) $(ISO_OUT).d/boot/linux/
	@sed -n '/^function pkrulab_video/,/^}/p' boot/grub.cfg >$(ISO_OUT).d/boot/grub/grub.cfg
	@printf '%s\n' 'set timeout=0' 'menuentry "pkrulab" {' \
		"	multiboot2 /boot/pkrulab.elf $(foreach a,$(KARGS),'$(a)')" \
		'	pkrulab_video' \
		$(foreach p,$(ISO_ARGS_PROGS),'	module2 /boot/linux/$(p) prog $(p)') \
		'	boot' '}' >>$(ISO_OUT).d/boot/grub/grub.cfg
	$(Q)grub-mkrescue -o $(ISO_OUT) $(ISO_OUT).d 2>$(ISO_OUT).log || { cat $(ISO_OUT).log >&2; exit 1; }
	@rm -rf $(ISO_OUT).d $(ISO_OUT).log

# An ISO whose whole grub.cfg is one hand-written entry without module2
# lines, as a lab machine's own GRUB would boot the ELF: every cell that
# needs no program runs, each linux.* cell SKIPs naming its program.
#   make iso-bare ISO_OUT=PATH [KARGS="exit=qemu"]
.PHONY: iso-bare
iso-bare: $(B)/pkrulab.elf
	@[ -n "$(ISO_OUT)" ] || { echo "iso-bare: set ISO_OUT=PATH (and KARGS=...)" >&2; exit 2; }
	@rm -rf $(ISO_OUT).d && mkdir -p $(ISO_OUT).d/boot/grub
	@cp $(B)/pkrulab.elf $(ISO_OUT).d/boot/pkrulab.elf
	@printf '%s\n' 'set timeout=0' 'menuentry "pkrulab" {' \
		"	multiboot2 /boot/pkrulab.elf $(or $(KARGS),exit=qemu)" '}' \
		>$(ISO_OUT).d/boot/grub/grub.cfg
	$(Q)grub-mkrescue -o $(ISO_OUT) $(ISO_OUT).d 2>$(ISO_OUT).log || { cat $(ISO_OUT).log >&2; exit 1; }
	@rm -rf $(ISO_OUT).d $(ISO_OUT).log

# ---- make install / uninstall: this machine's own GRUB menu ----------------
# As Debian's memtest86+ package does: the kernel and the Linux programs go
# to /boot/pkrulab/, a script to /etc/grub.d/ that the next update-grub runs
# to put a "pkrulab" submenu into the machine's own menu (BIOS and UEFI).
#   sudo make install [UPDATE_GRUB=1]    sudo make uninstall [UPDATE_GRUB=1]
# DESTDIR=DIR installs under DIR (a package, tools/test-install.sh), as any
# user.  The GRUB tools are checked for by these names (other layouts, and
# the tests, may name others).
INSTALL_BOOT := /boot/pkrulab
INSTALL_GRUBD := /etc/grub.d
GRUBD_SCRIPT := 42_pkrulab
UPDATE_GRUB ?= 0
GRUB_MKCONFIG ?= grub-mkconfig
GRUB_FILE ?= grub-file
UPDATE_GRUB_CMD ?= update-grub

# The script, with boot/grub.cfg's entries ("TITLE|ARGS" per menuentry) in it.
$(B)/grub.d/$(GRUBD_SCRIPT): boot/grub.d/$(GRUBD_SCRIPT).in boot/grub.cfg
	@mkdir -p $(dir $@)
	$(Q)sed -n -e '/^menuentry "/{s/^menuentry "\(.*\)" *{ *$$/\1/;h;}' \
		-e '/^[[:space:]]*multiboot2 /{s/^[[:space:]]*multiboot2 [^ ]* *//;G;s/^\(.*\)\n\(.*\)$$/\2|\1/;p;}' \
		boot/grub.cfg >$@.entries
	@[ -s $@.entries ] || { echo "$@: no menuentry with multiboot2 found in boot/grub.cfg" >&2; exit 1; }
	$(Q)sed -e '/^@PKRULAB_ENTRIES@$$/{r $@.entries' -e 'd;}' $< >$@.tmp && mv $@.tmp $@ && rm $@.entries

# Every reason to refuse, all named at once, before anything is installed.
# $(1): install or uninstall.  Root and grub-mkconfig matter only for the
# machine itself (empty DESTDIR); update-grub regenerates this machine's
# grub.cfg, which a DESTDIR tree is not part of.
define pkrulab_install_check
	@fail=0; \
	if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" != 0 ]; then \
		echo "make $(1): not root: changing $(INSTALL_BOOT) and $(INSTALL_GRUBD) needs root (sudo make $(1)), or DESTDIR=DIR for a staging tree" >&2; fail=1; \
	fi; \
	if [ "$(1)" = install ] && [ -z "$(DESTDIR)" ] && ! command -v $(GRUB_MKCONFIG) >/dev/null; then \
		echo "make $(1): $(GRUB_MKCONFIG) not found: this machine's GRUB tools (Debian: grub-common) are missing, and nothing would run $(INSTALL_GRUBD)/$(GRUBD_SCRIPT)" >&2; fail=1; \
	fi; \
	if [ "$(1)" = install ] && ! command -v $(GRUB_FILE) >/dev/null; then \
		echo "make $(1): $(GRUB_FILE) not found (Debian: grub-common): it checks that $(B)/pkrulab.elf is multiboot2 before it goes into a boot menu" >&2; fail=1; \
	fi; \
	if [ "$(UPDATE_GRUB)" = 1 ] && [ -n "$(DESTDIR)" ]; then \
		echo "make $(1): UPDATE_GRUB=1 regenerates this machine's grub.cfg: not with DESTDIR" >&2; fail=1; \
	elif [ "$(UPDATE_GRUB)" = 1 ] && ! command -v $(firstword $(UPDATE_GRUB_CMD)) >/dev/null; then \
		echo "make $(1): UPDATE_GRUB=1: $(firstword $(UPDATE_GRUB_CMD)) not found (Debian: grub2-common); run grub-mkconfig -o /boot/grub/grub.cfg yourself" >&2; fail=1; \
	fi; \
	[ $$fail = 0 ]
endef

.PHONY: install uninstall
# The script goes in last and comes out first: an update-grub in between
# never offers files that are not there.
install: $(B)/pkrulab.elf $(LINUX_PROG_BINS) $(B)/grub.d/$(GRUBD_SCRIPT)
	$(call pkrulab_install_check,install)
	@$(GRUB_FILE) --is-x86-multiboot2 $(B)/pkrulab.elf || { echo "make install: $(B)/pkrulab.elf is not multiboot2" >&2; exit 1; }
	install -d "$(DESTDIR)$(INSTALL_BOOT)/linux" "$(DESTDIR)$(INSTALL_GRUBD)"
	install -m 644 $(B)/pkrulab.elf "$(DESTDIR)$(INSTALL_BOOT)/pkrulab.elf"
	install -m 644 $(LINUX_PROG_BINS) "$(DESTDIR)$(INSTALL_BOOT)/linux/"
	install -m 755 $(B)/grub.d/$(GRUBD_SCRIPT) "$(DESTDIR)$(INSTALL_GRUBD)/$(GRUBD_SCRIPT)"
ifeq ($(UPDATE_GRUB),1)
	$(UPDATE_GRUB_CMD)
else
	@[ -n "$(DESTDIR)" ] || echo "make install: run update-grub (or make install UPDATE_GRUB=1) to put pkrulab into the boot menu"
endif

# Exactly what install wrote; a directory that holds anything else (a
# program of your own in linux/) stays.
uninstall:
	$(call pkrulab_install_check,uninstall)
	rm -f "$(DESTDIR)$(INSTALL_GRUBD)/$(GRUBD_SCRIPT)"
	rm -f "$(DESTDIR)$(INSTALL_BOOT)/pkrulab.elf" $(patsubst %,"$(DESTDIR)$(INSTALL_BOOT)/linux/%",$(LINUX_PROGS))
	@for d in "$(DESTDIR)$(INSTALL_BOOT)/linux" "$(DESTDIR)$(INSTALL_BOOT)"; do \
		[ ! -d "$$d" ] || rmdir --ignore-fail-on-non-empty "$$d"; \
	done
ifeq ($(UPDATE_GRUB),1)
	$(UPDATE_GRUB_CMD)
else
	@[ -n "$(DESTDIR)" ] || echo "make uninstall: run update-grub (or make uninstall UPDATE_GRUB=1) to take pkrulab out of the boot menu"
endif
# ---- end of make install / uninstall ---------------------------------------

# ---- host side -------------------------------------------------------------
# The host-compiled kernel files find their headers as the kernel build
# does: <kernel/X.h> in kernel/include, "kernel/..." lists from the root.
HOST_INC := -Ikernel/include -I. -Itests/host
HOST_CFLAGS := -std=c11 -O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-sanitize-recover $(HOST_INC)

# The command line parser with the glob matcher and the registries it names.
CMDLINE_SRC := kernel/cmdline.c kernel/glob.c
CMDLINE_DEPS := $(CMDLINE_SRC) kernel/include/kernel/cmdline.h kernel/include/kernel/glob.h kernel/include/kernel/console-ids.h kernel/inject_list.h kernel/strategy/list.h

$(B)/host/test_cmdline: tests/host/test_cmdline.c $(CMDLINE_DEPS) tests/host/unit.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) tests/host/test_cmdline.c $(CMDLINE_SRC) -o $@

$(B)/host/fuzz_cmdline: tests/host/fuzz_cmdline.c $(CMDLINE_DEPS)
	@mkdir -p $(dir $@)
	$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined $(HOST_INC) $< $(CMDLINE_SRC) -o $@

HOST_TESTS := $(B)/host/test_cmdline

$(B)/host/test_stats: tests/host/test_stats.c kernel/stats.c kernel/include/kernel/stats.h tests/host/unit.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) tests/host/test_stats.c kernel/stats.c -o $@

HOST_TESTS += $(B)/host/test_stats

$(B)/host/test_sigframe: tests/host/test_sigframe.c kernel/sigframe.c kernel/include/kernel/sigframe.h tests/host/unit.h \
		tests/host/xsave_layout.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) tests/host/test_sigframe.c kernel/sigframe.c -o $@

HOST_TESTS += $(B)/host/test_sigframe

$(B)/host/fuzz_sigframe: tests/host/fuzz_sigframe.c kernel/sigframe.c kernel/include/kernel/sigframe.h \
		tests/host/xsave_layout.h
	@mkdir -p $(dir $@)
	$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined $(HOST_INC) $< kernel/sigframe.c -o $@

# The Linux personality's ELF check, for the host: unit-tested, and run by
# run-qemu.sh --program (build/host/elfcheck) before QEMU starts.
$(B)/host/test_elf: tests/host/test_elf.c kernel/linux/elf.c kernel/linux/elf.h tests/host/unit.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) tests/host/test_elf.c kernel/linux/elf.c -o $@

HOST_TESTS += $(B)/host/test_elf

$(B)/host/elfcheck: tools/elfcheck.c kernel/linux/elf.c kernel/linux/elf.h
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) -std=c11 -O2 -Wall -Wextra -Werror tools/elfcheck.c kernel/linux/elf.c -o $@

all: $(B)/host/elfcheck

# The Python tools' own tests (tools/test_*.py), each ending "NAME: N passed, N failed".
PY_TESTS := $(wildcard tools/test_*.py)

host-test: $(HOST_TESTS)
	@for t in $(HOST_TESTS); do $$t || exit 1; done
	@for t in $(PY_TESTS); do \
		n=$$(basename $$t .py); \
		$(PYTHON) $$t 2>$(B)/host/$$n.log || { cat $(B)/host/$$n.log; exit 1; }; \
	done

FUZZ_SECONDS ?= 20
FUZZERS := cmdline sigframe

# Each fuzzer runs FUZZ_SECONDS, all of them side by side (one core each),
# and says so in one "N passed, N failed" line.
fuzz: $(patsubst %,$(B)/host/fuzz_%,$(FUZZERS))
	@for f in $(FUZZERS); do \
		mkdir -p $(B)/fuzz/$$f; \
		{ $(B)/host/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 \
			-artifact_prefix=$(B)/fuzz/$$f- $(B)/fuzz/$$f 2>$(B)/fuzz/$$f.log; \
			echo $$? >$(B)/fuzz/$$f.rc; } & \
	done; wait; \
	rc=0; for f in $(FUZZERS); do \
		if [ "$$(cat $(B)/fuzz/$$f.rc)" = 0 ]; then \
			echo "fuzz_$$f: 1 passed, 0 failed ($(FUZZ_SECONDS) s of libFuzzer, no crash)"; \
		else \
			tail -40 $(B)/fuzz/$$f.log; \
			echo "fuzz_$$f: 0 passed, 1 failed (crash: see $(B)/fuzz/$$f.log)"; \
			rc=1; \
		fi; \
	done; exit $$rc

deps:
	@bash tools/install-deps.sh

bochs-test: all
	@bash tools/bochs-matrix.sh

qemu-test: all
	@bash tools/qemu-matrix.sh

# pkrulab's LAVA jobs (tools/lava/make-job) run by Debian's lava-run on device
# dictionaries rendered from lava-server's own templates; LAVA's results
# checked cell by cell (tools/lava_check.py; README "Running in a LAVA lab").
# LAVA_CHECKS=default,inject,... runs only those.
.PHONY: lava
lava: all
	@bash tools/install-deps.sh --lava
	@$(PYTHON) tools/lava_check.py $(if $(LAVA_CHECKS),--only $(LAVA_CHECKS))

# A fresh clone's build, one job per CPU unless make was given -j: the
# kernel objects and the Linux programs are independent files (on the 2-core
# development VM 19 s with -j2 at a load of 0, and under a load of 3-5
# 34.9 s against 42.7 s one at a time, 2026-12-07).
BUILD_JOBS = $(if $(filter -j%,$(MAKEFLAGS)),,-j$(shell nproc 2>/dev/null || echo 1))
test: deps
	@$(MAKE) --no-print-directory $(BUILD_JOBS) all
	@bash tools/test-all.sh

# tools/hwref: this CPU's own cycles for each design, replayed in user mode
# (a host program: no sanitizers, they would be in the timed paths).
HWREF_SRC := $(wildcard tools/hwref/*.c) kernel/stats.c
# Its replays are kernel/strategy/list.h's strategies (replay.c).
$(B)/hwref: $(HWREF_SRC) $(wildcard tools/hwref/*.h) kernel/include/kernel/stats.h kernel/strategy/list.h \
		arch/x86/include/asm/cpuid.h arch/x86/include/asm/processor-flags.h \
		arch/x86/include/asm/special_insns.h
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
		-iquote arch/x86/include -iquote kernel -Ikernel/include $(HWREF_SRC) -o $@

# The full run (two runs of every line, compared): build/bench/hwref.log.
hwref: $(B)/hwref
	@mkdir -p $(B)/bench
	$(B)/hwref | tee $(B)/bench/hwref.log

# Benchmarks under -icount (deterministic instruction counts), this CPU's
# native replays (tools/hwref), the report and its charts.
bench: all $(B)/hwref
	@mkdir -p $(B)/bench
	./run-qemu.sh --icount --timeout 600 --log $(B)/bench/icount.log -- tests=none bench=all >/dev/null
	$(B)/hwref >$(B)/bench/hwref.log
	$(PYTHON) tools/pkrulab_report.py bench $(B)/bench/icount.log --out $(B)/bench/report \
		--png $(B)/bench/report/bench.png --hardware $(B)/bench/hwref.log \
		--hardware-png $(B)/bench/report/hardware.png
	@echo "report: $(B)/bench/report/report.md (.csv, .json, bench.png, hardware.png)"
	@$(PYTHON) tools/pkrulab_report.py targets $(B)/bench/icount.log >$(B)/bench/report/targets.md; \
		st=$$?; cat $(B)/bench/report/targets.md; exit $$st

# The README's SDM conformance table, from the full default runs the two
# matrices keep (QEMU 7.2 TCG -cpu max, Bochs 2.7 tigerlake); runs them if
# their logs are missing.
CONF_QEMU := $(B)/matrix/bios-max.log
CONF_BOCHS := $(B)/bochs-matrix/tigerlake-full.log
.PHONY: conformance
conformance: all
	@[ -f $(CONF_QEMU) ] || ./run-qemu.sh --timeout 300 --log $(CONF_QEMU) >/dev/null
	@[ -f $(CONF_BOCHS) ] || { mkdir -p $(dir $(CONF_BOCHS)); \
		tools/run-bochs.sh --timeout 600 --log $(CONF_BOCHS) >/dev/null; }
	$(PYTHON) tools/pkrulab_report.py conformance "QEMU 7.2 TCG (-cpu max)=$(CONF_QEMU)" \
		"Bochs 2.7 (tigerlake)=$(CONF_BOCHS)" >$(B)/conformance.md
	$(PYTHON) tools/conformance.py README.md $(B)/conformance.md
	@echo "README.md: conformance table from $(CONF_QEMU) and $(CONF_BOCHS)"

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

-include $(KOBJ:.o=.d) $(B)/gen/asm-offsets.d
