// Public face of the assembler: RV64IMAFDC (+ Zicsr, Zifencei, privileged) text assembly and a
// TypeScript builder, both producing a Program (flat image or ELF64 executable).

export {
  AsmBuilder,
  type BuilderOptions,
  type CsrArg,
  type FReg,
  type Imm,
  MNEMONICS,
  methodName,
  type Reg,
} from "./builder.js";
export { compress } from "./compress.js";
export { type Encoded, EncodeError, encode, makeInsn } from "./encoding.js";
export { AsmError, Diagnostic, type Loc } from "./errors.js";
export {
  ABI_NAMES,
  csrNumber,
  FABI_NAMES,
  type FRegName,
  fregName,
  fregNumber,
  type Insn,
  type RegName,
  ROUNDING_MODES,
  type RoundingMode,
  regName,
  regNumber,
  ZERO_FIELDS,
} from "./isa/index.js";
export { liSequence } from "./li.js";
export { type AssembleOptions, assemble } from "./parser.js";
export { Program, type Section } from "./program.js";
export type { Mnemonic } from "./syntax.js";
