// The assembler's state while statements come in, from the text parser or the builder: sections
// and their items, symbols, options, diagnostics. `finish` lays it out into a Program.

import type { ElfImageSymbol } from "../elf/index.js";
import { Diagnostic, fail, type Loc, LocatedError } from "./errors.js";
import { type Expr, type ExprEnv, evaluate } from "./expr.js";
import { type Item, layout, type SectionFlags, type SectionInput } from "./layout.js";
import { Program, type Section } from "./program.js";
import { bindOperands, type Emit, lookupMnemonic, type Operand } from "./syntax.js";

export interface AssemblyOptions {
  readonly file: string;
  readonly base: bigint;
  readonly rvc: boolean;
}

interface SectionState extends SectionInput {
  readonly items: Item[];
  readonly order: number;
}

/** Prefix of internal symbol names (numeric local labels, `.`); never printable in source. */
const HIDDEN = "\u0001";
const CANONICAL: readonly [RegExp, string, SectionFlags, boolean][] = [
  [/^\.text(\..*)?$/, ".text", "rx", false],
  [/^\.s?rodata(\..*)?$/, ".rodata", "r", false],
  [/^\.s?data(\..*)?$/, ".data", "rw", false],
  [/^\.s?bss(\..*)?$/, ".bss", "rw", true],
];
const RANK: Record<SectionFlags, number> = { rx: 0, r: 1, rw: 2 };

/**
 * Collects statements. A method given a bad statement throws a LocatedError; callers run each
 * statement inside `guard`, which records it as a diagnostic and goes on.
 */
export class Assembly implements ExprEnv {
  readonly file: string;
  readonly diagnostics: Diagnostic[] = [];
  private readonly base: bigint;
  private readonly sections = new Map<string, SectionState>();
  private current: SectionState;
  private previous: SectionState;
  private readonly sectionStack: SectionState[] = [];
  private rvc: boolean;
  private readonly rvcStack: boolean[] = [];
  private readonly equs = new Map<string, { readonly expr: Expr; readonly loc: Loc }>();
  /** Label name → index, in order of definition; labelLocs[i] is where label i was defined. */
  private readonly labelIndex = new Map<string, number>();
  private readonly labelLocs: Loc[] = [];
  private readonly globals = new Set<string>();
  private readonly types = new Map<string, "func" | "object">();
  private readonly localCounts = new Map<number, number>();
  private hereSym: Expr | undefined;
  private hiddenCount = 0;

  constructor(options: AssemblyOptions) {
    this.file = options.file;
    this.base = options.base;
    this.rvc = options.rvc;
    this.current = this.sectionNamed(".text");
    this.previous = this.current;
  }

  /** Runs `f`, turning a LocatedError it throws into a diagnostic. */
  guard(f: () => void): void {
    try {
      f();
    } catch (e) {
      if (!(e instanceof LocatedError)) throw e;
      this.diagnostics.push(new Diagnostic(e.loc, e.message));
    }
  }

  /** Marks the start of a statement (for `.`, the address of the current statement). */
  statement(): void {
    this.hereSym = undefined;
  }

  /** ExprEnv: `.` is a hidden label placed at the current statement. */
  here(loc: Loc): Expr {
    if (!this.hereSym) {
      const name = `${HIDDEN}.${this.hiddenCount++}`;
      this.pushLabel(name, loc);
      this.hereSym = { k: "sym", name, shown: ".", loc };
    }
    return this.hereSym;
  }

  /** ExprEnv: `Nb` is the latest `N:` so far, `Nf` the next one. */
  localRef(n: number, dir: "b" | "f", loc: Loc): Expr {
    const count = this.localCounts.get(n) ?? 0;
    if (dir === "b" && count === 0) fail(loc, `local label '${n}b' has no earlier '${n}:'`);
    const name = `${HIDDEN}L${n}:${dir === "b" ? count : count + 1}`;
    return { k: "sym", name, shown: `${n}${dir}`, loc };
  }

  /** Defines label `name` at the current position. */
  label(name: string, loc: Loc): void {
    this.define(name, loc);
    this.pushLabel(name, loc);
  }

  private pushLabel(name: string, loc: Loc): void {
    const index = this.labelLocs.length;
    this.labelIndex.set(name, index);
    this.labelLocs.push(loc);
    this.current.items.push({ t: "label", name, index });
  }

  /** Defines numeric local label `n:` at the current position. */
  localLabel(n: number, loc: Loc): void {
    const count = (this.localCounts.get(n) ?? 0) + 1;
    this.localCounts.set(n, count);
    this.label(`${HIDDEN}L${n}:${count}`, loc);
  }

  /** Defines `name` as the value of `expr` (.equ/.set/=). */
  equ(name: string, expr: Expr, loc: Loc): void {
    this.define(name, loc);
    this.equs.set(name, { expr, loc });
  }

  /** Checks that `name` is not defined yet. */
  private define(name: string, loc: Loc): void {
    const index = this.labelIndex.get(name);
    const earlier = index === undefined ? this.equs.get(name)?.loc : this.labelLocs[index];
    if (earlier) fail(loc, `symbol '${name}' is already defined (at line ${earlier.line})`);
  }

  /** An instruction statement: mnemonic and parsed operands. */
  instruction(mnemonic: string, ops: readonly Operand[], loc: Loc): void {
    const info = lookupMnemonic(mnemonic);
    if (!info) fail(loc, `unknown instruction '${mnemonic}'`);
    const { idx, b } = bindOperands(info, ops, loc);
    this.code(info.emit(idx, b), loc);
  }

  /** Appends an instruction (or pseudo-instruction expansion) to the current section. */
  code(emit: Emit, loc: Loc): void {
    this.current.items.push({ t: "code", loc, rvc: this.rvc, emit });
  }

  /** Switches to section `name` (.text.*, .rodata.*, .data.*, .bss.* merge into the main four). */
  section(name: string, flags?: string, type?: string): void {
    this.previous = this.current;
    this.current = this.sectionNamed(name, flags, type);
  }

  pushSection(name: string, flags?: string, type?: string): void {
    this.sectionStack.push(this.current);
    this.section(name, flags, type);
  }

  popSection(loc: Loc): void {
    const top = this.sectionStack.pop();
    if (!top) fail(loc, ".popsection without .pushsection");
    this.previous = this.current;
    this.current = top;
  }

  previousSection(): void {
    [this.current, this.previous] = [this.previous, this.current];
  }

  private sectionNamed(name: string, flags?: string, type?: string): SectionState {
    const canon = CANONICAL.find(([re]) => re.test(name));
    const key = canon ? canon[1] : name;
    let sec = this.sections.get(key);
    if (!sec) {
      const [secFlags, nobits] = canon ? [canon[2], canon[3]] : customKind(flags, type);
      sec = { name: key, flags: secFlags, nobits, items: [], order: this.sections.size };
      this.sections.set(key, sec);
    }
    return sec;
  }

  /** Aligns the current position to `bytes` (a power of two); skips if more than `max` bytes are needed. */
  align(bytes: number, loc: Loc, fill?: number, max = Number.MAX_SAFE_INTEGER): void {
    if (!Number.isInteger(bytes) || bytes < 1 || bytes > 1 << 30 || (bytes & (bytes - 1)) !== 0) {
      fail(loc, `alignment ${bytes} is not a power of two`);
    }
    this.current.items.push({ t: "align", loc, align: bytes, max, ...(fill === undefined ? {} : { fill }) });
  }

  /** One data value of `size` bytes per expression. */
  data(size: 1 | 2 | 4 | 8, exprs: readonly Expr[], loc: Loc): void {
    for (const expr of exprs) this.current.items.push({ t: "data", loc, size, expr });
  }

  bytes(bytes: Uint8Array, loc: Loc): void {
    this.current.items.push({ t: "bytes", loc, bytes });
  }

  /** `count` copies of `value`, each `size` bytes. */
  fill(count: Expr, size: number, value: Expr, loc: Loc): void {
    if (!Number.isInteger(size) || size < 0 || size > 8) fail(loc, `fill size ${size} must be 0..8`);
    this.current.items.push({ t: "fill", loc, count, size, value });
  }

  global(name: string): void {
    this.globals.add(name);
  }

  setType(name: string, kind: "func" | "object"): void {
    this.types.set(name, kind);
  }

  /** `.option NAME`: rvc, norvc, push, pop; relax, norelax, pic, nopic and arch are accepted and ignored. */
  option(name: string, loc: Loc): void {
    if (name === "rvc" || name === "norvc") this.rvc = name === "rvc";
    else if (name === "push") this.rvcStack.push(this.rvc);
    else if (name === "pop") this.rvc = this.rvcStack.pop() ?? fail(loc, ".option pop without .option push");
    else if (!["relax", "norelax", "pic", "nopic", "arch", "csr-check", "no-csr-check"].includes(name)) {
      fail(loc, `unknown option '${name}'`);
    }
  }

  /** The value of `expr` now, from numbers and constant symbols defined so far; fails otherwise. */
  constant(expr: Expr, loc: Loc, visiting: ReadonlySet<string> = new Set()): bigint {
    const v = evaluate(expr, {
      strict: true,
      pc: 0n,
      symbol: (name) => {
        const equ = this.equs.get(name);
        if (!equ) return undefined;
        if (visiting.has(name)) fail(equ.loc, `circular definition of '${name}'`);
        return { v: this.constant(equ.expr, equ.loc, new Set([...visiting, name])), reloc: false };
      },
      pcrelHi: () => undefined,
    });
    if (v.reloc) fail(loc, "expected a constant");
    return v.v;
  }

  /** Lays everything out: the program, and every diagnostic in source order (the caller throws if any). */
  finish(): { program: Program; diagnostics: readonly Diagnostic[] } {
    const sections = [...this.sections.values()].sort(
      (a, b) =>
        RANK[a.flags] + Number(a.nobits) * 3 - (RANK[b.flags] + Number(b.nobits) * 3) || a.order - b.order,
    );
    const result = layout({ base: this.base, sections, equs: this.equs, labelIndex: this.labelIndex });
    const diagnostics = [...this.diagnostics, ...result.diagnostics].sort(
      (a, b) => a.loc.line - b.loc.line || a.loc.col - b.loc.col,
    );
    const symbols = new Map<string, bigint>();
    for (const [name, index] of this.labelIndex) {
      const addr = result.labelAddr(index);
      if (addr !== undefined && !name.startsWith(HIDDEN)) symbols.set(name, addr);
    }
    for (const [name, v] of result.equs) symbols.set(name, v);
    const placed: Section[] = result.sections
      .filter((s) => s.memsz > 0)
      .map(({ name, addr, data, memsz, flags }) => ({ name, addr, data, memsz, flags }));
    const text = result.sections.find((s) => s.name === ".text");
    const start = this.labelIndex.get("_start");
    const entry = (start === undefined ? undefined : result.labelAddr(start)) ?? text?.addr ?? this.base;
    const elfSymbols = () => this.elfSymbols(symbols);
    const program = new Program({ base: this.base, entry, sections: placed, symbols, elfSymbols });
    return { program, diagnostics };
  }

  /** ELF symbols: the labels, without .L names; global if .globl, typed by .type. */
  private elfSymbols(symbols: ReadonlyMap<string, bigint>): ElfImageSymbol[] {
    const out: ElfImageSymbol[] = [];
    for (const [name, value] of symbols) {
      if (this.equs.has(name) || name.startsWith(".L")) continue;
      out.push({ name, value, global: this.globals.has(name), kind: this.types.get(name) ?? "notype" });
    }
    return out;
  }
}

/** Flags of a custom section from its .section flags string ("ax", "aw", "a") and type (@nobits). */
function customKind(flags: string | undefined, type: string | undefined): [SectionFlags, boolean] {
  const f = flags ?? "aw";
  return [f.includes("x") ? "rx" : f.includes("w") || !f.includes("a") ? "rw" : "r", type === "nobits"];
}
