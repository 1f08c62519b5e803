// The commands of `mmlab`, in the order `mmlab --help` lists them. To add one, write
// src/cli/NAME.ts exporting a Command (see command.ts; machine-running commands take their
// options from machine-config.ts, kernel-booting ones boot through kernel-session.ts) and list
// it here.

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
