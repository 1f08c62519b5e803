// The translation cache: a region's WebAssembly bytes kept across processes (as ccache keeps a
// compiler's output), so that a program run again does not pay the cold emitter (formBlocks and
// emission: 10-40 ms a region in a fresh process, docs/jit.md "The translation cache").
//
// A region's code is a function of exactly these inputs (translateRegion's arguments): the
// bytes of its 4 KiB RAM page (the decode slots formBlocks reads are the decoder's function of
// those bytes: the decode cache drops a slot when a store changes its bytes), the one decode
// slot that may hold bytes of the next page (a 32-bit instruction at page offset 4094, decoded
// by the interpreter's fetch across the page end), the page's virtual address and the entry's
// offset, a stub's stops and limit, the paging variant, the hart's arena layout (every field
// of RegionLayout, by name), the keepAll option, and the translator's own code (the build, the
// store's identity). The key is all of them, in full: a lookup compares the key byte for byte
// (TranslationStore's contract), so a hit is the region the emitter would make now, never a
// look-alike. Nothing else is read by the emitter; a new input of translateRegion must go into
// regionKey. (The interpreter's warm-up places decode slots by hand on a scratch hart, so that
// they are not the decoder's function of its RAM: its region's key holds every slot of the page
// as well.)
//
// The store is injected (the core touches no files): src/cli/translation-cache.ts keeps one
// file per key under the user's cache directory; the playground may keep none.

import { digest64 } from "../digest.js";
import { OP_REGION } from "../isa.js";
import type { ModuleBuilder } from "./module.js";
import type { PackSession } from "./packs.js";
import { type RegionLayout, type RegionSource, translateRegion } from "./region.js";

/** Where translations are kept: `get` returns the value last `put` with a key equal byte for
 *  byte to `key`, or undefined (never another key's value); `put` may drop it (a bounded or
 *  read-only store). Neither throws. A value carries its own digest (checked here), so a store
 *  need not check for damaged bytes. */
export interface TranslationStore {
  /** The identity of the translator's code that made the values (a build's digest): part of
   *  every key, so that another build's translations are never taken for this one's. */
  readonly build: string;
  /** The digest that seals the values (Digest), when the store has a faster one than digest64:
   *  V8 runs digest64 cold in a fresh process, 5-15 ms of the interpreter's thread for the
   *  ~230 KB of bench_coremark's 24 regions; a native CRC-32 takes a tenth of a millisecond. */
  readonly digest?: Digest;
  get(key: Uint8Array): Uint8Array<ArrayBuffer> | undefined;
  put(key: Uint8Array, value: Uint8Array): void;
  /** Call `write` once when the process ends (the packs of its regions, packs.ts); a store
   *  without it keeps no packs unless the caller flushes them (MachineJit.flushPacks). */
  onExit?(write: () => void): void;
}

/** A 64-bit digest of `parts` (their bytes, in order) as two unsigned 32-bit words, telling a
 *  damaged value from a whole one (digest64, or the store's own). */
export type Digest = (...parts: Uint8Array[]) => [number, number];

/** A region compiled for installation: its module, what --stats counts of it, and where its
 *  blocks and side exits are (RegionCode's fields). */
export interface CompiledRegion {
  module: WebAssembly.Module;
  /** The export of `module` that is the region's `run`: "run", or its index in a pack. */
  name: string;
  /** `module` is a pack (packs.ts), whose instance the hart's other regions share. */
  shared: boolean;
  /** The module's size in bytes. */
  wasmBytes: number;
  insns: number;
  lo: number;
  hi: number;
  resume: number[];
  blockOffs: number[];
  /** The emitter's module when it was translated now (--dump-jit prints it), null on a hit. */
  builder: ModuleBuilder | null;
}

/** Format of keys and values (a change of either changes this). */
const FORMAT = "mmlab-tcache-1";
/** A value's first word, and the kind of value it holds. */
const MAGIC = 0x31304354; // "TC01" little-endian
const REFUSED = 0;
const REGION = 1;
/** A value holding a helper module (cachedModule): the header's words but the wasm length and
 *  digest are 0. */
const HELPER = 2;
/** Words of a value's header: magic, kind, insns, lo, hi, blocks, resumes, decoded offsets,
 *  wasm bytes, and the digest (2 words) of the whole value less the digest's own words; then
 *  the blocks' and resumes' offsets, the decoded offsets and the wasm bytes. */
const HEAD = 11;
const DIGEST = 9;
const PAGE = 4096;
/** The decode slot (page offset, words) that may hold an instruction straddling the page end. */
const LAST = 4094;
const SLOT = 4;

/** A translation store with its counts (hits: regions installed from it; misses: translated).
 *  `slots`: key the regions by their page's decode slots too (regionKey). */
export class TranslationCache {
  hits = 0;
  misses = 0;
  constructor(
    readonly store: TranslationStore,
    readonly slots = false,
  ) {}
}

/** The key of the region `src` would give for a hart laid out as `lay` (`all`: keepAll), its
 *  page's bytes being `page` (4096 bytes of RAM): see the file's head for why this is exact.
 *  With `slots`, every decode slot of the page too (a marked slot with its own op): for the
 *  warm-up's scratch hart, whose slots are placed by hand rather than decoded from its RAM. */
export function regionKey(
  store: TranslationStore,
  src: RegionSource,
  lay: RegionLayout,
  all: boolean,
  page: Uint8Array,
  slots = false,
): Uint8Array {
  if (page.length !== PAGE) throw new Error(`translation cache: a page of ${page.length} bytes`);
  const fields = Object.keys(lay)
    .sort()
    .map((k) => `${k}=${String(lay[k as keyof RegionLayout])}`)
    .join(",");
  const head = new TextEncoder().encode(
    `${FORMAT}\nbuild=${store.build}\nlayout=${fields}\npage=${src.pageHi >>> 0}:${src.pageLo >>> 0}\n` +
      `entry=${src.entry}\npaged=${src.paged}\nall=${all}\n` +
      (src.stub ? `stub=${src.stub.max}:${src.stub.stops.join(",")}\n` : "") +
      (src.others ? `others=${src.others.join(",")}\n` : ""),
  );
  const filled = slots ? filledSlots(src) : new Int32Array(0);
  const key = new Uint8Array(head.length + PAGE + SLOT * 4 + filled.length * 4);
  key.set(head);
  key.set(page, head.length);
  key.set(new Uint8Array(filled.buffer), head.length + PAGE + SLOT * 4);
  // the slot at 4094 when it holds a 32-bit instruction (its upper half from the next page)
  const i = LAST * 2;
  const op = src.dc[i] === OP_REGION ? src.decode(LAST) : src.dc[i]!;
  if (op !== 0 && src.dc[i + 3] === 4) {
    const dv = new DataView(key.buffer, head.length + PAGE);
    [op, src.dc[i + 1]!, src.dc[i + 2]!, 4].forEach((w, k) => {
      dv.setInt32(4 * k, w, true);
    });
  }
  return key;
}

/** A short text of region key `key` (made without slots) that tells most keys apart cheaply:
 *  the end of its text header (the page, entry, variant, keepAll, a stub's stops). Two keys of
 *  one tag may still differ (the page's bytes): equality is the whole key's. */
export function regionKeyTag(key: Uint8Array): string {
  const end = key.length - PAGE - SLOT * 4;
  let s = "";
  for (let i = Math.max(0, end - 96); i < end; i++) s += String.fromCharCode(key[i]!);
  return s;
}

/** What a value holds: the region (null: the translator refused it) with its module's bytes,
 *  and the page offsets the translator decoded on the way (a hit decodes them too, so that the
 *  decode cache is left as a translation leaves it, and the next key with slots is the same). */
export interface StoredRegion {
  region: RegionFields | null;
  wasm: Uint8Array<ArrayBuffer>;
  decoded: number[];
}

/** A region's fields but its module. */
export type RegionFields = Omit<CompiledRegion, "module" | "name" | "shared" | "builder">;

/** The page's decoded slots, each as its page offset and its 4 words (a marked slot with its
 *  own op); the slots not decoded are left out (op 0). */
function filledSlots(src: RegionSource): Int32Array {
  const out: number[] = [];
  const dc = src.dc;
  for (let i = 0; i < dc.length; i += SLOT) {
    if (dc[i] === 0) continue;
    out.push(i / 2, dc[i] === OP_REGION ? src.decode(i / 2) : dc[i]!, dc[i + 1]!, dc[i + 2]!, dc[i + 3]!);
  }
  return Int32Array.from(out);
}

/** The value stored for a region, sealed with `dg`. */
export function encodeRegion(s: StoredRegion, dg: Digest = digest64): Uint8Array<ArrayBuffer> {
  const r = s.region;
  if (r !== null && s.wasm.length !== r.wasmBytes)
    throw new Error("translation cache: a region without its bytes");
  if (r === null && s.wasm.length !== 0) throw new Error("translation cache: bytes for a refused region");
  const words = r
    ? [
        MAGIC,
        REGION,
        r.insns,
        r.lo,
        r.hi,
        r.blockOffs.length,
        r.resume.length,
        s.decoded.length,
        r.wasmBytes,
        0,
        0,
      ]
    : [MAGIC, REFUSED, 0, 0, 0, 0, 0, s.decoded.length, 0, 0, 0];
  words.push(...(r ? [...r.blockOffs, ...r.resume] : []), ...s.decoded);
  const out = new Uint8Array(words.length * 4 + s.wasm.length);
  const dv = new DataView(out.buffer);
  words.forEach((w, k) => {
    dv.setInt32(4 * k, w, true);
  });
  out.set(s.wasm, words.length * 4);
  return seal(out, dg);
}

/** The entry (its first block's page offset) a stored region value was made for; -1 for a
 *  value too short to say (decodeRegion checks the rest). */
export function valueEntry(v: Uint8Array): number {
  if (v.length < (HEAD + 1) * 4) return -1;
  return new DataView(v.buffer, v.byteOffset, v.length).getInt32(4 * HEAD, true);
}

/** The digest (by `dg`) of a value, its digest words left out. */
function digestOf(v: Uint8Array, dg: Digest): [number, number] {
  return dg(v.subarray(0, 4 * DIGEST), v.subarray(4 * DIGEST + 8));
}

/** Write value `v`'s digest (by `dg`) into its digest words; returns `v`. */
function seal<T extends Uint8Array>(v: T, dg: Digest): T {
  const [d0, d1] = digestOf(v, dg);
  const dv = new DataView(v.buffer, v.byteOffset, v.length);
  dv.setUint32(4 * DIGEST, d0, true);
  dv.setUint32(4 * DIGEST + 4, d1, true);
  return v;
}

/** Do value `v`'s digest words hold its digest by `dg` (no damage)? */
function sealed(v: Uint8Array, dg: Digest): boolean {
  const [d0, d1] = digestOf(v, dg);
  const dv = new DataView(v.buffer, v.byteOffset, v.length);
  return dv.getUint32(4 * DIGEST, true) === d0 && dv.getUint32(4 * DIGEST + 4, true) === d1;
}

/** A stored value read back, or undefined when `v` is no whole, undamaged (sealed by `dg`) value
 *  of this format for entry `entry` (then it is a miss). */
export function decodeRegion(
  v: Uint8Array<ArrayBuffer>,
  entry: number,
  dg: Digest = digest64,
): StoredRegion | undefined {
  if (v.length < HEAD * 4) return undefined;
  const dv = new DataView(v.buffer, v.byteOffset, v.length);
  const w = (k: number): number => dv.getInt32(4 * k, true);
  if (w(0) !== MAGIC || !sealed(v, dg)) return undefined;
  const [kind, insns, lo, hi, nb, nr, nd, len] = [w(1), w(2), w(3), w(4), w(5), w(6), w(7), w(8)];
  if (nb < 0 || nr < 0 || nd < 0 || len < 0 || v.length !== (HEAD + nb + nr + nd) * 4 + len) return undefined;
  const offs = (at: number, n: number): number[] => Array.from({ length: n }, (_, k) => w(at + k));
  const inPage = (o: number): boolean => o >= 0 && o < PAGE && (o & 1) === 0;
  const decoded = offs(HEAD + nb + nr, nd);
  if (!decoded.every(inPage)) return undefined;
  const wasm = v.subarray((HEAD + nb + nr + nd) * 4);
  if (kind === REFUSED) return nb + nr + len === 0 ? { region: null, wasm, decoded } : undefined;
  if (kind !== REGION || nb < 1 || len < 8 || insns < 1) return undefined;
  const blockOffs = offs(HEAD, nb);
  const resume = offs(HEAD + nb, nr);
  if (!blockOffs.every(inPage) || !resume.every(inPage) || blockOffs[0] !== entry) return undefined;
  if (!inPage(lo) || !inPage(hi) || lo > hi) return undefined;
  return { region: { wasmBytes: len, insns, lo, hi, resume, blockOffs }, wasm, decoded };
}

/** The region of `src` for a hart laid out as `lay` (keepAll: `all`), compiled: from `pack`
 *  (the hart's pack of cached regions) or `cache` when they hold it (or say the translator
 *  refused it), else translated and put there. `page` is the RAM page's bytes (for the key);
 *  `cache` null: translate. Null when refused. */
export function compileRegion(
  src: RegionSource,
  lay: RegionLayout,
  all: boolean,
  page: Uint8Array,
  cache: TranslationCache | null,
  pack: PackSession | null = null,
): CompiledRegion | null {
  if (cache === null) return translated(src, lay, all, null);
  const key = regionKey(cache.store, src, lay, all, page, cache.slots);
  const dg = cache.store.digest ?? digest64;
  const inPack = pack?.find(key);
  const got = inPack?.value ?? cache.store.get(key);
  const hit = got && decodeRegion(got, src.entry, dg);
  const module = hit?.region ? (inPack?.module ?? compiled(hit.wasm)) : null;
  if (got && hit && (hit.region === null || module !== null)) {
    cache.hits++;
    if (hit.region && !inPack) pack?.note(key, got);
    // Keyed by its slots (the warm-up), the page's decode cache is left as the translator
    // leaves it, so that the next key is the same; else only the blocks' slots are decoded,
    // for their marks (the interpreter decodes the rest when it gets there: decoding cold
    // costs about as much as the rest of the hit).
    for (const o of cache.slots ? hit.decoded : (hit.region?.blockOffs ?? [])) src.decode(o);
    const at = inPack ? { name: inPack.name, shared: true } : { name: "run", shared: false };
    return hit.region && module && { ...hit.region, module, ...at, builder: null };
  }
  cache.misses++;
  return translated(src, lay, all, (s) => {
    const v = encodeRegion(s, dg);
    cache.store.put(key, v);
    if (s.region) pack?.note(key, v);
  });
}

/** The region of `src` translated now (and handed to `keep` as it would be stored). */
function translated(
  src: RegionSource,
  lay: RegionLayout,
  all: boolean,
  keep: ((s: StoredRegion) => void) | null,
): CompiledRegion | null {
  const decoded = new Set<number>();
  const seen: RegionSource = keep
    ? {
        dc: src.dc,
        pageLo: src.pageLo,
        pageHi: src.pageHi,
        entry: src.entry,
        paged: src.paged,
        ...(src.stub ? { stub: src.stub } : {}),
        ...(src.others ? { others: src.others } : {}),
        decode: (o) => {
          decoded.add(o);
          return src.decode(o);
        },
      }
    : src;
  const rc = translateRegion(seen, lay, all);
  const order = [...decoded];
  if (rc === null) {
    keep?.({ region: null, wasm: new Uint8Array(0), decoded: order });
    return null;
  }
  const wasm = rc.module.encode();
  const region = {
    wasmBytes: wasm.length,
    insns: rc.insns,
    lo: rc.lo,
    hi: rc.hi,
    resume: rc.resume,
    blockOffs: rc.blockOffs,
  };
  keep?.({ region, wasm, decoded: order });
  return { ...region, module: new WebAssembly.Module(wasm), name: "run", shared: false, builder: rc.module };
}

/** The module of stored bytes, or null when they do not compile (a store broke its contract). */
function compiled(wasm: Uint8Array<ArrayBuffer>): WebAssembly.Module | null {
  try {
    return new WebAssembly.Module(wasm);
  } catch {
    return null;
  }
}

/** The key of helper module `what` (cachedModule). */
export function helperKey(store: TranslationStore, what: string): Uint8Array {
  return new TextEncoder().encode(`${FORMAT}\nbuild=${store.build}\nhelper\n${what}`);
}

/** The value stored for a helper module of bytes `wasm`, sealed with `dg`. */
export function encodeHelper(wasm: Uint8Array, dg: Digest = digest64): Uint8Array {
  const out = new Uint8Array(HEAD * 4 + wasm.length);
  const dv = new DataView(out.buffer);
  dv.setInt32(0, MAGIC, true);
  dv.setInt32(4, HELPER, true);
  dv.setInt32(4 * 8, wasm.length, true);
  out.set(wasm, HEAD * 4);
  return seal(out, dg);
}

/** A helper module's bytes read back from a stored value, or undefined when `v` is no whole,
 *  undamaged (sealed by `dg`) helper value of this format. */
export function decodeHelper(
  v: Uint8Array<ArrayBuffer>,
  dg: Digest = digest64,
): Uint8Array<ArrayBuffer> | undefined {
  if (v.length < HEAD * 4) return undefined;
  const dv = new DataView(v.buffer, v.byteOffset, v.length);
  if (dv.getInt32(0, true) !== MAGIC || dv.getInt32(4, true) !== HELPER) return undefined;
  for (let k = 2; k < 8; k++) if (dv.getInt32(4 * k, true) !== 0) return undefined;
  if (dv.getInt32(4 * 8, true) !== v.length - HEAD * 4) return undefined;
  return sealed(v, dg) ? v.subarray(HEAD * 4) : undefined;
}

/** A helper module of the translator (not a region: the wasm slow path of a hart, slowpath.ts),
 *  whose code is a function of `what` and of the translator's code only: `what` is a text that
 *  names every input of `build` (the caller's contract, as regionKey's for a region). From
 *  `cache` when it holds its bytes (the store's key compared whole: the build, `what`), else
 *  built, and its bytes put there; `cache` null: built. Building the slow path is V8 running
 *  its emitter cold, 5-15 ms of the interpreter's thread at a program's first paged region. */
export function cachedModule(
  cache: TranslationCache | null,
  what: string,
  build: () => ModuleBuilder,
): WebAssembly.Module {
  if (cache === null) return build().compile();
  const key = helperKey(cache.store, what);
  const dg = cache.store.digest ?? digest64;
  const got = cache.store.get(key);
  const bytes = got && decodeHelper(got, dg);
  const module = bytes ? compiled(bytes) : null;
  if (module !== null) return module;
  const wasm = build().encode();
  cache.store.put(key, encodeHelper(wasm, dg));
  return new WebAssembly.Module(wasm);
}
