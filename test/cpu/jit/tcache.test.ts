// The translation cache (src/cpu/jit/tcache.ts): a run with a store that already holds its
// regions installs them from it (no translation) and is the same run, counters included; the
// key covers every input of the emission (a changed guest byte, layout field, entry, variant or
// build is another key); values that are not this format's, or whose bytes do not compile, are
// misses and get translated again.

import { describe, expect, it } from "vitest";
import { digest64 } from "../../../src/cpu/digest.js";
import { OP_REGION } from "../../../src/cpu/isa.js";
import {
  attachJit,
  decodeRegion,
  encodeRegion,
  I32,
  ModuleBuilder,
  type RegionLayout,
  type RegionSource,
  regionKey,
  type TranslationStore,
} from "../../../src/cpu/jit/index.js";
import { linkRegions } from "../../../src/cpu/jit/pack.js";
import { decodePack, encodePack } from "../../../src/cpu/jit/packs.js";
import {
  cachedModule,
  decodeHelper,
  encodeHelper,
  helperKey,
  TranslationCache,
  valueEntry,
} from "../../../src/cpu/jit/tcache.js";
import { PASS, runAsm } from "../../helpers/asm.js";
import { TEST_LAYOUT } from "./layout.js";

/** A store in memory, keyed by the key's bytes; counts its gets and puts. */
class MemStore implements TranslationStore {
  readonly map = new Map<string, Uint8Array<ArrayBuffer>>();
  gets = 0;
  puts = 0;
  constructor(readonly build = "test-build") {}
  get(key: Uint8Array): Uint8Array<ArrayBuffer> | undefined {
    this.gets++;
    return this.map.get(Buffer.from(key).toString("latin1"));
  }
  put(key: Uint8Array, value: Uint8Array): void {
    this.puts++;
    this.map.set(Buffer.from(key).toString("latin1"), new Uint8Array(value));
  }
}

/** Two loops in two pages, the first with a side exit (a CSR read). */
const LOOP = `
    .globl _start
_start:
    li s0, 3000
    li s2, 0
1:  addi s2, s2, 3
    xor s3, s3, s2
    csrr t0, mscratch
    addi s0, s0, -1
    bnez s0, 1b
    j 2f
    .balign 4096
2:  li s0, 2000
3:  slli t1, s2, 3
    add s3, s3, t1
    addi s0, s0, -1
    bnez s0, 3b
${PASS}`;

/** A loop run twice: before the second time the guest writes `addi s2, s2, 2` over its first
 *  instruction and runs fence.i (self-modifying code). `first` is the immediate it starts with. */
const patched = (first: number): string => `
    .globl _start
_start:
    li s5, 2
    la s1, body
    lw s4, newinsn
0:  li s0, 2000
body:
    addi s2, s2, ${first}
    addi s0, s0, -1
    bnez s0, body
    addi s5, s5, -1
    beqz s5, 9f
    sw s4, 0(s1)
    fence.i
    j 0b
9:
${PASS}
    .balign 4
newinsn:
    addi s2, s2, 2`;

/** Run `src` at heat 64 with `store` (or none): the registers, the counters (translation time
 *  aside), the cache's hits and misses and the regions taken from the hart's pack; `flush`:
 *  then write the pack, as the process's end does (MachineJit.flushPacks). */
function run(src: string, store?: TranslationStore, slotKeys = false, flush = false) {
  const r = runAsm(src, {
    setup: (m) => void attachJit(m, { hot: 64, slotKeys, ...(store ? { store } : {}) }),
  });
  if (flush) r.m.jit!.flushPacks();
  const { translateMs, ...stats } = r.m.jit!.stats();
  expect(translateMs).toBeGreaterThanOrEqual(0);
  const regs = Array.from({ length: 32 }, (_, i) => r.reg(i));
  const tc = r.m.jit!.tcache;
  // the decode cache of the program's pages
  const decoded = [0, 4096, 8192].map((p) => Array.from(r.m.code.lookup(p) ?? []));
  return {
    decoded,
    same: { result: r.result, regs, stats, steps: r.h.steps },
    hits: tc?.hits ?? 0,
    misses: tc?.misses ?? 0,
    taken: r.m.jit!.harts[0]!.pack?.taken ?? 0,
  };
}

/** Helper values a bare run puts besides its regions': the hart's hub and glue modules. */
const HELPERS = 2;

describe("translation cache: runs", () => {
  it("a second run takes every region from the store and is the same run", () => {
    const plain = run(LOOP);
    const store = new MemStore();
    const cold = run(LOOP, store);
    const warm = run(LOOP, store);
    expect(cold.same).toEqual(plain.same);
    expect(warm.same).toEqual(plain.same);
    expect(plain.same.stats.regions).toBeGreaterThanOrEqual(2);
    expect(cold.hits).toBe(0);
    expect(cold.misses).toBeGreaterThanOrEqual(plain.same.stats.regions); // and refused ones
    expect(warm).toMatchObject({ hits: cold.misses, misses: 0 });
    expect(store.map.size).toBe(cold.misses + HELPERS);
  });

  it("keyed by slots (the warm-up's hart), a hit leaves the decode cache as a translation does", () => {
    const store = new MemStore();
    const cold = run(LOOP, store, true);
    const warm = run(LOOP, store, true);
    expect(warm).toMatchObject({ hits: cold.misses, misses: 0 });
    expect(warm.same).toEqual(cold.same);
    expect(warm.decoded).toEqual(cold.decoded);
    // by bytes, a hit decodes only its blocks' first slots (the run is the same)
    const bytes = new MemStore();
    run(LOOP, bytes);
    const hit = run(LOOP, bytes);
    expect(hit.hits).toBeGreaterThan(0);
    expect(hit.same).toEqual(cold.same);
    expect(hit.decoded).not.toEqual(cold.decoded);
  });

  it("self-modifying code: the rewritten region is another key; each version runs its own code", () => {
    const store = new MemStore();
    const plain = run(patched(1));
    const cold = run(patched(1), store);
    const warm = run(patched(1), store);
    expect(plain.same.regs[18]).toBe(2000n + 2n * 2000n);
    expect(plain.same.stats.dropped).toBeGreaterThan(0);
    expect(cold.same).toEqual(plain.same);
    expect(warm.same).toEqual(plain.same);
    expect(warm.misses).toBe(0);
    expect(warm.hits).toBe(cold.misses);
    // one guest byte changed (the first immediate): a miss for the page's regions, and the
    // code that runs is the new one
    const other = run(patched(5), store);
    expect(other.same.regs[18]).toBe(5n * 2000n + 2n * 2000n);
    expect(other.misses).toBeGreaterThan(0);
    expect(other.same).toEqual(run(patched(5)).same);
  });

  it("a damaged value is a miss: translated again, rewritten, the same run", () => {
    const store = new MemStore();
    const cold = run(LOOP, store);
    [...store.map].forEach(([k, v], i) => {
      const bad = new Uint8Array(v);
      // one bit: in a count of the header, or in the wasm bytes (which may still compile)
      bad[i % 2 === 0 ? 8 : bad.length - 5]! ^= 1;
      store.map.set(k, bad);
    });
    const keys = [...store.map.keys()];
    store.map.set(keys[0]!, new Uint8Array(3)); // truncated
    const puts = store.puts;
    const again = run(LOOP, store);
    expect(again.same).toEqual(cold.same);
    expect(again).toMatchObject({ hits: 0, misses: cold.misses });
    expect(store.puts - puts).toBe(cold.misses + HELPERS);
    expect(run(LOOP, store)).toMatchObject({ hits: cold.misses, misses: 0 });
  });

  it("a store's own digest seals its values: taken for every value, another digest's seal is a miss", () => {
    /** A store whose digest is digest64 with its first word flipped, counting its uses. */
    class SealingStore extends MemStore {
      digests = 0;
      readonly digest = (...parts: Uint8Array[]): [number, number] => {
        this.digests++;
        const [a, b] = digest64(...parts);
        return [(a ^ 0x5a5a5a5a) >>> 0, b];
      };
    }
    const plain = run(LOOP);
    const store = new SealingStore();
    const cold = run(LOOP, store);
    expect(store.digests).toBe(cold.misses + HELPERS); // one seal a value written
    const warm = run(LOOP, store);
    expect(warm.same).toEqual(plain.same);
    expect(warm).toMatchObject({ hits: cold.misses, misses: 0 });
    expect(store.digests).toBe(2 * (cold.misses + HELPERS)); // one check a value read
    // the same values read by a store that seals with digest64: none is taken
    const other = new MemStore();
    for (const [k, v] of store.map) other.map.set(k, v);
    const again = run(LOOP, other);
    expect(again.same).toEqual(plain.same);
    expect(again).toMatchObject({ hits: 0, misses: cold.misses });
  });

  it("--dump-jit (opts.dump) neither reads nor writes the store: each region's text is printed", () => {
    const store = new MemStore();
    run(LOOP, store);
    const texts: string[] = [];
    const r = runAsm(LOOP, {
      setup: (m) => void attachJit(m, { hot: 64, store, dump: (d) => texts.push(d.wat) }),
    });
    expect(r.m.jit!.tcache).toBeNull();
    expect(texts.length).toBe(r.m.jit!.stats().regions);
    expect(texts.every((t) => t.startsWith("(module"))).toBe(true);
  });
});

describe("translation cache: keys and values", () => {
  const LAY: RegionLayout = TEST_LAYOUT;
  const dc = new Int32Array(2048 * 4);
  const src = (o: Partial<RegionSource> = {}): RegionSource => ({
    dc,
    decode: () => 0,
    pageLo: 0x10000,
    pageHi: 0,
    entry: 0x40,
    paged: true,
    ...o,
  });
  const page = new Uint8Array(4096).map((_, i) => i * 7);
  const hex = (k: Uint8Array): string => Buffer.from(k).toString("hex");
  const base = hex(regionKey(new MemStore(), src(), LAY, false, page));

  it("the same inputs give the same key; any input changed gives another", () => {
    expect(hex(regionKey(new MemStore(), src(), { ...LAY }, false, page.slice()))).toBe(base);
    const keys = new Set([base]);
    const add = (k: Uint8Array): void => {
      expect(keys.has(hex(k))).toBe(false);
      keys.add(hex(k));
    };
    for (const f of Object.keys(LAY) as (keyof RegionLayout)[]) {
      const v = LAY[f];
      const lay = { ...LAY, [f]: typeof v === "boolean" ? !v : (v as number) + 8 };
      add(regionKey(new MemStore(), src(), lay, false, page));
    }
    add(regionKey(new MemStore("other-build"), src(), LAY, false, page));
    add(regionKey(new MemStore(), src(), LAY, true, page));
    add(regionKey(new MemStore(), src({ entry: 0x42 }), LAY, false, page));
    add(regionKey(new MemStore(), src({ paged: false }), LAY, false, page));
    add(regionKey(new MemStore(), src({ pageLo: 0x11000 }), LAY, false, page));
    add(regionKey(new MemStore(), src({ pageHi: 1 }), LAY, false, page));
    // a stub: its limit and every stop are inputs
    add(regionKey(new MemStore(), src({ stub: { stops: [], max: 400 } }), LAY, false, page));
    add(regionKey(new MemStore(), src({ stub: { stops: [], max: 64 } }), LAY, false, page));
    add(regionKey(new MemStore(), src({ stub: { stops: [0x10], max: 400 } }), LAY, false, page));
    add(regionKey(new MemStore(), src({ stub: { stops: [0x10, 0x20], max: 400 } }), LAY, false, page));
    add(regionKey(new MemStore(), src({ stub: { stops: [0x1020], max: 400 } }), LAY, false, page));
    // a full region's other entries (formRegion may stop at them): each is an input
    add(regionKey(new MemStore(), src({ others: [] }), LAY, false, page));
    add(regionKey(new MemStore(), src({ others: [0x10] }), LAY, false, page));
    add(regionKey(new MemStore(), src({ others: [0x10, 0x20] }), LAY, false, page));
    add(
      regionKey(new MemStore(), src({ stub: { stops: [0x10], max: 400 }, others: [0x10] }), LAY, false, page),
    );
    for (const at of [0, 2047, 4095]) {
      const p = page.slice();
      p[at]! ^= 1;
      add(regionKey(new MemStore(), src(), LAY, false, p));
    }
    // a 32-bit instruction decoded at 4094 (its upper half from the next page) is in the key
    const straddle = new Int32Array(dc);
    straddle.set([0x21, 0x1234, -8, 4], 4094 * 2);
    add(regionKey(new MemStore(), src({ dc: straddle }), LAY, false, page));
    straddle[4094 * 2 + 2] = -16;
    add(regionKey(new MemStore(), src({ dc: straddle }), LAY, false, page));
    // a compressed one there is the page's own bytes: not in the key
    straddle.set([0x21, 0x1234, -8, 2], 4094 * 2);
    expect(hex(regionKey(new MemStore(), src({ dc: straddle }), LAY, false, page))).toBe(base);
  });

  it("with slots, every decode slot of the page is in the key too (a marked one by its own op)", () => {
    const key = (d: Int32Array, decode = (): number => 0): string =>
      hex(regionKey(new MemStore(), src({ dc: d, decode }), LAY, false, page, true));
    const one = new Int32Array(dc);
    one.set([0x21, 0x80, 3, 4], 100 * 2); // a slot decoded at page offset 100
    const first = key(one);
    expect(first).not.toBe(base);
    expect(key(dc)).not.toBe(first);
    const other = new Int32Array(one);
    other[100 * 2 + 2] = 7; // its imm word
    expect(key(other)).not.toBe(first);
    const moved = new Int32Array(dc);
    moved.set([0x21, 0x80, 3, 4], 102 * 2);
    expect(key(moved)).not.toBe(first);
    const marked = new Int32Array(dc);
    marked.set([OP_REGION, 0x80, 3, 4], 100 * 2);
    const own = new Int32Array(dc);
    own.set([0x33, 0x80, 3, 4], 100 * 2);
    expect(key(marked, () => 0x33)).toBe(key(own));
    expect(key(marked, () => 0x34)).not.toBe(key(own));
  });

  it("a layout field added later goes into the key by its name", () => {
    const more = { ...LAY, extra: 5 } as RegionLayout;
    expect(hex(regionKey(new MemStore(), src(), more, false, page))).not.toBe(base);
  });

  it("refuses a page that is not 4 KiB", () => {
    expect(() => regionKey(new MemStore(), src(), LAY, false, new Uint8Array(100))).toThrow(/4096|page/);
  });

  it("values round-trip; what this format did not write for that entry is undefined", () => {
    const wasm = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    const region = { wasmBytes: 8, insns: 12, lo: 0x40, hi: 0x90, resume: [0x94], blockOffs: [0x40, 0x60] };
    const stored = { region, wasm, decoded: [0x40, 0x44, 0x60, 0x94] };
    const v = new Uint8Array(encodeRegion(stored));
    expect(decodeRegion(v, 0x40)).toEqual(stored);
    const refused = { region: null, wasm: new Uint8Array(0), decoded: [0x40] };
    expect(decodeRegion(new Uint8Array(encodeRegion(refused)), 0x40)).toEqual(refused);
    expect(decodeRegion(v, 0x60)).toBeUndefined(); // another entry's
    expect(decodeRegion(v.slice(0, v.length - 1), 0x40)).toBeUndefined();
    expect(decodeRegion(new Uint8Array(v.length), 0x40)).toBeUndefined();
    for (const at of [4, 8, 40, 50, v.length - 1]) {
      const bad = v.slice();
      bad[at]! ^= 1; // a bit anywhere: the digest tells
      expect(decodeRegion(bad, 0x40)).toBeUndefined();
    }
    const odd = new Uint8Array(encodeRegion({ ...stored, region: { ...region, blockOffs: [0x40, 0x61] } }));
    expect(decodeRegion(odd, 0x40)).toBeUndefined();
    const far = new Uint8Array(encodeRegion({ ...stored, decoded: [4096] }));
    expect(decodeRegion(far, 0x40)).toBeUndefined();
    expect(() => encodeRegion({ ...stored, wasm: new Uint8Array(3) })).toThrow(/bytes/);
    expect(() => encodeRegion({ ...refused, wasm })).toThrow(/bytes/);
  });
});

describe("helper modules (the slow path) in the translation cache", () => {
  /** A module whose f() returns `k`; counts its builds in `built`. */
  const builder = (k: number, built: number[]) => (): ModuleBuilder => {
    built.push(k);
    const m = new ModuleBuilder();
    const f = m.func("f", [], [I32]);
    f.i32Const(k);
    m.export("f", "func", f.index);
    return m;
  };
  const call = (mod: WebAssembly.Module): unknown =>
    (new WebAssembly.Instance(mod).exports.f as () => number)();

  it("builds once per key and build; a hit is the module built", () => {
    const store = new MemStore();
    const cache = new TranslationCache(store);
    const built: number[] = [];
    expect(call(cachedModule(cache, "what=1", builder(7, built)))).toBe(7);
    expect(call(cachedModule(cache, "what=1", builder(8, built)))).toBe(7); // a hit: not built
    expect(call(cachedModule(cache, "what=2", builder(9, built)))).toBe(9);
    expect(call(cachedModule(new TranslationCache(new MemStore("other")), "what=1", builder(5, built)))).toBe(
      5,
    );
    expect(built).toEqual([7, 9, 5]);
    expect([store.gets, store.puts]).toEqual([3, 2]);
    expect(call(cachedModule(null, "what=1", builder(6, built)))).toBe(6); // no cache: built
    // the regions' counts are left alone
    expect([cache.hits, cache.misses]).toEqual([0, 0]);
  });

  it("takes a damaged value, or a region's, for a miss and builds again", () => {
    const store = new MemStore();
    const cache = new TranslationCache(store);
    const built: number[] = [];
    cachedModule(cache, "w", builder(1, built));
    const key = Buffer.from(helperKey(store, "w")).toString("latin1");
    const v = store.map.get(key)!;
    for (const at of [0, 4, 12, 40, v.length - 1]) {
      const bad = v.slice();
      bad[at]! ^= 1;
      store.map.set(key, bad);
      expect(call(cachedModule(cache, "w", builder(2, built)))).toBe(2);
    }
    const region = { wasmBytes: 8, insns: 1, lo: 0, hi: 0, resume: [], blockOffs: [0] };
    const wasm = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    expect(decodeHelper(new Uint8Array(encodeRegion({ region, wasm, decoded: [] })))).toBeUndefined();
    expect(decodeRegion(new Uint8Array(encodeHelper(wasm)), 0)).toBeUndefined();
    expect(decodeHelper(new Uint8Array(encodeHelper(wasm)))).toEqual(wasm);
    expect(built).toEqual([1, 2, 2, 2, 2, 2]);
  });

  it("keeps a hart's hub and glue modules too: a second run builds no helper module", () => {
    const store = new MemStore();
    const helpers = (): string[] =>
      [...store.map.keys()].filter((k) => k.includes("\nhelper\n")).map((k) => k.split("\nhelper\n")[1]!);
    const first = run(LOOP, store);
    const kinds = helpers().map((w) => w.split("\n")[0]);
    expect(kinds.sort()).toEqual(["forward", "hub"]); // LOOP runs bare: no slow path
    const puts = store.puts;
    const again = run(LOOP, store);
    expect(again.same).toEqual(first.same);
    expect(store.puts).toBe(puts); // nothing built, so nothing put
    expect(helpers().length).toBe(2);
  });
});

describe("packs: a run's regions linked into one module", () => {
  /** The store's packs: key text -> value. */
  const packs = (store: MemStore): [string, Uint8Array<ArrayBuffer>][] =>
    [...store.map].filter(([k]) => k.includes("\nhelper\npack\n"));

  it("the next run takes every region from the pack and is the same run; nothing is rewritten", () => {
    const plain = run(LOOP);
    const store = new MemStore();
    const cold = run(LOOP, store, false, true);
    expect(cold.taken).toBe(0);
    expect(packs(store).length).toBe(1);
    const puts = store.puts;
    const warm = run(LOOP, store, false, true);
    expect(warm.same).toEqual(plain.same);
    expect(warm.taken).toBe(plain.same.stats.regions);
    expect(warm).toMatchObject({ hits: cold.misses, misses: 0 });
    expect(store.puts).toBe(puts); // the pack held every region: not written again
  });

  it("a run that used regions the pack lacks writes it again with them, the old ones kept", () => {
    // the same first page (the pack's anchor), another loop on the second one
    const other = LOOP.replace("slli t1, s2, 3", "slli t1, s2, 4");
    const store = new MemStore();
    const a = run(LOOP, store, false, true);
    const b = run(other, store, false, true);
    expect(packs(store).length).toBe(1); // one anchor: the first region's key
    expect(b.taken).toBeGreaterThan(0); // the first page's regions
    expect(b.taken).toBeLessThan(b.same.stats.regions);
    const both = decodePack(packs(store)[0]![1])!;
    expect(both.entries.length).toBe(a.same.stats.regions + b.same.stats.regions - b.taken);
    const puts = store.puts;
    for (const [src, r] of [
      [LOOP, a],
      [other, b],
    ] as const) {
      const again = run(src, store, false, true);
      expect(again.same).toEqual(r.same);
      expect(again.taken).toBe(r.same.stats.regions);
    }
    expect(store.puts).toBe(puts); // the pack held them all: not written again
  });

  it("a pack's module validates and exports each region's run; its entries are the stored values", () => {
    const store = new MemStore();
    run(LOOP, store, false, true);
    const p = decodePack(packs(store)[0]![1])!;
    expect(p.entries.length).toBeGreaterThanOrEqual(2);
    expect(WebAssembly.validate(p.wasm)).toBe(true);
    const exports = WebAssembly.Module.exports(new WebAssembly.Module(p.wasm));
    expect(exports).toEqual(p.entries.map((_, k) => ({ name: String(k), kind: "function" })));
    for (const e of p.entries) {
      const k = Buffer.from(e.key).toString("latin1");
      expect(store.map.get(k)).toEqual(e.value);
    }
    // linking is a function of the modules' bytes
    const mods = p.entries.map((e) => decodeRegion(e.value, valueEntry(e.value))!.wasm);
    expect(linkRegions(mods)).toEqual(p.wasm);
  });

  it("a damaged pack, or one whose module does not compile, is no pack: the same run, written again", () => {
    const plain = run(LOOP);
    const store = new MemStore();
    run(LOOP, store, false, true);
    const [key, v] = packs(store)[0]!;
    for (const at of [0, 8, 30, v.length >> 1, v.length - 3]) {
      const bad = v.slice();
      bad[at]! ^= 1;
      store.map.set(key, bad);
      const again = run(LOOP, store, false, true);
      expect(again.same).toEqual(plain.same);
      expect(again.taken).toBe(0);
      expect(store.map.get(key)).toEqual(v); // rewritten at the end
    }
    const p = decodePack(v)!;
    store.map.set(key, new Uint8Array(encodePack(p.entries, new Uint8Array(p.wasm.length).fill(1))));
    const again = run(LOOP, store, false, true);
    expect(again.same).toEqual(plain.same);
    expect(again.taken).toBe(0);
    expect(store.map.get(key)).toEqual(v);
  });

  it("modules of another shape are not linked", () => {
    const m = new ModuleBuilder();
    const f = m.func("f", [], [I32]);
    f.i32Const(1);
    m.export("run", "func", f.index);
    const own = m.encode();
    expect(linkRegions([own, own])).toBeNull(); // without the regions' imports
    const imp = new ModuleBuilder();
    const g = imp.importFunc({ module: "env", name: "g" }, [], [I32]);
    const h = imp.func("h", [], [I32]);
    h.call(g);
    imp.export("run", "func", h.index);
    expect(linkRegions([own, imp.encode()])).toBeNull(); // a function import
    expect(linkRegions([own, new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 99, 0])])).toBeNull();
    expect(linkRegions([])).toBeNull();
  });
});
