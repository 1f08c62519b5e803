// Automatic compression under `.option rvc`, compared with GNU as -march=rv64imac.

import { describe, expect, test } from "vitest";
import { AsmBuilder, assemble } from "../../src/asm/index.js";
import { hex, textWords, words } from "./helpers.js";

/** Ordinary instructions and the word GNU as emits for them under .option rvc. */
const AUTO: [string, number][] = [
  ["addi sp, sp, 16", 0x0141],
  ["addi sp, sp, -64", 0x7139],
  ["addi a0, sp, 16", 0x0808],
  ["addi a0, a0, 0", 0x852a],
  ["addi a0, a1, 0", 0x852e],
  ["add a0, a1, a0", 0x952e],
  ["add a0, zero, a1", 0x852e],
  ["and a0, a1, a0", 0x8d6d],
  ["or a0, a0, a1", 0x8d4d],
  ["xor s1, a5, s1", 0x8cbd],
  ["sub a0, a0, a1", 0x8d0d],
  ["subw a0, a0, a1", 0x9d0d],
  ["addw a0, a1, a0", 0x9d2d],
  ["li a0, 0", 0x4501],
  ["li a0, 5", 0x4515],
  ["li a0, -32", 0x5501],
  ["li t6, 31", 0x4ffd],
  ["nop", 0x0001],
  ["mv a0, a1", 0x852e],
  ["sext.w a0, a0", 0x2501],
  ["jalr a0", 0x9502],
  ["jr a0", 0x8502],
  ["ret", 0x8082],
  ["lui a0, 0x1f", 0x657d],
  ["lui a0, 0xfffff", 0x757d],
  ["lui sp, 1", 0x00001137],
  ["ebreak", 0x9002],
  ["ld ra, 8(sp)", 0x60a2],
  ["sd s0, 0(sp)", 0xe022],
  ["lw a0, 4(a1)", 0x41c8],
  ["sw a0, 128(a1)", 0x08a5a023],
  ["sw a0, 124(a1)", 0xdde8],
  ["ld a0, 248(s1)", 0x7ce8],
  ["lw t0, 252(sp)", 0x52fe],
  ["sw zero, 0(sp)", 0xc002],
  ["slli a0, a0, 63", 0x157e],
  ["slli a0, a1, 3", 0x00359513],
  ["srli a5, a5, 1", 0x8385],
  ["srai s0, s0, 63", 0x947d],
  ["srai a6, a6, 1", 0x40185813],
  ["andi a0, a0, -32", 0x9901],
  ["andi a0, a0, 32", 0x02057513],
  ["addiw a0, a0, -1", 0x357d],
  ["addi a0, a0, -32", 0x1501],
  ["addi a0, a0, 31", 0x057d],
  ["addi t0, t0, 32", 0x02028293],
  ["addi zero, zero, 1", 0x00100013],
];

describe("ordinary instructions compress where an RVC form exists", () => {
  test.each(AUTO)("%s", (src, word) => {
    expect(words(`.option rvc\n${src}`).map(hex)).toEqual([hex(word)]);
    expect(words(src, { rvc: true }).map(hex)).toEqual([hex(word)]);
  });
});

test("without .option rvc nothing is compressed", () => {
  for (const [src] of AUTO)
    expect(
      words(src).filter((w) => (w & 3) !== 3),
      src,
    ).toEqual([]);
});

test(".option norvc turns compression off again", () => {
  expect(words(".option rvc\nnop\n.option norvc\nnop\n.option rvc\nnop").map(hex)).toEqual(
    [0x0001, 0x00000013, 0x0001].map(hex),
  );
});

test("immediates that depend on addresses are not compressed (GNU as emits relocations there)", () => {
  const p = assemble(".option rvc\nx: addi a0, a0, %lo(x)\naddi a0, a0, y - x\ny: nop", { file: "t.s" });
  expect(textWords(p).map((w) => (w & 3) === 3)).toEqual([true, true, false]);
});

describe("branches and jumps to labels take their short form when the target is near", () => {
  test("backward and forward", () => {
    const src = ".option rvc\n1: beqz a0, 1b\nj 1b\nbnez s1, 2f\nj 2f\n2: nop";
    expect(words(src).map(hex)).toEqual([0xc101, 0xbffd, 0xe091, 0xa009, 0x0001].map(hex));
  });

  test("a far target keeps the 32-bit form", () => {
    const p = assemble(".option rvc\nbeqz a0, far\nj far\n.zero 3000\nfar: nop", { file: "t.s" });
    const w = textWords(p);
    expect([w[0]! & 0x7f, w[1]! & 0x7f]).toEqual([0x63, 0x6f]);
  });

  test("a branch whose short form would just fit is placed consistently (sizes settle)", () => {
    // c.beqz reaches +254: with 2-byte branches the target is at +254, with 4-byte ones beyond.
    const body = Array.from({ length: 125 }, () => "c.nop").join("\n");
    const p = assemble(`.option rvc\nbeqz a0, t\n${body}\nj t\nt: nop`, { file: "t.s" });
    const w = textWords(p);
    const t = p.symbols.get("t")!;
    expect(t - p.entry).toBe(BigInt(2 + 250 + 2));
    expect(hex(w[0]!)).toBe(hex(0xcd7d)); // c.beqz a0, +254
  });

  test("branch compression can change which other branches fit", () => {
    for (let n = 120; n < 135; n++) {
      const body = Array.from({ length: n }, (_, i) => (i % 2 ? "c.nop" : "beqz a0, t")).join("\n");
      const p = assemble(`.option rvc\n${body}\nt: nop`, { file: "t.s" });
      const w = textWords(p);
      const t = p.symbols.get("t")!;
      let pc = p.entry;
      for (const word of w.slice(0, -1)) {
        if ((word & 3) === 3) {
          expect(word & 0x7f).toBe(0x63);
          const off =
            ((word >> 31) << 12) |
            (((word >>> 7) & 1) << 11) |
            (((word >>> 25) & 0x3f) << 5) |
            (((word >>> 8) & 0xf) << 1);
          expect(pc + BigInt(off)).toBe(t);
          pc += 4n;
        } else {
          if (word !== 0x0001) {
            const off =
              (((word << 19) >> 31) * 256) |
              (((word >> 10) & 3) << 3) |
              (((word >> 5) & 3) << 6) |
              (((word >> 3) & 3) << 1) |
              (((word >> 2) & 1) << 5);
            expect(pc + BigInt(off)).toBe(t);
          }
          pc += 2n;
        }
      }
    }
  });
});

test("li sequences compress their pieces", () => {
  expect(words(".option rvc\nli a0, 0x80000000").map(hex)).toEqual([0x4505, 0x057e].map(hex));
  expect(words(".option rvc\nli a0, 0x7fffffff").map(hex)).toEqual([0x80000537, 0x357d].map(hex));
});

test("the builder compresses the same way", () => {
  const b = new AsmBuilder({ rvc: true });
  b.addi("sp", "sp", -64).ld("ra", 8, "sp").mv("a0", "a1").ret();
  expect(textWords(b.build()).map(hex)).toEqual(
    words(".option rvc\naddi sp, sp, -64\nld ra, 8(sp)\nmv a0, a1\nret").map(hex),
  );
});
