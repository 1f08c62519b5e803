// V8's flag setter of the `mmlab` command (src/cli/v8-tuning.ts): from Node's binding without the
// deprecation warning it would print, else from node:v8; and the flags the command sets.

import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { type FlagHost, type FlagSetter, tuneV8, v8FlagSetter } from "../../src/cli/v8-tuning.js";

const ROOT = resolve(import.meta.dirname, "../..");

/** A host whose binding and node:v8 record the flags they are given. */
function fakeHost(binding: FlagHost["binding"]): { host: FlagHost; fromV8: string[]; warned: unknown[][] } {
  const fromV8: string[] = [];
  const warned: unknown[][] = [];
  const host: FlagHost = {
    emitWarning: (...args: never[]) => {
      warned.push(args);
    },
    getBuiltinModule: () => ({ setFlagsFromString: (f: string) => fromV8.push(f) }),
  };
  if (binding) host.binding = binding;
  return { host, fromV8, warned };
}

describe("v8FlagSetter", () => {
  it("takes setFlagsFromString from process.binding('v8'), muting the warning it makes", () => {
    const got: string[] = [];
    const names: string[] = [];
    const fake = fakeHost((name: string) => {
      names.push(name);
      fake.host.emitWarning(...(["deprecated", "DeprecationWarning", "DEP0111"] as never[]));
      return { setFlagsFromString: (f: string) => got.push(f) };
    });
    const emit = fake.host.emitWarning;
    const set = v8FlagSetter(fake.host);
    set("--no-use-osr");
    expect({ names, got, fromV8: fake.fromV8, warned: fake.warned }).toEqual({
      names: ["v8"],
      got: ["--no-use-osr"],
      fromV8: [],
      warned: [],
    });
    expect(fake.host.emitWarning).toBe(emit); // restored
  });

  it("falls back to node:v8 without a binding, when it throws, or when it lacks the setter", () => {
    const cases: FlagHost["binding"][] = [
      undefined,
      () => {
        throw new Error("No such module: v8");
      },
      () => ({}),
    ];
    for (const binding of cases) {
      const fake = fakeHost(binding);
      v8FlagSetter(fake.host)("--allow-natives-syntax");
      expect(fake.fromV8).toEqual(["--allow-natives-syntax"]);
    }
  });

  it("tuneV8 turns off on-stack replacement and turns on natives syntax and wasm branch hints", () => {
    const flags: string[] = [];
    const set: FlagSetter = (f) => flags.push(f);
    tuneV8(set);
    expect(flags).toEqual(["--no-use-osr", "--allow-natives-syntax", "--experimental-wasm-branch-hinting"]);
  });

  it("sets the flags in a real Node without a warning and without loading a module (node:v8 loads Node's streams)", () => {
    const probe = [
      `import { tuneV8 } from ${JSON.stringify(join(ROOT, "src/cli/v8-tuning.ts"))};`,
      "const before = new Set(process.moduleLoadList);",
      "tuneV8();",
      "const loaded = process.moduleLoadList.filter((m) => !before.has(m) && m.startsWith('NativeModule'));",
      "const natives = (() => { try { new Function('%GetOptimizationStatus(function () {})'); return true; } catch { return false; } })();",
      "process.getBuiltinModule('node:fs').writeSync(1, JSON.stringify({ natives, loaded }));",
    ].join("\n");
    const r = spawnSync(
      process.execPath,
      ["--import", join(ROOT, "test/helpers/ts-loader.mjs"), "--input-type=module", "-e", probe],
      { encoding: "utf8" },
    );
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
      status: 0,
      stdout: JSON.stringify({ natives: true, loaded: [] }),
      stderr: "",
    });
  });
});
