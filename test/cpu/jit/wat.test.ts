// The WAT printer (src/cpu/jit/wat.ts): the text of a small region-shaped module pinned exactly,
// every instruction of the opcode table printed under its own name with its immediates, and the
// text forms of float constants.

import { describe, expect, it } from "vitest";
import {
  Block,
  F32,
  F64,
  f32Text,
  f64Text,
  I32,
  I64,
  type LoadOpName,
  ModuleBuilder,
  OP_NAME,
  Op,
  type OpId,
  type PlainOpName,
  printFunc,
  printWat,
  type StoreOpName,
  type ValType,
} from "../../../src/cpu/jit/index.js";
import { K, OP_KIND, OP_NPOP, OP_POP } from "../../../src/cpu/jit/opcodes.js";

/** A region-like function: registers loaded from the state, a loop, a helper call, a side exit;
 *  branch hints. */
function sample(): ModuleBuilder {
  const m = new ModuleBuilder();
  const slow = m.importFunc({ module: "env", name: "load_slow" }, [I32, I64], [I64], "load_slow");
  m.importMemory({ module: "env", name: "mem" }, { min: 1, max: 16 });
  const budget = m.importGlobal({ module: "env", name: "budget" }, I32, true, "budget");
  const f = m.func("region_80001000", [I32], [I32], ["state"]);
  const a0 = f.local(I64, "a0");
  const a1 = f.local(I64, "a1");
  const t = f.local(I64);
  f.local(I32);
  f.localGet(0).load(Op.i64_load, 80).localSet(a0);
  f.localGet(0).load(Op.i64_load, 88).localSet(a1);
  const exit = f.block();
  const top = f.loop();
  f.localGet(a0).i64Const(-1, -1).op(Op.i64_add).localTee(a0);
  f.op(Op.i64_eqz).brIf(exit, "unlikely");
  f.localGet(a1).localGet(a0).i64ConstBig(0x123456789n).op(Op.i64_xor).op(Op.i64_add).localSet(a1);
  f.localGet(0).localGet(a1).call(slow).localSet(t);
  f.globalGet(budget).i32Const(1).op(Op.i32_sub).globalSet(budget);
  f.globalGet(budget).i32Const(0).op(Op.i32_gt_s).brIf(top);
  f.end();
  f.localGet(0).localGet(a1).store(Op.i64_store32, 8, 0);
  f.end();
  f.localGet(0).localGet(a0).store(Op.i64_store, 80);
  f.localGet(0).localGet(a1).store(Op.i64_store, 88);
  f.i32Const(2);
  m.export("run", "func", f.index);
  const g = m.func("pick", [I32, F64], [F64]);
  const d = g.block();
  const c1 = g.block();
  const c0 = g.block();
  g.localGet(0).brTable([c0, c1], d);
  g.end();
  g.f64Const(-0).return();
  g.end();
  g.localGet(1).op(Op.f64_sqrt).return();
  g.end();
  g.localGet(0).if(Block.f64, "likely");
  g.f64Const(Number.POSITIVE_INFINITY);
  g.else();
  g.f64ConstBits(1, 0x7ff80000);
  g.end();
  return m;
}

const SAMPLE_WAT = `(module
  (type (;0;) (func (param i32 i64) (result i64)))
  (type (;1;) (func (param i32) (result i32)))
  (type (;2;) (func (param i32 f64) (result f64)))
  (import "env" "load_slow" (func $load_slow (;0;) (type 0) (param i32 i64) (result i64)))
  (import "env" "mem" (memory (;0;) 1 16))
  (import "env" "budget" (global $budget (;0;) (mut i32)))
  (func $region_80001000 (;1;) (type 1) (param $state i32) (result i32)
    (local $a0 i64) (local $a1 i64) (local i64 i32)
    local.get $state
    i64.load offset=80
    local.set $a0
    local.get $state
    i64.load offset=88
    local.set $a1
    block  ;; label = @1
      loop  ;; label = @2
        local.get $a0
        i64.const -1
        i64.add
        local.tee $a0
        i64.eqz
        (@metadata.code.branch_hint "\\00")
        br_if 1 (;@1;)
        local.get $a1
        local.get $a0
        i64.const 4886718345
        i64.xor
        i64.add
        local.set $a1
        local.get $state
        local.get $a1
        call $load_slow
        local.set 3
        global.get $budget
        i32.const 1
        i32.sub
        global.set $budget
        global.get $budget
        i32.const 0
        i32.gt_s
        br_if 0 (;@2;)
      end
      local.get $state
      local.get $a1
      i64.store32 offset=8 align=1
    end
    local.get $state
    local.get $a0
    i64.store offset=80
    local.get $state
    local.get $a1
    i64.store offset=88
    i32.const 2
  )
  (func $pick (;2;) (type 2) (param i32 f64) (result f64)
    block  ;; label = @1
      block  ;; label = @2
        block  ;; label = @3
          local.get 0
          br_table 0 1 2 (;@3 @2 @1;)
        end
        f64.const -0
        return
      end
      local.get 1
      f64.sqrt
      return
    end
    local.get 0
    (@metadata.code.branch_hint "\\01")
    if (result f64)  ;; label = @1
      f64.const inf
    else
      f64.const nan:0x8000000000001
    end
  )
  (export "run" (func $region_80001000))
)
`;

/** A module that uses every instruction of the table at least once. */
function everything(): ModuleBuilder {
  const m = new ModuleBuilder();
  m.importMemory({ module: "env", name: "mem" }, { min: 1, max: 2, shared: true });
  m.importTable({ module: "env", name: "tab" }, { min: 1 });
  const g = m.defineGlobal(I64, true, -5n, "g");
  m.defineGlobal(F32, false, 0.5);
  for (const [n, id] of OP_NAME.map((n, i) => [n, i] as const)) {
    const kind = OP_KIND[id];
    if (kind !== K.none && kind !== K.memarg) continue;
    const params: ValType[] = [];
    for (let k = 0; k < OP_NPOP[id]!; k++) params.push(OP_POP[id * 3 + k] as ValType);
    const f = m.func(n.replace(".", "_"), params, []);
    params.forEach((_, k) => {
      f.localGet(k);
    });
    if (kind === K.none) f.op(id as OpId<PlainOpName>);
    else if (params.length === 1) f.load(id as OpId<LoadOpName>, 16, 0);
    else f.store(id as OpId<StoreOpName>, 16);
    if (f.stackHeight > 0) f.drop();
  }
  const f = m.func("control", [I32], [I64]);
  const out = f.block(Block.i64);
  const mid = f.block();
  const top = f.loop();
  f.localGet(0).if();
  f.nop();
  f.else();
  f.unreachable();
  f.end();
  f.i64Const(1, 0).localGet(0).brIf(out).drop();
  f.localGet(0).brTable([top, mid], top);
  f.end();
  f.end();
  f.globalGet(g).i64Const(0, 0x8000_0000).i32Const(0).select().globalSet(g);
  f.i32Const(0).callIndirect(m.type([], []));
  f.memorySize().memoryGrow().drop();
  f.f32Const(1.5).drop().f64Const(-2).drop();
  f.i64Const(0, 0).localSet(f.local(I64));
  f.i64Const(7, 0).localTee(f.local(I64)).br(out);
  f.end();
  f.drop();
  f.localGet(0).call(f.index).return();
  return m;
}

describe("printWat", () => {
  it("prints a small module exactly", () => {
    expect(printWat(sample())).toBe(SAMPLE_WAT);
  });

  it("prints one function alone, for --dump-jit", () => {
    const m = sample();
    const text = printFunc(m, m.funcs[1]!);
    expect(text.split("\n")[0]).toBe("(func $pick (;2;) (type 2) (param i32 f64) (result f64)");
    expect(text.endsWith("\n)")).toBe(true);
    expect(SAMPLE_WAT).toContain(text.replace(/^/gm, "  "));
  });

  it("every instruction of the table appears under its own name", () => {
    const m = everything();
    expect(WebAssembly.validate(m.encode())).toBe(true);
    const words = new Set(
      printWat(m)
        .split("\n")
        .map((l) => l.trim().split(" ")[0]),
    );
    const missing = OP_NAME.filter((n) => !words.has(n) && n !== "end");
    expect(missing).toEqual([]);
    expect(words.has("end")).toBe(true);
  });

  it("prints memargs, constants, globals and tables as the text format writes them", () => {
    const text = printWat(everything());
    expect(text).toContain('(import "env" "mem" (memory (;0;) 1 2 shared))');
    expect(text).toContain('(import "env" "tab" (table (;0;) 1 funcref))');
    expect(text).toContain("(global $g (;0;) (mut i64) (i64.const -5))");
    expect(text).toContain("(global (;1;) f32 (f32.const 0.5))");
    expect(text).toContain("\n    i64.load32_u offset=16 align=1\n");
    expect(text).toContain("\n    i64.store16 offset=16\n");
    expect(text).toContain("\n      i64.const -9223372036854775808\n");
    expect(text).toContain("\n      call_indirect (type 0)\n");
    expect(text).toContain("\n          br_table 0 1 0 (;@3 @2 @3;)\n");
    expect(text).toContain("\n    call $control\n");
  });
});

describe("float constants as text", () => {
  it.each([
    [0, "0"],
    [0x8000_0000, "-0"],
    [0x3f80_0000, "1"],
    [0x3dcc_cccd, "0.1"],
    [0x7f80_0000, "inf"],
    [0xff80_0000, "-inf"],
    [0x7fc0_0000, "nan"],
    [0xffc0_0000, "-nan"],
    [0x7fa0_0001, "nan:0x200001"],
    [0x0000_0001, "1e-45"],
    [0x7f7f_ffff, "3.4028235e+38"],
  ])("f32 %s", (bits, text) => {
    expect(f32Text(bits)).toBe(text);
  });

  it.each([
    [0n, "0"],
    [0x8000_0000_0000_0000n, "-0"],
    [0x3fb9_9999_9999_999an, "0.1"],
    [0x7ff0_0000_0000_0000n, "inf"],
    [0x7ff8_0000_0000_0000n, "nan"],
    [0xfff0_0000_0000_0001n, "-nan:0x1"],
    [1n, "5e-324"],
  ])("f64 %s", (bits, text) => {
    expect(f64Text(bits)).toBe(text);
  });

  it("a printed f32 reads back as the same single", () => {
    const view = new DataView(new ArrayBuffer(4));
    for (let i = 0; i < 2000; i++) {
      const bits = (Math.imul(i, 0x9e37_79b9) ^ (i << 7)) >>> 0;
      if (((bits >>> 23) & 0xff) === 0xff) continue;
      view.setUint32(0, bits);
      expect(Math.fround(Number(f32Text(bits)))).toBe(view.getFloat32(0));
    }
  });
});
