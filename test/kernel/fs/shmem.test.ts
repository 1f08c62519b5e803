// tmpfs (mm/shmem.c): file pages come from the page allocator, count as Cached and Shmem in
// /proc/meminfo, go back when the last link and the last reference are gone (unlink + close,
// or the process's exit), and the instance is bounded as Linux's tmpfs is (size=50% of RAM,
// nr_inodes): ENOSPC, never the host's memory.

import { describe, expect, it } from "vitest";
import { boot } from "../helpers.js";
import { AT, asmOpen, E, NR, O, proc, runAsm } from "./harness.js";

const PAGE = 4096;
const meminfo = (text: string, key: string): number =>
  Number(new RegExp(`^${key}:\\s+(\\d+) kB$`, "m").exec(text)![1]);

describe("tmpfs pages", () => {
  it("are allocator pages counted as Cached and Shmem, returned after unlink and close", () => {
    const p = proc();
    const data = p.buf(3 * PAGE);
    const free = p.k.pages.nr_free_pages();
    const fd = p.open("/tmp/f", O.CREAT | O.RDWR);
    expect(p.call(NR.write, fd, data, 3 * PAGE)).toBe(BigInt(3 * PAGE));
    expect(p.k.pages.nr_free_pages()).toBe(free - 3);
    const mi = p.k.procfs("meminfo");
    expect([meminfo(mi, "Cached"), meminfo(mi, "Shmem")]).toEqual([12, 12]);
    expect(p.call(NR.unlinkat, AT.FDCWD, "/tmp/f", 0)).toBe(0n);
    expect(p.k.pages.nr_free_pages()).toBe(free - 3); // still open
    expect(p.call(NR.close, fd)).toBe(0n);
    expect(p.k.pages.nr_free_pages()).toBe(free);
    expect(meminfo(p.k.procfs("meminfo"), "Shmem")).toBe(0);
  });

  it("a truncate returns the pages past the new size; a hole takes none", () => {
    const p = proc();
    const data = p.buf(4 * PAGE);
    const fd = p.open("/tmp/f", O.CREAT | O.RDWR);
    const free = p.k.pages.nr_free_pages();
    p.call(NR.write, fd, data, 4 * PAGE);
    expect(p.call(NR.ftruncate, fd, PAGE + 1)).toBe(0n);
    expect(p.k.pages.nr_free_pages()).toBe(free - 2);
    expect(p.call(NR.ftruncate, fd, 1 << 30)).toBe(0n); // 1 GiB of hole
    expect(p.k.pages.nr_free_pages()).toBe(free - 2);
  });

  it("an unlinked file a process still holds is freed when the process exits", () => {
    const k = boot("", { mem: 64 << 20 });
    const before = k.pages.nr_free_pages() + k.pgd.nrTablePages;
    const src = `
      .text
      .globl _start
    _start:${asmOpen("0101  # O_CREAT | O_WRONLY")}
        li s1, 4
    1:  mv a0, s0
        la a1, buf
        li a2, 4096
        li a7, 64          # write one page, four times
        ecall
        addi s1, s1, -1
        bnez s1, 1b
        li a0, -100
        la a1, name
        li a2, 0
        li a7, 35          # unlinkat
        ecall
        li a0, 0
        li a7, 94          # exit_group with the file open
        ecall
      .data
    name: .ascii "/tmp/held\\0"
      .balign 8
    buf: .space 4096
    `;
    const t = runAsm(k, "held", src);
    expect(t.exitCode).toBe(0);
    expect(k.vmstat.get("nr_shmem")).toBe(0);
    expect(k.pages.nr_free_pages() + k.pgd.nrTablePages).toBe(before);
  });
});

describe("tmpfs limits", () => {
  it("size=50% of RAM: ENOSPC (a short write first), and the space comes back", () => {
    const p = proc({ mem: 16 << 20 });
    const chunk = p.buf(1 << 16);
    const fd = p.open("/tmp/big", O.CREAT | O.WRONLY);
    let total = 0n;
    let r = 0n;
    for (let i = 0; i < 200; i++) {
      r = p.call(NR.write, fd, chunk, 1 << 16);
      if (r < 0n) break;
      total += r;
    }
    expect(r).toBe(E.ENOSPC);
    expect(total).toBe(BigInt((16 << 20) / 2));
    expect(p.call(NR.ftruncate, fd, 0)).toBe(0n);
    expect(p.call(NR.write, fd, chunk, 1 << 16)).toBe(1n << 16n);
  });

  it("nr_inodes: ENOSPC for one file too many", () => {
    const p = proc({ mem: 4 << 20 });
    const max = p.k.vfs.tmpfs.max_inodes - p.k.vfs.tmpfs.used_inodes;
    for (let i = 0; i < max; i++) p.call(NR.close, p.open(`/tmp/${i}`, O.CREAT | O.WRONLY));
    expect(p.call(NR.openat, AT.FDCWD, "/tmp/one-more", O.CREAT | O.WRONLY, 0o644)).toBe(E.ENOSPC);
    expect(p.call(NR.mkdirat, AT.FDCWD, "/tmp/dir", 0o755)).toBe(E.ENOSPC);
    p.call(NR.unlinkat, AT.FDCWD, "/tmp/0", 0);
    expect(p.call(NR.mkdirat, AT.FDCWD, "/tmp/dir", 0o755)).toBe(0n);
  });
});
