// The host side of --mount (src/cli/hostfs.ts, node:fs behind the kernel's HostFs) and
// `mmlab run --mount HOST:GUEST[:rw]`: errors as errno names, directories read one entry at a
// time, reads and writes at an offset; read-only by default (EROFS), :rw writes reaching the
// host (with the warning in --help), and the cat guest over a mounted file and a host FIFO.

import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isHostErr } from "../../src/kernel/index.js";
import { nodeHostFs } from "../../src/session/hostfs.js";
import { mmlab, tempDirPerTest } from "../helpers/cli.js";

const tmp = tempDirPerTest("mmlab-hostfs-");

describe("nodeHostFs", () => {
  it("turns node:fs errors into errno names", () => {
    const fs = nodeHostFs();
    expect(fs.stat(tmp.path("none"))).toEqual({ errno: "ENOENT" });
    writeFileSync(tmp.path("f"), "x");
    expect(fs.opendir(tmp.path("f"))).toEqual({ errno: "ENOTDIR" });
    expect(fs.mkdir(tmp.path("f"), 0o755)).toEqual({ errno: "EEXIST" });
    mkdirSync(tmp.path("d"));
    writeFileSync(tmp.path("d/x"), "");
    expect(fs.rmdir(tmp.path("d"))).toEqual({ errno: "ENOTEMPTY" });
  });

  it("reads a directory one entry at a time, and files at an offset", () => {
    const fs = nodeHostFs();
    for (const n of ["a", "b", "c"]) writeFileSync(tmp.path(n), n.repeat(10));
    mkdirSync(tmp.path("sub"));
    const dir = fs.opendir(tmp.dir);
    if (isHostErr(dir)) throw new Error("opendir");
    const names: [string, number][] = [];
    for (;;) {
      const e = fs.readdir(dir);
      if (isHostErr(e)) throw new Error("readdir");
      if (e === null) break;
      names.push([e.name, e.type]);
    }
    fs.closedir(dir);
    expect(names.sort()).toEqual([
      ["a", 8],
      ["b", 8],
      ["c", 8],
      ["sub", 4],
    ]);
    const fd = fs.open(tmp.path("b"), {
      read: true,
      write: true,
      create: false,
      excl: false,
      trunc: false,
      mode: 0,
    });
    if (isHostErr(fd)) throw new Error("open");
    const buf = new Uint8Array(4);
    expect(fs.read(fd, buf, 8)).toBe(2);
    expect(fs.write(fd, new TextEncoder().encode("XY"), 3)).toBe(2);
    fs.close(fd);
    expect(readFileSync(tmp.path("b"), "utf8")).toBe("bbbXYbbbbb");
  });

  it("gives a name that is not UTF-8 as its bytes, and finds the file by them", () => {
    const fs = nodeHostFs();
    const raw = Buffer.concat([Buffer.from(`${tmp.dir}/`), Buffer.from([0x6e, 0xff])]);
    writeFileSync(raw, "raw");
    symlinkSync(Buffer.from([0x74, 0xfe]), Buffer.from(`${tmp.dir}/l`));
    const dir = fs.opendir(tmp.dir);
    if (isHostErr(dir)) throw new Error("opendir");
    const names: string[] = [];
    for (let e = fs.readdir(dir); e !== null && !isHostErr(e); e = fs.readdir(dir)) names.push(e.name);
    fs.closedir(dir);
    expect(names.sort()).toEqual(["l", "n\udcff"]);
    expect(fs.stat(`${tmp.dir}/n\udcff`)).toMatchObject({ size: 3 });
    expect(fs.readlink(`${tmp.dir}/l`)).toBe("t\udcfe");
    expect(fs.rename(`${tmp.dir}/n\udcff`, `${tmp.dir}/m\udcfa`)).toBeUndefined();
    expect(readFileSync(Buffer.concat([Buffer.from(`${tmp.dir}/`), Buffer.from([0x6d, 0xfa])]), "utf8")).toBe(
      "raw",
    );
  });
});

describe("mmlab run --mount", () => {
  const RM = "guests/bin/rm.nolibc.elf";
  const CAT = "guests/bin/cat.nolibc.elf";

  it("--help warns that :rw changes the host's files", async () => {
    const r = await mmlab("run", "--help");
    expect(r.stdout).toMatch(/--mount HOST:GUEST\[:rw\]/);
    expect(r.stdout).toMatch(
      /WARNING: with :rw the guest's writes, renames and deletions change HOST's real files/,
    );
  });

  it("read-only by default: a removal is EROFS and the host file stays", async () => {
    writeFileSync(tmp.path("keep"), "k");
    const r = await mmlab("run", "--mount", `${tmp.dir}:/data`, RM, "/data/keep");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("rm: /data/keep: EROFS");
    expect(existsSync(tmp.path("keep"))).toBe(true);
  });

  it(":rw lets the guest remove the host file", async () => {
    writeFileSync(tmp.path("gone"), "g");
    const r = await mmlab("run", "--mount", `${tmp.dir}:/data:rw`, RM, "/data/gone");
    expect(r.status).toBe(0);
    expect(existsSync(tmp.path("gone"))).toBe(false);
  });

  it("a missing HOST is an input error", async () => {
    const r = await mmlab("run", "--mount", `${tmp.path("none")}:/data`, CAT);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/none: no such file or directory \(--mount /);
  });

  it("cat copies a mounted file, and a host FIFO as it is written", async () => {
    writeFileSync(tmp.path("t.txt"), "mounted text\n");
    execFileSync("mkfifo", [tmp.path("fifo")]);
    const writer = spawn("sh", ["-c", `printf 'through the fifo\\n' > '${tmp.path("fifo")}'`]);
    const done = new Promise((res) => writer.on("exit", res));
    const r = await mmlab("run", "--mount", `${tmp.dir}:/data`, CAT, "/data/t.txt", "/data/fifo");
    await done;
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("mounted text\nthrough the fifo\n");
    expect(r.status).toBe(0);
  });
});
