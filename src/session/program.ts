// Guest programs from files: for --bare an ELF64 executable loaded at its physical addresses,
// for the kernel a static Linux executable, and for both RV64 assembly (.s / .S / .asm) that the
// assembler turns into one. A file that cannot be used is a ProgramError naming it, in one line
// (an assembly file gets one line per diagnostic, each `file:line:col: message`); under the
// kernel, a file that is not an executable the kernel runs is the kernel's ExecError (status 126).
// The assembler is loaded only for assembly programs (loadAssembler: about 18 modules that a run
// of an ELF file does not need; docs/performance.md): a caller that may meet a .s file awaits
// loadAssembler() before calling these synchronous functions.

import type * as Asm from "../asm/index.js";
import { ElfError, type ElfFile, readElf } from "../elf/index.js";
import { ExecError } from "../kernel/index.js";
import { HostFileError, MAX_PROGRAM_BYTES, readHostFile } from "./hostfile.js";
import { ProgramError } from "./machine.js";

/** Where a user-mode assembly program (PROGRAM.s under the kernel) is placed. */
export const USER_TEXT_BASE = 0x10000n;

/** Is `path` an assembly source (by its extension: .s, .S, .asm)? Told without a regular
 *  expression: compiling one is most of this test's cost, paid by every run. */
export function isAssembly(path: string): boolean {
  return path.endsWith(".s") || path.endsWith(".S") || path.endsWith(".asm");
}

/** The bytes of program file `path` (a regular file of at most MAX_PROGRAM_BYTES), or a
 *  ProgramError that says why they cannot be read. */
export function readInput(path: string): Uint8Array {
  try {
    return readHostFile(path, { max: MAX_PROGRAM_BYTES });
  } catch (e) {
    if (e instanceof HostFileError) throw new ProgramError(e.message);
    throw e;
  }
}

let asm: typeof Asm | null = null;

/** Load the assembler, once: needed before assembleElf, and before loadBareProgram or
 *  readKernelProgram of an assembly file. */
export async function loadAssembler(): Promise<void> {
  asm ??= await import("../asm/index.js");
}

/** Assemble `text` (named `file` in diagnostics) at `base` (default: the assembler's, RAM). */
function assembleBytes(text: string, file: string, base?: bigint): Uint8Array {
  if (asm === null) throw new Error(`${file}: the assembler is not loaded (loadAssembler() first)`);
  try {
    return asm.assemble(text, { file, ...(base === undefined ? {} : { base }) }).toElf();
  } catch (e) {
    if (e instanceof asm.AsmError) throw new ProgramError(e.message);
    throw e;
  }
}

/** Assemble `text` (named `file` in diagnostics) into an ELF file for --bare. */
export function assembleElf(text: string, file: string): ElfFile {
  return parseElf(assembleBytes(text, file), file);
}

function parseElf(bytes: Uint8Array, name: string): ElfFile {
  try {
    return readElf(bytes, name);
  } catch (e) {
    if (e instanceof ElfError) throw new ProgramError(e.message);
    throw e;
  }
}

/** The --bare program at `path`: assembled if it is a .s file, else read as ELF. */
export function loadBareProgram(path: string): ElfFile {
  const bytes = readInput(path);
  if (isAssembly(path)) return assembleElf(new TextDecoder().decode(bytes), path);
  return parseElf(bytes, path);
}

/** The bytes of a program for the kernel: an ELF file as it is, a .s file assembled at
 *  USER_TEXT_BASE. Null when the file does not exist; an ExecError when it cannot be read as a
 *  program. */
export function readKernelProgram(path: string): Uint8Array | null {
  let bytes: Uint8Array;
  try {
    bytes = readHostFile(path, { max: MAX_PROGRAM_BYTES });
  } catch (e) {
    if (!(e instanceof HostFileError)) throw e;
    if (e.code === "ENOENT" || e.code === "ENOTDIR") return null;
    throw new ExecError(e.message); // not a file the kernel runs: status 126, as execve's EACCES
  }
  if (!isAssembly(path)) return bytes;
  return assembleBytes(new TextDecoder().decode(bytes), path, USER_TEXT_BASE);
}
