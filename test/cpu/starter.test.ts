// The starter variants of the interpreter (src/cpu/interp.ts): a process's first STARTER_INSNS
// instructions run on an interpreter that is never warmed up, then the warmed one takes over,
// in the middle of a program, with nothing of the machine's state lost or changed.

import { describe, expect, it } from "vitest";
import { type Interpreter, interpreter, run, STARTER_INSNS, starterInsnsLeft } from "../../src/cpu/index.js";
import * as E from "../helpers/encode.js";
import { a0, a2, a3 } from "../helpers/encode.js";
import { RAM, Stepper } from "../helpers/guest.js";

/** A machine with an endless loop at RAM: a0 counts, a2 = a0², a3 ^= a2. */
function loopMachine(): Stepper {
  const st = new Stepper();
  for (const w of [E.addi(a0, a0, 1), E.mul(a2, a0, a0), E.xor(a3, a3, a2), E.jal(0, -12)]) st.addr(w);
  st.h.setPc(RAM);
  return st;
}

/** Run `insns` instructions of the loop in chunks of 10,000 with `interp`; the hart's state. */
function runLoop(insns: number, interp?: Interpreter): unknown {
  const st = loopMachine();
  let done = 0;
  while (done < insns) done += run(st.h, Math.min(10_000, insns - done), interp);
  return { x: [...st.h.x], pc: st.h.pcBig(), steps: st.h.steps, done };
}

describe("the interpreter's starter variants", () => {
  it("run the first STARTER_INSNS instructions, then the warmed variant goes on from the same state", () => {
    expect(starterInsnsLeft()).toBe(STARTER_INSNS); // nothing ran yet in this test file's process
    const insns = STARTER_INSNS + 50_000;
    const switched = runLoop(insns);
    expect(starterInsnsLeft()).toBe(0); // chunks of 10,000 end exactly at the switch
    // The same run on the warmed variants alone (another Interpreter object: no starter).
    const warmedOnly: Interpreter = { bare: interpreter.bare, paged: interpreter.paged };
    expect(runLoop(insns, warmedOnly)).toEqual(switched);
    expect((switched as { done: number }).done).toBe(insns);
  });

  it("are not used once the process has run STARTER_INSNS instructions", () => {
    const left = starterInsnsLeft();
    runLoop(20_000);
    expect(starterInsnsLeft()).toBe(left);
  });
});
