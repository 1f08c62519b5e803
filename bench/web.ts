// `npm run bench:web`: the demo guest's MIPS under Node and in Chromium (the playground's
// benchmark page, web/bench.html, in Debian's headless Chromium: its Web Worker), the same
// function (web/src/bench-core.ts) in both. The runs alternate, Node then Chromium, so that both
// meet the same load on a shared machine; each side's best and median are printed, and their
// ratio. Without Chromium, the Node figures alone, and why.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Page } from "playwright-core";
import { buildPage, chromiumMissing, launchChromium, serveDir } from "../web/node/browser.js";
import { runDemo } from "../web/src/bench-core.js";

const { values } = parseArgs({ options: { runs: { type: "string", default: "10" } } });
const runs = Math.max(1, Number(values.runs) || 10);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const line = (who: string, i: number, mips: number, seconds: number): void =>
  console.log(`${who.padEnd(8)} run ${i + 1}: ${seconds.toFixed(3)} s, ${mips.toFixed(1)} MIPS`);

/** Run the comparison; `page` is the benchmark page, or null to measure Node alone. */
async function compare(page: Page | null): Promise<void> {
  const node: number[] = [];
  const chrome: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = runDemo();
    node.push(r.mips);
    line("node", i, r.mips, r.seconds);
    if (!page) continue;
    const c = await page.evaluate(() =>
      (window as unknown as { mmlabDemo: () => Promise<{ mips: number; seconds: number }> }).mmlabDemo(),
    );
    chrome.push(c.mips);
    line("chromium", i, c.mips, c.seconds);
  }
  const show = (xs: number[]): string =>
    `best ${Math.max(...xs).toFixed(1)}, median ${median(xs).toFixed(1)} MIPS`;
  console.log(`demo guest, ${runs} runs each: node ${show(node)}`);
  if (!page) return;
  console.log(`                       chromium ${show(chrome)}`);
  const best = Math.max(...chrome) / Math.max(...node);
  const med = median(chrome) / median(node);
  const within = (r: number): string => (Math.abs(1 - r) <= 0.2 ? "within 20%" : "NOT within 20%");
  console.log(
    `chromium/node: best ${best.toFixed(2)} (${within(best)}), median ${med.toFixed(2)} (${within(med)})`,
  );
}

const missing = chromiumMissing();
if (missing) {
  await compare(null);
  console.log(`chromium: not measured: ${missing}`);
} else {
  const out = mkdtempSync(join(tmpdir(), "mmlab-web-bench-"));
  await buildPage(out);
  const server = await serveDir(out);
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}bench.html`);
    await page.waitForFunction(() => "mmlabDemo" in window);
    await compare(page);
  } finally {
    await browser.close();
    await server.close();
    rmSync(out, { recursive: true, force: true });
  }
}
