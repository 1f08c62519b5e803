// Where the commands write: mmlab's own messages go to stderr, the guest's console to stdout.
// Both go through process.stdout.write / process.stderr.write at call time (tests spy on them).

/** Write text to stdout. */
export function out(s: string | Uint8Array): void {
  process.stdout.write(s);
}

/** Write text (or bytes) to stderr. */
export function err(s: string | Uint8Array): void {
  process.stderr.write(s);
}

/** The guest's console: bytes are collected and written to stdout a line (or 4 KiB) at a time. */
export class ConsoleSink {
  private readonly buf = new Uint8Array(4096);
  private len = 0;
  /** Bytes the guest wrote. */
  total = 0;

  constructor(private readonly write: (bytes: Uint8Array) => void = out) {}

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
