// The pointer chase that tlb-reach and walk-cost run: guest code generated with the assembler,
// run paged in S-mode on the bare machine (no kernel), over a working set mapped with 4 KiB,
// 2 MiB or 1 GiB leaves. The working set holds `slots` 8-byte pointers, one per `stride` bytes,
// linked in a random cyclic permutation (seeded), so each load's address comes from the previous
// load and every slot is visited once per lap in an order no prefetcher could guess.
//
// Only the pages that hold a slot are mapped (the walks are the same as with the whole range
// mapped: the same tables lie on every path). Physical memory is 1 GiB for the data: a virtual
// page at offset o of the working set maps to offset o mod 1 GiB of it, so working sets larger
// than RAM alias (the TLB only sees virtual pages). Slots are shifted by 8 bytes per GiB so that
// aliased slots never share a word. The stride grows beyond 4 KiB only when the working set
// would need more than `maxSlots` slots, which keeps host memory (one host page per slot) and
// the set-up time bounded.

import { AsmBuilder } from "../asm/index.js";
import { CSR, Machine, type Paging, PRIV_S, run } from "../cpu/index.js";
import {
  makeSatp,
  mapLeaf,
  PAGING_MODES,
  type PagingMode,
  PTE_A,
  PTE_D,
  PTE_R,
  PTE_W,
  PTE_X,
  RAM_BASE,
  type TlbConfig,
} from "../mmu/index.js";
import { cyclicPermutation } from "./rng.js";

const GiB = 2 ** 30;
/** RAM: code and page tables in the first GiB, the data in the second (1 GiB-aligned). */
const MEM = 2 * GiB;
const CODE_PA = RAM_BASE;
const TABLES_PA = RAM_BASE + (1 << 20);
const DATA_PA = RAM_BASE + GiB;
/** Virtual base of the working set: 64 GiB, 1 GiB-aligned, canonical in Sv39 too. */
export const DATA_VA = 64 * GiB;
/** Loads per loop iteration (the loop is unrolled). */
const UNROLL = 8;

export interface ChaseSpec {
  tlb: TlbConfig;
  /** Paging mode: sv39, sv48 or sv57. */
  mode: string;
  /** Leaf size as a shift: 12, 21 or 30. */
  pageShift: number;
  /** Working set in bytes (the span of virtual memory the slots cover). */
  span: number;
  /** At most this many slots (the stride grows past 4 KiB to respect it). */
  maxSlots: number;
  /** Loads counted (after one warm-up lap). */
  accesses: number;
  seed: number;
}

export interface ChaseResult {
  stride: number;
  slots: number;
  /** Distinct leaf pages the slots lie in. */
  pages: number;
  accesses: number;
  l1Accesses: number;
  l1Hits: number;
  /** L2 probes (L1 misses) and hits; 0 when the preset has no L2. */
  l2Accesses: number;
  l2Hits: number;
  walks: number;
  walkRefs: number;
  pwcHits: number;
  pwcMisses: number;
  instructions: number;
}

/** The stride and slot count for a working set: 4 KiB apart, or more when needed. */
export function chaseGeometry(span: number, maxSlots: number): { stride: number; slots: number } {
  let stride = 4096;
  while (span / stride > maxSlots) stride *= 2;
  return { stride, slots: Math.max(1, Math.floor(span / stride)) };
}

function modeByName(name: string): PagingMode {
  const m = PAGING_MODES.find((p) => p.name === name);
  if (!m) throw new Error(`unknown paging mode '${name}'`);
  return m;
}

/** The guest: a0 holds the first slot; `ld a0, 0(a0)` forever, unrolled. */
function chaseCode(): Uint8Array {
  const b = new AsmBuilder({ base: BigInt(CODE_PA) });
  b.label("loop");
  for (let i = 0; i < UNROLL; i++) b.ld("a0", 0, "a0");
  b.j("loop");
  return b.build().toFlat();
}

interface Snapshot {
  l1Accesses: number;
  l1Hits: number;
  l2Accesses: number;
  l2Hits: number;
  walks: number;
  walkRefs: number;
  pwcHits: number;
  pwcMisses: number;
  instructions: number;
}

function snapshot(p: Paging, instructions: number): Snapshot {
  const c = p.tlb.levelCounters();
  let walks = 0;
  for (const n of p.tlb.walks.r.values()) walks += n;
  let pwcHits = 0;
  let pwcMisses = 0;
  for (const s of p.walker.pwc?.stats() ?? []) {
    pwcHits += s.hits;
    pwcMisses += s.misses;
  }
  return {
    l1Accesses: c.l1d.r.accesses,
    l1Hits: c.l1d.r.hits,
    l2Accesses: c.l2.r.accesses,
    l2Hits: c.l2.r.hits,
    walks,
    walkRefs: p.tlb.walkRefs.r,
    pwcHits,
    pwcMisses,
    instructions,
  };
}

/** Build the machine, the page tables and the chain, run one warm-up lap, then count. */
export function runChase(spec: ChaseSpec): ChaseResult {
  const mode = modeByName(spec.mode);
  if (![12, 21, 30].includes(spec.pageShift)) throw new Error(`bad leaf size 2^${spec.pageShift}`);
  const level = (spec.pageShift - 12) / 9;
  if (level >= mode.levels) throw new Error(`${mode.name} has no level-${level} leaves`);
  const { stride, slots } = chaseGeometry(spec.span, spec.maxSlots);
  if (spec.span < 4096 || spec.span > 128 * GiB) throw new Error(`working set ${spec.span} out of range`);

  const m = new Machine({ mem: MEM, tlb: spec.tlb, console: () => {} });
  const h = m.harts[0]!;
  h.trapListeners.push((_h, cause, tval) => {
    throw new Error(`pointer chase: the guest trapped (cause ${cause}, tval 0x${tval.toString(16)})`);
  });
  m.mem.load(CODE_PA, chaseCode());

  let nextTable = TABLES_PA / 4096;
  const tableLimit = DATA_PA / 4096;
  const alloc = (): number => {
    if (nextTable >= tableLimit) return -1;
    return nextTable++;
  };
  const root = alloc();
  const rw = PTE_R | PTE_W | PTE_A | PTE_D;
  const map = (va: number, pa: number, lvl: number, flags: number): void => {
    if (!mapLeaf(m.mem, mode, root, va / 4096, pa / 4096, lvl, flags, alloc))
      throw new Error("pointer chase: out of memory for page tables");
  };
  map(CODE_PA, CODE_PA, 0, PTE_R | PTE_X | PTE_A);

  // Slot i: virtual offset i * stride + 8 * (GiB it falls in); physical = offset mod 1 GiB.
  const slotOff = (i: number): number => i * stride + 8 * Math.floor((i * stride) / GiB);
  const pageSize = 2 ** spec.pageShift;
  let lastPage = -1;
  let pages = 0;
  for (let i = 0; i < slots; i++) {
    const page = Math.floor(slotOff(i) / pageSize);
    if (page === lastPage) continue;
    lastPage = page;
    pages++;
    const off = page * pageSize;
    map(DATA_VA + off, DATA_PA + (off % GiB), level, rw);
  }
  const next = cyclicPermutation(slots, spec.seed);
  const i32 = m.mem.i32;
  for (let i = 0; i < slots; i++) {
    const ramOff = DATA_PA - RAM_BASE + (slotOff(i) % GiB);
    const target = DATA_VA + slotOff(next[i]!);
    i32[ramOff >>> 2] = (target % 2 ** 32) | 0;
    i32[(ramOff >>> 2) + 1] = Math.floor(target / 2 ** 32);
  }

  h.csrWrite(CSR.satp, makeSatp(mode.satpMode, 0, root));
  h.priv = PRIV_S;
  h.setPc(BigInt(CODE_PA));
  h.setReg(10, BigInt(DATA_VA + slotOff(0)));
  const paging = h.translator as Paging;

  // Run until `n` more loads have been made (the counters say how many exactly).
  const loadsNow = (): number => snapshot(paging, 0).l1Accesses;
  const runLoads = (n: number): void => {
    const target = loadsNow() + n;
    for (;;) {
      const left = target - loadsNow();
      if (left <= 0) return;
      let budget = Math.ceil((left * (UNROLL + 1)) / UNROLL);
      while (budget > 0) {
        const n = run(h, Math.min(budget, 1 << 20));
        if (n <= 0) throw new Error("pointer chase: the hart stopped retiring instructions");
        budget -= n;
      }
    }
  };
  runLoads(slots + 64);
  const a = snapshot(paging, h.steps);
  runLoads(spec.accesses);
  const b = snapshot(paging, h.steps);
  return {
    stride,
    slots,
    pages,
    accesses: b.l1Accesses - a.l1Accesses,
    l1Accesses: b.l1Accesses - a.l1Accesses,
    l1Hits: b.l1Hits - a.l1Hits,
    l2Accesses: b.l2Accesses - a.l2Accesses,
    l2Hits: b.l2Hits - a.l2Hits,
    walks: b.walks - a.walks,
    walkRefs: b.walkRefs - a.walkRefs,
    pwcHits: b.pwcHits - a.pwcHits,
    pwcMisses: b.pwcMisses - a.pwcMisses,
    instructions: b.instructions - a.instructions,
  };
}
