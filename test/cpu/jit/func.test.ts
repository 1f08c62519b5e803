// The function builder (src/cpu/jit/func.ts): structured control flow (loops, br_table, nested
// blocks, if/else, blocks with parameters and several results), calls (direct, imported,
// indirect), select, drop, unreachable, globals, all run after WebAssembly.validate; and the
// type checker, which must reject a bad sequence at the faulty call with a clear message.

import { describe, expect, it } from "vitest";
import {
  Block,
  F64,
  type FuncBuilder,
  I32,
  I64,
  ModuleBuilder,
  Op,
  type OpId,
  type PlainOpName,
} from "../../../src/cpu/jit/index.js";
import { instantiate } from "./instance.js";

/** A module with one exported function `f` built by `body`. */
function one(
  params: (typeof I32 | typeof I64)[],
  results: (typeof I32 | typeof I64)[],
  body: (f: FuncBuilder) => void,
) {
  const m = new ModuleBuilder();
  const f = m.func("f", params, results);
  body(f);
  m.export("f", "func", f.index);
  return instantiate(m).f!;
}

describe("control flow", () => {
  it("a loop summing 1..n in i64", () => {
    const f = one([I64], [I64], (f) => {
      const acc = f.local(I64);
      const out = f.block();
      const top = f.loop();
      f.localGet(0).op(Op.i64_eqz).brIf(out);
      f.localGet(acc).localGet(0).op(Op.i64_add).localSet(acc);
      f.localGet(0).i64Const(1, 0).op(Op.i64_sub).localSet(0);
      f.br(top);
      f.end().end();
      f.localGet(acc);
    });
    expect(f(0n)).toBe(0n);
    expect(f(10n)).toBe(55n);
    expect(f(100_000n)).toBe(5_000_050_000n);
  });

  it("br_table dispatches on an index, out of range to the default", () => {
    const f = one([I32], [I32], (f) => {
      const dflt = f.block();
      const c2 = f.block();
      const c1 = f.block();
      const c0 = f.block();
      f.localGet(0).brTable([c0, c1, c2, c1], dflt);
      f.end();
      f.i32Const(10).return();
      f.end();
      f.i32Const(11).return();
      f.end();
      f.i32Const(12).return();
      f.end();
      f.i32Const(99);
    });
    expect([0, 1, 2, 3, 4, -1, 1000].map((i) => f(i))).toEqual([10, 11, 12, 11, 99, 99, 99]);
  });

  it("br and br_if to outer labels of nested blocks", () => {
    const f = one([I32], [I32], (f) => {
      const r = f.local(I32);
      const a = f.block();
      const b = f.block();
      const c = f.block();
      f.localGet(0).i32Const(1).op(Op.i32_eq).brIf(a);
      f.localGet(0).i32Const(2).op(Op.i32_eq).brIf(b);
      f.br(c);
      f.end(); // c
      f.i32Const(3).localSet(r).br(a);
      f.end(); // b
      f.i32Const(2).localSet(r);
      f.end(); // a
      f.localGet(r);
    });
    expect([f(1), f(2), f(7)]).toEqual([0, 2, 3]);
  });

  it("if/else with a result, if without else", () => {
    const abs = one([I64], [I64], (f) => {
      f.localGet(0).i64Const(0, 0).op(Op.i64_lt_s);
      f.if(Block.i64);
      f.i64Const(0, 0).localGet(0).op(Op.i64_sub);
      f.else();
      f.localGet(0);
      f.end();
    });
    expect([abs(-5n), abs(7n), abs(-(1n << 63n))]).toEqual([5n, 7n, -(1n << 63n)]);
    const clampNeg = one([I32], [I32], (f) => {
      f.localGet(0).i32Const(0).op(Op.i32_lt_s);
      f.if();
      f.i32Const(0).localSet(0);
      f.end();
      f.localGet(0);
    });
    expect([clampNeg(-3), clampNeg(3)]).toEqual([0, 3]);
  });

  it("a block with a parameter and two results; a loop carrying a value", () => {
    const m = new ModuleBuilder();
    const bt = m.type([I64], [I64, I32]);
    const loopT = m.type([I64], [I64]);
    const f = m.func("f", [I64], [I32]);
    f.localGet(0);
    f.block(bt);
    f.i64Const(1, 0).op(Op.i64_add).i32Const(5);
    f.end();
    // stack: i64 (x + 1), i32 5 -> (x + 1) wrapped + 5
    const t = f.local(I32);
    f.localSet(t).op(Op.i32_wrap_i64).localGet(t).op(Op.i32_add);
    m.export("f", "func", f.index);
    // doubling until >= 1000, the value passed round the loop on the stack
    const g = m.func("g", [I64], [I64]);
    g.localGet(0);
    const top = g.loop(loopT);
    g.i64Const(2, 0).op(Op.i64_mul);
    const v = g.local(I64);
    g.localTee(v).i64Const(1000, 0).op(Op.i64_lt_u);
    g.if(m.type([], []));
    g.localGet(v).br(top);
    g.end();
    g.localGet(v);
    g.end();
    m.export("g", "func", g.index);
    const ex = instantiate(m);
    expect(ex.f!(10n)).toBe(16);
    expect(ex.g!(3n)).toBe(1536n);
  });

  it("br_if carries the block's value whether or not it branches", () => {
    const f = one([I32], [I32], (f) => {
      const b = f.block(Block.i32);
      f.i32Const(7).localGet(0).brIf(b);
      f.drop();
      f.i32Const(9);
      f.end();
    });
    expect([f(0), f(1)]).toEqual([9, 7]);
  });

  it("a branch to the body label returns", () => {
    const f = one([I32], [I32], (f) => {
      f.block();
      f.i32Const(4).localGet(0).brIf(f.bodyLabel).drop();
      f.end();
      f.i32Const(5);
    });
    expect([f(1), f(0)]).toEqual([4, 5]);
  });

  it("return from inside nested blocks and loops", () => {
    const f = one([I32], [I32], (f) => {
      f.block();
      const top = f.loop();
      f.localGet(0).i32Const(100).op(Op.i32_gt_s);
      f.if();
      f.localGet(0).return();
      f.end();
      f.localGet(0).i32Const(3).op(Op.i32_mul).localSet(0).br(top);
      f.end();
      f.end();
      f.unreachable();
    });
    expect(f(1)).toBe(243);
  });

  it("unreachable traps, and the code after it checks against a polymorphic stack", () => {
    const f = one([I32], [I64], (f) => {
      f.localGet(0);
      f.if();
      f.unreachable();
      f.op(Op.i64_add).drop(); // operands come from the polymorphic stack
      f.end();
      f.i64Const(1, 0);
    });
    expect(f(0)).toBe(1n);
    expect(() => f(1)).toThrow(WebAssembly.RuntimeError);
  });

  it("select and drop", () => {
    const m = new ModuleBuilder();
    const s = m.func("s", [I64, I64, I32], [I64]);
    s.localGet(0).localGet(1).localGet(2).select();
    const d = m.func("d", [F64, F64, I32], [F64]);
    d.localGet(0).localGet(1).i32Const(3).drop().localGet(2).select();
    m.export("s", "func", s.index);
    m.export("d", "func", d.index);
    const ex = instantiate(m);
    expect([ex.s!(1n, 2n, 1), ex.s!(1n, 2n, 0)]).toEqual([1n, 2n]);
    expect([ex.d!(0.5, -0, 7), ex.d!(0.5, -0, 0)]).toEqual([0.5, -0]);
  });
});

describe("calls and globals", () => {
  it("calls a defined function, an imported one, and itself", () => {
    const m = new ModuleBuilder();
    const log: bigint[] = [];
    const note = m.importFunc({ module: "env", name: "note" }, [I64], []);
    const twice = m.importFunc({ module: "env", name: "twice" }, [I32], [I32]);
    const fact = m.func("fact", [I64], [I64]);
    fact.localGet(0).call(note);
    fact.localGet(0).i64Const(2, 0).op(Op.i64_lt_u);
    fact.if(Block.i64);
    fact.i64Const(1, 0);
    fact.else();
    fact.localGet(0).localGet(0).i64Const(1, 0).op(Op.i64_sub).call(fact.index).op(Op.i64_mul);
    fact.end();
    const g = m.func("g", [I32], [I32]);
    g.localGet(0).call(twice).call(twice);
    m.export("fact", "func", fact.index);
    m.export("g", "func", g.index);
    const ex = instantiate(m, {
      env: { note: (v: bigint) => log.push(v), twice: (v: number) => v * 2 },
    });
    expect(ex.fact!(20n)).toBe(2432902008176640000n);
    expect(log.length).toBe(20);
    expect(log[19]).toBe(1n);
    expect(ex.g!(5)).toBe(20);
  });

  it("call_indirect through a table the host fills; a wrong type or empty entry traps", () => {
    const m = new ModuleBuilder();
    m.defineTable({ min: 4 });
    m.export("table", "table", 0);
    const unary = m.type([I64], [I64]);
    const inc = m.func("inc", [I64], [I64]);
    inc.localGet(0).i64Const(1, 0).op(Op.i64_add);
    const neg = m.func("neg", [I64], [I64]);
    neg.i64Const(0, 0).localGet(0).op(Op.i64_sub);
    const other = m.func("other", [I32], [I32]);
    other.localGet(0);
    const dispatch = m.func("dispatch", [I64, I32], [I64]);
    dispatch.localGet(0).localGet(1).callIndirect(unary);
    for (const f of [inc, neg, other, dispatch]) m.export(f.name, "func", f.index);
    const ex = instantiate(m) as unknown as Record<
      string,
      WebAssembly.Table & ((...a: unknown[]) => unknown)
    >;
    const table = ex.table as WebAssembly.Table;
    table.set(0, ex.inc);
    table.set(1, ex.neg);
    table.set(2, ex.other);
    expect(ex.dispatch!(41n, 0)).toBe(42n);
    expect(ex.dispatch!(41n, 1)).toBe(-41n);
    expect(() => ex.dispatch!(41n, 2)).toThrow(WebAssembly.RuntimeError);
    expect(() => ex.dispatch!(41n, 3)).toThrow(WebAssembly.RuntimeError);
    expect(() => ex.dispatch!(41n, 4)).toThrow(WebAssembly.RuntimeError);
  });

  it("an imported table", () => {
    const table = new WebAssembly.Table({ initial: 1, element: "anyfunc" });
    const m = new ModuleBuilder();
    m.importTable({ module: "env", name: "t" }, { min: 1 });
    const f = m.func("f", [], [I32]);
    f.i32Const(0).callIndirect(m.type([], [I32]));
    m.export("f", "func", f.index);
    const seven = m.func("seven", [], [I32]);
    seven.i32Const(7);
    m.export("seven", "func", seven.index);
    const ex = instantiate(m, { env: { t: table } });
    table.set(0, ex.seven as unknown as WebAssembly.ExportValue);
    expect(ex.f!()).toBe(7);
  });

  it("imported and defined globals, read and written on both sides", () => {
    const counter = new WebAssembly.Global({ value: "i64", mutable: true }, 5n);
    const m = new ModuleBuilder();
    const c = m.importGlobal({ module: "env", name: "counter" }, I64, true);
    const k = m.defineGlobal(I32, false, -3);
    const acc = m.defineGlobal(F64, true, 0.25, "acc");
    const f = m.func("f", [I64], [I32]);
    f.globalGet(c).localGet(0).op(Op.i64_add).globalSet(c);
    f.globalGet(acc).globalGet(acc).op(Op.f64_add).globalSet(acc);
    f.globalGet(k);
    m.export("f", "func", f.index);
    m.export("acc", "global", acc);
    const ex = instantiate(m, { env: { counter } }) as unknown as {
      f: (v: bigint) => number;
      acc: WebAssembly.Global;
    };
    expect(ex.f(10n)).toBe(-3);
    expect(counter.value).toBe(15n);
    counter.value = 100n;
    ex.f(1n);
    expect(counter.value).toBe(101n);
    expect(ex.acc.value).toBe(1);
  });
});

describe("the type checker rejects bad sequences at the faulty call", () => {
  /** A fresh module and function f (params i32 i64, result i64) with a memory and an immutable global. */
  function fresh(memory = true): { m: ModuleBuilder; f: FuncBuilder } {
    const m = new ModuleBuilder();
    if (memory) m.defineMemory({ min: 1 });
    m.defineGlobal(I32, false, 0);
    return { m, f: m.func("f", [I32, I64], [I64]) };
  }

  it("an operand of the wrong type", () => {
    const { f } = fresh();
    f.i32Const(1).i64Const(2, 0);
    expect(() => f.op(Op.i64_add)).toThrow(
      "wasm emitter: f, instruction #3 (i64.add): expected i64 but found i32; operand stack [i32]",
    );
  });

  it("a missing operand", () => {
    const { f } = fresh();
    expect(() => f.op(Op.i64_clz)).toThrow(
      "wasm emitter: f, instruction #1 (i64.clz): expected i64 but the function body's stack is empty; operand stack []",
    );
    const g = fresh().f;
    g.i64Const(1, 0);
    g.block();
    expect(() => g.op(Op.i64_eqz)).toThrow("expected i64 but the block's stack is empty");
  });

  it("local.set, local.tee, global.set and store of the wrong type", () => {
    const a = fresh().f;
    a.i64Const(0, 0);
    expect(() => a.localSet(0)).toThrow("(local.set): expected i32 but found i64");
    const b = fresh().f;
    b.i32Const(0);
    expect(() => b.localTee(1)).toThrow("(local.tee): expected i64 but found i32");
    const c = fresh().f;
    c.i32Const(0).i32Const(1);
    expect(() => c.store(Op.i64_store)).toThrow("(i64.store): expected i64 but found i32");
    const d = fresh().f;
    d.i64Const(0, 0);
    expect(() => d.load(Op.i32_load)).toThrow("(i32.load): expected i32 but found i64");
  });

  it("bad indices and immediates", () => {
    expect(() => fresh().f.localGet(2)).toThrow("(local.get): no local 2 (the function has 2)");
    expect(() => fresh().f.globalGet(1)).toThrow("(global.get): no global 1 (the module has 1)");
    const g = fresh().f;
    g.i32Const(1);
    expect(() => g.globalSet(0)).toThrow("(global.set): global 0 is immutable");
    expect(() => fresh().f.call(7)).toThrow("(call): no function 7 (the module has 1)");
    expect(() => fresh().f.i32Const(1.5)).toThrow("(i32.const): 1.5 is not a 32-bit integer");
    expect(() => fresh().f.i32Const(2 ** 32)).toThrow("is not a 32-bit integer");
    expect(() => fresh().f.i64Const(2 ** 32, 0)).toThrow(
      "(i64.const): (4294967296, 0) are not two 32-bit words",
    );
    expect(() => fresh().f.i64ConstBig(1n << 64n)).toThrow("is not a 64-bit integer");
    expect(() => fresh().f.block(5)).toThrow("(block): no type 5 (the module has 1)");
    expect(() => fresh().f.loop(-5)).toThrow("(loop): -5 is not a block type");
    expect(() => fresh().f.op(Op.local_get as unknown as OpId<PlainOpName>)).toThrow(
      "(local.get): has immediates or a control effect: use its own method",
    );
  });

  it("memory instructions: alignment, offset, and a module without memory", () => {
    const a = fresh().f;
    a.i32Const(0);
    expect(() => a.load(Op.i64_load32_u, 0, 3)).toThrow(
      "(i64.load32_u): alignment 2^3 is more than the natural 2^2",
    );
    const b = fresh().f;
    b.i32Const(0);
    expect(() => b.load(Op.i32_load, -1)).toThrow("(i32.load): offset -1 is not a u32");
    const c = fresh(false).f;
    c.i32Const(0);
    expect(() => c.load(Op.i32_load8_u)).toThrow("(i32.load8_u): the module has no memory");
    expect(() => fresh(false).f.memorySize()).toThrow("(memory.size): the module has no memory");
    const d = fresh().f;
    d.i32Const(0);
    expect(() => d.load(Op.i32_store as unknown as OpId<"i32.load">)).toThrow("(i32.store): is not a load");
  });

  it("blocks: values left at end, if without else, else without if, end at the top", () => {
    const a = fresh().f;
    a.block();
    a.i32Const(1);
    expect(() => a.end()).toThrow("(end): 1 value(s) left on the block's stack; operand stack [i32]");
    const b = fresh().f;
    b.i32Const(1).if(Block.i64);
    b.i64Const(1, 0);
    expect(() => b.end()).toThrow("(end): an if with result [i64] needs an else");
    const c = fresh().f;
    c.block();
    expect(() => c.else()).toThrow("(else): the innermost frame is the block, not an if");
    expect(() => fresh().f.end()).toThrow("(end): no open block (the function body is ended by finish())");
    const d = fresh().f;
    d.block(Block.i64);
    d.i32Const(1);
    expect(() => d.end()).toThrow("(end): expected i64 but found i32");
  });

  it("branches: a closed label, a label of another function, arities of br_table", () => {
    const { m, f } = fresh();
    const inner = f.block();
    f.end();
    expect(() => f.br(inner)).toThrow(
      /\(br\): label \d+ is not an open block of this function \(its block has ended\)/,
    );
    const g = m.func("g", [], []);
    const other = fresh().f;
    other.block();
    other.block();
    const deep = other.block();
    g.block();
    g.block();
    g.block();
    expect(() => g.br(deep)).toThrow("is not an open block");
    const h = m.func("h", [], []);
    const x = h.block(Block.i64);
    const y = h.block();
    h.i64Const(0, 0).i32Const(0);
    expect(() => h.brTable([x], y)).toThrow("(br_table): targets carry [i64] and [] (the default)");
    const k = m.func("k", [], []);
    const kb = k.block(Block.i64);
    k.i32Const(0).i32Const(0);
    expect(() => k.brIf(kb)).toThrow("(br_if): expected i64 but found i32");
  });

  it("select of two types, a call with the wrong arguments", () => {
    const a = fresh().f;
    a.i64Const(0, 0).f64Const(1).i32Const(1);
    expect(() => a.select()).toThrow("(select): expected f64 but found i64");
    const { m, f } = fresh();
    const callee = m.func("callee", [I64, I32], []);
    f.i32Const(0).i32Const(0);
    expect(() => f.call(callee.index)).toThrow("(call): expected i64 but found i32");
    const c = fresh().f;
    c.i32Const(0);
    expect(() => c.callIndirect(0)).toThrow("(call_indirect): the module has no table");
  });

  it("finish: open blocks, wrong or extra results; nothing after finish or after an error", () => {
    const a = fresh().f;
    a.loop();
    expect(() => a.finish()).toThrow("(end): 1 block(s) still open (loop)");
    const b = fresh().f;
    b.i32Const(0);
    expect(() => b.finish()).toThrow("(end): expected i64 but found i32");
    const c = fresh().f;
    c.i64Const(0, 0).i64Const(0, 0);
    expect(() => c.finish()).toThrow("(end): 1 value(s) left on the function body's stack");
    const d = fresh().f;
    d.i64Const(0, 0).finish();
    expect(() => d.nop()).toThrow("wasm emitter: f: instruction after finish()");
    const e = fresh().f;
    expect(() => e.op(Op.i32_eqz)).toThrow();
    expect(() => e.i32Const(0)).toThrow("wasm emitter: f: unusable after an earlier error");
  });

  it("the operand stack in the message shows the innermost block's top eight values", () => {
    const { f } = fresh();
    f.i64Const(0, 0);
    f.block();
    for (let i = 0; i < 10; i++) f.i32Const(i);
    expect(() => f.op(Op.i64_add)).toThrow("operand stack [... i32 i32 i32 i32 i32 i32 i32 i32]");
  });

  it("reports the stack height and block depth while emitting", () => {
    const { f } = fresh();
    f.i32Const(0).i32Const(1);
    expect(f.stackHeight).toBe(2);
    f.block();
    expect([f.stackHeight, f.blockDepth]).toEqual([0, 1]);
    f.end();
    expect([f.stackHeight, f.blockDepth]).toEqual([2, 0]);
  });
});
