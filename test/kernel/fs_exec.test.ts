import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assemble } from "../../src/asm/index.js";
import { PF_R, PF_X, PT_INTERP, writeElf } from "../../src/elf/index.js";
import { EISDIR, ENOENT, EROFS } from "../../src/kernel/errno.js";
import { ExecError, parseExecutable } from "../../src/kernel/exec.js";
import { openHost, parseMount, resolveMount } from "../../src/kernel/fs.js";

describe("mounted host directories", () => {
  const dir = mkdtempSync(join(tmpdir(), "mmlab-fs-"));
  writeFileSync(join(dir, "a.txt"), "hello");
  const mounts = [{ host: dir, guest: "/data" }];

  it("resolves guest paths under a mount, and nothing else", () => {
    expect(resolveMount(mounts, "/data/a.txt")).toBe(join(dir, "a.txt"));
    expect(resolveMount(mounts, "/data/../etc/passwd")).toBeNull();
    expect(resolveMount(mounts, "/database")).toBeNull();
  });

  it("opens read-only: contents, ENOENT, EROFS for writes, EISDIR for the directory", () => {
    const f = openHost(mounts, "/data/a.txt", 0);
    expect(typeof f === "object" && f.kind === "file" && new TextDecoder().decode(f.data)).toBe("hello");
    expect(openHost(mounts, "/data/missing", 0)).toBe(-ENOENT);
    expect(openHost(mounts, "/elsewhere", 0)).toBe(-ENOENT);
    expect(openHost(mounts, "/data/a.txt", 1)).toBe(-EROFS);
    expect(openHost(mounts, "/data", 0)).toBe(-EISDIR);
    expect([ENOENT, EROFS, EISDIR]).toEqual([2n, 30n, 21n]); // Linux's values
  });

  it("parses HOST:GUEST and names a bad one", () => {
    expect(parseMount("/tmp/x:/mnt")).toEqual({ host: "/tmp/x", guest: "/mnt" });
    expect(() => parseMount("nocolon")).toThrow(/--mount expects HOST:GUEST/);
    expect(() => parseMount("/tmp/x:relative")).toThrow(/must be absolute/);
  });
});

describe("binfmt_elf checks", () => {
  const text = assemble("_start: j _start", { base: 0x10000n });
  const seg = { vaddr: 0x10000n, data: text.sections[0]!.data, flags: PF_R | PF_X };

  it("accepts a static executable", () => {
    expect(parseExecutable(writeElf({ entry: 0x10000n, segments: [seg] }), "ok").entry).toBe(0x10000n);
  });

  it("refuses what it cannot run, in one line naming the file", () => {
    expect(() => parseExecutable(new TextEncoder().encode("#!/bin/sh\n"), "script")).toThrow(ExecError);
    expect(() => parseExecutable(new TextEncoder().encode("#!/bin/sh\n"), "script")).toThrow(/^script: /);
    expect(() => parseExecutable(writeElf({ entry: 0n, segments: [] }), "empty")).toThrow(
      /no PT_LOAD segment/,
    );
  });

  it("refuses a dynamically linked program, naming its interpreter", () => {
    // A PT_INTERP segment (written as a plain segment, then its type patched) makes it dynamic.
    const interp = new TextEncoder().encode("/lib/ld-linux-riscv64-lp64d.so.1\0");
    const bytes = writeElf({
      entry: 0x10000n,
      segments: [seg, { vaddr: 0x20000n, data: interp, flags: PF_R }],
    });
    const dv = new DataView(bytes.buffer);
    const phoff = Number(dv.getBigUint64(32, true));
    const phentsize = dv.getUint16(54, true);
    const phnum = dv.getUint16(56, true);
    for (let i = 0; i < phnum; i++) {
      const at = phoff + i * phentsize;
      if (dv.getBigUint64(at + 16, true) === 0x20000n) dv.setUint32(at, PT_INTERP, true);
    }
    expect(() => parseExecutable(bytes, "dyn")).toThrow(
      /dynamically linked \(interpreter \/lib\/ld-linux-riscv64-lp64d\.so\.1\)/,
    );
  });
});
