// The shape of function the translator will emit, written by hand with the emitter (no
// translator yet): guest registers loaded from the hart state in memory into i64 locals, the
// region's loop as a wasm loop, a budget check that never runs past the instructions left in the
// quantum (a side exit back to the interpreter, pc at the instruction not run), one write-back of
// registers and instret at the single exit, and the exit code returned. Checked against a BigInt
// model of the same guest loop, with the state read through a BigInt64Array on the same memory.

import { describe, expect, it } from "vitest";
import { I32, I64, ModuleBuilder, Op } from "../../../src/cpu/jit/index.js";
import { instantiate } from "./instance.js";

// Hart state layout in the memory (the test's own; the translator's will come from the hart).
const X = 0; // x0..x31, 8 bytes each
const PC = 256;
const INSTRET = 264;
const A0 = 10;
const A1 = 11;
const A2 = 12;

const EXIT_END = 0;
const EXIT_BUDGET = 1;

// The guest region at 0x8000_0000 (4 instructions, a loop):
//   loop: addi a0, a0, -1
//         add  a1, a1, a0
//         xor  a2, a2, a1
//         bne  a0, zero, loop
//   next: (outside the region)
const START = 0x8000_0000;
const NEXT = 0x8000_0010;
const LEN = 4;

/** The region as the translator would emit it: region(budget) -> exit code. */
function emitRegion(m: ModuleBuilder): number {
  const f = m.func("region_80000000", [I32], [I32], ["budget"]);
  const a0 = f.local(I64, "a0");
  const a1 = f.local(I64, "a1");
  const a2 = f.local(I64, "a2");
  const n = f.local(I64, "n");
  const code = f.local(I32, "code");
  const used = [
    [a0, X + 8 * A0],
    [a1, X + 8 * A1],
    [a2, X + 8 * A2],
  ] as const;
  // prologue: the registers the region uses
  for (const [l, at] of used) f.i32Const(0).load(Op.i64_load, at).localSet(l);
  const exit = f.block();
  const top = f.loop();
  // enter the next pass only if the whole pass fits in the budget
  f.localGet(0).i32Const(LEN).op(Op.i32_lt_u);
  f.if();
  f.i32Const(0).i64Const(START, 0).store(Op.i64_store, PC);
  f.i32Const(EXIT_BUDGET).localSet(code).br(exit);
  f.end();
  f.localGet(0).i32Const(LEN).op(Op.i32_sub).localSet(0);
  f.localGet(n).i64Const(LEN, 0).op(Op.i64_add).localSet(n);
  // the guest instructions
  f.localGet(a0).i64Const(-1, -1).op(Op.i64_add).localSet(a0);
  f.localGet(a1).localGet(a0).op(Op.i64_add).localSet(a1);
  f.localGet(a2).localGet(a1).op(Op.i64_xor).localSet(a2);
  f.localGet(a0).i64Const(0, 0).op(Op.i64_ne).brIf(top);
  f.end();
  // fell out of the loop: the next pc
  f.i32Const(0).i64Const(NEXT, 0).store(Op.i64_store, PC);
  f.i32Const(EXIT_END).localSet(code);
  f.end();
  // the one exit: write back, count, return the exit code
  for (const [l, at] of used) f.i32Const(0).localGet(l).store(Op.i64_store, at);
  f.i32Const(0)
    .i32Const(0)
    .load(Op.i64_load, INSTRET)
    .localGet(n)
    .op(Op.i64_add)
    .store(Op.i64_store, INSTRET);
  f.localGet(code);
  return f.index;
}

interface State {
  x: bigint[];
  pc: bigint;
  instret: bigint;
}

/** The reference: the interpreter's view of the same guest loop under the same budget rule. */
function model(s: State, budget: number): number {
  const x = s.x;
  for (;;) {
    if (budget < LEN) {
      s.pc = BigInt(START);
      return EXIT_BUDGET;
    }
    budget -= LEN;
    s.instret += BigInt(LEN);
    x[A0] = BigInt.asIntN(64, x[A0]! - 1n);
    x[A1] = BigInt.asIntN(64, x[A1]! + x[A0]!);
    x[A2] = x[A2]! ^ x[A1]!;
    if (x[A0] === 0n) break;
  }
  s.pc = BigInt(NEXT);
  return EXIT_END;
}

describe("a region-shaped function", () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const m = new ModuleBuilder();
  m.importMemory({ module: "hart", name: "state" }, { min: 1 });
  m.export("run", "func", emitRegion(m));
  const run = instantiate(m, { hart: { state: memory } }).run!;
  const view = new BigInt64Array(memory.buffer);

  function load(s: State): void {
    s.x.forEach((v, r) => {
      view[(X >> 3) + r] = v;
    });
    view[PC >> 3] = s.pc;
    view[INSTRET >> 3] = s.instret;
  }

  function read(): State {
    return {
      x: Array.from({ length: 32 }, (_, r) => view[(X >> 3) + r]!),
      pc: view[PC >> 3]!,
      instret: view[INSTRET >> 3]!,
    };
  }

  function fresh(a0: bigint): State {
    const x = Array.from({ length: 32 }, (_, r) => BigInt(r) * 0x1_0000_0001n);
    x[A0] = a0;
    return { x, pc: BigInt(START), instret: 1000n };
  }

  it.each([
    [10n, 1000],
    [10n, 40],
    [10n, 17],
    [10n, 3],
    [1n, 4],
    [100_000n, 1 << 30],
  ])("a0 = %s, budget %s: same exit, registers, pc and instret as the model", (a0, budget) => {
    const s = fresh(a0);
    load(s);
    const code = run(budget);
    const want = model(s, budget);
    expect(code).toBe(want);
    expect(read()).toEqual(s);
  });

  it("a budget exit resumes where it stopped", () => {
    const s = fresh(25n);
    load(s);
    let calls = 0;
    while (run(13) === EXIT_BUDGET) calls++;
    const want = fresh(25n);
    model(want, 1 << 30);
    expect(read()).toEqual(want);
    expect(calls).toBe(8); // 3 passes a call, 25 passes
  });
});
