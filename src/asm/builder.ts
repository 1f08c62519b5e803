// The builder API: programs assembled from TypeScript calls, for tests and generated code. Each
// instruction method builds the same operands the text parser builds and goes through the same
// binding, expansion and encoding.

import { Assembly } from "./assembly.js";
import { INSNS } from "./encoding.js";
import { AsmError, atCol, fail, type Loc } from "./errors.js";
import { type Expr, num, parseExpr } from "./expr.js";
import { type FRegName, fregNumber, type RegName, type RoundingMode, regNumber } from "./isa/index.js";
import { lexLine } from "./lexer.js";
import type { Program } from "./program.js";
import {
  bindPattern,
  type Kind,
  lookupMnemonic,
  type Mnemonic,
  type Operand,
  type OrderSuffix,
  type PatternsOf,
  PSEUDOS,
} from "./syntax.js";

export interface BuilderOptions {
  /** Address of .text; default 0x8000_0000. */
  readonly base?: bigint;
  /** Start with `.option rvc` (automatic compression); default false. */
  readonly rvc?: boolean;
  /** Name used in diagnostics; default "<builder>". Diagnostics give statement number and argument number as line and column. */
  readonly file?: string;
}

/** A register argument. */
export type Reg = RegName;
/** An f register argument. */
export type FReg = FRegName;
/** An immediate, target or symbol argument: a number, or an expression in assembler syntax ("label+8", "%lo(x)", "1f"). */
export type Imm = number | bigint | string;
/** A CSR argument: a name ("mstatus") or number. */
export type CsrArg = string | number;

type ArgOf<K extends Kind> = K extends "rd" | "rs1" | "rs2" | "rdrs1" | "tmp" | "sp" | "amem"
  ? [Reg]
  : K extends "frd" | "frs1" | "frs2" | "frs3"
    ? [FReg]
    : K extends "rm"
      ? [RoundingMode]
      : K extends "mem" | "spmem"
        ? [offset: Imm, base: Reg]
        : K extends "csr"
          ? [CsrArg]
          : K extends "pred" | "succ"
            ? [string]
            : [Imm];
type ArgsOf<P> = P extends readonly [infer H extends Kind, ...infer T] ? [...ArgOf<H>, ...ArgsOf<T>] : [];
/** Method name of a mnemonic: dots become underscores (`amoadd.w.aq` → `amoadd_w_aq`). */
export type MethodName<S extends string> = S extends `${infer A}.${infer B}` ? `${A}_${MethodName<B>}` : S;

/**
 * One method per mnemonic. Operands in assembly order; a memory operand `offset(base)` is two
 * arguments (offset, base), `(rs1)` of LR/SC/AMO is one (rs1). E.g. `b.ld("a0", 8, "sp")`,
 * `b.amoadd_w("a0", "a1", "a2")`, `b.bne("a0", "a1", "loop")`, `b.li("t0", 0x1234n)`.
 */
export type InsnMethods = {
  [M in Mnemonic as MethodName<M>]: (...args: ArgsOf<PatternsOf<M>>) => AsmBuilder;
};

type BuilderArg = Imm;

/** The builder's own methods; AsmBuilder adds one method per mnemonic. */
class BuilderCore {
  private readonly asm: Assembly;
  private statements = 0;
  private labelCount = 0;
  private reported = 0;

  constructor(options: BuilderOptions = {}) {
    this.asm = new Assembly({
      file: options.file ?? "<builder>",
      base: options.base ?? 0x8000_0000n,
      rvc: options.rvc ?? false,
    });
  }

  /** Emits instruction `mnemonic` (any mnemonic, e.g. "amoadd.w.aq") with `args` as in the methods. */
  insn(mnemonic: string, ...args: BuilderArg[]): this {
    return this.run((loc) => {
      const info = lookupMnemonic(mnemonic);
      if (!info) fail(loc, `unknown instruction '${mnemonic}'`);
      let failure: { loc: Loc; message: string } | undefined;
      for (let idx = 0; idx < info.patterns.length; idx++) {
        const kinds = info.patterns[idx]!;
        if (arity(kinds) !== args.length) continue;
        const r = bindPattern(kinds, this.operands(kinds, args, loc));
        if (!("message" in r)) return this.asm.code(info.emit(idx, r), loc);
        failure ??= r;
      }
      if (failure) fail(failure.loc, failure.message);
      fail(loc, `wrong number of arguments for '${mnemonic}': ${args.length}`);
    });
  }

  /** Defines a label here; "1".."9…" define numeric local labels (referred to as "1b"/"1f"). */
  label(name: string): this {
    return this.run((loc) =>
      /^\d+$/.test(name) ? this.asm.localLabel(Number(name), loc) : this.asm.label(name, loc),
    );
  }

  /** A label name not used before (not yet defined: pass it to `label`). */
  newLabel(prefix = ".Lb"): string {
    return `${prefix}${this.labelCount++}`;
  }

  /** Switches to section `name`; flags as in `.section` ("ax", "aw", "a"). */
  section(name: string, flags?: string): this {
    return this.run(() => this.asm.section(name, flags));
  }

  text(): this {
    return this.section(".text");
  }

  rodata(): this {
    return this.section(".rodata");
  }

  bss(): this {
    return this.section(".bss");
  }

  /** Switches to .data; with `bytes`, also emits them there. */
  data(bytes?: Uint8Array | readonly number[]): this {
    this.section(".data");
    return bytes ? this.bytes(bytes) : this;
  }

  /** Emits raw bytes. */
  bytes(bytes: Uint8Array | readonly number[]): this {
    return this.run((loc) => this.asm.bytes(Uint8Array.from(bytes), loc));
  }

  byte(...values: Imm[]): this {
    return this.values(1, values);
  }

  half(...values: Imm[]): this {
    return this.values(2, values);
  }

  word(...values: Imm[]): this {
    return this.values(4, values);
  }

  /** 64-bit values; strings are expressions, e.g. a label name for a pointer. */
  dword(...values: Imm[]): this {
    return this.values(8, values);
  }

  ascii(text: string): this {
    return this.bytes(new TextEncoder().encode(text));
  }

  asciz(text: string): this {
    return this.bytes([...new TextEncoder().encode(text), 0]);
  }

  /** `n` zero bytes. */
  zero(n: Imm): this {
    return this.run((loc) => this.asm.fill(this.expr(n, loc), 1, num(0), loc));
  }

  /** Aligns to 2^`pow2` bytes (like `.align`/`.p2align`): nops in code sections, zeros elsewhere. */
  align(pow2: number): this {
    return this.balign(2 ** pow2);
  }

  /** Aligns to `bytes` (a power of two), like `.balign`. */
  balign(bytes: number): this {
    return this.run((loc) => this.asm.align(bytes, loc));
  }

  /** Defines symbol `name` = `value` (like `.equ`). */
  equ(name: string, value: Imm): this {
    return this.run((loc) => this.asm.equ(name, this.expr(value, loc), loc));
  }

  globl(name: string): this {
    return this.run(() => this.asm.global(name));
  }

  /** `.option rvc|norvc|push|pop`. */
  option(name: "rvc" | "norvc" | "push" | "pop"): this {
    return this.run((loc) => this.asm.option(name, loc));
  }

  /** Lays out and encodes everything; throws AsmError for undefined labels, out-of-range values, .... */
  build(): Program {
    const { program, diagnostics } = this.asm.finish();
    if (diagnostics.length > 0) throw new AsmError(diagnostics);
    return program;
  }

  private values(size: 1 | 2 | 4 | 8, values: Imm[]): this {
    return this.run((loc) =>
      this.asm.data(
        size,
        values.map((v, i) => this.expr(v, atCol(loc, i + 1))),
        loc,
      ),
    );
  }

  /** Runs one statement; throws AsmError at once for the problems it reported. */
  private run(f: (loc: Loc) => void): this {
    const loc = { file: this.asm.file, line: ++this.statements, col: 1 };
    this.asm.statement();
    this.asm.guard(() => f(loc));
    if (this.asm.diagnostics.length > this.reported) {
      const fresh = this.asm.diagnostics.slice(this.reported);
      this.reported = this.asm.diagnostics.length;
      throw new AsmError(fresh);
    }
    return this;
  }

  /** Builder arguments as operands for `kinds` (a memory operand takes two arguments). */
  private operands(kinds: readonly Kind[], args: readonly BuilderArg[], loc: Loc): Operand[] {
    const ops: Operand[] = [];
    let a = 0;
    for (const k of kinds) {
      const at = atCol(loc, a + 1);
      if (k === "mem" || k === "spmem") {
        ops.push(this.mem(args[a]!, args[a + 1]!, at, atCol(loc, a + 2)));
        a += 2;
      } else if (k === "amem") {
        ops.push(this.mem(0, args[a]!, at, at));
        a += 1;
      } else {
        ops.push(this.value(args[a]!, at));
        a += 1;
      }
    }
    return ops;
  }

  private mem(offset: BuilderArg, base: BuilderArg, loc: Loc, baseLoc: Loc): Operand {
    const reg = typeof base === "string" ? regNumber(base) : undefined;
    if (reg === undefined) fail(baseLoc, `unknown register '${String(base)}'`);
    return { shape: "mem", offset: this.expr(offset, loc), base: reg, loc, baseLoc };
  }

  private value(arg: BuilderArg, loc: Loc): Operand {
    const reg = typeof arg === "string" ? regNumber(arg) : undefined;
    if (reg !== undefined) return { shape: "reg", reg, text: arg as string, loc };
    const freg = typeof arg === "string" ? fregNumber(arg) : undefined;
    if (freg !== undefined) return { shape: "freg", reg: freg, text: arg as string, loc };
    return { shape: "expr", expr: this.expr(arg, loc), loc };
  }

  private expr(arg: BuilderArg, loc: Loc): Expr {
    if (typeof arg === "number" && !Number.isSafeInteger(arg)) fail(loc, `${arg} is not an integer`);
    if (typeof arg !== "string") return num(arg);
    if (SYMBOL.test(arg)) return { k: "sym", name: arg, shown: arg, loc };
    return parseExpr(lexLine(arg, loc), loc, this.asm);
  }
}

/** A plain symbol name (the common case, parsed without the lexer). */
const SYMBOL = /^(?:[A-Za-z_$]|\.[A-Za-z_$.])[A-Za-z0-9_.$]*$/;

function arity(kinds: readonly Kind[]): number {
  return kinds.reduce((n, k) => n + (k === "mem" || k === "spmem" ? 2 : 1), 0);
}

/** Every mnemonic, including the .aq/.rl/.aqrl forms of LR/SC/AMO. */
export const MNEMONICS: readonly Mnemonic[] = [
  ...(Object.keys(INSNS) as (keyof typeof INSNS)[]),
  ...(Object.keys(PSEUDOS) as (keyof typeof PSEUDOS)[]),
  ...(Object.entries(INSNS) as [keyof typeof INSNS, readonly [string, number]][])
    .filter(([, [form]]) => form === "AMO" || form === "LR")
    .flatMap(([name]) => (["aq", "rl", "aqrl"] as OrderSuffix[]).map((s) => `${name}.${s}` as Mnemonic)),
];

/** The builder method of mnemonic `m`: its dots become underscores (amoadd.w.aq → amoadd_w_aq). */
export function methodName<M extends Mnemonic>(m: M): MethodName<M> {
  return m.replaceAll(".", "_") as MethodName<M>;
}

for (const m of MNEMONICS) {
  const method = methodName(m);
  const proto = BuilderCore.prototype as unknown as Record<string, unknown>;
  if (method in proto)
    throw new Error(`AsmBuilder: mnemonic method ${method} collides with a builder method`);
  proto[method] = function (this: BuilderCore, ...args: BuilderArg[]) {
    return this.insn(m, ...args);
  };
}

/** A program builder: `new AsmBuilder({ base })`, then one call per statement, then `build()`. */
export type AsmBuilder = BuilderCore & InsnMethods;
export const AsmBuilder = BuilderCore as unknown as new (options?: BuilderOptions) => AsmBuilder;
