// Job control as a shell needs it (issue 13): stop signals' default action, SIGCONT, wait4's
// WUNTRACED/WCONTINUED and waitid's WSTOPPED/WCONTINUED with Linux's encodings, SIGCHLD with
// CLD_STOPPED/CLD_CONTINUED (not with SA_NOCLDSTOP), and SIGTSTP discarded in an orphaned
// process group. guests/jobctl.c prints what it sees; the default run is recorded under
// qemu-riscv64 (guests.test.ts runs it on one hart), `jobctl all` adds the parts qemu gets
// wrong and is recorded from the program built for the host and run on its Linux.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { wait_status } from "../../src/kernel/exit.js";
import type { task_struct } from "../../src/kernel/index.js";
import { type Case, expected, loadCases, runCase } from "./guest-cases.js";

const jobctl = loadCases("cases.json").find((c) => c.id === "jobctl.default")!;
const all: Case = { ...jobctl, id: "jobctl.all", args: ["all"] };
const linux = readFileSync("guests/expected/jobctl.all.host-linux.out", "utf8");

describe("jobctl (stop, continue, wait, SIGCHLD)", () => {
  it("is a recorded case", () => expect(jobctl.status).toBe(0));
  for (const v of ["nolibc", "glibc"] as const) {
    it(`${v} on 4 harts prints what qemu recorded`, () => {
      const r = runCase(jobctl, v, 4);
      expect(r.stdout).toBe(expected(jobctl, v));
      expect(r.t.exitCode).toBe(0);
    });
    for (const harts of [1, 4])
      it(`${v} 'all' on ${harts} hart(s) prints what the host's Linux printed`, () => {
        const r = runCase(all, v, harts);
        expect(r.stdout).toBe(linux);
        expect(r.stdout).toContain("nocldstop: stopped (yes), SIGCHLD pending: no");
        expect(r.stdout).toContain("tstp: own group: WIFSTOPPED=1 WSTOPSIG=20");
        expect(r.stdout).toContain("tstp: orphaned group: WUNTRACED|WNOHANG -> 0 (not stopped)");
        expect(r.t.exitCode).toBe(0);
      });
  }
});

describe("wait_status", () => {
  const t = (signal: number, exitCode: number, stop: number) =>
    ({ signal, exitCode, sig: { group_exit_code: stop } }) as unknown as task_struct;
  it("encodes exits, deaths, stops and continues as the W* macros read them", () => {
    expect(wait_status(t(0, 3, 0))).toBe(0x300);
    expect(wait_status(t(15, 128 + 15, 0))).toBe(15);
    expect(wait_status(t(0, 0, 20), "stop")).toBe(0x147f);
    expect(wait_status(t(0, 0, 0), "cont")).toBe(0xffff);
  });
});
