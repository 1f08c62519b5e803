// `mmlab console`: boot the kernel and read console commands (src/session/console.ts) from the terminal,
// with line editing, history (~/.mmlab_history) and completion, or from a pipe. A mistake or an
// oops is printed and the console goes on; a kernel panic ends it.

import { appendFileSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";
import {
  COMMANDS,
  type ConsoleRun,
  consoleHelp,
  handleResult,
  KConsole,
  MAX_CONSOLE_LINE,
} from "../session/index.js";
import { type Parsed, stringOpt } from "./args.js";
import type { Command } from "./command.js";
import { err, isTerminal, out, stdStream } from "./io.js";
import { APPEND_OPTION, bootConsoleKernel, kernelCommandConfig, printKernelStats } from "./kernel-session.js";
import { LineEditor } from "./line-editor.js";
import { machineOptions } from "./machine-config.js";

/** The history file: $MMLAB_HISTORY, or ~/.mmlab_history ("" turns it off). */
function historyFile(): string | null {
  const env = process.env.MMLAB_HISTORY;
  if (env !== undefined) return env === "" ? null : env;
  try {
    return join(homedir(), ".mmlab_history");
  } catch {
    return null;
  }
}

function loadHistory(file: string | null): string[] {
  if (!file) return [];
  try {
    return readFileSync(file, "utf8").split("\n").filter(Boolean).reverse().slice(0, 1000);
  } catch {
    return [];
  }
}

/**
 * Read commands from `input` until `quit`, Ctrl-D on an empty line or the input's end. With
 * `terminal`, a prompt, line editing, history, tab completion, Ctrl-C clearing the line being
 * typed and Ctrl-L the screen (src/cli/line-editor.ts), echo and prompts going to `output`;
 * otherwise lines are read as they come and mistakes are reported with their line number. A line
 * longer than MAX_CONSOLE_LINE bytes is refused, and no more of it is kept or echoed.
 */
export async function consoleLoop(
  kc: KConsole,
  input: Readable,
  terminal: boolean,
  output: Writable = stdStream(1),
): Promise<ConsoleRun> {
  const file = terminal ? historyFile() : null;
  const editor = new LineEditor({
    input,
    output,
    terminal,
    prompt: () => `mmlab:hart${kc.k.cpu}> `,
    history: loadHistory(file),
    completer: (line: string): [string[], string] => {
      const word = /\S*$/.exec(line)![0];
      const names = [...Object.keys(COMMANDS), ...kc.vars.keys(), "/proc/meminfo", "/proc/vmallocinfo"];
      const hits = names.filter((n) => n.startsWith(word));
      return [hits.length ? hits : names, word];
    },
  });
  const run: ConsoleRun = { failedAt: null, panicked: false };
  let n = 0;
  const onError = (line: number, msg: string): void =>
    err(terminal ? `error: ${msg}\n` : `mmlab: <stdin>:${line}: ${msg}\n`);
  editor.prompt();
  try {
    for await (const line of editor.lines()) {
      n++;
      if (file && line.trim() && line.length <= MAX_CONSOLE_LINE) {
        try {
          appendFileSync(file, `${line}\n`);
        } catch {
          // no history then
        }
      }
      if (handleResult(kc.exec(line), n, onError, false, run)) break;
      editor.prompt();
    }
  } finally {
    editor.close();
  }
  return run;
}

export const consoleCommand: Command = {
  name: "console",
  summary: "an interactive kernel console: vmalloc, vrealloc, kmalloc, /proc, the TLBs, page walks",
  usage: ["mmlab console [options]"],
  description: `
Boot the mini-kernel (its log is printed, live) and read commands that call the mm API and look
inside the kernel and the machine. Type 'help' for the list. Values are numbers (4096, 0x1000, 4K,
2M, 1G), variables and sums (p+16K). With a terminal: line editing, history kept in
~/.mmlab_history ($MMLAB_HISTORY; empty for none) and tab completion; Ctrl-C clears the line being
typed, Ctrl-L the screen, and 'quit' or Ctrl-D on an empty line leaves. Commands can also be piped
in. A line longer than ${MAX_CONSOLE_LINE} bytes is refused (no more of it is echoed or kept). A
mistake or a kernel oops is printed and the console goes on; a kernel panic ends it (exit status
1). 'mmlab boot --script FILE' runs the same commands from a file.`,
  options: [APPEND_OPTION, ...machineOptions({ guest: false })],
  sections: [["Commands", consoleHelp()]],
  examples: [
    "mmlab console",
    "mmlab console --harts 2 --tlb tiny --append 'vrealloc.bug=e64f42036ef4'",
    "echo 'cat /proc/meminfo' | mmlab console",
  ],
  async run(p: Parsed): Promise<number> {
    const cfg = kernelCommandConfig(p, "console");
    const session = bootConsoleKernel(cfg, stringOpt(p, "append") ?? "", (t) => out(`${t}\n`));
    const terminal = process.stdin.isTTY === true && isTerminal(1);
    if (terminal)
      out(
        "mmlab kernel console: 'help' lists the commands, 'quit' or Ctrl-D leaves, Ctrl-C clears the line.\n",
      );
    let r: ConsoleRun;
    try {
      r = await consoleLoop(new KConsole(session.k, out), process.stdin, terminal);
    } finally {
      session.tracer?.stop();
    }
    const status = r.panicked ? 1 : 0;
    printKernelStats(session, cfg, status, r.panicked ? "kernel panic" : "console closed");
    return status;
  },
};
