// Pseudo-instructions: each expansion, and li checked by evaluating the emitted sequence.

import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { assemble, liSequence } from "../../src/asm/index.js";
import { hex, textWords, words } from "./helpers.js";

const sext = (v: number, bits: number): bigint => BigInt.asIntN(bits, BigInt(v));
const wrap = (v: bigint): bigint => BigInt.asIntN(64, v);

/**
 * Runs an li sequence symbolically: the instructions li may emit (lui, addi, addiw, slli and their
 * RVC forms), decoded here by hand from the words, on a register file of bigints.
 */
function runLi(ws: number[]): Map<number, bigint> {
  const x = new Map<number, bigint>([[0, 0n]]);
  const get = (r: number): bigint => (r === 0 ? 0n : (x.get(r) ?? 0n));
  const set = (r: number, v: bigint): void => {
    if (r !== 0) x.set(r, wrap(v));
  };
  for (const w of ws) {
    if ((w & 3) !== 3) {
      const rd = (w >> 7) & 31;
      const imm6 = Number(sext(((w >> 12) & 1) * 32 + ((w >> 2) & 31), 6));
      const f3 = w >> 13;
      const q = w & 3;
      if (q === 1 && f3 === 2)
        set(rd, BigInt(imm6)); // c.li
      else if (q === 1 && f3 === 3 && rd === 2) {
        // c.addi16sp: nzimm[9|4|6|8:7|5] in bits 12, 6, 5, 4:3, 2
        const nz =
          (((w >> 12) & 1) << 9) |
          (((w >> 6) & 1) << 4) |
          (((w >> 5) & 1) << 6) |
          (((w >> 3) & 3) << 7) |
          (((w >> 2) & 1) << 5);
        set(2, get(2) + sext(nz, 10));
      } else if (q === 1 && f3 === 3)
        set(rd, BigInt(imm6) << 12n); // c.lui
      else if (q === 1 && f3 === 0)
        set(rd, get(rd) + BigInt(imm6)); // c.addi
      else if (q === 1 && f3 === 1)
        set(rd, BigInt.asIntN(32, get(rd) + BigInt(imm6))); // c.addiw
      else if (q === 2 && f3 === 0)
        set(rd, get(rd) << BigInt(((w >> 12) & 1) * 32 + ((w >> 2) & 31))); // c.slli
      else throw new Error(`unexpected RVC word ${hex(w)} in li`);
      continue;
    }
    const op = w & 0x7f;
    const rd = (w >>> 7) & 31;
    const rs1 = (w >>> 15) & 31;
    const f3 = (w >>> 12) & 7;
    const immI = BigInt(w >> 20);
    if (op === 0x37) set(rd, sext(w & 0xfffff000, 32));
    else if (op === 0x13 && f3 === 0) set(rd, get(rs1) + immI);
    else if (op === 0x1b && f3 === 0) set(rd, BigInt.asIntN(32, get(rs1) + immI));
    else if (op === 0x13 && f3 === 1) set(rd, get(rs1) << BigInt((w >>> 20) & 63));
    else throw new Error(`unexpected word ${hex(w)} in li`);
  }
  return x;
}

const LI_VALUES: [bigint, number][] = [
  // value, number of instructions GNU as emits
  [0n, 1],
  [1n, 1],
  [2047n, 1],
  [-2047n, 1],
  [-2048n, 1],
  [2048n, 2],
  [-2049n, 2],
  [0x7fffffffn, 2],
  [-0x80000000n, 1],
  [0x80000000n, 2],
  [-1n, 1],
  [0xffffffffn, 3],
  [0x100000000n, 2],
  [0x8000000000000000n, 2],
  [0x7fffffffffffffffn, 3],
  [0x123456789abcdef0n, 8],
  [0x12345000n, 1],
  [0xfffff000n, 3],
  [-0x123456789abcdef0n, 8],
  [0xffffffff80000000n, 1],
];

describe("li", () => {
  test.each(LI_VALUES)("li a0, %s", (value, count) => {
    for (const rvc of [false, true]) {
      const ws = words(`li a0, ${value}`, { rvc });
      expect(ws.length).toBe(count);
      expect(runLi(ws).get(10) ?? 0n).toBe(wrap(value));
    }
  });

  test("loads every 64-bit value (property)", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
        fc.integer({ min: 1, max: 31 }),
        (v, rd) => {
          const seq = liSequence(rd, v);
          expect(seq.length).toBeLessThanOrEqual(8);
          const ws = words(`li x${rd}, ${v}`, { rvc: rd % 2 === 0 });
          expect(runLi(ws).get(rd) ?? 0n).toBe(v);
        },
      ),
      { numRuns: 300, seed: 20261126 },
    );
  });

  test("takes expressions and .equ symbols, and unsigned spellings of negative values", () => {
    expect(words(".equ K, 0x1000\nli t0, K * 4 + 1")).toEqual(words("li t0, 0x4001"));
    expect(words("li t0, 0xffffffffffffffff")).toEqual(words("li t0, -1"));
  });

  test("of a label loads its address", () => {
    const p = assemble("li a0, target\nnop\ntarget: nop", { file: "t.s" });
    expect(runLi(textWords(p).slice(0, -2)).get(10)).toBe(p.symbols.get("target"));
  });
});

describe("pseudo-instructions expand like GNU as", () => {
  test.each([
    ["nop", "addi zero, zero, 0"],
    ["mv a0, a1", "addi a0, a1, 0"],
    ["not a0, a1", "xori a0, a1, -1"],
    ["neg a0, a1", "sub a0, zero, a1"],
    ["negw a0, a1", "subw a0, zero, a1"],
    ["sext.w a0, a1", "addiw a0, a1, 0"],
    ["zext.b a0, a1", "andi a0, a1, 255"],
    ["seqz a0, a1", "sltiu a0, a1, 1"],
    ["snez a0, a1", "sltu a0, zero, a1"],
    ["sltz a0, a1", "slt a0, a1, zero"],
    ["sgtz a0, a1", "slt a0, zero, a1"],
    ["jr t0", "jalr zero, 0(t0)"],
    ["jalr t0", "jalr ra, 0(t0)"],
    ["ret", "jalr zero, 0(ra)"],
    ["csrr a0, mstatus", "csrrs a0, mstatus, zero"],
    ["csrw mstatus, a0", "csrrw zero, mstatus, a0"],
    ["csrs mie, a0", "csrrs zero, mie, a0"],
    ["csrc mie, a0", "csrrc zero, mie, a0"],
    ["csrw mstatus, 3", "csrrwi zero, mstatus, 3"],
    ["csrs mie, 3", "csrrsi zero, mie, 3"],
    ["csrc mie, 3", "csrrci zero, mie, 3"],
    ["csrwi mstatus, 31", "csrrwi zero, mstatus, 31"],
    ["csrsi mie, 1", "csrrsi zero, mie, 1"],
    ["csrci mie, 2", "csrrci zero, mie, 2"],
    ["rdcycle a0", "csrrs a0, cycle, zero"],
    ["rdtime a0", "csrrs a0, time, zero"],
    ["rdinstret a0", "csrrs a0, instret, zero"],
    ["fence", "fence iorw, iorw"],
    ["unimp", "csrrw zero, cycle, zero"],
    ["li a0, 5", "addi a0, zero, 5"],
    ["sfence.vma", "sfence.vma zero, zero"],
    ["sfence.vma a0", "sfence.vma a0, zero"],
  ])("%s = %s", (pseudo, real) => {
    expect(words(pseudo).map(hex)).toEqual(words(real).map(hex));
  });

  test.each([
    ["beqz a0, L", "beq a0, zero, L"],
    ["bnez a0, L", "bne a0, zero, L"],
    ["blez a0, L", "bge zero, a0, L"],
    ["bgez a0, L", "bge a0, zero, L"],
    ["bltz a0, L", "blt a0, zero, L"],
    ["bgtz a0, L", "blt zero, a0, L"],
    ["bgt a0, a1, L", "blt a1, a0, L"],
    ["ble a0, a1, L", "bge a1, a0, L"],
    ["bgtu a0, a1, L", "bltu a1, a0, L"],
    ["bleu a0, a1, L", "bgeu a1, a0, L"],
    ["j L", "jal zero, L"],
    ["jal L", "jal ra, L"],
  ])("%s = %s", (pseudo, real) => {
    const around = (s: string) => `nop\nL: nop\n${s}\nnop`;
    expect(words(around(pseudo)).map(hex)).toEqual(words(around(real)).map(hex));
  });
});

/** The address an auipc at `pc` plus the 12-bit immediate of the next instruction points to. */
function pcrelTarget(pc: bigint, auipc: number, next: number, store = false): bigint {
  const lo = store ? ((next >> 25) << 5) | ((next >>> 7) & 31) : next >> 20;
  return pc + sext(auipc & 0xfffff000, 32) + BigInt(lo);
}

describe("pc-relative pseudo-instructions", () => {
  const src = `
    _start:
      la a0, msg
      lla a1, msg
      call func
      tail func
      lw a2, msg
      sd a3, msg, t0
      call t2, func
    func: ret
    .data
      .zero 0x1234
    msg: .asciz "hi"
  `;
  const p = assemble(src, { file: "t.s" });
  const w = textWords(p);
  const base = p.entry;
  const msg = p.symbols.get("msg")!;
  const func = p.symbols.get("func")!;

  test("la and lla: auipc rd + addi rd, rd", () => {
    expect(w[0]! & 0xfff).toBe(0x517); // auipc a0
    expect(w[1]! & 0xfffff).toBe(0x50513); // addi a0, a0, ...
    expect(pcrelTarget(base, w[0]!, w[1]!)).toBe(msg);
    expect(pcrelTarget(base + 8n, w[2]!, w[3]!)).toBe(msg);
  });

  test("call: auipc ra + jalr ra, ra; tail: auipc t1 + jalr zero, t1", () => {
    expect(w[4]! & 0xfff).toBe(0x097);
    expect(w[5]! & 0xfffff).toBe(0x080e7);
    expect(pcrelTarget(base + 16n, w[4]!, w[5]!)).toBe(func);
    expect(w[6]! & 0xfff).toBe(0x317);
    expect(w[7]! & 0xfffff).toBe(0x30067);
    expect(pcrelTarget(base + 24n, w[6]!, w[7]!)).toBe(func);
  });

  test("load and store of a symbol", () => {
    expect(w[8]! & 0xfff).toBe(0x617); // auipc a2
    expect(w[9]! & 0xfffff).toBe(0x62603); // lw a2, lo(a2)
    expect(pcrelTarget(base + 32n, w[8]!, w[9]!)).toBe(msg);
    expect(w[10]! & 0xfff).toBe(0x297); // auipc t0
    expect(w[11]! & 0x1fff07f).toBe(0x0d2b023 & 0x1fff07f); // sd a3, lo(t0)
    expect(pcrelTarget(base + 40n, w[10]!, w[11]!, true)).toBe(msg);
  });

  test("call with a link register", () => {
    expect(w[12]! & 0xfff).toBe(0x397);
    expect(w[13]! & 0xfffff).toBe(0x383e7);
    expect(pcrelTarget(base + 48n, w[12]!, w[13]!)).toBe(func);
  });
});
