// The record of a program's regions, kept in the translation cache (docs/jit.md, "The
// translation cache", Start records): where an earlier run made its regions, in order
// (MachineJit.made). A run of a program the record knows turns translation on at once
// (PendingJit.early) instead of after the starter share and the probe, and the translator makes
// the recorded regions again as soon as the program reaches their pages (HartJit.replay), in
// the recorded order, so that they have the same keys and come from the pack, anchored at the
// record's key.
//
// The record is a hint, never an input of a region: a region's code comes only from its own key
// (tcache.ts), and translation gives the same output and counters whenever it is turned on and
// whichever regions it makes. So the key need only tell programs apart well enough to be
// useful: the pc of the program's first instruction, the privilege and paging mode, the number
// of harts and the 4 KiB page holding that instruction, as the machine's first chunk finds it
// (read through the page tables without a TLB, a counter or an A/D bit touched:
// Walker.inspect), with the build; a value of another format, or damaged (sealed by the store's
// digest, as a region's value is), is no record.

import { digest64 } from "../cpu/digest.js";
import { type Hart, PRIV_M } from "../cpu/index.js";
import type { Digest, TranslationStore } from "../cpu/jit/index.js";
import { type PhysMem, pagingMode, satpMode, satpPpn, Walker } from "../mmu/index.js";

/** A record's first word ("SR01" little-endian). */
const RMAGIC = 0x31305253;
/** The numbers of one region's origin (translator.ts ORIGIN_WORDS: page low and high words,
 *  entry offset, kind). */
const ORIGIN = 4;
/** The most regions a record holds. */
export const RECORD_MAX = 256;

/** The RAM bytes of the 4 KiB page hart `h` fetches its next instruction from, or null (not
 *  mapped, not RAM). Reads the page tables only (Walker.inspect): no modelled state changes. */
export function entryPage(h: Hart, mem: PhysMem): Uint8Array | null {
  const mode = h.priv === PRIV_M ? null : (pagingMode(satpMode(h.satp)) ?? null);
  let pa = h.pcHi * 0x1_0000_0000 + (h.pcLo >>> 0);
  if (mode !== null) {
    const rec = new Walker(mem).inspect(mode, satpPpn(h.satp), h.pcLo, h.pcHi);
    if (rec.status !== "ok") return null;
    pa = rec.ppnBase * 4096 + ((h.pcLo >>> 0) % 2 ** rec.shift);
  } else if (h.pcHi !== 0) return null;
  const page = pa - (pa % 4096);
  const off = mem.ramOffset(page, 4096);
  return off < 0 ? null : mem.u8.subarray(off, off + 4096);
}

/** The key of the record of the program hart `h` (of `harts`) is about to start, or null when
 *  its first page is not in RAM. */
export function recordKey(store: TranslationStore, h: Hart, mem: PhysMem, harts: number): Uint8Array | null {
  const page = entryPage(h, mem);
  if (page === null) return null;
  const pc = `${(h.pcHi >>> 0).toString(16)}:${(h.pcLo >>> 0).toString(16)}`;
  const head = new TextEncoder().encode(
    `mmlab start record 1\nbuild=${store.build}\npc=${pc}\npriv=${h.priv}\nsatp.mode=${h.satpMode}\nharts=${harts}\n`,
  );
  const key = new Uint8Array(head.length + page.length);
  key.set(head);
  key.set(page, head.length);
  return key;
}

/** A record's header: magic, regions, the digest (2 words) of the rest. */
const RHEAD = 4;

/** The digest (by `dg`) of record value `v`, its digest words left out. */
function recordDigest(v: Uint8Array, dg: Digest): [number, number] {
  return dg(v.subarray(0, 8), v.subarray(4 * RHEAD));
}

/** The value of a record of `origins` (ORIGIN numbers a region), sealed by `dg`. */
export function encodeRecord(origins: readonly number[], dg: Digest = digest64): Uint8Array {
  if (origins.length % ORIGIN !== 0 || origins.length > ORIGIN * RECORD_MAX)
    throw new Error(`start record: ${origins.length} numbers for region origins`);
  const out = new Uint8Array(4 * (RHEAD + origins.length));
  const dv = new DataView(out.buffer);
  [RMAGIC, origins.length / ORIGIN, 0, 0, ...origins].forEach((x, k) => {
    dv.setInt32(4 * k, x, true);
  });
  const [d0, d1] = recordDigest(out, dg);
  dv.setUint32(8, d0, true);
  dv.setUint32(12, d1, true);
  return out;
}

/** The origins of a record's value, or null when `v` is no whole, undamaged (sealed by `dg`)
 *  record of this format. */
export function decodeRecord(v: Uint8Array, dg: Digest = digest64): number[] | null {
  if (v.length < 4 * RHEAD || v.length % 4 !== 0) return null;
  const dv = new DataView(v.buffer, v.byteOffset, v.length); // a Buffer's slice() is no copy
  const w = (k: number): number => dv.getInt32(4 * k, true);
  const n = w(1);
  if (w(0) !== RMAGIC || n < 1 || n > RECORD_MAX || v.length !== 4 * (RHEAD + ORIGIN * n)) return null;
  const [d0, d1] = recordDigest(v, dg);
  if (dv.getUint32(8, true) !== d0 || dv.getUint32(12, true) !== d1) return null;
  return Array.from({ length: ORIGIN * n }, (_, k) => w(RHEAD + k));
}

/** `old`'s origins, then those of `now` that `old` lacks, RECORD_MAX at most; null when `now`
 *  adds none (the record need not be written again). */
export function mergeRecord(old: readonly number[], now: readonly number[]): number[] | null {
  const id = (a: readonly number[], k: number): string => a.slice(k, k + ORIGIN).join(":");
  const seen = new Set<string>();
  for (let k = 0; k < old.length; k += ORIGIN) seen.add(id(old, k));
  const out = [...old];
  for (let k = 0; k < now.length && out.length < ORIGIN * RECORD_MAX; k += ORIGIN) {
    if (seen.has(id(now, k))) continue;
    seen.add(id(now, k));
    out.push(...now.slice(k, k + ORIGIN));
  }
  return out.length > old.length ? out : null;
}

/** A machine's record in a run: looked up at its first chunk, given to the translator when it
 *  is turned on, written again at the end when the run made regions it lacks. */
export class StartRecord {
  private key: Uint8Array | null = null;
  /** The origins the store held for the program (empty: none). */
  private held: number[] = [];

  constructor(private readonly store: TranslationStore) {}

  /** The machine's first chunk is about to run on hart `h` (of `harts`): look the program up.
   *  Does the store know it (a record of at least one region)? */
  find(h: Hart, mem: PhysMem, harts: number): boolean {
    this.key = recordKey(this.store, h, mem, harts);
    if (this.key === null) return false;
    const got = this.store.get(this.key);
    this.held = (got && decodeRecord(got, this.store.digest)) ?? [];
    return this.held.length > 0;
  }

  /** The recorded origins (empty when none), for HartJit.replay. */
  origins(): readonly number[] {
    return this.held;
  }

  /** The anchor of hart `hart`'s pack (PackSession.anchor): the record's key and the hart, or
   *  null when the program's first page gave no key. */
  anchor(hart: number): Uint8Array | null {
    if (this.key === null) return null;
    const tail = new TextEncoder().encode(`\nhart=${hart}`);
    const a = new Uint8Array(this.key.length + tail.length);
    a.set(this.key);
    a.set(tail, this.key.length);
    return a;
  }

  /** Have the store write the record when the process ends, with the regions `made()` gives
   *  (MachineJit.made) added, if it adds any. */
  writeAtExit(made: () => readonly number[]): void {
    const key = this.key;
    if (key === null || !this.store.onExit) return;
    this.store.onExit(() => {
      const merged = mergeRecord(this.held, made());
      if (merged !== null) this.store.put(key, encodeRecord(merged, this.store.digest));
    });
  }
}
