// RV64I through the interpreter, in the manner of riscv-tests isa/rv64ui: every computational
// instruction against a BigInt reference on edge and seeded random operands (with register
// aliasing, rd = x0 and x0 sources), lui/auipc, branches, jal/jalr, loads and stores of every
// width and alignment (misaligned ones are emulated, also across a page boundary), and pc
// arithmetic across the 2^32 boundary.

import { describe, expect, it } from "vitest";
import { checkRI, checkRR, imm12Values, SHAMT32, SHAMT64 } from "../helpers/alu.js";
import { asmGuest as guest, runAsm } from "../helpers/asm.js";
import * as E from "../helpers/encode.js";
import { a0, a1, a2, a3, a4, ra, t0, t1, t2, zero } from "../helpers/encode.js";
import { RAM, Stepper } from "../helpers/guest.js";
import { EDGE_VALUES, MASK64, Rng, s64, u64 } from "../helpers/ref.js";

const st = new Stepper();

describe("RV64I register-register ops", () => {
  const ops: [string, (rd: number, rs1: number, rs2: number) => number][] = [
    ["add", E.add],
    ["sub", E.sub],
    ["sll", E.sll],
    ["slt", E.slt],
    ["sltu", E.sltu],
    ["xor", E.xor],
    ["srl", E.srl],
    ["sra", E.sra],
    ["or", E.or],
    ["and", E.and],
    ["addw", E.addw],
    ["subw", E.subw],
    ["sllw", E.sllw],
    ["srlw", E.srlw],
    ["sraw", E.sraw],
  ];
  ops.forEach(([name, enc], i) => {
    it(`${name} matches the reference (edges, random, aliasing, x0)`, () => {
      expect(checkRR(st, name, enc, 1000 + i)).toEqual([]);
    });
  });

  it("riscv-tests vectors: overflow wraps, W-ops sign-extend bit 31", () => {
    const run = (w: number, a: bigint, b: bigint): bigint => {
      st.exec(w, [
        [a1, u64(a)],
        [a2, u64(b)],
      ]);
      return st.h.reg(a0);
    };
    expect(run(E.add(a0, a1, a2), 0x7fff_ffff_ffff_ffffn, 1n)).toBe(0x8000_0000_0000_0000n);
    expect(run(E.sub(a0, a1, a2), 0x8000_0000_0000_0000n, 1n)).toBe(0x7fff_ffff_ffff_ffffn);
    expect(run(E.addw(a0, a1, a2), 0x7fff_ffffn, 1n)).toBe(0xffff_ffff_8000_0000n);
    expect(run(E.addw(a0, a1, a2), 0x1_0000_0000n, 0n)).toBe(0n); // only the low words count
    expect(run(E.subw(a0, a1, a2), 0n, 0xffff_ffff_0000_0001n)).toBe(MASK64);
    expect(run(E.slt(a0, a1, a2), -1n, 0n)).toBe(1n);
    expect(run(E.sltu(a0, a1, a2), -1n, 0n)).toBe(0n);
    // Shift amounts come from the low 6 bits (5 for W-ops) of rs2.
    expect(run(E.sll(a0, a1, a2), 1n, 64n + 63n)).toBe(0x8000_0000_0000_0000n);
    expect(run(E.sll(a0, a1, a2), 1n, 0xffff_ffff_ffff_ffc1n)).toBe(2n);
    expect(run(E.srl(a0, a1, a2), -1n, 0xffff_ffff_ffff_ffc0n)).toBe(MASK64);
    expect(run(E.sra(a0, a1, a2), 0x8000_0000_0000_0000n, 63n)).toBe(MASK64);
    expect(run(E.sllw(a0, a1, a2), 1n, 33n)).toBe(2n);
    expect(run(E.sllw(a0, a1, a2), 1n, 31n)).toBe(0xffff_ffff_8000_0000n);
    expect(run(E.srlw(a0, a1, a2), 0xffff_ffff_8000_0000n, 31n)).toBe(1n);
    expect(run(E.srlw(a0, a1, a2), 0xffff_ffff_8000_0000n, 32n)).toBe(0xffff_ffff_8000_0000n);
    expect(run(E.srlw(a0, a1, a2), 0x1234_5678_ffff_fffen, 0n)).toBe(0xffff_ffff_ffff_fffen);
    expect(run(E.sraw(a0, a1, a2), 0x0000_0000_8000_0000n, 31n)).toBe(MASK64);
    expect(run(E.sraw(a0, a1, a2), 0xffff_ffff_7fff_ffffn, 63n)).toBe(0n);
  });
});

describe("RV64I register-immediate ops", () => {
  const imm12: [string, (rd: number, rs1: number, imm: number) => number][] = [
    ["addi", E.addi],
    ["slti", E.slti],
    ["sltiu", E.sltiu],
    ["xori", E.xori],
    ["ori", E.ori],
    ["andi", E.andi],
    ["addiw", E.addiw],
  ];
  imm12.forEach(([name, enc], i) => {
    it(`${name} matches the reference for every interesting 12-bit immediate`, () => {
      expect(checkRI(st, name, enc, imm12Values(50 + i), 2000 + i)).toEqual([]);
    });
  });
  const shifts: [string, (rd: number, rs1: number, sh: number) => number, number[]][] = [
    ["slli", E.slli, SHAMT64],
    ["srli", E.srli, SHAMT64],
    ["srai", E.srai, SHAMT64],
    ["slliw", E.slliw, SHAMT32],
    ["srliw", E.srliw, SHAMT32],
    ["sraiw", E.sraiw, SHAMT32],
  ];
  shifts.forEach(([name, enc, amounts], i) => {
    it(`${name} matches the reference for every shift amount`, () => {
      expect(checkRI(st, name, enc, amounts, 3000 + i)).toEqual([]);
    });
  });

  it("sltiu compares with the sign-extended immediate as unsigned (sltiu rd, rs, -1 is 'rs != -1')", () => {
    st.exec(E.sltiu(a0, a1, -1), [[a1, MASK64 - 1n]]);
    expect(st.h.reg(a0)).toBe(1n);
    st.exec(E.sltiu(a0, a1, -1), [[a1, MASK64]]);
    expect(st.h.reg(a0)).toBe(0n);
    st.exec(E.sltiu(a0, a1, 1), [[a1, 0n]]); // seqz
    expect(st.h.reg(a0)).toBe(1n);
  });

  it("addiw sign-extends the 32-bit sum and ignores the upper word of rs1 (sext.w)", () => {
    st.exec(E.addiw(a0, a1, 0), [[a1, 0x1234_5678_8000_0000n]]);
    expect(st.h.reg(a0)).toBe(0xffff_ffff_8000_0000n);
    st.exec(E.addiw(a0, a1, -1), [[a1, 0xffff_ffff_0000_0000n]]);
    expect(st.h.reg(a0)).toBe(MASK64);
    st.exec(E.addiw(a0, a1, 1), [[a1, 0x7fff_ffffn]]);
    expect(st.h.reg(a0)).toBe(0xffff_ffff_8000_0000n);
  });
});

describe("lui and auipc", () => {
  it("lui sign-extends bit 31 into the upper word", () => {
    const cases: [number, bigint][] = [
      [0, 0n],
      [1, 0x1000n],
      [0x7ffff, 0x7fff_f000n],
      [0x80000, 0xffff_ffff_8000_0000n],
      [0xfffff, 0xffff_ffff_ffff_f000n],
    ];
    for (const [imm, want] of cases) {
      st.exec(E.lui(a0, imm), [[a0, 0x5555n]]);
      expect(st.h.reg(a0)).toBe(want);
    }
    st.exec(E.lui(zero, 0x12345));
    expect(st.h.reg(zero)).toBe(0n);
  });

  it("auipc adds the sign-extended upper immediate to its own pc", () => {
    for (const imm of [0, 1, 0x7ffff, 0x80000, 0xfffff, 0x12345]) {
      const w = E.auipc(a0, imm);
      const pc = st.addr(w);
      st.exec(w);
      expect(st.h.reg(a0)).toBe(u64(pc + BigInt.asIntN(32, BigInt(imm) << 12n)));
    }
    // At 0x8000_xxxx, adding -2^31 crosses zero.
    const w = E.auipc(a1, 0x80000);
    st.exec(w);
    expect(st.h.reg(a1)).toBe(st.addr(w) - 0x8000_0000n);
  });
});

describe("branches", () => {
  const conds: [
    string,
    (rs1: number, rs2: number, off: number) => number,
    (a: bigint, b: bigint) => boolean,
  ][] = [
    ["beq", E.beq, (a, b) => a === b],
    ["bne", E.bne, (a, b) => a !== b],
    ["blt", E.blt, (a, b) => s64(a) < s64(b)],
    ["bge", E.bge, (a, b) => s64(a) >= s64(b)],
    ["bltu", E.bltu, (a, b) => a < b],
    ["bgeu", E.bgeu, (a, b) => a >= b],
  ];
  for (const [name, enc, taken] of conds) {
    it(`${name}: taken exactly when the condition holds, on every pair of edge values`, () => {
      const bad: string[] = [];
      const rng = new Rng(name.length * 77);
      const values = [...EDGE_VALUES.filter((_, i) => i % 2 === 0), rng.u64(), rng.u64()];
      for (const off of [8, -4, 4094, -4096]) {
        const w = enc(a1, a2, off);
        const pc = st.addr(w);
        for (const a of values) {
          for (const b of [...values.slice(0, 20), a]) {
            st.exec(w, [
              [a1, a],
              [a2, b],
            ]);
            const want = taken(a, b) ? pc + BigInt(off) : pc + 4n;
            if (st.h.pcBig() !== want && bad.length < 5) bad.push(`${name} ${a} ${b} off ${off}`);
          }
        }
      }
      expect(bad).toEqual([]);
    });
  }

  it("a branch with rs1 = rs2 compares a register with itself; x0 compares as zero", () => {
    const w = E.blt(a1, a1, 8);
    st.exec(w, [[a1, 5n]]);
    expect(st.h.pcBig()).toBe(st.addr(w) + 4n);
    const w2 = E.bge(a1, a1, 8);
    st.exec(w2, [[a1, 5n]]);
    expect(st.h.pcBig()).toBe(st.addr(w2) + 8n);
    const w3 = E.blt(a1, zero, 12);
    st.exec(w3, [[a1, MASK64]]);
    expect(st.h.pcBig()).toBe(st.addr(w3) + 12n);
  });
});

describe("jal and jalr", () => {
  it("jal links pc + 4 and jumps pc-relative; jal x0 links nothing", () => {
    for (const off of [4, -8, 2, 1048574, -1048576]) {
      const w = E.jal(ra, off);
      const pc = st.addr(w);
      st.exec(w, [[ra, 0n]]);
      expect(st.h.pcBig()).toBe(u64(pc + BigInt(off)));
      expect(st.h.reg(ra)).toBe(pc + 4n);
    }
    st.exec(E.jal(zero, 8));
    expect(st.h.reg(zero)).toBe(0n);
  });

  it("jalr jumps to (rs1 + imm) with bit 0 cleared and links pc + 4", () => {
    const cases: [bigint, number, bigint][] = [
      [0x8000_1000n, 0, 0x8000_1000n],
      [0x8000_1001n, 0, 0x8000_1000n],
      [0x8000_1000n, 3, 0x8000_1002n],
      [0x8000_1000n, -2047, 0x8000_0800n],
      [0xffff_ffff_ffff_fffdn, 6, 0x2n],
    ];
    for (const [base, imm, target] of cases) {
      const w = E.jalr(t0, imm, a1);
      st.exec(w, [[a1, base]]);
      expect(st.h.pcBig()).toBe(target);
      expect(st.h.reg(t0)).toBe(st.addr(w) + 4n);
    }
  });

  it("jalr with rd = rs1 uses the old rs1 for the target", () => {
    const w = E.jalr(a1, 4, a1);
    st.exec(w, [[a1, 0x8000_2000n]]);
    expect(st.h.pcBig()).toBe(0x8000_2004n);
    expect(st.h.reg(a1)).toBe(st.addr(w) + 4n);
  });
});

describe("loads and stores", () => {
  const DATA = RAM + 0x10_0000n;
  const pattern = Uint8Array.from({ length: 64 }, (_, i) => (i * 0x3b + 0x81) & 0xff);
  /** The little-endian value of `n` pattern bytes at `off`, sign- or zero-extended. */
  const expected = (off: number, n: number, signed: boolean): bigint => {
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(pattern[off + i]!);
    return signed ? u64(BigInt.asIntN(8 * n, v)) : v;
  };
  const loads: [string, (rd: number, off: number, rs1: number) => number, number, boolean][] = [
    ["lb", E.lb, 1, true],
    ["lbu", E.lbu, 1, false],
    ["lh", E.lh, 2, true],
    ["lhu", E.lhu, 2, false],
    ["lw", E.lw, 4, true],
    ["lwu", E.lwu, 4, false],
    ["ld", E.ld, 8, true],
  ];

  for (const [name, enc, n, signed] of loads) {
    it(`${name}: every offset 0..15 (misaligned ones emulated), through the slow and the fast path`, () => {
      st.m.mem.load(Number(DATA), pattern);
      for (let off = 0; off < 16; off++) {
        for (const pass of ["slow", "fast"]) {
          if (pass === "slow") st.h.hostTlb.flush();
          // rs1 points past the data; the negative immediate brings the address back.
          const w = enc(a0, off - 32, a1);
          st.exec(w, [
            [a0, 0xdeadn],
            [a1, DATA + 32n],
          ]);
          expect(st.h.reg(a0), `${name} at +${off} (${pass})`).toBe(expected(off, n, signed));
          expect(st.h.pcBig()).toBe(st.addr(w) + 4n);
        }
      }
    });
  }

  it("a load into x0 has no effect on x0", () => {
    st.m.mem.load(Number(DATA), pattern);
    st.exec(E.ld(zero, 0, a1), [[a1, DATA]]);
    expect(st.h.reg(zero)).toBe(0n);
  });

  const stores: [string, (rs2: number, off: number, rs1: number) => number, number][] = [
    ["sb", E.sb, 1],
    ["sh", E.sh, 2],
    ["sw", E.sw, 4],
    ["sd", E.sd, 8],
  ];
  for (const [name, enc, n] of stores) {
    it(`${name}: every offset 0..15 stores exactly the low ${n} bytes, little-endian`, () => {
      const v = 0x8877_6655_4433_2211n;
      for (let off = 0; off < 16; off++) {
        for (const pass of ["slow", "fast"]) {
          st.m.mem.load(Number(DATA), new Uint8Array(32).fill(0xee));
          if (pass === "slow") st.h.hostTlb.flush();
          st.exec(enc(a2, off + 100, a1), [
            [a1, DATA - 100n],
            [a2, v],
          ]);
          const want = new Uint8Array(32).fill(0xee);
          for (let i = 0; i < n; i++) want[off + i] = Number((v >> BigInt(8 * i)) & 0xffn);
          const got = st.m.mem.u8.slice(0x10_0000, 0x10_0000 + 32);
          expect([...got], `${name} at +${off} (${pass})`).toEqual([...want]);
        }
      }
    });
  }

  it("storing x0 stores zeros", () => {
    st.m.mem.load(Number(DATA), new Uint8Array(8).fill(0xff));
    st.exec(E.sd(zero, 0, a1), [[a1, DATA]]);
    expect([...st.m.mem.u8.slice(0x10_0000, 0x10_0008)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it("misaligned loads and stores across a page boundary are emulated (no trap)", () => {
    const r = guest(`
    li s0, 0x80020000 - 3  # 3 bytes before a page boundary
    li t0, 0x0102030405060708
    sd t0, 0(s0)
    ld a0, 0(s0)
    lw a1, 1(s0)
    lhu a2, 2(s0)
    lwu a3, -1(s0)
    li t1, 0xfedcba98
    sw t1, 1(s0)
    ld a4, 0(s0)`);
    expect(r.result.exitCode).toBe(0);
    expect(r.log).toEqual([]);
    expect(r.reg(a0)).toBe(0x0102_0304_0506_0708n);
    // Bytes from s0: 08 07 06 05 04 03 02 01; lw at +1: 05060708 >> 8 … = 0x04050607 (little-endian)
    expect(r.reg(a1)).toBe(0x0405_0607n);
    expect(r.reg(a2)).toBe(0x0506n);
    // lwu at -1: byte before s0 is 0, then 08 07 06
    expect(r.reg(a3)).toBe(0x0607_0800n);
    expect(r.reg(a4)).toBe(0x0102_03fe_dcba_9808n);
    expect(r.read(RAM + 0x2_0000n - 3n)).toBe(0x0102_03fe_dcba_9808n);
  });
});

describe("pc arithmetic across 2^32", () => {
  const BOUNDARY = 0x1_0000_0000n;
  const MEM = 0x1_0000_0000 - 0x8000_0000 + 0x4000; // RAM up to just past 2^32
  const PASS = `
    li t6, 0x100000
    li tp, 0x5555
    sw tp, 0(t6)`;

  it("jal, a backward branch, auipc, la/jalr and a misaligned store across 0x1_0000_0000", () => {
    const r = runAsm(
      `
    li a0, 1               # at 0xffff_ffe0
    j over                 # forward jal across 2^32
back:
    addi a2, a2, 1         # reached by a backward branch from above 2^32
    j tail
    .skip 16               # to 0x1_0000_0000
over:
    auipc a3, 0            # its own pc, above 2^32
    li a4, 1
    beqz a2, back          # backward across 2^32, taken once
tail:
    li t0, 0x1122334455667788
    li s0, 0xfffffffc
    sd t0, 0(s0)           # across 2^32 and a page (over code already run)
    ld t1, 0(s0)
    lwu t2, 4(s0)
    la ra, ret
    jalr ra                # to an address above 2^32
ret:
${PASS}`,
      { base: BOUNDARY - 0x20n, mem: MEM },
    );
    expect(r.result.exitCode).toBe(0);
    expect(r.sym("over")).toBe(BOUNDARY);
    expect([r.reg(a0), r.reg(a2), r.reg(a4)]).toEqual([1n, 1n, 1n]);
    expect(r.reg(a3)).toBe(BOUNDARY);
    expect(r.reg(t1)).toBe(0x1122_3344_5566_7788n);
    expect(r.reg(t2)).toBe(0x1122_3344n);
    expect(r.reg(ra)).toBe(r.sym("ret"));
  });

  it("straight-line code across 2^32: 2-byte instructions up to it, a 4-byte one straddling it", () => {
    const r = runAsm(
      `
    li a1, 0               # at 0xffff_fff0
    c.addi a1, 1
    c.addi a1, 1
    c.addi a1, 1
    c.addi a1, 1
    c.addi a1, 1           # ends at 0xffff_fffe
straddle:
    addi a1, a1, 16        # straddles 2^32 (and a page boundary)
    c.addi a1, 1
    addi a1, a1, 32
    auipc a2, 0
${PASS}`,
      { base: BOUNDARY - 0x10n, mem: MEM },
    );
    expect(r.result.exitCode).toBe(0);
    expect(r.sym("straddle")).toBe(BOUNDARY - 2n);
    expect(r.reg(a1)).toBe(5n + 16n + 1n + 32n);
    expect(r.reg(a2)).toBe(BOUNDARY + 2n + 2n + 4n);
  });
});
