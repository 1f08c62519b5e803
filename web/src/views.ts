// The live views as HTML and SVG text, from snapshots (snapshot.ts): the TLB arrays of each
// hart as grids, the page walk level by level, the vmalloc range as a map, the perf counters as
// a chart. Pure functions of their inputs (no DOM), so the tests check what the page shows; the
// page (main.ts) puts the text in place on an animation frame.

import type { HartTlb, PageWalk, Snapshot, TlbArray, TlbSlot, VmallocMap } from "./snapshot.js";

/** HTML-escape. */
export const esc = (s: string): string =>
  s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

const hex = (v: bigint | number): string => `0x${v.toString(16)}`;

/** The 64-bit VA of a 48-bit VPN (Sv48: bit 47 sign-extended). */
export function vpnVa(vpn: number): bigint {
  return BigInt.asUintN(64, BigInt.asIntN(48, BigInt(vpn) << 12n));
}

/** A page size's short name: 4K, 64K, 2M, 1G. */
export function sizeName(shift: number): string {
  const units: [number, string][] = [
    [30, "G"],
    [20, "M"],
    [10, "K"],
  ];
  for (const [u, n] of units) if (shift >= u) return `${2 ** (shift - u)}${n}`;
  return String(2 ** shift);
}

/** The slots that changed between two snapshots of one hart's TLB, by "array/index": filled
 *  (a new entry, or another one in place of the old) and emptied (evicted or flushed). */
export interface TlbDiff {
  filled: Set<string>;
  emptied: Set<string>;
  /** Entries dropped by sfence.vma since the previous snapshot. */
  flushed: number;
  /** sfence.vma instructions since the previous snapshot. */
  fences: number;
}

const slotKey = (a: TlbArray, s: TlbSlot | number): string =>
  `${a.name}/${typeof s === "number" ? s : s.index}`;

const same = (x: TlbSlot, y: TlbSlot): boolean =>
  x.vpn === y.vpn && x.asid === y.asid && x.shift === y.shift && x.ppn === y.ppn;

export function diffTlb(prev: HartTlb | undefined, next: HartTlb): TlbDiff {
  const d: TlbDiff = { filled: new Set(), emptied: new Set(), flushed: 0, fences: 0 };
  if (!prev) return d;
  const before = new Map<string, TlbSlot>();
  for (const a of prev.arrays) for (const s of a.valid) before.set(slotKey(a, s), s);
  const now = new Set<string>();
  for (const a of next.arrays) {
    for (const s of a.valid) {
      const key = slotKey(a, s);
      now.add(key);
      const old = before.get(key);
      if (!old || !same(old, s)) d.filled.add(key);
    }
  }
  for (const key of before.keys()) if (!now.has(key)) d.emptied.add(key);
  const f = next.flushes;
  const g = prev.flushes;
  d.flushed = f.dropped - g.dropped;
  d.fences = f.all + f.asid + f.va + f.vaAsid - (g.all + g.asid + g.va + g.vaAsid);
  return d;
}

/** Did anything change in the TLB between the two snapshots? */
export function tlbChanged(d: TlbDiff): boolean {
  return d.filled.size > 0 || d.emptied.size > 0 || d.fences > 0 || d.flushed > 0;
}

/** Columns of an array's grid: its ways (one row per set), or 16 for a fully associative one. */
export function gridColumns(a: { entries: number; ways: number }): number {
  return a.ways === a.entries ? Math.min(16, a.entries) : a.ways;
}

/** Arrays with more entries than this (an L2 TLB: 1536, 2048) scroll in a box of their own. */
export const SCROLL_ENTRIES = 256;

/** One array as a grid of cells; each valid cell carries its VA (a click walks it). A large
 *  one scrolls in a box named `scrollKey` (the page keeps its position across redraws); its
 *  cells' size follows the page's zoom (--cell). */
export function tlbArrayHtml(a: TlbArray, diff: TlbDiff, scrollKey = a.name): string {
  const cols = gridColumns(a);
  const bySlot = new Map(a.valid.map((s) => [s.index, s]));
  const big = a.entries <= 64;
  const cells: string[] = [];
  for (let i = 0; i < a.entries; i++) {
    const s = bySlot.get(i);
    const key = slotKey(a, i);
    if (!s) {
      cells.push(`<i class="e${diff.emptied.has(key) ? " gone" : ""}"></i>`);
      continue;
    }
    const va = vpnVa(s.vpn);
    const end = va + (1n << BigInt(s.shift)) - 1n;
    const title =
      `${a.name}[${i}] set ${Math.floor(i / a.ways)}: ${hex(va)}-${hex(end)} -> pa ${hex(BigInt(s.ppn) * 4096n)} ` +
      `${sizeName(s.shift)}${s.leafShift !== s.shift ? ` (of ${sizeName(s.leafShift)})` : ""} ` +
      `asid ${s.asid}${s.global ? " global" : ""}`;
    const label = big ? (s.global ? "g" : String(s.asid)) : "";
    cells.push(
      `<i class="v sz${s.shift}${diff.filled.has(key) ? " new" : ""}" data-va="${hex(va)}" title="${esc(title)}">${label}</i>`,
    );
  }
  const sizes = a.sizes.map(sizeName).join("/");
  const grid = `<div class="grid${big ? " big" : ""}" style="grid-template-columns: repeat(${cols}, auto)">${cells.join("")}</div>`;
  return (
    `<div class="tlb-array"><div class="tlb-head">${esc(a.name)} <span>${a.level} ${a.entries} entries, ` +
    `${a.ways === a.entries ? "fully assoc." : `${a.ways}-way`}, ${sizes}: ${a.valid.length} valid</span></div>` +
    (a.entries > SCROLL_ENTRIES
      ? `<div class="grid-scroll" data-scroll="${esc(scrollKey)}">${grid}</div>`
      : grid) +
    "</div>"
  );
}

/** A hart's TLB: a line about it, a flush banner when entries were dropped, its arrays. */
export function hartTlbHtml(h: HartTlb, diff: TlbDiff): string {
  const banner =
    diff.fences > 0 || diff.flushed > 0
      ? `<div class="flush">sfence.vma ×${diff.fences}: ${diff.flushed} entr${diff.flushed === 1 ? "y" : "ies"} dropped</div>`
      : "";
  const f = h.flushes;
  return (
    `<div class="hart"><div class="hart-head">hart ${h.hart}: satp ${h.mode}, asid ${h.asid}; ` +
    `fences all ${f.all}, asid ${f.asid}, va ${f.va}, va+asid ${f.vaAsid}; ${f.dropped} dropped</div>${banner}` +
    `${h.arrays.map((a) => tlbArrayHtml(a, diff, `${h.hart}-${a.name}`)).join("")}</div>`
  );
}

/** The walk of one address, one row per level with its PTE bits. */
export function walkHtml(w: PageWalk): string {
  if (w.mode === "Bare") return `<pre>${esc(w.text)}</pre>`;
  const bit = (flags: string, i: number, name: string): string =>
    `<b class="${flags[i] === "-" ? "off" : "on"}">${name}</b>`;
  const names = ["V", "R", "W", "X", "U", "G", "A", "D"];
  const levelName = ["PTE", "PMD", "PUD", "PGD", "P4D"];
  const rows = w.levels.map(
    (l) =>
      `<tr class="${l.stop === "next" ? "" : l.stop === "leaf" ? "leaf" : "fault"}"><td>${l.level} ${levelName[l.level] ?? ""}</td>` +
      `<td>[${l.index}]</td><td>${hex(l.pteAddr)}</td><td><code>${l.pte}</code></td>` +
      `<td class="bits">${names.map((n, i) => bit(l.flags, i, n)).join("")}</td><td>${esc(l.stop)}</td></tr>`,
  );
  return (
    `<table class="walk"><tr><th>level</th><th>index</th><th>PTE address</th><th>PTE</th><th>bits</th><th>then</th></tr>` +
    `${rows.join("")}</table><pre>${esc(w.text)}</pre>`
  );
}

/** A piece of the vmalloc map. */
export interface MapSegment {
  kind: "mapped" | "unmapped" | "guard" | "lazy";
  start: bigint;
  end: bigint;
  label: string;
}

/** The segments of the vmalloc map: each area's mapped pages, the rest of its range (what a
 *  shrink unmapped), its guard page; each lazily freed range. */
export function vmallocSegments(m: VmallocMap): MapSegment[] {
  const segs: MapSegment[] = [];
  for (const a of m.areas) {
    const guard = a.noGuard ? 0n : 4096n;
    const mapped = a.start + BigInt(a.nrPages) * 4096n;
    const name = `${hex(a.start)} ${a.caller} pages=${a.nrPages}`;
    if (a.nrPages > 0) segs.push({ kind: "mapped", start: a.start, end: mapped, label: name });
    if (mapped < a.end - guard)
      segs.push({ kind: "unmapped", start: mapped, end: a.end - guard, label: `${name}: not mapped` });
    if (guard) segs.push({ kind: "guard", start: a.end - guard, end: a.end, label: `${name}: guard page` });
  }
  for (const l of m.lazy)
    segs.push({
      kind: "lazy",
      start: l.start,
      end: l.end,
      label: `${hex(l.start)}-${hex(l.end)} lazily freed`,
    });
  return segs.sort((x, y) => (x.start < y.start ? -1 : x.start > y.start ? 1 : 0));
}

/** The map's window: from VMALLOC_START to past the highest segment (at least 1 MiB, rounded
 *  up to a power of two), since the 32 TiB range would show nothing at its true scale. */
export function mapWindow(m: VmallocMap, segs: readonly MapSegment[]): [bigint, bigint] {
  let top = m.start;
  for (const s of segs) if (s.end > top) top = s.end;
  let span = 1n << 20n;
  while (m.start + span < top) span <<= 1n;
  return [m.start, m.start + span];
}

/** The vmalloc map as SVG (width 1000), with its legend and counters. */
export function vmallocHtml(m: VmallocMap): string {
  const segs = vmallocSegments(m);
  const [lo, hi] = mapWindow(m, segs);
  const span = Number(hi - lo);
  const x = (v: bigint): number => (Number(v - lo) / span) * 1000;
  const rects = segs.map((s) => {
    const x0 = x(s.start);
    const w = Math.max(1.5, x(s.end) - x0);
    return `<rect class="${s.kind}" x="${x0.toFixed(2)}" y="${s.kind === "lazy" ? 4 : 10}" width="${w.toFixed(2)}" height="${s.kind === "lazy" ? 40 : 28}" data-va="${hex(s.start)}"><title>${esc(s.label)}</title></rect>`;
  });
  const spanText = `${hex(lo)} - ${hex(hi)} (${sizeName(Math.log2(span))} of the 32T range)`;
  return (
    `<div class="vm-head">${m.areas.length} areas, ${m.lazy.length} lazily freed ranges (${m.lazyPages} of ` +
    `lazy_max_pages ${m.lazyMax} pages), ${m.purges} purges</div>` +
    `<svg viewBox="0 0 1000 48" preserveAspectRatio="none" class="vmap">${rects.join("")}</svg>` +
    `<div class="vm-axis">${spanText}</div>` +
    `<div class="legend"><span class="mapped">mapped</span><span class="unmapped">area, unmapped</span>` +
    `<span class="guard">guard page</span><span class="lazy">lazily freed, awaiting purge</span></div>`
  );
}

/** Perf events the chart draws, per snapshot (deltas). */
export const CHART_SERIES = [
  "dTLB-load-misses",
  "dTLB-store-misses",
  "iTLB-load-misses",
  "page_walker_loads.dtlb",
  "tlb_flush.entries_dropped",
] as const;

/** A ring of the last `size` samples of each series: the change since the previous snapshot. */
export class PerfHistory {
  readonly samples: number[][] = [];
  private last: Record<string, number> | null = null;

  constructor(readonly size = 240) {}

  add(perf: Snapshot["perf"]): void {
    if (this.last) {
      this.samples.push(CHART_SERIES.map((n) => Math.max(0, (perf[n] ?? 0) - (this.last![n] ?? 0))));
      if (this.samples.length > this.size) this.samples.shift();
    }
    this.last = { ...perf };
  }

  /** Forget the counters (a new machine starts from zero). */
  reset(): void {
    this.last = null;
  }
}

/** The chart as SVG polylines (one per series, scaled to the largest value shown). */
export function chartSvg(h: PerfHistory): string {
  const max = Math.max(1, ...h.samples.flat());
  const W = 600;
  const H = 120;
  const lines = CHART_SERIES.map((name, j) => {
    const pts = h.samples.map(
      (s, i) =>
        `${((i / Math.max(1, h.size - 1)) * W).toFixed(1)},${(H - (s[j]! / max) * (H - 4)).toFixed(1)}`,
    );
    return `<polyline class="s${j}" points="${pts.join(" ")}"><title>${name}</title></polyline>`;
  });
  const legend = CHART_SERIES.map((n, j) => `<span class="s${j}">${n}</span>`).join("");
  return `<svg viewBox="0 0 ${W} ${H}" class="chart">${lines.join("")}</svg><div class="legend">${legend} (max ${max} per frame)</div>`;
}
