// Host I/O (vFile) against a target with one file: open, pread in pieces, fstat, close, and
// the errors gdb is told by number (gdb's File-I/O errno values).

import { describe, expect, it } from "vitest";
import type { Target } from "../../src/gdb/index.js";
import { HostIo } from "../../src/gdb/index.js";

const FILE = Uint8Array.from({ length: 10_000 }, (_, i) => i & 0xff);
const hex = (s: string): string => Buffer.from(s).toString("hex");
const text = (r: string | Uint8Array): string =>
  typeof r === "string" ? r : Buffer.from(r).toString("latin1");

function io(): HostIo {
  const t = { readFile: (p: string) => (p === "/prog" ? FILE : p === "/dir" ? "EISDIR" : "ENOENT") };
  return new HostIo(t as unknown as Target);
}

describe("vFile", () => {
  it("open, pread in pieces (at most what fits a packet), fstat, close", () => {
    const h = io();
    expect(h.answer("open", [hex("/prog"), "0", "1a4"])).toBe("F3");
    expect(h.answer("open", [hex("/prog"), "0", "0"])).toBe("F4");
    const r = text(h.answer("pread", ["3", "10", "ff"]));
    expect(r.slice(0, 4)).toBe("F10;");
    expect(Buffer.from(r.slice(4), "latin1")).toEqual(Buffer.from(FILE.subarray(0xff, 0x10f)));
    const big = text(h.answer("pread", ["3", "4000", "0"]));
    expect(big.startsWith("F1800;")).toBe(true);
    expect(text(h.answer("pread", ["3", "100", "2710"]))).toBe("F0;"); // at the end: nothing
    const st = Buffer.from(text(h.answer("fstat", ["3"])), "latin1");
    expect(st.subarray(0, 4).toString()).toBe("F40;");
    expect(st.readUInt32BE(4 + 8)).toBe(0o100444);
    expect(st.readBigUInt64BE(4 + 28)).toBe(10_000n);
    expect(h.answer("close", ["3"])).toBe("F0");
    expect(h.answer("close", ["3"])).toBe("F-1,9");
    expect(h.answer("pread", ["3", "10", "0"])).toBe("F-1,9");
  });

  it("errors by gdb's numbers; unknown operations are not supported", () => {
    const h = io();
    expect(h.answer("open", [hex("/none"), "0", "0"])).toBe("F-1,2");
    expect(h.answer("open", [hex("/dir"), "0", "0"])).toBe("F-1,15");
    expect(h.answer("open", [hex("/prog"), "2", "0"])).toBe("F-1,1e");
    expect(h.answer("open", ["zz", "0", "0"])).toBe("F-1,16");
    expect(h.answer("unlink", [hex("/prog")])).toBe("F-1,1e");
    expect(h.answer("setfs", ["0"])).toBe("F0");
    expect(h.answer("readlink", [hex("/prog")])).toBe("");
  });

  it("at most 64 files open at once (EMFILE)", () => {
    const h = io();
    for (let i = 0; i < 64; i++) expect(h.answer("open", [hex("/prog"), "0", "0"])).toMatch(/^F/);
    expect(h.answer("open", [hex("/prog"), "0", "0"])).toBe("F-1,18");
  });
});
