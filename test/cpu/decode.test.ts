// The decoder (src/cpu/decode.ts) and disassembler: every mnemonic from an independent encoder,
// words whose encodings are known from the GNU toolchain, immediate extremes of every format,
// every RVC form with every register class it allows, the HINT encodings (legal), and the
// reserved encodings (name "illegal").

import { describe, expect, it } from "vitest";
import {
  type Decoded,
  decode,
  disasm,
  insnInfo,
  MNEMONICS,
  type Mnemonic,
  OPS,
  regName,
} from "../../src/cpu/index.js";
import * as E from "../helpers/encode.js";
import {
  a0,
  a1,
  a2,
  a3,
  a4,
  a5,
  ra,
  s0,
  s1,
  sp,
  t0,
  t1,
  t2,
  t3,
  t4,
  t5,
  t6,
  zero,
} from "../helpers/encode.js";
import { ILLEGAL16, ILLEGAL32 } from "../helpers/encodings.js";
import { Rng } from "../helpers/ref.js";

type Want = Partial<
  Pick<Decoded, "name" | "rd" | "rs1" | "rs2" | "imm" | "csr" | "aq" | "rl" | "pred" | "succ" | "len">
>;

/** The fields of `d` that `want` names. */
function fields(d: Decoded, want: Want): Want {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(want)) out[k] = d[k as keyof Decoded];
  return out as Want;
}

function expectDecode(word: number, want: Want): void {
  const d = decode(word);
  expect(fields(d, want), `decode(0x${word.toString(16)})`).toEqual(want);
  expect(d.op).toBe(OPS[d.name as keyof typeof OPS]);
  expect(d.bits).toBe(word);
}

/** Rows for R-type mnemonics, by name with their encoders, all with the registers rd, rs1, rs2. */
function rType(
  encoders: Partial<Record<Mnemonic, (rd: number, rs1: number, rs2: number) => number>>,
  rd: number,
  rs1: number,
  rs2: number,
): [number, Want][] {
  return (Object.keys(encoders) as Mnemonic[]).map((name) => [
    encoders[name]!(rd, rs1, rs2),
    { name, rd, rs1, rs2 },
  ]);
}

/** One encoding of every mnemonic mmlab implements, with its expected decoding. */
const EVERY: [number, Want][] = [
  [E.lui(a0, 0xfffff), { name: "lui", rd: a0, imm: 0xfffff000 | 0 }],
  [E.auipc(t1, 0x12345), { name: "auipc", rd: t1, imm: 0x12345000 }],
  [E.jal(ra, -2048), { name: "jal", rd: ra, imm: -2048 }],
  [E.jalr(t0, 12, a1), { name: "jalr", rd: t0, rs1: a1, imm: 12 }],
  [E.beq(a0, a1, -4), { name: "beq", rs1: a0, rs2: a1, imm: -4 }],
  [E.bne(a2, a3, 8), { name: "bne", rs1: a2, rs2: a3, imm: 8 }],
  [E.blt(t0, t1, 4094), { name: "blt", rs1: t0, rs2: t1, imm: 4094 }],
  [E.bge(t2, s0, -4096), { name: "bge", rs1: t2, rs2: s0, imm: -4096 }],
  [E.bltu(s1, a0, 2), { name: "bltu", rs1: s1, rs2: a0, imm: 2 }],
  [E.bgeu(t6, t5, 6), { name: "bgeu", rs1: t6, rs2: t5, imm: 6 }],
  [E.lb(a0, -1, a1), { name: "lb", rd: a0, rs1: a1, imm: -1 }],
  [E.lh(a0, 2, a1), { name: "lh", rd: a0, rs1: a1, imm: 2 }],
  [E.lw(a0, -2048, a1), { name: "lw", rd: a0, rs1: a1, imm: -2048 }],
  [E.ld(a0, 2047, a1), { name: "ld", rd: a0, rs1: a1, imm: 2047 }],
  [E.lbu(t3, 1, t4), { name: "lbu", rd: t3, rs1: t4, imm: 1 }],
  [E.lhu(t3, 6, t4), { name: "lhu", rd: t3, rs1: t4, imm: 6 }],
  [E.lwu(t3, 12, t4), { name: "lwu", rd: t3, rs1: t4, imm: 12 }],
  [E.sb(a2, -3, sp), { name: "sb", rs1: sp, rs2: a2, imm: -3 }],
  [E.sh(a2, 4, sp), { name: "sh", rs1: sp, rs2: a2, imm: 4 }],
  [E.sw(a2, -2048, sp), { name: "sw", rs1: sp, rs2: a2, imm: -2048 }],
  [E.sd(a2, 2047, sp), { name: "sd", rs1: sp, rs2: a2, imm: 2047 }],
  [E.addi(a0, a0, -1), { name: "addi", rd: a0, rs1: a0, imm: -1 }],
  [E.slti(a0, a1, -5), { name: "slti", rd: a0, rs1: a1, imm: -5 }],
  [E.sltiu(a0, a1, 1), { name: "sltiu", rd: a0, rs1: a1, imm: 1 }],
  [E.xori(a0, a1, -1), { name: "xori", rd: a0, rs1: a1, imm: -1 }],
  [E.ori(a0, a1, 0x7ff), { name: "ori", rd: a0, rs1: a1, imm: 0x7ff }],
  [E.andi(a0, a1, -0x800), { name: "andi", rd: a0, rs1: a1, imm: -0x800 }],
  [E.slli(a0, a1, 63), { name: "slli", rd: a0, rs1: a1, imm: 63 }],
  [E.srli(a0, a1, 32), { name: "srli", rd: a0, rs1: a1, imm: 32 }],
  [E.srai(a0, a1, 1), { name: "srai", rd: a0, rs1: a1, imm: 1 }],
  ...rType(
    {
      add: E.add,
      sub: E.sub,
      sll: E.sll,
      slt: E.slt,
      sltu: E.sltu,
      xor: E.xor,
      srl: E.srl,
      sra: E.sra,
      or: E.or,
      and: E.and,
    },
    a0,
    a1,
    a2,
  ),
  [E.addiw(a0, a1, -2048), { name: "addiw", rd: a0, rs1: a1, imm: -2048 }],
  [E.slliw(a0, a1, 31), { name: "slliw", rd: a0, rs1: a1, imm: 31 }],
  [E.srliw(a0, a1, 0), { name: "srliw", rd: a0, rs1: a1, imm: 0 }],
  [E.sraiw(a0, a1, 17), { name: "sraiw", rd: a0, rs1: a1, imm: 17 }],
  ...rType({ addw: E.addw, subw: E.subw, sllw: E.sllw, srlw: E.srlw, sraw: E.sraw }, t0, t1, t2),
  [E.fence(0b0011, 0b1100), { name: "fence", pred: 0b0011, succ: 0b1100 }],
  [E.ecall(), { name: "ecall" }],
  [E.ebreak(), { name: "ebreak" }],
  [E.fence_i(), { name: "fence.i" }],
  [E.csrrw(a0, 0x340, a1), { name: "csrrw", rd: a0, rs1: a1, csr: 0x340 }],
  [E.csrrs(a0, 0xc00, zero), { name: "csrrs", rd: a0, rs1: zero, csr: 0xc00 }],
  [E.csrrc(zero, 0x300, t0), { name: "csrrc", rd: zero, rs1: t0, csr: 0x300 }],
  [E.csrrwi(a0, 0x105, 31), { name: "csrrwi", rd: a0, csr: 0x105, imm: 31 }],
  [E.csrrsi(a0, 0xfff, 1), { name: "csrrsi", rd: a0, csr: 0xfff, imm: 1 }],
  [E.csrrci(a0, 0x344, 2), { name: "csrrci", rd: a0, csr: 0x344, imm: 2 }],
  ...rType(
    {
      mul: E.mul,
      mulh: E.mulh,
      mulhsu: E.mulhsu,
      mulhu: E.mulhu,
      div: E.div,
      divu: E.divu,
      rem: E.rem,
      remu: E.remu,
      mulw: E.mulw,
      divw: E.divw,
      divuw: E.divuw,
      remw: E.remw,
      remuw: E.remuw,
    },
    a0,
    a1,
    a2,
  ),
  [E.lr_w(a0, a1), { name: "lr.w", rd: a0, rs1: a1, aq: false, rl: false }],
  [E.sc_w(a0, a2, a1), { name: "sc.w", rd: a0, rs1: a1, rs2: a2 }],
  [E.lr_d(a0, a1), { name: "lr.d", rd: a0, rs1: a1 }],
  [E.sc_d(a0, a2, a1), { name: "sc.d", rd: a0, rs1: a1, rs2: a2 }],
  [E.mret(), { name: "mret" }],
  [E.sret(), { name: "sret" }],
  [E.wfi(), { name: "wfi" }],
  [E.sfence_vma(a0, a1), { name: "sfence.vma", rs1: a0, rs2: a1 }],
];
/** The extensions this file covers (F and D have their own tests). */
const BASE_EXTS: readonly string[] = ["I", "M", "A", "Zicsr", "Zifencei", "Priv"];

const AMOS = [
  "amoswap",
  "amoadd",
  "amoxor",
  "amoand",
  "amoor",
  "amomin",
  "amomax",
  "amominu",
  "amomaxu",
] as const;
for (const op of AMOS) {
  for (const w of ["w", "d"] as const) {
    EVERY.push([
      E.amo(op, w, t0, t2, t1, w === "d", true),
      { name: `${op}.${w}`, rd: t0, rs1: t1, rs2: t2, aq: w === "d", rl: true },
    ]);
  }
}

describe("decode: 32-bit encodings", () => {
  it("the table covers every RV64IMAC/Zicsr/Zifencei/privileged mnemonic mmlab implements", () => {
    const names = new Set(EVERY.map(([, w]) => w.name));
    const base = MNEMONICS.filter((m) => BASE_EXTS.includes(insnInfo(OPS[m]).ext));
    expect(base.length).toBeGreaterThan(80);
    expect(base.filter((m) => !names.has(m))).toEqual([]);
  });

  for (const [word, want] of EVERY) {
    it(`${want.name}: 0x${word.toString(16).padStart(8, "0")}`, () => {
      expectDecode(word, { ...want, len: 4 });
    });
  }

  it("words whose encodings the GNU toolchain prints decode to the same instructions", () => {
    const known: [number, string][] = [
      [0x00000013, "addi zero, zero, 0"],
      [0x00000073, "ecall"],
      [0x00100073, "ebreak"],
      [0x30200073, "mret"],
      [0x10200073, "sret"],
      [0x10500073, "wfi"],
      [0x12000073, "sfence.vma zero, zero"],
      [0x0000100f, "fence.i"],
      [0x0ff0000f, "fence iorw, iorw"],
      [0x00008067, "jalr zero, 0(ra)"],
      [0x34202573, "csrrs a0, mcause, zero"],
      [0xf1402573, "csrrs a0, mhartid, zero"],
      [0x30529073, "csrrw zero, mtvec, t0"],
      [0x00b50533, "add a0, a0, a1"],
    ];
    for (const [w, text] of known) expect(disasm(w)).toBe(text);
    // And our encoder agrees with those words.
    expect(E.nop()).toBe(0x00000013);
    expect(E.jalr(zero, 0, ra)).toBe(0x00008067);
    expect(E.csrr(a0, 0x342)).toBe(0x34202573);
    expect(E.csrw(0x305, t0)).toBe(0x30529073);
    expect(E.add(a0, a0, a1)).toBe(0x00b50533);
    expect(E.fence()).toBe(0x0ff0000f);
    expect(E.sfence_vma()).toBe(0x12000073);
  });

  it("immediates of every format decode exactly over their whole range (seeded fuzz)", () => {
    const rng = new Rng(0xdec0de);
    const sim = (bits: number, align = 1): number => {
      const v = rng.int(2 ** bits) - 2 ** (bits - 1);
      return v - (((v % align) + align) % align);
    };
    for (let i = 0; i < 3000; i++) {
      const rd = rng.int(32);
      const rs1 = rng.int(32);
      const rs2 = rng.int(32);
      const i12 = sim(12);
      const b13 = sim(13, 2);
      const j21 = sim(21, 2);
      const u20 = rng.int(2 ** 20);
      expectDecode(E.addi(rd, rs1, i12), { name: "addi", rd, rs1, imm: i12 });
      expectDecode(E.sd(rs2, i12, rs1), { name: "sd", rs1, rs2, imm: i12 });
      expectDecode(E.bltu(rs1, rs2, b13), { name: "bltu", rs1, rs2, imm: b13 });
      expectDecode(E.jal(rd, j21), { name: "jal", rd, imm: j21 });
      expectDecode(E.lui(rd, u20), { name: "lui", rd, imm: (u20 << 12) | 0 });
      expectDecode(E.slli(rd, rs1, rng.int(64)), { name: "slli", rd, rs1 });
      const sh = rng.int(32);
      expectDecode(E.sraiw(rd, rs1, sh), { name: "sraiw", rd, rs1, imm: sh });
      const csr = rng.int(4096);
      expectDecode(E.csrrci(rd, csr, rs2), { name: "csrrci", rd, csr, imm: rs2 });
    }
  });

  it("the extreme immediates: ±2^11, ±2^12 (branches), ±2^20 (jal), shamt 0..63", () => {
    expectDecode(E.addi(a0, a0, 2047), { imm: 2047 });
    expectDecode(E.addi(a0, a0, -2048), { imm: -2048 });
    expectDecode(E.sw(a0, -2048, a1), { imm: -2048 });
    expectDecode(E.sw(a0, 2047, a1), { imm: 2047 });
    expectDecode(E.beq(a0, a1, 4094), { imm: 4094 });
    expectDecode(E.beq(a0, a1, -4096), { imm: -4096 });
    expectDecode(E.jal(zero, 1048574), { imm: 1048574 });
    expectDecode(E.jal(zero, -1048576), { imm: -1048576 });
    expectDecode(E.lui(a0, 0x80000), { imm: 0x80000000 | 0 });
    for (let sh = 0; sh < 64; sh++) {
      expectDecode(E.srai(a0, a1, sh), { name: "srai", imm: sh });
      expectDecode(E.srli(a0, a1, sh), { name: "srli", imm: sh });
    }
  });

  it("fence fields: fm = 1000 (fence.tso) and reserved fm values decode as fence", () => {
    expectDecode(((0x8 << 28) | E.fence(0b0011, 0b0011)) >>> 0, {
      name: "fence",
      pred: 0b0011,
      succ: 0b0011,
    });
    expectDecode(((0x3 << 28) | E.fence(0xf, 0xf)) >>> 0, { name: "fence" });
  });
});

describe("decode: reserved 32-bit encodings are illegal", () => {
  for (const { why, word } of ILLEGAL32) {
    it(`${why}: 0x${word.toString(16).padStart(8, "0")}`, () => {
      const d = decode(word | 0);
      expect(d.name).toBe("illegal");
      expect(d.bits).toBe(word);
      expect(d.len).toBe(4);
    });
  }
});

describe("decode: RVC", () => {
  const CREGS = [8, 9, 10, 11, 12, 13, 14, 15];
  const ALL = Array.from({ length: 31 }, (_, i) => i + 1); // x1..x31
  /** Values of an immediate field that set each of its bits once, plus the extremes. */
  const eachBit = (lowBit: number, highBit: number, signed: boolean): number[] => {
    const vs = new Set<number>([0]);
    for (let b = lowBit; b <= highBit; b++) vs.add(1 << b);
    vs.add(2 ** (highBit + 1) - 2 ** lowBit);
    if (signed) {
      vs.add(-(2 ** highBit));
      vs.add(-(2 ** lowBit));
      for (const v of [...vs]) if (v >= 2 ** highBit) vs.delete(v);
      vs.add(2 ** highBit - 2 ** lowBit);
    }
    return [...vs];
  };

  function expectC(h: number, cname: string, want: Want): void {
    const d = decode(h);
    expect({ cname: d.cname, ...fields(d, want), len: d.len }, `decode(0x${h.toString(16)})`).toEqual({
      cname,
      ...want,
      len: 2,
    });
    expect(d.bits).toBe(h);
  }

  it("c.addi4spn: every rd' and every nzuimm bit", () => {
    for (const rd of CREGS) {
      for (const imm of eachBit(2, 9, false).filter((v) => v)) {
        expectC(E.c_addi4spn(rd, imm), "c.addi4spn", { name: "addi", rd, rs1: sp, imm });
      }
    }
  });

  it("c.lw / c.sw / c.ld / c.sd: every rd'/rs2', every rs1', every offset bit", () => {
    for (const r of CREGS) {
      for (const base of CREGS) {
        for (const off of eachBit(2, 6, false)) {
          expectC(E.c_lw(r, off, base), "c.lw", { name: "lw", rd: r, rs1: base, imm: off });
          expectC(E.c_sw(r, off, base), "c.sw", { name: "sw", rs2: r, rs1: base, imm: off });
        }
        for (const off of eachBit(3, 7, false)) {
          expectC(E.c_ld(r, off, base), "c.ld", { name: "ld", rd: r, rs1: base, imm: off });
          expectC(E.c_sd(r, off, base), "c.sd", { name: "sd", rs2: r, rs1: base, imm: off });
        }
      }
    }
  });

  it("c.nop, c.addi, c.addiw, c.li: every rd and every immediate", () => {
    expectC(E.c_nop(), "c.nop", { name: "addi", rd: 0, rs1: 0, imm: 0 });
    for (const rd of ALL) {
      for (let imm = -32; imm < 32; imm++) {
        if (imm !== 0) expectC(E.c_addi(rd, imm), "c.addi", { name: "addi", rd, rs1: rd, imm });
        expectC(E.c_addiw(rd, imm), "c.addiw", { name: "addiw", rd, rs1: rd, imm });
        expectC(E.c_li(rd, imm), "c.li", { name: "addi", rd, rs1: zero, imm });
      }
    }
  });

  it("c.addi16sp and c.lui: every immediate, c.lui with every rd except x0 and sp", () => {
    for (let k = -32; k < 32; k++) {
      if (k === 0) continue;
      expectC(E.c_addi16sp(k * 16), "c.addi16sp", { name: "addi", rd: sp, rs1: sp, imm: k * 16 });
      for (const rd of ALL.filter((r) => r !== sp)) {
        expectC(E.c_lui(rd, k), "c.lui", { name: "lui", rd, imm: (k << 12) | 0 });
      }
    }
  });

  it("c.srli, c.srai, c.andi: every rd' and every shamt / immediate", () => {
    for (const rd of CREGS) {
      for (let sh = 1; sh < 64; sh++) {
        expectC(E.c_srli(rd, sh), "c.srli", { name: "srli", rd, rs1: rd, imm: sh });
        expectC(E.c_srai(rd, sh), "c.srai", { name: "srai", rd, rs1: rd, imm: sh });
      }
      for (let imm = -32; imm < 32; imm++) {
        expectC(E.c_andi(rd, imm), "c.andi", { name: "andi", rd, rs1: rd, imm });
      }
    }
  });

  it("c.sub, c.xor, c.or, c.and, c.subw, c.addw: every pair of rd', rs2'", () => {
    const ops: [(a: number, b: number) => number, string, Decoded["name"]][] = [
      [E.c_sub, "c.sub", "sub"],
      [E.c_xor, "c.xor", "xor"],
      [E.c_or, "c.or", "or"],
      [E.c_and, "c.and", "and"],
      [E.c_subw, "c.subw", "subw"],
      [E.c_addw, "c.addw", "addw"],
    ];
    for (const [enc, cname, name] of ops) {
      for (const rd of CREGS) {
        for (const rs2 of CREGS) expectC(enc(rd, rs2), cname, { name, rd, rs1: rd, rs2 });
      }
    }
  });

  it("c.j, c.beqz, c.bnez: every offset bit, both signs, every rs1'", () => {
    for (const off of eachBit(1, 11, true)) {
      expectC(E.c_j(off), "c.j", { name: "jal", rd: zero, imm: off });
    }
    for (const rs1 of CREGS) {
      for (const off of eachBit(1, 8, true)) {
        expectC(E.c_beqz(rs1, off), "c.beqz", { name: "beq", rs1, rs2: zero, imm: off });
        expectC(E.c_bnez(rs1, off), "c.bnez", { name: "bne", rs1, rs2: zero, imm: off });
      }
    }
  });

  it("c.slli, c.lwsp, c.ldsp: every rd and every shamt / offset bit", () => {
    for (const rd of ALL) {
      for (let sh = 1; sh < 64; sh++)
        expectC(E.c_slli(rd, sh), "c.slli", { name: "slli", rd, rs1: rd, imm: sh });
      for (const off of eachBit(2, 7, false)) {
        expectC(E.c_lwsp(rd, off), "c.lwsp", { name: "lw", rd, rs1: sp, imm: off });
      }
      for (const off of eachBit(3, 8, false)) {
        expectC(E.c_ldsp(rd, off), "c.ldsp", { name: "ld", rd, rs1: sp, imm: off });
      }
    }
  });

  it("c.swsp, c.sdsp: every rs2 (x0 included) and every offset bit", () => {
    for (const rs2 of [0, ...ALL]) {
      for (const off of eachBit(2, 7, false)) {
        expectC(E.c_swsp(rs2, off), "c.swsp", { name: "sw", rs1: sp, rs2, imm: off });
      }
      for (const off of eachBit(3, 8, false)) {
        expectC(E.c_sdsp(rs2, off), "c.sdsp", { name: "sd", rs1: sp, rs2, imm: off });
      }
    }
  });

  it("c.jr, c.jalr, c.mv, c.add, c.ebreak: every register", () => {
    for (const r of ALL) {
      expectC(E.c_jr(r), "c.jr", { name: "jalr", rd: zero, rs1: r, imm: 0 });
      expectC(E.c_jalr(r), "c.jalr", { name: "jalr", rd: ra, rs1: r, imm: 0 });
      for (const r2 of [1, 2, 8, 15, 16, 31]) {
        expectC(E.c_mv(r, r2), "c.mv", { name: "add", rd: r, rs1: zero, rs2: r2 });
        expectC(E.c_add(r, r2), "c.add", { name: "add", rd: r, rs1: r, rs2: r2 });
      }
    }
    expectC(E.c_ebreak(), "c.ebreak", { name: "ebreak" });
  });

  it("halfwords the GNU toolchain emits decode as it prints them", () => {
    const known: [number, string][] = [
      [0x0001, "c.nop zero, zero, 0"],
      [0x9002, "c.ebreak"],
      [0x8082, "c.jr zero, 0(ra)"],
      [0x1141, "c.addi sp, sp, -16"],
      [0x0141, "c.addi sp, sp, 16"],
      [0xe406, "c.sdsp ra, 8(sp)"],
      [0x60a2, "c.ldsp ra, 8(sp)"],
      [0x7139, "c.addi16sp sp, sp, -64"],
      [0x6121, "c.addi16sp sp, sp, 64"],
      [0xfc06, "c.sdsp ra, 56(sp)"],
      [0x70e2, "c.ldsp ra, 56(sp)"],
      [0x0800, "c.addi4spn s0, sp, 16"],
      [0x1000, "c.addi4spn s0, sp, 32"],
      [0x4501, "c.li a0, zero, 0"],
      [0x4505, "c.li a0, zero, 1"],
      [0x852e, "c.mv a0, zero, a1"],
      [0x0505, "c.addi a0, a0, 1"],
      [0x357d, "c.addiw a0, a0, -1"],
      [0xa001, "c.j zero, 0"],
    ];
    for (const [h, text] of known) expect(disasm(h), `0x${h.toString(16)}`).toBe(text);
    // Our encoder produces the same halfwords.
    expect(E.c_addi(sp, -16)).toBe(0x1141);
    expect(E.c_sdsp(ra, 8)).toBe(0xe406);
    expect(E.c_ldsp(ra, 8)).toBe(0x60a2);
    expect(E.c_addi16sp(-64)).toBe(0x7139);
    expect(E.c_addi4spn(s0, 16)).toBe(0x0800);
    expect(E.c_mv(a0, a1)).toBe(0x852e);
    expect(E.c_addiw(a0, -1)).toBe(0x357d);
    expect(E.c_j(0)).toBe(0xa001);
    expect(E.c_jr(ra)).toBe(0x8082);
  });

  it("HINT encodings are legal instructions, not illegal ones", () => {
    const hints: [number, string][] = [
      [0x0001 | (5 << 2), "c.nop with a non-zero immediate"],
      [E.c_addi(a0, 1) & ~(0x1f << 2) & ~(1 << 12), "c.addi with a zero immediate"],
      [E.c_li(zero, 5), "c.li with rd = x0"],
      [E.c_lui(zero, 3), "c.lui with rd = x0"],
      [E.c_mv(zero, a0), "c.mv with rd = x0"],
      [E.c_add(zero, a0), "c.add with rd = x0"],
      [E.c_slli(zero, 3), "c.slli with rd = x0"],
      [0x0002 | (a0 << 7), "c.slli with shamt = 0"],
      [0x8001 | ((a0 - 8) << 7), "c.srli with shamt = 0"],
      [0x8401 | ((a0 - 8) << 7), "c.srai with shamt = 0"],
    ];
    for (const [h, why] of hints) {
      const d = decode(h);
      expect(d.name, why).not.toBe("illegal");
      expect(d.len, why).toBe(2);
    }
    expect(decode(E.c_li(zero, 5))).toMatchObject({ name: "addi", rd: 0 });
  });
});

describe("decode: reserved RVC encodings are illegal", () => {
  for (const { why, word } of ILLEGAL16) {
    it(`${why}: 0x${word.toString(16).padStart(4, "0")}`, () => {
      const d = decode(word);
      expect(d.name).toBe("illegal");
      expect(d.len).toBe(2);
      expect(d.bits).toBe(word);
    });
  }

  it("a 16-bit word decodes from the low halfword only", () => {
    expect(decode(0xffff_0000 | E.c_addi(a0, 1))).toMatchObject({ cname: "c.addi", len: 2, imm: 1 });
  });
});

describe("decode: one record shape", () => {
  it("every record has the same fields in the same order: 32-bit, RVC, F/D, illegal, CSR, AMO, fence", () => {
    // The decoder runs cold at every start (issue 12): records of one shape keep V8's property
    // caches monomorphic where the decode cache reads them.
    const words = [0x00a50533, 0x4505, 0x02b57553, 0x2008, 0, 0xffffffff, 0x30529073, 0x0c55352f, 0x0ff0000f];
    const shapes = new Set(words.map((w) => Object.keys(decode(w)).join(",")));
    expect([...shapes]).toEqual(["op,name,cname,len,rd,rs1,rs2,rs3,imm,csr,aq,rl,pred,succ,bits"]);
  });
});

describe("disasm", () => {
  it("prints ABI register names, decimal immediates, CSR names and AMO ordering suffixes", () => {
    const cases: [number, string][] = [
      [E.add(a0, a1, a2), "add a0, a1, a2"],
      [E.addi(sp, sp, -16), "addi sp, sp, -16"],
      [E.lw(a0, -4, s0), "lw a0, -4(s0)"],
      [E.sd(ra, 8, sp), "sd ra, 8(sp)"],
      [E.beq(a0, a1, -8), "beq a0, a1, -8"],
      [E.lui(a5, 0x12345), "lui a5, 0x12345"],
      [E.jal(ra, 2048), "jal ra, 2048"],
      [E.jalr(ra, -4, t0), "jalr ra, -4(t0)"],
      [E.slli(t1, t2, 40), "slli t1, t2, 40"],
      [E.csrrw(t0, 0x300, t1), "csrrw t0, mstatus, t1"],
      [E.csrrwi(zero, 0x304, 5), "csrrwi zero, mie, 5"],
      [E.csrr(a0, 0x3b2), "csrrs a0, pmpaddr2, zero"],
      [E.fence(0b0010, 0b0001), "fence r, w"],
      [E.amo("lr", "w", a0, 0, a1, true, false), "lr.w.aq a0, (a1)"],
      [E.amo("amoadd", "d", a0, a2, a1, true, true), "amoadd.d.aqrl a0, a2, (a1)"],
      [E.amo("sc", "w", a3, a4, a5, false, true), "sc.w.rl a3, a4, (a5)"],
      [E.sfence_vma(a0, a1), "sfence.vma a0, a1"],
      [E.c_addi(sp, -16), "c.addi sp, sp, -16"],
      [0x0000, "illegal 0x0000"],
      [0xffffffff, "illegal 0xffffffff"],
    ];
    for (const [w, text] of cases) expect(disasm(w | 0)).toBe(text);
  });

  it("every mnemonic disassembles to a line that starts with it", () => {
    for (const [word, want] of EVERY)
      expect(
        disasm(word)
          .split(" ")[0]!
          .replace(/\.(aq|rl|aqrl)$/, ""),
      ).toBe(want.name);
  });

  it("regName knows x0..x31 and rejects others", () => {
    expect(regName(0)).toBe("zero");
    expect(regName(8)).toBe("s0");
    expect(regName(31)).toBe("t6");
    expect(() => regName(32)).toThrow(RangeError);
  });
});
