#!/usr/bin/env node
// The `mmlab` command: runs the compiled CLI (built by `npm ci` through the prepare script).
import { main } from "../dist/src/cli/index.js";

process.exitCode = await main(process.argv.slice(2));
