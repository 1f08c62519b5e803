// The translation cache's files (src/cpu/jit/tcache.ts holds what a key covers): one file per
// region key in DIR/jit/, DIR being the code cache's directory ($MMLAB_CACHE_DIR, else
// $XDG_CACHE_HOME/mmlab or ~/.cache/mmlab; MMLAB_CACHE_DIR="" turns both off; --no-jit-cache
// this one alone). Only a bundled build (bin/mmlab.js through start.js, which names the build)
// keeps translations: TypeScript's output run without a bundle has no build identity.
//
// A file: MAGIC, the key's and the value's lengths (4 bytes each, little-endian), the key,
// zeros up to a multiple of 4 bytes (the value's words aligned for its digest), the value. Its name is two CRC-32s of the key (path()). A read takes the value only when the
// whole file is there and its key equals the one asked for byte for byte; the value carries its
// own digest (crcDigest: zlib's CRC-32 and the length), which the translator checks (tcache.ts): a damaged, truncated or foreign file is a
// miss, and is rewritten by the translation that follows. Writes go to a temporary file renamed over the name (a process
// reading meanwhile sees the old file or the new one, whole); the directory is bounded to
// TCACHE_MAX_BYTES, the least recently used files going first (a hit refreshes its file's time).

import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import type { TranslationStore } from "../cpu/jit/index.js";
import type { HostCache } from "./compiler-host.js";
import { crc32 } from "./v8-tuning.js";

/** The cache directory's subdirectory for translations. */
export const TCACHE_SUBDIR = "jit";
/** Bytes of translation files kept at most (a region's file is 5-80 KB). */
export const TCACHE_MAX_BYTES = 64 << 20;
/** A prune leaves at most this share of the bound, so that the next puts do not prune again. */
const PRUNE_TO = 0.75;

const MAGIC = new TextEncoder().encode("mmlab-jit-1\n");
/** Magic, key length, value length. */
const HEAD = MAGIC.length + 4 + 4;
/** Suffixes of the files a store writes (its temporary files too). */
const SUFFIX = ".tc";
const TMP = ".tmp";

/** A cache file's bytes for `key` and `value`. */
export function encodeEntry(key: Uint8Array, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEAD + padded(key.length) + value.length);
  out.set(MAGIC);
  const dv = new DataView(out.buffer);
  dv.setUint32(MAGIC.length, key.length, true);
  dv.setUint32(MAGIC.length + 4, value.length, true);
  out.set(key, HEAD);
  out.set(value, HEAD + padded(key.length));
  return out;
}

/** `n` rounded up to a multiple of 4. */
const padded = (n: number): number => (n + 3) & ~3;

/** The value in a cache file's bytes when it was written for `key` and is whole, else
 *  undefined. */
export function decodeEntry(
  file: Uint8Array<ArrayBuffer>,
  key: Uint8Array,
): Uint8Array<ArrayBuffer> | undefined {
  if (file.length < HEAD) return undefined;
  for (let i = 0; i < MAGIC.length; i++) if (file[i] !== MAGIC[i]) return undefined;
  const dv = new DataView(file.buffer, file.byteOffset, file.length);
  const kLen = dv.getUint32(MAGIC.length, true);
  const vLen = dv.getUint32(MAGIC.length + 4, true);
  if (kLen !== key.length || file.length !== HEAD + padded(kLen) + vLen) return undefined;
  const k = Buffer.from(file.buffer, file.byteOffset + HEAD, kLen);
  if (!k.equals(key)) return undefined;
  return file.subarray(HEAD + padded(kLen));
}

/** Translations kept as files in `dir` (see the file's head); never throws: a cache that
 *  cannot be read or written is a miss, and the run goes on translating. */
export class FileTranslationStore implements TranslationStore {
  /** Bytes of the directory's files as this process knows them (-1: not looked yet). */
  private used = -1;
  private tmpSeq = 0;

  constructor(
    readonly dir: string,
    readonly build: string,
    private readonly maxBytes = TCACHE_MAX_BYTES,
  ) {}

  /** The file of `key`: named by the CRC-32 of the whole key and of its second half (two keys
   *  sharing a name only take each other's file: a lookup compares the keys). */
  path(key: Uint8Array): string {
    const hex = (w: number): string => (w >>> 0).toString(16).padStart(8, "0");
    return join(this.dir, `${hex(crc32(key))}${hex(crc32(key.subarray(key.length >> 1)))}${SUFFIX}`);
  }

  /** The values' seal (TranslationStore.digest): zlib's CRC-32 of the parts, in order, and
   *  their length. */
  readonly digest = crcDigest;

  get(key: Uint8Array): Uint8Array<ArrayBuffer> | undefined {
    const path = this.path(key);
    let file: Uint8Array<ArrayBuffer>;
    try {
      file = readFileSync(path);
    } catch {
      return undefined; // none yet, or unreadable
    }
    const value = decodeEntry(file, key);
    if (value === undefined) return undefined;
    try {
      const now = new Date();
      utimesSync(path, now, now); // recently used: pruned last
    } catch {
      // pruned meanwhile, or read-only: the value stands
    }
    return value;
  }

  put(key: Uint8Array, value: Uint8Array): void {
    const path = this.path(key);
    const tmp = `${path}.${process.pid}.${this.tmpSeq++}${TMP}`;
    try {
      mkdirSync(this.dir, { recursive: true });
      const bytes = encodeEntry(key, value);
      writeFileSync(tmp, bytes);
      renameSync(tmp, path); // whole or not at all, for a process reading it meanwhile
      this.account(bytes.length);
    } catch {
      removeQuietly(tmp); // read-only or full: run without the cache
    }
  }

  /** Call `write` once when the process ends (TranslationStore.onExit: the packs). */
  onExit(write: () => void): void {
    process.once("exit", write);
  }

  /** `bytes` more were written: prune when the directory passes its bound. */
  private account(bytes: number): void {
    if (this.used < 0) this.used = pruneTranslations(this.dir, Number.POSITIVE_INFINITY);
    else this.used += bytes;
    if (this.used > this.maxBytes) this.used = pruneTranslations(this.dir, this.maxBytes * PRUNE_TO);
  }
}

/** A digest of `parts` (TranslationStore.digest): zlib's CRC-32 of their bytes in order, and
 *  their total length (modulo 2^32); native code, not V8 running a digest of ours cold. */
export function crcDigest(...parts: Uint8Array[]): [number, number] {
  let crc = 0;
  let len = 0;
  for (const p of parts) {
    crc = crc32(p, crc);
    len += p.length;
  }
  return [crc >>> 0, len >>> 0];
}

/** Remove the least recently used files of `dir` (translations and leftover temporary files)
 *  until they take at most `bytes`; returns the bytes left. Errors are ignored: another process
 *  pruning meanwhile, or an unreadable directory. */
export function pruneTranslations(dir: string, bytes: number): number {
  const files: { path: string; size: number; mtime: number }[] = [];
  try {
    for (const n of readdirSync(dir)) {
      if (!n.endsWith(SUFFIX) && !n.endsWith(TMP)) continue;
      try {
        const st = statSync(join(dir, n));
        files.push({ path: join(dir, n), size: st.size, mtime: st.mtimeMs });
      } catch {
        // removed meanwhile
      }
    }
  } catch {
    return 0;
  }
  let total = files.reduce((t, f) => t + f.size, 0);
  files.sort((x, y) => x.mtime - y.mtime);
  for (const f of files) {
    if (total <= bytes) break;
    removeQuietly(f.path);
    total -= f.size;
  }
  return total;
}

/** Remove the file at `path` if it is there and can be removed. */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // a directory's permissions: leave it
  }
}

/** The store of this process's translations: DIR/jit under the cache directory bin/mmlab.js
 *  handed over, for its build; null when the cache is off (MMLAB_CACHE_DIR="") or there is no
 *  build identity (no bundle). */
export function translationStore(host: HostCache): FileTranslationStore | null {
  if (host.dir === null || host.build === null) return null;
  return new FileTranslationStore(join(host.dir, TCACHE_SUBDIR), host.build);
}
