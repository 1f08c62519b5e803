// bin/mmlab.js, the `mmlab` command: started through its #! line (as npm's bin link and
// `./bin/mmlab.js` start it), Node runs without NODE_EXTRA_CA_CERTS and with glibc's malloc held
// to one arena, the user's own GLIBC_TUNABLES kept; and the command runs that way.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const BIN = "bin/mmlab.js";
const PROBE =
  "process.stdout.write(JSON.stringify([process.env.NODE_EXTRA_CA_CERTS ?? null, process.env.GLIBC_TUNABLES ?? null]))";

/** What the kernel runs for `#!INTERP ARG`: INTERP with ARG as one argument, then the script
 *  (here `-e PROBE` instead of the script, so that Node reports the environment it was given). */
function probeShebang(env: NodeJS.ProcessEnv): [string | null, string | null] {
  const line = readFileSync(BIN, "utf8").split("\n")[0]!;
  const m = /^#!(\S+) (.*)$/.exec(line);
  if (!m) throw new Error(`${BIN}: no "#!INTERP ARG" line: ${line}`);
  const r = spawnSync(m[1]!, [m[2]!, "-e", PROBE], { encoding: "utf8", env });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
}

describe("bin/mmlab.js's #! line", () => {
  it("drops NODE_EXTRA_CA_CERTS and sets one malloc arena", () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_EXTRA_CA_CERTS: "/nonexistent/ca.pem" };
    delete env.GLIBC_TUNABLES;
    const [ca, tunables] = probeShebang(env);
    expect(ca).toBeNull();
    expect(tunables!.split(":").filter((t) => t !== "")).toEqual(["glibc.malloc.arena_max=1"]);
  });

  it("keeps the user's own GLIBC_TUNABLES", () => {
    const env = { ...process.env, GLIBC_TUNABLES: "glibc.malloc.check=0" };
    expect(probeShebang(env)[1]).toBe("glibc.malloc.check=0:glibc.malloc.arena_max=1");
  });

  it("starts the command: a program runs to its exit status", () => {
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: "/nonexistent/ca.pem" };
    const r = spawnSync(BIN, ["run", "guests/bin/hello.nolibc.elf"], { encoding: "utf8", env });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("hello, world\n");
    expect(r.status).toBe(0);
  });

  it("runs the command through the code cache: the starter interpreter's compiled code is kept", () => {
    // The chunks requiring the bundle's entry (./mmlab.js: the CLI's compiler host) must get the
    // instance bin/mmlab.js loaded, to which the code cache's compiler was handed; a second
    // instance (the entry loaded again under another path) compiled it with new Function.
    const cache = mkdtempSync(join(tmpdir(), "mmlab-bin-"));
    try {
      const env = { ...process.env, MMLAB_CACHE_DIR: cache };
      const r = spawnSync(BIN, ["run", "--no-jit", "guests/bin/hello.nolibc.elf"], { encoding: "utf8", env });
      expect([r.status, r.stdout, r.stderr]).toEqual([0, "hello, world\n", ""]);
      expect(readdirSync(cache).filter((f) => f.startsWith("gen-paged-starter-"))).toHaveLength(1);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });
});
