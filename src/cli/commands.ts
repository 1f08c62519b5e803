// The commands of `mmlab`, in the order `mmlab --help` lists them, each loaded when it is used:
// a command's module imports what the command needs (the kernel, the assembler, the experiments
// and their plots), so `mmlab run` loads none of what `exp` or `console` need. To add one, write
// src/cli/NAME.ts exporting a Command (see command.ts; machine-running commands take their
// options from machine-config.ts, kernel-booting ones boot through kernel-session.ts) and list
// it here.

import type { Command } from "./command.js";

const LOADERS: Readonly<Record<string, () => Promise<Command>>> = {
  run: async () => (await import("./run.js")).runCommand,
  boot: async () => (await import("./boot.js")).bootCommand,
  console: async () => (await import("./console.js")).consoleCommand,
  demo: async () => (await import("./demo.js")).demoCommand,
  exp: async () => (await import("./exp.js")).expCommand,
};

/** The command names, in --help order. */
export const COMMAND_NAMES: readonly string[] = Object.keys(LOADERS);

/** The command called `name` (its module loaded now), or undefined if there is none. */
export async function loadCommand(name: string): Promise<Command | undefined> {
  return Object.hasOwn(LOADERS, name) ? LOADERS[name]!() : undefined;
}

/** Every command (for the general help, which lists their summaries). */
export async function loadCommands(): Promise<Command[]> {
  return Promise.all(COMMAND_NAMES.map((n) => LOADERS[n]!()));
}
