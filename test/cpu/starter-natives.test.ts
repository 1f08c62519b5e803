// The starter variants where V8's natives syntax is on, as the `mmlab` command turns it on
// (src/cli/v8-tuning.ts): the generated starter tells V8 never to optimize it, and it runs a
// process's first 100,000 instructions (src/cpu/interp.ts, STARTER_INSNS), then the warmed
// variant goes on from the same state. The flag is set before the interpreter is loaded; it is
// this file's own process (vitest's pool is forks), so no other test file sees it.

import { setFlagsFromString } from "node:v8";
import { describe, expect, it } from "vitest";

setFlagsFromString("--allow-natives-syntax");
const { interpreter, run, STARTER_INSNS, starterInsnsLeft } = await import("../../src/cpu/index.js");
const E = await import("../helpers/encode.js");
const { RAM, Stepper } = await import("../helpers/guest.js");

type Interp = Parameters<typeof run>[2];

/** `insns` instructions of a loop (a0 counts, a2 = a0², a3 ^= a2) in chunks of up to 10,000 with
 *  `interp`: the hart's registers, pc and step count. */
function runLoop(insns: number, interp?: Interp): { x: number[]; pc: bigint; steps: number } {
  const st = new Stepper();
  for (const w of [E.addi(E.a0, E.a0, 1), E.mul(E.a2, E.a0, E.a0), E.xor(E.a3, E.a3, E.a2), E.jal(0, -12)]) {
    st.addr(w);
  }
  st.h.setPc(RAM);
  let done = 0;
  while (done < insns) done += run(st.h, Math.min(10_000, insns - done), interp);
  return { x: [...st.h.x], pc: st.h.pcBig(), steps: st.h.steps };
}

describe("the starter variants under natives syntax (the mmlab command)", () => {
  it("take 100,000 instructions, then the warmed variant goes on from the same state", () => {
    expect(STARTER_INSNS).toBe(100_000);
    expect(starterInsnsLeft()).toBe(STARTER_INSNS);
    const insns = STARTER_INSNS + 30_000;
    const switched = runLoop(insns);
    expect(starterInsnsLeft()).toBe(0);
    const warmedOnly = { bare: interpreter.bare, paged: interpreter.paged };
    expect(runLoop(insns, warmedOnly)).toEqual(switched);
    expect(switched.steps).toBe(insns);
  });
});
