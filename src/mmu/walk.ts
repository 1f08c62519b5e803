// The page-table walker: the privileged spec's "Virtual Address Translation Process" for Sv39,
// Sv48 and Sv57, with Svnapot 64 KiB leaves and A/D bits by Svade (fault) or Svadu (update in
// memory) (docs/reference/tlbs.md, "The walk"). It reads PTEs from physical memory, counts every
// reference it makes, and may start below the root when a page-walk cache holds a pointer
// further down. Each walk can leave a record of the levels it read, where it stopped and why:
// the one the console's `walk`, `--trace tlb` and a debugger print (formatWalk).

import { type Arena, arenaArray } from "./arena.js";
import { pteAddress } from "./pgtable.js";
import type { PhysMem } from "./phys.js";
import {
  isCanonical,
  levelShift,
  type PagingMode,
  PTE_A,
  PTE_D,
  PTE_FLAGS,
  PTE_G,
  PTE_HI_N,
  PTE_HI_PBMT,
  PTE_HI_RESERVED,
  PTE_R,
  PTE_U,
  PTE_V,
  PTE_W,
  PTE_X,
  pageSizeName,
  pteFlagString,
  ptePpn,
  vpnIndex,
  vpnOf,
} from "./pte.js";
import { PageWalkCache, type PwcConfig, pwcArenaBytes } from "./pwc.js";
import type { WalkerWasmLayout } from "./tlb.js";

export type Access = "r" | "w" | "x";

/** The index of an access kind (0 = r, 1 = w, 2 = x) in per-kind arrays: compares, no keyed
 *  lookup on the miss and fill paths. */
export function kindIndex(kind: Access): number {
  return kind === "r" ? 0 : kind === "w" ? 1 : 2;
}

/** Who is translating: the privilege (0 = U, 1 = S) and the mstatus bits that matter. */
export interface WalkContext {
  priv: number;
  sum: boolean;
  mxr: boolean;
  /** menvcfg.ADUE: Svadu hardware A/D updating; otherwise Svade (page fault). */
  adue: boolean;
}

/** What the walk made of one PTE (or of the leaf it ended at): it went on to the next table,
 *  found a leaf, or stopped with a fault for the reason named. */
export type WalkStop =
  | "next"
  | "leaf"
  | "outside-ram"
  | "not-valid"
  | "w-without-r"
  | "reserved-bits"
  | "pointer-reserved-bits"
  | "pointer-at-level-0"
  | "bad-napot"
  | "misaligned-superpage"
  | "no-permission"
  | "svade-a-d"
  | "not-canonical";

/** One level of a walk: the PTE read there and what the walk made of it. */
export interface WalkStep {
  level: number;
  /** The VPN field of this level: the PTE's index in its table. */
  index: number;
  pteAddr: number;
  /** The PTE words (0 when the address is outside RAM). */
  lo: number;
  hi: number;
  stop: WalkStop;
}

/** A walk as the console, `--trace tlb` and a debugger show it: every level read, and the
 *  translation or the fault it ended with. */
export interface WalkRecord {
  mode: PagingMode;
  vpn: number;
  steps: WalkStep[];
  status: WalkResult["status"];
  /** The last step's stop ("not-canonical" with no steps). */
  stop: WalkStop;
  /** For a leaf: as in WalkResult. */
  ppnBase: number;
  shift: number;
}

/** The result of a walk; reused between walks (copy what you keep). */
export interface WalkResult {
  /** "ok", or the kind of fault the walk raises. */
  status: "ok" | "page-fault" | "access-fault";
  /** Why the walk stopped: "leaf" when it is ok. */
  stop: WalkStop;
  /** Virtual page number (4 KiB units) of the first page the leaf maps. */
  vpnBase: number;
  /** Physical page number (4 KiB units) of the first page the leaf maps. */
  ppnBase: number;
  /** log2 of the leaf's size: 12, 16 (Svnapot), 21, 30, 39, 48. */
  shift: number;
  /** Leaf level (0 = 4 KiB PTE); on a fault, the level the walk stopped at. */
  level: number;
  /** Low byte of the leaf PTE after any A/D update: V R W X U G A D. */
  perm: number;
  /** Physical address of the leaf PTE. */
  pteAddr: number;
  /** Memory references this walk made. */
  refs: number;
}

/** May an access of `kind` at `ctx` use a leaf with permission bits `perm`? (A/D aside.) */
export function permits(perm: number, kind: Access, ctx: WalkContext): boolean {
  if (ctx.priv === 0 ? !(perm & PTE_U) : perm & PTE_U && (kind === "x" || !ctx.sum)) return false;
  if (kind === "x") return (perm & PTE_X) !== 0;
  if (kind === "r") return (perm & PTE_R) !== 0 || (ctx.mxr && (perm & PTE_X) !== 0);
  return (perm & PTE_W) !== 0;
}

/** Do the A/D bits of `perm` allow `kind` without an update? */
export function adSatisfied(perm: number, kind: Access): boolean {
  return (perm & PTE_A) !== 0 && (kind !== "w" || (perm & PTE_D) !== 0);
}

/** The spec's steps 3-6 for the PTE (lo, hi) read at `level`: a pointer to follow ("next"), a
 *  leaf, or the reason it is a page fault. The rules of the walk, written once. */
export function pteStop(lo: number, hi: number, level: number): WalkStop {
  if (!(lo & PTE_V)) return "not-valid";
  if (!(lo & PTE_R) && lo & PTE_W) return "w-without-r";
  if (hi & (PTE_HI_RESERVED | PTE_HI_PBMT)) return "reserved-bits";
  const ppn = ptePpn(lo, hi);
  if (!(lo & (PTE_R | PTE_X))) {
    // A pointer to the next level: D, A, U and N are reserved in non-leaf PTEs.
    if (lo & (PTE_D | PTE_A | PTE_U) || hi & PTE_HI_N) return "pointer-reserved-bits";
    return level === 0 ? "pointer-at-level-0" : "next";
  }
  if (hi & PTE_HI_N) {
    // Svnapot: only 64 KiB at level 0, encoded as ppn[3:0] = 1000.
    return level !== 0 || (ppn & 0xf) !== NAPOT_64K_PPN ? "bad-napot" : "leaf";
  }
  return level > 0 && ppn % 2 ** (9 * level) !== 0 ? "misaligned-superpage" : "leaf";
}

/** ppn[3:0] of a 64 KiB Svnapot leaf. */
const NAPOT_64K_PPN = 0x8;

export interface WalkerStats {
  walks: number;
  refs: number;
  /** Completed walks by leaf shift. */
  bySize: Map<number, number>;
  faults: number;
}

/** Walker.counts: walks, memory references, faults, then completed walks by leaf shift. */
const W_WALKS = 0;
const W_REFS = 1;
const W_FAULTS = 2;
const W_BY_SIZE = 3;
const W_SIZE = W_BY_SIZE + 64;
/** Offsets in Walker.counts (f64s), for the wasm slow path. */
export const WALK_N = { WALKS: W_WALKS, REFS: W_REFS, FAULTS: W_FAULTS, BY_SIZE: W_BY_SIZE } as const;

/** Bytes a walker with page-walk caches `pwc` takes in an arena (its counters and caches). */
export function walkerArenaBytes(pwc: readonly PwcConfig[]): number {
  return 8 * W_SIZE + pwcArenaBytes(pwc);
}

export class Walker {
  /** The counters (W_*): in the arena when the walker was given one, where the wasm slow path
   *  counts its walks too. */
  readonly counts: Float64Array;
  readonly pwc: PageWalkCache | null;
  /** When set, each walk appends the levels it reads (the TLB trace sets it). */
  trail: WalkStep[] | null = null;
  /** The leaf descend() found: its low word and RAM offset. */
  private leafLo = 0;
  private leafOff = 0;
  private readonly res: WalkResult = {
    status: "ok",
    stop: "leaf",
    vpnBase: 0,
    ppnBase: 0,
    shift: 12,
    level: 0,
    perm: 0,
    pteAddr: 0,
    refs: 0,
  };

  /** `arena`: where the counters and the page-walk caches live (walkerArenaBytes), else on
   *  ordinary arrays. */
  constructor(
    private readonly mem: PhysMem,
    pwc: PwcConfig[] = [],
    arena: Arena | null = null,
  ) {
    this.counts = arenaArray(arena, Float64Array, W_SIZE);
    this.pwc = pwc.length ? new PageWalkCache(pwc, arena) : null;
  }

  /** Where the counters and the page-walk caches lie in the arena; null if not all there. */
  wasmLayout(arena: Arena): WalkerWasmLayout | null {
    if (!arena.holds(this.counts)) return null;
    const pwc = this.pwc === null ? null : this.pwc.wasmLayout();
    if (this.pwc !== null && pwc === null) return null;
    return { counts: this.counts.byteOffset, pwc };
  }

  /** The counters, as numbers and a map of completed walks by leaf shift. */
  get stats(): WalkerStats {
    const c = this.counts;
    const bySize = new Map<number, number>();
    for (let sh = 0; sh < 64; sh++) if (c[W_BY_SIZE + sh]) bySize.set(sh, c[W_BY_SIZE + sh]!);
    return { walks: c[W_WALKS]!, refs: c[W_REFS]!, bySize, faults: c[W_FAULTS]! };
  }

  /** Walk the table rooted at physical page `rootPpn` for virtual page `vpn` (canonical-checked
   *  by the caller). Applies every check of the spec's steps 2-10. */
  walk(
    mode: PagingMode,
    rootPpn: number,
    asid: number,
    vpn: number,
    kind: Access,
    ctx: WalkContext,
  ): WalkResult {
    const r = this.res;
    r.refs = 0;
    this.counts[W_WALKS]++;
    let level = mode.levels - 1;
    let table = rootPpn;
    const start = this.pwc?.lookup(vpn, asid, mode.levels);
    if (start) {
      level = start.level;
      table = start.ppn;
    }
    if (!this.descend(vpn, asid, level, table, start?.global ?? false)) return this.fail(r.stop);
    let lo = this.leafLo;
    if (!permits(lo, kind, ctx)) return this.fail("no-permission");
    if (!adSatisfied(lo, kind)) {
      if (!ctx.adue) return this.fail("svade-a-d");
      lo |= PTE_A | (kind === "w" ? PTE_D : 0);
      this.mem.i32[this.leafOff >>> 2] = lo; // Svadu: the update is atomic in this single-threaded machine
    }
    r.status = "ok";
    r.perm = (lo & PTE_FLAGS) | (r.perm & PTE_G);
    this.counts[W_BY_SIZE + r.shift]++;
    return r;
  }

  /** The walk for the virtual address (lo, hi) from the root, level by level, as the console
   *  and a debugger show it. Nothing changes: no walk cache, no counters, no A/D update, and
   *  no permission check (there is no access). */
  inspect(mode: PagingMode, rootPpn: number, lo: number, hi: number): WalkRecord {
    const vpn = vpnOf(lo, hi, mode);
    const record: WalkRecord = {
      mode,
      vpn,
      steps: [],
      status: "page-fault",
      stop: "not-canonical",
      ppnBase: 0,
      shift: 0,
    };
    if (!isCanonical(hi, mode)) return record;
    const w = new Walker(this.mem);
    w.trail = record.steps;
    const ok = w.descend(vpn, 0, mode.levels - 1, rootPpn, false);
    const r = w.res;
    record.status = ok ? "ok" : r.status;
    record.stop = r.stop;
    record.ppnBase = r.ppnBase;
    record.shift = r.shift;
    return record;
  }

  /** Steps 2-6 from table `table` at `level` down to the leaf: fills the result's leaf fields
   *  (perm holds G inherited from the pointers), or its status and stop on a fault. */
  private descend(vpn: number, asid: number, level: number, table: number, global: boolean): boolean {
    const r = this.res;
    const mem = this.mem;
    for (;;) {
      const index = vpnIndex(vpn, level);
      const pteAddr = pteAddress(table, index);
      const off = mem.ramOffset(pteAddr, 8);
      r.level = level;
      if (off < 0) {
        this.trail?.push({ level, index, pteAddr, lo: 0, hi: 0, stop: "outside-ram" });
        r.status = "access-fault";
        r.stop = "outside-ram";
        return false;
      }
      r.refs++;
      this.counts[W_REFS]++;
      const lo = mem.i32[off >>> 2]!;
      const hi = mem.i32[(off >>> 2) + 1]!;
      const stop = pteStop(lo, hi, level);
      this.trail?.push({ level, index, pteAddr, lo, hi, stop });
      if (stop === "next") {
        global ||= (lo & PTE_G) !== 0; // a G bit in a non-leaf PTE makes its subtree global
        table = ptePpn(lo, hi);
        this.pwc?.fill(vpn, asid, level, table, global);
        level--;
        continue;
      }
      if (stop !== "leaf") {
        r.status = "page-fault";
        r.stop = stop;
        return false;
      }
      this.leaf(vpn, lo, hi, level, pteAddr, off, global);
      return true;
    }
  }

  /** Record the leaf (lo, hi) found at `level` for `vpn`: the page it maps, its size, and G if
   *  the leaf or a pointer above it has it. */
  private leaf(
    vpn: number,
    lo: number,
    hi: number,
    level: number,
    pteAddr: number,
    off: number,
    global: boolean,
  ) {
    const r = this.res;
    const ppn = ptePpn(lo, hi);
    const napot = (hi & PTE_HI_N) !== 0;
    r.shift = napot ? 16 : levelShift(level);
    r.ppnBase = napot ? ppn - NAPOT_64K_PPN : ppn;
    r.vpnBase = vpn - (vpn % 2 ** (r.shift - 12));
    r.perm = global ? PTE_G : 0;
    r.pteAddr = pteAddr;
    r.stop = "leaf";
    this.leafLo = lo;
    this.leafOff = off;
  }

  private fail(stop: WalkStop): WalkResult {
    this.counts[W_FAULTS]++;
    const r = this.res;
    if (stop !== "outside-ram") r.status = "page-fault";
    r.stop = stop;
    return r;
  }
}

/** Linux's names for the tables of each mode, leaf level first. */
const LEVEL_NAMES: Record<number, readonly string[]> = {
  3: ["PTE", "PMD", "PGD"],
  4: ["PTE", "PMD", "PUD", "PGD"],
  5: ["PTE", "PMD", "PUD", "P4D", "PGD"],
};

/** Why a walk stopped where it did, as the console and the TLB trace say it. */
export const WALK_STOP_TEXT: Record<WalkStop, string> = {
  next: "a pointer to the next table",
  leaf: "a leaf",
  "outside-ram": "outside RAM",
  "not-valid": "not valid",
  "w-without-r": "W without R is reserved",
  "reserved-bits": "reserved bits 62..54 set",
  "pointer-reserved-bits": "D, A, U or N set in a pointer",
  "pointer-at-level-0": "a pointer at level 0",
  "bad-napot": "bad Svnapot encoding",
  "misaligned-superpage": "misaligned superpage",
  "no-permission": "the leaf does not permit the access",
  "svade-a-d": "A or D clear (Svade)",
  "not-canonical": "not canonical",
};

/** The fault a stop raises: an access fault outside RAM, a page fault otherwise. */
const faultName = (stop: WalkStop): string => (stop === "outside-ram" ? "access fault" : "page fault");

/** "PGD [287]": a level's table name and the PTE's index in it. */
export function levelSlot(mode: PagingMode, step: WalkStep): string {
  return `${LEVEL_NAMES[mode.levels]![step.level]!.padEnd(3)} [${step.index.toString().padStart(3)}]`;
}

/** The walk of `va` as the console's `walk` prints it: one line per level (the PTE's address,
 *  value and flags, and what the walk made of it), then the physical address. */
export function formatWalk(record: WalkRecord, va: bigint): string[] {
  const { mode } = record;
  if (record.stop === "not-canonical") {
    const top = mode.vaBits - 1;
    return [`  not canonical for ${mode.name}: bits 63..${top} must all equal bit ${top}: page fault`];
  }
  const lines = record.steps.map((step) => {
    const where = `  level ${step.level} ${levelSlot(mode, step)} pte @ 0x${step.pteAddr.toString(16)}`;
    if (step.stop === "outside-ram") return `${where}: outside RAM: ${faultName(step.stop)}`;
    const raw = `0x${hex32(step.hi)}${hex32(step.lo)}`;
    return `${where} = ${raw} ${pteFlagString(step.lo)}  ${stepOutcome(step, record)}`;
  });
  if (record.status === "ok") {
    const leaf = record.steps[record.steps.length - 1]!;
    const pa = BigInt(record.ppnBase) * 4096n + (va & ((1n << BigInt(record.shift)) - 1n));
    const svade = leaf.lo & PTE_A ? "" : " (A clear: the first access faults under Svade)";
    lines.push(`  => pa 0x${pa.toString(16)}${svade}`);
  }
  return lines;
}

/** What the walk made of one PTE, for a line of formatWalk(). */
function stepOutcome(step: WalkStep, record: WalkRecord): string {
  const ppn = ptePpn(step.lo, step.hi);
  switch (step.stop) {
    case "next":
      return `-> next table at 0x${(ppn * 4096).toString(16)}`;
    case "leaf":
      return `leaf: ${pageSizeName(record.shift).toUpperCase()} page at 0x${(record.ppnBase * 4096).toString(16)}`;
    case "misaligned-superpage":
      return `misaligned superpage (ppn 0x${ppn.toString(16)}): page fault`;
    default:
      return `${WALK_STOP_TEXT[step.stop]}: ${faultName(step.stop)}`;
  }
}

const hex32 = (w: number): string => (w >>> 0).toString(16).padStart(8, "0");

/** Where and why a walk that faulted stopped, from its last step: "at level 1 PMD [  3]: not
 *  valid" (the TLB trace's words for a fault). */
export function describeStop(mode: PagingMode, last: WalkStep | undefined, stop: WalkStop): string {
  return last
    ? `at level ${last.level} ${levelSlot(mode, last)}: ${WALK_STOP_TEXT[stop]}`
    : WALK_STOP_TEXT[stop];
}
