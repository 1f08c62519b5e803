// The command examples of README.md, docs/*.md and the commands' --help texts run as written from the repository root
// (issue 11, "Docs that tell the truth"): every file an example names exists in the repository
// (or is written by an earlier line of the same example block), and every `mmlab run` and
// `mmlab boot --script` example runs, here with a short instruction budget, to a status that is
// not a refusal (2), an internal error (70) or a missing or unrunnable program (126, 127).

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { COMMAND_NAMES, loadCommands } from "../src/cli/commands.js";
import { hostStdin } from "../src/cli/run-kernel.js";
import { mmlab } from "./helpers/cli.js";

interface Example {
  file: string;
  line: string;
  /** The words of the mmlab command (without `mmlab`), redirections and comments removed. */
  words: string[];
  /** What is piped into it (`echo hi | mmlab ...`), if anything. */
  stdin: string | null;
  /** Files the earlier lines of the same block write (`> demo.s`). */
  written: Set<string>;
}

/** Shell words of `text`: quotes removed, a `#` comment dropped. */
function shellWords(text: string): string[] {
  const words: string[] = [];
  let cur: string | null = null;
  let quote: string | null = null;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null;
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      cur ??= "";
    } else if (/\s/.test(ch)) {
      if (cur !== null) words.push(cur);
      cur = null;
    } else if (ch === "#" && cur === null) break;
    else cur = (cur ?? "") + ch;
  }
  if (cur !== null) words.push(cur);
  return words;
}

/** The examples of a markdown file's shell blocks. */
function examples(file: string): Example[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/```(?:sh|bash|shell)?\n([\s\S]*?)```/g)].flatMap((block) =>
    blockExamples(file, block[1]!.replace(/\\\n\s*/g, " ").split("\n")),
  );
}

/** The mmlab commands of `lines`, one block (a file written by a line may be read by a later
 *  one); `a && b` is two lines. */
function blockExamples(file: string, lines: readonly string[]): Example[] {
  const out: Example[] = [];
  const written = new Set<string>();
  for (const line of lines.flatMap((l) => l.split(" && "))) {
    const m = /^(?:(.*?)\|\s*)?(?:npx )?mmlab (.*)$/.exec(line.trim());
    if (!m) continue;
    const all = shellWords(m[2]!);
    const words: string[] = [];
    for (let i = 0; i < all.length; i++) {
      const w = all[i]!;
      const redirect = /^\d?>(.*)$/.exec(w);
      if (redirect) {
        const target = redirect[1] || all[++i]!;
        written.add(target);
        continue;
      }
      words.push(w);
    }
    const pipe = m[1] ? /^echo (.*)$/.exec(m[1].trim()) : null;
    out.push({
      file,
      line: line.trim(),
      words,
      stdin: pipe ? `${pipe[1]}\n` : null,
      written: new Set(written),
    });
  }
  return out;
}

const DOCS = [
  "README.md",
  ...readdirSync("docs")
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];
/** Each command's `--help` examples, as one block per command. */
const HELP = (await loadCommands()).flatMap((c) => blockExamples(`mmlab ${c.name} --help`, c.examples ?? []));
const ALL = [...DOCS.flatMap(examples), ...HELP];
/** Synopsis lines (`mmlab COMMAND [options]`, `mmlab --help`): forms, not examples. */
const runnable = ALL.filter((e) => !/^[A-Z[]/.test(e.words[0] ?? "") && !e.words.includes("--help"));

/** The host files an example names: paths in the repository it reads. */
function namedFiles(e: Example): string[] {
  const files: string[] = [];
  const w = e.words;
  for (let i = 0; i < w.length; i++) {
    const word = w[i]!;
    if (word === "--out") {
      i++; // written, not read
      continue;
    }
    if (word === "--mount") {
      files.push(w[++i]!.split(":")[0]!);
      continue;
    }
    if (word.startsWith("-") || word.startsWith("/") || word.includes("=")) continue;
    if (/^[A-Z][A-Z0-9_-]*(\.\w+)?$/.test(word)) continue; // a placeholder: PROGRAM, KERNEL.elf
    if (/\//.test(word) || /\.(elf|s|S|json|txt|ya?ml)$/.test(word)) files.push(word);
  }
  return files.filter((f) => !e.written.has(f) && !f.startsWith("out/"));
}

describe("documented examples", () => {
  it("are found: README, docs and every command's --help hold mmlab commands", () => {
    expect(runnable.length).toBeGreaterThan(15);
    expect(new Set(HELP.map((e) => e.file)).size).toBe(COMMAND_NAMES.length);
  });

  for (const e of runnable) {
    it(`${e.file}: ${e.line}: names files that exist`, () => {
      for (const f of namedFiles(e)) expect(existsSync(f), `${f} (in ${e.file}: ${e.line})`).toBe(true);
    });
  }

  // `run` with a budget (its status 124 then, or the program's own); `boot` with a script.
  const cheap = runnable.filter(
    (e) =>
      (e.words[0] === "run" &&
        !e.words.includes("--gdb") && // it waits for a debugger in another terminal
        e.words.every((w) => !w.endsWith(".s") || !e.written.has(w))) ||
      // (--script - reads the terminal: a pipe into it is not run here)
      (e.words[0] === "boot" && e.words.includes("--script") && !e.words.includes("-")),
  );
  for (const e of cheap) {
    it(`${e.file}: ${e.line}: runs`, async () => {
      const [cmd, ...rest] = e.words;
      const budget = cmd === "run" && !rest.includes("--max-insns") ? ["--max-insns", "2M"] : [];
      const input = [new TextEncoder().encode(e.stdin ?? "")];
      vi.spyOn(hostStdin, "read").mockImplementation(() => input.shift() ?? new Uint8Array(0));
      const r = await mmlab(cmd!, ...budget, "--mem", "64M", ...rest);
      vi.restoreAllMocks();
      expect([2, 70, 126, 127], `${e.line}: status ${r.status}\n${r.stderr}`).not.toContain(r.status);
    }, 60_000);
  }
});
