// The kernel tests' set-up, in one place: a machine with the kernel booted on it by
// bootKernel (wired as `mmlab boot` wires it: vmalloc, KASAN, memcg, slab, kvmalloc, per-CPU,
// RCU, processes), and the leak checks.

import { expect } from "vitest";
import { assemble } from "../../src/asm/index.js";
import { Machine, Paging } from "../../src/cpu/index.js";
import { bootKernel, type Kernel, type task_struct } from "../../src/kernel/index.js";
import type { Kasan } from "../../src/kernel/kasan.js";
import type { MemCgroups } from "../../src/kernel/memcontrol.js";
import type { SlabAllocator } from "../../src/kernel/slab.js";
import type { Kvmalloc } from "../../src/kernel/util.js";
import type { Vmalloc } from "../../src/kernel/vmalloc.js";
import { pteFlagString, SV48, vpnOf } from "../../src/mmu/index.js";

export interface BootOptions {
  /** RAM bytes (default 64 MiB). */
  mem?: number;
  harts?: number;
  /** TLB preset (default: the machine's). */
  tlb?: string;
}

/** bootKernel(cmdline) on a fresh machine: 64 MiB, one hart and the machine's default TLB
 *  unless `opts` says otherwise. KASAN is on unless the command line has kasan=off. */
export function boot(cmdline = "", opts: BootOptions = {}): Kernel {
  const machine = new Machine({ mem: opts.mem ?? 64 << 20, harts: opts.harts ?? 1, tlb: opts.tlb });
  return bootKernel(machine, cmdline);
}

/** A booted kernel's memory-management subsystems, by name. */
export interface MmKernel {
  k: Kernel;
  slab: SlabAllocator;
  memcg: MemCgroups;
  vmalloc: Vmalloc;
  kv: Kvmalloc;
  /** Null when the test boots with KASAN off. */
  kasan: Kasan | null;
}

export interface MmBootOptions extends BootOptions {
  /** Keep KASAN on (bootMm boots with kasan=off otherwise, so that page counts are the
   *  allocators' own). */
  kasan?: boolean;
}

/** boot() for the allocator tests: the tiny TLB, and KASAN off unless asked for. */
export function bootMm(cmdline = "", opts: MmBootOptions = {}): MmKernel {
  const k = boot(opts.kasan ? cmdline : `kasan=off ${cmdline}`.trimEnd(), { tlb: "tiny", ...opts });
  return {
    k,
    slab: k.slab,
    memcg: k.memcg,
    vmalloc: k.vmalloc,
    kv: k.kv,
    kasan: opts.kasan ? k.kasan : null,
  };
}

/** Pages that are free or kernel page tables (vmalloc and shadow page tables are never freed,
 *  as in Linux), after the slab caches are shrunk and lazily freed vmalloc areas purged. */
export function settledPages(k: Kernel): number {
  k.slab.kmem_cache_shrink_all();
  k.vmalloc.vm_unmap_aliases();
  return k.pages.nr_free_pages() + k.pgd.nrTablePages;
}

/** Run `fn` and check that every page it took is back and no KASAN shadow page is left over. */
export function noLeak(k: Kernel | MmKernel, fn: () => void): void {
  const kernel = "k" in k ? k.k : k;
  const shadow = (): number => kernel.kasan?.nr_shadow_pages ?? 0;
  const before = settledPages(kernel);
  const shadowBefore = shadow();
  fn();
  expect(settledPages(kernel)).toBe(before);
  expect(shadow()).toBe(shadowBefore);
}

/** Hart `cpu`'s paged translation: its modelled TLB and its walker (with the walk caches). */
export function paging(k: Kernel, cpu: number): Paging {
  const t = k.machine.harts[cpu]!.translator;
  if (!(t instanceof Paging)) throw new Error(`hart ${cpu} has no modelled TLB`);
  return t;
}

/** The modelled TLB of hart `cpu` (its public view, as the console's `tlb` shows it). */
export function modelTlb(k: Kernel, cpu: number): Paging["tlb"] {
  return paging(k, cpu).tlb;
}

/** The Sv48 address `va` as the two signed 32-bit halves the MMU takes. */
const halves = (va: bigint): [number, number] => [
  Number(BigInt.asIntN(32, va)),
  Number(BigInt.asIntN(32, va >> 32n)),
];

/** Does hart `cpu`'s modelled TLB hold an entry (stale or not) translating the Sv48 address
 *  `va`: any entry, or one that serves ASID `asid`? */
export function tlbHolds(k: Kernel, cpu: number, va: bigint, asid?: number): boolean {
  const vpn = vpnOf(...halves(va), SV48);
  const serves = (global: boolean, a: number): boolean => asid === undefined || global || a === asid;
  return modelTlb(k, cpu)
    .entries()
    .some((e) => vpn >= e.vpn && vpn < e.vpn + 2 ** (e.shift - 12) && serves(e.global, e.asid));
}

/** The flags of the leaf the hardware walker finds for `va` in the page table whose root is
 *  page `root` ("VRW--GAD", as the console's `walk` prints them), or null if the walk faults
 *  (no leaf, or a reserved combination such as W without R). */
export function walkFlags(k: Kernel, root: number, va: bigint): string | null {
  const record = paging(k, 0).walker.inspect(SV48, root, ...halves(va));
  const leaf = record.steps.at(-1);
  return record.status === "ok" && leaf ? pteFlagString(leaf.lo) : null;
}

/** Bytes as runs, "12×00 1×04 1011×f8": an assertion on them prints both sides readably. */
export function byteRuns(bytes: ArrayLike<number>): string {
  const out: string[] = [];
  let i = 0;
  while (i < bytes.length) {
    let j = i;
    while (j < bytes.length && bytes[j] === bytes[i]) j++;
    out.push(`${j - i}×${bytes[i]!.toString(16).padStart(2, "0")}`);
    i = j;
  }
  return out.join(" ");
}

/** A task of `spawnAsm`: what it wrote to stdout and stderr, and its system calls as --strace prints them. */
export interface AsmTask {
  t: task_struct;
  out: () => string;
  trace: string[];
}

/** Spawns the assembly program `src` (text at 0x10000) as `path`, argv[0] its last component,
 *  with empty stdin; nothing runs until the caller runs the scheduler. */
export function spawnAsm(k: Kernel, src: string, path = "/p"): AsmTask {
  let out = "";
  const trace: string[] = [];
  const decoder = new TextDecoder();
  const t = k.sched.spawn({
    elf: assemble(src, { base: 0x10000n }).toElf(),
    path,
    argv: [path.slice(path.lastIndexOf("/") + 1)],
    envp: [],
    io: {
      stdin: () => new Uint8Array(0),
      write: (_fd, d) => {
        out += decoder.decode(d);
      },
      isatty: () => false,
    },
    strace: (l) => trace.push(l),
  });
  return { t, out: () => out, trace };
}
