// The one table of WebAssembly instructions the emitter knows: text name, opcode, immediates and
// stack effect. The encoder (func.ts), its type checker and the WAT printer (wat.ts) all read
// this table, so an instruction is described once. Opcodes are those of the WebAssembly core
// spec, binary/instructions.rst (MVP, sign extension, non-trapping float-to-int); a code above
// 0xff is the 0xFC prefix followed by its sub-opcode.
//
// Immediates (kind):
//   none     no immediate; the stack effect below is exact
//   ctl      no immediate, typed by the control stack (unreachable, else, end, return, drop, select)
//   i32 i64 f32 f64   the constant
//   local global func   an index
//   memarg   alignment (log2) and offset; `align` is the natural alignment
//   block    a block type        label  a label index       labels  br_table's vector and default
//   indirect a type index and table 0                      mem0    memory 0 (a zero byte)
// Stack effect ("sig"): operand types popped (first = deepest) "->" types pushed; exact for the
// kinds none, memarg, constants and mem0, documentation for the others.

type Kind =
  | "none"
  | "ctl"
  | "i32"
  | "i64"
  | "f32"
  | "f64"
  | "local"
  | "global"
  | "func"
  | "memarg"
  | "block"
  | "label"
  | "labels"
  | "indirect"
  | "mem0";

type Row = readonly [name: string, code: number, kind: Kind, sig: string, align?: number];

const ROWS = [
  // control
  ["unreachable", 0x00, "ctl", "->"],
  ["nop", 0x01, "none", "->"],
  ["block", 0x02, "block", "params -> params"],
  ["loop", 0x03, "block", "params -> params"],
  ["if", 0x04, "block", "params i32 -> params"],
  ["else", 0x05, "ctl", "results ->"],
  ["end", 0x0b, "ctl", "results -> results"],
  ["br", 0x0c, "label", "label ->"],
  ["br_if", 0x0d, "label", "label i32 -> label"],
  ["br_table", 0x0e, "labels", "label i32 ->"],
  ["return", 0x0f, "ctl", "results ->"],
  ["call", 0x10, "func", "params -> results"],
  ["call_indirect", 0x11, "indirect", "params i32 -> results"],
  // parametric
  ["drop", 0x1a, "ctl", "t ->"],
  ["select", 0x1b, "ctl", "t t i32 -> t"],
  // variables
  ["local.get", 0x20, "local", "-> t"],
  ["local.set", 0x21, "local", "t ->"],
  ["local.tee", 0x22, "local", "t -> t"],
  ["global.get", 0x23, "global", "-> t"],
  ["global.set", 0x24, "global", "t ->"],
  // memory
  ["i32.load", 0x28, "memarg", "i32 -> i32", 2],
  ["i64.load", 0x29, "memarg", "i32 -> i64", 3],
  ["f32.load", 0x2a, "memarg", "i32 -> f32", 2],
  ["f64.load", 0x2b, "memarg", "i32 -> f64", 3],
  ["i32.load8_s", 0x2c, "memarg", "i32 -> i32", 0],
  ["i32.load8_u", 0x2d, "memarg", "i32 -> i32", 0],
  ["i32.load16_s", 0x2e, "memarg", "i32 -> i32", 1],
  ["i32.load16_u", 0x2f, "memarg", "i32 -> i32", 1],
  ["i64.load8_s", 0x30, "memarg", "i32 -> i64", 0],
  ["i64.load8_u", 0x31, "memarg", "i32 -> i64", 0],
  ["i64.load16_s", 0x32, "memarg", "i32 -> i64", 1],
  ["i64.load16_u", 0x33, "memarg", "i32 -> i64", 1],
  ["i64.load32_s", 0x34, "memarg", "i32 -> i64", 2],
  ["i64.load32_u", 0x35, "memarg", "i32 -> i64", 2],
  ["i32.store", 0x36, "memarg", "i32 i32 ->", 2],
  ["i64.store", 0x37, "memarg", "i32 i64 ->", 3],
  ["f32.store", 0x38, "memarg", "i32 f32 ->", 2],
  ["f64.store", 0x39, "memarg", "i32 f64 ->", 3],
  ["i32.store8", 0x3a, "memarg", "i32 i32 ->", 0],
  ["i32.store16", 0x3b, "memarg", "i32 i32 ->", 1],
  ["i64.store8", 0x3c, "memarg", "i32 i64 ->", 0],
  ["i64.store16", 0x3d, "memarg", "i32 i64 ->", 1],
  ["i64.store32", 0x3e, "memarg", "i32 i64 ->", 2],
  ["memory.size", 0x3f, "mem0", "-> i32"],
  ["memory.grow", 0x40, "mem0", "i32 -> i32"],
  // constants
  ["i32.const", 0x41, "i32", "-> i32"],
  ["i64.const", 0x42, "i64", "-> i64"],
  ["f32.const", 0x43, "f32", "-> f32"],
  ["f64.const", 0x44, "f64", "-> f64"],
  // i32 comparisons
  ["i32.eqz", 0x45, "none", "i32 -> i32"],
  ["i32.eq", 0x46, "none", "i32 i32 -> i32"],
  ["i32.ne", 0x47, "none", "i32 i32 -> i32"],
  ["i32.lt_s", 0x48, "none", "i32 i32 -> i32"],
  ["i32.lt_u", 0x49, "none", "i32 i32 -> i32"],
  ["i32.gt_s", 0x4a, "none", "i32 i32 -> i32"],
  ["i32.gt_u", 0x4b, "none", "i32 i32 -> i32"],
  ["i32.le_s", 0x4c, "none", "i32 i32 -> i32"],
  ["i32.le_u", 0x4d, "none", "i32 i32 -> i32"],
  ["i32.ge_s", 0x4e, "none", "i32 i32 -> i32"],
  ["i32.ge_u", 0x4f, "none", "i32 i32 -> i32"],
  // i64 comparisons
  ["i64.eqz", 0x50, "none", "i64 -> i32"],
  ["i64.eq", 0x51, "none", "i64 i64 -> i32"],
  ["i64.ne", 0x52, "none", "i64 i64 -> i32"],
  ["i64.lt_s", 0x53, "none", "i64 i64 -> i32"],
  ["i64.lt_u", 0x54, "none", "i64 i64 -> i32"],
  ["i64.gt_s", 0x55, "none", "i64 i64 -> i32"],
  ["i64.gt_u", 0x56, "none", "i64 i64 -> i32"],
  ["i64.le_s", 0x57, "none", "i64 i64 -> i32"],
  ["i64.le_u", 0x58, "none", "i64 i64 -> i32"],
  ["i64.ge_s", 0x59, "none", "i64 i64 -> i32"],
  ["i64.ge_u", 0x5a, "none", "i64 i64 -> i32"],
  // float comparisons
  ["f32.eq", 0x5b, "none", "f32 f32 -> i32"],
  ["f32.ne", 0x5c, "none", "f32 f32 -> i32"],
  ["f32.lt", 0x5d, "none", "f32 f32 -> i32"],
  ["f32.gt", 0x5e, "none", "f32 f32 -> i32"],
  ["f32.le", 0x5f, "none", "f32 f32 -> i32"],
  ["f32.ge", 0x60, "none", "f32 f32 -> i32"],
  ["f64.eq", 0x61, "none", "f64 f64 -> i32"],
  ["f64.ne", 0x62, "none", "f64 f64 -> i32"],
  ["f64.lt", 0x63, "none", "f64 f64 -> i32"],
  ["f64.gt", 0x64, "none", "f64 f64 -> i32"],
  ["f64.le", 0x65, "none", "f64 f64 -> i32"],
  ["f64.ge", 0x66, "none", "f64 f64 -> i32"],
  // i32 arithmetic
  ["i32.clz", 0x67, "none", "i32 -> i32"],
  ["i32.ctz", 0x68, "none", "i32 -> i32"],
  ["i32.popcnt", 0x69, "none", "i32 -> i32"],
  ["i32.add", 0x6a, "none", "i32 i32 -> i32"],
  ["i32.sub", 0x6b, "none", "i32 i32 -> i32"],
  ["i32.mul", 0x6c, "none", "i32 i32 -> i32"],
  ["i32.div_s", 0x6d, "none", "i32 i32 -> i32"],
  ["i32.div_u", 0x6e, "none", "i32 i32 -> i32"],
  ["i32.rem_s", 0x6f, "none", "i32 i32 -> i32"],
  ["i32.rem_u", 0x70, "none", "i32 i32 -> i32"],
  ["i32.and", 0x71, "none", "i32 i32 -> i32"],
  ["i32.or", 0x72, "none", "i32 i32 -> i32"],
  ["i32.xor", 0x73, "none", "i32 i32 -> i32"],
  ["i32.shl", 0x74, "none", "i32 i32 -> i32"],
  ["i32.shr_s", 0x75, "none", "i32 i32 -> i32"],
  ["i32.shr_u", 0x76, "none", "i32 i32 -> i32"],
  ["i32.rotl", 0x77, "none", "i32 i32 -> i32"],
  ["i32.rotr", 0x78, "none", "i32 i32 -> i32"],
  // i64 arithmetic
  ["i64.clz", 0x79, "none", "i64 -> i64"],
  ["i64.ctz", 0x7a, "none", "i64 -> i64"],
  ["i64.popcnt", 0x7b, "none", "i64 -> i64"],
  ["i64.add", 0x7c, "none", "i64 i64 -> i64"],
  ["i64.sub", 0x7d, "none", "i64 i64 -> i64"],
  ["i64.mul", 0x7e, "none", "i64 i64 -> i64"],
  ["i64.div_s", 0x7f, "none", "i64 i64 -> i64"],
  ["i64.div_u", 0x80, "none", "i64 i64 -> i64"],
  ["i64.rem_s", 0x81, "none", "i64 i64 -> i64"],
  ["i64.rem_u", 0x82, "none", "i64 i64 -> i64"],
  ["i64.and", 0x83, "none", "i64 i64 -> i64"],
  ["i64.or", 0x84, "none", "i64 i64 -> i64"],
  ["i64.xor", 0x85, "none", "i64 i64 -> i64"],
  ["i64.shl", 0x86, "none", "i64 i64 -> i64"],
  ["i64.shr_s", 0x87, "none", "i64 i64 -> i64"],
  ["i64.shr_u", 0x88, "none", "i64 i64 -> i64"],
  ["i64.rotl", 0x89, "none", "i64 i64 -> i64"],
  ["i64.rotr", 0x8a, "none", "i64 i64 -> i64"],
  // f32 arithmetic
  ["f32.abs", 0x8b, "none", "f32 -> f32"],
  ["f32.neg", 0x8c, "none", "f32 -> f32"],
  ["f32.ceil", 0x8d, "none", "f32 -> f32"],
  ["f32.floor", 0x8e, "none", "f32 -> f32"],
  ["f32.trunc", 0x8f, "none", "f32 -> f32"],
  ["f32.nearest", 0x90, "none", "f32 -> f32"],
  ["f32.sqrt", 0x91, "none", "f32 -> f32"],
  ["f32.add", 0x92, "none", "f32 f32 -> f32"],
  ["f32.sub", 0x93, "none", "f32 f32 -> f32"],
  ["f32.mul", 0x94, "none", "f32 f32 -> f32"],
  ["f32.div", 0x95, "none", "f32 f32 -> f32"],
  ["f32.min", 0x96, "none", "f32 f32 -> f32"],
  ["f32.max", 0x97, "none", "f32 f32 -> f32"],
  ["f32.copysign", 0x98, "none", "f32 f32 -> f32"],
  // f64 arithmetic
  ["f64.abs", 0x99, "none", "f64 -> f64"],
  ["f64.neg", 0x9a, "none", "f64 -> f64"],
  ["f64.ceil", 0x9b, "none", "f64 -> f64"],
  ["f64.floor", 0x9c, "none", "f64 -> f64"],
  ["f64.trunc", 0x9d, "none", "f64 -> f64"],
  ["f64.nearest", 0x9e, "none", "f64 -> f64"],
  ["f64.sqrt", 0x9f, "none", "f64 -> f64"],
  ["f64.add", 0xa0, "none", "f64 f64 -> f64"],
  ["f64.sub", 0xa1, "none", "f64 f64 -> f64"],
  ["f64.mul", 0xa2, "none", "f64 f64 -> f64"],
  ["f64.div", 0xa3, "none", "f64 f64 -> f64"],
  ["f64.min", 0xa4, "none", "f64 f64 -> f64"],
  ["f64.max", 0xa5, "none", "f64 f64 -> f64"],
  ["f64.copysign", 0xa6, "none", "f64 f64 -> f64"],
  // conversions
  ["i32.wrap_i64", 0xa7, "none", "i64 -> i32"],
  ["i32.trunc_f32_s", 0xa8, "none", "f32 -> i32"],
  ["i32.trunc_f32_u", 0xa9, "none", "f32 -> i32"],
  ["i32.trunc_f64_s", 0xaa, "none", "f64 -> i32"],
  ["i32.trunc_f64_u", 0xab, "none", "f64 -> i32"],
  ["i64.extend_i32_s", 0xac, "none", "i32 -> i64"],
  ["i64.extend_i32_u", 0xad, "none", "i32 -> i64"],
  ["i64.trunc_f32_s", 0xae, "none", "f32 -> i64"],
  ["i64.trunc_f32_u", 0xaf, "none", "f32 -> i64"],
  ["i64.trunc_f64_s", 0xb0, "none", "f64 -> i64"],
  ["i64.trunc_f64_u", 0xb1, "none", "f64 -> i64"],
  ["f32.convert_i32_s", 0xb2, "none", "i32 -> f32"],
  ["f32.convert_i32_u", 0xb3, "none", "i32 -> f32"],
  ["f32.convert_i64_s", 0xb4, "none", "i64 -> f32"],
  ["f32.convert_i64_u", 0xb5, "none", "i64 -> f32"],
  ["f32.demote_f64", 0xb6, "none", "f64 -> f32"],
  ["f64.convert_i32_s", 0xb7, "none", "i32 -> f64"],
  ["f64.convert_i32_u", 0xb8, "none", "i32 -> f64"],
  ["f64.convert_i64_s", 0xb9, "none", "i64 -> f64"],
  ["f64.convert_i64_u", 0xba, "none", "i64 -> f64"],
  ["f64.promote_f32", 0xbb, "none", "f32 -> f64"],
  ["i32.reinterpret_f32", 0xbc, "none", "f32 -> i32"],
  ["i64.reinterpret_f64", 0xbd, "none", "f64 -> i64"],
  ["f32.reinterpret_i32", 0xbe, "none", "i32 -> f32"],
  ["f64.reinterpret_i64", 0xbf, "none", "i64 -> f64"],
  // sign extension
  ["i32.extend8_s", 0xc0, "none", "i32 -> i32"],
  ["i32.extend16_s", 0xc1, "none", "i32 -> i32"],
  ["i64.extend8_s", 0xc2, "none", "i64 -> i64"],
  ["i64.extend16_s", 0xc3, "none", "i64 -> i64"],
  ["i64.extend32_s", 0xc4, "none", "i64 -> i64"],
  // non-trapping float-to-int (0xFC prefix)
  ["i32.trunc_sat_f32_s", 0xfc00, "none", "f32 -> i32"],
  ["i32.trunc_sat_f32_u", 0xfc01, "none", "f32 -> i32"],
  ["i32.trunc_sat_f64_s", 0xfc02, "none", "f64 -> i32"],
  ["i32.trunc_sat_f64_u", 0xfc03, "none", "f64 -> i32"],
  ["i64.trunc_sat_f32_s", 0xfc04, "none", "f32 -> i64"],
  ["i64.trunc_sat_f32_u", 0xfc05, "none", "f32 -> i64"],
  ["i64.trunc_sat_f64_s", 0xfc06, "none", "f64 -> i64"],
  ["i64.trunc_sat_f64_u", 0xfc07, "none", "f64 -> i64"],
] as const satisfies readonly Row[];

type Rows = (typeof ROWS)[number];

/** Every instruction's text name. */
export type OpName = Rows[0];
/** Instructions without immediates and with a fixed stack effect: FuncBuilder.op. */
export type PlainOpName = Extract<Rows, readonly [string, number, "none", string]>[0];
/** Loads and stores: FuncBuilder.load / store. */
export type MemOpName = Extract<Rows, readonly [string, number, "memarg", string, number]>[0];
export type LoadOpName = Extract<MemOpName, `${string}.load${string}`>;
export type StoreOpName = Extract<MemOpName, `${string}.store${string}`>;

/** An instruction's id (its row in the table), typed by its name so that a method taking plain
 *  instructions rejects a load at compile time. */
export type OpId<N extends OpName = OpName> = number & { readonly __op: N };

type Ident<S extends string> = S extends `${infer A}.${infer B}` ? `${A}_${B}` : S;

/** Instruction ids by name with '.' as '_': Op.i64_add, Op.i64_load32_u, Op.local_get. */
export const Op = Object.fromEntries(ROWS.map((r, i) => [r[0].replace(".", "_"), i])) as unknown as {
  readonly [R in Rows as Ident<R[0]>]: OpId<R[0]>;
};

/** Number of instructions in the table. */
export const OP_COUNT = ROWS.length;

/** Per id: name, opcode (0xFCxx for prefixed ones), immediate kind. */
export const OP_NAME: readonly OpName[] = ROWS.map((r) => r[0]);
export const OP_CODE = Uint16Array.from(ROWS, (r) => r[1]);
const KINDS: readonly Kind[] = [
  "none",
  "ctl",
  "i32",
  "i64",
  "f32",
  "f64",
  "local",
  "global",
  "func",
  "memarg",
  "block",
  "label",
  "labels",
  "indirect",
  "mem0",
];
export const K = Object.fromEntries(KINDS.map((k, i) => [k, i])) as { readonly [k in Kind]: number };
export const OP_KIND = Uint8Array.from(ROWS, (r) => KINDS.indexOf(r[2]));
export const OP_SIG: readonly string[] = ROWS.map((r) => r[3]);
/** Natural alignment (log2 of bytes) of loads and stores; 0 for the others. */
export const OP_ALIGN = Uint8Array.from(ROWS, (r) => (r.length > 4 ? (r as Row)[4]! : 0));

/** Exact stack effects of the kinds that have one: up to 3 popped types per id (deepest first),
 *  their count, and the pushed type (0 for none). */
export const OP_NPOP = new Uint8Array(ROWS.length);
export const OP_POP = new Uint8Array(ROWS.length * 3);
export const OP_PUSH = new Uint8Array(ROWS.length);

const EXACT = new Set<Kind>(["none", "memarg", "i32", "i64", "f32", "f64", "mem0"]);
const TYPE_CODE: Record<string, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c };

function parseSig(id: number, sig: string): void {
  const [pops, pushes] = sig.split("->").map((s) => s.trim().split(/\s+/).filter(Boolean)) as [
    string[],
    string[],
  ];
  if (pops.length > 3 || pushes.length > 1)
    throw new Error(`wasm opcodes: ${OP_NAME[id]}: bad stack effect ${sig}`);
  OP_NPOP[id] = pops.length;
  pops.forEach((t, i) => {
    const c = TYPE_CODE[t];
    if (c === undefined) throw new Error(`wasm opcodes: ${OP_NAME[id]}: unknown type ${t}`);
    OP_POP[id * 3 + i] = c;
  });
  if (pushes.length === 1) {
    const c = TYPE_CODE[pushes[0]!];
    if (c === undefined) throw new Error(`wasm opcodes: ${OP_NAME[id]}: unknown type ${pushes[0]}`);
    OP_PUSH[id] = c;
  }
}

ROWS.forEach((r, i) => {
  if (EXACT.has(r[2])) parseSig(i, r[3]);
});

/** Id of each single-byte opcode (-1 where none), and of each 0xFC sub-opcode. */
export const BY_CODE = new Int16Array(256).fill(-1);
export const BY_FC = new Int16Array(32).fill(-1);
ROWS.forEach((r, i) => {
  const code: number = r[1];
  if (code > 0xff) BY_FC[code & 0xff] = i;
  else BY_CODE[code] = i;
});

/** The id of the instruction named `name` (e.g. "i64.add"). */
export function opId(name: string): OpId {
  const i = OP_NAME.indexOf(name as OpName);
  if (i < 0) throw new Error(`wasm: no instruction named '${name}'`);
  return i as OpId;
}
