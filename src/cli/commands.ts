// The commands of `mmlab`, in the order `mmlab --help` lists them. To add one (exp): write
// src/cli/NAME.ts exporting a Command (see command.ts; machine-running commands share
// session.ts, kernel-booting ones kboot.ts) and list it here. Only commands that work are listed.

import { bootCommand } from "./boot.js";
import type { Command } from "./command.js";
import { consoleCommand } from "./console.js";
import { demoCommand } from "./demo.js";
import { expCommand } from "./exp.js";
import { runCommand } from "./run.js";

export const COMMANDS: readonly Command[] = [
  runCommand,
  bootCommand,
  consoleCommand,
  demoCommand,
  expCommand,
];
