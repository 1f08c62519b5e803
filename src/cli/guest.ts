// Guest programs from files, for the commands: src/session reads, assembles and checks them;
// here a file that cannot be used (a ProgramError) becomes an InputError, reported as one line
// per problem with exit status 2. The assembler is loaded only for assembly (start-up).

import type { ElfFile } from "../elf/index.js";
import {
  assembleElf as assembleSession,
  isAssembly,
  loadAssembler,
  loadBareProgram,
  ProgramError,
} from "../session/index.js";
import { InputError } from "./args.js";

/** Run `fn`; a ProgramError it throws becomes an InputError with the same lines. */
export function asInput<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ProgramError) throw new InputError(e.message);
    throw e;
  }
}

/** Assemble `text` (named `file` in diagnostics) into an ELF file. */
export async function assembleElf(text: string, file: string): Promise<ElfFile> {
  await loadAssembler();
  return asInput(() => assembleSession(text, file));
}

/** Load the --bare program at `path`: assembled if it is a .s file, else read as ELF. */
export async function loadGuest(path: string): Promise<ElfFile> {
  if (isAssembly(path)) await loadAssembler();
  return asInput(() => loadBareProgram(path));
}
