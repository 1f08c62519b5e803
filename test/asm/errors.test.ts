// Bad input: every problem is an AsmError diagnostic `file:line:col: message`.

import { describe, expect, test } from "vitest";
import { AsmError, assemble } from "../../src/asm/index.js";
import { asmError } from "./helpers.js";

const error = (src: string) => asmError(() => assemble(src, { file: "prog.s" }));

describe("diagnostics name file, line and column", () => {
  test.each([
    // registers
    ["addi x32, a0, 1", "prog.s:1:6: unknown register 'x32'"],
    ["  add a0, a1, x32", "prog.s:1:15: unknown register 'x32'"],
    ["lw a0, 8(x40)", "prog.s:1:10: unknown register 'x40'"],
    ["addi a0, a0, a1", "prog.s:1:14: expected an immediate, not register 'a1'"],
    ["jal a0", "prog.s:1:5: expected a label or address, not register 'a0'"],
    ["c.lw a6, 0(a0)", "prog.s:1:6: c.lw needs s0, s1 or a0-a5 (x8-x15) as rd, not 'a6'"],
    ["c.lwsp a0, 4(a1)", "prog.s:1:14: expected 'offset(sp)'"],
    ["c.addi4spn a0, a1, 4", "prog.s:1:16: expected 'sp', got 'a1'"],
    ["c.mv a0, zero", "prog.s:1:10: c.mv cannot use 'zero' as rs2"],
    ["c.lui sp, 1", "prog.s:1:7: c.lui cannot use 'sp' as rd"],
    // mnemonics and operand counts
    ["foo a0, a1", "prog.s:1:1: unknown instruction 'foo'"],
    ["nop\n  amoadd.w.xx a0, a1, (a2)", "prog.s:2:3: unknown instruction 'amoadd.w.xx'"],
    ["addi a0, a1", "prog.s:1:1: wrong number of operands for 'addi': expected 'addi rd, rs1, imm'"],
    ["jal", "prog.s:1:1: wrong number of operands for 'jal': expected 'jal rd, label' or 'jal label'"],
    ["amoadd.w a0, a1, 4(a2)", "prog.s:1:18: expected '(reg)' with no offset"],
    ["ld a0, a1", "prog.s:1:8: expected a memory operand like 'offset(reg)'"],
    // what the assembler builds is bounded, and a value too wide for a register is an error
    ["li a0, 0x1ffffffffffffffff", "prog.s:1:8: li: 0x1ffffffffffffffff does not fit in 64 bits"],
    ["li a0, -0x8000000000000001", "prog.s:1:8: li: -0x8000000000000001 does not fit in 64 bits"],
    [
      ".fill 1000000000, 8, 0",
      "prog.s:1:1: 8000000000 bytes to fill: more than the assembler builds (at most 268435456)",
    ],
    [
      ".zero 3000000000",
      "prog.s:1:1: 3000000000 bytes to fill: more than the assembler builds (at most 268435456)",
    ],
    [".space 0x100000000000", "prog.s:1:1: bad repeat count 17592186044416"],
    [".balign 0x100000000", "prog.s:1:1: alignment 4294967296 out of range (1..2^30)"],
    [".align 60", "prog.s:1:1: alignment 2^60 out of range (0..30)"],
    // immediates
    ["addi a0, a0, 2048", "prog.s:1:14: immediate 2048 out of range for addi (-2048..2047)"],
    ["addi a0, a0, -2049", "prog.s:1:14: immediate -2049 out of range for addi (-2048..2047)"],
    ["lui a0, 0x100000", "prog.s:1:9: immediate 1048576 out of range for lui (0..1048575)"],
    ["slli a0, a0, 64", "prog.s:1:14: shift amount 64 out of range for slli (0..63)"],
    ["slliw a0, a0, 32", "prog.s:1:15: shift amount 32 out of range for slliw (0..31)"],
    ["csrrwi a0, mstatus, 32", "prog.s:1:21: immediate 32 out of range for csrrwi (0..31)"],
    ["c.addi16sp sp, 8", "prog.s:1:16: immediate 8 for c.addi16sp must be a multiple of 16"],
    ["c.addi a0, 32", "prog.s:1:12: immediate 32 out of range for c.addi (-32..31)"],
    ["c.ld a0, 4(a1)", "prog.s:1:10: offset 4 for c.ld must be a multiple of 8"],
    ["addi a0, a0, 1/0", "prog.s:1:15: division by zero"],
    ["lui a0, %hi(0x80000000)", "prog.s:1:9: %hi value 0x80000000 out of range"],
    ["csrr a0, 0x1000", "prog.s:1:10: csr number 4096 out of range for csrrs (0..4095)"],
    ["csrr a0, mstatuss", "prog.s:1:10: unknown CSR 'mstatuss'"],
    ["fence rw, x", "prog.s:1:11: bad fence set"],
    [".data\n.byte 256", "prog.s:2:1: value 256 does not fit in 1 byte"],
    [".data\n.half -32769", "prog.s:2:1: value -32769 does not fit in 2 bytes"],
    // branch and jump ranges
    [
      "beq a0, a1, far\n.zero 0x2000\nfar: nop",
      "prog.s:1:13: branch offset 8196 out of range for beq (-4096..4094)",
    ],
    [
      "j far\n.zero 0x200000\nfar: nop",
      "prog.s:1:3: jump offset 2097156 out of range for jal (-1048576..1048574)",
    ],
    [
      "c.beqz a0, far\n.zero 256\nfar: nop",
      "prog.s:1:12: branch offset 258 out of range for c.beqz (-256..254)",
    ],
    ["c.j far\n.zero 2048\nfar: nop", "prog.s:1:5: jump offset 2050 out of range for c.j (-2048..2046)"],
    // symbols
    ["beq a0, a1, nowhere", "prog.s:1:13: undefined symbol 'nowhere'"],
    ["li a0, undefined_thing", "prog.s:1:8: undefined symbol 'undefined_thing'"],
    ["addi a0, a0, 1f", "prog.s:1:14: undefined symbol '1f'"],
    ["j 1b", "prog.s:1:3: local label '1b' has no earlier '1:'"],
    ["a: nop\na: nop", "prog.s:2:1: symbol 'a' is already defined (at line 1)"],
    [".equ X, X + 1\naddi a0, a0, X", "prog.s:1:1: circular definition of 'X'"],
    [
      "addi a0, a0, %pcrel_lo(x)\nx: nop",
      "prog.s:1:14: %pcrel_lo needs the label of an auipc with %pcrel_hi",
    ],
    // directives and syntax
    [".bogus 1", "prog.s:1:1: unknown directive '.bogus'"],
    [".option bogus", "prog.s:1:9: unknown option 'bogus'"],
    [".align 3, 0, 1, 2", "prog.s:1:1: .align takes 1 to 3 arguments, got 4"],
    [".balign 3", "prog.s:1:1: alignment 3 is not a power of two"],
    [".equ A", "prog.s:1:1: .equ takes 2 arguments, got 1"],
    [".ascii 5", "prog.s:1:8: expected a string"],
    ['.ascii "abc', "prog.s:1:8: unterminated string"],
    ["addi a0, a0, 1 +", "prog.s:1:17: missing expression"],
    ["addi a0, a0, (1", "prog.s:1:16: missing ')'"],
    ["addi a0, a0, 3 @", "prog.s:1:16: unexpected '@' in expression"],
    ["addi a0, a0, %foo(1)", "prog.s:1:15: unknown relocation operator '%foo'"],
    ["addi a0, a0, 0x", "prog.s:1:14: bad number '0x'"],
    ["addi a0, a0, 'ab'", "prog.s:1:14: bad character literal 'ab'"],
    [".bss\nnop", "prog.s:2:1: instruction in nobits section .bss"],
    [".bss\n.byte 1", "prog.s:2:1: non-zero data in nobits section .bss"],
    [".popsection", "prog.s:1:1: .popsection without .pushsection"],
  ])("%j", (src, message) => {
    expect(error(src)).toContain(message);
  });
});

test("a message is exactly `file:line:col: message`", () => {
  expect(error("nop\n\n  addi x32, a0, 1")).toBe("prog.s:3:8: unknown register 'x32'");
});

test("every error is reported, in source order, one per line", () => {
  const src = "nop\n  addi x99, a0, 1\n  xor a0\n  beq a0, a1, missing\n.bogus\n  lw a0, 5000(a1)";
  let caught: unknown;
  try {
    assemble(src, { file: "prog.s" });
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(AsmError);
  const err = caught as AsmError;
  expect(err.message.split("\n")).toEqual([
    "prog.s:2:8: unknown register 'x99'",
    "prog.s:3:3: wrong number of operands for 'xor': expected 'xor rd, rs1, rs2'",
    "prog.s:4:15: undefined symbol 'missing'",
    "prog.s:5:1: unknown directive '.bogus'",
    "prog.s:6:10: immediate 5000 out of range for lw (-2048..2047)",
  ]);
  expect(err.diagnostics.map((d) => [d.loc.line, d.loc.col])).toEqual([
    [2, 8],
    [3, 3],
    [4, 15],
    [5, 1],
    [6, 10],
  ]);
});

test("the file name defaults to <input>", () => {
  expect(asmError(() => assemble("bad"))).toBe("<input>:1:1: unknown instruction 'bad'");
});
