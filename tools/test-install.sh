#!/usr/bin/env bash
# make install / uninstall (into a scratch DESTDIR), the /etc/grub.d script
# they install, and a boot of a GRUB image whose grub.cfg is that script's
# output (BIOS with the fallback search, UEFI).  One line per check, then
# "install: N passed, N failed" (exit 1 if any failed).
#
# Never runs make install without DESTDIR as root: the refusal checks run
# as nobody (or as the non-root user running this), who cannot write /boot.
# shellcheck disable=SC2016,SC2317  # bash -c scripts get their values as $1...; check calls the helpers
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

start=$(date +%s)
PY=${PYTHON:-python3}
W=$PWD/build/install-test
D=$W/root
SCRIPT=$D/etc/grub.d/42_pkrulab
rm -rf "$W"
mkdir -p "$W"

pass=0
fail=0
check() {
	local what=$1
	shift
	if "$@"; then
		echo "ok - $what"
		pass=$((pass + 1))
	else
		echo "FAIL - $what"
		fail=$((fail + 1))
		return 1
	fi
}
finish() {
	echo "install: $pass passed, $fail failed ($(($(date +%s) - start)) s)"
	[ "$fail" = 0 ]
	exit
}
# Output of a failed step, where it helps: shown once, indented.
show() {
	sed 's/^/    | /' "$@"
}

mk() {
	make --no-print-directory "$@"
}
# LOG COMMAND...: COMMAND's output to LOG, so that check's own line stays on stdout.
logged() {
	local log=$1
	shift
	"$@" >"$log" 2>&1
}

read -r -a progs <<<"$(mk -s print-linux-progs)"

# ---- make install DESTDIR ---------------------------------------------------
if ! check "make install DESTDIR=$D" logged "$W/install.log" mk install DESTDIR="$D"; then
	show "$W/install.log"
	finish
fi

expected() {
	echo "$D/boot/pkrulab/pkrulab.elf"
	for p in "${progs[@]}"; do
		echo "$D/boot/pkrulab/linux/$p"
	done
	echo "$SCRIPT"
}
check "installed exactly the ELF, ${#progs[@]} programs and the script" \
	diff <(expected | sort) <(find "$D" -type f | sort)
check "installed ELF is build/pkrulab.elf" cmp -s build/pkrulab.elf "$D/boot/pkrulab/pkrulab.elf"
check "script is mode 755" test "$(stat -c %a "$SCRIPT")" = 755

# ---- the script's output ----------------------------------------------------
# $1: output file; the rest: environment for the script.
run_script() {
	local out=$1
	shift
	env "$@" "$SCRIPT" >"$out" 2>"$out.err"
}

menu=$W/menu.cfg
check "script runs (PKRULAB_ROOT=$D)" run_script "$menu" PKRULAB_ROOT="$D"
check "script says 'Found pkrulab' on stderr only" \
	bash -c 'grep -q "^Found pkrulab test kernel: " "$1.err" && ! grep -q Found "$1"' _ "$menu"
check "output passes grub-script-check" grub-script-check "$menu"

# Titles and arguments, in order, as the ISO's boot/grub.cfg has them.
iso_entries() {
	sed -n -e 's/^menuentry "\(.*\)" *{ *$/\1/p' \
		-e 's/^[[:space:]]*multiboot2 [^ ]* *\(.*\)$/  \1/p' boot/grub.cfg
}
menu_entries() {
	sed -n -e "s/^[[:space:]]*menuentry '\(.*\)' *{ *\$/\1/p" \
		-e "s/^[[:space:]]*multiboot2 [^ ]* *\(.*\)\$/  \1/p" "$1" | tr -d "'"
}
check "boot/grub.cfg has the 5 entries" test "$(grep -c "^menuentry " boot/grub.cfg)" = 5
check "the menu has its titles and arguments, in order" diff <(iso_entries) <(menu_entries "$menu")
check "one submenu 'pkrulab'" test "$(grep -c "^submenu 'pkrulab' " "$menu")" = 1
check "every multiboot2 line names /boot/pkrulab/pkrulab.elf" \
	test "$(grep -c "^[[:space:]]*multiboot2 /boot/pkrulab/pkrulab.elf " "$menu")" = 5
check "UEFI gets gfxpayload=auto in every entry" \
	test "$(grep -c "^[[:space:]]*set gfxpayload=auto$" "$menu")" = 5
check "no path of the scratch tree in the menu" bash -c '! grep -qF "$1" "$2"' _ "$D" "$menu"

# $1: menu file; the rest: the programs it must load, 5 times each.
modules_are() {
	local m=$1 p
	shift
	[ "$(grep -c "^[[:space:]]*module2 " "$m")" = $((5 * $#)) ] || return 1
	for p in "$@"; do
		[ "$(grep -c "^[[:space:]]*module2 /boot/pkrulab/linux/$p prog $p\$" "$m")" = 5 ] || return 1
	done
}
check "one module2 line per program in each entry (${#progs[@]})" modules_are "$menu" "${progs[@]}"

flat=$W/flat.cfg
run_script "$flat" PKRULAB_ROOT="$D" GRUB_DISABLE_SUBMENU=y
check "GRUB_DISABLE_SUBMENU=y: 5 top-level entries that pass grub-script-check" \
	bash -c 'grub-script-check "$1" && ! grep -q "^submenu" "$1" &&
		[ "$(grep -c "^menuentry " "$1")" = 5 ]' _ "$flat"

gone=${progs[-1]}
rm "$D/boot/pkrulab/linux/$gone"
less=$W/less.cfg
run_script "$less" PKRULAB_ROOT="$D"
check "program $gone deleted: its module2 lines go, the others stay" \
	modules_are "$less" "${progs[@]:0:${#progs[@]}-1}"
mkdir -p "$W/empty"
check "ELF not installed: no output, no message, exit 0" \
	bash -c 'env PKRULAB_ROOT="$1" "$2" >"$1/out" 2>&1 && [ ! -s "$1/out" ]' _ "$W/empty" "$SCRIPT"
mk install DESTDIR="$D" >"$W/install2.log" 2>&1
check "make install again puts $gone back" test -f "$D/boot/pkrulab/linux/$gone"

# ---- a GRUB image made of the script's output boots -------------------------
# The first entry of the submenu ("pkrulab>0"): its arguments, then
# run-qemu.sh's.  Under BIOS, root points at no device: each entry must
# find its files with its search line, as on a machine whose /boot
# grub-probe could not name.  That scan takes about 12 s under TCG (the
# reason the search is guarded), so UEFI keeps the root GRUB found.
iso=$W/menu.iso
mkdir -p "$W/iso/boot/grub"
cp -r "$D/boot/pkrulab" "$W/iso/boot/"
{
	printf '%s\n' 'set timeout=0' 'set default="pkrulab>0"' \
		'if [ "$grub_platform" = pc ]; then set root=(nowhere); fi'
	cat "$menu"
} >"$W/iso/boot/grub/grub.cfg"
if ! check "grub-mkrescue of the menu" logged "$W/grub-mkrescue.log" grub-mkrescue -o "$iso" "$W/iso"; then
	show "$W/grub-mkrescue.log"
	finish
fi
first_args=$(sed -n 's/^[[:space:]]*multiboot2 [^ ]* *//p' boot/grub.cfg | head -1)
for fw in bios uefi; do
	log=$W/boot-$fw.log
	opt=()
	[ "$fw" = bios ] || opt=(--uefi)
	# The serial output stays in the log: its summary line would count as
	# a stage line of test-all.sh.
	check "$fw: boots the first entry and every cell matches" \
		logged "$log.out" ./run-qemu.sh "${opt[@]}" --iso "$iso" --timeout 120 --log "$log" \
		-- 'tests=pku.*,xsave.*,linux.hello' || tail -20 "$log.out" | show
	# tools/pkrulog.py reads the log (OVMF's serial lines start with a carriage return).
	check "$fw: the first entry's arguments ($first_args)" \
		"$PY" tools/pkrulog.py check "$log" -- "diag - 'cmdline: $first_args exit=qemu tests=*'"
	check "$fw: summary 'pkrulab: N passed, 0 failed'" \
		"$PY" tools/pkrulog.py check "$log" -- 'summary passed>0 failed=0'
	check "$fw: linux.hello ran from its module2 line" \
		"$PY" tools/pkrulog.py check "$log" -- 'cell linux.hello[*] ok'
done

# ---- make uninstall DESTDIR -------------------------------------------------
mine=$D/boot/pkrulab/linux/mine
echo "not pkrulab's" >"$mine"
check "make uninstall DESTDIR=$D" logged "$W/uninstall.log" mk uninstall DESTDIR="$D" ||
	show "$W/uninstall.log"
check "uninstall leaves a file it did not install" diff <(echo "$mine") <(find "$D" -type f)
rm "$mine"
mk uninstall DESTDIR="$D" >/dev/null 2>&1
check "uninstall leaves no file behind, nor boot/pkrulab" \
	bash -c '[ -z "$(find "$1" -type f)" ] && [ ! -e "$1/boot/pkrulab" ]' _ "$D"

# ---- refusals ---------------------------------------------------------------
check "a missing grub-file is named, nothing written" \
	bash -c '! make --no-print-directory install DESTDIR="$1" GRUB_FILE=pkrulab-no-grub-file >"$2" 2>&1 &&
		grep -q "pkrulab-no-grub-file not found" "$2" && [ ! -e "$1" ]' _ "$W/d2" "$W/refuse-file.log"
check "UPDATE_GRUB=1 with DESTDIR is refused" \
	bash -c '! make --no-print-directory install DESTDIR="$1" UPDATE_GRUB=1 >"$2" 2>&1 &&
		grep -q "not with DESTDIR" "$2" && [ ! -e "$1" ]' _ "$W/d2" "$W/refuse-destdir.log"

# As a user who is not root, into the machine itself (empty DESTDIR).
as_user=()
if [ "$(id -u)" != 0 ]; then
	as_user=(env)
elif command -v setpriv >/dev/null && id nobody >/dev/null 2>&1 &&
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups test -r Makefile -a -x tools; then
	as_user=(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups)
fi
if [ "${#as_user[@]}" = 0 ]; then
	echo "skip - not-root refusals: no setpriv, no user nobody, or nobody cannot read this tree"
else
	[ -e /boot/pkrulab ] && had_boot=1 || had_boot=0
	log=$W/refuse-user.log
	"${as_user[@]}" make --no-print-directory install UPDATE_GRUB=1 GRUB_MKCONFIG=pkrulab-no-grub-mkconfig \
		UPDATE_GRUB_CMD=pkrulab-no-update-grub >"$log" 2>&1
	rc=$?
	check "not root: install refused, naming root, grub-mkconfig and update-grub" \
		bash -c '[ "$1" != 0 ] && grep -q "install: not root" "$2" &&
			grep -q "pkrulab-no-grub-mkconfig not found" "$2" && grep -q "pkrulab-no-update-grub not found" "$2"' \
		_ "$rc" "$log" || show "$log"
	"${as_user[@]}" make --no-print-directory uninstall >"$log" 2>&1
	rc=$?
	check "not root: uninstall refused" bash -c '[ "$1" != 0 ] && grep -q "uninstall: not root" "$2"' _ "$rc" "$log"
	[ "$had_boot" = 1 ] || check "not root: nothing written to /boot" test ! -e /boot/pkrulab
fi

finish
