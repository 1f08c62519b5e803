import { describe, expect, it } from "vitest";
import {
  PTE_A,
  PTE_D,
  PTE_HI_N,
  PTE_R,
  PTE_U,
  PTE_W,
  PTE_X,
  RAM_BASE,
  readPte,
  SV39,
  SV48,
  SV57,
  type WalkContext,
  Walker,
  writePte,
} from "../../src/mmu/index.js";
import { RWX_AD, space, vpnOfBig } from "./helpers.js";

const S: WalkContext = { priv: 1, sum: false, mxr: false, adue: false };
const U: WalkContext = { priv: 0, sum: false, mxr: false, adue: false };

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
    expect(new Walker(sp.mem).walk(SV48, sp.root, 0, vpn, "r", S).status).toBe("page-fault");
  });
  it("W without R is reserved", () => {
    const { sp, w } = leafWith(PTE_W | PTE_A | PTE_D);
    expect(w.walk(SV48, sp.root, 0, vpn, "w", S).status).toBe("page-fault");
  });
  it("reserved bits 60..54 fault", () => {
    const { sp, w } = leafWith(RWX_AD, 1 << 22);
    expect(w.walk(SV48, sp.root, 0, vpn, "r", S).status).toBe("page-fault");
  });
  it("PBMT without Svpbmt faults", () => {
    const { sp, w } = leafWith(RWX_AD, 1 << 29);
    expect(w.walk(SV48, sp.root, 0, vpn, "r", S).status).toBe("page-fault");
  });
  it("a non-leaf PTE with A, D or U set is reserved", () => {
    for (const bit of [PTE_A, PTE_D, PTE_U]) {
      const { sp, w } = leafWith(RWX_AD);
      // Set the bit in the root's pointer.
      const rootPte = sp.root * 4096 + (Math.floor(vpn / 2 ** 27) % 512) * 8;
      const [lo, hi] = readPte(sp.mem, rootPte);
      writePte(sp.mem, rootPte, lo | bit, hi);
      expect(w.walk(SV48, sp.root, 0, vpn, "r", S).status).toBe("page-fault");
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
    expect(w.walk(SV48, sp.root, 0, 0x200, "r", S).status).toBe("page-fault");
  });
  it("a pointer at level 0 faults", () => {
    const { sp, w } = leafWith(RWX_AD);
    const r = w.walk(SV48, sp.root, 0, vpn, "r", S);
    const [lo, hi] = readPte(sp.mem, r.pteAddr);
    writePte(sp.mem, r.pteAddr, lo & ~(PTE_R | PTE_W | PTE_X | PTE_A | PTE_D), hi);
    expect(w.walk(SV48, sp.root, 0, vpn, "r", S).status).toBe("page-fault");
  });
  it("a table outside RAM is an access fault", () => {
    const sp = space(SV48);
    expect(new Walker(sp.mem).walk(SV48, 0x1000, 0, vpn, "r", S).status).toBe("access-fault");
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
    expect(ro.w.walk(SV48, ro.sp.root, 0, vpn, "w", S).status).toBe("page-fault");
    expect(ro.w.walk(SV48, ro.sp.root, 0, vpn, "x", S).status).toBe("page-fault");
  });
  it("Svade: A = 0, or D = 0 on a store, is a page fault", () => {
    const noA = leafWith(PTE_R | PTE_W);
    expect(noA.w.walk(SV48, noA.sp.root, 0, vpn, "r", S).status).toBe("page-fault");
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
