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
import { CSR, type Hart, Machine, type Paging, PRIV_S, run } from "../cpu/index.js";
import {
  makeSatp,
  mapLeaf,
  PAGING_MODES,
  type PagingMode,
  PTE_A,
  PTE_AD,
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

/** The counters a chase reads, before and after the counted loads. */
export interface ChaseCounts {
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

export interface ChaseResult extends ChaseCounts {
  stride: number;
  slots: number;
  /** Distinct leaf pages the slots lie in. */
  pages: number;
  accesses: number;
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

/** The hart's counters now (its modelled TLB, walker and page-walk caches). */
function snapshot(p: Paging, instructions: number): ChaseCounts {
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

/** b - a, counter by counter. */
function countsSince(a: ChaseCounts, b: ChaseCounts): ChaseCounts {
  const d = { ...b };
  for (const key of Object.keys(d) as (keyof ChaseCounts)[]) d[key] -= a[key];
  return d;
}

/** Build the machine, the page tables and the chain, run one warm-up lap, then count. */
export function runChase(spec: ChaseSpec): ChaseResult {
  const mode = modeByName(spec.mode);
  const level = leafLevel(spec.pageShift, mode);
  const { stride, slots } = chaseGeometry(spec.span, spec.maxSlots);
  if (spec.span < 4096 || spec.span > 128 * GiB) throw new Error(`working set ${spec.span} out of range`);
  const m = chaseMachine(spec.tlb);
  const tables = pageTables(m, mode);
  tables.map(CODE_PA, CODE_PA, 0, PTE_R | PTE_X | PTE_A);
  const pages = mapSlots(tables, slots, stride, spec.pageShift, level);
  linkSlots(m, slots, stride, spec.seed);
  const h = m.harts[0]!;
  h.csrWrite(CSR.satp, makeSatp(mode.satpMode, 0, tables.root));
  h.priv = PRIV_S;
  h.setPc(BigInt(CODE_PA));
  h.setReg(10, BigInt(DATA_VA + slotOffset(0, stride)));
  const paging = h.translator as Paging;
  runLoads(h, paging, slots + 64);
  const before = snapshot(paging, h.steps);
  runLoads(h, paging, spec.accesses);
  const counts = countsSince(before, snapshot(paging, h.steps));
  return { stride, slots, pages, accesses: counts.l1Accesses, ...counts };
}

/** The level of a 2^pageShift leaf (0: 4 KiB), which `mode` must have. */
function leafLevel(pageShift: number, mode: PagingMode): number {
  if (![12, 21, 30].includes(pageShift)) throw new Error(`bad leaf size 2^${pageShift}`);
  const level = (pageShift - 12) / 9;
  if (level >= mode.levels) throw new Error(`${mode.name} has no level-${level} leaves`);
  return level;
}

/** A machine with the chase code loaded, whose hart 0 must never trap. */
function chaseMachine(tlb: TlbConfig): Machine {
  const m = new Machine({ mem: MEM, tlb, console: () => {} });
  m.harts[0]!.trapListeners.push((_h, cause, tval) => {
    throw new Error(`pointer chase: the guest trapped (cause ${cause}, tval 0x${tval.toString(16)})`);
  });
  m.mem.load(CODE_PA, chaseCode());
  return m;
}

interface Tables {
  root: number;
  /** Map the page at `va` to `pa` as a leaf at `level` with `flags`. */
  map(va: number, pa: number, level: number, flags: number): void;
}

/** A root table and a mapper whose tables come from [TABLES_PA, DATA_PA). */
function pageTables(m: Machine, mode: PagingMode): Tables {
  let nextTable = TABLES_PA / 4096;
  const alloc = (): number => (nextTable < DATA_PA / 4096 ? nextTable++ : -1);
  const root = alloc();
  return {
    root,
    map(va, pa, level, flags) {
      if (!mapLeaf(m.mem, mode, root, va / 4096, pa / 4096, level, flags, alloc))
        throw new Error("pointer chase: out of memory for page tables");
    },
  };
}

/** Slot i's offset in the working set: i * stride, plus 8 bytes per GiB it lies beyond (so
 *  aliased slots never share a word). Its physical offset in the data is this mod 1 GiB. */
function slotOffset(i: number, stride: number): number {
  return i * stride + 8 * Math.floor((i * stride) / GiB);
}

/** Map every leaf page that holds a slot (read-write, A and D set); returns how many. */
function mapSlots(t: Tables, slots: number, stride: number, pageShift: number, level: number): number {
  const pageSize = 2 ** pageShift;
  let lastPage = -1;
  let pages = 0;
  for (let i = 0; i < slots; i++) {
    const page = Math.floor(slotOffset(i, stride) / pageSize);
    if (page === lastPage) continue;
    lastPage = page;
    pages++;
    const off = page * pageSize;
    t.map(DATA_VA + off, DATA_PA + (off % GiB), level, PTE_R | PTE_W | PTE_AD);
  }
  return pages;
}

/** Store in each slot the virtual address of the next one of a seeded cyclic permutation. */
function linkSlots(m: Machine, slots: number, stride: number, seed: number): void {
  const next = cyclicPermutation(slots, seed);
  const i32 = m.mem.i32;
  for (let i = 0; i < slots; i++) {
    const ramOff = DATA_PA - RAM_BASE + (slotOffset(i, stride) % GiB);
    const target = DATA_VA + slotOffset(next[i]!, stride);
    i32[ramOff >>> 2] = (target % 2 ** 32) | 0;
    i32[(ramOff >>> 2) + 1] = Math.floor(target / 2 ** 32);
  }
}

/** Run until `n` more loads have been made (the counters say how many exactly). */
function runLoads(h: Hart, paging: Paging, n: number): void {
  const loadsNow = (): number => snapshot(paging, 0).l1Accesses;
  const target = loadsNow() + n;
  for (;;) {
    const left = target - loadsNow();
    if (left <= 0) return;
    let budget = Math.ceil((left * (UNROLL + 1)) / UNROLL);
    while (budget > 0) {
      const ran = run(h, Math.min(budget, 1 << 20));
      if (ran <= 0) throw new Error("pointer chase: the hart stopped retiring instructions");
      budget -= ran;
    }
  }
}
