// Module hooks that let a child `node` process run mmlab's TypeScript sources, as vitest does in
// its own processes: a relative "./x.js" imported from a .ts file resolves to "./x.ts" when that
// exists, and a .ts file is compiled to JavaScript with TypeScript's transpileModule (types are
// erased, nothing is checked: `npm test` type-checks). Registered by ts-loader.mjs.

import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import ts from "typescript";

export async function resolve(specifier, context, next) {
  const parent = context.parentURL;
  if (parent?.endsWith(".ts") && specifier.startsWith(".") && specifier.endsWith(".js")) {
    const url = new URL(`${specifier.slice(0, -3)}.ts`, parent);
    if (existsSync(fileURLToPath(url))) return { url: url.href, shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.endsWith(".ts")) return next(url, context);
  const fileName = fileURLToPath(url);
  const out = ts.transpileModule(await readFile(fileName, "utf8"), {
    fileName,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  return { format: "module", source: out.outputText, shortCircuit: true };
}
