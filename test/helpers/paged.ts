// Paged guests for the CPU and MMU tests: a program assembled at CODE_VA runs in S- or U-mode
// under Sv48 on a 64 MiB machine, with its code, the test finisher and a data area mapped (A and
// D set, U for U-mode), with or without the host TLB, so that a test can check that the host TLB
// changes no counter, entry or replacement decision of the modelled TLB.

import { assemble } from "../../src/asm/index.js";
import { CSR, type Hart, Machine, type Paging, PRIV_U, type RunResult } from "../../src/cpu/index.js";
import { attachJit } from "../../src/cpu/jit/index.js";
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
  type TlbModel,
} from "../../src/mmu/index.js";

export const CODE_VA = 0x10000n;
export const DATA_VA = 0x4000_0000n;
export const FINISH_VA = 0x2000_0000n;
/** RAM offset of the data area (DATA_VA maps to RAM_BASE + DATA_RAM). */
export const DATA_RAM = 0x20_0000;

/** The end of a paged guest: pass through the test finisher. */
export const FINISH = `
      li t0, ${FINISH_VA}
      li t1, 0x5555
      sw t1, 0(t0)
    1: j 1b`;

/** A paged guest that walks `span` bytes from DATA_VA with `stride` (wrapping; span a power of
 *  two), `iters` times adding one to the dword it lands on; `extra` runs after each store. */
export function stridedIncrement(iters: number, stride: number, span: number, extra = ""): string {
  return `
    _start:
      li s0, ${DATA_VA}
      li s1, ${iters}
      li s2, ${stride}
      li s3, ${span - 1}
      li t0, 0
    loop:
      add t1, s0, t0
      ld t2, 0(t1)
      addi t2, t2, 1
      sd t2, 0(t1)${extra}
      add t0, t0, s2
      and t0, t0, s3
      addi s1, s1, -1
      bnez s1, loop
      ${FINISH}`;
}

export interface PagedGuestOptions {
  /** The TLB preset. */
  tlb: string;
  /** The program: `_start` and what follows, ending with FINISH. */
  source: string;
  priv: number;
  /** Use the host TLB (false: every access through the modelled TLB). */
  host: boolean;
  /** Bytes of data mapped at DATA_VA. */
  dataBytes: number;
  /** Map the data with 2 MiB leaves instead of 4 KiB ones. */
  huge?: boolean;
  /** Called before satp is written and the hart started (FP state, registers). */
  setup?: (h: Hart) => void;
  /** Translate hot code to WebAssembly (src/cpu/jit). */
  jit?: boolean;
  /** 4 KiB pages of code mapped from CODE_VA (1 by default). */
  codePages?: number;
  /** Instructions to run at most (10 M by default). */
  insns?: number;
}

export interface PagedGuest {
  m: Machine;
  h: Hart;
  res: RunResult;
  tlb: TlbModel;
}

/** Build, map and run a paged guest to its end (at most `insns`, 10 M instructions). */
export function runPagedGuest(opts: PagedGuestOptions): PagedGuest {
  const m = new Machine({ mem: 64 << 20, tlb: opts.tlb });
  const h = m.harts[0]!;
  h.hostTlbEnabled = opts.host;
  if (opts.jit) attachJit(m, { keepAll: true, hot: 64 });
  const codePa = RAM_BASE + 0x10_0000;
  m.mem.load(codePa, assemble(opts.source, { base: CODE_VA }).toFlat());
  let next = (RAM_BASE + (64 << 20)) / 4096;
  const alloc = (): number => --next;
  const root = alloc();
  const u = opts.priv === PRIV_U ? PTE_U : 0;
  const map = (va: bigint, pa: number, level: number, flags: number): void => {
    if (!mapLeaf(m.mem, SV48, root, Number(va >> 12n), pa / 4096, level, flags | PTE_A | PTE_D | u, alloc))
      throw new Error("paged guest: out of page tables");
  };
  for (let p = 0; p < (opts.codePages ?? 1); p++)
    map(CODE_VA + BigInt(p * 4096), codePa + p * 4096, 0, PTE_R | PTE_X);
  map(FINISH_VA, 0x10_0000, 0, PTE_R | PTE_W);
  const leaf = opts.huge ? 2 << 20 : 4096;
  for (let off = 0; off < opts.dataBytes; off += leaf) {
    map(DATA_VA + BigInt(off), RAM_BASE + DATA_RAM + off, opts.huge ? 1 : 0, PTE_R | PTE_W);
  }
  opts.setup?.(h);
  h.csrWrite(CSR.satp, makeSatp(SATP_SV48, 1, root));
  h.priv = opts.priv;
  h.setPc(CODE_VA);
  const res = m.run(opts.insns ?? 10_000_000);
  return { m, h, res, tlb: (h.translator as Paging).tlb };
}
