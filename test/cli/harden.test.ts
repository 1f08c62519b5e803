// Issue 11, the user's side: inputs that used to end in an internal error (status 70) or a hang
// are refused up front with one line: --mem below the kernel's minimum, a TLB file whose arrays
// cannot hold a 4 KiB page, special files given as the program, a script or a TLB file.

import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { KERNEL_MIN_RAM } from "../../src/kernel/index.js";
import { expectOneLine, expectRefused, mmlab, tempDirPerTest, writeFile } from "../helpers/cli.js";

const tmp = tempDirPerTest();
const HELLO = "guests/bin/hello.nolibc.elf";

describe("--mem and the kernel's minimum", () => {
  it("is named in --help", async () => {
    const r = await mmlab("run", "--help");
    expect(r.stdout).toMatch(/--mem SIZE .*at least 1M under the kernel, 64K bare/);
    expect(KERNEL_MIN_RAM).toBe(1 << 20);
  });

  for (const cmd of [["run", HELLO], ["boot"], ["exp", "sweep", "--", HELLO]]) {
    it(`${cmd[0]} with --mem 512K is refused with the minimum`, async () => {
      const [command, ...rest] = cmd;
      await expectRefused(
        [command!, "--mem", "512K", ...rest],
        /bad value '512K' for '--mem': the kernel needs at least 1M of RAM/,
      );
    });
  }

  it("the minimum runs a program", async () => {
    const r = await mmlab("run", "--mem", "1M", HELLO);
    expect([r.status, r.stdout]).toEqual([0, "hello, world\n"]);
  });
});

describe("TLB files", () => {
  it("an ITLB that holds only 2 MiB pages is a bad input, not an internal error", async () => {
    const f = writeFile(
      tmp.path("t.json"),
      JSON.stringify({
        itlb: [{ entries: 16, ways: 4, sizes: ["2m"] }],
        dtlb: [{ entries: 16, ways: 4, sizes: ["4k"] }],
      }),
    );
    await expectRefused(["run", "--tlb", f, HELLO], /no itlb array holds 4 KiB pages/);
  });

  it("an absurd page-walk cache or array size is refused", async () => {
    const base = {
      itlb: [{ entries: 16, ways: 4, sizes: ["4k"] }],
      dtlb: [{ entries: 16, ways: 4, sizes: ["4k"] }],
    };
    const f = writeFile(
      tmp.path("p.json"),
      JSON.stringify({ ...base, pwc: [{ level: 99, sets: 1e6, ways: 1e3 }] }),
    );
    await expectRefused(["run", "--tlb", f, HELLO], /level must be from 1 to 4/);
    const g = writeFile(
      tmp.path("e.json"),
      JSON.stringify({ ...base, itlb: [{ entries: 1e9, ways: 1, sizes: ["4k"] }] }),
    );
    await expectRefused(["run", "--tlb", g, HELLO], /entries must be an integer from 1 to 32768/);
  });
});

describe("special files", () => {
  it("a FIFO, /dev/zero or a directory as the program: 126 under the kernel, 2 bare", async () => {
    const fifo = tmp.path("fifo");
    execFileSync("mkfifo", [fifo]);
    mkdirSync(tmp.path("d"));
    for (const [p, why] of [
      [fifo, "is a FIFO, not a regular file"],
      ["/dev/zero", "is a character device, not a regular file"],
      [tmp.path("d"), "is a directory"],
    ] as const) {
      const r = await mmlab("run", p);
      expect([r.status, r.stderr]).toEqual([126, `mmlab: ${p}: ${why}\n`]);
      const b = await mmlab("run", "--bare", p);
      expect(b.status).toBe(2);
      expectOneLine(b.stderr);
      expect(b.stderr).toContain(why);
    }
  });

  it("a FIFO or /dev/zero as a boot script or a TLB file is refused", async () => {
    const fifo = tmp.path("fifo");
    execFileSync("mkfifo", [fifo]);
    await expectRefused(["boot", "--mem", "16M", "--script", fifo], /is a FIFO.*pipe it into '-' instead/);
    await expectRefused(["boot", "--mem", "16M", "--script", "/dev/zero"], /character device/);
    const link = tmp.path("zero.json");
    execFileSync("ln", ["-s", "/dev/zero", link]);
    await expectRefused(
      ["run", "--tlb", link, HELLO],
      /cannot read TLB preset .*zero.json: is a character device/,
    );
  });
});

describe("a very long console line", () => {
  it("in a boot script is refused with its line number, not echoed back, and the script stops", async () => {
    const script = writeFile(tmp.path("long.txt"), `echo one\necho ${"x".repeat(1 << 20)}\necho two\n`);
    const r = await mmlab("boot", "--mem", "16M", "--script", script);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("one\n");
    expect(r.stdout).not.toContain("two\n");
    expect(r.stderr).toContain(`mmlab: ${script}:2: line refused: longer than 4096 bytes\n`);
    expect(r.stderr.length + r.stdout.length).toBeLessThan(64 << 10);
  });
});
