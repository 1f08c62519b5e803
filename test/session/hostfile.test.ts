// readHostFile: what mmlab reads whole it reads with a bound, and what it cannot read that way
// it refuses up front, naming the file.

import { execFileSync } from "node:child_process";
import { closeSync, ftruncateSync, mkdirSync, openSync, statSync, symlinkSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { HostFileError, makeDirs, readHostFile } from "../../src/session/index.js";
import { tempDirPerTest, writeFile } from "../helpers/cli.js";

const tmp = tempDirPerTest();

function refusal(path: string, limits: Parameters<typeof readHostFile>[1]): HostFileError {
  try {
    readHostFile(path, limits);
  } catch (e) {
    expect(e).toBeInstanceOf(HostFileError);
    return e as HostFileError;
  }
  throw new Error(`${path} was read`);
}

describe("readHostFile", () => {
  it("reads a regular file whole", () => {
    const p = writeFile(tmp.path("a.txt"), "hello\n");
    expect(new TextDecoder().decode(readHostFile(p, { max: 100 }))).toBe("hello\n");
  });

  it("reads a file larger than a read chunk whole, into a buffer of its size", () => {
    const data = new Uint8Array(300_000).map((_, i) => (i * 7) & 255);
    const got = readHostFile(writeFile(tmp.path("big.bin"), data), { max: 1 << 20 });
    expect(got).toEqual(data);
    expect([got.byteOffset, got.buffer.byteLength]).toEqual([0, data.length]);
  });

  it("refuses a directory, a device and a missing file by name", () => {
    mkdirSync(tmp.path("d"));
    expect(refusal(tmp.path("d"), { max: 100 }).message).toBe(`${tmp.path("d")}: is a directory`);
    expect(refusal("/dev/zero", { max: 100, stream: true }).message).toBe(
      "/dev/zero: is a character device, not a regular file",
    );
    const e = refusal(tmp.path("none"), { max: 100 });
    expect([e.message, e.code]).toEqual([`${tmp.path("none")}: no such file`, "ENOENT"]);
  });

  it("names a symbolic-link loop as such, in the words of the shell", () => {
    symlinkSync(tmp.path("b"), tmp.path("a"));
    symlinkSync(tmp.path("a"), tmp.path("b"));
    const e = refusal(tmp.path("a"), { max: 100 });
    expect([e.message, e.code]).toEqual([`${tmp.path("a")}: too many levels of symbolic links`, "ELOOP"]);
  });

  it("refuses a file over the bound before reading it (a 2 GiB sparse file)", () => {
    const p = tmp.path("sparse");
    const fd = openSync(p, "w");
    ftruncateSync(fd, 2 ** 31);
    closeSync(fd);
    expect(refusal(p, { max: 256 << 20 }).message).toBe(`${p}: 2048 MiB, more than the 256 MiB mmlab reads`);
  });

  it("refuses a named FIFO (its open would wait for a writer), streams or not", () => {
    const p = tmp.path("fifo");
    execFileSync("mkfifo", [p]);
    expect(refusal(p, { max: 100 }).message).toBe(`${p}: is a FIFO, not a regular file`);
    expect(refusal(p, { max: 100, stream: true }).message).toMatch(/is a FIFO.*pipe it into '-' instead/);
  });
});

describe("makeDirs", () => {
  it("makes the missing directories, and is done when they exist", () => {
    makeDirs(tmp.path("a/b/c"));
    makeDirs(tmp.path("a/b/c"));
    expect(statSync(tmp.path("a/b/c")).isDirectory()).toBe(true);
  });

  it("fails at once where a directory cannot be made: under /proc, through a file", () => {
    // Node's recursive mkdirSync never returns for /proc/...: it retries ENOENT there.
    expect(() => makeDirs("/proc/mmlab-no-such-dir/out")).toThrow(/ENOENT/);
    const f = writeFile(tmp.path("file"), "x");
    expect(() => makeDirs(`${f}/sub`)).toThrow(/ENOTDIR/);
    expect(() => makeDirs(f)).toThrow(/ENOTDIR: not a directory/);
  });
});
