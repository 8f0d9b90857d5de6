# shellcheck shell=bash
# tools/programs-family.sh (sourced by run-qemu.sh and tools/run-bochs.sh):
# which of the image's Linux programs GRUB has to load for a run.
#
# programs_family KERNEL-ARGS...: prints the SMBIOS system family the
# image's programs.cfg reads (Makefile: X86_ST_FAMILY, NO_PROGS_FAMILY):
#   pkrulab-x86-selftests  a tests= glob begins with linux.x86_: Linux's x86
#                          selftests (opt-in cells, 17 MB, 1.6 s of a BIOS
#                          boot under TCG) and the other programs
#   pkrulab-no-programs    no tests= glob can name a linux.* cell (tests=none,
#                          tests=pku.*): none of them (the other 20 MB, 2 s)
#   pkrulab                the others, the x86 selftests left out
# The programs are run by the linux.* cells alone (tests/linux/linux.c), so
# leaving them out changes nothing but the boot time.  The last tests=
# wins, as in the kernel; none at all is the kernel's tests=all.  A glob
# can name a linux.* cell when its literal start (up to the first *, ? or
# [) and "linux." agree as far as the shorter goes: linux.*, l*, *hello,
# [l]inux.hello, all.
programs_family() {
	local family=pkrulab a g lit globs
	for a in "$@"; do
		case $a in
		tests=*)
			family=pkrulab-no-programs
			[ "${a#tests=}" = all ] && family=pkrulab
			IFS=, read -ra globs <<<"${a#tests=}"
			for g in ${globs[@]+"${globs[@]}"}; do
				lit=${g%%[*?[]*}
				if [[ linux. == "$lit"* || $lit == linux.* ]] &&
				   [ "$family" != pkrulab-x86-selftests ]; then
					family=pkrulab
				fi
				case $g in linux.x86_*) family=pkrulab-x86-selftests ;; esac
			done ;;
		esac
	done
	echo "$family"
}
