// The jit starter of src/cpu/interp.ts: with translation on, the jit variant's never-warmed copy
// interprets until the instructions it ran outside regions reach the share's maximum, or its
// minimum when the regions ran fewer; then the warmed jit variant takes over. And the probe's
// counts carried over when deferred translation is turned on (seedHeat): a pc found hot by the
// starter gets its region at its next back edge. Each test loads the interpreter afresh (the
// shares and the probe are the process's); STARTER_INSNS is 2,000 here (no natives syntax), and
// the jit starter is off unless a test sets its shares.

import { describe, expect, it, vi } from "vitest";
import { loop, loopProgram, onceLoops } from "../helpers/loops.js";

/** The interpreter's, translator's and assembler's modules, loaded afresh. */
async function fresh() {
  vi.resetModules();
  const cpu = await import("../../src/cpu/index.js");
  const interp = await import("../../src/cpu/interp.js");
  const jit = await import("../../src/cpu/jit/index.js");
  const { assemble } = await import("../../src/asm/index.js");
  return { cpu, interp, jit, assemble };
}

type Mods = Awaited<ReturnType<typeof fresh>>;

/** Run `body` (assembly; the run ends when it falls through) on a fresh bare machine with
 *  translation (heat threshold `hot`): on from the start, or pending (as the `mmlab` command
 *  defers it) and turned on by the probe; returns the registers, the exit code, the step at which
 *  translation was turned on (0: from the start, -1: never) and the translator's figures. */
function runAsm(mods: Mods, body: string, hot: number, jit: "on" | "pending" | "off") {
  const { cpu, assemble } = mods;
  const prog = assemble(loopProgram(body), { file: "jit-starter.s" });
  const m = new cpu.Machine({ mem: 4 << 20, console: () => {} });
  m.loadFlat(prog.toFlat(), prog.base);
  const h = m.harts[0]!;
  let startedAt = jit === "on" ? 0 : -1;
  if (jit === "on") mods.jit.attachJit(m, { hot });
  if (jit === "pending") {
    h.jitPending = {
      hot,
      start: () => {
        startedAt = h.steps;
        h.jitPending = null;
        mods.jit.attachJit(m, { hot });
      },
    };
  }
  const res = m.run(20_000_000);
  const regs = Array.from({ length: 32 }, (_, i) => h.reg(i));
  return { regs, exit: res.exitCode, startedAt, stats: m.jit?.stats() ?? null };
}

describe("the jit starter", () => {
  it("is off where V8 may not be told never to optimize it (tests)", async () => {
    const { interp } = await fresh();
    expect(interp.setJitStarterShares(0, 0)).toEqual([0, 0]);
    expect(interp.JIT_STARTER_MIN).toBeLessThan(interp.JIT_STARTER_MAX);
  });

  it("keeps running while regions run most instructions, and counts both", async () => {
    const mods = await fresh();
    mods.interp.setJitStarterShares(1_000, 1_000_000);
    const r = runAsm(mods, loop(20_000), 50, "on");
    expect(r.exit).toBe(0);
    const c = mods.interp.jitStarterCounts();
    // the starter's 2,000 instructions first, then the jit starter: interpreted until the loop
    // was hot (50 passes), then in its region
    expect(c.interpreted + c.inRegions + mods.interp.STARTER_INSNS).toBeGreaterThan(60_000);
    expect(c.inRegions).toBe(r.stats!.executed);
    expect(c.interpreted).toBeLessThan(1_000);
    expect(c.runs).toBe(true);
  });

  it("hands over to the warmed jit variant past its minimum when the interpreter runs more", async () => {
    const mods = await fresh();
    mods.interp.setJitStarterShares(1_000, 1_000_000);
    // 40 loops of 40 passes (4,800 instructions), none hot at 1,000
    const r = runAsm(mods, onceLoops(40, 40), 1_000, "on");
    expect(r.exit).toBe(0);
    const c = mods.interp.jitStarterCounts();
    expect(c.inRegions).toBe(0);
    expect(c.interpreted).toBeGreaterThanOrEqual(1_000);
    expect(c.runs).toBe(false);
  });

  it("hands over at its maximum whatever the regions ran", async () => {
    const mods = await fresh();
    mods.interp.setJitStarterShares(1_000, 3_000);
    // a hot loop, then loops that stay interpreted (4,800 instructions, a page further: the
    // hot loop's region holds the code after it in its page)
    const r = runAsm(mods, `${loop(20_000)}\n    .balign 4096\n${onceLoops(40, 40)}`, 50, "on");
    expect(r.exit).toBe(0);
    const c = mods.interp.jitStarterCounts();
    expect(c.inRegions).toBeGreaterThan(c.interpreted);
    expect(c.interpreted).toBeGreaterThanOrEqual(3_000);
    expect(c.runs).toBe(false);
  });

  it("gives the registers and regions the warmed jit variant gives", async () => {
    const body = `${loop(5_000)}\n    .balign 4096\n${onceLoops(30, 40)}\n    .balign 4096\n${loop(3_000)}`;
    const withStarter = await fresh();
    withStarter.interp.setJitStarterShares(2_000, 4_000);
    const a = runAsm(withStarter, body, 64, "on");
    const b = runAsm(await fresh(), body, 64, "on");
    const plain = runAsm(await fresh(), body, 64, "off");
    expect(a.exit).toBe(0);
    expect(a.regs).toEqual(plain.regs);
    expect(b.regs).toEqual(plain.regs);
    expect(a.stats).toEqual({ ...b.stats, translateMs: a.stats!.translateMs });
    expect(withStarter.interp.jitStarterCounts().runs).toBe(false);
  });

  it("rejects shares that are not counts, or a minimum above the maximum", async () => {
    const { interp } = await fresh();
    expect(() => interp.setJitStarterShares(-1, 10)).toThrow(RangeError);
    expect(() => interp.setJitStarterShares(10, 5)).toThrow(RangeError);
    expect(() => interp.setJitStarterShares(1.5, 5)).toThrow(RangeError);
  });
});

describe("the probe's counts carried over to translation", () => {
  it("translates a loop the starter found hot at its next back edge", async () => {
    // 1,000 passes of 3 instructions: the share (2,000) ends at pass ~667, the probe found the
    // loop hot at pass 250; carried over, its region runs the ~330 passes left
    const r = runAsm(await fresh(), loop(1_000), 250, "pending");
    expect(r.exit).toBe(0);
    expect(r.startedAt).toBe(2_000);
    expect(r.stats!.regions).toBe(1);
    expect(r.stats!.executed).toBeGreaterThan(3 * 320);
  });

  it("counts on from what the probe counted for a pc not yet hot", async () => {
    // loop A (500 passes, hot at 250) starts translation; loop B, begun at instruction ~1,504,
    // takes ~165 passes in the share: with 300 in all it reaches 250 after the switch, with 200
    // it does not
    const run = async (passes: number) =>
      runAsm(await fresh(), `${loop(500)}\n${loop(passes)}`, 250, "pending");
    const hot = await run(300);
    expect([hot.exit, hot.startedAt, hot.stats!.regions]).toEqual([0, 2_000, 1]);
    const cold = await run(200);
    expect([cold.exit, cold.startedAt, cold.stats!.regions]).toEqual([0, 2_000, 0]);
  });
});
