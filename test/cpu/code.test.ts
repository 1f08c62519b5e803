import { describe, expect, it } from "vitest";
import { CodeCache } from "../../src/cpu/index.js";
import { PG_CODE, PhysMem } from "../../src/mmu/index.js";

const SLOT = 4; // words per halfword slot

describe("the decode cache", () => {
  it("a page becomes a code page once, and its writable host entries are dropped then", () => {
    const mem = new PhysMem(1 << 16);
    const c = new CodeCache(mem);
    const seen: number[] = [];
    c.onNewCodePage = (p) => seen.push(p);
    const a = c.page(4096);
    expect(c.page(4096)).toBe(a);
    expect(seen).toEqual([4096]);
    expect(mem.pageFlags[1]! & PG_CODE).toBe(PG_CODE);
  });

  it("fills a slot with op, register pairs (x0 as the sink), immediate and length", () => {
    const c = new CodeCache(new PhysMem(1 << 16));
    const dc = c.page(0);
    const op = c.fill(dc, 0, 0x00150513); // addi a0, a0, 1
    expect(dc[0]).toBe(op);
    expect(dc[1]! & 127).toBe(20); // rd a0 -> pair index 20
    expect((dc[1]! >>> 7) & 127).toBe(20); // rs1 a0
    expect([dc[2], dc[3]]).toEqual([1, 4]);
    c.fill(dc, SLOT, 0x00000013); // addi x0, x0, 0: rd x0 writes the sink pair
    expect(dc[SLOT + 1]! & 127).toBe(64);
  });

  it("words met again fill the same slots as fresh decodes, through the memo's collisions", () => {
    // 12,000 distinct words (addi/c.addi with every immediate and register), more than the
    // memo's entries: a word whose entry another took is decoded again.
    const words: number[] = [];
    for (let rd = 1; rd < 32; rd += 3) {
      for (let imm = -2048; imm < 2048; imm += 4)
        words.push(((imm & 0xfff) << 20) | (rd << 15) | (rd << 7) | 0x13);
      for (let imm = -32; imm < 32; imm++) words.push(((imm & 32) << 7) | (rd << 7) | ((imm & 31) << 2) | 1);
    }
    const c = new CodeCache(new PhysMem(1 << 16));
    const dc = c.page(0);
    const fresh = (w: number): number[] => {
      const f = new CodeCache(new PhysMem(1 << 16));
      const d = f.page(0);
      f.fill(d, 0, w);
      return [...d.subarray(0, SLOT)];
    };
    for (const round of [0, 1]) {
      for (const [k, w] of words.entries()) {
        if (k % 7 !== round) c.fill(dc, 0, w);
        if (k % 97 === 0) {
          c.fill(dc, 0, w);
          expect([...dc.subarray(0, SLOT)], `word ${w >>> 0}`).toEqual(fresh(w));
        }
      }
    }
  });

  it("a store clears the slots it overlaps, including an instruction starting 2 bytes before", () => {
    const c = new CodeCache(new PhysMem(1 << 16));
    const dc = c.page(0);
    for (let s = 0; s < 8; s++) c.fill(dc, s * SLOT, 0x0505);
    c.invalidate(6, 2); // bytes 6..7: slots 2 (starts at 4, may be 32-bit) and 3
    expect([0, 1, 2, 3, 4].map((s) => dc[s * SLOT] !== 0)).toEqual([true, true, false, false, true]);
  });

  it("a store at the start of a page clears the previous page's last slot (a straddling instruction)", () => {
    const c = new CodeCache(new PhysMem(1 << 16));
    const prev = c.page(0);
    c.page(4096);
    c.fill(prev, 2047 * SLOT, 0x0505);
    c.invalidate(4096, 4);
    expect(prev[2047 * SLOT]).toBe(0);
  });

  it("fence.i drops every page and clears the code flags", () => {
    const mem = new PhysMem(1 << 16);
    const c = new CodeCache(mem);
    let flushed = 0;
    c.onFlush = () => flushed++;
    c.page(0);
    c.page(8192);
    expect(c.lookup(8192)).toBe(c.page(8192));
    c.flush();
    expect([c.lookup(0), c.lookup(8192)]).toEqual([undefined, undefined]);
    expect(mem.pageFlags[0]! & PG_CODE).toBe(0);
    expect(mem.pageFlags[2]! & PG_CODE).toBe(0);
    expect(flushed).toBe(1);
  });
});
