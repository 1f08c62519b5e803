// The translation cache's files (src/cli/translation-cache.ts): a value comes back only for its
// own key and from a whole file; a foreign, truncated or garbage file is a miss; writes leave no
// temporary file; the directory stays within its bound, the least recently used files going
// first; a directory that cannot be written is no error. And end to end: `mmlab run` through
// bin/mmlab.js's loader (start.js, which names the build) twice with one cache directory gives
// the same output and `--stats=json` report, translation time aside, the second run writing no
// file; but for how much of the run its regions ran: the second run starts translation at once
// and makes the same regions as soon as it reaches them (the start record,
// src/session/jit-record.ts), so more instructions run translated; --no-jit-cache and
// MMLAB_CACHE_DIR= keep no file.

import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBundle } from "../../scripts/bundle.js";
import {
  crcDigest,
  decodeEntry,
  encodeEntry,
  FileTranslationStore,
  pruneTranslations,
  TCACHE_SUBDIR,
  translationStore,
} from "../../src/cli/translation-cache.js";
import { crc32 } from "../../src/cli/v8-tuning.js";
import { tempDirPerTest } from "../helpers/cli.js";
import { ROOT } from "../helpers/process.js";

const tmp = tempDirPerTest("mmlab-tcache-");
const bytes = (n: number, seed: number): Uint8Array => new Uint8Array(n).map((_, i) => (i * seed + 1) & 255);

describe("the translation cache's files", () => {
  it("seal values with zlib's CRC-32 of the parts in order and their length; name files by the key", () => {
    const a = bytes(4400, 7);
    const b = bytes(18000, 3);
    const whole = new Uint8Array([...a, ...b]);
    expect(crcDigest(a, b)).toEqual([crc32(whole) >>> 0, whole.length]);
    expect(crcDigest(a.subarray(0, 4), a.subarray(4))).toEqual(crcDigest(a));
    const flipped = whole.slice();
    flipped[9000]! ^= 4;
    expect(crcDigest(flipped)).not.toEqual(crcDigest(whole));
    const s = new FileTranslationStore(tmp.path("jit"), "b1");
    expect(s.digest).toBe(crcDigest);
    expect(s.path(a)).toMatch(/\/[0-9a-f]{16}\.tc$/);
    expect(s.path(a)).toBe(new FileTranslationStore(tmp.path("jit"), "b2").path(a.slice()));
    const other = a.slice();
    other[100]! ^= 1;
    expect(s.path(a)).not.toBe(s.path(other));
  });

  it("give back a value for its own key only, from a whole file", () => {
    const s = new FileTranslationStore(tmp.path("jit"), "b1");
    const key = bytes(4200, 3);
    const value = bytes(9000, 5);
    expect(s.get(key)).toBeUndefined();
    s.put(key, value);
    expect(Buffer.from(s.get(key)!)).toEqual(Buffer.from(value));
    expect(readdirSync(tmp.path("jit"))).toEqual([s.path(key).split("/").pop()]);
    const file = readFileSync(s.path(key));
    // another key's file under this key's name (as after a digest collision): a miss
    const other = bytes(4200, 7);
    writeFileSync(s.path(key), encodeEntry(other, value));
    expect(s.get(key)).toBeUndefined();
    // truncated, one byte more, garbage, empty: misses
    writeFileSync(s.path(key), file.subarray(0, file.length - 1));
    expect(s.get(key)).toBeUndefined();
    writeFileSync(s.path(key), Buffer.concat([file, Buffer.of(0)]));
    expect(s.get(key)).toBeUndefined();
    writeFileSync(s.path(key), "garbage".repeat(1000));
    expect(s.get(key)).toBeUndefined();
    writeFileSync(s.path(key), "");
    expect(s.get(key)).toBeUndefined();
    // a bit of the key changed in the file: a miss
    const flipped = Buffer.from(file);
    flipped[100]! ^= 1;
    writeFileSync(s.path(key), flipped);
    expect(s.get(key)).toBeUndefined();
    s.put(key, value); // rewritten
    expect(Buffer.from(s.get(key)!)).toEqual(Buffer.from(value));
  });

  it("decodeEntry reads what encodeEntry wrote, for that key", () => {
    const key = bytes(10, 1);
    const file = new Uint8Array(encodeEntry(key, bytes(33, 2)));
    expect(Buffer.from(decodeEntry(file, key)!)).toEqual(Buffer.from(bytes(33, 2)));
    expect(decodeEntry(file, bytes(10, 2))).toBeUndefined();
    expect(decodeEntry(file, bytes(11, 1))).toBeUndefined();
    expect(decodeEntry(file.subarray(0, 10), key)).toBeUndefined();
  });

  it("stay within their bound, the least recently used going first; a hit makes a file recent", () => {
    const dir = tmp.path("jit");
    const s = new FileTranslationStore(dir, "b1", 130_000);
    const keys = Array.from({ length: 8 }, (_, i) => bytes(100, i + 1));
    keys.slice(0, 4).forEach((k, i) => {
      s.put(k, bytes(20_000, 3));
      const t = new Date(Date.now() - (10 - i) * 60_000); // older first
      utimesSync(s.path(k), t, t);
    });
    expect(s.get(keys[0]!)).toBeDefined(); // the oldest, used now
    for (const k of keys.slice(4)) s.put(k, bytes(20_000, 3)); // 161 KB: over the bound
    const size = readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
    expect(size).toBeLessThanOrEqual(130_000);
    expect(s.get(keys[0]!)).toBeDefined();
    expect(s.get(keys[1]!)).toBeUndefined();
    expect(s.get(keys[7]!)).toBeDefined();
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("pruning removes leftover temporary files too and ignores other files", () => {
    const dir = tmp.path("jit");
    mkdirSync(dir);
    writeFileSync(join(dir, "a.tc.123.0.tmp"), bytes(1000, 1));
    writeFileSync(join(dir, "notes.txt"), "mine");
    expect(pruneTranslations(dir, 0)).toBe(0);
    expect(readdirSync(dir)).toEqual(["notes.txt"]);
    expect(pruneTranslations(tmp.path("none"), 0)).toBe(0);
  });

  it("a directory that cannot be written is no error: every lookup misses", () => {
    writeFileSync(tmp.path("file"), "a file where the directory should be");
    const s = new FileTranslationStore(join(tmp.path("file"), "jit"), "b1");
    s.put(bytes(10, 1), bytes(10, 2));
    expect(s.get(bytes(10, 1))).toBeUndefined();
  });

  it("live under the cache directory bin/mmlab.js names, for its build; none without either", () => {
    expect(translationStore({ dir: "/c", build: "0123" })).toMatchObject({
      dir: `/c/${TCACHE_SUBDIR}`,
      build: "0123",
    });
    expect(translationStore({ dir: null, build: "0123" })).toBeNull();
    expect(translationStore({ dir: "/c", build: null })).toBeNull();
  });
});

describe("mmlab run with the translation cache, as bin/mmlab.js runs it", () => {
  const bundle = join(ROOT, "out/test-bin", `tcache-${process.pid}`);
  beforeAll(async () => {
    mkdirSync(bundle, { recursive: true });
    await buildBundle(bundle);
    // what bin/mmlab.js does with dist/bundle
    writeFileSync(
      join(bundle, "run.js"),
      'require("./start.js").runCached(require("node:path").join(__dirname, "mmlab.js")).then((c) => { process.exitCode = c; });\n',
    );
  }, 120_000);
  afterAll(() => rmSync(bundle, { recursive: true, force: true }));

  /** `mmlab ARGS` through start.js's runCached, with `env` added. */
  const mmlab = (env: Record<string, string>, ...args: string[]) => {
    const r = spawnSync(process.execPath, [join(bundle, "run.js"), ...args], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, ...env },
      maxBuffer: 1 << 26,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  /** The --stats=json report of `stderr`, wall time, MIPS and translation time aside. */
  const report = (stderr: string): Record<string, unknown> => {
    const stats = JSON.parse(stderr.trimEnd().split("\n").pop()!) as Record<string, unknown>;
    delete stats.wallSeconds;
    delete stats.mips;
    const jit = stats.jit as Record<string, unknown>;
    expect(jit.regions).toBeGreaterThan(0);
    delete jit.translateMs;
    for (const h of stats.harts as Record<string, unknown>[]) {
      delete h.wallSeconds;
      delete h.mips;
    }
    return stats;
  };
  /** What of report `r`'s jit figures depends on when its regions were made (how much ran in
   *  them), taken out of `r`. */
  const inRegions = (r: Record<string, unknown>): { executed: number } => {
    const jit = r.jit as Record<string, number>;
    const out = {
      executed: jit.executed!,
      chained: jit.chained,
      chainedWasm: jit.chainedWasm,
      share: jit.share,
    };
    for (const k of Object.keys(out)) delete jit[k];
    return out;
  };
  /** The files of the translation cache under `dir` with their inode numbers. */
  const files = (dir: string): Map<string, number> => {
    const jit = join(dir, TCACHE_SUBDIR);
    const names = readdirSync(jit, { withFileTypes: true }).filter((e) => e.isFile());
    return new Map(names.map((e) => [e.name, statSync(join(jit, e.name)).ino]));
  };
  const ARGS = [
    "run",
    "--stats=json",
    "--jit-hot",
    "8",
    "--max-insns",
    "2M",
    "guests/bin/bench_coremark.glibc.elf",
  ];

  it("a second run takes its regions from the cache: the same output and report, no file written", () => {
    const dir = tmp.path("cache");
    const cold = mmlab({ MMLAB_CACHE_DIR: dir }, ...ARGS);
    expect(report(cold.stderr)).toHaveProperty("jit");
    const written = files(dir);
    expect(written.size).toBeGreaterThan(0);
    const warm = mmlab({ MMLAB_CACHE_DIR: dir }, ...ARGS);
    expect(warm.status).toBe(cold.status);
    expect(warm.stdout).toBe(cold.stdout);
    // the same run and the same regions; more of it in them (made sooner: the start record)
    const [w, c] = [report(warm.stderr), report(cold.stderr)];
    const [wj, cj] = [inRegions(w), inRegions(c)];
    expect(w).toEqual(c);
    expect(wj.executed).toBeGreaterThan(cj.executed);
    expect(files(dir)).toEqual(written); // the same files: none rewritten
    const off = mmlab(
      { MMLAB_CACHE_DIR: tmp.path("other") },
      ...ARGS.slice(0, 1),
      "--no-jit-cache",
      ...ARGS.slice(1),
    );
    expect(report(off.stderr)).toEqual(report(cold.stderr));
  }, 120_000);

  it("a damaged file is translated again and rewritten: the same report", () => {
    const dir = tmp.path("cache");
    const cold = mmlab({ MMLAB_CACHE_DIR: dir }, ...ARGS);
    const written = files(dir);
    for (const name of written.keys()) {
      const path = join(dir, TCACHE_SUBDIR, name);
      const b = readFileSync(path);
      b[b.length - 20]! ^= 1; // in the value
      writeFileSync(path, b);
    }
    const again = mmlab({ MMLAB_CACHE_DIR: dir }, ...ARGS);
    expect(again.stdout).toBe(cold.stdout);
    expect(report(again.stderr)).toEqual(report(cold.stderr));
    const now = files(dir);
    expect([...now.keys()].sort()).toEqual([...written.keys()].sort());
    for (const [name, ino] of now) expect(ino).not.toBe(written.get(name)); // each rewritten
  }, 120_000);

  it("--no-jit-cache and MMLAB_CACHE_DIR= keep no file", () => {
    const xdg = tmp.path("xdg");
    mmlab(
      { MMLAB_CACHE_DIR: tmp.path("cache") },
      "run",
      "--no-jit-cache",
      "--jit-hot",
      "8",
      "--max-insns",
      "1M",
      "guests/bin/bench_sort.glibc.elf",
    );
    expect(readdirSync(tmp.path("cache"))).not.toContain(TCACHE_SUBDIR);
    mmlab(
      { MMLAB_CACHE_DIR: "", XDG_CACHE_HOME: xdg },
      "run",
      "--jit-hot",
      "8",
      "--max-insns",
      "1M",
      "guests/bin/bench_sort.glibc.elf",
    );
    expect(() => readdirSync(xdg)).toThrow();
  }, 120_000);
});
