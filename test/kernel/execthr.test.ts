// execve from a thread other than the leader (the other threads die, the caller takes the
// leader's pid and parent), execveat (AT_EMPTY_PATH, dirfd-relative names, its errors), "#!"
// scripts' edge cases and vfork (issue 13). guests/execthr.c (glibc: pthreads) prints what it
// sees; its default run is recorded under qemu-riscv64 (guests.test.ts), `execthr all` adds
// execveat (qemu 7.2 has none) and vfork (qemu runs it as fork) and is recorded from the
// program built for the host and run on its Linux.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type Case, loadCases, runCase } from "./guest-cases.js";

const execthr = loadCases("cases.json").find((c) => c.id === "execthr.default")!;
const all: Case = { ...execthr, id: "execthr.all", args: ["all"] };
const linux = readFileSync("guests/expected/execthr.all.host-linux.out", "utf8");

describe("execthr (exec from a thread, execveat, scripts, vfork)", () => {
  it("is a recorded case, glibc only", () => expect(execthr.variants).toEqual(["glibc"]));
  for (const harts of [1, 4])
    it(`'all' on ${harts} hart(s) prints what the host's Linux printed`, () => {
      const r = runCase(all, "glibc", harts);
      expect(r.stdout).toBe(linux);
      expect(r.stdout).toContain("thread: its tid is the pid (it took the leader's): yes");
      expect(r.stdout).toContain("execveat: AT_EMPTY_PATH with an fd: exited 3");
      expect(r.stdout).toContain("vfork: the parent resumes after the child exits and sees its write: yes");
      expect(r.t.exitCode).toBe(0);
      // Every task is gone at the end: the threads de_thread killed and the old leader too.
      expect(r.k.sched.tasks.length).toBe(0);
    });
});
