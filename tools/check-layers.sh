#!/usr/bin/env bash
# tools/check-layers.sh OBJECT...   (run by `make check-layers`)
#
# The kernel's layers, lowest first: boot/, arch/x86/, kernel/ (the core,
# with the generated build/gen/), kernel/linux/ (the Linux personality),
# tests/.  A layer may use everything below it; it may use a layer above
# it only through the small API listed here, the calls Linux's own arch
# code makes into its core (panic, the allocator, the way back to user
# mode, signalling a task, the console).  The core may not call the Linux
# personality at all: it reaches it only through a task's ABI hooks
# (<kernel/abi.h>), which are data, not symbols.  Every
# undefined symbol of every object is looked up among the definitions of
# all objects; a reference upward that is not listed is a violation.
# Ends with "check-layers: N passed, N failed" (one check per object).
set -euo pipefail

declare -A ALLOW=(
	[boot:kernel]="kmain"
	[arch:kernel]="printk snprintf memcmp memcpy memset strcmp strlen panic page_alloc
		current task_first_run exit_to_user_mode_work signal_user_exception smp_syscall"
	[kernel:tests]="run_tests"
)

rank() { case $1 in boot) echo 0 ;; arch) echo 1 ;; kernel) echo 2 ;; linux) echo 3 ;; tests) echo 4 ;; esac; }

layer_of() {
	case $1 in
	*/boot/*) echo boot ;;
	*/arch/*) echo arch ;;
	*/kernel/linux/*) echo linux ;;
	*/kernel/* | */gen/*) echo kernel ;;
	*/tests/*) echo tests ;;
	*) echo "check-layers: $1 is in no layer" >&2; exit 2 ;;
	esac
}

[ $# -gt 0 ] || { echo "usage: $0 OBJECT..." >&2; exit 2; }

declare -A DEF
for o in "$@"; do
	while read -r _ _ sym; do
		DEF[$sym]=$(layer_of "$o")
	done < <(nm --defined-only "$o" | awk '$2 ~ /^[TDBRCGV]$/')
done

passed=0
failed=0
for o in "$@"; do
	from=$(layer_of "$o")
	bad=""
	for sym in $(nm -u "$o" | awk '{print $2}'); do
		to=${DEF[$sym]:-}
		[ -n "$to" ] || continue
		[ "$(rank "$to")" -gt "$(rank "$from")" ] || continue
		case " $(echo ${ALLOW[$from:$to]:-}) " in
		*" $sym "*) ;;
		*) bad="$bad $sym ($to)" ;;
		esac
	done
	if [ -z "$bad" ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "check-layers: $o ($from) uses a higher layer:$bad" >&2
	fi
done
echo "check-layers: $passed passed, $failed failed"
[ "$failed" = 0 ]
