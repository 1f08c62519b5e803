// How the generated interpreters (src/cpu/interp.ts) are compiled in this process, and how a
// module of the bundle is loaded at once: bin/mmlab.js (through start.js, src/cli/code-cache.ts
// runCached) hands over its code-cache loader's ways, and every command that makes machines
// (machineConfig) passes them to the layers below. With them come the cache directory and the
// build's identity, which the translation cache (translation-cache.ts) keys its files under. A
// leaf the entry chunk holds without loading the CPU layer (`mmlab --version` stays small).

import type { GeneratedCompiler } from "../cpu/index.js";

/** The user's cache directory (null: caching turned off) and the bundle's build identity (null:
 *  none, e.g. TypeScript's output run without a bundle). */
export interface HostCache {
  dir: string | null;
  build: string | null;
}

let host: GeneratedCompiler | null = null;
let cache: HostCache = { dir: null, build: null };

/** Compile the generated interpreters with `c` (the code cache's loader), for the machines made
 *  from now on; `where` says where caches live and which build this is. */
export function setCompilerHost(c: GeneratedCompiler, where: HostCache = { dir: null, build: null }): void {
  host = c;
  cache = where;
}

/** The compiler bin/mmlab.js handed over, or null (in-process callers: tests, the playground). */
export function compilerHost(): GeneratedCompiler | null {
  return host;
}

/** The cache directory and build identity bin/mmlab.js handed over (both null without). */
export function hostCache(): HostCache {
  return cache;
}

/** Loads a module of the bundle synchronously, named by its source path from the repository
 *  ("src/cpu/jit/index.ts"): its exports, or null when the bundle has no chunk for it. */
export type ModuleLoader = (source: string) => object | null;

let modules: ModuleLoader | null = null;

/** Load the bundle's modules with `l` (the code cache's loader) when they are needed at once. */
export function setModuleLoader(l: ModuleLoader): void {
  modules = l;
}

/** The module loader bin/mmlab.js handed over, or null (in-process callers; a run of
 *  TypeScript's output without the bundle). */
export function moduleLoader(): ModuleLoader | null {
  return modules;
}
