// Issue 16's first bullet: src/cpu, mmu, asm, elf and kernel import no node: module and use no
// Node global, so that they run in a web page too. Biome enforces it (biome.json's override:
// noNodejsModules, noRestrictedGlobals); this test fails if the override is dropped or narrowed,
// and checks the sources itself so the rule cannot be silenced by a suppression comment.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// The web page's own code (web/src: the engine, the worker, the views) is held to the same rule.
const CORE = ["src/cpu", "src/mmu", "src/asm", "src/elf", "src/kernel", "web/src"];

/** A use of a node: module or of a Node global on one line of source. */
const NODE_USE =
  /from\s+"node:|import\("node:|(^|[^\w./])process\.(stdout|stderr|stdin|env|argv|exit|cwd|hrtime|platform|nextTick)\b|\bBuffer\.|biome-ignore[^\n]*(noNodejsModules|noRestrictedGlobals)/;

/** The lines of `files` that use Node (NODE_USE), as "file:line: text". */
function nodeUses(files: readonly string[]): string[] {
  const bad: string[] = [];
  for (const f of files) {
    for (const [i, line] of readFileSync(f, "utf8").split("\n").entries()) {
      if (NODE_USE.test(line)) bad.push(`${f}:${i + 1}: ${line.trim()}`);
    }
  }
  return bad;
}

/** The .ts files `roots` import, directly or not, through relative imports (static, dynamic and
 *  type-only alike: a value import is what matters, but a type import costs nothing to keep clean). */
function importClosure(roots: readonly string[]): string[] {
  const seen = new Set<string>();
  const todo = [...roots];
  while (todo.length > 0) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    const text = readFileSync(f, "utf8");
    for (const m of text.matchAll(/(?:from|import\()\s*"(\.{1,2}\/[^"]+)\.js"/g)) {
      todo.push(resolve(dirname(f), `${m[1]}.ts`));
    }
  }
  return [...seen];
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

describe("the core runs without Node", () => {
  it("biome.json forbids node: modules and Node globals in every core folder", () => {
    const cfg = JSON.parse(readFileSync("biome.json", "utf8"));
    const o = cfg.overrides.find((x: { includes: string[] }) => x.includes.includes("src/kernel/**"));
    expect(o.includes).toEqual(CORE.map((d) => `${d}/**`));
    expect(o.linter.rules.correctness.noNodejsModules).toBe("error");
    const denied = Object.keys(o.linter.rules.style.noRestrictedGlobals.options.deniedGlobals);
    expect(denied).toEqual(expect.arrayContaining(["process", "Buffer", "require"]));
  });

  it("no core source imports a node: module, uses a Node global or silences the rule", () => {
    expect(nodeUses(CORE.flatMap(sources))).toEqual([]);
  });

  // src/session is shared with the CLI and not a core folder, but the page imports some of it:
  // every file the page's modules reach must run in a browser (a `process.hrtime` in
  // session/stats.ts once hung the benchmark page's worker on a ReferenceError).
  it("no source the web page imports, directly or not, uses Node", () => {
    const closure = importClosure(sources("web/src"));
    expect(closure.some((f) => f.endsWith("src/session/stats.ts"))).toBe(true);
    // newMachine's default console is this process's stdout, for the CLI's callers; the page
    // always gives its own (web/src/engine.ts, bench-core.ts).
    const allowed =
      /src\/session\/machine\.ts:\d+: console: \(byte: number\) => void = \(b\) => process\.stdout\.write/;
    expect(nodeUses(closure).filter((u) => !allowed.test(u))).toEqual([]);
  });
});
