// The playground's engine (web/src/engine.ts) under Node: the console's commands, the playground's
// own (run, boot, step, kill), the snapshot the views draw and the walk view.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { KernelOops } from "../../src/kernel/index.js";
import { Engine, parseBootArgs, playgroundHelp } from "../../web/src/engine.js";

function engine(settings?: { harts: number; tlb: string; cmdline: string }) {
  let out = "";
  const e = new Engine((t) => {
    out += t;
  }, settings);
  e.guests.set("hello", new Uint8Array(readFileSync("guests/bin/hello.nolibc.elf")));
  const take = (): string => {
    const o = out;
    out = "";
    return o;
  };
  take();
  return { e, take };
}

describe("the playground engine", () => {
  it("runs console lines: vmalloc, memset, vrealloc shrink; the snapshot shows 4 pages and no TLB entry past them", () => {
    const { e, take } = engine();
    e.submit("p = vmalloc 256K\nmemset p 1 256K");
    e.drain();
    expect(take()).toMatch(/^p = 0xffff8f8000000000\n/);
    const before = e.snapshot();
    const p = 0xffff8f8000000000n;
    const vpn = (va: bigint): number => Number((va & ((1n << 48n) - 1n)) >> 12n);
    const inArea = (s: typeof before, from: bigint, to: bigint): number =>
      s.harts[0]!.arrays.flatMap((a) => a.valid).filter((x) => x.vpn >= vpn(from) && x.vpn < vpn(to)).length;
    expect(inArea(before, p + 16384n, p + 262144n)).toBeGreaterThanOrEqual(60);
    expect(before.vmalloc.areas.find((a) => a.start === p)!.nrPages).toBe(64);
    e.submit("vrealloc p 16K");
    e.drain();
    const after = e.snapshot();
    expect(after.vmalloc.areas.find((a) => a.start === p)!.nrPages).toBe(4);
    expect(inArea(after, p + 16384n, p + 262144n)).toBe(0);
    expect(inArea(after, p, p + 16384n)).toBeGreaterThan(0);
    expect(after.perf["tlb_flush.entries_dropped"]).toBeGreaterThan(
      before.perf["tlb_flush.entries_dropped"]!,
    );
  });

  it("a guest reading its standard input waits for the page's input (idle, not killed), then EOF ends it", () => {
    const { e, take } = engine();
    e.guests.set("cat", new Uint8Array(readFileSync("guests/bin/cat.nolibc.elf")));
    e.submit("run cat\necho after");
    e.drain();
    expect(e.state()).toMatchObject({ program: "cat", input: true, queued: 1 });
    expect(e.busy()).toBe(false); // nothing to do until the page sends keys
    e.input(new TextEncoder().encode("first line\n"));
    expect(e.busy()).toBe(true);
    e.drain();
    expect(take()).toBe("first line\n");
    expect(e.state().input).toBe(true);
    e.input(new TextEncoder().encode("sec"));
    e.input(new TextEncoder().encode("ond\n"));
    e.drain();
    expect(take()).toBe("second\n");
    e.eof();
    e.drain();
    expect(take()).toBe("\x1b[36m[cat exited with 0]\x1b[0m\nafter\n");
    expect(e.state()).toMatchObject({ program: null, input: false });
    e.input(new TextEncoder().encode("nobody reads this\n")); // no program: dropped
    e.drain();
    expect(take()).toBe("");
  });

  it("runs a guest; the lines after `run` wait for it", () => {
    const { e, take } = engine();
    e.submit("run hello\necho after");
    e.pump();
    expect(e.state().program).toBe("hello");
    expect(e.state().queued).toBe(1);
    e.drain();
    const out = take();
    expect(out).toContain("hello, world\n");
    expect(out.indexOf("[hello exited with 0]")).toBeLessThan(out.indexOf("after"));
    expect(e.state().program).toBeNull();
  });

  it("pause, step and kill a program; errors are printed and the console goes on", () => {
    const { e, take } = engine();
    e.submit("run hello");
    e.pump(1);
    e.submit("pause");
    expect(e.busy()).toBe(false);
    e.submit("step 3");
    expect(take()).toMatch(/\[stepped 3: pc 0x[0-9a-f]+\]/);
    e.submit("kill");
    expect(take()).toContain("[hello killed by signal 9]");
    e.guests.set("junk.txt", new TextEncoder().encode("not a program"));
    e.submit("run junk.txt");
    e.drain();
    expect(take()).toMatch(/error: run: junk\.txt: not an ELF file/);
    e.submit("run nosuch\nvfree\nstep");
    e.drain();
    const out = take();
    expect(out).toContain("run: no guest 'nosuch' (guests: hello, junk.txt)");
    expect(out).toContain("missing argument (usage: vfree PTR)");
    expect(out).toContain("step: no program is running");
  });

  it("boot changes the settings it names; help lists the console's commands and the playground's", () => {
    const { e, take } = engine();
    expect(e.generation).toBe(1);
    e.submit("boot --harts 2 --tlb tiny transparent_hugepage=always");
    e.drain();
    expect(e.generation).toBe(2);
    expect(e.settings).toEqual({ harts: 2, tlb: "tiny", cmdline: "transparent_hugepage=always" });
    expect(e.snapshot().harts).toHaveLength(2);
    expect(() => parseBootArgs(["--harts", "0"], e.settings)).toThrow("--harts takes 1 to 64");
    expect(() => parseBootArgs(["--tlb", "x"], e.settings)).toThrow("unknown TLB preset 'x'");
    take();
    e.submit("help");
    e.drain();
    const help = take();
    expect(help).toBe(`${playgroundHelp()}\n`);
    expect(help).toContain("vrealloc PTR SIZE [GFP]");
    expect(help).toContain("run GUEST [ARGS...]");
  });

  it("the walk view: each level's PTE and flags down to the leaf", () => {
    const { e } = engine();
    e.submit("p = vmalloc 8K");
    e.drain();
    const va = e.parseAddress("p+4K");
    expect(va).toBe(0xffff8f8000001000n);
    const w = e.walk(va as bigint, 0);
    expect(w.mode).toBe("sv48");
    expect(w.levels.map((l) => l.level)).toEqual([3, 2, 1, 0]);
    expect(w.levels[3]!.stop).toBe("leaf");
    expect(w.levels[3]!.flags).toMatch(/^VRW-.G/);
    expect(w.text).toContain("=> pa 0x");
    expect(e.parseAddress("q")).toBe("no variable 'q'");
  });

  it("a kernel oops while a program runs kills it (SIGSEGV); a panic stops the machine until boot", () => {
    const { e, take } = engine();
    const run = e.k.sched.run.bind(e.k.sched);
    e.submit("run hello");
    e.pump(1);
    e.k.sched.run = () => {
      throw new KernelOops(["Unable to handle kernel paging request at virtual address 0000000000000000"]);
    };
    e.pump();
    expect(take()).toContain("[hello killed by signal 11]");
    e.k.sched.run = run;
    e.submit("run hello");
    e.pump(1);
    e.k.sched.run = () => {
      throw new KernelOops(["Kernel panic - not syncing: Fatal exception"]);
    };
    e.submit("echo never");
    e.pump();
    expect(e.state()).toEqual({ program: null, paused: false, queued: 0, panicked: true, input: false });
    expect(take()).toContain("hello: kernel panic; 'boot' starts a new machine");
    e.submit("vars");
    e.drain();
    expect(take()).toContain("the kernel panicked: 'boot' starts a new machine");
    e.submit("boot");
    e.drain();
    expect(e.state().panicked).toBe(false);
  });
});
