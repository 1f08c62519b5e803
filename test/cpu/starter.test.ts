// The starter variants of the interpreter (src/cpu/interp.ts): a process's first STARTER_INSNS
// instructions run on an interpreter that is never warmed up, then the warmed one takes over,
// in the middle of a program, with nothing of the machine's state lost or changed.

import { describe, expect, it } from "vitest";
import {
  type Interpreter,
  interpreter,
  MAX_CHUNK,
  run,
  STARTER_INSNS,
  starterInsnsLeft,
} from "../../src/cpu/index.js";
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

/** Run `insns` instructions of the loop in chunks of up to 10,000 with `interp`; the hart's
 *  state, and the instructions each chunk retired. */
function runLoop(
  insns: number,
  interp?: Interpreter,
): { state: { x: number[]; pc: bigint; steps: number; done: number }; chunks: number[] } {
  const st = loopMachine();
  let done = 0;
  const chunks: number[] = [];
  while (done < insns) {
    chunks.push(run(st.h, Math.min(10_000, insns - done), interp));
    done += chunks.at(-1)!;
  }
  return { state: { x: [...st.h.x], pc: st.h.pcBig(), steps: st.h.steps, done }, chunks };
}

describe("the interpreter's starter variants", () => {
  it("run the first STARTER_INSNS instructions, then the warmed variant goes on from the same state", () => {
    expect(starterInsnsLeft()).toBe(STARTER_INSNS); // nothing ran yet in this test file's process
    const insns = STARTER_INSNS + 50_000;
    const switched = runLoop(insns);
    expect(starterInsnsLeft()).toBe(0);
    // The starter's chunk ends where its share does; the warmed variant runs whole chunks.
    expect(switched.chunks.slice(0, 2)).toEqual([STARTER_INSNS, 10_000]);
    // The same run on the warmed variants alone (another Interpreter object: no starter).
    const warmedOnly: Interpreter = { bare: interpreter.bare, paged: interpreter.paged };
    expect(runLoop(insns, warmedOnly).state).toEqual(switched.state);
    expect(switched.state.done).toBe(insns);
  });

  it("are not used once the process has run STARTER_INSNS instructions", () => {
    const left = starterInsnsLeft();
    runLoop(20_000);
    expect(starterInsnsLeft()).toBe(left);
  });
});

describe("one call of run()", () => {
  it("runs at most MAX_CHUNK instructions of a longer budget (the kernel asks for a whole tick)", () => {
    const st = loopMachine();
    const warmedOnly: Interpreter = { bare: interpreter.bare, paged: interpreter.paged };
    expect(run(st.h, 4_000_000, warmedOnly)).toBe(MAX_CHUNK);
    expect(run(st.h, 1_000, warmedOnly)).toBe(1_000);
    expect(st.h.steps).toBe(MAX_CHUNK + 1_000);
  });
});
