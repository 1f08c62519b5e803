// The heat probe of src/cpu/interp.ts: translation asked for but deferred (Hart.jitPending, as
// the `mmlab` command defers it) is started only once the program has shown hot code. The
// starter variants count heat on back edges and calls as the jit variant does: a pc reaching
// the threshold within the starter share starts translation when the share is used up, unless a
// chunk changed code. Past the share the plain variant runs, and run() samples the pc every
// 65,536 instructions: a line of 256 bytes sampled twice starts it. Code that runs once, or that keeps
// being rewritten, never starts it. Each test loads the interpreter afresh (the starter share
// and the probe are the process's), so STARTER_INSNS is 2,000 here (no natives syntax).

import { describe, expect, it, vi } from "vitest";
import { loop, loopProgram, onceLoops } from "../helpers/loops.js";

/** The interpreter's and the assembler's modules, loaded afresh. */
async function fresh() {
  vi.resetModules();
  const cpu = await import("../../src/cpu/index.js");
  const interp = await import("../../src/cpu/interp.js");
  const { assemble } = await import("../../src/asm/index.js");
  return { cpu, interp, assemble };
}

/** Run `body` (assembly; the run ends when it falls through) on a fresh bare machine whose
 *  translation is pending with heat threshold `hot`: the instruction count at which
 *  translation was started (-1: never), the probe's state, the starter share and the run's
 *  exit code. */
async function runPending(
  body: string,
  hot: number,
  mods?: Awaited<ReturnType<typeof fresh>>,
  quantum?: number,
) {
  const { cpu, interp, assemble } = mods ?? (await fresh());
  const prog = assemble(loopProgram(body), { file: "probe.s" });
  const m = new cpu.Machine({
    mem: 4 << 20,
    console: () => {},
    ...(quantum === undefined ? {} : { quantum }),
  });
  m.loadFlat(prog.toFlat(), prog.base);
  const h = m.harts[0]!;
  let startedAt = -1;
  const pending = {
    hot,
    start: () => {
      startedAt = h.steps;
      h.jitPending = null;
    },
  };
  h.jitPending = pending;
  const res = m.run(20_000_000);
  return { startedAt, probe: interp.heatProbe(pending), share: interp.STARTER_INSNS, exit: res.exitCode };
}

describe("the starter variants' heat probe", () => {
  it("starts translation when the share is used up if a pc reached the threshold within it", async () => {
    const r = await runPending(`${loop(300)}\n${onceLoops(20, 40)}`, 250);
    expect(r.exit).toBe(0);
    expect(r.probe.found).toBe(1);
    expect(r.startedAt).toBe(r.share);
  });

  it("does not start it for loops below the threshold (code run once)", async () => {
    const r = await runPending(onceLoops(40, 200), 250);
    expect(r.exit).toBe(0);
    expect(r.probe).toEqual({ found: 0, lines: 0, hot: false });
    expect(r.startedAt).toBe(-1);
  });

  it("starts again after a chunk that changed code (fence.i)", async () => {
    const r = await runPending(`${loop(300)}\n    fence.i\n${onceLoops(20, 40)}`, 250);
    expect(r.exit).toBe(0);
    expect(r.probe.found).toBe(0);
    expect(r.startedAt).toBe(-1);
  });

  it("counts only since the last code change: a loop patched every 900 instructions is not hot", async () => {
    // chunks of 200 instructions: most of them change no code, and each version of the loop
    // is found hot (250 passes) before the next patch (300 passes)
    const patched = (patch: boolean) => `
    la s3, patch
    lw s4, 0(s3)
    li s6, 20
2:  ${patch ? "sw s4, 0(s3)\n    fence.i" : "nop\n    nop"}
    li s1, 300
1:  addi a0, a0, 1
patch:
    addi s1, s1, -1
    bnez s1, 1b
    addi s6, s6, -1
    bnez s6, 2b`;
    const r = await runPending(patched(true), 250, undefined, 200);
    expect(r.exit).toBe(0);
    expect([r.probe.found, r.startedAt]).toEqual([0, -1]);
    const kept = await runPending(patched(false), 250, undefined, 200);
    expect(kept.startedAt).toBe(kept.share);
  });

  it("counts calls too, and uses the translator's default threshold when none is given", async () => {
    const { interp } = await fresh();
    const { JIT_HOT } = await import("../../src/cpu/jit/translator.js");
    expect(interp.PROBE_HOT).toBe(JIT_HOT);
    const calls = `
    li s1, 150
1:  call f
    call f
    addi s1, s1, -1
    bnez s1, 1b
    j 3f
f:  addi a0, a0, 1
    ret
3:
${onceLoops(20, 40)}`;
    const r = await runPending(calls, 250);
    expect(r.probe.found).toBe(1);
    expect(r.startedAt).toBe(r.share);
  });
});

describe("sampling past the starter share", () => {
  // Nothing is hot in the share (threshold 10^9); then one loop runs 600,000 instructions.
  it("starts translation once a line was sampled twice", async () => {
    const r = await runPending(`${onceLoops(10, 100)}\n${loop(200_000)}`, 1e9);
    expect(r.exit).toBe(0);
    expect(r.probe.hot).toBe(true);
    expect(r.startedAt).toBeGreaterThanOrEqual(2 * 65_536);
    expect(r.startedAt).toBeLessThan(3 * 65_536 + r.share);
  });

  it("does not start it for short loops of 500 passes, however many share a page", async () => {
    // 200 loops of 5 instructions (20 bytes), 2,000 instructions each: 400,000 in a page
    const r = await runPending(onceLoops(200, 500, 4), 1e9);
    expect(r.exit).toBe(0);
    expect(r.probe.hot).toBe(false);
    expect(r.startedAt).toBe(-1);
  });

  it("judges each machine of a process on its own program", async () => {
    const mods = await fresh();
    const hot = await runPending(`${onceLoops(10, 100)}\n${loop(200_000)}`, 1e9, mods);
    expect(hot.startedAt).toBeGreaterThan(0);
    const cold = await runPending(onceLoops(24, 15_000, 4096), 1e9, mods);
    expect([cold.startedAt, cold.probe.hot]).toEqual([-1, false]);
  });

  it("does not start it for code run once, a page after another", async () => {
    // 24 loops of about 45,000 instructions, each in a page of its own.
    const r = await runPending(onceLoops(24, 15_000, 4096), 1e9);
    expect(r.exit).toBe(0);
    expect(r.probe.hot).toBe(false);
    expect(r.startedAt).toBe(-1);
  });

  it("does not start it for a loop rewritten every 45,000 instructions", async () => {
    const rewritten = `
    la s3, patch
    lw s4, 0(s3)
    li s6, 20
2:  sw s4, 0(s3)
    fence.i
    li s1, 15000
1:  addi a0, a0, 1
patch:
    addi a1, a1, 1
    addi s1, s1, -1
    bnez s1, 1b
    addi s6, s6, -1
    bnez s6, 2b`;
    const r = await runPending(rewritten, 1e9);
    expect(r.exit).toBe(0);
    expect(r.probe.hot).toBe(false);
    expect(r.startedAt).toBe(-1);
    // the same loop without its stores and fence.i is sampled hot
    const kept = await runPending(rewritten.replace("2:  sw s4, 0(s3)\n    fence.i", "2:"), 1e9);
    expect(kept.startedAt).toBeGreaterThan(0);
  });
});
