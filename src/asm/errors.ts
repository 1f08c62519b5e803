// Diagnostics of the assembler: where in the input a problem is, and the error thrown to callers.

/** A place in the assembler's input: file name, 1-based line and column. */
export interface Loc {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** One problem found in the input, printed as `file:line:col: message`. */
export class Diagnostic {
  constructor(
    readonly loc: Loc,
    readonly message: string,
  ) {}

  toString(): string {
    return `${this.loc.file}:${this.loc.line}:${this.loc.col}: ${this.message}`;
  }
}

/**
 * Thrown by `assemble` and `AsmBuilder.build` when the input is bad. `message` is every diagnostic,
 * one per line, each `file:line:col: message`; `diagnostics` holds them as objects.
 */
export class AsmError extends Error {
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[]) {
    super(diagnostics.map(String).join("\n"));
    this.name = "AsmError";
    this.diagnostics = diagnostics;
  }
}

/** Internal: a problem at a known place; caught by the assembler and turned into a Diagnostic. */
export class LocatedError extends Error {
  constructor(
    readonly loc: Loc,
    message: string,
  ) {
    super(message);
    this.name = "LocatedError";
  }
}

/** Throws a LocatedError; for use in expressions. */
export function fail(loc: Loc, message: string): never {
  throw new LocatedError(loc, message);
}

/** `loc` moved to column `col` of the same line. */
export function atCol(loc: Loc, col: number): Loc {
  return { file: loc.file, line: loc.line, col };
}
