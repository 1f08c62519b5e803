// The ELF64 reader: checks that a file is a little-endian RV64 executable and parses its program
// headers, section headers and symbol table. Every offset is checked against the file before it is
// read, so a malformed file gives an ElfError naming the file and the fault, never another error.

import {
  EHDR_SIZE,
  EI_CLASS,
  EI_DATA,
  EI_VERSION,
  ELFCLASS32,
  ELFCLASS64,
  ELFDATA2LSB,
  ELFDATA2MSB,
  ELFMAG,
  ElfError,
  type ElfFile,
  type ElfSection,
  type ElfSegment,
  type ElfSymbol,
  EM_RISCV,
  ET_CORE,
  ET_DYN,
  ET_EXEC,
  ET_NONE,
  ET_REL,
  EV_CURRENT,
  machineName,
  PHDR_SIZE,
  PN_XNUM,
  PT_INTERP,
  PT_LOAD,
  PT_TLS,
  SHDR_SIZE,
  SHN_UNDEF,
  SHN_XINDEX,
  SHT_DYNSYM,
  SHT_STRTAB,
  SHT_SYMTAB,
  STB_LOCAL,
  SYM_SIZE,
  segmentTypeName,
} from "./elf64.js";
import { asciiString } from "./text.js";

/** The file being read: its bytes, a little-endian view of them and the name errors use. */
interface Input {
  bytes: Uint8Array;
  view: DataView;
  name: string;
}

/** The ELF header fields the reader uses; the counts are the real ones after resolveCounts. */
interface Header {
  type: number;
  machine: number;
  entry: bigint;
  phoff: bigint;
  shoff: bigint;
  flags: number;
  phentsize: number;
  phnum: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

/** A UTF-8 decoder for the names that are not short ASCII, made on first use (making it and
 *  its first decode cost about 0.3 ms of every run's start-up; names are mostly ASCII). */
let utf8: TextDecoder | null = null;

/** `b` (a name from the file) as text: short ASCII directly, else UTF-8 with replacement. */
function decodeName(b: Uint8Array): string {
  const ascii = asciiString(b);
  if (ascii !== null) return ascii;
  utf8 ??= new TextDecoder();
  return utf8.decode(b);
}

const TYPE_NAMES: Record<number, string> = {
  [ET_NONE]: "ET_NONE, no file type",
  [ET_REL]: "ET_REL, a relocatable object file",
  [ET_CORE]: "ET_CORE, a core dump",
};

/** Parses bytes as an RV64 executable (ET_EXEC or ET_DYN); name is used in error messages. */
export function readElf(bytes: Uint8Array, name = "<input>"): ElfFile {
  const inp: Input = { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), name };
  checkIdent(inp);
  const h = readHeader(inp);
  checkHeader(inp, h);
  resolveCounts(inp, h);
  const segments = readSegments(inp, h);
  const sections = readSections(inp, h);
  const symbols = readSymbols(inp, sections);
  const file: ElfFile = {
    type: h.type,
    machine: h.machine,
    entry: h.entry,
    flags: h.flags,
    phoff: h.phoff,
    phentsize: h.phentsize,
    phnum: h.phnum,
    segments,
    sections,
    symbols,
    symbol: symbolLookup(symbols),
  };
  const interp = readInterp(segments);
  if (interp !== undefined) file.interp = interp;
  return file;
}

/** Throws an ElfError "name: what". */
function fail(inp: Input, what: string): never {
  throw new ElfError(`${inp.name}: ${what}`);
}

/** Checks that [off, off+size) lies inside the file and returns off as a number. */
function fileRange(inp: Input, off: bigint, size: bigint, what: string): number {
  const end = off + size;
  if (end > BigInt(inp.bytes.length))
    fail(inp, `truncated: ${what} ends at ${end}, file is ${inp.bytes.length} bytes`);
  return Number(off);
}

/** v as a number; throws if it is too large to be one exactly. */
function toNumber(inp: Input, v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(inp, `${what} ${v} is too large`);
  return Number(v);
}

/** Checks e_ident (magic, class, byte order, version) on whatever bytes there are, then the length. */
function checkIdent(inp: Input): void {
  const b = inp.bytes;
  for (let i = 0; i < Math.min(b.length, ELFMAG.length); i++) {
    if (b[i] !== ELFMAG[i]) fail(inp, "not an ELF file (bad magic)");
  }
  if (b.length > EI_CLASS && b[EI_CLASS] === ELFCLASS32) {
    fail(inp, "32-bit ELF (ELFCLASS32): mmlab runs RV64 ELFCLASS64 files");
  }
  if (b.length > EI_CLASS && b[EI_CLASS] !== ELFCLASS64) fail(inp, `bad ELF class ${b[EI_CLASS]} (EI_CLASS)`);
  if (b.length > EI_DATA && b[EI_DATA] === ELFDATA2MSB) {
    fail(inp, "big-endian ELF (ELFDATA2MSB): mmlab runs little-endian RISC-V files");
  }
  if (b.length > EI_DATA && b[EI_DATA] !== ELFDATA2LSB)
    fail(inp, `bad ELF data encoding ${b[EI_DATA]} (EI_DATA)`);
  if (b.length > EI_VERSION && b[EI_VERSION] !== EV_CURRENT) {
    fail(inp, `bad ELF version ${b[EI_VERSION]} (EI_VERSION), expected ${EV_CURRENT}`);
  }
  if (b.length < EHDR_SIZE)
    fail(inp, `truncated: file is ${b.length} bytes, shorter than the 64-byte ELF header`);
}

/** The ELF header fields, as stored. */
function readHeader(inp: Input): Header {
  const v = inp.view;
  return {
    type: v.getUint16(16, true),
    machine: v.getUint16(18, true),
    entry: v.getBigUint64(24, true),
    phoff: v.getBigUint64(32, true),
    shoff: v.getBigUint64(40, true),
    flags: v.getUint32(48, true),
    phentsize: v.getUint16(54, true),
    phnum: v.getUint16(56, true),
    shentsize: v.getUint16(58, true),
    shnum: v.getUint16(60, true),
    shstrndx: v.getUint16(62, true),
  };
}

/** Checks machine, file type and table entry sizes. */
function checkHeader(inp: Input, h: Header): void {
  if (h.machine !== EM_RISCV) {
    const m = machineName(h.machine);
    const built = m === undefined ? `e_machine ${h.machine}` : `${m} (e_machine ${h.machine})`;
    fail(inp, `built for ${built}, not RISC-V (EM_RISCV ${EM_RISCV})`);
  }
  if (h.type !== ET_EXEC && h.type !== ET_DYN) {
    const t = TYPE_NAMES[h.type] ?? "unknown";
    fail(inp, `ELF type ${h.type} (${t}) is not an executable: expected ET_EXEC (2) or ET_DYN (3)`);
  }
  if (h.phnum !== 0 && h.phentsize !== PHDR_SIZE) {
    fail(inp, `e_phentsize is ${h.phentsize}, expected ${PHDR_SIZE} for ELF64`);
  }
  if ((h.shnum !== 0 || h.shoff !== 0n) && h.shentsize !== SHDR_SIZE) {
    fail(inp, `e_shentsize is ${h.shentsize}, expected ${SHDR_SIZE} for ELF64`);
  }
}

/** Replaces the header's escape values (PN_XNUM, e_shnum 0, SHN_XINDEX) with the counts in section 0. */
function resolveCounts(inp: Input, h: Header): void {
  const extShnum = h.shnum === 0 && h.shoff !== 0n;
  if (h.phnum !== PN_XNUM && !extShnum && h.shstrndx !== SHN_XINDEX) return;
  if (h.shoff === 0n) fail(inp, "extended numbering (e_phnum or e_shstrndx 0xffff) without section headers");
  const s0 = readShdr(inp, fileRange(inp, h.shoff, BigInt(SHDR_SIZE), "section header 0"));
  if (h.phnum === PN_XNUM) h.phnum = s0.info;
  if (extShnum) h.shnum = toNumber(inp, s0.size, "extended section count (section 0 sh_size)");
  if (h.shstrndx === SHN_XINDEX) h.shstrndx = s0.link;
}

/** Every program header and its file bytes; checks that each lies inside the file. */
function readSegments(inp: Input, h: Header): ElfSegment[] {
  if (h.phnum === 0) return [];
  const at = fileRange(inp, h.phoff, BigInt(h.phnum) * BigInt(PHDR_SIZE), "program header table");
  return Array.from({ length: h.phnum }, (_, i) => readPhdr(inp, at + i * PHDR_SIZE, i));
}

/** Program header i, stored at file offset at. */
function readPhdr(inp: Input, at: number, i: number): ElfSegment {
  const v = inp.view;
  const type = v.getUint32(at, true);
  const filesz = v.getBigUint64(at + 32, true);
  const memsz = v.getBigUint64(at + 40, true);
  const what = `segment ${i} (${segmentTypeName(type)})`;
  if ((type === PT_LOAD || type === PT_TLS) && filesz > memsz) {
    fail(inp, `${what}: p_filesz ${filesz} is larger than p_memsz ${memsz}`);
  }
  const off = v.getBigUint64(at + 8, true);
  const offset = filesz === 0n ? toNumber(inp, off, `${what}: p_offset`) : fileRange(inp, off, filesz, what);
  return {
    type,
    flags: v.getUint32(at + 4, true),
    offset,
    vaddr: v.getBigUint64(at + 16, true),
    paddr: v.getBigUint64(at + 24, true),
    filesz: Number(filesz),
    memsz: toNumber(inp, memsz, `${what}: p_memsz`),
    align: v.getBigUint64(at + 48, true),
    data: inp.bytes.subarray(offset, offset + Number(filesz)),
  };
}

/** Section header stored at file offset at, with its name offset (the name is filled in later). */
function readShdr(inp: Input, at: number): ElfSection & { nameOff: number } {
  const v = inp.view;
  return {
    name: "",
    nameOff: v.getUint32(at, true),
    type: v.getUint32(at + 4, true),
    flags: v.getBigUint64(at + 8, true),
    addr: v.getBigUint64(at + 16, true),
    offset: v.getBigUint64(at + 24, true),
    size: v.getBigUint64(at + 32, true),
    link: v.getUint32(at + 40, true),
    info: v.getUint32(at + 44, true),
    addralign: v.getBigUint64(at + 48, true),
    entsize: v.getBigUint64(at + 56, true),
  };
}

/** Every section header, named from the section name string table (e_shstrndx). */
function readSections(inp: Input, h: Header): ElfSection[] {
  if (h.shnum === 0) return [];
  const at = fileRange(inp, h.shoff, BigInt(h.shnum) * BigInt(SHDR_SIZE), "section header table");
  const raw = Array.from({ length: h.shnum }, (_, i) => readShdr(inp, at + i * SHDR_SIZE));
  const names = sectionNameTable(inp, h, raw);
  return raw.map(({ nameOff, ...sec }, i) => ({
    ...sec,
    name: cstring(inp, names, nameOff, `section ${i}: name`),
  }));
}

/** The bytes of the section name string table, or an empty table if the file has none. */
function sectionNameTable(inp: Input, h: Header, secs: ElfSection[]): Uint8Array {
  if (h.shstrndx === SHN_UNDEF) return new Uint8Array(0);
  if (h.shstrndx >= secs.length)
    fail(inp, `e_shstrndx ${h.shstrndx} is out of range (${secs.length} sections)`);
  const sec = secs[h.shstrndx]!;
  const what = `section name string table (section ${h.shstrndx})`;
  if (sec.type !== SHT_STRTAB) fail(inp, `${what} is not SHT_STRTAB (sh_type ${sec.type})`);
  return sectionBytes(inp, sec, what);
}

/** The file bytes of a section, checked to lie inside the file. */
function sectionBytes(inp: Input, sec: ElfSection, what: string): Uint8Array {
  const at = fileRange(inp, sec.offset, sec.size, what);
  return inp.bytes.subarray(at, at + Number(sec.size));
}

/** The NUL-terminated string at off in a string table; offset 0 is always "". */
function cstring(inp: Input, table: Uint8Array, off: number, what: string): string {
  if (off === 0) return "";
  if (off >= table.length) {
    fail(inp, `${what} offset ${off} is past the end of its string table (${table.length} bytes)`);
  }
  const end = table.indexOf(0, off);
  if (end < 0) fail(inp, `${what} at offset ${off} is not NUL-terminated in its string table`);
  return decodeName(table.subarray(off, end));
}

/** The symbols of .symtab (or of .dynsym if there is no .symtab), without the null entry 0. */
function readSymbols(inp: Input, secs: ElfSection[]): ElfSymbol[] {
  let idx = secs.findIndex((s) => s.type === SHT_SYMTAB);
  if (idx < 0) idx = secs.findIndex((s) => s.type === SHT_DYNSYM);
  if (idx < 0) return [];
  const sec = secs[idx]!;
  const what = `symbol table (section ${idx} ${sec.name})`;
  if (sec.entsize !== BigInt(SYM_SIZE))
    fail(inp, `${what}: sh_entsize is ${sec.entsize}, expected ${SYM_SIZE}`);
  if (sec.size % BigInt(SYM_SIZE) !== 0n)
    fail(inp, `${what}: sh_size ${sec.size} is not a multiple of ${SYM_SIZE}`);
  const table = sectionBytes(inp, sec, what);
  const strs = linkedStrings(inp, secs, idx, what);
  const view = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const count = Math.max(0, table.length / SYM_SIZE - 1);
  return Array.from({ length: count }, (_, i) => readSym(inp, view, i + 1, strs));
}

/** The bytes of the string table that symbol table section idx links to (sh_link). */
function linkedStrings(inp: Input, secs: ElfSection[], idx: number, what: string): Uint8Array {
  const link = secs[idx]!.link;
  const sec = secs[link];
  if (link === SHN_UNDEF || sec === undefined || sec.type !== SHT_STRTAB) {
    fail(inp, `${what}: sh_link ${link} is not a string table (${secs.length} sections)`);
  }
  return sectionBytes(inp, sec, `string table (section ${link} ${sec.name})`);
}

/** Symbol i of a symbol table viewed by view, named from strs. */
function readSym(inp: Input, view: DataView, i: number, strs: Uint8Array): ElfSymbol {
  const at = i * SYM_SIZE;
  const info = view.getUint8(at + 4);
  return {
    name: cstring(inp, strs, view.getUint32(at, true), `symbol ${i}: name`),
    value: view.getBigUint64(at + 8, true),
    size: view.getBigUint64(at + 16, true),
    type: info & 0xf,
    bind: info >> 4,
    shndx: view.getUint16(at + 6, true),
  };
}

/** A lookup by name preferring a defined global or weak symbol, then a defined local, then any. */
function symbolLookup(symbols: ElfSymbol[]): (name: string) => ElfSymbol | undefined {
  const rank = (s: ElfSymbol) => (s.shndx === SHN_UNDEF ? 0 : s.bind === STB_LOCAL ? 1 : 2);
  const byName = new Map<string, ElfSymbol>();
  for (const s of symbols) {
    const old = byName.get(s.name);
    if (s.name !== "" && (old === undefined || rank(s) > rank(old))) byName.set(s.name, s);
  }
  return (name) => byName.get(name);
}

/** The path in the PT_INTERP segment, up to its NUL, if there is one. */
function readInterp(segments: ElfSegment[]): string | undefined {
  const seg = segments.find((s) => s.type === PT_INTERP);
  if (seg === undefined) return undefined;
  const nul = seg.data.indexOf(0);
  return decodeName(nul < 0 ? seg.data : seg.data.subarray(0, nul));
}
