// Plots: vega-lite specifications compiled to vega and rendered to SVG in Node (no browser, no
// canvas: vega's "none" renderer estimates text widths), and the pieces the experiments share
// (a byte-size axis on a log scale, the common look). vega and vega-lite are imported when the
// first plot is drawn, not with this module: they are CommonJS bundles of ~100 modules that cost
// about 0.4 s of CPU to load, and only `mmlab exp` draws plots (docs/performance.md).

import type { TopLevelSpec } from "vega-lite";
import type { PlotSpec, VlSpec } from "./types.js";

/** Render a vega-lite specification to an SVG document. The spec is copied first: vega tags
 *  the data objects it is given, and those are the experiment's rows. */
export async function renderSvg(spec: VlSpec): Promise<string> {
  const [vega, vl] = await Promise.all([import("vega"), import("vega-lite")]);
  const compiled = vl.compile(structuredClone(spec) as unknown as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return `${tidy(renumberIds(await view.toSVG()), titleOf(spec))}\n`;
  } finally {
    view.finalize();
  }
}

function titleOf(spec: VlSpec): string {
  const t = spec.title;
  if (typeof t === "string") return t;
  if (t && typeof t === "object" && "text" in t && typeof t.text === "string") return t.text;
  return "mmlab experiment";
}

const escapeXml = (s: string): string =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

/** The document's title as an SVG <title> (its accessible name), and without vega's ARIA roles
 *  (role="graphics-object" and their role descriptions), which HTML linters (Biome's a11y rules)
 *  read as interactive elements given non-interactive roles; the aria-labels stay. */
function tidy(svg: string, title: string): string {
  return svg
    .replace(/ role="[^"]*"/g, "")
    .replace(/ aria-roledescription="[^"]*"/g, "")
    .replace(/^(<svg[^>]*>)/, `$1<title>${escapeXml(title)}</title>`);
}

/** Vega numbers clip paths (and gradients) with counters that live as long as the process: give
 *  them the numbers 1, 2, ... in order of appearance, so that a plot's SVG does not depend on
 *  what was drawn before it. */
function renumberIds(svg: string): string {
  const ids = new Map<string, string>();
  return svg.replace(/\b(clip|gradient|pattern)(\d+)\b/g, (id, kind: string) => {
    let n = ids.get(id);
    if (n === undefined) {
      n = `${kind}${[...ids.keys()].filter((k) => k.startsWith(kind)).length + 1}`;
      ids.set(id, n);
    }
    return n;
  });
}

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

/** A vega expression formatting `datum.value` (bytes) as 16 KiB, 2 MiB, 1 GiB. */
export const BYTES_LABEL =
  "datum.value >= 1073741824 ? format(datum.value / 1073741824, '~g') + ' GiB' : " +
  "datum.value >= 1048576 ? format(datum.value / 1048576, '~g') + ' MiB' : " +
  "datum.value >= 1024 ? format(datum.value / 1024, '~g') + ' KiB' : format(datum.value, '~g') + ' B'";

/** Human text for a byte count: 16 KiB, 2 MiB, 1.5 GiB. */
export function formatBytes(n: number): string {
  const units: [number, string][] = [
    [GiB, "GiB"],
    [MiB, "MiB"],
    [KiB, "KiB"],
  ];
  for (const [size, unit] of units) {
    if (n >= size) return `${Number((n / size).toPrecision(4))} ${unit}`;
  }
  return `${n} B`;
}

/** Powers of `step` from `lo` to `hi` (inclusive), for axis ticks. */
export function powers(lo: number, hi: number, step: number): number[] {
  const out: number[] = [];
  for (let v = lo; v <= hi * 1.0001; v *= step) out.push(v);
  return out;
}

/** Tick values for a log byte axis over [lo, hi]: powers of 2, 4, 16 or 256 apart, the closest
 *  spacing that gives at most `maxTicks`. */
export function byteTicks(lo: number, hi: number, maxTicks = 7): number[] {
  const start = 2 ** Math.floor(Math.log2(lo));
  for (const step of [2, 4, 16, 256]) {
    const ticks = powers(start, hi, step);
    if (ticks.length <= maxTicks) return ticks;
  }
  return [start, hi];
}

/** An x or y encoding for bytes over [lo, hi] on a log-2 scale, ticks labelled 16 KiB, 1 GiB. */
export function bytesAxis(
  field: string,
  title: string,
  lo: number,
  hi: number,
  maxTicks = 7,
): { field: string; type: "quantitative"; title: string; scale: object; axis: object } {
  return {
    field,
    type: "quantitative",
    title,
    scale: { type: "log", base: 2, domain: [lo, hi], nice: false },
    axis: {
      values: byteTicks(lo, hi, maxTicks),
      labelExpr: BYTES_LABEL,
      labelAngle: 0,
      labelOverlap: false,
      labelFlush: false,
      grid: true,
    },
  };
}

/** The look every plot shares. Keep y-axis titles shorter than the plot is high: a longer one
 *  sticks out above the panel and pushes that panel's title up. */
const CONFIG = {
  font: "Helvetica, Arial, sans-serif",
  view: { stroke: "#ddd" },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: "#eee" },
  // End labels inside the axis, so that panels side by side keep their titles level.
  axisY: { labelFlush: true },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 400, titleLimit: 400 },
  title: { fontSize: 14, anchor: "start" as const, subtitleFontSize: 11, subtitleColor: "#555" },
  range: { category: ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"] },
};

const SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** A plot in the common look: `body` (panels side by side, or one chart) under a title and a
 *  subtitle, written as NAME.svg (suffix "") or NAME-SUFFIX.svg. */
export function figure(
  suffix: string,
  title: string,
  subtitle: string | string[],
  body: Record<string, unknown>,
): PlotSpec {
  return { suffix, spec: { $schema: SCHEMA, title: { text: title, subtitle }, ...body, config: CONFIG } };
}
