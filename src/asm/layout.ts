// Layout and emission: places sections and items at addresses, choosing instruction sizes
// (compression, li length) until they agree with the addresses, then writes the bytes.

import { compress } from "./compress.js";
import { EncodeError, encode, type Insn, lengthOf } from "./encoding.js";
import { Diagnostic, type Loc, LocatedError } from "./errors.js";
import { type Expr, evaluate, type Scope, type Value } from "./expr.js";
import { type Emit, type Planned, plan } from "./syntax.js";

/** One thing in a section, in source order. */
export type Item =
  | { readonly t: "label"; readonly name: string; readonly index: number }
  | { readonly t: "code"; readonly loc: Loc; readonly rvc: boolean; readonly emit: Emit }
  | { readonly t: "data"; readonly loc: Loc; readonly size: 1 | 2 | 4 | 8; readonly expr: Expr }
  | { readonly t: "bytes"; readonly loc: Loc; readonly bytes: Uint8Array }
  | {
      readonly t: "fill";
      readonly loc: Loc;
      readonly count: Expr;
      readonly size: number;
      readonly value: Expr;
    }
  | {
      readonly t: "align";
      readonly loc: Loc;
      readonly align: number;
      readonly fill?: number;
      readonly max: number;
    };

export type SectionFlags = "rx" | "r" | "rw";

/** A section as the assembler collected it. */
export interface SectionInput {
  readonly name: string;
  readonly flags: SectionFlags;
  readonly nobits: boolean;
  readonly items: readonly Item[];
}

/** A placed section: `data` holds its bytes (empty for nobits sections), `memsz` its size in memory. */
export interface PlacedSection {
  readonly name: string;
  readonly addr: bigint;
  readonly data: Uint8Array;
  readonly memsz: number;
  readonly flags: SectionFlags;
  readonly nobits: boolean;
}

export interface LayoutInput {
  readonly base: bigint;
  /** In output order. */
  readonly sections: readonly SectionInput[];
  readonly equs: ReadonlyMap<string, { readonly expr: Expr; readonly loc: Loc }>;
  /** Every label's index; label items carry the same index. */
  readonly labelIndex: ReadonlyMap<string, number>;
}

export interface LayoutResult {
  readonly sections: readonly PlacedSection[];
  /** Address of the label with index `index`, or undefined if it was not placed. */
  labelAddr(index: number): bigint | undefined;
  /** Values of the .equ symbols that evaluate. */
  readonly equs: ReadonlyMap<string, bigint>;
  readonly diagnostics: readonly Diagnostic[];
}

const PAGE = 4096;
/** Passes in which sizes may shrink; after them sizes only grow, which guarantees an end. */
const FREE_PASSES = 16;
const MAX_PASSES = 200;

/** Addresses of everything for one set of item sizes. */
interface Placement {
  readonly secAddr: bigint[];
  readonly secSize: number[];
  /** Offset of each item within its section. */
  readonly offsets: number[][];
  /** Size of each item (for align items, the padding). */
  readonly itemSizes: number[][];
  /** Section index and offset of each label, by label index (-1: not placed). */
  readonly labelSec: Int32Array;
  readonly labelOff: Float64Array;
  /** auipc instructions that compute a %pcrel_hi, by address, with the target expression. */
  readonly hiAt: Map<bigint, Expr>;
}

/** Lays out `input` and emits its bytes; problems are returned as diagnostics. */
export function layout(input: LayoutInput): LayoutResult {
  const diagnostics: Diagnostic[] = [];
  let sizes = input.sections.map((s) => s.items.map(() => 0));
  const fixed: (number | undefined)[][] = input.sections.map((s) => s.items.map(() => undefined));
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const placement = place(input, sizes);
    const measured = measure(input, placement, sizes, fixed);
    if (sameSizes(measured, sizes)) return emit(input, placement, diagnostics);
    sizes =
      pass < FREE_PASSES ? measured : measured.map((row, i) => row.map((n, j) => Math.max(n, sizes[i]![j]!)));
  }
  const first = input.sections.flatMap((s) => s.items).find((i) => i.t !== "label");
  const loc = first && "loc" in first ? first.loc : { file: "<asm>", line: 1, col: 1 };
  diagnostics.push(new Diagnostic(loc, "layout does not settle (sizes depend on themselves)"));
  return { sections: [], labelAddr: () => undefined, equs: new Map(), diagnostics };
}

function sameSizes(a: number[][], b: number[][]): boolean {
  return a.every((row, i) => row.every((n, j) => n === b[i]![j]));
}

/** Places sections and items for `sizes` (the sizes of code and fill items; others are known). */
function place(input: LayoutInput, sizes: number[][]): Placement {
  const p: Placement = {
    secAddr: [],
    secSize: [],
    offsets: [],
    itemSizes: [],
    labelSec: new Int32Array(input.labelIndex.size).fill(-1),
    labelOff: new Float64Array(input.labelIndex.size),
    hiAt: new Map(),
  };
  let cursor = input.base;
  let first = true;
  input.sections.forEach((sec, i) => {
    const align = BigInt(Math.max(maxAlign(sec), first ? 1 : PAGE));
    const addr = ((cursor + align - 1n) / align) * align;
    const size = placeItems(sec, i, addr, sizes[i]!, p);
    p.secAddr.push(addr);
    p.secSize.push(size);
    if (size > 0) {
      cursor = addr + BigInt(size);
      first = false;
    }
  });
  return p;
}

function maxAlign(sec: SectionInput): number {
  return sec.items.reduce((m, it) => (it.t === "align" ? Math.max(m, it.align) : m), 1);
}

/** Offsets of `sec`'s items from `addr`; records labels and %pcrel_hi sites in `p`. Returns the size. */
function placeItems(
  sec: SectionInput,
  secIndex: number,
  addr: bigint,
  sizes: number[],
  p: Placement,
): number {
  const offsets: number[] = [];
  const itemSizes: number[] = [];
  let off = 0;
  sec.items.forEach((item, j) => {
    offsets.push(off);
    if (item.t === "label") {
      p.labelSec[item.index] = secIndex;
      p.labelOff[item.index] = off;
    }
    const hi = item.t === "code" ? pcrelHiTarget(item.emit) : undefined;
    if (hi) p.hiAt.set(addr + BigInt(off), hi);
    const size = item.t === "align" ? alignPad(item, off) : (fixedSize(item) ?? sizes[j]!);
    itemSizes.push(size);
    off += size;
  });
  p.offsets.push(offsets);
  p.itemSizes.push(itemSizes);
  return off;
}

/** Padding an align item needs at offset `off` (sections start aligned to their largest alignment). */
function alignPad(item: Item & { t: "align" }, off: number): number {
  const pad = (item.align - (off % item.align)) % item.align;
  return pad > item.max ? 0 : pad;
}

/** Size of items whose size does not depend on values; undefined for code and fill. */
function fixedSize(item: Item): number | undefined {
  switch (item.t) {
    case "data":
      return item.size;
    case "bytes":
      return item.bytes.length;
    case "code":
    case "fill":
      return undefined;
    default:
      return 0;
  }
}

/** The target expression of the %pcrel_hi an item's first instruction computes, if any. */
function pcrelHiTarget(emit: Emit): Expr | undefined {
  if (emit.k === "pcrel") return emit.target;
  const imm = emit.k === "insn" && emit.name === "auipc" ? emit.b.imm : undefined;
  return imm?.k === "reloc" && imm.op === "pcrel_hi" ? imm.a : undefined;
}

/**
 * Sizes of code and fill items at `placement` (0 for the others); keeps `prev` where evaluation
 * fails. Sizes that depend on no symbol and no address are recorded in `fixed` and not recomputed.
 */
function measure(
  input: LayoutInput,
  placement: Placement,
  prev: number[][],
  fixed: (number | undefined)[][],
): number[][] {
  const symbols = new SymbolTable(input, placement, false);
  return input.sections.map((sec, i) =>
    sec.items.map((item, j) => {
      if (item.t !== "code" && item.t !== "fill") return 0;
      const known = fixed[i]![j];
      if (known !== undefined) return known;
      const scope = new TrackingScope(symbols.scope(i, placement.offsets[i]![j]!));
      try {
        const size = item.t === "code" ? codeSize(item, scope) : fillCount(item, scope) * item.size;
        if (!scope.used) fixed[i]![j] = size;
        return size;
      } catch (e) {
        if (e instanceof LocatedError) return prev[i]![j]!;
        throw e;
      }
    }),
  );
}

/** A scope that notes whether a symbol, the pc or a %pcrel_hi site was looked at. */
class TrackingScope implements Scope {
  used = false;

  constructor(private readonly inner: Scope) {}

  get strict(): boolean {
    return this.inner.strict;
  }

  get pc(): bigint {
    this.used = true;
    return this.inner.pc;
  }

  symbol(name: string, loc: Loc): Value | undefined {
    this.used = true;
    return this.inner.symbol(name, loc);
  }

  pcrelHi(addr: bigint): bigint | undefined {
    this.used = true;
    return this.inner.pcrelHi(addr);
  }
}

function codeSize(item: Item & { t: "code" }, scope: Scope): number {
  return plan(item.emit, scope).reduce((n, p) => n + plannedLength(p, item.rvc), 0);
}

/** Length of a planned instruction: 2 if it is (or under rvc compresses to) an RVC encoding. */
function plannedLength(p: Planned, rvc: boolean): number {
  if (lengthOf(p.insn.name) === 2) return 2;
  return rvc && p.compressible && compress(p.insn) ? 2 : 4;
}

/** The most bytes one .space/.fill/.zero builds: 256 MiB, the largest program mmlab reads
 *  (session's MAX_PROGRAM_BYTES). */
export const MAX_FILL_BYTES = 256 << 20;

function fillCount(item: Item & { t: "fill" }, scope: Scope): number {
  const v = evaluate(item.count, scope).v;
  if (v < 0n || v > 1n << 32n) {
    if (scope.strict) throw new LocatedError(item.loc, `bad repeat count ${v}`);
    return 0;
  }
  if (v * BigInt(item.size) > BigInt(MAX_FILL_BYTES)) {
    if (scope.strict)
      throw new LocatedError(
        item.loc,
        `${v * BigInt(item.size)} bytes to fill: more than the assembler builds (at most ${MAX_FILL_BYTES})`,
      );
    return 0;
  }
  return Number(v);
}

/** Symbol values for one placement: labels, and .equ symbols evaluated on demand. */
class SymbolTable {
  private readonly equValues = new Map<string, Value>();
  private readonly inProgress = new Set<string>();

  constructor(
    private readonly input: LayoutInput,
    private readonly placement: Placement,
    readonly strict: boolean,
  ) {}

  /** A scope for code or data at offset `off` of section `sec` (the pc is made only if used). */
  scope(sec: number, off: number): Scope {
    return new ItemScope(this, sec, off);
  }

  /** A scope at address `pc`. */
  scopeAt(pc: bigint): Scope {
    return new ItemScope(this, -1, 0, pc);
  }

  /** Address of offset `off` in section `sec`. */
  address(sec: number, off: number): bigint {
    return this.placement.secAddr[sec]! + BigInt(off);
  }

  /** Address of label number `index`, or undefined if it was not placed. */
  labelAddr(index: number): bigint | undefined {
    const sec = this.placement.labelSec[index]!;
    return sec < 0 ? undefined : this.placement.secAddr[sec]! + BigInt(this.placement.labelOff[index]!);
  }

  pcrelHi(addr: bigint): bigint | undefined {
    const target = this.placement.hiAt.get(addr);
    return target && evaluate(target, this.scopeAt(addr)).v;
  }

  symbol(name: string): Value | undefined {
    const index = this.input.labelIndex.get(name);
    const label = index === undefined ? undefined : this.labelAddr(index);
    if (label !== undefined) return { v: label < 1n << 63n ? label : BigInt.asIntN(64, label), reloc: true };
    const equ = this.input.equs.get(name);
    if (!equ) return undefined;
    const known = this.equValues.get(name);
    if (known) return known;
    if (this.inProgress.has(name)) {
      if (this.strict) throw new LocatedError(equ.loc, `circular definition of '${name}'`);
      return { v: 0n, reloc: true };
    }
    this.inProgress.add(name);
    try {
      const v = evaluate(equ.expr, this.scopeAt(this.input.base));
      this.equValues.set(name, v);
      return v;
    } finally {
      this.inProgress.delete(name);
    }
  }
}

/** The scope of one item: its pc (made on first use) and the placement's symbols. */
class ItemScope implements Scope {
  constructor(
    private readonly table: SymbolTable,
    private readonly sec: number,
    private readonly off: number,
    private at?: bigint,
  ) {}

  get strict(): boolean {
    return this.table.strict;
  }

  get pc(): bigint {
    this.at ??= this.table.address(this.sec, this.off);
    return this.at;
  }

  symbol(name: string): Value | undefined {
    return this.table.symbol(name);
  }

  pcrelHi(addr: bigint): bigint | undefined {
    return this.table.pcrelHi(addr);
  }
}

/** Writes every section's bytes for the settled `placement`. */
function emit(input: LayoutInput, placement: Placement, diagnostics: Diagnostic[]): LayoutResult {
  const symbols = new SymbolTable(input, placement, true);
  const sections = input.sections.map((sec, i): PlacedSection => {
    const size = placement.secSize[i]!;
    const data = new Uint8Array(sec.nobits ? 0 : size);
    const out = new SectionWriter(sec, data, diagnostics);
    sec.items.forEach((item, j) => {
      const off = placement.offsets[i]![j]!;
      const scope = symbols.scope(i, off);
      out.item(item, off, placement.itemSizes[i]![j]!, scope);
    });
    return {
      name: sec.name,
      addr: placement.secAddr[i]!,
      data,
      memsz: size,
      flags: sec.flags,
      nobits: sec.nobits,
    };
  });
  const equs = new Map<string, bigint>();
  for (const name of input.equs.keys()) {
    try {
      const v = symbols.symbol(name);
      if (v) equs.set(name, v.v);
    } catch (e) {
      if (!(e instanceof LocatedError)) throw e;
    }
  }
  return { sections, labelAddr: (index) => symbols.labelAddr(index), equs, diagnostics };
}

const NOP = 0x00000013;
const C_NOP = 0x0001;

/** Writes items into one section's bytes, reporting problems as diagnostics. */
class SectionWriter {
  constructor(
    private readonly sec: SectionInput,
    private readonly data: Uint8Array,
    private readonly diagnostics: Diagnostic[],
  ) {}

  /** Writes `item` at `off`; it occupies exactly `size` bytes. */
  item(item: Item, off: number, size: number, scope: Scope): void {
    try {
      if (this.sec.nobits) this.checkNobits(item, scope);
      else this.write(item, off, size, scope);
    } catch (e) {
      if (e instanceof LocatedError) this.diagnostics.push(new Diagnostic(e.loc, e.message));
      else throw e;
    }
  }

  private write(item: Item, off: number, size: number, scope: Scope): void {
    if (item.t === "code") this.code(item, off, size, scope);
    else if (item.t === "data") this.put(off, item.size, dataValue(item.expr, item.size, scope, item.loc));
    else if (item.t === "bytes") this.data.set(item.bytes, off);
    else if (item.t === "fill") this.fill(item, off, size, scope);
    else if (item.t === "align") this.pad(off, size, item.fill);
  }

  /** Encodes a code item into exactly `size` bytes (uncompressed or nop-padded if it must be). */
  private code(item: Item & { t: "code" }, off: number, size: number, scope: Scope): void {
    const planned = plan(item.emit, scope);
    let insns = planned.map((p) =>
      lengthOf(p.insn.name) === 4 && item.rvc && p.compressible ? (compress(p.insn) ?? p.insn) : p.insn,
    );
    const total = (list: readonly Insn[]): number => list.reduce((n, i) => n + lengthOf(i.name), 0);
    if (total(insns) !== size && total(planned.map((p) => p.insn)) === size)
      insns = planned.map((p) => p.insn);
    for (const [k, insn] of insns.entries()) off += this.encodeOne(insn, planned[k]!, off);
    this.pad(off, size - total(insns), undefined);
  }

  private encodeOne(insn: Insn, p: Planned, off: number): number {
    try {
      const { bits, len } = encode(insn);
      this.put(off, len, bits);
      return len;
    } catch (e) {
      if (!(e instanceof EncodeError)) throw e;
      const loc = p.locs[e.field] ?? p.locs.imm ?? p.locs.rd;
      throw new LocatedError(loc ?? { file: "<asm>", line: 0, col: 0 }, e.message);
    }
  }

  private fill(item: Item & { t: "fill" }, off: number, size: number, scope: Scope): void {
    const count = fillCount(item, scope);
    const value = evaluate(item.value, scope).v;
    for (let k = 0; k < count && (k + 1) * item.size <= size; k++)
      this.put(off + k * item.size, item.size, value);
  }

  /** Fills `n` bytes at `off`: with `fill` if given, else nops in code sections and zeros elsewhere. */
  private pad(off: number, n: number, fill: number | undefined): void {
    if (fill !== undefined || this.sec.flags !== "rx") {
      this.data.fill(fill ?? 0, off, off + n);
      return;
    }
    const end = off + n;
    if (off % 2 === 1 && off < end) off++;
    if (off % 4 === 2 && off + 2 <= end) off += this.put(off, 2, C_NOP);
    while (off + 4 <= end) off += this.put(off, 4, NOP);
    if (off + 2 <= end) this.put(off, 2, C_NOP);
  }

  /** Writes `size` little-endian bytes of `v` at `off`; returns `size`. */
  private put(off: number, size: number, v: bigint | number): number {
    if (typeof v === "number" && size <= 4) {
      for (let k = 0; k < size; k++) this.data[off + k] = (v >>> (8 * k)) & 0xff;
      return size;
    }
    let u = BigInt.asUintN(size * 8, BigInt(v));
    for (let k = 0; k < size; k++, u >>= 8n) this.data[off + k] = Number(u & 0xffn);
    return size;
  }

  /** A nobits section holds no bytes: only labels, alignment and zeros may go there. */
  private checkNobits(item: Item, scope: Scope): void {
    if (item.t === "code") throw new LocatedError(item.loc, `instruction in nobits section ${this.sec.name}`);
    const zero =
      item.t === "data"
        ? dataValue(item.expr, item.size, scope, item.loc) === 0n
        : item.t === "bytes"
          ? item.bytes.every((b) => b === 0)
          : item.t === "fill"
            ? evaluate(item.value, scope).v === 0n
            : true;
    if (!zero && "loc" in item)
      throw new LocatedError(item.loc, `non-zero data in nobits section ${this.sec.name}`);
  }
}

/** The value of a data directive's expression, checked to fit in `size` bytes (signed or unsigned). */
function dataValue(expr: Expr, size: number, scope: Scope, loc: Loc): bigint {
  const v = evaluate(expr, scope).v;
  const bits = BigInt(size * 8);
  if (size < 8 && (v < -(1n << (bits - 1n)) || v >= 1n << bits)) {
    throw new LocatedError(loc, `value ${v} does not fit in ${size} byte${size > 1 ? "s" : ""}`);
  }
  return v;
}
