#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS GLIBC_TUNABLES=${GLIBC_TUNABLES}:glibc.malloc.arena_max=1 node
// The `mmlab` command: runs the CLI built by `npm run build` (and so by `npm ci`, through the
// prepare script): the CommonJS bundle of dist/bundle/ (scripts/bundle.ts: a few chunks to load
// instead of ~150 modules), compiled with V8's code cache by its start.js
// (src/cli/code-cache.ts), or TypeScript's output in dist/src/ where there is no bundle or the
// bundle is older than that output (`tsc` was run alone since: the bundle would be stale).
// This file is CommonJS (bin/package.json), so that a command starts without Node's ES module
// loader. It ends the process as soon as the command is done and nothing else is pending.
//
// Node is started (the #! line, env -S: GNU coreutils 8.30 or later, BSD and macOS env) with two
// changes to the environment that only the process's start can make, each costing a command
// without them (perf stat, the development VM; docs/performance.md, "The mmlab command's
// environment"):
// - no NODE_EXTRA_CA_CERTS: Node parses the certificates that file names before any script runs
//   (the development VM sets it to the system's 140-certificate bundle: about 30 ms of CPU per
//   start), and mmlab makes no TLS connection;
// - glibc's malloc limited to one arena (GLIBC_TUNABLES, appended to the user's own tunables):
//   V8's compiler threads would each grow an arena of their own, about 650 mprotect calls and
//   4,500 more page faults in a run of bench_coremark, 5-12% of its CPU time (two measurements).
// `node bin/mmlab.js` runs the same command without them.
"use strict";
const { statSync } = require("node:fs");
const { resolve } = require("node:path");

const mtime = (rel) => statSync(`${__dirname}/${rel}`, { throwIfNoEntry: false })?.mtimeMs ?? -1;
// A normalized path: the loader knows a chunk by its path, and the chunks that require the entry
// (which holds the CLI's compiler host) name it ./mmlab.js; bin/../dist/bundle/mmlab.js would be
// loaded a second time, without the code cache's compiler and module loader.
const bundle = resolve(__dirname, "../dist/bundle");
const bundled = mtime("../dist/bundle/start.js") >= mtime("../dist/src/cli/index.js");
const status = bundled
  ? require(`${bundle}/start.js`).runCached(`${bundle}/mmlab.js`)
  : import("../dist/src/cli/index.js").then(({ commandLine, main }) => main(commandLine()));
status.then((code) => {
  process.exitCode = code;
  // The command is done. When nothing is left to run (no timer, socket, child, worker, pending
  // write: all would be active resources), end now rather than after Node has torn down the
  // heap and its threads, about 15 ms of CPU of a short command (perf stat). Looked at in the
  // next turn of the event loop, once callbacks queued meanwhile (a warning's printing) have run;
  // the 'exit' event is emitted either way.
  setImmediate(() => {
    if (process.getActiveResourcesInfo().length === 0) process.exit(code);
  });
});
