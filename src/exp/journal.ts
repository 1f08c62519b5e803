// The journal of a run: DIR/NAME.journal.jsonl (a shard's: DIR/NAME.shard-I-of-N.journal.jsonl),
// JSON lines. The first line is a header naming the experiment, the plan's hash and the shard;
// then one line per finished point, {"point": i, "rows": [...]}, in the order points finish.
// `--resume` reads it back and runs only the points it lacks; a journal of another plan is
// refused.
//
// Each line is written whole by one write(2) on a file opened O_APPEND, then fsync(2)ed before
// the next point is handed its line. A process killed (SIGKILL included) while it runs a point
// has written nothing for it: the point's line is written only once its rows exist. A crash of
// the machine during the write can leave at most the last line torn (no newline at its end):
// a torn last line is dropped on resume (that point runs again) and cut off before anything is
// appended. Any other line that does not parse is a corrupt journal, refused.

import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from "node:fs";
import { firstDifference, inShard, type Shard, shardLabel } from "./plan.js";
import { ExpInputError, type Row } from "./types.js";

export const JOURNAL_FORMAT = "mmlab-exp-journal/1";

/** The journal's first line. */
export interface JournalHeader {
  format: typeof JOURNAL_FORMAT;
  experiment: string;
  planHash: string;
  /** "I/N", or null for a whole run. */
  shard: string | null;
  /** Points in the whole plan. */
  points: number;
  /** The plan's parameters, to say what differs when a journal is refused. */
  params: unknown;
}

/** A journal open for appending. */
export class Journal {
  private constructor(
    readonly path: string,
    private fd: number,
  ) {}

  /** Start a new journal at `path` (replacing any), with its header line. */
  static create(path: string, header: JournalHeader): Journal {
    const j = new Journal(path, openSync(path, "w"));
    j.writeLine(header);
    return j;
  }

  /**
   * Open the journal at `path` to go on with the plan `header` describes: the rows of the points
   * it holds, by plan index. No file, or one without a whole header line (killed before it was
   * written), starts a new journal. A header of another plan or shard is refused (ExpInputError).
   */
  static resume(
    path: string,
    header: JournalHeader,
    shard: Shard | null,
  ): { journal: Journal; done: Map<number, Row[]> } {
    if (!existsSync(path)) return { journal: Journal.create(path, header), done: new Map() };
    const text = readFileSync(path, "utf8");
    const whole = text.lastIndexOf("\n") + 1; // bytes up to the last newline: the whole lines
    const lines = text.slice(0, whole).split("\n").slice(0, -1);
    if (lines.length === 0) return { journal: Journal.create(path, header), done: new Map() };
    checkHeader(path, parseLine(path, lines[0]!, 1), header);
    const done = new Map<number, Row[]>();
    for (const [k, line] of lines.slice(1).entries()) {
      const { point, rows } = pointLine(path, parseLine(path, line, k + 2), k + 2, header.points, shard);
      if (done.has(point))
        throw new ExpInputError(`${path}: line ${k + 2}: point ${point + 1} is there twice`);
      done.set(point, rows);
    }
    const fd = openSync(path, "r+");
    ftruncateSync(fd, Buffer.byteLength(text.slice(0, whole))); // a torn last line goes
    closeSync(fd);
    return { journal: new Journal(path, openSync(path, "a")), done };
  }

  /** Record that point `index` finished with `rows`. */
  append(index: number, rows: Row[]): void {
    this.writeLine({ point: index, rows });
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  /** One line, written by one write(2) and made durable before the call returns. */
  private writeLine(v: unknown): void {
    const buf = Buffer.from(`${JSON.stringify(v)}\n`);
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off);
    fsyncSync(this.fd);
  }
}

function parseLine(path: string, line: string, n: number): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new ExpInputError(`${path}: line ${n} is not JSON: a corrupt journal (remove it to start again)`);
  }
}

/** Refuse a journal of another experiment, plan or shard, naming both. */
function checkHeader(path: string, v: unknown, want: JournalHeader): void {
  const h = v as Partial<JournalHeader> | null;
  if (typeof h !== "object" || h === null || h.format !== JOURNAL_FORMAT)
    throw new ExpInputError(`${path}: not an mmlab experiment journal (no "format": "${JOURNAL_FORMAT}")`);
  const what = (x: Partial<JournalHeader>): string =>
    `${x.experiment}${x.shard ? ` shard ${x.shard}` : ""}, plan ${String(x.planHash).slice(0, 12)}`;
  if (h.experiment !== want.experiment || h.planHash !== want.planHash || h.shard !== want.shard) {
    const diff =
      h.experiment !== want.experiment
        ? "the experiment"
        : h.planHash !== want.planHash
          ? `the parameters (first difference: ${firstDifference(h.params, want.params) ?? "the points"})`
          : "the shard";
    throw new ExpInputError(
      `${path}: a journal of another parameter set: it holds ${what(h)}; this run is ${what(want)}; ` +
        `they differ in ${diff}: remove the journal or choose another --out`,
    );
  }
}

/** A point's line: its plan index (checked against the plan and the shard) and its rows. */
function pointLine(
  path: string,
  v: unknown,
  n: number,
  points: number,
  shard: Shard | null,
): { point: number; rows: Row[] } {
  const o = v as { point?: unknown; rows?: unknown } | null;
  const point = o?.point;
  if (typeof point !== "number" || !Number.isInteger(point) || !Array.isArray(o?.rows))
    throw new ExpInputError(`${path}: line ${n} is not a point's line: a corrupt journal`);
  if (point < 0 || point >= points || !inShard(point, shard))
    throw new ExpInputError(
      `${path}: line ${n}: point ${point + 1} is not in this plan${shard ? ` (shard ${shardLabel(shard)})` : ""}`,
    );
  return { point, rows: o.rows as Row[] };
}
