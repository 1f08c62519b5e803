// Translation against the interpreter under every TLB preset and on 2 and 4 harts, on a few
// cases of the guest corpus (corpus.test.ts runs all of them on the default preset and 1 hart):
// the same output, exit status, --stats=json report, kernel counters and architectural state.
// The presets run with long chunks (setChunkCap: a kernel tick, 4 M instructions, a run() call),
// as does cputimer, whose translated run once had 10 more dTLB load misses with long chunks (a
// chunk count left from the last chunk: docs/jit.md "On by default").

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_CHUNK, setChunkCap } from "../../../src/cpu/index.js";
import { TLB_PRESETS } from "../../../src/mmu/index.js";
import { loadCases } from "../../kernel/guest-cases.js";
import { same } from "./corpus-run.js";

const cases = loadCases("cases.json");

/** A few cases (loops and copy-on-write processes) for the presets, and signals too on 2 harts. */
const FEW = ["sort.stdin-1000", "cow.default"];
const FEW_HARTS = [...FEW, "fork_wait.default", "sigalrm.default"];
/** Threads and a shared address space on 4 harts (TLB shootdowns). */
const FOUR_HARTS = ["pthreads.default", "cow.default"];

describe("translation on every TLB preset, with long chunks", () => {
  beforeAll(() => void setChunkCap(1 << 26));
  afterAll(() => void setChunkCap(MAX_CHUNK));
  const few = cases.filter((c) => FEW.includes(c.id));
  it("finds the cases", () => expect(few.map((c) => c.id).sort()).toEqual([...FEW].sort()));
  for (const tlb of Object.keys(TLB_PRESETS))
    for (const c of few)
      it(`${tlb}: ${c.id} (glibc)`, () => {
        same(c, "glibc", 1, tlb);
      });
  for (const c of cases.filter((x) => x.id === "cputimer.default"))
    it(`${c.id} (glibc)`, () => {
      same(c, "glibc");
    });
});

describe("translation on 2 and 4 harts", () => {
  const fewHarts = cases.filter((c) => FEW_HARTS.includes(c.id));
  it("finds the cases", () => expect(fewHarts.map((c) => c.id).sort()).toEqual([...FEW_HARTS].sort()));
  for (const c of fewHarts)
    it(`2 harts: ${c.id} (glibc)`, () => {
      same(c, "glibc", 2);
    });
  for (const c of cases.filter((x) => FOUR_HARTS.includes(x.id)))
    it(`4 harts: ${c.id} (glibc)`, () => {
      same(c, "glibc", 4);
    });
});
