// The memory files of a process (fs/proc/task_mmu.c): /proc/PID/maps and smaps in Linux's
// formats, the memory lines of /proc/PID/status (task_mem), statm, and /proc/PID/pagemap.
//
// pagemap: one 64-bit entry per virtual page (Documentation/admin-guide/mm/pagemap.rst): bits
// 0-54 the page frame number, 55 soft-dirty, 56 mapped exclusively, 61 a file page or shared
// anonymous page, 62 swapped, 63 present. Linux zeroes the PFN unless the reader has
// CAP_SYS_ADMIN; the guest runs as root with every capability (uid 0, CapEff full in
// /proc/PID/status), so it sees PFNs, as a privileged reader does. There is no
// /proc/PID/clear_refs, so every mapping is VM_SOFTDIRTY as a new one is on Linux: bit 55 is
// set for every page inside a mapping, present or not.

import { PTE_A, PTE_D, PTE_W, ptePpn } from "../../../mmu/index.js";
import { EINVAL } from "../../errno.js";
import type { Kernel } from "../../kernel.js";
import { PAGE_SIZE, PMD_SIZE } from "../../layout.js";
import {
  type mm_struct,
  TASK_SIZE,
  VM_EXEC,
  VM_GROWSDOWN,
  VM_HUGEPAGE,
  VM_NOHUGEPAGE,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
  type vm_area_struct,
} from "../../mm.js";
import { PG_anon } from "../../page_alloc.js";

const PAGE = BigInt(PAGE_SIZE);
const PMD = BigInt(PMD_SIZE);
// VM flags of Linux that mm.ts may carry (include/linux/mm.h); absent ones read as clear.
const VM_MAYSHARE = 0x80;
const VM_LOCKED = 0x2000;

/** The fields of an mm this file reads; the optional ones exist once the processes half
 *  keeps them (high-water marks, locked pages), and are computed otherwise. */
type proc_mm = mm_struct & {
  hiwater_rss?: number;
  hiwater_vm?: number;
  locked_vm?: number;
  start_stack?: bigint;
};

/** One present leaf: its address, size, PTE word and first page frame. */
interface leaf_info {
  va: bigint;
  size: bigint;
  lo: number;
  pfn: number;
}

/** Each present leaf of [start, end), skipping empty upper tables in one step. */
export function for_each_leaf(mm: mm_struct, start: bigint, end: bigint, fn: (l: leaf_info) => void): void {
  let va = start;
  while (va < end) {
    let skipped = false;
    for (let level = 3; level >= 1; level--) {
      if (mm.pgd.leafAt(va, level) !== 0) continue;
      const span = 1n << BigInt(12 + 9 * level);
      va = (va & ~(span - 1n)) + span;
      skipped = true;
      break;
    }
    if (skipped) continue;
    const leaf = mm.pgd.lookup(va);
    const size = leaf?.level === 1 ? PMD : PAGE;
    if (leaf) fn({ va: va & ~(size - 1n), size, lo: leaf.lo, pfn: ptePpn(leaf.lo, leaf.hi) });
    va = (va & ~(size - 1n)) + size;
  }
}

/** "%08lx" of an address. */
const hex8 = (v: bigint): string => v.toString(16).padStart(8, "0");

/** What /proc names a mapping: its file, [heap], [stack], [vdso], or nothing. */
export function vma_name(mm: proc_mm, v: vm_area_struct): string {
  if (v.name) return v.name;
  if (v.vm_file) return v.vm_file.path;
  if (mm.brk > mm.start_brk && v.vm_start <= mm.brk && v.vm_end >= mm.start_brk) return "[heap]";
  if (mm.start_stack !== undefined && v.vm_start <= mm.start_stack && v.vm_end >= mm.start_stack)
    return "[stack]";
  return "";
}

/** The maps line of a VMA (show_map_vma): the name starts at column 73. */
export function show_map_vma(mm: proc_mm, v: vm_area_struct): string {
  const f = v.vm_flags;
  const perms = `${f & VM_READ ? "r" : "-"}${f & VM_WRITE ? "w" : "-"}${f & VM_EXEC ? "x" : "-"}${f & VM_SHARED ? "s" : "p"}`;
  const pgoff = v.vm_file ? BigInt(v.vm_pgoff ?? 0) * PAGE : 0n;
  const dev = v.vm_file?.dev ?? "00:00";
  const ino = v.vm_file?.ino ?? 0;
  const head = `${hex8(v.vm_start)}-${hex8(v.vm_end)} ${perms} ${hex8(pgoff)} ${dev} ${ino} `;
  const name = vma_name(mm, v);
  return name ? `${head.padEnd(72, " ")} ${name}` : head;
}

/** /proc/PID/maps. */
export function show_maps(mm: proc_mm): string {
  return mm.vmas.map((v) => `${show_map_vma(mm, v)}\n`).join("");
}

/** References to a page by mappings: an anonymous page's count, a cached page's count less
 *  the page cache's own reference. */
function mappers(k: Kernel, pfn: number): number {
  const anon = (k.pages.flags[k.pages.idx(pfn)]! & PG_anon) !== 0;
  return Math.max(1, k.pages.page_count(pfn) - (anon ? 0 : 1));
}

const isAnon = (k: Kernel, pfn: number): boolean => (k.pages.flags[k.pages.idx(pfn)]! & PG_anon) !== 0;

/** The smaps counters of one VMA, in bytes (struct mem_size_stats). */
interface mem_size_stats {
  resident: number;
  pss: number;
  shared_clean: number;
  shared_dirty: number;
  private_clean: number;
  private_dirty: number;
  referenced: number;
  anonymous: number;
  anonymous_thp: number;
}

function smaps_account(k: Kernel, mm: mm_struct, v: vm_area_struct): mem_size_stats {
  const s: mem_size_stats = {
    resident: 0,
    pss: 0,
    shared_clean: 0,
    shared_dirty: 0,
    private_clean: 0,
    private_dirty: 0,
    referenced: 0,
    anonymous: 0,
    anonymous_thp: 0,
  };
  for_each_leaf(mm, v.vm_start, v.vm_end, (l) => {
    const size = Number(l.size);
    const anon = isAnon(k, l.pfn);
    const n = mappers(k, l.pfn);
    // A file page mapped read-only is clean; an anonymous page or a writable one is dirty.
    const dirty = anon || (l.lo & PTE_W && l.lo & PTE_D) !== 0;
    s.resident += size;
    s.pss += size / n;
    if (n > 1 && dirty) s.shared_dirty += size;
    else if (n > 1) s.shared_clean += size;
    else if (dirty) s.private_dirty += size;
    else s.private_clean += size;
    if (l.lo & PTE_A) s.referenced += size;
    if (anon) s.anonymous += size;
    if (anon && l.size === PMD) s.anonymous_thp += size;
  });
  return s;
}

/** "Name:" padded to 16 columns, the value in kB right-aligned in 8 (SEQ_PUT_DEC). */
const kbLine = (name: string, bytes: number): string =>
  `${`${name}:`.padEnd(16, " ")}${Math.floor(bytes / 1024)
    .toString()
    .padStart(8, " ")} kB\n`;

/** The two-letter VmFlags of a VMA (show_smap_vma_flags). */
function vm_flags_mnemonics(v: vm_area_struct): string {
  const f = v.vm_flags;
  const shared = (f & VM_SHARED) !== 0;
  const out: string[] = [];
  if (f & VM_READ) out.push("rd");
  if (f & VM_WRITE) out.push("wr");
  if (f & VM_EXEC) out.push("ex");
  if (shared) out.push("sh");
  out.push("mr", "mw", "me"); // VM_MAYREAD/WRITE/EXEC (mm.ts keeps none of the three apart)
  if (shared || f & VM_MAYSHARE) out.push("ms");
  if (f & VM_GROWSDOWN) out.push("gd");
  if (f & VM_LOCKED) out.push("lo");
  if (!shared && f & VM_WRITE && !v.vm_file) out.push("ac");
  if (f & VM_HUGEPAGE) out.push("hg");
  if (f & VM_NOHUGEPAGE) out.push("nh");
  return out.join(" ");
}

/** Could the VMA get transparent huge pages now (THPeligible)? */
function thp_eligible(k: Kernel, v: vm_area_struct): boolean {
  if (v.vm_file || v.vm_flags & (VM_SHARED | VM_NOHUGEPAGE | VM_GROWSDOWN)) return false;
  const mode = k.sched.thp;
  if (mode === "never" || (mode === "madvise" && !(v.vm_flags & VM_HUGEPAGE))) return false;
  const first = (v.vm_start + PMD - 1n) & ~(PMD - 1n);
  return first + PMD <= v.vm_end;
}

/** /proc/PID/smaps. */
export function show_smaps(k: Kernel, mm: proc_mm): string {
  let out = "";
  for (const v of mm.vmas) {
    const s = smaps_account(k, mm, v);
    const locked = v.vm_flags & VM_LOCKED ? s.pss : 0;
    out += `${show_map_vma(mm, v)}\n`;
    out += kbLine("Size", Number(v.vm_end - v.vm_start));
    out += kbLine("KernelPageSize", PAGE_SIZE);
    out += kbLine("MMUPageSize", PAGE_SIZE);
    out += kbLine("Rss", s.resident);
    out += kbLine("Pss", s.pss);
    out += kbLine("Pss_Dirty", s.shared_dirty + s.private_dirty);
    out += kbLine("Shared_Clean", s.shared_clean);
    out += kbLine("Shared_Dirty", s.shared_dirty);
    out += kbLine("Private_Clean", s.private_clean);
    out += kbLine("Private_Dirty", s.private_dirty);
    out += kbLine("Referenced", s.referenced);
    out += kbLine("Anonymous", s.anonymous);
    out += kbLine("KSM", 0);
    out += kbLine("LazyFree", 0);
    out += kbLine("AnonHugePages", s.anonymous_thp);
    out += kbLine("ShmemPmdMapped", 0);
    out += kbLine("FilePmdMapped", 0);
    out += kbLine("Shared_Hugetlb", 0);
    out += `Private_Hugetlb: ${"0".padStart(7, " ")} kB\n`;
    out += kbLine("Swap", 0);
    out += kbLine("SwapPss", 0);
    out += kbLine("Locked", locked);
    out += `THPeligible:    ${thp_eligible(k, v) ? 1 : 0}\n`;
    out += `VmFlags: ${vm_flags_mnemonics(v)} \n`;
  }
  return out;
}

/** Resident pages by kind (MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES), in bytes: a private
 *  anonymous page (or a private copy of a file page) is anon; a page of a tmpfs file or of
 *  shared anonymous memory is shmem; the rest are file pages. */
function rss_by_kind(
  k: Kernel,
  mm: mm_struct,
  tmpfsDev: string,
): { anon: number; file: number; shmem: number } {
  const r = { anon: 0, file: 0, shmem: 0 };
  for (const v of mm.vmas) {
    const shared = (v.vm_flags & VM_SHARED) !== 0;
    const shmem = v.vm_file ? v.vm_file.dev === tmpfsDev : shared;
    for_each_leaf(mm, v.vm_start, v.vm_end, (l) => {
      const size = Number(l.size);
      if (isAnon(k, l.pfn) && !shared) r.anon += size;
      else if (shmem) r.shmem += size;
      else r.file += size;
    });
  }
  return r;
}

const vmSize = (vmas: readonly vm_area_struct[], pred: (v: vm_area_struct) => boolean): number =>
  vmas.reduce((n, v) => n + (pred(v) ? Number(v.vm_end - v.vm_start) : 0), 0);

/** The memory lines of /proc/PID/status (task_mem). */
export function task_mem(k: Kernel, mm: proc_mm, tmpfsDev: string): string {
  const total = vmSize(mm.vmas, () => true);
  const rss = rss_by_kind(k, mm, tmpfsDev);
  const rssTotal = rss.anon + rss.file + rss.shmem;
  const locked =
    mm.locked_vm !== undefined
      ? mm.locked_vm * PAGE_SIZE
      : vmSize(mm.vmas, (v) => (v.vm_flags & VM_LOCKED) !== 0);
  const stack = vmSize(mm.vmas, (v) => (v.vm_flags & VM_GROWSDOWN) !== 0 || v.name === "[stack]");
  const data = vmSize(
    mm.vmas,
    (v) => (v.vm_flags & (VM_WRITE | VM_SHARED | VM_GROWSDOWN)) === VM_WRITE && v.name !== "[stack]",
  );
  const exe = vmSize(mm.vmas, (v) => (v.vm_flags & VM_EXEC) !== 0 && !v.name);
  const line = (name: string, bytes: number): string =>
    `${name}:\t${Math.floor(bytes / 1024)
      .toString()
      .padStart(8, " ")} kB\n`;
  return (
    line("VmPeak", Math.max(total, (mm.hiwater_vm ?? 0) * PAGE_SIZE)) +
    line("VmSize", total) +
    line("VmLck", locked) +
    line("VmPin", 0) +
    line("VmHWM", Math.max(rssTotal, (mm.hiwater_rss ?? 0) * PAGE_SIZE)) +
    line("VmRSS", rssTotal) +
    line("RssAnon", rss.anon) +
    line("RssFile", rss.file) +
    line("RssShmem", rss.shmem) +
    line("VmData", data) +
    line("VmStk", stack) +
    line("VmExe", exe) +
    line("VmLib", 0) +
    line("VmPTE", mm.pgd.nrTablePages * PAGE_SIZE) +
    line("VmSwap", 0) +
    line("HugetlbPages", 0)
  );
}

/** /proc/PID/statm: size resident shared text lib(0) data dt(0), in pages. */
export function task_statm(k: Kernel, mm: proc_mm, tmpfsDev: string): string {
  const pages = (b: number): number => Math.floor(b / PAGE_SIZE);
  const rss = rss_by_kind(k, mm, tmpfsDev);
  const size = vmSize(mm.vmas, () => true);
  const text = vmSize(mm.vmas, (v) => (v.vm_flags & VM_EXEC) !== 0 && !v.name);
  const data = vmSize(mm.vmas, (v) => (v.vm_flags & (VM_WRITE | VM_SHARED)) === VM_WRITE);
  const shared = rss.file + rss.shmem;
  return `${pages(size)} ${pages(shared + rss.anon)} ${pages(shared)} ${pages(text)} 0 ${pages(data)} 0\n`;
}

// pagemap entry bits.
const PM_PFRAME_MASK = (1n << 55n) - 1n;
const PM_SOFT_DIRTY = 1n << 55n;
const PM_MMAP_EXCLUSIVE = 1n << 56n;
const PM_FILE = 1n << 61n;
const PM_PRESENT = 1n << 63n;
const PM_ENTRY_BYTES = 8;

/** The pagemap entry of the page at `va`. */
export function pagemap_entry(k: Kernel, mm: mm_struct, va: bigint): bigint {
  const v = mm.vmas.find((x) => va >= x.vm_start && va < x.vm_end);
  if (!v) return 0n;
  const leaf = mm.pgd.lookup(va);
  if (!leaf) return PM_SOFT_DIRTY;
  const size = leaf.level === 1 ? PMD : PAGE;
  const pfn = ptePpn(leaf.lo, leaf.hi) + Number((va & (size - 1n)) / PAGE);
  const head = ptePpn(leaf.lo, leaf.hi);
  let e = PM_PRESENT | PM_SOFT_DIRTY | (BigInt(pfn) & PM_PFRAME_MASK);
  if (!isAnon(k, head) || v.vm_flags & VM_SHARED) e |= PM_FILE;
  if (mappers(k, head) === 1) e |= PM_MMAP_EXCLUSIVE;
  return e;
}

/** Read `len` bytes of /proc/PID/pagemap at `pos` (both multiples of 8, as Linux requires). */
export function pagemap_read(k: Kernel, mm: mm_struct, len: number, pos: number): Uint8Array | bigint {
  if (pos % PM_ENTRY_BYTES || len % PM_ENTRY_BYTES) return -EINVAL;
  const first = BigInt(pos / PM_ENTRY_BYTES);
  const last = TASK_SIZE / PAGE;
  const n = Number(
    first >= last
      ? 0n
      : last - first < BigInt(len / PM_ENTRY_BYTES)
        ? last - first
        : BigInt(len / PM_ENTRY_BYTES),
  );
  const out = new Uint8Array(n * PM_ENTRY_BYTES);
  const view = new DataView(out.buffer);
  for (let i = 0; i < n; i++)
    view.setBigUint64(i * 8, pagemap_entry(k, mm, (first + BigInt(i)) * PAGE), true);
  return out;
}
