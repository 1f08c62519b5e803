// Each experiment's test plan (the fewest, shortest points that fill every column) writes its
// CSV, JSON and SVG files with the expected columns, and its numbers are the ones the machine
// and the kernel must give.

import { describe, expect, it } from "vitest";
import { findExperiment, type Row, readResult, runExperiment } from "../../src/exp/index.js";
import { loadTlbConfig } from "../../src/mmu/index.js";
import { tempDirPerTest } from "../helpers/cli.js";
import { csvRows, runAndWrite, type Written } from "./helpers.js";

const tmp = tempDirPerTest("mmlab-exp-");

/** What every experiment writes. */
function checkOutputs(w: Written, name: string): void {
  expect(w.files.map((f) => f.slice(tmp.dir.length + 1))).toEqual(
    expect.arrayContaining([`${name}.csv`, `${name}.json`, `${name}.svg`]),
  );
  // The CSV: the declared columns, in order, one line per row.
  expect(w.csv[0]).toEqual(w.exp.columns.map((c) => c.key));
  expect(w.csv.length - 1).toBe(w.result.rows.length);
  expect(w.result.rows.length).toBeGreaterThan(0);
  // The JSON: parameters, the host, every row.
  expect(w.json.format).toBe("mmlab-exp/1");
  expect(w.json.experiment).toBe(name);
  expect(w.json.params).toBeTruthy();
  expect(w.json.host.node).toBe(process.version);
  expect(w.json.host.cpu.length).toBeGreaterThan(0);
  expect(Number.isNaN(Date.parse(w.json.host.date))).toBe(false);
  expect(w.json.rows).toEqual(w.result.rows);
  expect(w.json.columns.filter((c) => c.description.length === 0)).toEqual([]);
  // It reads back: its params and rows have the shapes `mmlab exp plot` checks.
  const saved = w.files.find((f) => f.endsWith(`/${name}.json`))!;
  expect(readResult(saved).result.rows).toEqual(w.result.rows);
  // The plots: SVG documents with titles and axes.
  for (const svg of w.svgs) {
    expect(svg).toMatch(/^<svg/);
    expect(svg.trimEnd()).toMatch(/<\/svg>$/);
    expect(svg).toMatch(/role-axis-title/);
    // A <title>, and none of vega's ARIA roles (Biome's a11y lint rejects them in docs/img).
    expect(svg).toMatch(/^<svg[^>]*><title>[^<]+<\/title>/);
    expect(svg).not.toMatch(/ role="/);
  }
  expect(w.svgs[0]).toMatch(/role-legend/);
}

const num = (r: Row, k: string): number => r[k] as number;

describe("tlb-reach", () => {
  it("writes its files, and the chase hits, misses and walks as the skylake TLB must", async () => {
    const w = await runAndWrite("tlb-reach", tmp.dir);
    checkOutputs(w, "tlb-reach");
    expect(w.svgs.join("")).toContain("working set (bytes, log scale)");
    expect(w.svgs.join("")).toContain("16 KiB");
    const rows = w.result.rows;
    expect(rows).toHaveLength(3 * 4); // 3 page sizes x 16 KiB, 1 MiB, 64 MiB, 4 GiB
    const at = (page: string, span: number): Row =>
      rows.find((r) => r.page_size === page && r.working_set === span)!;
    // 16 KiB: 4 pages, every load hits the L1 DTLB.
    for (const page of ["4k", "2m", "1g"]) expect(num(at(page, 16 << 10), "l1_hit_rate")).toBe(1);
    // 1 MiB of 4 KiB pages: past the 256 KiB L1 reach, within the 6 MiB STLB.
    expect(num(at("4k", 1 << 20), "l1_hit_rate")).toBeLessThan(0.5);
    expect(num(at("4k", 1 << 20), "l2_hit_rate")).toBeGreaterThan(0.9);
    // 64 MiB of 4 KiB pages: every load walks, 4 PTE reads each in Sv48.
    const far = at("4k", 64 << 20);
    expect(num(far, "walks_per_1k")).toBeGreaterThan(990);
    expect(num(far, "walk_refs_per_walk")).toBe(4);
    expect(num(far, "walk_refs")).toBe(4 * num(far, "walks"));
    expect(num(far, "pwc_hits")).toBe(0); // skylake has no walk caches
    // 2 MiB pages: 64 MiB is the L1 reach (32 x 2 MiB): still all hits.
    expect(num(at("2m", 64 << 20), "l1_hit_rate")).toBeGreaterThan(0.9);
    // Every point counted its loads, one per 9/8 instructions (8 loads and a jump).
    for (const r of rows) {
      expect(num(r, "accesses")).toBe(4000);
      expect(num(r, "instructions")).toBeGreaterThanOrEqual(4000);
      expect(num(r, "instructions")).toBeLessThanOrEqual(4500 + 9);
    }
    expect(num(at("4k", 16 << 10), "l1_reach")).toBe(64 * 4096);
    expect(num(at("4k", 16 << 10), "l2_reach")).toBe(1536 * 4096);
    expect(w.exp.notes(w.result).join("\n")).toMatch(/L1 4k\s+dtlb-4k: 64 x 4 KiB = 256 KiB/);
  });

  it("is deterministic: the same rows on a second run", async () => {
    const a = await runAndWrite("tlb-reach", tmp.path("a"));
    const b = await runAndWrite("tlb-reach", tmp.path("b"));
    expect(b.result.rows).toEqual(a.result.rows);
  });
});

describe("walk-cost", () => {
  it("reads one PTE per level without walk caches, fewer with them", async () => {
    const w = await runAndWrite("walk-cost", tmp.dir);
    checkOutputs(w, "walk-cost");
    const rows = w.result.rows;
    expect(rows).toHaveLength(3 * 3 * 2 * 2);
    const levels: Record<string, number> = { sv39: 3, sv48: 4, sv57: 5 };
    const leaf: Record<string, number> = { "4k": 0, "2m": 1, "1g": 2 };
    for (const r of rows) {
      expect(num(r, "refs_per_walk_uncached")).toBe(levels[r.mode as string]! - leaf[r.page_size as string]!);
      if (r.refs_per_walk === null) {
        expect(num(r, "walks")).toBe(0);
        continue;
      }
      if (r.pwc === "off") {
        expect(num(r, "refs_per_walk")).toBe(num(r, "refs_per_walk_uncached"));
        expect(num(r, "pwc_lookups")).toBe(0);
      } else {
        expect(num(r, "refs_per_walk")).toBeLessThanOrEqual(num(r, "refs_per_walk_uncached"));
        expect(num(r, "refs_per_walk")).toBeGreaterThanOrEqual(1);
        // A walk of one read (a leaf in the root) has nothing to skip.
        if (num(r, "refs_per_walk_uncached") > 1) expect(num(r, "pwc_hits")).toBeGreaterThan(0);
      }
    }
    // 16 GiB of 4 KiB pages in Sv57: the walk caches save at least a third of the reads.
    const sv57 = rows.find(
      (r) => r.mode === "sv57" && r.page_size === "4k" && r.pwc === "on" && r.working_set === 16 * 2 ** 30,
    )!;
    expect(num(sv57, "refs_saved_pct")).toBeGreaterThan(33);
  });
});

describe("vrealloc", () => {
  it("shrinks, grows and replays every historic bug", async () => {
    const w = await runAndWrite("vrealloc", tmp.dir);
    checkOutputs(w, "vrealloc");
    expect(w.files).toContainEqual(expect.stringMatching(/vrealloc-grow\.svg$/));
    expect(w.files).toContainEqual(expect.stringMatching(/vrealloc-shrink\.svg$/));
    const rows = w.result.rows;
    const shrink = (bug: string): Row => rows.find((r) => r.scenario === "shrink" && r.bug === bug)!;
    // 256 KiB -> 16 KiB frees 60 of 64 pages (93.75%), flushes both harts, keeps the pointer.
    const fixed = shrink("none");
    expect(fixed).toMatchObject({
      pages_freed: 60,
      reduction_pct: 93.75,
      same_pointer: true,
      pages_after: 4,
      vmalloc_pages_delta: -60,
      tlb_stale_after: 0,
      data_ok: true,
      freed_range_read: "oops (unmapped)",
    });
    expect(num(fixed, "tlb_cached_before")).toBeGreaterThanOrEqual(120); // 60 pages on 2 harts
    expect(num(fixed, "tlb_entries_invalidated")).toBe(num(fixed, "tlb_cached_before"));
    expect(num(fixed, "shootdowns")).toBe(1);
    // e64f42036ef4 (before the linux-next patch): nothing freed; unmap-no-flush: stale entries.
    expect(shrink("e64f42036ef4")).toMatchObject({ pages_freed: 0, freed_range_read: "mapped (pages kept)" });
    expect(shrink("unmap-no-flush")).toMatchObject({
      pages_freed: 60,
      tlb_entries_invalidated: 0,
      freed_range_read: "stale TLB hit (use after free)",
    });
    // Nearly all of them: the kernel's own accesses during vrealloc may evict a few.
    const noFlush = shrink("unmap-no-flush");
    expect(num(noFlush, "tlb_stale_after")).toBeGreaterThan(0.9 * num(noFlush, "tlb_cached_before"));
    // A 2 MiB-mapped object shrinks only its metadata; with nohugevmalloc it frees its pages.
    const huge = rows.filter((r) => r.scenario === "huge-shrink");
    expect(huge.find((r) => r.mapping === "2m")).toMatchObject({
      pages_before: 1024,
      pages_after: 1024,
      pages_freed: 0,
      requested_size_after: 16384,
      vm_size_unchanged: true,
    });
    expect(huge.find((r) => r.mapping === "4k")).toMatchObject({ pages_after: 4, pages_freed: 1020 });
    // Grow: in place keeps the pointer and copies nothing; by copy moves and copies it all.
    for (const r of rows.filter((x) => x.scenario === "grow-in-place"))
      expect(r).toMatchObject({ same_pointer: true, bytes_copied: 0, data_ok: true });
    for (const r of rows.filter((x) => x.scenario === "grow-by-copy")) {
      expect(r).toMatchObject({ same_pointer: false, data_ok: true });
      expect(num(r, "bytes_copied")).toBe(num(r, "old_size"));
      const inPlace = rows.find(
        (x) => x.scenario === "grow-in-place" && num(x, "old_size") === num(r, "old_size") - 8,
      )!;
      expect(num(r, "kernel_us")).toBeGreaterThan(num(inPlace, "kernel_us"));
    }
    // The BPF pattern: f7a35a3c36d1 copies on every call, d699440f58ce trips KASAN on every
    // new entry, 70d1eb031a68 zeroes what it grows; the data survives all of them.
    const bpf = (bug: string, entries = 512): Row =>
      rows.find((r) => r.scenario === "bpf" && r.bug === bug && r.entries === entries)!;
    expect(bpf("none")).toMatchObject({ kasan_reports: 0, bytes_zeroed: 0, data_ok: true, copies: 1 });
    expect(bpf("f7a35a3c36d1")).toMatchObject({ copies: 511, data_ok: true });
    expect(num(bpf("f7a35a3c36d1"), "kernel_us")).toBeGreaterThan(10 * num(bpf("none"), "kernel_us"));
    // One report per entry written after a grow in place (and one for the final read-back).
    expect(bpf("d699440f58ce")).toMatchObject({ data_ok: true });
    expect(num(bpf("d699440f58ce"), "kasan_reports")).toBeGreaterThanOrEqual(511);
    expect(num(bpf("70d1eb031a68"), "bytes_zeroed")).toBeGreaterThan(0);
    for (const bug of ["e64f42036ef4", "unmap-no-flush"]) {
      expect({ ...bpf(bug), bug: "none" }).toEqual(bpf("none"));
    }
  });
});

describe("lazy-purge", () => {
  it("purges less often, with fewer IPIs and dropped entries, as lazy_max_pages grows", async () => {
    const w = await runAndWrite("lazy-purge", tmp.dir);
    checkOutputs(w, "lazy-purge");
    const rows = w.result.rows;
    expect(rows).toHaveLength(2 * 3);
    const at = (harts: number, lazy: number | "linux"): Row =>
      rows.find(
        (r) => r.harts === harts && (lazy === "linux" ? r.linux_default === true : r.lazy_max_pages === lazy),
      )!;
    // Linux's value: fls(CPUs) x 8192 pages.
    expect(at(1, "linux").lazy_max_pages).toBe(8192);
    expect(at(2, "linux").lazy_max_pages).toBe(16384);
    // lazy_max_pages=1: one purge per vfree (64 vfrees of 16 KiB per MiB), 5 pages each.
    expect(num(at(1, 1), "purges_per_mib")).toBe(64);
    expect(num(at(1, 1), "sfence_per_mib")).toBe(64 * 5);
    expect(num(at(2, 1), "sfence_per_mib")).toBe(2 * 64 * 5);
    for (const h of [1, 2]) {
      expect(num(at(h, 512), "purges_per_mib")).toBeLessThan(num(at(h, 1), "purges_per_mib"));
      expect(num(at(h, "linux"), "purges_per_mib")).toBeLessThan(num(at(h, 512), "purges_per_mib"));
      expect(num(at(h, "linux"), "purges")).toBeGreaterThanOrEqual(1);
      expect(num(at(h, "linux"), "entries_dropped_per_mib")).toBeLessThan(
        num(at(h, 1), "entries_dropped_per_mib"),
      );
    }
    // IPIs only with more than one hart: one per purge per other hart.
    for (const r of rows.filter((x) => x.harts === 1)) expect(num(r, "ipis_per_mib")).toBe(0);
    for (const r of rows.filter((x) => x.harts === 2))
      expect(num(r, "ipis_per_mib")).toBe(num(r, "purges_per_mib"));
  });
});

describe("thp", () => {
  it("maps 2 MiB pages only when the setting and the guest's madvise allow it", async () => {
    const w = await runAndWrite("thp", tmp.dir);
    checkOutputs(w, "thp");
    const rows = w.result.rows;
    expect(rows).toHaveLength(6);
    const huge = (thp: string, madvise: boolean): boolean =>
      num(rows.find((r) => r.thp === thp && r.madvise === madvise)!, "huge_pages") > 0;
    expect([huge("never", false), huge("never", true)]).toEqual([false, false]);
    expect([huge("madvise", false), huge("madvise", true)]).toEqual([false, true]);
    expect([huge("always", false), huge("always", true)]).toEqual([true, true]);
    for (const r of rows) {
      const pages = (8 << 20) / 4096;
      expect(num(r, "touch_pages")).toBe(pages);
      expect(num(r, "read_accesses")).toBe(pages); // one lap of loads, nothing else
      expect(num(r, "read_insns_per_access")).toBe(8);
      if (num(r, "huge_pages") > 0) {
        expect(num(r, "huge_pages")).toBe(4);
        expect(num(r, "touch_faults")).toBe(4);
        expect(num(r, "read_walks_per_1k")).toBeLessThan(10);
      } else {
        expect(num(r, "touch_faults")).toBe(pages);
        expect(num(r, "read_walks_per_1k")).toBeGreaterThan(500);
        expect(num(r, "read_walk_refs_per_walk")).toBe(4);
      }
    }
  });
});

describe("CSV", () => {
  it("has a line per row whose cells match the JSON", async () => {
    const w = await runAndWrite("thp", tmp.dir);
    const rows = csvRows(w.csv);
    expect(rows.map((r) => r.config)).toEqual(w.result.rows.map((r) => r.config));
    expect(rows.map((r) => Number(r.touch_faults))).toEqual(w.result.rows.map((r) => r.touch_faults));
  });
});

describe("--satp", () => {
  it("tlb-reach in Sv39 reads 3 PTEs per 4 KiB walk", async () => {
    const exp = findExperiment("tlb-reach")!;
    const r = await runExperiment(exp, {
      quick: true,
      test: true,
      tlb: loadTlbConfig("skylake"),
      satp: "sv39",
      seed: 1,
      jobs: 1,
    });
    expect((r.params as { mode: string }).mode).toBe("sv39");
    const far = r.rows.find((x) => x.page_size === "4k" && x.working_set === 64 << 20)!;
    expect(far.walk_refs_per_walk).toBe(3);
    expect(new Set(r.rows.map((x) => x.mode))).toEqual(new Set(["sv39"]));
  });
});

describe("shootdown", () => {
  it("counts IPIs to mm_cpumask (or every hart), fences by ceiling, and one shootdown for a batch", async () => {
    const w = await runAndWrite("shootdown", tmp.dir);
    checkOutputs(w, "shootdown");
    const rows = w.result.rows;
    // 2 thread counts x (2 sizes x 6 policies + 1 MiB x the 2 split policies).
    expect(rows).toHaveLength(2 * (2 * 6 + 2));
    const at = (threads: number, size: number, policy: string): Row =>
      rows.find((r) => r.threads === threads && r.size === size && r.policy === policy)!;
    // One thread: nothing to shoot down under Linux's policy; every other hart under all-harts.
    expect(num(at(1, 4096, "linux"), "ipis_sent")).toBe(0);
    expect(num(at(1, 4096, "all-harts"), "ipis_sent")).toBe(7);
    expect(num(at(1, 4096, "all-harts"), "kernel_us")).toBeGreaterThan(
      num(at(1, 4096, "linux"), "kernel_us"),
    );
    // Four threads: 3 IPIs, each received; a page: one fence per hart, each dropping its entries.
    const page = at(4, 4096, "linux");
    expect([
      num(page, "shootdowns"),
      num(page, "ipis_sent"),
      num(page, "ipis_received"),
      num(page, "fences"),
    ]).toEqual([1, 3, 3, 4]);
    expect(num(page, "entries_dropped")).toBeGreaterThanOrEqual(4);
    expect(num(page, "interrupted_us")).toBeGreaterThan(0);
    // A page under ceiling-0: the whole ASID anyway, one fence per hart.
    expect(num(at(4, 4096, "ceiling-0"), "fences")).toBe(4);
    // 1 MiB (256 pages): past 64, one whole-ASID flush per hart; per-page: 256 each.
    expect(num(at(4, 1 << 20, "linux"), "fences")).toBe(4);
    expect(num(at(4, 1 << 20, "per-page"), "fences")).toBe(4 * 256);
    expect(num(at(4, 1 << 20, "ceiling-512"), "fences")).toBe(4 * 256);
    // 8 calls: 8 shootdowns, or one when batched.
    expect([
      num(at(4, 1 << 20, "split-8"), "shootdowns"),
      num(at(4, 1 << 20, "batch-8"), "shootdowns"),
    ]).toEqual([8, 1]);
    expect(num(at(4, 1 << 20, "batch-8"), "ipis_sent")).toBe(3);
    // The caller's time is the syscall's own accounting: its entry and work besides the flush.
    for (const r of rows) expect(num(r, "kernel_us") * 1000).toBeGreaterThan(num(r, "flush_cycles"));
    expect(num(at(4, 1 << 20, "split-8"), "calls")).toBe(8);
    expect(w.svgs.join("")).toContain("IPIs sent per call");
  });
});
