// Public face of the translator's foundation: a WebAssembly emitter (module builder, function
// builder with a type-checking validator, binary encoder) and its WAT text printer.
export { ByteBuffer } from "./buffer.js";
export { type BranchHint, FuncBuilder, type Label, type ModuleContext } from "./func.js";
export {
  type Export,
  type ExportKind,
  type FuncImport,
  type Global,
  type Import,
  type Limits,
  type Memory,
  ModuleBuilder,
  type Table,
} from "./module.js";
export {
  type LoadOpName,
  type MemOpName,
  OP_COUNT,
  OP_NAME,
  Op,
  type OpId,
  type OpName,
  opId,
  type PlainOpName,
  type StoreOpName,
} from "./opcodes.js";
export { ByteReader } from "./reader.js";
export {
  JIT_PC,
  JIT_VALUE,
  type RegionLayout,
  type RegionSource,
  TRANSLATED,
  translateRegion,
} from "./region.js";
export {
  type CompiledRegion,
  compileRegion,
  type Digest,
  decodeRegion,
  encodeRegion,
  regionKey,
  TranslationCache,
  type TranslationStore,
} from "./tcache.js";
export {
  attachJit,
  HartJit,
  type JitOptions,
  type JitStats,
  MachineJit,
  type RegionDump,
} from "./translator.js";
export {
  Block,
  type BlockType,
  F32,
  F64,
  type FuncType,
  I32,
  I64,
  type ValType,
  valTypeName,
} from "./types.js";
export { f32Text, f64Text, printFunc, printWat } from "./wat.js";
