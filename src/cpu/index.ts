// Public face of the CPU layer: harts, the decoder, the interpreter and the bare machine. The
// translator's WebAssembly emitter has its own face, ./jit/index.ts (not loaded by the
// interpreter's users until the translator runs: start-up, docs/performance.md).
export { CodeCache, decodeMemo, seedDecodeMemo } from "./code.js";
export {
  CAUSE,
  CSR,
  causeName,
  csrName,
  csrNumber,
  IRQ,
  MENVCFG_ADUE,
  MSTATUS,
  PRIV_M,
  PRIV_S,
  PRIV_U,
  privName,
} from "./csr.js";
export { type Decoded, decode } from "./decode.js";
export { digest64, digestHex } from "./digest.js";
export { disasm, fregName, regName } from "./disasm.js";
export {
  accessFaultCause,
  Hart,
  type HartHost,
  type PendingJit,
  pageFaultCause,
  type Translator,
} from "./hart.js";
export { type AccessKind, HostTlb } from "./hosttlb.js";
export {
  type GeneratedCompiler,
  type Interpreter,
  interpreter,
  interpreterSource,
  isHotOp,
  MAX_CHUNK,
  type RunFn,
  run,
  STARTER_INSNS,
  setChunkCap,
  setGeneratedCompiler,
  starterInsnsLeft,
  type TraceFn,
  tracingInterpreter,
} from "./interp.js";
export { insnInfo, MNEMONICS, type Mnemonic, OPS } from "./isa.js";
export {
  INSNS_PER_TICK,
  LoadError,
  Machine,
  type MachineOptions,
  type RunResult,
  TIMEBASE_HZ,
} from "./machine/machine.js";
export { Paging } from "./paging.js";
export { type JitStats, zeroJitStats } from "./trap.js";
export {
  type DebugHalt,
  NTRIGGERS,
  TRIG_EXECUTE,
  TRIG_LOAD,
  TRIG_STORE,
  Triggers,
} from "./trigger.js";
export { warmInterpreter } from "./warmup.js";
