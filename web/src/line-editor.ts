// The terminal's line discipline: xterm.js hands over the keys as they come (onData); this turns
// them into what to echo and the lines entered, with Backspace, Ctrl-C, Ctrl-U, history (Up and
// Down) and Tab completion of command and variable names. No DOM: the page wires it to xterm.

/** What a piece of input did. */
export interface EditResult {
  /** Text to write to the terminal (echo, erasing, a redrawn line). */
  echo: string;
  /** Lines entered (Enter), in order. */
  lines: string[];
  /** Ctrl-C was pressed. */
  interrupt: boolean;
}

export class LineEditor {
  private buf = "";
  private readonly history: string[] = [];
  /** Position in history while browsing it (history.length: the line being typed). */
  private at = 0;

  constructor(
    private readonly prompt: () => string,
    private readonly names: () => string[],
  ) {}

  /** The line typed so far. */
  get line(): string {
    return this.buf;
  }

  /** Feed `data` (one key, or a pasted text). */
  feed(data: string): EditResult {
    const r: EditResult = { echo: "", lines: [], interrupt: false };
    let i = 0;
    while (i < data.length) {
      if (data.startsWith("\x1b[A", i) || data.startsWith("\x1b[B", i)) {
        r.echo += this.browse(data[i + 2] === "A" ? -1 : 1);
        i += 3;
        continue;
      }
      const c = data[i]!;
      i++;
      if (c === "\r" || c === "\n") {
        if (c === "\n" && data[i - 2] === "\r") continue; // \r\n pasted: one line
        r.echo += "\r\n";
        r.lines.push(this.buf);
        if (this.buf.trim() && this.history[this.history.length - 1] !== this.buf)
          this.history.push(this.buf);
        this.buf = "";
        this.at = this.history.length;
      } else if (c === "\x7f" || c === "\b") {
        if (this.buf.length) {
          this.buf = this.buf.slice(0, -1);
          r.echo += "\b \b";
        }
      } else if (c === "\x03") {
        r.interrupt = true;
        r.echo += "^C\r\n";
        this.buf = "";
        this.at = this.history.length;
      } else if (c === "\x15") {
        r.echo += this.replace("");
      } else if (c === "\t") {
        r.echo += this.complete();
      } else if (c >= " " && c !== "\x7f") {
        this.buf += c;
        r.echo += c;
      }
    }
    return r;
  }

  /** Replace the typed line with `text`, redrawing it after the prompt. */
  private replace(text: string): string {
    this.buf = text;
    return `\r\x1b[K${this.prompt()}${text}`;
  }

  private browse(dir: -1 | 1): string {
    const next = this.at + dir;
    if (next < 0 || next > this.history.length) return "";
    this.at = next;
    return this.replace(this.history[next] ?? "");
  }

  /** Complete the last word when one name fits (or their common start). */
  private complete(): string {
    const word = /\S*$/.exec(this.buf)![0];
    const hits = this.names().filter((n) => n.startsWith(word));
    if (hits.length === 0) return "";
    let common = hits[0]!;
    for (const h of hits) while (!h.startsWith(common)) common = common.slice(0, -1);
    const add = common.slice(word.length) + (hits.length === 1 ? " " : "");
    this.buf += add;
    return add;
  }
}
