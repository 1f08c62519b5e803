// The ELF64 writer: turns an ElfImage into a little-endian EM_RISCV executable laid out as
//   ELF header | program headers | segment data (each at p_offset ≡ p_vaddr mod page) |
//   .symtab | .strtab | .shstrtab | section headers
// with one PT_LOAD per segment and sections naming the segments for readelf and objdump.

import {
  EF_RISCV_FLOAT_ABI_SOFT,
  EF_RISCV_RVC,
  EHDR_SIZE,
  EI_CLASS,
  EI_DATA,
  EI_OSABI,
  EI_VERSION,
  ELF_PAGE_SIZE,
  ELFCLASS64,
  ELFDATA2LSB,
  ELFMAG,
  ELFOSABI_SYSV,
  ElfError,
  type ElfImage,
  type ElfImageSegment,
  type ElfImageSymbol,
  EM_RISCV,
  ET_DYN,
  ET_EXEC,
  EV_CURRENT,
  PF_W,
  PF_X,
  PHDR_SIZE,
  PN_XNUM,
  PT_LOAD,
  SHDR_SIZE,
  SHF_ALLOC,
  SHF_EXECINSTR,
  SHF_WRITE,
  SHN_ABS,
  SHN_LORESERVE,
  SHT_NOBITS,
  SHT_NULL,
  SHT_PROGBITS,
  SHT_STRTAB,
  SHT_SYMTAB,
  STB_GLOBAL,
  STB_LOCAL,
  STT_FUNC,
  STT_NOTYPE,
  STT_OBJECT,
  SYM_SIZE,
} from "./elf64.js";

/** A segment with its defaults filled in and, once placed, its file offset. */
interface Seg {
  vaddr: bigint;
  data: Uint8Array;
  memsz: number;
  flags: number;
  align: number;
  offset: number;
}

/** A section header to write; seg is the index of the segment it describes, or -1. */
interface Sec {
  name: string;
  seg: number;
  type: number;
  flags: number;
  addr: bigint;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
}

/** A symbol table entry to write. */
interface Sym {
  name: string;
  value: bigint;
  size: bigint;
  info: number;
  shndx: number;
}

const U64_LIMIT = 1n << 64n;
const MAX_ALIGN = 1 << 30;
const KINDS = { func: STT_FUNC, object: STT_OBJECT, notype: STT_NOTYPE } as const;

/** The ELF file for image; throws ElfError if the image cannot be one (overlaps, bad sizes). */
export function writeElf(image: ElfImage): Uint8Array {
  checkImage(image);
  const segs = normalizeSegments(image.segments);
  const segSecs = segmentSections(segs);
  const syms = orderSymbols(image.symbols ?? [], segSecs);
  const strtab = new StringTable(syms.map((s) => s.name));
  const secs = [nullSection(), ...segSecs, ...tableSections(segSecs.length, syms, strtab)];
  const shstrtab = new StringTable(secs.map((s) => s.name));
  secs[secs.length - 1]!.size = shstrtab.bytes.length;
  const shoff = layout(segs, secs);
  const out = new Uint8Array(shoff + secs.length * SHDR_SIZE);
  const dv = new DataView(out.buffer);
  putEhdr(dv, image, segs.length, shoff, secs.length);
  for (const [i, s] of segs.entries()) {
    putPhdr(dv, EHDR_SIZE + i * PHDR_SIZE, s);
    out.set(s.data, s.offset);
  }
  const symtab = secs[secs.length - 3]!;
  for (const [i, s] of syms.entries())
    putSym(dv, symtab.offset + (i + 1) * SYM_SIZE, s, strtab.offsetOf(s.name));
  out.set(strtab.bytes, secs[secs.length - 2]!.offset);
  out.set(shstrtab.bytes, secs[secs.length - 1]!.offset);
  for (const [i, s] of secs.entries()) putShdr(dv, shoff + i * SHDR_SIZE, s, shstrtab.offsetOf(s.name));
  return out;
}

/** Throws ElfError "writeElf: what". */
function fail(what: string): never {
  throw new ElfError(`writeElf: ${what}`);
}

/** "0x80000000" for an address. */
function hex(v: bigint): string {
  return `0x${v.toString(16)}`;
}

/** True if v is an integer in [0, limit). */
function isUint(v: number, limit: number): boolean {
  return Number.isInteger(v) && v >= 0 && v < limit;
}

/** Throws unless image's header fields, segment count and symbols are well formed. */
function checkImage(image: ElfImage): void {
  if (image.entry < 0n || image.entry >= U64_LIMIT) fail(`entry ${image.entry} is not a 64-bit address`);
  const type = image.type ?? ET_EXEC;
  if (type !== ET_EXEC && type !== ET_DYN) fail(`type ${type} is not ET_EXEC (2) or ET_DYN (3)`);
  if (image.flags !== undefined && !isUint(image.flags, 2 ** 32))
    fail(`flags ${image.flags} is not a 32-bit value`);
  if (image.segments.length >= PN_XNUM) fail(`${image.segments.length} segments are too many`);
  for (const s of image.symbols ?? []) checkSymbol(s);
}

/** Throws unless s has a name without NUL, a 64-bit value and a 64-bit size. */
function checkSymbol(s: ElfImageSymbol): void {
  if (s.name.includes("\0")) fail(`symbol ${JSON.stringify(s.name)}: name contains NUL`);
  if (s.value < 0n || s.value >= U64_LIMIT) fail(`symbol ${s.name}: value ${s.value} is not a 64-bit value`);
  const size = s.size ?? 0n;
  if (size < 0n || size >= U64_LIMIT) fail(`symbol ${s.name}: size ${size} is not a 64-bit value`);
}

/** The segments checked, defaults filled in, sorted by vaddr (as PT_LOAD entries must be). */
function normalizeSegments(image: ElfImageSegment[]): Seg[] {
  const segs = image.map((s, i) => normalizeSegment(s, i));
  segs.sort((a, b) => (a.vaddr < b.vaddr ? -1 : a.vaddr > b.vaddr ? 1 : 0));
  for (let i = 1; i < segs.length; i++) {
    const a = segs[i - 1]!;
    const b = segs[i]!;
    if (a.vaddr + BigInt(a.memsz) > b.vaddr) {
      fail(`segments at ${hex(a.vaddr)} (${a.memsz} bytes) and ${hex(b.vaddr)} overlap`);
    }
  }
  return segs;
}

/** Segment i with memsz and align defaulted; throws if its address, sizes, flags or align are bad. */
function normalizeSegment(s: ElfImageSegment, i: number): Seg {
  const at = `segment ${i} at ${hex(s.vaddr)}`;
  const memsz = s.memsz ?? s.data.length;
  const align = s.align ?? ELF_PAGE_SIZE;
  if (s.vaddr < 0n || s.vaddr >= U64_LIMIT) fail(`segment ${i}: vaddr ${s.vaddr} is not a 64-bit address`);
  if (!Number.isSafeInteger(memsz) || memsz < s.data.length) {
    fail(`${at}: memsz ${memsz} is smaller than its ${s.data.length} data bytes`);
  }
  if (s.vaddr + BigInt(memsz) > U64_LIMIT)
    fail(`${at}: ${memsz} bytes run past the end of the address space`);
  if (!isUint(s.flags, 2 ** 32)) fail(`${at}: flags ${s.flags} is not a 32-bit value`);
  if (!isUint(align, MAX_ALIGN + 1) || (align & (align - 1)) !== 0) {
    fail(`${at}: align ${align} is not a power of two up to ${MAX_ALIGN}`);
  }
  return { vaddr: s.vaddr, data: s.data, memsz, flags: s.flags, align, offset: 0 };
}

/** Gives each segment a file offset >= from and ≡ vaddr mod max(page, align); returns the end. */
function placeSegments(segs: Seg[], from: number): number {
  for (const s of segs) {
    s.offset = congruent(from, s.vaddr, Math.max(ELF_PAGE_SIZE, s.align));
    from = s.offset + s.data.length;
  }
  return from;
}

/** The smallest offset >= from with offset ≡ vaddr (mod modulus). */
function congruent(from: number, vaddr: bigint, modulus: number): number {
  const want = Number(vaddr % BigInt(modulus));
  return from + ((want - (from % modulus) + modulus) % modulus);
}

/** The sections naming the segments: PROGBITS for file bytes, NOBITS for a zero-filled tail. */
function segmentSections(segs: Seg[]): Sec[] {
  const secs: Sec[] = [];
  segs.forEach((s, i) => {
    const flags = SHF_ALLOC | (s.flags & PF_W ? SHF_WRITE : 0) | (s.flags & PF_X ? SHF_EXECINSTR : 0);
    const tail = s.memsz - s.data.length;
    if (s.data.length > 0) secs.push(allocSection(i, s.vaddr, s.data.length, flags, SHT_PROGBITS));
    if (tail > 0) secs.push(allocSection(i, s.vaddr + BigInt(s.data.length), tail, flags, SHT_NOBITS));
  });
  const seen = new Map<string, number>();
  for (const sec of secs) {
    const n = seen.get(sec.name) ?? 0;
    seen.set(sec.name, n + 1);
    if (n > 0) sec.name = `${sec.name}.${n}`;
  }
  return secs;
}

/** A section of size bytes at addr, describing (part of) segment seg. */
function allocSection(seg: number, addr: bigint, size: number, flags: number, type: number): Sec {
  const name =
    type === SHT_NOBITS ? ".bss" : flags & SHF_EXECINSTR ? ".text" : flags & SHF_WRITE ? ".data" : ".rodata";
  const addralign = addr === 0n ? 16 : Math.min(16, Number(addr & -addr));
  return { name, seg, type, flags, addr, offset: 0, size, link: 0, info: 0, addralign, entsize: 0 };
}

/** The null section header, index 0. */
function nullSection(): Sec {
  const zero = { flags: 0, addr: 0n, offset: 0, size: 0, link: 0, info: 0, addralign: 0, entsize: 0 };
  return { ...zero, name: "", seg: -1, type: SHT_NULL };
}

/** Symbols in symtab order, locals before globals, each given the index of the section holding it. */
function orderSymbols(image: ElfImageSymbol[], secs: Sec[]): Sym[] {
  const syms = image.map((s) => ({
    name: s.name,
    value: s.value,
    size: s.size ?? 0n,
    info: ((s.global ? STB_GLOBAL : STB_LOCAL) << 4) | KINDS[s.kind ?? "notype"],
    shndx: holder(secs, s.value),
  }));
  const bind = (s: Sym) => s.info >> 4;
  return [...syms.filter((s) => bind(s) === STB_LOCAL), ...syms.filter((s) => bind(s) !== STB_LOCAL)];
}

/** The section index (1-based: 0 is the null section) whose addresses hold v, else one ending at v
 *  (as a linker places _end), else SHN_ABS. */
function holder(secs: Sec[], v: bigint): number {
  const inside = secs.findIndex((s) => s.addr <= v && v < s.addr + BigInt(s.size));
  if (inside >= 0) return inside + 1;
  const atEnd = secs.findIndex((s) => s.addr + BigInt(s.size) === v);
  return atEnd >= 0 ? atEnd + 1 : SHN_ABS;
}

/** .symtab, .strtab and .shstrtab, indexed after the nSegSecs segment sections; placed later. */
function tableSections(nSegSecs: number, syms: Sym[], strtab: StringTable): Sec[] {
  const total = 1 + nSegSecs + 3;
  if (total >= SHN_LORESERVE) fail(`${total} sections are too many`);
  const locals = syms.filter((s) => s.info >> 4 === STB_LOCAL).length;
  const base = { seg: -1, flags: 0, addr: 0n, offset: 0, link: 0, info: 0, addralign: 1, entsize: 0 };
  const symtab = { ...base, name: ".symtab", type: SHT_SYMTAB, size: (syms.length + 1) * SYM_SIZE };
  return [
    { ...symtab, link: nSegSecs + 2, info: locals + 1, addralign: 8, entsize: SYM_SIZE },
    { ...base, name: ".strtab", type: SHT_STRTAB, size: strtab.bytes.length },
    { ...base, name: ".shstrtab", type: SHT_STRTAB, size: 0 },
  ];
}

/** Gives segments and sections their file offsets (segment data first, then the tables) and
 *  returns the offset of the section header table. */
function layout(segs: Seg[], secs: Sec[]): number {
  let end = placeSegments(segs, EHDR_SIZE + segs.length * PHDR_SIZE);
  for (const sec of secs) {
    const seg = segs[sec.seg];
    if (seg !== undefined) {
      sec.offset = seg.offset + Number(sec.addr - seg.vaddr);
    } else if (sec.type !== SHT_NULL) {
      sec.offset = align(end, sec.addralign);
      end = sec.offset + sec.size;
    }
  }
  return align(end, 8);
}

/** n rounded up to a multiple of a (a power of two). */
function align(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** A string table of names: byte 0 is NUL, each distinct name is stored once. */
class StringTable {
  readonly bytes: Uint8Array;
  private offsets = new Map<string, number>([["", 0]]);

  constructor(names: string[]) {
    const encoder = new TextEncoder();
    const parts: Uint8Array[] = [];
    let length = 1;
    for (const name of names) {
      if (this.offsets.has(name)) continue;
      this.offsets.set(name, length);
      const b = encoder.encode(`${name}\0`);
      parts.push(b);
      length += b.length;
    }
    this.bytes = new Uint8Array(length);
    let at = 1;
    for (const p of parts) {
      this.bytes.set(p, at);
      at += p.length;
    }
  }

  /** The offset of name, which must be one of the names the table was built from. */
  offsetOf(name: string): number {
    return this.offsets.get(name)!;
  }
}

/** Writes the ELF header; the last of the shnum sections is .shstrtab. */
function putEhdr(dv: DataView, image: ElfImage, phnum: number, shoff: number, shnum: number): void {
  new Uint8Array(dv.buffer).set(ELFMAG, 0);
  dv.setUint8(EI_CLASS, ELFCLASS64);
  dv.setUint8(EI_DATA, ELFDATA2LSB);
  dv.setUint8(EI_VERSION, EV_CURRENT);
  dv.setUint8(EI_OSABI, ELFOSABI_SYSV);
  dv.setUint16(16, image.type ?? ET_EXEC, true);
  dv.setUint16(18, EM_RISCV, true);
  dv.setUint32(20, EV_CURRENT, true);
  dv.setBigUint64(24, image.entry, true);
  dv.setBigUint64(32, phnum > 0 ? BigInt(EHDR_SIZE) : 0n, true);
  dv.setBigUint64(40, BigInt(shoff), true);
  dv.setUint32(48, image.flags ?? EF_RISCV_RVC | EF_RISCV_FLOAT_ABI_SOFT, true);
  dv.setUint16(52, EHDR_SIZE, true);
  dv.setUint16(54, PHDR_SIZE, true);
  dv.setUint16(56, phnum, true);
  dv.setUint16(58, SHDR_SIZE, true);
  dv.setUint16(60, shnum, true);
  dv.setUint16(62, shnum - 1, true);
}

/** Writes the PT_LOAD program header of s at at. */
function putPhdr(dv: DataView, at: number, s: Seg): void {
  dv.setUint32(at, PT_LOAD, true);
  dv.setUint32(at + 4, s.flags, true);
  dv.setBigUint64(at + 8, BigInt(s.offset), true);
  dv.setBigUint64(at + 16, s.vaddr, true);
  dv.setBigUint64(at + 24, s.vaddr, true);
  dv.setBigUint64(at + 32, BigInt(s.data.length), true);
  dv.setBigUint64(at + 40, BigInt(s.memsz), true);
  dv.setBigUint64(at + 48, BigInt(s.align), true);
}

/** Writes the section header of s at at, its name at offset name in .shstrtab. */
function putShdr(dv: DataView, at: number, s: Sec, name: number): void {
  dv.setUint32(at, name, true);
  dv.setUint32(at + 4, s.type, true);
  dv.setBigUint64(at + 8, BigInt(s.flags), true);
  dv.setBigUint64(at + 16, s.addr, true);
  dv.setBigUint64(at + 24, BigInt(s.offset), true);
  dv.setBigUint64(at + 32, BigInt(s.size), true);
  dv.setUint32(at + 40, s.link, true);
  dv.setUint32(at + 44, s.info, true);
  dv.setBigUint64(at + 48, BigInt(s.addralign), true);
  dv.setBigUint64(at + 56, BigInt(s.entsize), true);
}

/** Writes symbol s at at, its name at offset name in .strtab. */
function putSym(dv: DataView, at: number, s: Sym, name: number): void {
  dv.setUint32(at, name, true);
  dv.setUint8(at + 4, s.info);
  dv.setUint8(at + 5, 0);
  dv.setUint16(at + 6, s.shndx, true);
  dv.setBigUint64(at + 8, s.value, true);
  dv.setBigUint64(at + 16, s.size, true);
}
