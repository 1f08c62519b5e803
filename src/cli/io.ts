// Where the commands write: mmlab's own messages go to stderr, the guest's console to stdout.
// mmlab's own text goes through process.stdout.write / process.stderr.write at call time (tests
// spy on them). A guest's output goes straight to the descriptor (writeGuest), so that a slow
// reader holds the guest back instead of filling host memory, and a reader that has gone away is
// the guest's EPIPE.

import { writeSync } from "node:fs";
// The errno table alone (a leaf without imports), not the kernel: see test/cli/imports.test.ts.
import { ERRNO, type ErrnoName } from "../kernel/errno.js";

/** Write text to stdout. */
export function out(s: string | Uint8Array): void {
  process.stdout.write(s);
}

/** Write text (or bytes) to stderr. */
export function err(s: string | Uint8Array): void {
  process.stderr.write(s);
}

/** The streams' own write methods, to see whether someone (a test) has replaced them. */
const STREAM_WRITE = { 1: process.stdout.write, 2: process.stderr.write } as const;
const PAUSE = new Int32Array(new SharedArrayBuffer(4));
/** How long to wait for a full host pipe to take more, before trying again (ms). */
const FULL_PIPE_WAIT_MS = 1;

/** Write a guest's `data` whole to our stdout (1) or stderr (2), waiting while the host stream
 *  is full (the machine stops meanwhile: host memory stays bounded); undefined once written,
 *  or the -errno of the failed write (-EPIPE when the reader has gone). When the stream's write
 *  has been replaced (a test capturing output), or it still holds queued text of ours, the bytes
 *  go through the stream instead, in order. */
export function writeGuest(fd: 1 | 2, data: Uint8Array): bigint | undefined {
  const stream = fd === 1 ? process.stdout : process.stderr;
  if (stream.write !== STREAM_WRITE[fd] || stream.writableLength > 0) {
    stream.write(data);
    return undefined;
  }
  let off = 0;
  while (off < data.length) {
    try {
      off += writeSync(fd, data, off, data.length - off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? "EIO";
      if (code === "EAGAIN") {
        Atomics.wait(PAUSE, 0, 0, FULL_PIPE_WAIT_MS); // a non-blocking pipe that is full
        continue;
      }
      return -(code in ERRNO ? ERRNO[code as ErrnoName] : ERRNO.EIO);
    }
  }
  return undefined;
}

/** The guest's console: bytes are collected and written to stdout a line (or 4 KiB) at a time. */
export class ConsoleSink {
  private readonly buf = new Uint8Array(4096);
  private len = 0;
  /** Bytes the guest wrote. */
  total = 0;

  /** By default the bytes go to stdout through writeGuest (a bare guest has no EPIPE: what a
   *  gone reader does not take is dropped). */
  constructor(private readonly write: (bytes: Uint8Array) => void = (b) => void writeGuest(1, b)) {}

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

let pipesWatched = false;

/**
 * A reader that goes away (`mmlab boot | head`) makes our writes fail with EPIPE, reported later
 * as an 'error' event that would end the process with a stack trace. Drop such errors: the rest
 * of the output has nowhere to go, and the exit status stays ours.
 */
export function quietPipes(): void {
  if (pipesWatched) return;
  pipesWatched = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE" || e.code === "ERR_STREAM_DESTROYED") return;
      throw e;
    });
  }
}
