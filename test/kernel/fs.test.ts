import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EISDIR, ENOENT, EROFS } from "../../src/kernel/errno.js";
import { openHost, parseMount, resolveMount } from "../../src/kernel/fs.js";

describe("mounted host directories", () => {
  const dir = mkdtempSync(join(tmpdir(), "mmlab-fs-"));
  writeFileSync(join(dir, "a.txt"), "hello");
  const mounts = [{ host: dir, guest: "/data" }];
  afterAll(() => rmSync(dir, { recursive: true }));

  it("resolves guest paths under a mount, and nothing else", () => {
    expect(resolveMount(mounts, "/data/a.txt")).toBe(join(dir, "a.txt"));
    expect(resolveMount(mounts, "/data/../etc/passwd")).toBeNull();
    expect(resolveMount(mounts, "/database")).toBeNull();
  });

  it("opens read-only: contents, ENOENT, EROFS for writes, EISDIR for the directory", () => {
    const f = openHost(mounts, "/data/a.txt", 0);
    expect(typeof f === "object" && f.kind === "file" && new TextDecoder().decode(f.data)).toBe("hello");
    expect(openHost(mounts, "/data/missing", 0)).toBe(-ENOENT);
    expect(openHost(mounts, "/elsewhere", 0)).toBe(-ENOENT);
    expect(openHost(mounts, "/data/a.txt", 1)).toBe(-EROFS);
    expect(openHost(mounts, "/data", 0)).toBe(-EISDIR);
    expect([ENOENT, EROFS, EISDIR]).toEqual([2n, 30n, 21n]); // Linux's values
  });

  it("parses HOST:GUEST and names a bad one", () => {
    expect(parseMount("/tmp/x:/mnt")).toEqual({ host: "/tmp/x", guest: "/mnt" });
    expect(() => parseMount("nocolon")).toThrow(/--mount expects HOST:GUEST/);
    expect(() => parseMount("/tmp/x:relative")).toThrow(/must be absolute/);
  });
});
