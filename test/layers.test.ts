// The layers of src/ (README.md, Layout): a file imports from its own folder or from
// a folder below it, never from one above. src/session (one guest run, shared by `mmlab run` and
// `mmlab exp sweep`) sits between exp and kernel.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../src");

/** Top to bottom. */
const LAYERS = ["cli", "gdb", "exp", "session", "kernel", "cpu", "mmu", "asm", "elf"];

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** The top folder under src/ of `path`. */
const layerOf = (path: string): string => relative(SRC, path).split("/")[0]!;

/** The relative modules `file` (whose text is `text`) imports: static, dynamic, re-exports. */
function imports(file: string, text: string): string[] {
  const found = [...text.matchAll(/(?:from|import\()\s*"(\.{1,2}\/[^"]+)"/g)].map((m) => m[1]!);
  return found.map((spec) => resolve(dirname(file), spec));
}

/** The imports of `files` that point up a layer ("exp/x.ts -> cli"), and how many imports
 *  cross from one layer to another. */
function scan(
  files: readonly string[],
  read: (file: string) => string,
): { upward: string[]; across: number } {
  const upward: string[] = [];
  let across = 0;
  for (const file of files) {
    const from = layerOf(file);
    for (const target of imports(file, read(file))) {
      const to = layerOf(target);
      if (to === from) continue;
      across++;
      if (LAYERS.indexOf(to) < LAYERS.indexOf(from)) upward.push(`${relative(SRC, file)} -> ${to}`);
    }
  }
  return { upward, across };
}

describe("the layers of src/", () => {
  it("every folder of src/ is a known layer", () => {
    const folders = readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.filter((f) => !LAYERS.includes(f))).toEqual([]);
    expect(folders).toContain("session");
  });

  it("imports point down only", () => {
    const { upward, across } = scan(sources(SRC), (f) => readFileSync(f, "utf8"));
    expect(upward).toEqual([]);
    expect(across).toBeGreaterThan(50); // the scan sees the imports between layers
  });

  it("the scan finds an import that points up, static or dynamic", () => {
    const files: Record<string, string> = {
      [join(SRC, "session/a.ts")]: 'import { x } from "../exp/index.js";\nimport { y } from "./b.js";\n',
      [join(SRC, "kernel/sub/b.ts")]:
        'const m = await import("../../session/index.js");\nexport * from "../../mmu/index.js";\n',
    };
    expect(scan(Object.keys(files), (f) => files[f]!)).toEqual({
      upward: ["session/a.ts -> exp", "kernel/sub/b.ts -> session"],
      across: 3,
    });
  });
});
