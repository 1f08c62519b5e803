// Node-side helpers for the end-to-end test and the browser benchmark: serve web/dist on
// 127.0.0.1 and drive Debian's Chromium (never a downloaded browser) through playwright-core.

import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize, resolve } from "node:path";
import type { BrowserContext } from "playwright-core";

/** Where Chromium is: $MMLAB_CHROMIUM, or Debian's package. */
export const CHROMIUM = process.env.MMLAB_CHROMIUM ?? "/usr/bin/chromium";

/** Build the page (web/vite.config.ts) into `outDir`; run from the repository's root. Resolves
 *  to the build's warnings (a Node module pulled into the page shows up there as "externalized
 *  for browser compatibility"). */
export async function buildPage(outDir: string): Promise<string[]> {
  const { build, createLogger } = await import("vite");
  const warnings: string[] = [];
  const logger = createLogger("warn");
  const warn = logger.warn;
  logger.warn = (msg, opts) => {
    warnings.push(msg);
    warn(msg, opts);
  };
  await build({ configFile: resolve("web/vite.config.ts"), customLogger: logger, build: { outDir } });
  return warnings;
}

/** Why the browser cannot run here, or null when it can. */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run does)`;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".elf": "application/octet-stream",
  ".svg": "image/svg+xml",
};

/** Serve `dir` on 127.0.0.1 (a free port); resolves to its URL and a close function. */
export async function serveDir(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const file = normalize(join(dir, path.endsWith("/") ? `${path}index.html` : path));
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    res.end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}

/** The flags every run of Chromium gets: headless, no sandbox (root in CI), no GPU, and nothing
 *  that reaches the network on its own. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Start Chromium with a fresh profile; close() ends it and removes the profile. */
export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const { chromium } = await import("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "mmlab-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1400, height: 1000 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
