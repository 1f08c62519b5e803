// Running the guest cases of guests/expected (cases.json, next.json) under the kernel: the
// case's stdin, mounts and PATH directory (`bin`: the programs copied into a host directory
// mounted at bin.guest), and the expected stdout (AT_HWCAP adjusted to this machine).

import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Machine } from "../../src/cpu/index.js";
import type { TaskIo } from "../../src/kernel/index.js";
import { nodeHostFs } from "../../src/session/hostfs.js";
import { boot } from "./helpers.js";

export interface Case {
  id: string;
  program: string;
  args: string[];
  env: string[];
  stdin: string | null;
  mounts: { host: string; guest: string }[];
  status: number;
  stdout: { nolibc: string; glibc: string };
  /** The builds the case has (pthreads programs are glibc only); both when absent. */
  variants?: ("nolibc" | "glibc")[];
  /** Programs a case runs through PATH: guests/bin/NAME.V.elf must be found at guest/NAME. */
  bin?: { guest: string; programs: string[] } | null;
}

/** The cases of guests/expected/`file` (cases.json: what runs; next.json: not yet). */
export function loadCases(file: "cases.json" | "next.json"): Case[] {
  return (JSON.parse(readFileSync(`guests/expected/${file}`, "utf8")) as { cases: Case[] }).cases;
}

/** The recorded outputs come from an rv64gc hart (qemu): echo_args prints AT_HWCAP, which
 *  names the hart's extensions, so its line is rewritten for this machine's misa. */
export function expected(c: Case, variant: "nolibc" | "glibc"): string {
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

/** How runCase's machine differs: its TLB preset, and a hook called after boot (the tests of
 *  translation attach it there). */
export interface CaseMachine {
  tlb?: string;
  setup?: (m: Machine) => void;
}

export function runCase(
  c: Case,
  variant: "nolibc" | "glibc",
  harts = 1,
  cmdline = "",
  how: CaseMachine = {},
) {
  const path = `guests/bin/${c.program}.${variant}.elf`;
  const k = boot(cmdline, { mem: 256 << 20, harts, ...(how.tlb ? { tlb: how.tlb } : {}) });
  how.setup?.(k.machine);
  let input = c.stdin ? new Uint8Array(readFileSync(c.stdin)) : new Uint8Array(0);
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  const io: TaskIo = {
    stdin(max) {
      const b = input.subarray(0, max);
      input = input.subarray(b.length);
      return b;
    },
    write(fd, data) {
      (fd === 1 ? out : err).push(data.slice());
    },
    isatty: () => false,
  };
  for (const m of c.mounts) k.vfs.mount_host(nodeHostFs(), { ...m, rw: false });
  const bin = c.bin ? mkdtempSync(join(tmpdir(), "mmlab-bin-")) : null;
  try {
    if (c.bin && bin) {
      for (const name of c.bin.programs) copyFileSync(`guests/bin/${name}.${variant}.elf`, join(bin, name));
      k.vfs.mount_host(nodeHostFs(), { host: bin, guest: c.bin.guest, rw: false });
    }
    const t = k.sched.spawn({
      elf: new Uint8Array(readFileSync(path)),
      path,
      argv: [path, ...c.args],
      envp: c.env,
      io,
    });
    k.sched.run(400_000_000);
    return { t, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8"), k };
  } finally {
    if (bin) rmSync(bin, { recursive: true, force: true });
  }
}
