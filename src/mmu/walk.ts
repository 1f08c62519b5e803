// The page-table walker: the privileged spec's "Virtual Address Translation Process" for Sv39,
// Sv48 and Sv57, with Svnapot 64 KiB leaves and A/D bits by Svade (fault) or Svadu (update in
// memory). It reads PTEs from physical memory, counts every reference it makes, and may start
// below the root when a page-walk cache holds a pointer further down.

import { pteAddress } from "./pgtable.js";
import type { PhysMem } from "./phys.js";
import {
  levelShift,
  type PagingMode,
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
  ptePpn,
  vpnIndex,
} from "./pte.js";
import { PageWalkCache, type PwcConfig } from "./pwc.js";

export type Access = "r" | "w" | "x";

/** Who is translating: the privilege (0 = U, 1 = S) and the mstatus bits that matter. */
export interface WalkContext {
  priv: number;
  sum: boolean;
  mxr: boolean;
  /** menvcfg.ADUE: Svadu hardware A/D updating; otherwise Svade (page fault). */
  adue: boolean;
}

/** The result of a walk; reused between walks (copy what you keep). */
export interface WalkResult {
  /** "ok", or the kind of fault the walk raises. */
  status: "ok" | "page-fault" | "access-fault";
  /** Virtual page number (4 KiB units) of the first page the leaf maps. */
  vpnBase: number;
  /** Physical page number (4 KiB units) of the first page the leaf maps. */
  ppnBase: number;
  /** log2 of the leaf's size: 12, 16 (Svnapot), 21, 30, 39, 48. */
  shift: number;
  /** Leaf level (0 = 4 KiB PTE). */
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

export interface WalkerStats {
  walks: number;
  refs: number;
  /** Completed walks by leaf shift. */
  bySize: Map<number, number>;
  faults: number;
}

export class Walker {
  readonly stats: WalkerStats = { walks: 0, refs: 0, bySize: new Map(), faults: 0 };
  readonly pwc: PageWalkCache | null;
  private readonly res: WalkResult = {
    status: "ok",
    vpnBase: 0,
    ppnBase: 0,
    shift: 12,
    level: 0,
    perm: 0,
    pteAddr: 0,
    refs: 0,
  };

  constructor(
    private readonly mem: PhysMem,
    pwc: PwcConfig[] = [],
  ) {
    this.pwc = pwc.length ? new PageWalkCache(pwc) : null;
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
    this.stats.walks++;
    let level = mode.levels - 1;
    let table = rootPpn;
    const start = this.pwc?.lookup(vpn, asid, mode.levels);
    if (start) {
      level = start.level;
      table = start.ppn;
    }
    const mem = this.mem;
    let global = start?.global ?? false; // a G bit in a non-leaf PTE makes its subtree global
    for (;;) {
      const pteAddr = pteAddress(table, vpnIndex(vpn, level));
      const off = mem.ramOffset(pteAddr, 8);
      if (off < 0) return this.fail("access-fault");
      r.refs++;
      this.stats.refs++;
      let lo = mem.i32[off >>> 2]!;
      const hi = mem.i32[(off >>> 2) + 1]!;
      if (!(lo & PTE_V) || (!(lo & PTE_R) && lo & PTE_W)) return this.fail("page-fault");
      if (hi & (PTE_HI_RESERVED | PTE_HI_PBMT)) return this.fail("page-fault");
      const ppn = ptePpn(lo, hi);
      if (!(lo & (PTE_R | PTE_X))) {
        // A pointer to the next level: D, A, U and N are reserved in non-leaf PTEs.
        if (lo & (PTE_D | PTE_A | PTE_U) || hi & PTE_HI_N) return this.fail("page-fault");
        if (level === 0) return this.fail("page-fault");
        global ||= (lo & PTE_G) !== 0;
        this.pwc?.fill(vpn, asid, level, ppn, global);
        level--;
        table = ppn;
        continue;
      }
      let shift = levelShift(level);
      let ppnBase = ppn;
      if (hi & PTE_HI_N) {
        // Svnapot: only 64 KiB at level 0, encoded as ppn[3:0] = 1000.
        if (level !== 0 || (ppn & 0xf) !== 0x8) return this.fail("page-fault");
        shift = 16;
        ppnBase = ppn - 8;
      } else if (level > 0 && ppn % 2 ** (9 * level) !== 0) {
        return this.fail("page-fault"); // misaligned superpage
      }
      if (!permits(lo, kind, ctx)) return this.fail("page-fault");
      if (!adSatisfied(lo, kind)) {
        if (!ctx.adue) return this.fail("page-fault"); // Svade
        lo |= PTE_A | (kind === "w" ? PTE_D : 0);
        mem.i32[off >>> 2] = lo; // Svadu: the update is atomic in this single-threaded machine
      }
      const pages = 2 ** (shift - 12);
      r.status = "ok";
      r.vpnBase = vpn - (vpn % pages);
      r.ppnBase = ppnBase;
      r.shift = shift;
      r.level = level;
      r.perm = (lo & 0xff) | (global ? PTE_G : 0);
      r.pteAddr = pteAddr;
      this.stats.bySize.set(shift, (this.stats.bySize.get(shift) ?? 0) + 1);
      return r;
    }
  }

  private fail(status: "page-fault" | "access-fault"): WalkResult {
    this.stats.faults++;
    this.res.status = status;
    return this.res;
  }
}
