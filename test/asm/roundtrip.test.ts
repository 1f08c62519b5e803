// Round trip through the CPU's decoder: assemble every mnemonic and every compressed form with edge
// operands, decode each emitted word with src/cpu's decode, and compare with what was written.

import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { assemble, MNEMONICS, regName } from "../../src/asm/index.js";
import { type Decoded, decode } from "../../src/cpu/index.js";
import { textWords } from "./helpers.js";

type Fields = Partial<Pick<Decoded, "rd" | "rs1" | "rs2" | "imm" | "csr" | "aq" | "rl" | "pred" | "succ">>;
/** A statement and what its (single) instruction must decode to. */
interface Case {
  src: string;
  name: string;
  cname?: string;
  fields: Fields;
}

/** Low registers by ABI name, high ones as xN: both spellings go through the round trip. */
const X = (n: number): string => (n < 16 ? regName(n) : `x${n}`);
/** Register choices for a 5-bit field: both ends, sp, and a spread in between. */
const FULL = [0, 1, 2, 8, 10, 15, 16, 23, 31];
const NONZERO = FULL.filter((r) => r !== 0);
/** Every register a 3-bit RVC field can name. */
const PRIME = [8, 9, 10, 11, 12, 13, 14, 15];
const pick = <T>(xs: readonly T[], i: number): T => xs[i % xs.length]!;
/** min, max, 0 (if allowed), and a few values in between, all multiples of `step`. */
function edges(min: number, max: number, step = 1, nonzero = false): number[] {
  const mid = [step, -step, Math.trunc((min + max) / 2 / step) * step, Math.trunc(max / 3 / step) * step];
  return [...new Set([min, max, 0, ...mid])].filter((v) => v >= min && v <= max && !(nonzero && v === 0));
}
const sext32 = (v: number): number => v | 0;

/** Cases for 32-bit mnemonic `m` (or an .aq/.rl/.aqrl variant) by its operand form. */
function cases32(m: string): Case[] {
  const base = m.replace(/\.(aq|rl|aqrl)$/, "");
  const order = m.slice(base.length);
  const c = (src: string, fields: Fields): Case => ({ src, name: base, fields });
  const regs3 = FULL.map((r, i) => [r, pick(FULL, i + 3), pick(FULL, i + 5)] as const);
  const withImm = (imms: number[]) => imms.map((imm, i) => [pick(FULL, i), pick(FULL, i + 4), imm] as const);
  switch (FORMS[base]) {
    case "R":
      return regs3.map(([d, s, t]) => c(`${m} ${X(d)}, ${X(s)}, ${X(t)}`, { rd: d, rs1: s, rs2: t }));
    case "I":
      return withImm(edges(-2048, 2047)).map(([d, s, i]) =>
        c(`${m} ${X(d)}, ${X(s)}, ${i}`, { rd: d, rs1: s, imm: i }),
      );
    case "SH6":
    case "SH5": {
      const max = FORMS[base] === "SH6" ? 63 : 31;
      return withImm(edges(0, max)).map(([d, s, i]) =>
        c(`${m} ${X(d)}, ${X(s)}, ${i}`, { rd: d, rs1: s, imm: i }),
      );
    }
    case "L":
      return withImm(edges(-2048, 2047)).map(([d, s, i]) =>
        c(`${m} ${X(d)}, ${i}(${X(s)})`, { rd: d, rs1: s, imm: i }),
      );
    case "JALR":
      return withImm(edges(-2048, 2047)).map(([d, s, i]) =>
        c(`${m} ${X(d)}, ${i}(${X(s)})`, { rd: d, rs1: s, imm: i }),
      );
    case "S":
      return withImm(edges(-2048, 2047)).map(([t, s, i]) =>
        c(`${m} ${X(t)}, ${i}(${X(s)})`, { rs1: s, rs2: t, imm: i }),
      );
    case "B":
      return withImm(edges(-4096, 4094, 2)).map(([s, t, i]) =>
        c(`${m} ${X(s)}, ${X(t)}, .${i < 0 ? "" : "+"}${i}`, { rs1: s, rs2: t, imm: i }),
      );
    case "U":
      return withImm(edges(0, 0xfffff)).map(([d, , i]) =>
        c(`${m} ${X(d)}, ${i}`, { rd: d, imm: sext32(i << 12) }),
      );
    case "J":
      return withImm(edges(-(1 << 20), (1 << 20) - 2, 2)).map(([d, , i]) =>
        c(`${m} ${X(d)}, .${i < 0 ? "" : "+"}${i}`, { rd: d, imm: i }),
      );
    case "CSR":
      return [0, 0x300, 0xfff, 0x7c0, 0xc00].map((csr, i) => {
        const [d, s] = [pick(FULL, i), pick(FULL, i + 2)];
        return c(`${m} ${X(d)}, ${csr}, ${X(s)}`, { rd: d, rs1: s, csr });
      });
    case "CSRI":
      return edges(0, 31).map((imm, i) => {
        const [d, csr] = [pick(FULL, i), pick([0x300, 0xfff, 0, 0x141], i)];
        return c(`${m} ${X(d)}, ${csr}, ${imm}`, { rd: d, csr, imm });
      });
    case "FENCE": {
      const sets = ["i", "o", "r", "w", "iorw", "rw", "ow", "ir"];
      const bits = (s: string) => [..."iorw"].reduce((a, ch, i) => a | (s.includes(ch) ? 8 >> i : 0), 0);
      return sets.map((p, i) =>
        c(`${m} ${p}, ${pick(sets, i + 3)}`, { pred: bits(p), succ: bits(pick(sets, i + 3)) }),
      );
    }
    case "NONE":
      return [c(m, {})];
    case "LR": {
      const [aq, rl] = [order === ".aq" || order === ".aqrl", order === ".rl" || order === ".aqrl"];
      return FULL.map((d, i) =>
        c(`${m} ${X(d)}, (${X(pick(FULL, i + 2))})`, { rd: d, rs1: pick(FULL, i + 2), aq, rl }),
      );
    }
    case "AMO": {
      const [aq, rl] = [order === ".aq" || order === ".aqrl", order === ".rl" || order === ".aqrl"];
      return regs3.map(([d, s, t]) =>
        c(`${m} ${X(d)}, ${X(t)}, (${X(s)})`, { rd: d, rs1: s, rs2: t, aq, rl }),
      );
    }
    case "SFENCE":
      return FULL.map((s, i) =>
        c(`${m} ${X(s)}, ${X(pick(FULL, i + 1))}`, { rs1: s, rs2: pick(FULL, i + 1) }),
      );
    default:
      throw new Error(`no cases for ${m}`);
  }
}

/** Operand forms of the 32-bit mnemonics, written out here independently of the assembler's table. */
const FORMS: Record<string, string> = {};
const form = (f: string, names: string) => {
  for (const n of names.split(" ")) FORMS[n] = f;
};
form("R", "add sub sll slt sltu xor srl sra or and addw subw sllw srlw sraw");
form("R", "mul mulh mulhsu mulhu div divu rem remu mulw divw divuw remw remuw");
form("I", "addi slti sltiu xori ori andi addiw");
form("SH6", "slli srli srai");
form("SH5", "slliw srliw sraiw");
form("L", "lb lh lw ld lbu lhu lwu");
form("S", "sb sh sw sd");
form("B", "beq bne blt bge bltu bgeu");
form("U", "lui auipc");
form("J", "jal");
form("JALR", "jalr");
form("CSR", "csrrw csrrs csrrc");
form("CSRI", "csrrwi csrrsi csrrci");
form("FENCE", "fence");
form("NONE", "ecall ebreak fence.i mret sret wfi");
form("LR", "lr.w lr.d");
form("AMO", "sc.w amoswap.w amoadd.w amoxor.w amoand.w amoor.w amomin.w amomax.w amominu.w amomaxu.w");
form("AMO", "sc.d amoswap.d amoadd.d amoxor.d amoand.d amoor.d amomin.d amomax.d amominu.d amomaxu.d");
form("SFENCE", "sfence.vma");

/** Cases for compressed mnemonic `m`: its operands, its expansion's name and fields. */
function casesC(m: string): Case[] {
  const c = (src: string, name: string, fields: Fields): Case => ({ src, name, cname: m, fields });
  const twoPrime = PRIME.map((r, i) => [r, pick(PRIME, i + 3)] as const);
  const ci = (name: string, imms: number[], regs: number[]) =>
    imms.flatMap((imm, i) =>
      [pick(regs, i), pick(regs, i + 5)].map((r) => c(`${m} ${X(r)}, ${imm}`, name, { rd: r, rs1: r, imm })),
    );
  switch (m) {
    case "c.addi4spn":
      return edges(4, 1020, 4, true).flatMap((imm, i) =>
        [pick(PRIME, i), pick(PRIME, i + 4)].map((r) =>
          c(`${m} ${X(r)}, sp, ${imm}`, "addi", { rd: r, rs1: 2, imm }),
        ),
      );
    case "c.lw":
    case "c.ld": {
      const [name, max, step] = m === "c.lw" ? ["lw", 124, 4] : ["ld", 248, 8];
      return edges(0, max, step).flatMap((imm, i) =>
        twoPrime
          .slice(i % 4, (i % 4) + 3)
          .map(([d, s]) => c(`${m} ${X(d)}, ${imm}(${X(s)})`, name as string, { rd: d, rs1: s, imm })),
      );
    }
    case "c.sw":
    case "c.sd": {
      const [name, max, step] = m === "c.sw" ? ["sw", 124, 4] : ["sd", 248, 8];
      return edges(0, max, step).flatMap((imm, i) =>
        twoPrime
          .slice(i % 4, (i % 4) + 3)
          .map(([t, s]) => c(`${m} ${X(t)}, ${imm}(${X(s)})`, name as string, { rs1: s, rs2: t, imm })),
      );
    }
    case "c.nop":
      return [c(m, "addi", { rd: 0, rs1: 0, imm: 0 })];
    case "c.ebreak":
      return [c(m, "ebreak", {})];
    case "c.addi":
      return ci("addi", edges(-32, 31, 1, true), NONZERO);
    case "c.addiw":
      return ci("addiw", edges(-32, 31), NONZERO);
    case "c.li":
      return edges(-32, 31).map((imm, i) =>
        c(`${m} ${X(pick(NONZERO, i))}, ${imm}`, "addi", { rd: pick(NONZERO, i), rs1: 0, imm }),
      );
    case "c.addi16sp":
      return edges(-512, 496, 16, true).map((imm) => c(`${m} sp, ${imm}`, "addi", { rd: 2, rs1: 2, imm }));
    case "c.lui":
      return [1, 31, 0xfffe0, 0xfffff, 17].map((imm, i) => {
        const rd = pick(
          NONZERO.filter((r) => r !== 2),
          i,
        );
        return c(`${m} ${X(rd)}, ${imm}`, "lui", {
          rd,
          imm: sext32((imm >= 0x80000 ? imm - 0x100000 : imm) << 12),
        });
      });
    case "c.srli":
    case "c.srai":
      return ci(m.slice(2), edges(1, 63), PRIME);
    case "c.andi":
      return ci("andi", edges(-32, 31), PRIME);
    case "c.slli":
      return ci("slli", edges(1, 63), NONZERO);
    case "c.sub":
    case "c.xor":
    case "c.or":
    case "c.and":
    case "c.subw":
    case "c.addw":
      return twoPrime.map(([d, s]) => c(`${m} ${X(d)}, ${X(s)}`, m.slice(2), { rd: d, rs1: d, rs2: s }));
    case "c.j":
      return edges(-2048, 2046, 2).map((imm) =>
        c(`${m} .${imm < 0 ? "" : "+"}${imm}`, "jal", { rd: 0, imm }),
      );
    case "c.beqz":
    case "c.bnez":
      return edges(-256, 254, 2).flatMap((imm, i) =>
        [pick(PRIME, i), pick(PRIME, i + 4)].map((r) =>
          c(`${m} ${X(r)}, .${imm < 0 ? "" : "+"}${imm}`, m === "c.beqz" ? "beq" : "bne", {
            rs1: r,
            rs2: 0,
            imm,
          }),
        ),
      );
    case "c.lwsp":
    case "c.ldsp": {
      const [name, max, step] = m === "c.lwsp" ? ["lw", 252, 4] : ["ld", 504, 8];
      return edges(0, max, step).map((imm, i) =>
        c(`${m} ${X(pick(NONZERO, i))}, ${imm}(sp)`, name as string, { rd: pick(NONZERO, i), rs1: 2, imm }),
      );
    }
    case "c.swsp":
    case "c.sdsp": {
      const [name, max, step] = m === "c.swsp" ? ["sw", 252, 4] : ["sd", 504, 8];
      return edges(0, max, step).map((imm, i) =>
        c(`${m} ${X(pick(FULL, i))}, ${imm}(sp)`, name as string, { rs1: 2, rs2: pick(FULL, i), imm }),
      );
    }
    case "c.jr":
      return NONZERO.map((r) => c(`${m} ${X(r)}`, "jalr", { rd: 0, rs1: r, imm: 0 }));
    case "c.jalr":
      return NONZERO.map((r) => c(`${m} ${X(r)}`, "jalr", { rd: 1, rs1: r, imm: 0 }));
    case "c.mv":
      return NONZERO.map((r, i) =>
        c(`${m} ${X(r)}, ${X(pick(NONZERO, i + 2))}`, "add", { rd: r, rs1: 0, rs2: pick(NONZERO, i + 2) }),
      );
    case "c.add":
      return NONZERO.map((r, i) =>
        c(`${m} ${X(r)}, ${X(pick(NONZERO, i + 2))}`, "add", { rd: r, rs1: r, rs2: pick(NONZERO, i + 2) }),
      );
    default:
      throw new Error(`no cases for ${m}`);
  }
}

/** The decoded fields a case checks. */
function decodedFields(d: Decoded, fields: Fields): Fields {
  return Object.fromEntries(Object.keys(fields).map((k) => [k, d[k as keyof Fields]]));
}

const realMnemonics = MNEMONICS.filter((m) => m in FORMS || m.replace(/\.(aq|rl|aqrl)$/, "") in FORMS);
// The F/D forms (c.fld, c.fsd, c.fldsp, c.fsdsp) have their round trips in fp.test.ts.
const compressedMnemonics = MNEMONICS.filter((m) => m.startsWith("c.") && !m.startsWith("c.f"));

test("the test knows every real mnemonic of the assembler", () => {
  const pseudo = new Set(
    MNEMONICS.filter(
      (m) => !realMnemonics.includes(m) && !compressedMnemonics.includes(m) && !m.startsWith("c.f"),
    ),
  );
  for (const p of pseudo)
    expect(["li", "la", "lla", "call", "tail"].includes(p) || !/^(c\.|amo|lr\.|sc\.)/.test(p), p).toBe(true);
  const rv64c =
    "c.addi4spn c.ld c.lw c.sd c.sw c.nop c.addi c.addiw c.li c.addi16sp c.lui c.srli c.srai c.andi c.sub c.xor " +
    "c.or c.and c.subw c.addw c.j c.beqz c.bnez c.slli c.ldsp c.lwsp c.jr c.mv c.ebreak c.jalr c.add c.sdsp c.swsp";
  expect([...compressedMnemonics].sort()).toEqual(rv64c.split(" ").sort());
  expect(realMnemonics.length).toBe(98 + 3 * 22);
});

describe.each([
  ["32-bit", realMnemonics, cases32],
  ["compressed", compressedMnemonics, casesC],
] as const)("%s mnemonics decode to what was written", (_kind, mnemonics, gen) => {
  test.each(mnemonics.map((m) => [m]))("%s", (m) => {
    const cases = gen(m);
    expect(cases.length).toBeGreaterThan(0);
    const p = assemble(cases.map((k) => k.src).join("\n"), { file: `${m}.s` });
    const ws = textWords(p);
    expect(ws.length).toBe(cases.length);
    ws.forEach((w, i) => {
      const k = cases[i]!;
      const d = decode(w);
      const want = { src: k.src, name: k.name, cname: k.cname, len: k.cname ? 2 : 4, ...k.fields };
      expect({ src: k.src, name: d.name, cname: d.cname, len: d.len, ...decodedFields(d, k.fields) }).toEqual(
        want,
      );
    });
  });
});

/** Pseudo-instructions and what their expansion decodes to. */
const PSEUDO: [string, string, Fields][] = [
  ["nop", "addi", { rd: 0, rs1: 0, imm: 0 }],
  ["mv a0, a1", "addi", { rd: 10, rs1: 11, imm: 0 }],
  ["not t0, t1", "xori", { rd: 5, rs1: 6, imm: -1 }],
  ["neg a0, s11", "sub", { rd: 10, rs1: 0, rs2: 27 }],
  ["negw a0, s11", "subw", { rd: 10, rs1: 0, rs2: 27 }],
  ["sext.w a0, a2", "addiw", { rd: 10, rs1: 12, imm: 0 }],
  ["seqz a0, a2", "sltiu", { rd: 10, rs1: 12, imm: 1 }],
  ["snez a0, a2", "sltu", { rd: 10, rs1: 0, rs2: 12 }],
  ["sltz a0, a2", "slt", { rd: 10, rs1: 12, rs2: 0 }],
  ["sgtz a0, a2", "slt", { rd: 10, rs1: 0, rs2: 12 }],
  ["beqz a0, .+8", "beq", { rs1: 10, rs2: 0, imm: 8 }],
  ["bnez a0, .-8", "bne", { rs1: 10, rs2: 0, imm: -8 }],
  ["blez a0, .+8", "bge", { rs1: 0, rs2: 10, imm: 8 }],
  ["bgez a0, .+8", "bge", { rs1: 10, rs2: 0, imm: 8 }],
  ["bltz a0, .+8", "blt", { rs1: 10, rs2: 0, imm: 8 }],
  ["bgtz a0, .+8", "blt", { rs1: 0, rs2: 10, imm: 8 }],
  ["bgt a0, a1, .+8", "blt", { rs1: 11, rs2: 10, imm: 8 }],
  ["ble a0, a1, .+8", "bge", { rs1: 11, rs2: 10, imm: 8 }],
  ["bgtu a0, a1, .+8", "bltu", { rs1: 11, rs2: 10, imm: 8 }],
  ["bleu a0, a1, .+8", "bgeu", { rs1: 11, rs2: 10, imm: 8 }],
  ["j .-4", "jal", { rd: 0, imm: -4 }],
  ["jal .+16", "jal", { rd: 1, imm: 16 }],
  ["jr t0", "jalr", { rd: 0, rs1: 5, imm: 0 }],
  ["jalr t0", "jalr", { rd: 1, rs1: 5, imm: 0 }],
  ["ret", "jalr", { rd: 0, rs1: 1, imm: 0 }],
  ["csrr a0, mhartid", "csrrs", { rd: 10, rs1: 0, csr: 0xf14 }],
  ["csrw satp, a0", "csrrw", { rd: 0, rs1: 10, csr: 0x180 }],
  ["csrs mstatus, a0", "csrrs", { rd: 0, rs1: 10, csr: 0x300 }],
  ["csrc mstatus, a0", "csrrc", { rd: 0, rs1: 10, csr: 0x300 }],
  ["csrwi mie, 5", "csrrwi", { rd: 0, csr: 0x304, imm: 5 }],
  ["csrsi mie, 5", "csrrsi", { rd: 0, csr: 0x304, imm: 5 }],
  ["csrci mie, 5", "csrrci", { rd: 0, csr: 0x304, imm: 5 }],
  ["rdcycle a0", "csrrs", { rd: 10, csr: 0xc00 }],
  ["rdtime a0", "csrrs", { rd: 10, csr: 0xc01 }],
  ["rdinstret a0", "csrrs", { rd: 10, csr: 0xc02 }],
  ["fence", "fence", { pred: 15, succ: 15 }],
  ["li a0, -2048", "addi", { rd: 10, rs1: 0, imm: -2048 }],
];

test.each(PSEUDO)("pseudo %s decodes as %s", (src, name, fields) => {
  const [w] = textWords(assemble(src));
  const d = decode(w!);
  expect({ name: d.name, ...decodedFields(d, fields) }).toEqual({ name, ...fields });
});

/** Decoded meaning of an instruction, with the equivalences compression relies on folded. */
function meaning(d: Decoded): string {
  let { name, rd, rs1, rs2, imm } = d;
  if (["add", "and", "or", "xor", "addw"].includes(name) && rs1 > rs2) [rs1, rs2] = [rs2, rs1];
  if (name === "add" && rs1 === 0) [name, rs1, rs2, imm] = ["addi", rs2, 0, 0]; // c.mv
  return JSON.stringify([name, rd, rs1, rs2, imm, d.csr]);
}

test("automatic compression keeps every instruction's meaning (property)", () => {
  const reg = fc.constantFrom(...FULL, ...PRIME);
  const insn = fc.oneof(
    fc
      .tuple(fc.constantFrom("addi", "addiw", "andi"), reg, reg, fc.integer({ min: -40, max: 40 }))
      .map(([m, d, s, i]) => `${m} ${X(d)}, ${X(s)}, ${i}`),
    fc
      .tuple(fc.constantFrom("addi"), reg, fc.integer({ min: -600, max: 1100 }))
      .map(([m, d, i]) => `${m} ${X(d)}, sp, ${i & ~3}`),
    fc
      .tuple(fc.constantFrom("slli", "srli", "srai"), reg, reg, fc.integer({ min: 0, max: 63 }))
      .map(([m, d, s, i]) => `${m} ${X(d)}, ${X(s)}, ${i}`),
    fc
      .tuple(fc.constantFrom("add", "sub", "and", "or", "xor", "addw", "subw"), reg, reg, reg)
      .map(([m, d, s, t]) => `${m} ${X(d)}, ${X(s)}, ${X(t)}`),
    fc
      .tuple(fc.constantFrom("lw", "ld", "sw", "sd"), reg, reg, fc.integer({ min: -8, max: 520 }))
      .map(([m, d, s, i]) => `${m} ${X(d)}, ${i}(${X(s)})`),
    fc
      .tuple(reg, fc.integer({ min: 0, max: 0xfffff }))
      .map(([d, i]) => `lui ${X(d)}, ${i < 0x80000 ? i % 40 : 0xfffff - (i % 40)}`),
    fc
      .tuple(fc.constantFrom(0, 1, 5), reg, fc.constantFrom(0, 4))
      .map(([d, s, i]) => `jalr ${X(d)}, ${i}(${X(s)})`),
    fc.constantFrom("ebreak", "nop", "ecall"),
  );
  fc.assert(
    fc.property(insn, (src) => {
      const [plain] = textWords(assemble(src));
      const [packed] = textWords(assemble(src, { rvc: true }));
      expect(meaning(decode(packed!)), src).toBe(meaning(decode(plain!)));
    }),
    { numRuns: 2000, seed: 20261126 },
  );
});
