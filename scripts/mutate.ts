// Mutation testing of the kernel's safety steps (docs/reference/mutation-tests.md): apply each
// mutation of scripts/mutations.ts to its source file, run the test files it names, record
// which tests failed, restore the file. A mutation that no test catches is a missing test.
//
//   npm run mutate                     every mutation; what caught each on stdout
//   npm run mutate -- --write          ... and the table in docs/reference/mutation-tests.md
//   npm run mutate -- --only ID,ID     some of them (--write then updates their rows only)
//   npm run mutate -- --list           the mutations and where they apply, running nothing
//   npm run mutate -- --list --write   ... and the table's lines updated (after the code moved)
//
// The source file is restored after each run, also when vitest fails, the script throws or it
// is interrupted (SIGINT, SIGTERM). Exit status 1 if a mutation survives.

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MUTATIONS, type Mutation } from "./mutations.js";

/** The repository: this file runs as dist/scripts/mutate.js. */
const ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");
const DOC = join(ROOT, "docs/reference/mutation-tests.md");
const BEGIN = "<!-- mutate:begin -->";
const END = "<!-- mutate:end -->";
/** The mutated file's path and original text while a mutation is applied, so that a run
 *  killed outright (SIGKILL, a crash) is repaired by the next one. */
const JOURNAL = join(ROOT, ".mutate-journal.json");
/** A test run that takes longer than this is stopped and counted as a hang. */
const RUN_TIMEOUT_MS = 600_000;

interface Outcome {
  m: Mutation;
  line: number;
  /** "file › test" of each failing test; empty if the mutation survived. */
  failed: string[];
  /** Set when the run did not end in test results (a hang, a file that did not load). */
  problem?: string;
}

interface Applied {
  path: string;
  text: string;
}

/** The running vitest, for the signal handlers. */
let child: ChildProcess | null = null;

/** Put the file of the journal back as it was, and drop the journal. */
function restore(): void {
  if (!existsSync(JOURNAL)) return;
  const { path, text } = JSON.parse(readFileSync(JOURNAL, "utf8")) as Applied;
  writeFileSync(path, text);
  unlinkSync(JOURNAL);
}

for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(sig, () => {
    child?.kill("SIGKILL");
    restore();
    process.exit(130);
  });
}

/** The 1-based line where `find` starts in `text`; throws unless it occurs exactly once. */
function locate(m: Mutation, text: string): number {
  const at = text.indexOf(m.find);
  if (at < 0)
    throw new Error(`${m.id}: '${m.find}' is not in ${m.file} (the code moved: update the mutation)`);
  if (text.indexOf(m.find, at + 1) >= 0) throw new Error(`${m.id}: '${m.find}' occurs twice in ${m.file}`);
  return text.slice(0, at).split("\n").length;
}

interface VitestJson {
  testResults: {
    name: string;
    status: string;
    message: string;
    assertionResults: { title: string; status: string }[];
  }[];
}

/** Run `npx vitest run` with `args`; resolves to how it ended. */
function vitest(args: string[]): Promise<{ code: number | null; timedOut: boolean; stderr: string }> {
  return new Promise((done) => {
    const p = spawn("npx", ["vitest", "run", ...args], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
    child = p;
    let stderr = "";
    let timedOut = false;
    p.stderr.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      p.kill("SIGKILL");
    }, RUN_TIMEOUT_MS);
    p.on("close", (code) => {
      clearTimeout(timer);
      child = null;
      done({ code, timedOut, stderr });
    });
  });
}

/** Run vitest on `files`, stopping at the first failure; the failing tests ("file › test"),
 *  or a problem. */
async function runTests(files: string[]): Promise<{ failed: string[]; problem?: string }> {
  const dir = mkdtempSync(join(tmpdir(), "mutate-"));
  const out = join(dir, "vitest.json");
  try {
    const r = await vitest(["--bail=1", "--reporter=json", `--outputFile=${out}`, ...files]);
    if (r.timedOut) return { failed: [], problem: `no result in ${RUN_TIMEOUT_MS / 1000} s` };
    let json: VitestJson;
    try {
      json = JSON.parse(readFileSync(out, "utf8")) as VitestJson;
    } catch {
      return {
        failed: [],
        problem: `no JSON from vitest: ${r.stderr.trim().split("\n").slice(-3).join(" ")}`,
      };
    }
    const failed: string[] = [];
    for (const f of json.testResults) {
      const file = f.name.slice(ROOT.length + 1);
      if (f.assertionResults.length === 0 && f.status === "failed") {
        return { failed: [], problem: `${file} did not load: ${f.message.split("\n")[0]}` };
      }
      for (const a of f.assertionResults) if (a.status === "failed") failed.push(`${file} › ${a.title}`);
    }
    return { failed };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Apply `m`, run its tests, restore. */
async function mutate(m: Mutation): Promise<Outcome> {
  const path = join(ROOT, m.file);
  const text = readFileSync(path, "utf8");
  const line = locate(m, text);
  writeFileSync(JOURNAL, JSON.stringify({ path, text } satisfies Applied));
  try {
    writeFileSync(
      path,
      text.replace(m.find, () => m.replace),
    );
    return { m, line, ...(await runTests(m.tests)) };
  } finally {
    restore();
  }
}

const escapeCell = (s: string): string => s.replaceAll("|", "\\|").replaceAll("\n", " ");
const HEADER = ["| id | where | mutation | caught by (file › test) |", "|---|---|---|---|"];

function caughtBy(o: Outcome): string {
  if (o.problem) return `**${escapeCell(o.problem)}**`;
  if (o.failed.length === 0) return "**survived: no test failed**";
  const more = o.failed.length > 2 ? ` (+${o.failed.length - 2} more)` : "";
  return o.failed.slice(0, 2).map(escapeCell).join("; ") + more;
}

/** The "caught by" cell of each row of the table in `section`, by mutation id. */
function storedCells(section: string): Map<string, string> {
  const cells = new Map<string, string>();
  for (const line of section.split("\n")) {
    const cols = line.split(/(?<!\\)\|/).map((c) => c.trim());
    if (cols.length === 6 && cols[1] && cols[4]) cells.set(cols[1], cols[4]);
  }
  return cells;
}

/** The table of every mutation: where it is now, and what caught it in `outcomes` or, for a
 *  mutation not run this time, in `stored`. */
function table(outcomes: Outcome[], stored: Map<string, string>): string {
  const rows = MUTATIONS.map((m) => {
    const o = outcomes.find((x) => x.m === m);
    const line = o?.line ?? locate(m, readFileSync(join(ROOT, m.file), "utf8"));
    const cell = o ? caughtBy(o) : (stored.get(m.id) ?? "**not run**");
    return `| ${m.id} | \`${m.file}:${line}\` (${m.fn}) | ${escapeCell(m.what)} | ${cell} |`;
  });
  return [...HEADER, ...rows].join("\n");
}

/** Rewrite the table in the document, keeping the rows of mutations not run this time. */
function writeDoc(outcomes: Outcome[]): void {
  const doc = readFileSync(DOC, "utf8");
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${DOC}: no ${BEGIN} ... ${END} section`);
  const body = table(outcomes, storedCells(doc.slice(a, b)));
  writeFileSync(DOC, `${doc.slice(0, a + BEGIN.length)}\n${body}\n${doc.slice(b)}`);
}

function selected(args: string[]): Mutation[] {
  const i = args.indexOf("--only");
  if (i < 0) return MUTATIONS;
  const ids = new Set((args[i + 1] ?? "").split(","));
  const unknown = [...ids].filter((id) => !MUTATIONS.some((m) => m.id === id));
  if (unknown.length) throw new Error(`--only: unknown mutation ${unknown.join(", ")}`);
  return MUTATIONS.filter((m) => ids.has(m.id));
}

async function main(args: string[]): Promise<number> {
  if (existsSync(JOURNAL)) {
    restore();
    console.error("restored the file an interrupted run had left mutated");
  }
  const ms = selected(args);
  const lines = ms.map((m) => locate(m, readFileSync(join(ROOT, m.file), "utf8"))); // all found, once
  if (args.includes("--list")) {
    ms.forEach((m, i) => {
      console.log(`${m.id}\t${m.file}:${lines[i]}\t${m.what}`);
    });
    if (args.includes("--write")) writeDoc([]); // the lines of every row as the code is now
    return 0;
  }
  const files = [...new Set(ms.flatMap((m) => m.tests))];
  const base = await runTests(files);
  if (base.problem || base.failed.length) {
    console.error(`the tests fail without a mutation: ${base.problem ?? base.failed.join("; ")}`);
    return 1;
  }
  const outcomes: Outcome[] = [];
  for (const m of ms) {
    const o = await mutate(m);
    outcomes.push(o);
    console.error(`${m.id}: ${o.problem ?? (o.failed.length ? `caught (${o.failed.length})` : "SURVIVED")}`);
  }
  for (const o of outcomes) console.log(`${o.m.id}\t${caughtBy(o)}`);
  if (args.includes("--write")) writeDoc(outcomes);
  return outcomes.every((o) => o.failed.length > 0 && !o.problem) ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
