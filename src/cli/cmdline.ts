// Our own arguments, byte for byte. Node decodes process.argv as UTF-8 and replaces every byte
// that is not UTF-8 by U+FFFD, so an argument such as $'\xff' would reach the guest as EF BF BD
// (qemu-riscv64 and Linux pass the byte 0xff). On Linux the kernel keeps the exact bytes in
// /proc/self/cmdline (NUL-separated: node, its options, the script, then our arguments), so we
// take our arguments from its tail, as rawstr.ts byte strings. Where that file does not exist
// (another host), or does not end with what process.argv says (the process changed its title),
// process.argv is used as Node gives it: there, a non-UTF-8 byte is not kept.

import { readFileSync } from "node:fs";
// The byte-string codec alone (a leaf without imports), not the kernel: see test/cli/imports.test.ts.
import { decode_raw } from "../kernel/lib/rawstr.js";

/** The NUL-terminated strings of a /proc/PID/cmdline file. */
export function splitCmdline(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0) {
      out.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  if (start < bytes.length) out.push(bytes.subarray(start));
  return out;
}

/** `args` (process.argv's tail, as Node decoded it) with each one's exact bytes taken from
 *  `cmdline` (the process's /proc/self/cmdline), or `args` unchanged when the two disagree. */
export function rawArgs(args: readonly string[], cmdline: Uint8Array): string[] {
  const all = splitCmdline(cmdline);
  if (all.length < args.length) return [...args];
  const tail = all.slice(all.length - args.length);
  // Each raw argument must decode (lossily, as Node does) to the argument Node gave: with V8's
  // UTF-8 decoder, the one Node decoded argv with (a TextDecoder, which loads Node's encoding
  // module at start-up, cost about 0.3 ms of every command).
  const utf8 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString("utf8");
  if (tail.some((b, i) => utf8(b) !== args[i])) return [...args];
  return tail.map(decode_raw);
}

/** mmlab's arguments (after the script's name), byte for byte where the host lets us. */
export function commandLine(argv: readonly string[] = process.argv): string[] {
  const args = argv.slice(2);
  let cmdline: Uint8Array;
  try {
    cmdline = readFileSync("/proc/self/cmdline");
  } catch {
    return args; // not Linux: Node's decoding (documented above)
  }
  return rawArgs(args, cmdline);
}
