// The arena (src/mmu/arena.ts): one WebAssembly.Memory with RAM from byte 0 and the state of
// harts and TLB models after it, viewed from TypeScript; what does not fit gets its own array.

import { describe, expect, it } from "vitest";
import { Machine } from "../../src/cpu/index.js";
import {
  Arena,
  arenaArray,
  PhysMem,
  setSharedArenas,
  TLB_PRESETS,
  TlbModel,
  WASM_PAGE,
} from "../../src/mmu/index.js";

describe("arena", () => {
  it("hands out aligned, zeroed pieces after RAM until the memory is full", () => {
    const a = new Arena(4096, 100);
    expect(a.memory.buffer).toBe(a.buffer);
    expect(a.size).toBe(WASM_PAGE); // whole pages
    expect(a.alloc(3, 1)).toBe(4096);
    expect(a.alloc(8, 8)).toBe(4104);
    expect(a.alloc(16, 16)).toBe(4112);
    expect(a.free).toBe(WASM_PAGE - 4128);
    expect(a.alloc(a.free + 1)).toBe(-1);
    const v = arenaArray(a, Float64Array, 4);
    expect(a.holds(v)).toBe(true);
    expect(v.byteOffset % 8).toBe(0);
    expect([...v]).toEqual([0, 0, 0, 0]);
    const big = arenaArray(a, Float64Array, WASM_PAGE);
    expect(a.holds(big)).toBe(false); // no room: its own buffer
    expect(big.length).toBe(WASM_PAGE);
    expect(a.holds(arenaArray(null, Int32Array, 2))).toBe(false);
  });

  it("is a shared memory once setSharedArenas(true) was called (the command line's machines), else not", () => {
    expect(new Arena(4096, 8).shared).toBe(false);
    expect(new Arena(4096, 8).buffer).toBeInstanceOf(ArrayBuffer);
    setSharedArenas(true);
    try {
      const a = new Arena(4096, 8);
      expect(a.shared).toBe(true);
      expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(a.memory.buffer).toBe(a.buffer);
      const v = arenaArray(a, Int32Array, 2);
      v[1] = -5;
      expect(new Int32Array(a.buffer, v.byteOffset, 2)[1]).toBe(-5);
      expect(a.holds(v)).toBe(true);
    } finally {
      setSharedArenas(false);
    }
    expect(new Arena(4096, 8).shared).toBe(false);
  });

  it("hands out pieces after RAM of 2 GiB and more (offsets past int32)", () => {
    // the alignment was computed with `& -align`, an int32 operation: past 2 GiB the offset came
    // out negative, every piece got its own buffer and --mem 2G could not translate
    for (const ram of [2 * 1024 ** 3, 4 * 1024 ** 3 - (64 << 20)]) {
      const a = new Arena(ram, 4096);
      expect(a.alloc(3, 1)).toBe(ram);
      expect(a.alloc(8, 8)).toBe(ram + 8);
      expect(a.free).toBe(a.size - ram - 16);
      expect(a.holds(arenaArray(a, Float64Array, 4))).toBe(true);
    }
  });

  it("refuses more than a 32-bit memory holds", () => {
    expect(() => new Arena(4 * 1024 ** 3, 8)).toThrow(/do not fit a WebAssembly memory/);
  });

  it("PhysMem's views cover RAM only; without an arena RAM is a plain buffer", () => {
    const m = new PhysMem(1 << 16, 4096);
    expect(m.arena).not.toBeNull();
    expect(m.buffer).toBe(m.arena!.buffer);
    expect(m.u8.length).toBe(1 << 16);
    expect(m.i32.length).toBe(1 << 14);
    // state starts right after RAM, with the page flags (16 pages) first
    expect(m.arena!.holds(m.pageFlags)).toBe(true);
    expect(m.pageFlags.byteOffset).toBe(1 << 16);
    expect(m.arena!.alloc(8)).toBe((1 << 16) + 16);
    const plain = new PhysMem(1 << 16, null);
    expect(plain.arena).toBeNull();
    expect(plain.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    expect(plain.u8.length).toBe(1 << 16);
  });

  it("a TLB model keeps its stamps and host hit counters in the arena it is given", () => {
    const a = new Arena(4096, 1 << 16);
    const t = new TlbModel(TLB_PRESETS.skylake!, a);
    expect(a.holds(t.stamp) && a.holds(t.hostHits.r) && a.holds(t.hostHits.w) && a.holds(t.hostHits.x)).toBe(
      true,
    );
    expect(t.stamp.length).toBe(t.slots + 1);
  });

  it("a machine's RAM, registers, host TLBs and TLB stamps share one WebAssembly.Memory", () => {
    const m = new Machine({ mem: 1 << 20, harts: 2, tlb: "zen2" });
    const a = m.mem.arena!;
    for (const h of m.harts) {
      const t = h.hostTlb;
      for (const v of [h.x, t.rLo, t.rHi, t.rBase, t.rSlot, t.wLo, t.wBase, t.xLo, t.xBase, t.xSlot]) {
        expect(a.holds(v)).toBe(true);
      }
      expect(a.holds(h.translator!.stamp)).toBe(true);
      expect(a.holds(h.translator!.hostHits.x)).toBe(true);
    }
    // A register written through the Int32Array view reads back as one i64 of the memory.
    const h = m.harts[1]!;
    h.setReg(5, 0x1234_5678_9abc_def0n);
    expect(new DataView(a.buffer).getBigUint64(h.x.byteOffset + 8 * 5, true)).toBe(0x1234_5678_9abc_def0n);
    const off = new Machine({ mem: 1 << 20, arena: false });
    expect(off.mem.arena).toBeNull();
    expect(off.harts[0]!.x.buffer).not.toBe(off.mem.buffer);
  });
});
