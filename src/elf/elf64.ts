// ELF64 constants, record sizes and the types shared by the reader and the writer. Only the parts
// of the format an RV64 executable needs: file header, program headers, section headers, symbols.
// Names follow <elf.h> and the RISC-V psABI.

// e_ident
export const ELFMAG = Uint8Array.of(0x7f, 0x45, 0x4c, 0x46); // "\x7fELF"
export const EI_CLASS = 4;
export const EI_DATA = 5;
export const EI_VERSION = 6;
export const EI_OSABI = 7;
export const EI_NIDENT = 16;
export const ELFCLASS32 = 1;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const ELFDATA2MSB = 2;
export const EV_CURRENT = 1;
export const ELFOSABI_SYSV = 0;

// e_type
export const ET_NONE = 0;
export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;
export const ET_CORE = 4;

// e_machine
export const EM_386 = 3;
export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;
export const EM_RISCV = 243;

// e_flags (RISC-V psABI)
export const EF_RISCV_RVC = 0x1;
export const EF_RISCV_FLOAT_ABI_SOFT = 0x0;
export const EF_RISCV_FLOAT_ABI_SINGLE = 0x2;
export const EF_RISCV_FLOAT_ABI_DOUBLE = 0x4;
export const EF_RISCV_FLOAT_ABI_QUAD = 0x6;
export const EF_RISCV_FLOAT_ABI = 0x6;
export const EF_RISCV_RVE = 0x8;
export const EF_RISCV_TSO = 0x10;

// p_type
export const PT_NULL = 0;
export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
export const PT_NOTE = 4;
export const PT_SHLIB = 5;
export const PT_PHDR = 6;
export const PT_TLS = 7;
export const PT_GNU_EH_FRAME = 0x6474e550;
export const PT_GNU_STACK = 0x6474e551;
export const PT_GNU_RELRO = 0x6474e552;
export const PT_GNU_PROPERTY = 0x6474e553;
export const PT_RISCV_ATTRIBUTES = 0x70000003;

// p_flags
export const PF_X = 0x1;
export const PF_W = 0x2;
export const PF_R = 0x4;

// sh_type
export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_NOBITS = 8;
export const SHT_DYNSYM = 11;

// sh_flags
export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;

// special section indexes
export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
export const SHN_XINDEX = 0xffff;
export const PN_XNUM = 0xffff;

// st_info: bind in the high nibble, type in the low nibble
export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;
export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;
export const STT_TLS = 6;

// Record sizes of ELF64.
export const EHDR_SIZE = 64;
export const PHDR_SIZE = 56;
export const SHDR_SIZE = 64;
export const SYM_SIZE = 24;

/** Page size the writer aligns file offsets to (p_offset ≡ p_vaddr mod this). */
export const ELF_PAGE_SIZE = 4096;

/** A program header and its file bytes. */
export interface ElfSegment {
  type: number;
  flags: number;
  offset: number;
  vaddr: bigint;
  paddr: bigint;
  filesz: number;
  memsz: number;
  align: bigint;
  /** The filesz bytes at offset: a view into the input, not a copy. */
  data: Uint8Array;
}

/** A section header, as stored (offset and size are not checked against the file unless used). */
export interface ElfSection {
  name: string;
  type: number;
  flags: bigint;
  addr: bigint;
  offset: bigint;
  size: bigint;
  link: number;
  info: number;
  addralign: bigint;
  entsize: bigint;
}

/** A symbol table entry; type and bind are the two nibbles of st_info. */
export interface ElfSymbol {
  name: string;
  value: bigint;
  size: bigint;
  type: number;
  bind: number;
  shndx: number;
}

/** A parsed ELF64 RISC-V executable. */
export interface ElfFile {
  /** ET_EXEC=2 or ET_DYN=3. */
  type: number;
  machine: number;
  entry: bigint;
  flags: number;
  phoff: bigint;
  phentsize: number;
  phnum: number;
  /** Every program header in table order, not only PT_LOAD. */
  segments: ElfSegment[];
  /** Every section header in table order, index 0 (SHT_NULL) included; [] if there are none. */
  sections: ElfSection[];
  /** The entries of .symtab (or .dynsym if there is no .symtab) after the null entry 0. */
  symbols: ElfSymbol[];
  /** The symbol of that name, a global or weak one before a local one. */
  symbol(name: string): ElfSymbol | undefined;
  /** The PT_INTERP path, without its terminating NUL. */
  interp?: string;
}

/** A malformed ELF file (reader) or image (writer); the message is one line naming the input. */
export class ElfError extends Error {
  override name = "ElfError";
}

/** One PT_LOAD segment to write: data.length file bytes, zero-filled up to memsz. */
export interface ElfImageSegment {
  vaddr: bigint;
  data: Uint8Array;
  /** >= data.length; default data.length. */
  memsz?: number;
  /** PF_R | PF_W | PF_X. */
  flags: number;
  /** p_align, a power of two; default ELF_PAGE_SIZE. */
  align?: number;
}

/** A symbol to write: local by default, size 0 and STT_NOTYPE by default. */
export interface ElfImageSymbol {
  name: string;
  value: bigint;
  size?: bigint;
  global?: boolean;
  kind?: "func" | "object" | "notype";
}

/** What writeElf turns into an executable. */
export interface ElfImage {
  entry: bigint;
  segments: ElfImageSegment[];
  symbols?: ElfImageSymbol[];
  /** ET_EXEC (default) or ET_DYN. */
  type?: 2 | 3;
  /** e_flags; default EF_RISCV_RVC | EF_RISCV_FLOAT_ABI_SOFT. */
  flags?: number;
}

const MACHINES: Record<number, string> = {
  2: "SPARC",
  3: "i386",
  8: "MIPS",
  20: "PowerPC",
  21: "PowerPC64",
  22: "s390",
  40: "ARM (32-bit)",
  43: "SPARC V9",
  62: "x86-64",
  183: "AArch64",
  243: "RISC-V",
  258: "LoongArch",
};

/** The common name of machine m ("x86-64"), or undefined if it is not a common one. */
export function machineName(m: number): string | undefined {
  return MACHINES[m];
}

const SEGMENT_TYPES: Record<number, string> = {
  [PT_NULL]: "PT_NULL",
  [PT_LOAD]: "PT_LOAD",
  [PT_DYNAMIC]: "PT_DYNAMIC",
  [PT_INTERP]: "PT_INTERP",
  [PT_NOTE]: "PT_NOTE",
  [PT_SHLIB]: "PT_SHLIB",
  [PT_PHDR]: "PT_PHDR",
  [PT_TLS]: "PT_TLS",
  [PT_GNU_EH_FRAME]: "PT_GNU_EH_FRAME",
  [PT_GNU_STACK]: "PT_GNU_STACK",
  [PT_GNU_RELRO]: "PT_GNU_RELRO",
  [PT_GNU_PROPERTY]: "PT_GNU_PROPERTY",
  [PT_RISCV_ATTRIBUTES]: "PT_RISCV_ATTRIBUTES",
};

/** "PT_LOAD" for a known p_type, else its value in hex. */
export function segmentTypeName(t: number): string {
  return SEGMENT_TYPES[t] ?? `0x${t.toString(16)}`;
}
