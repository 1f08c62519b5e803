// A WebAssembly module under construction: function types (deduplicated), imports (functions,
// one memory, one table, globals), functions, globals, exports; encoded into the binary format
// (core spec, binary/modules.rst) with the sections in their required order and a "name" custom
// section carrying function names (V8 shows them in stack traces and profiles). No start
// section, no data or element segments: a translated region's module gets its memory, tables and
// helpers from its imports.

import { ByteBuffer } from "./buffer.js";
import { FuncBuilder, type ModuleContext } from "./func.js";
import { OP_CODE, Op } from "./opcodes.js";
import { checkId, type FuncType, I32, I64, isValType, type ValType, valTypeName } from "./types.js";

/** Limits of a memory (64 KiB pages) or a table (entries). */
export interface Limits {
  min: number;
  max?: number;
  /** A shared memory (threads proposal): needs max. Default false. */
  shared?: boolean;
}

export interface Import {
  module: string;
  name: string;
}

export interface FuncImport extends Import {
  typeIndex: number;
  /** Text-format name ($name). */
  id: string;
}

export interface Global {
  type: ValType;
  mutable: boolean;
  /** Imported from, or undefined for a global defined with `init`. */
  from?: Import;
  /** Initial value of a defined global (a bigint for i64). */
  init?: number | bigint;
  id?: string;
}

export interface Memory {
  limits: Limits;
  from?: Import;
}

export interface Table {
  limits: Limits;
  from?: Import;
}

export type ExportKind = "func" | "table" | "memory" | "global";

export interface Export {
  name: string;
  kind: ExportKind;
  index: number;
}

const EXPORT_CODE: Record<ExportKind, number> = { func: 0, table: 1, memory: 2, global: 3 };
const MAX_PAGES = 65536;

export class ModuleBuilder implements ModuleContext {
  readonly types: FuncType[] = [];
  readonly funcImports: FuncImport[] = [];
  readonly funcs: FuncBuilder[] = [];
  readonly globals: Global[] = [];
  readonly exports: Export[] = [];
  memory: Memory | undefined;
  table: Table | undefined;
  private readonly typeKeys = new Map<string, number>();
  private readonly ids = new Set<string>();
  private readonly exportNames = new Set<string>();

  /** The index of the function type (params) -> (results), added if new. */
  type(params: readonly ValType[], results: readonly ValType[]): number {
    let key = "";
    for (const t of params) key += typeChar(t);
    key += ">";
    for (const t of results) key += typeChar(t);
    let i = this.typeKeys.get(key);
    if (i === undefined) {
      i = this.types.length;
      this.types.push({ params: [...params], results: [...results] });
      this.typeKeys.set(key, i);
    }
    return i;
  }

  /** Import a function; its function index. Every import comes before the first func(). */
  importFunc(
    from: Import,
    params: readonly ValType[],
    results: readonly ValType[],
    id = `${from.module}.${from.name}`,
  ): number {
    if (this.funcs.length > 0) {
      throw new Error(
        `wasm module: import ${from.module}.${from.name} after a function (imports are numbered first)`,
      );
    }
    this.claimId(id);
    this.funcImports.push({
      module: from.module,
      name: from.name,
      typeIndex: this.type(params, results),
      id,
    });
    return this.funcImports.length - 1;
  }

  /** Import the module's memory. */
  importMemory(from: Import, limits: Limits): void {
    this.setMemory({ limits: checkLimits("memory", limits, MAX_PAGES), from });
  }

  /** Define the module's memory. */
  defineMemory(limits: Limits): void {
    this.setMemory({ limits: checkLimits("memory", limits, MAX_PAGES) });
  }

  /** Import the module's table (of funcref, for call_indirect). */
  importTable(from: Import, limits: Limits): void {
    this.setTable({ limits: checkLimits("table", limits, 0xffff_ffff), from });
  }

  /** Define the module's table (of funcref; entries start null, export it to fill it). */
  defineTable(limits: Limits): void {
    this.setTable({ limits: checkLimits("table", limits, 0xffff_ffff) });
  }

  /** Import a global; its index. Imported globals come before defined ones. */
  importGlobal(from: Import, type: ValType, mutable: boolean, id?: string): number {
    if (this.globals.some((g) => g.from === undefined)) {
      throw new Error(`wasm module: import ${from.module}.${from.name} after a defined global`);
    }
    return this.addGlobal({ type, mutable, from }, id);
  }

  /** Define a global with a constant initial value; its index. */
  defineGlobal(type: ValType, mutable: boolean, init: number | bigint, id?: string): number {
    if (type === I64 ? typeof init !== "bigint" : typeof init !== "number") {
      throw new Error(
        `wasm module: a ${valTypeName(type)} global needs a ${type === I64 ? "bigint" : "number"} initial value`,
      );
    }
    if (
      type === I32 &&
      !(Number.isInteger(init) && (init as number) >= -0x8000_0000 && (init as number) <= 0xffff_ffff)
    ) {
      throw new Error(`wasm module: ${init} is not a 32-bit integer`);
    }
    return this.addGlobal({ type, mutable, init }, id);
  }

  /** Start a function; emit its body through the builder. Its index is builder.index. */
  func(
    id: string,
    params: readonly ValType[],
    results: readonly ValType[],
    paramNames: readonly (string | undefined)[] = [],
  ): FuncBuilder {
    this.claimId(id);
    const f = new FuncBuilder(
      this,
      this.funcImports.length + this.funcs.length,
      id,
      this.type(params, results),
      paramNames,
    );
    this.funcs.push(f);
    return f;
  }

  /** Export a function, table, memory or global under `name`. */
  export(name: string, kind: ExportKind, index: number): void {
    if (this.exportNames.has(name)) throw new Error(`wasm module: two exports named '${name}'`);
    const count = {
      func: this.funcImports.length + this.funcs.length,
      table: this.table ? 1 : 0,
      memory: this.memory ? 1 : 0,
      global: this.globals.length,
    }[kind];
    if (!(Number.isInteger(index) && index >= 0 && index < count)) {
      throw new Error(`wasm module: export '${name}': no ${kind} ${index}`);
    }
    this.exportNames.add(name);
    this.exports.push({ name, kind, index });
  }

  // ---- ModuleContext ----

  typeAt(index: number): FuncType {
    const t = this.types[index];
    if (t === undefined) throw new Error(`no type ${index} (the module has ${this.types.length})`);
    return t;
  }

  funcTypeIndex(index: number): number {
    const n = this.funcImports.length;
    const f = index < n ? this.funcImports[index]?.typeIndex : this.funcs[index - n]?.typeIndex;
    if (f === undefined || !Number.isInteger(index)) {
      throw new Error(`no function ${index} (the module has ${n + this.funcs.length})`);
    }
    return f;
  }

  globalAt(index: number): { type: ValType; mutable: boolean } {
    const g = this.globals[index];
    if (g === undefined) throw new Error(`no global ${index} (the module has ${this.globals.length})`);
    return g;
  }

  hasMemory(): boolean {
    return this.memory !== undefined;
  }

  hasTable(): boolean {
    return this.table !== undefined;
  }

  /** Text-format name of function `index`. */
  funcId(index: number): string {
    const n = this.funcImports.length;
    return index < n ? this.funcImports[index]!.id : this.funcs[index - n]!.name;
  }

  // ---- encoding ----

  /** The module in the binary format. Functions not yet finished are finished (and checked)
   *  first. */
  encode(): Uint8Array<ArrayBuffer> {
    for (const f of this.funcs) if (!f.isFinished) f.finish();
    const out = OUT;
    const sec = SEC;
    out.reset();
    out.append(HEADER);
    this.section(out, sec, 1, this.types.length, () => this.encodeTypes(sec));
    const imports =
      this.funcImports.length +
      (this.memory?.from ? 1 : 0) +
      (this.table?.from ? 1 : 0) +
      this.globals.filter((g) => g.from).length;
    this.section(out, sec, 2, imports, () => this.encodeImports(sec));
    this.section(out, sec, 3, this.funcs.length, () => {
      sec.u32(this.funcs.length);
      for (const f of this.funcs) sec.u32(f.typeIndex);
    });
    this.section(out, sec, 4, this.table && !this.table.from ? 1 : 0, () => {
      sec.u32(1);
      encodeTable(sec, this.table!.limits);
    });
    this.section(out, sec, 5, this.memory && !this.memory.from ? 1 : 0, () => {
      sec.u32(1);
      encodeLimits(sec, this.memory!.limits);
    });
    const defined = this.globals.filter((g) => !g.from);
    this.section(out, sec, 6, defined.length, () => {
      sec.u32(defined.length);
      for (const g of defined) encodeGlobal(sec, g);
    });
    this.section(out, sec, 7, this.exports.length, () => {
      sec.u32(this.exports.length);
      for (const e of this.exports) {
        sec.name(e.name);
        sec.u8(EXPORT_CODE[e.kind]);
        sec.u32(e.index);
      }
    });
    const hinted = this.funcs.filter((f) => f.hints.length > 0);
    this.section(out, sec, 0, hinted.length, () => this.encodeHints(sec, hinted));
    this.section(out, sec, 10, this.funcs.length, () => this.encodeCode(sec));
    this.section(out, sec, 0, this.funcs.length + this.funcImports.length, () => this.encodeNames(sec));
    return out.toBytes();
  }

  /** Compile the module (synchronously: Node, or a Web Worker). */
  compile(): WebAssembly.Module {
    return new WebAssembly.Module(this.encode());
  }

  /** Write section `id` (skipped when it has no entries): its contents go through `sec`. */
  private section(out: ByteBuffer, sec: ByteBuffer, id: number, entries: number, write: () => void): void {
    if (entries === 0) return;
    sec.reset();
    write();
    out.u8(id);
    out.u32(sec.length);
    out.append(sec.bytes, 0, sec.length);
  }

  private encodeTypes(sec: ByteBuffer): void {
    sec.u32(this.types.length);
    for (const t of this.types) {
      sec.u8(0x60);
      sec.u32(t.params.length);
      for (const p of t.params) sec.u8(p);
      sec.u32(t.results.length);
      for (const r of t.results) sec.u8(r);
    }
  }

  private encodeImports(sec: ByteBuffer): void {
    let n = this.funcImports.length + this.globals.filter((g) => g.from).length;
    if (this.memory?.from) n++;
    if (this.table?.from) n++;
    sec.u32(n);
    for (const f of this.funcImports) {
      importName(sec, f);
      sec.u8(0x00);
      sec.u32(f.typeIndex);
    }
    if (this.table?.from) {
      importName(sec, this.table.from);
      sec.u8(0x01);
      encodeTable(sec, this.table.limits);
    }
    if (this.memory?.from) {
      importName(sec, this.memory.from);
      sec.u8(0x02);
      encodeLimits(sec, this.memory.limits);
    }
    for (const g of this.globals) {
      if (!g.from) continue;
      importName(sec, g.from);
      sec.u8(0x03);
      sec.u8(g.type);
      sec.u8(g.mutable ? 1 : 0);
    }
  }

  /** Each body: its size, the local declarations (runs of one type), the instructions. */
  private encodeCode(sec: ByteBuffer): void {
    sec.u32(this.funcs.length);
    const decl = DECL;
    for (const f of this.funcs) {
      decl.reset();
      encodeLocals(decl, f.localTypes, f.paramCount);
      sec.u32(decl.length + f.code.length);
      sec.append(decl.bytes, 0, decl.length);
      sec.append(f.code.bytes, 0, f.code.length);
    }
  }

  /** The "metadata.code.branch_hint" custom section (the branch-hinting proposal): per function
   *  (by index, increasing), its hints with offsets from the start of its body (the locals'
   *  declarations included), each of size 1. */
  private encodeHints(sec: ByteBuffer, funcs: readonly FuncBuilder[]): void {
    sec.name("metadata.code.branch_hint");
    sec.u32(funcs.length);
    for (const f of funcs) {
      DECL.reset();
      encodeLocals(DECL, f.localTypes, f.paramCount);
      sec.u32(f.index);
      sec.u32(f.hints.length / 2);
      for (let i = 0; i < f.hints.length; i += 2) {
        sec.u32(DECL.length + f.hints[i]!);
        sec.u32(1);
        sec.u8(f.hints[i + 1]!);
      }
    }
  }

  /** The "name" custom section (appendix/custom.rst): subsection 1, function names. */
  private encodeNames(sec: ByteBuffer): void {
    sec.name("name");
    const sub = DECL;
    sub.reset();
    const n = this.funcImports.length + this.funcs.length;
    sub.u32(n);
    for (let i = 0; i < n; i++) {
      sub.u32(i);
      sub.name(this.funcId(i));
    }
    sec.u8(1);
    sec.u32(sub.length);
    sec.append(sub.bytes, 0, sub.length);
  }

  private claimId(id: string): void {
    checkId("function", id);
    if (this.ids.has(id)) throw new Error(`wasm module: two functions named '${id}'`);
    this.ids.add(id);
  }

  private setMemory(m: Memory): void {
    if (this.memory) throw new Error("wasm module: a second memory (one is allowed)");
    this.memory = m;
  }

  private setTable(t: Table): void {
    if (this.table) throw new Error("wasm module: a second table (one is allowed)");
    if (t.limits.shared) throw new Error("wasm module: a table cannot be shared");
    this.table = t;
  }

  private addGlobal(g: Global, id: string | undefined): number {
    if (!isValType(g.type)) throw new Error(`wasm module: global type ${g.type} is not a value type`);
    if (id !== undefined) g.id = checkId("global", id);
    this.globals.push(g);
    return this.globals.length - 1;
  }
}

// Scratch buffers of encode(), reused (encoding is synchronous and allocates only its result).
const OUT = new ByteBuffer(4096);
const SEC = new ByteBuffer(4096);
const DECL = new ByteBuffer(256);

/** One character per value type, for the key of a function type. */
function typeChar(t: number): string {
  if (!isValType(t)) throw new Error(`wasm module: ${t} is not a value type`);
  return String.fromCharCode(t);
}

/** "\0asm" and version 1. */
const HEADER = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

function checkLimits(what: string, l: Limits, most: number): Limits {
  const ok = (v: number): boolean => Number.isInteger(v) && v >= 0 && v <= most;
  if (!ok(l.min)) throw new Error(`wasm module: ${what} minimum ${l.min} is out of range (0..${most})`);
  if (l.max !== undefined && (!ok(l.max) || l.max < l.min)) {
    throw new Error(`wasm module: ${what} maximum ${l.max} is out of range (${l.min}..${most})`);
  }
  if (l.shared && l.max === undefined) throw new Error(`wasm module: a shared ${what} needs a maximum`);
  return { ...l };
}

/** Limits: flag 0 (min), 1 (min, max), 3 (min, max, shared). */
function encodeLimits(b: ByteBuffer, l: Limits): void {
  b.u8(l.max === undefined ? 0 : l.shared ? 3 : 1);
  b.u32(l.min);
  if (l.max !== undefined) b.u32(l.max);
}

function encodeTable(b: ByteBuffer, l: Limits): void {
  b.u8(0x70);
  encodeLimits(b, l);
}

function importName(b: ByteBuffer, from: Import): void {
  b.name(from.module);
  b.name(from.name);
}

/** A defined global: type, mutability, a constant expression ending in `end`. */
function encodeGlobal(b: ByteBuffer, g: Global): void {
  b.u8(g.type);
  b.u8(g.mutable ? 1 : 0);
  const v = g.init!;
  switch (g.type) {
    case I32:
      b.u8(OP_CODE[Op.i32_const]!);
      b.s32(v as number);
      break;
    case I64:
      b.u8(OP_CODE[Op.i64_const]!);
      b.s64Big(v as bigint);
      break;
    case 0x7d:
      b.u8(OP_CODE[Op.f32_const]!);
      b.f32(v as number);
      break;
    default:
      b.u8(OP_CODE[Op.f64_const]!);
      b.f64(v as number);
  }
  b.u8(OP_CODE[Op.end]!);
}

/** The local declarations after the parameters, as runs of consecutive locals of one type. */
function encodeLocals(b: ByteBuffer, types: readonly ValType[], from: number): void {
  let runs = 0;
  for (let i = from; i < types.length; i++) if (i === from || types[i] !== types[i - 1]) runs++;
  b.u32(runs);
  let i = from;
  while (i < types.length) {
    let j = i + 1;
    while (j < types.length && types[j] === types[i]) j++;
    b.u32(j - i);
    b.u8(types[i]!);
    i = j;
  }
}
