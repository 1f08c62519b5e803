import { describe, expect, it } from "vitest";
import { TLB_FLUSH_ALL_THRESHOLD } from "../../src/kernel/index.js";
import { boot as bootKernel, modelTlb } from "./helpers.js";

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
