// /proc from the guest (fs/proc): maps and smaps in Linux's format, status, pagemap's bits,
// the fd/, exe, cwd and cmdline entries, meminfo, vmstat, cpuinfo, and /proc/sys/vm's knobs
// written as root and obeyed by mmap; RLIMIT_NOFILE through prlimit64.

import { describe, expect, it } from "vitest";
import { AT, E, NR, O, type Proc, proc } from "./harness.js";

const PAGE = 4096;

function readlink(p: Proc, name: string): string | bigint {
  const b = p.buf(256);
  const n = p.call(NR.readlinkat, AT.FDCWD, name, b, 256);
  return n < 0n ? n : p.text(b, Number(n));
}

/** Write `text` to an open of `name`: the write's result. */
function echo(p: Proc, name: string, text: string): bigint {
  const fd = Number(p.call(NR.openat, AT.FDCWD, name, O.WRONLY));
  if (fd < 0) return BigInt(fd);
  const r = p.call(NR.write, fd, p.bytes(text), text.length);
  p.call(NR.close, fd);
  return r;
}

describe("/proc/PID", () => {
  it("maps: Linux's columns, the file's device and inode, [stack]", () => {
    const p = proc();
    const fd = p.open("/tmp/m", O.CREAT | O.RDWR);
    p.puts(fd, "x".repeat(2 * PAGE));
    const va = p.call(NR.mmap, 0, 2 * PAGE, 1, 2, fd, PAGE); // MAP_PRIVATE at offset 4096
    const st = p.buf(128);
    p.call(NR.fstat, fd, st);
    const ino = p.u64(st, 8);
    const maps = p.cat("/proc/self/maps").split("\n");
    const hex = (v: bigint): string => v.toString(16).padStart(8, "0");
    const line = `${hex(va)}-${hex(va + BigInt(2 * PAGE))} r--p 00001000 00:01 ${ino}`;
    expect(maps).toContain(`${line.padEnd(72)} /tmp/m`);
    expect(maps.find((l) => l.endsWith("[stack]"))).toMatch(
      /^[0-9a-f]{8,}-[0-9a-f]{8,} rw-p 00000000 00:00 0 {2,}\[stack\]$/,
    );
    expect(maps[0]).toMatch(/^00010000-00011000 r-xp 00000000 00:00 0 $/);
  });

  it("status: the fields programs read, with real memory figures", () => {
    const p = proc();
    const status = p.cat("/proc/self/status");
    for (const f of ["Name:\tspin", "State:\tR (running)", "Tgid:\t1", "Pid:\t1", "PPid:\t0", "Threads:\t1"])
      expect(status).toContain(`${f}\n`);
    for (const f of ["VmPeak", "VmSize", "VmLck", "VmHWM", "VmRSS", "RssAnon", "VmPTE"])
      expect(status).toMatch(new RegExp(`^${f}:\\t +\\d+ kB$`, "m"));
    expect(status).toMatch(/^SigQ:\t0\/\d+$/m);
    const rss = Number(/^VmRSS:\t +(\d+) kB$/m.exec(status)![1]);
    expect(rss).toBeGreaterThanOrEqual(4096); // the harness's 4 MiB scratch area is resident
    expect(p.cat("/proc/1/status")).toContain("Name:\tspin\n");
    expect(p.call(NR.openat, AT.FDCWD, "/proc/2/status", O.RDONLY)).toBe(E.ENOENT);
  });

  it("smaps: a block per mapping with Rss, Pss, Private_Dirty and VmFlags", () => {
    const p = proc();
    const smaps = p.cat("/proc/self/smaps");
    expect(smaps).toMatch(/^Rss: +4096 kB$/m);
    expect(smaps).toMatch(/^VmFlags: rd wr mr mw me ac $/m);
    expect(smaps.split("\n").filter((l) => l.startsWith("Size:")).length).toBe(p.t.mm.vmas.length);
  });

  it("pagemap: present, exclusive, soft-dirty, file bits and the PFN (the guest is root)", () => {
    const p = proc();
    const fd = p.open("/tmp/f", O.CREAT | O.RDWR);
    p.puts(fd, "y".repeat(PAGE));
    const shared = p.call(NR.mmap, 0, PAGE, 3, 1, fd, 0);
    p.text(shared, 1);
    const anon = p.call(NR.mmap, 0, 2 * PAGE, 3, 0x22, -1, 0);
    p.write(anon, new Uint8Array([1]));
    const pm = p.open("/proc/self/pagemap", O.RDONLY);
    const b = p.buf(16);
    const entry = (va: bigint): bigint => {
      expect(p.call(NR.pread64, pm, b, 8, (va / BigInt(PAGE)) * 8n)).toBe(8n);
      return p.u64(b);
    };
    const a = entry(anon);
    const bit = (e: bigint, n: number): boolean => ((e >> BigInt(n)) & 1n) === 1n;
    expect([bit(a, 63), bit(a, 61), bit(a, 56), bit(a, 55)]).toEqual([true, false, true, true]);
    expect(Number(a & ((1n << 55n) - 1n))).toBe(p.t.mm.pgd.lookup(anon) ? pfnOf(p, anon) : -1);
    const notYet = entry(anon + BigInt(PAGE));
    expect([bit(notYet, 63), bit(notYet, 55), notYet & ((1n << 55n) - 1n)]).toEqual([false, true, 0n]);
    const f = entry(shared);
    expect([bit(f, 63), bit(f, 61)]).toEqual([true, true]);
    expect(entry(1n << 40n)).toBe(0n); // no mapping
    expect(p.call(NR.pread64, pm, b, 4, 0)).toBe(E.EINVAL); // not a whole entry
  });

  it("fd/, exe, cwd, cmdline", () => {
    const p = proc();
    p.open("/tmp/f", O.CREAT | O.WRONLY);
    expect(readlink(p, "/proc/self/fd/3")).toBe("/tmp/f");
    expect(readlink(p, "/proc/self/exe")).toBe("/bin/spin");
    expect(readlink(p, "/proc/self/cwd")).toBe("/");
    expect(readlink(p, "/proc/self")).toBe("1");
    expect(String(readlink(p, "/proc/self/fd/0"))).toMatch(/^pipe:\[\d+\]$/);
    p.call(NR.unlinkat, AT.FDCWD, "/tmp/f", 0);
    expect(readlink(p, "/proc/self/fd/3")).toBe("/tmp/f (deleted)");
    // opening fd/N opens the file itself, even unlinked
    const again = p.open("/proc/self/fd/3", O.RDWR);
    p.puts(again, "via fd");
    expect(p.call(NR.pread64, again, p.buf(8), 8, 0)).toBe(6n);
    expect(p.cat("/proc/self/cmdline")).toBe("spin\0");
    expect(readlink(p, "/proc/self/fd/99")).toBe(E.ENOENT);
  });
});

describe("/proc files of the kernel", () => {
  it("meminfo, vmstat and cpuinfo", () => {
    const p = proc({ harts: 2 });
    expect(p.cat("/proc/meminfo")).toMatch(/^MemTotal: +65536 kB$/m);
    expect(p.cat("/proc/vmstat")).toMatch(/^nr_free_pages \d+$/m);
    const cpu = p.cat("/proc/cpuinfo");
    expect(cpu).toMatch(/^processor\t: 0\nhart\t\t: 0\nisa\t\t: rv64imafdc_zicsr_zifencei\nmmu\t\t: sv48\n/m);
    expect(cpu).toContain("processor\t: 1\n");
  });
});

describe("/proc/sys/vm", () => {
  it("reads the kernel's settings; root writes them, and mmap obeys", () => {
    const p = proc();
    expect(p.cat("/proc/sys/vm/mmap_min_addr")).toBe("4096\n");
    expect(p.cat("/proc/sys/vm/overcommit_memory")).toBe("0\n");
    expect(p.cat("/proc/sys/vm/max_map_count")).toBe("65530\n");
    // max_map_count: mmap fails with ENOMEM once there are more mappings
    const n = p.t.mm.vmas.length;
    expect(echo(p, "/proc/sys/vm/max_map_count", `${n}\n`)).toBe(BigInt(String(n).length + 1));
    expect(p.k.sysctl.vm.max_map_count).toBe(n);
    expect(p.call(NR.mmap, 0, PAGE, 3, 0x22, -1, 0)).toBeGreaterThan(0n);
    expect(p.call(NR.mmap, 0, PAGE, 3, 0x22, -1, 0)).toBe(E.ENOMEM);
    echo(p, "/proc/sys/vm/max_map_count", "65530");
    // overcommit_memory: 0 refuses one private writable mapping bigger than RAM, 1 allows it,
    // 2 keeps the commit within half of RAM
    const big = 128n << 20n;
    expect(p.call(NR.mmap, 0, big, 3, 0x22, -1, 0)).toBe(E.ENOMEM);
    expect(p.call(NR.mmap, 0, big, 3, 0x22 | 0x4000, -1, 0)).toBeGreaterThan(0n); // MAP_NORESERVE
    expect(echo(p, "/proc/sys/vm/overcommit_memory", "1")).toBe(1n);
    expect(p.call(NR.mmap, 0, big, 3, 0x22, -1, 0)).toBeGreaterThan(0n);
    expect(echo(p, "/proc/sys/vm/overcommit_memory", "2")).toBe(1n);
    expect(p.call(NR.mmap, 0, PAGE, 3, 0x22, -1, 0)).toBe(E.ENOMEM); // 128 MiB already committed
    expect(p.call(NR.mmap, 0, PAGE, 1, 0x22, -1, 0)).toBeGreaterThan(0n); // read-only: not charged
    expect(p.cat("/proc/meminfo")).toMatch(/^Committed_AS: +\d+ kB$/m);
    // mmap_min_addr: a hint below it is raised to it
    echo(p, "/proc/sys/vm/overcommit_memory", "0");
    expect(echo(p, "/proc/sys/vm/mmap_min_addr", "65536")).toBe(5n);
    expect(p.call(NR.mmap, 0x2000, PAGE, 3, 0x22, -1, 0)).toBeGreaterThanOrEqual(0x10000n);
  });

  it("refuses what proc_dointvec refuses, and files that are not writable", () => {
    const p = proc();
    expect(echo(p, "/proc/sys/vm/overcommit_memory", "3")).toBe(E.EINVAL);
    expect(echo(p, "/proc/sys/vm/overcommit_memory", "x")).toBe(E.EINVAL);
    expect(echo(p, "/proc/sys/vm/max_map_count", "-1")).toBe(E.EINVAL);
    // root opens a 0444 file for writing (CAP_DAC_OVERRIDE); a file without a write method
    // answers EIO (fs/proc/inode.c pde_write)
    expect(echo(p, "/proc/meminfo", "1")).toBe(E.EIO);
  });
});

describe("prlimit64 RLIMIT_NOFILE", () => {
  it("reads and sets the descriptor limit the table enforces", () => {
    const p = proc();
    const old = p.buf(16);
    expect(p.call(261, 0, 7, 0, old)).toBe(0n);
    expect([p.u64(old), p.u64(old, 8)]).toEqual([1024n, 4096n]);
    const lim = p.bytes(new Uint8Array([5, 0, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0]));
    expect(p.call(261, 0, 7, lim, 0)).toBe(0n);
    expect(p.call(NR.dup, 0)).toBe(3n);
    expect(p.call(NR.dup, 0)).toBe(4n);
    expect(p.call(NR.dup, 0)).toBe(E.EMFILE);
    const bad = p.bytes(new Uint8Array([9, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]));
    expect(p.call(261, 0, 7, bad, 0)).toBe(E.EINVAL);
    expect(p.call(261, 0, 7, 1, 0)).toBe(E.EFAULT);
  });
});

function pfnOf(p: Proc, va: bigint): number {
  const l = p.t.mm.pgd.lookup(va)!;
  return Number((BigInt(l.hi >>> 0) << 22n) | BigInt(l.lo >>> 10));
}
