// The code cache bin/mmlab.js loads the bundle through (src/cli/code-cache.ts): chunks compile
// from V8's cached data once it was written, and a stale, damaged or foreign cache file is
// ignored (the chunk compiles from source, runs the same) and rewritten.

import { spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { crc32 } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  BUILD_ID_NAME,
  CachedLoader,
  CHUNKS_NAME,
  cacheDir,
  cacheKey,
  cacheWork,
  callsImport,
  decodeCache,
  decodeText,
  digest,
  encodeCache,
  GROW_FACTOR,
  MAX_CACHE_FILES,
  readBuildId,
  readChunkMap,
  readScratch,
} from "../../src/cli/code-cache.js";

const ROOT = resolve(import.meta.dirname, "../..");
/** The work a test's process says it did when it saves (CachedLoader.save). */
const WORK = 1000;

describe("digest", () => {
  it("depends on every byte and on the length", () => {
    const a = Buffer.from("the quick brown fox jumps over the lazy dog");
    const b = Buffer.from(a);
    b[17]! ^= 1;
    expect(digest(a).equals(digest(Buffer.from(a)))).toBe(true);
    expect(digest(a).equals(digest(b))).toBe(false);
    expect(digest(Buffer.alloc(8)).equals(digest(Buffer.alloc(16)))).toBe(false);
    expect(digest(a.subarray(1)).equals(digest(a.subarray(0, a.length - 1)))).toBe(false);
  });

  it("is zlib's CRC-32 and the length, little-endian (the binding gives node:zlib's values)", () => {
    const a = Buffer.from("the quick brown fox jumps over the lazy dog");
    const d = digest(a);
    expect(d.readUInt32LE(0)).toBe(crc32(a));
    expect(d.readUInt32LE(4)).toBe(a.length);
    expect(digest(a.subarray(4, 20)).readUInt32LE(0)).toBe(crc32(a.subarray(4, 20)));
  });

  it("takes data larger than its first memory page", () => {
    const big = Buffer.alloc(200_000, 7);
    const other = Buffer.from(big);
    other[199_999] = 8;
    expect(digest(big).equals(digest(other))).toBe(false);
  });
});

describe("callsImport", () => {
  it("finds import( where /\\bimport\\(/ does, in the bytes", () => {
    const cases = [
      "import(`vega`)",
      "x=import(`vega`)",
      "reimport(x)",
      "_import(x)",
      "$import(x)",
      "a.import(x)",
      "é import(x)",
      "éimport(x)",
      "9import(x)",
      "import",
      "no such call",
      "reimport(x);then(()=>import(y))",
    ];
    for (const c of cases)
      expect([c, callsImport(Buffer.from(c, "utf8"))]).toEqual([c, /\bimport\(/.test(c)]);
  });
});

describe("decodeText", () => {
  it("gives the UTF-8 text, ASCII or not", () => {
    for (const t of ["plain ASCII text\n", "caf\u00e9 \u2192 \u{1F600}", ""]) {
      expect(decodeText(Buffer.from(t, "utf8"))).toBe(t);
    }
  });
});

describe("readScratch", () => {
  it("reads whole files of any size into the reused buffer, up to their end", () => {
    const dir = mkdtempSync(join(tmpdir(), "mmlab-scratch-"));
    try {
      for (const size of [0, 10, (1 << 20) - 1, 1 << 20, (1 << 20) + 5, 3 << 20, 17]) {
        const bytes = Buffer.from(Array.from({ length: size }, (_, i) => (i * 7 + size) & 0xff));
        const path = join(dir, `f${size}`);
        writeFileSync(path, bytes);
        expect(Buffer.from(readScratch(path)!).equals(bytes)).toBe(true);
      }
      expect(readScratch(join(dir, "none"))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("cache files", () => {
  const key = Buffer.from("v20.0.0 x64 1234 5678".padEnd(64), "latin1");
  const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => i & 0xff));

  it("give back V8's data for the key they were made for", () => {
    expect(Buffer.from(decodeCache(encodeCache(key, data), key)!)).toEqual(data);
  });

  it("are ignored when made for another key (another chunk, Node or architecture)", () => {
    const other = Buffer.from("v22.0.0 x64 1234 5678".padEnd(64), "latin1");
    expect(decodeCache(encodeCache(other, data), key)).toBeUndefined();
  });

  it("are ignored when damaged: a flipped payload byte, truncated, or not a cache file", () => {
    const file = encodeCache(key, data);
    const flipped = Buffer.from(file);
    flipped[file.length - 500]! ^= 0x40;
    expect(decodeCache(flipped, key)).toBeUndefined();
    expect(decodeCache(file.subarray(0, file.length - 1), key)).toBeUndefined();
    expect(decodeCache(file.subarray(0, 40), key)).toBeUndefined();
    expect(decodeCache(Buffer.from("#!/usr/bin/env node\n".repeat(20)), key)).toBeUndefined();
  });

  it("are keyed by a hashed chunk's name (rolldown's content hash), else by a digest of the text", () => {
    const a = Buffer.from("exports.a = 1;");
    const b = Buffer.from("exports.a = 2;");
    const same = (x: Buffer, y: Buffer): boolean => x.equals(y);
    expect(same(cacheKey(a, "session-CrcKQ0WE.js"), cacheKey(b, "session-CrcKQ0WE.js"))).toBe(true);
    expect(same(cacheKey(a, "session-CrcKQ0WE.js"), cacheKey(a, "session-Xrc0Q0WE.js"))).toBe(false);
    expect(same(cacheKey(a, "mmlab.js"), cacheKey(b, "mmlab.js"))).toBe(false);
    expect(same(cacheKey(a, "lib-abc.js"), cacheKey(b, "lib-abc.js"))).toBe(false);
    expect(cacheKey(a, "session-CrcKQ0WE.js").toString("latin1")).toContain(
      `${process.version} ${process.arch}`,
    );
  });

  it("live in $MMLAB_CACHE_DIR, else the XDG cache directory; an empty MMLAB_CACHE_DIR turns them off", () => {
    expect(cacheDir({ MMLAB_CACHE_DIR: "/x/y" })).toBe("/x/y");
    expect(cacheDir({ MMLAB_CACHE_DIR: "" })).toBeNull();
    expect(cacheDir({ XDG_CACHE_HOME: "/c" })).toBe("/c/mmlab");
  });
});

describe("CachedLoader", () => {
  let dir = "";
  let cache = "";
  let main = "";

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "mmlab-code-cache-"));
    cache = join(dir, "cache");
    mkdirSync(join(dir, "chunks"));
    main = join(dir, "chunks/main.js");
    writeFileSync(main, 'const { twice } = require("./lib-abc.js");\nexports.answer = () => twice(21);\n');
    writeFileSync(join(dir, "chunks/lib-abc.js"), "exports.twice = (n) => n * 2;\n");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Load main.js with a fresh loader (as a new process would); its report and result. Saved
   *  with a fixed work: no file is serialized again for having been written by a shorter run. */
  function run(): { hits: string[]; misses: string[]; answer: number; written: number } {
    const loader = new CachedLoader(cache);
    const answer = (loader.load(main) as { answer: () => number }).answer();
    return { ...loader.report, answer, written: loader.save(WORK) };
  }

  it("compiles from source the first time, writes the cache, and compiles from it after", () => {
    expect(run()).toEqual({ hits: [], misses: ["main.js", "lib-abc.js"], answer: 42, written: 2 });
    expect(run()).toEqual({ hits: ["main.js", "lib-abc.js"], misses: [], answer: 42, written: 0 });
  });

  it("compiles generated code with the cache too, as new Function would", () => {
    const body = "const k = 3;\nreturn function triple(n) { return k * n; };";
    const make = (): { loader: CachedLoader; f: (n: number) => number } => {
      const loader = new CachedLoader(cache);
      const factory = loader.compileGenerated("test-variant", "env", () => body) as (
        env: unknown,
      ) => (n: number) => number;
      return { loader, f: factory(null) };
    };
    const first = make();
    expect(first.f(14)).toBe(42);
    expect(first.loader.report.misses).toEqual([expect.stringMatching(/^gen-test-variant-[0-9a-f]{8}\.js$/)]);
    expect(first.loader.save(WORK)).toBe(1);
    const second = make();
    expect(second.f(14)).toBe(42);
    expect(second.loader.report.hits).toEqual(first.loader.report.misses);
    expect(new Function("env", body)(null)(14)).toBe(42);
  });

  it("keeps generated code's text under the build's identity: the next process does not make it", () => {
    const body = "const k = 3;\nreturn function triple(n) { return k * n; };";
    const make = (build: string, made: string[]): { loader: CachedLoader; f: (n: number) => number } => {
      const loader = new CachedLoader(cache);
      loader.buildId = build;
      const factory = loader.compileGenerated("test-variant", "env", () => {
        made.push(build);
        return body;
      }) as (env: unknown) => (n: number) => number;
      return { loader, f: factory(null) };
    };
    const made: string[] = [];
    const first = make("0123456789abcdef", made);
    expect(first.f(14)).toBe(42);
    expect(first.loader.report.misses).toEqual(["gen-test-variant-0123456789abcdef.js"]);
    expect(first.loader.save(WORK)).toBe(1);
    const second = make("0123456789abcdef", made);
    expect(second.f(14)).toBe(42);
    expect(second.loader.report.hits).toEqual(["gen-test-variant-0123456789abcdef.js"]);
    expect(made).toEqual(["0123456789abcdef"]); // made once, by the first process
    // another build makes its own text; a damaged file is made again and rewritten
    expect(make("fedcba9876543210", made).f(2)).toBe(6);
    expect(made).toEqual(["0123456789abcdef", "fedcba9876543210"]);
    const file = join(cache, "gen-test-variant-0123456789abcdef.js.v8");
    const bytes = readFileSync(file);
    bytes[bytes.length - 200]! ^= 0x10; // in the text or V8's data: the digest tells
    writeFileSync(file, bytes);
    const third = make("0123456789abcdef", made);
    expect(third.f(1)).toBe(3);
    expect(third.loader.report.misses).toEqual(["gen-test-variant-0123456789abcdef.js"]);
    expect(third.loader.save(WORK)).toBe(1);
    expect(make("0123456789abcdef", made).loader.report.hits).toHaveLength(1);
    expect(made).toHaveLength(3);
  });

  it("writes no chunk's file in a process that made generated code's text: the next one does", () => {
    const body = "return function triple(n) { return 3 * n; };";
    const made: number[] = [];
    const make = (): { loader: CachedLoader; result: number } => {
      const loader = new CachedLoader(cache);
      loader.buildId = "0123456789abcdef";
      const answer = (loader.load(main) as { answer: () => number }).answer();
      const factory = loader.compileGenerated("test-variant", "env", () => {
        made.push(made.length);
        return body;
      }) as (env: unknown) => (n: number) => number;
      return { loader, result: factory(null)(answer) };
    };
    const first = make();
    expect(first.result).toBe(126);
    // the generator ran: only the generated code's file is written, not main.js's nor lib-abc.js's
    expect(first.loader.save(WORK)).toBe(1);
    const second = make();
    expect(second.loader.report).toEqual({
      hits: ["gen-test-variant-0123456789abcdef.js"],
      misses: ["main.js", "lib-abc.js"],
    });
    expect(second.loader.save(WORK)).toBe(2);
    const third = make();
    expect(third.loader.report.misses).toEqual([]);
    expect(third.loader.save(WORK)).toBe(0);
    expect(made).toEqual([0]);
  });

  it("reads a build's identity from the bundle directory, null where there is none or it is not one", () => {
    expect(readBuildId(dir)).toBeNull();
    writeFileSync(join(dir, BUILD_ID_NAME), "0123456789abcdef\n");
    expect(readBuildId(dir)).toBe("0123456789abcdef");
    writeFileSync(join(dir, BUILD_ID_NAME), "not an id\n");
    expect(readBuildId(dir)).toBeNull();
  });

  it("reads the bundle's chunk map, empty where there is none or it is not one", () => {
    expect(readChunkMap(dir).size).toBe(0);
    writeFileSync(join(dir, CHUNKS_NAME), '{"src/cpu/jit/index.ts":"jit-AbCd1234.js","x":3}\n');
    expect([...readChunkMap(dir)]).toEqual([["src/cpu/jit/index.ts", "jit-AbCd1234.js"]]);
    for (const bad of ["not json", "null", "[1]"]) {
      writeFileSync(join(dir, CHUNKS_NAME), bad);
      expect(readChunkMap(dir).size).toBe(0);
    }
  });

  it("keeps at most MAX_CACHE_FILES files, the least recently written going first", () => {
    mkdirSync(cache, { recursive: true });
    for (let i = 0; i < MAX_CACHE_FILES + 5; i++) {
      const f = join(cache, `old-${i}.js.v8`);
      writeFileSync(f, "x");
      const t = new Date(Date.now() - (1000 + i) * 1000); // old-0 the newest of them
      utimesSync(f, t, t);
    }
    writeFileSync(join(cache, "dead.js.v8.123.tmp"), "x");
    utimesSync(join(cache, "dead.js.v8.123.tmp"), new Date(0), new Date(0));
    expect(run().written).toBe(2);
    const left = readdirSync(cache);
    expect(left.length).toBe(MAX_CACHE_FILES);
    expect(left).toContain("main.js.v8");
    expect(left).toContain("lib-abc.js.v8");
    expect(left).toContain("old-0.js.v8");
    expect(left).not.toContain(`old-${MAX_CACHE_FILES - 2}.js.v8`);
    expect(left).not.toContain("dead.js.v8.123.tmp");
    expect(run()).toMatchObject({ hits: ["main.js", "lib-abc.js"], written: 0 });
  });

  it("ignores and rewrites the cache of a chunk changed since (stale)", () => {
    run();
    writeFileSync(join(dir, "chunks/lib-abc.js"), "exports.twice = (n) => n * 3;\n");
    const later = new Date(Date.now() + 5000);
    utimesSync(join(dir, "chunks/lib-abc.js"), later, later);
    expect(run()).toEqual({ hits: ["main.js"], misses: ["lib-abc.js"], answer: 63, written: 1 });
    expect(run()).toEqual({ hits: ["main.js", "lib-abc.js"], misses: [], answer: 63, written: 0 });
  });

  it("ignores and rewrites a damaged cache file", () => {
    run();
    const file = join(cache, "main.js.v8");
    const bytes = readFileSync(file);
    bytes[bytes.length - 3]! ^= 0xff;
    writeFileSync(file, bytes);
    expect(run()).toEqual({ hits: ["lib-abc.js"], misses: ["main.js"], answer: 42, written: 1 });
    writeFileSync(file, "garbage");
    expect(run()).toEqual({ hits: ["lib-abc.js"], misses: ["main.js"], answer: 42, written: 1 });
    expect(run().misses).toEqual([]);
  });

  it("reads chunks larger than its first buffer, and throws as require would for a missing one", () => {
    const big = `exports.n = ${"1 + ".repeat(400_000)}1;\n`; // 1.6 MB: the read buffer grows
    writeFileSync(join(dir, "chunks/big.js"), big);
    writeFileSync(main, 'exports.answer = () => require("./big.js").n;\n');
    expect(run()).toMatchObject({ answer: 400_001, misses: ["main.js", "big.js"] });
    expect(run()).toMatchObject({ answer: 400_001, hits: ["main.js", "big.js"] });
    expect(() => new CachedLoader(cache).load(join(dir, "chunks/none.js"))).toThrow(/ENOENT/);
  });

  it("runs without a cache directory (turned off) and without one it can write", () => {
    const off = new CachedLoader(null);
    expect((off.load(main) as { answer: () => number }).answer()).toBe(42);
    expect(off.save()).toBe(0);
    writeFileSync(cache, "a file where the directory should be");
    expect(run()).toEqual({ hits: [], misses: ["main.js", "lib-abc.js"], answer: 42, written: 0 });
  });

  it("lets a chunk import() a module (vega, yaml) through Node's loader, run after run, without a warning", () => {
    // In a Node process of its own, twice (the second run would find a code cache): vitest's
    // own module loader hides what plain Node does with import() in a vm.Script.
    writeFileSync(join(dir, "chunks/lazy.js"), 'exports.os = () => import("node:os");\n');
    const probe = join(dir, "probe.ts");
    writeFileSync(
      probe,
      `import { CachedLoader } from ${JSON.stringify(join(ROOT, "src/cli/code-cache.ts"))};\n` +
        `const c = new CachedLoader(${JSON.stringify(cache)});\n` +
        `const lazy = c.load(${JSON.stringify(join(dir, "chunks/lazy.js"))}) as { os: () => Promise<{ arch: () => string }> };\n` +
        "const os = await lazy.os();\nc.save();\nconsole.log(os.arch());\n",
    );
    for (let run = 0; run < 2; run++) {
      const r = spawnSync(process.execPath, ["--import", join(ROOT, "test/helpers/ts-loader.mjs"), probe], {
        encoding: "utf8",
      });
      expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
        status: 0,
        stdout: `${process.arch}\n`,
        stderr: "",
      });
    }
  });

  it("keys a chunk by this Node, this architecture and its text, not its file's times", () => {
    const key = (): string => cacheKey(readFileSync(main)).toString("latin1").trimEnd();
    const first = key();
    expect(first.split(" ").slice(0, 2)).toEqual([process.version, process.arch]);
    const later = new Date(Date.now() + 60_000);
    utimesSync(main, later, later); // another checkout of the same build
    expect(key()).toBe(first);
    writeFileSync(main, `${readFileSync(main, "utf8")}\n`);
    expect(key()).not.toBe(first);
  });

  it("serializes a chunk again after a longer run than its file's writer, rewriting it if it grew", () => {
    writeFileSync(
      main,
      'const { twice } = require("./lib-abc.js");\nexports.answer = () => twice(21);\n' +
        'exports.more = (n) => { const parts = []; for (let i = 0; i < n; i++) parts.push(i + ":" + i * i); return parts.join(); };\n',
    );
    const file = join(cache, "main.js.v8");
    const session = (work: number, more: boolean): { written: number; hits: string[] } => {
      const loader = new CachedLoader(cache);
      const m = loader.load(main) as { answer: () => number; more: (n: number) => string };
      expect(m.answer()).toBe(42);
      if (more) expect(m.more(3)).toBe("0:0,1:1,2:4");
      return { written: loader.save(work), hits: loader.report.hits };
    };
    expect(session(1000, false).written).toBe(2); // the files, without more()
    const small = readFileSync(file);
    expect(cacheWork(small)).toBe(1000);
    // not GROW_FACTOR times longer: nothing serialized, though more() ran
    expect(session(1000 * GROW_FACTOR, true)).toEqual({ written: 0, hits: ["main.js", "lib-abc.js"] });
    expect(readFileSync(file).equals(small)).toBe(true);
    // longer: main.js has more compiled now (more()), its file is rewritten; lib-abc.js's is not
    expect(session(2000, true)).toEqual({ written: 1, hits: ["main.js", "lib-abc.js"] });
    const grown = readFileSync(file);
    expect(grown.length).toBeGreaterThan(small.length);
    expect(cacheWork(grown)).toBe(2000);
    expect(session(2400, true).written).toBe(0);
    // longer still, nothing new compiled: only the work in the header is rewritten
    expect(session(5000, false).written).toBe(0);
    const after = readFileSync(file);
    expect(cacheWork(after)).toBe(5000);
    expect(after.subarray(0, 88).equals(grown.subarray(0, 88))).toBe(true); // magic, key, digest
    expect(after.subarray(96).equals(grown.subarray(96))).toBe(true); // V8's data
    expect(cacheWork(readFileSync(join(cache, "lib-abc.js.v8")))).toBe(5000);
    expect(session(6000, true).hits).toEqual(["main.js", "lib-abc.js"]);
  });

  it("serializes generated code again after a longer run, keeping its text", () => {
    const body =
      "return { triple(n) { return 3 * n; }, list(n) { const o = []; for (let i = 0; i < n; i++) o.push(i * 3); return o.join(); } };";
    const made: number[] = [];
    const make = (work: number, list: boolean): number => {
      const loader = new CachedLoader(cache);
      loader.buildId = "0123456789abcdef";
      const o = loader.compileGenerated("test-variant", "env", () => {
        made.push(work);
        return body;
      }) as (env: unknown) => { triple: (n: number) => number; list: (n: number) => string };
      const v = o(null);
      expect(v.triple(14)).toBe(42);
      if (list) expect(v.list(3)).toBe("0,3,6");
      return loader.save(work);
    };
    const file = join(cache, "gen-test-variant-0123456789abcdef.js.v8");
    expect(make(1000, false)).toBe(1);
    const small = readFileSync(file).length;
    expect(make(3000, true)).toBe(1);
    expect(readFileSync(file).length).toBeGreaterThan(small);
    expect(make(3000, true)).toBe(0);
    expect(made).toEqual([1000]); // the text was made once, and kept in the rewritten file
  });

  it("shares the cache between two copies of the same chunks (worktrees of one build)", () => {
    run();
    const copy = join(dir, "copy");
    mkdirSync(copy);
    for (const f of ["main.js", "lib-abc.js"])
      writeFileSync(join(copy, f), readFileSync(join(dir, "chunks", f)));
    const loader = new CachedLoader(cache);
    (loader.load(join(copy, "main.js")) as { answer: () => number }).answer();
    expect(loader.report).toEqual({ hits: ["main.js", "lib-abc.js"], misses: [] });
  });
});
