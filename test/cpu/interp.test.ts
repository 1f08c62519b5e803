// The generated interpreter (src/cpu/interp.ts): which ops the hot loop holds inline and which
// go to cold(), and its sourceURL. (Every instruction's behaviour is tested by the ISA tests.)

import { describe, expect, it } from "vitest";
import { interpreterSource, isHotOp, MNEMONICS, OPS } from "../../src/cpu/index.js";

/** The case labels of the switch inside the named function of the generated source. */
function casesOf(src: string, fn: "cold" | "run"): Set<number> {
  const start = src.indexOf(`function ${fn}_paged(`);
  const end = fn === "cold" ? src.indexOf("function run_paged(") : src.length;
  const body = src.slice(start, end);
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

  it("names itself for profiles and stack traces", () => {
    expect(src).toMatch(/\/\/# sourceURL=mmlab-interp-paged\.js\s*$/);
    expect(interpreterSource(true, false)).toMatch(/sourceURL=mmlab-interp-bare-traced\.js/);
  });
});
