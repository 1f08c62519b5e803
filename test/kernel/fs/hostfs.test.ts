// Host files through the HostFs interface (src/kernel/fs/host.ts, src/cli/hostfs.ts): a
// mounted FIFO and /dev/zero stream in bounded host reads (never a whole file), a regular
// file is read at an offset in bounded pieces, mounts of a file and of nested directories,
// and the errors a bad --mount gives.

import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { HostFs } from "../../../src/kernel/index.js";
import { RW_CHUNK } from "../../../src/kernel/syscalls/fs.js";
import { nodeHostFs } from "../../../src/session/hostfs.js";
import { boot } from "../helpers.js";
import { hostDir, NR, O, proc } from "./harness.js";

/** nodeHostFs with the largest buffer of any read or write, and the bytes read, recorded. */
function spyFs(): { fs: HostFs; largest: () => number; bytesRead: () => number } {
  const inner = nodeHostFs();
  let largest = 0;
  let bytes = 0;
  const fs: HostFs = {
    ...inner,
    read: (fd, buf, pos) => {
      largest = Math.max(largest, buf.length);
      const r = inner.read(fd, buf, pos);
      if (typeof r === "number") bytes += r;
      return r;
    },
    write: (fd, data, pos) => {
      largest = Math.max(largest, data.length);
      return inner.write(fd, data, pos);
    },
  };
  return { fs, largest: () => largest, bytesRead: () => bytes };
}

describe("streaming host files", () => {
  it("/dev/zero mounted as a file streams in bounded reads however much is asked", () => {
    const spy = spyFs();
    const p = proc({ mounts: [{ host: "/dev/zero", guest: "/data/zero", fs: spy.fs }] });
    const fd = p.open("/data/zero", O.RDONLY);
    const buf = p.buf(1 << 20);
    let total = 0n;
    for (let i = 0; i < 512; i++) {
      const r = p.call(NR.read, fd, buf, 1n << 40n); // far more than the buffer: bounded reads
      expect(r).toBeGreaterThan(0n);
      total += r;
    }
    expect(total).toBeGreaterThanOrEqual(32n << 20n);
    expect(spy.largest()).toBeLessThanOrEqual(RW_CHUNK);
  });

  it("a host FIFO is read as it is written, to EOF, in bounded reads", async () => {
    const h = hostDir();
    try {
      const fifo = join(h.dir, "fifo");
      execFileSync("mkfifo", [fifo]);
      const size = 8 << 20;
      const writer = spawn("sh", ["-c", `head -c ${size} /dev/zero > '${fifo}'`]);
      const done = new Promise((res) => writer.on("exit", res));
      const spy = spyFs();
      const p = proc({ mounts: [{ host: h.dir, guest: "/mnt", fs: spy.fs }] });
      const fd = p.open("/mnt/fifo", O.RDONLY);
      const buf = p.buf(1 << 20);
      let total = 0n;
      for (let guard = 0; guard < 100_000; guard++) {
        const r = p.call(NR.read, fd, buf, 1 << 20);
        expect(r).toBeGreaterThanOrEqual(0n);
        if (r === 0n) break;
        total += r;
      }
      await done;
      expect(total).toBe(BigInt(size));
      expect(spy.largest()).toBeLessThanOrEqual(RW_CHUNK);
    } finally {
      h.done();
    }
  });

  it("a regular host file is read at an offset, one bounded piece at a time", () => {
    const h = hostDir();
    try {
      writeFileSync(join(h.dir, "big"), Buffer.alloc(3 << 20, 0x61));
      const spy = spyFs();
      const p = proc({ mounts: [{ host: h.dir, guest: "/mnt", fs: spy.fs }] });
      const fd = p.open("/mnt/big", O.RDONLY);
      const buf = p.buf(1 << 20);
      expect(p.call(NR.pread64, fd, buf, 1 << 20, 1 << 20)).toBe(1n << 20n);
      expect(spy.bytesRead()).toBe(1 << 20); // only what was asked, not the whole file
      expect(spy.largest()).toBeLessThanOrEqual(4096);
    } finally {
      h.done();
    }
  });
});

describe("mounts", () => {
  const h = hostDir();
  afterAll(h.done);
  mkdirSync(join(h.dir, "a/b"), { recursive: true });
  writeFileSync(join(h.dir, "a/b/c.txt"), "deep");
  writeFileSync(join(h.dir, "one.txt"), "one file");

  it("a file, a directory, a mount inside a mount; .. climbs out of a mount", () => {
    const p = proc({
      mounts: [
        { host: join(h.dir, "one.txt"), guest: "/etc/one" },
        { host: h.dir, guest: "/srv" },
        { host: join(h.dir, "a"), guest: "/srv/a/b" },
      ],
    });
    expect(p.cat("/etc/one")).toBe("one file");
    expect(p.cat("/srv/a/b/b/c.txt")).toBe("deep"); // /srv/a/b is host a/
    expect(p.cat("/srv/a/b/../b/b/c.txt")).toBe("deep");
    expect(p.call(NR.chdir, "/srv/a/b")).toBe(0n);
    expect(p.call(NR.chdir, "../../..")).toBe(0n);
    const b = p.buf(64);
    expect(p.call(NR.getcwd, b, 64)).toBe(2n);
    const mounts = p.cat("/proc/self/mounts");
    expect(mounts).toContain(`${h.dir} /srv hostfs ro,relatime 0 0`);
    expect(mounts).toContain(`${join(h.dir, "a")} /srv/a/b hostfs ro,relatime 0 0`);
  });

  it("a bad --mount is a clear error", () => {
    const k = boot();
    const host = nodeHostFs();
    expect(() => k.vfs.mount_host(host, { host: join(h.dir, "none"), guest: "/x", rw: false })).toThrow(
      /--mount .*none:\/x: ENOENT/,
    );
    expect(() => k.vfs.mount_host(host, { host: join(h.dir, "one.txt"), guest: "/tmp", rw: false })).toThrow(
      /is a directory/,
    );
    expect(() => k.vfs.mount_host(host, { host: h.dir, guest: "/dev/null", rw: false })).toThrow(
      /not a directory/,
    );
  });
});
