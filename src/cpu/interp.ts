// The interpreter loop, generated around the instruction semantics of semantics.ts: one switch
// with a literal case per op id (dense small integers, which V8 compiles to a jump table; see
// docs/reference/emulators.md), the fetch through the host TLB and the decode cache, and the
// trap unwinding. Four variants come from the same bodies: bare (translation off) and paged
// (host-TLB hits accounted to the modelled TLB), each plain or calling a tracer before every
// instruction.

import { FPU } from "./fpu/ops.js";
import type { Hart } from "./hart.js";
import { div32, divu32, rem32, remu32 } from "./int32.js";
import { div64, divu64, mul64, mulh64, mulhsu64, mulhu64, r, rem64, remu64 } from "./int64.js";
import { MNEMONICS, OP_ILLEGAL, OPS } from "./isa.js";
import { NEXT_PC, SEMANTICS } from "./semantics.js";
import { TLB_MASK, TRAP } from "./trap.js";

/** Runs up to `budget` instructions on a hart; returns how many retired. */
export type RunFn = (h: Hart, budget: number) => number;

/** Called before each instruction by the tracing interpreter. */
export type TraceFn = (h: Hart, pcLo: number, pcHi: number, ramOff: number) => void;

const SYNC_PC = "h.pcLo = pcLo; h.pcHi = pcHi; h.chunkN = n;";
const END_AFTER = `{ ${NEXT_PC} break loop; }`;

/** The variants: plain (translation off), paged (modelled-TLB accounting), each maybe traced. */
interface Variant {
  traced: boolean;
  paged: boolean;
}

const acct = (k: string): string =>
  `{ const sl = ${k}Slot[e]; stamp[sl] = clk0 + n; hit${k.toUpperCase()}[sl]++; }`;

function expand(body: string, v: Variant): string {
  return body
    .replaceAll("SYNC_PC", SYNC_PC)
    .replaceAll("END_AFTER", END_AFTER)
    .replaceAll("END_NOW", "break loop")
    .replaceAll("ACCT_R", v.paged ? acct("r") : "")
    .replaceAll("ACCT_W", v.paged ? acct("w") : "");
}

function caseFor(op: number, v: Variant): string {
  const name = MNEMONICS[op - OPS[MNEMONICS[0]!]]!;
  const sem = SEMANTICS[name];
  const flow = sem.flow ?? "seq";
  const tail = flow === "jump" ? "" : flow === "end" ? `${NEXT_PC} break loop;` : NEXT_PC;
  return `case ${op}: /* ${name} */ { ${expand(sem.body, v)} ${tail} break; }`;
}

// Fetch accounting in the paged variant: instructions fetched from the current page are ITLB
// hits of slot fSlot, counted when the page is left (fFrom: the first fetch not yet counted).
const FETCH_FLUSH = (k: string): string =>
  `if (fSlot >= 0) { hitX[fSlot] += ${k} - fFrom; stamp[fSlot] = clk0 + ${k} - 1; fSlot = -1; }`;

function source(v: Variant): string {
  const { traced, paged } = v;
  const cases = MNEMONICS.map((m) => caseFor(OPS[m], v)).join("\n");
  const fetchHit = "(xLo[e] === (pcLo & -4096) && xHi[e] === pcHi)";
  return `
const { r, mul64, mulh64, mulhsu64, mulhu64, div64, divu64, rem64, remu64, div32, divu32, rem32, remu32,
        TRAP, tracer, fpu } = env;
const SCRATCH = new Float64Array(1 << 16);
const TLB_MASK = ${TLB_MASK};
return function run(h, budget) {
  const x = h.x, mem = h.mem, fr = h.f, fi = h.fi, f32 = h.f32;
  const u8 = mem.u8, i8 = mem.i8, u16 = mem.u16, i16 = mem.i16, i32 = mem.i32;
  const t = h.hostTlb, rLo = t.rLo, rHi = t.rHi, rBase = t.rBase, wLo = t.wLo, wHi = t.wHi, wBase = t.wBase;
  const xLo = t.xLo, xHi = t.xHi, xBase = t.xBase, pages = h.code.pages;
  const rSlot = t.rSlot, wSlot = t.wSlot, xSlot = t.xSlot;
  const tr = h.translator;
  const stamp = tr ? tr.stamp : SCRATCH;
  const hitR = tr ? tr.hostHits.r : SCRATCH, hitW = tr ? tr.hostHits.w : SCRATCH, hitX = tr ? tr.hostHits.x : SCRATCH;
  const clk0 = h.steps;
  let pcLo = h.pcLo | 0, pcHi = h.pcHi | 0;
  let n = 0, fLo = 1, fHi = 0, fBase = 0, dc = h.code.empty, fSlot = -1, fFrom = 0;
  for (;;) {
    try {
      loop: while (n < budget) {
        n++;
        if ((pcLo & -4096) !== fLo || pcHi !== fHi) {
          const e = ((pcLo >>> 12) ^ (pcLo >>> 21)) & TLB_MASK;
          ${paged ? FETCH_FLUSH("n") : ""}
          if (${fetchHit}) { fBase = xBase[e]; dc = pages[fBase / 4096]; ${paged ? "fSlot = xSlot[e]; fFrom = n;" : ""} }
          else { ${SYNC_PC} dc = h.fetchSlow(pcLo, pcHi); fBase = h.fetchBase; ${paged ? "fSlot = h.hostSlot; fFrom = n + 1;" : ""} }
          fLo = pcLo & -4096; fHi = pcHi;
        }
        const i = (pcLo & 4094) << 1;
        let op = dc[i];
        if (op === 0) { ${SYNC_PC} op = h.decodeSlot(dc, i, pcLo, pcHi, fBase); }
        const a = dc[i + 1], imm = dc[i + 2], len = dc[i + 3];
        const d = a & 127, s1 = (a >>> 7) & 127, s2 = (a >>> 14) & 127;
        ${traced ? "tracer(h, pcLo, pcHi, fBase + (pcLo & 4095));" : ""}
        switch (op) {
${cases}
          case ${OP_ILLEGAL}: { ${SYNC_PC} h.illegal(imm, len); break; }
          default: throw new Error("interpreter: no case for op " + op);
        }
      }
      break;
    } catch (e) {
      if (e !== TRAP) throw e;
      ${paged ? FETCH_FLUSH("n + 1") : ""}
      n--; // the instruction that trapped did not retire
      budget--; // but a trap storm still ends the chunk
      pcLo = h.pcLo | 0; pcHi = h.pcHi | 0; fLo = 1;
      if (h.yieldRequested) break;
    }
  }
  ${paged ? FETCH_FLUSH("n + 1") : ""}
  h.pcLo = pcLo; h.pcHi = pcHi;
  h.retire(n);
  return n;
};`;
}

function build(v: Variant, tracer: TraceFn | null): RunFn {
  const env = {
    r,
    mul64,
    mulh64,
    mulhsu64,
    mulhu64,
    div64,
    divu64,
    rem64,
    remu64,
    div32,
    divu32,
    rem32,
    remu32,
    TRAP,
    tracer,
    fpu: FPU,
  };
  const factory = new Function("env", source(v)) as (e: typeof env) => RunFn;
  return factory(env);
}

/** A pair of interpreters: for translation off, and for paging with modelled-TLB accounting. */
export interface Interpreter {
  bare: RunFn;
  paged: RunFn;
}

/** The interpreter. */
export const interpreter: Interpreter = {
  bare: build({ traced: false, paged: false }, null),
  paged: build({ traced: false, paged: true }, null),
};

/** Run a chunk on `h` with the variant its translation state needs. */
export function run(h: Hart, budget: number, interp: Interpreter = interpreter): number {
  return (h.pagingActive() ? interp.paged : interp.bare)(h, budget);
}

/** Interpreters that call `tracer` before every instruction. */
export function tracingInterpreter(tracer: TraceFn): Interpreter {
  return {
    bare: build({ traced: true, paged: false }, tracer),
    paged: build({ traced: true, paged: true }, tracer),
  };
}

/** The generated source, for inspection (`mmlab` developers, tests). */
export function interpreterSource(traced = false, paged = false): string {
  return source({ traced, paged });
}
