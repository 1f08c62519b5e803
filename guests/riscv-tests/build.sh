#!/usr/bin/env bash
# build.sh — builds the official riscv-tests ISA suites (the -p variants: physical memory,
# single hart, M-mode env that reports through HTIF tohost) into guests/riscv-tests/bin/,
# with the flags of riscv-tests' isa/Makefile and Debian's riscv64-unknown-elf-gcc.
#
# Usage: guests/riscv-tests/build.sh RISCV_TESTS_DIR
#   RISCV_TESTS_DIR is a riscv-tests checkout with riscv-test-env in its env/ (the git
#   submodule). Which commits were used is in guests/README.md.
# Each test is rv64XX-p-NAME, NAME from the suite's isa/rv64XX/Makefrag (rv64XX_sc_tests).
# The ELFs keep their symbols: mmlab finds HTIF through the `tohost` symbol.
set -euo pipefail

src=${1:?usage: build.sh RISCV_TESTS_DIR}
out="$(cd "$(dirname "$0")" && pwd)/bin"
cc=${CC:-riscv64-unknown-elf-gcc}
suites="rv64ui rv64um rv64ua rv64uc rv64uf rv64ud rv64mi rv64si"
flags=(-march=rv64gc_zicsr_zifencei -mabi=lp64 -static -mcmodel=medany -fvisibility=hidden
  -nostdlib -nostartfiles -I"$src/env/p" -I"$src/isa/macros/scalar" -T"$src/env/p/link.ld")

mkdir -p "$out"
rm -f "$out"/rv64*-p-*
for s in $suites; do
  # The suite's test names, as its Makefrag lists them.
  names=$(printf 'include %s/isa/%s/Makefrag\nprint:\n\t@echo $(%s_sc_tests)\n' "$src" "$s" "$s" |
    make -s -f - print)
  for n in $names; do
    "$cc" "${flags[@]}" "$src/isa/$s/$n.S" -o "$out/$s-p-$n"
  done
done
ls "$out" | wc -l
