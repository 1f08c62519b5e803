// Directives, sections and layout, labels, expressions and the two output formats.

import { describe, expect, test } from "vitest";
import { assemble } from "../../src/asm/index.js";
import { PF_R, PF_W, PF_X, PT_LOAD, readElf, STB_GLOBAL, STT_FUNC } from "../../src/elf/index.js";
import { hex, textWords, words } from "./helpers.js";

const asm = (src: string, options: { rvc?: boolean; base?: bigint } = {}) =>
  assemble(src, { file: "t.s", ...options });
const bytes = (src: string, section = ".data") => [...(asm(src).section(section)?.data ?? [])];

describe("sections and layout", () => {
  const p = asm(`
    .text
    _start: nop
    .data
    d: .byte 1
    .rodata
    r: .byte 2
    .bss
    b: .zero 100
    .text
    nop
  `);

  test(".text at base, then .rodata, .data, .bss, each on a fresh 4 KiB page", () => {
    expect(p.sections.map((s) => [s.name, s.addr, s.memsz, s.flags])).toEqual([
      [".text", 0x8000_0000n, 8, "rx"],
      [".rodata", 0x8000_1000n, 1, "r"],
      [".data", 0x8000_2000n, 1, "rw"],
      [".bss", 0x8000_3000n, 100, "rw"],
    ]);
    expect(p.section(".bss")!.data.length).toBe(0);
    expect(p.symbols.get("b")).toBe(0x8000_3000n);
  });

  test("entry is _start, else the start of .text", () => {
    expect(p.entry).toBe(0x8000_0000n);
    expect(asm("nop\nmain: nop").entry).toBe(0x8000_0000n);
    expect(asm("nop\n_start: nop").entry).toBe(0x8000_0004n);
  });

  test("base option", () => {
    const q = asm("x: nop\n.data\ny: .word 1", { base: 0x1000n });
    expect(q.symbols.get("x")).toBe(0x1000n);
    expect(q.symbols.get("y")).toBe(0x2000n);
  });

  test("toFlat: from base, gaps zero-filled, .bss left out", () => {
    const flat = p.toFlat();
    expect(flat.length).toBe(0x2001);
    expect([...flat.subarray(0, 8)]).toEqual([0x13, 0, 0, 0, 0x13, 0, 0, 0]);
    expect(flat[0x1000]).toBe(2);
    expect(flat[0x2000]).toBe(1);
    expect(flat[0x10]).toBe(0);
  });

  test("toElf: one PT_LOAD per section with its flags, entry and symbols", () => {
    const src =
      ".globl _start\n.type _start, @function\n_start: nop\nloop: j loop\n.data\nv: .dword 7\n.bss\nz: .zero 16";
    const elf = readElf(asm(src).toElf(), "t.elf");
    expect(elf.entry).toBe(0x8000_0000n);
    const loads = elf.segments.filter((s) => s.type === PT_LOAD);
    expect(loads.map((s) => [s.vaddr, s.filesz, s.memsz, s.flags])).toEqual([
      [0x8000_0000n, 8, 8, PF_R | PF_X],
      [0x8000_1000n, 8, 8, PF_R | PF_W],
      [0x8000_2000n, 0, 16, PF_R | PF_W],
    ]);
    expect([...loads[1]!.data]).toEqual([7, 0, 0, 0, 0, 0, 0, 0]);
    const start = elf.symbol("_start")!;
    expect([start.value, start.bind, start.type]).toEqual([0x8000_0000n, STB_GLOBAL, STT_FUNC]);
    expect(elf.symbol("loop")?.value).toBe(0x8000_0004n);
  });

  test(".section names: .text.*, .rodata.*, .data.*, .sdata, .bss.* merge; custom sections by their flags", () => {
    const q = asm(`
      .section .text.init, "ax", @progbits
      _start: nop
      .section .sdata
      a: .byte 1
      .section .data.x
      b: .byte 2
      .pushsection .tohost, "aw", @progbits
      tohost: .dword 0
      .popsection
      c: .byte 3
      .section .sbss, "aw", @nobits
      d: .zero 8
      .section .mytable, "a"
      e: .word 5
    `);
    expect(q.sections.map((s) => [s.name, s.flags, s.memsz])).toEqual([
      [".text", "rx", 4],
      [".mytable", "r", 4],
      [".data", "rw", 3],
      [".tohost", "rw", 8],
      [".bss", "rw", 8],
    ]);
    expect(q.symbols.get("c")).toBe(q.symbols.get("b")! + 1n);
  });

  test(".previous swaps back", () => {
    const q = asm(".data\n.byte 1\n.text\nnop\n.previous\n.byte 2");
    expect([...q.section(".data")!.data]).toEqual([1, 2]);
  });
});

describe("data directives", () => {
  test("integers of every size, little-endian, negative values as two's complement", () => {
    expect(bytes(".data\n.byte 1, 0xff, -1, 'a'")).toEqual([1, 0xff, 0xff, 97]);
    expect(bytes(".data\n.half 0x1234\n.short -2\n.2byte 3")).toEqual([0x34, 0x12, 0xfe, 0xff, 3, 0]);
    expect(bytes(".data\n.word 0xdeadbeef\n.long -1\n.4byte 2")).toEqual([
      0xef, 0xbe, 0xad, 0xde, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0,
    ]);
    expect(bytes(".data\n.dword 0x0102030405060708\n.quad -1\n.8byte 0")).toEqual([
      8,
      7,
      6,
      5,
      4,
      3,
      2,
      1,
      ...Array(8).fill(0xff),
      ...Array(8).fill(0),
    ]);
  });

  test("strings with C escapes", () => {
    expect(bytes('.data\n.ascii "a\\tb\\n\\\\\\"\\x41\\101\\0"')).toEqual([97, 9, 98, 10, 92, 34, 65, 65, 0]);
    expect(bytes('.data\n.asciz "hi", "x"\n.string "s"')).toEqual([104, 105, 0, 120, 0, 115, 0]);
    expect(bytes('.data\n.ascii "#not a comment" # a comment')).toEqual(
      [..."#not a comment"].map((c) => c.charCodeAt(0)),
    );
  });

  test(".zero, .space, .skip, .fill", () => {
    expect(bytes(".data\n.byte 1\n.zero 3\n.space 2, 0xaa\n.skip 1\n.fill 2, 2, 0x1234")).toEqual([
      1, 0, 0, 0, 0xaa, 0xaa, 0, 0x34, 0x12, 0x34, 0x12,
    ]);
  });

  test("addresses and label differences as data", () => {
    const p = asm(".data\na: .dword b\n.word b - a, a - b\nb: .byte 0");
    const d = p.section(".data")!.data;
    const view = new DataView(d.buffer, d.byteOffset);
    expect(view.getBigUint64(0, true)).toBe(p.symbols.get("b"));
    expect(view.getInt32(8, true)).toBe(16);
    expect(view.getInt32(12, true)).toBe(-16);
  });
});

describe("alignment", () => {
  test(".align and .p2align take a power of two; .balign takes bytes; data is zero-padded", () => {
    expect(bytes(".data\n.byte 1\n.align 2\n.byte 2\n.p2align 3\n.byte 3\n.balign 4\n.byte 4")).toEqual([
      1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4,
    ]);
  });

  test("code is padded with nops (c.nop for a 2-byte gap)", () => {
    expect(words("c.nop\n.align 3\nebreak").map(hex)).toEqual(
      [0x0001, 0x0001, 0x00000013, 0x00100073].map(hex),
    );
    expect(words(".option rvc\nnop\n.balign 8\nnop").map(hex)).toEqual(
      [0x0001, 0x0001, 0x00000013, 0x0001].map(hex),
    );
  });

  test(".p2align max-skip and fill", () => {
    expect(bytes(".data\n.byte 1\n.p2align 3, 0xee, 2\n.byte 2")).toEqual([1, 2]);
    expect(bytes(".data\n.byte 1\n.p2align 2, 0xee\n.byte 2")).toEqual([1, 0xee, 0xee, 0xee, 2]);
  });

  test("a section starts aligned to its largest alignment", () => {
    const p = asm("nop\n.data\n.byte 1\n.align 13\nx: .byte 2");
    expect(p.section(".data")!.addr % 0x2000n).toBe(0n);
    expect(p.symbols.get("x")! % 0x2000n).toBe(0n);
  });
});

describe("symbols and expressions", () => {
  test(".equ, .set and = define constants usable before and after", () => {
    const p = asm("addi a0, a0, A\n.equ A, B + 1\n.set B, 2 * 3\nC = A << 4");
    expect(textWords(p)).toEqual(words("addi a0, a0, 7"));
    expect([p.symbols.get("A"), p.symbols.get("B"), p.symbols.get("C")]).toEqual([7n, 6n, 112n]);
  });

  test("operators, precedence and number forms", () => {
    const cases: [string, number][] = [
      ["1 + 2 * 3", 7],
      ["(1 + 2) * 3", 9],
      ["1 << 4 | 1", 17],
      ["~0 & 0xff", 255],
      ["-8 >> 1", -4],
      ["17 / 5", 3],
      ["17 % 5", 2],
      ["6 ^ 3", 5],
      ["0b101 + 0x10 + 010", 29],
      ["'A' + '\\n'", 75],
      ["-(3 - 5)", 2],
    ];
    for (const [e, v] of cases) expect(words(`addi a0, a0, ${e}`)).toEqual(words(`addi a0, a0, ${v}`));
  });

  test("labels, label differences and `.`", () => {
    const p = asm("start: nop\nnop\nend: addi a0, zero, end - start\nhere: j .");
    const w = textWords(p);
    expect(w[2]).toBe(words("addi a0, zero, 8")[0]);
    expect(w[3]).toBe(0x0000006f);
  });

  test("numeric local labels: Nb is the latest N:, Nf the next", () => {
    const p = asm("1: nop\n2: j 1b\n1: j 1b\nj 1f\nj 2b\n1: nop");
    expect(textWords(p).map(hex)).toEqual(
      [0x00000013, 0xffdff06f, 0x0000006f, 0x0080006f, 0xff5ff06f, 0x00000013].map(hex),
    );
    expect([...p.symbols.keys()]).toEqual([]);
  });

  test("%hi/%lo build an absolute address; %pcrel_hi/%pcrel_lo a pc-relative one", () => {
    const p = asm(`
      lui a0, %hi(0x12345fff)
      addi a0, a0, %lo(0x12345fff)
      1: auipc a1, %pcrel_hi(msg)
      addi a1, a1, %pcrel_lo(1b)
      2: auipc a2, %pcrel_hi(msg + 4)
      ld a3, %pcrel_lo(2b)(a2)
      sd a3, %pcrel_lo(2b)(a2)
      .data
      .zero 0x801
      msg: .dword 0
    `);
    const w = textWords(p);
    expect(w.slice(0, 2)).toEqual(words("lui a0, 0x12346\naddi a0, a0, -1"));
    const msg = p.symbols.get("msg")!;
    const at = (i: number) => 0x8000_0000n + BigInt(4 * i);
    const hi = (i: number) => BigInt.asIntN(32, BigInt(w[i]! & 0xfffff000));
    expect(at(2) + hi(2) + BigInt(w[3]! >> 20)).toBe(msg);
    expect(at(4) + hi(4) + BigInt(w[5]! >> 20)).toBe(msg + 4n);
    expect(at(4) + hi(4) + BigInt(((w[6]! >> 25) << 5) | ((w[6]! >>> 7) & 31))).toBe(msg + 4n);
  });

  test("symbols map has labels and constants, not local labels", () => {
    const p = asm("a: nop\n1: nop\n.equ K, 3\n.L1: nop");
    expect(p.symbols).toEqual(
      new Map([
        ["a", 0x8000_0000n],
        [".L1", 0x8000_0008n],
        ["K", 3n],
      ]),
    );
  });
});

describe("source syntax", () => {
  test("comments (#, //, /* */), `;` separators, labels on their own or before statements", () => {
    const p = asm("a: b: nop # c\n// d\n/* e\n f */ nop; nop ; c: .word 1\n\tEBREAK");
    expect(textWords(p).length).toBe(6); // .word 1 shows as two 16-bit parcels
    expect(p.symbols.get("c")).toBe(0x8000_000cn);
  });

  test(".type, .size, .file, .ident, .cfi_* and .option relax are accepted", () => {
    expect(() =>
      asm(
        '.file "x.c"\n.option relax\n.globl f\n.type f, @function\nf:\n.cfi_startproc\nret\n.cfi_endproc\n.size f, .-f\n.ident "gcc"',
      ),
    ).not.toThrow();
  });

  test(".end stops assembly", () => {
    expect(words("nop\n.end\nthis is not assembly")).toEqual([0x13]);
  });

  test(".option push/pop restores rvc", () => {
    expect(words(".option rvc\n.option push\n.option norvc\nnop\n.option pop\nnop")).toEqual([0x13, 0x0001]);
  });
});
