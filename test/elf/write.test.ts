import { describe, expect, it } from "vitest";
import * as elf from "../../src/elf/index.js";
import { ElfError, type ElfImage, readElf, writeElf } from "../../src/elf/index.js";

const TEXT = Uint8Array.of(0x13, 0x05, 0x00, 0x00, 0x73, 0x00, 0x00, 0x00, 0x01, 0x00); // li a0,0; ecall; c.nop
const RODATA = new TextEncoder().encode("hello\n");

/** A bare-metal program: text, read-only data, data with a bss tail, a bss-only segment. */
function image(): ElfImage {
  return {
    entry: 0x8000_0000n,
    segments: [
      { vaddr: 0x8000_2000n, data: Uint8Array.of(1, 2, 3, 4), memsz: 64, flags: elf.PF_R | elf.PF_W },
      { vaddr: 0x8000_0000n, data: TEXT, flags: elf.PF_R | elf.PF_X },
      { vaddr: 0x8000_1000n, data: RODATA, flags: elf.PF_R },
      { vaddr: 0x8000_3000n, data: new Uint8Array(0), memsz: 0x1000, flags: elf.PF_R | elf.PF_W },
    ],
    symbols: [
      { name: "_start", value: 0x8000_0000n, size: 10n, global: true, kind: "func" },
      { name: "loop", value: 0x8000_0004n },
      { name: "msg", value: 0x8000_1000n, size: 6n, kind: "object" },
      { name: "tohost", value: 0x8000_2004n, size: 8n, global: true, kind: "object" },
      { name: "stack", value: 0x8000_3800n },
      { name: "_end", value: 0x8000_4000n, global: true },
      { name: "EXIT_CODE", value: 42n },
    ],
  };
}

describe("writeElf round trip through readElf", () => {
  const bytes = writeElf(image());
  const f = readElf(bytes, "prog.elf");

  it("writes an ELF64 RISC-V executable header", () => {
    expect(f.type).toBe(elf.ET_EXEC);
    expect(f.machine).toBe(elf.EM_RISCV);
    expect(f.entry).toBe(0x8000_0000n);
    expect(f.flags).toBe(0x1);
    expect(f.phoff).toBe(64n);
    expect(f.phentsize).toBe(56);
    expect(f.phnum).toBe(4);
    expect(f.interp).toBeUndefined();
  });

  it("writes one elf.PT_LOAD per segment, sorted by vaddr, with data, flags and memsz", () => {
    const segs = f.segments.map((s) => ({ ...s, data: [...s.data] }));
    expect(segs.map((s) => [s.type, s.vaddr, s.paddr, s.flags, s.filesz, s.memsz, s.align])).toEqual([
      [elf.PT_LOAD, 0x8000_0000n, 0x8000_0000n, elf.PF_R | elf.PF_X, 10, 10, 4096n],
      [elf.PT_LOAD, 0x8000_1000n, 0x8000_1000n, elf.PF_R, 6, 6, 4096n],
      [elf.PT_LOAD, 0x8000_2000n, 0x8000_2000n, elf.PF_R | elf.PF_W, 4, 64, 4096n],
      [elf.PT_LOAD, 0x8000_3000n, 0x8000_3000n, elf.PF_R | elf.PF_W, 0, 4096, 4096n],
    ]);
    expect(segs.map((s) => s.data)).toEqual([[...TEXT], [...RODATA], [1, 2, 3, 4], []]);
  });

  it("places every segment at a file offset congruent to its vaddr modulo the page size", () => {
    for (const s of f.segments) expect(BigInt(s.offset) % 4096n).toBe(s.vaddr % 4096n);
    for (const s of f.segments) expect(s.offset).toBeGreaterThanOrEqual(64 + 4 * 56);
  });

  it("names a section per segment by its flags, NOBITS for the zero-filled part", () => {
    const secs = f.sections.map((s) => [s.name, s.type, s.flags, s.addr, s.size]);
    expect(secs).toEqual([
      ["", 0, 0n, 0n, 0n],
      [".text", elf.SHT_PROGBITS, BigInt(elf.SHF_ALLOC | elf.SHF_EXECINSTR), 0x8000_0000n, 10n],
      [".rodata", elf.SHT_PROGBITS, BigInt(elf.SHF_ALLOC), 0x8000_1000n, 6n],
      [".data", elf.SHT_PROGBITS, BigInt(elf.SHF_ALLOC | elf.SHF_WRITE), 0x8000_2000n, 4n],
      [".bss", elf.SHT_NOBITS, BigInt(elf.SHF_ALLOC | elf.SHF_WRITE), 0x8000_2004n, 60n],
      [".bss.1", elf.SHT_NOBITS, BigInt(elf.SHF_ALLOC | elf.SHF_WRITE), 0x8000_3000n, 4096n],
      [".symtab", elf.SHT_SYMTAB, 0n, 0n, 8n * 24n],
      [".strtab", elf.SHT_STRTAB, 0n, 0n, expect.any(BigInt)],
      [".shstrtab", elf.SHT_STRTAB, 0n, 0n, expect.any(BigInt)],
    ]);
  });

  it("points each PROGBITS section at its segment's bytes", () => {
    for (const sec of f.sections.filter((s) => s.type === elf.SHT_PROGBITS)) {
      const seg = f.segments.find((s) => s.vaddr === sec.addr)!;
      expect(sec.offset).toBe(BigInt(seg.offset));
    }
  });

  it("writes symbols locals first, with sh_info the first global and the holding section", () => {
    const syms = f.symbols.map((s) => [s.name, s.value, s.size, s.type, s.bind, s.shndx]);
    expect(syms).toEqual([
      ["loop", 0x8000_0004n, 0n, elf.STT_NOTYPE, elf.STB_LOCAL, 1],
      ["msg", 0x8000_1000n, 6n, elf.STT_OBJECT, elf.STB_LOCAL, 2],
      ["stack", 0x8000_3800n, 0n, elf.STT_NOTYPE, elf.STB_LOCAL, 5],
      ["EXIT_CODE", 42n, 0n, elf.STT_NOTYPE, elf.STB_LOCAL, elf.SHN_ABS],
      ["_start", 0x8000_0000n, 10n, elf.STT_FUNC, elf.STB_GLOBAL, 1],
      ["tohost", 0x8000_2004n, 8n, elf.STT_OBJECT, elf.STB_GLOBAL, 4],
      ["_end", 0x8000_4000n, 0n, elf.STT_NOTYPE, elf.STB_GLOBAL, 5],
    ]);
    const symtab = f.sections.find((s) => s.type === elf.SHT_SYMTAB)!;
    expect(symtab.info).toBe(5); // null + 4 locals
    expect(f.sections[symtab.link]!.name).toBe(".strtab");
  });

  it("finds symbols by name", () => {
    expect(f.symbol("tohost")?.value).toBe(0x8000_2004n);
    expect(f.symbol("nothere")).toBeUndefined();
  });

  it("copies the segment data into the file", () => {
    const img = image();
    const out = writeElf(img);
    img.segments[1]!.data[0] = 0xff;
    expect(readElf(out).segments[0]!.data[0]).toBe(0x13);
  });
});

describe("writeElf options", () => {
  it("writes elf.ET_DYN and custom e_flags", () => {
    const f = readElf(writeElf({ ...image(), type: elf.ET_DYN, flags: 0x5 }));
    expect(f.type).toBe(elf.ET_DYN);
    expect(f.flags).toBe(0x5);
  });

  it("writes a file without symbols", () => {
    const f = readElf(
      writeElf({ entry: 0x1000n, segments: [{ vaddr: 0x1000n, data: TEXT, flags: elf.PF_R | elf.PF_X }] }),
    );
    expect(f.symbols).toEqual([]);
    expect(f.sections.find((s) => s.name === ".symtab")?.size).toBe(24n);
  });

  it("writes a file without segments", () => {
    const f = readElf(writeElf({ entry: 0n, segments: [] }));
    expect(f.segments).toEqual([]);
    expect(f.phnum).toBe(0);
  });

  it("numbers sections with the same name", () => {
    const seg = (vaddr: bigint) => ({ vaddr, data: Uint8Array.of(1), flags: elf.PF_R | elf.PF_W });
    const f = readElf(writeElf({ entry: 0n, segments: [seg(0x1000n), seg(0x2000n), seg(0x3000n)] }));
    expect(f.sections.slice(1, 4).map((s) => s.name)).toEqual([".data", ".data.1", ".data.2"]);
  });

  it("keeps p_offset congruent to p_vaddr modulo a larger p_align", () => {
    const segs = [
      { vaddr: 0x1_0000n, data: TEXT, flags: elf.PF_R | elf.PF_X },
      { vaddr: 0x20_0000n + 0x123n, data: TEXT, flags: elf.PF_R | elf.PF_W, align: 0x20_0000 },
      { vaddr: 0x30_0000n + 0x10n, data: TEXT, flags: elf.PF_R, align: 16 },
    ];
    const f = readElf(writeElf({ entry: 0x1_0000n, segments: segs }));
    expect(f.segments.map((s) => s.align)).toEqual([4096n, 0x20_0000n, 16n]);
    expect(BigInt(f.segments[1]!.offset) % 0x20_0000n).toBe(0x123n);
    expect(BigInt(f.segments[2]!.offset) % 4096n).toBe(0x10n);
  });

  it("round-trips addresses in the upper half and UTF-8 names", () => {
    const vaddr = 0xffff_ffff_8000_0000n;
    const f = readElf(
      writeElf({
        entry: vaddr,
        segments: [{ vaddr, data: TEXT, flags: elf.PF_R | elf.PF_X }],
        symbols: [{ name: "δ_start", value: vaddr + 2n, global: true }],
      }),
    );
    expect(f.entry).toBe(vaddr);
    expect(f.segments[0]!.vaddr).toBe(vaddr);
    expect(f.symbol("δ_start")).toMatchObject({ value: vaddr + 2n, shndx: 1 });
  });
});

describe("writeElf rejects images that cannot be an executable", () => {
  const seg = { vaddr: 0x1000n, data: TEXT, flags: elf.PF_R | elf.PF_X };
  const cases: [string, ElfImage, RegExp][] = [
    [
      "overlap",
      { entry: 0n, segments: [seg, { ...seg, vaddr: 0x1008n }] },
      /^writeElf: segments at 0x1000 .* overlap$/,
    ],
    [
      "memsz < data",
      { entry: 0n, segments: [{ ...seg, memsz: 4 }] },
      /memsz 4 is smaller than its 10 data bytes/,
    ],
    ["align", { entry: 0n, segments: [{ ...seg, align: 24 }] }, /align 24 is not a power of two/],
    ["vaddr", { entry: 0n, segments: [{ ...seg, vaddr: -1n }] }, /vaddr -1 is not a 64-bit address/],
    [
      "wrap",
      { entry: 0n, segments: [{ ...seg, vaddr: (1n << 64n) - 4n }] },
      /run past the end of the address/,
    ],
    ["entry", { entry: 1n << 64n, segments: [] }, /^writeElf: entry \d+ is not a 64-bit address$/],
    ["NUL name", { entry: 0n, segments: [], symbols: [{ name: "a\0b", value: 0n }] }, /name contains NUL/],
    ["flags", { entry: 0n, segments: [{ ...seg, flags: -1 }] }, /flags -1 is not a 32-bit value/],
  ];
  it.each(cases)("%s", (_, img, pattern) => {
    expect(() => writeElf(img)).toThrow(ElfError);
    expect(() => writeElf(img)).toThrow(pattern);
  });
});
