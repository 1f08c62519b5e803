// Constant expressions: parsing from tokens and evaluation against the symbols of a layout.
// Values are 64-bit two's complement (bigint, signed); every operation wraps.

import { atCol, fail, type Loc } from "./errors.js";
import type { Token } from "./lexer.js";

export type BinOp = "+" | "-" | "*" | "/" | "%" | "<<" | ">>" | "&" | "|" | "^";
export type UnOp = "-" | "~" | "!" | "+";
/** The relocation operators: %hi, %lo, %pcrel_hi, %pcrel_lo. */
export type RelocOp = "hi" | "lo" | "pcrel_hi" | "pcrel_lo";

/** An expression tree. `sym.name` is the symbol's real (maybe internal) name, `shown` as written. */
export type Expr =
  | { readonly k: "num"; readonly v: bigint }
  | { readonly k: "sym"; readonly name: string; readonly shown: string; readonly loc: Loc }
  | { readonly k: "un"; readonly op: UnOp; readonly a: Expr }
  | { readonly k: "bin"; readonly op: BinOp; readonly a: Expr; readonly b: Expr; readonly loc: Loc }
  | { readonly k: "reloc"; readonly op: RelocOp; readonly a: Expr; readonly loc: Loc };

/** A number as an expression. */
export function num(v: bigint | number): Expr {
  return { k: "num", v: BigInt(v) };
}

/** Symbols the parser cannot name by itself: numeric local labels and `.` (the current address). */
export interface ExprEnv {
  /** The symbol `1b` / `1f` refers to at this point of the source. */
  localRef(num: number, dir: "b" | "f", loc: Loc): Expr;
  /** A symbol for the address of the current statement. */
  here(loc: Loc): Expr;
}

const BINARY_LEVELS: readonly (readonly BinOp[])[] = [
  ["|"],
  ["^"],
  ["&"],
  ["<<", ">>"],
  ["+", "-"],
  ["*", "/", "%"],
];
const RELOC_OPS = new Set<string>(["hi", "lo", "pcrel_hi", "pcrel_lo"]);

/** Parses all of `tokens` as one expression; `at` gives file and line for errors. */
export function parseExpr(tokens: readonly Token[], at: Loc, env: ExprEnv): Expr {
  if (tokens.length === 0) fail(at, "missing expression");
  const p = new ExprParser(tokens, at, env);
  const e = p.binary(0);
  const rest = tokens[p.pos];
  if (rest) fail(atCol(at, rest.col), `unexpected '${rest.text}' in expression`);
  return e;
}

class ExprParser {
  pos = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly at: Loc,
    private readonly env: ExprEnv,
  ) {}

  /** Operators of precedence `level` and tighter, left-associative. */
  binary(level: number): Expr {
    if (level === BINARY_LEVELS.length) return this.unary();
    let a = this.binary(level + 1);
    for (;;) {
      const t = this.tokens[this.pos];
      const op = BINARY_LEVELS[level]!.find((o) => t?.kind === "punct" && t.text === o);
      if (!op || !t) return a;
      this.pos++;
      a = { k: "bin", op, a, b: this.binary(level + 1), loc: atCol(this.at, t.col) };
    }
  }

  private unary(): Expr {
    const t = this.next("expression");
    if (t.kind === "punct" && (t.text === "-" || t.text === "~" || t.text === "!" || t.text === "+")) {
      return { k: "un", op: t.text, a: this.unary() };
    }
    if (t.kind === "punct" && t.text === "%") return this.reloc(t.col);
    if (t.kind === "punct" && t.text === "(") {
      const e = this.binary(0);
      this.expect(")");
      return e;
    }
    return this.atom(t);
  }

  private atom(t: Token): Expr {
    const loc = atCol(this.at, t.col);
    switch (t.kind) {
      case "num":
        return num(t.value);
      case "local":
        return this.env.localRef(t.num, t.dir, loc);
      case "ident":
        return t.text === "." ? this.env.here(loc) : { k: "sym", name: t.text, shown: t.text, loc };
      default:
        return fail(loc, `unexpected '${t.text}' in expression`);
    }
  }

  /** `%op(expr)` after the `%`. */
  private reloc(col: number): Expr {
    const name = this.next("relocation operator");
    if (name.kind !== "ident" || !RELOC_OPS.has(name.text)) {
      fail(atCol(this.at, name.col), `unknown relocation operator '%${name.text}'`);
    }
    this.expect("(");
    const a = this.binary(0);
    this.expect(")");
    return { k: "reloc", op: name.text as RelocOp, a, loc: atCol(this.at, col) };
  }

  private next(what: string): Token {
    const t = this.tokens[this.pos++];
    if (!t) {
      const last = this.tokens[this.tokens.length - 1];
      fail(atCol(this.at, last ? last.col + last.text.length : this.at.col), `missing ${what}`);
    }
    return t;
  }

  private expect(text: string): void {
    const t = this.next(`'${text}'`);
    if (t.kind !== "punct" || t.text !== text)
      fail(atCol(this.at, t.col), `expected '${text}', got '${t.text}'`);
  }
}

/** A value and whether it depends on an address (a label or a relocation operator). */
export interface Value {
  readonly v: bigint;
  readonly reloc: boolean;
}

/** What evaluation needs from the layout. */
export interface Scope {
  /** Report undefined symbols and bad values (final pass), or make do with 0 (layout passes). */
  readonly strict: boolean;
  /** Address of the instruction or data being assembled. */
  readonly pc: bigint;
  /** Value of symbol `name`, or undefined if it is not defined. */
  symbol(name: string, loc: Loc): Value | undefined;
  /** Target address of the `%pcrel_hi` computed by the auipc at `addr`, or undefined if none is there. */
  pcrelHi(addr: bigint): bigint | undefined;
}

const wrap = (v: bigint): bigint => BigInt.asIntN(64, v);
const sext12 = (v: bigint): bigint => BigInt.asIntN(12, v);
const isSext32 = (v: bigint): boolean => v >= -(1n << 31n) && v < 1n << 31n;

/** The value of `e` in `scope`; throws LocatedError in strict scopes for undefined symbols and bad values. */
export function evaluate(e: Expr, scope: Scope): Value {
  switch (e.k) {
    case "num":
      return { v: wrap(e.v), reloc: false };
    case "sym":
      return symbolValue(e, scope);
    case "un":
      return unary(e.op, evaluate(e.a, scope));
    case "bin":
      return binary(e, evaluate(e.a, scope), evaluate(e.b, scope), scope);
    case "reloc":
      return { v: relocValue(e.op, e, scope), reloc: true };
  }
}

function symbolValue(e: Expr & { k: "sym" }, scope: Scope): Value {
  const v = scope.symbol(e.name, e.loc);
  if (v) return v;
  if (scope.strict) fail(e.loc, `undefined symbol '${e.shown}'`);
  return { v: 0n, reloc: true };
}

function unary(op: UnOp, a: Value): Value {
  const v = op === "-" ? -a.v : op === "~" ? ~a.v : op === "!" ? BigInt(a.v === 0n) : a.v;
  return { v: wrap(v), reloc: a.reloc };
}

function binary(e: Expr & { k: "bin" }, a: Value, b: Value, scope: Scope): Value {
  const reloc = a.reloc || b.reloc;
  if ((e.op === "/" || e.op === "%") && b.v === 0n) {
    if (scope.strict) fail(e.loc, "division by zero");
    return { v: 0n, reloc };
  }
  return { v: wrap(applyBinary(e.op, a.v, b.v)), reloc };
}

function applyBinary(op: BinOp, a: bigint, b: bigint): bigint {
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      return a / b;
    case "%":
      return a % b;
    case "<<":
      return b >= 64n || b < 0n ? 0n : a << b;
    case ">>":
      return b >= 64n || b < 0n ? (a < 0n ? -1n : 0n) : a >> b;
    case "&":
      return a & b;
    case "|":
      return a | b;
    case "^":
      return a ^ b;
  }
}

/** %hi/%lo/%pcrel_hi/%pcrel_lo of `e.a`, with GNU as semantics, checked like a linker would. */
function relocValue(op: RelocOp, e: Expr & { k: "reloc" }, scope: Scope): bigint {
  const x = evaluate(e.a, scope).v;
  switch (op) {
    case "hi":
      return hi20(x, e.loc, scope, "%hi");
    case "lo":
      return sext12(x);
    case "pcrel_hi":
      return hi20(wrap(x - scope.pc), e.loc, scope, "%pcrel_hi");
    case "pcrel_lo": {
      const target = scope.pcrelHi(x);
      if (target === undefined && scope.strict) {
        fail(e.loc, "%pcrel_lo needs the label of an auipc with %pcrel_hi");
      }
      return sext12(wrap((target ?? x) - x));
    }
  }
}

/** The 20-bit upper part lui/auipc adds; in strict scopes, checks lui/auipc + 12-bit can reach `x`. */
function hi20(x: bigint, loc: Loc, scope: Scope, what: string): bigint {
  if (scope.strict && !isSext32(x + 0x800n)) {
    const hint = what === "%hi" ? " (lui sign-extends on RV64: use la or %pcrel_hi)" : "";
    fail(loc, `${what} value 0x${BigInt.asUintN(64, x).toString(16)} out of range${hint}`);
  }
  return ((x + 0x800n) >> 12n) & 0xfffffn;
}
