// The decode memo kept between runs (src/cli/decode-memo.ts, src/cpu/code.ts): a run seeded
// from the file fills its slots without decoding, and a file of another build, damaged or cut
// short is not used.

import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadDecodeMemo, saveDecodeMemo } from "../../src/cli/decode-memo.js";
import { CodeCache, decodeMemo, seedDecodeMemo } from "../../src/cpu/index.js";
import { PhysMem } from "../../src/mmu/index.js";
import { tempDirPerTest } from "../helpers/cli.js";

const tmp = tempDirPerTest("mmlab-memo-");
const BUILD = Buffer.from("build-a", "latin1");
/** 600 distinct words: addi rd, rd, imm. */
const WORDS = Array.from({ length: 600 }, (_, k) => ((k - 300) << 20) | (((k % 31) + 1) * 0x8080) | 0x13);

/** The slots of WORDS filled by a fresh decode cache (the process's memo as it is). */
function slots(): number[][] {
  const c = new CodeCache(new PhysMem(1 << 16));
  const dc = c.page(0);
  return WORDS.map((w) => {
    c.fill(dc, 0, w);
    return [...dc.subarray(0, 4)];
  });
}

describe("the decode memo between runs", () => {
  it("a run seeded from the file fills the same slots without decoding a word", () => {
    seedDecodeMemo(() => false); // empty
    const want = slots();
    expect(decodeMemo().fills).toBeGreaterThanOrEqual(WORDS.length);
    const path = tmp.path("decode-memo.bin");
    saveDecodeMemo(path, BUILD, 1);
    seedDecodeMemo(() => false);
    expect(loadDecodeMemo(path, BUILD)).toBe(true);
    expect(slots()).toEqual(want);
    expect(decodeMemo().fills).toBe(0);
  });

  it("another build's file, a damaged one and a cut one are not used; the memo stays empty", () => {
    seedDecodeMemo(() => false);
    const want = slots();
    const path = tmp.path("decode-memo.bin");
    saveDecodeMemo(path, BUILD, 1);
    const good = readFileSync(path);
    const damaged = Buffer.from(good);
    damaged[5000] = damaged[5000]! ^ 1;
    const cases: [string, Uint8Array, Uint8Array][] = [
      ["another build", good, Buffer.from("build-b", "latin1")],
      ["damaged", damaged, BUILD],
      ["cut", good.subarray(0, good.length - 4), BUILD],
      ["longer", Buffer.concat([good, Buffer.alloc(4)]), BUILD],
    ];
    for (const [what, bytes, build] of cases) {
      writeFileSync(path, bytes);
      expect(loadDecodeMemo(path, build), what).toBe(false);
      expect(
        decodeMemo().table.every((w) => w === 0),
        what,
      ).toBe(true);
    }
    expect(loadDecodeMemo(tmp.path("none.bin"), BUILD)).toBe(false);
    expect(slots()).toEqual(want);
  });

  it("a process that decoded fewer new words than asked leaves the file alone", () => {
    seedDecodeMemo(() => false);
    slots();
    const path = tmp.path("decode-memo.bin");
    saveDecodeMemo(path, BUILD, WORDS.length + 1_000);
    expect(() => readFileSync(path)).toThrow(/ENOENT/);
  });
});
