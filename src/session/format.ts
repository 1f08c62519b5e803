// Text forms of the machine's state shared by the commands, the console and the web page:
// aligned tables, the TLB section of `--stats`, the kernel's counters, a PTE's permission
// letters and the virtual address of a TLB entry's page.

import { type PagingMode, pteFlagString } from "../mmu/index.js";
import type { TlbArrayReport, TlbHartReport, TlbReport } from "./perf.js";
import type { KernelStats } from "./stats.js";

const int = (n: number): string => n.toLocaleString("en-US");

/** Rows as aligned columns: the first `left` columns left-aligned, the others right-aligned. */
export function table(rows: string[][], left = 1): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c < left ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** Per-hart columns are shown up to this many harts (the total always). */
const MAX_HART_COLUMNS = 8;

/** The readable TLB section of `--stats`. */
export function formatTlb(r: TlbReport): string {
  if (Object.values(r.events).every((v) => v === 0)) {
    return `TLB (${r.preset}): no translations (satp was Bare all along)\n`;
  }
  const perHart = r.harts.length > 1 && r.harts.length <= MAX_HART_COLUMNS;
  const head = [`TLB (${r.preset}): perf events`];
  if (perHart) head.push(...r.harts.map((h) => `hart ${h.hart}`), "total");
  else head.push(r.harts.length === 1 ? "hart 0" : `total (${r.harts.length} harts)`);
  const rows = [head];
  for (const [name, total] of Object.entries(r.events)) {
    const row = [`  ${name}`];
    if (perHart) row.push(...r.harts.map((h) => int(h.events[name] ?? 0)));
    row.push(int(total));
    rows.push(row);
  }
  const arows = [
    [
      "TLB arrays",
      "level",
      "entries",
      "ways",
      "repl",
      "hits: fetch",
      "load",
      "store",
      "fills",
      "evictions",
      "in use",
    ],
  ];
  const sets: { label: string; arrays: TlbArrayReport[] }[] =
    r.harts.length === 1
      ? [{ label: "", arrays: r.harts[0]!.arrays }]
      : perHart
        ? r.harts.map((h) => ({ label: `hart ${h.hart} `, arrays: h.arrays }))
        : [{ label: "all harts ", arrays: sumArrays(r.harts) }];
  for (const { label, arrays } of sets) {
    for (const a of arrays) {
      arows.push([
        `  ${label}${a.name}`,
        a.level,
        String(a.entries),
        String(a.ways),
        a.replacement,
        int(a.hits.fetch),
        int(a.hits.load),
        int(a.hits.store),
        int(a.fills),
        int(a.evictions),
        int(a.occupied),
      ]);
    }
  }
  return `${table(rows)}\n${table(arows)}\n`;
}

/** Every hart's arrays added up (same geometry on every hart). */
function sumArrays(harts: readonly TlbHartReport[]): TlbArrayReport[] {
  return harts[0]!.arrays.map((a, i) => {
    const all = harts.map((h) => h.arrays[i]!);
    const sum = (f: (x: TlbArrayReport) => number): number => all.reduce((n, x) => n + f(x), 0);
    return {
      ...a,
      hits: {
        fetch: sum((x) => x.hits.fetch),
        load: sum((x) => x.hits.load),
        store: sum((x) => x.hits.store),
      },
      fills: sum((x) => x.fills),
      evictions: sum((x) => x.evictions),
      occupied: sum((x) => x.occupied),
    };
  });
}

/** The kernel's counters as a two-column table. */
export function formatKernel(k: KernelStats): string {
  const rows = [["kernel", ""]];
  const { vmstat, ...rest } = k;
  for (const [name, v] of Object.entries(rest)) rows.push([`  ${name}`, int(v)]);
  for (const [name, v] of Object.entries(vmstat)) rows.push([`  ${name}`, int(v)]);
  return table(rows);
}

/** A PTE's permission bits as "rwxugad": r w x u g a d, '-' where clear. */
export function permString(perm: number): string {
  return pteFlagString(perm).slice(1).toLowerCase();
}

/** The 64-bit virtual address of virtual page `vpn` in `mode` (sign-extended from vaBits). */
export function vpnToVa(vpn: number, mode: PagingMode): bigint {
  const va = BigInt(vpn) << 12n;
  return BigInt.asUintN(64, BigInt.asIntN(mode.vaBits, va));
}
