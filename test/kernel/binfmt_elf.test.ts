import { describe, expect, it } from "vitest";
import { assemble } from "../../src/asm/index.js";
import { PF_R, PF_X, PT_INTERP, writeElf } from "../../src/elf/index.js";
import { ExecError, parseExecutable } from "../../src/kernel/binfmt_elf.js";

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
