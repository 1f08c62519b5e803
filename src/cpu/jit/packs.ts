// Packs in the translation cache: the regions a hart installed in a run, linked into one module
// (pack.ts) and kept under the key of the hart's first region, so that the next run of the same
// program compiles one module for all of them instead of one per region (docs/jit.md "The
// translation cache", Packs).
//
// A pack's value holds each region's full key and its stored value (tcache.ts encodeRegion),
// then the linked module; it is sealed by the store's digest as a region's value is. A region is
// taken from the pack only when its key equals one of the pack's byte for byte, and the value
// read there is checked as a file's is (decodeRegion): the pack's function for it is the body
// the emitter made for that key, linked by linkRegions (a function of the stored modules' bytes
// and of the build, which is in every key). A pack that is damaged, of another format or does
// not compile is no pack: its regions come from their own values, one module each. The pack is
// written when the process ends (the store's onExit) if the run used a region it did not hold.

import { digest64 } from "../digest.js";
import { linkRegions } from "./pack.js";
import {
  type Digest,
  decodeRegion,
  helperKey,
  regionKeyTag,
  type TranslationCache,
  valueEntry,
} from "./tcache.js";

/** A pack's first word ("PK01" little-endian) and its header's words: magic, entries, wasm
 *  bytes, the digest (2 words) of the whole value less the digest's own words. */
const PMAGIC = 0x31304b50;
const PHEAD = 5;
const PDIGEST = 3;
/** Regions a pack holds at most (those of the run first, then the old pack's). */
export const PACK_MAX = 64;

/** A region of a pack: its key and its stored value. */
export interface PackEntry {
  key: Uint8Array;
  value: Uint8Array<ArrayBuffer>;
}

/** The key of the pack anchored at region key `first` (the hart's first region in a run). */
export function packKey(cache: TranslationCache, first: Uint8Array): Uint8Array {
  const head = helperKey(cache.store, "pack");
  const key = new Uint8Array(head.length + 1 + first.length);
  key.set(head);
  key[head.length] = 10;
  key.set(first, head.length + 1);
  return key;
}

/** `n` rounded up to a multiple of 4. */
const padded = (n: number): number => (n + 3) & ~3;

/** The value stored for a pack of `entries` whose linked module is `wasm`, sealed by `dg`. */
export function encodePack(
  entries: readonly PackEntry[],
  wasm: Uint8Array,
  dg: Digest = digest64,
): Uint8Array {
  const head = (PHEAD + 2 * entries.length) * 4;
  const size = entries.reduce((t, e) => t + padded(e.key.length) + padded(e.value.length), head);
  const out = new Uint8Array(size + wasm.length);
  const dv = new DataView(out.buffer);
  [PMAGIC, entries.length, wasm.length, 0, 0].forEach((w, k) => {
    dv.setInt32(4 * k, w, true);
  });
  let at = head;
  entries.forEach((e, k) => {
    dv.setInt32(4 * (PHEAD + 2 * k), e.key.length, true);
    dv.setInt32(4 * (PHEAD + 2 * k + 1), e.value.length, true);
    out.set(e.key, at);
    at += padded(e.key.length);
    out.set(e.value, at);
    at += padded(e.value.length);
  });
  out.set(wasm, at);
  const [d0, d1] = packDigest(out, dg);
  dv.setUint32(4 * PDIGEST, d0, true);
  dv.setUint32(4 * PDIGEST + 4, d1, true);
  return out;
}

/** The digest (by `dg`) of a pack's value, its digest words left out. */
function packDigest(v: Uint8Array, dg: Digest): [number, number] {
  return dg(v.subarray(0, 4 * PDIGEST), v.subarray(4 * PDIGEST + 8));
}

/** A pack's entries and module bytes read back, or undefined when `v` is no whole, undamaged
 *  (sealed by `dg`) pack of this format. */
export function decodePack(
  v: Uint8Array<ArrayBuffer>,
  dg: Digest = digest64,
): { entries: PackEntry[]; wasm: Uint8Array<ArrayBuffer> } | undefined {
  if (v.length < PHEAD * 4) return undefined;
  const dv = new DataView(v.buffer, v.byteOffset, v.length);
  const w = (k: number): number => dv.getInt32(4 * k, true);
  const n = w(1);
  const len = w(2);
  if (w(0) !== PMAGIC || n < 1 || n > PACK_MAX || len < 8 || v.length < (PHEAD + 2 * n) * 4) return undefined;
  const [d0, d1] = packDigest(v, dg);
  if (dv.getUint32(4 * PDIGEST, true) !== d0 || dv.getUint32(4 * PDIGEST + 4, true) !== d1) return undefined;
  const entries: PackEntry[] = [];
  let at = (PHEAD + 2 * n) * 4;
  for (let k = 0; k < n; k++) {
    const kl = w(PHEAD + 2 * k);
    const vl = w(PHEAD + 2 * k + 1);
    if (kl < 1 || vl < 1 || at + padded(kl) + padded(vl) > v.length) return undefined;
    const key = v.subarray(at, at + kl);
    at += padded(kl);
    entries.push({ key, value: v.subarray(at, at + vl) });
    at += padded(vl);
  }
  if (at + len !== v.length) return undefined;
  return { entries, wasm: v.subarray(at) };
}

/** Are byte strings `a` and `b` equal? (By 32-bit words where both are aligned: a key is 4 KB
 *  and more, compared in V8's cold code.) */
function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let i = 0;
  if (((a.byteOffset | b.byteOffset) & 3) === 0) {
    const n = a.length >> 2;
    const wa = new Int32Array(a.buffer, a.byteOffset, n);
    const wb = new Int32Array(b.buffer, b.byteOffset, n);
    for (let k = 0; k < n; k++) if (wa[k] !== wb[k]) return false;
    i = n << 2;
  }
  for (; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Region keys by their tag (regionKeyTag: page, entry...), so that a lookup compares whole
 *  only the keys of its tag. Two keys differ only after their long common head (the build, the
 *  layout): comparing each in V8's cold code cost 3 ms for a warm bench_coremark's first
 *  300,000 instructions. */
class Keys {
  private readonly keys: Uint8Array[] = [];
  private readonly byTag = new Map<string, number[]>();

  get length(): number {
    return this.keys.length;
  }

  /** Add `key` (its index: the number of keys before it). */
  add(key: Uint8Array): void {
    const t = regionKeyTag(key);
    this.byTag.set(t, [...(this.byTag.get(t) ?? []), this.keys.length]);
    this.keys.push(key);
  }

  /** The index of the key equal to `key`, or -1. */
  indexOf(key: Uint8Array): number {
    if (this.keys.length === 0) return -1;
    for (const k of this.byTag.get(regionKeyTag(key)) ?? []) if (same(this.keys[k]!, key)) return k;
    return -1;
  }
}

/** A region found in the loaded pack: its stored value, the pack's module and its export. */
export interface PackHit {
  value: Uint8Array<ArrayBuffer>;
  module: WebAssembly.Module;
  name: string;
}

/** One hart's packs in a run: the pack anchored at its first region (loaded at once), and the
 *  regions the run used, for the pack written at the end (flush). */
export class PackSession {
  /** Regions taken from the pack in this run. */
  taken = 0;
  /** The first region's key (null: none yet). */
  private first: Uint8Array | null = null;
  private module: WebAssembly.Module | null = null;
  /** The loaded pack's entries (entry k is the module's export `${k}`) and their keys. */
  private held: PackEntry[] = [];
  private readonly heldKeys = new Keys();
  /** Which of the pack's entries the run took. */
  private readonly took: boolean[] = [];
  /** Region values the run used, in order, their keys, and whether one is not in the pack. */
  private readonly used: PackEntry[] = [];
  private readonly usedKeys = new Keys();
  private fresh = false;

  constructor(private readonly cache: TranslationCache) {}

  /** Anchor the pack at `key` (not a region's: the program's start record and the hart,
   *  src/session/jit-record.ts) before the first region is looked up, so that a run that makes
   *  its regions in another order finds the same pack. No effect once anchored. */
  anchor(key: Uint8Array): void {
    if (this.first === null) this.start(key);
  }

  /** The region of key `key` in this hart's pack, if it holds it (then the run has used it:
   *  no note()). The first key asked for anchors the pack: it is loaded then (and the store
   *  told to call flush at the end). */
  find(key: Uint8Array): PackHit | undefined {
    if (this.first === null) this.start(key);
    const module = this.module;
    if (module === null) return undefined;
    const k = this.heldKeys.indexOf(key);
    if (k < 0) return undefined;
    this.taken++;
    const e = this.held[k]!;
    if (!this.took[k]) {
      this.took[k] = true;
      this.usedKeys.add(e.key);
      this.used.push(e);
    }
    return { value: e.value, module, name: String(k) };
  }

  /** The region of key `key`, stored as `value`, was installed in this run, not from the pack
   *  (a file's value or a translation). A region the pack does not hold makes the run write it
   *  again, unless it is full (PACK_MAX): a program of more regions than that would write it at
   *  every run. */
  note(key: Uint8Array, value: Uint8Array<ArrayBuffer>): void {
    if (this.usedKeys.indexOf(key) >= 0) return;
    this.usedKeys.add(key);
    this.used.push({ key, value });
    if (this.held.length < PACK_MAX && this.heldKeys.indexOf(key) < 0) this.fresh = true;
  }

  /** Write the pack anchored at the first region when the run used a region it did not hold:
   *  the run's regions, then the old pack's others, PACK_MAX at most, linked. */
  flush(): void {
    if (!this.fresh || this.first === null) return;
    this.fresh = false;
    const entries = [...this.used, ...this.held.filter((e) => this.usedKeys.indexOf(e.key) < 0)];
    entries.length = Math.min(entries.length, PACK_MAX);
    if (entries.length < 2) return;
    const dg = this.cache.store.digest ?? digest64;
    const mods: Uint8Array[] = [];
    for (const e of entries) {
      const r = decodeRegion(e.value, valueEntry(e.value), dg);
      if (!r?.region) return;
      mods.push(r.wasm);
    }
    const wasm = linkRegions(mods);
    if (wasm !== null) this.cache.store.put(packKey(this.cache, this.first), encodePack(entries, wasm, dg));
  }

  /** Anchor at region key `key`: load its pack (a damaged one, or one that does not compile, is
   *  none) and have the store flush at the end. */
  private start(key: Uint8Array): void {
    this.first = key;
    const store = this.cache.store;
    store.onExit?.(() => this.flush());
    const got = store.get(packKey(this.cache, key));
    const p = got && decodePack(got, store.digest ?? digest64);
    if (!p) return;
    try {
      this.module = new WebAssembly.Module(p.wasm);
    } catch {
      return;
    }
    this.held = p.entries;
    for (const e of p.entries) this.heldKeys.add(e.key);
  }
}
