// A program under the kernel through runUnderKernel: its output goes where the hooks say, the
// counters are those --stats reports (with the kernel's counters before and after), and its end:
// an exit status, a refused exec (126), the instruction budget (124), the kernel log filter.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { TaskIo } from "../../src/kernel/index.js";
import { loadTlbConfig } from "../../src/mmu/index.js";
import {
  DEFAULT_ENV,
  type KernelProgram,
  type KernelRunHooks,
  type MachineSpec,
  runUnderKernel,
} from "../../src/session/index.js";

const spec = (over: Partial<MachineSpec> = {}): MachineSpec => ({
  harts: 1,
  mem: 64 << 20,
  tlb: loadTlbConfig("skylake"),
  satp: null,
  maxInsns: Number.POSITIVE_INFINITY,
  ...over,
});

function program(path: string, over: Partial<KernelProgram> = {}): KernelProgram {
  return {
    elf: new Uint8Array(readFileSync(path)),
    path,
    args: [],
    env: DEFAULT_ENV,
    mounts: [],
    seed: undefined,
    append: "",
    ...over,
  };
}

/** Hooks that collect the program's output, the shown log lines and mmlab's messages. */
function collect(over: Partial<KernelRunHooks> = {}) {
  const got = { stdout: "", stderr: "", log: [] as string[], messages: [] as string[] };
  const io: TaskIo = {
    stdin: () => new Uint8Array(0),
    write: (fd, d) => {
      got[fd === 1 ? "stdout" : "stderr"] += new TextDecoder().decode(d);
    },
    isatty: () => false,
  };
  const hooks: KernelRunHooks = {
    io,
    log: (t) => got.log.push(t),
    message: (t) => got.messages.push(t),
    dmesg: false,
    stats: true,
    ...over,
  };
  return { got, hooks };
}

describe("runUnderKernel", () => {
  it("runs the program to its exit with its output in the hooks and the --stats counters", () => {
    const { got, hooks } = collect();
    const r = runUnderKernel(
      spec(),
      program("guests/bin/echo_args.nolibc.elf", { args: ["a b", "c"] }),
      hooks,
    );
    expect([r.status, r.reason]).toEqual([0, "exited with 0"]);
    expect(got.stdout).toContain("a b");
    expect(r.report?.instret).toBeGreaterThan(0);
    expect(r.report?.tlb.events["iTLB-loads"]).toBeGreaterThan(0);
    expect(r.report?.kernel.vmstat.nr_free_pages).toBe(r.kernelAtStart?.vmstat.nr_free_pages);
    expect(got.log).toEqual([]); // nothing at notice or worse, nothing about the task
    expect(got.messages).toEqual([]);
  });

  it("dmesg shows the whole log; without stats there is no report", () => {
    const { got, hooks } = collect({ dmesg: true, stats: false });
    const r = runUnderKernel(spec(), program("guests/bin/hello.nolibc.elf"), hooks);
    expect(r.status).toBe(0);
    expect(r.report).toBeNull();
    expect(r.kernelAtStart).toBeNull(); // not taken: no report to compare it with
    expect(got.log.length).toBeGreaterThan(3);
  });

  it("a file the kernel does not run: status 126 and mmlab's line; the budget: 124", () => {
    const bad = collect();
    const r = runUnderKernel(
      spec(),
      { ...program("guests/bin/hello.nolibc.elf"), elf: new Uint8Array(64), path: "junk" },
      bad.hooks,
    );
    expect([r.status, r.report, r.kernelAtStart]).toEqual([126, null, null]);
    expect(bad.got.messages).toEqual(["mmlab: junk: not an ELF file (bad magic)"]);
    const slow = collect();
    const s = runUnderKernel(spec({ maxInsns: 100 }), program("guests/bin/hello.nolibc.elf"), slow.hooks);
    expect([s.status, s.reason]).toEqual([124, "stopped after 100 instructions (--max-insns)"]);
    expect(slow.got.messages).toEqual(["mmlab: stopped after 100 instructions (--max-insns)"]);
    const quiet = collect({ quiet: true });
    expect(
      runUnderKernel(spec({ maxInsns: 100 }), program("guests/bin/hello.nolibc.elf"), quiet.hooks).status,
    ).toBe(124);
    expect(quiet.got.messages).toEqual([]);
  });

  it("calls onMachine before the boot and onBoot's end after the run", () => {
    const order: string[] = [];
    const { hooks } = collect({
      onMachine: (m) => order.push(`machine ${m.harts.length}`),
      onBoot: (s) => {
        order.push(`boot ${s.k.sched.contextSwitches}`);
        return () => order.push("end");
      },
    });
    runUnderKernel(spec({ harts: 2 }), program("guests/bin/hello.nolibc.elf"), hooks);
    expect(order).toEqual(["machine 2", "boot 0", "end"]);
  });

  it("refuses a mount when no host files are given (the web page has none)", () => {
    const { hooks } = collect();
    const prog = program("guests/bin/hello.nolibc.elf", {
      mounts: [{ host: "guests", guest: "/data", rw: false }],
    });
    expect(() => runUnderKernel(spec(), prog, hooks)).toThrow("not supported: --mount without host files");
  });
});
