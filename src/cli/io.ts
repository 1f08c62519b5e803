// Where the commands write: mmlab's own messages go to stderr, the guest's console to stdout.
// mmlab's own text (out, err) goes through process.stdout.write / process.stderr.write at call
// time where Node's streams may exist (tests spy on them), else straight to the descriptor. A
// guest's output goes straight to the descriptor (writeGuest), so that a slow reader holds the
// guest back instead of filling host memory, and a reader that has gone away is the guest's EPIPE.
//
// Start-up: the first touch of process.stdout or process.stderr makes Node build the stream and
// load its stream modules (20 modules, 4.5-11 ms of CPU: a good part of a short command's own
// time, for one line such as --max-insns's "stopped after"), so the commands reach them only
// through stdStream(), when they need a stream, and out, err and writeGuest touch them only when
// they may exist already (streamsLoaded()).

import { fstatSync, type Stats, writeSync } from "node:fs";
// The errno table alone (a leaf without imports), not the kernel: see test/cli/imports.test.ts.
import { ERRNO, type ErrnoName } from "../kernel/errno.js";

/** Write text to stdout. */
export function out(s: string | Uint8Array): void {
  writeOwn(1, s);
}

/** Write text (or bytes) to stderr. */
export function err(s: string | Uint8Array): void {
  writeOwn(2, s);
}

/** Write mmlab's own text to stdout (1) or stderr (2): through the stream where Node's streams
 *  may exist (a test's replaced write, text queued in the stream stay in order), else with one
 *  write to the descriptor. A failed write throws, but for a reader that has gone once
 *  quietPipes() was called: dropped, as the stream's error is. */
function writeOwn(fd: 1 | 2, s: string | Uint8Array): void {
  if (streamsLoaded()) {
    stdStream(fd).write(s);
    return;
  }
  const e = writeAll(fd, typeof s === "string" ? Buffer.from(s, "utf8") : s);
  if (e !== undefined && !(quiet && readerGone(e.code))) throw e;
}

/** Write `data` whole to descriptor `fd`, waiting while a non-blocking pipe is full; the error
 *  of the write that failed, if one did. */
function writeAll(fd: number, data: Uint8Array): NodeJS.ErrnoException | undefined {
  let off = 0;
  while (off < data.length) {
    try {
      off += writeSync(fd, data, off, data.length - off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") return e as NodeJS.ErrnoException;
      Atomics.wait(PAUSE, 0, 0, FULL_PIPE_WAIT_MS); // a non-blocking pipe that is full
    }
  }
  return undefined;
}

/** Does host write error `code` mean that the reader has gone: EPIPE, or ECONNRESET, which Linux
 *  gives the writer of a socket (a parent's child-process stdio, as Node makes it) whose reader
 *  closed it with data unread (the peer's sk_err)? Either is the guest's EPIPE. */
function readerGone(code: string | undefined): boolean {
  return code === "EPIPE" || code === "ECONNRESET";
}

/** Were EPIPE errors asked to be dropped (quietPipes), and on which streams is that done. */
let quiet = false;
const guarded = new Set<NodeJS.WriteStream>();

/** process.stdout (1) or process.stderr (2), made on first use; once quietPipes() was called,
 *  with its EPIPE errors dropped. */
export function stdStream(fd: 1 | 2): NodeJS.WriteStream {
  const stream = fd === 1 ? process.stdout : process.stderr;
  if (quiet && !guarded.has(stream)) {
    guarded.add(stream);
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (readerGone(e.code) || e.code === "ERR_STREAM_DESTROYED") return;
      throw e;
    });
  }
  return stream;
}

/** Is descriptor `fd` a terminal? Pipes and files are told by fstat, and on Linux the memory
 *  devices (/dev/null, /dev/zero: major number 1) by their device number, without node:tty: it
 *  loads Node's net and stream modules (a few ms of a short command), which only other character
 *  devices pay. */
export function isTerminal(fd: number): boolean {
  let st: Stats;
  try {
    st = fstatSync(fd);
  } catch {
    return false; // not open
  }
  if (!st.isCharacterDevice()) return false;
  if (process.platform === "linux" && ((st.rdev >> 8) & 0xfff) === 1) return false;
  return process.getBuiltinModule("node:tty").isatty(fd);
}

/** Set once Node's stream modules are loaded (they stay loaded). */
let streamModules = false;

/** May process.stdout or process.stderr exist already? Node's stdio streams need its stream
 *  modules: while those are not loaded (process.moduleLoadList, Node's list of the internal
 *  modules it has loaded, does not name the Writable), nobody has made the streams nor replaced
 *  their write, and writeGuest writes to the descriptor without making them. */
function streamsLoaded(): boolean {
  if (streamModules) return true;
  const list = (process as { moduleLoadList?: readonly string[] }).moduleLoadList;
  streamModules = list === undefined || list.includes("NativeModule internal/streams/writable");
  return streamModules;
}

/** Has someone (a test) replaced the stream's write method with one of its own? */
function writeReplaced(stream: NodeJS.WriteStream): boolean {
  return stream.write !== (Object.getPrototypeOf(stream) as NodeJS.WriteStream).write;
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));
/** How long to wait for a full host pipe to take more, before trying again (ms). */
const FULL_PIPE_WAIT_MS = 1;

/** Write a guest's `data` whole to our stdout (1) or stderr (2), waiting while the host stream
 *  is full (the machine stops meanwhile: host memory stays bounded); undefined once written,
 *  or the -errno of the failed write (-EPIPE when the reader has gone). When the stream's write
 *  has been replaced (a test capturing output), or it still holds queued text of ours, the bytes
 *  go through the stream instead, in order. */
export function writeGuest(fd: 1 | 2, data: Uint8Array): bigint | undefined {
  if (streamsLoaded()) {
    const stream = stdStream(fd);
    if (writeReplaced(stream) || stream.writableLength > 0) {
      stream.write(data);
      return undefined;
    }
  }
  const e = writeAll(fd, data);
  if (e === undefined) return undefined;
  const code = e.code ?? "EIO";
  if (readerGone(code)) return -ERRNO.EPIPE;
  return -(code in ERRNO ? ERRNO[code as ErrnoName] : ERRNO.EIO);
}

/** The guest's console: bytes are collected and written to stdout a line (or 4 KiB) at a time. */
export class ConsoleSink {
  private readonly buf = new Uint8Array(4096);
  private len = 0;
  /** Bytes the guest wrote. */
  total = 0;

  /** `write` takes each chunk (run-bare.ts: to stdout, ending the run when that fails). */
  constructor(private readonly write: (bytes: Uint8Array) => void) {}

  readonly put = (byte: number): void => {
    this.buf[this.len++] = byte;
    this.total++;
    if (byte === 10 || this.len === this.buf.length) this.flush();
  };

  flush(): void {
    if (this.len === 0) return;
    this.write(this.buf.slice(0, this.len));
    this.len = 0;
  }
}

/** Text (trace lines) collected and written in chunks of 64 KiB or more, or at flush(), so that
 *  a long trace costs few write calls. */
export class TextBuffer {
  private parts: string[] = [];
  private chars = 0;

  constructor(private readonly write: (s: string) => void) {}

  push(s: string): void {
    this.parts.push(s);
    this.chars += s.length;
    if (this.chars >= 1 << 16) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0) return;
    this.write(this.parts.join(""));
    this.parts = [];
    this.chars = 0;
  }
}

/**
 * A reader that goes away (`mmlab boot | head`) makes our writes fail with EPIPE, reported later
 * as an 'error' event that would end the process with a stack trace. Drop such errors: the rest
 * of the output has nowhere to go, and the exit status stays ours. Done on each stream when
 * stdStream() first hands it out (the commands reach the streams only through it).
 */
export function quietPipes(): void {
  quiet = true;
}
