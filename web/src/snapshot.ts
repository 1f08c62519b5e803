// What the playground's views show, read from the booted kernel and its machine in the worker and
// posted to the page (structured clone: plain objects, bigints allowed). A snapshot is taken
// after each console line and, while a program runs, at most once per animation frame's worth
// of time; the page keeps the previous one to highlight what changed (diff.ts).

import { type Kernel, VM_NO_GUARD, VMALLOC_END, VMALLOC_START } from "../../src/kernel/index.js";
import {
  pagingMode,
  pteFlagString,
  satpAsid,
  satpMode,
  satpPpn,
  type TlbArrayConfig,
  type TlbLevel,
} from "../../src/mmu/index.js";
import { hartTlb, perfEvents } from "../../src/session/perf.js";
import { kernelStats } from "../../src/session/stats.js";

/** One valid TLB entry, at its slot. */
export interface TlbSlot {
  /** Slot index inside its array (set * ways + way). */
  index: number;
  vpn: number;
  /** log2 of the size this entry covers (12, 16, 21, 30). */
  shift: number;
  /** log2 of the leaf the entry is a piece of. */
  leafShift: number;
  ppn: number;
  asid: number;
  global: boolean;
  /** PTE permission bits (R W X U G A D as in the PTE). */
  perm: number;
}

/** One array of a hart's TLB and its valid entries. */
export interface TlbArray {
  name: string;
  level: TlbLevel;
  entries: number;
  ways: number;
  sizes: number[];
  valid: TlbSlot[];
}

/** A hart's TLB. */
export interface HartTlb {
  hart: number;
  /** satp's paging mode name, "Bare" when off. */
  mode: string;
  asid: number;
  arrays: TlbArray[];
  /** sfence.vma counts so far (all, asid, va, va+asid) and entries they dropped. */
  flushes: { all: number; asid: number; va: number; vaAsid: number; dropped: number };
}

/** A vmalloc area, as /proc/vmallocinfo lists it. */
export interface VmArea {
  start: bigint;
  /** End of the VA range, guard page included. */
  end: bigint;
  nrPages: number;
  /** log2 of the pages it maps with (0: 4 KiB; 9: 2 MiB). */
  pageOrder: number;
  caller: string;
  /** No guard page (VM_NO_GUARD). */
  noGuard: boolean;
  requestedSize: number;
}

/** The vmalloc range now. */
export interface VmallocMap {
  start: bigint;
  end: bigint;
  areas: VmArea[];
  /** Lazily freed ranges awaiting the purge. */
  lazy: { start: bigint; end: bigint }[];
  lazyPages: number;
  lazyMax: number;
  purges: number;
}

export interface Snapshot {
  /** Instructions retired by all harts. */
  instret: number;
  /** The current hart of the console. */
  cpu: number;
  harts: HartTlb[];
  vmalloc: VmallocMap;
  /** Perf events summed over the harts. */
  perf: Record<string, number>;
  /** The kernel's counters (kernelStats), vmstat left out. */
  kernel: Record<string, number>;
}

/** The arrays of a TLB configuration in slot order: ITLB, DTLB, then the L2. */
function arraysInOrder(cfg: {
  itlb: TlbArrayConfig[];
  dtlb: TlbArrayConfig[];
  l2?: TlbArrayConfig[];
}): { cfg: TlbArrayConfig; level: TlbLevel }[] {
  return [
    ...cfg.itlb.map((a) => ({ cfg: a, level: "l1i" as const })),
    ...cfg.dtlb.map((a) => ({ cfg: a, level: "l1d" as const })),
    ...(cfg.l2 ?? []).map((a) => ({ cfg: a, level: "l2" as const })),
  ];
}

/** Hart `id`'s TLB: every array with its valid entries at their slots. */
export function hartTlbView(k: Kernel, id: number): HartTlb {
  const { tlb } = hartTlb(k.machine, id);
  const satp = k.machine.harts[id]!.satp;
  const arrays = arraysInOrder(tlb.cfg).map(
    ({ cfg, level }): TlbArray => ({
      name: cfg.name,
      level,
      entries: cfg.entries,
      ways: cfg.ways,
      sizes: cfg.sizes,
      valid: [],
    }),
  );
  const base: number[] = [];
  let n = 0;
  for (const a of arrays) {
    base.push(n);
    n += a.entries;
  }
  for (const e of tlb.entries()) {
    let i = arrays.length - 1;
    while (i > 0 && base[i]! > e.slot) i--;
    arrays[i]!.valid.push({
      index: e.slot - base[i]!,
      vpn: e.vpn,
      shift: e.shift,
      leafShift: e.leafShift,
      ppn: e.ppn,
      asid: e.asid,
      global: e.global,
      perm: e.perm,
    });
  }
  return {
    hart: id,
    mode: pagingMode(satpMode(satp))?.name ?? "Bare",
    asid: satpAsid(satp),
    arrays,
    flushes: { ...tlb.flushes },
  };
}

/** The vmalloc range: busy areas and lazily freed ranges. */
export function vmallocMap(k: Kernel): VmallocMap {
  const v = k.vmalloc;
  const areas: VmArea[] = [];
  for (const va of v.areas()) {
    const vm = va.vm;
    areas.push({
      start: va.va_start,
      end: va.va_end,
      nrPages: vm?.nr_pages ?? 0,
      pageOrder: vm?.page_order ?? 0,
      caller: vm?.caller ?? "vm_map_ram",
      noGuard: vm ? (vm.flags & VM_NO_GUARD) !== 0 : true,
      requestedSize: vm?.requested_size ?? Number(va.va_end - va.va_start),
    });
  }
  return {
    start: VMALLOC_START,
    end: VMALLOC_END,
    areas,
    lazy: v.lazyAreas().map((a) => ({ start: a.va_start, end: a.va_end })),
    lazyPages: v.vmap_lazy_nr,
    lazyMax: v.lazy_max_pages(),
    purges: kernelStats(k).vmap_purges,
  };
}

/** Everything the views show. */
export function takeSnapshot(k: Kernel): Snapshot {
  const harts = k.machine.harts.map((_, id) => hartTlbView(k, id));
  const perf: Record<string, number> = {};
  k.machine.harts.forEach((_, id) => {
    const { tlb, walker } = hartTlb(k.machine, id);
    for (const [name, v] of Object.entries(perfEvents(tlb, walker))) perf[name] = (perf[name] ?? 0) + v;
  });
  const { vmstat: _vmstat, tlb_flush: _flush, ...kernel } = kernelStats(k);
  return {
    instret: k.machine.harts.reduce((n, h) => n + h.steps, 0),
    cpu: k.cpu,
    harts,
    vmalloc: vmallocMap(k),
    perf,
    kernel,
  };
}

/** One level of a page walk, for the walk view. */
export interface WalkLevel {
  level: number;
  /** The VPN field: the PTE's index in its table. */
  index: number;
  pteAddr: number;
  /** The PTE as 16 hex digits. */
  pte: string;
  /** V R W X U G A D, '-' where clear. */
  flags: string;
  /** What the walk made of it: "next", "leaf" or why it stopped. */
  stop: string;
}

export interface PageWalk {
  va: bigint;
  hart: number;
  mode: string;
  root: number;
  levels: WalkLevel[];
  /** The console's `walk` text (the outcome, and the TLB entries holding the address). */
  text: string;
}

/** The page walk of `va` on hart `id` (read from memory: it fills no TLB), level by level. */
export function pageWalk(k: Kernel, va: bigint, id: number, text: string): PageWalk {
  const satp = k.machine.harts[id]!.satp;
  const mode = pagingMode(satpMode(satp)) ?? null;
  const root = satpPpn(satp);
  if (!mode) return { va, hart: id, mode: "Bare", root, levels: [], text };
  const lo = Number(BigInt.asIntN(32, va));
  const hi = Number(BigInt.asIntN(32, va >> 32n));
  const record = hartTlb(k.machine, id).walker.inspect(mode, root, lo, hi);
  const hex32 = (w: number): string => (w >>> 0).toString(16).padStart(8, "0");
  return {
    va,
    hart: id,
    mode: mode.name,
    root: root * 4096,
    levels: record.steps.map((s) => ({
      level: s.level,
      index: s.index,
      pteAddr: s.pteAddr,
      pte: `${hex32(s.hi)}${hex32(s.lo)}`,
      flags: pteFlagString(s.lo),
      stop: s.stop,
    })),
    text,
  };
}
