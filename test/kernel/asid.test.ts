// The ASID allocator (asid.ts): ASIDs recycled by generation, with the rollover flush that
// keeps an entry of a recycled ASID from serving its new owner; asid_bits= to shrink the space;
// no ASIDs at all when there are too few for the harts.

import { describe, expect, it } from "vitest";
import { assemble } from "../../src/asm/index.js";
import { AsidAllocator } from "../../src/kernel/asid.js";
import type { Kernel, task_struct } from "../../src/kernel/index.js";
import { expected, loadCases, runCase } from "./guest-cases.js";
import { boot, tlbHolds } from "./helpers.js";

const IDLE = assemble("_start: j _start", { base: 0x10000n }).toElf();
const io = { stdin: () => new Uint8Array(0), write: () => {}, isatty: () => false };
const X = 0x4000_0000n;
/** PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED. */
const RW = 3;
const FIXED_ANON = 0x32;

function spawn(k: Kernel, n: number): task_struct {
  return k.sched.spawn({ elf: IDLE, path: `/p${n}`, argv: [`p${n}`], envp: [], io });
}

/** Map X in `t` (hart `cpu` running it) and store `v` there, so the hart's TLB caches X. */
function touch(k: Kernel, t: task_struct, v: bigint, cpu = 0): void {
  k.sched.switch_mm(k.machine.harts[cpu]!, t);
  t.mm.do_mmap(X, 4096n, RW, FIXED_ANON);
  k.onCpu(cpu, () => t.uaccess.put_u64(X, v));
}

const read = (k: Kernel, t: task_struct, cpu = 0): bigint | null =>
  k.onCpu(cpu, () => {
    k.sched.switch_mm(k.machine.harts[cpu]!, t);
    return t.uaccess.get_u64(X);
  });

describe("ASID allocator (arch/riscv's generations)", () => {
  it("hands out 1..2^bits-1, then rolls over: a new generation reusing the numbers", () => {
    const a = new AsidAllocator(1);
    a.setBits(3);
    const mms = Array.from({ length: 8 }, () => ({ context: { id: 0 }, mm_cpumask: 0 }));
    for (const mm of mms.slice(0, 7)) a.switch_mm(mm, 0);
    expect(mms.slice(0, 7).map((m) => a.asidOf(m))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(a.rollovers).toBe(0);
    // The eighth: no ASID left. The one hart 0 runs (7) stays reserved; 1 is the first free.
    expect(a.switch_mm(mms[7]!, 0)).toBe(true); // the rollover's flush
    expect([a.rollovers, a.asidOf(mms[7]!)]).toEqual([1, 1]);
    // An mm of the old generation gets its old number back when it is free...
    expect(a.switch_mm(mms[2]!, 0)).toBe(false);
    expect(a.asidOf(mms[2]!)).toBe(3);
    // ...and a new one when it was taken (1 went to mms[7]).
    a.switch_mm(mms[0]!, 0);
    expect(a.asidOf(mms[0]!)).toBe(2);
    // The reserved one (7) keeps its number in the new generation.
    a.switch_mm(mms[6]!, 0);
    expect(a.asidOf(mms[6]!)).toBe(7);
  });

  it("a hart that owes the rollover's flush does it at its next switch, once", () => {
    const a = new AsidAllocator(2);
    a.setBits(3);
    const mms = Array.from({ length: 9 }, () => ({ context: { id: 0 }, mm_cpumask: 0 }));
    a.switch_mm(mms[8]!, 1);
    for (const mm of mms.slice(0, 7)) a.switch_mm(mm, 0); // 6 fit, the 7th rolls over
    expect(a.rollovers).toBe(1);
    expect(a.switch_mm(mms[8]!, 1)).toBe(true);
    expect(a.switch_mm(mms[8]!, 1)).toBe(false);
  });

  it("too few ASIDs for the harts (num <= 2 x harts): ASID 0 for all, a flush at each change of mm", () => {
    const a = new AsidAllocator(2);
    a.setBits(2);
    expect(a.enabled()).toBe(false);
    const p = { context: { id: 0 }, mm_cpumask: 0 };
    const q = { context: { id: 0 }, mm_cpumask: 0 };
    expect(a.switch_mm(p, 0)).toBe(true);
    p.mm_cpumask |= 1;
    expect(a.switch_mm(p, 0)).toBe(false);
    expect(a.switch_mm(q, 0)).toBe(true);
    expect([a.asidOf(p), a.asidOf(q), p.mm_cpumask]).toEqual([0, 0, 0]); // p left hart 0's TLB
  });

  it("asid_bits= is checked at boot", () => {
    const k = boot("asid_bits=17");
    expect(k.printk.dmesg()).toContain("bad value for 'asid_bits'");
    expect(k.sched.asids.bits).toBe(16);
    expect(boot("asid_bits=4").sched.asids.bits).toBe(4);
  });
});

describe("ASID rollover under the kernel", () => {
  it("no entry of a recycled ASID survives: the new owner reads its own page, not the old one's", () => {
    const k = boot("asid_bits=3", { mem: 64 << 20 });
    const a = spawn(k, 0);
    touch(k, a, 111n);
    const oldAsid = a.mm.asid;
    expect(tlbHolds(k, 0, X, oldAsid)).toBe(true);
    for (let n = 1; n < 7; n++) spawn(k, n); // ASIDs 2..7: the space is full
    expect(k.sched.asids.rollovers).toBe(0);
    const b = spawn(k, 7); // rolls over; hart 0 runs 7 (reserved), so b gets 1: a's number
    expect(k.sched.asids.rollovers).toBe(1);
    expect(b.mm.asid).toBe(oldAsid);
    touch(k, b, 222n); // through a's entry, were it left: into a's page
    expect(read(k, b)).toBe(222n);
    // a, back on the hart, gets a new ASID and still its own page.
    expect(read(k, a)).toBe(111n);
    expect(a.mm.asid).not.toBe(oldAsid);
  });

  it("a hart that kept running through another hart's rollover flushes before its next mm", () => {
    const k = boot("asid_bits=3", { mem: 64 << 20, harts: 2 });
    const a = spawn(k, 0);
    touch(k, a, 111n, 1); // hart 1 caches a's X under a's ASID
    const oldAsid = a.mm.asid;
    const c = spawn(k, 1);
    k.sched.switch_mm(k.machine.harts[1]!, c); // hart 1 runs c now; a's entry stays in its TLB
    for (let n = 2; n < 7; n++) spawn(k, n); // on hart 0: ASIDs 3..7
    const b = spawn(k, 7); // rolls over on hart 0: 7 and c's 2 reserved, b gets a's number
    expect([k.sched.asids.rollovers, b.mm.asid]).toEqual([1, oldAsid]);
    expect(tlbHolds(k, 1, X, oldAsid)).toBe(true); // the stale entry, still in hart 1's TLB
    touch(k, b, 222n, 0);
    expect(read(k, b, 1)).toBe(222n); // hart 1 flushed at its switch to b
    expect(read(k, a, 0)).toBe(111n);
  });

  for (const [bits, harts] of [
    [3, 1],
    [3, 2],
    [1, 1],
  ] as const)
    it(`the process guests still match qemu with asid_bits=${bits} on ${harts} hart(s)`, () => {
      const cases = loadCases("cases.json").filter((c) =>
        ["forkbomb.40", "cow.default", "pipeline.default"].includes(c.id),
      );
      expect(cases).toHaveLength(3);
      for (const c of cases) {
        const r = runCase(c, "nolibc", harts, `asid_bits=${bits}`);
        expect(r.stdout).toBe(expected(c, "nolibc"));
        expect(r.t.exitCode).toBe(c.status);
        if (bits === 3 && c.id === "forkbomb.40") expect(r.k.sched.asids.rollovers).toBeGreaterThan(0);
      }
    });
});
