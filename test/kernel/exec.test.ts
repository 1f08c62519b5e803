// execve (exec.ts): a static ELF from the in-kernel tmpfs replaces the caller's program (its
// memory, registers, comm and argv; the pid stays); a "#!" script runs its interpreter with the
// script's name inserted; close-on-exec descriptors are gone after it; a failed exec returns
// the errno Linux gives and leaves the caller running.

import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assemble } from "../../src/asm/index.js";
import { ENOEXEC } from "../../src/kernel/errno.js";
import { parse_shebang } from "../../src/kernel/exec.js";
import type { Kernel } from "../../src/kernel/index.js";
import { nodeHostFs } from "../../src/session/hostfs.js";
import { HELLO_USER } from "../helpers/programs.js";
import { boot, spawnAsm } from "./helpers.js";

const enc = new TextEncoder();

describe("parse_shebang (binfmt_script)", () => {
  it("takes the interpreter and one optional argument, spaces and tabs trimmed", () => {
    expect(parse_shebang(enc.encode("#!/bin/sh\necho"))).toEqual({ interp: "/bin/sh", arg: null });
    expect(parse_shebang(enc.encode("#! \t/bin/x  -a b \t\n"))).toEqual({ interp: "/bin/x", arg: "-a b" });
    expect(parse_shebang(enc.encode("\x7fELF"))).toBeNull();
  });

  it("is ENOEXEC without an interpreter, or when the line cuts the interpreter's name", () => {
    expect(parse_shebang(enc.encode("#!   \n"))).toBe(-ENOEXEC);
    expect(parse_shebang(enc.encode(`#!/${"x".repeat(300)}`))).toBe(-ENOEXEC);
    expect(parse_shebang(enc.encode(`#!/bin/sh ${"y".repeat(300)}`))).toEqual({
      interp: "/bin/sh",
      arg: "y".repeat(246), // what fits in BINPRM_BUF_SIZE (256) after "#!/bin/sh "
    });
  });
});

/** A kernel with host directory `files` (name → [bytes, mode]) mounted at /x, running the
 *  assembly program `src` as PID 1; its output, exit status and trace. */
function run(files: Record<string, [Uint8Array, number]>, src: string) {
  const dir = mkdtempSync(join(tmpdir(), "mmlab-exec-"));
  try {
    for (const [name, [bytes, mode]] of Object.entries(files)) {
      writeFileSync(join(dir, name), bytes);
      chmodSync(join(dir, name), mode);
    }
    const k: Kernel = boot("", { mem: 64 << 20 });
    k.vfs.mount_host(nodeHostFs(), { host: dir, guest: "/x", rw: false });
    const { t, out, trace } = spawnAsm(k, src);
    k.sched.run(50_000_000);
    return { k, t, out: out(), trace };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** execve(path, argv, NULL) with the strings and the array in .data. */
function execAsm(path: string, args: string[]): { text: string; data: string } {
  return {
    text: "la a0, path\n la a1, argv\n li a2, 0\n li a7, 221\n ecall",
    data: `path: .asciz "${path}"\n${args.map((a, i) => `arg${i}: .asciz "${a}"`).join("\n")}\n .balign 8\nargv: ${args.map((_, i) => `.dword arg${i}`).join("\n")}\n .dword 0`,
  };
}

/** A program that execs `path` with `args`, and exits with -errno if the exec fails. */
function execProgram(path: string, args: string[], before = ""): string {
  const e = execAsm(path, args);
  return `_start:\n${before}\n${e.text}\n neg a0, a0\n li a7, 94\n ecall\n .data\n${e.data}`;
}

const HELLO = assemble(HELLO_USER, { base: 0x10000n }).toElf();
const ECHO = new Uint8Array(readFileSync("guests/bin/echo.nolibc.elf"));

describe("execve", () => {
  it("replaces the program: the new one runs with its argv, the pid stays, comm is the file's name", () => {
    const r = run({ hello: [HELLO, 0o755] }, execProgram("/x/hello", ["hello"]));
    expect(r.out).toBe("hello, world\n");
    expect(r.t.exitCode).toBe(3);
    expect(r.t.comm).toBe("hello");
    expect(r.trace[0]).toMatch(/^execve\("\/x\/hello", 0x[0-9a-f]+, NULL\) = 0$/);
  });

  it("a #! script runs its interpreter with the optional argument and the script's name", () => {
    const script = enc.encode("#!/x/echo -x\nignored\n");
    const r = run({ echo: [ECHO, 0o755], s: [script, 0o755] }, execProgram("/x/s", ["s", "a b"]));
    expect(r.out).toBe("-x /x/s a b\n");
    expect(r.t.exitCode).toBe(0);
  });

  it("fails with ENOENT, EACCES (no execute bit, a directory) or ENOEXEC, and the caller goes on", () => {
    expect(run({}, execProgram("/x/none", ["none"])).t.exitCode).toBe(2);
    expect(run({ h: [HELLO, 0o644] }, execProgram("/x/h", ["h"])).t.exitCode).toBe(13);
    expect(run({}, execProgram("/x", ["x"])).t.exitCode).toBe(13);
    expect(run({ g: [enc.encode("garbage"), 0o755] }, execProgram("/x/g", ["g"])).t.exitCode).toBe(8);
    expect(run({ s: [enc.encode("#!/x/s\n"), 0o755] }, execProgram("/x/s", ["s"])).t.exitCode).toBe(40); // ELOOP
  });

  it("closes close-on-exec descriptors and keeps the others", () => {
    // open("/dev/null", O_WRONLY | O_CLOEXEC) = 3 and dup(1) = 4; the new program writes to both
    // and exits with -write(3) * 16 + (write(4) == 1 ? 0 : 1): EBADF (9) for 3 → 144.
    const probe = assemble(
      `_start:
        li a0, 3
        la a1, msg
        li a2, 1
        li a7, 64
        ecall
        neg s0, a0
        slli s0, s0, 4
        li a0, 4
        la a1, msg
        li a2, 1
        li a7, 64
        ecall
        addi a0, a0, -1
        snez a0, a0
        add a0, a0, s0
        li a7, 94
        ecall
      .data
      msg: .ascii "!"`,
      { base: 0x10000n },
    ).toElf();
    const before = `li a0, -100\n la a1, null\n li a2, ${0o2000001}\n li a3, 0\n li a7, 56\n ecall\n li a0, 1\n li a7, 23\n ecall`;
    const src = execProgram("/x/probe", ["probe"], before).replace(
      ".data\n",
      '.data\nnull: .asciz "/dev/null"\n',
    );
    const r = run({ probe: [probe, 0o755] }, src);
    expect(r.out).toBe("!");
    expect(r.t.exitCode).toBe(144);
  });
});
