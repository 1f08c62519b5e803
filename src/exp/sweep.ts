// sweep: the user's own program, run once per point of a parameter set (TLB presets, kernel
// command lines, harts, paging modes, the program's arguments, repeats) exactly as
// `mmlab run [--bare] --tlb T --append A --harts H --satp S PROGRAM ARGS` runs it (src/session's
// runUnderKernel and runBare), with its stdout and stderr captured instead of printed. Each
// point's row has the parameters, how the run ended, the counters `--stats=json` reports (every
// perf event, summed over harts), the kernel's vmstat deltas over the program's run, the wall
// time and a hash of what the program printed.

import { createHash } from "node:crypto";
import type { TaskIo } from "../kernel/index.js";
import {
  DEFAULT_TLB_PRESET,
  loadTlbConfig,
  PAGING_MODES,
  pagingModeByName,
  type TlbConfig,
} from "../mmu/index.js";
import {
  type KernelStats,
  loadBareProgram,
  type MachineSpec,
  nodeHostFs,
  ProgramError,
  readInput,
  readKernelProgram,
  runBare,
  runUnderKernel,
  type StatsReport,
} from "../session/index.js";
import { figure } from "./plot.js";
import { fmt } from "./report.js";
import {
  type Column,
  defineExperiment,
  ExpInputError,
  ExpOptionError,
  type PlotSpec,
  type Row,
  type SweepPointSpec,
  type SweepSpec,
} from "./types.js";

/** The program a sweep runs, as the plan records it. */
export interface SweepProgram {
  path: string;
  /** sha256 of the file: a sweep resumed or merged with another file is another plan. */
  sha256: string;
  bytes: number;
}

export interface SweepParams {
  program: SweepProgram;
  bare: boolean;
  env: string[];
  mounts: { host: string; guest: string; rw?: boolean }[];
  maxInsns: number | null;
  mem: number;
  seed: number;
  repeat: number;
  /** Every TLB the points use, by the name they were given (a preset or a JSON file). */
  tlbs: Record<string, TlbConfig>;
}

export interface SweepPoint {
  /** 1-based number in the plan. */
  n: number;
  tlb: string;
  append: string;
  harts: number;
  /** The paging mode, or "" for the default (under the kernel: sv48; --bare: any). */
  satp: string;
  args: string[];
  repeat: number;
}

/** The parameters a point varies, in the order of the cross product (outermost first). */
export const SWEEP_DIMENSIONS = ["tlb", "append", "harts", "satp", "args"] as const;

/** Values of each dimension; the cross product of them is the sweep's points. */
export interface SweepDimensions {
  tlb: string[];
  append: string[];
  harts: number[];
  satp: string[];
  args: string[][];
}

/** The points of the cross product: tlb outermost, then append, harts, satp, args. An empty
 *  list of values stands for one point with the default. */
export function crossProduct(d: Partial<SweepDimensions>): SweepPointSpec[] {
  let points: SweepPointSpec[] = [{}];
  const each = <T>(
    values: readonly T[] | undefined,
    set: (p: SweepPointSpec, v: T) => SweepPointSpec,
  ): void => {
    if (!values?.length) return;
    points = points.flatMap((p) => values.map((v) => set(p, v)));
  };
  each(d.tlb, (p, tlb) => ({ ...p, tlb }));
  each(d.append, (p, append) => ({ ...p, append }));
  each(d.harts, (p, harts) => ({ ...p, harts }));
  each(d.satp, (p, satp) => ({ ...p, satp }));
  each(d.args, (p, args) => ({ ...p, args }));
  return points;
}

/** The TLB `name` (a preset or a JSON file), as --tlb takes it. */
function resolveTlb(name: string): TlbConfig {
  try {
    return loadTlbConfig(name);
  } catch (e) {
    const msg = (e as Error).message;
    if (!name.endsWith(".json"))
      throw new ExpOptionError(
        `bad value '${name}' for '--tlb': ${msg.replace(/^unknown TLB preset '[^']*' /, "no such preset ")}`,
      );
    throw new ExpInputError(msg);
  }
}

/** The program's identity for the plan; a missing file is a bad input. */
function programId(path: string): SweepProgram {
  let bytes: Uint8Array;
  try {
    bytes = readInput(path);
  } catch (e) {
    if (e instanceof ProgramError) throw new ExpInputError(e.message);
    throw e;
  }
  return { path, sha256: createHash("sha256").update(bytes).digest("hex"), bytes: bytes.length };
}

/** The parameters and points of `spec`; throws ExpOptionError on a point that cannot run. */
export function planSweep(spec: SweepSpec): { params: SweepParams; points: SweepPoint[] } {
  const tlbs: Record<string, TlbConfig> = {};
  const points: SweepPoint[] = [];
  for (const [k, p] of spec.points.entries()) {
    const where = spec.points.length > 1 ? `point ${k + 1}: ` : "";
    const tlb = p.tlb ?? DEFAULT_TLB_PRESET;
    tlbs[tlb] ??= resolveTlb(tlb);
    const satp = p.satp ?? "";
    if (satp && !PAGING_MODES.some((m) => m.name === satp))
      throw new ExpOptionError(`${where}bad value '${satp}' for satp: expected sv39, sv48 or sv57`);
    if (!spec.bare && satp && satp !== "sv48")
      throw new ExpOptionError(`${where}--satp ${satp} needs --bare: the kernel uses Sv48`);
    const args = p.args ?? spec.args;
    if (spec.bare && args.length) throw new ExpOptionError(`${where}a --bare program takes no arguments`);
    if (spec.bare && p.append) throw new ExpOptionError(`${where}--append is for the kernel, not --bare`);
    for (let repeat = 1; repeat <= spec.repeat; repeat++) {
      points.push({
        n: points.length + 1,
        tlb,
        append: p.append ?? "",
        harts: p.harts ?? 1,
        satp,
        args,
        repeat,
      });
    }
  }
  const params: SweepParams = {
    program: programId(spec.program),
    bare: spec.bare,
    env: spec.env,
    mounts: spec.mounts,
    maxInsns: spec.maxInsns,
    mem: spec.mem,
    seed: spec.seed,
    repeat: spec.repeat,
    tlbs,
  };
  return { params, points };
}

/** What a guest wrote on one of its streams: counted and hashed whole, the last 4 KiB kept. */
class Capture {
  private readonly hash = createHash("sha256");
  bytes = 0;
  private tail = new Uint8Array(0);

  write(data: Uint8Array): void {
    this.hash.update(data);
    this.bytes += data.length;
    const keep = 4096;
    const joined = new Uint8Array(Math.min(keep, this.tail.length + data.length));
    const fromTail = Math.max(0, joined.length - data.length);
    joined.set(this.tail.subarray(this.tail.length - fromTail), 0);
    joined.set(data.subarray(data.length - (joined.length - fromTail)), fromTail);
    this.tail = joined;
  }

  line(text: string): void {
    this.write(new TextEncoder().encode(`${text}\n`));
  }

  /** The first 16 hex digits of the sha256 of everything written. */
  digest(): string {
    return this.hash.digest("hex").slice(0, 16);
  }

  /** The last non-empty line, at most 200 characters. */
  lastLine(): string {
    const lines = new TextDecoder().decode(this.tail).split("\n");
    const last = lines.filter((l) => l.trim() !== "").pop() ?? "";
    return last.length > 200 ? `${last.slice(0, 197)}...` : last;
  }
}

/** The end of one run of the program. */
interface PointRun {
  status: number;
  reason: string;
  report: StatsReport;
  /** vmstat when the program started and when it ended (null in --bare). */
  vmstat: { start: KernelStats; end: KernelStats } | null;
}

/** Read the program for a point; it must still be the file the plan hashed. */
function checkProgram(p: SweepProgram): void {
  const now = programId(p.path);
  if (now.sha256 !== p.sha256) throw new Error(`${p.path} changed while the sweep ran (its sha256 differs)`);
}

function runKernelPoint(
  p: SweepParams,
  q: SweepPoint,
  spec: MachineSpec,
  out: Capture,
  err: Capture,
): PointRun {
  const elf = readKernelProgram(p.program.path);
  if (elf === null) throw new Error(`${p.program.path}: no such file`);
  const none = new Uint8Array(0);
  const io: TaskIo = {
    stdin: () => none,
    write: (fd, data) => (fd === 1 ? out : err).write(data),
    isatty: () => false,
  };
  const line = (text: string): void => err.line(text);
  const r = runUnderKernel(
    spec,
    {
      elf,
      path: p.program.path,
      args: q.args,
      env: p.env,
      mounts: p.mounts.map((m) => ({ ...m, rw: m.rw === true })),
      seed: p.seed,
      append: q.append,
    },
    { io, log: line, dmesg: false, message: line, stats: true, hostFs: nodeHostFs() },
  );
  if (r.report === null) {
    // Not run (exec refused it): a row of zeros with the status and the line.
    const report = emptyReport(r.status, r.reason);
    return { status: r.status, reason: r.reason, report, vmstat: null };
  }
  const vmstat = r.kernelAtStart ? { start: r.kernelAtStart, end: r.report.kernel } : null;
  return { status: r.status, reason: r.reason, report: r.report, vmstat };
}

function emptyReport(exitCode: number, reason: string): StatsReport {
  return {
    exitCode,
    reason,
    instret: 0,
    cycles: 0,
    clock: 0,
    wallSeconds: 0,
    mips: 0,
    traps: [],
    harts: [],
    machine: { harts: 0, mem: 0, tlb: "" },
    tlb: { preset: "", events: {}, harts: [] },
  };
}

function runBarePoint(p: SweepParams, spec: MachineSpec, out: Capture, err: Capture): PointRun {
  const elf = loadBareProgram(p.program.path);
  const byte = new Uint8Array(1);
  const { result, report } = runBare(elf, p.program.path, spec, {
    console: (b) => {
      byte[0] = b;
      out.write(byte);
    },
  });
  if (result.exitCode !== 0) err.line(`mmlab: ${result.reason}`);
  return { status: result.exitCode, reason: result.reason, report, vmstat: null };
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
const perKilo = (n: number, insns: number): number | null => (insns > 0 ? round3((1000 * n) / insns) : null);

/** Run point `q` and make its row. */
function sweepPoint(p: SweepParams, q: SweepPoint): Row {
  checkProgram(p.program);
  const spec: MachineSpec = {
    harts: q.harts,
    mem: p.mem,
    tlb: p.tlbs[q.tlb]!,
    satp: q.satp ? pagingModeByName(q.satp) : null,
    maxInsns: p.maxInsns ?? Number.POSITIVE_INFINITY,
  };
  const out = new Capture();
  const err = new Capture();
  const t0 = performance.now();
  const run = p.bare ? runBarePoint(p, spec, out, err) : runKernelPoint(p, q, spec, out, err);
  const wall = (performance.now() - t0) / 1000;
  const ev = run.report.tlb.events;
  const get = (k: string): number => ev[k] ?? 0;
  const insns = run.report.instret;
  const walks =
    get("dtlb_load_misses.miss_causes_a_walk") +
    get("dtlb_store_misses.miss_causes_a_walk") +
    get("itlb_misses.miss_causes_a_walk");
  const row: Row = {
    point: q.n,
    tlb: q.tlb,
    append: q.append,
    harts: q.harts,
    satp: q.satp,
    args: q.args.join(" "),
    repeat: q.repeat,
    status: run.status,
    reason: run.reason,
    message: run.status === 0 ? "" : err.lastLine(),
    instructions: insns,
    cycles: run.report.cycles,
    dtlb_mpki: perKilo(get("dTLB-load-misses") + get("dTLB-store-misses"), insns),
    itlb_mpki: perKilo(get("iTLB-load-misses"), insns),
    walks,
    pte_reads_per_walk:
      walks > 0 ? round3((get("page_walker_loads.dtlb") + get("page_walker_loads.itlb")) / walks) : null,
    ...walksBySize(ev),
    wall_s: round3(wall),
    stdout_hash: out.digest(),
    output_differs: null,
    stdout_bytes: out.bytes,
    stderr_bytes: err.bytes,
    ...ev,
  };
  if (run.vmstat) {
    const { start, end } = run.vmstat;
    for (const [name, v] of Object.entries(end.vmstat)) row[`vmstat.${name}`] = v - (start.vmstat[name] ?? 0);
  }
  return row;
}

/** walks_4k, walks_2m, ...: completed walks by leaf size, loads, stores and fetches together. */
function walksBySize(ev: Record<string, number>): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(ev)) {
    const m = /\.walk_completed_(\w+)$/.exec(k);
    if (m) out[`walks_${m[1]}`] = ((out[`walks_${m[1]}`] as number | undefined) ?? 0) + v;
  }
  return out;
}

const COLUMNS: readonly Column[] = [
  { key: "point", description: "the point's number in the plan (1-based)" },
  { key: "tlb", description: "TLB preset or JSON file (--tlb)", kind: "string" },
  { key: "append", description: "kernel command line (--append)", kind: "string" },
  { key: "harts", description: "harts (--harts)" },
  {
    key: "satp",
    description: "paging mode (--satp); empty: the default (the kernel's sv48; --bare: any)",
    kind: "string",
  },
  { key: "args", description: "the program's arguments, space-separated", kind: "string" },
  { key: "repeat", description: "which run of the point (--repeat)" },
  {
    key: "status",
    description: "exit status, as mmlab run gives it (128+s: killed by signal s; 124: --max-insns)",
  },
  { key: "reason", description: "how the run ended", kind: "string" },
  {
    key: "message",
    description: "when the status is not 0: the last line on the program's stderr",
    kind: "string",
  },
  { key: "instructions", description: "instructions retired, all harts (--stats instret)" },
  { key: "cycles", description: "cycles, all harts" },
  { key: "dtlb_mpki", description: "L1 DTLB misses (loads and stores) per 1000 instructions" },
  { key: "itlb_mpki", description: "L1 ITLB misses per 1000 instructions" },
  { key: "walks", description: "page walks (misses of every TLB level: loads, stores, fetches)" },
  { key: "pte_reads_per_walk", description: "PTE reads by the walker per walk (empty: no walk)" },
  { key: "walks_4k", description: "page walks that found a 4 KiB leaf (loads, stores, fetches)" },
  { key: "walks_2m", description: "page walks that found a 2 MiB leaf" },
  { key: "walks_1g", description: "page walks that found a 1 GiB leaf" },
  { key: "wall_s", description: "wall time of the point, boot included (seconds; differs from run to run)" },
  {
    key: "stdout_hash",
    description: "the first 16 hex digits of the sha256 of the program's stdout",
    kind: "string",
  },
  {
    key: "output_differs",
    description: "the stdout differs from the first point's with the same arguments (a whole run only)",
    kind: "boolean",
  },
  { key: "stdout_bytes", description: "bytes the program wrote on stdout" },
  {
    key: "stderr_bytes",
    description: "bytes on stderr (the program's, and the kernel lines mmlab run shows)",
  },
];

/** A description for the columns a row has beyond COLUMNS. */
function describeColumn(key: string): string {
  const walk = /^walks_(\w+)$/.exec(key);
  if (walk) return `page walks that found a ${walk[1]} leaf (loads, stores, fetches)`;
  if (key.startsWith("vmstat.")) return `change of /proc/vmstat ${key.slice(7)} over the program's run`;
  return `perf event ${key}, all harts, boot included (as mmlab run --stats=json)`;
}

/** COLUMNS, then every other key in the order the rows first have it. */
function sweepColumns(rows: readonly Row[]): Column[] {
  const cols = [...COLUMNS];
  const seen = new Set(cols.map((c) => c.key));
  for (const r of rows) {
    for (const k of Object.keys(r)) {
      if (seen.has(k)) continue;
      seen.add(k);
      cols.push({ key: k, description: describeColumn(k) });
    }
  }
  return cols;
}

/** Mark the rows whose stdout differs from the first row's with the same arguments. */
function markOutputs(rows: Row[]): Row[] {
  const first = new Map<string, Value>();
  return rows.map((r) => {
    const args = String(r.args);
    if (!first.has(args)) first.set(args, r.stdout_hash ?? null);
    return { ...r, output_differs: r.stdout_hash !== first.get(args) };
  });
}

type Value = Row[string];

/** The dimensions that take more than one value in `rows`, in cross-product order. */
function varying(rows: readonly Row[]): (typeof SWEEP_DIMENSIONS)[number][] {
  return SWEEP_DIMENSIONS.filter((d) => new Set(rows.map((r) => r[d])).size > 1);
}

/** A parameter's value as a label: an empty append is "(none)", an empty satp "default". */
function valueLabel(dim: string, v: Value | undefined): string {
  const s = v === null || v === undefined ? "" : String(v);
  if (s !== "") return s;
  return dim === "satp" ? "default" : "(none)";
}

function pointLabel(q: SweepPoint): string {
  const parts = [`#${q.n}`, `tlb=${q.tlb}`];
  if (q.append) parts.push(`append='${q.append}'`);
  if (q.harts !== 1) parts.push(`harts=${q.harts}`);
  if (q.satp) parts.push(`satp=${q.satp}`);
  if (q.args.length) parts.push(`args='${q.args.join(" ")}'`);
  if (q.repeat > 1) parts.push(`repeat=${q.repeat}`);
  return parts.join(" ");
}

/** The x axis (the first parameter that varies) and the series (the others that vary). */
function layout(rows: readonly Row[]): { x: string; series: string[] } {
  const v = varying(rows);
  return { x: v[0] ?? "tlb", series: v.slice(1) };
}

/** One panel: a bar per point, grouped by the x parameter, a colour per series. */
function barPanel(values: Row[], hasSeries: boolean, field: string, title: string, ytitle: string) {
  const xs = [...new Set(values.map((v) => v.x as string))];
  return {
    width: 260,
    height: 200,
    title,
    data: { values },
    mark: { type: "bar" as const },
    encoding: {
      x: {
        field: "x",
        type: "nominal" as const,
        title: null,
        sort: xs,
        axis: { labelAngle: 0, labelLimit: 120 },
      },
      ...(hasSeries
        ? {
            xOffset: { field: "series", type: "nominal" as const, sort: null },
            color: {
              field: "series",
              type: "nominal" as const,
              title: null,
              sort: null,
              legend: { orient: "top" as const, direction: "vertical" as const },
            },
          }
        : {}),
      y: { field, type: "quantitative" as const, title: ytitle, scale: { zero: true } },
    },
  };
}

function plotTitle(
  p: SweepParams,
  rows: readonly Row[],
): { title: string; grouping: string; subtitle: string } {
  const args = [...new Set(rows.map((r) => String(r.args)))];
  const cmd = `${p.program.path}${args.length === 1 && args[0] ? ` ${args[0]}` : ""}`;
  const { x, series } = layout(rows);
  return {
    title: `${cmd}${p.bare ? " (bare)" : ""}`,
    grouping: `bars grouped by ${x}${series.length ? `, a colour per ${series.join(" + ")}` : ""}`,
    subtitle: `${rows.length} points; counters as mmlab run --stats=json gives them (boot included)`,
  };
}

/** The plot rows: the first repeat of each point, with x and series labels. */
function plotValues(rows: readonly Row[]): { values: Row[]; hasSeries: boolean } {
  const { x, series } = layout(rows);
  const values = rows
    .filter((r) => r.repeat === 1)
    .map((r) => ({
      ...r,
      x: valueLabel(x, r[x]),
      series: series.map((d) => `${d}=${valueLabel(d, r[d])}`).join(", "),
    }));
  return { values, hasSeries: series.length > 0 };
}

/** sweep.svg (MPKI, PTE reads per walk, cycles) and sweep-walks.svg (walks by page size). */
function sweepPlots(rows: Row[], p: SweepParams): PlotSpec[] {
  if (rows.length === 0) return [];
  const { values, hasSeries } = plotValues(rows);
  const { title, grouping, subtitle } = plotTitle(p, rows);
  const panel = (f: string, t: string, y: string) => barPanel(values, hasSeries, f, t, y);
  const sizes = Object.keys(rows[0]!).filter((k) => k.startsWith("walks_"));
  // Long form for the walks plot: one value per point and leaf size, zeros left out (log scale).
  const { x, series } = layout(rows);
  const pointName = (r: Row): string => [x, ...series].map((d) => valueLabel(d, r[d])).join(" / ");
  const walkValues = values.flatMap((r) =>
    sizes
      .filter((k) => ((r[k] as number | null) ?? 0) > 0)
      .map((k) => ({ point: pointName(r), size: k.slice(6), walks: r[k] })),
  );
  const pointOrder = [...new Set(values.map(pointName))];
  return [
    figure("", title, `${subtitle}; ${grouping}`, {
      columns: 2,
      concat: [
        panel("dtlb_mpki", "L1 DTLB misses per 1000 instructions", "dTLB MPKI"),
        panel("itlb_mpki", "L1 ITLB misses per 1000 instructions", "iTLB MPKI"),
        panel("pte_reads_per_walk", "PTE reads per page walk", "PTE reads / walk"),
        panel("cycles", "Cycles", "cycles"),
      ],
    }),
    figure(
      "walks",
      `${title}: page walks by leaf size`,
      [
        subtitle,
        "page walks of loads, stores and fetches by the size of the leaf found; log scale, no bar: none",
      ],
      {
        width: Math.max(240, 16 * sizes.length * values.length),
        height: 220,
        data: { values: walkValues },
        mark: { type: "bar" as const },
        encoding: {
          x: {
            field: "point",
            type: "nominal" as const,
            title: null,
            sort: pointOrder,
            axis: { labelAngle: pointOrder.some((l) => l.length > 16) ? -30 : 0, labelLimit: 0 },
          },
          xOffset: { field: "size", type: "nominal" as const, sort: sizes.map((k) => k.slice(6)) },
          y: {
            field: "walks",
            type: "quantitative" as const,
            title: "walks completed (log)",
            scale: { type: "log", domainMin: 1 },
          },
          y2: { datum: 1 },
          color: {
            field: "size",
            type: "nominal" as const,
            title: "leaf size",
            sort: sizes.map((k) => k.slice(6)),
          },
        },
      },
    ),
  ];
}

function sweepTables(rows: Row[]): string[][][] {
  const dims = varying(rows);
  const head = [
    "#",
    ...dims,
    "repeat",
    "status",
    "instructions",
    "dTLB MPKI",
    "iTLB MPKI",
    "walks",
    "PTE/walk",
    "wall s",
  ];
  const withRepeat = rows.some((r) => r.repeat !== 1);
  const out = [withRepeat ? head : head.filter((h) => h !== "repeat")];
  for (const r of rows) {
    const cells = [
      String(r.point),
      ...dims.map((d) => valueLabel(d, r[d])),
      ...(withRepeat ? [String(r.repeat)] : []),
      String(r.status),
      fmt(r.instructions),
      fmt(r.dtlb_mpki, 3),
      fmt(r.itlb_mpki, 3),
      fmt(r.walks),
      fmt(r.pte_reads_per_walk, 2),
      fmt(r.wall_s, 2),
    ];
    out.push(cells);
  }
  return [out];
}

function sweepNotes(rows: Row[]): string[] {
  if (rows.length === 0) return [];
  const differ = rows.filter((r) => r.output_differs === true).length;
  return [
    differ === 0
      ? `stdout: the same at every point with the same arguments (sha256 ${rows[0]!.stdout_hash}...)`
      : `stdout: ${differ} of ${rows.length} points printed something else than the first point with their arguments`,
  ];
}

function sweepWarnings(rows: Row[]): string[] {
  const out: string[] = [];
  const differ = rows.filter((r) => r.output_differs === true);
  if (differ.length)
    out.push(
      `the program's output differs between points: point${differ.length > 1 ? "s" : ""} ` +
        `${differ.map((r) => r.point).join(", ")} printed another stdout than the first point with the same ` +
        "arguments (see the output_differs column): a deterministic program prints the same whatever the TLB, the kernel's policy or the paging mode",
    );
  const failed = rows.filter((r) => r.status !== 0);
  for (const r of failed.slice(0, 5))
    out.push(
      `point ${r.point}: exit status ${r.status} (${r.reason})` +
        (r.message && !String(r.message).endsWith(String(r.reason)) ? `: ${r.message}` : ""),
    );
  if (failed.length > 5) out.push(`... and ${failed.length - 5} more points with a non-zero exit status`);
  return out;
}

export const sweepExperiment = defineExperiment<SweepParams, SweepPoint>({
  name: "sweep",
  summary: "your own program, once per point of a parameter set: TLB, kernel command line, harts, satp",
  description: `Runs PROGRAM (under the kernel, or --bare) once per point of the cross product of
--tlb A,B, --append (repeatable), --harts 1,2,4 and --satp sv39,sv48 (or the points of a --points
file), --repeat times each, exactly as mmlab run would, and records per point the exit status,
instructions, cycles, every perf event, the kernel's vmstat deltas, the wall time and a hash of
the program's stdout.`,
  uses: ["tlb", "satp"],
  columns: COLUMNS,
  paramsShape: {
    program: { path: "string", sha256: "string", bytes: "number" },
    bare: "boolean",
    env: ["string"],
    mounts: [{ host: "string", guest: "string", rw: "boolean?" }],
    maxInsns: "number?",
    mem: "number",
    seed: "number",
    repeat: "number",
    tlbs: { "*": "tlb" },
  },
  plan(opts) {
    if (!opts.sweep)
      throw new ExpOptionError("sweep needs a program: mmlab exp sweep [options] -- PROGRAM [ARGS...]");
    return planSweep(opts.sweep);
  },
  runPoint: (params, point) => [sweepPoint(params, point)],
  plots: sweepPlots,
  tables: (rows) => sweepTables(rows),
  notes: (rows) => sweepNotes(rows),
  warnings: (rows) => sweepWarnings(rows),
  describePoint: pointLabel,
  resultColumns: sweepColumns,
  finishRows: markOutputs,
  volatile: ["wall_s"],
});
