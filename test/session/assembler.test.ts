// The assembler behind src/session's program files is loaded on demand (loadAssembler), so that
// running an ELF file does not load it (start-up; test/cli/imports.test.ts): before it is loaded,
// assembling is refused with a message naming the file, after it the same call assembles.

import { describe, expect, it } from "vitest";
import { assembleElf, loadAssembler } from "../../src/session/index.js";

describe("the assembler, loaded on demand", () => {
  it("is refused before loadAssembler() and used after it", async () => {
    expect(() => assembleElf("_start: j _start\n", "p.s")).toThrow(
      "p.s: the assembler is not loaded (loadAssembler() first)",
    );
    await loadAssembler();
    expect(assembleElf("_start: j _start\n", "p.s").entry).toBe(0x8000_0000n);
  });
});
