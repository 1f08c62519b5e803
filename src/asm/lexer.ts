// Tokens of one line of assembly, and the comment stripper that runs before lexing.

import { atCol, fail, type Loc } from "./errors.js";

/** A token; `col` is the 1-based column where it starts. */
export type Token =
  | { readonly kind: "ident"; readonly text: string; readonly col: number }
  | { readonly kind: "num"; readonly text: string; readonly col: number; readonly value: bigint }
  /** A floating-point literal (digits with a fraction or an exponent), for .float and .double. */
  | { readonly kind: "float"; readonly text: string; readonly col: number; readonly value: number }
  | {
      readonly kind: "local";
      readonly text: string;
      readonly col: number;
      readonly num: number;
      readonly dir: "b" | "f";
    }
  | { readonly kind: "str"; readonly text: string; readonly col: number; readonly bytes: Uint8Array }
  | { readonly kind: "punct"; readonly text: string; readonly col: number };

/**
 * `source` with comments (`# …`, `// …` to end of line, and C-style block comments) replaced by
 * spaces, keeping every newline, so lines and columns stay where they were. Quotes are respected.
 */
export function stripComments(source: string): string {
  const out = source.split("");
  let i = 0;
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to; k++) if (out[k] !== "\n") out[k] = " ";
  };
  while (i < source.length) {
    const c = source[i]!;
    if (c === '"' || c === "'") {
      const end = quoteEnd(source, i);
      i = end < 0 ? i + 1 : end;
    } else if (c === "#" || (c === "/" && source[i + 1] === "/")) {
      const end = source.indexOf("\n", i);
      const stop = end < 0 ? source.length : end;
      blank(i, stop);
      i = stop;
    } else if (c === "/" && source[i + 1] === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end < 0 ? source.length : end + 2;
      blank(i, stop);
      i = stop;
    } else {
      i++;
    }
  }
  return out.join("");
}

/** Index just past the quoted string or char literal starting at `i`; -1 if it is not closed on its line. */
function quoteEnd(s: string, i: number): number {
  const quote = s[i];
  i++;
  while (i < s.length && s[i] !== quote && s[i] !== "\n") i += s[i] === "\\" ? 2 : 1;
  return s[i] === quote ? i + 1 : -1;
}

const IDENT_START = /[A-Za-z_.$]/;
const IDENT_CHAR = /[A-Za-z0-9_.$]/;
const TWO_CHAR = new Set(["<<", ">>"]);
const ONE_CHAR = new Set([..."()+-*/%&|^~!,:=@;"]);

/** The tokens of `line`; `at` gives file and line for errors (its col is ignored). */
export function lexLine(line: string, at: Loc): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    const col = i + 1;
    if (c === " " || c === "\t" || c === "\r" || c === "\f" || c === "\v") {
      i++;
    } else if (IDENT_START.test(c)) {
      const end = scan(line, i, IDENT_CHAR);
      tokens.push({ kind: "ident", text: line.slice(i, end), col });
      i = end;
    } else if (c >= "0" && c <= "9" && floatLength(line, i) > 0) {
      const end = i + floatLength(line, i);
      tokens.push({ kind: "float", text: line.slice(i, end), col, value: Number(line.slice(i, end)) });
      i = end;
    } else if (c >= "0" && c <= "9") {
      const end = scan(line, i, IDENT_CHAR);
      tokens.push(numberToken(line.slice(i, end), atCol(at, col)));
      i = end;
    } else if (c === '"') {
      const end = quoteEnd(line, i);
      if (end < 0) fail(atCol(at, col), "unterminated string");
      const text = line.slice(i, end);
      tokens.push({ kind: "str", text, col, bytes: unescapeString(text.slice(1, -1), atCol(at, col)) });
      i = end;
    } else if (c === "'") {
      const end = quoteEnd(line, i);
      if (end < 0) fail(atCol(at, col), "unterminated character literal");
      const text = line.slice(i, end);
      const bytes = unescapeString(text.slice(1, -1), atCol(at, col));
      if (bytes.length !== 1) fail(atCol(at, col), `bad character literal ${text}`);
      tokens.push({ kind: "num", text, col, value: BigInt(bytes[0]!) });
      i = end;
    } else if (TWO_CHAR.has(line.slice(i, i + 2))) {
      tokens.push({ kind: "punct", text: line.slice(i, i + 2), col });
      i += 2;
    } else if (ONE_CHAR.has(c)) {
      tokens.push({ kind: "punct", text: c, col });
      i++;
    } else {
      fail(atCol(at, col), `unexpected character '${c}'`);
    }
  }
  return tokens;
}

const FLOAT = /^\d+(\.\d*)?([eE][+-]?\d+)?/;

/** The length of the floating-point literal at `i` (it has a fraction or an exponent and is not
 *  followed by identifier characters), or 0 if there is none. */
function floatLength(s: string, i: number): number {
  const m = FLOAT.exec(s.slice(i));
  if (!m || (m[1] === undefined && m[2] === undefined)) return 0;
  return IDENT_CHAR.test(s[i + m[0].length] ?? " ") ? 0 : m[0].length;
}

function scan(s: string, i: number, re: RegExp): number {
  while (i < s.length && re.test(s[i]!)) i++;
  return i;
}

/** A number (decimal, 0x hex, 0b binary, 0-prefixed octal) or a local label reference like `1b`. */
function numberToken(text: string, loc: Loc): Token {
  const local = /^(\d+)([bf])$/.exec(text);
  if (local) return { kind: "local", text, col: loc.col, num: Number(local[1]), dir: local[2] as "b" | "f" };
  const value = parseNumber(text);
  if (value === undefined) fail(loc, `bad number '${text}'`);
  return { kind: "num", text, col: loc.col, value };
}

/** The value of a number literal, or undefined if `text` is not one. */
export function parseNumber(text: string): bigint | undefined {
  const t = text.toLowerCase();
  if (/^0x[0-9a-f]+$/.test(t)) return BigInt(t);
  if (/^0b[01]+$/.test(t)) return BigInt(t);
  if (/^0[0-7]+$/.test(t)) return BigInt(`0o${t.slice(1)}`);
  if (/^(0|[1-9][0-9]*)$/.test(t)) return BigInt(t);
  return undefined;
}

const SIMPLE_ESCAPES: Record<string, number> = {
  n: 10,
  t: 9,
  r: 13,
  a: 7,
  b: 8,
  f: 12,
  v: 11,
  e: 27,
  "\\": 92,
  '"': 34,
  "'": 39,
  "?": 63,
};

/** The bytes of string-literal body `s` with C escapes resolved; non-ASCII text becomes UTF-8. */
export function unescapeString(s: string, loc: Loc): Uint8Array {
  const out: number[] = [];
  const utf8 = new TextEncoder();
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== "\\") {
      out.push(...utf8.encode(c));
      continue;
    }
    const e = s[++i];
    if (e === undefined) fail(loc, "string ends in a backslash");
    if (e in SIMPLE_ESCAPES) {
      out.push(SIMPLE_ESCAPES[e]!);
    } else if (e >= "0" && e <= "7") {
      const m = /^[0-7]{1,3}/.exec(s.slice(i))![0];
      out.push(Number.parseInt(m, 8) & 0xff);
      i += m.length - 1;
    } else if (e === "x") {
      const m = /^[0-9a-fA-F]+/.exec(s.slice(i + 1))?.[0];
      if (!m) fail(loc, "\\x with no hex digits");
      out.push(Number.parseInt(m.slice(-2), 16));
      i += m.length;
    } else {
      fail(loc, `unknown escape '\\${e}'`);
    }
  }
  return new Uint8Array(out);
}
