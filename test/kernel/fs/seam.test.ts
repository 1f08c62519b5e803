// The seam between processes and files (src/kernel/fs/index.ts): what fork, exec and exit do
// to the fd table and the fs_struct, and how execve finds its file.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EACCES, ENOENT } from "../../../src/kernel/errno.js";
import { files_struct, open_exec } from "../../../src/kernel/fs/index.js";
import { nodeHostFs } from "../../../src/session/hostfs.js";
import { boot } from "../helpers.js";

/** A files_struct with the terminal's three streams at 0, 1, 2. */
function stdioTable(): files_struct {
  const k = boot();
  const io = { stdin: () => new Uint8Array(0), write: () => {}, isatty: () => false };
  return files_struct.init(k.vfs.stdio(io));
}

describe("files_struct: fork, exec and exit", () => {
  it("dup_fd copies the table (close-on-exec marks too); get_files shares it", () => {
    const f = stdioTable();
    f.set_close_on_exec(2, true);
    const copy = f.dup_fd();
    expect(copy).not.toBe(f);
    expect(copy.nr_open).toBe(3);
    expect(copy.get_close_on_exec(2)).toBe(true);
    expect(copy.close_fd(1)).toBe(0n);
    expect(f.nr_open).toBe(3); // the parent's table is its own
    expect(f.get_files()).toBe(f);
    expect(f.count).toBe(2);
  });

  it("exec unshares a shared table, then closes the close-on-exec descriptors", () => {
    const f = stdioTable().get_files();
    f.set_close_on_exec(1, true);
    const mine = f.unshare_files();
    expect(mine).not.toBe(f);
    expect(f.count).toBe(1);
    mine.do_close_on_exec();
    expect([mine.nr_open, f.nr_open]).toEqual([2, 3]);
    expect(mine.unshare_files()).toBe(mine); // not shared: kept
  });

  it("the last put_files closes everything", () => {
    const f = stdioTable().get_files();
    f.put_files();
    expect(f.nr_open).toBe(3);
    f.put_files();
    expect(f.nr_open).toBe(0);
  });
});

describe("fs_struct and open_exec", () => {
  const dir = mkdtempSync(join(tmpdir(), "mmlab-seam-"));
  writeFileSync(join(dir, "prog"), "\x7fELF...", { mode: 0o755 });
  writeFileSync(join(dir, "data"), "x", { mode: 0o644 });
  afterAll(() => rmSync(dir, { recursive: true }));
  const k = boot();
  k.vfs.mount_host(nodeHostFs(), { host: dir, guest: "/bin", rw: false });
  const fs = k.vfs.init_fs();

  it("finds an executable by absolute path or from the cwd", () => {
    const e = open_exec(fs, "/bin/prog");
    expect(typeof e === "object" && e.bytes.length).toBe(7);
    const sub = fs.copy_fs();
    sub.set_pwd(k.vfs.lookup("/bin"));
    expect(typeof open_exec(sub, "prog")).toBe("object");
    expect(fs.cwd).toBe("/"); // copy_fs: the parent's cwd is its own
    expect(sub.cwd).toBe("/bin");
  });

  it("refuses a missing file, a directory and a file without an execute bit, as execve does", () => {
    expect(open_exec(fs, "/bin/none")).toBe(-ENOENT);
    expect(open_exec(fs, "/bin")).toBe(-EACCES);
    expect(open_exec(fs, "/bin/data")).toBe(-EACCES);
  });
});
