import { describe, expect, it } from "vitest";
import {
  Arena,
  describeStop,
  formatWalk,
  PTE_A,
  PTE_D,
  PTE_HI_N,
  PTE_R,
  PTE_U,
  PTE_V,
  PTE_W,
  PTE_X,
  pteAddress,
  pteStop,
  RAM_BASE,
  readPte,
  SV39,
  SV48,
  SV57,
  vpnIndex,
  WALK_N,
  type WalkContext,
  Walker,
  type WalkStop,
  walkerArenaBytes,
  writePte,
} from "../../src/mmu/index.js";
import { RWX_AD, space, vpnOfBig } from "./helpers.js";

const S: WalkContext = { priv: 1, sum: false, mxr: false, adue: false };
const U: WalkContext = { priv: 0, sum: false, mxr: false, adue: false };
const fault = (stop: WalkStop) => ({ status: "page-fault", stop });

describe("walker: leaves at every level", () => {
  const cases = [
    { mode: SV39, level: 0, shift: 12 },
    { mode: SV39, level: 1, shift: 21 },
    { mode: SV39, level: 2, shift: 30 },
    { mode: SV48, level: 0, shift: 12 },
    { mode: SV48, level: 1, shift: 21 },
    { mode: SV48, level: 2, shift: 30 },
    { mode: SV48, level: 3, shift: 39 },
    { mode: SV57, level: 0, shift: 12 },
    { mode: SV57, level: 3, shift: 39 },
    { mode: SV57, level: 4, shift: 48 },
  ];
  for (const { mode, level, shift } of cases) {
    it(`${mode.name}: a level-${level} leaf maps 2^${shift} bytes with ${mode.levels - level} references`, () => {
      const sp = space(mode);
      const size = 2 ** shift;
      const va = BigInt(size) * 3n;
      const pa = 0; // physical page 0: aligned for every size
      sp.map(va, pa, level, RWX_AD);
      const w = new Walker(sp.mem);
      const inside = vpnOfBig(va + BigInt(size) - 4096n, mode);
      const r = w.walk(mode, sp.root, 0, inside, "r", S);
      expect(r.status).toBe("ok");
      expect(r.shift).toBe(shift);
      expect(r.level).toBe(level);
      expect(r.vpnBase).toBe(vpnOfBig(va, mode));
      expect(r.ppnBase).toBe(0);
      expect(r.refs).toBe(mode.levels - level);
      expect(w.stats.refs).toBe(mode.levels - level);
    });
  }

  it("Svnapot: a 64 KiB leaf (ppn[3:0] = 1000) covers 16 pages", () => {
    const sp = space(SV48);
    const base = RAM_BASE / 4096 + 0x100; // 16-page aligned
    for (let i = 0; i < 16; i++) {
      sp.map(0x10000n + BigInt(i) * 4096n, (base + 8) * 4096, 0, RWX_AD, PTE_HI_N);
    }
    const r = new Walker(sp.mem).walk(SV48, sp.root, 0, vpnOfBig(0x1f000n, SV48), "r", S);
    expect(r.status).toBe("ok");
    expect(r.shift).toBe(16);
    expect(r.vpnBase).toBe(0x10);
    expect(r.ppnBase).toBe(base);
  });

  it("Svnapot: N with other ppn[3:0] encodings is reserved", () => {
    const sp = space(SV48);
    sp.map(0x10000n, RAM_BASE + 0x104000, 0, RWX_AD, PTE_HI_N);
    expect(new Walker(sp.mem).walk(SV48, sp.root, 0, 0x10, "r", S).status).toBe("page-fault");
  });
});

describe("walker: every check, with the right fault", () => {
  const va = 0x4000_0000n;
  const vpn = vpnOfBig(va, SV48);
  const pa = RAM_BASE + 0x10_0000;

  function leafWith(flags: number, hiBits = 0) {
    const sp = space(SV48);
    sp.map(va, pa, 0, flags, hiBits);
    return { sp, w: new Walker(sp.mem) };
  }

  it("V = 0 is a page fault", () => {
    const sp = space(SV48);
    expect(new Walker(sp.mem).walk(SV48, sp.root, 0, vpn, "r", S)).toMatchObject(fault("not-valid"));
  });
  it("W without R is reserved", () => {
    const { sp, w } = leafWith(PTE_W | PTE_A | PTE_D);
    expect(w.walk(SV48, sp.root, 0, vpn, "w", S)).toMatchObject(fault("w-without-r"));
  });
  it("reserved bits 60..54 fault", () => {
    const { sp, w } = leafWith(RWX_AD, 1 << 22);
    expect(w.walk(SV48, sp.root, 0, vpn, "r", S)).toMatchObject(fault("reserved-bits"));
  });
  it("PBMT without Svpbmt faults", () => {
    const { sp, w } = leafWith(RWX_AD, 1 << 29);
    expect(w.walk(SV48, sp.root, 0, vpn, "r", S)).toMatchObject(fault("reserved-bits"));
  });
  it("a non-leaf PTE with A, D, U or N set is reserved", () => {
    for (const [loBit, hiBit] of [
      [PTE_A, 0],
      [PTE_D, 0],
      [PTE_U, 0],
      [0, PTE_HI_N],
    ]) {
      const { sp, w } = leafWith(RWX_AD);
      // Set the bit in the root's pointer.
      const rootPte = pteAddress(sp.root, vpnIndex(vpn, 3));
      const [lo, hi] = readPte(sp.mem, rootPte);
      writePte(sp.mem, rootPte, lo | loBit!, hi | hiBit!);
      expect(w.walk(SV48, sp.root, 0, vpn, "r", S)).toMatchObject({
        ...fault("pointer-reserved-bits"),
        level: 3,
      });
    }
  });
  it("a misaligned superpage faults", () => {
    const sp = space(SV48);
    sp.map(0x20_0000n, RAM_BASE + 0x20_0000, 1, RWX_AD);
    const w = new Walker(sp.mem);
    const ok = w.walk(SV48, sp.root, 0, 0x200, "r", S);
    expect(ok.status).toBe("ok");
    // Move the 2 MiB leaf's ppn by one 4 KiB page: no longer 2 MiB aligned.
    const [lo, hi] = readPte(sp.mem, ok.pteAddr);
    writePte(sp.mem, ok.pteAddr, lo + (1 << 10), hi);
    expect(w.walk(SV48, sp.root, 0, 0x200, "r", S)).toMatchObject(fault("misaligned-superpage"));
  });
  it("a pointer at level 0 faults", () => {
    const { sp, w } = leafWith(RWX_AD);
    const r = w.walk(SV48, sp.root, 0, vpn, "r", S);
    const [lo, hi] = readPte(sp.mem, r.pteAddr);
    writePte(sp.mem, r.pteAddr, lo & ~(PTE_R | PTE_W | PTE_X | PTE_A | PTE_D), hi);
    expect(w.walk(SV48, sp.root, 0, vpn, "r", S)).toMatchObject({ ...fault("pointer-at-level-0"), level: 0 });
  });
  it("a table outside RAM is an access fault", () => {
    const sp = space(SV48);
    expect(new Walker(sp.mem).walk(SV48, 0x1000, 0, vpn, "r", S)).toMatchObject({
      status: "access-fault",
      stop: "outside-ram",
    });
  });
  it("U pages: S needs SUM and never executes them; U needs U", () => {
    const { sp, w } = leafWith(RWX_AD | PTE_U);
    expect(w.walk(SV48, sp.root, 0, vpn, "r", S).status).toBe("page-fault");
    expect(w.walk(SV48, sp.root, 0, vpn, "r", { ...S, sum: true }).status).toBe("ok");
    expect(w.walk(SV48, sp.root, 0, vpn, "x", { ...S, sum: true }).status).toBe("page-fault");
    expect(w.walk(SV48, sp.root, 0, vpn, "x", U).status).toBe("ok");
    const s = leafWith(RWX_AD);
    expect(s.w.walk(SV48, s.sp.root, 0, vpn, "r", U).status).toBe("page-fault");
  });
  it("R/W/X and MXR", () => {
    const xo = leafWith(PTE_X | PTE_A | PTE_D);
    expect(xo.w.walk(SV48, xo.sp.root, 0, vpn, "r", S).status).toBe("page-fault");
    expect(xo.w.walk(SV48, xo.sp.root, 0, vpn, "r", { ...S, mxr: true }).status).toBe("ok");
    const ro = leafWith(PTE_R | PTE_A | PTE_D);
    expect(ro.w.walk(SV48, ro.sp.root, 0, vpn, "w", S)).toMatchObject(fault("no-permission"));
    expect(ro.w.walk(SV48, ro.sp.root, 0, vpn, "x", S).status).toBe("page-fault");
  });
  it("Svade: A = 0, or D = 0 on a store, is a page fault", () => {
    const noA = leafWith(PTE_R | PTE_W);
    expect(noA.w.walk(SV48, noA.sp.root, 0, vpn, "r", S)).toMatchObject(fault("svade-a-d"));
    const noD = leafWith(PTE_R | PTE_W | PTE_A);
    expect(noD.w.walk(SV48, noD.sp.root, 0, vpn, "r", S).status).toBe("ok");
    expect(noD.w.walk(SV48, noD.sp.root, 0, vpn, "w", S).status).toBe("page-fault");
  });
  it("Svadu: the walk sets A on a load and A|D on a store, in memory", () => {
    const { sp, w } = leafWith(PTE_R | PTE_W);
    const r = w.walk(SV48, sp.root, 0, vpn, "r", { ...S, adue: true });
    expect(r.status).toBe("ok");
    expect(readPte(sp.mem, r.pteAddr)[0] & (PTE_A | PTE_D)).toBe(PTE_A);
    w.walk(SV48, sp.root, 0, vpn, "w", { ...S, adue: true });
    expect(readPte(sp.mem, r.pteAddr)[0] & (PTE_A | PTE_D)).toBe(PTE_A | PTE_D);
  });
});

describe("page-walk caches", () => {
  it("a second walk in the same 2 MiB region starts at the last level", () => {
    const sp = space(SV48);
    sp.map(0x4000_0000n, RAM_BASE, 0, RWX_AD);
    sp.map(0x4000_1000n, RAM_BASE + 0x1000, 0, RWX_AD);
    const w = new Walker(sp.mem, [
      { level: 3, sets: 1, ways: 2 },
      { level: 2, sets: 1, ways: 4 },
      { level: 1, sets: 2, ways: 4 },
    ]);
    expect(w.walk(SV48, sp.root, 0, 0x40000, "r", S).refs).toBe(4);
    expect(w.walk(SV48, sp.root, 0, 0x40001, "r", S).refs).toBe(1);
    const stats = w.pwc!.stats();
    expect(stats.find((s) => s.level === 1)).toEqual({ level: 1, hits: 1, misses: 1 });
    w.pwc!.flush();
    expect(w.walk(SV48, sp.root, 0, 0x40001, "r", S).refs).toBe(4);
  });
});

describe("the walk's record", () => {
  const va = 0x4000_1234n;
  const split = (v: bigint): [number, number] => [
    Number(BigInt.asIntN(32, v)),
    Number(BigInt.asIntN(32, v >> 32n)),
  ];

  it("inspect: every level from the root, the leaf, and nothing changed (no A/D update, no counts)", () => {
    const sp = space(SV48);
    sp.map(va, RAM_BASE + 0x10_0000, 0, PTE_R | PTE_W);
    const w = new Walker(sp.mem, [{ level: 1, sets: 1, ways: 1 }]);
    const rec = w.inspect(SV48, sp.root, ...split(va));
    expect(rec.status).toBe("ok");
    expect(rec.steps.map((s) => [s.level, s.index, s.stop])).toEqual([
      [3, 0, "next"],
      [2, 1, "next"],
      [1, 0, "next"],
      [0, 1, "leaf"],
    ]);
    expect(rec.steps[0]!.pteAddr).toBe(pteAddress(sp.root, 0));
    expect(rec.steps[3]!.lo & 0xff).toBe(PTE_V | PTE_R | PTE_W);
    expect([rec.ppnBase, rec.shift]).toEqual([(RAM_BASE + 0x10_0000) / 4096, 12]);
    expect(w.stats).toMatchObject({ walks: 0, refs: 0, faults: 0 });
    expect(w.pwc!.stats()).toEqual([{ level: 1, hits: 0, misses: 0 }]);
  });

  it("formatWalk prints each level, the leaf and the physical address, as the console shows it", () => {
    const sp = space(SV48);
    sp.map(va, RAM_BASE + 0x10_0000, 0, PTE_R | PTE_W | PTE_A);
    const rec = new Walker(sp.mem).inspect(SV48, sp.root, ...split(va));
    const lines = formatWalk(rec, va);
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(
      /^ {2}level 3 PGD \[ {2}0\] pte @ 0x[0-9a-f]+ = 0x[0-9a-f]{16} V------- {2}-> next table at 0x/,
    );
    expect(lines[3]).toMatch(
      /^ {2}level 0 PTE \[ {2}1\] pte @ 0x[0-9a-f]+ = 0x[0-9a-f]{16} VRW---A- {2}leaf: 4K page at 0x80100000$/,
    );
    expect(lines[4]).toBe("  => pa 0x80100234");
  });

  it("a fault is the level it stopped at and why; the trail of a real walk is the same", () => {
    const sp = space(SV48);
    sp.map(0x4000_0000n, RAM_BASE, 1, RWX_AD);
    sp.map(va + 0x20_0000n, RAM_BASE, 0, RWX_AD); // tables for the next 2 MiB, then unmap its PTE
    writePte(
      sp.mem,
      new Walker(sp.mem).walk(SV48, sp.root, 0, vpnOfBig(va + 0x20_0000n, SV48), "r", S).pteAddr,
      0,
      0,
    );
    const w = new Walker(sp.mem);
    const rec = w.inspect(SV48, sp.root, ...split(va + 0x20_0000n));
    expect([rec.status, rec.stop, rec.steps.length]).toEqual(["page-fault", "not-valid", 4]);
    expect(formatWalk(rec, va + 0x20_0000n)[3]).toMatch(/ -{8} {2}not valid: page fault$/);
    w.trail = [];
    const r = w.walk(SV48, sp.root, 0, vpnOfBig(va + 0x20_0000n, SV48), "r", S);
    expect(w.trail).toEqual(rec.steps);
    expect(describeStop(SV48, w.trail.at(-1), r.stop)).toBe("at level 0 PTE [  1]: not valid");
    const big = w.inspect(SV48, sp.root, ...split(0x4000_0000n));
    expect(formatWalk(big, 0x4012_3456n)).toEqual([
      expect.stringMatching(/^ {2}level 3 PGD/),
      expect.stringMatching(/^ {2}level 2 PUD/),
      expect.stringMatching(/ {2}leaf: 2M page at 0x80000000$/),
      "  => pa 0x80123456",
    ]);
  });

  it("a non-canonical address stops before any level", () => {
    const sp = space(SV48);
    const rec = new Walker(sp.mem).inspect(SV48, sp.root, ...split(0x0000_8000_0000_0000n));
    expect([rec.status, rec.stop, rec.steps]).toEqual(["page-fault", "not-canonical", []]);
    expect(formatWalk(rec, 0x8000_0000_0000n)).toEqual([
      "  not canonical for sv48: bits 63..47 must all equal bit 47: page fault",
    ]);
  });

  it("pteStop: the rules for one PTE", () => {
    expect(pteStop(0, 0, 1)).toBe("not-valid");
    expect(pteStop(PTE_V, 0, 1)).toBe("next");
    expect(pteStop(PTE_V, 0, 0)).toBe("pointer-at-level-0");
    expect(pteStop(PTE_V | PTE_R, 0, 0)).toBe("leaf");
    expect(pteStop(PTE_V | PTE_R | (1 << 10), 0, 1)).toBe("misaligned-superpage");
    expect(pteStop(PTE_V | PTE_R, PTE_HI_N, 0)).toBe("bad-napot");
    expect(pteStop(PTE_V | PTE_R | (8 << 10), PTE_HI_N, 0)).toBe("leaf");
  });
});

describe("the walker's state in an arena (for the walk in wasm)", () => {
  const PWC = [
    { level: 3, sets: 1, ways: 2 },
    { level: 1, sets: 2, ways: 4 },
  ];

  it("walkerArenaBytes holds the counters and the caches; stats and wasmLayout read them there", () => {
    const sp = space(SV48);
    sp.map(0x4000_0000n, RAM_BASE, 0, RWX_AD);
    const arena = new Arena(65536, walkerArenaBytes(PWC));
    const free = arena.free;
    const w = new Walker(sp.mem, PWC, arena);
    expect(free - arena.free).toBeLessThanOrEqual(walkerArenaBytes(PWC));
    expect(free - arena.free).toBeGreaterThan(walkerArenaBytes(PWC) - 64); // alignment slack only
    expect(arena.holds(w.counts)).toBe(true);
    const lay = w.wasmLayout(arena)!;
    expect(lay.counts).toBe(w.counts.byteOffset);
    expect(lay.pwc!.arrays.map((a) => a.level)).toEqual([1, 3]); // in level order
    w.walk(SV48, sp.root, 0, 0x40000, "r", S);
    w.walk(SV48, sp.root, 0, 0x40000, "r", S);
    const f64 = new Float64Array(arena.buffer);
    expect(f64[lay.counts / 8 + WALK_N.WALKS]).toBe(2);
    expect(f64[lay.counts / 8 + WALK_N.REFS]).toBe(5); // 4, then 1 from the level-1 cache
    expect(f64[lay.counts / 8 + WALK_N.BY_SIZE + 12]).toBe(2);
    expect(w.stats).toMatchObject({ walks: 2, refs: 5, faults: 0, bySize: new Map([[12, 2]]) });
    const l1 = lay.pwc!.arrays[0]!;
    expect([f64[l1.hits / 8], f64[l1.misses / 8]]).toEqual([1, 1]);
    expect(w.pwc!.stats().find((s) => s.level === 1)).toEqual({ level: 1, hits: 1, misses: 1 });
    expect(f64[lay.pwc!.clock / 8]).toBeGreaterThan(0);
  });

  it("without an arena (or without room in it) the state is on ordinary arrays and has no wasm layout", () => {
    const sp = space(SV48);
    const arena = new Arena(65536, 0);
    const w = new Walker(sp.mem, PWC, arena);
    expect(arena.holds(w.counts)).toBe(false);
    expect(w.wasmLayout(arena)).toBeNull();
    expect(w.pwc!.wasmLayout()).toBeNull();
    expect(new Walker(sp.mem).wasmLayout(arena)).toBeNull();
  });
});
