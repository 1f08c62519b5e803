import { describe, expect, it } from "vitest";
import { type MmioDevice, PhysMem, RAM_BASE } from "../../src/mmu/index.js";

const dev = (name: string, base: number, size: number): MmioDevice => ({
  name,
  base,
  size,
  read: () => 0n,
  write: () => {},
});

describe("physical memory", () => {
  it("rejects bad sizes with a clear message", () => {
    expect(() => new PhysMem(1000)).toThrow(/multiple of 4 KiB/);
    expect(() => new PhysMem(8 * 1024 ** 3)).toThrow(/exceeds the 4 GiB maximum/);
  });

  it("maps RAM offsets only for accesses wholly inside RAM", () => {
    const m = new PhysMem(1 << 20);
    expect(m.ramOffset(RAM_BASE, 8)).toBe(0);
    expect(m.ramOffset(RAM_BASE + (1 << 20) - 8, 8)).toBe((1 << 20) - 8);
    expect(m.ramOffset(RAM_BASE + (1 << 20) - 4, 8)).toBe(-1);
    expect(m.ramOffset(RAM_BASE - 1, 1)).toBe(-1);
  });

  it("refuses devices that overlap RAM or each other", () => {
    const m = new PhysMem(1 << 20);
    m.attach(dev("a", 0x1000_0000, 0x100));
    expect(() => m.attach(dev("b", 0x1000_0080, 0x100))).toThrow(/device b overlaps a/);
    expect(() => m.attach(dev("c", RAM_BASE, 0x100))).toThrow(/device c overlaps RAM/);
    expect(m.deviceAt(0x1000_0010, 4)?.name).toBe("a");
    expect(m.deviceAt(0x1000_00fe, 4)).toBeUndefined();
  });

  it("reads and writes little-endian values; load() names a range outside RAM", () => {
    const m = new PhysMem(1 << 20);
    m.writeRam(16, 8, 0x0102030405060708n);
    expect(m.u8[16]).toBe(8);
    expect(m.readRam(16, 8)).toBe(0x0102030405060708n);
    expect(() => m.load(RAM_BASE + (1 << 20) - 2, new Uint8Array(4))).toThrow(/is outside RAM/);
  });
});
