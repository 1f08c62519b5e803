// The decode cache: for each RAM page that instructions were fetched from, an Int32Array with
// one 4-word slot per halfword: [op, d | s1 << 7 | s2 << 14 | s3 << 21, imm, len]; op 0 = not
// decoded. d, s1, s2, s3 are register pair indices (2r; an f register's rd is never the sink). It is
// physical, so it is shared by the harts; stores into a code page clear the slots they overlap,
// and fence.i drops everything.

import { PG_CODE, type PhysMem } from "../mmu/index.js";
import { type Decoded, decode } from "./decode.js";
import { WRITES_F } from "./isa.js";

export const SLOT_WORDS = 4;
const PAGE_SLOTS = 2048; // halfwords per 4 KiB page

/** The register-file index of the sink pair that writes to x0 go to (register r is the pair
 *  2r, 2r + 1; x0's own pair stays zero). The register file holds X0_SINK + 2 words. */
export const X0_SINK = 64;

/** Register pair index of rd in the register file (x0: the sink). */
export function rdPair(rd: number): number {
  return rd === 0 ? X0_SINK : rd * 2;
}

export class CodeCache {
  /** Decode pages by RAM page number: only the pages instructions came from (a dense array of
   *  every RAM page cost 2 MiB at start-up for 1 GiB; the interpreter finds a page's decode
   *  page in its host-TLB fetch entry, HostTlb.xCode, not here). */
  private readonly pages = new Map<number, Int32Array>();
  /** An all-zero page: the interpreter's fetch state before the first fetch. */
  readonly empty = new Int32Array(PAGE_SLOTS * SLOT_WORDS);
  /** Slots by word, memoised: a direct-mapped table of MEMO_SIZE entries [word, op, registers,
   *  imm] (op 0: empty), so that a word met again is not decoded again. Typed, outside V8's heap:
   *  a Map of the words' Decoded records grew to ~2,500 entries in a glibc hello world, 0.6 MB
   *  of its start-up's allocations, all kept and copied by each scavenge. */
  private readonly memo = new Int32Array(MEMO_SIZE * 4);
  /** Called when a page becomes a code page, so harts drop their writable host-TLB entries. */
  onNewCodePage: (ramPage: number) => void = () => {};
  /** Called when the cache is dropped, so harts drop their fetch host-TLB entries. */
  onFlush: () => void = () => {};
  /** Called with the RAM offset and length of a store into a decode page (the translator drops
   *  the regions translated from those bytes). */
  onInvalidate: (off: number, len: number) => void = () => {};

  /** Code changes so far: stores into decoded instructions' pages and fence.i's (the
   *  interpreter's heat probe starts again after one: interp.ts). */
  changes = 0;

  constructor(private readonly mem: PhysMem) {}

  /** The decode page of the RAM page at byte offset `ramPage`, if it has one. */
  lookup(ramPage: number): Int32Array | undefined {
    return this.pages.get(ramPage / 4096);
  }

  /** The decode page for the RAM page at byte offset `ramPage`, created on first use. */
  page(ramPage: number): Int32Array {
    const i = ramPage / 4096;
    let p = this.pages.get(i);
    if (!p) {
      p = new Int32Array(PAGE_SLOTS * SLOT_WORDS);
      this.pages.set(i, p);
      this.mem.pageFlags[i]! |= PG_CODE;
      this.onNewCodePage(ramPage);
    }
    return p;
  }

  /** Decode `word` (memoised by word) and fill slot `i` of `dc`; returns the op. */
  fill(dc: Int32Array, i: number, word: number): number {
    const memo = this.memo;
    const m = memoIndex(word);
    const len = (word & 3) === 3 ? 4 : 2;
    if (memo[m] === (word | 0) && memo[m + 1] !== 0) {
      dc[i] = memo[m + 1]!;
      dc[i + 1] = memo[m + 2]!;
      dc[i + 2] = memo[m + 3]!;
      dc[i + 3] = len;
      return memo[m + 1]!;
    }
    const dec = decode(word);
    const d = WRITES_F[dec.op] ? dec.rd * 2 : rdPair(dec.rd);
    const regs = d | ((dec.rs1 * 2) << 7) | ((dec.rs2 * 2) << 14) | ((dec.rs3 * 2) << 21);
    const imm = slotImm(dec);
    if (dec.len !== len)
      throw new Error(`decode cache: ${word >>> 0} decoded to length ${dec.len}, not ${len}`);
    memo[m] = word;
    memo[m + 1] = dec.op;
    memo[m + 2] = regs;
    memo[m + 3] = imm;
    dc[i] = dec.op;
    dc[i + 1] = regs;
    dc[i + 2] = imm;
    dc[i + 3] = len;
    return dec.op;
  }

  /** A store wrote [off, off+len) of RAM: forget instructions that overlap it. */
  invalidate(off: number, len: number): void {
    const dc = this.pages.get(Math.floor(off / 4096));
    if (!dc) return;
    // An instruction starting up to 2 bytes before the store may overlap it.
    const first = Math.max(0, (off & 4095) - 2) >> 1;
    const last = Math.min(PAGE_SLOTS - 1, ((off & 4095) + len - 1) >> 1);
    for (let s = first; s <= last; s++) dc[s * SLOT_WORDS] = 0;
    this.changes++;
    this.onInvalidate(off, len);
    if ((off & 4095) === 0 && off >= 4096) {
      const prev = this.pages.get(off / 4096 - 1);
      if (prev) prev[(PAGE_SLOTS - 1) * SLOT_WORDS] = 0;
    }
  }

  /** fence.i: drop every decoded instruction. */
  flush(): void {
    for (const i of this.pages.keys()) this.mem.pageFlags[i]! &= ~PG_CODE;
    this.pages.clear();
    this.changes++;
    this.onFlush();
  }
}

/** Entries of the decode memo (CodeCache.memo): 4,096 (64 KiB) hold the distinct words a
 *  glibc program runs at start-up with few collisions (a collision only decodes again). */
const MEMO_BITS = 12;
const MEMO_SIZE = 1 << MEMO_BITS;

/** The memo entry of `word`, as an index into CodeCache.memo (Fibonacci hashing). */
function memoIndex(word: number): number {
  return (Math.imul(word, 0x9e3779b1) >>> (32 - MEMO_BITS)) << 2;
}

/** What the interpreter keeps in a slot's imm word for each kind of instruction. */
function slotImm(dec: Decoded): number {
  if (dec.name === "illegal") return dec.bits | 0;
  if (dec.name.startsWith("csr")) return dec.csr | (dec.imm << 12);
  return dec.imm;
}
