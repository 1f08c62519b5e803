// The generated interpreter (src/cpu/interp.ts): which ops the hot loop holds inline and which
// go to cold(), its sourceURL, and how long a run() call goes on. (Every instruction's behaviour
// is tested by the ISA tests.)

import { describe, expect, it } from "vitest";
import {
  interpreterSource,
  isHotOp,
  MAX_CHUNK,
  MNEMONICS,
  type Mnemonic,
  OPS,
  run,
  setChunkCap,
  starterInsnsLeft,
} from "../../src/cpu/index.js";
import * as E from "../helpers/encode.js";
import { zero } from "../helpers/encode.js";
import { Stepper } from "../helpers/guest.js";

/** The case labels of the switch inside the named function(s) of the generated source: run
 *  (run_paged), cold (every cold_paged_GROUP function cold() calls), or one group. */
function casesOf(src: string, fn: "cold" | "run" | `cold_${string}`): Set<number> {
  const start = src.indexOf(
    fn === "run" ? "function run_paged(" : `function ${fn.replace("cold", "cold_paged")}`,
  );
  const end = fn === "run" ? src.length : src.indexOf("\n}\n", start);
  const body = src.slice(start, fn === "cold" ? src.indexOf("function run_paged(") : end);
  return new Set([...body.matchAll(/case (\d+): \/\* /g)].map((m) => Number(m[1])));
}

describe("the interpreter's hot loop and cold ops", () => {
  const src = interpreterSource(false, true);
  const hot = casesOf(src, "run");
  const cold = casesOf(src, "cold");

  it("runs RV64I and the multiplies inline, everything else (F, D, A, Zicsr, system, divisions) in cold()", () => {
    const inline = MNEMONICS.filter((m) => hot.has(OPS[m]));
    const rv64i = MNEMONICS.slice(0, MNEMONICS.indexOf("fence") + 1);
    expect(inline).toEqual([...rv64i, "mul", "mulh", "mulhsu", "mulhu", "mulw"]);
    for (const m of MNEMONICS) {
      expect([m, hot.has(OPS[m]) !== cold.has(OPS[m]), isHotOp(OPS[m])]).toEqual([m, true, hot.has(OPS[m])]);
    }
    for (const m of [
      "ecall",
      "ebreak",
      "fence.i",
      "csrrw",
      "div",
      "remuw",
      "lr.d",
      "fadd.d",
      "fld",
      "mret",
    ] as const) {
      expect([m, cold.has(OPS[m])]).toEqual([m, true]);
    }
  });

  it("keeps cold() in groups, each a function of its own: F and D, A, divisions, the rest", () => {
    const group = (m: Mnemonic): string =>
      ["fp", "amo", "div", "sys"].find((g) => casesOf(src, `cold_${g}`).has(OPS[m])) ?? "none";
    expect((["fadd.d", "fld", "fmv.x.w", "fcvt.s.d"] satisfies Mnemonic[]).map(group)).toEqual([
      "fp",
      "fp",
      "fp",
      "fp",
    ]);
    expect((["lr.w", "sc.d", "amoswap.w", "amomaxu.d"] satisfies Mnemonic[]).map(group)).toEqual([
      "amo",
      "amo",
      "amo",
      "amo",
    ]);
    expect((["div", "divu", "remw", "remuw"] satisfies Mnemonic[]).map(group)).toEqual([
      "div",
      "div",
      "div",
      "div",
    ]);
    expect(
      (["ecall", "fence.i", "csrrw", "mret", "sfence.vma", "wfi"] satisfies Mnemonic[]).map(group),
    ).toEqual(Array(6).fill("sys"));
    expect(group("add")).toBe("none"); // hot: in run()
  });

  it("names itself for profiles and stack traces", () => {
    expect(src).toMatch(/\/\/# sourceURL=mmlab-interp-paged\.js\s*$/);
    expect(interpreterSource(true, false)).toMatch(/sourceURL=mmlab-interp-bare-traced\.js/);
  });
});

describe("run()'s chunks", () => {
  /** A hart at an endless loop (jal x0, 0) in M-mode: run(h, budget) retires what the cap lets. */
  function loopHart() {
    const st = new Stepper();
    st.m.mem.i32[0x1000 / 4] = E.jal(zero, 0);
    st.h.setPc(0x8000_1000n);
    while (starterInsnsLeft() > 0) run(st.h, starterInsnsLeft()); // the process's starter share
    return st.h;
  }

  it("execute at most MAX_CHUNK instructions a call, or the cap a test sets (setChunkCap)", () => {
    const h = loopHart();
    expect(run(h, 10 * MAX_CHUNK)).toBe(MAX_CHUNK);
    expect(h.chunkN).toBe(0); // between chunks
    expect(setChunkCap(4 * MAX_CHUNK)).toBe(MAX_CHUNK);
    try {
      expect(run(h, 10 * MAX_CHUNK)).toBe(4 * MAX_CHUNK);
      expect(run(h, 1000)).toBe(1000);
      expect(() => setChunkCap(0)).toThrow(/not a positive integer/);
    } finally {
      expect(setChunkCap(MAX_CHUNK)).toBe(4 * MAX_CHUNK);
    }
    expect(run(h, 10 * MAX_CHUNK)).toBe(MAX_CHUNK);
  });
});
