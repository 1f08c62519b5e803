// The page's logic without a browser: the terminal's line editor, the scenes and the URL, the
// views' text from snapshots (TLB grid and its highlights, vmalloc map, walk, chart).

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEFAULT_TLB_PRESET, TLB_PRESETS } from "../../src/mmu/index.js";
import { Engine } from "../../web/src/engine.js";
import { LineEditor } from "../../web/src/line-editor.js";
import { parseUrl, SCENES, shareSearch } from "../../web/src/scenes.js";
import { DEFAULT_SETTINGS, PRESETS } from "../../web/src/settings.js";
import {
  CHART_SERIES,
  chartSvg,
  diffTlb,
  gridColumns,
  hartTlbHtml,
  mapWindow,
  PerfHistory,
  SCROLL_ENTRIES,
  sizeName,
  tlbChanged,
  vmallocHtml,
  vmallocSegments,
  vpnVa,
  walkHtml,
} from "../../web/src/views.js";

describe("the line editor", () => {
  const editor = () =>
    new LineEditor(
      () => "> ",
      () => ["vmalloc", "vmalloc_huge", "vrealloc", "p1"],
    );

  it("echoes keys, erases with Backspace and gives lines on Enter (a pasted \\r\\n is one line)", () => {
    const e = editor();
    expect(e.feed("vmx\x7f")).toEqual({ echo: "vmx\b \b", lines: [], interrupt: false });
    expect(e.feed("alloc 4K\r\nvfree p\r").lines).toEqual(["vmalloc 4K", "vfree p"]);
    expect(e.line).toBe("");
  });

  it("history with Up and Down; Ctrl-U clears; Ctrl-C interrupts", () => {
    const e = editor();
    e.feed("a\rb\r");
    expect(e.feed("\x1b[A").echo).toBe("\r\x1b[K> b");
    expect(e.feed("\x1b[A").echo).toBe("\r\x1b[K> a");
    expect(e.feed("\x1b[B").echo).toBe("\r\x1b[K> b");
    expect(e.line).toBe("b");
    expect(e.feed("\x15").echo).toBe("\r\x1b[K> ");
    expect(e.feed("xyz\x03")).toEqual({ echo: "xyz^C\r\n", lines: [], interrupt: true });
    expect(e.line).toBe("");
  });

  it("Tab completes the word to the names' common start, and a single name with a space", () => {
    const e = editor();
    expect(e.feed("vm\t").echo).toBe("vm" + "alloc");
    expect(e.feed("_\t").echo).toBe("_huge ");
    expect(e.feed("p\t").echo).toBe("p1 ");
    expect(e.feed("zz\t").echo).toBe("zz");
  });
});

describe("scenes and the URL", () => {
  it("four scenes, each with two sentences and a script", () => {
    expect(SCENES.map((s) => s.id)).toEqual(["vrealloc-shrink", "missing-flush", "huge-pages", "lazy-purge"]);
    for (const s of SCENES) {
      expect(s.text.split(/(?<=\.) /)).toHaveLength(2);
      expect(s.script.trim()).not.toBe("");
    }
  });

  it("every scene's script runs on the engine without an error", () => {
    for (const s of SCENES) {
      let out = "";
      const e = new Engine((t) => {
        out += t;
      }, s.settings);
      e.guests.set("ptrchase", new Uint8Array(readFileSync("guests/bin/ptrchase.nolibc.elf")));
      e.submit(s.script);
      e.drain(5e9);
      expect(out, s.id).not.toContain("error:");
      expect(e.state().program).toBeNull();
    }
  }, 300_000);

  it("parses scene=, script= and the machine's settings; a mistake is reported and the rest kept", () => {
    const r = parseUrl("?scene=missing-flush&harts=2", PRESETS);
    expect(r.scene?.id).toBe("missing-flush");
    expect(r.settings).toEqual({
      harts: 2,
      tlb: "skylake",
      cmdline: "kasan=off vrealloc.bug=unmap-no-flush",
    });
    expect(r.script).toBe(r.scene!.script);
    const s = parseUrl(
      `?script=${encodeURIComponent("p = vmalloc 8K\nwalk p")}&tlb=zen2&harts=0&scene=x`,
      PRESETS,
    );
    expect(s.script).toBe("p = vmalloc 8K\nwalk p");
    expect(s.settings.tlb).toBe("zen2");
    expect(s.error).toBe(
      "no scene 'x' (scenes: vrealloc-shrink, missing-flush, huge-pages, lazy-purge); harts=0: expected 1 to 64",
    );
  });

  it("a share link round-trips", () => {
    const settings = { harts: 4, tlb: "tiny", cmdline: "kasan=off" };
    const search = shareSearch(settings, "p = vmalloc 8K\nvfree p");
    expect(parseUrl(search, PRESETS)).toMatchObject({
      settings,
      script: "p = vmalloc 8K\nvfree p",
      error: null,
    });
    const scene = SCENES[0]!;
    expect(shareSearch(scene.settings, scene.script, scene)).toBe("?scene=vrealloc-shrink");
    expect(shareSearch(DEFAULT_SETTINGS, "")).toBe("");
  });

  it("the page's presets and default are mmlab's", () => {
    expect([...PRESETS].sort()).toEqual(Object.keys(TLB_PRESETS).sort());
    expect(DEFAULT_SETTINGS.tlb).toBe(DEFAULT_TLB_PRESET);
  });
});

describe("the views", () => {
  function shrink() {
    const e = new Engine(() => {});
    e.submit("p = vmalloc 256K\nmemset p 1 256K");
    e.drain();
    const before = e.snapshot();
    e.submit("vrealloc p 16K");
    e.drain();
    return { e, before, after: e.snapshot() };
  }

  it("diffTlb: the shrink's flush empties the freed pages' slots and counts the dropped entries", () => {
    const { before, after } = shrink();
    const d = diffTlb(before.harts[0], after.harts[0]!);
    expect(d.emptied.size).toBeGreaterThanOrEqual(60);
    expect(d.flushed).toBeGreaterThanOrEqual(60);
    expect(d.fences).toBeGreaterThan(0);
    expect(tlbChanged(d)).toBe(true);
    expect(tlbChanged(diffTlb(after.harts[0], after.harts[0]!))).toBe(false);
    const html = hartTlbHtml(after.harts[0]!, d);
    expect(html).toContain(`sfence.vma ×${d.fences}: ${d.flushed} entries dropped`);
    expect(html.match(/class="e gone"/g)!.length).toBe(d.emptied.size);
    expect(html).toContain('data-va="0xffff8f8000000000"');
    expect(html).not.toContain('data-va="0xffff8f8000004000"');
  });

  it("the grid has one cell per entry, ways per row (16 when fully associative)", () => {
    const { after } = shrink();
    const stlb = after.harts[0]!.arrays.find((a) => a.name === "stlb")!;
    expect(gridColumns(stlb)).toBe(12);
    expect(gridColumns({ entries: 4, ways: 4 })).toBe(4);
    expect(gridColumns({ entries: 64, ways: 64 })).toBe(16);
    const html = hartTlbHtml(after.harts[0]!, diffTlb(undefined, after.harts[0]!));
    const cells = html.match(/<i /g)!.length;
    expect(cells).toBe(after.harts[0]!.arrays.reduce((n, a) => n + a.entries, 0));
  });

  it("a large L2 TLB (golden-cove's 2048 entries) scrolls in its own box, one per hart and array", () => {
    const { e } = shrink();
    e.boot({ harts: 2, tlb: "golden-cove", cmdline: "" });
    const snap = e.snapshot();
    const stlb = snap.harts[1]!.arrays.find((a) => a.name === "stlb")!;
    expect(stlb.entries).toBe(2048);
    const html = hartTlbHtml(snap.harts[1]!, diffTlb(undefined, snap.harts[1]!));
    expect(html.match(/class="grid-scroll"/g)).toHaveLength(1); // only the STLB: the L1s are small
    expect(html).toContain('data-scroll="1-stlb"');
    const box = html.slice(html.indexOf('<div class="grid-scroll"'));
    expect(box.slice(0, box.indexOf("</div></div>")).match(/<i /g)).toHaveLength(2048);
    expect(gridColumns(stlb)).toBe(16);
    expect(SCROLL_ENTRIES).toBeLessThan(2048);
  });

  it("the vmalloc map: 4 mapped pages, 60 unmapped, the guard page; a vfree'd area is lazily freed", () => {
    const { e, after } = shrink();
    const p = 0xffff8f8000000000n;
    expect(vmallocSegments(after.vmalloc)).toEqual([
      { kind: "mapped", start: p, end: p + 0x4000n, label: "0xffff8f8000000000 mmlab_console pages=4" },
      {
        kind: "unmapped",
        start: p + 0x4000n,
        end: p + 0x40000n,
        label: "0xffff8f8000000000 mmlab_console pages=4: not mapped",
      },
      {
        kind: "guard",
        start: p + 0x40000n,
        end: p + 0x41000n,
        label: "0xffff8f8000000000 mmlab_console pages=4: guard page",
      },
    ]);
    e.submit("vfree p");
    e.drain();
    const m = e.snapshot().vmalloc;
    const segs = vmallocSegments(m);
    expect(segs).toEqual([
      {
        kind: "lazy",
        start: p,
        end: p + 0x41000n,
        label: "0xffff8f8000000000-0xffff8f8000041000 lazily freed",
      },
    ]);
    expect(mapWindow(m, segs)).toEqual([p, p + (1n << 20n)]);
    expect(vmallocHtml(m)).toContain(
      "0 areas, 1 lazily freed ranges (65 of lazy_max_pages 8192 pages), 0 purges",
    );
  });

  it("the walk view marks each level's bits and the leaf", () => {
    const e = new Engine(() => {});
    e.submit("p = vmalloc 8K");
    e.drain();
    const html = walkHtml(e.walk(0xffff8f8000000000n, 0));
    expect(html.match(/<tr class="">/g)).toHaveLength(3);
    expect(html).toContain('<tr class="leaf"><td>0 PTE</td>');
    expect(html).toContain('<b class="on">V</b><b class="on">R</b><b class="on">W</b><b class="off">X</b>');
  });

  it("the chart keeps the per-snapshot change of each series, the last `size` of them", () => {
    const h = new PerfHistory(3);
    const perf = (n: number) => Object.fromEntries(CHART_SERIES.map((s) => [s, n]));
    for (const n of [0, 5, 7, 7, 20]) h.add(perf(n));
    expect(h.samples.map((s) => s[0])).toEqual([2, 0, 13]);
    expect(chartSvg(h)).toContain("(max 13 per frame)");
    h.reset();
    h.add(perf(0));
    expect(h.samples).toHaveLength(3); // a new machine's counters start a new series, not a negative step
  });

  it("sizes and addresses", () => {
    expect([12, 16, 21, 30].map(sizeName)).toEqual(["4K", "64K", "2M", "1G"]);
    expect(vpnVa(0x8f8000000)).toBe(0xffff8f8000000000n);
  });
});
