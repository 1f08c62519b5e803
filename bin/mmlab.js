#!/usr/bin/env node
// The `mmlab` command: runs the CLI built by `npm run build` (and so by `npm ci`, through the
// prepare script): the bundle of dist/bundle/ (scripts/bundle.ts: a few modules to load instead
// of ~150, for start-up), or TypeScript's output in dist/src/ where there is no bundle or the
// bundle is older than that output (`tsc` was run alone since: the bundle would be stale).
import { statSync } from "node:fs";

const mtime = (rel) => statSync(`${import.meta.dirname}/${rel}`, { throwIfNoEntry: false })?.mtimeMs ?? -1;
const bundled = mtime("../dist/bundle/mmlab.js") >= mtime("../dist/src/cli/index.js");
const { commandLine, main } = await (bundled
  ? import("../dist/bundle/mmlab.js")
  : import("../dist/src/cli/index.js"));

process.exitCode = await main(commandLine());
