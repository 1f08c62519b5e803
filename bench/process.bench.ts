// User processes under the kernel:
//  - process/hello: boot the kernel and run the no-libc hello world to its exit (in-process;
//    the README also gives the wall time of the whole `mmlab run` command).
//  - process/thp: guests/bin/thp_touch.nolibc.elf touching a 64 MiB MADV_HUGEPAGE mapping with
//    transparent_hugepage=never vs always: time, and the TLB misses and page walks it causes.
//  - process/fork: a process touches 64 MiB (16384 pages), then forks a child that exits at once
//    and waits for it, vs the same without the fork: the cost of fork + exit + wait, and the
//    pages the fork allocated (page tables only: copy-on-write copies no data page unwritten).
//  - process/shootdown: a shootdown round trip to 1, 2, 4 and 8 harts: a process whose mm ran on
//    N harts of an N-hart machine mprotects one touched page (read-only, then back: a flush each
//    time) from hart 0; the other N-1 harts get the IPI and fence. Host time per mprotect.

import { readFileSync } from "node:fs";
import { assemble } from "../src/asm/index.js";
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

/** Touch one byte of each page of 64 MiB, then `forks` times fork, the child exiting at once
 *  and the parent waiting for it; exit 0. */
function forkProgram(forks: number): Uint8Array {
  const forkPart = `
      li s1, ${forks}
    3: li a0, 17
      li a1, 0
      li a2, 0
      li a3, 0
      li a4, 0
      li a7, 220
      ecall
      bnez a0, 2f
      li a0, 0
      li a7, 94
      ecall
    2: li a0, -1
      li a1, 0
      li a2, 0
      li a3, 0
      li a7, 260
      ecall
      addi s1, s1, -1
      bnez s1, 3b`;
  return assemble(
    `
    _start:
      li a0, 0
      li a1, ${64 << 20}
      li a2, 3
      li a3, 0x22
      li a4, -1
      li a5, 0
      li a7, 222
      ecall
      li t0, ${16384}
      li t1, 4096
    1: sb t0, 0(a0)
      add a0, a0, t1
      addi t0, t0, -1
      bnez t0, 1b
      ${forks ? forkPart : ""}
      li a0, 0
      li a7, 94
      ecall`,
    { base: 0x10000n },
  ).toElf();
}

/** Run a forkProgram on a fresh kernel: the page allocations it made. */
function runFork(elf: Uint8Array): number {
  const k = bootKernel(new Machine({ mem: 512 << 20 }), "");
  const alloc = k.pages.alloc_pages.bind(k.pages);
  let allocs = 0;
  k.pages.alloc_pages = (order: number): number => {
    allocs += 1 << order;
    return alloc(order);
  };
  const t = k.sched.spawn({ elf, path: "/fork", argv: ["fork"], envp: [], io });
  k.sched.run();
  if (t.exitCode !== 0) throw new Error(`bench: the fork program exited with ${t.exitCode}`);
  return allocs;
}

/** An N-hart kernel with a process whose mm ran on every hart and whose page `a` each hart
 *  touched; `call` is one mprotect of it from hart 0 (read-only and back, alternately). */
function shootdownRig(harts: number): { call: () => void; ipisPerCall: () => number } {
  const k = bootKernel(new Machine({ mem: 64 << 20, harts }), "kasan=off");
  const elf = assemble("_start: j _start", { base: 0x10000n }).toElf();
  const t = k.sched.spawn({ elf, path: "/sd", argv: ["sd"], envp: [], io });
  const a = t.mm.do_mmap(0n, 4096n, 3, 0x22);
  for (let cpu = 0; cpu < harts; cpu++) {
    k.sched.switch_mm(k.machine.harts[cpu]!, t);
    k.onCpu(cpu, () => t.uaccess.put_u64(a, 1n));
  }
  let prot = 1;
  let calls = 0;
  return {
    call: () =>
      k.onCpu(0, () => {
        if (t.mm.do_mprotect(a, 4096n, prot) !== 0n) throw new Error("bench: mprotect failed");
        prot ^= 2;
        calls++;
      }),
    ipisPerCall: () => k.flush.stats.mprotect.ipis_sent / calls,
  };
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
  const FORKS = 20;
  const withFork = forkProgram(FORKS);
  const without = forkProgram(0);
  const forkPages = (runFork(withFork) - runFork(without)) / FORKS;
  const fork = makeSuite(
    {
      name: "process/fork",
      title: `touch 64 MiB, then ${FORKS} × (fork + child exit + wait), vs touch 64 MiB alone`,
      cases: [
        { name: "touch", fn: () => runFork(without) },
        { name: "touch + forks", fn: () => runFork(withFork) },
      ],
      ratioTo: "touch",
      summary: (hz) => [
        `fork + exit + wait of a process with 64 MiB touched: ${((1000 / hz("touch + forks") - 1000 / hz("touch")) / FORKS).toFixed(1)} ms each`,
        `pages each fork allocated: ${forkPages} (page tables; no data page is copied until written)`,
      ],
    },
    opts,
  );
  const HARTS = [1, 2, 4, 8];
  const rigs = HARTS.map((n) => shootdownRig(n));
  for (const r of rigs) r.call();
  const shootdown = makeSuite(
    {
      name: "process/shootdown",
      title: "mprotect of one page touched on N harts, from hart 0: a shootdown round trip to N harts",
      cases: HARTS.map((n, i) => ({ name: `${n} hart${n > 1 ? "s" : ""}`, fn: rigs[i]!.call })),
      ratioTo: "1 hart",
      summary: (hz) => [
        `host time per mprotect + flush: ${HARTS.map((n) => `${n} hart${n > 1 ? "s" : ""} ${(1e6 / hz(`${n} hart${n > 1 ? "s" : ""}`)).toFixed(2)} us`).join(", ")}`,
        `IPIs per call: ${HARTS.map((n, i) => `${n} hart${n > 1 ? "s" : ""} ${rigs[i]!.ipisPerCall()}`).join(", ")}`,
      ],
    },
    opts,
  );
  return [hello, thp, fork, shootdown];
};
