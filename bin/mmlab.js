#!/usr/bin/env node
// The `mmlab` command: runs the CLI built by `npm run build` (and so by `npm ci`, through the
// prepare script): the bundle of dist/bundle/ (scripts/bundle.ts: a few modules to load instead
// of ~150, for start-up), or TypeScript's output in dist/src/ where there is no bundle (only
// `tsc` was run). `npm run build` writes both, so they never disagree.

const bundle = new URL("../dist/bundle/mmlab.js", import.meta.url);
const { main } = await import(bundle).catch((e) => {
  if (e?.code !== "ERR_MODULE_NOT_FOUND" || !String(e.message).includes(bundle.pathname)) throw e;
  return import("../dist/src/cli/index.js");
});

process.exitCode = await main(process.argv.slice(2));
