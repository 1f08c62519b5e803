// The WebAssembly text format (core spec, text/*.rst) of a ModuleBuilder's module, for
// `--dump-jit` and for reading what the translator emitted. Function bodies are printed by
// decoding their bytes with the opcode table (opcodes.ts), the same table the encoder writes
// from, so the text always shows what was encoded. Linear form, one instruction a line, indented
// by block nesting; blocks carry a `;; label = @N` comment and branches name their target @N.

import type { FuncBuilder } from "./func.js";
import type { Global, Limits, ModuleBuilder } from "./module.js";
import { BY_CODE, BY_FC, K, OP_ALIGN, OP_KIND, OP_NAME } from "./opcodes.js";
import { ByteReader } from "./reader.js";
import { Block, type FuncType, valTypeName } from "./types.js";

const INDENT = "  ";

/** The whole module as text. */
export function printWat(m: ModuleBuilder): string {
  const lines = ["(module"];
  m.types.forEach((t, i) => {
    lines.push(`${INDENT}(type (;${i};) (func${signature(t)}))`);
  });
  m.funcImports.forEach((f, i) => {
    lines.push(
      `${INDENT}(import "${f.module}" "${f.name}" (func $${f.id} (;${i};) (type ${f.typeIndex})${signature(m.types[f.typeIndex]!)}))`,
    );
  });
  if (m.table?.from)
    lines.push(
      `${INDENT}(import ${importText(m.table.from)} (table (;0;) ${limitsText(m.table.limits)} funcref))`,
    );
  if (m.memory?.from)
    lines.push(
      `${INDENT}(import ${importText(m.memory.from)} (memory (;0;) ${limitsText(m.memory.limits)}))`,
    );
  m.globals.forEach((g, i) => {
    if (g.from)
      lines.push(`${INDENT}(import ${importText(g.from)} (global${globalId(g, i)} ${globalType(g)}))`);
  });
  if (m.table && !m.table.from) lines.push(`${INDENT}(table (;0;) ${limitsText(m.table.limits)} funcref)`);
  if (m.memory && !m.memory.from) lines.push(`${INDENT}(memory (;0;) ${limitsText(m.memory.limits)})`);
  m.globals.forEach((g, i) => {
    if (!g.from) lines.push(`${INDENT}(global${globalId(g, i)} ${globalType(g)} (${initText(g)}))`);
  });
  for (const f of m.funcs) lines.push(printFunc(m, f, INDENT));
  for (const e of m.exports) {
    const target = e.kind === "func" ? `$${m.funcId(e.index)}` : String(e.index);
    lines.push(`${INDENT}(export "${e.name}" (${e.kind} ${target}))`);
  }
  lines.push(")");
  return `${lines.join("\n")}\n`;
}

/** One function of m as a (func ...) field, each line prefixed by `indent`. */
export function printFunc(m: ModuleBuilder, f: FuncBuilder, indent = ""): string {
  const t = m.types[f.typeIndex]!;
  const head = `${indent}(func $${f.name} (;${f.index};) (type ${f.typeIndex})${vars("param", f, 0, t.params.length)}${results(t.results)}`;
  const lines = [head];
  const locals = vars("local", f, t.params.length, f.localTypes.length);
  if (locals) lines.push(`${indent}${INDENT}${locals.trimStart()}`);
  printBody(m, f, `${indent}${INDENT}`, lines);
  lines.push(`${indent})`);
  return lines.join("\n");
}

/** Decode f's instructions into lines (the body's final `end` is not printed). */
function printBody(m: ModuleBuilder, f: FuncBuilder, indent: string, lines: string[]): void {
  const r = new ByteReader(f.code.bytes, 0, f.code.length);
  let depth = 0;
  const pad = (): string => indent + INDENT.repeat(depth);
  const hints = new Map<number, number>();
  for (let i = 0; i < f.hints.length; i += 2) hints.set(f.hints[i]!, f.hints[i + 1]!);
  while (!r.done()) {
    const at = r.pos;
    const hint = hints.get(at);
    // the text format's annotation of a branch hint (the branch-hinting proposal)
    if (hint !== undefined) lines.push(`${pad()}(@metadata.code.branch_hint "\\0${hint}")`);
    const byte = r.u8();
    const id = byte === 0xfc ? BY_FC[r.u32()] : BY_CODE[byte];
    if (id === undefined || id < 0)
      throw new Error(`wasm printer: ${f.name}: unknown opcode 0x${byte.toString(16)} at byte ${at}`);
    const name = OP_NAME[id]!;
    switch (OP_KIND[id]) {
      case K.none:
        lines.push(pad() + name);
        break;
      case K.ctl:
        if (name === "end") {
          if (depth === 0) return;
          depth--;
        }
        if (name === "else") lines.push(indent + INDENT.repeat(depth - 1) + name);
        else lines.push(pad() + name);
        break;
      case K.i32:
        lines.push(`${pad()}${name} ${r.s32()}`);
        break;
      case K.i64:
        lines.push(`${pad()}${name} ${r.s64()}`);
        break;
      case K.f32:
        lines.push(`${pad()}${name} ${f32Text(r.f32Bits())}`);
        break;
      case K.f64:
        lines.push(`${pad()}${name} ${f64Text(r.f64Bits())}`);
        break;
      case K.local: {
        const i = r.u32();
        const n = f.localNames[i];
        lines.push(`${pad()}${name} ${n === undefined ? i : `$${n}`}`);
        break;
      }
      case K.global: {
        const i = r.u32();
        const g = m.globals[i];
        lines.push(`${pad()}${name} ${g?.id === undefined ? i : `$${g.id}`}`);
        break;
      }
      case K.func:
        lines.push(`${pad()}${name} $${m.funcId(r.u32())}`);
        break;
      case K.memarg:
        lines.push(pad() + name + memarg(r.u32(), r.u32(), OP_ALIGN[id]!));
        break;
      case K.block: {
        const bt = r.s33();
        lines.push(`${pad()}${name}${blockTypeText(m, bt)}  ;; label = @${depth + 1}`);
        depth++;
        break;
      }
      case K.label: {
        const l = r.u32();
        lines.push(`${pad()}${name} ${l} (;@${depth - l};)`);
        break;
      }
      case K.labels: {
        const n = r.u32();
        const ls: number[] = [];
        for (let i = 0; i <= n; i++) ls.push(r.u32());
        lines.push(`${pad()}${name} ${ls.join(" ")} (;${ls.map((l) => `@${depth - l}`).join(" ")};)`);
        break;
      }
      case K.indirect: {
        const ti = r.u32();
        r.u8();
        lines.push(`${pad()}${name} (type ${ti})`);
        break;
      }
      case K.mem0:
        r.u8();
        lines.push(pad() + name);
        break;
      default:
        throw new Error(`wasm printer: ${name}: no immediate kind`);
    }
  }
}

/** " (param i64 i64) (result i32)" */
function signature(t: FuncType): string {
  return (t.params.length ? ` (param ${t.params.map(valTypeName).join(" ")})` : "") + results(t.results);
}

function results(rs: readonly number[]): string {
  return rs.length ? ` (result ${rs.map(valTypeName).join(" ")})` : "";
}

/** Parameters or locals [from, to) of f: unnamed runs grouped, named ones one by one. */
function vars(what: "param" | "local", f: FuncBuilder, from: number, to: number): string {
  let s = "";
  let run: string[] = [];
  const flush = (): void => {
    if (run.length) s += ` (${what} ${run.join(" ")})`;
    run = [];
  };
  for (let i = from; i < to; i++) {
    const n = f.localNames[i];
    const t = valTypeName(f.localTypes[i]!);
    if (n === undefined) run.push(t);
    else {
      flush();
      s += ` (${what} $${n} ${t})`;
    }
  }
  flush();
  return s;
}

function memarg(align: number, offset: number, natural: number): string {
  return (offset ? ` offset=${offset}` : "") + (align !== natural ? ` align=${2 ** align}` : "");
}

function blockTypeText(m: ModuleBuilder, bt: number): string {
  if (bt === Block.void) return "";
  if (bt < 0) return results([bt + 0x80]);
  return ` (type ${bt})${signature(m.types[bt]!)}`;
}

function importText(from: { module: string; name: string }): string {
  return `"${from.module}" "${from.name}"`;
}

function limitsText(l: Limits): string {
  return `${l.min}${l.max === undefined ? "" : ` ${l.max}`}${l.shared ? " shared" : ""}`;
}

function globalId(g: Global, i: number): string {
  return g.id === undefined ? ` (;${i};)` : ` $${g.id} (;${i};)`;
}

function globalType(g: Global): string {
  return g.mutable ? `(mut ${valTypeName(g.type)})` : valTypeName(g.type);
}

function initText(g: Global): string {
  const t = valTypeName(g.type);
  if (t === "f32") return `f32.const ${f32Text(bitsOf32(g.init as number))}`;
  if (t === "f64") return `f64.const ${f64Text(bitsOf64(g.init as number))}`;
  return `${t}.const ${t === "i32" ? (g.init as number) | 0 : BigInt.asIntN(64, g.init as bigint)}`;
}

const SCRATCH = new DataView(new ArrayBuffer(8));

function bitsOf32(v: number): number {
  SCRATCH.setFloat32(0, v, true);
  return SCRATCH.getUint32(0, true);
}

function bitsOf64(v: number): bigint {
  SCRATCH.setFloat64(0, v, true);
  return SCRATCH.getBigUint64(0, true);
}

/** A single as text: nan, nan:0x..., inf, or the shortest decimal that reads back exactly. */
export function f32Text(bits: number): string {
  const sign = bits >>> 31 ? "-" : "";
  const exp = (bits >>> 23) & 0xff;
  const frac = bits & 0x7fffff;
  if (exp === 0xff)
    return sign + (frac === 0 ? "inf" : frac === 0x400000 ? "nan" : `nan:0x${frac.toString(16)}`);
  SCRATCH.setUint32(0, bits, true);
  const v = SCRATCH.getFloat32(0, true);
  if (v === 0) return `${sign}0`;
  for (let p = 1; p < 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(v);
}

/** A double as text: nan, nan:0x..., inf, or the shortest decimal that reads back exactly. */
export function f64Text(bits: bigint): string {
  const sign = bits >> 63n ? "-" : "";
  const exp = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  if (exp === 0x7ff)
    return sign + (frac === 0n ? "inf" : frac === 1n << 51n ? "nan" : `nan:0x${frac.toString(16)}`);
  SCRATCH.setBigUint64(0, bits, true);
  const v = SCRATCH.getFloat64(0, true);
  return v === 0 ? `${sign}0` : String(v);
}
