// The playground in a real headless Chromium (Debian's package, driven by playwright-core; no
// browser is downloaded): the page built into a temporary folder and served on 127.0.0.1, the
// console typed into its terminal (vmalloc, memset, vrealloc: the vmalloc view shows 4 pages,
// the TLB view lost the freed entries), the hello guest run and its output read back, cat
// reading what is typed in the terminal (a line at a time, or raw keys), a 2048-entry L2 TLB's
// scrolling, zoomable grid, a
// screenshot saved (out/web/playground.png), and the benchmark page run. Skipped, with the
// reason, where Chromium is not installed (.ci/run installs it with apt-get).

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildPage, chromiumMissing, launchChromium, serveDir } from "../../web/node/browser.js";

const missing = chromiumMissing();

let out = "";
let warnings: string[] = [];
let server: { url: string; close: () => Promise<void> } | null = null;
let browser: { context: BrowserContext; close: () => Promise<void> } | null = null;

beforeAll(async () => {
  if (missing) return;
  out = mkdtempSync(join(tmpdir(), "mmlab-web-"));
  warnings = await buildPage(out);
  server = await serveDir(out);
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (out) rmSync(out, { recursive: true, force: true });
});

const terminalText = (page: Page): Promise<string> =>
  page.evaluate(() => (window as unknown as { mmlabTerminalText: () => string }).mmlabTerminalText());

/** Type a line into the terminal and wait until the terminal shows `until`. */
async function type(page: Page, line: string, until: string | RegExp): Promise<string> {
  await page.locator("#terminal textarea").focus();
  await page.keyboard.type(line);
  await page.keyboard.press("Enter");
  await page.waitForFunction(
    ([re, src]) => {
      const t = (window as unknown as { mmlabTerminalText: () => string }).mmlabTerminalText();
      return re ? new RegExp(src).test(t) : t.includes(src);
    },
    [typeof until !== "string", typeof until === "string" ? until : until.source] as const,
    { timeout: 60_000 },
  );
  return terminalText(page);
}

/** Open the playground and wait for the console's prompt. */
async function openConsole(page: Page): Promise<void> {
  await page.goto(`${server!.url}index.html`);
  await page.waitForFunction(() =>
    (window as unknown as { mmlabTerminalText?: () => string })
      .mmlabTerminalText?.()
      .includes("mmlab:hart0>"),
  );
}

describe("the playground in Chromium", () => {
  // Without Chromium (.ci/run installs it) every test here is reported skipped, with the reason.
  beforeEach((ctx) => {
    ctx.skip(missing !== null, missing ?? "");
  });

  it("the page's build pulls in no Node module (the core and the session parts it uses run anywhere)", () => {
    expect(warnings.filter((w) => /externalized|node:/.test(w))).toEqual([]);
  });

  it("console: vmalloc, memset, vrealloc shrink; the views follow; hello runs; a screenshot", async () => {
    const page = await browser!.context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await openConsole(page);
    await type(page, "p = vmalloc 256K", "p = 0xffff8f8000000000");
    await type(page, "memset p 0x5a 256K", /memset p 0x5a 256K\s*\n.*mmlab:hart0>/);
    // Every page of p is in the TLB view now.
    const p = 0xffff8f8000000000n;
    const cellsIn = async (from: bigint, to: bigint): Promise<number> => {
      const vas = await page.$$eval("#tlb [data-va]", (els) => els.map((e) => e.getAttribute("data-va")!));
      return vas.map((v) => BigInt(v)).filter((v) => v >= from && v < to).length;
    };
    await page.waitForFunction(() => document.querySelectorAll("#tlb [data-va]").length > 60);
    expect(await cellsIn(p + 16384n, p + 262144n)).toBeGreaterThanOrEqual(60);
    await type(page, "vrealloc p 16K", /vrealloc p 16K\s*\n\s*p = 0xffff8f8000000000/);
    await page.waitForFunction(() =>
      [...document.querySelectorAll("#vmalloc rect.mapped title")].some((t) =>
        t.textContent!.includes("pages=4"),
      ),
    );
    const text = await type(page, "cat /proc/vmallocinfo", "pages=4 vmalloc N0=4");
    expect(text).toContain(
      "0xffff8f8000000000-0xffff8f8000041000  266240 mmlab_console pages=4 vmalloc N0=4",
    );
    expect(await cellsIn(p + 16384n, p + 262144n)).toBe(0);
    expect(await cellsIn(p, p + 16384n)).toBeGreaterThan(0);
    expect(await page.locator("#tlb .flush").count()).toBeGreaterThan(0);
    // A click on a TLB entry walks its address.
    await page.locator("#tlb [data-va]").first().dispatchEvent("click");
    await page.waitForSelector("#walk-out table.walk tr.leaf");
    // The hello guest.
    const hello = await type(page, "run hello", "[hello exited with 0]").catch(async (e) => {
      mkdirSync("out/web", { recursive: true });
      await page.screenshot({ path: "out/web/failed.png", fullPage: true });
      console.log(await terminalText(page));
      throw e;
    });
    expect(hello).toContain("hello, world");
    mkdirSync("out/web", { recursive: true });
    await page.screenshot({ path: "out/web/playground.png", fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);

  it("a guest's standard input from the terminal: a line at a time, Ctrl-D ends it; raw keys; Ctrl-C kills", async () => {
    const page = await browser!.context.newPage();
    await openConsole(page);
    const waiting = (): Promise<unknown> =>
      page.waitForFunction(
        () => document.getElementById("status")?.textContent?.includes("waiting for input"),
        undefined,
        {
          timeout: 60_000,
        },
      );
    await type(page, "run cat", "run cat");
    await waiting();
    // Line mode: echoed as typed, sent on Enter; cat writes it back.
    await type(page, "hello from the page", /hello from the page\s*\n\s*hello from the page/);
    await waiting();
    await page.keyboard.press("Control+D");
    await page.waitForFunction(() =>
      (window as unknown as { mmlabTerminalText: () => string })
        .mmlabTerminalText()
        .includes("[cat exited with 0]"),
    );
    // Raw mode: each key goes as typed, with no echo; Ctrl-C kills the program.
    await page.locator("#raw-input").check();
    await type(page, "run cat", "run cat");
    await waiting();
    await page.locator("#terminal textarea").focus();
    await page.keyboard.type("qwerty");
    await page.waitForFunction(() =>
      (window as unknown as { mmlabTerminalText: () => string }).mmlabTerminalText().includes("qwerty"),
    );
    await page.keyboard.press("Control+C");
    const text = await page.waitForFunction(() => {
      const t = (window as unknown as { mmlabTerminalText: () => string }).mmlabTerminalText();
      return t.includes("[cat killed by signal 9]") ? t : null;
    });
    expect(((await text.jsonValue()) as string).split("qwerty").length - 1).toBe(1); // cat's, no echo
    await page.close();
  }, 300_000);

  it("a 2048-entry L2 TLB scrolls in its own box, keeps its place across redraws, and zooms", async () => {
    const page = await browser!.context.newPage();
    await openConsole(page);
    await page.locator("#set-tlb").selectOption("golden-cove");
    await page.locator("#boot").click();
    const box = page.locator('#tlb .grid-scroll[data-scroll="0-stlb"]');
    // The console drew the default model's 1536-entry L2 before the boot: wait for the new snapshot.
    await expect.poll(() => box.locator("i").count(), { timeout: 60_000 }).toBe(2048);
    const dims = (): Promise<{ top: number; sh: number; ch: number; cell: number }> =>
      box.evaluate((el) => ({
        top: el.scrollTop,
        sh: el.scrollHeight,
        ch: el.clientHeight,
        cell: el.querySelector("i")!.getBoundingClientRect().width,
      }));
    const d0 = await dims();
    await page.locator("#tlb-zoom").fill("14"); // zoom in: bigger cells, more to scroll
    const d1 = await dims();
    expect(d1.cell).toBe(14);
    expect(d1.sh).toBeGreaterThan(d0.sh);
    expect(d1.sh).toBeGreaterThan(d1.ch);
    await box.evaluate((el) => {
      el.scrollTop = 120;
      el.dataset.drawn = "before"; // a redraw replaces the box: the new one lacks the mark
    });
    await type(page, "p = vmalloc 64K", "p = 0xffff8f8000000000"); // a new snapshot: a redraw
    await page.locator('#tlb .grid-scroll[data-scroll="0-stlb"]:not([data-drawn])').waitFor();
    expect((await dims()).top).toBe(120);
    await page.close();
  }, 300_000);

  it("a scene from the URL: the missing flush leaves a stale entry translating", async () => {
    const page = await browser!.context.newPage();
    await page.goto(`${server!.url}index.html?scene=missing-flush`);
    await page.waitForFunction(
      () => {
        const t = (window as unknown as { mmlabTerminalText?: () => string }).mmlabTerminalText?.() ?? "";
        return t.includes("ffff8f8000004000  5a 5a");
      },
      undefined,
      { timeout: 120_000 },
    );
    const text = await terminalText(page);
    expect(text).toContain("not valid: page fault");
    expect(text).toContain("TLB of hart 0: stlb holds it");
    expect(await page.locator("#scene-text").textContent()).toContain("vrealloc.bug=unmap-no-flush");
    await page.close();
  }, 300_000);

  it("the benchmark page runs the demo guest and reports its MIPS", async () => {
    const page = await browser!.context.newPage();
    await page.goto(`${server!.url}bench.html?runs=2`);
    await page.waitForFunction(() => document.getElementById("result")?.dataset.mips, undefined, {
      timeout: 240_000,
    });
    const mips = Number(await page.locator("#result").getAttribute("data-mips"));
    expect(mips).toBeGreaterThan(0);
    expect(await page.locator("#log").textContent()).toContain("primes below 1000000: 78498");
    console.log(
      `the demo guest in Chromium: ${mips.toFixed(1)} MIPS (npm run bench:web compares it with Node)`,
    );
    await page.close();
  }, 300_000);
});
