// A pack: several region modules linked into one WebAssembly module, so that a program's cached
// regions cost V8 one NativeModule (one code space, its jump tables, one Instance) instead of
// one each (about 0.5 ms of the interpreter's thread a region: docs/jit.md "The translation
// cache", Packs).
//
// linkRegions takes region modules as the emitter encodes them (module.ts: types, the imports
// env.calls and env.mem and no function import, functions, the export "run", the branch hints,
// the code, the names) and makes one module with the same imports whose export `${k}` is the
// `run` of the k-th module. Every function body is copied byte for byte but for the function
// index of a `call` and the type index of a `call_indirect` or a block, rewritten in place with
// the same number of bytes (a LEB128 may be padded: binary/values.rst), so the branch hints'
// offsets into the bodies hold as they were. Helper functions without calls that are the same
// in several modules (type, body and hints) are kept once. A module of another shape, an
// instruction the emitter's table (opcodes.ts) does not know or an index that does not fit its
// bytes makes no pack (null): the regions are then installed one module each, as before.

import { ByteBuffer } from "./buffer.js";
import { BY_CODE, BY_FC, K, OP_KIND } from "./opcodes.js";

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const HINTS = "metadata.code.branch_hint";

/** A region module taken apart: what linking needs. */
interface Parsed {
  /** Each function type's bytes (0x60, params, results). */
  types: Uint8Array[];
  /** The import section's contents. */
  imports: Uint8Array;
  /** Per function (the module imports none): its type index, body (locals and code), branch
   *  hints (the section's bytes for it after the function index: count and entries, or an
   *  empty array) and name. */
  funcs: { type: number; body: Uint8Array; hints: Uint8Array; name: string }[];
  /** The function exported as "run". */
  run: number;
}

/** A cursor over bytes: unsigned LEB128s of 32 bits without BigInt, names, skips. Throws on a
 *  malformed or truncated input (linkRegions turns that into no pack). */
class Cursor {
  constructor(
    readonly b: Uint8Array,
    public pos = 0,
    readonly end = b.length,
  ) {}

  u8(): number {
    if (this.pos >= this.end) throw new Error("pack: unexpected end of a module");
    return this.b[this.pos++]!;
  }

  u32(): number {
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const x = this.u8();
      v += (x & 0x7f) * 2 ** shift;
      if ((x & 0x80) === 0) return v;
    }
    throw new Error("pack: a LEB128 longer than 5 bytes");
  }

  /** Skip a LEB128 (signed or not, any width). */
  skipLeb(): void {
    while (this.u8() & 0x80);
  }

  take(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.end) throw new Error("pack: a length past the end");
    const s = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  name(): string {
    return new TextDecoder().decode(this.take(this.u32()));
  }
}

/** Module `m` taken apart, or an error when it is not of a region module's shape. */
function parse(m: Uint8Array): Parsed {
  const c = new Cursor(m);
  for (const b of HEADER) if (c.u8() !== b) throw new Error("pack: not a WebAssembly 1 module");
  let types: Uint8Array[] = [];
  let imports: Uint8Array | null = null;
  let fTypes: number[] = [];
  let bodies: Uint8Array[] = [];
  let run = -1;
  const hints = new Map<number, Uint8Array>();
  const names = new Map<number, string>();
  while (c.pos < c.end) {
    const id = c.u8();
    const size = c.u32();
    const body = c.take(size);
    const sc = new Cursor(body);
    if (id === 1) types = vec(sc, () => typeBytes(sc));
    else if (id === 2) imports = body;
    else if (id === 3) fTypes = vec(sc, () => sc.u32());
    else if (id === 7) run = exportedRun(sc);
    else if (id === 10) bodies = vec(sc, () => sc.take(sc.u32()));
    else if (id === 0) custom(sc, hints, names);
    else throw new Error(`pack: section ${id} in a region module`);
  }
  if (imports === null || importsFunctions(imports)) throw new Error("pack: a region module's imports");
  if (fTypes.length !== bodies.length || run < 0 || run >= bodies.length)
    throw new Error("pack: a region module's functions");
  const funcs = bodies.map((body, i) => ({
    type: fTypes[i]!,
    body,
    hints: hints.get(i) ?? new Uint8Array(0),
    name: names.get(i) ?? `f${i}`,
  }));
  if (funcs.some((f) => f.type >= types.length)) throw new Error("pack: a type index out of range");
  return { types, imports, funcs, run };
}

/** A vector of `read()` items (its count first). */
function vec<T>(c: Cursor, read: () => T): T[] {
  const n = c.u32();
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(read());
  return out;
}

/** A function type's bytes. */
function typeBytes(c: Cursor): Uint8Array {
  const at = c.pos;
  if (c.u8() !== 0x60) throw new Error("pack: a type that is no function type");
  c.take(c.u32());
  c.take(c.u32());
  return c.b.subarray(at, c.pos);
}

/** The function index exported as "run" (the only export). */
function exportedRun(c: Cursor): number {
  const ex = vec(c, () => ({ name: c.name(), kind: c.u8(), index: c.u32() }));
  if (ex.length !== 1 || ex[0]!.name !== "run" || ex[0]!.kind !== 0)
    throw new Error("pack: a region's exports");
  return ex[0]!.index;
}

/** Does an import section import a function? */
function importsFunctions(imports: Uint8Array): boolean {
  const c = new Cursor(imports);
  const kinds = vec(c, () => {
    c.name();
    c.name();
    const kind = c.u8();
    if (kind === 0x00 || kind === 0x03) c.skipLeb();
    else if (kind === 0x01) {
      c.u8();
      limits(c);
    } else if (kind === 0x02) limits(c);
    else throw new Error("pack: an import of an unknown kind");
    return kind;
  });
  return kinds.some((k) => k === 0x00 || k === 0x03);
}

/** Skip limits (flags, min, and max when flagged). */
function limits(c: Cursor): void {
  const flags = c.u8();
  c.u32();
  if (flags & 1) c.u32();
}

/** Read a custom section: the branch hints (per function, the bytes after its index) and the
 *  function names; others are left out. */
function custom(c: Cursor, hints: Map<number, Uint8Array>, names: Map<number, string>): void {
  const name = c.name();
  if (name === HINTS) {
    vec(c, () => {
      const f = c.u32();
      const at = c.pos;
      vec(c, () => {
        c.u32();
        if (c.u32() !== 1) throw new Error("pack: a branch hint of a size other than 1");
        c.u8();
      });
      hints.set(f, c.b.subarray(at, c.pos));
    });
  } else if (name === "name") {
    while (c.pos < c.end) {
      const sub = c.u8();
      const sc = new Cursor(c.take(c.u32()));
      if (sub === 1) vec(sc, () => names.set(sc.u32(), sc.name()));
    }
  }
}

/** Write `v` over the LEB128 of `len` bytes at `at` of `b`, padded to that length (`signed`: a
 *  non-negative s33, whose last byte keeps bit 6 clear). False when it does not fit. */
function patchLeb(b: Uint8Array, at: number, len: number, v: number, signed: boolean): boolean {
  if (v >= 2 ** (7 * len - (signed ? 1 : 0))) return false;
  for (let i = 0; i < len; i++) {
    b[at + i] = (Math.floor(v / 2 ** (7 * i)) & 0x7f) | (i < len - 1 ? 0x80 : 0);
  }
  return true;
}

/** The length of the LEB128 at `c.pos` (the cursor left there). */
function lebLen(c: Cursor): number {
  const at = c.pos;
  c.skipLeb();
  const n = c.pos - at;
  c.pos = at;
  return n;
}

/** Single-byte block types (empty and the value types). */
const BLOCK_BYTES = new Set([0x40, 0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f]);

/** Walk function body `body` (locals and instructions) and, if `out` is given (a copy of it),
 *  rewrite there each call's function index by `fmap` and each type index (call_indirect, a
 *  block type) by `tmap`, in place. Returns whether the body calls a function; throws on an
 *  instruction the emitter's table does not know or an index that does not fit its bytes. */
function walk(body: Uint8Array, out: Uint8Array | null, fmap: number[], tmap: number[]): boolean {
  const c = new Cursor(body);
  vec(c, () => {
    c.u32();
    c.u8();
  });
  let calls = false;
  const patch = (map: number[], signed: boolean): void => {
    const len = lebLen(c);
    const at = c.pos;
    const v = c.u32();
    if (out === null) return;
    const to = map[v];
    if (to === undefined || to < 0) throw new Error("pack: an index out of range");
    if (!patchLeb(out, at, len, to, signed)) throw new Error("pack: an index that does not fit");
  };
  while (c.pos < c.end) {
    const op = c.u8();
    const id = op === 0xfc ? BY_FC[c.u32()] : BY_CODE[op];
    if (id === undefined || id < 0) throw new Error(`pack: opcode 0x${op.toString(16)} unknown`);
    switch (OP_KIND[id]) {
      case K.none:
      case K.ctl:
        break;
      case K.i32:
      case K.i64:
      case K.local:
      case K.global:
      case K.label:
        c.skipLeb();
        break;
      case K.f32:
        c.take(4);
        break;
      case K.f64:
        c.take(8);
        break;
      case K.mem0:
        c.u8();
        break;
      case K.memarg:
        c.skipLeb();
        c.skipLeb();
        break;
      case K.labels: {
        const n = c.u32();
        for (let i = 0; i <= n; i++) c.skipLeb();
        break;
      }
      case K.func:
        calls = true;
        patch(fmap, false);
        break;
      case K.indirect:
        patch(tmap, false);
        c.skipLeb();
        break;
      case K.block:
        if (BLOCK_BYTES.has(body[c.pos]!)) c.u8();
        else patch(tmap, true);
        break;
      default:
        throw new Error("pack: an immediate of an unknown kind");
    }
  }
  return calls;
}

/** A byte string's text, for maps keyed by bytes. */
function bytesKey(...parts: Uint8Array[]): string {
  let s = "";
  for (const p of parts) {
    for (let i = 0; i < p.length; i += 4096) s += String.fromCharCode(...p.subarray(i, i + 4096));
    s += "|";
  }
  return s;
}

/** The region modules `mods` linked into one (see the file's head): its export `${k}` is module
 *  k's `run`. Null when they cannot be linked (another shape, other imports, an index that does
 *  not fit): then they are installed one module each. */
export function linkRegions(mods: readonly Uint8Array[]): Uint8Array<ArrayBuffer> | null {
  try {
    return link(mods.map(parse));
  } catch {
    return null;
  }
}

/** A linked function: type index, body, hints, name. */
interface Linked {
  type: number;
  body: Uint8Array;
  hints: Uint8Array;
  name: string;
}

/** linkRegions of parsed modules; throws when they cannot be linked. */
function link(ps: Parsed[]): Uint8Array<ArrayBuffer> {
  if (ps.length === 0) throw new Error("pack: nothing to link");
  const imports = ps[0]!.imports;
  const types: Uint8Array[] = [];
  const typeAt = new Map<string, number>();
  const helpers: Linked[] = [];
  const helperAt = new Map<string, number>();
  const tmaps = ps.map((p) => {
    if (bytesKey(p.imports) !== bytesKey(imports)) throw new Error("pack: regions with other imports");
    return p.types.map((t) => {
      const k = bytesKey(t);
      let at = typeAt.get(k);
      if (at === undefined) {
        at = types.length;
        types.push(t);
        typeAt.set(k, at);
      }
      return at;
    });
  });
  // helpers first (those without calls kept once), then the regions' run functions
  const fmaps = ps.map((p, m) =>
    p.funcs.map((f, i) => {
      if (i === p.run) return -1;
      const type = tmaps[m]![f.type]!;
      const leaf = !walk(f.body, null, [], tmaps[m]!);
      const k = leaf ? bytesKey(Uint8Array.of(type), f.body, f.hints) : "";
      const had = leaf ? helperAt.get(k) : undefined;
      if (had !== undefined) return had;
      helpers.push({ type, body: f.body, hints: f.hints, name: f.name });
      if (leaf) helperAt.set(k, helpers.length - 1);
      return helpers.length - 1;
    }),
  );
  ps.forEach((p, m) => {
    fmaps[m]![p.run] = helpers.length + m;
  });
  const funcs: Linked[] = [];
  const done = new Set<number>();
  ps.forEach((p, m) => {
    p.funcs.forEach((f, i) => {
      const to = fmaps[m]![i]!;
      if (done.has(to)) return;
      done.add(to);
      const body = Uint8Array.from(f.body);
      walk(f.body, body, fmaps[m]!, tmaps[m]!);
      funcs[to] = { type: tmaps[m]![f.type]!, body, hints: f.hints, name: f.name };
    });
  });
  return encode(types, imports, funcs, helpers.length);
}

/** The pack's bytes: its sections in the order the emitter writes them; the functions from
 *  `first` on are the regions, exported as "0", "1", ... */
function encode(
  types: Uint8Array[],
  imports: Uint8Array,
  funcs: Linked[],
  first: number,
): Uint8Array<ArrayBuffer> {
  const out = new ByteBuffer(1 << 16);
  const sec = new ByteBuffer(1 << 16);
  out.append(Uint8Array.from(HEADER));
  const section = (id: number, write: () => void): void => {
    sec.reset();
    write();
    out.u8(id);
    out.u32(sec.length);
    out.append(sec.bytes, 0, sec.length);
  };
  section(1, () => {
    sec.u32(types.length);
    for (const t of types) sec.append(t);
  });
  section(2, () => sec.append(imports));
  section(3, () => {
    sec.u32(funcs.length);
    for (const f of funcs) sec.u32(f.type);
  });
  section(7, () => {
    sec.u32(funcs.length - first);
    for (let i = first; i < funcs.length; i++) {
      sec.name(String(i - first));
      sec.u8(0);
      sec.u32(i);
    }
  });
  const hinted = funcs.map((f, i) => [f, i] as const).filter(([f]) => f.hints.length > 0);
  if (hinted.length > 0) {
    section(0, () => {
      sec.name(HINTS);
      sec.u32(hinted.length);
      for (const [f, i] of hinted) {
        sec.u32(i);
        sec.append(f.hints);
      }
    });
  }
  section(10, () => {
    sec.u32(funcs.length);
    for (const f of funcs) {
      sec.u32(f.body.length);
      sec.append(f.body);
    }
  });
  section(0, () => {
    sec.name("name");
    const sub = new ByteBuffer();
    sub.u32(funcs.length);
    funcs.forEach((f, i) => {
      sub.u32(i);
      sub.name(f.name);
    });
    sec.u8(1);
    sec.u32(sub.length);
    sec.append(sub.bytes, 0, sub.length);
  });
  return out.toBytes();
}
