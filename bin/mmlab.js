#!/usr/bin/env node
// The `mmlab` command: runs the compiled CLI (built by `npm ci` through the prepare script).
import { commandLine, main } from "../dist/src/cli/index.js";

process.exitCode = await main(commandLine());
