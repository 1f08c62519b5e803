// asciiString: short ASCII byte strings as TextDecoder decodes them; anything else is left to a
// decoder (null).

import { describe, expect, it } from "vitest";
import { ASCII_MAX, asciiString } from "../../src/elf/index.js";

describe("asciiString", () => {
  it("gives TextDecoder's string for ASCII up to ASCII_MAX bytes", () => {
    const utf8 = new TextDecoder();
    for (const n of [0, 1, 2, ASCII_MAX - 1, ASCII_MAX]) {
      const b = Uint8Array.from({ length: n }, (_, i) => i % 0x80);
      expect(asciiString(b)).toBe(utf8.decode(b));
    }
  });

  it("leaves longer strings and any byte of 0x80 or more to a decoder", () => {
    expect(asciiString(new Uint8Array(ASCII_MAX + 1).fill(0x61))).toBeNull();
    for (const c of [0x80, 0xc3, 0xff]) expect(asciiString(Uint8Array.of(0x61, c, 0x62))).toBeNull();
  });
});
