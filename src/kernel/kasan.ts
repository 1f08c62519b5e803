// KASAN, generic mode (CONFIG_KASAN_GENERIC + CONFIG_KASAN_VMALLOC), after mm/kasan/: one shadow
// byte per 8-byte granule at (addr >> 3) + KASAN_SHADOW_OFFSET; 0 means the granule is
// accessible, 1..7 that only its first k bytes are, a value >= 0x80 that it is poisoned and why.
//
// The shadow is real memory: pages from the buddy allocator, mapped into swapper_pg_dir at the
// shadow addresses, and every shadow read or write goes through the current hart's MMU (so it
// uses and fills its TLB) with the check itself off. vmalloc areas get their shadow at
// alloc_vmap_area time (populate_vmalloc, filled with KASAN_VMALLOC_INVALID) and lose it at the
// purge (release_vmalloc). Shadow that was never populated reads as zero, like Linux's
// kasan_early_shadow_page, so accesses there are not checked.
//
// Deviations from Linux:
// - The direct map's shadow is populated on demand, for the pages the slab allocator hands out
//   (populate / depopulate, refcounted per shadow page), where Linux maps all of it at boot.
//   Pages outside slabs are therefore never checked (no KASAN_PAGE_FREE for buddy pages).
// - No stack traces: the "Call Trace" of a report is the one `ip` the access names, and alloc /
//   free tracks (KASAN_SLAB_FREE_META) are not kept.
// - `kasan=off` turns generic mode off (Linux has that switch only for the hw-tags mode).
// - A failed populate_vmalloc gives back the shadow pages it mapped itself before returning
//   (Linux leaves them for the purge); page-table pages stay, as they do in Linux.

import { PTE_R, PTE_W } from "../mmu/index.js";
import { BUG_ON, WARN_ON } from "./bug.js";
import type { ParamValue } from "./cmdline.js";
import { parseBool } from "./cmdline.js";
import { KernelOops } from "./kaccess.js";
import type { Kernel, ParamOwner } from "./kernel.js";
import {
  __va,
  hex64,
  is_vmalloc_addr,
  KASAN_SHADOW_SCALE_SHIFT,
  kasan_mem_to_shadow,
  PAGE_OFFSET,
  PAGE_SHIFT,
  PAGE_SIZE,
  PUD_SIZE,
  VMALLOC_END,
  VMALLOC_START,
} from "./layout.js";
import { PG_buddy, PG_head, PG_kasan, PG_reserved, PG_slab, PG_table, PG_vmalloc } from "./page_alloc.js";
import { PAGE_KERNEL } from "./pgtable.js";

/** Bytes of memory one shadow byte describes. */
export const KASAN_GRANULE_SIZE = 8;
export const KASAN_GRANULE_MASK = KASAN_GRANULE_SIZE - 1;
/** Memory covered by one page of shadow (32 KiB). */
export const KASAN_MEMORY_PER_SHADOW_PAGE = PAGE_SIZE * KASAN_GRANULE_SIZE;

// Shadow values of the generic mode (mm/kasan/kasan.h).
export const KASAN_PAGE_FREE = 0xff;
export const KASAN_PAGE_REDZONE = 0xfe;
export const KASAN_SLAB_REDZONE = 0xfc;
export const KASAN_SLAB_FREE = 0xfb;
export const KASAN_SLAB_FREE_META = 0xfa;
export const KASAN_GLOBAL_REDZONE = 0xf9;
export const KASAN_VMALLOC_INVALID = 0xf8;
export const KASAN_STACK_LEFT = 0xf1;
export const KASAN_STACK_MID = 0xf2;
export const KASAN_STACK_RIGHT = 0xf3;
export const KASAN_STACK_PARTIAL = 0xf4;
export const KASAN_ALLOCA_LEFT = 0xca;
export const KASAN_ALLOCA_RIGHT = 0xcb;

// kasan_vmalloc_flags_t (generic mode ignores them; kept for the callers' fidelity).
export const KASAN_VMALLOC_NONE = 0x0;
export const KASAN_VMALLOC_INIT = 0x1;
export const KASAN_VMALLOC_VM_ALLOC = 0x2;
export const KASAN_VMALLOC_PROT_NORMAL = 0x4;
export const KASAN_VMALLOC_KEEP_TAG = 0x8;
// Flags of kasan_release_vmalloc().
export const KASAN_VMALLOC_PAGE_RANGE = 0x1;
export const KASAN_VMALLOC_TLB_FLUSH = 0x2;

/** The '=' line that opens and closes a report (66 characters, as mm/kasan/report.c). */
export const KASAN_REPORT_RULE = "=".repeat(66);

export type KasanFault = "report" | "panic" | "panic_on_write";

/** The task a report names ("by task <comm>/<pid>"). */
export interface KasanTask {
  comm: string;
  pid: number;
}

/** Lines describing the object or mapping a bad address belongs to, or null if not ours. */
export type KasanDescriber = (addr: bigint) => string[] | null;

export interface KasanOptions {
  task?: () => KasanTask;
}

const GRANULE = BigInt(KASAN_GRANULE_SIZE);
const PAGE = BigInt(PAGE_SIZE);
const SHIFT = BigInt(PAGE_SHIFT);
/** Bytes of memory one shadow page covers (4 KiB of shadow, 8 bytes each). */
const SHADOW_PAGE_SPAN = PAGE_SIZE << Number(KASAN_SHADOW_SCALE_SHIFT);
/** The shadow page number (shadow address >> PAGE_SHIFT) of the direct map's start, which
 *  begins a shadow page: the direct map's shadow pages follow from it, one per 32 KiB. */
const DIRECT_SHADOW_PAGE = Number(kasan_mem_to_shadow(PAGE_OFFSET) >> SHIFT);
const SHADOW_CHUNK = BigInt(KASAN_MEMORY_PER_SHADOW_PAGE);
/** Bytes of memory one row of "Memory state around the buggy address" covers. */
const META_MEM_BYTES_PER_ROW = 16n * GRANULE;
const META_ROWS_AROUND_ADDR = 2;

const roundUp = (v: bigint, a: bigint): bigint => (v + a - 1n) & ~(a - 1n);
const roundDown = (v: bigint, a: bigint): bigint => v & ~(a - 1n);
const hex2 = (b: number): string => b.toString(16).padStart(2, "0");

/** The bug type of a report from the shadow value of the first bad granule
 *  (get_shadow_bug_type in mm/kasan/report_generic.c). */
export function kasan_bug_type(shadow: number): string {
  if (shadow < KASAN_GRANULE_SIZE) return "out-of-bounds";
  switch (shadow) {
    case KASAN_PAGE_REDZONE:
    case KASAN_SLAB_REDZONE:
      return "slab-out-of-bounds";
    case KASAN_GLOBAL_REDZONE:
      return "global-out-of-bounds";
    case KASAN_STACK_LEFT:
    case KASAN_STACK_MID:
    case KASAN_STACK_RIGHT:
    case KASAN_STACK_PARTIAL:
      return "stack-out-of-bounds";
    case KASAN_PAGE_FREE:
      return "use-after-free";
    case KASAN_SLAB_FREE:
    case KASAN_SLAB_FREE_META:
      return "slab-use-after-free";
    case KASAN_ALLOCA_LEFT:
    case KASAN_ALLOCA_RIGHT:
      return "alloca-out-of-bounds";
    case KASAN_VMALLOC_INVALID:
      return "vmalloc-out-of-bounds";
    default:
      return "unknown-crash";
  }
}

interface ShadowPage {
  pfn: number;
  /** vmalloc shadow is released by range at the purge; direct-map shadow by reference count. */
  vmalloc: boolean;
  refs: number;
}

export class Kasan {
  /** kasan=on|off, kasan.fault=report|panic|panic_on_write, kasan_multi_shot: all top-level
   *  names, as they are early_param/__setup names in Linux. Registered by the constructor. */
  readonly params: ParamOwner;
  enabled = true;
  fault: KasanFault = "report";
  multiShot = false;
  /** Bad accesses (and bad frees) detected, printed or not. */
  reports = 0;
  /** Reports printed. */
  printed = 0;
  /** The kernel is tainted (TAINT_BAD_PAGE) by a report. */
  tainted = false;
  task: () => KasanTask;
  private readonly describers: KasanDescriber[] = [];
  /** Populated shadow pages by shadow virtual page number. */
  private readonly shadow = new Map<number, ShadowPage>();
  /** Inside KASAN itself: shadow accesses and reports are not checked. */
  private inside = false;

  constructor(
    private readonly kernel: Kernel,
    opts: KasanOptions = {},
  ) {
    this.task = opts.task ?? (() => ({ comm: "swapper/0", pid: 0 }));
    this.params = {
      prefix: "",
      params: [
        {
          name: "kasan",
          help: "kasan=on|off: KernelAddressSanitizer (generic mode), default on",
          parse: (v: ParamValue) => {
            const b = parseBool(v);
            if (b === undefined) return `expected on or off, got '${v}'`;
            this.enabled = b;
            return undefined;
          },
        },
        {
          name: "kasan.fault",
          help: "kasan.fault=report|panic|panic_on_write: what a KASAN report does after printing",
          parse: (v: ParamValue) => {
            if (v !== "report" && v !== "panic" && v !== "panic_on_write") {
              return `expected report, panic or panic_on_write, got '${v === true ? "" : v}'`;
            }
            this.fault = v;
            return undefined;
          },
        },
        {
          name: "kasan_multi_shot",
          help: "print every KASAN report, not only the first",
          parse: () => {
            this.multiShot = true;
            return undefined;
          },
        },
      ],
    };
    kernel.registerParams(this.params);
  }

  /** Shadow pages mapped now (vmalloc and direct map). */
  get nr_shadow_pages(): number {
    return this.shadow.size;
  }

  /** kasan_init(): after the command line and the direct map. Creates the top-level entries of
   *  the vmalloc shadow (kasan_shallow_populate, so they exist before any process copies the
   *  kernel's half of the page table), installs the access check and says so. No-op when off. */
  kasan_init(): boolean {
    if (!this.enabled) return true;
    const top = 1n << 39n; // one Sv48 root entry
    const start = roundDown(kasan_mem_to_shadow(VMALLOC_START), top);
    const end = kasan_mem_to_shadow(VMALLOC_END);
    for (let va = start; va < end; va += top) {
      if (!this.shallowPopulate(va)) return false;
    }
    this.kernel.kmem.check = this.check;
    this.kernel.kmem.checkDirect = this.checkDirect;
    this.kernel.printk.info("kasan: KernelAddressSanitizer initialized (generic)");
    return true;
  }

  /** Another way to describe a bad address (vmalloc: the virtual mapping; slab: the object). */
  addDescriber(fn: KasanDescriber): void {
    this.describers.push(fn);
  }

  // ---- shadow memory ----

  /** kasan_populate_vmalloc(): map shadow for [start, start+size) (guard page included), new
   *  shadow pages filled with KASAN_VMALLOC_INVALID. False (nothing kept) if out of memory. */
  populate_vmalloc(start: bigint, size: bigint): boolean {
    if (!this.enabled || !is_vmalloc_addr(start) || size <= 0n) return true;
    return this.mapShadow(start, size, true, KASAN_VMALLOC_INVALID);
  }

  /** kasan_release_vmalloc(): free the shadow pages that only describe memory inside
   *  [start, end) or, at its edges, inside the free region [freeStart, freeEnd) around it (the
   *  merged free block at the purge); then flush the shadow range's TLB entries. */
  release_vmalloc(
    start: bigint,
    end: bigint,
    freeStart = start,
    freeEnd = end,
    flags = KASAN_VMALLOC_PAGE_RANGE | KASAN_VMALLOC_TLB_FLUSH,
  ): void {
    if (!this.enabled) return;
    let regionStart = roundUp(start, SHADOW_CHUNK);
    let regionEnd = roundDown(end, SHADOW_CHUNK);
    if (start !== regionStart && roundUp(freeStart, SHADOW_CHUNK) < regionStart) regionStart -= SHADOW_CHUNK;
    if (end !== regionEnd && roundDown(freeEnd, SHADOW_CHUNK) > regionEnd) regionEnd += SHADOW_CHUNK;
    const shadowStart = kasan_mem_to_shadow(regionStart);
    const shadowEnd = kasan_mem_to_shadow(regionEnd);
    if (shadowEnd <= shadowStart) return;
    if (flags & KASAN_VMALLOC_PAGE_RANGE) {
      for (let va = shadowStart; va < shadowEnd; va += PAGE) {
        const key = Number(va >> SHIFT);
        const sp = this.shadow.get(key);
        if (sp?.vmalloc) this.unmapShadowPage(key, sp);
      }
    }
    if (flags & KASAN_VMALLOC_TLB_FLUSH) this.kernel.flush.flush_tlb_kernel_range(shadowStart, shadowEnd);
  }

  /** One TLB flush over the shadow of the memory range [start, end) (after a purge's releases). */
  flush_shadow(start: bigint, end: bigint): void {
    if (!this.enabled) return;
    this.kernel.flush.flush_tlb_kernel_range(kasan_mem_to_shadow(start), kasan_mem_to_shadow(end));
  }

  /** Map shadow for direct-map memory [start, start+size) (a slab's pages) and fill that range
   *  of it with `fill`. Each call takes a reference on the shadow pages it touches; give them
   *  back with depopulate() over the same range. False (nothing kept) if out of memory. */
  populate(start: bigint, size: number, fill: number): boolean {
    if (!this.enabled || size <= 0) return true;
    BUG_ON(
      start < PAGE_OFFSET,
      "mm/kasan/shadow.c",
      () => `kasan: populate of 0x${hex64(start)}: not a direct-map address`,
    );
    if (!this.mapShadow(start, BigInt(size), false, 0)) return false;
    this.kasan_poison(start, size, fill);
    return true;
  }

  /** Undo populate(): the range becomes unchecked again (shadow 0) and shadow pages nobody
   *  references any more are unmapped, freed and flushed. */
  depopulate(start: bigint, size: number): void {
    if (!this.enabled || size <= 0) return;
    this.kasan_poison(start, size, 0);
    const first = Number(kasan_mem_to_shadow(start) >> SHIFT);
    const last = Number(kasan_mem_to_shadow(start + BigInt(size) - 1n) >> SHIFT);
    for (let key = first; key <= last; key++) {
      const sp = this.shadow.get(key);
      if (!sp || sp.vmalloc) continue;
      if (--sp.refs > 0) continue;
      this.unmapShadowPage(key, sp);
      const va = BigInt(key) << SHIFT;
      this.kernel.flush.flush_tlb_kernel_range(va, va + PAGE);
    }
  }

  // ---- poisoning ----

  /** kasan_poison(): set the shadow of [addr, addr+size) to `value`; both granule-aligned. */
  kasan_poison(addr: bigint, size: number, value: number): void {
    if (!this.enabled) return;
    const k = this.kernel;
    const where = "mm/kasan/shadow.c";
    if (
      WARN_ON(
        k,
        (addr & (GRANULE - 1n)) !== 0n,
        where,
        () => `kasan_poison: address 0x${hex64(addr)} is not granule-aligned`,
      )
    )
      return;
    if (
      WARN_ON(
        k,
        (size & KASAN_GRANULE_MASK) !== 0,
        where,
        () => `kasan_poison: size ${size} is not granule-aligned`,
      )
    )
      return;
    if (size <= 0) return;
    const s = kasan_mem_to_shadow(addr);
    this.writeShadow(s, kasan_mem_to_shadow(addr + BigInt(size)) - s, value);
  }

  /** kasan_unpoison(): whole granules of [addr, addr+size) accessible, a partial last one
   *  holding size & 7. */
  kasan_unpoison(addr: bigint, size: number): void {
    if (!this.enabled) return;
    const unaligned = (addr & (GRANULE - 1n)) !== 0n;
    const where = "mm/kasan/shadow.c";
    if (
      WARN_ON(
        this.kernel,
        unaligned,
        where,
        () => `kasan_unpoison: address 0x${hex64(addr)} is not granule-aligned`,
      )
    )
      return;
    this.kasan_poison(addr, Math.ceil(size / KASAN_GRANULE_SIZE) * KASAN_GRANULE_SIZE, 0);
    this.kasan_poison_last_granule(addr, size);
  }

  /** The partial granule at addr+size gets size & 7 (nothing if size is granule-aligned). */
  kasan_poison_last_granule(addr: bigint, size: number): void {
    if (!this.enabled || !(size & KASAN_GRANULE_MASK)) return;
    this.writeShadow(kasan_mem_to_shadow(addr + BigInt(size)), 1n, size & KASAN_GRANULE_MASK);
  }

  /** __kasan_poison_vmalloc(): KASAN_VMALLOC_INVALID over [addr, addr+round_up(size, 8)). */
  kasan_poison_vmalloc(addr: bigint, size: number): void {
    if (!this.enabled || !is_vmalloc_addr(addr)) return;
    this.kasan_poison(addr, Math.ceil(size / KASAN_GRANULE_SIZE) * KASAN_GRANULE_SIZE, KASAN_VMALLOC_INVALID);
  }

  /** __kasan_unpoison_vmalloc(): [addr, addr+size) accessible (flags are ignored in generic
   *  mode). Returns addr, as Linux returns the (possibly tagged) pointer. */
  kasan_unpoison_vmalloc(addr: bigint, size: number, _flags = KASAN_VMALLOC_PROT_NORMAL): bigint {
    if (this.enabled && is_vmalloc_addr(addr)) this.kasan_unpoison(addr, size);
    return addr;
  }

  /** kasan_vrealloc(): the shadow of a vrealloc'd object that stays at p. Shrink: the partial
   *  last granule at p+new, then [round_up(new), round_up(old)) invalid. Grow: unpoison from
   *  round_down(old) to new. */
  kasan_vrealloc(p: bigint, oldSize: number, newSize: number): void {
    if (!this.enabled) return;
    if (newSize < oldSize) {
      this.kasan_poison_last_granule(p, newSize);
      const n = Math.ceil(newSize / KASAN_GRANULE_SIZE) * KASAN_GRANULE_SIZE;
      const o = Math.ceil(oldSize / KASAN_GRANULE_SIZE) * KASAN_GRANULE_SIZE;
      if (n < o) this.kasan_poison_vmalloc(p + BigInt(n), o - n);
    } else if (newSize > oldSize) {
      const o = oldSize - (oldSize % KASAN_GRANULE_SIZE);
      this.kasan_unpoison_vmalloc(
        p + BigInt(o),
        newSize - o,
        KASAN_VMALLOC_PROT_NORMAL | KASAN_VMALLOC_VM_ALLOC | KASAN_VMALLOC_KEEP_TAG,
      );
    }
  }

  /** kasan_kmalloc() (poison_kmalloc_redzone): obj's first `size` bytes accessible, the rest of
   *  its `objectSize`-byte slot a slab redzone. Also right for krealloc in place. */
  kasan_kmalloc(obj: bigint, size: number, objectSize: number): void {
    if (!this.enabled) return;
    this.kasan_unpoison(obj, size);
    const rzStart = roundUp(obj + BigInt(size), GRANULE);
    const rzEnd = roundUp(obj + BigInt(objectSize), GRANULE);
    if (rzEnd > rzStart) this.kasan_poison(rzStart, Number(rzEnd - rzStart), KASAN_SLAB_REDZONE);
  }

  /** kasan_slab_free(): poison the object as freed. A free of an object whose first granule
   *  is not accessible is a double free: it is reported and true is returned (the caller must
   *  not free it), as Linux's check_slab_allocation. */
  kasan_slab_free(obj: bigint, objectSize: number, ip = "kfree"): boolean {
    if (!this.enabled) return false;
    if (!this.byteAccessible(obj)) {
      this.kasan_report_invalid_free(obj, ip, "double-free");
      return true;
    }
    this.kasan_poison(obj, Math.ceil(objectSize / KASAN_GRANULE_SIZE) * KASAN_GRANULE_SIZE, KASAN_SLAB_FREE);
    return false;
  }

  /** kasan_kmalloc_large(): a page-backed kmalloc; the rest of its pages a page redzone. */
  kasan_kmalloc_large(ptr: bigint, size: number, allocSize: number): void {
    if (!this.enabled) return;
    this.kasan_unpoison(ptr, size);
    const rzStart = roundUp(ptr + BigInt(size), GRANULE);
    const rzEnd = ptr + BigInt(allocSize);
    if (rzEnd > rzStart) this.kasan_poison(rzStart, Number(rzEnd - rzStart), KASAN_PAGE_REDZONE);
  }

  // ---- checking and reporting ----

  /** The check every kernel access makes (KernelAccess.check): reports a bad access. */
  readonly check = (addr: bigint, size: number, write: boolean, ip: string): void => {
    if (!this.enabled || this.inside || size <= 0) return;
    const s0 = kasan_mem_to_shadow(addr);
    const last = addr + BigInt(size) - 1n;
    const s1 = kasan_mem_to_shadow(last);
    if (!this.anyPopulated(s0, s1)) return;
    const shadow = this.readShadow(s0, Number(s1 - s0) + 1);
    if (!this.poisoned(shadow, Number(last & (GRANULE - 1n)))) return;
    this.kasan_report(addr, size, write, ip);
  };

  /** check() of the direct-map address PAGE_OFFSET + off: a range whose shadow was never
   *  populated passes, found with numbers (nothing allocated); any other goes to check(). */
  readonly checkDirect = (off: number, size: number, write: boolean, ip: string): void => {
    if (!this.enabled || this.inside || size <= 0) return;
    const first = DIRECT_SHADOW_PAGE + Math.floor(off / SHADOW_PAGE_SPAN);
    const last = DIRECT_SHADOW_PAGE + Math.floor((off + size - 1) / SHADOW_PAGE_SPAN);
    let populated = false;
    for (let k = first; k <= last && !populated; k++) populated = this.shadow.has(k);
    if (populated) this.check(PAGE_OFFSET + BigInt(off), size, write, ip);
  };

  /** Is the byte at addr accessible (kasan_byte_accessible)? */
  byteAccessible(addr: bigint): boolean {
    return this.readShadow(kasan_mem_to_shadow(addr), 1)[0]! < KASAN_GRANULE_SIZE;
  }

  /** The shadow bytes of [addr, addr+size) (one per granule), for tests and the console. */
  shadowOf(addr: bigint, size: number): Uint8Array {
    const s0 = kasan_mem_to_shadow(addr);
    return this.readShadow(s0, Number(kasan_mem_to_shadow(addr + BigInt(size) - 1n) - s0) + 1);
  }

  /** kasan_report(): print a report for a bad access (the first one only, unless
   *  kasan_multi_shot), then panic under kasan.fault=panic (panic_on_write for writes). */
  kasan_report(addr: bigint, size: number, write: boolean, ip: string): void {
    this.printReport(addr, ip, write, (t) => {
      const first = this.findFirstBadAddr(addr, size);
      const access = `${write ? "Write" : "Read"} of size ${size} at addr ${hex64(addr)}`;
      return {
        at: first,
        head: [`BUG: KASAN: ${this.bugTypeAt(first)} in ${ip}`, `${access} by task ${t.comm}/${t.pid}`],
      };
    });
  }

  /** kasan_report_invalid_free(): a free of something that is not a live object. */
  kasan_report_invalid_free(
    addr: bigint,
    ip: string,
    type: "double-free" | "invalid-free" = "invalid-free",
  ): void {
    this.printReport(addr, ip, true, (t) => ({
      at: addr,
      head: [`BUG: KASAN: ${type} in ${ip}`, `Free of addr ${hex64(addr)} by task ${t.comm}/${t.pid}`],
    }));
  }

  /** Count a report and print it (unless reports are off): the rule, the bug and access lines
   *  `what` gives for the task, the address's description and the shadow around `at`, the
   *  rule; then endReport(). KASAN's own shadow reads are not checked meanwhile. */
  private printReport(
    addr: bigint,
    ip: string,
    write: boolean,
    what: (t: KasanTask) => { at: bigint; head: string[] },
  ): void {
    this.reports++;
    if (!this.reportEnabled()) return;
    this.inside = true;
    let lines: string[];
    try {
      const t = this.task();
      const { at, head } = what(t);
      lines = [
        KASAN_REPORT_RULE,
        ...head,
        "",
        ...this.addressDescription(addr, ip, t),
        ...this.memoryMetadata(at),
        KASAN_REPORT_RULE,
      ];
    } finally {
      this.inside = false;
    }
    this.endReport(lines, addr, write);
  }

  /** dump_page(): the "physical page" lines of a report for page frame `pfn`. */
  dump_page(pfn: number, reason = "kasan: bad access detected"): string[] {
    const pages = this.kernel.pages;
    const i = pfn - pages.basePfn;
    if (i < 0 || i >= pages.nrPages) return [];
    const f = pages.pageFlags(i);
    const names = (
      [
        [PG_buddy, "buddy"],
        [PG_slab, "slab"],
        [PG_reserved, "reserved"],
        [PG_head, "head"],
        [PG_table, "table"],
        [PG_vmalloc, "vmalloc"],
        [PG_kasan, "kasan"],
      ] as const
    )
      .filter(([bit]) => f & bit)
      .map(([, n]) => n);
    return [
      `page: refcount:${pages.refcount[i]} mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x${pfn.toString(16)}`,
      `flags: 0x${f.toString(16)}(${[...names, "node=0", "zone=0"].join("|")})`,
      `page dumped because: ${reason}`,
    ];
  }

  private reportEnabled(): boolean {
    return this.multiShot || this.printed === 0;
  }

  private endReport(lines: string[], addr: bigint, write: boolean): void {
    this.printed++;
    for (const l of lines) this.kernel.printk.err(l);
    if (this.fault === "panic" || (this.fault === "panic_on_write" && write)) {
      const msg = `Kernel panic - not syncing: kasan.fault=${this.fault} set ...`;
      throw new KernelOops([msg, `---[ end ${msg} ]---`], addr);
    }
    if (!this.tainted) {
      this.tainted = true;
      this.kernel.printk.log("warning", "Disabling lock debugging due to kernel taint");
    }
  }

  /** The stack dump, then what the address belongs to (print_address_description). */
  private addressDescription(addr: bigint, ip: string, t: KasanTask): string[] {
    const out = [
      `CPU: ${this.kernel.cpu} UID: 0 PID: ${t.pid} Comm: ${t.comm} ${
        this.tainted ? "Tainted: [B]=BAD_PAGE" : "Not tainted"
      } 6.19.0-mmlab #1`,
      "Hardware name: mmlab,rv64 (DT)",
      "Call Trace:",
      ` ${ip}`,
      "",
    ];
    for (const d of this.describers) {
      const lines = d(addr);
      if (lines) {
        out.push(...lines, "");
        break;
      }
    }
    if (addr >= PAGE_OFFSET) {
      const pfn = Number((addr - PAGE_OFFSET) >> SHIFT) + this.kernel.pages.basePfn;
      const page = this.dump_page(pfn);
      if (page.length) out.push("The buggy address belongs to the physical page:", ...page, "");
    }
    return out;
  }

  /** "Memory state around the buggy address:": five rows of 16 shadow bytes, the row of the
   *  first bad granule marked '>' and a '^' under its shadow byte. */
  private memoryMetadata(addr: bigint): string[] {
    const out = ["Memory state around the buggy address:"];
    let row =
      roundDown(addr, META_MEM_BYTES_PER_ROW) - BigInt(META_ROWS_AROUND_ADDR) * META_MEM_BYTES_PER_ROW;
    for (let i = -META_ROWS_AROUND_ADDR; i <= META_ROWS_AROUND_ADDR; i++) {
      const bytes = this.readShadow(kasan_mem_to_shadow(row), 16);
      out.push(`${i === 0 ? ">" : " "}${hex64(row)}: ${Array.from(bytes, hex2).join(" ")}`);
      if (i === 0) {
        const col = 3 + 16 + Number((addr - row) / GRANULE) * 3 + 1;
        out.push(`${" ".repeat(col - 1)}^`);
      }
      row += META_MEM_BYTES_PER_ROW;
    }
    return out;
  }

  /** kasan_find_first_bad_addr(): step by granules from addr while the shadow is 0. */
  private findFirstBadAddr(addr: bigint, size: number): bigint {
    const end = addr + BigInt(size);
    let p = addr;
    while (p < end && this.readShadow(kasan_mem_to_shadow(p), 1)[0] === 0) p += GRANULE;
    return p;
  }

  /** get_shadow_bug_type(): a partial granule's value says nothing; look at the next one. */
  private bugTypeAt(first: bigint): string {
    let s = kasan_mem_to_shadow(first);
    let v = this.readShadow(s, 1)[0]!;
    if (v > 0 && v < KASAN_GRANULE_SIZE) {
      s += 1n;
      v = this.readShadow(s, 1)[0]!;
    }
    return kasan_bug_type(v);
  }

  /** memory_is_poisoned_n(): every granule but the last must be 0; the last one may be
   *  partial if the access ends inside its accessible bytes. */
  private poisoned(shadow: Uint8Array, lastOffset: number): boolean {
    const n = shadow.length;
    for (let i = 0; i < n - 1; i++) if (shadow[i] !== 0) return true;
    const v = shadow[n - 1]!;
    return v !== 0 && !(v < KASAN_GRANULE_SIZE && lastOffset < v);
  }

  // ---- shadow pages ----

  private anyPopulated(s0: bigint, s1: bigint): boolean {
    const last = Number(s1 >> SHIFT);
    for (let k = Number(s0 >> SHIFT); k <= last; k++) if (this.shadow.has(k)) return true;
    return false;
  }

  /** Shadow bytes [s, s+len) through the MMU; unpopulated shadow reads as 0. */
  private readShadow(s: bigint, len: number): Uint8Array {
    const out = new Uint8Array(len);
    const was = this.inside;
    this.inside = true;
    try {
      let done = 0;
      while (done < len) {
        const a = s + BigInt(done);
        const n = Math.min(PAGE_SIZE - Number(a & (PAGE - 1n)), len - done);
        if (this.shadow.has(Number(a >> SHIFT))) out.set(this.kernel.kmem.read(a, n, "kasan_shadow"), done);
        done += n;
      }
    } finally {
      this.inside = was;
    }
    return out;
  }

  /** memset of shadow [s, s+len) through the MMU; unpopulated shadow is left alone. */
  private writeShadow(s: bigint, len: bigint, value: number): void {
    const was = this.inside;
    this.inside = true;
    try {
      let a = s;
      const end = s + len;
      while (a < end) {
        const next = roundDown(a, PAGE) + PAGE;
        const n = Number((next < end ? next : end) - a);
        if (this.shadow.has(Number(a >> SHIFT))) this.kernel.kmem.memset(a, value, n, "kasan_poison");
        a += BigInt(n);
      }
    } finally {
      this.inside = was;
    }
  }

  /** Map the shadow pages of [start, start+size) that are not mapped yet, each filled with
   *  `fill` through the direct map (as Linux memsets page_to_virt()). All or nothing. */
  private mapShadow(start: bigint, size: bigint, vmalloc: boolean, fill: number): boolean {
    const k = this.kernel;
    const first = Number(kasan_mem_to_shadow(start) >> SHIFT);
    const last = Number(kasan_mem_to_shadow(start + size - 1n) >> SHIFT);
    const fresh: [number, number][] = [];
    const undo = (): false => {
      for (const [key, pfn] of fresh) {
        if (this.shadow.delete(key)) k.pgd.unmapRange(BigInt(key) << SHIFT, PAGE_SIZE);
        k.pages.__free_pages(pfn, 0);
      }
      return false;
    };
    for (let key = first; key <= last; key++) {
      if (this.shadow.has(key)) continue;
      const pfn = k.pages.alloc_pages(0);
      if (pfn < 0) return undo();
      k.pages.flags[k.pages.idx(pfn)]! |= PG_kasan;
      fresh.push([key, pfn]);
    }
    for (const [key, pfn] of fresh) {
      if (!k.pgd.mapPage(BigInt(key) << SHIFT, pfn, PAGE_KERNEL)) return undo();
      this.shadow.set(key, { pfn, vmalloc, refs: 0 });
    }
    const was = this.inside;
    this.inside = true;
    try {
      for (const [, pfn] of fresh)
        k.kmem.memset(__va(pfn * PAGE_SIZE), fill, PAGE_SIZE, "kasan_populate_shadow");
    } finally {
      this.inside = was;
    }
    if (!vmalloc) for (let key = first; key <= last; key++) this.shadow.get(key)!.refs++;
    return true;
  }

  private unmapShadowPage(key: number, sp: ShadowPage): void {
    this.kernel.pgd.unmapRange(BigInt(key) << SHIFT, PAGE_SIZE);
    this.kernel.pages.__free_pages(sp.pfn, 0);
    this.shadow.delete(key);
  }

  /** Make the table below the root entry of `va` exist, with the kernel page table's own
   *  allocator: map and at once clear a 1 GiB leaf there (it is never reachable by a walk). */
  private shallowPopulate(va: bigint): boolean {
    const pgd = this.kernel.pgd;
    if (pgd.leafAt(va, 3) !== 0) return true; // already there (a table pointer, no leaf bits)
    if (!pgd.mapPage(va, 0, PTE_R | PTE_W, 2)) return false;
    pgd.unmapRange(va, PUD_SIZE);
    return true;
  }
}
