// Text views of the machine shared by the commands that show them (src/cli: --stats, the
// console) and the gdb stub's monitor commands (src/gdb): aligned tables, the TLB counters and
// arrays, a hart's TLB entries, a page walk level by level, the kernel's counters.

import type { Machine } from "../cpu/index.js";
import { hex64 } from "../kernel/index.js";
import {
  formatWalk,
  type PagingMode,
  pageSizeName,
  pagingMode,
  pteFlagString,
  satpAsid,
  satpMode,
  satpPpn,
} from "../mmu/index.js";
import { hartTlb, type TlbArrayReport, type TlbHartReport, type TlbReport } from "./perf.js";
import type { KernelStats } from "./stats.js";

const hexAddr = (v: bigint): string => `0x${hex64(v)}`;

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
    // All zero: satp was Bare, or no access has gone through the MMU since the counters started (the
    // kernel console right after boot, with Sv48 on): the counters cannot tell which.
    return `TLB (${r.preset}): no translations counted (satp Bare, or no access since the counters started)\n`;
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
  const { vmstat, tlb_flush, ...rest } = k;
  for (const [name, v] of Object.entries(rest)) rows.push([`  ${name}`, int(v)]);
  for (const [name, v] of Object.entries(vmstat)) rows.push([`  ${name}`, int(v)]);
  const reasons = Object.entries(tlb_flush);
  if (reasons.length === 0) return table(rows);
  const frows = [
    [
      "TLB flushes by reason",
      "flushes",
      "shootdowns",
      "IPIs sent",
      "IPIs received",
      "fences",
      "dropped",
      "sender cyc",
      "receiver cyc",
    ],
  ];
  for (const [r, f] of reasons)
    frows.push([
      `  ${r}`,
      ...[
        f.flushes,
        f.shootdowns,
        f.ipis_sent,
        f.ipis_received,
        f.fences,
        f.entries_dropped,
        f.sender_cycles,
        f.receiver_cycles,
      ].map(int),
    ]);
  return `${table(rows)}\n${table(frows)}`;
}

/** The 64-bit virtual address of virtual page `vpn` in `mode` (sign-extended from vaBits). */
export function vpnToVa(vpn: number, mode: PagingMode): bigint {
  const va = BigInt(vpn) << 12n;
  return BigInt.asUintN(64, BigInt.asIntN(mode.vaBits, va));
}

/** A PTE's permission bits as "rwxugad": r w x u g a d, '-' where clear. */
export function permString(perm: number): string {
  return pteFlagString(perm).slice(1).toLowerCase();
}

/** The paging mode hart `id` uses (satp), or null when satp is Bare. */
function hartMode(machine: Machine, id: number): PagingMode | null {
  return pagingMode(satpMode(machine.harts[id]!.satp)) ?? null;
}

/** `tlb HART` (console, gdb's monitor tlb): the valid entries of every array of hart `id`. */
export function tlbView(machine: Machine, id: number): string {
  const { tlb } = hartTlb(machine, id);
  const mode = hartMode(machine, id);
  const entries = tlb.entries();
  const n = entries.length;
  const head = `hart ${id}: TLB ${tlb.cfg.name}, satp ${mode?.name ?? "Bare"}: ${n} valid entr${n === 1 ? "y" : "ies"}`;
  if (entries.length === 0) return head;
  const rows = [["array", "va range", "pa", "size", "asid", "g", "perms"]];
  for (const e of entries) {
    const va = vpnToVa(e.vpn, mode ?? pagingMode(9)!);
    const size = 1n << BigInt(e.shift);
    const piece = e.leafShift !== e.shift ? ` (of ${pageSizeName(e.leafShift).toUpperCase()})` : "";
    rows.push([
      e.array,
      `${hexAddr(va)}-${hexAddr(va + size - 1n)}`,
      `0x${(BigInt(e.ppn) * 4096n).toString(16)}`,
      `${pageSizeName(e.shift).toUpperCase()}${piece}`,
      String(e.asid),
      e.global ? "g" : "-",
      permString(e.perm),
    ]);
  }
  return `${head}\n${table(rows, 2)}`;
}

/** `walk VA` (console, gdb's monitor walk): the walk hart `id`'s MMU would do, level by level
 *  (the walker's record, read straight from memory: it fills no TLB and sets no A/D bit). */
export function walkView(machine: Machine, va: bigint, id: number): string {
  const h = machine.harts[id]!;
  const mode = hartMode(machine, id);
  if (!mode) return `hart ${id}: satp is Bare: ${hexAddr(va)} is a physical address`;
  const root = satpPpn(h.satp);
  const lo = Number(BigInt.asIntN(32, va));
  const hi = Number(BigInt.asIntN(32, va >> 32n));
  const record = hartTlb(machine, id).walker.inspect(mode, root, lo, hi);
  const lines = [
    `walk ${hexAddr(va)} on hart ${id}: ${mode.name}, root table at 0x${(root * 4096).toString(16)}, asid ${satpAsid(h.satp)}`,
    ...formatWalk(record, va),
  ];
  if (record.stop !== "not-canonical") lines.push(...tlbHolding(machine, va, id, mode));
  return lines.join("\n");
}

/** The TLB entries of hart `id` that translate `va` (possibly stale ones). */
function tlbHolding(machine: Machine, va: bigint, id: number, mode: PagingMode): string[] {
  const { tlb } = hartTlb(machine, id);
  const asid = satpAsid(machine.harts[id]!.satp);
  const vpn = Number((va & ((1n << BigInt(mode.vaBits)) - 1n)) >> 12n);
  const hits = tlb
    .entries()
    .filter((e) => vpn >= e.vpn && vpn < e.vpn + 2 ** (e.shift - 12) && (e.global || e.asid === asid));
  if (hits.length === 0) return [`  TLB of hart ${id}: no entry for this address`];
  return hits.map((e) => {
    const pa = BigInt(e.ppn + (vpn - e.vpn)) * 4096n + (va & 4095n);
    const size = pageSizeName(e.shift).toUpperCase();
    return `  TLB of hart ${id}: ${e.array} holds it: pa 0x${pa.toString(16)} ${size} ${permString(e.perm)}`;
  });
}
