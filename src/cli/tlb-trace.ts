// `--trace tlb`: one line per event of the modelled TLBs on stderr: page walks (with the leaf
// found, or where and why the walker's record says the walk stopped), fills, evictions and
// sfence.vma flushes.
//   tlb 0: walk  load  va 0xffff8f8000000000 asid 0: 4k leaf pa 0x80234000 rw-g 4 refs
//   tlb 0: walk  store va 0x20000000 asid 1: page-fault at level 1 PMD [256]: not valid 3 refs
//   tlb 0: fill  load  dtlb-4k va 0xffff8f8000000000 4k pa 0x80234000
//   tlb 0: evict load  dtlb-4k va 0xffff8f8000001000 4k
//   tlb 0: flush va 0xffff8f8000000000 (all ASIDs): 2 entries dropped
// Filters: --trace-hart N, --trace-kind r|w|x (walks, fills and the evictions they cause;
// flushes have no kind and are always kept), --trace-range START-END (virtual addresses, hex).
// After `limit` lines the tracer says so once and unhooks itself.
//
// The TLB model reports fills, evictions and flushes through `tlb.onEvent`; walks and the access
// kind behind a fill are not part of those events, so the tracer also wraps the hart's walker
// and TLB lookup (only while tracing).

import type { Machine } from "../cpu/index.js";
import {
  type Access,
  describeStop,
  type PagingMode,
  pageSizeName,
  pagingMode,
  SV48,
  satpMode,
  type TlbEvent,
  type TlbModel,
  type Walker,
  type WalkStep,
} from "../mmu/index.js";
import { TextBuffer } from "./io.js";
import { hartTlb, permString, vpnToVa } from "./perf.js";

export interface TlbTraceFilter {
  hart?: number;
  kind?: Access;
  /** Virtual addresses [start, end] (inclusive), as unsigned 64-bit values. */
  range?: [bigint, bigint];
}

const KIND_NAME: Record<Access, string> = { r: "load", w: "store", x: "fetch" };

const hex = (v: bigint): string => `0x${v.toString(16)}`;

/** `START-END`: two hex addresses (0x optional, _ allowed), START <= END < 2^64; else undefined. */
export function parseRange(text: string): [bigint, bigint] | undefined {
  const m = /^(?:0x)?([0-9a-f_]+)\s*-\s*(?:0x)?([0-9a-f_]+)$/i.exec(text.trim());
  if (!m) return undefined;
  const a = BigInt(`0x${m[1]!.replaceAll("_", "")}`);
  const b = BigInt(`0x${m[2]!.replaceAll("_", "")}`);
  if (a > b || b >= 1n << 64n) return undefined;
  return [a, b];
}

interface Hook {
  tlb: TlbModel;
  walker: Walker;
  restore: () => void;
}

export class TlbTracer {
  private lines = 0;
  private readonly out: TextBuffer;
  private readonly hooks: Hook[] = [];
  private done = false;

  constructor(
    private readonly machine: Machine,
    private readonly limit: number,
    private readonly filter: TlbTraceFilter,
    write: (s: string) => void,
  ) {
    this.out = new TextBuffer(write);
    for (const h of machine.harts) {
      if (filter.hart !== undefined && h.id !== filter.hart) continue;
      this.hooks.push(this.attach(h.id));
    }
  }

  /** The paging mode hart `id` uses now (for printing VAs); Sv48 while satp is Bare. */
  private mode(id: number): PagingMode {
    const satp = this.machine.harts[id]!.satp;
    return pagingMode(satpMode(satp)) ?? SV48;
  }

  private attach(id: number): Hook {
    const { tlb, walker } = hartTlb(this.machine, id);
    let kind: Access = "r";
    const lookup = tlb.lookup;
    const walk = walker.walk;
    tlb.lookup = (k, vpn, asid) => {
      kind = k;
      return lookup.call(tlb, k, vpn, asid);
    };
    const trail: WalkStep[] = [];
    walker.trail = trail;
    walker.walk = (mode, root, asid, vpn, k, ctx) => {
      trail.length = 0;
      const r = walk.call(walker, mode, root, asid, vpn, k, ctx);
      const va = vpnToVa(vpn, mode);
      if (this.keep(k, va, va + 4095n)) {
        const what =
          r.status === "ok"
            ? `${pageSizeName(r.shift)} leaf pa ${hex(BigInt(r.ppnBase) * 4096n)} ${permString(r.perm)}`
            : `${r.status} ${describeStop(mode, trail[trail.length - 1], r.stop)}`;
        this.emit(
          `tlb ${id}: walk  ${KIND_NAME[k].padEnd(5)} va ${hex(va)} asid ${asid}: ${what} ${r.refs} refs`,
        );
      }
      return r;
    };
    tlb.onEvent = (ev: TlbEvent) => this.onEvent(id, kind, ev);
    return {
      tlb,
      walker,
      restore: () => {
        tlb.onEvent = null;
        walker.trail = null;
        // Drop the instance properties: the prototype's methods show through again.
        Reflect.deleteProperty(tlb, "lookup");
        Reflect.deleteProperty(walker, "walk");
      },
    };
  }

  private onEvent(id: number, kind: Access, ev: TlbEvent): void {
    const mode = this.mode(id);
    if (ev.type === "flush") {
      const va = ev.vpn === undefined ? undefined : vpnToVa(ev.vpn, mode);
      if (va !== undefined && this.filter.range && !this.inRange(va, va)) return;
      const what =
        va === undefined
          ? ev.asid === undefined
            ? "all"
            : `asid ${ev.asid}`
          : `va ${hex(va)}${ev.asid === undefined ? " (all ASIDs)" : ` asid ${ev.asid}`}`;
      this.emit(`tlb ${id}: flush ${what}: ${ev.dropped} entr${ev.dropped === 1 ? "y" : "ies"} dropped`);
      return;
    }
    const va = vpnToVa(ev.vpn, mode);
    const end = va + (1n << BigInt(ev.shift)) - 1n;
    if (!this.keep(kind, va, end)) return;
    const size = pageSizeName(ev.shift);
    if (ev.type === "fill") {
      this.emit(
        `tlb ${id}: fill  ${KIND_NAME[kind].padEnd(5)} ${ev.array} va ${hex(va)} ${size} pa ${hex(BigInt(ev.ppn) * 4096n)}`,
      );
    } else {
      this.emit(`tlb ${id}: evict ${KIND_NAME[kind].padEnd(5)} ${ev.array} va ${hex(va)} ${size}`);
    }
  }

  private keep(kind: Access, start: bigint, end: bigint): boolean {
    if (this.filter.kind !== undefined && kind !== this.filter.kind) return false;
    return !this.filter.range || this.inRange(start, end);
  }

  private inRange(start: bigint, end: bigint): boolean {
    const [a, b] = this.filter.range!;
    return end >= a && start <= b;
  }

  private emit(line: string): void {
    if (this.done) return;
    this.out.push(`${line}\n`);
    if (++this.lines === this.limit) {
      this.out.push(`mmlab: trace stopped after ${this.limit} TLB events (--trace-limit)\n`);
      this.stop();
    }
  }

  /** Unhook from every TLB and write what is buffered. */
  stop(): void {
    if (!this.done) {
      this.done = true;
      for (const h of this.hooks) h.restore();
    }
    this.flush();
  }

  /** Write what is buffered. */
  flush(): void {
    this.out.flush();
  }
}
