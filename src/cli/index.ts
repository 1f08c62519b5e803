// The `mmlab` command: dispatch to a command (commands.ts), and turn every error into one line on
// stderr and an exit status (2 for usage mistakes and bad inputs). bin/mmlab.js calls main().
// Only the command asked for is loaded (commands.ts); --version loads the session layer (which
// knows the version), not the experiments.

import { commandLabel, InputError, parseArgs, UsageError } from "./args.js";
import { type Command, commandHelp, HELP_OPTION } from "./command.js";
import { COMMAND_NAMES, loadCommand, loadCommands } from "./commands.js";
import { err, out, quietPipes } from "./io.js";

export { commandLine } from "./cmdline.js";
export { COMMAND_NAMES, loadCommand } from "./commands.js";
export { setCompilerHost, setModuleLoader } from "./compiler-host.js";
export { tuneV8 } from "./v8-tuning.js";

/** Exit status of a usage mistake or a bad input. */
export const EXIT_USAGE = 2;
/** Exit status of an internal error (a bug in mmlab; sysexits EX_SOFTWARE). */
export const EXIT_INTERNAL = 70;

/** mmlab's version (from the session layer, which the experiments take it from too). */
async function version(): Promise<string> {
  return (await import("../session/index.js")).mmlabVersion();
}

async function generalHelp(): Promise<string> {
  const commands = await loadCommands();
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return `mmlab ${await version()}: an emulated RISC-V RV64IMAFDC machine for memory-management work

Usage: mmlab COMMAND [options] [arguments]

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join("\n")}

Options:
  -h, --help     show this help ('mmlab COMMAND --help' shows a command's options)
  -V, --version  show mmlab's version

Start with 'mmlab demo'; run a program with 'mmlab run --bare PROGRAM.elf|PROGRAM.s'.
`;
}

async function dispatch(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    err(await generalHelp());
    return EXIT_USAGE;
  }
  if (first === "-h" || first === "--help") {
    out(await generalHelp());
    return 0;
  }
  if (first === "-V" || first === "--version") {
    out(`mmlab ${await version()}\n`);
    return 0;
  }
  if (first === "help") {
    const topic = rest[0];
    if (topic === undefined) {
      out(await generalHelp());
      return 0;
    }
    out(commandHelp(await findCommand(topic)));
    return 0;
  }
  if (first.startsWith("-")) throw new UsageError(`mmlab: unknown option '${first}' (see mmlab --help)`);
  const cmd = await findCommand(first);
  const parsed = parseArgs(rest, {
    command: cmd.name,
    options: [...cmd.options, HELP_OPTION],
    stopAtPositional: cmd.stopAtPositional ?? false,
  });
  if (parsed.options.has("help")) {
    out(commandHelp(cmd));
    return 0;
  }
  return cmd.run(parsed);
}

async function findCommand(name: string): Promise<Command> {
  const cmd = await loadCommand(name);
  if (!cmd) {
    const names = COMMAND_NAMES.join(", ");
    throw new UsageError(`mmlab: unknown command '${name}': the commands are ${names} (see mmlab --help)`);
  }
  return cmd;
}

/** Run `mmlab` with `argv` (the arguments after the program name); resolves to the exit status. */
export async function main(argv: string[]): Promise<number> {
  quietPipes();
  try {
    return await dispatch(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`${e.message}\n`);
      return EXIT_USAGE;
    }
    if (e instanceof InputError) {
      // One line per problem (an assembler reports each diagnostic on a line of its own).
      err(
        `${e.message
          .split("\n")
          .map((l) => `${commandLabel("")}: ${l}`)
          .join("\n")}\n`,
      );
      return EXIT_USAGE;
    }
    if (e instanceof RangeError && /allocation failed/i.test(e.message)) {
      err("mmlab: cannot allocate the machine's RAM on this host: try a smaller --mem\n");
      return EXIT_USAGE;
    }
    const what = e instanceof Error ? e.message : String(e);
    err(`mmlab: internal error: ${what} (this is a bug in mmlab; MMLAB_DEBUG=1 shows where)\n`);
    if (process.env.MMLAB_DEBUG && e instanceof Error && e.stack) err(`${e.stack}\n`);
    return EXIT_INTERNAL;
  }
}
