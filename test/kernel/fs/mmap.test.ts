// mmap of files (mm/filemap.c, mm/memory.c): MAP_PRIVATE maps the page-cache page read-only and
// copies it on a write; MAP_SHARED maps the page itself, which reaches a :rw host file at msync,
// munmap or the last close; a fault past the end of the file is SIGBUS; msync's checks.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PTE_W, ptePpn } from "../../../src/mmu/index.js";
import { boot } from "../helpers.js";
import { asmOpen, E, hostDir, MAP, MS, NR, O, PROT, type Proc, proc, runAsm } from "./harness.js";

const PAGE = 4096;

/** A tmpfs file of `pages` pages, each filled with its own letter (a, b, ...). */
function file(p: Proc, name: string, pages: number): number {
  const fd = p.open(name, O.CREAT | O.RDWR);
  for (let i = 0; i < pages; i++) p.puts(fd, String.fromCharCode(97 + i).repeat(PAGE));
  return fd;
}

/** The page frame mapped at `va`, and whether it is writable. */
function pte(p: Proc, va: bigint): { pfn: number; w: boolean } | null {
  const l = p.t.mm.pgd.lookup(va);
  return l ? { pfn: ptePpn(l.lo, l.hi), w: (l.lo & PTE_W) !== 0 } : null;
}

describe("MAP_PRIVATE", () => {
  it("a read maps the page-cache page read-only; a write copies it and the file keeps its bytes", () => {
    const p = proc();
    const fd = file(p, "/tmp/f", 2);
    const va = p.call(NR.mmap, 0, 2 * PAGE, PROT.READ | PROT.WRITE, MAP.PRIVATE, fd, 0);
    expect(va).toBeGreaterThan(0n);
    expect(p.text(va, 3)).toBe("aaa");
    const cache = p.t.files.fget(fd)!.f_inode.i_mapping!;
    expect(pte(p, va)).toEqual({ pfn: cache.find(0), w: false });
    p.write(va, new TextEncoder().encode("XY"));
    const after = pte(p, va)!;
    expect(after.w).toBe(true);
    expect(after.pfn).not.toBe(cache.find(0)); // copy-on-write
    expect(p.text(va, 3)).toBe("XYa");
    expect(p.cat("/tmp/f").slice(0, 3)).toBe("aaa");
    // a write() to a page not yet copied is seen through the mapping; a copied one is not
    p.call(NR.pwrite64, fd, p.bytes("ZZ"), 2, PAGE);
    p.call(NR.pwrite64, fd, p.bytes("QQ"), 2, 0);
    expect(p.text(va + BigInt(PAGE), 2)).toBe("ZZ");
    expect(p.text(va, 2)).toBe("XY");
  });

  it("a private copy goes back to the allocator at munmap; the cache page stays with the file", () => {
    const p = proc();
    const fd = file(p, "/tmp/f", 1);
    const va = p.call(NR.mmap, 0, PAGE, PROT.READ | PROT.WRITE, MAP.PRIVATE, fd, 0);
    p.text(va, 1);
    const free = p.k.pages.nr_free_pages();
    p.write(va, new Uint8Array([1]));
    expect(p.k.pages.nr_free_pages()).toBe(free - 1);
    expect(p.call(NR.munmap, va, PAGE)).toBe(0n);
    expect(p.k.pages.nr_free_pages()).toBe(free);
  });
});

describe("MAP_SHARED", () => {
  it("the page-cache page itself: stores are read(), write()s are seen", () => {
    const p = proc();
    const fd = file(p, "/tmp/f", 1);
    const va = p.call(NR.mmap, 0, PAGE, PROT.READ | PROT.WRITE, MAP.SHARED, fd, 0);
    p.write(va + 10n, new TextEncoder().encode("shared"));
    expect(pte(p, va)!.pfn).toBe(p.t.files.fget(fd)!.f_inode.i_mapping!.find(0));
    expect(p.cat("/tmp/f").slice(8, 18)).toBe("aasharedaa");
    p.call(NR.pwrite64, fd, p.bytes("W"), 1, 0);
    expect(p.text(va, 2)).toBe("Wa");
    const va2 = p.call(NR.mmap, 0, PAGE, PROT.READ, MAP.SHARED, fd, 0);
    expect(p.text(va2 + 10n, 6)).toBe("shared");
  });

  it("mmap's checks of the file and the flags", () => {
    const p = proc();
    const fd = file(p, "/tmp/f", 1);
    const ro = p.open("/tmp/f", O.RDONLY);
    const wo = p.open("/tmp/f", O.WRONLY);
    const [r] = p.pipe();
    const m = (prot: number, flags: number, f: number, off = 0): bigint =>
      p.call(NR.mmap, 0, PAGE, prot, flags, f, off);
    expect(m(PROT.READ | PROT.WRITE, MAP.SHARED, ro)).toBe(E.EACCES);
    expect(m(PROT.READ, MAP.SHARED, ro)).toBeGreaterThan(0n);
    expect(m(PROT.READ | PROT.WRITE, MAP.PRIVATE, ro)).toBeGreaterThan(0n);
    expect(m(PROT.READ, MAP.PRIVATE, wo)).toBe(E.EACCES);
    expect(m(PROT.READ, MAP.PRIVATE, r)).toBe(E.ENODEV);
    expect(m(PROT.READ, MAP.PRIVATE, p.open("/tmp"))).toBe(E.ENODEV);
    expect(m(PROT.READ, MAP.PRIVATE, -1)).toBe(E.EBADF);
    expect(m(PROT.READ, MAP.PRIVATE, fd, 100)).toBe(E.EINVAL);
    expect(m(PROT.READ, 0, fd)).toBe(E.EINVAL);
  });

  it("a fault past the end of the file is SIGBUS", () => {
    const p = proc();
    const fd = p.open("/tmp/f", O.CREAT | O.RDWR);
    p.puts(fd, "x".repeat(100));
    const va = p.call(NR.mmap, 0, 2 * PAGE, PROT.READ, MAP.SHARED, fd, 0);
    expect(p.t.mm.handle_mm_fault(va + 50n, "r", "never")).toBe("ok");
    expect(p.t.mm.handle_mm_fault(va + BigInt(PAGE), "r", "never")).toBe("sigbus");
  });

  it("a guest touching a mapped file past its end dies of SIGBUS (status 135)", () => {
    const k = boot("", { mem: 64 << 20 });
    const src = `
      .text
      .globl _start
    _start:${asmOpen("0102  # O_CREAT | O_RDWR")}
        mv a0, s0
        la a1, name
        li a2, 100
        li a7, 64          # write 100 bytes
        ecall
        li a0, 0
        li a1, 8192
        li a2, 1           # PROT_READ
        li a3, 1           # MAP_SHARED
        mv a4, s0
        li a5, 0
        li a7, 222         # mmap
        ecall
        lb t0, 50(a0)      # inside the file: fine
        li t1, 4096
        add a0, a0, t1
        lb t0, 0(a0)       # the next page lies past the end
        li a0, 0
        li a7, 94
        ecall
      .data
    name: .ascii "/tmp/bus\\0"
      .space 120
    `;
    const t = runAsm(k, "bus", src);
    expect([t.exitCode, t.signal]).toEqual([135, 7]);
    expect(k.printk.dmesg()).toMatch(/bus\[1\]: unhandled signal 7 code 0x2 \(BUS_ADRERR\)/);
  });
});

describe("msync", () => {
  it("fails as Linux does", () => {
    const p = proc();
    const fd = file(p, "/tmp/f", 1);
    const va = p.call(NR.mmap, 0, 2 * PAGE, PROT.READ | PROT.WRITE, MAP.SHARED, fd, 0);
    expect(p.call(NR.munmap, va + BigInt(PAGE), PAGE)).toBe(0n);
    expect(p.call(NR.msync, va, PAGE, MS.SYNC)).toBe(0n);
    expect(p.call(NR.msync, va, PAGE, MS.ASYNC | MS.INVALIDATE)).toBe(0n);
    expect(p.call(NR.msync, va, 0, MS.SYNC)).toBe(0n);
    expect(p.call(NR.msync, va + 1n, PAGE, MS.SYNC)).toBe(E.EINVAL);
    expect(p.call(NR.msync, va, PAGE, 8)).toBe(E.EINVAL);
    expect(p.call(NR.msync, va, PAGE, MS.SYNC | MS.ASYNC)).toBe(E.EINVAL);
    expect(p.call(NR.msync, va, 2 * PAGE, MS.SYNC)).toBe(E.ENOMEM); // runs into a hole
    expect(p.call(NR.msync, 1n << 40n, PAGE, MS.SYNC)).toBe(E.ENOMEM);
  });
});

describe("a shared mapping of a :rw host file", () => {
  const h = hostDir();
  afterAll(h.done);

  it("stores reach the host file at msync, and at munmap", () => {
    const host = join(h.dir, "m");
    writeFileSync(host, "0".repeat(2 * PAGE));
    const p = proc({ mounts: [{ host: h.dir, guest: "/mnt", rw: true }] });
    const fd = p.open("/mnt/m", O.RDWR);
    const va = p.call(NR.mmap, 0, 2 * PAGE, PROT.READ | PROT.WRITE, MAP.SHARED, fd, 0);
    p.write(va, new TextEncoder().encode("synced"));
    expect(readFileSync(host, "utf8").slice(0, 6)).toBe("000000"); // not yet
    expect(p.call(NR.msync, va, PAGE, MS.SYNC)).toBe(0n);
    expect(readFileSync(host, "utf8").slice(0, 6)).toBe("synced");
    p.write(va + BigInt(PAGE), new TextEncoder().encode("unmapped"));
    expect(p.call(NR.munmap, va, 2 * PAGE)).toBe(0n);
    expect(readFileSync(host, "utf8").slice(PAGE, PAGE + 8)).toBe("unmapped");
    expect(readFileSync(host).length).toBe(2 * PAGE);
  });

  it("a private mapping never writes the host file", () => {
    const host = join(h.dir, "p");
    writeFileSync(host, "original");
    const p = proc({ mounts: [{ host: h.dir, guest: "/mnt", rw: true }] });
    const fd = p.open("/mnt/p", O.RDWR);
    const va = p.call(NR.mmap, 0, PAGE, PROT.READ | PROT.WRITE, MAP.PRIVATE, fd, 0);
    p.write(va, new TextEncoder().encode("CHANGED!"));
    p.call(NR.msync, va, PAGE, MS.SYNC);
    p.call(NR.munmap, va, PAGE);
    p.call(NR.close, fd);
    expect(readFileSync(host, "utf8")).toBe("original");
  });

  it("a read-only mount maps MAP_SHARED read-only only", () => {
    writeFileSync(join(h.dir, "r"), "ro");
    const p = proc({ mounts: [{ host: h.dir, guest: "/ro" }] });
    const fd = p.open("/ro/r", O.RDONLY);
    expect(p.call(NR.mmap, 0, PAGE, PROT.READ | PROT.WRITE, MAP.SHARED, fd, 0)).toBe(E.EACCES);
    const va = p.call(NR.mmap, 0, PAGE, PROT.READ, MAP.SHARED, fd, 0);
    expect(p.text(va, 2)).toBe("ro");
  });
});
