// RV64C (riscv-tests isa/rv64uc): every compressed instruction executed with every register
// its register class allows, against the semantics of its 32-bit expansion computed here with
// BigInt; HINTs change nothing; mixed 16/32-bit code at 2-byte alignment.

import { describe, expect, it } from "vitest";
import { asmGuest as guest } from "../helpers/asm.js";
import * as E from "../helpers/encode.js";
import { a0, a2, ra, s0, s1, sp, zero } from "../helpers/encode.js";
import { RAM, Stepper } from "../helpers/guest.js";
import { MASK64, Rng, s64, sext32, u64 } from "../helpers/ref.js";

const st = new Stepper();
const rng = new Rng(0xc0de);
const CREGS = [8, 9, 10, 11, 12, 13, 14, 15];
const ALL = Array.from({ length: 31 }, (_, i) => i + 1);
const DATA = RAM + 0x30_0000n;

/** Fill the registers with distinct random values (x0 stays 0); returns them. */
function randomRegs(): bigint[] {
  const v = [0n];
  for (let r = 1; r < 32; r++) {
    const x = rng.u64();
    v.push(x);
    st.h.setReg(r, x);
  }
  return v;
}

/** Execute `h` with every register randomised; returns the values before. */
function exec(h: number, fix: [number, bigint][] = []): bigint[] {
  const before = randomRegs();
  for (const [r, v] of fix) {
    st.h.setReg(r, v);
    before[r] = r === 0 ? 0n : u64(v);
  }
  st.exec(h);
  return before;
}

/** Every register except those in `changed` kept its value. */
function expectUnchanged(before: bigint[], changed: number[]): void {
  for (let r = 0; r < 32; r++) {
    if (!changed.includes(r)) expect(st.h.reg(r), `x${r} unchanged`).toBe(before[r]);
  }
}

describe("RVC, quadrant 0", () => {
  it("c.addi4spn rd', sp, nzuimm: every rd'", () => {
    for (const rd of CREGS) {
      for (const imm of [4, 8, 64, 1020, 516]) {
        const h = E.c_addi4spn(rd, imm);
        const before = exec(h);
        expect(st.h.reg(rd)).toBe(u64(before[sp]! + BigInt(imm)));
        expectUnchanged(before, [rd]);
        expect(st.h.pcBig()).toBe(st.addr(h) + 2n);
      }
    }
  });

  it("c.lw / c.ld: every rd' with every rs1' (rd' = rs1' included), sign-extended", () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => (i * 37 + 0x90) & 0xff);
    st.m.mem.load(Number(DATA), bytes);
    const at = (off: number, n: number): bigint => {
      let v = 0n;
      for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[off + i]!);
      return u64(BigInt.asIntN(8 * n, v));
    };
    for (const rd of CREGS) {
      for (const rs1 of CREGS) {
        for (const off of [0, 4, 124, 64]) {
          exec(E.c_lw(rd, off, rs1), [[rs1, DATA]]);
          expect(st.h.reg(rd), `c.lw x${rd}, ${off}(x${rs1})`).toBe(at(off, 4));
        }
        for (const off of [0, 8, 248, 128]) {
          exec(E.c_ld(rd, off, rs1), [[rs1, DATA]]);
          expect(st.h.reg(rd), `c.ld x${rd}, ${off}(x${rs1})`).toBe(at(off, 8));
        }
      }
    }
  });

  it("c.sw / c.sd: every rs2' with every rs1' (rs2' = rs1' included)", () => {
    for (const rs2 of CREGS) {
      for (const rs1 of CREGS) {
        const base = DATA + 0x200n;
        const off = 8 * rng.int(16);
        const before = exec(E.c_sd(rs2, off, rs1), [[rs1, base]]);
        expect(st.m.mem.readRam(Number(base - RAM) + off, 8)).toBe(before[rs2]);
        const before2 = exec(E.c_sw(rs2, off + 4, rs1), [[rs1, base]]);
        expect(st.m.mem.readRam(Number(base - RAM) + off + 4, 4)).toBe(before2[rs2]! & 0xffff_ffffn);
        expectUnchanged(before2, []);
      }
    }
  });
});

describe("RVC, quadrant 1", () => {
  it("c.addi and c.addiw: every rd, positive and negative immediates; c.addiw sign-extends", () => {
    for (const rd of ALL) {
      for (const imm of [1, -1, 31, -32]) {
        let before = exec(E.c_addi(rd, imm));
        expect(st.h.reg(rd)).toBe(u64(before[rd]! + BigInt(imm)));
        expectUnchanged(before, [rd]);
        before = exec(E.c_addiw(rd, imm));
        expect(st.h.reg(rd)).toBe(sext32(before[rd]! + BigInt(imm)));
      }
    }
    exec(E.c_addiw(a0, 1), [[a0, 0x7fff_ffffn]]);
    expect(st.h.reg(a0)).toBe(0xffff_ffff_8000_0000n);
    exec(E.c_addiw(a0, 0), [[a0, 0x1234_5678_9abc_def0n]]); // sext.w
    expect(st.h.reg(a0)).toBe(0xffff_ffff_9abc_def0n);
  });

  it("c.li: every rd, sign-extended immediate", () => {
    for (const rd of ALL) {
      for (const imm of [0, 1, -1, 31, -32]) {
        const before = exec(E.c_li(rd, imm));
        expect(st.h.reg(rd)).toBe(u64(BigInt(imm)));
        expectUnchanged(before, [rd]);
      }
    }
  });

  it("c.lui: every rd except x0/sp, sign-extended from bit 17", () => {
    for (const rd of ALL.filter((r) => r !== sp)) {
      for (const imm of [1, 31, -1, -32]) {
        const before = exec(E.c_lui(rd, imm));
        expect(st.h.reg(rd)).toBe(u64(BigInt(imm) << 12n));
        expectUnchanged(before, [rd]);
      }
    }
  });

  it("c.addi16sp: sp += nzimm, both signs", () => {
    for (const imm of [16, -16, 496, -512, 272]) {
      const before = exec(E.c_addi16sp(imm));
      expect(st.h.reg(sp)).toBe(u64(before[sp]! + BigInt(imm)));
      expectUnchanged(before, [sp]);
    }
  });

  it("c.srli / c.srai / c.andi: every rd', every shamt", () => {
    for (const rd of CREGS) {
      for (let sh = 1; sh < 64; sh++) {
        let before = exec(E.c_srli(rd, sh));
        expect(st.h.reg(rd)).toBe(before[rd]! >> BigInt(sh));
        before = exec(E.c_srai(rd, sh));
        expect(st.h.reg(rd)).toBe(u64(s64(before[rd]!) >> BigInt(sh)));
        expectUnchanged(before, [rd]);
      }
      for (const imm of [0, -1, 31, -32, 5]) {
        const before = exec(E.c_andi(rd, imm));
        expect(st.h.reg(rd)).toBe(before[rd]! & u64(BigInt(imm)));
      }
    }
  });

  it("c.sub / c.xor / c.or / c.and / c.subw / c.addw: every rd', rs2' pair (rd' = rs2' included)", () => {
    const ops: [(rd: number, rs2: number) => number, (a: bigint, b: bigint) => bigint][] = [
      [E.c_sub, (a, b) => u64(a - b)],
      [E.c_xor, (a, b) => a ^ b],
      [E.c_or, (a, b) => a | b],
      [E.c_and, (a, b) => a & b],
      [E.c_subw, (a, b) => sext32(a - b)],
      [E.c_addw, (a, b) => sext32(a + b)],
    ];
    for (const [enc, ref] of ops) {
      for (const rd of CREGS) {
        for (const rs2 of CREGS) {
          const before = exec(enc(rd, rs2));
          expect(st.h.reg(rd)).toBe(ref(before[rd]!, before[rs2]!));
          expectUnchanged(before, [rd]);
        }
      }
    }
  });

  it("c.j: pc-relative, both directions, no link", () => {
    for (const off of [2, -2, 2046, -2048, 0x2a4]) {
      const h = E.c_j(off);
      const before = exec(h);
      expect(st.h.pcBig()).toBe(st.addr(h) + BigInt(off));
      expectUnchanged(before, []);
    }
  });

  it("c.beqz / c.bnez: every rs1', taken and not taken, both directions", () => {
    for (const rs1 of CREGS) {
      for (const off of [4, -4, 254, -256]) {
        for (const v of [0n, 1n, MASK64, 1n << 32n]) {
          const hz = E.c_beqz(rs1, off);
          exec(hz, [[rs1, v]]);
          expect(st.h.pcBig()).toBe(st.addr(hz) + (v === 0n ? BigInt(off) : 2n));
          const hn = E.c_bnez(rs1, off);
          exec(hn, [[rs1, v]]);
          expect(st.h.pcBig()).toBe(st.addr(hn) + (v !== 0n ? BigInt(off) : 2n));
        }
      }
    }
  });
});

describe("RVC, quadrant 2", () => {
  it("c.slli: every rd, every shamt", () => {
    for (const rd of ALL) {
      for (const sh of [1, 7, 31, 32, 63]) {
        const before = exec(E.c_slli(rd, sh));
        expect(st.h.reg(rd)).toBe(u64(before[rd]! << BigInt(sh)));
        expectUnchanged(before, [rd]);
      }
    }
  });

  it("c.lwsp / c.ldsp: every rd (sp included)", () => {
    const bytes = Uint8Array.from({ length: 512 }, (_, i) => (i * 101 + 7) & 0xff);
    st.m.mem.load(Number(DATA), bytes);
    const at = (off: number, n: number): bigint =>
      u64(BigInt.asIntN(8 * n, st.m.mem.readRam(Number(DATA - RAM) + off, n)));
    for (const rd of ALL) {
      for (const off of [0, 4, 252, 100]) {
        exec(E.c_lwsp(rd, off), [[sp, DATA]]);
        expect(st.h.reg(rd), `c.lwsp x${rd}, ${off}`).toBe(at(off, 4));
      }
      for (const off of [0, 8, 504, 264]) {
        exec(E.c_ldsp(rd, off), [[sp, DATA]]);
        expect(st.h.reg(rd), `c.ldsp x${rd}, ${off}`).toBe(at(off, 8));
      }
    }
  });

  it("c.swsp / c.sdsp: every rs2 (x0 and sp included)", () => {
    for (const rs2 of [0, ...ALL]) {
      const off = 8 * rng.int(31);
      const base = DATA + 0x400n;
      const before = exec(E.c_sdsp(rs2, off), [[sp, base]]);
      expect(st.m.mem.readRam(Number(base - RAM) + off, 8), `c.sdsp x${rs2}`).toBe(before[rs2]);
      const before2 = exec(E.c_swsp(rs2, off + 4), [[sp, base]]);
      expect(st.m.mem.readRam(Number(base - RAM) + off + 4, 4), `c.swsp x${rs2}`).toBe(
        before2[rs2]! & 0xffff_ffffn,
      );
      expectUnchanged(before2, []);
    }
  });

  it("c.jr / c.jalr: every rs1; c.jalr links pc + 2 into ra (also when rs1 is ra)", () => {
    for (const rs1 of ALL) {
      const target = RAM + 0x1000n + 2n * BigInt(rs1);
      let h = E.c_jr(rs1);
      let before = exec(h, [[rs1, target + 1n]]); // bit 0 is cleared
      expect(st.h.pcBig()).toBe(target);
      expectUnchanged(before, []);
      h = E.c_jalr(rs1);
      before = exec(h, [[rs1, target]]);
      expect(st.h.pcBig()).toBe(target);
      expect(st.h.reg(ra)).toBe(st.addr(h) + 2n);
      expectUnchanged(before, [ra]);
    }
  });

  it("c.mv / c.add: every rd with every rs2", () => {
    for (const rd of ALL) {
      for (const rs2 of ALL) {
        let before = exec(E.c_mv(rd, rs2));
        expect(st.h.reg(rd)).toBe(before[rs2]);
        expectUnchanged(before, [rd]);
        before = exec(E.c_add(rd, rs2));
        expect(st.h.reg(rd)).toBe(u64(before[rd]! + before[rs2]!));
      }
    }
  });
});

describe("RVC HINTs and mixed code", () => {
  it("HINTs (c.nop with imm, c.li/c.lui/c.mv/c.add/c.slli with rd = x0) change no register", () => {
    const hints = [
      0x0001 | (5 << 2),
      E.c_li(zero, 5),
      E.c_lui(zero, 3),
      E.c_mv(zero, a0),
      E.c_add(zero, a0),
      E.c_slli(zero, 3),
      E.c_nop(),
    ];
    for (const h of hints) {
      const before = exec(h);
      expectUnchanged(before, []);
      expect(st.h.pcBig()).toBe(st.addr(h) + 2n);
    }
  });

  it("a program mixing 16- and 32-bit instructions at 2-byte alignment", () => {
    const r = guest(`
    c.li a0, 0
    c.li a1, 10
loop:
    c.addi a0, 3           # the 4-byte instructions below start at odd halfwords
    addi a1, a1, -1
    c.bnez a1, loop
    c.mv s0, a0
    c.slli s0, 4
    addi s1, s0, 1
    c.srli s1, 1
    la t0, fn
    c.jalr t0
    c.addi a2, 1
    c.j end
fn:
    c.li a2, 20
    c.jr ra
end:`);
    expect(r.result.exitCode).toBe(0);
    expect(r.reg(a0)).toBe(30n);
    expect(r.reg(s0)).toBe(480n);
    expect(r.reg(s1)).toBe(240n);
    expect(r.reg(a2)).toBe(21n);
  });
});
