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
    const memo = MEMO;
    const len = (word & 3) === 3 ? 4 : 2;
    // open addressing: the word's own entry, then the next ones, up to MEMO_PROBES of them
    const own = memoIndex(word);
    let free = -1;
    for (let k = 0, m = own; k < MEMO_PROBES; k++, m = (m + 4) & MEMO_MASK) {
      if (memo[m + 1] === 0) {
        free = m;
        break; // a word is never after an empty entry of its probes
      }
      if (memo[m] === (word | 0)) {
        dc[i] = memo[m + 1]!;
        dc[i + 1] = memo[m + 2]!;
        dc[i + 2] = memo[m + 3]!;
        dc[i + 3] = len;
        return memo[m + 1]!;
      }
    }
    const dec = decode(word);
    const d = WRITES_F[dec.op] ? dec.rd * 2 : rdPair(dec.rd);
    const regs = d | ((dec.rs1 * 2) << 7) | ((dec.rs2 * 2) << 14) | ((dec.rs3 * 2) << 21);
    const imm = slotImm(dec);
    if (dec.len !== len)
      throw new Error(`decode cache: ${word >>> 0} decoded to length ${dec.len}, not ${len}`);
    // the first free entry of its probes, else its own (the word there is decoded again)
    const m = free >= 0 ? free : own;
    memo[m] = word;
    memo[m + 1] = dec.op;
    memo[m + 2] = regs;
    memo[m + 3] = imm;
    memoFills++;
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

/** Entries of the decode memo: 8,192 (128 KiB) hold the distinct words of a few glibc programs
 *  (~2,300 for a hello world, ~2,900 with bench_coremark's) with few evictions (an evicted word
 *  is only decoded again). */
const MEMO_BITS = 13;
const MEMO_SIZE = 1 << MEMO_BITS;
/** Entries a lookup looks at, from the word's own on. */
const MEMO_PROBES = 8;
/** Masks an index into the memo (4 words an entry). */
const MEMO_MASK = MEMO_SIZE * 4 - 1;

/** Slots by word, memoised for every decode cache of the process (a slot is a function of its
 *  word alone): a direct-mapped table of MEMO_SIZE entries [word, op, registers, imm] (op 0:
 *  empty), so that a word met again is not decoded again. Typed, outside V8's heap: a Map of the
 *  words' Decoded records grew to ~2,500 entries in a glibc hello world, 0.6 MB of its
 *  start-up's allocations, all kept and copied by each scavenge. The CLI keeps it between runs
 *  (src/cli/decode-memo.ts): decoding is cold code, run by V8's bytecode interpreter. */
const MEMO = new Int32Array(MEMO_SIZE * 4);
/** Entries written since the process started or the memo was seeded. */
let memoFills = 0;

/** The decode memo's table (to be saved) and how many entries were written since the process
 *  started or seedDecodeMemo() ran. */
export function decodeMemo(): { table: Int32Array; fills: number } {
  return { table: MEMO, fills: memoFills };
}

/** Seed the decode memo: `read` writes a table that decodeMemo() gave in a process of this very
 *  build into the bytes it is handed and says whether they are whole (the caller checks the
 *  build and the bytes' integrity: a slot is trusted as decoded); if not, the memo is emptied.
 *  In place: no second copy of the table to touch. */
export function seedDecodeMemo(read: (bytes: Uint8Array) => boolean): boolean {
  const ok = read(new Uint8Array(MEMO.buffer, MEMO.byteOffset, MEMO.byteLength));
  if (!ok) MEMO.fill(0);
  memoFills = 0;
  return ok;
}

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
