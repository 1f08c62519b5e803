// User processes under the kernel:
//  - process/hello: boot the kernel and run the no-libc hello world to its exit (in-process;
//    the README also gives the wall time of the whole `mmlab run` command).
//  - process/thp: guests/bin/thp_touch.nolibc.elf touching a 64 MiB MADV_HUGEPAGE mapping with
//    transparent_hugepage=never vs always: time, and the TLB misses and page walks it causes.

import { readFileSync } from "node:fs";
import { Machine, type Paging } from "../src/cpu/index.js";
import { bootKernel, type Kernel } from "../src/kernel/index.js";
import { makeSuite, type SuiteFactory } from "./harness.js";

const io = { stdin: () => new Uint8Array(0), write: () => {}, isatty: () => false };

function runGuest(name: string, cmdline: string): Kernel {
  const k = bootKernel(new Machine({ mem: 512 << 20 }), cmdline);
  const path = `guests/bin/${name}.nolibc.elf`;
  const t = k.sched.spawn({ elf: new Uint8Array(readFileSync(path)), path, argv: [path], envp: [], io });
  k.sched.run();
  if (t.exitCode !== 0) throw new Error(`bench: ${name} exited with ${t.exitCode}`);
  return k;
}

/** TLB misses (L1 data, all kinds) and completed walks of hart 0 after a run. */
function tlbFigures(k: Kernel): { misses: number; walks: number } {
  const tlb = (k.machine.harts[0]!.translator as Paging).tlb;
  const c = tlb.levelCounters();
  const walks = [...tlb.walks.r.values(), ...tlb.walks.w.values()].reduce((a, b) => a + b, 0);
  return { misses: c.l1d.r.misses + c.l1d.w.misses, walks };
}

export const suites: SuiteFactory = (opts) => {
  const hello = makeSuite(
    {
      name: "process/hello",
      title: "boot the kernel (1 GiB RAM) and run guests/bin/hello.nolibc.elf to exit, in-process",
      cases: [{ name: "boot + hello", fn: () => runGuest("hello", "") }],
    },
    opts,
  );
  const never = tlbFigures(runGuest("thp_touch", "transparent_hugepage=never"));
  const always = tlbFigures(runGuest("thp_touch", "transparent_hugepage=always"));
  const thp = makeSuite(
    {
      name: "process/thp",
      title: "thp_touch: one byte per 4 KiB page of a 64 MiB mapping, THP never vs always",
      cases: [
        { name: "never", fn: () => runGuest("thp_touch", "transparent_hugepage=never") },
        { name: "always", fn: () => runGuest("thp_touch", "transparent_hugepage=always") },
      ],
      ratioTo: "never",
      summary: (hz) => [
        `time: always is ${(hz("always") / hz("never")).toFixed(2)}x as fast as never`,
        `data TLB misses: never ${never.misses}, always ${always.misses} (${(never.misses / Math.max(1, always.misses)).toFixed(0)}x fewer)`,
        `page walks: never ${never.walks}, always ${always.walks}`,
      ],
    },
    opts,
  );
  return [hello, thp];
};
