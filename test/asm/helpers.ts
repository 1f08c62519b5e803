// Helpers shared by the assembler tests.

import { assemble, type Program } from "../../src/asm/index.js";

/** The instruction words of a program's .text (16-bit parcels for RVC encodings). */
export function textWords(p: Program): number[] {
  const text = p.section(".text");
  if (!text) return [];
  const d = text.data;
  const out: number[] = [];
  for (let i = 0; i < d.length; ) {
    const lo = d[i]! | (d[i + 1]! << 8);
    if ((lo & 3) !== 3) {
      out.push(lo);
      i += 2;
    } else {
      out.push((lo | (d[i + 2]! << 16) | (d[i + 3]! << 24)) >>> 0);
      i += 4;
    }
  }
  return out;
}

/** Assembles `src` and returns its .text words. */
export function words(src: string, options: { rvc?: boolean; base?: bigint } = {}): number[] {
  return textWords(assemble(src, { file: "t.s", ...options }));
}

/** Formats a word as hex for readable failures. */
export function hex(w: number): string {
  return `0x${w.toString(16).padStart((w & 3) === 3 ? 8 : 4, "0")}`;
}

/** The message of the AsmError `f` throws (fails the test if it does not throw). */
export function asmError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected an AsmError");
}
