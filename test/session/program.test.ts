// Program files: --bare programs loaded (ELF, or assembled), kernel programs read (null when
// missing, ExecError when not runnable, .s assembled at USER_TEXT_BASE), and the errors naming
// the file.

import { mkdirSync, writeFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { readElf } from "../../src/elf/index.js";
import { ExecError } from "../../src/kernel/index.js";
import {
  execLine,
  isAssembly,
  loadAssembler,
  loadBareProgram,
  ProgramError,
  readKernelProgram,
  USER_TEXT_BASE,
} from "../../src/session/index.js";
import { tempDirPerTest } from "../helpers/cli.js";

const tmp = tempDirPerTest("mmlab-program-");
beforeAll(loadAssembler);

describe("program files", () => {
  it("a --bare program: an ELF as it is, a .s file assembled; bad files are ProgramErrors", () => {
    expect(loadBareProgram("guests/bin/bench_bare.elf").entry).toBeGreaterThan(0n);
    const s = tmp.path("p.s");
    writeFileSync(s, "_start: j _start\n");
    expect(loadBareProgram(s).entry).toBe(0x8000_0000n);
    writeFileSync(s, "_start: bogus x1\n");
    expect(() => loadBareProgram(s)).toThrow(ProgramError);
    expect(() => loadBareProgram(s)).toThrow(/p.s:1:\d+: /);
    expect(() => loadBareProgram(tmp.path("none"))).toThrow(/none: no such file/);
    mkdirSync(tmp.path("d"));
    expect(() => loadBareProgram(tmp.path("d"))).toThrow(/d: is a directory/);
    writeFileSync(tmp.path("junk"), "junk");
    expect(() => loadBareProgram(tmp.path("junk"))).toThrow(ProgramError);
  });

  it("a kernel program: null when missing, ExecError for a directory, .s at USER_TEXT_BASE", () => {
    expect(readKernelProgram(tmp.path("none"))).toBeNull();
    mkdirSync(tmp.path("d"));
    expect(() => readKernelProgram(tmp.path("d"))).toThrow(ExecError);
    const s = tmp.path("u.S");
    writeFileSync(s, "_start: li a7, 93\n ecall\n");
    expect(isAssembly(s)).toBe(true);
    for (const name of ["a.s", "a.S", "a.asm", ".s", "dir.x/b.asm"])
      expect([name, isAssembly(name)]).toEqual([name, true]);
    for (const name of ["a.elf", "a.sx", "s", "a.ASM", "a.asm.elf", "a.s/b"])
      expect([name, isAssembly(name)]).toEqual([name, false]);
    const elf = readElf(readKernelProgram(s)!, s);
    expect(elf.entry).toBe(USER_TEXT_BASE);
    expect(execLine("prog", new ExecError("prog: x"))).toBe("prog: x");
    expect(execLine("prog", new ExecError("bad magic"))).toBe("prog: bad magic");
  });
});
