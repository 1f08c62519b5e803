// Issue 16's first bullet: src/cpu, mmu, asm, elf and kernel import no node: module and use no
// Node global, so that they run in a web page too. Biome enforces it (biome.json's override:
// noNodejsModules, noRestrictedGlobals); this test fails if the override is dropped or narrowed,
// and checks the sources itself so the rule cannot be silenced by a suppression comment.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// The web page's own code (web/src: the engine, the worker, the views) is held to the same rule.
const CORE = ["src/cpu", "src/mmu", "src/asm", "src/elf", "src/kernel", "web/src"];

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
    const bad: string[] = [];
    for (const f of CORE.flatMap(sources)) {
      const text = readFileSync(f, "utf8");
      for (const [i, line] of text.split("\n").entries()) {
        if (
          /from\s+"node:|import\("node:|(^|[^\w./])process\.(stdout|stderr|stdin|env|argv|exit|cwd|hrtime|platform|nextTick)\b|\bBuffer\.|biome-ignore[^\n]*(noNodejsModules|noRestrictedGlobals)/.test(
            line,
          )
        )
          bad.push(`${f}:${i + 1}: ${line.trim()}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
