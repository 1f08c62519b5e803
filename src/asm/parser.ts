// The text assembler: GNU-as-style RISC-V assembly source → statements for the Assembly.

import { Assembly } from "./assembly.js";
import { AsmError, atCol, fail, type Loc } from "./errors.js";
import { type Expr, num, parseExpr } from "./expr.js";
import { fregNumber, regNumber } from "./isa/index.js";
import { lexLine, stripComments, type Token } from "./lexer.js";
import type { Program } from "./program.js";
import type { Operand } from "./syntax.js";

export interface AssembleOptions {
  /** Name used in diagnostics; default "<input>". */
  readonly file?: string;
  /** Address of .text; default 0x8000_0000. */
  readonly base?: bigint;
  /** Start as if `.option rvc` were given (compress where an RVC form exists); default false. */
  readonly rvc?: boolean;
}

/** Assembles `source`; throws AsmError listing every problem found. */
export function assemble(source: string, options: AssembleOptions = {}): Program {
  const asm = new Assembly({
    file: options.file ?? "<input>",
    base: options.base ?? 0x8000_0000n,
    rvc: options.rvc ?? false,
  });
  const lines = stripComments(source).split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (parseLine(asm, lines[i]!, { file: asm.file, line: i + 1, col: 1 }) === "end") break;
  }
  const { program, diagnostics } = asm.finish();
  if (diagnostics.length > 0) throw new AsmError(diagnostics);
  return program;
}

/** Parses one line (statements separated by `;`); returns "end" after `.end`. */
function parseLine(asm: Assembly, line: string, at: Loc): "end" | undefined {
  let tokens: Token[] = [];
  asm.guard(() => {
    tokens = lexLine(line, at);
  });
  let end: "end" | undefined;
  for (const stmt of splitOn(tokens, ";")) {
    asm.guard(() => {
      if (parseStatement(asm, stmt, at) === "end") end = "end";
    });
    if (end) break;
  }
  return end;
}

/** `tokens` split at top-level `sep` punctuation (outside parentheses). */
function splitOn(tokens: readonly Token[], sep: string): Token[][] {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === "punct" && t.text === "(") depth++;
    if (t.kind === "punct" && t.text === ")") depth--;
    if (t.kind === "punct" && t.text === sep && depth <= 0) parts.push([]);
    else parts[parts.length - 1]!.push(t);
  }
  return parts;
}

function parseStatement(asm: Assembly, tokens: Token[], at: Loc): "end" | undefined {
  let i = 0;
  while (isLabelDef(tokens, i)) {
    const t = tokens[i]!;
    asm.statement();
    if (t.kind === "num") asm.localLabel(Number(t.text), atCol(at, t.col));
    else asm.label(t.text, atCol(at, t.col));
    i += 2;
  }
  const head = tokens[i];
  if (!head) return undefined;
  const loc = atCol(at, head.col);
  asm.statement();
  if (head.kind !== "ident") fail(loc, `expected an instruction or directive, got '${head.text}'`);
  const rest = tokens.slice(i + 1);
  if (rest[0]?.kind === "punct" && rest[0].text === "=") {
    asm.equ(head.text, expr(asm, rest.slice(1), loc), loc);
    return undefined;
  }
  if (head.text.startsWith(".")) return directive(asm, head.text, rest, loc);
  const ops = rest.length === 0 ? [] : splitOn(rest, ",").map((op) => operand(asm, op, loc));
  asm.instruction(head.text.toLowerCase(), ops, loc);
  return undefined;
}

function isLabelDef(tokens: readonly Token[], i: number): boolean {
  const t = tokens[i];
  const colon = tokens[i + 1];
  if (!t || colon?.kind !== "punct" || colon.text !== ":") return false;
  return t.kind === "ident" || (t.kind === "num" && /^\d+$/.test(t.text));
}

function expr(asm: Assembly, tokens: readonly Token[], at: Loc): Expr {
  return parseExpr(tokens, at, asm);
}

/** One instruction operand: a register, `offset(reg)` / `(reg)`, or an expression. */
function operand(asm: Assembly, tokens: Token[], at: Loc): Operand {
  const first = tokens[0];
  if (!first) fail(at, "missing operand");
  const loc = atCol(at, first.col);
  const reg = tokens.length === 1 && first.kind === "ident" ? regNumber(first.text) : undefined;
  if (reg !== undefined) return { shape: "reg", reg, text: first.text, loc };
  const freg = tokens.length === 1 && first.kind === "ident" ? fregNumber(first.text) : undefined;
  if (freg !== undefined) return { shape: "freg", reg: freg, text: first.text, loc };
  const mem = memOperand(asm, tokens, at);
  return mem ?? { shape: "expr", expr: expr(asm, tokens, at), loc };
}

/** `offset(reg)` or `(reg)`, or undefined if `tokens` are not a memory operand. */
function memOperand(asm: Assembly, tokens: Token[], at: Loc): Operand | undefined {
  const n = tokens.length;
  const open = tokens[n - 3];
  const inner = tokens[n - 2];
  const close = tokens[n - 1];
  if (close?.text !== ")" || open?.text !== "(" || inner?.kind !== "ident") return undefined;
  const base = regNumber(inner.text);
  const before = tokens.slice(0, n - 3);
  const last = before[before.length - 1];
  if (base === undefined) {
    const relocCall = last?.kind === "ident" && before[before.length - 2]?.text === "%";
    if (last && last.kind !== "punct" && !relocCall)
      fail(atCol(at, inner.col), `unknown register '${inner.text}'`);
    return undefined;
  }
  const offset = before.length > 0 ? expr(asm, before, at) : undefined;
  return { shape: "mem", offset, base, loc: atCol(at, tokens[0]!.col), baseLoc: atCol(at, inner.col) };
}

/** A directive handler; returns "end" to stop assembling (.end). */
type Directive = (asm: Assembly, args: Token[][], loc: Loc) => unknown;

/** Runs directive `name` with its comma-separated arguments. */
function directive(asm: Assembly, name: string, rest: Token[], loc: Loc): "end" | undefined {
  const handler = DIRECTIVES[name.toLowerCase()];
  if (!handler) fail(loc, `unknown directive '${name}'`);
  const args = rest.length === 0 ? [] : splitOn(rest, ",");
  return handler(asm, args, loc) === "end" ? "end" : undefined;
}

/** Argument `i` as an expression; `what` names it in the error if it is missing. */
function argExpr(asm: Assembly, args: Token[][], i: number, loc: Loc, what: string): Expr {
  const a = args[i];
  if (!a || a.length === 0) fail(loc, `missing ${what}`);
  return expr(asm, a, loc);
}

/** Argument `i` as a constant number (known now), or `dflt` if absent. */
function argConst(asm: Assembly, args: Token[][], i: number, loc: Loc, what: string, dflt?: number): number {
  if (dflt !== undefined && (args[i] === undefined || args[i]!.length === 0)) return dflt;
  const e = argExpr(asm, args, i, loc, what);
  return Number(asm.constant(e, atCol(loc, args[i]![0]!.col)));
}

/** Argument `i` as a name (identifier or string). */
function argName(args: Token[][], i: number, loc: Loc, what: string): string {
  const a = args[i];
  const t = a?.[0];
  if (!t || a.length !== 1 || (t.kind !== "ident" && t.kind !== "str"))
    fail(t ? atCol(loc, t.col) : loc, `expected ${what}`);
  return t.kind === "str" ? new TextDecoder().decode(t.bytes) : t.text;
}

function expectArgs(args: Token[][], min: number, max: number, loc: Loc, name: string): void {
  if (args.length < min || args.length > max) {
    fail(
      loc,
      `${name} takes ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? "" : "s"}, got ${args.length}`,
    );
  }
}

const dataDirective =
  (size: 1 | 2 | 4 | 8): Directive =>
  (asm, args, loc) => {
    asm.data(
      size,
      args.map((a) => expr(asm, a, a[0] ? atCol(loc, a[0].col) : loc)),
      loc,
    );
  };

const stringDirective =
  (zero: boolean): Directive =>
  (asm, args, loc) => {
    for (const a of args) {
      const t = a[0];
      if (!t || a.length !== 1 || t.kind !== "str") fail(t ? atCol(loc, t.col) : loc, "expected a string");
      asm.bytes(zero ? new Uint8Array([...t.bytes, 0]) : t.bytes, loc);
    }
  };

const sectionDirective =
  (name: string): Directive =>
  (asm, args, loc) => {
    expectArgs(args, 0, 1, loc, name);
    asm.section(name);
  };

/** .section NAME[, "flags"[, @type]] and .pushsection. */
function sectionArgs(args: Token[][], loc: Loc): [string, string | undefined, string | undefined] {
  const name = argName(args, 0, loc, "a section name");
  const flags = args[1] ? argName(args, 1, loc, "section flags") : undefined;
  const type = args[2]?.find((t) => t.kind === "ident")?.text;
  return [name, flags, type];
}

const alignDirective =
  (name: string, pow2: boolean): Directive =>
  (asm, args, loc) => {
    expectArgs(args, 1, 3, loc, name);
    const n = argConst(asm, args, 0, loc, "alignment");
    const fill = args[1]?.length ? argConst(asm, args, 1, loc, "fill") : undefined;
    const max = argConst(asm, args, 2, loc, "max", Number.MAX_SAFE_INTEGER);
    if (pow2 && (n < 0 || n > 30)) fail(loc, `alignment 2^${n} out of range (0..30)`);
    if (!pow2 && (n < 1 || n > 2 ** 30)) fail(loc, `alignment ${n} out of range (1..2^30)`);
    asm.align(pow2 ? 2 ** n : n, loc, fill, max);
  };

const equDirective: Directive = (asm, args, loc) => {
  expectArgs(args, 2, 2, loc, ".equ");
  asm.equ(argName(args, 0, loc, "a symbol name"), argExpr(asm, args, 1, loc, "value"), loc);
};

const spaceDirective: Directive = (asm, args, loc) => {
  expectArgs(args, 1, 2, loc, ".space");
  const fill = args[1] ? argExpr(asm, args, 1, loc, "fill") : { k: "num" as const, v: 0n };
  asm.fill(argExpr(asm, args, 0, loc, "size"), 1, fill, loc);
};

/** .float/.single (binary32) and .double (binary64): decimal literals, rounded to nearest even. */
const floatDirective =
  (size: 4 | 8): Directive =>
  (asm, args, loc) => {
    const values = args.map((a) => {
      const at = a[0] ? atCol(loc, a[0].col) : loc;
      const neg = a[0]?.kind === "punct" && a[0].text === "-";
      const body = a[0]?.kind === "punct" && (a[0].text === "-" || a[0].text === "+") ? a.slice(1) : a;
      const t = body[0];
      const name = t?.kind === "ident" ? t.text.toLowerCase() : undefined;
      let v: number;
      if (body.length === 1 && (t?.kind === "float" || t?.kind === "num")) v = Number(t.text);
      else if (name === "inf" || name === "infinity") v = Number.POSITIVE_INFINITY;
      else if (name === "nan") v = Number.NaN;
      else return fail(at, "expected a floating-point number like 1.5, -2e-3, inf or nan");
      return num(floatBits(neg ? -v : v, size));
    });
    asm.data(size, values, loc);
  };

/** The IEEE encoding of `v` in 4 or 8 bytes (NaN: the canonical quiet NaN). */
function floatBits(v: number, size: 4 | 8): bigint {
  const view = new DataView(new ArrayBuffer(8));
  if (size === 4) {
    view.setFloat32(0, v);
    return BigInt(view.getUint32(0));
  }
  view.setFloat64(0, v);
  return view.getBigUint64(0);
}

const ignored: Directive = () => undefined;

const globalDirective: Directive = (asm, args, loc) => {
  for (let i = 0; i < args.length; i++) asm.global(argName(args, i, loc, "a symbol name"));
};

const DIRECTIVES: Record<string, Directive> = {
  ".text": sectionDirective(".text"),
  ".data": sectionDirective(".data"),
  ".bss": sectionDirective(".bss"),
  ".rodata": sectionDirective(".rodata"),
  ".section": (asm, args, loc) => asm.section(...sectionArgs(args, loc)),
  ".pushsection": (asm, args, loc) => asm.pushSection(...sectionArgs(args, loc)),
  ".popsection": (asm, _args, loc) => asm.popSection(loc),
  ".previous": (asm) => asm.previousSection(),
  ".globl": globalDirective,
  ".global": globalDirective,
  ".weak": globalDirective,
  ".local": ignored,
  ".hidden": ignored,
  ".protected": ignored,
  ".internal": ignored,
  ".extern": ignored,
  ".align": alignDirective(".align", true),
  ".p2align": alignDirective(".p2align", true),
  ".balign": alignDirective(".balign", false),
  ".byte": dataDirective(1),
  ".half": dataDirective(2),
  ".short": dataDirective(2),
  ".2byte": dataDirective(2),
  ".word": dataDirective(4),
  ".long": dataDirective(4),
  ".4byte": dataDirective(4),
  ".dword": dataDirective(8),
  ".float": floatDirective(4),
  ".single": floatDirective(4),
  ".double": floatDirective(8),
  ".quad": dataDirective(8),
  ".8byte": dataDirective(8),
  ".ascii": stringDirective(false),
  ".asciz": stringDirective(true),
  ".string": stringDirective(true),
  ".zero": (asm, args, loc) => {
    expectArgs(args, 1, 1, loc, ".zero");
    asm.fill(argExpr(asm, args, 0, loc, "size"), 1, { k: "num", v: 0n }, loc);
  },
  ".space": spaceDirective,
  ".skip": spaceDirective,
  ".fill": (asm, args, loc) => {
    expectArgs(args, 1, 3, loc, ".fill");
    const size = argConst(asm, args, 1, loc, "size", 1);
    const value = args[2] ? argExpr(asm, args, 2, loc, "value") : { k: "num" as const, v: 0n };
    asm.fill(argExpr(asm, args, 0, loc, "repeat count"), size, value, loc);
  },
  ".equ": equDirective,
  ".set": equDirective,
  ".equiv": equDirective,
  ".option": (asm, args, loc) => {
    expectArgs(args, 1, args[0]?.[0]?.text === "arch" ? 99 : 1, loc, ".option");
    asm.option(args[0]![0]!.text, atCol(loc, args[0]![0]!.col));
  },
  ".type": (asm, args, loc) => {
    expectArgs(args, 2, 2, loc, ".type");
    const kind = args[1]!.find((t) => t.kind === "ident" || t.kind === "str");
    const k = kind?.kind === "str" ? new TextDecoder().decode(kind.bytes) : kind?.text;
    if (k === "function" || k === "object")
      asm.setType(argName(args, 0, loc, "a symbol name"), k === "function" ? "func" : "object");
  },
  ".size": ignored,
  ".file": ignored,
  ".ident": ignored,
  ".attribute": ignored,
  ".addrsig": ignored,
  ".addrsig_sym": ignored,
  ".loc": ignored,
  ".end": () => "end",
};
for (const cfi of ["startproc", "endproc", "def_cfa", "def_cfa_offset", "offset", "restore", "sections"]) {
  DIRECTIVES[`.cfi_${cfi}`] = ignored;
}
