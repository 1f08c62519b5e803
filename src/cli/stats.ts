// The machine's counters as `--stats` prints them on stderr: a table (per hart and in total,
// traps by cause, the kernel's counters, the TLB's perf events and arrays) or one line of JSON.
// The counters themselves are collected in src/session (StatsCollector, kernelStats).

import { INSNS_PER_TICK, TIMEBASE_HZ } from "../cpu/index.js";
import type { StatsReport, TrapCount } from "../session/index.js";
import { err } from "./io.js";
import { formatKernel, formatTlb, table } from "./perf.js";

const int = (n: number): string => n.toLocaleString("en-US");
/** Seconds of a hart's clock: INSNS_PER_TICK cycles per timebase tick (1 GHz, as the kernel's
 *  CLOCK_HZ). */
const clockSeconds = (cycles: number): string => (cycles / (INSNS_PER_TICK * TIMEBASE_HZ)).toFixed(6);

/** Print a report on stderr as --stats asked: a table, or one line of JSON; `quiet` (-q) leaves
 *  out the table's first line, why the run ended. */
export function printStats(report: StatsReport, mode: "table" | "json", quiet = false): void {
  err(mode === "json" ? `${JSON.stringify(report)}\n` : formatStats(report, quiet));
}

/** The readable `--stats` table, headed by why the run ended unless `quiet`. A hart's cycles
 *  are its instructions; its clock adds the time it slept and, under the kernel, the kernel's
 *  modelled work, and "time s" is that clock at 1 GHz. A hart's wall time is the time spent
 *  interpreting it; the total's is the whole run, scheduling included. */
export function formatStats(s: StatsReport, quiet = false): string {
  const lines: string[] = [];
  if (!quiet) lines.push(`mmlab: ${s.reason} (exit status ${s.exitCode})`);
  const rows = [["", "instret", "cycles", "clock", "time s", "wall s", "MIPS", "traps"]];
  const count = (t: TrapCount[]): number => t.reduce((n, c) => n + c.count, 0);
  for (const h of s.harts) {
    rows.push([
      `hart ${h.hart}`,
      int(h.instret),
      int(h.cycles),
      int(h.clock),
      clockSeconds(h.clock),
      h.wallSeconds === null ? "-" : h.wallSeconds.toFixed(4),
      h.mips === null ? "-" : h.mips.toFixed(1),
      int(count(h.traps)),
    ]);
  }
  rows.push([
    "total",
    int(s.instret),
    int(s.cycles),
    int(s.clock),
    clockSeconds(s.clock),
    s.wallSeconds.toFixed(4),
    s.mips.toFixed(1),
    int(count(s.traps)),
  ]);
  lines.push(table(rows));
  if (s.jit) {
    const j = s.jit;
    lines.push(
      `translated: ${int(j.regions)} regions, ${int(j.insns)} instructions into ${int(j.wasmBytes)} bytes of ` +
        `WebAssembly in ${j.translateMs.toFixed(1)} ms; ${(100 * j.share).toFixed(1)}% of instructions ` +
        `run translated; ${int(j.dropped)} regions dropped, ${int(j.abandoned)} abandoned as slower`,
    );
  }
  if (s.traps.length > 0) {
    const head = ["traps by cause", ...s.harts.map((h) => `hart ${h.hart}`)];
    if (s.harts.length > 1) head.push("total");
    const trows = [head];
    for (const t of s.traps) {
      const label = `${t.interrupt ? "interrupt" : "exception"} ${t.cause}: ${t.name}`;
      const per = s.harts.map((h) => {
        const c = h.traps.find((x) => x.interrupt === t.interrupt && x.cause === t.cause);
        return int(c?.count ?? 0);
      });
      trows.push([label, ...per, ...(s.harts.length > 1 ? [int(t.count)] : [])]);
    }
    lines.push(table(trows));
  }
  if (s.kernel) lines.push(formatKernel(s.kernel));
  return `${lines.join("\n")}\n${formatTlb(s.tlb)}`;
}
