import { describe, expect, it } from "vitest";
import { PRIV_S, PRIV_U } from "../../src/cpu/index.js";
import { DATA_RAM, runPagedGuest, stridedIncrement } from "../helpers/paged.js";

/** A load/add/store loop over `pages` pages with `stride`, run paged in `priv`. */
function guest(opts: {
  tlb: string;
  pages: number;
  stride: number;
  iters: number;
  priv: number;
  host: boolean;
  huge?: boolean;
}) {
  const span = opts.pages * 4096;
  const source = stridedIncrement(opts.iters, opts.stride, span);
  const g = runPagedGuest({ ...opts, source, dataBytes: span });
  return { ...g, data: (i: number) => g.m.mem.i32[(DATA_RAM + i * opts.stride) / 4]! };
}

describe("paged guest code: the host TLB keeps the model exact", () => {
  for (const cfg of [
    { tlb: "tiny", pages: 40, stride: 4096, iters: 3000, priv: PRIV_S },
    { tlb: "tiny", pages: 3, stride: 1000, iters: 3000, priv: PRIV_U },
    { tlb: "skylake", pages: 200, stride: 4096 + 64, iters: 5000, priv: PRIV_U },
    { tlb: "champsim", pages: 1024, stride: 8192, iters: 3000, priv: PRIV_S, huge: true },
    { tlb: "qemu-like", pages: 300, stride: 4096 * 7, iters: 4000, priv: PRIV_U },
    { tlb: "golden-cove", pages: 64, stride: 512, iters: 4000, priv: PRIV_S },
  ]) {
    it(`${cfg.tlb}, ${cfg.pages} pages, stride ${cfg.stride}${cfg.huge ? ", 2 MiB pages" : ""}`, () => {
      const a = guest({ ...cfg, host: true });
      const b = guest({ ...cfg, host: false });
      expect(a.res.reason).toBe("test finisher: pass");
      expect(a.res.exitCode).toBe(0);
      expect(b.res.exitCode).toBe(0);
      expect(a.h.instret).toBe(b.h.instret);
      expect(a.tlb.levelCounters()).toEqual(b.tlb.levelCounters());
      expect(a.tlb.arrayCounters()).toEqual(b.tlb.arrayCounters());
      expect(a.tlb.entries()).toEqual(b.tlb.entries());
      expect(Object.fromEntries(a.tlb.walks.r)).toEqual(Object.fromEntries(b.tlb.walks.r));
      // The loop really ran: each touched word was incremented.
      expect(a.data(0)).toBeGreaterThan(0);
      const c = a.tlb.levelCounters();
      expect(c.l1d.r.accesses).toBe(cfg.iters); // one load per iteration
      expect(c.l1d.w.accesses).toBe(cfg.iters + 1); // one store per iteration, plus the finisher
      expect(c.l1i.x.accesses).toBe(a.h.instret); // one fetch per retired instruction
    });
  }
});

describe("paged guest code: a load fills the host TLB for stores too", () => {
  it("a store after a load of its page (A and D set) takes no slow path", () => {
    let slowStores = 0;
    const g = runPagedGuest({
      tlb: "skylake",
      source: stridedIncrement(2000, 4096 + 8, 8 * 4096),
      priv: PRIV_U,
      host: true,
      dataBytes: 8 * 4096,
      setup: (h) => {
        // the interpreter's slow store (semantics.ts: a fault entered without a throw)
        const slow = h.storeGuarded.bind(h);
        h.storeGuarded = (lo, hi, width, vlo, vhi) => {
          slowStores++;
          slow(lo, hi, width, vlo, vhi);
        };
      },
    });
    expect(g.res.exitCode).toBe(0);
    expect(g.tlb.levelCounters().l1d.w.accesses).toBe(2001);
    expect(slowStores).toBe(1); // the test finisher's store (a device)
  });
});
