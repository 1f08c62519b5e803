// The kernel's allocators on the emulated machine (every page-table update, TLB flush, copy and
// KASAN shadow access really happens, through the harts' MMUs):
//  - kernel/vmalloc: vmalloc + vfree of 1, 16 and 512 pages.
//  - kernel/vrealloc-grow: growing a 1 MiB object by one page, in place (the pages are still
//    mapped after a shrink) against by copy (nothing mapped beyond): the target is >= 20x
//    (README, Performance).
//  - kernel/bpf: the BPF verifier's push_insn_history pattern, one 16-byte entry per call up to
//    64 K entries, with and without the f7a35a3c36d1 bug (in-place region not returned).
//  - kernel/vrealloc-shrink: shrinking to one page from 16, 64 and 256 pages: the cost grows
//    with the pages freed (each unmapped, flushed and freed), not with the object's size.

import { Machine } from "../src/cpu/index.js";
import { bootKernel, type Kernel } from "../src/kernel/index.js";
import { makeSuite, type SuiteFactory } from "./harness.js";

function kernel(cmdline = ""): Kernel {
  return bootKernel(new Machine({ mem: 512 << 20 }), cmdline);
}

const MiB = 1 << 20;

export const suites: SuiteFactory = (opts) => {
  const k = kernel();
  const vmalloc = makeSuite(
    {
      name: "kernel/vmalloc",
      title: "vmalloc + vfree (lazy purge included as it happens)",
      cases: [1, 16, 512].map((pages) => ({
        name: `${pages} page${pages > 1 ? "s" : ""}`,
        fn: () => k.vmalloc.vfree(k.vmalloc.vmalloc(pages * 4096)),
      })),
      ratioTo: "1 page",
    },
    opts,
  );

  // In place: an object of 1 MiB + 1 page shrunk by 8 bytes keeps every page, so growing it back
  // stays within its mapped pages. By copy: shrinking to 1 MiB frees the last page, so growing by
  // a page needs a new area and a copy.
  const kIn = kernel();
  const pIn = kIn.vmalloc.vmalloc(MiB + 4096);
  kIn.vmalloc.vrealloc(pIn, MiB + 4096 - 8); // same pages
  const kCopy = kernel();
  let pCopy = kCopy.vmalloc.vmalloc(MiB);
  const grow = makeSuite(
    {
      name: "kernel/vrealloc-grow",
      title: "vrealloc growing a 1 MiB object: within its mapped pages vs by a new area and a copy",
      cases: [
        {
          name: "in place",
          fn: () => {
            kIn.vmalloc.vrealloc(pIn, MiB + 4096);
            kIn.vmalloc.vrealloc(pIn, MiB + 4096 - 8);
          },
        },
        {
          name: "by copy",
          fn: () => {
            pCopy = kCopy.vmalloc.vrealloc(pCopy, MiB + 4096);
            pCopy = kCopy.vmalloc.vrealloc(pCopy, MiB); // shrink frees the page: the next grow copies
          },
        },
      ],
      ratioTo: "by copy",
      summary: (hz) => [
        `grow in place is ${(hz("in place") / hz("by copy")).toFixed(0)}x faster than by copy (target >= 20x)`,
      ],
    },
    opts,
  );

  const bpfCase = (cmdline: string, entries: number) => {
    const kb = kernel(cmdline);
    return () => {
      let p = kb.vmalloc.vmalloc(16);
      for (let n = 2; n <= entries; n++) p = kb.vmalloc.vrealloc(p, n * 16);
      kb.vmalloc.vfree(p);
    };
  };
  // With the bug every call copies the whole array: 64 K entries would copy 34 GB (hours here, as
  // the real regression took BPF selftests from 25 to 50 minutes), so the ratio is taken at 8 K.
  const bpf = makeSuite(
    {
      name: "kernel/bpf",
      title: "push_insn_history: one vrealloc per 16-byte entry (8 K entries; 64 K without the bug)",
      cases: [
        { name: "fixed, 64K entries", fn: bpfCase("", 65536) },
        { name: "fixed, 8K entries", fn: bpfCase("", 8192) },
        { name: "f7a35a3c36d1 bug, 8K entries", fn: bpfCase("vrealloc.bug=f7a35a3c36d1", 8192) },
      ],
      ratioTo: "fixed, 8K entries",
      summary: (hz) => [
        `with the bug the 8 K-entry pattern is ${(hz("fixed, 8K entries") / hz("f7a35a3c36d1 bug, 8K entries")).toFixed(1)}x slower`,
      ],
    },
    opts,
  );

  // Each op allocates, shrinks and frees; the same op without the shrink is measured too, and the
  // summary subtracts it: what is left is the shrink's own cost.
  const ks = kernel();
  const shrinkCase = (from: number, to: number) => ({
    name: `${from} -> ${to} pages`,
    fn: () => {
      const p = ks.vmalloc.vmalloc(from * 4096);
      ks.vmalloc.vrealloc(p, to * 4096);
      ks.vmalloc.vfree(p);
    },
  });
  const baseCase = (pages: number) => ({
    name: `${pages} pages, no shrink`,
    fn: () => ks.vmalloc.vfree(ks.vmalloc.vmalloc(pages * 4096)),
  });
  const us = (hz: (n: string) => number, c: string, base: string): number => 1e6 * (1 / hz(c) - 1 / hz(base));
  const shrink = makeSuite(
    {
      name: "kernel/vrealloc-shrink",
      title: "vrealloc shrink: pages freed vs object size (each op: vmalloc, vrealloc, vfree)",
      cases: [
        baseCase(16),
        shrinkCase(16, 8),
        baseCase(256),
        shrinkCase(256, 248),
        shrinkCase(256, 128),
        shrinkCase(256, 1),
      ],
      summary: (hz) => [
        `8 pages freed from a 16-page object: ${us(hz, "16 -> 8 pages", "16 pages, no shrink").toFixed(1)} us`,
        `8 pages freed from a 256-page object: ${us(hz, "256 -> 248 pages", "256 pages, no shrink").toFixed(1)} us`,
        `128 pages freed: ${us(hz, "256 -> 128 pages", "256 pages, no shrink").toFixed(1)} us; 255 pages freed: ${us(hz, "256 -> 1 pages", "256 pages, no shrink").toFixed(1)} us`,
      ],
    },
    opts,
  );
  return [vmalloc, grow, bpf, shrink];
};
