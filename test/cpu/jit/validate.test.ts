// Every module the translator generates is valid WebAssembly (issue 12: "emitter tests that
// validate every generated module"): the modules compiled while guests with integer, M, F/D, A,
// CSR, load/store and branch code run translated (bare and paged, on two TLB presets) are taken
// as they reach `new WebAssembly.Module`, and each passes WebAssembly.validate; each region's
// --dump-jit text is a module with its run function; a region imports no function.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Machine, PRIV_S } from "../../../src/cpu/index.js";
import { attachJit, type RegionDump } from "../../../src/cpu/jit/index.js";
import { PASS, runAsm } from "../../helpers/asm.js";
import { expectSameRuns } from "../../helpers/jitdiff.js";
import { runPagedGuest, stridedIncrement } from "../../helpers/paged.js";

/** The bytes of every module compiled while a test runs. */
let compiled: Uint8Array<ArrayBuffer>[] = [];
const Original = WebAssembly.Module;

beforeEach(() => {
  compiled = [];
  class Recorded extends Original {
    constructor(bytes: BufferSource) {
      const b =
        bytes instanceof ArrayBuffer
          ? new Uint8Array(bytes)
          : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      compiled.push(b.slice());
      super(bytes);
    }
  }
  WebAssembly.Module = Recorded;
});
afterEach(() => {
  WebAssembly.Module = Original;
});

/** A loop of every kind of op the translator emits or calls out for. */
const MIXED = `
    .globl _start
_start:
    li t0, 0x6000
    csrs mstatus, t0
    la s1, buf
    li s0, 3000
    li a0, 7
    fcvt.d.l f1, a0
1:  addi a0, a0, 13
    mul a1, a0, a0
    mulh a2, a1, a0
    div a3, a1, a0
    remuw a4, a1, a0
    sd a1, 0(s1)
    lw a5, 4(s1)
    lbu a6, 1(s1)
    sh a6, 10(s1)
    amoadd.d a7, a0, (s1)
    lr.w t1, (s1)
    sc.w t2, a0, (s1)
    fcvt.d.l f2, a0
    fmul.d f3, f2, f1
    fadd.d f1, f1, f3
    fclass.d t3, f1
    frflags t4
    csrr t5, minstret
    blt a0, a1, 2f
    addi a0, a0, 1
2:  addi s0, s0, -1
    bnez s0, 1b
${PASS}
    .data
    .balign 4096
buf: .zero 64
`;

/** Expect every module compiled valid, and each region's dump a module. */
function expectValid(dumps: RegionDump[]): void {
  expect(compiled.length).toBeGreaterThan(0);
  for (const b of compiled) expect(WebAssembly.validate(b)).toBe(true);
  // (the interpreter's warm-up translates a loop of its own on first use, without a dump)
  expect(dumps.length).toBeGreaterThan(0);
  expect(compiled.length).toBeGreaterThanOrEqual(dumps.length);
  for (const d of dumps) {
    expect(d.wat).toMatch(/^\(module/);
    expect(d.wat).toMatch(/\(export "run" \(func/);
  }
}

/** Expect the region modules compiled (those exporting run) to import no function: their calls
 *  out go through the imported table env.calls (region.ts CALL_SLOTS), so V8 compiles no import
 *  wrapper for each of them. */
function expectNoFunctionImports(): void {
  const regions = compiled
    .map((b) => new Original(b))
    .filter((m) => WebAssembly.Module.exports(m).some((e) => e.name === "run"));
  expect(regions.length).toBeGreaterThan(0);
  for (const m of regions) {
    const imports = WebAssembly.Module.imports(m).map((i) => `${i.module}.${i.name}:${i.kind}`);
    expect(imports.sort()).toEqual(["env.calls:table", "env.mem:memory"]);
  }
}

describe("translator: every generated module validates", () => {
  it("bare: integer, M, A, F/D, CSR, load/store and branch code, plain and compressed", () => {
    const dumps: RegionDump[] = [];
    for (const rvc of [false, true]) {
      const r = runAsm(MIXED, {
        rvc,
        setup: (m) => void attachJit(m, { hot: 64, keepAll: true, dump: (d) => dumps.push(d) }),
      });
      expect(r.result.exitCode).toBe(0);
    }
    expectValid(dumps);
    expectNoFunctionImports();
  });

  it("paged: loads and stores with the inline TLB accounting, two TLB presets", () => {
    const dumps: RegionDump[] = [];
    for (const tlb of ["skylake", "tiny"]) {
      const g = runPagedGuest({
        tlb,
        source: stridedIncrement(20000, 4104, 1 << 16),
        dataBytes: 1 << 16,
        host: true,
        priv: PRIV_S,
        setup: (h) => {
          if (!(h.host instanceof Machine)) throw new Error("test: the hart's host is no Machine");
          attachJit(h.host, { hot: 64, dump: (d) => dumps.push(d) });
        },
      });
      expect(g.res.exitCode).toBe(0);
      expect(g.m.jit).not.toBeNull();
    }
    expectValid(dumps);
    expectNoFunctionImports();
    // a site's stamp is clk + f64(n + rel) (region.ts stampAt): no f64 local of the block's clock
    // (TurboFan computed it again in each site's hit arm anyway; per block it cost Liftoff's code)
    // and the x registers are read and written at constant addresses (region.ts loadX): no i32
    // local holding the x array's offset
    for (const d of dumps) {
      expect(d.wat).not.toMatch(/\(local \$\w+ f64\)/);
      expect(d.wat).not.toMatch(/\(local \$xbase i32\)/);
      expect(d.wat).toMatch(/i32\.const 0\s+i64\.load offset=\d+/);
    }
  });

  it("folds x0 and zero immediates: mv, li, sext.w, shifts by 0, an access at offset 0 add no zero", () => {
    // (each of these was an op with a constant 0 in the module: TurboFan folded it, Liftoff's
    // code and the module's bytes had it; region.ts identity())
    const src = `
    .globl _start
_start:
    la s0, buf
    li s1, 3000
1:  mv a1, a0
    li a2, -5
    sext.w a3, a1
    addi a4, a2, 0
    slli a5, a3, 0
    srliw a6, a3, 0
    xor a7, x0, a2
    sub t1, a1, x0
    or t2, a4, x0
    ld t0, 0(s0)
    add t0, t0, a1
    sd t0, 0(s0)
    add a0, a0, s1
    sub a0, x0, a0
    addi s1, s1, -1
    bnez s1, 1b
${PASS}
    .data
    .balign 8
buf: .dword 7`;
    const dumps: RegionDump[] = [];
    const { executed } = expectSameRuns((j) =>
      runAsm(src, j ? { setup: (m) => void attachJit(m, { hot: 64, dump: (d) => dumps.push(d) }) } : {}),
    );
    expect(executed).toBeGreaterThan(40_000);
    expectValid(dumps);
    for (const d of dumps) {
      expect(d.wat).not.toMatch(/i64\.const 0\s+i64\.(add|or|xor|sub|shl|shr_u)\b/);
      expect(d.wat).not.toMatch(/i32\.const 0\s+i32\.(add|shr_u)\b/);
    }
  });
});
