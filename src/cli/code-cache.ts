// Start-up (issue 12 Part 1): bin/mmlab.js loads the bundle's CommonJS chunks (scripts/bundle.ts)
// through loadCached(), which compiles each chunk with V8's code cache instead of from source.
//
// Why: compiling the ~550 KB of JavaScript that `mmlab run` loads was the largest single cost of a
// short command (about 50 ms of CPU for a no-libc hello world, against 120 ms for `node -e 0`).
// Node 20 has no compile cache of its own (module.enableCompileCache() is Node 22), but
// vm.Script takes V8's cached data, and a script's createCachedData() taken after the command
// has run also holds the functions compiled lazily while it ran.
//
// The cache lives in a user cache directory ($MMLAB_CACHE_DIR, else $XDG_CACHE_HOME/mmlab or
// ~/.cache/mmlab; MMLAB_CACHE_DIR="" turns it off), one file per chunk, written on the first run
// of a command that loads the chunk and reused after. A file is used only when its header says it
// was made for this chunk's text (its name where rolldown put the content's hash in it, else a
// digest of the text) by this Node and architecture and its payload's digest matches (a stale or
// damaged file is ignored and rewritten); V8 rejects data made with other flags, and then the
// chunk is compiled from source and the file rewritten too. The generated interpreters
// (src/cpu/interp.ts) are compiled the same way (compileGenerated): one file per variant and build
// (dist/bundle/build-id), holding the variant's text too, so that a process does not make it.

import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { constants, Script } from "node:vm";
import { crc32, tuneV8 } from "./v8-tuning.js";

/** The first bytes of a cache file (format version 3: the digest is CRC-32 and length, and the
 *  header holds the writer's work). */
const MAGIC = Buffer.from("mmlab-v8-cache-3", "latin1");
/** Room for the key in the header: ASCII, padded with spaces. */
const KEY_BYTES = 64;
/** Where the header holds the work of the process that wrote the file (processWork(), a float64
 *  little-endian), after the payload's digest. Not covered by the digest: it only decides when a
 *  later process serializes the chunk again (CachedLoader.save), and is rewritten in place. */
const WORK_AT = MAGIC.length + KEY_BYTES + 8;
/** Header: magic, key, the payload's digest (8 bytes: digest()), the writer's work (8 bytes); the
 *  payload starts 8-aligned. */
const HEADER_BYTES = WORK_AT + 8;
/** A process whose work is more than this many times the work of the process that wrote a cache
 *  file it used serializes that chunk again at its end (CachedLoader.save). */
export const GROW_FACTOR = 1.25;

/** A digest of `bytes`, as 8 bytes: their CRC-32 and their length (modulo 2^32), each 32-bit
 *  little-endian. Not cryptographic: it tells a damaged file, not a forged one. */
export function digest(bytes: Uint8Array): Buffer {
  const out = Buffer.alloc(8);
  out.writeUInt32LE(crc32(bytes) >>> 0, 0);
  out.writeUInt32LE(bytes.length >>> 0, 4);
  return out;
}

/** A buffer reused by the reads of one process, so that its pages are touched once for all the
 *  files read into it (a fresh buffer per file was a page fault per 4 KiB each time; about
 *  14 µs each on the development VM). */
class Scratch {
  private buf: Buffer | null = null;

  /** The buffer, with room for at least `bytes`, its first `keep` bytes kept when it grows. */
  take(bytes: number, keep = 0): Buffer {
    // Untouched pages of a large allocation cost nothing (malloc maps them), so the first is
    // roomy: every cache file and chunk of a build fits one MiB.
    if (this.buf === null || this.buf.length < bytes) {
      const old = this.buf;
      this.buf = Buffer.allocUnsafeSlow(Math.max(bytes, 2 * (old?.length ?? 0), 1 << 20));
      if (old !== null && keep > 0) old.copy(this.buf, 0, 0, keep);
    }
    return this.buf;
  }
}

/** Where chunks' texts and cache files are read: a chunk's text is decoded (and its key made)
 *  before its cache file is read over it, so one buffer serves both (two touched ~90 pages more
 *  at each start-up). */
const scratch = new Scratch();

/** The whole file at `path` read into `scratch` after `before` bytes (left as they are) and
 *  with room for `after` more: the view of all of them, valid until the scratch's next use, or
 *  undefined when the file cannot be read. Read up to its end without asking its size first:
 *  an fstat made a Stats object (with its dates) for each of the ~40 files a command reads. */
function readInto(path: string, before = 0, after = 0): Buffer | undefined {
  let fd = -1;
  try {
    fd = openSync(path, "r");
    let mem = scratch.take(before + after + 1);
    let n = 0;
    for (;;) {
      if (before + n + after === mem.length) mem = scratch.take(mem.length + 1, before + n);
      const got = readSync(fd, mem, before + n, mem.length - after - before - n, n);
      if (got === 0) break;
      n += got;
    }
    return mem.subarray(0, before + n + after);
  } catch {
    return undefined;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** The whole file at `path` (a cache file), read into the scratch buffer (valid until the next
 *  read), or undefined when it cannot be read. */
export function readScratch(path: string): Uint8Array | undefined {
  return readInto(path);
}

/** A chunk file named by rolldown with the hash of its content (scripts/bundle.ts:
 *  "[name]-[hash].js", 8 characters of hash). */
const HASHED_NAME = /^[\w.-]+-[\w-]{8}\.js$/;

/** What a cache file must have been made for: this Node (and so its V8), this architecture and
 *  the chunk's text, as the header's padded ASCII. The text, not the file's modification time:
 *  two checkouts of the same build (worktrees, several users of one cache directory) share the
 *  files instead of rewriting them in turn. A chunk whose name carries its content's hash
 *  (`name`, HASHED_NAME) is known by that name; the others (the entries mmlab.js, start.js,
 *  worker.js: a few KB) by a digest of their text: digesting every chunk's ~600 KB at each
 *  start-up cost about 3 ms of CPU (9 ms under load). */
export function cacheKey(source: Uint8Array, name = ""): Buffer {
  const id = `${process.version} ${process.arch} `;
  const key =
    HASHED_NAME.test(name) && id.length + name.length <= KEY_BYTES
      ? `${id}${name}`
      : `${id}${digest(source).toString("hex")}`;
  return Buffer.from(key.slice(0, KEY_BYTES).padEnd(KEY_BYTES), "latin1");
}

/** A cache file's bytes: the header (magic, key, payload digest, the writer's `work`) and V8's
 *  data. */
export function encodeCache(key: Buffer, data: Uint8Array, work = 0): Buffer {
  return Buffer.concat([MAGIC, key, digest(data), workBytes(work), data]);
}

/** The writer's `work` as the header holds it at WORK_AT: a float64, little-endian. */
function workBytes(work: number): Buffer {
  const w = Buffer.alloc(8);
  w.writeDoubleLE(work, 0);
  return w;
}

/** The work of the process that wrote the cache file `bytes` (decodeCache accepted them). */
export function cacheWork(bytes: Uint8Array): number {
  return Buffer.from(bytes.buffer, bytes.byteOffset + WORK_AT, 8).readDoubleLE(0);
}

/** How much this process has done so far: its CPU time (user and system, all threads) in
 *  microseconds. A command that ran longer than the one that wrote a chunk's cache file likely ran
 *  functions that file does not hold (CachedLoader.save). */
export function processWork(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** V8's data from a cache file's bytes, or undefined when they were not made for `key` or are
 *  damaged (wrong magic, other key, truncated, payload digest does not match). V8 itself takes
 *  damaged data without a word (its checksum is checked in debug builds only), hence ours. */
export function decodeCache(bytes: Uint8Array, key: Buffer): Uint8Array | undefined {
  if (bytes.length <= HEADER_BYTES) return undefined;
  const at = (n: number, len: number): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset + n, len);
  if (!at(0, MAGIC.length).equals(MAGIC)) return undefined;
  if (!at(MAGIC.length, KEY_BYTES).equals(key)) return undefined;
  const data = bytes.subarray(HEADER_BYTES);
  return digest(data).equals(at(WORK_AT - 8, 8)) ? data : undefined;
}

/** node:buffer's isAscii (Node >= 19.6; absent: every text is decoded as UTF-8). */
const isAscii = (process.getBuiltinModule("node:buffer") as { isAscii?: (b: Uint8Array) => boolean }).isAscii;

/** The text of UTF-8 `bytes` (a chunk, generated code). ASCII, as every chunk a run loads is, is
 *  copied byte for byte (as Latin-1: the same string): V8's UTF-8 decoder went through the
 *  ~0.5 MB a hello world loads byte by byte, 3-4x the time of the copy (about 4 ms of CPU of a
 *  no-libc hello world's start-up in a perf profile, 1.8 against 6 ms for the session chunk
 *  alone). isAscii is native and looks at a word at a time. */
export function decodeText(bytes: Buffer): string {
  return isAscii?.(bytes) ? bytes.toString("latin1") : bytes.toString("utf8");
}

/** The CommonJS module wrapper around a chunk's text, as Node's (its parameters in the order
 *  Node passes them). */
const WRAP_BEFORE = Buffer.from("(function (exports, require, module, __filename, __dirname) {", "latin1");
const WRAP_AFTER = Buffer.from("\n})", "latin1");

/** The chunk at `file` wrapped as a function expression (`text`), and its bytes (`source`, a
 *  view valid until the next read of a chunk or cache file). Read into a reused buffer between the wrapper's
 *  two halves and decoded once: reading it whole, decoding it, then concatenating the wrapper
 *  made V8 copy the ~0.6 MB of chunks a command loads twice more (a flattened copy at compile),
 *  into fresh pages of its young generation. Throws as readFileSync when it cannot be read. */
function readWrapped(file: string): { text: string; source: Uint8Array } {
  const all = readInto(file, WRAP_BEFORE.length, WRAP_AFTER.length);
  if (all === undefined) {
    const source = readFileSync(file); // the error of a file that cannot be read
    return { text: `${WRAP_BEFORE}${source.toString("utf8")}${WRAP_AFTER}`, source };
  }
  WRAP_BEFORE.copy(all, 0);
  WRAP_AFTER.copy(all, all.length - WRAP_AFTER.length);
  return {
    text: decodeText(all),
    source: all.subarray(WRAP_BEFORE.length, all.length - WRAP_AFTER.length),
  };
}

/** The CommonJS module wrapper's parameters, in the order Node passes them. */
type ModuleFunction = (
  exports: object,
  require: (id: string) => unknown,
  module: { exports: object },
  filename: string,
  dirname: string,
) => void;

/** os.homedir(): $HOME where it is set (libuv looks there first), else from the password
 *  database through node:os, loaded only then (about 0.4 ms of every command's start-up). */
function homeDir(): string {
  return process.env.HOME ?? (process.getBuiltinModule("node:os") as typeof import("node:os")).homedir();
}

/** The cache directory for this environment, or null when the cache is turned off
 *  (MMLAB_CACHE_DIR set to the empty string, or no WebAssembly: node --jitless). */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  if (typeof WebAssembly === "undefined") return null;
  const own = env.MMLAB_CACHE_DIR;
  if (own !== undefined) return own === "" ? null : resolve(own);
  const base = env.XDG_CACHE_HOME || join(homeDir(), ".cache");
  return join(base, "mmlab");
}

/** How the chunks of one process were compiled, for tests and --stats-like reports. */
export interface CacheReport {
  /** Chunks compiled from V8's cached data. */
  hits: string[];
  /** Chunks compiled from source (no usable cache file, or V8 rejected it). */
  misses: string[];
}

/** An import() call in a chunk's source (rolldown writes import(`vega`)). */
const DYNAMIC_IMPORT = Buffer.from("import(", "latin1");

/** Does `source` (a chunk's bytes) call import(), i.e. hold `import(` not preceded by a word
 *  character (as /\bimport\(/ says)? Searched in the bytes by Buffer's native search: the
 *  regular expression over the ~600 KB of chunks a command loads cost about 0.5 ms of CPU. */
export function callsImport(source: Uint8Array): boolean {
  const bytes = Buffer.from(source.buffer, source.byteOffset, source.length);
  for (let at = bytes.indexOf(DYNAMIC_IMPORT); at >= 0; at = bytes.indexOf(DYNAMIC_IMPORT, at + 1)) {
    const before = at > 0 ? bytes[at - 1]! : 0x20;
    const word =
      (before >= 0x30 && before <= 0x39) || // 0-9
      (before >= 0x41 && before <= 0x5a) || // A-Z
      (before >= 0x61 && before <= 0x7a) || // a-z
      before === 0x5f; // _
    if (!word) return true;
  }
  return false;
}

/** Drop the one ExperimentalWarning Node 20 prints at a chunk's first import() through
 *  vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER (how the chunks are loaded is no concern of the
 *  user's); every other warning goes through. Done once. */
function silenceLoaderWarning(): void {
  const emit = process.emitWarning;
  if ((emit as { mmlabQuiet?: true }).mmlabQuiet) return;
  const quiet = (warning: string | Error, ...rest: unknown[]): void => {
    const text = typeof warning === "string" ? warning : warning.message;
    if (text.startsWith("vm.USE_MAIN_CONTEXT_DEFAULT_LOADER is an experimental feature")) return;
    (emit as (w: string | Error, ...r: unknown[]) => void).call(process, warning, ...rest);
  };
  process.emitWarning = Object.assign(quiet, { mmlabQuiet: true as const }) as typeof process.emitWarning;
}

/** A chunk or generated code compiled in this process: its script, its name (`file`), the key of
 *  its cache file and, for generated code, its text (stored in that file). */
interface Compiled {
  script: Script;
  file: string;
  key: Buffer;
  text?: string;
}

/** A Compiled one taken from its cache file: the size of V8's data in that file and the work of
 *  the process that wrote it. */
interface FromCache extends Compiled {
  dataBytes: number;
  work: number;
}

/** Loads the CommonJS chunks of one directory with V8's code cache; save() writes the cache
 *  files of the chunks compiled from source, once the command has run, and those of the chunks
 *  this longer command likely ran more of (GROW_FACTOR). */
export class CachedLoader {
  private readonly modules = new Map<string, { exports: object }>();
  private readonly fresh: Compiled[] = [];
  private readonly cached: FromCache[] = [];
  /** Did this process make generated code's text (a compileStored miss: the generator ran)? */
  private generated = false;
  /** This build's identity (scripts/bundle.ts, BUILD_ID_NAME), or null: generated code is then
   *  known by its text's digest only (compileGenerated). runCached sets it. */
  buildId: string | null = null;
  readonly report: CacheReport = { hits: [], misses: [] };

  constructor(private readonly cache: string | null) {
    silenceLoaderWarning();
  }

  /** The exports of the chunk at `file` (an absolute path), compiled and run on first use; its
   *  relative requires load through this loader, the others through Node's require. */
  load(file: string): object {
    const done = this.modules.get(file);
    if (done) return done.exports;
    const { text, source } = readWrapped(file);
    // A chunk that calls import() (vega, vega-lite, yaml) is compiled from source each time:
    // Node 20 loses the import() callback of a script compiled from cached data
    // (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING on the second run). Only the experiments' chunk
    // has one.
    const key = this.cache === null || callsImport(source) ? null : cacheKey(source, basename(file));
    const script = this.compile(file, text, key);
    const module = { exports: {} };
    this.modules.set(file, module);
    const dir = dirname(file);
    let nodeRequire: ((id: string) => unknown) | null = null;
    // Node's modules as they are (node:fs...); packages through a require of the chunk's own,
    // made when first needed (node:module loads Node's ES module loader, ~1 ms).
    const require = (id: string): unknown => {
      if (id.startsWith("./") || id.startsWith("../")) return this.load(join(dir, id));
      const builtin = process.getBuiltinModule(id);
      if (builtin !== undefined) return builtin;
      nodeRequire ??= process.getBuiltinModule("node:module").createRequire(file);
      return nodeRequire(id);
    };
    (script.runInThisContext() as ModuleFunction)(module.exports, require, module, file, dir);
    return module.exports;
  }

  /** Compile `text` (the chunk or generated code at `file`) with its cache file when `key`
   *  matches it; noted for save() when compiled from source. */
  private compile(file: string, text: string, key: Buffer | null): Script {
    const stored = key ? this.read(file, key) : undefined;
    const cachedData = stored?.data;
    const script = new Script(text, {
      filename: file,
      cachedData,
      // import() in a chunk (vega, vega-lite, yaml: loaded when a command needs them) goes to
      // Node's own loader; without this, V8 refuses it (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING:
      // `mmlab exp` drew no plot and exited 2). A function here would need
      // --experimental-vm-modules; this constant needs only its warning silenced (below).
      importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
    if (stored && key && !script.cachedDataRejected) {
      this.report.hits.push(basename(file));
      this.cached.push({ script, file, key, dataBytes: stored.data.length, work: stored.work });
    } else {
      this.report.misses.push(basename(file));
      if (key) this.fresh.push({ script, file, key });
    }
    return script;
  }

  /** The function `new Function(params, body())` makes, compiled with the code cache as a chunk
   *  is: generated code (the interpreter's variants, src/cpu/interp.ts). With a build identity
   *  (buildId), its cache file gen-NAME-BUILD.js.v8 holds the text as well, made by this build
   *  for NAME (and this Node, architecture and natives syntax: the key), and body() is not called
   *  at all: making a variant's ~60 KB of text cost about 5 ms of CPU and 0.9 MB of V8's young
   *  heap at every start-up. Without one, the file is gen-NAME-DIGEST.js.v8, by the text's digest
   *  (another build's text gets a file of its own). */
  compileGenerated(name: string, params: string, body: () => string): (...args: never[]) => unknown {
    const wrap = (b: string): string => `(function (${params}) {${b}\n})`;
    if (this.buildId !== null && this.cache !== null) {
      const file = `gen-${name}-${this.buildId}.js`;
      const key = cacheKey(Buffer.from(`${file} ${params} ${nativesSyntax()}`, "latin1"));
      return this.compileStored(file, key, () => wrap(body())).runInThisContext() as (
        ...args: never[]
      ) => unknown;
    }
    const text = wrap(body());
    const bytes = Buffer.from(text, "utf8");
    const file = `gen-${name}-${digest(bytes).toString("hex").slice(0, 8)}.js`;
    const key = this.cache === null ? null : cacheKey(bytes);
    return this.compile(file, text, key).runInThisContext() as (...args: never[]) => unknown;
  }

  /** Compile the generated code of `file` from its cache file (text and V8's data) when that
   *  was made for `key`, else from make() (noted for save(), the text with it). */
  private compileStored(file: string, key: Buffer, make: () => string): Script {
    const stored = this.readStored(file, key);
    if (stored) {
      const script = new Script(stored.text, { filename: file, cachedData: stored.data });
      if (!script.cachedDataRejected) {
        this.report.hits.push(file);
        const { text, data, work } = stored;
        this.cached.push({ script, file, key, text, dataBytes: data.length, work });
        return script;
      }
    }
    const text = make();
    this.generated = true;
    const script = new Script(text, { filename: file });
    this.report.misses.push(file);
    this.fresh.push({ script, file, key, text });
    return script;
  }

  /** The text and V8's data in the cache file of `file` (payload: the text's length, 4 bytes
   *  little-endian, its UTF-8 bytes, V8's data), or undefined. */
  private readStored(
    file: string,
    key: Buffer,
  ): { text: string; data: Uint8Array; work: number } | undefined {
    const stored = this.read(file, key);
    if (!stored || stored.data.length < 4) return undefined;
    const payload = stored.data;
    const len = Buffer.from(payload.buffer, payload.byteOffset, 4).readUInt32LE(0);
    if (4 + len >= payload.length) return undefined;
    const text = decodeText(Buffer.from(payload.buffer, payload.byteOffset + 4, len));
    return { text, data: payload.subarray(4 + len), work: stored.work };
  }

  /** Write the cache file of every chunk compiled from source (after the command ran, so that
   *  the functions it compiled are in it); returns how many were written. A cache that cannot
   *  be written is no error: the next run compiles from source again.
   *
   *  A process that made generated code's text (the interpreter's generator ran) writes only
   *  that code's files: its chunks' files would hold the generator's compiled functions too,
   *  which every later process, taking the text from its file, would deserialize and never run
   *  (the interpreter chunk's file of a hello world: 269 against 224 KB). The next process,
   *  which finds the text, writes them.
   *
   *  A file holds the functions the process that wrote it had compiled, and the first process to
   *  load a chunk writes it: a hello world's files lacked what bench_coremark or hello.glibc runs
   *  besides (the starter interpreter's F/D, atomic and division groups, system calls, the exit
   *  path), which every later run of those compiled again (V8's lazy compiles). So a process
   *  whose `work` (processWork()) is more than GROW_FACTOR times that of the writer of a file it
   *  compiled from serializes that chunk again: the file is rewritten when V8's data grew, else
   *  only the work in its header is, so that runs of this size do not serialize it again (2-15 ms
   *  for the session chunk). */
  save(work = processWork()): number {
    if (this.cache === null) return 0;
    let written = 0;
    for (const { script, file, key, text } of this.fresh) {
      if (this.generated && text === undefined) continue; // a chunk: the next process writes it
      if (this.write(file, key, withText(text, script.createCachedData()), work)) written++;
    }
    for (const c of this.cached) {
      if (this.generated && c.text === undefined) continue; // as above
      if (work > c.work * GROW_FACTOR && this.grow(c, work)) written++;
    }
    this.fresh.length = 0;
    this.cached.length = 0;
    if (written > 0) pruneCache(this.cache, MAX_CACHE_FILES);
    return written;
  }

  /** Serialize `c` (compiled from its cache file) again: rewrite its file when V8's data is larger
   *  than the file's (functions compiled since), else only the writer's work in its header.
   *  Returns whether the file was rewritten. */
  private grow(c: FromCache, work: number): boolean {
    const data = c.script.createCachedData();
    if (data.length > c.dataBytes) return this.write(c.file, c.key, withText(c.text, data), work);
    let fd = -1;
    try {
      fd = openSync(this.path(c.file), "r+");
      writeSync(fd, workBytes(work), 0, 8, WORK_AT);
    } catch {
      // gone or read-only: the next process of this size serializes it again
    } finally {
      if (fd >= 0) closeSync(fd);
    }
    return false;
  }

  /** Write the cache file of `file` (key, payload, the writer's work) whole or not at all (a
   *  temporary file renamed, for a process reading it meanwhile); false when it cannot be
   *  written (read-only or full: run without the cache). */
  private write(file: string, key: Buffer, payload: Uint8Array, work: number): boolean {
    try {
      mkdirSync(this.cache ?? "", { recursive: true });
      const path = this.path(file);
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, encodeCache(key, payload, work));
      renameSync(tmp, path);
      return true;
    } catch {
      return false;
    }
  }

  /** The cache file of a chunk (its name carries the bundle's content hash already). */
  path(file: string): string {
    return join(this.cache ?? "", `${basename(file)}.v8`);
  }

  /** V8's data in the cache file of `file` (a view of the scratch buffer) and the work of the
   *  process that wrote it, when the file was made for `key` and is whole. */
  private read(file: string, key: Buffer): { data: Uint8Array; work: number } | undefined {
    const bytes = readScratch(this.path(file)); // none yet: undefined
    const data = bytes && decodeCache(bytes, key);
    return bytes && data && { data, work: cacheWork(bytes) };
  }
}

/** V8's data, after `text` (its length, 4 bytes little-endian, and its UTF-8 bytes) if any. */
function withText(text: string | undefined, data: Uint8Array): Uint8Array {
  if (text === undefined) return data;
  const bytes = Buffer.from(text, "utf8");
  const len = Buffer.alloc(4);
  len.writeUInt32LE(bytes.length, 0);
  return Buffer.concat([len, bytes, data]);
}

/** Does this process take V8's natives syntax (src/cli/v8-tuning.ts)? Generated code differs
 *  with it (src/cpu/interp.ts, NEVER_OPTIMIZE), so the key of its stored text says it. */
function nativesSyntax(): boolean {
  try {
    new Function("%NeverOptimizeFunction(function () {});");
    return true;
  } catch {
    return false;
  }
}

/** The file beside the bundle's chunks naming its build (scripts/bundle.ts writes it): a digest
 *  of all their texts, so that another build's generated code is never taken for this one's. */
export const BUILD_ID_NAME = "build-id";

/** The build identity in the bundle directory `dir` (16 hex digits), or null without one. */
export function readBuildId(dir: string): string | null {
  try {
    const id = readFileSync(join(dir, BUILD_ID_NAME), "latin1").trim();
    return /^[0-9a-f]{16}$/.test(id) ? id : null;
  } catch {
    return null;
  }
}

/** The file beside the bundle's chunks naming the chunk of each module a command loads later
 *  (the target of an import(), as the translator): a JSON object from the module's source path
 *  ("src/cpu/jit/index.ts") to its chunk's file name (scripts/bundle.ts writes it). */
export const CHUNKS_NAME = "chunks.json";

/** The chunk of each later-loaded module in the bundle directory `dir` (CHUNKS_NAME), or an
 *  empty map without a readable one. */
export function readChunkMap(dir: string): ReadonlyMap<string, string> {
  try {
    const o: unknown = JSON.parse(readFileSync(join(dir, CHUNKS_NAME), "utf8"));
    if (typeof o !== "object" || o === null) return new Map();
    return new Map(Object.entries(o).filter((e): e is [string, string] => typeof e[1] === "string"));
  } catch {
    return new Map();
  }
}

/** Cache files kept at most: a build has about 30 chunks, so several builds (checkouts, versions)
 *  fit; older files go, so the directory does not grow with every rebuild. */
export const MAX_CACHE_FILES = 256;

/** Bound the cache directory `dir` to `max` files: the least recently written go first (a file
 *  still in use is rewritten by its next run). Leftover temporary files of a run that died while
 *  writing count like the others. Errors are ignored: the cache is only an accelerator. */
export function pruneCache(dir: string, max: number): void {
  try {
    const names = readdirSync(dir).filter((n) => n.endsWith(".v8") || n.endsWith(".tmp"));
    if (names.length <= max) return; // nothing to remove: no file's time needed
    const files = names
      .map((n) => ({ path: join(dir, n), mtime: statSync(join(dir, n)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
    for (const f of files.slice(max)) rmSync(f.path, { force: true });
  } catch {
    // another process pruning meanwhile, or an unreadable directory: leave it
  }
}

/** The CLI's entry points, as the bundle's mmlab.js exports them. */
interface CliEntry {
  commandLine(): string[];
  main(argv: readonly string[]): Promise<number>;
  setCompilerHost(
    c: (name: string, params: string, body: () => string) => (...args: never[]) => unknown,
    cache?: { dir: string | null; build: string | null },
  ): void;
  setModuleLoader(l: (source: string) => object | null): void;
}

/** Run the bundled CLI at `entry` (dist/bundle/mmlab.js) through the code cache, with V8 tuned
 *  for the interpreter (v8-tuning.ts), its modules loaded later (CHUNKS_NAME) through the same
 *  loader as the chunks it requires; resolves to the exit status, after writing the cache files
 *  that were missing. */
export async function runCached(entry: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  tuneV8();
  const dir = cacheDir(env);
  const loader = new CachedLoader(dir);
  loader.buildId = readBuildId(dirname(entry));
  const cli = loader.load(entry) as CliEntry;
  // the cache directory and build identity go along, for the translation cache
  // (src/cli/translation-cache.ts)
  cli.setCompilerHost((name, params, body) => loader.compileGenerated(name, params, body), {
    dir,
    build: loader.buildId,
  });
  let chunks: ReadonlyMap<string, string> | null = null;
  cli.setModuleLoader((source) => {
    chunks ??= readChunkMap(dirname(entry));
    const file = chunks.get(source);
    return file === undefined ? null : loader.load(join(dirname(entry), file));
  });
  const status = await cli.main(cli.commandLine());
  loader.save();
  return status;
}
