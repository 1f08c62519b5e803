// Short ASCII byte strings as JS strings without a TextDecoder: the names of an ELF file and the
// kernel's argv, environment and path strings are nearly always ASCII, and making a TextDecoder
// and its first decode cost about 0.3 ms of a run's start-up. (The bottom layer, so that the
// ELF reader and the kernel's byte strings, src/kernel/lib/rawstr.ts, share it.)

/** The longest byte string asciiString takes (String.fromCharCode's arguments stay few). */
export const ASCII_MAX = 1024;

/** `b` as a string when it is at most ASCII_MAX bytes and all ASCII (the string every UTF-8
 *  decoder gives for it), else null. */
export function asciiString(b: Uint8Array): string | null {
  if (b.length > ASCII_MAX) return null;
  for (let i = 0; i < b.length; i++) if (b[i]! >= 0x80) return null;
  return String.fromCharCode.apply(null, b as unknown as number[]);
}
