// The guest programs of guests/ (built with Debian's cross compilers, committed with the
// expected output recorded under qemu-riscv64) run under the kernel with the same stdout and
// exit status, both the no-libc (rv64imac) and the static glibc (rv64gc) builds.

import { describe, expect, it } from "vitest";
import { expected, loadCases, runCase } from "./guest-cases.js";

const cases = loadCases("cases.json");

describe("guest programs (no libc, rv64imac)", () => {
  for (const c of cases.filter((x) => !x.variants || x.variants.includes("nolibc"))) {
    it(`${c.id}: ${[c.program, ...c.args].join(" ")}`, () => {
      const r = runCase(c, "nolibc");
      expect(r.stdout).toBe(expected(c, "nolibc"));
      expect(r.t.exitCode).toBe(c.status);
    });
  }
});

describe("guest programs (static glibc, rv64gc)", () => {
  for (const c of cases.filter((x) => !x.variants || x.variants.includes("glibc"))) {
    it(`${c.id}: ${[c.program, ...c.args].join(" ")}`, () => {
      const r = runCase(c, "glibc");
      expect(r.stdout).toBe(expected(c, "glibc"));
      expect(r.t.exitCode).toBe(c.status);
    });
  }
});
