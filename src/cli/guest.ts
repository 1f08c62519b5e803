// Guest programs from files: an ELF64 executable, or RV64 assembly (.s / .S) that the assembler
// turns into one. Every problem with the file becomes an InputError naming it, in one line
// (an assembly file gets one line per diagnostic, each `file:line:col: message`). The assembler
// is loaded only when there is assembly to assemble: running an ELF file does not need it.

import { readFile } from "node:fs/promises";
import { ElfError, type ElfFile, readElf } from "../elf/index.js";
import { InputError } from "./args.js";

/** Is `path` an assembly source (by its extension)? */
export function isAssembly(path: string): boolean {
  return /\.(s|S|asm)$/.test(path);
}

/** The bytes of `path`, or an InputError that says why they cannot be read. */
export async function readInput(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "is a directory"
          : code === "EACCES"
            ? "permission denied"
            : (e as Error).message;
    throw new InputError(`${path}: ${why}`);
  }
}

/** Assemble `text` (named `file` in diagnostics) into the bytes of an ELF file, with its text
 *  at `base` (default: the assembler's, RAM for bare-metal guests). */
export async function assembleBytes(text: string, file: string, base?: bigint): Promise<Uint8Array> {
  const { AsmError, assemble } = await import("../asm/index.js");
  try {
    return assemble(text, base === undefined ? { file } : { file, base }).toElf();
  } catch (e) {
    if (e instanceof AsmError) throw new InputError(e.message);
    throw e;
  }
}

/** Assemble `text` (named `file` in diagnostics) into an ELF file. */
export async function assembleElf(text: string, file: string): Promise<ElfFile> {
  return parseElf(await assembleBytes(text, file), file);
}

function parseElf(bytes: Uint8Array, name: string): ElfFile {
  try {
    return readElf(bytes, name);
  } catch (e) {
    if (e instanceof ElfError) throw new InputError(e.message);
    throw e;
  }
}

/** Load the guest program at `path`: assembled if it is a .s file, else read as ELF. */
export async function loadGuest(path: string): Promise<ElfFile> {
  const bytes = await readInput(path);
  if (isAssembly(path)) return assembleElf(new TextDecoder().decode(bytes), path);
  return parseElf(bytes, path);
}
