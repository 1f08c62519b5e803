// A guest's output (src/cli/io.ts writeGuest): a reader that goes away is the guest's EPIPE and
// SIGPIPE (status 141, as `cat /dev/zero | head -c 1M` under Linux or qemu-riscv64), and a reader
// that stops reading holds the guest back (its writes wait) instead of piling its output up in
// host memory. In-process, output that a test captures still arrives through the stream.

import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { afterAll, describe, expect, it, vi } from "vitest";
import { writeGuest } from "../../src/cli/io.js";
import { tempDirPerTest, writeFile } from "../helpers/cli.js";
import { mmlabCommand, outcome, ROOT, removeMmlabBundle, startMmlab } from "../helpers/process.js";

afterAll(removeMmlabBundle);
const CAT = "guests/bin/cat.nolibc.elf";
const ZERO = ["run", "--mount", "/dev/zero:/z"];
const tmp = tempDirPerTest("mmlab-io-");

/** A bare guest that writes "y\n" to its UART forever. */
const YES = `_start:
    li a1, 0x10000000
1:  li t1, 'y'
    sb t1, 0(a1)
    li t1, 10
    sb t1, 0(a1)
    j 1b
`;

/** The child's exit: status and signal. */
const ended = (c: ChildProcess): Promise<[number | null, NodeJS.Signals | null]> =>
  new Promise((res) => c.on("close", (status, signal) => res([status, signal])));

/** Read `n` bytes of the child's stdout, then stop reading and close our end. */
function takeThenClose(c: ChildProcess, n: number): Promise<number> {
  let got = 0;
  return new Promise((res) => {
    c.stdout!.on("data", (d: Buffer) => {
      got += d.length;
      if (got >= n) {
        c.stdout!.destroy();
        res(got);
      }
    });
    c.stdout!.resume();
  });
}

describe("guest output to a host pipe", () => {
  it("a reader that has gone: EPIPE and SIGPIPE end the guest, status 141", async () => {
    const c = await startMmlab([...ZERO, CAT, "/z"]);
    const done = ended(c);
    expect(await takeThenClose(c, 1 << 20)).toBeGreaterThanOrEqual(1 << 20);
    expect(await done).toEqual([141, null]);
  }, 120_000);

  it("a reader that stops reading holds the guest's writes back (nothing piles up)", async () => {
    const c = await startMmlab([...ZERO, "--strace", CAT, "/z"]);
    const done = ended(c);
    let trace = "";
    c.stderr!.on("data", (d: Buffer) => {
      trace += d.toString();
    });
    c.stdout!.pause(); // Node reads at most its high-water mark into the paused stream
    const writes = (): number => (trace.match(/^write\(1, /gm) ?? []).length;
    // Wait until the guest has been blocked for a while: its count of writes stops moving (or
    // 30 s have passed: then it never stopped, and the check below fails).
    let last = -1;
    for (let same = 0, round = 0; same < 10 && round < 150; round++) {
      await new Promise((r) => setTimeout(r, 200));
      same = writes() === last && last > 0 ? same + 1 : 0;
      last = writes();
    }
    // 64 KiB a write: what the host pipe and Node's paused reader hold, not megabytes.
    expect(writes()).toBeLessThanOrEqual(8);
    expect(await takeThenClose(c, 4 << 20)).toBeGreaterThanOrEqual(4 << 20);
    expect(await done).toEqual([141, null]);
    expect(trace).toMatch(/^write\(1, .*\) = -1 EPIPE \(Broken pipe\)$/m);
    expect(trace).toMatch(/SIGPIPE/);
  }, 120_000);
});

describe("a bare guest's output to a host pipe or file", () => {
  it("a reader that has gone ends the run with 141, as SIGPIPE ends a process, and says so", async () => {
    const c = await startMmlab(["run", "--bare", writeFile(tmp.path("yes.s"), YES)]);
    let stderr = "";
    c.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const done = ended(c);
    expect(await takeThenClose(c, 1)).toBeGreaterThanOrEqual(1);
    expect(await done).toEqual([141, null]);
    expect(stderr).toBe(
      "mmlab: stdout's reader went away (EPIPE): the run stopped, as SIGPIPE stops a process\n",
    );
  }, 120_000);

  it("a write that fails otherwise (/dev/full) ends the run with 3 and the reason", async () => {
    const [node, ...pre] = await mmlabCommand();
    const full = openSync("/dev/full", "w");
    try {
      const c = spawn(node!, [...pre, "run", "--bare", writeFile(tmp.path("yes.s"), YES)], {
        stdio: ["ignore", full, "pipe"],
      });
      const r = await outcome(c);
      expect(r.status).toBe(3);
      expect(r.stderr).toBe(
        "mmlab: writing to stdout failed: No space left on device (ENOSPC): the run stopped\n",
      );
    } finally {
      closeSync(full);
    }
  }, 120_000);
});

describe("writeGuest in-process", () => {
  it("goes through a replaced stream write (a test capturing output)", () => {
    const seen: Uint8Array[] = [];
    const o = vi.spyOn(process.stdout, "write").mockImplementation((c: unknown) => {
      seen.push(c as Uint8Array);
      return true;
    });
    try {
      expect(writeGuest(1, Uint8Array.of(104, 105))).toBeUndefined();
    } finally {
      o.mockRestore();
    }
    expect(seen).toEqual([Uint8Array.of(104, 105)]);
  });
});

describe("mmlab's own messages", () => {
  /** Run mmlab ARGS (stdout ignored); its stderr, and the modules of Node's streams (the
   *  Writable) or of its performance API that the process loaded. */
  async function modulesOf(args: string[]): Promise<{ stderr: string; loaded: string[] }> {
    const [node, ...pre] = await mmlabCommand();
    const seen = tmp.path("modules.json");
    const probe = writeFile(
      tmp.path("probe.cjs"),
      `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(seen)}, JSON.stringify(process.moduleLoadList.filter((m) => /streams\\/writable|perf_hooks/.test(m)))));`,
    );
    const c = spawn(node!, ["-r", probe, ...pre, ...args], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "pipe"],
    });
    const r = await outcome(c);
    return { stderr: r.stderr, loaded: JSON.parse(readFileSync(seen, "utf8")) };
  }

  it("go straight to the descriptor: a line needs neither process.stderr nor Node's stream modules", async () => {
    const r = await modulesOf(["run", "--max-insns", "1000", "guests/bin/hello.glibc.elf"]);
    expect(r).toEqual({ stderr: "mmlab: stopped after 1000 instructions (--max-insns)\n", loaded: [] });
  }, 120_000);

  it("--stats=json: its report is timed and written without Node's stream or performance modules", async () => {
    const r = await modulesOf(["run", "--stats=json", "guests/bin/hello.nolibc.elf"]);
    expect(r.loaded).toEqual([]);
    expect(JSON.parse(r.stderr)).toMatchObject({ exitCode: 0, instret: 232 });
  }, 120_000);
});
