// One function's body, emitted instruction by instruction into a growable byte buffer, with the
// WebAssembly validation algorithm (core spec, appendix/algorithm.rst) run as it goes: an operand
// stack of types and a stack of control frames. A call that would make the module invalid (wrong
// operand types, a branch to a block already ended, an `if` without `else` that must produce a
// value, values left on the stack at an `end`) throws at that call, naming the function, the
// instruction and the operand stack, instead of leaving WebAssembly.Module to reject the whole
// module later. Nothing is allocated per instruction.

import { ByteBuffer } from "./buffer.js";
import {
  K,
  type LoadOpName,
  OP_ALIGN,
  OP_CODE,
  OP_COUNT,
  OP_KIND,
  OP_NAME,
  OP_NPOP,
  OP_POP,
  OP_PUSH,
  Op,
  type OpId,
  type PlainOpName,
  type StoreOpName,
} from "./opcodes.js";
import {
  Block,
  type BlockType,
  checkId,
  F32,
  F64,
  type FuncType,
  I32,
  I64,
  isValType,
  UNKNOWN,
  type ValType,
  valTypeName,
} from "./types.js";

/** A branch target: the block, loop or if that FuncBuilder.block/loop/if opened (or the body). */
export type Label = number & { readonly __label: true };

/** A branch hint of an `if` or `br_if`: its branch (an if's then arm) is usually taken or not. */
export type BranchHint = "likely" | "unlikely";

/** What a function needs to know about its module while it is emitted. */
export interface ModuleContext {
  /** The function type at `index` of the type section (throws if there is none). */
  typeAt(index: number): FuncType;
  /** The type index of function `index` (imports first; throws if there is none). */
  funcTypeIndex(index: number): number;
  /** The type and mutability of global `index` (throws if there is none). */
  globalAt(index: number): { type: ValType; mutable: boolean };
  hasMemory(): boolean;
  hasTable(): boolean;
}

/** Opcode bytes of the instructions that have their own methods, from the table. */
const C = {
  br: OP_CODE[Op.br]!,
  br_if: OP_CODE[Op.br_if]!,
  br_table: OP_CODE[Op.br_table]!,
  call: OP_CODE[Op.call]!,
  call_indirect: OP_CODE[Op.call_indirect]!,
  drop: OP_CODE[Op.drop]!,
  else: OP_CODE[Op.else]!,
  end: OP_CODE[Op.end]!,
  f32_const: OP_CODE[Op.f32_const]!,
  f64_const: OP_CODE[Op.f64_const]!,
  global_get: OP_CODE[Op.global_get]!,
  global_set: OP_CODE[Op.global_set]!,
  i32_const: OP_CODE[Op.i32_const]!,
  i64_const: OP_CODE[Op.i64_const]!,
  local_get: OP_CODE[Op.local_get]!,
  local_set: OP_CODE[Op.local_set]!,
  local_tee: OP_CODE[Op.local_tee]!,
  return: OP_CODE[Op.return]!,
  select: OP_CODE[Op.select]!,
  unreachable: OP_CODE[Op.unreachable]!,
};

// Control frame kinds.
const F_FUNC = 0;
const F_BLOCK = 1;
const F_LOOP = 2;
const F_IF = 3;
const F_ELSE = 4;
const FRAME_NAMES = ["function body", "block", "loop", "if", "else"];

const NONE: readonly ValType[] = [];
const ONE: Record<number, readonly ValType[]> = { [I32]: [I32], [I64]: [I64], [F32]: [F32], [F64]: [F64] };

/** Labels are unique in the process (not only in a function), so that a label of another
 *  function never matches an open block here; 2^53 of them never run out. */
let nextLabel = 0;

export class FuncBuilder {
  /** The instructions so far (the final `end` once finished). */
  readonly code = new ByteBuffer(512);
  /** Types of the parameters, then of the locals, by local index. */
  readonly localTypes: ValType[];
  /** Text-format names of locals (undefined: printed by index). */
  readonly localNames: (string | undefined)[];
  /** The label of the function body: a branch to it returns. */
  readonly bodyLabel: Label;
  private finished = false;
  private failed = false;
  private count = 0;

  // Operand stack of types (small-integer arrays: cheaper to create than typed arrays, and a
  // builder is created per region). Entries above sp are stale.
  private readonly stack: number[] = [];
  private sp = 0;
  // Control frames: kind, operand height at entry, unreachable flag, block type, label.
  private readonly fKind: number[] = [];
  private readonly fHeight: number[] = [];
  private readonly fUnreach: number[] = [];
  private readonly fType: number[] = [];
  private readonly fLabel: number[] = [];
  private depth = 0;
  /** The frame each label of this function was opened at, by label - firstLabel (the frame is
   *  still that label's while fLabel there holds it): labelDepth without a walk of the frames,
   *  which made a branch cost the depth of the nest (a region's dispatch nests a block per
   *  guest block). */
  private readonly firstLabel = nextLabel;
  private readonly frameOf: number[] = [];
  /** Branch hints (the branch-hinting proposal's metadata.code.branch_hint section, which
   *  ModuleBuilder writes): for each `if` or `br_if` given a hint, its byte offset in `code` and
   *  1 if likely taken, 0 if not, in pairs, by increasing offset. V8 (with
   *  --experimental-wasm-branch-hinting) makes the unlikely side deferred code in TurboFan. */
  readonly hints: number[] = [];

  /** Use ModuleBuilder.func. */
  constructor(
    private readonly mod: ModuleContext,
    /** Function index in the module (imported functions come first). */
    readonly index: number,
    /** Text-format name ($name) and name-section name. */
    readonly name: string,
    /** Index of its function type. */
    readonly typeIndex: number,
    paramNames: readonly (string | undefined)[] = [],
  ) {
    const t = mod.typeAt(typeIndex);
    this.localTypes = [...t.params];
    this.localNames = t.params.map((_, i) => {
      const n = paramNames[i];
      return n === undefined ? undefined : checkId("parameter", n);
    });
    this.bodyLabel = this.openFrame(F_FUNC, typeIndex);
  }

  /** Number of parameters (locals are numbered after them). */
  get paramCount(): number {
    return this.mod.typeAt(this.typeIndex).params.length;
  }

  /** Operand values on the stack in the innermost block. */
  get stackHeight(): number {
    return this.depth === 0 ? 0 : this.sp - this.fHeight[this.depth - 1]!;
  }

  /** Open blocks, loops and ifs (0 at the body's top level). */
  get blockDepth(): number {
    return this.depth - 1;
  }

  /** Instructions emitted so far (each end and else counts). */
  get instructions(): number {
    return this.count;
  }

  /** Whether finish() has written the final `end`. */
  get isFinished(): boolean {
    return this.finished;
  }

  /** Declare a local of type t (optionally named for the WAT text); its index. */
  local(t: ValType, name?: string): number {
    if (!isValType(t)) throw new Error(`wasm emitter: ${this.name}: local type ${t} is not a value type`);
    this.localTypes.push(t);
    this.localNames.push(name === undefined ? undefined : checkId("local", name));
    return this.localTypes.length - 1;
  }

  // ---- plain instructions ----

  /** An instruction without immediates and with a fixed stack effect (Op.i64_add...). */
  op(id: OpId<PlainOpName>): this {
    this.begin();
    if (OP_KIND[id] !== K.none) this.failOp(id, "has immediates or a control effect: use its own method");
    this.effect(id);
    this.opcode(OP_CODE[id]!);
    return this;
  }

  nop(): this {
    return this.op(Op.nop);
  }

  // ---- constants ----

  /** i32.const v; v is an int32 or a uint32 (taken modulo 2^32). */
  i32Const(v: number): this {
    this.begin();
    if (!isWord(v)) this.failOp(Op.i32_const, `${v} is not a 32-bit integer`);
    this.push(I32);
    this.code.u8(C.i32_const);
    this.code.s32(v);
    return this;
  }

  /** i64.const of the 64-bit value with low and high words lo and hi (each an int32 or uint32):
   *  the translator's form, no BigInt. */
  i64Const(lo: number, hi: number): this {
    this.begin();
    if (!isWord(lo) || !isWord(hi)) this.failOp(Op.i64_const, `(${lo}, ${hi}) are not two 32-bit words`);
    this.push(I64);
    this.code.u8(C.i64_const);
    this.code.s64(lo, hi);
    return this;
  }

  /** i64.const v, v an int64 or a uint64. */
  i64ConstBig(v: bigint): this {
    this.begin();
    if (v < -(1n << 63n) || v >= 1n << 64n) this.failOp(Op.i64_const, `${v} is not a 64-bit integer`);
    this.push(I64);
    this.code.u8(C.i64_const);
    this.code.s64Big(v);
    return this;
  }

  /** f32.const v (rounded to single precision). */
  f32Const(v: number): this {
    this.begin();
    this.push(F32);
    this.code.u8(C.f32_const);
    this.code.f32(v);
    return this;
  }

  /** f32.const given by its bit pattern (any NaN payload). */
  f32ConstBits(bits: number): this {
    this.begin();
    if (!isWord(bits)) this.failOp(Op.f32_const, `${bits} is not a 32-bit pattern`);
    this.push(F32);
    this.code.u8(C.f32_const);
    this.code.u32Raw(bits);
    return this;
  }

  f64Const(v: number): this {
    this.begin();
    this.push(F64);
    this.code.u8(C.f64_const);
    this.code.f64(v);
    return this;
  }

  /** f64.const given by the low and high words of its bit pattern. */
  f64ConstBits(lo: number, hi: number): this {
    this.begin();
    if (!isWord(lo) || !isWord(hi)) this.failOp(Op.f64_const, `(${lo}, ${hi}) are not two 32-bit words`);
    this.push(F64);
    this.code.u8(C.f64_const);
    this.code.u32Raw(lo);
    this.code.u32Raw(hi);
    return this;
  }

  // ---- variables ----

  localGet(i: number): this {
    this.begin();
    const t = this.localType(i, Op.local_get);
    this.push(t);
    this.code.u8(C.local_get);
    this.code.u32(i);
    return this;
  }

  localSet(i: number): this {
    this.begin();
    const t = this.localType(i, Op.local_set);
    this.pop(t, Op.local_set);
    this.code.u8(C.local_set);
    this.code.u32(i);
    return this;
  }

  localTee(i: number): this {
    this.begin();
    const t = this.localType(i, Op.local_tee);
    this.pop(t, Op.local_tee);
    this.push(t);
    this.code.u8(C.local_tee);
    this.code.u32(i);
    return this;
  }

  globalGet(i: number): this {
    this.begin();
    const g = this.global(i, Op.global_get);
    this.push(g.type);
    this.code.u8(C.global_get);
    this.code.u32(i);
    return this;
  }

  globalSet(i: number): this {
    this.begin();
    const g = this.global(i, Op.global_set);
    if (!g.mutable) this.failOp(Op.global_set, `global ${i} is immutable`);
    this.pop(g.type, Op.global_set);
    this.code.u8(C.global_set);
    this.code.u32(i);
    return this;
  }

  // ---- memory ----

  /** A load: address (i32) on the stack; effective address = address + offset. alignLog2
   *  defaults to the natural alignment and may not exceed it (it is a hint, not a check). */
  load(id: OpId<LoadOpName>, offset = 0, alignLog2?: number): this {
    return this.memop(id, 1, offset, alignLog2);
  }

  /** A store: address (i32) then value on the stack. */
  store(id: OpId<StoreOpName>, offset = 0, alignLog2?: number): this {
    return this.memop(id, 2, offset, alignLog2);
  }

  private memop(id: OpId, npop: number, offset: number, alignLog2: number | undefined): this {
    this.begin();
    if (OP_KIND[id] !== K.memarg || OP_NPOP[id] !== npop) {
      this.failOp(id, `is not a ${npop === 1 ? "load" : "store"}`);
    }
    if (!this.mod.hasMemory()) this.failOp(id, "the module has no memory");
    const natural = OP_ALIGN[id]!;
    const align = alignLog2 ?? natural;
    if (!Number.isInteger(align) || align < 0 || align > natural) {
      this.failOp(id, `alignment 2^${align} is more than the natural 2^${natural}`);
    }
    if (!Number.isInteger(offset) || offset < 0 || offset > 0xffff_ffff) {
      this.failOp(id, `offset ${offset} is not a u32`);
    }
    this.effect(id);
    this.code.u8(OP_CODE[id]!);
    this.code.u32(align);
    this.code.u32(offset);
    return this;
  }

  /** memory.size: the memory's size in 64 KiB pages. */
  memorySize(): this {
    return this.mem0(Op.memory_size);
  }

  /** memory.grow: pops a page count, pushes the old size or -1. */
  memoryGrow(): this {
    return this.mem0(Op.memory_grow);
  }

  private mem0(id: OpId): this {
    this.begin();
    if (!this.mod.hasMemory()) this.failOp(id, "the module has no memory");
    this.effect(id);
    this.code.u8x2(OP_CODE[id]!, 0);
    return this;
  }

  // ---- structured control ----

  /** block bt ... end; its label is a forward branch target (to its end). */
  block(bt: BlockType = Block.void): Label {
    return this.openBlock(F_BLOCK, Op.block, bt);
  }

  /** loop bt ... end; its label is a backward branch target (to its start). */
  loop(bt: BlockType = Block.void): Label {
    return this.openBlock(F_LOOP, Op.loop, bt);
  }

  /** if bt ... [else ...] end: pops an i32 condition. `hint`: whether the then arm usually runs
   *  ("likely") or not ("unlikely"): a branch hint (see hints). */
  if(bt: BlockType = Block.void, hint?: BranchHint): Label {
    this.begin();
    this.hintHere(hint);
    this.checkBlockType(bt, Op.if);
    this.pop(I32, Op.if);
    return this.enterBlock(F_IF, Op.if, bt);
  }

  else(): this {
    this.begin();
    const f = this.depth - 1;
    if (this.fKind[f] !== F_IF)
      this.failOp(Op.else, `the innermost frame is the ${FRAME_NAMES[this.fKind[f]!]}, not an if`);
    this.popAll(this.results(this.fType[f]!), Op.else);
    this.checkEmpty(f, Op.else);
    this.fKind[f] = F_ELSE;
    this.fUnreach[f] = 0;
    this.pushAll(this.params(this.fType[f]!));
    this.code.u8(C.else);
    return this;
  }

  /** end of the innermost block, loop or if (the body is ended by finish()). */
  end(): this {
    this.begin();
    const f = this.depth - 1;
    if (f === 0) this.failOp(Op.end, "no open block (the function body is ended by finish())");
    const bt = this.fType[f]!;
    const results = this.results(bt);
    if (this.fKind[f] === F_IF && !sameTypes(this.params(bt), results)) {
      this.failOp(Op.end, `an if with result ${typesText(results)} needs an else`);
    }
    this.popAll(results, Op.end);
    this.checkEmpty(f, Op.end);
    this.depth--;
    this.pushAll(results);
    this.code.u8(C.end);
    return this;
  }

  /** br: branch to `label`'s block end (or loop start). */
  br(label: Label): this {
    this.begin();
    const rel = this.labelDepth(label, Op.br);
    this.popAll(this.labelTypes(this.depth - 1 - rel), Op.br);
    this.setUnreachable();
    this.code.u8(C.br);
    this.code.u32(rel);
    return this;
  }

  /** br_if: pops an i32; branches to `label` when it is not zero. `hint`: whether it usually
   *  branches ("likely") or not ("unlikely"): a branch hint (see hints). */
  brIf(label: Label, hint?: BranchHint): this {
    this.begin();
    this.hintHere(hint);
    const rel = this.labelDepth(label, Op.br_if);
    this.pop(I32, Op.br_if);
    const types = this.labelTypes(this.depth - 1 - rel);
    this.popAll(types, Op.br_if);
    this.pushAll(types);
    this.code.u8(C.br_if);
    this.code.u32(rel);
    return this;
  }

  /** br_table: pops an i32 i; branches to labels[i], or to dflt when i is out of range. */
  brTable(labels: readonly Label[], dflt: Label): this {
    this.begin();
    const d = this.labelDepth(dflt, Op.br_table);
    this.pop(I32, Op.br_table);
    const types = this.labelTypes(this.depth - 1 - d);
    for (const l of labels) {
      const t = this.labelTypes(this.depth - 1 - this.labelDepth(l, Op.br_table));
      if (t.length !== types.length) {
        this.failOp(Op.br_table, `targets carry ${typesText(t)} and ${typesText(types)} (the default)`);
      }
      this.peekAll(t, Op.br_table);
    }
    this.popAll(types, Op.br_table);
    this.setUnreachable();
    this.code.u8(C.br_table);
    this.code.u32(labels.length);
    for (const l of labels) this.code.u32(this.labelDepth(l, Op.br_table));
    this.code.u32(d);
    return this;
  }

  /** return: pops the function's results. */
  return(): this {
    this.begin();
    this.popAll(this.results(this.fType[0]!), Op.return);
    this.setUnreachable();
    this.code.u8(C.return);
    return this;
  }

  /** call: pops the callee's parameters, pushes its results. */
  call(funcIndex: number): this {
    this.begin();
    let ti: number;
    try {
      ti = this.mod.funcTypeIndex(funcIndex);
    } catch (e) {
      this.failOp(Op.call, (e as Error).message);
    }
    const t = this.mod.typeAt(ti);
    this.popAll(t.params, Op.call);
    this.pushAll(t.results);
    this.code.u8(C.call);
    this.code.u32(funcIndex);
    return this;
  }

  /** call_indirect through table 0: pops the arguments and an i32 table index; traps unless
   *  the table entry is a function of type `typeIndex`. */
  callIndirect(typeIndex: number): this {
    this.begin();
    if (!this.mod.hasTable()) this.failOp(Op.call_indirect, "the module has no table");
    const t = this.typeAt(typeIndex, Op.call_indirect);
    this.pop(I32, Op.call_indirect);
    this.popAll(t.params, Op.call_indirect);
    this.pushAll(t.results);
    this.code.u8(C.call_indirect);
    this.code.u32(typeIndex);
    this.code.u8(0);
    return this;
  }

  /** select: pops a, b (same numeric type) and an i32 c; pushes c ? a : b. */
  select(): this {
    this.begin();
    this.pop(I32, Op.select);
    const t1 = this.pop(UNKNOWN, Op.select);
    const t2 = this.pop(t1, Op.select);
    this.push(t1 === UNKNOWN ? t2 : t1);
    this.code.u8(C.select);
    return this;
  }

  drop(): this {
    this.begin();
    this.pop(UNKNOWN, Op.drop);
    this.code.u8(C.drop);
    return this;
  }

  unreachable(): this {
    this.begin();
    this.setUnreachable();
    this.code.u8(C.unreachable);
    return this;
  }

  /** End the body: every block closed and the function's results (only) on the stack. */
  finish(): this {
    this.begin();
    if (this.depth !== 1) {
      const open: string[] = [];
      for (let f = 1; f < this.depth; f++) open.push(FRAME_NAMES[this.fKind[f]!]!);
      this.failOp(Op.end, `${this.depth - 1} block(s) still open (${open.join(", ")})`);
    }
    this.popAll(this.results(this.fType[0]!), Op.end);
    this.checkEmpty(0, Op.end);
    this.depth = 0;
    this.code.u8(C.end);
    this.finished = true;
    return this;
  }

  // ---- the validator's stacks ----

  /** Before an instruction (first thing in every emitting method): the function must still be
   *  open, and no earlier call may have failed (a failed call leaves the stacks half-updated). */
  /** Record `hint` (if any) for the instruction about to be written. */
  private hintHere(hint: BranchHint | undefined): void {
    if (hint !== undefined) this.hints.push(this.code.length, hint === "likely" ? 1 : 0);
  }

  private begin(): void {
    if (this.finished) throw new Error(`wasm emitter: ${this.name}: instruction after finish()`);
    if (this.failed) throw new Error(`wasm emitter: ${this.name}: unusable after an earlier error`);
    this.count++;
  }

  private push(t: number): void {
    this.stack[this.sp++] = t;
  }

  /** Pop an operand of type `expect` (UNKNOWN: any type); its type. */
  private pop(expect: number, id: number): number {
    const f = this.depth - 1;
    if (this.sp === this.fHeight[f]) {
      if (this.fUnreach[f] !== 0) return expect;
      this.failOp(
        id,
        `expected ${expect === UNKNOWN ? "an operand" : valTypeName(expect)} but the ${FRAME_NAMES[this.fKind[f]!]}'s stack is empty`,
      );
    }
    const t = this.stack[--this.sp]!;
    if (t !== expect && expect !== UNKNOWN && t !== UNKNOWN) {
      this.sp++;
      this.failOp(id, `expected ${valTypeName(expect)} but found ${valTypeName(t)}`);
    }
    return t;
  }

  /** Apply instruction id's stack effect from the table: pop its operands, push its result. */
  private effect(id: number): void {
    for (let i = OP_NPOP[id]! - 1; i >= 0; i--) this.pop(OP_POP[id * 3 + i]!, id);
    const t = OP_PUSH[id]!;
    if (t !== 0) this.push(t);
  }

  private popAll(types: readonly ValType[], id: number): void {
    for (let i = types.length - 1; i >= 0; i--) this.pop(types[i]!, id);
  }

  private pushAll(types: readonly ValType[]): void {
    for (let i = 0; i < types.length; i++) this.push(types[i]!);
  }

  /** Check the top operands against types without popping them (br_table's other targets). */
  private peekAll(types: readonly ValType[], id: number): void {
    const sp = this.sp;
    try {
      this.popAll(types, id);
    } finally {
      this.sp = sp;
    }
  }

  /** At the end of frame f: nothing may be left above its entry height. */
  private checkEmpty(f: number, id: number): void {
    const extra = this.sp - this.fHeight[f]!;
    if (extra > 0) this.failOp(id, `${extra} value(s) left on the ${FRAME_NAMES[this.fKind[f]!]}'s stack`);
  }

  private setUnreachable(): void {
    const f = this.depth - 1;
    this.sp = this.fHeight[f]!;
    this.fUnreach[f] = 1;
  }

  private openBlock(kind: number, id: OpId, bt: BlockType): Label {
    this.begin();
    this.checkBlockType(bt, id);
    return this.enterBlock(kind, id, bt);
  }

  /** Pop the block's parameters, open its frame, push them back inside it, write the opcode. */
  private enterBlock(kind: number, id: OpId, bt: BlockType): Label {
    const params = this.params(bt);
    this.popAll(params, id);
    const label = this.openFrame(kind, bt);
    this.pushAll(params);
    this.code.u8(OP_CODE[id]!);
    this.code.s32(bt);
    return label;
  }

  private openFrame(kind: number, bt: number): Label {
    const f = this.depth++;
    this.fKind[f] = kind;
    this.fHeight[f] = this.sp;
    this.fUnreach[f] = 0;
    this.fType[f] = bt;
    const label = nextLabel++;
    this.fLabel[f] = label;
    this.frameOf[label - this.firstLabel] = f;
    return label as Label;
  }

  /** Relative depth of the open frame carrying `label`. */
  private labelDepth(label: Label, id: number): number {
    const f = this.frameOf[label - this.firstLabel];
    if (f !== undefined && f < this.depth && this.fLabel[f] === label) return this.depth - 1 - f;
    return this.failOp(id, `label ${label} is not an open block of this function (its block has ended)`);
  }

  /** What a branch to frame f carries: a loop's parameters, otherwise the results. */
  private labelTypes(f: number): readonly ValType[] {
    const bt = this.fType[f]!;
    return this.fKind[f] === F_LOOP ? this.params(bt) : this.results(bt);
  }

  /** Frame 0's type is the function type index; other frames hold a block type. */
  private params(bt: number): readonly ValType[] {
    return bt >= 0 ? this.mod.typeAt(bt).params : NONE;
  }

  private results(bt: number): readonly ValType[] {
    if (bt >= 0) return this.mod.typeAt(bt).results;
    return bt === Block.void ? NONE : ONE[bt + 0x80]!;
  }

  private checkBlockType(bt: BlockType, id: number): void {
    if (bt === Block.void || (bt >= Block.f64 && bt <= Block.i32)) return;
    if (Number.isInteger(bt) && bt >= 0) {
      this.typeAt(bt, id);
      return;
    }
    this.failOp(id, `${bt} is not a block type (Block.void, Block.i64..., or a type index)`);
  }

  private typeAt(index: number, id: number): FuncType {
    try {
      return this.mod.typeAt(index);
    } catch (e) {
      return this.failOp(id, (e as Error).message);
    }
  }

  private localType(i: number, id: number): ValType {
    const t = this.localTypes[i];
    if (t === undefined || !Number.isInteger(i)) {
      this.failOp(id, `no local ${i} (the function has ${this.localTypes.length})`);
    }
    return t;
  }

  private global(i: number, id: number): { type: ValType; mutable: boolean } {
    try {
      return this.mod.globalAt(i);
    } catch (e) {
      return this.failOp(id, (e as Error).message);
    }
  }

  private opcode(code: number): void {
    if (code > 0xff) this.code.u8x2(0xfc, code & 0xff);
    else this.code.u8(code);
  }

  /** Throw the emitter's error for instruction `id` at the current position. */
  private failOp(id: number, what: string): never {
    this.failed = true;
    const name = id >= 0 && id < OP_COUNT ? OP_NAME[id] : `instruction id ${id}`;
    const base = this.fHeight[Math.max(0, this.depth - 1)] ?? 0;
    const types: string[] = [];
    for (let i = Math.max(base, this.sp - 8); i < this.sp; i++) types.push(valTypeName(this.stack[i]!));
    const more = this.sp - base > 8 ? "... " : "";
    throw new Error(
      `wasm emitter: ${this.name}, instruction #${this.count} (${name}): ${what}; operand stack [${more}${types.join(" ")}]`,
    );
  }
}

function isWord(v: number): boolean {
  return Number.isInteger(v) && v >= -0x8000_0000 && v <= 0xffff_ffff;
}

function sameTypes(a: readonly ValType[], b: readonly ValType[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

/** Types as the text format's result list: "[i64 i32]", "[]". */
export function typesText(types: readonly number[]): string {
  return `[${types.map(valTypeName).join(" ")}]`;
}
