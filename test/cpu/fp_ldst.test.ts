// F and D loads, stores and moves in running programs (riscv-tests rv64uf/ud ldst and recoding),
// the compressed FP loads and stores, NaN boxing through memory, misaligned and faulting
// accesses, FP accesses under paging (the modelled TLB must count them exactly as without the
// host TLB), and the decoder and disassembler on every F/D encoding.

import { describe, expect, it } from "vitest";
import { CSR, decode, disasm, PRIV_U } from "../../src/cpu/index.js";
import { asmGuest } from "../helpers/asm.js";
import { a0, a1, a2, s0, sp, t0 } from "../helpers/encode.js";
import * as F from "../helpers/fpenc.js";
import { DATA_RAM, DATA_VA, FINISH, runPagedGuest } from "../helpers/paged.js";

const FS_ON = "li t0, 0x2000\n    csrs mstatus, t0";
const w = (word: number): string => `.word ${word >>> 0}`;
const h16 = (half: number): string => `.half ${half}`;

describe("loads and stores in programs", () => {
  it("fld/fsd and flw/fsw move bits exactly (NaN payloads, sNaNs); flw NaN-boxes", () => {
    const r = asmGuest(`
    ${FS_ON}
    la s0, data
    fld f1, 0(s0)
    fld f2, 8(s0)
    flw f3, 16(s0)
    flw f4, 20(s0)
    fsd f1, 32(s0)
    fsd f2, 40(s0)
    fsw f3, 48(s0)
    fsw f4, 52(s0)
    fsd f3, 56(s0)
    fsw f1, 64(s0)
    j pass
    .data
    .balign 8
data:
    .dword 0x7ff0000000000001, 0xfff4000012345678
    .word 0x7f800001, 0xffa00001
    .zero 8
    .zero 48
`);
    expect(r.result.exitCode).toBe(0);
    const data = r.sym("data");
    expect(r.read(data + 32n)).toBe(0x7ff0000000000001n);
    expect(r.read(data + 40n)).toBe(0xfff4000012345678n);
    expect(r.read(data + 48n, 4)).toBe(0x7f800001n);
    expect(r.read(data + 52n, 4)).toBe(0xffa00001n);
    expect(r.read(data + 56n)).toBe(0xffffffff7f800001n); // the boxed single, as a double
    expect(r.read(data + 64n, 4)).toBe(0x00000001n); // fsw stores the low word, boxed or not
    expect(r.h.fi[2 * 3 + 1]).toBe(-1);
  });

  it("misaligned fld/fsd/flw/fsw are emulated, also across a page boundary", () => {
    const r = asmGuest(`
    ${FS_ON}
    la s0, buf
    li t0, 4093
    add s1, s0, t0
    fld f1, 3(s0)
    fsd f1, 0(s1)
    fld f2, 0(s1)
    flw f3, 1(s0)
    fsw f3, 10(s1)
    j pass
    .data
    .balign 4096
buf:
    .byte 0, 0, 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88
    .zero 8200
`);
    expect(r.result.exitCode).toBe(0);
    expect(r.log).toEqual([]);
    const buf = r.sym("buf");
    expect(r.read(buf + 4093n)).toBe(0x8877665544332211n);
    expect((BigInt(r.h.fi[4]! >>> 0) | (BigInt(r.h.fi[5]! >>> 0) << 32n)).toString(16)).toBe(
      "8877665544332211",
    );
    expect(r.read(buf + 4103n, 4)).toBe(0x22110000n); // bytes 1..4 of buf
  });

  it("an FP load or store outside RAM raises an access fault with mtval = the address", () => {
    const r = asmGuest(`
    ${FS_ON}
    li s0, 0x1000
    fld f1, 8(s0)
    fsw f1, 4(s0)
    j pass
`);
    expect(r.log.map((x) => [x.cause, x.tval])).toEqual([
      [5n, 0x1008n],
      [7n, 0x1004n],
    ]);
  });

  it("an fsd over code invalidates the decoded instruction (self-modifying code)", () => {
    const r = asmGuest(`
    ${FS_ON}
    la s0, newcode
    fld f1, 0(s0)
    la s0, patch
    fsd f1, 0(s0)
    fence.i
patch:
    li a0, 1
    li a1, 1
    j pass
    .data
    .balign 8
newcode:
    li a0, 2
    li a1, 3
`);
    expect([r.reg(a0), r.reg(a1)]).toEqual([2n, 3n]);
  });

  it("the FP loop of a program: sum of a table with fmadd, converted with fcvt.l.d", () => {
    const r = asmGuest(`
    ${FS_ON}
    la s0, xs
    li s1, 8
    ${w(F.fcvtFromInt("d", "w", 10, 0))}
1:
    fld f1, 0(s0)
    ${w(F.fused("fmadd", "d", 10, 1, 1, 10))}
    addi s0, s0, 8
    addi s1, s1, -1
    bnez s1, 1b
    ${w(F.fcvtToInt("l", "d", a0, 10, F.RM.rtz))}
    j pass
    .data
    .balign 8
xs: .dword 0x3ff0000000000000, 0x4000000000000000, 0x4008000000000000, 0x4010000000000000
    .dword 0x4014000000000000, 0x4018000000000000, 0x401c000000000000, 0x4020000000000000
`);
    expect(r.reg(a0)).toBe(204n); // 1² + … + 8²
  });
});

describe("compressed FP loads and stores (RV64C)", () => {
  it("c.fld/c.fsd/c.fldsp/c.fsdsp load and store doubles", () => {
    const r = asmGuest(`
    ${FS_ON}
    la s0, data
    la sp, data
    ${h16(F.c_fld(9, 8, s0))}
    ${h16(F.c_fsd(9, 16, s0))}
    ${h16(F.c_fldsp(20, 24))}
    ${h16(F.c_fsdsp(20, 248))}
    ${h16(F.c_fldsp(0, 0))}
    j pass
    .data
    .balign 8
data:
    .dword 0x0123456789abcdef, 0x7ff0000000000abc, 0, 0xfedcba9876543210
    .zero 256
`);
    expect(r.result.exitCode).toBe(0);
    const data = r.sym("data");
    expect([r.read(data + 16n), r.read(data + 248n)]).toEqual([0x7ff0000000000abcn, 0xfedcba9876543210n]);
    expect(r.h.fi[0]! >>> 0).toBe(0x89abcdef); // c.fldsp into f0: f0 is a real register
    expect(r.h.fi[1]! >>> 0).toBe(0x01234567);
  });

  it("decode as their 32-bit expansions", () => {
    expect(decode(F.c_fld(9, 248, 15))).toMatchObject({
      name: "fld",
      cname: "c.fld",
      rd: 9,
      rs1: 15,
      imm: 248,
      len: 2,
    });
    expect(decode(F.c_fsd(8, 0, 8))).toMatchObject({ name: "fsd", cname: "c.fsd", rs2: 8, rs1: 8, imm: 0 });
    expect(decode(F.c_fldsp(31, 504))).toMatchObject({
      name: "fld",
      cname: "c.fldsp",
      rd: 31,
      rs1: sp,
      imm: 504,
    });
    expect(decode(F.c_fsdsp(0, 8))).toMatchObject({ name: "fsd", cname: "c.fsdsp", rs2: 0, rs1: sp, imm: 8 });
  });
});

describe("decoding and disassembly", () => {
  const cases: [number, Record<string, unknown>, string][] = [
    [F.flw(10, -4, a1), { name: "flw", rd: 10, rs1: a1, imm: -4 }, "flw fa0, -4(a1)"],
    [F.fsd(31, 2047, sp), { name: "fsd", rs2: 31, rs1: sp, imm: 2047 }, "fsd ft11, 2047(sp)"],
    [
      F.arith("fadd", "d", 10, 1, 2),
      { name: "fadd.d", rd: 10, rs1: 1, rs2: 2, imm: 7 },
      "fadd.d fa0, ft1, ft2",
    ],
    [F.arith("fdiv", "s", 0, 31, 8, F.RM.rup), { name: "fdiv.s", imm: 3 }, "fdiv.s ft0, ft11, fs0, rup"],
    [
      F.fused("fnmadd", "d", 8, 9, 18, 27, F.RM.rne),
      { name: "fnmadd.d", rd: 8, rs1: 9, rs2: 18, rs3: 27, imm: 0 },
      "fnmadd.d fs0, fs1, fs2, fs11, rne",
    ],
    [F.fused("fmsub", "s", 1, 2, 3, 4), { name: "fmsub.s", rs3: 4 }, "fmsub.s ft1, ft2, ft3, ft4"],
    [F.fsqrt("d", 1, 2, F.RM.rmm), { name: "fsqrt.d", rd: 1, rs1: 2, imm: 4 }, "fsqrt.d ft1, ft2, rmm"],
    [F.sgnj("fsgnjx", "s", 1, 2, 3), { name: "fsgnjx.s" }, "fsgnjx.s ft1, ft2, ft3"],
    [F.fmax("d", 1, 2, 3), { name: "fmax.d" }, "fmax.d ft1, ft2, ft3"],
    [F.fcmp("fle", "d", a0, 1, 2), { name: "fle.d", rd: a0 }, "fle.d a0, ft1, ft2"],
    [F.fclass("s", t0, 10), { name: "fclass.s", rd: t0, rs1: 10 }, "fclass.s t0, fa0"],
    [F.fcvtToInt("wu", "d", a0, 1, F.RM.rtz), { name: "fcvt.wu.d", imm: 1 }, "fcvt.wu.d a0, ft1, rtz"],
    [F.fcvtFromInt("s", "lu", 10, a2), { name: "fcvt.s.lu", rs1: a2 }, "fcvt.s.lu fa0, a2"],
    [F.fcvtFF("s", 10, 11), { name: "fcvt.s.d" }, "fcvt.s.d fa0, fa1"],
    [F.fcvtFF("d", 10, 11, 0), { name: "fcvt.d.s", imm: 0 }, "fcvt.d.s fa0, fa1, rne"],
    [F.fmvToX("s", a0, 10), { name: "fmv.x.w" }, "fmv.x.w a0, fa0"],
    [F.fmvFromX("d", 10, a0), { name: "fmv.d.x" }, "fmv.d.x fa0, a0"],
    [F.c_fld(9, 8, 10), { name: "fld" }, "c.fld fs1, 8(a0)"],
    [F.c_fsdsp(12, 16), { name: "fsd" }, "c.fsdsp fa2, 16(sp)"],
    // words the GNU toolchain prints: objdump -d of rv64gc code
    [0x00b57553, { name: "fadd.s", rd: 10, rs1: 10, rs2: 11 }, "fadd.s fa0, fa0, fa1"],
    [0x02b57553, { name: "fadd.d" }, "fadd.d fa0, fa0, fa1"],
    [0xc2051553, { name: "fcvt.w.d", imm: 1 }, "fcvt.w.d a0, fa0, rtz"],
    [0xe2050553, { name: "fmv.x.d" }, "fmv.x.d a0, fa0"],
    [0xf2050553, { name: "fmv.d.x" }, "fmv.d.x fa0, a0"],
    [0x22a50553, { name: "fsgnj.d" }, "fsgnj.d fa0, fa0, fa0"], // fmv.d
    [0x00053507, { name: "fld", rd: 10, rs1: 10 }, "fld fa0, 0(a0)"],
  ];
  for (const [word, want, text] of cases) {
    it(`0x${word.toString(16)}: ${text}`, () => {
      expect(decode(word | 0)).toMatchObject(want);
      expect(disasm(word | 0)).toBe(text);
    });
  }

  const illegal: [string, number][] = [
    ["fmt = 2 (H, not implemented)", (F.arith("fadd", "s", 1, 2, 3) | (2 << 25)) >>> 0],
    ["fmt = 3 (Q, not implemented)", (F.arith("fmul", "s", 1, 2, 3) | (3 << 25)) >>> 0],
    ["fused fmt = 3", (F.fused("fmadd", "s", 1, 2, 3, 4) | (3 << 25)) >>> 0],
    ["rm = 5", F.arith("fadd", "d", 1, 2, 3, 5)],
    ["rm = 6", F.fused("fmadd", "d", 1, 2, 3, 4, 6)],
    ["rm = 5 in fcvt.d.w (exact, but rm still checked)", F.fcvtFromInt("d", "w", 1, 2, 5)],
    ["fsqrt with rs2 != 0", (F.fsqrt("d", 1, 2) | (1 << 20)) >>> 0],
    ["fsgnj funct3 = 3", (F.sgnj("fsgnj", "d", 1, 2, 3) | (3 << 12)) >>> 0],
    ["fmin funct3 = 2", (F.fmin("s", 1, 2, 3) | (2 << 12)) >>> 0],
    ["fcmp funct3 = 3", (F.fcmp("feq", "d", 1, 2, 3) | (1 << 12)) >>> 0],
    ["fcvt.*.d rs2 = 4", (F.fcvtToInt("w", "d", 1, 2) | (4 << 20)) >>> 0],
    ["fcvt.s.d with rs2 = 0 (fcvt.s.s)", F.fcvtFF("d", 1, 2) & ~(1 << 25)],
    ["fcvt.s.h (rs2 = 2)", ((F.fcvtFF("s", 1, 2) & ~(31 << 20)) | (2 << 20)) >>> 0],
    ["fmv.x.d funct3 = 2", (F.fmvToX("d", 1, 2) | (2 << 12)) >>> 0],
    ["fmv.d.x with rs2 != 0", (F.fmvFromX("d", 1, 2) | (1 << 20)) >>> 0],
    ["fmv.d.x funct3 = 1", (F.fmvFromX("d", 1, 2) | (1 << 12)) >>> 0],
    ["flh (Zfh)", (F.flw(1, 0, 2) & ~(7 << 12)) | (1 << 12)],
    ["flq (Q)", (F.flw(1, 0, 2) & ~(7 << 12)) | (4 << 12)],
    ["fsq (Q)", (F.fsw(1, 0, 2) & ~(7 << 12)) | (4 << 12)],
    ["OP-FP funct5 = 0x06", F.arith("fadd", "d", 1, 2, 3) | (0x06 << 27)],
  ];
  for (const [why, word] of illegal) {
    it(`illegal: ${why}`, () => {
      const d = decode(word | 0);
      expect(d.name).toBe("illegal");
      expect(d.bits).toBe(word >>> 0);
    });
  }
});

describe("FP accesses under paging: the host TLB keeps the model exact", () => {
  function guest(host: boolean) {
    const pages = 12;
    const source = `
    _start:
      li s0, ${DATA_VA}
      li s1, 3000
      li s2, ${4096 + 8}
      li s3, ${pages * 4096 - 1}
      li t0, 0
    loop:
      add t1, s0, t0
      fld f1, 0(t1)
      ${w(F.arith("fadd", "d", 1, 1, 2))}
      fsd f1, 0(t1)
      flw f3, 4(t1)
      fsw f3, 8(t1)
      add t0, t0, s2
      and t0, t0, s3
      andi t0, t0, -8
      addi s1, s1, -1
      bnez s1, loop
      ${FINISH}`;
    const g = runPagedGuest({
      tlb: "tiny",
      source,
      priv: PRIV_U,
      host,
      dataBytes: pages * 4096,
      setup: (h) => {
        h.csrWrite(CSR.mstatus, 1n << 13n); // FS = Initial
        h.f[2] = 1.5;
      },
    });
    return { ...g, sum: g.m.mem.readRam(DATA_RAM, 8) };
  }

  it("fld/fsd/flw/fsw in U-mode with Sv48: same results, counters and TLB contents either way", () => {
    const a = guest(true);
    const b = guest(false);
    expect(a.res.exitCode).toBe(0);
    expect(b.res.exitCode).toBe(0);
    expect(a.h.instret).toBe(b.h.instret);
    expect(a.sum).toBe(b.sum);
    expect(a.tlb.levelCounters()).toEqual(b.tlb.levelCounters());
    expect(a.tlb.entries()).toEqual(b.tlb.entries());
    const c = a.tlb.levelCounters();
    expect(c.l1d.r.accesses).toBe(2 * 3000);
    expect(c.l1d.w.accesses).toBe(2 * 3000 + 1);
    expect((a.h.mstatus >>> 13) & 3).toBe(3);
  });
});
