import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CSR, type Hart, Machine, MSTATUS, type Paging, PRIV_M, PRIV_S } from "../../src/cpu/index.js";
import {
  clearLeaf,
  makeSatp,
  mapLeaf,
  type PagingMode,
  PTE_A,
  PTE_D,
  PTE_R,
  PTE_W,
  RAM_BASE,
  SATP_SV48,
  SV39,
  SV48,
  SV57,
  satpMode,
  Walker,
} from "../../src/mmu/index.js";

const RW = PTE_R | PTE_W | PTE_A | PTE_D;
const TRAPPED = Symbol("trapped");

interface Rig {
  m: Machine;
  h: Hart;
  paging: Paging;
  root: number;
  mode: PagingMode;
  alloc: () => number;
  map(va: bigint, pa: number, level?: number, flags?: number): void;
  /** Point an existing 4 KiB mapping at another page: clear the leaf, then map (no fence). */
  remap(va: bigint, pa: number): void;
  load(va: bigint): bigint | typeof TRAPPED;
  fence(va?: bigint, asid?: number): void;
}

function rig(mode: PagingMode = SV48, tlb = "tiny", asid = 1): Rig {
  const m = new Machine({ mem: 1 << 24, tlb });
  const h = m.harts[0]!;
  let next = (RAM_BASE + (1 << 24)) / 4096;
  const alloc = (): number => --next;
  const root = alloc();
  h.csrWrite(CSR.satp, makeSatp(mode.satpMode, asid, root));
  h.priv = PRIV_S;
  const vpnOf = (va: bigint): number => Number((va & ((1n << BigInt(mode.vaBits)) - 1n)) >> 12n);
  return {
    m,
    h,
    paging: h.translator as Paging,
    root,
    mode,
    alloc,
    map(va, pa, level = 0, flags = RW) {
      mapLeaf(m.mem, mode, root, vpnOf(va), pa / 4096, level, flags, alloc);
    },
    remap(va, pa) {
      clearLeaf(m.mem, mode, root, vpnOf(va), 0);
      mapLeaf(m.mem, mode, root, vpnOf(va), pa / 4096, 0, RW, alloc);
    },
    load(va) {
      h.priv = PRIV_S; // a trap moves the hart to M; every probe is an S-mode access
      try {
        const lo = Number(BigInt.asIntN(32, va));
        const hi = Number(BigInt.asIntN(32, va >> 32n));
        const v = h.loadSlow(lo, hi, 8, false);
        return BigInt.asUintN(32, BigInt(v));
      } catch {
        return TRAPPED;
      }
    },
    fence(va, asidArg) {
      h.translator!.sfence(h, va, asidArg);
    },
  };
}

function poke(m: Machine, pa: number, v: number): void {
  m.mem.i32[(pa - RAM_BASE) >>> 2] = v;
}

describe("paged translation through the modelled TLB", () => {
  it("loads go through the mapping", () => {
    const r = rig();
    poke(r.m, RAM_BASE + 0x5008, 1234);
    r.map(0x4000_0000n, RAM_BASE + 0x5000);
    expect(r.load(0x4000_0008n)).toBe(1234n);
  });

  it("a stale translation is used until the right fence, then gone", () => {
    const r = rig();
    poke(r.m, RAM_BASE + 0x5000, 111);
    poke(r.m, RAM_BASE + 0x6000, 222);
    r.map(0x4000_0000n, RAM_BASE + 0x5000);
    expect(r.load(0x4000_0000n)).toBe(111n);
    r.remap(0x4000_0000n, RAM_BASE + 0x6000); // without a fence
    expect(r.load(0x4000_0000n)).toBe(111n); // the TLB still holds the old page
    r.fence(0x4000_1000n); // a fence for another page changes nothing
    expect(r.load(0x4000_0000n)).toBe(111n);
    r.fence(0x4000_0000n);
    expect(r.load(0x4000_0000n)).toBe(222n);
  });

  it("an unmap without its fence keeps serving; after it, the access faults with cause 13", () => {
    const r = rig();
    r.map(0x4000_0000n, RAM_BASE + 0x5000);
    r.load(0x4000_0000n);
    clearLeaf(r.m.mem, r.mode, r.root, 0x40000, 0);
    expect(r.load(0x4000_0000n)).not.toBe(TRAPPED);
    r.fence(0x4000_0000n, 1);
    expect(r.load(0x4000_0010n)).toBe(TRAPPED);
    expect(r.h.mcause).toBe(13n);
    expect(r.h.mtval).toBe(0x4000_0010n);
  });

  it("a VA fence in the middle of a 2 MiB page removes the whole page", () => {
    const r = rig(SV48, "skylake");
    r.map(0x4000_0000n, RAM_BASE + 0x20_0000, 1);
    expect(r.load(0x4000_0000n)).not.toBe(TRAPPED);
    expect(r.load(0x401f_f000n)).not.toBe(TRAPPED);
    expect(r.paging.tlb.entries().filter((e) => e.level === "l1d")).toHaveLength(1);
    r.fence(0x4012_3000n);
    expect(r.paging.tlb.entries()).toHaveLength(0);
  });

  it("no hit across ASIDs; a global mapping hits in every ASID", () => {
    const r = rig();
    r.map(0x4000_0000n, RAM_BASE + 0x5000);
    r.map(0x5000_0000n, RAM_BASE + 0x6000, 0, RW | 0x20);
    r.load(0x4000_0000n);
    r.load(0x5000_0000n);
    const before = r.paging.walker.stats.walks;
    r.h.csrWrite(CSR.satp, makeSatp(SATP_SV48, 2, r.root)); // ASID 2, same table
    r.load(0x5000_0000n);
    expect(r.paging.walker.stats.walks).toBe(before); // global: served by the TLB
    r.load(0x4000_0000n);
    expect(r.paging.walker.stats.walks).toBe(before + 1); // ASID 1's entry does not serve ASID 2
  });

  it("MPRV: M-mode loads and stores translate as MPP says; fetches stay untranslated", () => {
    const r = rig();
    poke(r.m, RAM_BASE + 0x5000, 4242);
    r.map(0x4000_0000n, RAM_BASE + 0x5000);
    const h = r.h;
    const loadM = (va: bigint): bigint | "trap" => {
      h.priv = PRIV_M;
      try {
        return BigInt.asUintN(32, BigInt(h.loadSlow(Number(BigInt.asIntN(32, va)), 0, 4, false)));
      } catch {
        return "trap";
      }
    };
    h.mstatus = (h.mstatus & ~MSTATUS.MPP) | (PRIV_S << 11) | MSTATUS.MPRV;
    expect(loadM(0x4000_0000n)).toBe(4242n); // translated through the S-mode page table
    expect(h.translate(Number(BigInt.asIntN(32, BigInt(RAM_BASE))), 0, "x")).toBe(RAM_BASE); // fetch: bare
    h.mstatus = (h.mstatus & ~MSTATUS.MPP) | (PRIV_M << 11) | MSTATUS.MPRV;
    expect(loadM(BigInt(RAM_BASE + 0x5000))).toBe(4242n); // MPP = M: untranslated
    h.mstatus &= ~MSTATUS.MPRV;
    expect(loadM(0x4000_0000n)).toBe("trap"); // no MPRV: M-mode is bare, 0x4000_0000 is no RAM
    expect(h.mcause).toBe(5n);
  });

  it("a non-canonical address is a page fault", () => {
    const r = rig(SV48);
    expect(r.load(0x0000_8000_0000_0000n)).toBe(TRAPPED);
    expect(r.h.mcause).toBe(13n);
  });

  it("a table outside RAM is an access fault (cause 5)", () => {
    const r = rig();
    r.h.csrWrite(CSR.satp, makeSatp(SATP_SV48, 0, 0x10)); // root at physical 0x10000
    expect(r.load(0x1000n)).toBe(TRAPPED);
    expect(r.h.mcause).toBe(5n);
  });

  it("walks are counted by access kind and leaf size", () => {
    const r = rig();
    r.map(0x4000_0000n, RAM_BASE + 0x20_0000, 1);
    r.map(0x8000_0000n, RAM_BASE + 0x5000, 0);
    r.load(0x4000_0000n);
    r.load(0x8000_0000n);
    expect(r.paging.tlb.walks.r.get(21)).toBe(1);
    expect(r.paging.tlb.walks.r.get(12)).toBe(1);
    expect(r.paging.tlb.walkRefs.r).toBe(3 + 4);
  });

  it("serves(): a hit of the other data kind needs its permission and, for a store, D", () => {
    const r = rig(SV48, "skylake");
    const hostW = (va: bigint): boolean => {
      const e = ((Number(va) >>> 12) ^ (Number(va) >>> 21)) & 1023;
      return r.h.hostTlb.wLo[2 * e] === (Number(va) & -4096);
    };
    r.map(0x1000n, RAM_BASE + 0x10000, 0, RW); // D set: a load fills the store entry too
    r.map(0x2000n, RAM_BASE + 0x11000, 0, PTE_R | PTE_W | PTE_A); // D clear
    r.map(0x3000n, RAM_BASE + 0x12000, 0, PTE_R | PTE_A | PTE_D); // read-only
    for (const va of [0x1000n, 0x2000n, 0x3000n]) expect(r.load(va)).not.toBe(TRAPPED);
    expect(hostW(0x1000n)).toBe(true);
    expect(hostW(0x2000n)).toBe(false);
    expect(hostW(0x3000n)).toBe(false);
    const s = r.h.hostSlot;
    expect(r.paging.serves(s, "r")).toBe(true);
    expect(r.paging.serves(s, "w")).toBe(false);
  });

  it("satp: an unsupported MODE write has no effect; Sv39/Sv48/Sv57 are accepted", () => {
    const r = rig();
    const before = r.h.satp;
    r.h.csrWrite(CSR.satp, makeSatp(11, 0, 0));
    expect(r.h.satp).toBe(before);
    for (const mode of [SV39, SV48, SV57]) {
      r.h.csrWrite(CSR.satp, makeSatp(mode.satpMode, 0, 0));
      expect(satpMode(r.h.satp)).toBe(mode.satpMode);
    }
  });
});

describe("property: TLB + walker = uncached walk, when every PTE change has its fence", () => {
  const pages = [0, 1, 2, 3, 0x200, 0x201, 0x40000];
  type Op =
    | { op: "map"; page: number; frame: number }
    | { op: "unmap"; page: number }
    | { op: "load"; page: number }
    | { op: "asid"; asid: number };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      op: fc.constant("map" as const),
      page: fc.constantFrom(...pages),
      frame: fc.integer({ min: 0, max: 15 }),
    }),
    fc.record({ op: fc.constant("unmap" as const), page: fc.constantFrom(...pages) }),
    fc.record({ op: fc.constant("load" as const), page: fc.constantFrom(...pages) }),
    fc.record({ op: fc.constant("asid" as const), asid: fc.integer({ min: 1, max: 3 }) }),
  );

  for (const tlb of ["tiny", "qemu-like", "champsim"]) {
    it(`with the ${tlb} preset`, () => {
      fc.assert(
        fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), (ops) => {
          const r = rig(SV48, tlb);
          for (let f = 0; f < 16; f++) poke(r.m, RAM_BASE + 0x10_0000 + f * 4096, f + 1);
          let asid = 1;
          for (const o of ops) {
            if (o.op === "map") {
              r.remap(BigInt(o.page) << 12n, RAM_BASE + 0x10_0000 + o.frame * 4096);
              r.fence(BigInt(o.page) << 12n); // leaf change: fence by address, all ASIDs
            } else if (o.op === "unmap") {
              clearLeaf(r.m.mem, r.mode, r.root, o.page, 0);
              r.fence(BigInt(o.page) << 12n);
            } else if (o.op === "asid") {
              asid = o.asid;
              r.h.csrWrite(CSR.satp, makeSatp(SATP_SV48, asid, r.root));
            } else {
              const got = r.load(BigInt(o.page) << 12n);
              const ref = new Walker(r.m.mem).walk(SV48, r.root, asid, o.page, "r", {
                priv: 1,
                sum: false,
                mxr: false,
                adue: false,
              });
              const want =
                ref.status === "ok" ? BigInt(r.m.mem.i32[(ref.ppnBase * 4096 - RAM_BASE) >>> 2]!) : TRAPPED;
              expect(got).toBe(want);
            }
          }
        }),
        { numRuns: 150, seed: 42 },
      );
    });
  }
});
