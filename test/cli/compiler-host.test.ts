// The compiler bin/mmlab.js hands over for the generated interpreters (src/cli/compiler-host.ts):
// once set, the machines a command makes have their interpreter variants compiled through it.

import { describe, expect, it } from "vitest";
import { compilerHost, setCompilerHost } from "../../src/cli/compiler-host.js";
import { mmlab, tempDirPerTest, writeFile } from "../helpers/cli.js";
import { passElf } from "./helpers.js";

const tmp = tempDirPerTest("mmlab-compiler-host-");

describe("the compiler host", () => {
  it("compiles the interpreter variants of the machines made after it was set", async () => {
    expect(compilerHost()).toBeNull(); // in-process: new Function
    const names: string[] = [];
    setCompilerHost((name, params, body) => {
      names.push(name);
      return new Function(params, body()) as (...args: never[]) => unknown;
    });
    const r = await mmlab("run", "--bare", "--no-jit", writeFile(tmp.path("pass.elf"), passElf()));
    expect(r.status).toBe(0);
    expect(names).toEqual(["bare-starter"]); // the starter variant ran the whole (short) program
  });
});
