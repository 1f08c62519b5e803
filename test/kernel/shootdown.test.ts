// User TLB shootdowns on several harts (mm.ts flush_tlb_range, tlbflush.ts flush_tlb_mm_range):
// a thread on hart 1 keeps using a page while a thread of the same process on hart 0 munmaps
// it, mprotects it read-only, zaps it (MADV_DONTNEED), moves it (mremap) or breaks its
// copy-on-write; once the call has returned, hart 1
// must fault (or see the new page), never go on through a stale TLB entry. Each test fails if
// the remote flush is missing. The flushes reach only the harts of the mm's cpumask.

import { describe, expect, it } from "vitest";
import { assemble } from "../../src/asm/index.js";
import { mmapAsm } from "../helpers/programs.js";
import { boot } from "./helpers.js";

/** CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD. */
const THREAD = 0x10f00;

/** A process: s0 = a page holding 42, a thread running `reader` (on hart 1), and the main
 *  thread (hart 0) spinning past a tick before `change`, then spinning again and exiting with
 *  status 1 (the reader's fault or exit decides the status when the flush works). */
function program(reader: string, change: string): Uint8Array {
  return assemble(
    `
    _start:
      ${mmapAsm(4096)}
      mv s0, a0
      li t0, 42
      sd t0, 0(s0)
      ${mmapAsm(65536)}
      li t0, 65536
      add s1, a0, t0
      li a0, ${THREAD}
      mv a1, s1
      li a2, 0
      li a3, 0
      li a4, 0
      li a7, 220
      ecall
      bnez a0, main
    reader:
      ${reader}
    main:
      li t0, 6000000            # past a tick: the reader runs on hart 1 and caches the page
    1: addi t0, t0, -1
      bnez t0, 1b
      ${change}
      li t0, 10000000
    2: addi t0, t0, -1
      bnez t0, 2b
      li a0, 1
      li a7, 94
      ecall`,
    { base: 0x10000n },
  ).toElf();
}

function run(elf: Uint8Array, harts = 2) {
  const k = boot("", { mem: 64 << 20, harts });
  const io = { stdin: () => new Uint8Array(0), write: () => {}, isatty: () => false };
  const t = k.sched.spawn({ elf, path: "/p", argv: ["p"], envp: [], io });
  const remote = k.vmstat.get("nr_tlb_remote_flush");
  k.sched.run(200_000_000);
  return { k, t, remoteFlushes: k.vmstat.get("nr_tlb_remote_flush") - remote };
}

const LOAD_LOOP = "3: ld t1, 0(s0)\n j 3b";
const STORE_LOOP = "3: sd t1, 0(s0)\n j 3b";

describe("user TLB shootdowns on several harts", () => {
  it("munmap: the reader on hart 1 faults at once (SIGSEGV), it does not read on through its TLB", () => {
    const r = run(program(LOAD_LOOP, "mv a0, s0\n li a1, 4096\n li a7, 215\n ecall"));
    expect(r.t.exitCode).toBe(139);
    expect(r.remoteFlushes).toBeGreaterThan(0);
  });

  it("mprotect read-only: the writer on hart 1 faults at its next store", () => {
    const r = run(program(STORE_LOOP, "mv a0, s0\n li a1, 4096\n li a2, 1\n li a7, 226\n ecall"));
    expect(r.t.exitCode).toBe(139);
  });

  it("madvise(MADV_DONTNEED): the reader on hart 1 sees the fresh zero page", () => {
    const reader = "3: ld t1, 0(s0)\n bnez t1, 3b\n li a0, 0\n li a7, 94\n ecall";
    const r = run(program(reader, "mv a0, s0\n li a1, 4096\n li a2, 4\n li a7, 233\n ecall"));
    expect(r.t.exitCode).toBe(0);
    expect(r.k.flush.stats.madvise.ipis_sent).toBeGreaterThan(0);
  });

  it("mremap moving the page away: the reader on hart 1 faults at the old address", () => {
    // MREMAP_MAYMOVE | MREMAP_FIXED to 0x50000000.
    const change =
      "mv a0, s0\n li a1, 4096\n li a2, 4096\n li a3, 3\n li a4, 0x50000000\n li a7, 216\n ecall";
    const r = run(program(LOAD_LOOP, change));
    expect(r.t.exitCode).toBe(139);
    expect(r.k.flush.stats.mremap.ipis_sent).toBeGreaterThan(0);
  });

  it("a copy-on-write break: the reader on hart 1 sees the writer's new page", () => {
    // The main thread forks (the page becomes copy-on-write), then writes 99: its mm gets a
    // copy; the reader must see 99 (and exit 0), not the old page the child keeps.
    const reader = "3: ld t1, 0(s0)\n li t2, 99\n bne t1, t2, 3b\n li a0, 0\n li a7, 94\n ecall";
    const change =
      "li a0, 17\n li a1, 0\n li a2, 0\n li a3, 0\n li a4, 0\n li a7, 220\n ecall\n bnez a0, 5f\n li a0, 0\n li a7, 93\n ecall\n5: li t0, 99\n sd t0, 0(s0)";
    const r = run(program(reader, change));
    expect(r.t.exitCode).toBe(0);
  });

  it("a process that only ran on hart 0 is flushed there alone: no IPI", () => {
    const k = boot("", { mem: 64 << 20, harts: 2 });
    const io = { stdin: () => new Uint8Array(0), write: () => {}, isatty: () => false };
    const t = k.sched.spawn({
      elf: assemble("_start: j _start", { base: 0x10000n }).toElf(),
      path: "/p",
      argv: ["p"],
      envp: [],
      io,
    });
    k.sched.switch_mm(k.machine.harts[0]!, t);
    const a = t.mm.do_mmap(0n, 4096n, 3, 0x22);
    k.onCpu(0, () => t.uaccess.put_u64(a, 1n));
    const before = k.vmstat.get("nr_tlb_remote_flush");
    expect(t.mm.mm_cpumask).toBe(1);
    k.onCpu(0, () => t.mm.do_munmap(a, 4096n));
    expect(k.vmstat.get("nr_tlb_remote_flush")).toBe(before);
  });
});
