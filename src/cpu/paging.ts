// Paged translation for a hart: the modelled TLB first, the walker on a miss, and the faults of
// the privileged spec. A translation is served only by a TLB hit or by a walk that fills the
// TLB, so an entry nobody flushed keeps serving its old translation, as on hardware.

import { type Arena, arenaArray } from "../mmu/arena.js";
import {
  type Access,
  adSatisfied,
  blankLeaf,
  isCanonical,
  type LeafEntry,
  PAGING_MODES,
  type PagingMode,
  type PhysMem,
  PTE_G,
  pagingMode,
  permits,
  satpAsid,
  satpMode,
  satpPpn,
  type TlbConfig,
  TlbModel,
  type TlbWasmLayout,
  vpnOf,
  type WalkContext,
  Walker,
  type WalkResult,
} from "../mmu/index.js";
import { MSTATUS } from "./csr.js";
import { accessFaultCause, type Hart, pageFaultCause, type Translator } from "./hart.js";
import { HOST_OK, HOST_W, type HostTlb } from "./hosttlb.js";
import { toBig } from "./int64.js";

export class Paging implements Translator {
  readonly modes = PAGING_MODES.map((m) => m.satpMode);
  readonly tlb: TlbModel;
  readonly walker: Walker;
  readonly stamp: Float64Array;
  readonly hostHits: Record<Access, Float64Array>;
  readonly dummySlot: number;
  private readonly ctx: WalkContext = { priv: 0, sum: false, mxr: false, adue: false };
  private satpSeen = -1n;
  private mode: PagingMode | undefined;
  private asid = 0;
  private root = 0;

  /** `host`: the hart's host TLB, whose copies of a slot die when the model drops the slot. */
  constructor(cfg: TlbConfig, mem: PhysMem, host?: HostTlb) {
    this.tlb = new TlbModel(cfg, mem.arena);
    if (host) {
      this.tlb.onDrop = (slot) => host.dropSlot(slot);
      host.useHead(arenaArray(mem.arena, Int32Array, this.tlb.slots + 1));
    }
    this.host = host ?? null;
    this.walker = new Walker(mem, cfg.pwc ?? [], mem.arena);
    this.arena = mem.arena;
    this.stamp = this.tlb.stamp;
    this.hostHits = this.tlb.hostHits;
    this.dummySlot = this.tlb.dummySlot;
  }

  /** The trap cause of the last probe() that returned -1. */
  faultCause = 0;

  translate(h: Hart, lo: number, hi: number, kind: Access, priv: number): number {
    const pa = this.probe(h, lo, hi, kind, priv);
    if (pa < 0) h.raise(this.faultCause, toBig(lo, hi));
    return pa;
  }

  /** Translate without trapping: the physical address, or -1 with the cause in faultCause.
   *  Counts and fills the modelled TLB exactly as translate() does. */
  probe(h: Hart, lo: number, hi: number, kind: Access, priv: number): number {
    this.decodeSatp(h.satp);
    const mode = this.mode!;
    if (!isCanonical(hi, mode)) return this.fail(pageFaultCause(kind));
    const vpn = vpnOf(lo, hi, mode);
    const ctx = this.ctx;
    ctx.priv = priv;
    ctx.sum = (h.mstatus & MSTATUS.SUM) !== 0;
    ctx.mxr = (h.mstatus & MSTATUS.MXR) !== 0;
    const tlb = this.tlb;
    tlb.setClock(h.steps + h.chunkN);
    let s = tlb.lookup(kind, vpn, this.asid);
    if (s >= 0) {
      const perm = tlb.permOf(s);
      if (!permits(perm, kind, ctx)) return this.fail(pageFaultCause(kind));
      if (!adSatisfied(perm, kind)) {
        // A or D must be set in memory: that needs the walk (spec step 9 may not use the cache).
        const w = this.walk(h, vpn, kind);
        if (!w) return -1;
        tlb.setPerm(s, w.perm);
      }
    } else {
      const w = this.walk(h, vpn, kind);
      if (!w) return -1;
      const leaf = this.leaf;
      leaf.vpnBase = w.vpnBase;
      leaf.shift = w.shift;
      leaf.ppnBase = w.ppnBase;
      leaf.asid = this.asid;
      leaf.global = (w.perm & PTE_G) !== 0;
      leaf.perm = w.perm;
      leaf.level = w.level;
      s = tlb.fill(kind, vpn, leaf);
    }
    h.hostSlot = s;
    return tlb.ppnOf(s, vpn) * 4096 + (lo & 4095);
  }

  private readonly host: HostTlb | null;
  private readonly arena: Arena | null;
  /** The context (priv | sum << 2 | mxr << 3) the host TLB's `ok` tables were made for. */
  private okFor = -1;

  arm(h: Hart): void {
    const host = this.host;
    if (host === null) return;
    const ctx = this.ctx;
    const key = ctx.priv | (ctx.sum ? 4 : 0) | (ctx.mxr ? 8 : 0);
    if (key !== this.okFor) {
      const ok = host.ok;
      for (let perm = 0; perm < 256; perm++) {
        const canR = permits(perm, "r", ctx);
        const canW = permits(perm, "w", ctx);
        ok[HOST_OK.HIT + perm] = canR && adSatisfied(perm, "r") ? 1 : 0;
        ok[HOST_OK.HIT + 256 + perm] = canW && adSatisfied(perm, "w") ? 1 : 0;
        ok[HOST_OK.PERMITS + perm] = canR ? 1 : 0;
        ok[HOST_OK.PERMITS + 256 + perm] = canW ? 1 : 0;
      }
      this.okFor = key;
    }
    const w = host.words;
    w[HOST_W.ASID] = this.asid;
    w[HOST_W.VA_BITS] = this.mode!.vaBits;
    w[HOST_W.ROOT_LO] = (this.root % 2 ** 32) | 0;
    w[HOST_W.ROOT_HI] = Math.floor(this.root / 2 ** 32);
    w[HOST_W.LEVELS] = this.mode!.levels;
    w[HOST_W.ADUE] = h.menvcfgAdue ? 1 : 0;
    host.steps[0] = h.steps;
    w[HOST_W.LIVE] = 1;
  }

  wasmLayout(): TlbWasmLayout | null {
    const t = this.tlb.wasmLayout();
    if (t === null || this.arena === null) return t;
    return { ...t, walker: this.walker.wasmLayout(this.arena) };
  }

  serves(slot: number, kind: Access): boolean {
    const perm = this.tlb.permOf(slot);
    return permits(perm, kind, this.ctx) && adSatisfied(perm, kind);
  }

  private fail(cause: number): number {
    this.faultCause = cause;
    return -1;
  }

  /** The leaf a walk found, as the model's fill takes it (one object, rewritten per fill). */
  private readonly leaf: LeafEntry = blankLeaf();

  /** Walk for `vpn` and count it; null (with faultCause set) if the walk faults. Only a walk
   *  needs menvcfg.ADUE (a hit's A/D check does not), so it is read here. */
  private walk(h: Hart, vpn: number, kind: Access): WalkResult | null {
    this.ctx.adue = h.menvcfgAdue;
    const r = this.walker.walk(this.mode!, this.root, this.asid, vpn, kind, this.ctx);
    if (r.status !== "ok") {
      this.faultCause = r.status === "page-fault" ? pageFaultCause(kind) : accessFaultCause(kind);
      return null;
    }
    this.tlb.recordWalk(kind, r.shift, r.refs);
    return r;
  }

  sfence(h: Hart, va: bigint | undefined, asid: number | undefined): void {
    this.decodeSatp(h.satp);
    let vpn: number | undefined;
    if (va !== undefined) {
      const mode = this.mode ?? pagingMode(9)!;
      const hi = Number(BigInt.asIntN(32, va >> 32n));
      if (!isCanonical(hi, mode)) return; // an invalid VA in rs1: no effect, no exception
      vpn = vpnOf(Number(BigInt.asIntN(32, va)), hi, mode);
    }
    this.tlb.sfence(vpn, asid);
    if (vpn === undefined) this.walker.pwc?.flush(asid);
  }

  private decodeSatp(satp: bigint): void {
    if (satp === this.satpSeen) return;
    this.satpSeen = satp;
    this.mode = pagingMode(satpMode(satp));
    this.asid = satpAsid(satp);
    this.root = satpPpn(satp);
  }
}
