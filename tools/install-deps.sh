#!/usr/bin/env bash
# tools/install-deps.sh [--check] [--selftests] [--lava] [--help]
#
# Checks that the host tools pkrulab needs are present and installs the
# missing ones (Debian/Ubuntu packages, with apt-get).  It runs before every
# build (`make deps`, `make test`, run-qemu.sh), so when everything is
# present it prints nothing and exits 0 at once.
#
# When something is missing:
#   - as root: `apt-get update`, then a non-interactive
#     `apt-get install -y --no-install-recommends PKGS`, then checks again;
#   - otherwise: prints the exact `sudo apt-get install ...` command, exit 1;
#   - with --check: only reports what is missing (and the command), exit 1.
#
# Debian's linux-source-6.12 (about 150 MB) is among them: its pkey
# selftests are built into every image.  --selftests is accepted and
# changes nothing (it used to add that package).
#
# --lava adds what `make lava` needs: Debian's lava-dispatcher (lava-run;
# 144 packages, about 30 s) tftpd-hpa (lava-dispatcher reads its TFTP
# directory from it) and telnet (the serial console's connection_command); nothing else asks for them.
#
# Exit status: 0 all present (or installed), 1 something missing or the
# installation failed, 2 usage error.
set -euo pipefail

usage() {
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
}

check_only=0
selftests=0
lava=0
for arg in "$@"; do
	case $arg in
	--check) check_only=1 ;;
	--selftests) selftests=1 ;;
	--lava) lava=1 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "install-deps.sh: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
	esac
done

# Each requirement: "what|how to test|Debian package".  Tests are
#   cmd:NAME     a command on PATH
#   file:PATH    a regular file
#   dir:PATH     a directory
#   fuzzer:      clang's libFuzzer runtime (for `make fuzz`, part of `make test`)
#   py:MODULE    a module Debian's python3 imports (apt installs there)
REQS=(
	"qemu-system-x86_64|cmd:qemu-system-x86_64|qemu-system-x86"
	"nasm|cmd:nasm|nasm"
	"grub-mkrescue|cmd:grub-mkrescue|grub-common"
	"grub-file|cmd:grub-file|grub-common"
	"GRUB BIOS modules|file:/usr/lib/grub/i386-pc/multiboot2.mod|grub-pc-bin"
	"GRUB UEFI modules|dir:/usr/lib/grub/x86_64-efi|grub-efi-amd64-bin"
	"xorriso|cmd:xorriso|xorriso"
	"mformat (mtools)|cmd:mformat|mtools"
	"OVMF firmware|file:/usr/share/OVMF/OVMF_CODE_4M.fd|ovmf"
	"OVMF variables|file:/usr/share/OVMF/OVMF_VARS_4M.fd|ovmf"
	"console font (framebuffer console)|file:/usr/share/consolefonts/Lat15-Fixed16.psf.gz|console-setup-linux"
	"make|cmd:make|make"
	"gcc|cmd:gcc|gcc"
	"static glibc (the Linux test programs)|file:/usr/lib/x86_64-linux-gnu/libc.a|libc6-dev"
	"Linux system-call numbers|file:/usr/include/x86_64-linux-gnu/asm/unistd_64.h|linux-libc-dev"
	"ld|cmd:ld|binutils"
	"clang|cmd:clang|clang"
	"libFuzzer runtime|fuzzer:|libclang-rt-dev"
	"python3|cmd:python3|python3"
	"bc|cmd:bc|bc"
	"matplotlib (make bench's charts)|py:matplotlib|python3-matplotlib"
	"objdump (hwref drift check)|cmd:objdump|binutils"
	"qemu-x86_64 (user mode: hwref's XCR0[9] path)|cmd:qemu-x86_64|qemu-user"
	"timeout|cmd:timeout|coreutils"
	"cpio (tools/linux-reference.sh's unit test)|cmd:cpio|cpio"
	"Bochs (tools/run-bochs.sh)|cmd:bochs|bochs"
	"Bochs BIOS|file:/usr/share/bochs/BIOS-bochs-latest|bochsbios"
	"VGA BIOS for Bochs|file:/usr/share/vgabios/vgabios.bin|vgabios"
)

REQS+=("Linux 6.12 sources (its pkey selftests are in the image)|file:/usr/src/linux-source-6.12.tar.xz|linux-source-6.12")
: "$selftests"	# kept for old command lines
if [ "$lava" = 1 ]; then
	REQS+=("lava-run (make lava)|cmd:lava-run|lava-dispatcher")
	# lava-dispatcher finds its TFTP directory in tftpd-hpa's configuration
	# (x86 and grub jobs deploy to TFTP, even to be validated).
	REQS+=("tftpd-hpa (LAVA's TFTP deploys)|file:/etc/default/tftpd-hpa|tftpd-hpa")
	# the device dictionaries' connection_command (a serial console via ser2net)
	REQS+=("telnet (LAVA's serial connection to a lab machine)|cmd:telnet|telnet")
	REQS+=("dpkg-deb, apt-get download (lava-server's device-type templates)|cmd:dpkg-deb|dpkg")
fi

have() {
	local test=$1
	case $test in
	cmd:*) command -v "${test#cmd:}" >/dev/null 2>&1 ;;
	file:*) [ -f "${test#file:}" ] ;;
	dir:*) [ -d "${test#dir:}" ] ;;
	fuzzer:)
		# Without clang this is reported (and installed) together with it.
		command -v clang >/dev/null 2>&1 || return 0
		local dir
		dir=$(clang --print-runtime-dir 2>/dev/null) || return 1
		compgen -G "$dir/libclang_rt.fuzzer*.a" >/dev/null
		;;
	py:*)
		local py=python3
		[ -x /usr/bin/python3 ] && py=/usr/bin/python3
		"$py" -c "import ${test#py:}" >/dev/null 2>&1
		;;
	*) echo "install-deps.sh: bad test '$test'" >&2; return 1 ;;
	esac
}

# Fills the globals missing_what (descriptions) and missing_pkgs (unique).
find_missing() {
	missing_what=()
	missing_pkgs=()
	local req what test pkg p seen
	for req in "${REQS[@]}"; do
		IFS='|' read -r what test pkg <<<"$req"
		have "$test" && continue
		missing_what+=("$what")
		seen=0
		for p in "${missing_pkgs[@]}"; do
			[ "$p" = "$pkg" ] && seen=1
		done
		[ "$seen" = 1 ] || missing_pkgs+=("$pkg")
	done
	# bochs needs some GUI package (bochs-wx | bochs-gui); pkrulab runs it
	# headless with the rfb library bochs itself ships, so take the small
	# text one rather than wxWidgets.
	case " ${missing_pkgs[*]} " in
	*" bochs "*) missing_pkgs+=(bochs-term) ;;
	esac
	# clang was missing: its libFuzzer runtime will be missing too.
	case " ${missing_pkgs[*]} " in
	*" clang "*) case " ${missing_pkgs[*]} " in
		*" libclang-rt-dev "*) ;;
		*) missing_pkgs+=(libclang-rt-dev) ;;
		esac ;;
	esac
}

find_missing
if [ "${#missing_pkgs[@]}" = 0 ]; then
	[ "$check_only" = 1 ] && echo "pkrulab: all host tools present"
	exit 0
fi

report() {
	echo "pkrulab: missing host tools: $(printf '%s, ' "${missing_what[@]}" | sed 's/, $//')" >&2
}
install_cmd="apt-get install -y --no-install-recommends ${missing_pkgs[*]}"

report
if [ "$check_only" = 1 ]; then
	echo "pkrulab: install them with:" >&2
	echo "  sudo $install_cmd" >&2
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "pkrulab: not root, so not installing them; run:" >&2
	echo "  sudo $install_cmd" >&2
	exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "pkrulab: no apt-get on this host; install the equivalents of these Debian packages: ${missing_pkgs[*]}" >&2
	exit 1
fi

echo "pkrulab: installing: ${missing_pkgs[*]}" >&2
export DEBIAN_FRONTEND=noninteractive CI=true
# apt's progress goes to stderr so that callers' stdout stays clean.
if ! apt-get update </dev/null >&2; then
	echo "pkrulab: apt-get update failed" >&2
	exit 1
fi
# shellcheck disable=SC2086  # install_cmd is a word list on purpose
if ! $install_cmd </dev/null >&2; then
	echo "pkrulab: '$install_cmd' failed" >&2
	exit 1
fi

find_missing
if [ "${#missing_pkgs[@]}" != 0 ]; then
	echo "pkrulab: still missing after installing:" >&2
	report
	exit 1
fi
echo "pkrulab: host tools installed" >&2
