// The guest programs of guests/ (built with Debian's cross compilers, committed with the
// expected output recorded under qemu-riscv64) run under the kernel with the same stdout and
// exit status, both the no-libc (rv64imac) and the static glibc (rv64gc) builds.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Machine } from "../../src/cpu/index.js";
import type { TaskIo } from "../../src/kernel/index.js";
import { boot } from "./helpers.js";

interface Case {
  id: string;
  program: string;
  args: string[];
  env: string[];
  stdin: string | null;
  mounts: { host: string; guest: string }[];
  status: number;
  stdout: { nolibc: string; glibc: string };
}

const cases = (JSON.parse(readFileSync("guests/expected/cases.json", "utf8")) as { cases: Case[] }).cases;

/** The recorded outputs come from an rv64gc hart (qemu): echo_args prints AT_HWCAP, which
 *  names the hart's extensions, so its line is rewritten for this machine's misa. */
function expected(c: Case, variant: "nolibc" | "glibc"): string {
  const text = readFileSync(`guests/expected/${c.stdout[variant]}`, "utf8");
  const misa = Number(new Machine({ mem: 1 << 20 }).harts[0]!.misa & 0x3ffffffn);
  const letters = [..."IMAFDCV"].filter((l) => misa & (1 << (l.charCodeAt(0) - 65)));
  const hwcap = letters.reduce((m, l) => m | (1 << (l.charCodeAt(0) - 65)), 0);
  const names = letters
    .map((l) => l.toLowerCase())
    .sort()
    .join("");
  return text.replace(/^AT_HWCAP=.*$/m, `AT_HWCAP=0x${hwcap.toString(16)} (${names})`);
}

function runCase(c: Case, variant: "nolibc" | "glibc") {
  const path = `guests/bin/${c.program}.${variant}.elf`;
  const k = boot("", { mem: 256 << 20 });
  let input = c.stdin ? new Uint8Array(readFileSync(c.stdin)) : new Uint8Array(0);
  const out: Uint8Array[] = [];
  const io: TaskIo = {
    stdin(max) {
      const b = input.subarray(0, max);
      input = input.subarray(b.length);
      return b;
    },
    write(fd, data) {
      if (fd === 1) out.push(data.slice());
    },
    isatty: () => false,
  };
  const t = k.sched.spawn({
    elf: new Uint8Array(readFileSync(path)),
    path,
    argv: [path, ...c.args],
    envp: c.env,
    io,
    mounts: c.mounts,
  });
  k.sched.run(400_000_000);
  return { t, stdout: Buffer.concat(out).toString("utf8"), k };
}

describe("guest programs (no libc, rv64imac)", () => {
  for (const c of cases) {
    it(`${c.id}: ${[c.program, ...c.args].join(" ")}`, () => {
      const r = runCase(c, "nolibc");
      expect(r.stdout).toBe(expected(c, "nolibc"));
      expect(r.t.exitCode).toBe(c.status);
    });
  }
});

describe("guest programs (static glibc, rv64gc)", () => {
  for (const c of cases) {
    it(`${c.id}: ${[c.program, ...c.args].join(" ")}`, () => {
      const r = runCase(c, "glibc");
      expect(r.stdout).toBe(expected(c, "glibc"));
      expect(r.t.exitCode).toBe(c.status);
    });
  }
});
