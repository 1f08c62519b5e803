// What a command of `mmlab` is: a name, its help, its options and what it does. Each command
// lives in a file of its name (run.ts, boot.ts, console.ts, demo.ts, exp.ts) and is listed in
// commands.ts; index.ts dispatches to it and turns its errors into one line and a status.

import { formatOptions, type OptionSpec, type Parsed } from "./args.js";

export interface Command {
  name: string;
  /** One line for `mmlab --help`. */
  summary: string;
  /** Usage lines, without the leading "Usage: ". */
  usage: readonly string[];
  /** Paragraphs shown after the usage. */
  description: string;
  options: readonly OptionSpec[];
  /** Shown under "Examples:". */
  examples?: readonly string[];
  /** Extra sections (title, text) after the options: exit statuses, notes. */
  sections?: readonly (readonly [string, string])[];
  /** Options end at the first positional (everything after it belongs to the guest). */
  stopAtPositional?: boolean;
  /** Run with parsed arguments; returns the exit status. Throws UsageError / InputError. */
  run(p: Parsed): Promise<number>;
}

/** -h / --help, which every command has. */
export const HELP_OPTION: OptionSpec = { name: "help", short: "h", kind: "flag", help: "show this help" };

/** The command's `--help` text. */
export function commandHelp(cmd: Command): string {
  const parts = [
    cmd.usage.map((u, i) => `${i === 0 ? "Usage:" : "      "} ${u}`).join("\n"),
    cmd.description.trim(),
    `Options:\n${formatOptions([...cmd.options, HELP_OPTION])}`,
  ];
  for (const [title, text] of cmd.sections ?? []) parts.push(`${title}:\n${text.replace(/\s+$/, "")}`);
  if (cmd.examples?.length) parts.push(`Examples:\n${cmd.examples.map((e) => `  ${e}`).join("\n")}`);
  return `${parts.join("\n\n")}\n`;
}
