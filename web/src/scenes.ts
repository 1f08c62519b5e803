// The guided scenes (one click each, two sentences of text) and the page's URL: `?scene=NAME`
// or `?script=LINES` (the console lines, URL-encoded), with `harts`, `tlb` and `cmdline` for the
// machine, so a reproduction can be shared as a link.

import type { MachineSettings } from "./settings.js";

export interface Scene {
  id: string;
  title: string;
  /** Two sentences: what to watch. */
  text: string;
  /** The machine it boots. */
  settings: MachineSettings;
  /** Console lines, run in order. */
  script: string;
}

const base: MachineSettings = { harts: 1, tlb: "skylake", cmdline: "" };

export const SCENES: readonly Scene[] = [
  {
    id: "vrealloc-shrink",
    title: "vrealloc shrinks 256 KiB to 16 KiB: 60 pages freed, the TLB entries gone",
    text:
      "The memset touches all 64 pages of p, so the TLB grid fills with their 4 KiB entries. " +
      "vrealloc p 16K keeps 4 pages and frees 60: their PTEs are cleared and flush_tlb_kernel_range drops their entries, so the grid loses them and the walk of p+16K stops at an invalid PTE.",
    settings: base,
    script: [
      "p = vmalloc 256K",
      "memset p 0x5a 256K",
      "vrealloc p 16K",
      "cat /proc/vmallocinfo",
      "walk p+16K",
    ].join("\n"),
  },
  {
    id: "missing-flush",
    title: "a missing flush: vrealloc.bug=unmap-no-flush and a stale entry still translating",
    text:
      "The same shrink on a kernel booted with vrealloc.bug=unmap-no-flush: the PTEs are cleared but no sfence.vma follows, so the freed pages' entries stay in the grid. " +
      "The walk of p+16K finds no valid PTE, yet the TLB still holds it, and the read goes through the stale entry to a page the buddy allocator already took back.",
    settings: { ...base, cmdline: "kasan=off vrealloc.bug=unmap-no-flush" },
    script: ["p = vmalloc 256K", "memset p 0x5a 256K", "vrealloc p 16K", "walk p+16K", "read p+16K 16"].join(
      "\n",
    ),
  },
  {
    id: "huge-pages",
    title: "huge pages: the same chase with 4 KiB and 2 MiB pages",
    text:
      "ptrchase follows a random cycle over 4 MiB, one slot per 4 KiB page: with transparent_hugepage=never every load needs its own 4 KiB entry and the chart's dTLB misses climb. " +
      "Rebooted with transparent_hugepage=always, the same chase is served by two 2 MiB entries and the misses all but vanish.",
    settings: { ...base, cmdline: "transparent_hugepage=never" },
    script: [
      "run ptrchase 4m 4096 50000",
      "stats",
      "boot transparent_hugepage=always",
      "run ptrchase 4m 4096 50000",
      "stats",
    ].join("\n"),
  },
  {
    id: "lazy-purge",
    title: "lazy purge: vfree storms and one flush",
    text:
      "Each vfree gives its pages back at once but leaves the VA range and its TLB entries for later: the vmalloc map shows them as lazily freed, and the grid keeps their entries. " +
      "When the lazy pages pass vmalloc.lazy_max_pages (64 here), one purge flushes them all: one flush for four frees.",
    settings: { ...base, cmdline: "vmalloc.lazy_max_pages=64" },
    script: [
      "a = vmalloc 64K",
      "memset a 1 64K",
      "vfree a",
      "b = vmalloc 64K",
      "memset b 2 64K",
      "vfree b",
      "c = vmalloc 64K",
      "memset c 3 64K",
      "vfree c",
      "cat /proc/vmallocinfo",
      "d = vmalloc 64K",
      "memset d 4 64K",
      "vfree d",
      "cat /proc/vmallocinfo",
    ].join("\n"),
  },
];

/** What a URL asks the page to do. */
export interface UrlRequest {
  settings: MachineSettings;
  /** The scene named by `scene=`, if any. */
  scene: Scene | null;
  /** Lines to run: the scene's or `script=`'s. */
  script: string;
  /** A mistake in the URL, to print (the rest is still used). */
  error: string | null;
}

/** Read `?scene=`, `?script=`, `harts=`, `tlb=`, `cmdline=` from a location's search string. */
export function parseUrl(search: string, presets: readonly string[]): UrlRequest {
  const q = new URLSearchParams(search);
  const errors: string[] = [];
  let scene: Scene | null = null;
  const name = q.get("scene");
  if (name !== null) {
    scene = SCENES.find((s) => s.id === name) ?? null;
    if (!scene) errors.push(`no scene '${name}' (scenes: ${SCENES.map((s) => s.id).join(", ")})`);
  }
  const settings = { ...(scene?.settings ?? base) };
  const harts = q.get("harts");
  if (harts !== null) {
    const n = Number(harts);
    if (Number.isInteger(n) && n >= 1 && n <= 64) settings.harts = n;
    else errors.push(`harts=${harts}: expected 1 to 64`);
  }
  const tlb = q.get("tlb");
  if (tlb !== null) {
    if (presets.includes(tlb)) settings.tlb = tlb;
    else errors.push(`tlb=${tlb}: no such preset (${presets.join(", ")})`);
  }
  const cmdline = q.get("cmdline");
  if (cmdline !== null) settings.cmdline = cmdline;
  return {
    settings,
    scene,
    script: q.get("script") ?? scene?.script ?? "",
    error: errors.length ? errors.join("; ") : null,
  };
}

/** The search string of a link that boots `settings` and runs `script` (or names `scene`). */
export function shareSearch(settings: MachineSettings, script: string, scene?: Scene): string {
  const q = new URLSearchParams();
  if (scene && scene.script === script) q.set("scene", scene.id);
  else if (script.trim()) q.set("script", script);
  const def = scene?.settings ?? base;
  if (settings.harts !== def.harts) q.set("harts", String(settings.harts));
  if (settings.tlb !== def.tlb) q.set("tlb", settings.tlb);
  if (settings.cmdline !== def.cmdline) q.set("cmdline", settings.cmdline);
  const s = q.toString();
  return s ? `?${s}` : "";
}
