// The benchmark of the playground: the demo guest of `mmlab demo` (src/session/demo.ts),
// assembled and run bare-metal to its end on a one-hart machine. The same function runs in the
// browser's worker (bench.html) and under Node (bench/web.ts), so the two MIPS figures compare
// the same work.

import { assemble } from "../../src/asm/index.js";
import { readElf } from "../../src/elf/index.js";
import { DEFAULT_TLB_PRESET, loadTlbConfig } from "../../src/mmu/index.js";
import { runBare } from "../../src/session/bare.js";
import { DEMO_SOURCE } from "../../src/session/demo.js";

export interface DemoRun {
  instret: number;
  seconds: number;
  mips: number;
  /** What the guest printed (the UART). */
  output: string;
}

/** Assemble and run the demo guest once (stopping after `maxInsns`). */
export function runDemo(maxInsns = Number.POSITIVE_INFINITY): DemoRun {
  const elf = readElf(assemble(DEMO_SOURCE, { file: "demo.s" }).toElf(), "demo.s");
  let output = "";
  const spec = { harts: 1, mem: 64 << 20, tlb: loadTlbConfig(DEFAULT_TLB_PRESET), satp: null, maxInsns };
  const { report } = runBare(elf, "demo.s", spec, {
    console: (b) => {
      output += String.fromCharCode(b);
    },
  });
  return { instret: report.instret, seconds: report.wallSeconds, mips: report.mips, output };
}
