import { describe, expect, it } from "vitest";
import { assemble } from "../../src/asm/index.js";
import { COST, TLB_FLUSH_ALL_THRESHOLD } from "../../src/kernel/index.js";
import { formatKernel, kernelStats } from "../../src/session/index.js";
import { boot as bootKernel, modelTlb, spawnAsm } from "./helpers.js";

function boot(harts: number) {
  const k = bootKernel("", { harts });
  const fences = (cpu: number) => modelTlb(k, cpu).flushes;
  return { k, fences };
}

describe("flush_tlb_kernel_range, as riscv Linux does it", () => {
  it("one page: one fence by address on each hart; the others are reached by a counted IPI", () => {
    const { k, fences } = boot(2);
    const before = [fences(0).va, fences(1).va];
    k.flush.flush_tlb_kernel_range(0xffff8f8000000000n, 0xffff8f8000001000n);
    expect([fences(0).va - before[0]!, fences(1).va - before[1]!]).toEqual([1, 1]);
    expect(k.vmstat.get("nr_tlb_remote_flush")).toBe(1);
    expect(k.vmstat.get("nr_tlb_remote_flush_received")).toBe(1);
  });

  it(`up to ${TLB_FLUSH_ALL_THRESHOLD} pages: a fence per page; more: one full flush`, () => {
    const { k, fences } = boot(1);
    const va0 = fences(0).va;
    const all0 = fences(0).all;
    k.flush.flush_tlb_kernel_range(0xffff8f8000000000n, 0xffff8f8000000000n + 64n * 4096n);
    expect(fences(0).va - va0).toBe(64);
    k.flush.flush_tlb_kernel_range(0xffff8f8000000000n, 0xffff8f8000000000n + 65n * 4096n);
    expect(fences(0).all - all0).toBe(1);
    expect(fences(0).va - va0).toBe(64);
    expect(k.vmstat.get("nr_tlb_remote_flush")).toBe(0); // one hart: no IPI
  });

  it("a user range fences with the ASID; the kernel's without", () => {
    const { k, fences } = boot(1);
    k.flush.flush_tlb_range(7, 0x10000n, 0x12000n);
    expect(fences(0).vaAsid).toBe(2);
    k.flush.flush_tlb_range(7, 0x10000n, 0x10000n + 100n * 4096n);
    expect(fences(0).asid).toBe(1);
  });
});

/** A process whose mm every one of `harts` harts has run, with `pages` pages mapped at `a` and
 *  touched from each hart (so every TLB holds them). */
function spread(harts: number, pages = 4, onHarts = harts) {
  const k = bootKernel("", { harts, mem: 64 << 20 });
  const io = { stdin: () => new Uint8Array(0), write: () => {}, isatty: () => false };
  const elf = assemble("_start: j _start", { base: 0x10000n }).toElf();
  const t = k.sched.spawn({ elf, path: "/p", argv: ["p"], envp: [], io });
  const a = t.mm.do_mmap(0n, BigInt(pages * 4096), 3, 0x22);
  for (let cpu = 0; cpu < onHarts; cpu++) {
    k.sched.switch_mm(k.machine.harts[cpu]!, t);
    k.onCpu(cpu, () => {
      for (let i = 0; i < pages; i++) t.uaccess.put_u64(a + BigInt(i * 4096), 1n);
    });
  }
  const clocks = () => [...k.machine.clocks];
  return { k, t, a, clocks };
}

describe("user shootdowns: counters per reason and the IPI cost model", () => {
  it("munmap on 4 harts: one shootdown, 3 IPIs sent and received, a fence per page per hart, every entry dropped", () => {
    const { k, t, a } = spread(4);
    const s = k.flush.stats.munmap;
    k.onCpu(0, () => t.mm.do_munmap(a, 4n * 4096n));
    expect([s.flushes, s.shootdowns, s.ipis_sent, s.ipis_received, s.fences]).toEqual([1, 1, 3, 3, 16]);
    expect(s.entries_dropped).toBeGreaterThanOrEqual(16); // the L1 and L2 copies of 4 pages on 4 harts
    expect(k.flush.stats.mprotect.flushes).toBe(0);
  });

  it("charges the sender per IPI and for the round trip, each receiver for the interrupt and its own fences", () => {
    const { k, t, a, clocks } = spread(4, 2, 3); // the mm ran on harts 0-2 only
    const before = clocks();
    k.onCpu(0, () => t.mm.do_mprotect(a, 2n * 4096n, 1));
    const d = clocks().map((c, i) => c - before[i]!);
    const s = k.flush.stats.mprotect;
    expect(d[1]).toBe(COST.ipiReceive + 2 * COST.fence);
    expect(d[2]).toBe(COST.ipiReceive + 2 * COST.fence);
    expect(d[3]).toBe(0); // not in mm_cpumask: never interrupted
    expect(s.sender_cycles).toBe(2 * COST.ipiSend + COST.ipiWait + 2 * COST.fence);
    expect(s.receiver_cycles).toBe(2 * (COST.ipiReceive + 2 * COST.fence));
    expect(d[0]).toBeGreaterThanOrEqual(s.sender_cycles); // and mprotect's own work
  });

  it("the allHarts policy interrupts every hart; the threshold policy turns a range into one whole-ASID flush", () => {
    const { k, t, a } = spread(4, 8, 2);
    k.flush.policy.allHarts = true;
    k.flush.policy.threshold = 4;
    k.onCpu(0, () => t.mm.do_munmap(a, 8n * 4096n));
    const s = k.flush.stats.munmap;
    expect([s.ipis_sent, s.fences]).toEqual([3, 4]); // one ASID flush on each of the 4 harts
    expect(modelTlb(k, 0).flushes.asid).toBeGreaterThan(0);
  });

  it("a batch sends several unmaps as one shootdown", () => {
    const { k, t, a } = spread(2, 6);
    k.onCpu(0, () => {
      k.flush.beginBatch();
      for (let i = 0; i < 3; i++) t.mm.do_munmap(a + BigInt(i * 2 * 4096), 4096n);
      expect(k.flush.stats.munmap.shootdowns).toBe(0);
      k.flush.endBatch();
    });
    const s = k.flush.stats.munmap;
    expect([s.flushes, s.shootdowns, s.ipis_sent, s.fences]).toEqual([3, 1, 1, 6]);
    expect(() => {
      k.flush.beginBatch();
      k.flush.beginBatch();
    }).toThrow("not supported: nested");
  });

  it("a copy-on-write break and exit are counted under their reasons; --stats shows the table", () => {
    const { k, t, a } = spread(2, 1);
    k.onCpu(0, () => {
      const child = k.sched.mm_alloc();
      expect(t.mm.dup_mmap(child)).toBe(true);
      t.uaccess.put_u64(a, 2n); // the write fault breaks COW
      k.sched.mmput(child);
    });
    expect(k.flush.stats.fork.flushes).toBe(1);
    expect(k.flush.stats.cow.flushes).toBe(1);
    k.onCpu(0, () => k.sched.mmput(t.mm));
    expect(k.flush.stats.exit.shootdowns).toBe(1);
    const text = formatKernel(kernelStats(k));
    expect(text).toMatch(/TLB flushes by reason/);
    expect(text).toMatch(/^ {2}cow\s+1\s/m);
    expect(kernelStats(k).tlb_flush.exit?.ipis_received).toBe(1);
    expect(k.procfs("vmstat")).toMatch(/^nr_tlb_remote_flush_received \d+$/m);
  });
});

describe("the flush policies as boot parameters, flush_tlb_mm, and the syscall tracepoints", () => {
  it("tlbflush.all_harts and tlbflush.threshold set the policy; a bad value is a warning", () => {
    const k = bootKernel("tlbflush.all_harts=1 tlbflush.threshold=16", { harts: 2 });
    expect(k.flush.policy).toEqual({ allHarts: true, threshold: 16 });
    expect(bootKernel("tlbflush.threshold=none").flush.policy.threshold).toBe(Number.POSITIVE_INFINITY);
    const bad = bootKernel("tlbflush.threshold=-3");
    expect(bad.flush.policy.threshold).toBe(TLB_FLUSH_ALL_THRESHOLD);
    expect(bad.printk.dmesg()).toContain(
      "tlbflush: bad value for 'threshold': expected a number of pages or none, got '-3'",
    );
  });

  it("flush_tlb_mm (exit) is one whole-ASID fence per hart even when the threshold is none", () => {
    const { k, t } = spread(2, 4);
    k.flush.policy.threshold = Number.POSITIVE_INFINITY;
    k.onCpu(0, () => k.sched.mmput(t.mm));
    const s = k.flush.stats.exit;
    expect([s.shootdowns, s.ipis_sent, s.fences]).toEqual([1, 1, 2]);
    expect(s.entries_dropped).toBeGreaterThanOrEqual(8);
  });

  it("sys_enter and sys_exit see each call with its arguments, result and the caller's cycles", () => {
    const k = bootKernel("", { harts: 1 });
    const events: string[] = [];
    k.tracepoints.sys_enter = (ev) => events.push(`enter ${ev.nr} ${ev.args[0]}`);
    k.tracepoints.sys_exit = (ev) => {
      events.push(`exit ${ev.nr} ${ev.ret}`);
      expect(ev.cycles).toBeGreaterThanOrEqual(COST.syscall);
    };
    const p = spawnAsm(
      k,
      "_start: li a0, 1\n li a1, 4096\n li a7, 215\n ecall\n li a0, 5\n li a7, 94\n ecall",
    );
    k.sched.run(1_000_000);
    expect(p.t.exitCode).toBe(5);
    expect(events).toEqual(["enter 215 1", "exit 215 -22", "enter 94 5"]); // exit_group never returns
  });
});
