// Byte strings carried in JavaScript strings, losslessly. Linux's argv, environment strings and
// path names are bytes, not UTF-8 text; the kernel keeps them in JS strings (its path walk, its
// mounts and messages work on strings), so a byte that is not part of valid UTF-8 is held as
// the lone low surrogate U+DC80 + byte (the "surrogateescape" convention of PEP 383). Valid
// UTF-8 never decodes to a surrogate, so the mapping is one to one: encode_raw(decode_raw(b))
// gives b back for every byte string, and a valid UTF-8 string is unchanged.

import { asciiString } from "../../elf/index.js";

/** A strict UTF-8 decoder, made on first use (making it and its first decode cost about 0.3 ms;
 *  the arguments and paths of a run are ASCII: asciiString). */
let strict: TextDecoder | null = null;
const strictDecoder = (): TextDecoder => {
  strict ??= new TextDecoder("utf-8", { fatal: true });
  return strict;
};
const UTF8 = new TextEncoder();
/** The first and last escape code units (bytes 0x80..0xff). */
const ESC_LO = 0xdc80;
const ESC_HI = 0xdcff;
/** An escape unit that is not the low half of a surrogate pair. */
const LONE_ESCAPE = /(?<![\ud800-\udbff])[\udc80-\udcff]/;

/** The length of a valid UTF-8 sequence at b[i] (RFC 3629, table 3-7 of Unicode), or 0. */
function seqLength(b: Uint8Array, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => {
    const x = b[i + k];
    return x !== undefined && x >= lo && x <= hi;
  };
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const lo = c === 0xe0 ? 0xa0 : 0x80;
    const hi = c === 0xed ? 0x9f : 0xbf; // no surrogates
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const lo = c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xf4 ? 0x8f : 0xbf; // up to U+10FFFF
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/** Bytes `b` as a string: valid UTF-8 decoded, every other byte as U+DC80 + byte. */
export function decode_raw(b: Uint8Array): string {
  const ascii = asciiString(b);
  if (ascii !== null) return ascii;
  try {
    return strictDecoder().decode(b);
  } catch {
    // invalid UTF-8: decode it piece by piece below
  }
  let out = "";
  let i = 0;
  while (i < b.length) {
    const n = seqLength(b, i);
    if (n === 0) {
      out += String.fromCharCode(ESC_LO + b[i]! - 0x80);
      i++;
    } else {
      out += strictDecoder().decode(b.subarray(i, i + n));
      i += n;
    }
  }
  return out;
}

/** The bytes string `s` stands for: decode_raw's inverse (U+DC80..U+DCFF alone → one byte,
 *  everything else UTF-8, as TextEncoder writes it). */
export function encode_raw(s: string): Uint8Array {
  if (!LONE_ESCAPE.test(s)) return UTF8.encode(s);
  const out: number[] = [];
  for (const ch of s) {
    const u = ch.charCodeAt(0);
    if (ch.length === 1 && u >= ESC_LO && u <= ESC_HI) out.push(u - ESC_LO + 0x80);
    else for (const x of UTF8.encode(ch)) out.push(x);
  }
  return Uint8Array.from(out);
}

/** Does `s` hold a byte that is not UTF-8 (an escape)? */
export function has_raw_bytes(s: string): boolean {
  return LONE_ESCAPE.test(s);
}
