// The console's line editing: Node's readline (editing keys, history, completion, Ctrl-L clears
// the screen, Ctrl-D on an empty line ends the input) behind a guard that keeps at most
// MAX_CONSOLE_LINE + 1 bytes of a line, so that a huge pasted or piped line is neither echoed
// back whole nor held in memory (the console then refuses it), and with Ctrl-C clearing the
// line being typed, as bash and Python do, instead of ending the console.

import { createInterface, type Interface } from "node:readline";
import { type Readable, Transform, type TransformCallback, type Writable } from "node:stream";
import { MAX_CONSOLE_LINE } from "../session/index.js";

const LF = 0x0a;
const CR = 0x0d;
const CTRL_C = 0x03;
const CTRL_U = 0x15;

/** A terminal's input as readline uses it (process.stdin when it is a terminal). */
interface TtyInput {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

/**
 * The bytes of `source`, each line cut after MAX_CONSOLE_LINE + 1 bytes (a line ends at CR or
 * LF; Ctrl-C and Ctrl-U start it again, as they clear it). A terminal source stays one:
 * setRawMode goes through to it, so readline drives it as it would directly.
 */
export class LineGuard extends Transform {
  /** Bytes of the current line kept so far. */
  private kept = 0;
  /** Lines cut so far. */
  cut = 0;

  constructor(private readonly source: Readable) {
    super();
    source.pipe(this);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const parts: Buffer[] = [];
    // Where the bytes to pass start in this chunk; -1 while the rest of a long line is dropped.
    let from = this.kept > MAX_CONSOLE_LINE + 1 ? -1 : 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b === LF || b === CR || b === CTRL_C || b === CTRL_U) {
        if (from < 0) from = i;
        this.kept = 0;
      } else if (++this.kept === MAX_CONSOLE_LINE + 2) {
        parts.push(chunk.subarray(from, i)); // the rest of this line is dropped
        this.cut++;
        from = -1;
      }
    }
    if (from >= 0) parts.push(chunk.subarray(from));
    done(null, Buffer.concat(parts));
  }

  get isTTY(): boolean {
    return (this.source as TtyInput).isTTY === true;
  }

  setRawMode(mode: boolean): this {
    (this.source as TtyInput).setRawMode?.(mode);
    return this;
  }

  /** Stop reading the source (it is paused, so that it no longer keeps the process alive). */
  detach(): void {
    this.source.unpipe(this);
    this.source.pause();
  }
}

export interface LineEditorOptions {
  input: Readable;
  /** Where a terminal's echo, prompts and screen control go. */
  output: Writable;
  /** Line editing, history and completion (a terminal); otherwise lines are read as they come. */
  terminal: boolean;
  prompt: () => string;
  history?: string[];
  completer?: (line: string) => [string[], string];
}

/** Lines read from a terminal or a pipe, through a LineGuard. */
export class LineEditor {
  private readonly guard: LineGuard;
  private readonly rl: Interface;
  /** Ctrl-C ended the line being added: keep it out of the history and do not run it. */
  private cancelling = false;
  /** For each line readline has given, in order: whether Ctrl-C ended it. */
  private readonly cancelled: boolean[] = [];

  constructor(private readonly opts: LineEditorOptions) {
    this.guard = new LineGuard(opts.input);
    this.rl = createInterface({
      input: this.guard,
      ...(opts.terminal ? { output: opts.output } : {}),
      terminal: opts.terminal,
      historySize: 1000,
      history: opts.history ?? [],
      removeHistoryDuplicates: true,
      ...(opts.completer ? { completer: opts.completer } : {}),
    });
    this.rl.on("SIGINT", () => this.cancelLine());
    this.rl.on("history", (h: string[]) => {
      if (this.cancelling) h.shift();
    });
    this.rl.on("line", () => {
      this.cancelled.push(this.cancelling);
      this.cancelling = false;
    });
  }

  /** Ctrl-C: show ^C after what was typed and start a new, empty line (bash, Python). */
  private cancelLine(): void {
    this.rl.write(null, { ctrl: true, name: "e" }); // the cursor to the end of the line
    this.opts.output.write("^C");
    this.cancelling = true;
    this.rl.write("\r"); // ends the line as Enter does; lines() drops it
  }

  /** Lines that were cut by the guard so far. */
  get cutLines(): number {
    return this.guard.cut;
  }

  /** Show the prompt (a terminal only). */
  prompt(): void {
    if (!this.opts.terminal) return;
    this.rl.setPrompt(this.opts.prompt());
    this.rl.prompt();
  }

  /** The lines typed or piped, until Ctrl-D on an empty line or the input's end; a line ended by
   *  Ctrl-C is not one of them (a new prompt follows it). */
  async *lines(): AsyncGenerator<string> {
    for await (const line of this.rl) {
      if (this.cancelled.shift()) this.prompt();
      else yield line;
    }
  }

  close(): void {
    this.rl.close();
    this.guard.detach();
  }
}
