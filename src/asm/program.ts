// An assembled program: its sections at their addresses, its symbols and entry point, and the two
// output formats (a flat image from the base address, and an ELF64 executable).

import { type ElfImageSymbol, PF_R, PF_W, PF_X, writeElf } from "../elf/index.js";

/** A section of an assembled program. `data` is empty for .bss; `memsz` is the size in memory. */
export interface Section {
  readonly name: string;
  readonly addr: bigint;
  readonly data: Uint8Array;
  readonly memsz: number;
  readonly flags: "rx" | "rw" | "r";
}

/** What the assembler hands to Program. */
export interface ProgramParts {
  readonly base: bigint;
  readonly entry: bigint;
  readonly sections: readonly Section[];
  readonly symbols: Map<string, bigint>;
  /** The symbol table for toElf (made when needed). */
  readonly elfSymbols: () => ElfImageSymbol[];
}

const ELF_FLAGS = { rx: PF_R | PF_X, rw: PF_R | PF_W, r: PF_R } as const;

/** An assembled program. Sections are non-empty, in address order, .text first at `base`. */
export class Program {
  readonly base: bigint;
  /** `_start` if defined, else the start of .text. */
  readonly entry: bigint;
  readonly sections: readonly Section[];
  /** Labels (addresses) and .equ/.set symbols (values), by name; numeric local labels are left out. */
  readonly symbols: Map<string, bigint>;
  private readonly elfSymbols: () => ElfImageSymbol[];

  constructor(parts: ProgramParts) {
    this.base = parts.base;
    this.entry = parts.entry;
    this.sections = parts.sections;
    this.symbols = parts.symbols;
    this.elfSymbols = parts.elfSymbols;
  }

  /** The section named `name`, or undefined. */
  section(name: string): Section | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** The memory image from `base` to the end of the last section with contents; gaps are zero, .bss is left out. */
  toFlat(): Uint8Array {
    const loaded = this.sections.filter((s) => s.data.length > 0);
    const end = loaded.reduce(
      (e, s) => (s.addr + BigInt(s.data.length) > e ? s.addr + BigInt(s.data.length) : e),
      this.base,
    );
    const image = new Uint8Array(Number(end - this.base));
    for (const s of loaded) image.set(s.data, Number(s.addr - this.base));
    return image;
  }

  /** An ELF64 RISC-V executable: one PT_LOAD segment per section, and the symbol table. */
  toElf(): Uint8Array {
    return writeElf({
      entry: this.entry,
      segments: this.sections.map((s) => ({
        vaddr: s.addr,
        data: s.data,
        memsz: s.memsz,
        flags: ELF_FLAGS[s.flags],
      })),
      symbols: this.elfSymbols(),
    });
  }
}
