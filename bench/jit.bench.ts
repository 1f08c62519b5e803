// The translator's foundation, measured:
//   jit/alu   a guest loop (the add/xor/shift chain of regrepr.bench.ts: 10 RV64 instructions
//             a pass) as WebAssembly emitted by src/cpu/jit with the registers as i64 locals,
//             against the same loop as straight-line JavaScript on (lo, hi) int32 pairs in
//             locals (generated from the same guest instruction list). Both load the registers
//             from memory, loop, and write them back, as a translated region does; arithmetic
//             only (no loads, stores or dispatch in the loop).
//   jit/alu2  two independent copies of the chain interleaved: the chain above is one long
//             dependency chain, which bounds the wasm figure; this one shows more of the gap.
//   jit/emit  the emitter's throughput on a typical region: a 200-odd-instruction function
//             (prologue loads, i64 arithmetic on locals, a loop and a side exit, write-back),
//             emitted and encoded into a module; and the same followed by V8's compile
//             (new WebAssembly.Module), which the translator pays too.
// Every variant is checked to compute the same registers before it is timed.

import { I32, I64, ModuleBuilder, Op } from "../src/cpu/jit/index.js";
import { type BenchSuite, makeSuite, type SuiteFactory, type SuiteOptions } from "./harness.js";

const PASSES = 100_000;

/** A guest instruction of the loops: [op, rd, rs1, rs2 or immediate]. */
type GuestOp = [op: "add" | "xor" | "slli" | "srli" | "addi", rd: number, rs1: number, src: number];

/** The chain of regrepr.bench.ts: x5, x6 evolve through one dependent chain. */
const CHAIN: GuestOp[] = [
  ["add", 5, 5, 6],
  ["xor", 6, 6, 5],
  ["slli", 7, 5, 13],
  ["xor", 5, 5, 7],
  ["srli", 7, 5, 7],
  ["xor", 5, 5, 7],
  ["slli", 7, 6, 37],
  ["add", 6, 6, 7],
];

/** Two independent copies of the chain, interleaved (x5-x7 and x10-x12): more work per pass
 *  that the CPU can overlap. */
const TWO_CHAINS: GuestOp[] = CHAIN.flatMap((g) => [
  g,
  [g[0], g[1] + 5, g[2] + 5, g[0].endsWith("i") ? g[3] : g[3] + 5],
]);

/** Every loop ends with addi x8, x8, 1; bltu x8, x9, loop. */
const COUNTER = 8;
const LIMIT = 9;

/** Registers a loop reads or writes, with the counter and the limit. */
function registers(ops: GuestOp[]): number[] {
  const r = new Set<number>([COUNTER, LIMIT]);
  for (const [op, rd, rs1, src] of ops) {
    r.add(rd).add(rs1);
    if (op === "add" || op === "xor") r.add(src);
  }
  return [...r].sort((a, b) => a - b);
}

/** The loop as a wasm function over registers at 8 * r in the imported memory: registers loaded
 *  into i64 locals, the loop, registers written back (a translated region's shape). */
function wasmLoop(ops: GuestOp[], memory: WebAssembly.Memory): () => number {
  const m = new ModuleBuilder();
  m.importMemory({ module: "hart", name: "x" }, { min: 1 });
  const f = m.func("loop", [], [I32]);
  const regs = registers(ops);
  const loc: Record<number, number> = {};
  for (const r of regs) {
    loc[r] = f.local(I64, `x${r}`);
    f.i32Const(0)
      .load(Op.i64_load, 8 * r)
      .localSet(loc[r]!);
  }
  const WASM = { add: Op.i64_add, xor: Op.i64_xor, slli: Op.i64_shl, srli: Op.i64_shr_u, addi: Op.i64_add };
  const top = f.loop();
  for (const [op, rd, rs1, src] of [...ops, ["addi", COUNTER, COUNTER, 1] as GuestOp]) {
    f.localGet(loc[rs1]!);
    if (op === "add" || op === "xor") f.localGet(loc[src]!);
    else f.i64Const(src, src >> 31);
    f.op(WASM[op]).localSet(loc[rd]!);
  }
  f.localGet(loc[COUNTER]!).localGet(loc[LIMIT]!).op(Op.i64_lt_u).brIf(top);
  f.end();
  for (const r of regs)
    f.i32Const(0)
      .localGet(loc[r]!)
      .store(Op.i64_store, 8 * r);
  f.i32Const(0);
  m.export("loop", "func", f.index);
  const inst = new WebAssembly.Instance(m.compile(), { hart: { x: memory } });
  return inst.exports.loop as () => number;
}

/** The loop as straight-line JavaScript on (lo, hi) int32 pairs held in locals, register r at
 *  x[2r] (low) and x[2r + 1] (high) of an Int32Array: what a JS translator would generate. */
function jsLoop(ops: GuestOp[]): (x: Int32Array) => number {
  const add = (d: number, a: string, al: string, ah: string): string =>
    `t = (r${a}l + ${al}) | 0; r${d}h = (r${a}h + ${ah} + (t >>> 0 < r${a}l >>> 0 ? 1 : 0)) | 0; r${d}l = t;`;
  const body = [...ops, ["addi", COUNTER, COUNTER, 1] as GuestOp].map(([op, d, a, s]) => {
    switch (op) {
      case "add":
        return add(d, String(a), `r${s}l`, `r${s}h`);
      case "addi":
        return add(d, String(a), String(s | 0), String(s >> 31));
      case "xor":
        return `r${d}l = r${a}l ^ r${s}l; r${d}h = r${a}h ^ r${s}h;`;
      case "slli":
        return s >= 32
          ? `r${d}h = r${a}l << ${s - 32}; r${d}l = 0;`
          : `r${d}h = (r${a}h << ${s}) | (r${a}l >>> ${32 - s}); r${d}l = r${a}l << ${s};`;
      default:
        return s >= 32
          ? `r${d}l = r${a}h >>> ${s - 32}; r${d}h = 0;`
          : `r${d}l = (r${a}l >>> ${s}) | (r${a}h << ${32 - s}); r${d}h = r${a}h >>> ${s};`;
    }
  });
  const regs = registers(ops);
  const src = [
    "let t = 0;",
    ...regs.map((r) => `let r${r}l = x[${2 * r}] | 0, r${r}h = x[${2 * r + 1}] | 0;`),
    "for (;;) {",
    ...body,
    `if (!(r${COUNTER}h >>> 0 < r${LIMIT}h >>> 0 || (r${COUNTER}h === r${LIMIT}h && r${COUNTER}l >>> 0 < r${LIMIT}l >>> 0))) break;`,
    "}",
    ...regs.map((r) => `x[${2 * r}] = r${r}l; x[${2 * r + 1}] = r${r}h;`),
    "return 0;",
  ].join("\n");
  return new Function("x", src) as (x: Int32Array) => number;
}

/** Initial registers: seeded values, the counter at 0 and the limit at PASSES. */
function setRegs(x: BigUint64Array, ops: GuestOp[]): void {
  let s = 0x0123456789abcdefn;
  for (const r of registers(ops)) {
    s = BigInt.asUintN(64, s * 6364136223846793005n + 1442695040888963407n);
    x[r] = s;
  }
  x[COUNTER] = 0n;
  x[LIMIT] = BigInt(PASSES);
}

/** The suite of one loop: JS pairs against wasm, after checking they agree. */
function loopSuite(id: string, what: string, ops: GuestOp[], opts: SuiteOptions): BenchSuite {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const wasmRegs = new BigUint64Array(memory.buffer, 0, 32);
  const wasm = wasmLoop(ops, memory);
  const jsBuf = new ArrayBuffer(8 * 32);
  const jsRegs = new BigUint64Array(jsBuf);
  const jsWords = new Int32Array(jsBuf);
  const js = jsLoop(ops);
  setRegs(wasmRegs, ops);
  wasm();
  setRegs(jsRegs, ops);
  js(jsWords);
  for (const r of registers(ops)) {
    if (wasmRegs[r] !== jsRegs[r])
      throw new Error(`jit/${id}: x${r} differs: wasm ${wasmRegs[r]}, JS ${jsRegs[r]}`);
  }
  const insns = (ops.length + 2) * PASSES;
  const jsName = "JS, (lo, hi) int32 pairs in locals";
  return makeSuite(
    {
      name: `jit/${id}`,
      title: `${what}: ${insns.toLocaleString("en-US")} guest instructions per run, registers loaded and written back`,
      ratioTo: jsName,
      cases: [
        {
          name: jsName,
          fn: () => {
            setRegs(jsRegs, ops);
            js(jsWords);
          },
          derived: { label: "MIPS", perOp: insns, scale: 1e6 },
        },
        {
          name: "wasm from the emitter, i64 locals",
          fn: () => {
            setRegs(wasmRegs, ops);
            wasm();
          },
          derived: { label: "MIPS", perOp: insns, scale: 1e6 },
        },
      ],
    },
    opts,
  );
}

/** A region of the translator's shape with about 200 instructions: 8 registers loaded, 40 guest
 *  ALU operations (4 wasm instructions each) in a loop with a budget side exit, write-back. */
function emitRegion(): ModuleBuilder {
  const m = new ModuleBuilder();
  const slow = m.importFunc({ module: "hart", name: "slow" }, [I32], [I32], "slow");
  m.importMemory({ module: "hart", name: "ram" }, { min: 1 });
  const f = m.func("region_80001000", [I32], [I32], ["budget"]);
  const regs: number[] = [];
  for (let r = 0; r < 8; r++) {
    regs.push(f.local(I64));
    f.i32Const(0)
      .load(Op.i64_load, 8 * (r + 10))
      .localSet(regs[r]!);
  }
  const code = f.local(I32);
  const exit = f.block();
  const top = f.loop();
  f.localGet(0).i32Const(41).op(Op.i32_lt_u);
  f.if();
  f.i32Const(1).localSet(code).br(exit);
  f.end();
  const ops = [
    Op.i64_add,
    Op.i64_xor,
    Op.i64_sub,
    Op.i64_and,
    Op.i64_or,
    Op.i64_shl,
    Op.i64_mul,
    Op.i64_shr_u,
  ];
  for (let i = 0; i < 40; i++) {
    const d = regs[(i * 3) % 8]!;
    const a = regs[(i * 5 + 1) % 8]!;
    f.localGet(a);
    if (i % 3 === 0) f.i64Const(i * 77 - 1000, (i * 77 - 1000) >> 31);
    else f.localGet(regs[(i * 7 + 2) % 8]!);
    f.op(ops[i % ops.length]!).localSet(d);
  }
  f.localGet(0).i32Const(41).op(Op.i32_sub).localSet(0);
  f.localGet(regs[0]!).i64Const(0, 0).op(Op.i64_ne).brIf(top);
  f.end();
  f.i32Const(0).call(slow).localSet(code);
  f.end();
  for (let r = 0; r < 8; r++)
    f.i32Const(0)
      .localGet(regs[r]!)
      .store(Op.i64_store, 8 * (r + 10));
  f.localGet(code);
  m.export("run", "func", f.index);
  return m;
}

export const suites: SuiteFactory = (opts) => {
  const alu = loopSuite("alu", "add/xor/shift chain (10 instructions a pass)", CHAIN, opts);
  const alu2 = loopSuite("alu2", "two independent chains (18 instructions a pass)", TWO_CHAINS, opts);
  const sample = emitRegion();
  const insns = sample.funcs[0]!.instructions + 1; // and the final end
  const bytes = sample.encode().length;
  if (!WebAssembly.validate(sample.encode())) throw new Error("jit/emit: the region does not validate");
  let sink = 0;
  const emitDef = {
    name: "jit/emit",
    title: `emitter throughput: a region of ${insns} wasm instructions, a ${bytes}-byte module`,
    ratioTo: "emit + encode",
    cases: [
      {
        name: "emit + encode",
        fn: () => {
          sink ^= emitRegion().encode().length;
        },
        derived: { label: "M wasm insns/s", perOp: insns, scale: 1e6 },
      },
      {
        name: "emit + encode + new WebAssembly.Module",
        fn: () => {
          sink ^= WebAssembly.Module.exports(emitRegion().compile()).length;
        },
        derived: { label: "M wasm insns/s", perOp: insns, scale: 1e6 },
      },
    ],
    summary: (hz: (name: string) => number) => [
      `emit + encode: ${((hz("emit + encode") * bytes) / 1e6).toFixed(1)} MB/s of module, ${(1e6 / hz("emit + encode")).toFixed(1)} us a region`,
      `with V8's compile: ${(1e6 / hz("emit + encode + new WebAssembly.Module")).toFixed(1)} us a region (sink ${sink & 1})`,
    ],
  };
  return [alu, alu2, makeSuite(emitDef, opts)];
};
