// Arguments, environment strings and paths that are not UTF-8 reach the guest byte for byte
// (src/cli/cmdline.ts, src/kernel/lib/rawstr.ts), as under qemu-riscv64: the process tests run
// mmlab through /bin/sh, since Node's spawn() can only pass UTF-8.

import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { commandLine, rawArgs, splitCmdline } from "../../src/cli/cmdline.js";
import { tempDirPerTest } from "../helpers/cli.js";
import { mmlabCommand, ROOT, removeMmlabBundle } from "../helpers/process.js";

const tmp = tempDirPerTest();
afterAll(removeMmlabBundle);
const ECHO = join(ROOT, "guests/bin/echo_args.nolibc.elf");
const CAT = join(ROOT, "guests/bin/cat.nolibc.elf");
const b = (s: string): Buffer => Buffer.from(s, "latin1");
const cat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(parts));
const NUL = Uint8Array.of(0);

describe("rawArgs", () => {
  it("takes each argument's bytes from the tail of /proc/self/cmdline", () => {
    const line = cat(b("node"), NUL, b("--x"), NUL, b("/bin/mmlab.js"), NUL, b("run"), NUL, b("a\xffb"), NUL);
    expect(splitCmdline(line).map((x) => Buffer.from(x).toString("latin1"))).toEqual([
      "node",
      "--x",
      "/bin/mmlab.js",
      "run",
      "a\xffb",
    ]);
    expect(rawArgs(["run", "a\ufffdb"], line)).toEqual(["run", "a\udcffb"]);
  });

  it("keeps Node's arguments when the file disagrees with them (a changed process title)", () => {
    const line = cat(b("mmlab-renamed"), NUL);
    expect(rawArgs(["run", "x"], line)).toEqual(["run", "x"]);
    expect(rawArgs(["run", "x"], cat(b("node"), NUL, b("run"), NUL, b("y"), NUL))).toEqual(["run", "x"]);
  });

  it("gives this process's arguments as Node has them when they are UTF-8", () => {
    const argv = process.argv;
    expect(commandLine(argv)).toEqual(argv.slice(2));
  });
});

/** Run `mmlab ARGS` with raw byte arguments through /bin/sh; its status and stdout bytes. */
async function mmlabRaw(args: readonly Buffer[]): Promise<{ status: number | null; stdout: Buffer }> {
  const [node, ...pre] = await mmlabCommand();
  return shRaw([b(node!), ...pre.map(b), ...args]);
}

/** Run the command `argv` (bytes) through /bin/sh, which passes bytes as they are. */
function shRaw(argv: readonly Buffer[]): Promise<{ status: number | null; stdout: Buffer }> {
  // Each argument goes to sh as octal escapes for printf, so the bytes never meet Node's UTF-8.
  const quoted = argv.map(
    (a) => `"$(printf '${[...a].map((x) => `\\${x.toString(8).padStart(3, "0")}`).join("")}')"`,
  );
  const child = spawn("/bin/sh", ["-c", `exec env -i ${quoted.join(" ")}`], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out: Buffer[] = [];
  child.stdout.on("data", (d: Buffer) => out.push(d));
  return new Promise((res, rej) => {
    child.on("error", rej);
    child.on("close", (status) => res({ status, stdout: Buffer.concat(out) }));
  });
}

const hasQemu = spawnSync("qemu-riscv64", ["--version"]).status === 0;
/** echo_args' argv and envp lines (the auxiliary vector differs between the two). */
const argLines = (o: Buffer): string =>
  o
    .toString("latin1")
    .split("\n")
    .filter((l) => /^(argc|argv|envp)/.test(l))
    .join("\n");

describe("non-UTF-8 bytes reach the guest", () => {
  it.skipIf(!hasQemu)("arguments and environment strings as qemu-riscv64 passes them", async () => {
    const args = [b("a\xffb"), b("\xc3\xa9"), b("\xc3"), b("\xed\xa0\x80")];
    const env = b("K=v\xfe");
    const r = await mmlabRaw([b("run"), b("--env"), env, b(ECHO), ...args]);
    const q = await shRaw([env, b("qemu-riscv64"), b(ECHO), ...args]);
    expect(r.status).toBe(0);
    expect(argLines(r.stdout)).toBe(argLines(q.stdout).replace(/^argv\[0\]=.*$/m, `argv[0]=${ECHO}`));
    expect(argLines(r.stdout)).toContain("argv[1]=a\xffb\nargv[2]=\xc3\xa9\nargv[3]=\xc3\n");
    expect(argLines(r.stdout)).toContain("envp[0]=K=v\xfe");
  });

  it("a program path and a mounted directory whose names are not UTF-8", async () => {
    const dir = join(tmp.dir, "d");
    mkdirSync(dir);
    const rawDir = Buffer.concat([b(`${dir}/`), b("\xfe")]);
    mkdirSync(rawDir);
    const prog = Buffer.concat([rawDir, b("/e\xff")]);
    copyFileSync(ECHO, prog);
    writeFileSync(Buffer.concat([rawDir, b("/f\xfd")]), "in a raw name\n");
    const r = await mmlabRaw([b("run"), prog, b("x")]);
    expect(r.status).toBe(0);
    expect(r.stdout.toString("latin1")).toContain(`argv[0]=${prog.toString("latin1")}\nargv[1]=x\n`);
    const m = await mmlabRaw([
      b("run"),
      b("--mount"),
      Buffer.concat([rawDir, b(":/m")]),
      b(CAT),
      b("/m/f\xfd"),
    ]);
    expect([m.status, m.stdout.toString()]).toEqual([0, "in a raw name\n"]);
  });
});
