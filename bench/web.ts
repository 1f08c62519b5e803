// `npm run bench:web`: the demo guest's MIPS under Node and in Chromium (the playground's
// benchmark page, web/bench.html, in Debian's headless Chromium), the same function
// (web/src/bench-core.ts) in both, best of --runs each; prints both and their ratio. Without
// Chromium, the Node figure alone, and says why.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildPage, chromiumMissing, launchChromium, serveDir } from "../web/node/browser.js";
import { runDemo } from "../web/src/bench-core.js";

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
const runs = Math.max(1, Number(values.runs) || 5);

let node = 0;
for (let i = 0; i < runs; i++) {
  const r = runDemo();
  node = Math.max(node, r.mips);
  console.log(
    `node     run ${i + 1}: ${r.instret} instructions in ${r.seconds.toFixed(3)} s: ${r.mips.toFixed(1)} MIPS`,
  );
}

const missing = chromiumMissing();
if (missing) {
  console.log(`node: ${node.toFixed(1)} MIPS; chromium: not measured: ${missing}`);
} else {
  const out = mkdtempSync(join(tmpdir(), "mmlab-web-bench-"));
  await buildPage(out);
  const server = await serveDir(out);
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}bench.html?runs=${runs}`);
    await page.waitForFunction(() => document.getElementById("result")?.dataset.mips, undefined, {
      timeout: 600_000,
    });
    console.log((await page.locator("#log").textContent())?.split("\n\n")[0]);
    const chrome = Number(await page.locator("#result").getAttribute("data-mips"));
    const ratio = chrome / node;
    console.log(
      `demo guest, best of ${runs}: node ${node.toFixed(1)} MIPS, chromium ${chrome.toFixed(1)} MIPS: ` +
        `chromium/node ${ratio.toFixed(2)} (${Math.abs(1 - ratio) <= 0.2 ? "within" : "NOT within"} 20%)`,
    );
  } finally {
    await browser.close();
    await server.close();
    rmSync(out, { recursive: true, force: true });
  }
}
