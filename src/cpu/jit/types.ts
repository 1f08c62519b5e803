// WebAssembly value types, block types and function types as the emitter uses them: each value
// type is its binary code (WebAssembly core spec, binary/types.rst), so no table maps between an
// API value and the byte written.

/** A value type, as its binary code. */
export type ValType = 0x7f | 0x7e | 0x7d | 0x7c;

export const I32 = 0x7f;
export const I64 = 0x7e;
export const F32 = 0x7d;
export const F64 = 0x7c;

/** The validator's "any type" (an operand popped from the polymorphic stack of unreachable
 *  code); never a declared type. */
export const UNKNOWN = 0;

/** A block type as the spec's s33 encodes it (binary/instructions.rst): -64 (byte 0x40) for no
 *  result, -1..-4 for one result (the value type's byte read as a signed LEB128), or a type index
 *  (>= 0, from ModuleBuilder.type) for blocks with parameters or several results. */
export type BlockType = number;

export const Block = {
  void: -64,
  i32: I32 - 0x80,
  i64: I64 - 0x80,
  f32: F32 - 0x80,
  f64: F64 - 0x80,
} as const;

/** A function type: what a call pops and pushes. */
export interface FuncType {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

const NAMES: Record<number, string> = { [I32]: "i32", [I64]: "i64", [F32]: "f32", [F64]: "f64" };

/** The text-format name of a value type ("i64"), or "any" for the validator's unknown type. */
export function valTypeName(t: number): string {
  if (t === UNKNOWN) return "any";
  const n = NAMES[t];
  if (n === undefined) throw new Error(`wasm: 0x${t.toString(16)} is not a value type`);
  return n;
}

/** Whether t is one of the four value types. */
export function isValType(t: number): t is ValType {
  return t === I32 || t === I64 || t === F32 || t === F64;
}

/** Characters allowed in a text-format identifier after '$' (text/values.rst, idchar). */
const ID_RE = /^[0-9A-Za-z!#$%&'*+\-./:<=>?@\\^_`|~]+$/;

/** Check that a name can be printed as a text-format identifier ($name); return it. */
export function checkId(what: string, name: string): string {
  if (!ID_RE.test(name)) {
    throw new Error(
      `wasm: ${what} name '${name}' is not a text-format identifier (letters, digits, _.-$... only)`,
    );
  }
  return name;
}
