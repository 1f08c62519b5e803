// A progress bar on stderr for long sweeps: only when stderr is a terminal, only once the sweep
// has run for half a second (short runs never show it), redrawn at most ten times a second, and
// erased before anything else is printed.

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

  /** `done` of the points are finished. */
  update(done: number): void {
    if (!this.enabled) return;
    const now = this.now();
    if (now - this.start < 500 || (now - this.lastDraw < 100 && done < this.total)) return;
    this.lastDraw = now;
    const secs = (now - this.start) / 1000;
    const eta = done > 0 ? (secs * (this.total - done)) / done : 0;
    const width = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - this.label.length - 36));
    const filled = Math.round((width * done) / this.total);
    const bar = `${"#".repeat(filled)}${"-".repeat(width - filled)}`;
    this.stream.write(
      `\r${this.label} [${bar}] ${done}/${this.total} ${clock(secs)}${done < this.total ? ` eta ${clock(eta)}` : ""}\x1b[K`,
    );
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
