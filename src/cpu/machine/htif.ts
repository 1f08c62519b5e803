// HTIF through the `tohost` symbol, the convention of the official RISC-V ISA tests and Spike
// (docs/reference/emulators.md): a value with bit 0 set ends the run ((n << 1) | 1: test n
// failed, 1: pass); 0x0101_0000_0000_0000 | ch prints ch on the console, after which the harness
// writes 0 back to tohost.

/** What a store to tohost asks for. */
export type HtifRequest =
  | { kind: "exit"; code: number }
  | { kind: "putchar"; byte: number }
  | { kind: "unsupported"; value: bigint }
  | { kind: "none" };

const CONSOLE_PUTCHAR = 0x0101n << 48n;

/** Interpret a tohost value. */
export function htifRequest(v: bigint): HtifRequest {
  if (v === 0n) return { kind: "none" };
  if ((v & 1n) === 1n && v >> 32n === 0n) return { kind: "exit", code: Number(v >> 1n) };
  if (v >> 48n === CONSOLE_PUTCHAR >> 48n) return { kind: "putchar", byte: Number(v & 0xffn) };
  return { kind: "unsupported", value: v };
}
