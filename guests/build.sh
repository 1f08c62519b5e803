#!/usr/bin/env bash
# build.sh — builds the guest programs into guests/bin/:
#
#   <name>.nolibc.elf  rv64imac, lp64 (soft-float ABI), -nostdlib, linked with
#                      the runtime in rt/ (crt0.S, rt.c, malloc.c, posix.c,
#                      setjmp.S); symbols kept
#   <name>.glibc.elf   riscv64-linux-gnu-gcc -O2 -static (rv64gc, lp64d, glibc);
#                      stripped, to keep the repository small
#
# Most programs are built both ways. The benchmarks and the programs that need
# pthreads or libm are glibc-only (GLIBC_ONLY); gdbtarget and gdbevents are built
# with -g -O0 and keep its symbols in both builds; bench_bare.elf is bench_coremark.c
# built for bare metal (rt/bare: M-mode at 0x80000000, UART and test
# finisher) with a fixed iteration count; bare_paging.elf is bare_paging.S, a
# bare guest that turns on paging (rt/bare/paging.ld), built with -g.
#
# It checks that no no-libc binary holds an F or D instruction and that its
# ELF header says soft-float ABI. The output is reproducible: sources are
# compiled from this directory by relative paths, -ffile-prefix-map keeps
# absolute paths out, and no build id is written into the no-libc files
# (the glibc ones get the linker's build id, a hash of their contents).
#
# Usage: guests/build.sh [NAME...]     (default: every program; bench_bare
#                                       names the bare-metal build)
# Environment: NOLIBC_CC (default riscv64-unknown-elf-gcc, else
#              riscv64-linux-gnu-gcc), GLIBC_CC (default riscv64-linux-gnu-gcc),
#              OBJDUMP, READELF (default riscv64-linux-gnu-objdump/-readelf).
set -euo pipefail

cd "$(dirname "$0")"
GUESTS=$(pwd)

# Built both ways.
BOTH=(hello echo_args sort mstress thp_touch ptrchase exitcode segv cat sysprobe
	echo wc rm fork_wait pipeline sigalrm sigsegv_longjmp sigmasks files cow minish errno_probe
	forkbomb oom_touch hostile bigbss gdbtarget gdbevents jobctl cputimer)
# glibc only: the benchmark suite (rv64gc code is what it measures), pthreads.
GLIBC_ONLY=(bench_coremark bench_sort bench_hash bench_fp bench_chase pthreads threadbomb execthr shootdown attrs pi_mutex)
# Iterations of bench_coremark's bare-metal build: about 80 M instructions.
BARE_ITERATIONS=590

PROGRAMS=("${BOTH[@]}" "${GLIBC_ONLY[@]}" bench_bare bare_paging)
if [ $# -gt 0 ]; then
	PROGRAMS=("$@")
fi

need() { # need TOOL PACKAGE
	if ! command -v "$1" >/dev/null 2>&1; then
		echo "build.sh: $1 not found; install it with: apt-get install -y $2" >&2
		exit 1
	fi
}

GLIBC_CC=${GLIBC_CC:-riscv64-linux-gnu-gcc}
if [ -z "${NOLIBC_CC:-}" ]; then
	if command -v riscv64-unknown-elf-gcc >/dev/null 2>&1; then
		NOLIBC_CC=riscv64-unknown-elf-gcc
	else
		NOLIBC_CC=riscv64-linux-gnu-gcc
	fi
fi
OBJDUMP=${OBJDUMP:-riscv64-linux-gnu-objdump}
READELF=${READELF:-riscv64-linux-gnu-readelf}
need "$GLIBC_CC" "gcc-riscv64-linux-gnu libc6-dev-riscv64-cross"
need "$NOLIBC_CC" "gcc-riscv64-unknown-elf (or gcc-riscv64-linux-gnu)"
need "$OBJDUMP" "binutils-riscv64-linux-gnu"
need "$READELF" "binutils-riscv64-linux-gnu"

# The no-libc build: our headers in rt/include stand in for libc's; the
# compiler's own (stddef.h, stdarg.h, stdint.h) come from its include dir.
# riscv64-unknown-elf-gcc has an rv64imac/lp64 libgcc; the Linux compiler's
# libgcc is lp64d, so it links without one (the guests do not need it).
NOLIBC_ARCH=(-march=rv64imac -mabi=lp64 -mcmodel=medany)
NOLIBC_LIBS=()
if [ "$("$NOLIBC_CC" "${NOLIBC_ARCH[@]}" -print-libgcc-file-name)" != libgcc.a ] &&
	"$NOLIBC_CC" "${NOLIBC_ARCH[@]}" -print-multi-directory | grep -q lp64$; then
	NOLIBC_LIBS=(-lgcc)
fi
NOLIBC_FLAGS=(
	"${NOLIBC_ARCH[@]}" -O2 -static -nostdlib -nostdinc -ffreestanding
	-isystem "$("$NOLIBC_CC" -print-file-name=include)" -Irt/include -Irt -I.
	-DMMLAB_NOLIBC -fno-stack-protector -fno-pie -no-pie
	-fno-asynchronous-unwind-tables -fno-unwind-tables -fno-tree-loop-distribute-patterns
	-ffunction-sections -fdata-sections -Wl,--gc-sections
	-Wl,--build-id=none -Wl,-z,noexecstack
	-Wall -Wextra -ffile-prefix-map="$GUESTS"=guests
)
GLIBC_FLAGS=(-O2 -static -I. -Wall -Wextra -ffile-prefix-map="$GUESTS"=guests)
RUNTIME=(rt/crt0.S rt/rt.c rt/malloc.c rt/posix.c rt/setjmp.S)
# Bare metal: the same compiler and flags, rt.c's UART/finisher variant, our
# own start code and layout; no malloc, no system calls.
BARE_FLAGS=("${NOLIBC_FLAGS[@]}" -DMMLAB_BARE -DBENCH_DEFAULT_ITERATIONS=$BARE_ITERATIONS
	-T rt/bare/bare.ld -Wl,--no-warn-rwx-segments)
BARE_RUNTIME=(rt/bare/crt0.S rt/rt.c)
# bare_paging.elf: an assembly guest that turns on paging (-g, for debuggers), linked at
# physical and virtual addresses by its own script.
PAGING_FLAGS=(-g -nostdlib -march=rv64imac_zicsr -mabi=lp64 -mcmodel=medany
	-Wa,--debug-prefix-map,"$GUESTS"=guests -T rt/bare/paging.ld
	-Wl,--no-warn-rwx-segments -Wl,--build-id=none)

# Per-program flags: gdbtarget is for debuggers (-g -O0, symbols kept in both
# builds); every other glibc file is stripped (-s); some name a library.
nolibc_flags() { # NAME
	case "$1" in
	gdbtarget | gdbevents) echo "-g -O0 -Wa,--debug-prefix-map,$GUESTS=guests" ;;
	esac
}
glibc_flags() { # NAME
	case "$1" in
	gdbtarget | gdbevents) echo "-g -O0" ;;
	bench_fp) echo "-s -lm" ;;
	pthreads | threadbomb | shootdown | pi_mutex) echo "-s -pthread" ;;
	*) echo "-s" ;;
	esac
}

# No F or D instruction may appear in a no-libc binary: any mnemonic that
# starts with f (flw, fld, fsd, fmv.x.d, fcvt, frcsr, ...) except fence*.
check_soft_float() { # FILE
	local fp flags arch
	fp=$("$OBJDUMP" -d --no-show-raw-insn "$1" | awk -F'\t' 'NF >= 2 && $2 ~ /^f/ && $2 !~ /^fence/ {print}')
	if [ -n "$fp" ]; then
		echo "build.sh: $1 contains floating-point instructions:" >&2
		echo "$fp" | head -5 >&2
		exit 1
	fi
	flags=$("$READELF" -h "$1" | sed -n 's/^ *Flags: *//p')
	case "$flags" in
	*"soft-float ABI"*) ;;
	*) echo "build.sh: $1: ELF flags are '$flags', not soft-float ABI" >&2; exit 1 ;;
	esac
	arch=$("$READELF" -A "$1" | sed -n 's/.*Tag_RISCV_arch: *"\{0,1\}\([^"]*\)"\{0,1\}/\1/p')
	case "$arch" in
	*_f* | *_d* | *_q*) echo "build.sh: $1: arch attribute '$arch' has F/D/Q" >&2; exit 1 ;;
	esac
	echo "  $1: no F/D instructions; flags: $flags; arch: ${arch:-(none)}"
}

mkdir -p bin
echo "no-libc: $NOLIBC_CC ($("$NOLIBC_CC" -dumpfullversion)); glibc: $GLIBC_CC ($("$GLIBC_CC" -dumpfullversion))"
is_glibc_only() { # NAME
	local p
	for p in "${GLIBC_ONLY[@]}"; do [ "$p" = "$1" ] && return 0; done
	return 1
}

for name in "${PROGRAMS[@]}"; do
	if [ "$name" = bare_paging ]; then
		"$NOLIBC_CC" "${PAGING_FLAGS[@]}" -o bin/bare_paging.elf bare_paging.S
		continue
	fi
	if [ "$name" = bench_bare ]; then
		# shellcheck disable=SC2046
		"$NOLIBC_CC" "${BARE_FLAGS[@]}" -o bin/bench_bare.elf "${BARE_RUNTIME[@]}" bench_coremark.c "${NOLIBC_LIBS[@]}"
		check_soft_float bin/bench_bare.elf
		continue
	fi
	[ -f "$name.c" ] || { echo "build.sh: no such program: $name.c" >&2; exit 1; }
	if ! is_glibc_only "$name"; then
		# shellcheck disable=SC2046
		"$NOLIBC_CC" "${NOLIBC_FLAGS[@]}" $(nolibc_flags "$name") -o "bin/$name.nolibc.elf" \
			"${RUNTIME[@]}" "$name.c" "${NOLIBC_LIBS[@]}"
		check_soft_float "bin/$name.nolibc.elf"
	fi
	# shellcheck disable=SC2046
	"$GLIBC_CC" "${GLIBC_FLAGS[@]}" -o "bin/$name.glibc.elf" "$name.c" $(glibc_flags "$name")
done

size_of() { # FILE
	if [ -f "$1" ]; then stat -c %s "$1"; else echo -; fi
}
echo "sizes (bytes):"
for name in "${PROGRAMS[@]}"; do
	if [ "$name" = bench_bare ] || [ "$name" = bare_paging ]; then
		printf '  %-16s bare   %8s\n' "$name" "$(size_of "bin/$name.elf")"
	else
		printf '  %-16s nolibc %8s   glibc %8s\n' "$name" \
			"$(size_of "bin/$name.nolibc.elf")" "$(size_of "bin/$name.glibc.elf")"
	fi
done
(cd bin && sha256sum -- *.elf > SHA256SUMS)
echo "wrote bin/SHA256SUMS"
