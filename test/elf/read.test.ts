import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ElfError,
  type ElfImage,
  PF_R,
  PF_W,
  PF_X,
  PT_GNU_STACK,
  PT_INTERP,
  PT_LOAD,
  PT_RISCV_ATTRIBUTES,
  readElf,
  writeElf,
} from "../../src/elf/index.js";

const INTERP = "/lib/ld-linux-riscv64-lp64d.so.1";

/** A small program: text, an interpreter path, data with a bss tail; four symbols. */
const IMAGE: ElfImage = {
  entry: 0x1_0000n,
  segments: [
    { vaddr: 0x1_0000n, data: Uint8Array.of(0x13, 0, 0, 0, 0x73, 0, 0, 0), flags: PF_R | PF_X },
    { vaddr: 0x1_1000n, data: new TextEncoder().encode(`${INTERP}\0`), flags: PF_R },
    { vaddr: 0x1_2000n, data: Uint8Array.of(1, 2, 3, 4), memsz: 16, flags: PF_R | PF_W },
  ],
  symbols: [
    { name: "_start", value: 0x1_0000n, global: true, kind: "func" },
    { name: "loop", value: 0x1_0004n },
    { name: "counter", value: 0x1_2000n, size: 4n, global: true, kind: "object" },
    { name: "buf", value: 0x1_2004n, size: 12n, kind: "object" },
  ],
};

// Offsets of header fields and of fields in a program or section header.
const E = { class: 4, data: 5, version: 6, type: 16, machine: 18, phoff: 32, shoff: 40 };
const E2 = { phentsize: 54, phnum: 56, shentsize: 58, shnum: 60, shstrndx: 62 };
const P = { type: 0, offset: 8, filesz: 32, memsz: 40 };
const S = { name: 0, type: 4, offset: 24, size: 32, link: 40, info: 44, entsize: 56 };

/** A fresh valid file and a little-endian view of it. */
function valid(): { bytes: Uint8Array; dv: DataView } {
  const bytes = writeElf(IMAGE);
  return { bytes, dv: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

/** A valid file edited by edit, which gets the view and the offset of a named section's header. */
function edited(edit: (dv: DataView, shdr: (name: string) => number, size: number) => void): Uint8Array {
  const { bytes, dv } = valid();
  const f = readElf(bytes);
  const shoff = Number(dv.getBigUint64(E.shoff, true));
  const shdr = (name: string) => shoff + 64 * f.sections.findIndex((s) => s.name === name);
  edit(dv, shdr, bytes.length);
  return bytes;
}

/** Section index of name in the valid file. */
function sectionIndex(name: string): number {
  return readElf(valid().bytes).sections.findIndex((s) => s.name === name);
}

/** Asserts that reading bytes as "prog.elf" throws a one-line ElfError matching pattern. */
function expectElfError(bytes: Uint8Array, pattern: RegExp, name = "prog.elf"): void {
  let err: unknown;
  try {
    readElf(bytes, name);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ElfError);
  const message = (err as ElfError).message;
  expect(message).toMatch(pattern);
  expect(message).not.toContain("\n");
}

/** True if reading bytes succeeds or throws an ElfError; any other exception propagates. */
function readsOrElfError(bytes: Uint8Array): boolean {
  try {
    readElf(bytes);
  } catch (e) {
    if (!(e instanceof ElfError)) throw e;
  }
  return true;
}

describe("readElf on valid files", () => {
  it("reads the header, all program headers and the symbols", () => {
    const f = readElf(valid().bytes);
    expect(f.entry).toBe(0x1_0000n);
    expect(f.segments.map((s) => [s.type, s.vaddr, s.filesz, s.memsz])).toEqual([
      [PT_LOAD, 0x1_0000n, 8, 8],
      [PT_LOAD, 0x1_1000n, INTERP.length + 1, INTERP.length + 1],
      [PT_LOAD, 0x1_2000n, 4, 16],
    ]);
    expect(f.symbols.map((s) => s.name)).toEqual(["loop", "buf", "_start", "counter"]);
    expect(f.symbol("counter")).toMatchObject({ value: 0x1_2000n, size: 4n });
  });

  it("reads a file held in a view into a larger buffer", () => {
    const { bytes } = valid();
    const big = new Uint8Array(bytes.length + 100);
    big.set(bytes, 37);
    const f = readElf(big.subarray(37, 37 + bytes.length));
    expect([...f.segments[2]!.data]).toEqual([1, 2, 3, 4]);
    expect(f.symbol("_start")?.value).toBe(0x1_0000n);
  });

  it("reads PT_INTERP, non-LOAD segments with memsz < filesz, and a file without sections", () => {
    const bytes = edited((dv) => {
      dv.setUint32(64 + 56 + P.type, PT_INTERP, true);
      dv.setUint32(64 + 2 * 56 + P.type, PT_RISCV_ATTRIBUTES, true);
      dv.setBigUint64(64 + 2 * 56 + P.memsz, 0n, true);
      dv.setUint32(64 + P.type, PT_GNU_STACK, true);
      dv.setBigUint64(64 + P.offset, 1n << 40n, true); // past the end, but it has no file bytes
      dv.setBigUint64(64 + P.filesz, 0n, true);
      dv.setBigUint64(64 + P.memsz, 0n, true);
      dv.setBigUint64(E.shoff, 0n, true);
      dv.setUint16(E2.shnum, 0, true);
      dv.setUint16(E2.shstrndx, 0, true);
    });
    const f = readElf(bytes);
    expect(f.interp).toBe(INTERP);
    expect(f.segments.map((s) => s.type)).toEqual([PT_GNU_STACK, PT_INTERP, PT_RISCV_ATTRIBUTES]);
    expect(f.sections).toEqual([]);
    expect(f.symbols).toEqual([]);
    expect(f.symbol("_start")).toBeUndefined();
  });

  it("reads extended numbering: PN_XNUM, e_shnum 0 and SHN_XINDEX from section 0", () => {
    const bytes = edited((dv) => {
      const shoff = Number(dv.getBigUint64(E.shoff, true));
      dv.setUint32(shoff + S.info, dv.getUint16(E2.phnum, true), true);
      dv.setBigUint64(shoff + S.size, BigInt(dv.getUint16(E2.shnum, true)), true);
      dv.setUint32(shoff + S.link, dv.getUint16(E2.shstrndx, true), true);
      dv.setUint16(E2.phnum, 0xffff, true);
      dv.setUint16(E2.shnum, 0, true);
      dv.setUint16(E2.shstrndx, 0xffff, true);
    });
    const f = readElf(bytes);
    expect(f.phnum).toBe(3);
    expect(f.sections.map((s) => s.name)).toContain(".symtab");
    expect(f.symbol("buf")?.size).toBe(12n);
  });

  it("reads names that are not ASCII or are long as UTF-8", () => {
    const long = `x${"y".repeat(300)}`;
    const names = ["caf\u00e9", "\u03bb_start", long, `${long}\u00e9`, "plain"];
    const f = readElf(
      writeElf({ ...IMAGE, symbols: names.map((name, i) => ({ name, value: 0x1_0000n + BigInt(i) })) }),
    );
    expect(f.symbols.map((s) => s.name).sort()).toEqual([...names].sort());
  });

  it("falls back to .dynsym when there is no .symtab, and prefers globals by name", () => {
    const bytes = edited((dv, shdr) => {
      dv.setUint32(shdr(".symtab") + S.type, 11, true); // SHT_DYNSYM
      const symtab = Number(dv.getBigUint64(shdr(".symtab") + S.offset, true));
      dv.setUint32(symtab + 24 * 2, dv.getUint32(symtab + 24 * 3, true), true); // 'buf' renamed '_start'
    });
    const f = readElf(bytes);
    expect(f.symbols.filter((s) => s.name === "_start")).toHaveLength(2);
    expect(f.symbol("_start")?.value).toBe(0x1_0000n);
  });
});

describe("readElf rejects malformed files with one-line ElfErrors", () => {
  const text = new TextEncoder().encode("#!/bin/sh\necho this is a shell script, not a program\n".repeat(3));
  const setByte = (at: number, v: number) => edited((dv) => dv.setUint8(at, v));
  const setU16 = (at: number, v: number) => edited((dv) => dv.setUint16(at, v, true));
  const setU64 = (at: number, v: bigint) => edited((dv) => dv.setBigUint64(at, v, true));
  const symtab = sectionIndex(".symtab");
  const strtab = sectionIndex(".strtab");

  const cases: [string, () => Uint8Array, RegExp][] = [
    [
      "empty file",
      () => new Uint8Array(0),
      /^prog\.elf: truncated: file is 0 bytes, shorter than the 64-byte ELF header$/,
    ],
    [
      "short header",
      () => valid().bytes.slice(0, 40),
      /^prog\.elf: truncated: file is 40 bytes, shorter than the 64-/,
    ],
    ["bad magic", () => text, /^prog\.elf: not an ELF file \(bad magic\)$/],
    ["short non-ELF", () => Uint8Array.of(0x7f, 0x45, 0x4c), /^prog\.elf: truncated: file is 3 bytes/],
    ["short bad magic", () => Uint8Array.of(0x4d, 0x5a), /^prog\.elf: not an ELF file \(bad magic\)$/],
    [
      "ELFCLASS32",
      () => setByte(E.class, 1),
      /^prog\.elf: 32-bit ELF \(ELFCLASS32\): mmlab runs RV64 ELFCLASS64 files$/,
    ],
    ["bad class", () => setByte(E.class, 3), /^prog\.elf: bad ELF class 3 \(EI_CLASS\)$/],
    [
      "big-endian",
      () => setByte(E.data, 2),
      /^prog\.elf: big-endian ELF \(ELFDATA2MSB\): mmlab runs little-endian/,
    ],
    ["bad data", () => setByte(E.data, 0), /^prog\.elf: bad ELF data encoding 0 \(EI_DATA\)$/],
    ["bad version", () => setByte(E.version, 0), /^prog\.elf: bad ELF version 0 \(EI_VERSION\), expected 1$/],
    [
      "x86-64",
      () => setU16(E.machine, 62),
      /^prog\.elf: built for x86-64 \(e_machine 62\), not RISC-V \(EM_RISCV 243\)$/,
    ],
    ["AArch64", () => setU16(E.machine, 183), /^prog\.elf: built for AArch64 \(e_machine 183\), not RISC-V/],
    ["i386", () => setU16(E.machine, 3), /^prog\.elf: built for i386 \(e_machine 3\), not RISC-V/],
    ["unknown machine", () => setU16(E.machine, 0x1234), /^prog\.elf: built for e_machine 4660, not RISC-V/],
    [
      "ET_REL",
      () => setU16(E.type, 1),
      /^prog\.elf: ELF type 1 \(ET_REL, a relocatable object file\) is not an exec/,
    ],
    [
      "ET_CORE",
      () => setU16(E.type, 4),
      /^prog\.elf: ELF type 4 \(ET_CORE, a core dump\) is not an executable: exp/,
    ],
    [
      "unknown type",
      () => setU16(E.type, 0xfe00),
      /^prog\.elf: ELF type 65024 \(unknown\) is not an executable/,
    ],
    ["e_phentsize", () => setU16(E2.phentsize, 32), /^prog\.elf: e_phentsize is 32, expected 56 for ELF64$/],
    ["e_shentsize", () => setU16(E2.shentsize, 40), /^prog\.elf: e_shentsize is 40, expected 64 for ELF64$/],
    [
      "phdrs past the end",
      () => edited((dv, _, size) => dv.setBigUint64(E.phoff, BigInt(size - 100), true)),
      /^prog\.elf: truncated: program header table ends at \d+, file is \d+ bytes$/,
    ],
    [
      "huge e_phoff",
      () => setU64(E.phoff, 2n ** 64n - 8n),
      /^prog\.elf: truncated: program header table ends at/,
    ],
    ["huge e_phnum", () => setU16(E2.phnum, 0x4000), /^prog\.elf: truncated: program header table ends at/],
    [
      "shdrs past the end",
      () => setU16(E2.shnum, 200),
      /^prog\.elf: truncated: section header table ends at/,
    ],
    ["huge e_shoff", () => setU64(E.shoff, 2n ** 63n), /^prog\.elf: truncated: section header table ends at/],
    [
      "segment past the end",
      () => setU64(64 + 56 + P.offset, 1n << 40n),
      /^prog\.elf: truncated: segment 1 \(PT_LOAD\) ends at 1099511627809, file is \d+ bytes$/,
    ],
    [
      "huge p_filesz",
      () => setU64(64 + 2 * 56 + P.filesz, 2n ** 64n - 1n),
      /p_filesz 18446744073709551615 is larger/,
    ],
    [
      "filesz > memsz",
      () => setU64(64 + 2 * 56 + P.memsz, 2n),
      /^prog\.elf: segment 2 \(PT_LOAD\): p_filesz 4 is larger than p_memsz 2$/,
    ],
    [
      "huge p_memsz",
      () => setU64(64 + 2 * 56 + P.memsz, 2n ** 60n),
      /segment 2 \(PT_LOAD\): p_memsz \d+ is too large$/,
    ],
    [
      "symtab past the end",
      () => edited((dv, shdr) => dv.setBigUint64(shdr(".symtab") + S.offset, 1n << 32n, true)),
      new RegExp(
        `^prog\\.elf: truncated: symbol table \\(section ${symtab} \\.symtab\\) ends at \\d+, file is`,
      ),
    ],
    [
      "symtab sh_entsize",
      () => edited((dv, shdr) => dv.setBigUint64(shdr(".symtab") + S.entsize, 16n, true)),
      /symbol table \(section \d+ \.symtab\): sh_entsize is 16, expected 24$/,
    ],
    [
      "symtab sh_size",
      () => edited((dv, shdr) => dv.setBigUint64(shdr(".symtab") + S.size, 50n, true)),
      /symbol table \(section \d+ \.symtab\): sh_size 50 is not a multiple of 24$/,
    ],
    [
      "symtab sh_link",
      () => edited((dv, shdr) => dv.setUint32(shdr(".symtab") + S.link, 99, true)),
      /symbol table \(section \d+ \.symtab\): sh_link 99 is not a string table \(\d+ sections\)$/,
    ],
    [
      "symtab linked to a non-string table",
      () => edited((dv, shdr) => dv.setUint32(shdr(".symtab") + S.link, 1, true)),
      /sh_link 1 is not a string table/,
    ],
    [
      "strtab past the end",
      () => edited((dv, shdr, size) => dv.setBigUint64(shdr(".strtab") + S.size, BigInt(size), true)),
      new RegExp(
        `^prog\\.elf: truncated: string table \\(section ${strtab} \\.strtab\\) ends at \\d+, file is`,
      ),
    ],
    [
      "symbol name out of range",
      () =>
        edited((dv, shdr) => {
          const at = Number(dv.getBigUint64(shdr(".symtab") + S.offset, true));
          dv.setUint32(at + 24 + S.name, 100000, true);
        }),
      /^prog\.elf: symbol 1: name offset 100000 is past the end of its string table \(\d+ bytes\)$/,
    ],
    [
      "unterminated string table",
      () =>
        edited((dv, shdr) => {
          const size = dv.getBigUint64(shdr(".strtab") + S.size, true);
          dv.setBigUint64(shdr(".strtab") + S.size, size - 1n, true);
        }),
      /^prog\.elf: symbol \d+: name at offset \d+ is not NUL-terminated in its string table$/,
    ],
    [
      "e_shstrndx out of range",
      () => setU16(E2.shstrndx, 77),
      /^prog\.elf: e_shstrndx 77 is out of range \(\d+ sections\)$/,
    ],
    [
      "e_shstrndx not a string table",
      () => setU16(E2.shstrndx, symtab),
      /^prog\.elf: section name string table \(section \d+\) is not SHT_STRTAB \(sh_type 2\)$/,
    ],
    [
      "shstrtab past the end",
      () => edited((dv, shdr) => dv.setBigUint64(shdr(".shstrtab") + S.offset, 1n << 50n, true)),
      /^prog\.elf: truncated: section name string table \(section \d+\) ends at/,
    ],
    [
      "section name out of range",
      () => edited((dv, shdr) => dv.setUint32(shdr(".text") + S.name, 5000, true)),
      /^prog\.elf: section 1: name offset 5000 is past the end of its string table/,
    ],
    [
      "PN_XNUM without sections",
      () =>
        edited((dv) => {
          dv.setUint16(E2.phnum, 0xffff, true);
          dv.setBigUint64(E.shoff, 0n, true);
          dv.setUint16(E2.shnum, 0, true);
        }),
      /^prog\.elf: extended numbering \(e_phnum or e_shstrndx 0xffff\) without section headers$/,
    ],
  ];

  it.each(cases)("%s", (_, make, pattern) => expectElfError(make(), pattern));

  it("names the file <input> by default", () => {
    expect(() => readElf(text)).toThrow(/^<input>: not an ELF file \(bad magic\)$/);
  });

  it("gives an ElfError for the file cut at every length", () => {
    const { bytes } = valid();
    for (let n = 0; n < bytes.length; n++) {
      expect(() => readElf(bytes.subarray(0, n), "cut.elf"), `cut at ${n}`).toThrow(ElfError);
    }
    expectElfError(
      bytes.subarray(0, bytes.length - 1),
      /^prog\.elf: truncated: section header table ends at/,
    );
    expectElfError(
      bytes.subarray(0, 200),
      /^prog\.elf: truncated: program header table ends at 232, file is 200 bytes$/,
    );
    expectElfError(
      bytes.subarray(0, 300),
      /^prog\.elf: truncated: segment 0 \(PT_LOAD\) ends at 4104, file is 300 bytes$/,
    );
  });

  it("never throws anything but an ElfError for corrupted bytes", () => {
    const { bytes } = valid();
    const hot = Array.from({ length: 64 + 3 * 56 }, (_, i) => i); // the ELF and program headers
    const shoff = Number(new DataView(bytes.buffer).getBigUint64(E.shoff, true));
    const offsets = fc.oneof(
      fc.constantFrom(...hot),
      fc.integer({ min: shoff, max: bytes.length - 1 }),
      fc.integer({ min: 0, max: bytes.length - 1 }),
    );
    const edit = fc.tuple(offsets, fc.integer({ min: 0, max: 255 }));
    const prop = fc.property(fc.array(edit, { minLength: 1, maxLength: 8 }), (edits) => {
      const b = bytes.slice();
      for (const [at, v] of edits) b[at] = v;
      return readsOrElfError(b);
    });
    fc.assert(prop, { numRuns: 3000, seed: 1 });
  });

  it("never throws anything but an ElfError for random bytes after a valid ident", () => {
    const ident = valid().bytes.slice(0, 16);
    const prop = fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), (tail) => {
      const b = new Uint8Array(16 + tail.length);
      b.set(ident);
      b.set(tail, 16);
      b[18] = 243;
      b[19] = 0;
      b[16] = 2;
      b[17] = 0;
      return readsOrElfError(b);
    });
    fc.assert(prop, { numRuns: 2000, seed: 2 });
  });
});
