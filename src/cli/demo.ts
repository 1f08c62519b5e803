// `mmlab demo` (what `npm start` runs): a built-in bare-metal guest, assembled at start-up, that
// greets through the UART, sieves the primes below 1 000 000, checks CRC-32 against its standard
// check value, and ends through the test finisher; then mmlab shows the machine's counters.

import { DEMO_SOURCE, loadJit } from "../session/index.js";
import { type Parsed, usageError } from "./args.js";
import type { Command } from "./command.js";
import { assembleElf } from "./guest.js";
import { out } from "./io.js";
import { MACHINE_OPTIONS, machineConfig } from "./machine-config.js";
import { EXIT_STATUS_HELP, runElf } from "./run-bare.js";

export { DEMO_SOURCE };

export const demoCommand: Command = {
  name: "demo",
  summary: "run the built-in demo guest and show its output and the machine's counters",
  usage: ["mmlab demo [options]"],
  description: `
Assemble and run a built-in bare-metal guest: it greets through the UART, sieves the primes below
1 000 000 and prints what it found, computes a CRC-32, and ends through the test finisher. Then the
machine's counters are printed on stderr (the --stats table; -q leaves them out, and with --stats
it leaves out the line that says why the run ended). --source prints the guest's assembly
instead of running it: copy it and change it, then run it with 'mmlab run --bare demo.s'.`,
  options: [
    { name: "source", kind: "flag", help: "print the demo guest's assembly source and exit" },
    ...MACHINE_OPTIONS,
  ],
  sections: [["Exit status", EXIT_STATUS_HELP]],
  examples: [
    "mmlab demo",
    "mmlab demo --stats=json",
    "mmlab demo --tlb examples/my-core.json --stats",
    "mmlab demo --source > demo.s && mmlab run --bare demo.s",
  ],
  async run(p: Parsed): Promise<number> {
    if (p.positionals.length > 0) {
      throw usageError("demo", `unexpected argument '${p.positionals[0]}'`);
    }
    const config = machineConfig(p, "demo");
    if (config.jit) await loadJit();
    if (p.options.has("source")) {
      out(DEMO_SOURCE);
      return 0;
    }
    const elf = await assembleElf(DEMO_SOURCE, "demo.s");
    return runElf(elf, { name: "demo.s", config, statsByDefault: true });
  },
};
