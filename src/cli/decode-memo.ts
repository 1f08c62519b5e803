// The decode memo (src/cpu/code.ts) kept between runs in the cache directory: every distinct
// instruction word a program runs is decoded once per process, by cold code (V8's bytecode
// interpreter), about 11 M host instructions of a glibc hello world's ~280 M (callgrind, seeded
// against not). One file, decode-memo.bin: a magic word, a
// digest of the build's identity and the table (crcDigest: zlib's native CRC-32 and the length,
// as the translation cache's files; digest64 ran cold here, 3.4 ms a process for the 128 KiB
// table against 0.1 ms), then the table. A file of another build,
// damaged or cut short is not used (and is replaced at exit).

import { closeSync, mkdirSync, openSync, readSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeMemo, seedDecodeMemo } from "../cpu/index.js";
import type { HostCache } from "./compiler-host.js";
import { crcDigest } from "./translation-cache.js";

const FILE = "decode-memo.bin";
/** "MDM1" as a little-endian word. */
const MAGIC = 0x314d_444d;
/** The magic and the digest's two words. */
const HEADER_WORDS = 3;
/** A process that wrote fewer new entries leaves the file alone: a program whose words collide
 *  in the memo would otherwise rewrite it at every run. */
const MIN_NEW_ENTRIES = 64;

let kept = false;

/** Seed the process's decode memo from the cache directory's file, when this build wrote it and
 *  it is whole, and save the memo there at exit when this process added to it. Once per process;
 *  nothing without a cache directory or a build identity (tests, TypeScript's output). */
export function keepDecodeMemo(host: HostCache): void {
  if (kept || host.dir === null || host.build === null) return;
  kept = true;
  const path = join(host.dir, FILE);
  const build = Buffer.from(host.build, "latin1");
  loadDecodeMemo(path, build);
  process.once("exit", () => saveDecodeMemo(path, build, MIN_NEW_ENTRIES));
}

/** Seed the decode memo from the file at `path` if it holds a whole table of build `build`;
 *  returns whether it did. The table is read straight into the memo (then checked). */
export function loadDecodeMemo(path: string, build: Uint8Array): boolean {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return false; // none yet
  }
  try {
    const head = new Uint32Array(HEADER_WORDS + 1); // one word more: a longer file is refused
    const headBytes = new Uint8Array(head.buffer);
    return seedDecodeMemo((body) => {
      if (readSync(fd, headBytes, 0, 4 * HEADER_WORDS, null) !== 4 * HEADER_WORDS) return false;
      if (readSync(fd, body, 0, body.length, null) !== body.length) return false;
      if (readSync(fd, headBytes, 4 * HEADER_WORDS, 4, null) !== 0) return false;
      const [lo, hi] = crcDigest(build, body);
      return head[0] === MAGIC && head[1] === lo && head[2] === hi;
    });
  } catch {
    return seedDecodeMemo(() => false); // unreadable: nothing half-read stays
  } finally {
    closeSync(fd);
  }
}

/** Write the decode memo to `path` for build `build` (whole or not at all: a temporary file
 *  renamed over it) when at least `minNew` entries were written since it was seeded or the
 *  process started. A cache that cannot be written is no error: the next run decodes again. */
export function saveDecodeMemo(path: string, build: Uint8Array, minNew: number): void {
  const { table, fills } = decodeMemo();
  if (fills < minNew) return;
  const body = new Uint8Array(table.buffer, table.byteOffset, table.byteLength);
  const [lo, hi] = crcDigest(build, body);
  const out = new Uint8Array(4 * HEADER_WORDS + body.length);
  new Uint32Array(out.buffer, 0, HEADER_WORDS).set([MAGIC, lo, hi]);
  out.set(body, 4 * HEADER_WORDS);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(tmp, out);
    renameSync(tmp, path);
  } catch {
    // read-only or full: run without it
  }
}
