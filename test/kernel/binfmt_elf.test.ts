import { describe, expect, it } from "vitest";
import { assemble } from "../../src/asm/index.js";
import { type ElfImageSegment, PF_R, PF_W, PF_X, PT_INTERP, writeElf } from "../../src/elf/index.js";
import { ExecError, parseExecutable } from "../../src/kernel/binfmt_elf.js";
import type { Kernel, TaskIo } from "../../src/kernel/index.js";
import { boot } from "./helpers.js";

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

describe("load_elf_binary: where segments may go, and .bss on demand", () => {
  const code = assemble("_start: li a0, 0\n li a7, 93\n ecall", { base: 0x10000n }).sections[0]!.data;
  const io: TaskIo = { stdin: () => new Uint8Array(0), write: () => {}, isatty: () => false };
  const spawn = (k: Kernel, segments: ElfImageSegment[], entry = 0x10000n) =>
    k.sched.spawn({ elf: writeElf({ entry, segments }), path: "prog", argv: ["prog"], envp: [], io });

  it("maps a 1 GiB zero-filled tail without allocating it: the pages come on demand", () => {
    const k = boot("kasan=off", { mem: 64 << 20 });
    const free = k.pages.nr_free_pages();
    const t = spawn(k, [
      { vaddr: 0x10000n, data: code, flags: PF_R | PF_X },
      { vaddr: 0x20000n, data: new Uint8Array([1, 2, 3]), memsz: 1 << 30, flags: PF_R | PF_W },
    ]);
    // The text page, the data page holding the file's 3 bytes, the stack's pages and the page
    // tables: far less than the 1 GiB segment (and the 64 MiB machine).
    expect(free - k.pages.nr_free_pages()).toBeLessThan(64);
    expect(t.mm.find_vma(0x20000n + (1n << 30n) - 1n)).toBeDefined();
    k.sched.run(1_000_000);
    expect(t.exitCode).toBe(0);
  });

  it("refuses a segment below vm.mmap_min_addr, at 0 too", () => {
    const k = boot("kasan=off");
    expect(() => spawn(k, [{ vaddr: 0n, data: code, flags: PF_R | PF_X }], 0n)).toThrow(
      /segment at 0x0 lies below vm.mmap_min_addr \(4096\)/,
    );
    k.sysctl.vm.mmap_min_addr = 0x20000;
    expect(() => spawn(k, [{ vaddr: 0x10000n, data: code, flags: PF_R | PF_X }])).toThrow(ExecError);
  });

  it("names a segment outside user space as such", () => {
    const k = boot("kasan=off");
    expect(() =>
      spawn(k, [{ vaddr: 0xffff_ffc0_0000_0000n, data: code, flags: PF_R | PF_X }], 0xffff_ffc0_0000_0000n),
    ).toThrow(/segment at 0xffffffc000000000 \(0x[0-9a-f]+ bytes\) lies outside user space/);
  });
});
