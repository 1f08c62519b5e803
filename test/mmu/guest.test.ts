import { describe, expect, it } from "vitest";
import { assemble } from "../../src/asm/index.js";
import { CSR, Machine, type Paging, PRIV_S, PRIV_U } from "../../src/cpu/index.js";
import {
  makeSatp,
  mapLeaf,
  PTE_A,
  PTE_D,
  PTE_R,
  PTE_U,
  PTE_W,
  PTE_X,
  RAM_BASE,
  SATP_SV48,
  SV48,
} from "../../src/mmu/index.js";

const CODE_VA = 0x10000n;
const DATA_VA = 0x4000_0000n;
const FINISH_VA = 0x2000_0000n;

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
  const m = new Machine({ mem: 64 << 20, tlb: opts.tlb });
  const h = m.harts[0]!;
  h.hostTlbEnabled = opts.host;
  const span = opts.pages * 4096;
  const prog = assemble(
    `
    _start:
      li s0, ${DATA_VA}
      li s1, ${opts.iters}
      li s2, ${opts.stride}
      li s3, ${span - 1}
      li t0, 0
    loop:
      add t1, s0, t0
      ld t2, 0(t1)
      addi t2, t2, 1
      sd t2, 0(t1)
      add t0, t0, s2
      and t0, t0, s3
      addi s1, s1, -1
      bnez s1, loop
      li t0, ${FINISH_VA}
      li t1, 0x5555
      sw t1, 0(t0)
    1: j 1b
    `,
    { base: CODE_VA },
  );
  let next = (RAM_BASE + (64 << 20)) / 4096;
  const alloc = (): number => --next;
  const root = alloc();
  const u = opts.priv === PRIV_U ? PTE_U : 0;
  const codePa = RAM_BASE + 0x10_0000;
  m.mem.load(codePa, prog.toFlat());
  const map = (va: bigint, pa: number, level: number, flags: number): void => {
    mapLeaf(m.mem, SV48, root, Number(va >> 12n), pa / 4096, level, flags | PTE_A | PTE_D | u, alloc);
  };
  map(CODE_VA, codePa, 0, PTE_R | PTE_X);
  map(FINISH_VA, 0x10_0000, 0, PTE_R | PTE_W);
  const dataPa = RAM_BASE + 0x20_0000;
  if (opts.huge) {
    for (let off = 0; off < span; off += 2 << 20) map(DATA_VA + BigInt(off), dataPa + off, 1, PTE_R | PTE_W);
  } else {
    for (let off = 0; off < span; off += 4096) map(DATA_VA + BigInt(off), dataPa + off, 0, PTE_R | PTE_W);
  }
  h.csrWrite(CSR.satp, makeSatp(SATP_SV48, 1, root));
  h.priv = opts.priv;
  h.setPc(CODE_VA);
  const res = m.run(10_000_000);
  const tlb = (h.translator as Paging).tlb;
  return { m, h, res, tlb, data: (i: number) => m.mem.i32[(dataPa - RAM_BASE + i * opts.stride) / 4]! };
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
