// Mutation testing of the kernel's safety steps (docs/reference/mutation-tests.md): apply each
// mutation of scripts/mutations.ts to its source file, run the test files it names, record
// which tests failed, restore the file. A mutation that no test catches is a missing test.
//
//   npm run mutate                     every mutation; the table on stdout
//   npm run mutate -- --write          ... and into docs/reference/mutation-tests.md
//   npm run mutate -- --only ID,ID     some of them
//   npm run mutate -- --list           the mutations, without running anything
//
// The source file is restored after each run, also when vitest fails, the script throws or it
// is interrupted (SIGINT, SIGTERM). Exit status 1 if a mutation survives.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MUTATIONS, type Mutation } from "./mutations.js";

/** The repository: this file runs as dist/scripts/mutate.js. */
const ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");
const DOC = join(ROOT, "docs/reference/mutation-tests.md");
const BEGIN = "<!-- mutate:begin -->";
const END = "<!-- mutate:end -->";
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

/** The file currently mutated and its original text, for the signal handlers. */
let applied: { path: string; text: string } | null = null;

function restore(): void {
  if (applied) writeFileSync(applied.path, applied.text);
  applied = null;
}

for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
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
  numFailedTestSuites: number;
  testResults: {
    name: string;
    status: string;
    message: string;
    assertionResults: { title: string; status: string }[];
  }[];
}

/** Run vitest on `files`; the failing tests ("file › test"), or a problem. */
function runTests(files: string[]): { failed: string[]; problem?: string } {
  const dir = mkdtempSync(join(tmpdir(), "mutate-"));
  const out = join(dir, "vitest.json");
  try {
    const r = spawnSync("npx", ["vitest", "run", "--reporter=json", `--outputFile=${out}`, ...files], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: RUN_TIMEOUT_MS,
      killSignal: "SIGKILL",
    });
    if (r.error || r.signal) return { failed: [], problem: `no result (${r.error?.message ?? r.signal})` };
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
function mutate(m: Mutation): Outcome {
  const path = join(ROOT, m.file);
  const text = readFileSync(path, "utf8");
  const line = locate(m, text);
  applied = { path, text };
  try {
    writeFileSync(
      path,
      text.replace(m.find, () => m.replace),
    );
    return { m, line, ...runTests(m.tests) };
  } finally {
    restore();
  }
}

const escapeCell = (s: string): string => s.replaceAll("|", "\\|").replaceAll("\n", " ");

function caughtBy(o: Outcome): string {
  if (o.problem) return `**${o.problem}**`;
  if (o.failed.length === 0) return "**survived: no test failed**";
  const more = o.failed.length > 2 ? ` (+${o.failed.length - 2} more)` : "";
  return o.failed.slice(0, 2).map(escapeCell).join("; ") + more;
}

function table(outcomes: Outcome[]): string {
  const rows = outcomes.map(
    (o) => `| ${o.m.id} | \`${o.m.file}:${o.line}\` (${o.m.fn}) | ${escapeCell(o.m.what)} | ${caughtBy(o)} |`,
  );
  return ["| id | where | mutation | caught by (file › test) |", "|---|---|---|---|", ...rows].join("\n");
}

function writeDoc(body: string): void {
  const doc = readFileSync(DOC, "utf8");
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${DOC}: no ${BEGIN} ... ${END} section`);
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

function main(args: string[]): number {
  const ms = selected(args);
  if (args.includes("--list")) {
    for (const m of ms) {
      const line = locate(m, readFileSync(join(ROOT, m.file), "utf8"));
      console.log(`${m.id}\t${m.file}:${line}\t${m.what}`);
    }
    return 0;
  }
  const files = [...new Set(ms.flatMap((m) => m.tests))];
  const base = runTests(files);
  if (base.problem || base.failed.length) {
    console.error(`the tests fail without a mutation: ${base.problem ?? base.failed.join("; ")}`);
    return 1;
  }
  const outcomes: Outcome[] = [];
  for (const m of ms) {
    const o = mutate(m);
    outcomes.push(o);
    console.error(`${m.id}: ${o.problem ?? (o.failed.length ? `caught (${o.failed.length})` : "SURVIVED")}`);
  }
  const body = table(outcomes);
  console.log(body);
  if (args.includes("--write")) writeDoc(body);
  return outcomes.every((o) => o.failed.length > 0 && !o.problem) ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
