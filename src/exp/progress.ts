// Progress on stderr for long sweeps. On a terminal, a bar: points done, the time so far, an
// ETA and the point running, only once the sweep has run for half a second (short runs never
// show it), redrawn at most ten times a second, and erased before anything else is printed.
// Elsewhere (a log file, a batch job), ProgressLog writes one plain line per finished point.

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(s: string): boolean;
}

export class ProgressBar {
  private readonly enabled: boolean;
  private readonly start: number;
  private lastDraw = 0;
  private shown = false;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: ProgressStream = process.stderr,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.enabled = stream.isTTY === true && total > 1;
    this.start = now();
  }

  /** `done` of the points are finished; `running` says which one runs now. */
  update(done: number, running = ""): void {
    if (!this.enabled) return;
    const now = this.now();
    if (now - this.start < 500 || (now - this.lastDraw < 100 && done < this.total)) return;
    this.lastDraw = now;
    const secs = (now - this.start) / 1000;
    const eta = done > 0 ? (secs * (this.total - done)) / done : 0;
    const width = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - this.label.length - 36));
    const filled = Math.round((width * done) / this.total);
    const bar = `${"#".repeat(filled)}${"-".repeat(width - filled)}`;
    let line = `${this.label} [${bar}] ${done}/${this.total} ${clock(secs)}${done < this.total ? ` eta ${clock(eta)}` : ""}`;
    const cols = (this.stream.columns ?? 80) - 1;
    const room = cols - line.length - 1;
    if (running && done < this.total && room >= 8)
      line += ` ${running.length > room ? `${running.slice(0, room - 3)}...` : running}`;
    this.stream.write(`\r${line}\x1b[K`);
    this.shown = true;
  }

  /** Erase the bar. */
  clear(): void {
    if (this.shown) this.stream.write("\r\x1b[K");
    this.shown = false;
  }
}

function clock(s: number): string {
  const m = Math.floor(s / 60);
  return `${m}:${String(Math.floor(s % 60)).padStart(2, "0")}`;
}

/** One plain line per finished point, for a stderr that is not a terminal: "LABEL: 3/12 done
 *  (POINT) in 0:05, eta 0:15". */
export class ProgressLog {
  private readonly start: number;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly write: (line: string) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.start = now();
  }

  /** Point `point` finished, `done` of the points are. */
  done(done: number, point: string): void {
    const secs = (this.now() - this.start) / 1000;
    const eta = done > 0 && done < this.total ? `, eta ${clock((secs * (this.total - done)) / done)}` : "";
    this.write(`${this.label}: ${done}/${this.total} done (${point}) at ${clock(secs)}${eta}\n`);
  }
}
