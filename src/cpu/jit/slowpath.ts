// The slow path of translated loads and stores, in wasm: what a region calls when its host-TLB
// lookup misses. It serves the common misses of a program whose working set exceeds the L1 data
// TLB (bench_hash: millions of L1 misses that hit the L2) or the L2 (bench_chase: a walk nearly
// every step) without leaving wasm: the modelled TLB's L1 and L2 probes, an L2 hit copied into
// the L1, or after a miss in both the walk (page-walk caches, the walker's checks, its counters)
// and the fill of the L2 and the L1 (victim, eviction, the evicted slot's host copies killed,
// the fill), the counters and stamps, the host-TLB fill of the access's kind and of the other
// data kind (as Hart.hostFill), and the RAM access itself. It reads and writes the model's and
// the walker's state where they keep it in the arena, so each stays one state with two
// implementations that must agree exactly (test/cpu/jit/slowpath.test.ts).
//
// Anything else goes to the JavaScript slow path (Hart.loadSlow/storeSlow through the
// translator's glue), BEFORE any state changes, so that path redoes the access from the start:
// no live data context (HOST_W.LIVE: the host TLB was flushed since the last paged data
// translation), a misaligned or non-canonical address, a walk that faults (Svade's A/D fault
// included; under Svadu it sets A and D itself) or ends at a Svnapot leaf or at a leaf size not
// walked before, an L1 or L2 hit whose permission or A/D bits do not serve the access as a
// plain hit, a physical address outside RAM, a store to a
// flagged page, a leaf an array holds as pieces or an array holding pieces, an array whose
// policy is done only in JS (random; tree-PLRU of more than 64 ways), and a TLB trace hook.

import {
  PTE_A,
  PTE_D,
  PTE_G,
  PTE_HI_N,
  PTE_HI_PBMT,
  PTE_HI_RESERVED,
  PTE_R,
  PTE_U,
  PTE_V,
  PTE_W,
  PTE_X,
  type PwcWasmArray,
  RAM_BASE,
  TLB_I,
  TLB_N,
  TLB_NO_KEY,
  TLB_R,
  TLB_REC,
  type TlbWasmLayout,
  type TlbWasmProbe,
  WALK_N,
  type WalkerWasmLayout,
} from "../../mmu/index.js";
import {
  HOST_INVALID,
  HOST_OK,
  HOST_TRACKED_FILLS,
  HOST_UNLINKED,
  HOST_W,
  type HostTlb,
} from "../hosttlb.js";
import { TLB_BITS, TLB_SIZE } from "../trap.js";
import type { FuncBuilder, Label } from "./func.js";
import { ModuleBuilder } from "./module.js";
import { Op } from "./opcodes.js";
import { JIT_VALUE, type RegionImports } from "./region.js";
import { cachedModule, type TranslationCache } from "./tcache.js";
import { Block, F64, I32, I64, type ValType } from "./types.js";

/** Where the slow path's state lies (byte offsets in the arena) and the machine's RAM. */
export interface SlowPathLayout {
  tlb: TlbWasmLayout;
  /** The host TLB's views (HostTlb), in the arena. */
  host: HostTlb;
  /** The hart's jit words (JIT_VALUE). */
  jit: number;
  /** The page flags of RAM (PhysMem.pageFlags) and RAM's size in bytes. */
  pageFlags: number;
  ramBytes: number;
  /** The arena's memory. */
  memory: WebAssembly.Memory;
  /** Pages of the arena's memory, and whether it is shared. */
  pages: number;
  shared: boolean;
}

/** A page-walk cache's locals in a walk (SlowPathBuilder.pwcLocals). */
type PwcLocals = Record<"hit" | "fill" | "fppn" | "fglob", number>;

/** The most ways of a tree-PLRU array whose victim the wasm path chooses (its code is unrolled
 *  per way and tree level). */
const PLRU_MAX_WAYS = 64;

/** The arrays whose replacement the wasm path does (else it leaves the fill to JS). */
function doneInWasm(a: TlbWasmLayout["arrays"][number]): boolean {
  return a.repl === "lru" || a.repl === "fifo" || (a.repl === "plru" && a.ways <= PLRU_MAX_WAYS);
}

/** A hart's load and store slow paths: functions with the signatures of RegionImports' load and
 *  store that serve what they can in wasm and call `js`'s (the translator's glue) for the rest. */
export function slowPath(
  lay: SlowPathLayout,
  js: Pick<RegionImports, "load" | "store">,
  cache: TranslationCache | null = null,
): Pick<RegionImports, "load" | "store"> {
  const mod = cachedModule(cache, slowPathKey(lay), () => buildSlowPath(lay));
  const inst = new WebAssembly.Instance(mod, { env: { mem: lay.memory }, js: { ...js } });
  return inst.exports as unknown as Pick<RegionImports, "load" | "store">;
}

/** What the slow path's module is a function of (tcache.ts cachedModule), as text: every field
 *  of `lay`, whole (the TLB's layout, its maps as entries), a typed array in the arena as its
 *  byte offset and length (the builder reads places, never contents), one outside it (the
 *  decode pages the host TLB points to) as "heap", the memory left out (`pages` and `shared`
 *  stand for it). A field added to the layout, or to the host TLB, enters it by itself. */
export function slowPathKey(lay: SlowPathLayout): string {
  const arena = lay.memory.buffer;
  const text = JSON.stringify(lay, (k, v: unknown) => {
    if (k === "memory" && v === lay.memory) return undefined;
    if (ArrayBuffer.isView(v)) {
      return v.buffer === arena ? { at: v.byteOffset, bytes: v.byteLength } : "heap";
    }
    if (v instanceof Map) return { map: [...v.entries()] };
    if (Array.isArray(v) && v.length > 0 && v.every((e) => ArrayBuffer.isView(e) && e.buffer !== arena)) {
      return "heap";
    }
    return v;
  });
  return `slowpath\n${text}`;
}

/** The module of slowPath() (its memory import is env.mem). */
export function buildSlowPath(lay: SlowPathLayout): ModuleBuilder {
  return new SlowPathBuilder(lay).m;
}

class SlowPathBuilder {
  readonly m = new ModuleBuilder();
  private readonly t: TlbWasmLayout;
  private readonly h: HostTlb;
  /** Byte stride between the host TLB's kinds (r, w, x), each kind's tables at rLo + k * it. */
  private readonly kindStride: number;
  private readonly hostDrop: number;
  private readonly hostFill: number;
  private readonly tr: [number, number];

  constructor(private readonly lay: SlowPathLayout) {
    const m = this.m;
    this.t = lay.tlb;
    this.h = lay.host;
    const h = this.h;
    this.kindStride = h.wLo.byteOffset - h.rLo.byteOffset;
    const same = (a: ArrayBufferView, b: ArrayBufferView, c: ArrayBufferView): boolean =>
      b.byteOffset - a.byteOffset === this.kindStride && c.byteOffset - b.byteOffset === this.kindStride;
    if (
      !same(h.rLo, h.wLo, h.xLo) ||
      !same(h.rHi, h.wHi, h.xHi) ||
      !same(h.rBase, h.wBase, h.xBase) ||
      !same(h.rSlot, h.wSlot, h.xSlot)
    ) {
      throw new Error("slow path: the host TLB's kinds are not laid out at one stride");
    }
    m.importMemory({ module: "env", name: "mem" }, { min: lay.pages, max: lay.pages, shared: lay.shared });
    const jsLoad = m.importFunc({ module: "js", name: "load" }, [I32, I32, I32, I32, I32, I32], [I32]);
    const jsStore = m.importFunc(
      { module: "js", name: "store" },
      [I32, I32, I32, I32, I32, I32, I32, I32],
      [I32],
    );
    this.hostDrop = this.emitHostDrop();
    this.hostFill = this.emitHostFill();
    this.tr = [this.emitTranslate(0), this.emitTranslate(1)];
    this.emitLoad(jsLoad);
    this.emitStore(jsStore);
  }

  // ---- the host TLB (HostTlb.dropSlot and fill, on its arena arrays) ----

  /** drop(slot): invalidate every host entry on slot's copy list and empty the list. */
  private emitHostDrop(): number {
    const h = this.h;
    const f = this.m.func("host_drop", [I32], [], ["slot"]);
    const c = f.local(I32, "c");
    const next = h.next.byteOffset;
    const prev = h.prev.byteOffset;
    const head = h.heads.byteOffset;
    f.localGet(0).i32Const(2).op(Op.i32_shl).load(Op.i32_load, head).localSet(c);
    const out = f.block();
    const top = f.loop();
    f.localGet(c).i32Const(0).op(Op.i32_lt_s).brIf(out);
    // the tag of entry c (kind c >> TLB_BITS, entry c & mask): INVALID
    f.localGet(c).i32Const(TLB_BITS).op(Op.i32_shr_u).i32Const(this.kindStride).op(Op.i32_mul);
    f.localGet(c)
      .i32Const(TLB_SIZE - 1)
      .op(Op.i32_and)
      .i32Const(3)
      .op(Op.i32_shl)
      .op(Op.i32_add);
    f.i32Const(HOST_INVALID).store(Op.i32_store, h.rLo.byteOffset);
    f.localGet(c).i32Const(2).op(Op.i32_shl).i32Const(HOST_UNLINKED).store(Op.i32_store, prev);
    f.localGet(c).i32Const(2).op(Op.i32_shl).load(Op.i32_load, next); // n
    f.localGet(c).i32Const(2).op(Op.i32_shl).i32Const(-1).store(Op.i32_store, next);
    f.localSet(c);
    f.br(top);
    f.end();
    f.end();
    f.localGet(0).i32Const(2).op(Op.i32_shl).i32Const(-1).store(Op.i32_store, head);
    f.finish();
    return f.index;
  }

  /** fill(k, lo, hi, page, slot): HostTlb.fill of kind k. */
  private emitHostFill(): number {
    const h = this.h;
    const f = this.m.func("host_fill", [I32, I32, I32, I32, I32], [], ["k", "lo", "hi", "page", "slot"]);
    const [K, LO, HI, PAGE, SLOT] = [0, 1, 2, 3, 4];
    const e4 = f.local(I32, "e4"); // entry * 8 + kind * stride: the entry's byte offset in each view
    const c = f.local(I32, "c");
    const c4 = f.local(I32, "c4");
    const nf = f.local(I32, "nf");
    const p = f.local(I32, "p");
    const n = f.local(I32, "n");
    const next = h.next.byteOffset;
    const prev = h.prev.byteOffset;
    const head = h.heads.byteOffset;
    const words = h.words.byteOffset;
    // e = ((lo >>> 12) ^ (lo >>> 21)) & (TLB_SIZE - 1); c = k * TLB_SIZE + e
    f.localGet(LO).i32Const(12).op(Op.i32_shr_u).localGet(LO).i32Const(21).op(Op.i32_shr_u).op(Op.i32_xor);
    f.i32Const(TLB_SIZE - 1)
      .op(Op.i32_and)
      .localTee(c);
    f.i32Const(3)
      .op(Op.i32_shl)
      .localGet(K)
      .i32Const(this.kindStride)
      .op(Op.i32_mul)
      .op(Op.i32_add)
      .localSet(e4);
    f.localGet(K).i32Const(TLB_BITS).op(Op.i32_shl).localGet(c).op(Op.i32_add).localTee(c);
    f.i32Const(2).op(Op.i32_shl).localSet(c4);
    // the fills since the last flush
    f.i32Const(0)
      .load(Op.i32_load, words + 4 * HOST_W.NFILLED)
      .localTee(nf);
    f.i32Const(HOST_TRACKED_FILLS).op(Op.i32_lt_s).if();
    f.localGet(nf).i32Const(2).op(Op.i32_shl).localGet(c).store(Op.i32_store, h.filled.byteOffset);
    f.end();
    f.i32Const(0)
      .localGet(nf)
      .i32Const(1)
      .op(Op.i32_add)
      .store(Op.i32_store, words + 4 * HOST_W.NFILLED);
    // off the list of the slot it copied, if it is on one
    f.localGet(c4).load(Op.i32_load, prev).localTee(p).i32Const(HOST_UNLINKED).op(Op.i32_ne).if();
    f.localGet(c4).load(Op.i32_load, next).localSet(n);
    f.localGet(p).i32Const(0).op(Op.i32_ge_s).if();
    f.localGet(p).i32Const(2).op(Op.i32_shl).localGet(n).store(Op.i32_store, next);
    f.else();
    f.localGet(e4).load(Op.i32_load, h.rSlot.byteOffset).i32Const(2).op(Op.i32_shl);
    f.localGet(n).store(Op.i32_store, head);
    f.end();
    f.localGet(n).i32Const(0).op(Op.i32_ge_s).if();
    f.localGet(n).i32Const(2).op(Op.i32_shl).localGet(p).store(Op.i32_store, prev);
    f.end();
    f.end();
    // the entry
    f.localGet(e4).localGet(LO).i32Const(-4096).op(Op.i32_and).store(Op.i32_store, h.rLo.byteOffset);
    f.localGet(e4).localGet(HI).store(Op.i32_store, h.rHi.byteOffset);
    f.localGet(e4).localGet(PAGE).store(Op.i32_store, h.rBase.byteOffset);
    f.localGet(e4).localGet(SLOT).store(Op.i32_store, h.rSlot.byteOffset);
    // at the head of the new slot's list
    f.localGet(SLOT).i32Const(2).op(Op.i32_shl).load(Op.i32_load, head).localSet(n);
    f.localGet(c4).localGet(n).store(Op.i32_store, next);
    f.localGet(c4).i32Const(-1).store(Op.i32_store, prev);
    f.localGet(n).i32Const(0).op(Op.i32_ge_s).if();
    f.localGet(n).i32Const(2).op(Op.i32_shl).localGet(c).store(Op.i32_store, prev);
    f.end();
    f.localGet(SLOT).i32Const(2).op(Op.i32_shl).localGet(c).store(Op.i32_store, head);
    f.finish();
    return f.index;
  }

  // ---- the model (TlbModel.lookup and copyIn on its arena state) ----

  /** tr_k(lo, hi, n, width): translate for kind k (0 load, 1 store) as Paging.probe and
   *  Hart.hostFill would, or return -1 having changed nothing. Returns the RAM offset. */
  private emitTranslate(k: 0 | 1): number {
    const t = this.t;
    const h = this.h;
    const f = this.m.func(
      `tr_${k === 0 ? "r" : "w"}`,
      [I32, I32, I32, I32],
      [I32],
      ["lo", "hi", "n", "width"],
    );
    const [LO, HI, N, WIDTH] = [0, 1, 2, 3];
    const L = {
      va: f.local(I64, "va"),
      sh: f.local(I64, "sh"),
      vpn: f.local(I64, "vpn"),
      vpnF: f.local(F64, "vpnF"),
      now: f.local(F64, "now"),
      s: f.local(I32, "s"),
      s2: f.local(I32, "s2"),
      perm: f.local(I32, "perm"),
      off: f.local(I32, "off"),
      pa: f.local(F64, "pa"),
      asid: f.local(I32, "asid"),
      r2: f.local(I32, "r2"),
      v: f.local(I32, "v"),
      rv: f.local(I32, "rv"),
      idx: f.local(I64, "idx"),
      first: f.local(I32, "first"),
      i: f.local(I32, "i"),
      tmp: f.local(I32, "tmp"),
    };
    const words = h.words.byteOffset;
    const fail = (): void => {
      f.i32Const(-1).return();
    };
    f.i32Const(0)
      .load(Op.i32_load, words + 4 * HOST_W.LIVE)
      .op(Op.i32_eqz)
      .if();
    fail();
    f.end();
    f.localGet(LO).localGet(WIDTH).i32Const(1).op(Op.i32_sub).op(Op.i32_and).if();
    fail();
    f.end();
    // va = hi:lo; sh = 64 - vaBits; canonical iff (va << sh) >> sh == va (arithmetic)
    f.localGet(HI).op(Op.i64_extend_i32_u).i64Const(32, 0).op(Op.i64_shl);
    f.localGet(LO).op(Op.i64_extend_i32_u).op(Op.i64_or).localSet(L.va);
    f.i64Const(64, 0)
      .i32Const(0)
      .load(Op.i32_load, words + 4 * HOST_W.VA_BITS)
      .op(Op.i64_extend_i32_u);
    f.op(Op.i64_sub).localSet(L.sh);
    f.localGet(L.va)
      .localGet(L.sh)
      .op(Op.i64_shl)
      .localGet(L.sh)
      .op(Op.i64_shr_s)
      .localGet(L.va)
      .op(Op.i64_ne)
      .if();
    fail();
    f.end();
    // vpn = the VA's bits below vaBits, without the page offset (pte.ts vpnOf)
    f.localGet(L.va).localGet(L.sh).op(Op.i64_shl).localGet(L.sh).i64Const(12, 0).op(Op.i64_add);
    f.op(Op.i64_shr_u).localTee(L.vpn).op(Op.f64_convert_i64_u).localSet(L.vpnF);
    f.i32Const(0)
      .load(Op.i32_load, words + 4 * HOST_W.ASID)
      .localSet(L.asid);
    // the clock as setClock(steps + n) would leave it
    f.i32Const(0).load(Op.f64_load, h.steps.byteOffset).localGet(N).op(Op.f64_convert_i32_s).op(Op.f64_add);
    f.i32Const(0)
      .load(Op.f64_load, t.nums + 8 * TLB_N.CLOCK)
      .op(Op.f64_max)
      .localSet(L.now);

    const l1 = f.block(); // the L1 probe found it: s
    this.emitProbe(f, t.probeL1D, L.vpn, L.asid, L.s, l1, L.idx, L.first, L.i);
    // an L1 miss: the L2
    const l2 = f.block();
    this.emitProbe(f, t.probeL2, L.vpn, L.asid, L.s2, l2, L.idx, L.first, L.i);
    this.emitWalk(f, k, L);
    f.end();
    // an L2 hit in s2: the permission, the RAM, then the copy into the L1
    this.emitCheck(f, k, L.s2, L);
    f.localGet(L.s2)
      .i32Const(8 * TLB_REC)
      .op(Op.i32_mul)
      .localSet(L.r2);
    const placed = f.block();
    for (const [shift, p] of t.placeL1D) {
      const a = t.arrays[p.arr]!;
      if (p.shift !== shift || !doneInWasm(a)) continue;
      f.localGet(L.r2)
        .load(Op.f64_load, t.rec + 8 * TLB_R.LEAF_SHIFT)
        .f64Const(shift)
        .op(Op.f64_eq)
        .if();
      this.emitCopyIn(f, k, p.arr, shift, L);
      f.br(placed);
      f.end();
    }
    fail();
    f.end();
    this.emitAfter(f, k, L);
    f.end();
    // an L1 hit in s
    this.emitCheck(f, k, L.s, L);
    this.setClock(f, L.now);
    this.count(f, TLB_N.KC + (1 * 3 + k) * 3);
    this.count(f, TLB_N.KC + (1 * 3 + k) * 3 + 1);
    this.countHit(f, k, L.s);
    f.localGet(L.s).i32Const(3).op(Op.i32_shl).localGet(L.now).store(Op.f64_store, t.stamp);
    this.emitAfter(f, k, L);
    f.finish();
    return f.index;
  }

  // ---- the walk after a miss in every level (Paging.probe's walk, Walker.walk, TlbModel.fill) ----

  /** A miss in the L1 and the L2: walk, and if the walk finds a leaf that serves the access as a
   *  plain hit (no A/D update, no fault), at a RAM address, of a size the L2 and the L1 hold
   *  whole in arrays whose replacement is done here, count and fill as the JavaScript path
   *  would, then return the RAM offset (emitAfter). Else return -1, having changed nothing. */
  private emitWalk(f: FuncBuilder, k: 0 | 1, L: Record<string, number>): void {
    const t = this.t;
    const wl = t.walker;
    const levels = this.walkLevels(k);
    if (wl === null || levels.length === 0) {
      f.i32Const(-1).return();
      return;
    }
    const fail = (): void => {
      f.i32Const(-1).return();
    };
    const W = this.walkLocals(f);
    const words = this.h.words.byteOffset;
    // a trace hook sees walks, fills and evictions: JS
    f.i32Const(0)
      .load(Op.i32_load, t.ints + 4 * TLB_I.EVENTS)
      .if();
    fail();
    f.end();
    f.i32Const(0)
      .load(Op.i32_load, words + 4 * HOST_W.LEVELS)
      .localTee(W.levels);
    f.i32Const(1).op(Op.i32_sub).localSet(W.lvl);
    f.i32Const(0)
      .load(Op.i32_load, words + 4 * HOST_W.ROOT_HI)
      .op(Op.i64_extend_i32_u);
    f.i64Const(32, 0).op(Op.i64_shl);
    f.i32Const(0)
      .load(Op.i32_load, words + 4 * HOST_W.ROOT_LO)
      .op(Op.i64_extend_i32_u);
    f.op(Op.i64_or).localSet(W.tbl);
    f.i32Const(0).localSet(W.glob);
    f.i32Const(0).localSet(W.refs);
    const pwc = wl.pwc?.arrays ?? [];
    const P = pwc.map((a) => this.pwcLocals(f, a.level));
    this.emitPwcLookup(f, pwc, P, W, L);
    this.emitDescend(f, pwc, P, W, L);
    // the leaf's flags: the access is a plain hit, or it is permitted and A (and a store's D)
    // are to be set (Svadu, as Walker.walk does; without ADUE that is a fault: JS)
    const perm = (): void => {
      f.localGet(W.plo)
        .i32Const(255)
        .op(Op.i32_and)
        .localGet(W.glob)
        .i32Const(5)
        .op(Op.i32_shl)
        .op(Op.i32_or);
      f.localSet(L.perm!);
    };
    perm();
    f.i32Const(0).localSet(W.upd);
    f.localGet(L.perm!)
      .load(Op.i32_load8_u, this.h.ok.byteOffset + HOST_OK.HIT + 256 * k)
      .op(Op.i32_eqz)
      .if();
    f.i32Const(0).load(Op.i32_load, words + 4 * HOST_W.ADUE);
    f.localGet(L.perm!).load(Op.i32_load8_u, this.h.ok.byteOffset + HOST_OK.PERMITS + 256 * k);
    f.op(Op.i32_and).op(Op.i32_eqz).if();
    fail();
    f.end();
    f.localGet(W.plo)
      .i32Const(PTE_A | (k === 1 ? PTE_D : 0))
      .op(Op.i32_or)
      .localSet(W.plo);
    perm();
    f.i32Const(1).localSet(W.upd);
    f.end();
    // the leaf's size: a superpage's PPN aligned to it; a size walked before (its first walk
    // goes to JS, which keeps the sizes in first-seen order)
    f.localGet(W.lvl).i32Const(9).op(Op.i32_mul).op(Op.i64_extend_i32_u).localSet(W.bits);
    f.i64Const(1, 0).localGet(W.bits).op(Op.i64_shl).i64Const(1, 0).op(Op.i64_sub).localSet(W.mask);
    f.localGet(W.ppn).localGet(W.mask).op(Op.i64_and).op(Op.i64_eqz).op(Op.i32_eqz).if();
    fail();
    f.end();
    f.localGet(W.bits).op(Op.i32_wrap_i64).i32Const(12).op(Op.i32_add).localSet(W.shift);
    f.i32Const(k * 64 * 8)
      .localGet(W.shift)
      .i32Const(3)
      .op(Op.i32_shl)
      .op(Op.i32_add)
      .localTee(W.at);
    f.load(Op.f64_load, t.nums + 8 * TLB_N.WALKS)
      .f64Const(0)
      .op(Op.f64_eq)
      .if();
    fail();
    f.end();
    // the physical address: in RAM (a store: in a page without flags)
    f.localGet(W.ppn).localGet(L.vpn!).localGet(W.mask).op(Op.i64_and).op(Op.i64_add);
    f.i64Const(12, 0).op(Op.i64_shl);
    f.localGet(0).i32Const(4095).op(Op.i32_and).op(Op.i64_extend_i32_u).op(Op.i64_or);
    f.i64ConstBig(BigInt(RAM_BASE)).op(Op.i64_sub).localTee(W.pa);
    f.localGet(3)
      .op(Op.i64_extend_i32_u)
      .op(Op.i64_add)
      .i64ConstBig(BigInt(this.lay.ramBytes))
      .op(Op.i64_gt_u);
    f.localGet(W.pa).i64Const(0, 0).op(Op.i64_lt_s).op(Op.i32_or).if();
    fail();
    f.end();
    f.localGet(W.pa).op(Op.i32_wrap_i64).localSet(L.off!);
    if (k === 1) {
      f.localGet(L.off!).i32Const(12).op(Op.i32_shr_u).load(Op.i32_load8_u, this.lay.pageFlags).if();
      fail();
      f.end();
    }
    // the arrays the leaf goes to hold no pieces (a victim might be one)
    const checked = f.block();
    for (const lv of levels) {
      f.localGet(W.lvl).i32Const(lv.level).op(Op.i32_eq).if();
      f.i32Const(0).load(Op.i32_load, t.ints + 4 * (TLB_I.PIECES + lv.l1));
      if (lv.l2 >= 0)
        f.i32Const(0)
          .load(Op.i32_load, t.ints + 4 * (TLB_I.PIECES + lv.l2))
          .op(Op.i32_or);
      f.if();
      fail();
      f.end();
      f.br(checked);
      f.end();
    }
    fail();
    f.end();
    // commit: nothing below leaves for JS
    f.localGet(W.upd).if();
    f.localGet(W.poff).localGet(W.plo).store(Op.i32_store, 0); // the leaf PTE's A/D update
    f.end();
    this.emitWalkCounts(f, k, wl, pwc, P, W, L);
    const filled = f.block();
    for (const lv of levels) {
      f.localGet(W.lvl).i32Const(lv.level).op(Op.i32_eq).if();
      if (lv.l2 >= 0) this.emitEnterLeaf(f, k, lv.l2, lv.shift, W, L);
      this.emitEnterLeaf(f, k, lv.l1, lv.shift, W, L);
      f.br(filled);
      f.end();
    }
    f.unreachable();
    f.end();
    this.emitAfter(f, k, L);
  }

  /** The leaf levels a walk in wasm fills for kind k: those whose size the L1 data TLB (and the
   *  L2, if there is one) holds whole, in arrays whose replacement is done here. */
  private walkLevels(k: 0 | 1): { level: number; shift: number; l1: number; l2: number }[] {
    void k;
    const t = this.t;
    const out: { level: number; shift: number; l1: number; l2: number }[] = [];
    const hasL2 = t.probeL2.length > 0;
    for (let level = 0; level <= 4; level++) {
      const shift = 12 + 9 * level;
      const p1 = t.placeL1D.get(shift);
      if (p1 === undefined || p1.shift !== shift || !doneInWasm(t.arrays[p1.arr]!)) continue;
      const p2 = t.placeL2.get(shift);
      if (hasL2 && (p2 === undefined || p2.shift !== shift || !doneInWasm(t.arrays[p2.arr]!))) continue;
      out.push({ level, shift, l1: p1.arr, l2: hasL2 ? p2!.arr : -1 });
    }
    return out;
  }

  /** The walk's locals of f (made once per function). */
  private walkLocals(f: FuncBuilder): Record<string, number> {
    return this.localsOnce(f, "walk", {
      levels: I32,
      lvl: I32,
      tbl: I64,
      glob: I32,
      refs: I32,
      plo: I32,
      phi: I32,
      poff: I32,
      ppn: I64,
      bits: I64,
      mask: I64,
      shift: I32,
      at: I32,
      pa: I64,
      ptag: I64,
      pi: I32,
      pend: I32,
      pv: I32,
      stampF: F64,
      upd: I32,
    });
  }

  private readonly localSets = new Map<FuncBuilder, Map<string, Record<string, number>>>();
  /** The locals named in `spec` (name: type) of group `group` of f, made the first time. */
  private localsOnce<K extends string>(
    f: FuncBuilder,
    group: string,
    spec: Record<K, ValType>,
  ): Record<K, number> {
    let groups = this.localSets.get(f);
    if (groups === undefined) {
      groups = new Map();
      this.localSets.set(f, groups);
    }
    let l = groups.get(group);
    if (l === undefined) {
      l = {};
      for (const [name, type] of Object.entries(spec) as [K, ValType][])
        l[name] = f.local(type, `${group}_${name}`);
      groups.set(group, l);
    }
    return l as Record<K, number>;
  }

  /** Per page-walk cache: the way its lookup hit (-1: a miss), and the pointer the descent
   *  read at its level (to fill it with: ppn, global; fill = 1 when read). */
  private pwcLocals(f: FuncBuilder, level: number): PwcLocals {
    return {
      hit: f.local(I32, `pwc${level}_hit`),
      fill: f.local(I32, `pwc${level}_fill`),
      fppn: f.local(I64, `pwc${level}_ppn`),
      fglob: f.local(I32, `pwc${level}_glob`),
    };
  }

  /** PageWalkCache.lookup without its changes: each cache of a level below the mode's top
   *  probed (hit: the way), the deepest hit's table and G the walk's start. */
  private emitPwcLookup(
    f: FuncBuilder,
    pwc: readonly PwcWasmArray[],
    P: PwcLocals[],
    W: Record<string, number>,
    L: Record<string, number>,
  ): void {
    pwc.forEach((a, i) => {
      const p = P[i]!;
      f.i32Const(-1).localSet(p.hit);
      f.i32Const(0).localSet(p.fill);
      f.i32Const(a.level).localGet(W.levels!).op(Op.i32_lt_s).if();
      this.pwcSet(f, a, W, L);
      const done = f.block();
      const top = f.loop();
      f.localGet(W.pi!).localGet(W.pend!).op(Op.i32_ge_u).brIf(done);
      // valid, the tag, and global or the ASID's
      f.localGet(W.pi!).load(Op.i32_load8_u, a.valid);
      f.localGet(W.pi!).i32Const(3).op(Op.i32_shl).load(Op.f64_load, a.tag);
      f.localGet(W.ptag!).op(Op.f64_convert_i64_u).op(Op.f64_eq).op(Op.i32_and);
      f.localGet(W.pi!).load(Op.i32_load8_u, a.global);
      f.localGet(W.pi!).i32Const(2).op(Op.i32_shl).load(Op.i32_load, a.asid).localGet(L.asid!).op(Op.i32_eq);
      f.op(Op.i32_or).op(Op.i32_and).if();
      f.localGet(W.pi!).localSet(p.hit);
      f.br(done);
      f.end();
      f.localGet(W.pi!).i32Const(1).op(Op.i32_add).localSet(W.pi!);
      f.br(top);
      f.end();
      f.end();
      f.end();
    });
    // the deepest (lowest level) hit: resume below it
    const chosen = f.block();
    pwc.forEach((a, i) => {
      const p = P[i]!;
      f.localGet(p.hit).i32Const(0).op(Op.i32_ge_s).if();
      f.i32Const(a.level - 1).localSet(W.lvl!);
      f.localGet(p.hit)
        .i32Const(3)
        .op(Op.i32_shl)
        .load(Op.f64_load, a.ppn)
        .op(Op.i64_trunc_f64_u)
        .localSet(W.tbl!);
      f.localGet(p.hit).load(Op.i32_load8_u, a.global).localSet(W.glob!);
      f.br(chosen);
      f.end();
    });
    f.end();
  }

  /** The set of cache `a` that vpn indexes (PageWalkCache.find, fill): ptag = the VA bits above
   *  its level, pi = the set's first way, pend = past its last. */
  private pwcSet(
    f: FuncBuilder,
    a: PwcWasmArray,
    W: Record<string, number>,
    L: Record<string, number>,
  ): void {
    f.localGet(L.vpn!)
      .i64Const(9 * a.level, 0)
      .op(Op.i64_shr_u)
      .localTee(W.ptag!);
    f.i64Const(a.sets, 0)
      .op(Op.i64_rem_u)
      .op(Op.i32_wrap_i64)
      .i32Const(a.ways)
      .op(Op.i32_mul)
      .localTee(W.pi!);
    f.i32Const(a.ways).op(Op.i32_add).localSet(W.pend!);
  }

  /** Walker.descend from (lvl, tbl, glob) to a leaf without changes: every PTE in RAM, a
   *  pointer or a leaf as pteStop says (a fault, a Svnapot leaf: JS); leaves the leaf's words
   *  in plo and phi, its level in lvl, its PPN in ppn, G in glob, the PTEs read in refs, and
   *  each cache's pointer to fill. */
  private emitDescend(
    f: FuncBuilder,
    pwc: readonly PwcWasmArray[],
    P: PwcLocals[],
    W: Record<string, number>,
    L: Record<string, number>,
  ): void {
    const fail = (): void => {
      f.i32Const(-1).return();
    };
    const leaf = f.block();
    const top = f.loop();
    // the PTE's address: tbl * 4096 + index * 8, within RAM
    f.localGet(W.tbl!).i64Const(12, 0).op(Op.i64_shl);
    f.localGet(L.vpn!).localGet(W.lvl!).i32Const(9).op(Op.i32_mul).op(Op.i64_extend_i32_u).op(Op.i64_shr_u);
    f.i64Const(511, 0).op(Op.i64_and).i64Const(3, 0).op(Op.i64_shl).op(Op.i64_add);
    f.i64ConstBig(BigInt(RAM_BASE)).op(Op.i64_sub).localTee(W.pa!);
    f.i64ConstBig(BigInt(this.lay.ramBytes - 8))
      .op(Op.i64_gt_u)
      .if(); // below RAM wraps to a large u64
    fail();
    f.end();
    f.localGet(W.pa!).op(Op.i32_wrap_i64).localTee(W.poff!).load(Op.i32_load, 0).localSet(W.plo!);
    f.localGet(W.poff!).load(Op.i32_load, 4).localSet(W.phi!);
    f.localGet(W.refs!).i32Const(1).op(Op.i32_add).localSet(W.refs!);
    // not valid, W without R, reserved or PBMT bits: a fault
    f.localGet(W.plo!).i32Const(PTE_V).op(Op.i32_and).op(Op.i32_eqz);
    f.localGet(W.plo!)
      .i32Const(PTE_R | PTE_W)
      .op(Op.i32_and)
      .i32Const(PTE_W)
      .op(Op.i32_eq)
      .op(Op.i32_or);
    f.localGet(W.phi!)
      .i32Const(PTE_HI_RESERVED | PTE_HI_PBMT)
      .op(Op.i32_and)
      .op(Op.i32_or)
      .if();
    fail();
    f.end();
    f.localGet(W.phi!).op(Op.i64_extend_i32_u).i64Const(32, 0).op(Op.i64_shl);
    f.localGet(W.plo!).op(Op.i64_extend_i32_u).op(Op.i64_or).i64Const(10, 0).op(Op.i64_shr_u);
    f.i64ConstBig((1n << 44n) - 1n)
      .op(Op.i64_and)
      .localSet(W.ppn!);
    // a leaf (R or X): not Svnapot
    f.localGet(W.plo!)
      .i32Const(PTE_R | PTE_X)
      .op(Op.i32_and)
      .if();
    f.localGet(W.phi!).i32Const(PTE_HI_N).op(Op.i32_and).if();
    fail();
    f.end();
    f.br(leaf);
    f.end();
    // a pointer: D, A, U, N clear, not at level 0
    f.localGet(W.plo!)
      .i32Const(PTE_D | PTE_A | PTE_U)
      .op(Op.i32_and);
    f.localGet(W.phi!).i32Const(PTE_HI_N).op(Op.i32_and).op(Op.i32_or);
    f.localGet(W.lvl!).op(Op.i32_eqz).op(Op.i32_or).if();
    fail();
    f.end();
    f.localGet(W.glob!)
      .localGet(W.plo!)
      .i32Const(5)
      .op(Op.i32_shr_u)
      .i32Const(1)
      .op(Op.i32_and)
      .op(Op.i32_or);
    f.localSet(W.glob!);
    f.localGet(W.ppn!).localSet(W.tbl!);
    pwc.forEach((a, i) => {
      const p = P[i]!;
      f.localGet(W.lvl!).i32Const(a.level).op(Op.i32_eq).if();
      f.i32Const(1).localSet(p.fill);
      f.localGet(W.ppn!).localSet(p.fppn);
      f.localGet(W.glob!).localSet(p.fglob);
      f.end();
    });
    f.localGet(W.lvl!).i32Const(1).op(Op.i32_sub).localSet(W.lvl!);
    f.br(top);
    f.end();
    f.end();
  }

  /** The counting of a walk that fills: the clock, the L1's (and L2's) access and miss, the
   *  page-walk caches' hits, misses, stamps and fills (PageWalkCache.lookup and fill), the
   *  walker's counters and the model's walk counts (Walker.walk, TlbModel.recordWalk). */
  private emitWalkCounts(
    f: FuncBuilder,
    k: 0 | 1,
    wl: WalkerWasmLayout,
    pwc: readonly PwcWasmArray[],
    P: PwcLocals[],
    W: Record<string, number>,
    L: Record<string, number>,
  ): void {
    const t = this.t;
    this.setClock(f, L.now!);
    this.count(f, TLB_N.KC + (1 * 3 + k) * 3);
    this.count(f, TLB_N.KC + (1 * 3 + k) * 3 + 2);
    if (t.probeL2.length > 0) {
      this.count(f, TLB_N.KC + (2 * 3 + k) * 3);
      this.count(f, TLB_N.KC + (2 * 3 + k) * 3 + 2);
    }
    const clock = wl.pwc?.clock ?? 0;
    const tick = (): void => {
      // clock = clock + 1, left on the stack
      f.i32Const(0).i32Const(0).load(Op.f64_load, clock).f64Const(1).op(Op.f64_add);
      f.localTee(W.stampF!).store(Op.f64_store, clock);
      f.localGet(W.stampF!);
    };
    const add = (at: number, v: () => void): void => {
      f.i32Const(0).i32Const(0).load(Op.f64_load, at);
      v();
      f.op(Op.f64_add).store(Op.f64_store, at);
    };
    const one = (): void => {
      f.f64Const(1);
    };
    pwc.forEach((a, i) => {
      const p = P[i]!;
      f.i32Const(a.level).localGet(W.levels!).op(Op.i32_lt_s).if();
      f.localGet(p.hit).i32Const(0).op(Op.i32_ge_s).if();
      add(a.hits, one);
      f.localGet(p.hit).i32Const(3).op(Op.i32_shl);
      tick();
      f.store(Op.f64_store, a.stamp);
      f.else();
      add(a.misses, one);
      f.end();
      f.end();
    });
    // the descent's fills, top level first (the caches it read a pointer at all missed)
    for (let i = pwc.length - 1; i >= 0; i--) this.emitPwcFill(f, pwc[i]!, P[i]!, W, L, tick);
    const n = wl.counts;
    const refs = (): void => {
      f.localGet(W.refs!).op(Op.f64_convert_i32_u);
    };
    add(n + 8 * WALK_N.WALKS, one);
    add(n + 8 * WALK_N.REFS, refs);
    f.localGet(W.shift!).i32Const(3).op(Op.i32_shl).localTee(W.pi!);
    f.localGet(W.pi!)
      .load(Op.f64_load, n + 8 * WALK_N.BY_SIZE)
      .f64Const(1)
      .op(Op.f64_add);
    f.store(Op.f64_store, n + 8 * WALK_N.BY_SIZE);
    f.localGet(W.at!)
      .localGet(W.at!)
      .load(Op.f64_load, t.nums + 8 * TLB_N.WALKS)
      .f64Const(1)
      .op(Op.f64_add);
    f.store(Op.f64_store, t.nums + 8 * TLB_N.WALKS);
    add(t.nums + 8 * (TLB_N.WALK_REFS + k), refs);
  }

  /** PageWalkCache.fill of cache `a` with the pointer the descent read at its level, if it
   *  read one: the set's first invalid way, else its least recently used. */
  private emitPwcFill(
    f: FuncBuilder,
    a: PwcWasmArray,
    p: PwcLocals,
    W: Record<string, number>,
    L: Record<string, number>,
    tick: () => void,
  ): void {
    f.localGet(p.fill).if();
    this.pwcSet(f, a, W, L);
    f.localGet(W.pi!).localSet(W.pv!);
    const got = f.block();
    const top = f.loop();
    f.localGet(W.pi!).localGet(W.pend!).op(Op.i32_ge_u).brIf(got);
    f.localGet(W.pi!).load(Op.i32_load8_u, a.valid).op(Op.i32_eqz).if();
    f.localGet(W.pi!).localSet(W.pv!);
    f.br(got);
    f.end();
    f.localGet(W.pi!).i32Const(3).op(Op.i32_shl).load(Op.f64_load, a.stamp);
    f.localGet(W.pv!).i32Const(3).op(Op.i32_shl).load(Op.f64_load, a.stamp).op(Op.f64_lt).if();
    f.localGet(W.pi!).localSet(W.pv!);
    f.end();
    f.localGet(W.pi!).i32Const(1).op(Op.i32_add).localSet(W.pi!);
    f.br(top);
    f.end();
    f.end();
    f.localGet(W.pv!)
      .i32Const(3)
      .op(Op.i32_shl)
      .localGet(W.ptag!)
      .op(Op.f64_convert_i64_u)
      .store(Op.f64_store, a.tag);
    f.localGet(W.pv!).i32Const(2).op(Op.i32_shl).localGet(L.asid!).store(Op.i32_store, a.asid);
    f.localGet(W.pv!).localGet(p.fglob).store(Op.i32_store8, a.global);
    f.localGet(W.pv!)
      .i32Const(3)
      .op(Op.i32_shl)
      .localGet(p.fppn)
      .op(Op.f64_convert_i64_u)
      .store(Op.f64_store, a.ppn);
    f.localGet(W.pv!).i32Const(1).store(Op.i32_store8, a.valid);
    f.localGet(W.pv!).i32Const(3).op(Op.i32_shl);
    tick();
    f.store(Op.f64_store, a.stamp);
    f.end();
  }

  /** TlbModel.insert of the walked leaf (level lvl, PPN ppn, flags perm, G glob) into array
   *  `arr`, which holds its size `shift` whole; leaves the slot in s. */
  private emitEnterLeaf(
    f: FuncBuilder,
    k: 0 | 1,
    arr: number,
    shift: number,
    W: Record<string, number>,
    L: Record<string, number>,
  ): void {
    const t = this.t;
    this.emitPlace(f, k, arr, shift, L);
    const set = (field: number, v: () => void): void => {
      f.localGet(L.rv!);
      v();
      f.store(Op.f64_store, t.rec + 8 * field);
    };
    set(TLB_R.SHIFT, () => f.f64Const(shift));
    set(TLB_R.LEAF_VPN, () => this.pieceVpn(f, shift, L));
    set(TLB_R.LEAF_SHIFT, () => f.f64Const(shift));
    set(TLB_R.PPN, () => f.localGet(W.ppn!).op(Op.f64_convert_i64_u));
    set(TLB_R.ASID, () => f.localGet(L.asid!).op(Op.f64_convert_i32_u));
    f.localGet(L.v!).i32Const(2).op(Op.i32_shl);
    f.i32Const(-1).localGet(L.asid!).localGet(L.perm!).i32Const(PTE_G).op(Op.i32_and).select();
    f.store(Op.i32_store, t.asidTag);
    set(TLB_R.PERM, () => f.localGet(L.perm!).op(Op.f64_convert_i32_u));
    set(TLB_R.LEVEL, () => f.localGet(W.lvl!).op(Op.f64_convert_i32_u));
    this.emitFilled(f, k, arr, L);
  }

  /** A probe of `list` (TlbModel.probe): branch to `found` with the slot in `out`, or fall
   *  through. */
  private emitProbe(
    f: FuncBuilder,
    list: readonly TlbWasmProbe[],
    vpn: number,
    asid: number,
    out: number,
    found: Label,
    idx: number,
    first: number,
    i: number,
  ): void {
    const t = this.t;
    for (const p of list) {
      f.i32Const(0)
        .load(Op.i32_load, t.ints + 4 * (TLB_I.OCC + p.arr * 64 + p.shift))
        .if();
      f.localGet(vpn).i64Const(p.pagesLog, 0).op(Op.i64_shr_u).localSet(idx);
      this.setFirst(f, p, idx, first);
      // want = idx * pages * 64 + shift, as an f64 (exact: below 2^51)
      f.localGet(first).localSet(out);
      f.localGet(first).i32Const(p.ways).op(Op.i32_add).localSet(i); // end
      const done = f.block();
      const top = f.loop();
      f.localGet(out).localGet(i).op(Op.i32_ge_u).brIf(done);
      f.localGet(out).i32Const(3).op(Op.i32_shl).load(Op.f64_load, t.key);
      f.localGet(idx)
        .i64Const(p.pagesLog + 6, 0)
        .op(Op.i64_shl)
        .i64Const(p.shift, 0)
        .op(Op.i64_or);
      f.op(Op.f64_convert_i64_u).op(Op.f64_eq).if();
      // a global entry (tag -1) or the ASID's
      f.localGet(out).i32Const(2).op(Op.i32_shl).load(Op.i32_load, t.asidTag).localTee(first);
      f.i32Const(0).op(Op.i32_lt_s).localGet(first).localGet(asid).op(Op.i32_eq).op(Op.i32_or).brIf(found);
      f.end();
      f.localGet(out).i32Const(1).op(Op.i32_add).localSet(out);
      f.br(top);
      f.end();
      f.end();
      f.end();
    }
  }

  /** first = base + set * ways, the set of page-size index `idx` in probe entry `p`. */
  private setFirst(
    f: FuncBuilder,
    p: Pick<TlbWasmProbe, "setMask" | "sets" | "base" | "ways">,
    idx: number,
    first: number,
  ): void {
    if (p.setMask >= 0) f.localGet(idx).op(Op.i32_wrap_i64).i32Const(p.setMask).op(Op.i32_and);
    else f.localGet(idx).i64Const(p.sets, 0).op(Op.i64_rem_u).op(Op.i32_wrap_i64);
    f.i32Const(p.ways).op(Op.i32_mul).i32Const(p.base).op(Op.i32_add).localSet(first);
  }

  /** Does slot `s` serve kind k as a plain hit, at a RAM address (a store: in a page without
   *  flags)? Else fail. Leaves perm and off. */
  private emitCheck(f: FuncBuilder, k: 0 | 1, s: number, L: Record<string, number>): void {
    const t = this.t;
    const lay = this.lay;
    const rec = (field: number): void => {
      f.localGet(s)
        .i32Const(8 * TLB_REC)
        .op(Op.i32_mul)
        .load(Op.f64_load, t.rec + 8 * field);
    };
    rec(TLB_R.PERM);
    f.op(Op.i32_trunc_f64_s).i32Const(255).op(Op.i32_and).localTee(L.perm!);
    f.load(Op.i32_load8_u, this.h.ok.byteOffset + 256 * k)
      .op(Op.i32_eqz)
      .if();
    f.i32Const(-1).return();
    f.end();
    // pa = (ppn + (vpn - vpn of the entry)) * 4096 + page offset (TlbModel.ppnOf)
    rec(TLB_R.PPN);
    f.localGet(L.vpnF!);
    rec(TLB_R.VPN);
    f.op(Op.f64_sub).op(Op.f64_add).f64Const(4096).op(Op.f64_mul);
    f.localGet(0).i32Const(4095).op(Op.i32_and).op(Op.f64_convert_i32_u).op(Op.f64_add);
    f.f64Const(RAM_BASE).op(Op.f64_sub).localTee(L.pa!);
    // in RAM: 0 <= off and off + width <= RAM's size (PhysMem.ramOffset)
    f.f64Const(0).op(Op.f64_ge);
    f.localGet(L.pa!)
      .localGet(3)
      .op(Op.f64_convert_i32_u)
      .op(Op.f64_add)
      .f64Const(lay.ramBytes)
      .op(Op.f64_le);
    f.op(Op.i32_and).op(Op.i32_eqz).if();
    f.i32Const(-1).return();
    f.end();
    f.localGet(L.pa!).op(Op.i32_trunc_f64_u).localSet(L.off!);
    if (k === 1) {
      f.localGet(L.off!).i32Const(12).op(Op.i32_shr_u).load(Op.i32_load8_u, lay.pageFlags).if();
      f.i32Const(-1).return();
      f.end();
    }
  }

  /** nums[at]++. */
  private count(f: FuncBuilder, at: number): void {
    const nums = this.t.nums;
    f.i32Const(0)
      .i32Const(0)
      .load(Op.f64_load, nums + 8 * at)
      .f64Const(1)
      .op(Op.f64_add);
    f.store(Op.f64_store, nums + 8 * at);
  }

  /** The slow path's hit of slot s for kind k: nums[HITS + slotArr[s] * 3 + k]++. */
  private countHit(f: FuncBuilder, k: number, s: number): void {
    const t = this.t;
    f.localGet(s).i32Const(1).op(Op.i32_shl).load(Op.i32_load16_u, t.slotArr).i32Const(24).op(Op.i32_mul);
    const at = t.nums + 8 * (TLB_N.HITS + k);
    f.localTee(this.scratch(f)).localGet(this.scratch(f)).load(Op.f64_load, at).f64Const(1).op(Op.f64_add);
    f.store(Op.f64_store, at);
  }

  private scratchLocal = new Map<FuncBuilder, number>();
  private scratch(f: FuncBuilder): number {
    let l = this.scratchLocal.get(f);
    if (l === undefined) {
      l = f.local(I32, "scratch");
      this.scratchLocal.set(f, l);
    }
    return l;
  }

  private setClock(f: FuncBuilder, now: number): void {
    f.i32Const(0)
      .localGet(now)
      .store(Op.f64_store, this.t.nums + 8 * TLB_N.CLOCK);
  }

  /** The L2 hit in s2 copied into L1 array `arr` for a leaf of `shift` (TlbModel.lookup's L2
   *  branch, copyIn, place, victim, drop, enter, filled); leaves the L1 slot in s. */
  private emitCopyIn(f: FuncBuilder, k: 0 | 1, arr: number, shift: number, L: Record<string, number>): void {
    const t = this.t;
    // nothing that needs JS: pieces in the array (the victim might be one), a trace hook
    f.i32Const(0).load(Op.i32_load, t.ints + 4 * (TLB_I.PIECES + arr));
    f.i32Const(0)
      .load(Op.i32_load, t.ints + 4 * TLB_I.EVENTS)
      .op(Op.i32_or)
      .if();
    f.i32Const(-1).return();
    f.end();
    // commit: the clock, the counters (an L1 miss, an L2 hit), the L2 slot's hit and stamp
    this.setClock(f, L.now!);
    this.count(f, TLB_N.KC + (1 * 3 + k) * 3);
    this.count(f, TLB_N.KC + (1 * 3 + k) * 3 + 2);
    this.count(f, TLB_N.KC + (2 * 3 + k) * 3);
    this.count(f, TLB_N.KC + (2 * 3 + k) * 3 + 1);
    this.countHit(f, k, L.s2!);
    f.localGet(L.s2!).i32Const(3).op(Op.i32_shl).localGet(L.now!).store(Op.f64_store, t.stamp);
    this.emitPlace(f, k, arr, shift, L);
    // enter: the record from the L2's (ppn = its ppn - (its vpn - leaf vpn) + (vpn - leaf vpn))
    const copy = (field: number): void => {
      f.localGet(L.rv!)
        .localGet(L.r2!)
        .load(Op.f64_load, t.rec + 8 * field)
        .store(Op.f64_store, t.rec + 8 * field);
    };
    f.localGet(L.rv!)
      .f64Const(shift)
      .store(Op.f64_store, t.rec + 8 * TLB_R.SHIFT);
    copy(TLB_R.LEAF_VPN);
    copy(TLB_R.LEAF_SHIFT);
    f.localGet(L.rv!);
    f.localGet(L.r2!).load(Op.f64_load, t.rec + 8 * TLB_R.PPN);
    f.localGet(L.r2!).load(Op.f64_load, t.rec + 8 * TLB_R.VPN);
    f.localGet(L.r2!)
      .load(Op.f64_load, t.rec + 8 * TLB_R.LEAF_VPN)
      .op(Op.f64_sub)
      .op(Op.f64_sub);
    this.pieceVpn(f, shift, L);
    f.localGet(L.r2!)
      .load(Op.f64_load, t.rec + 8 * TLB_R.LEAF_VPN)
      .op(Op.f64_sub)
      .op(Op.f64_add);
    f.store(Op.f64_store, t.rec + 8 * TLB_R.PPN);
    copy(TLB_R.ASID);
    f.localGet(L.v!).i32Const(2).op(Op.i32_shl);
    f.localGet(L.s2!).i32Const(2).op(Op.i32_shl).load(Op.i32_load, t.asidTag).store(Op.i32_store, t.asidTag);
    copy(TLB_R.PERM);
    copy(TLB_R.LEVEL);
    this.emitFilled(f, k, arr, L);
  }

  /** The first page of the piece for vpn of size `shift` (idx << pagesLog), as an f64. */
  private pieceVpn(f: FuncBuilder, shift: number, L: Record<string, number>): void {
    f.localGet(L.idx!)
      .i64Const(shift - 12, 0)
      .op(Op.i64_shl)
      .op(Op.f64_convert_i64_u);
  }

  /** TlbModel.place for array `arr` and pieces of `shift` (the array holds no pieces): the
   *  victim v of vpn's set (evicted, as drop() does, if it holds an entry), its key, first page
   *  and the occupancy; leaves idx, first, v and rv (v's record offset). */
  private emitPlace(f: FuncBuilder, k: 0 | 1, arr: number, shift: number, L: Record<string, number>): void {
    const t = this.t;
    const a = t.arrays[arr]!;
    const pagesLog = shift - 12;
    f.localGet(L.vpn!).i64Const(pagesLog, 0).op(Op.i64_shr_u).localSet(L.idx!);
    this.setFirst(f, a, L.idx!, L.first!);
    this.emitVictim(f, arr, L);
    // evict it if it holds an entry
    f.localGet(L.v!)
      .i32Const(8 * TLB_REC)
      .op(Op.i32_mul)
      .localSet(L.rv!);
    f.localGet(L.v!)
      .i32Const(3)
      .op(Op.i32_shl)
      .load(Op.f64_load, t.key)
      .f64Const(TLB_NO_KEY)
      .op(Op.f64_ne)
      .if();
    this.count(f, TLB_N.EVICTIONS + arr * 3 + k);
    f.localGet(L.v!).i32Const(3).op(Op.i32_shl).f64Const(TLB_NO_KEY).store(Op.f64_store, t.key);
    f.localGet(L.rv!)
      .load(Op.f64_load, t.rec + 8 * TLB_R.SHIFT)
      .op(Op.i32_trunc_f64_s)
      .i32Const(2)
      .op(Op.i32_shl);
    f.localTee(L.tmp!)
      .localGet(L.tmp!)
      .load(Op.i32_load, t.ints + 4 * (TLB_I.OCC + arr * 64));
    f.i32Const(1)
      .op(Op.i32_sub)
      .store(Op.i32_store, t.ints + 4 * (TLB_I.OCC + arr * 64));
    f.localGet(L.v!).i32Const(2).op(Op.i32_shl).localTee(L.tmp!).localGet(L.tmp!).load(Op.i32_load, t.gen);
    f.i32Const(1).op(Op.i32_add).store(Op.i32_store, t.gen);
    f.localGet(L.v!).call(this.hostDrop);
    f.end();
    // place: key, first page, occupancy
    f.localGet(L.v!).i32Const(3).op(Op.i32_shl);
    f.localGet(L.idx!)
      .i64Const(pagesLog + 6, 0)
      .op(Op.i64_shl)
      .i64Const(shift, 0)
      .op(Op.i64_or)
      .op(Op.f64_convert_i64_u);
    f.store(Op.f64_store, t.key);
    f.localGet(L.rv!);
    this.pieceVpn(f, shift, L);
    f.store(Op.f64_store, t.rec + 8 * TLB_R.VPN);
    const occ = t.ints + 4 * (TLB_I.OCC + arr * 64 + shift);
    f.i32Const(0).i32Const(0).load(Op.i32_load, occ).i32Const(1).op(Op.i32_add).store(Op.i32_store, occ);
  }

  /** TlbModel.filled for slot v of array `arr`: fill time, stamp, the fill counted; s = v. */
  private emitFilled(f: FuncBuilder, k: 0 | 1, arr: number, L: Record<string, number>): void {
    const t = this.t;
    f.localGet(L.v!).i32Const(3).op(Op.i32_shl).localGet(L.now!).store(Op.f64_store, t.inserted);
    f.localGet(L.v!).i32Const(3).op(Op.i32_shl).localGet(L.now!).store(Op.f64_store, t.stamp);
    this.count(f, TLB_N.FILLS + arr * 3 + k);
    f.localGet(L.v!).localSet(L.s!);
  }

  /** v = the victim in the set at `first` of array `arr` (TlbModel.victim): its first invalid
   *  way, else by the array's policy. */
  private emitVictim(f: FuncBuilder, arr: number, L: Record<string, number>): void {
    const t = this.t;
    const a = t.arrays[arr]!;
    const got = f.block();
    // an invalid way
    f.localGet(L.first!).localSet(L.v!);
    const none = f.block();
    const top = f.loop();
    f.localGet(L.v!).localGet(L.first!).i32Const(a.ways).op(Op.i32_add).op(Op.i32_ge_u).brIf(none);
    f.localGet(L.v!)
      .i32Const(3)
      .op(Op.i32_shl)
      .load(Op.f64_load, t.key)
      .f64Const(TLB_NO_KEY)
      .op(Op.f64_eq)
      .brIf(got);
    f.localGet(L.v!).i32Const(1).op(Op.i32_add).localSet(L.v!);
    f.br(top);
    f.end();
    f.end();
    if (a.repl === "lru" || a.repl === "fifo" || a.ways === 1) {
      // the oldest stamp (LRU) or fill time (FIFO), the first on a tie
      const times = a.repl === "fifo" ? t.inserted : t.stamp;
      f.localGet(L.first!).localSet(L.v!);
      f.localGet(L.first!).i32Const(1).op(Op.i32_add).localSet(L.i!);
      const end = f.block();
      const loop = f.loop();
      f.localGet(L.i!).localGet(L.first!).i32Const(a.ways).op(Op.i32_add).op(Op.i32_ge_u).brIf(end);
      f.localGet(L.i!).i32Const(3).op(Op.i32_shl).load(Op.f64_load, times);
      f.localGet(L.v!).i32Const(3).op(Op.i32_shl).load(Op.f64_load, times).op(Op.f64_lt).if();
      f.localGet(L.i!).localSet(L.v!);
      f.end();
      f.localGet(L.i!).i32Const(1).op(Op.i32_add).localSet(L.i!);
      f.br(loop);
      f.end();
      f.end();
    } else {
      if (a.ways === 4) this.emitPlru4(f, arr, L);
      else this.emitPlruTree(f, arr, L);
    }
    f.end();
  }

  /** TlbModel.plruVictim for any power-of-two ways (2 to PLRU_MAX_WAYS), unrolled: each way used
   *  since the set's sync time points the nodes on its path away from it where its use is the
   *  latest under the node (a later way wins a tie); sync = now; then v = the leaf the bits lead
   *  to. The latest use under each node is kept in a local of its own. */
  private emitPlruTree(f: FuncBuilder, arr: number, L: Record<string, number>): void {
    const t = this.t;
    const a = t.arrays[arr]!;
    const ways = a.ways;
    const depth = Math.log2(ways);
    const set = L.tmp!;
    f.localGet(L.first!).i32Const(a.base).op(Op.i32_sub).i32Const(depth).op(Op.i32_shr_u).localSet(set);
    const fl = this.plruLocals(f);
    const best = this.localsOnce(
      f,
      `plru${ways}`,
      Object.fromEntries(Array.from({ length: ways - 1 }, (_, i) => [`n${i}`, F64])) as Record<
        string,
        ValType
      >,
    );
    f.localGet(set).i32Const(3).op(Op.i32_shl).load(Op.f64_load, a.plruSync).localSet(fl.sync);
    f.localGet(set).i32Const(3).op(Op.i32_shl).localGet(L.now!).store(Op.f64_store, a.plruSync);
    f.localGet(set)
      .i32Const(ways - 1)
      .op(Op.i32_mul)
      .localSet(fl.tree);
    for (let i = 0; i < ways - 1; i++) f.f64Const(Number.NEGATIVE_INFINITY).localSet(best[`n${i}`]!);
    for (let w = 0; w < ways; w++) {
      f.localGet(L.first!).i32Const(w).op(Op.i32_add).i32Const(3).op(Op.i32_shl).load(Op.f64_load, t.stamp);
      f.localTee(fl.lo).localGet(fl.sync).op(Op.f64_ge).if();
      let node = 0;
      let lo = 0;
      let span = ways;
      while (span > 1) {
        span >>= 1;
        const inRight = w >= lo + span;
        const b = best[`n${node}`]!;
        f.localGet(fl.lo).localGet(b).op(Op.f64_ge).if();
        f.localGet(fl.lo).localSet(b);
        f.localGet(fl.tree)
          .i32Const(inRight ? 0 : 1)
          .store(Op.i32_store8, a.plru + node);
        f.end();
        if (inRight) lo += span;
        node = 2 * node + (inRight ? 2 : 1);
      }
      f.end();
    }
    // follow the bits: node = 2 * node + 1 + bit, v += bit * span
    f.i32Const(0).localSet(L.i!); // node
    f.localGet(L.first!).localSet(L.v!);
    for (let span = ways >> 1; span >= 1; span >>= 1) {
      f.localGet(fl.tree).localGet(L.i!).op(Op.i32_add).load(Op.i32_load8_u, a.plru).localSet(fl.bit);
      f.localGet(L.v!).localGet(fl.bit).i32Const(span).op(Op.i32_mul).op(Op.i32_add).localSet(L.v!);
      f.localGet(L.i!).i32Const(1).op(Op.i32_shl).i32Const(1).op(Op.i32_add).localGet(fl.bit).op(Op.i32_add);
      f.localSet(L.i!);
    }
  }

  /** TlbModel.plruVictim for 4 ways (plru4 and pointPair): bring the set's tree up to date from
   *  the stamps since its sync time, sync it to now, follow it to the victim v. */
  private emitPlru4(f: FuncBuilder, arr: number, L: Record<string, number>): void {
    const t = this.t;
    const a = t.arrays[arr]!;
    // set = (first - base) / 4; tree bytes at plru + set * 3; sync at plruSync + set * 8
    const set = L.tmp!;
    f.localGet(L.first!).i32Const(a.base).op(Op.i32_sub).i32Const(2).op(Op.i32_shr_u).localSet(set);
    const fl = this.plruLocals(f);
    f.localGet(set).i32Const(3).op(Op.i32_shl).load(Op.f64_load, a.plruSync).localSet(fl.sync);
    f.localGet(set).i32Const(3).op(Op.i32_shl).localGet(L.now!).store(Op.f64_store, a.plruSync);
    f.localGet(set).i32Const(3).op(Op.i32_mul).localSet(fl.tree);
    const stampOf = (w: number): void => {
      f.localGet(L.first!).i32Const(w).op(Op.i32_add).i32Const(3).op(Op.i32_shl).load(Op.f64_load, t.stamp);
    };
    // left = pointPair(tree + 1, stamp[0], stamp[1]); right = pointPair(tree + 2, stamp[2], stamp[3])
    stampOf(0);
    f.localSet(fl.lo);
    stampOf(1);
    f.localSet(fl.hi);
    this.emitPointPair(f, a.plru + 1, fl, fl.left);
    stampOf(2);
    f.localSet(fl.lo);
    stampOf(3);
    f.localSet(fl.hi);
    this.emitPointPair(f, a.plru + 2, fl, fl.right);
    // root: if right != -inf && right >= left: 0; else if left != -inf: 1
    f.localGet(fl.right).f64Const(Number.NEGATIVE_INFINITY).op(Op.f64_ne);
    f.localGet(fl.right).localGet(fl.left).op(Op.f64_ge).op(Op.i32_and).if();
    f.localGet(fl.tree).i32Const(0).store(Op.i32_store8, a.plru);
    f.else();
    f.localGet(fl.left).f64Const(Number.NEGATIVE_INFINITY).op(Op.f64_ne).if();
    f.localGet(fl.tree).i32Const(1).store(Op.i32_store8, a.plru);
    f.end();
    f.end();
    // v = first + (root ? 2 + bits[2] : bits[1])
    f.localGet(fl.tree).load(Op.i32_load8_u, a.plru).if(Block.i32);
    f.localGet(fl.tree)
      .load(Op.i32_load8_u, a.plru + 2)
      .i32Const(2)
      .op(Op.i32_add);
    f.else();
    f.localGet(fl.tree).load(Op.i32_load8_u, a.plru + 1);
    f.end();
    f.localGet(L.first!).op(Op.i32_add).localSet(L.v!);
  }

  private plruLocals(
    f: FuncBuilder,
  ): Record<"sync" | "lo" | "hi" | "left" | "right" | "tree" | "bit", number> {
    return this.localsOnce(f, "plru", {
      sync: F64,
      lo: F64,
      hi: F64,
      left: F64,
      right: F64,
      tree: I32,
      bit: I32,
    });
  }

  /** pointPair: node at byte tree + `at` over two ways last used at lo and hi: point it away
   *  from the later use since sync (the higher way on a tie); out = that use, or -inf. */
  private emitPointPair(
    f: FuncBuilder,
    at: number,
    fl: Record<"sync" | "lo" | "hi" | "tree", number>,
    out: number,
  ): void {
    // hi >= sync && (lo < sync || hi >= lo)
    f.localGet(fl.hi).localGet(fl.sync).op(Op.f64_ge);
    f.localGet(fl.lo)
      .localGet(fl.sync)
      .op(Op.f64_lt)
      .localGet(fl.hi)
      .localGet(fl.lo)
      .op(Op.f64_ge)
      .op(Op.i32_or);
    f.op(Op.i32_and).if();
    f.localGet(fl.tree).i32Const(0).store(Op.i32_store8, at);
    f.localGet(fl.hi).localSet(out);
    f.else();
    f.localGet(fl.lo).localGet(fl.sync).op(Op.f64_ge).if();
    f.localGet(fl.tree).i32Const(1).store(Op.i32_store8, at);
    f.localGet(fl.lo).localSet(out);
    f.else();
    f.f64Const(Number.NEGATIVE_INFINITY).localSet(out);
    f.end();
    f.end();
  }

  /** The host-TLB fills of Hart.hostFill for slot s (this kind's; the other data kind's where
   *  the slot serves it as a plain hit, and for a store-side fill, its page has no flags); then
   *  return off. */
  private emitAfter(f: FuncBuilder, k: 0 | 1, L: Record<string, number>): void {
    const page = (): void => {
      f.localGet(L.off!).i32Const(-4096).op(Op.i32_and);
    };
    f.i32Const(k).localGet(0).localGet(1);
    page();
    f.localGet(L.s!).call(this.hostFill);
    const other = 1 - k;
    f.localGet(L.perm!).load(Op.i32_load8_u, this.h.ok.byteOffset + 256 * other);
    if (other === 1) {
      f.localGet(L.off!)
        .i32Const(12)
        .op(Op.i32_shr_u)
        .load(Op.i32_load8_u, this.lay.pageFlags)
        .op(Op.i32_eqz);
      f.op(Op.i32_and);
    }
    f.if();
    f.i32Const(other).localGet(0).localGet(1);
    page();
    f.localGet(L.s!).call(this.hostFill);
    f.end();
    f.localGet(L.off!).return();
  }

  // ---- the exports ----

  /** load(lo, hi, pcLo, pcHi, n, kind): as the glue's load (the value in the jit words). */
  private emitLoad(jsLoad: number): void {
    const f = this.m.func(
      "load",
      [I32, I32, I32, I32, I32, I32],
      [I32],
      ["lo", "hi", "pcLo", "pcHi", "n", "kind"],
    );
    const off = f.local(I32, "off");
    const val = this.lay.jit + JIT_VALUE;
    f.localGet(0)
      .localGet(1)
      .localGet(4)
      .localGet(5)
      .i32Const(15)
      .op(Op.i32_and)
      .call(this.tr[0])
      .localTee(off);
    f.i32Const(-1).op(Op.i32_eq).if();
    for (let i = 0; i < 6; i++) f.localGet(i);
    f.call(jsLoad).return();
    f.end();
    const widths: [number, number, number, number][] = [
      // kind, op
      [1, Op.i64_load8_u, 17, Op.i64_load8_s],
      [2, Op.i64_load16_u, 18, Op.i64_load16_s],
      [4, Op.i64_load32_u, 20, Op.i64_load32_s],
      [8, Op.i64_load, 24, Op.i64_load],
    ];
    for (const [ku, opu, ks, ops] of widths) {
      for (const [kind, op] of [
        [ku, opu],
        [ks, ops],
      ] as const) {
        f.localGet(5).i32Const(kind).op(Op.i32_eq).if();
        f.i32Const(0)
          .localGet(off)
          .load(op as never, 0, 0)
          .store(Op.i64_store, val);
        f.i32Const(0).return();
        f.end();
      }
    }
    f.unreachable();
    f.finish();
    this.m.export("load", "func", f.index);
  }

  /** store(lo, hi, vlo, vhi, pcLo, pcHi, n, width): as the glue's store. */
  private emitStore(jsStore: number): void {
    const f = this.m.func(
      "store",
      [I32, I32, I32, I32, I32, I32, I32, I32],
      [I32],
      ["lo", "hi", "vlo", "vhi", "pcLo", "pcHi", "n", "width"],
    );
    const off = f.local(I32, "off");
    f.localGet(0).localGet(1).localGet(6).localGet(7).call(this.tr[1]).localTee(off);
    f.i32Const(-1).op(Op.i32_eq).if();
    for (let i = 0; i < 8; i++) f.localGet(i);
    f.call(jsStore).return();
    f.end();
    for (const [w, op] of [
      [1, Op.i32_store8],
      [2, Op.i32_store16],
      [4, Op.i32_store],
    ] as const) {
      f.localGet(7).i32Const(w).op(Op.i32_eq).if();
      f.localGet(off)
        .localGet(2)
        .store(op as never, 0);
      f.i32Const(0).return();
      f.end();
    }
    f.localGet(off).localGet(2).store(Op.i32_store, 0);
    f.localGet(off).localGet(3).store(Op.i32_store, 4);
    f.i32Const(0);
    f.finish();
    this.m.export("store", "func", f.index);
  }
}
