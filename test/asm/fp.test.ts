// The assembler's F and D support: every F/D mnemonic and compressed FP form round-trips through
// the CPU's decoder (registers, rs3, offsets, every rounding mode), words checked against GNU as,
// the FP pseudo-instructions, f register and rounding-mode operands and their errors, automatic
// compression of fld/fsd, the builder methods, and the .float/.double directives.

import { describe, expect, test } from "vitest";
import { AsmBuilder, assemble, MNEMONICS } from "../../src/asm/index.js";
import { type Decoded, decode, Machine } from "../../src/cpu/index.js";
import { asmError, hex, textWords, words } from "./helpers.js";

const FREGS = ["ft0", "ft1", "fs0", "fs1", "fa0", "fa5", "fa7", "fs2", "fs11", "ft8", "ft11"];
const FNUM: Record<string, number> = {
  ft0: 0,
  ft1: 1,
  fs0: 8,
  fs1: 9,
  fa0: 10,
  fa5: 15,
  fa7: 17,
  fs2: 18,
  fs11: 27,
  ft8: 28,
  ft11: 31,
};
const XREGS: [string, number][] = [
  ["zero", 0],
  ["ra", 1],
  ["sp", 2],
  ["a0", 10],
  ["s2", 18],
  ["t6", 31],
];
const RMS: [string, number][] = [
  ["rne", 0],
  ["rtz", 1],
  ["rdn", 2],
  ["rup", 3],
  ["rmm", 4],
  ["dyn", 7],
];
const pick = <T>(xs: readonly T[], i: number): T => xs[i % xs.length]!;

/** Operand forms of the F/D mnemonics, written out here from the spec's instruction listings. */
const FORMS: Record<string, string> = {};
const form = (f: string, names: string): void => {
  for (const n of names.split(" ")) FORMS[n] = f;
};
for (const p of ["s", "d"]) {
  form("R4", `fmadd.${p} fmsub.${p} fnmsub.${p} fnmadd.${p}`);
  form("R", `fadd.${p} fsub.${p} fmul.${p} fdiv.${p}`);
  form("RN", `fsgnj.${p} fsgnjn.${p} fsgnjx.${p} fmin.${p} fmax.${p}`);
  form("CMP", `feq.${p} flt.${p} fle.${p}`);
  form("X", `fcvt.w.${p} fcvt.wu.${p} fcvt.l.${p} fcvt.lu.${p}`);
  form("XF", `fcvt.${p}.w fcvt.${p}.wu fcvt.${p}.l fcvt.${p}.lu`);
  form("XN", `fclass.${p}`);
  form("1", `fsqrt.${p}`);
}
form("L", "flw fld");
form("S", "fsw fsd");
form("1", "fcvt.s.d fcvt.d.s");
form("XN", "fmv.x.w fmv.x.d");
form("XFN", "fmv.w.x fmv.d.x");

type Fields = Partial<Pick<Decoded, "rd" | "rs1" | "rs2" | "rs3" | "imm">>;
interface Case {
  src: string;
  name: string;
  cname?: string;
  fields: Fields;
}

/** The rounding mode an instruction gets when none is written (GNU as: dyn; rne for the
 *  conversions that cannot round). */
const defaultRm = (m: string): number => (["fcvt.d.w", "fcvt.d.wu", "fcvt.d.s"].includes(m) ? 0 : 7);

function cases(m: string): Case[] {
  const c = (src: string, fields: Fields): Case => ({ src, name: m, fields });
  const f = (i: number): string => pick(FREGS, i);
  const fn = (i: number): number => FNUM[f(i)]!;
  const out: Case[] = [];
  const withRm = (ops: (i: number) => string, fields: (i: number) => Fields): void => {
    FREGS.forEach((_, i) => {
      out.push(c(`${m} ${ops(i)}`, { ...fields(i), imm: defaultRm(m) }));
    });
    RMS.forEach(([name, rm], i) => {
      out.push(c(`${m} ${ops(i + 3)}, ${name}`, { ...fields(i + 3), imm: rm }));
    });
  };
  switch (FORMS[m]) {
    case "R4":
      withRm(
        (i) => `${f(i)}, ${f(i + 1)}, ${f(i + 2)}, ${f(i + 5)}`,
        (i) => ({ rd: fn(i), rs1: fn(i + 1), rs2: fn(i + 2), rs3: fn(i + 5) }),
      );
      break;
    case "R":
      withRm(
        (i) => `${f(i)}, ${f(i + 1)}, ${f(i + 2)}`,
        (i) => ({ rd: fn(i), rs1: fn(i + 1), rs2: fn(i + 2) }),
      );
      break;
    case "1":
      withRm(
        (i) => `${f(i)}, ${f(i + 4)}`,
        (i) => ({ rd: fn(i), rs1: fn(i + 4) }),
      );
      break;
    case "X":
      withRm(
        (i) => `${pick(XREGS, i)[0]}, ${f(i + 4)}`,
        (i) => ({ rd: pick(XREGS, i)[1], rs1: fn(i + 4) }),
      );
      break;
    case "XF":
      withRm(
        (i) => `${f(i)}, ${pick(XREGS, i + 1)[0]}`,
        (i) => ({ rd: fn(i), rs1: pick(XREGS, i + 1)[1] }),
      );
      break;
    case "RN":
      FREGS.forEach((_, i) => {
        out.push(c(`${m} ${f(i)}, ${f(i + 1)}, ${f(i + 2)}`, { rd: fn(i), rs1: fn(i + 1), rs2: fn(i + 2) }));
      });
      break;
    case "CMP":
      XREGS.forEach(([x, n], i) => {
        out.push(c(`${m} ${x}, ${f(i + 1)}, ${f(i + 2)}`, { rd: n, rs1: fn(i + 1), rs2: fn(i + 2) }));
      });
      break;
    case "XN":
      XREGS.forEach(([x, n], i) => {
        out.push(c(`${m} ${x}, ${f(i + 1)}`, { rd: n, rs1: fn(i + 1) }));
      });
      break;
    case "XFN":
      XREGS.forEach(([x, n], i) => {
        out.push(c(`${m} ${f(i)}, ${x}`, { rd: fn(i), rs1: n }));
      });
      break;
    case "L":
      [-2048, 2047, 0, 8, -1].forEach((imm, i) => {
        const [x, n] = pick(XREGS, i);
        out.push(c(`${m} ${f(i)}, ${imm}(${x})`, { rd: fn(i), rs1: n, imm }));
      });
      break;
    case "S":
      [-2048, 2047, 0, 8, -1].forEach((imm, i) => {
        const [x, n] = pick(XREGS, i);
        out.push(c(`${m} ${f(i)}, ${imm}(${x})`, { rs2: fn(i), rs1: n, imm }));
      });
      break;
    default:
      throw new Error(`no cases for ${m}`);
  }
  return out;
}

const PRIME_F = ["fs0", "fs1", "fa0", "fa1", "fa2", "fa3", "fa4", "fa5"];
const PRIME_X: [string, number][] = [
  ["s0", 8],
  ["s1", 9],
  ["a0", 10],
  ["a5", 15],
];

function casesC(m: string): Case[] {
  const c = (src: string, name: string, fields: Fields): Case => ({ src, name, cname: m, fields });
  switch (m) {
    case "c.fld":
    case "c.fsd":
      return [0, 8, 248, 128, 64].flatMap((imm, i) =>
        PRIME_F.slice(i, i + 3).map((fr, k) => {
          const [x, n] = pick(PRIME_X, i + k);
          const fields: Fields =
            m === "c.fld"
              ? { rd: 8 + PRIME_F.indexOf(fr), rs1: n, imm }
              : { rs2: 8 + PRIME_F.indexOf(fr), rs1: n, imm };
          return c(`${m} ${fr}, ${imm}(${x})`, m === "c.fld" ? "fld" : "fsd", fields);
        }),
      );
    case "c.fldsp":
      return [0, 8, 504, 256, 40].map((imm, i) =>
        c(`${m} ${pick(FREGS, i)}, ${imm}(sp)`, "fld", { rd: FNUM[pick(FREGS, i)]!, rs1: 2, imm }),
      );
    case "c.fsdsp":
      return [0, 8, 504, 256, 40].map((imm, i) =>
        c(`${m} ${pick(FREGS, i)}, ${imm}(sp)`, "fsd", { rs2: FNUM[pick(FREGS, i)]!, rs1: 2, imm }),
      );
    default:
      throw new Error(`no cases for ${m}`);
  }
}

const fpMnemonics = MNEMONICS.filter((m) => m in FORMS);
const fpCompressed = MNEMONICS.filter((m) => m.startsWith("c.f"));

test("the assembler knows every F and D mnemonic the CPU implements, and the compressed FP forms", () => {
  expect(fpMnemonics.length).toBe(Object.keys(FORMS).length);
  expect([...fpCompressed].sort()).toEqual(["c.fld", "c.fldsp", "c.fsd", "c.fsdsp"]);
});

function check(all: Case[], file: string): void {
  const ws = textWords(assemble(all.map((k) => k.src).join("\n"), { file }));
  expect(ws.length).toBe(all.length);
  ws.forEach((w, i) => {
    const k = all[i]!;
    const d = decode(w | 0);
    const got: Record<string, unknown> = { src: k.src, name: d.name, cname: d.cname, len: d.len };
    for (const f of Object.keys(k.fields)) got[f] = d[f as keyof Fields];
    expect(got).toEqual({ src: k.src, name: k.name, cname: k.cname, len: k.cname ? 2 : 4, ...k.fields });
  });
}

describe("F/D mnemonics decode to what was written", () => {
  test.each(fpMnemonics.map((m) => [m]))("%s", (m) => check(cases(m), `${m}.s`));
  test.each(fpCompressed.map((m) => [m]))("%s", (m) => check(casesC(m), `${m}.s`));
});

// Words from GNU as / objdump for rv64gc (the last two compressed: objdump of glibc's
// __sigsetjmp has c.fsd fs0,112(a0) = 0xb920).
const KNOWN: [string, number][] = [
  ["fadd.s fa0, fa0, fa1", 0x00b57553],
  ["fadd.d fa0, fa0, fa1", 0x02b57553],
  ["fcvt.w.d a0, fa0, rtz", 0xc2051553],
  ["fcvt.d.w fa0, a0", 0xd2050553],
  ["fcvt.d.s fa0, fa0", 0x42050553],
  ["fmv.x.d a0, fa0", 0xe2050553],
  ["fmv.d.x fa0, a0", 0xf2050553],
  ["fmv.d fa0, fa0", 0x22a50553],
  ["fld fa0, 0(a0)", 0x00053507],
  ["fsd fs0, 112(a0)", 0x06853827],
];

describe("words GNU as produces", () => {
  test.each(KNOWN)("%s", (src, want) => {
    expect(words(src).map(hex)).toEqual([hex(want)]);
  });
  test("compressed: fsd fs0, 112(a0) is c.fsd (0xb920) with .option rvc", () => {
    expect(words("fsd fs0, 112(a0)", { rvc: true }).map(hex)).toEqual(["0xb920"]);
  });
});

describe("pseudo-instructions", () => {
  const P: [string, string, Fields & { csr?: number }][] = [
    ["fmv.s fa0, fa1", "fsgnj.s", { rd: 10, rs1: 11, rs2: 11 }],
    ["fmv.d ft0, fs11", "fsgnj.d", { rd: 0, rs1: 27, rs2: 27 }],
    ["fneg.s fa0, fa1", "fsgnjn.s", { rd: 10, rs1: 11, rs2: 11 }],
    ["fneg.d fa0, fa1", "fsgnjn.d", { rd: 10, rs1: 11, rs2: 11 }],
    ["fabs.s fa0, fa1", "fsgnjx.s", { rd: 10, rs1: 11, rs2: 11 }],
    ["fabs.d fa0, fa1", "fsgnjx.d", { rd: 10, rs1: 11, rs2: 11 }],
    ["frcsr a0", "csrrs", { rd: 10, rs1: 0, csr: 3 }],
    ["fscsr a0, a1", "csrrw", { rd: 10, rs1: 11, csr: 3 }],
    ["fscsr a1", "csrrw", { rd: 0, rs1: 11, csr: 3 }],
    ["frrm a0", "csrrs", { rd: 10, csr: 2 }],
    ["fsrm a0, a1", "csrrw", { rd: 10, rs1: 11, csr: 2 }],
    ["fsrm a1", "csrrw", { rd: 0, rs1: 11, csr: 2 }],
    ["frflags a0", "csrrs", { rd: 10, csr: 1 }],
    ["fsflags a1", "csrrw", { rd: 0, rs1: 11, csr: 1 }],
    ["fsrmi a0, 1", "csrrwi", { rd: 10, imm: 1, csr: 2 }],
    ["fsrmi 3", "csrrwi", { rd: 0, imm: 3, csr: 2 }],
    ["fsflagsi 0", "csrrwi", { rd: 0, imm: 0, csr: 1 }],
    ["csrr a0, fcsr", "csrrs", { rd: 10, csr: 3 }],
  ];
  test.each(P)("%s is %s", (src, name, fields) => {
    const [w] = words(src);
    const d = decode(w! | 0);
    const got: Record<string, unknown> = { name: d.name };
    for (const f of Object.keys(fields)) got[f] = d[f as keyof Decoded];
    expect(got).toEqual({ name, ...fields });
  });

  test("flw/fsd with a symbol: auipc into the scratch register, then the access", () => {
    const p = assemble("flw ft0, val, t1\nfsd fa0, val, t2\n.data\nval: .word 0", { file: "t.s" });
    const ds = textWords(p).map((w) => decode(w | 0));
    expect(ds.map((d) => [d.name, d.rd, d.rs1, d.rs2])).toEqual([
      ["auipc", 6, 0, 0],
      ["flw", 0, 6, 0],
      ["auipc", 7, 0, 0],
      ["fsd", 0, 7, 10],
    ]);
  });
});

describe("operand errors", () => {
  const E: [string, RegExp][] = [
    ["fadd.s a0, fa1, fa2", /expected an f register, not 'a0'/],
    ["fadd.d fa0, fa1, x5", /expected an f register, not 'x5'/],
    ["fcvt.w.d fa0, fa1", /expected an integer register, not 'fa0'/],
    ["fld fa0, 0(fa1)", /unknown register 'fa1'/],
    ["fmul.d fa0, fa1, fa2, rzz", /expected a rounding mode: rne, rtz, rdn, rup, rmm or dyn/],
    ["fmul.d fa0, fa1, fa2, 3", /expected a rounding mode/],
    ["fsgnj.d fa0, fa1, fa2, rne", /wrong number of operands/],
    ["fsqrt.d fa0", /wrong number of operands/],
    ["c.fld ft0, 8(a0)", /c\.fld needs fs0, fs1 or fa0-fa5 \(f8-f15\) as rd, not 'ft0'/],
    ["c.fsd fa0, 8(t0)", /needs s0, s1 or a0-a5 \(x8-x15\) as rs1/],
    ["c.fldsp fa0, 4(sp)", /multiple of 8/],
    ["fadd.s f32, f0, f1", /unknown f register 'f32'/],
    ["fld fa0, 2048(a0)", /out of range/],
  ];
  test.each(E)("%s", (src, re) => {
    expect(asmError(() => assemble(src, { file: "t.s" }))).toMatch(re);
  });
});

describe("automatic compression (.option rvc)", () => {
  test("fld/fsd take c.fld/c.fsd and c.fldsp/c.fsdsp where they fit; flw/fsw have no RV64 form", () => {
    const src = [
      "fld fs0, 8(a0)",
      "fsd fa5, 248(s1)",
      "fld ft0, 504(sp)",
      "fsd ft11, 0(sp)",
      "fld ft0, 8(a0)", // ft0 is not in f8..f15
      "fsd fa0, 4(sp)", // not a multiple of 8
      "flw fa0, 8(a0)",
      "fsw fa0, 8(a0)",
    ].join("\n");
    const ds = words(src, { rvc: true }).map((w) => decode(w | 0));
    expect(ds.map((d) => d.cname ?? d.name)).toEqual([
      "c.fld",
      "c.fsd",
      "c.fldsp",
      "c.fsdsp",
      "fld",
      "fsd",
      "flw",
      "fsw",
    ]);
  });
});

describe("the builder", () => {
  test("one method per F/D mnemonic, f registers and rounding modes as strings", () => {
    const b = new AsmBuilder();
    b.fadd_d("fa0", "fa1", "fa2", "rtz").fmadd_s("ft0", "ft1", "ft2", "ft3").fld("fs0", 8, "sp");
    b.fcvt_w_d("a0", "fa0", "rmm").fmv_x_w("t0", "fs1").fneg_d("fa0", "fa1").feq_s("a0", "ft0", "ft1");
    const ds = textWords(b.build()).map((w) => decode(w | 0));
    expect(ds.map((d) => [d.name, d.rd, d.rs1, d.rs2, d.rs3, d.imm])).toEqual([
      ["fadd.d", 10, 11, 12, 0, 1],
      ["fmadd.s", 0, 1, 2, 3, 7],
      ["fld", 8, 2, 0, 0, 8],
      ["fcvt.w.d", 10, 10, 0, 0, 4],
      ["fmv.x.w", 5, 9, 0, 0, 0],
      ["fsgnjn.d", 10, 11, 11, 0, 0],
      ["feq.s", 10, 0, 1, 0, 0],
    ]);
  });
});

describe(".float and .double", () => {
  test("decimal literals are rounded to nearest even; signs, exponents, inf and nan", () => {
    const p = assemble(
      ".data\nf: .float 1.5, -0.1, 3e38, 1e39, inf, -nan\nd: .double 0.1, -2.5e-3, 1e308, 1, -0.0, 5e-324",
      { file: "t.s" },
    );
    const data = p.section(".data")!.data;
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const f32 = [0, 1, 2, 3, 4, 5].map((i) => view.getUint32(4 * i, true));
    expect(f32.map((v) => v.toString(16))).toEqual([
      "3fc00000",
      "bdcccccd",
      "7f61b1e6",
      "7f800000", // 1e39 overflows binary32
      "7f800000",
      "ffc00000",
    ]);
    const f64 = [0, 1, 2, 3, 4, 5].map((i) => view.getBigUint64(24 + 8 * i, true));
    expect(f64.map((v) => v.toString(16))).toEqual([
      "3fb999999999999a",
      "bf647ae147ae147b",
      "7fe1ccf385ebc8a0",
      "3ff0000000000000",
      "8000000000000000",
      "1",
    ]);
  });

  test("a float literal is not an integer expression", () => {
    expect(asmError(() => assemble("li a0, 1.5", { file: "t.s" }))).toMatch(/unexpected '1.5'/);
    expect(asmError(() => assemble(".double foo", { file: "t.s" }))).toMatch(
      /expected a floating-point number/,
    );
  });
});

test("an assembled FP program runs: the mean of a table, with fcvt and a comparison", () => {
  const p = assemble(
    `
    .globl _start
_start:
    li t0, 0x2000
    csrs mstatus, t0            # FS = Initial
    la a0, xs
    li a1, 5
    fcvt.d.w fa0, zero
1:  fld ft0, 0(a0)
    fadd.d fa0, fa0, ft0
    addi a0, a0, 8
    addi a1, a1, -1
    bnez a1, 1b
    fcvt.d.w ft1, t0, rne       # any value; the next line overwrites it
    li t1, 5
    fcvt.d.w ft1, t1
    fdiv.d fa0, fa0, ft1
    fcvt.l.d a2, fa0, rtz
    la a3, half
    flw ft2, 0(a3)
    fcvt.d.s ft2, ft2
    flt.d a4, ft2, fa0
    li t0, 0x100000
    li t1, 0x5555
    sw t1, 0(t0)
2:  j 2b
    .data
    .balign 8
xs:   .double 1.5, 2.5, 3.5, 10.25, -2.75
half: .float 0.5
`,
    { file: "mean.s" },
  );
  const m = new Machine({ mem: 1 << 20, console: () => {} });
  m.loadFlat(p.toFlat(), p.base);
  expect(m.run(10_000).exitCode).toBe(0);
  const h = m.harts[0]!;
  expect(h.f[10]).toBe(3);
  expect(h.reg(12)).toBe(3n);
  expect(h.reg(14)).toBe(1n);
});
