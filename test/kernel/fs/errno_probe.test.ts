// guests/errno_probe against Linux for the file system calls: every line mmlab prints for
// read, write, pread64, pwrite64, lseek, openat, close, pipe2, dup, dup3, fcntl, ioctl,
// getdents64, fstat, newfstatat, getcwd, unlinkat and mkdirat equals Linux's answer
// (guests/expected/errno_probe.host-linux.out; qemu-riscv64's recording, errno_probe.default.out,
// agrees except where qemu emulates the call itself: pwrite64's partial write, see
// guests/README.md "errno_probe: qemu against Linux").
//
// The probe runs to its end (status 0), so every file line must be there; its whole output,
// every call's, is checked against Linux's by the errno_probe.default case of cases.json
// (test/kernel/guests.test.ts).

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { TaskIo } from "../../../src/kernel/index.js";
import { boot } from "../helpers.js";

const FILE_CALLS = new Set([
  "read",
  "write",
  "pread64",
  "pwrite64",
  "lseek",
  "openat",
  "close",
  "pipe2",
  "dup",
  "dup3",
  "fcntl",
  "ioctl",
  "getdents64",
  "fstat",
  "newfstatat",
  "getcwd",
  "unlinkat",
  "mkdirat",
]);

/** The "CALL CASE -> RESULT" lines of a probe output for the file calls, in order. */
function fileLines(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const m = /^(\S+)\s+(.*?)\s+-> (.*)$/.exec(line);
    if (m && FILE_CALLS.has(m[1]!)) out.push(`${m[1]} ${m[2]} -> ${m[3]}`);
  }
  return out;
}

function run(variant: "nolibc" | "glibc"): { stdout: string; status: number | null } {
  const path = `guests/bin/errno_probe.${variant}.elf`;
  const k = boot("", { mem: 256 << 20 });
  const out: Uint8Array[] = [];
  const io: TaskIo = {
    stdin: () => new Uint8Array(0),
    write: (fd, data) => {
      if (fd === 1) out.push(data.slice());
    },
    isatty: () => false,
  };
  const t = k.sched.spawn({ elf: new Uint8Array(readFileSync(path)), path, argv: [path], envp: [], io });
  k.sched.run(400_000_000);
  return { stdout: Buffer.concat(out).toString("utf8"), status: t.exitCode };
}

describe("errno_probe: the file system calls answer as Linux does", () => {
  const linux = fileLines(readFileSync("guests/expected/errno_probe.host-linux.out", "utf8"));
  const qemu = fileLines(readFileSync("guests/expected/errno_probe.default.out", "utf8"));

  it("the reference: qemu and Linux differ only in pwrite64's partial write", () => {
    expect(linux.length).toBe(qemu.length);
    const differ = linux.filter((l, i) => qemu[i] !== l);
    expect(differ).toEqual(["pwrite64 buffer running into unmapped page -> 4096"]);
    expect(linux.length).toBe(85);
  });

  for (const variant of ["nolibc", "glibc"] as const) {
    it(`${variant}: the file lines printed are Linux's, in order`, () => {
      const r = run(variant);
      const got = fileLines(r.stdout);
      expect(got).toEqual(linux.slice(0, got.length));
      expect(r.status).toBe(0);
      expect(got.length).toBe(linux.length);
    });
  }
});
